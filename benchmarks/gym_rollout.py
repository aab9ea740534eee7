"""One process on a gymnasium environment: neuroevo's rollout vs neat-python's serial loop.

The measurement of issue 11 ("no wasted steps in one process"): the same generation-0 NEAT
population (``--genomes`` genomes, default 200, of the genome config below: neat-python's
XOR example settings with LunarLander's 8 inputs and 4 outputs) plays one
``LunarLander-v3`` episode per genome, from the same episode seeds, timed in the same run.

* **neat-python, serial loop**: one ``gymnasium.make`` environment; per genome
  ``neat.nn.FeedForwardNetwork.create``, ``env.reset(seed=...)``, then ``activate`` and
  ``argmax`` once per step until the episode ends (the usual neat-python evaluation loop).
* **neuroevo, one process**: ``compile_population`` once (float64: the same arithmetic as
  neat-python, so the same episodes; and float32, the default), then
  ``Control("gym:LunarLander-v3").evaluate``: the gymnasium adapter steps only the episodes
  still running, the network runs one batched forward per step for the genomes still
  running. The time includes the compilation. Both keep their environments between
  generations, so both are timed with environments already built; neuroevo's first call,
  which builds its pool of ``--genomes`` environments, is reported apart.

Each contender runs ``--repeats`` times, alternating; the medians are compared. Env
steps/s counts the steps of episodes. In float64 neuroevo plays exactly neat-python's
episodes (the fraction of equal returns is reported); in float32 rounding changes some
argmax choices, so some episodes and the step count differ.

    python benchmarks/gym_rollout.py                  # 200 genomes, 5 repeats
    python benchmarks/gym_rollout.py --quick          # smoke run (20 genomes, 1 repeat)
    python benchmarks/gym_rollout.py --env CartPole-v1

Needs box2d for LunarLander (``pip install -e ".[box2d]"``). Writes
benchmarks/results/gym_rollout[-ENV][-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

import gymnasium
import neat
import numpy as np
import torch

import neuroevo as ne
from neuroevo.tasks.control import Control

ROOT = Path(__file__).resolve().parents[1]

#: the genome config: neat-python's XOR example (benchmarks/neat_python_xor_example.ini)
#: with the environment's inputs and outputs
GENOME_INI = (ROOT / "benchmarks" / "neat_python_xor_example.ini").read_text()


def genome_config(num_inputs: int, num_outputs: int, pop_size: int) -> neat.Config:
    text = GENOME_INI
    for key, value in (
        ("num_inputs", num_inputs),
        ("num_outputs", num_outputs),
        ("pop_size", pop_size),
    ):
        text = re.sub(rf"^{key}\s*=.*$", f"{key} = {value}", text, count=1, flags=re.M)
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
        f.write(text)
    try:
        return neat.Config(
            neat.DefaultGenome,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            f.name,
        )
    finally:
        Path(f.name).unlink()


def run_neat_python(genomes, config, env, seeds: list[int]) -> dict:
    """neat-python's serial loop: one genome, one episode at a time."""
    steps, returns = 0, []
    t0, c0 = time.perf_counter(), time.process_time()
    for genome, seed in zip(genomes, seeds):
        net = neat.nn.FeedForwardNetwork.create(genome, config)
        obs, _ = env.reset(seed=seed)
        total = 0.0
        while True:
            obs, reward, terminated, truncated, _ = env.step(int(np.argmax(net.activate(obs))))
            steps += 1
            total += float(reward)
            if terminated or truncated:
                break
        returns.append(total)
    return dict(
        seconds=time.perf_counter() - t0,
        cpu_seconds=time.process_time() - c0,
        steps=steps,
        returns=returns,
    )


