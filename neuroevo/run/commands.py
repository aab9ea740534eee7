"""``neuroevo draw | plot | resume``: functions behind the sub-commands, and their parsers.

Each ``configure_*`` function adds a sub-command's arguments to an ``argparse`` parser and
sets ``func`` (the convention of :data:`neuroevo.run.cli.COMMANDS`).

``draw`` and ``plot`` need the ``viz`` extra (graphviz, matplotlib); without it they end
in one line saying what to install.

Example::

    draw_command("runs/xor-seed1")                 # -> runs/xor-seed1/best_genome.svg
    plot_command("runs/xor-seed1")                 # -> fitness.png, species.png ...
    resume_command("runs/xor-seed1")               # continue from the newest checkpoint
    resume_command(checkpoint="runs/xor-seed1/checkpoints/gen-000010.ckpt")  # an earlier one
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO, Any

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.run.arguments import add_parallel_arguments


def _needs_viz(command: str, error: ImportError) -> ConfigError:
    """The one-line error of ``draw``/``plot`` when the ``viz`` extra is missing."""
    missing = getattr(error, "name", None) or str(error)
    return ConfigError(
        f"neuroevo {command} needs the viz extra ({missing} cannot be imported); "
        "install it with: pip install 'neuroevo[viz]'"
    )


def _find_ini(run_dir: Path) -> Path:
    found = (
        sorted((run_dir / "experiment").glob("*.ini")) if (run_dir / "experiment").is_dir() else []
    )
    if len(found) != 1:
        raise ConfigError(
            f"{run_dir}: cannot tell which neat-python INI file the run used "
            f"(found {[p.name for p in found]} in {run_dir / 'experiment'}); "
            "pass --config FILE"
        )
    return found[0]


def _run_experiment(folder: Path) -> Any:
    """The experiment of the run in ``folder``, from the copy in ``<folder>/experiment/``
    (beside the INI it names); ``None`` when there is none or it does not load."""
    from neuroevo.errors import NeuroevoError
    from neuroevo.run.experiment_file import load_experiment

    copies = folder / "experiment"
    found = sorted(copies.glob("*.toml")) if copies.is_dir() else []
    if len(found) != 1:
        return None
    try:
        return load_experiment(found[0])
    except NeuroevoError:
        return None


def _run_objects(folder: Path, *, strategy: bool) -> tuple[Any, Any]:
    """``(task, strategy)`` of the run in ``folder``, built from its experiment as the run
    built them (the strategy only when asked); ``None`` for what cannot be built here (no
    experiment copy, a task registered from Python in another process, a missing extra)."""
    from neuroevo.errors import NeuroevoError
    from neuroevo.run.registry import make_strategy, make_task

    exp = _run_experiment(folder)
    if exp is None:
        return None, None
    try:
        task = make_task(exp.task, **exp.task_params)
    except NeuroevoError:
        return None, None
    if not strategy:
        return task, None
    try:
        return task, make_strategy(
            exp.strategy, exp.strategy_params, task=task, base_dir=exp.base_dir
        )
    except NeuroevoError:
        return task, None


def draw_command(
    path: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    fmt: str = "svg",
    show_disabled: bool = False,
    prune: bool = True,
) -> Path:
    """Draw a genome file, or a run folder's ``best_genome.json``; returns the file written.

    The neat-python INI file is ``config``, else the one copied into ``<run>/experiment/``.
    Inputs and outputs are named after the run's task (rebuilt from ``<run>/experiment/``,
    as the run's own drawing names them: :func:`neuroevo.reporting.drawing.task_io_names`);
    without it, by their keys.

    A run of GA, PSO, SA or a gradient baseline holds ``best_params.json`` instead (a
    parameter vector, no genome): its network, rebuilt from ``<run>/experiment/``, is drawn
    with those weights (:func:`neuroevo.viz.draw_params.draw_parameters`) to
    ``best_params.svg``; ``config``, ``show_disabled`` and ``prune`` do not apply to it.
    """
    from neuroevo.config import load_config
    from neuroevo.io.genome_json import load_genome

    try:
        from neuroevo.reporting.drawing import task_io_names
        from neuroevo.viz.draw import draw_genome, io_names, render
    except ImportError as e:
        raise _needs_viz("draw", e) from None

    p = Path(path)
    genome_file = p / "best_genome.json" if p.is_dir() else p
    params_file = p / "best_params.json" if p.is_dir() else p
    if p.name == "best_params.json" or (not genome_file.is_file() and params_file.is_file()):
        return _draw_params(params_file, out=out, fmt=fmt)
    if not genome_file.is_file():
        raise CheckpointError(
            f"{genome_file}: no such genome file"
            + (" (nor best_params.json); give a run folder or a genome file" if p.is_dir() else "")
        )
    ini = Path(config) if config is not None else _find_ini(genome_file.parent)
    cfg = load_config(ini)
    genome = load_genome(genome_file, cfg.genome_config)
    task, _ = _run_objects(genome_file.parent, strategy=False)
    names = None if task is None else io_names(cfg.genome_config, *task_io_names(task))
    dot = draw_genome(
        genome, cfg, node_names=names, prune=prune, show_disabled=show_disabled, fmt=fmt
    )
    target = Path(out) if out is not None else genome_file.with_suffix(f".{fmt}")
    return render(dot, target, fmt)


def _draw_params(params_file: Path, *, out: str | os.PathLike[str] | None, fmt: str) -> Path:
    """Draw the network of a ``best_params.json`` (see :func:`draw_command`)."""
    from neuroevo.errors import StrategyError
    from neuroevo.reporting.drawing import task_io_names
    from neuroevo.reporting.fitness_plots import plot_title
    from neuroevo.run.results import read_best_params

    try:
        from neuroevo.viz.draw import render
        from neuroevo.viz.draw_params import draw_parameters
    except ImportError as e:
        raise _needs_viz("draw", e) from None

    params = read_best_params(params_file)
    folder = params_file.parent
    task, strategy = _run_objects(folder, strategy=True)
    module = getattr(strategy, "module", None)
    if module is None:
        raise ConfigError(
            f"{params_file}: a parameter vector, not a genome, and its network "
            f"cannot be rebuilt without the run's experiment file in "
            f"{folder / 'experiment'} (and the task and strategy it names); "
            "draw a run folder of neuroevo run"
        )
    inputs, outputs = task_io_names(task)
    try:
        dot = draw_parameters(
            module,
            params,
            input_names=inputs,
            output_names=outputs,
            fmt=fmt,
            title=f"{plot_title(task, strategy)}: best parameters "
            "(no genome: the network the strategy searched)",
        )
    except StrategyError as e:
        raise ConfigError(f"{params_file}: {e}") from None
    target = Path(out) if out is not None else params_file.with_suffix(f".{fmt}")
    return render(dot, target, fmt)


def _plot_labels(folder: Path) -> tuple[str | None, float | None]:
    """``(title, threshold)`` of a run folder's plots, as
    :class:`~neuroevo.reporting.fitness_plots.FitnessPlots` drew them: the task and the
    strategy rebuilt from ``<run>/experiment/``; else the names and the threshold
    ``result.json`` records; else none."""
    from neuroevo.io.json_values import read_json_file
    from neuroevo.reporting.fitness_plots import plot_title

    task, strategy = _run_objects(folder, strategy=True)
    if task is not None and strategy is not None:
        return plot_title(task, strategy), getattr(task, "fitness_threshold", None)
    try:
        result = read_json_file(folder / "result.json", "result file")
    except CheckpointError:
        return None, None
    if not isinstance(result, dict):
        return None, None
    names = result.get("task"), result.get("strategy")
    threshold = result.get("fitness_threshold")
    return (
        " · ".join(str(n) for n in names) if all(isinstance(n, str) for n in names) else None,
        float(threshold)
        if isinstance(threshold, (int, float)) and not isinstance(threshold, bool)
        else None,
    )


def plot_command(run_dir: str | os.PathLike[str]) -> list[Path]:
    """Re-draw a run folder's plots from ``stats.jsonl`` / ``species.jsonl`` (or the
    ``stats.json``/``species.json`` of earlier versions) as the run drew them: titled with
    the task and the strategy, the task's threshold drawn, the species over the generations
    of the statistics (:func:`_plot_labels`); returns the files."""
    from neuroevo.reporting.stats import read_run_history

    try:
        from neuroevo.viz.plots import plot_fitness, plot_species
    except ImportError as e:
        raise _needs_viz("plot", e) from None
    folder = Path(run_dir)
    stats, species = read_run_history(folder)
    if not stats:
        raise CheckpointError(
            f"{folder}: no stats.jsonl (nor stats.json); run with a RunFolderReporter first"
        )
    title, threshold = _plot_labels(folder)
    written = [folder / "fitness.png", folder / "fitness_evaluations.png"]
    try:
        plot_fitness(stats, title=title or "fitness", threshold=threshold, filename=written[0])
        plot_fitness(
            stats,
            x="evaluations",
            title=title or "fitness",
            threshold=threshold,
            filename=written[1],
        )
        if species:
            written.append(folder / "species.png")
            plot_species(
                species,
                generations=[r["generation"] for r in stats],
                title=f"species: {title}" if title else None,
                filename=written[2],
            )
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{folder}: stats/species files malformed ({e!r})") from None
    return written


def resume_paths(
    run_dir: str | os.PathLike[str] | None, checkpoint: str | os.PathLike[str] | None
) -> tuple[Path, Path | None]:
    """``(run folder, checkpoint or None)`` of ``neuroevo resume [RUN_DIR] [--from CKPT]``:
    without ``RUN_DIR`` the folder is the one holding ``CKPT``'s ``checkpoints/``."""
    from neuroevo.reporting.checkpointer import CHECKPOINT_DIR

    ckpt = Path(checkpoint) if checkpoint is not None else None
    if run_dir is not None:
        folder = Path(run_dir)
        if not folder.is_dir():
            raise CheckpointError(
                f"{folder}: no such run folder; pass the folder `neuroevo run` "
                "wrote (or --from CHECKPOINT)"
            )
        return folder, ckpt
    if ckpt is None:
        raise CheckpointError(
            "neuroevo resume: name the run folder (neuroevo resume RUN_DIR) "
            "or a checkpoint (neuroevo resume --from CHECKPOINT)"
        )
    if ckpt.parent.name != CHECKPOINT_DIR:
        raise CheckpointError(
            f"--from {ckpt}: not in a run folder's {CHECKPOINT_DIR}/; name "
            "the folder to write into: neuroevo resume RUN_DIR --from "
            f"{ckpt}"
        )
    return ckpt.parent.parent, ckpt


