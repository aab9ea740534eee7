"""The ``neuroevo`` command.

::

    neuroevo run configs/xor.toml [--seed S] [--out DIR] [--overwrite] [--generations N]
                                  [--quiet] [--device D] [--checkpoint-every N] [--no-extras]
                                  [--tensorboard DIR] [--mlflow URI] [--wandb PROJECT]
    neuroevo --version

``run`` writes ``DIR/result.json`` (solved, generations, evaluations, best fitness, seed,
strategy, task, seconds, status, per-generation history) and ``DIR/best_genome.json``
(NEAT) or ``DIR/best_params.json`` (strategies over flat parameter vectors). The default
``DIR`` is ``runs/<experiment-stem>-seed<S>``. A ``DIR`` that already holds something is
refused (:mod:`neuroevo.run.folder`); ``--overwrite`` replaces an earlier run there.
Everything is checked (the folder, the experiment, the device, the task, the strategy
against the task and the backend) and the backend started (worker processes, Ray) before
anything is written, so a run that cannot start leaves the folder as it was.

Sub-commands are listed in :data:`COMMANDS` as ``"module:function"``; the function gets
the sub-command's ``argparse`` parser, adds its arguments and sets ``func``. Any
:class:`~neuroevo.errors.NeuroevoError`, and a missing optional package, ends the command
with one line on stderr and exit status 2; Ctrl-C with one line and exit status 130 (after
the checkpoint is saved), even while the command is still importing.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Sequence
from typing import Any

from neuroevo._lazy import resolve
from neuroevo.errors import NeuroevoError
from neuroevo.run.arguments import add_parallel_arguments, non_negative

#: sub-command -> ("module:function" that configures its parser, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("neuroevo.run.cli:configure_run", "run an experiment file (configs/*.toml)"),
    "draw": (
        "neuroevo.run.commands:configure_draw",
        "draw a genome (file or run folder) with graphviz",
    ),
    "plot": ("neuroevo.run.commands:configure_plot", "plot a run folder's statistics"),
    "resume": (
        "neuroevo.run.commands:configure_resume",
        "continue a run from its newest checkpoint",
    ),
    "replay": (
        "neuroevo.run.replay:configure_replay",
        "the best candidate's episode as a GIF, drawn by gymnasium",
    ),
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
    overwrite: bool = False,
    workers: int | None = None,
    backend: str | None = None,
    address: str | None = None,
    tensorboard: str | None = None,
    mlflow: str | None = None,
    wandb: str | None = None,
) -> tuple[Any, pathlib.Path]:
    """Run the experiment file ``path`` and write its results; returns ``(Result, out_dir)``.

    With ``extras`` (default) the folder also gets the run-folder files (statistics, plots,
    drawing, copies of the experiment files; :class:`~neuroevo.reporting.run_folder.RunFolderReporter`)
    and a checkpoint every ``checkpoint_every`` generations (0: none) for ``neuroevo resume``.
    ``out`` must not hold anything yet, unless ``overwrite`` (then an earlier run there is
    replaced; :mod:`neuroevo.run.folder`). The task, the strategy and the reporters are
    built by :mod:`neuroevo.run.build`, as for a resumed run, and checked before anything
    is written. ``workers``/``backend``/``address`` evaluate the population on worker
    processes or Ray actors (default: the file's ``[parallel]`` table, else one process);
    the result is the same. ``tensorboard``/``mlflow``/``wandb`` (a folder, a tracking URI, a
    W&B project) add experiment trackers to the file's ``[reporting]`` table
    (:mod:`neuroevo.run.tracking`).

    Example::

        result, folder = run_experiment("configs/xor.toml", seed=3, quiet=True)
    """
    from neuroevo.loop import evolve
    from neuroevo.run import build
    from neuroevo.run.experiment_file import load_experiment
    from neuroevo.run.folder import check_out_folder, prepare_out_folder
    from neuroevo.run.results import write_results
    from neuroevo.run.tracking import resolve_tracking, tracking_reporters

    exp = load_experiment(path)
    seed = seed if seed is not None else (exp.seed if exp.seed is not None else 0)
    gens = generations if generations is not None else exp.generations
    folder = pathlib.Path(out) if out is not None else default_out_dir(path, seed)
    check_out_folder(folder, overwrite=overwrite)
    # everything that can fail before the first generation, before anything is written
    setup = build.build(
        exp, seed=seed, device=device, workers=workers, backend=backend, address=address
    )
    setup.prepare()
    display = build.display_reporters(quiet=quiet, stream=stream)
    tracking = resolve_tracking(exp, folder, tensorboard=tensorboard, mlflow=mlflow, wandb=wandb)
    reporters = display + tracking_reporters(folder, setup, tracking) if not extras else []
    if extras:
        snapshot = build.run_snapshot(setup) if checkpoint_every > 0 else None
        reporters = build.folder_reporters(
            folder,
            setup,
            checkpoint_every=checkpoint_every,
            snapshot=snapshot,
            copy_files=build.experiment_files(exp),
            generation_limit=gens,
            display=display,
            stream=None if quiet else sys.stderr,
            tracking=tracking,
        )
    setup.start_backend()  # workers started, Ray joined: a backend that cannot start says so
    try:  # before the folder is written
        prepare_out_folder(folder, overwrite=overwrite)
        result = evolve(
            setup.strategy,
            setup.task,
            generations=gens,
            reporters=reporters,
            setup=False,
            **setup.evolve_kwargs(),
        )
        if not extras:
            write_results(folder, setup, result, generation_limit=gens)
    finally:
        setup.close_backend()
    return result, folder


def _out_folder(args: argparse.Namespace) -> pathlib.Path:
    """The output folder ``neuroevo run`` uses with these arguments."""
    if args.out is not None:
        return pathlib.Path(args.out)
    from neuroevo.run.experiment_file import load_experiment

    seed = args.seed if args.seed is not None else load_experiment(args.experiment).seed
    return default_out_dir(args.experiment, seed if seed is not None else 0)


def _after_interrupt(args: argparse.Namespace) -> str:
    """What to do after Ctrl-C: resume, when a checkpoint was saved. Anything failing here
    (an import the interruption left half done) means the run never started: none was."""
    try:
        from neuroevo.reporting.checkpointer import list_checkpoints

        folder = _out_folder(args)
        saved = bool(list_checkpoints(folder))
    except Exception:
        return "no checkpoint was saved"
    return f"continue with `neuroevo resume {folder}`" if saved else "no checkpoint was saved"


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        result, folder = run_experiment(
            args.experiment,
            seed=args.seed,
            out=args.out,
            generations=args.generations,
            device=args.device,
            quiet=args.quiet,
            extras=not args.no_extras,
            checkpoint_every=args.checkpoint_every,
            overwrite=args.overwrite,
            workers=args.workers,
            backend=args.backend,
            address=args.address,
            tensorboard=args.tensorboard,
            mlflow=args.mlflow,
            wandb=args.wandb,
        )
    except KeyboardInterrupt:
        print(f"neuroevo run: interrupted; {_after_interrupt(args)}", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"results in {folder}")
    return 0


def configure_run(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo run``."""
    parser.add_argument("experiment", help="experiment file, e.g. configs/xor.toml")
    parser.add_argument(
        "--seed", type=non_negative, default=None, help="random seed (default: the file's, else 0)"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="output folder, new or empty (default: runs/<experiment>-seed<S>)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run already in the output folder (its files are "
        "deleted once the new run has been checked)",
    )
    parser.add_argument(
        "--generations",
        type=non_negative,
        default=None,
        help="generation limit (default: the file's)",
    )
    parser.add_argument(
        "--device", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA if available)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing while running")
    parser.add_argument(
        "--checkpoint-every",
        type=non_negative,
        default=10,
        help="write a checkpoint every N generations (0: never; default 10)",
    )
    parser.add_argument(
        "--no-extras",
        action="store_true",
        help="write only result.json and the best genome (no statistics, "
        "plots, drawing or checkpoints)",
    )
    parser.add_argument(
        "--tensorboard",
        default=None,
        metavar="DIR",
        help="write TensorBoard event files to DIR/<run folder name> (the "
        "tensorboard extra; default: the file's [reporting])",
    )
    parser.add_argument(
        "--mlflow",
        default=None,
        metavar="URI",
        help='log to MLflow at URI ("file:runs/mlruns", "http://host:5000"; the mlflow extra)',
    )
    parser.add_argument(
        "--wandb",
        default=None,
        metavar="PROJECT",
        help="log to the Weights & Biases project PROJECT (the wandb extra; "
        "WANDB_MODE=offline keeps it on this machine)",
    )
    add_parallel_arguments(parser)
    parser.set_defaults(func=_cmd_run)


def build_parser() -> argparse.ArgumentParser:
    """The ``neuroevo`` argument parser with every sub-command of :data:`COMMANDS`."""
    from neuroevo import __version__

    parser = argparse.ArgumentParser(prog="neuroevo", description="neuroevolution experiments")
    parser.add_argument("--version", action="version", version=f"neuroevo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (target, help_text) in COMMANDS.items():
        configure = resolve(target)
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


#: the extra that installs a missing top-level package
EXTRAS = {
    "graphviz": "viz",
    "matplotlib": "viz",
    "gymnasium": "gym",
    "Box2D": "box2d",
    "box2d": "box2d",
    "ray": "ray",
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "onnxscript": "onnx",
    "tensorboard": "tensorboard",
    "mlflow": "mlflow",
    "wandb": "wandb",
}


def missing_package_line(error: ImportError) -> str:
    """What to install for ``error``: the extra that provides the missing package, else the
    package itself (a module the experiment names, a task's own dependency)."""
    name = (getattr(error, "name", None) or "").partition(".")[0]
    extra = EXTRAS.get(name)
    if extra is not None:
        return f"{error}; install it with: pip install 'neuroevo[{extra}]'"
    return (
        f"{error}; install the package that provides it, or put its folder on the Python "
        "path (PYTHONPATH)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuroevo`` command; returns the exit status.

    Everything runs under one handler, the parser and the imports of torch and the command
    included: Ctrl-C at any moment ends in one line (exit status 130), never a traceback.
    """
    command = ""
    try:
        args = build_parser().parse_args(argv)
        command = f" {args.command}"
        if getattr(args, "threads", None):
            import torch

            torch.set_num_threads(args.threads)  # the command owns its process; the library
        return int(args.func(args) or 0)  # never sets it
    except NeuroevoError as e:
        print(f"neuroevo{command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    except ImportError as e:  # an optional package; the commands name the extra where they can
        print(f"neuroevo{command}: {missing_package_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neuroevo{command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
