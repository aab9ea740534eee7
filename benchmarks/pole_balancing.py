"""Pole balancing with NEAT: evaluations to solve, next to the NEAT paper's figures.

Three experiments, each over several seeds, each run from the experiment files in
configs/ exactly as ``neuroevo run`` runs them:

* ``markov`` -- double pole balancing with velocities (configs/double_pole.toml): solved
  when a genome balances 100,000 steps. NEAT paper (Stanley & Miikkulainen 2002, table 1):
  3,600 evaluations on average (population 150), never failing.
* ``nv`` -- without velocities (configs/double_pole_nv.toml; recurrent networks, Gruau's
  anti-wiggle fitness over 1,000 steps). As in NEAT's code, after every generation the
  generation's champion must balance 100,000 steps from the standard start and then
  balance 1,000 steps from at least 200 of the 625 start states of Gruau et al.'s
  generalization test. NEAT paper: 33,184 evaluations on average (population 1,000).
* ``cartpole`` -- CartPole-v1 (configs/cartpole.toml): the run's best genome must average
  at least 475 over 100 fresh episodes (new seeds), for every seed.

Evaluations count whole generations (population size x episodes per genome) up to and
including the generation that holds the solution; the champion checks of ``nv`` are not
counted (as in the paper).

    python benchmarks/pole_balancing.py cartpole --seeds 10
    python benchmarks/pole_balancing.py markov --seeds 20 --budget-minutes 10
    python benchmarks/pole_balancing.py nv --seeds 5 --budget-minutes 20
    python benchmarks/pole_balancing.py nv --first-seed 5 --seeds 2   # seeds 5 and 6

Writes benchmarks/results/pole_balancing_<experiment>.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

import neuroevo as ne
from neuroevo.envs.double_pole import generalization_states
from neuroevo.tasks.control import Control

ROOT = Path(__file__).resolve().parents[1]
PAPER = {"markov": 3600, "nv": 33184}
ENGINE = {"name": "neat-python"}  # --engine: which NEAT engine build() asks for


def build(experiment: str):
    """Task, strategy and generation limit of an experiment file (as ``neuroevo run``)."""
    from neuroevo.run import registry

    exp = ne.load_experiment(ROOT / "configs" / experiment)
    task = registry.make_task(exp.task, **exp.task_params)
    params = dict(exp.strategy_params)
    if ENGINE["name"] != "neat-python":
        params["engine"] = ENGINE["name"]
    strategy = registry.make_strategy(exp.strategy, params, task=task, base_dir=exp.base_dir)
    return task, strategy, exp.generations


def run_cartpole(seed: int, device: str) -> dict[str, Any]:
    from neuroevo.run.cli import run_experiment

    with tempfile.TemporaryDirectory() as out:
        result, _ = run_experiment(
            ROOT / "configs" / "cartpole.toml",
            seed=seed,
            out=out,
            device=device,
            quiet=True,
            extras=False,
        )
    exp = ne.load_experiment(ROOT / "configs" / "cartpole.toml")
    config = ne.load_config(ROOT / "configs" / exp.strategy_params["config"])
    net = ne.compile_population([result.best], config.genome_config, device=device)
    params = {k: v for k, v in exp.task_params.items() if k != "episodes"}
    check = Control("CartPole-v1", episodes=100, **params)
    score = float(check.evaluate(net, generator=torch.Generator().manual_seed(10_000 + seed)))
    return {
        "seed": seed,
        "solved": result.solved and score >= 475.0,
        "evaluations": result.evaluations,
        "generations": result.generations,
        "training_fitness": result.best_fitness,
        "fresh_100_episode_mean": score,
    }


def run_markov(seed: int, device: str) -> dict[str, Any]:
    task, strategy, generations = build("double_pole.toml")
    result = ne.evolve(strategy, task, generations=generations, seed=seed, device=device)
    return {
        "seed": seed,
        "solved": result.solved,
        "evaluations": result.evaluations,
        "generations": result.generations,
        "best_fitness": result.best_fitness,
    }


def nv_champion_passes(genome, genome_config, device: str) -> tuple[int, int]:
    """NEAT's test of a non-Markovian champion: (steps balanced of 100,000, states of 625)."""
    net = ne.compile_population([genome], genome_config, device=device, recurrent=True)
    long = Control("DoublePoleNV-v0", max_steps=100_000, fitness="return")
    steps = int(long.evaluate(net))
    if steps < 100_000:
        return steps, 0
    general = Control(
        "DoublePoleNV-v0",
        episodes=625,
        max_steps=1000,
        fitness="return",
        env_kwargs={"initial_states": generalization_states()},
    )
    balanced = int((general.episode_scores(net) >= 1000).sum())
    return steps, balanced