def _finish_files(folder: Path, point: Any) -> None:
    """Write the result files and the summary of a finished run when they are missing (a
    run killed after its last checkpoint)."""
    from neuroevo.reporting.stats import StatsWriter
    from neuroevo.reporting.summary import Summary
    from neuroevo.run.results import write_results

    result = point.finished_result()
    if not (folder / "result.json").is_file():
        write_results(folder, point.setup, result, generation_limit=point.generation_limit)
    if not (folder / "summary.md").is_file():
        summary = Summary(folder, StatsWriter(folder, history=[h.to_dict() for h in point.history]))
        summary.on_start(point.setup.strategy, point.setup.task, 0)
        summary.on_end(result)


def open_resume(
    run_dir: str | os.PathLike[str] | None = None,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    device: str | None = None,
    allow_import: bool = False,
    **parallel: Any,
) -> tuple[Path, Any]:
    """``(run folder, ResumePoint)`` of ``neuroevo resume``: the checkpoint read, the run
    rebuilt and its strategy restored (:func:`neuroevo.run.resume.load_resume_point`;
    ``parallel``: its ``workers``, ``backend``, ``address``)."""
    from neuroevo.run.resume import load_resume_point

    folder, ckpt = resume_paths(run_dir, checkpoint)
    return folder, load_resume_point(
        folder,
        checkpoint=ckpt,
        generations=generations,
        device=device,
        allow_import=allow_import,
        **parallel,
    )


