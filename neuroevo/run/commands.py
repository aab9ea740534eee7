"""``neuroevo draw | plot | resume``: functions behind the sub-commands, and their parsers.

Each ``configure_*`` function adds a sub-command's arguments to an ``argparse`` parser and
sets ``func`` (the convention of :data:`neuroevo.run.cli.COMMANDS`).

Example::

    draw_command("runs/xor-seed1")                 # -> runs/xor-seed1/best_genome.svg
    plot_command("runs/xor-seed1")                 # -> fitness.png, species.png ...
    resume_command("runs/xor-seed1")               # continue from the newest checkpoint
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError, ConfigError


def _find_ini(run_dir: Path) -> Path:
    found = sorted((run_dir / "experiment").glob("*.ini")) if (run_dir / "experiment").is_dir() else []
    if len(found) != 1:
        raise ConfigError(f"{run_dir}: cannot tell which neat-python INI file the run used "
                          f"(found {[p.name for p in found]} in {run_dir / 'experiment'}); "
                          "pass --config FILE")
    return found[0]


def draw_command(path: str | os.PathLike[str], *, config: str | os.PathLike[str] | None = None,
                 out: str | os.PathLike[str] | None = None, fmt: str = "svg",
                 show_disabled: bool = False, prune: bool = True) -> Path:
    """Draw a genome file, or a run folder's ``best_genome.json``; returns the file written.

    The neat-python INI file is ``config``, else the one copied into ``<run>/experiment/``.
    """
    from neuroevo.config import load_config
    from neuroevo.io.genome_json import load_genome
    from neuroevo.viz.draw import render, draw_genome

    p = Path(path)
    genome_file = p / "best_genome.json" if p.is_dir() else p
    if not genome_file.is_file():
        raise CheckpointError(f"{genome_file}: no such genome file")
    ini = Path(config) if config is not None else _find_ini(genome_file.parent)
    cfg = load_config(ini)
    genome = load_genome(genome_file, cfg.genome_config)
    dot = draw_genome(genome, cfg, prune=prune, show_disabled=show_disabled, fmt=fmt)
    target = Path(out) if out is not None else genome_file.with_suffix(f".{fmt}")
    return render(dot, target, fmt)


def plot_command(run_dir: str | os.PathLike[str]) -> list[Path]:
    """Re-draw a run folder's plots from ``stats.json`` / ``species.json``; returns the files."""
    from neuroevo.reporting.stats import read_run_history
    from neuroevo.viz.plots import plot_fitness, plot_species

    folder = Path(run_dir)
    stats, species = read_run_history(folder)
    if not stats:
        raise CheckpointError(f"{folder}: no stats.json; run with a RunFolderReporter first")
    written = [folder / "fitness.png", folder / "fitness_evaluations.png"]
    try:
        plot_fitness(stats, filename=written[0])
        plot_fitness(stats, x="evaluations", filename=written[1])
        if species:
            written.append(folder / "species.png")
            plot_species(species, filename=written[2])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{folder}: stats.json/species.json malformed ({e!r})") from None
    return written


def resume_command(run_dir: str | os.PathLike[str], *, generations: int | None = None,
                   device: str | None = None, quiet: bool = False,
                   checkpoint_every: int = 10) -> Any:
    """Continue a run from its newest checkpoint, writing into the same folder.

    Keeps the folder's statistics and checkpoints going: the same run-folder reporters as
    ``neuroevo run`` (:func:`neuroevo.run.build.folder_reporters`), continued from the
    checkpoint's history.
    """
    from neuroevo.reporting.stats import read_run_history
    from neuroevo.run.build import folder_reporters
    from neuroevo.run.resume import continue_run, load_resume_point

    folder = Path(run_dir)
    _, species = read_run_history(folder)
    point = load_resume_point(folder, generations=generations, device=device)
    reporters: list[Any] = folder_reporters(
        folder, point.setup, checkpoint_every=checkpoint_every,
        snapshot=point.checkpoint.experiment, history=point.history, species_history=species)
    if not quiet:
        from neuroevo.reporting.progress import ProgressBar

        reporters.append(ProgressBar())
    return continue_run(point, reporters)


# --- argparse wiring (neuroevo.run.cli.COMMANDS) -------------------------------------------------


def configure_draw(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo draw PATH``."""
    parser.add_argument("path", help="a genome JSON file or a run folder")
    parser.add_argument("--config", default=None, help="neat-python INI file (default: the "
                        "run folder's experiment/*.ini)")
    parser.add_argument("--out", default=None, help="output file (default: next to the genome)")
    parser.add_argument("--format", default="svg", help="svg, png, pdf ... (default svg)")
    parser.add_argument("--show-disabled", action="store_true", help="draw disabled connections")
    parser.add_argument("--no-prune", action="store_true", help="also draw unused nodes")

    def run(args: argparse.Namespace) -> int:
        path = draw_command(args.path, config=args.config, out=args.out, fmt=args.format,
                            show_disabled=args.show_disabled, prune=not args.no_prune)
        print(path)
        return 0

    parser.set_defaults(func=run)


def configure_plot(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo plot RUN_DIR``."""
    parser.add_argument("run_dir", help="a run folder with stats.json")

    def run(args: argparse.Namespace) -> int:
        for p in plot_command(args.run_dir):
            print(p)
        return 0

    parser.set_defaults(func=run)


def configure_resume(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo resume RUN_DIR``."""
    parser.add_argument("run_dir", help="a run folder with checkpoints/")
    parser.add_argument("--generations", type=int, default=None,
                        help="generations to run (default: those left)")
    parser.add_argument("--device", default=None, help="cpu, cuda ... (default: the run's)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def run(args: argparse.Namespace) -> int:
        result = resume_command(args.run_dir, generations=args.generations, device=args.device,
                                quiet=args.quiet)
        print(f"{'solved' if result.solved else 'not solved'}: best fitness "
              f"{result.best_fitness:.6g} after {result.generations} generations")
        return 0

    parser.set_defaults(func=run)


__all__ = ["draw_command", "plot_command", "resume_command", "configure_draw",
           "configure_plot", "configure_resume"]
