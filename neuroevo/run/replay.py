"""``neuroevo replay RUN``: the best candidate's episode as an animated GIF.

::

    neuroevo replay RUN [--out FILE.gif] [--seed S] [--steps N] [--every K] [--fps F]

The run's task is rebuilt from the copy of its experiment file in ``RUN/experiment/``; its
best candidate is ``RUN/best_genome.json`` (NEAT, compiled with the INI file copied beside
the experiment) or ``RUN/best_params.json`` (GA, PSO, SA, gradient: the strategy's network
with those parameters). One episode (``--seed``, default 0, as ``episode.png``) is played
and drawn by gymnasium's own renderer (:mod:`neuroevo.reporting.replay`): at most
``--steps`` steps (default 1,000; the episode's first ones), one frame every ``--every``
states, shown at ``--fps`` (default gymnasium's ``render_fps`` divided by ``--every``:
real time). The GIF goes to ``RUN/replay.gif`` unless ``--out`` names another ``.gif``.

Everything that cannot be done ends in one line: no such run folder, no best candidate in
it, no experiment copy, a task that is not a control task or has no gymnasium renderer (the
double pole), pygame missing.

Example::

    replay_command("runs/cartpole-seed1")          # -> runs/cartpole-seed1/replay.gif
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.run.arguments import non_negative, positive


def _task_of(folder: Path) -> tuple[Any, Any]:
    """``(task, experiment)`` of the run in ``folder``, rebuilt from ``<folder>/experiment/``."""
    from neuroevo.run.commands import _run_experiment
    from neuroevo.run.registry import make_task

    exp = _run_experiment(folder)
    if exp is None:
        raise ConfigError(
            f"{folder}: no loadable experiment file in {folder / 'experiment'}, "
            "so the task cannot be rebuilt; replay a run folder of neuroevo run"
        )
    return make_task(exp.task, **exp.task_params), exp


def best_candidate_policy(folder: Path, task: Any, exp: Any) -> Any:
    """The policy of the run's best candidate alone, in float64 on the CPU (module doc)."""
    genome_file, params_file = folder / "best_genome.json", folder / "best_params.json"
    if genome_file.is_file():
        from neuroevo.config import load_config
        from neuroevo.io.genome_json import load_genome
        from neuroevo.run.commands import _find_ini
        from neuroevo.strategies.neat.candidates import genome_network

        cfg = load_config(_find_ini(folder))
        return genome_network(load_genome(genome_file, cfg.genome_config), cfg.genome_config)
    if params_file.is_file():
        from neuroevo.run.registry import make_strategy
        from neuroevo.run.results import read_best_params

        params = read_best_params(params_file)
        strategy = make_strategy(
            exp.strategy, exp.strategy_params, task=task, base_dir=exp.base_dir
        )
        module = getattr(strategy, "module", None)
        if module is None:
            raise ConfigError(
                f"{params_file}: strategy {exp.strategy!r} has no network to set "
                "these parameters into; replay a GA, PSO, SA or gradient run"
            )
        from neuroevo.strategies.parameter_rows import parameter_network

        return parameter_network(
            module,
            params,
            num_inputs=getattr(task, "num_inputs", None),
            num_outputs=getattr(task, "num_outputs", None),
        )
    raise CheckpointError(
        f"{folder}: no best_genome.json nor best_params.json (the run wrote "
        "no best candidate yet); replay it once a generation has finished"
    )


def replay_command(
    run_dir: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    seed: int = 0,
    steps: int | None = None,
    every: int = 1,
    fps: float | None = None,
) -> tuple[Path, int]:
    """Write the GIF of the best candidate's episode (module doc); returns ``(file, frames)``."""
    from neuroevo.reporting.replay import REPLAY_STEPS, episode_frames, render_fps
    from neuroevo.viz.gif import write_gif

    folder = Path(run_dir)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such run folder; pass the folder `neuroevo run` wrote")
    target = Path(out) if out is not None else folder / "replay.gif"
    if target.suffix.lower() != ".gif":
        raise ConfigError(f"--out {target}: only GIF files are written; name a .gif file")
    if fps is not None and not fps > 0:
        raise ConfigError(f"--fps {fps}: expected a number > 0")
    task, exp = _task_of(folder)
    policy = best_candidate_policy(folder, task, exp)
    frames = episode_frames(
        task, policy, seed=seed, steps=REPLAY_STEPS if steps is None else steps, every=every
    )
    write_gif(frames, target, fps=fps if fps is not None else render_fps(task) / every)
    return target, len(frames)


def configure_replay(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``neuroevo replay RUN``."""
    parser.add_argument("run_dir", help="a run folder of neuroevo run (control tasks)")
    parser.add_argument("--out", default=None, help="the GIF to write (default RUN/replay.gif)")
    parser.add_argument(
        "--seed",
        type=non_negative,
        default=0,
        help="seed of the episode's start (default 0, as episode.png)",
    )
    parser.add_argument(
        "--steps",
        type=positive,
        default=None,
        help="replay at most the first N steps (default 1,000: "
        "neuroevo.reporting.replay.REPLAY_STEPS)",
    )
    parser.add_argument(
        "--every",
        type=positive,
        default=1,
        metavar="K",
        help="one frame every K steps (default 1)",
    )
    parser.add_argument(
        "--fps",
        type=float,
        default=None,
        help="frames per second (default: gymnasium's render_fps / K, real time)",
    )

    def run(args: argparse.Namespace) -> int:
        path, n = replay_command(
            args.run_dir,
            out=args.out,
            seed=args.seed,
            steps=args.steps,
            every=args.every,
            fps=args.fps,
        )
        from neuroevo.reporting.replay import REPLAY_STEPS

        limit = REPLAY_STEPS if args.steps is None else args.steps
        print(f"{path} ({n} frames, at most {limit:,} steps)")
        return 0

    parser.set_defaults(func=run)


__all__ = ["best_candidate_policy", "configure_replay", "replay_command"]
