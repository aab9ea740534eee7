"""LunarLander-v3 solved by the shipped config: how often, after how many evaluations, how long.

"Solved" is gymnasium's definition: a mean return of at least 200 over 100 fresh episodes.
Two implementations run the same NEAT config (``configs/lunarlander.ini``) and the same rule:

* **neuroevo**: ``neuroevo run configs/lunarlander.toml --seed S`` (through
  :func:`neuroevo.run.cli.run_experiment`, one process, one torch thread). Each genome
  plays ``[task] episodes`` episodes with fresh start states every generation; a genome
  whose mean reaches 200 races on episodes of its own: 20, then the ``solve_episodes = 100``
  of the definition, then 200 more (a replication), each heat only while it is at 200; the
  last mean replaces its fitness (:mod:`neuroevo.loop.confirm`). The run is solved when the
  replication's mean is at least 3 standard errors above 200. A genome is raced once: its
  episodes are seeded from the run seed and the genome, and a genome that reaches 200 again
  in a later generation keeps its verdict.
* **neat-python**: ``neat.Population.run`` with a serial ``eval_genomes`` that does the same
  with ``neat.nn.FeedForwardNetwork`` and one ``gymnasium.make("LunarLander-v3")``
  (argmax of the outputs), the loop a neat-python user writes; with ``same_starts`` every
  genome of a generation plays the same freshly drawn start seeds, and training episodes
  end at ``max_steps`` while the proof runs to gymnasium's limit, as in neuroevo. Its proof
  seeds come from the run seed and the genome key (``random.Random``), not neuroevo's network
  hash, so a child identical to its parent gets a try of its own here (rare at these
  mutation rates).

After either run, the winning genome is played by neat-python's ``FeedForwardNetwork`` on
gymnasium's environment for 100 more episodes that no run has seen (seeds 10**9 + 1000 S + i):
an independent re-test with reference code, quoted next to the run's own confirmation.

Evaluations count every episode played (training and confirmation). Wall time is the run's
own clock; runs are started two at a time on the 2-core machine (one core each), so each
shares the machine with one other run, and neat-python seed S runs beside neuroevo seed S.

Usage::

    python benchmarks/lunarlander_solve.py run --impl neuroevo --seed 1
    python benchmarks/lunarlander_solve.py run --impl neat-python --seed 1
    python benchmarks/lunarlander_solve.py retest --impl neuroevo --seed 1   # 1,000 more episodes
    python benchmarks/lunarlander_solve.py summary      # table of every seed run so far
    python benchmarks/lunarlander_solve.py replay benchmarks/results/lunarlander_solve/neuroevo-seed9-winner.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import random
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import neuroevo as ne  # noqa: E402
from neuroevo.loop.confirm import MARGIN_SE, heat_sizes  # noqa: E402
from neuroevo.run.cli import run_experiment  # noqa: E402

EXPERIMENT = ROOT / "configs" / "lunarlander.toml"
INI = ROOT / "configs" / "lunarlander.ini"
RESULTS = ROOT / "benchmarks" / "results"
PER_SEED = RESULTS / "lunarlander_solve"
ENV_ID = "LunarLander-v3"
THRESHOLD = 200.0
RETEST_EPISODES = 100
LONG_RETEST_EPISODES = 1000


def play(net, env, seeds) -> list[float]:
    """Returns of ``net`` (neat-python network) on ``env``, one episode per seed."""
    returns = []
    for s in seeds:
        obs, _ = env.reset(seed=int(s))
        total, done = 0.0, False
        while not done:
            action = int(np.argmax(net.activate(obs)))
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return returns


def retest(genome, config, seed: int) -> float:
    """Mean return over 100 unseen episodes, played by neat-python and gymnasium only."""
    import gymnasium
    import neat

    env = gymnasium.make(ENV_ID)
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return statistics.fmean(
        play(net, env, [10**9 + 1000 * seed + i for i in range(RETEST_EPISODES)])
    )


def long_retest(impl: str, seed: int) -> dict:
    """The saved winner of ``impl``'s seed ``seed`` over 1,000 more unseen episodes (seeds
    2 * 10**9 + 10**4 S + i), by neat-python and gymnasium only: its mean to about +-3."""
    import gymnasium
    import neat

    config = neat.Config(
        neat.DefaultGenome,
        neat.DefaultReproduction,
        neat.DefaultSpeciesSet,
        neat.DefaultStagnation,
        str(INI),
    )
    genome = ne.load_genome(PER_SEED / f"{impl}-seed{seed}-winner.json", config.genome_config)
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    returns = play(
        net,
        gymnasium.make(ENV_ID),
        [2 * 10**9 + 10**4 * seed + i for i in range(LONG_RETEST_EPISODES)],
    )
    return {
        "long_retest_mean": statistics.fmean(returns),
        "long_retest_stderr": statistics.stdev(returns) / math.sqrt(len(returns)),
    }


def run_neuroevo(seed: int, generations: int | None) -> dict:
    torch.set_num_threads(1)
    PER_SEED.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        open(PER_SEED / f"neuroevo-seed{seed}.log", "w", encoding="utf-8") as progress,
    ):
        result, out = run_experiment(
            EXPERIMENT,
            seed=seed,
            out=pathlib.Path(tmp) / "run",
            stream=progress,
            device="cpu",
            extras=False,
            generations=generations,
        )
        config = ne.load_config(INI)
        genome = ne.load_genome(out / "best_genome.json", config.genome_config)
        ne.save_genome(genome, PER_SEED / f"neuroevo-seed{seed}-winner.json", config.genome_config)
    return {
        "solved": result.solved,
        "generations": result.generations,
        "evaluations": result.evaluations,
        "seconds": result.seconds,
        "best_fitness": result.best_fitness,
        "raced": int(sum(h.extra.get("raced", 0) for h in result.history)),
        "confirmed": int(sum(h.extra.get("confirmed", 0) for h in result.history)),
        "recorded": int(sum(h.extra.get("recorded", 0) for h in result.history)),
        "retest_mean": retest(genome, config, seed),
    }


def run_neat_python(seed: int, generations: int | None) -> dict:
    import gymnasium
    import neat
    import tomllib

    task = tomllib.loads(EXPERIMENT.read_text())["task"]
    episodes, solve_episodes = int(task["episodes"]), int(task["solve_episodes"])
    same_starts = bool(task.get("same_starts", False))
    max_steps = task.get("max_steps")  # training episodes only; the proof runs to gymnasium's limit
    generations = generations or int(
        tomllib.loads(EXPERIMENT.read_text())["experiment"]["generations"]
    )
    config = neat.Config(
        neat.DefaultGenome,
        neat.DefaultReproduction,
        neat.DefaultSpeciesSet,
        neat.DefaultStagnation,
        str(INI),
    )
    random.seed(seed)
    env = gymnasium.make(ENV_ID, max_episode_steps=max_steps)
    proof_env = gymnasium.make(ENV_ID)
    episode_seeds = random.Random(seed * 7919 + 17)  # fresh start states every generation
    counter = {"evaluations": 0, "raced": 0, "confirmed": 0, "recorded": 0}
    proofs = {}  # genome key -> (heats played, last mean, proved)

    def draw(n):
        return [episode_seeds.randrange(2**31) for _ in range(n)]

    def eval_genomes(genomes, config):
        nets, shared = [], draw(episodes)  # shared: same_starts, fresh every generation
        for _, genome in genomes:
            net = neat.nn.FeedForwardNetwork.create(genome, config)
            seeds = shared if same_starts else draw(episodes)
            genome.fitness = statistics.fmean(play(net, env, seeds))
            nets.append(net)
            counter["evaluations"] += episodes
        # the same proof neuroevo asks for (neuroevo.loop.confirm), once per genome
        for (_, genome), net in zip(genomes, nets):
            if genome.fitness < THRESHOLD:
                continue
            counter["raced"] += 1
            if genome.key in proofs:
                counter["recorded"] += 1
            else:
                proofs[genome.key] = prove(genome.key, net)
            heats, mean, proved = proofs[genome.key]
            counter["confirmed"] += heats >= 2
            genome.fitness = (
                mean if proved or mean < THRESHOLD else math.nextafter(THRESHOLD, -math.inf)
            )

    def prove(key, net):
        """Heats of K/5, K and 2K episodes seeded from (seed, key, heat), each while the mean
        is at the threshold; proved: the replication 3 standard errors above it."""
        means, returns = [], []
        for i, heat in enumerate(heat_sizes(solve_episodes)):
            rng = random.Random(f"{seed}/{key}/{i}")
            returns = play(net, proof_env, [rng.randrange(2**31) for _ in range(heat)])
            counter["evaluations"] += heat
            means.append(statistics.fmean(returns))
            if means[-1] < THRESHOLD:
                break
        if len(means) < 3:
            return len(means), means[-1], False
        stderr = statistics.stdev(returns) / math.sqrt(len(returns))
        return 3, means[-1], means[-1] - MARGIN_SE * stderr >= THRESHOLD

    population = neat.Population(config)
    t0 = time.perf_counter()
    winner = population.run(eval_genomes, generations)
    seconds = time.perf_counter() - t0
    best = max(population.population.values(), key=lambda g: g.fitness or -1e9)
    solved = best.fitness is not None and best.fitness >= THRESHOLD
    genome = best if solved else winner
    PER_SEED.mkdir(parents=True, exist_ok=True)
    ne.save_genome(genome, PER_SEED / f"neat-python-seed{seed}-winner.json", config.genome_config)
    return {
        "solved": bool(solved),
        "generations": population.generation,
        "evaluations": counter["evaluations"],
        "seconds": seconds,
        "best_fitness": float(winner.fitness),
        "raced": counter["raced"],
        "confirmed": counter["confirmed"],
        "recorded": counter["recorded"],
        "retest_mean": retest(genome, config, seed),
    }


def replay(path: pathlib.Path, episodes: int, seed: int) -> str:
    """A saved winner over ``episodes`` more episodes: neuroevo's confirmation in float32 and
    float64, and neat-python + gymnasium on the same start seeds (with the spread)."""
    import gymnasium
    import neat

    from neuroevo.tasks.control import Control

    torch.set_num_threads(1)
    config = ne.load_config(INI)
    genome = ne.load_genome(path, config.genome_config)
    task = Control("gym:" + ENV_ID, solve_episodes=episodes)
    lines = [
        f"{path.name}: mean return over {episodes} episodes (start seeds drawn from "
        f"torch.Generator().manual_seed({seed}))"
    ]
    for dtype in (torch.float32, torch.float64):
        policy = ne.compile_population([genome], config.genome_config, dtype=dtype)
        mean = float(task.confirm(policy, generator=torch.Generator().manual_seed(seed))[0].mean())
        lines.append(f"  neuroevo Control.confirm, {dtype}: {mean:.4f}")
    first = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(seed)))
    returns = play(
        neat.nn.FeedForwardNetwork.create(genome, config),
        gymnasium.make(ENV_ID),
        [first + j for j in range(episodes)],
    )
    lines.append(
        f"  neat-python + gymnasium, same seeds: {statistics.fmean(returns):.4f} "
        f"(per-episode standard deviation {statistics.pstdev(returns):.1f})"
    )
    return "\n".join(lines) + "\n"


def summarize(rows: list[dict]) -> dict:
    solved = [r for r in rows if r["solved"]]
    return {
        "runs": len(rows),
        "solved": len(solved),
        "retest_at_least_200": sum(r["retest_mean"] >= THRESHOLD for r in solved),
        "long_retest_min": min(
            (r["long_retest_mean"] for r in solved if "long_retest_mean" in r), default=None
        ),
        "median_evaluations": statistics.median(r["evaluations"] for r in solved)
        if solved
        else None,
        "median_generations": statistics.median(r["generations"] for r in solved)
        if solved
        else None,
        "median_seconds": statistics.median(r["seconds"] for r in solved) if solved else None,
        "median_seconds_per_generation": statistics.median(
            r["seconds"] / max(r["generations"], 1) for r in rows
        )
        if rows
        else None,
    }


def markdown(results: dict) -> str:
    lines = [
        "# LunarLander-v3 solved by configs/lunarlander.toml",
        "",
        f"Machine: {results['machine']}. Solved = a mean return of 200 or more over 100 "
        "fresh episodes, and 3 standard errors above 200 over 200 more (a replication), "
        "checked inside the run, once per genome (see benchmarks/lunarlander_solve.py); "
        "re-test = the winner played by "
        "neat-python's FeedForwardNetwork on gymnasium for 100 other unseen episodes; "
        "1,000-episode mean = the same for 1,000 more (with its standard error). "
        "Runs went two at a time (one core each, one torch thread).",
        "",
        "| implementation | solved | re-test >= 200 | lowest 1,000-episode mean | "
        "median evaluations | median generations | median wall time | "
        "median s / generation |",
        "|---|---|---|---|---|---|---|---|",
    ]
    fmt = lambda v, f="{:,.0f}": "-" if v is None else f.format(v)
    for impl, r in results["implementations"].items():
        s = r["summary"]
        lines.append(
            f"| {impl} | {s['solved']}/{s['runs']} | {s['retest_at_least_200']}/"
            f"{s['solved']} | {fmt(s['long_retest_min'], '{:.1f}')} | "
            f"{fmt(s['median_evaluations'])} | "
            f"{fmt(s['median_generations'])} | {fmt(s['median_seconds'], '{:,.0f} s')} | "
            f"{fmt(s['median_seconds_per_generation'], '{:.2f}')} |"
        )
    for impl, r in results["implementations"].items():
        lines += [
            "",
            f"## {impl}",
            "",
            "| seed | solved | generations | evaluations | wall time "
            "| raced / played 100 / recorded | re-test mean | 1,000-episode mean |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in r["rows"]:
            long = (
                f"{row['long_retest_mean']:.1f} +- {row['long_retest_stderr']:.1f}"
                if "long_retest_mean" in row
                else "-"
            )
            lines.append(
                f"| {row['seed']} | {row['solved']} | {row['generations']} | "
                f"{row['evaluations']:,} | {row['seconds']:,.0f} s | "
                f"{row['raced']} / {row['confirmed']} / {row.get('recorded', '-')} | "
                f"{row['retest_mean']:.1f} | {long} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one seed and save its row")
    run.add_argument("--impl", choices=("neuroevo", "neat-python"), required=True)
    run.add_argument("--seed", type=int, required=True)
    run.add_argument(
        "--generations",
        type=int,
        default=None,
        help="generation limit (default: the experiment file's)",
    )
    long = sub.add_parser("retest", help="a seed's saved winner over 1,000 more unseen episodes")
    long.add_argument("--impl", choices=("neuroevo", "neat-python"), required=True)
    long.add_argument("--seed", type=int, required=True)
    sub.add_parser("summary", help="collect the saved rows into the results table")
    again = sub.add_parser("replay", help="a saved winner over more episodes, three ways")
    again.add_argument("genome", type=pathlib.Path)
    again.add_argument("--episodes", type=int, default=300)
    again.add_argument("--seed", type=int, default=123)
    args = parser.parse_args()
    if args.command == "replay":
        text = replay(args.genome, args.episodes, args.seed)
        (PER_SEED / (args.genome.stem + "-replay.txt")).write_text(text)
        print(text, end="")
        return
    if args.command == "retest":
        path = PER_SEED / f"{args.impl}-seed{args.seed}.json"
        row = json.loads(path.read_text()) | long_retest(args.impl, args.seed)
        path.write_text(json.dumps(row, indent=1))
        print(json.dumps(row))
        return
    if args.command == "run":
        fn = run_neuroevo if args.impl == "neuroevo" else run_neat_python
        row = {"seed": args.seed, **fn(args.seed, args.generations)}
        PER_SEED.mkdir(parents=True, exist_ok=True)
        (PER_SEED / f"{args.impl}-seed{args.seed}.json").write_text(json.dumps(row, indent=1))
        print(json.dumps(row))
        return
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, torch {torch.__version__}",
        "implementations": {},
    }
    for impl in ("neuroevo", "neat-python"):
        rows = sorted(
            (json.loads(p.read_text()) for p in PER_SEED.glob(f"{impl}-seed*[0-9].json")),
            key=lambda r: r["seed"],
        )
        if rows:
            results["implementations"][impl] = {"summary": summarize(rows), "rows": rows}
    (RESULTS / "lunarlander_solve.json").write_text(json.dumps(results, indent=1))
    (RESULTS / "lunarlander_solve.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