def continue_in_folder(
    folder: Path,
    point: Any,
    *,
    quiet: bool = False,
    checkpoint_every: int = 10,
    stream: IO[str] | None = None,
) -> Any:
    """Run what is left of ``point`` with every reporter of ``neuroevo run`` writing into
    ``folder``; the backend is started first (one that cannot start changes no file), then
    checkpoints after ``point``'s are dropped, stale temporary files removed."""
    from neuroevo.io.atomic import remove_stale_temporaries
    from neuroevo.reporting.stats import read_run_history
    from neuroevo.run.build import display_reporters, folder_reporters
    from neuroevo.run.resume import continue_run, discard_newer_checkpoints
    from neuroevo.run.tracking import resume_tracking

    point.setup.start_backend()  # a backend that cannot start says so before any file changes
    try:
        remove_stale_temporaries(folder)
        discard_newer_checkpoints(folder, point.checkpoint)
        _, species = read_run_history(folder)
        say = None if quiet else (stream if stream is not None else sys.stderr)
        reporters = folder_reporters(
            folder,
            point.setup,
            checkpoint_every=checkpoint_every,
            snapshot=point.checkpoint.experiment,
            history=point.history,
            species_history=species,
            generation_limit=point.generation_limit,
            stream=say,
            display=display_reporters(
                quiet=quiet, stream=stream, start_generation=point.next_generation
            ),
            tracking=resume_tracking(folder, point.setup.experiment),
        )
        return continue_run(point, reporters)
    finally:
        point.setup.close_backend()


