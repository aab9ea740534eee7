"""neat-python's per-genome ``eval_genome`` on N workers: ``neat.ParallelEvaluator(N)``
against ``neuroevo.GenomeEvaluator`` (worker processes, Ray actors), with neat-python's
serial loop as the reference.

``--genomes`` CartPole-v1 genomes (configs/cartpole.ini, evolved ``--evolve`` serial
generations first, so their shapes and episode lengths differ) each play one gymnasium
episode from a fixed start, the same function in every contender. After one untimed
generation each (workers import and set up), one generation is timed ``--repeats`` times,
the contenders alternating, and the table gives medians, the bytes each
generation pickles for its workers (neat.ParallelEvaluator: genome and config per genome;
GenomeEvaluator: the config once per worker, then about four slices per worker) and the
ratio of each time to neat.ParallelEvaluator's, measured in the same run. Every parallel
fitness must equal the serial loop's.

    python benchmarks/genome_evaluator.py                   # 150 genomes, 5 repeats, N = 2
    python benchmarks/genome_evaluator.py --workers 4 --no-ray
    python benchmarks/genome_evaluator.py --quick --no-ray  # smoke run (20 genomes, 1 repeat)

Writes benchmarks/results/genome_evaluator[-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import pickle
import platform
import random
import statistics
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # neat.ParallelEvaluator's progress bar

import gymnasium  # noqa: E402
import neat  # noqa: E402

import neuroevo as ne  # noqa: E402
from neuroevo.parallel.genome_evaluator import GenomeSetup, chunks, setup_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def eval_genome(genome, config) -> float:
    """One CartPole-v1 episode from a fixed start; the return is the fitness."""
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    env = gymnasium.make("CartPole-v1")
    observation, _ = env.reset(seed=0)
    total, done = 0.0, False
    while not done:
        out = net.activate(observation)
        observation, reward, terminated, truncated, _ = env.step(int(out[1] > out[0]))
        total, done = total + float(reward), terminated or truncated
    env.close()
    return total


def serial_loop(genomes, config) -> None:
    for _, genome in genomes:
        genome.fitness = eval_genome(genome, config)


def population(size: int, evolve: int) -> tuple[list, neat.Config]:
    config = ne.load_config(str(ROOT / "configs" / "cartpole.ini"))
    config.pop_size = size
    config.no_fitness_termination = True
    random.seed(1)
    pop = neat.Population(config)
    if evolve:
        pop.run(serial_loop, evolve)
    return list(pop.population.items()), config


def timed(evaluate, genomes, config) -> tuple[float, dict[int, float]]:
    copies = [(gid, copy.deepcopy(g)) for gid, g in genomes]
    t0 = time.perf_counter()
    evaluate(copies, config)
    return time.perf_counter() - t0, {gid: g.fitness for gid, g in copies}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genomes", type=int, default=150)
    parser.add_argument("--evolve", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--quick", action="store_true", help="20 genomes, 1 repeat")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if args.quick:
        args.genomes, args.evolve, args.repeats = 20, 1, 1
    n = args.workers
    genomes, config = population(args.genomes, args.evolve)

    theirs = neat.ParallelEvaluator(n, eval_genome)
    contenders = {
        "neat-python, serial loop": serial_loop,
        f"neat-python ParallelEvaluator({n})": theirs.evaluate,
        f"GenomeEvaluator, {n} worker processes": ne.GenomeEvaluator(eval_genome, n),
    }
    if not args.no_ray:
        import ray

        ray.init(num_cpus=n, include_dashboard=False, log_to_driver=False, configure_logging=False)
        contenders[f"GenomeEvaluator, {n} Ray actors"] = ne.GenomeEvaluator(
            eval_genome, n, backend="ray"
        )
    sent = {name: None for name in contenders}
    sent[f"neat-python ParallelEvaluator({n})"] = sum(
        len(pickle.dumps((eval_genome, g, config))) for _, g in genomes
    )
    ours = len(setup_bytes(GenomeSetup(eval_genome, config, None, 1))) * n + sum(
        len(pickle.dumps(genomes[r.start : r.stop], protocol=5)) for r in chunks(len(genomes), n)
    )
    for name in contenders:
        if name.startswith("GenomeEvaluator"):
            sent[name] = ours
    try:
        seconds: dict[str, list[float]] = {name: [] for name in contenders}
        fitness: dict[str, dict[int, float]] = {}
        for evaluate in contenders.values():  # untimed: workers import and set up once
            timed(evaluate, genomes, config)
        for _ in range(args.repeats):
            for name, evaluate in contenders.items():
                s, fitness[name] = timed(evaluate, genomes, config)
                seconds[name].append(s)
    finally:
        theirs.close()
        for evaluate in contenders.values():
            if isinstance(evaluate, ne.GenomeEvaluator):
                evaluate.close()
    reference = fitness["neat-python, serial loop"]
    base = statistics.median(seconds[f"neat-python ParallelEvaluator({n})"])
    rows = {
        name: dict(
            seconds_median=statistics.median(seconds[name]),
            ratio_to_parallel_evaluator=statistics.median(seconds[name]) / base,
            bytes_sent=sent[name],
            fitness_identical_to_serial=fitness[name] == reference,
        )
        for name in contenders
    }
    steps = sum(reference.values())  # CartPole pays 1 per step
    result = dict(
        genomes=len(genomes),
        env_steps=steps,
        repeats=args.repeats,
        workers=n,
        machine=platform.platform(),
        cpu_count=os.cpu_count(),
        rows=rows,
    )
    lines = [
        f"# GenomeEvaluator against neat.ParallelEvaluator ({len(genomes)} CartPole-v1 "
        f"genomes, {steps:.0f} env steps, median of {args.repeats})",
        "",
        "| contender | seconds | / ParallelEvaluator | bytes pickled | fitness = serial |",
        "|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        sent_text = "-" if r["bytes_sent"] is None else f"{r['bytes_sent']:,}"
        lines.append(
            f"| {name} | {r['seconds_median']:.3f} | "
            f"{r['ratio_to_parallel_evaluator']:.2f} | {sent_text} | "
            f"{r['fitness_identical_to_serial']} |"
        )
    lines += ["", f"Machine: {platform.platform()}, {os.cpu_count()} cores."]
    text = "\n".join(lines)
    print(text)
    suffix = "-quick" if args.quick else ""
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"genome_evaluator{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"genome_evaluator{suffix}.md").write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