def run_nv(seed: int, device: str) -> dict[str, Any]:
    task, strategy, generations = build("double_pole_nv.toml")
    genome_config = strategy.config.genome_config
    dev = torch.device(device)
    strategy.setup(
        num_inputs=task.num_inputs,
        num_outputs=task.num_outputs,
        seed=seed,
        device=dev,
        dtype=torch.float32,
    )
    generator = torch.Generator().manual_seed(seed)
    evaluations = 0
    # Champion checks by genome key: elites keep their key and genes from one generation to
    # the next, so a champion that stays champion is not run 100,000 steps again.
    checked: dict[int, tuple[int, int]] = {}
    for gen in range(generations):
        policy = strategy.ask()  # recurrent networks: the INI file says feed_forward = False
        genomes = list(strategy.genomes)
        fitness = task.evaluate(policy, generator=generator)
        evaluations += len(genomes) * task.evaluations_per_candidate()
        champion = genomes[int(fitness.argmax())]
        if champion.key not in checked:
            checked[champion.key] = nv_champion_passes(champion, genome_config, device)
        steps, balanced = checked[champion.key]
        print(
            f"  seed {seed} generation {gen}: best fitness {float(fitness.max()):.4f}, champion "
            f"balanced {steps:,} steps, generalization {balanced}/625",
            file=sys.stderr,
            flush=True,
        )
        if steps >= 100_000 and balanced >= 200:
            return {
                "seed": seed,
                "solved": True,
                "evaluations": evaluations,
                "generations": gen + 1,
                "generalization": balanced,
            }
        strategy.tell(fitness)
    return {"seed": seed, "solved": False, "evaluations": evaluations, "generations": generations}


RUNNERS = {"cartpole": run_cartpole, "markov": run_markov, "nv": run_nv}


def summarize(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    solved = [r["evaluations"] for r in runs if r["solved"]]
    return {
        "seeds": len(runs),
        "failures": len(runs) - len(solved),
        "mean_evaluations": statistics.mean(solved) if solved else None,
        "median_evaluations": statistics.median(solved) if solved else None,
        "min_evaluations": min(solved) if solved else None,
        "max_evaluations": max(solved) if solved else None,
        "paper_mean_evaluations": PAPER.get(name),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("experiment", choices=sorted(RUNNERS))
    ap.add_argument(
        "--seeds", type=int, default=10, help="number of seeds: FIRST .. FIRST+N-1 (at most)"
    )
    ap.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument(
        "--budget-minutes",
        type=float,
        default=None,
        help="start no new seed after this many minutes",
    )
    ap.add_argument("--device", default="cpu")
    ap.add_argument(
        "--engine",
        choices=["neat-python", "tensor"],
        default="neat-python",
        help="NEAT engine (markov and nv; cartpole runs its experiment file as is)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    ENGINE["name"] = args.engine
    if args.first_seed < 0:
        ap.error(f"--first-seed {args.first_seed}: seeds start at 0; pass 0 or more")
    runs: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        if args.budget_minutes is not None and time.perf_counter() - t0 > 60 * args.budget_minutes:
            break
        t = time.perf_counter()
        run = RUNNERS[args.experiment](seed, args.device)
        run["seconds"] = time.perf_counter() - t
        runs.append(run)
        print(json.dumps(run), flush=True)
    summary = summarize(args.experiment, runs)
    result = {
        "benchmark": f"pole_balancing_{args.experiment}",
        "device": args.device,
        "engine": args.engine,
        "torch": torch.__version__,
        "machine": platform.platform(),
        "torch_threads": torch.get_num_threads(),
        "summary": summary,
        "runs": runs,
        "seconds": time.perf_counter() - t0,
    }

    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:,.0f}"

    table = "\n".join(
        [
            f"NEAT ({args.engine} engine) on {args.experiment}: {summary['seeds']} seeds ({args.device}, "
            f"{result['seconds'] / 60:.1f} min)",
            "",
            "| | mean evaluations | median | min | max | failures |",
            "|---|---:|---:|---:|---:|---:|",
            f"| neuroevo | {fmt(summary['mean_evaluations'])} | {fmt(summary['median_evaluations'])} "
            f"| {fmt(summary['min_evaluations'])} | {fmt(summary['max_evaluations'])} "
            f"| {summary['failures']}/{summary['seeds']} |",
            f"| NEAT paper (Stanley & Miikkulainen 2002) | {fmt(summary['paper_mean_evaluations'])} "
            "| | | | 0 |"
            if args.experiment in PAPER
            else "",
        ]
    ).rstrip()
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"pole_balancing_{args.experiment}" + (
        "" if args.engine == "neat-python" else f"-{args.engine}"
    )
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(table + "\n")
    return result


if __name__ == "__main__":
    main()