def resume_command(
    run_dir: str | os.PathLike[str] | None = None,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    device: str | None = None,
    quiet: bool = False,
    checkpoint_every: int = 10,
    allow_import: bool = False,
    stream: IO[str] | None = None,
    workers: int | None = None,
    backend: str | None = None,
    address: str | None = None,
) -> Any:
    """Continue a run from its newest checkpoint (or ``checkpoint``), writing into its folder
    everything ``neuroevo run`` writes: checkpoints, ``result.json``, the best genome or
    parameters, statistics, pictures, summary (:func:`neuroevo.run.build.folder_reporters`,
    continued from the checkpoint's history). Returns the :class:`neuroevo.Result` of the
    whole run.

    A run that already finished (its generation limit reached, or solved with
    ``stop_on_solve``) is not run again: its files stay as they are (the missing ones of a
    run killed at the very end are written) and its result is returned as the checkpoint
    holds it; pass ``generations`` to run more anyway. ``stream``: where the display and an
    interruption go (default stdout and stderr; ``quiet``: nowhere). ``workers``,
    ``backend``, ``address``: evaluate on worker processes or Ray (the same result).
    """
    folder, point = open_resume(
        run_dir,
        checkpoint=checkpoint,
        generations=generations,
        device=device,
        allow_import=allow_import,
        workers=workers,
        backend=backend,
        address=address,
    )
    if point.finished and generations is None:
        _finish_files(folder, point)
        return point.finished_result()
    return continue_in_folder(
        folder, point, quiet=quiet, checkpoint_every=checkpoint_every, stream=stream
    )


# --- argparse wiring (neuroevo.run.cli.COMMANDS) -------------------------------------------------


def configure_draw(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo draw PATH``."""
    parser.add_argument(
        "path",
        help="a run folder, a genome JSON file or a best_params.json "
        "(GA/PSO/SA/gradient runs: their network is drawn)",
    )
    parser.add_argument(
        "--config",
        default=None,
        help="neat-python INI file (default: the run folder's experiment/*.ini)",
    )
    parser.add_argument("--out", default=None, help="output file (default: next to the genome)")
    parser.add_argument("--format", default="svg", help="svg, png, pdf ... (default svg)")
    parser.add_argument("--show-disabled", action="store_true", help="draw disabled connections")
    parser.add_argument("--no-prune", action="store_true", help="also draw unused nodes")

    def run(args: argparse.Namespace) -> int:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = draw_command(
                args.path,
                config=args.config,
                out=args.out,
                fmt=args.format,
                show_disabled=args.show_disabled,
                prune=not args.no_prune,
            )
        for w in caught:  # graphviz's dot missing: one line, not a warning with its source
            if w.category.__name__ == "DotMissingWarning":
                print(f"neuroevo draw: note: {w.message}", file=sys.stderr)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        print(path)
        return 0

    parser.set_defaults(func=run)


def configure_plot(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo plot RUN_DIR``."""
    parser.add_argument("run_dir", help="a run folder with stats.jsonl")

    def run(args: argparse.Namespace) -> int:
        for p in plot_command(args.run_dir):
            print(p)
        return 0

    parser.set_defaults(func=run)


def configure_resume(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo resume [RUN_DIR] [--from CHECKPOINT]``."""
    parser.add_argument(
        "run_dir",
        nargs="?",
        default=None,
        help="a run folder with checkpoints/ (default with --from: the folder "
        "holding the checkpoint)",
    )
    parser.add_argument(
        "--from",
        dest="checkpoint",
        default=None,
        metavar="CHECKPOINT",
        help="resume from this checkpoint file instead of the newest (newer ones are then dropped)",
    )
    parser.add_argument(
        "--generations", type=int, default=None, help="generations to run (default: those left)"
    )
    parser.add_argument("--device", default=None, help="cpu, cuda ... (default: the run's)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--allow-import",
        action="store_true",
        help="import a task or strategy registered from Python, as the "
        "checkpoint names it (only for checkpoints you trust)",
    )
    add_parallel_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        folder, point = open_resume(
            args.run_dir,
            checkpoint=args.checkpoint,
            generations=args.generations,
            device=args.device,
            allow_import=args.allow_import,
            workers=args.workers,
            backend=args.backend,
            address=args.address,
        )
        if point.finished and args.generations is None:
            _finish_files(folder, point)
            how = (
                f"solved in generation {point.history[-1].generation}"
                if point.solved and point.history
                else "solved"
                if point.solved
                else "reached its generation limit"
            )
            print(
                f"{folder}: the run already finished ({how}, best fitness "
                f"{point.setup.strategy.best_fitness:.6g}); nothing to resume. To run more "
                f"generations: neuroevo resume {folder} --generations N"
            )
            return 0
        try:
            result = continue_in_folder(folder, point, quiet=args.quiet)
        except KeyboardInterrupt:
            print(
                f"neuroevo resume: interrupted; continue with `neuroevo resume {folder}`",
                file=sys.stderr,
            )
            return 130
        if args.quiet:  # the display's last line says it otherwise
            print(
                f"{'solved' if result.solved else 'not solved'}: best fitness "
                f"{result.best_fitness:.6g} after {result.generations} generations"
            )
        else:
            print(f"results in {folder}")  # as neuroevo run ends
        return 0

    parser.set_defaults(func=run)


__all__ = [
    "draw_command",
    "plot_command",
    "resume_command",
    "resume_paths",
    "open_resume",
    "continue_in_folder",
    "configure_draw",
    "configure_plot",
    "configure_resume",
]
