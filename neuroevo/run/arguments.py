"""Argument types and option groups that several sub-commands of ``neuroevo`` share.

``run`` (:mod:`neuroevo.run.cli`), ``resume`` (:mod:`neuroevo.run.commands`) and
``replay`` (:mod:`neuroevo.run.replay`) read them from here, so no sub-command's module
imports another's. Building a parser with them imports no torch: the backend names come
from :mod:`neuroevo.parallel.registry`, which imports nothing heavy.

Example::

    parser = argparse.ArgumentParser()
    add_parallel_arguments(parser)      # --workers, --backend, --address, --threads
    parser.add_argument("--every", type=non_negative)
"""

from __future__ import annotations

import argparse

from neuroevo.parallel.registry import backend_names, describe


def non_negative(text: str) -> int:
    """An ``argparse`` type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def positive(text: str) -> int:
    """An ``argparse`` type: an integer >= 1."""
    value = non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def add_parallel_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workers``, ``--backend``, ``--address``, ``--threads`` (of ``run`` and ``resume``);
    ``--backend`` takes the evaluation backends of :mod:`neuroevo.parallel.registry`."""
    parser.add_argument(
        "--workers",
        type=positive,
        default=None,
        metavar="N",
        help="evaluate the population on N worker processes (or Ray actors); "
        "same result as one process (default: the file's [parallel])",
    )
    parser.add_argument(
        "--backend",
        choices=backend_names("evaluation"),
        default=None,
        help=f"where to evaluate: {describe('evaluation')} "
        "(default: process with --workers, else serial)",
    )
    parser.add_argument(
        "--address",
        default=None,
        help='Ray cluster to join ("auto", "ray://host:10001"); default: a local Ray',
    )
    parser.add_argument(
        "--threads",
        type=positive,
        default=1,
        metavar="T",
        help="torch threads in this process (default 1: a generation's tensors "
        "are small, and a second thread stalls whenever another process holds a "
        "core; benchmarks/cli_threads.py measures it)",
    )


__all__ = ["add_parallel_arguments", "non_negative", "positive"]
