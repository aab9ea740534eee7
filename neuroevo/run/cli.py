"""The ``neuroevo`` command.

::

    neuroevo run configs/xor.toml [--seed S] [--out DIR] [--generations N] [--quiet] [--device D]

``run`` writes ``DIR/result.json`` (solved, generations, evaluations, best fitness, seed,
strategy, task, seconds, per-generation history) and ``DIR/best_genome.json`` (NEAT) or
``DIR/best_params.json`` (strategies over flat parameter vectors). The default ``DIR`` is
``runs/<experiment-stem>-seed<S>``.

Sub-commands are listed in :data:`COMMANDS` as ``"module:function"``; the function gets
the sub-command's ``argparse`` parser, adds its arguments and sets ``func``. Any
:class:`~neuroevo.errors.NeuroevoError` ends the command with one line on stderr and exit
status 2.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Sequence
from typing import Any

from neuroevo._lazy import resolve
from neuroevo.errors import NeuroevoError

#: sub-command -> ("module:function" that configures its parser, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("neuroevo.run.cli:configure_run", "run an experiment file (configs/*.toml)"),
    "draw": ("neuroevo.run.commands:configure_draw", "draw a genome (file or run folder) with graphviz"),
    "plot": ("neuroevo.run.commands:configure_plot", "plot a run folder's statistics"),
    "resume": ("neuroevo.run.commands:configure_resume", "continue a run from its newest checkpoint"),
}


def default_out_dir(experiment: str | pathlib.Path, seed: int) -> pathlib.Path:
    """``runs/<experiment-stem>-seed<S>`` (relative to the current folder)."""
    return pathlib.Path("runs") / f"{pathlib.Path(experiment).stem}-seed{seed}"


def run_experiment(
    path: str | pathlib.Path,
    *,
    seed: int | None = None,
    out: str | pathlib.Path | None = None,
    generations: int | None = None,
    device: str | None = None,
    quiet: bool = False,
    stream: Any = None,
    extras: bool = True,
    checkpoint_every: int = 10,
) -> tuple[Any, pathlib.Path]:
    """Run the experiment file ``path`` and write its results; returns ``(Result, out_dir)``.

    With ``extras`` (default) the folder also gets the run-folder files (statistics, plots,
    drawing, copies of the experiment files; :class:`~neuroevo.reporting.run_folder.RunFolderReporter`)
    and a checkpoint every ``checkpoint_every`` generations (0: none) for ``neuroevo resume``.
    The task, the strategy and the reporters are built by :mod:`neuroevo.run.build`, as for
    a resumed run.

    Example::

        result, folder = run_experiment("configs/xor.toml", seed=3, quiet=True)
    """
    from neuroevo.loop import evolve
    from neuroevo.run import build
    from neuroevo.run.experiment_file import load_experiment

    exp = load_experiment(path)
    seed = seed if seed is not None else (exp.seed if exp.seed is not None else 0)
    gens = generations if generations is not None else exp.generations
    setup = build.build(exp, seed=seed, device=device)
    folder = pathlib.Path(out) if out is not None else default_out_dir(path, seed)
    reporters = build.display_reporters(quiet=quiet, stream=stream)
    if extras:
        reporters += build.folder_reporters(folder, setup, checkpoint_every=checkpoint_every,
                                            copy_files=build.experiment_files(exp))
    result = evolve(setup.strategy, setup.task, generations=gens, reporters=reporters,
                    **setup.evolve_kwargs())
    build.write_results(folder, setup, result, generation_limit=gens)
    return result, folder


def _cmd_run(args: argparse.Namespace) -> int:
    result, folder = run_experiment(args.experiment, seed=args.seed, out=args.out,
                                    generations=args.generations, device=args.device,
                                    quiet=args.quiet, extras=not args.no_extras,
                                    checkpoint_every=args.checkpoint_every)
    if not args.quiet:
        print(f"results in {folder}")
    return 0


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def configure_run(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo run``."""
    parser.add_argument("experiment", help="experiment file, e.g. configs/xor.toml")
    parser.add_argument("--seed", type=_non_negative, default=None,
                        help="random seed (default: the file's, else 0)")
    parser.add_argument("--out", default=None,
                        help="output folder (default: runs/<experiment>-seed<S>)")
    parser.add_argument("--generations", type=_non_negative, default=None,
                        help="generation limit (default: the file's)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA if available)")
    parser.add_argument("--quiet", action="store_true", help="print nothing while running")
    parser.add_argument("--checkpoint-every", type=_non_negative, default=10,
                        help="write a checkpoint every N generations (0: never; default 10)")
    parser.add_argument("--no-extras", action="store_true",
                        help="write only result.json and the best genome (no statistics, "
                        "plots, drawing or checkpoints)")
    parser.set_defaults(func=_cmd_run)


def build_parser() -> argparse.ArgumentParser:
    """The ``neuroevo`` argument parser with every sub-command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="neuroevo", description="neuroevolution experiments")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (target, help_text) in COMMANDS.items():
        configure = resolve(target)
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuroevo`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NeuroevoError as e:
        print(f"neuroevo {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neuroevo {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