def run_neuroevo(genomes, config, task: Control, seed: int, dtype: torch.dtype) -> dict:
    """compile_population + Control.evaluate: all episodes in one rollout."""
    t0, c0 = time.perf_counter(), time.process_time()
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=dtype)
    returns = task.evaluate(net, generator=torch.Generator().manual_seed(seed))
    return dict(
        seconds=time.perf_counter() - t0,
        cpu_seconds=time.process_time() - c0,
        steps=task.last_env_steps,
        lockstep=task.last_lockstep_steps,
        returns=returns.double().tolist(),
        seed=task.last_seed,
    )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--env",
        default="LunarLander-v3",
        help="a gymnasium id with Box observations and Discrete actions",
    )
    ap.add_argument("--genomes", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs of each (median reported)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (the tensors are small: one thread, as neat-python)",
    )
    ap.add_argument("--quick", action="store_true", help="20 genomes, 1 repeat")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    if args.quick:
        args.genomes, args.repeats = 20, 1
    env = gymnasium.make(args.env)
    n_in, n_out = int(np.prod(env.observation_space.shape)), int(env.action_space.n)
    config = genome_config(n_in, n_out, args.genomes)
    genomes = list(neat.Population(config, seed=args.seed).population.values())[: args.genomes]
    # one task per dtype, as in a run (a task rebuilds its environments for another dtype)
    task32, task64 = (Control("gym:" + args.env, episodes=1, device="cpu") for _ in range(2))
    first = run_neuroevo(genomes, config, task32, args.seed, torch.float32)  # builds the env pool
    run_neuroevo(genomes, config, task64, args.seed, torch.float64)
    seeds = [first["seed"] + i for i in range(len(genomes))]  # the adapter's episode seeds
    ref, ours64, ours32 = [], [], []
    for _ in range(args.repeats):
        ref.append(run_neat_python(genomes, config, env, seeds))
        ours64.append(run_neuroevo(genomes, config, task64, args.seed, torch.float64))
        ours32.append(run_neuroevo(genomes, config, task32, args.seed, torch.float32))
    equal = float(np.mean(np.array(ours64[0]["returns"]) == np.array(ref[0]["returns"])))

    def summary(runs: list[dict]) -> dict:
        seconds = [r["seconds"] for r in runs]
        median = statistics.median(seconds)
        cpu = [r["cpu_seconds"] for r in runs]
        return {
            "seconds_median": median,
            "seconds_all": seconds,
            "env_steps": runs[0]["steps"],
            "env_steps_per_second": runs[0]["steps"] / median,
            "cpu_seconds_median": statistics.median(cpu),
            "cpu_seconds_all": cpu,
        }

    theirs = summary(ref)
    mine = {"float64": summary(ours64), "float32": summary(ours32)}
    for key, runs in (("float64", ours64), ("float32", ours32)):
        mine[key]["lockstep_steps"] = runs[0]["lockstep"]
        mine[key]["speedup_vs_neat_python_serial"] = (
            theirs["seconds_median"] / mine[key]["seconds_median"]
        )
        mine[key]["cpu_time_ratio"] = theirs["cpu_seconds_median"] / mine[key]["cpu_seconds_median"]
    result = {
        "benchmark": "gym_rollout",
        "env": args.env,
        "genomes": len(genomes),
        "episodes_per_genome": 1,
        "repeats": args.repeats,
        "torch": torch.__version__,
        "neat_python": getattr(neat, "__version__", "?"),
        "gymnasium": gymnasium.__version__,
        "machine": platform.platform(),
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "mean_episode_length": theirs["env_steps"] / len(genomes),
        "neat_python_serial": theirs,
        "neuroevo_one_process": mine,
        "neuroevo_first_call_seconds": first["seconds"],
        "returns_equal_fraction_float64": equal,
    }

    def row(name: str, s: dict, ratio: str, cpu_ratio: str) -> str:
        spread = f"{min(s['seconds_all']):.2f}-{max(s['seconds_all']):.2f}"
        return (
            f"| {name} | {s['seconds_median']:.2f} s ({spread}) | {ratio} "
            f"| {s['cpu_seconds_median']:.2f} s | {cpu_ratio} | {s['env_steps']:,} "
            f"| {s['env_steps_per_second']:,.0f} |"
        )

    lines = [
        f"{args.env}: {len(genomes)} generation-0 NEAT genomes x 1 episode, the same episode seeds; "
        f"one process, {torch.get_num_threads()} torch thread(s); median of {args.repeats} "
        f"runs (range in brackets); neuroevo's time includes compile_population. CPU time "
        f"(process time) counts only this process's own work: steadier than wall time on a "
        f"shared machine",
        "",
        "| contender | time | vs neat-python serial | CPU time | CPU time ratio | env steps | env steps/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("neat-python, serial loop", theirs, "1x", "1x"),
    ]
    for key, note in (("float64", "same episodes as neat-python"), ("float32", "default dtype")):
        s = mine[key]
        lines.append(
            row(
                f'neuroevo `Control("gym:{args.env}")`, {key} ({note})',
                s,
                f"**{s['speedup_vs_neat_python_serial']:.2f}x**",
                f"{s['cpu_time_ratio']:.2f}x",
            )
        )
    lines += [
        "",
        f"Returns equal to neat-python's, neuroevo in float64: {equal:.0%} of the episodes (float32 "
        f"rounding changes some argmax choices, hence other episodes and step counts). Longest "
        f"episode: {mine['float64']['lockstep_steps']} steps. neuroevo's first call, which builds "
        f"its {len(genomes)} environments: {first['seconds']:.2f} s. Machine: {os.cpu_count()} "
        f"cores, 1-minute load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after "
        "(above ~1, other processes shared the cores and wall times are noisy).",
    ]
    table = "\n".join(lines)
    print(table)
    suffix = "" if args.env == "LunarLander-v3" else "-" + args.env
    if args.quick:
        suffix += "-quick"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"gym_rollout{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"gym_rollout{suffix}.md").write_text(table + "\n")
    return result


if __name__ == "__main__":
    main()
