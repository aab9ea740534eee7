"""Rollout throughput on CartPole-v1: neuroevo's lockstep rollouts vs neat-python + gymnasium.

The same population of NEAT genomes (configs/cartpole.ini with 1000 genomes) plays
``--episodes`` episodes per genome from the same initial states, timed in the same run.
Several populations are measured: the initial one (generation 0: most episodes end
within ~20 steps) and those NEAT reaches after ``--generations`` generations (evolved
with neuroevo, untimed; longer episodes, as later in a run). Contenders:

* **neuroevo**: ``compile_population`` once, then ``Control("CartPole-v1")`` steps all
  episodes together (torch CartPole, batched network forward); the time includes the
  compilation.
* **neat-python + gymnasium**: per genome, ``neat.nn.FeedForwardNetwork.create`` and one
  gymnasium ``CartPole-v1`` episode, ``activate`` once per step (the usual neat-python
  evaluation loop); gymnasium's environment starts from the torch environment's initial
  state of that genome.

Env steps/s counts the steps of episodes still running (the lockstep rows of finished
episodes are not counted). The returns of both are compared with neuroevo run once more
in float64 (untimed): float32 differs by rounding (saturated tanh outputs tie, long
trajectories drift).

    python benchmarks/rollout_throughput.py                  # 1000 genomes, CPU
    python benchmarks/rollout_throughput.py --quick          # smoke run (100 genomes)
    python benchmarks/rollout_throughput.py --device cuda

Writes benchmarks/results/rollout_throughput[-DEVICE].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import gymnasium
import neat
import numpy as np
import torch

import neuroevo as ne
from neuroevo.tasks.control import Control

ROOT = Path(__file__).resolve().parents[1]


def populations(
    pop_size: int, generations: list[int], seed: int
) -> tuple[dict[int, list], neat.Config]:
    """NEAT populations of configs/cartpole.ini at generation 0 and at each of ``generations``."""
    config = ne.load_config(ROOT / "configs" / "cartpole.ini")
    strategy = ne.NEAT(config, pop_size=pop_size)
    strategy.setup(
        num_inputs=4, num_outputs=2, seed=seed, device=torch.device("cpu"), dtype=torch.float64
    )
    task = Control("CartPole-v1", episodes=1)
    generator = torch.Generator().manual_seed(seed)
    found = {0: list(strategy.genomes)}
    for gen in range(1, max(generations, default=0) + 1):
        strategy.tell(task.evaluate(strategy.ask(), generator=generator))
        if gen in generations:
            found[gen] = list(strategy.genomes)
    return found, config


def run_neuroevo(genomes, config, *, episodes: int, device: str, dtype: torch.dtype, seed: int):
    task = Control("CartPole-v1", episodes=episodes, device=device, dtype=dtype)
    t0 = time.perf_counter()
    net = ne.compile_population(genomes, config.genome_config, device=device, dtype=dtype)
    t1 = time.perf_counter()
    returns = task.evaluate(net, generator=torch.Generator().manual_seed(seed))
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
    t2 = time.perf_counter()
    return dict(
        seconds=t2 - t0,
        compile_seconds=t1 - t0,
        steps=task.last_env_steps,
        lockstep=task.last_lockstep_steps,
        returns=returns.double().cpu(),
        seed=task.last_seed,
    )


def initial_states(seed: int, n: int) -> np.ndarray:
    env = ne.envs.make("CartPole-v1", n, device="cpu", dtype=torch.float64, seed=seed)
    env.reset(seed=seed)
    return env.state.numpy().copy()


def run_neat_python(genomes, config, starts: np.ndarray, episodes: int):
    env = gymnasium.make("CartPole-v1")
    env.reset(seed=0)
    steps = 0
    returns = []
    t0 = time.perf_counter()
    for i, g in enumerate(genomes):
        net = neat.nn.FeedForwardNetwork.create(g, config)
        row = []
        for e in range(episodes):
            env.reset()
            start = starts[i * episodes + e]
            env.unwrapped.state = start.copy()
            obs = np.array(start, dtype=np.float32)
            total = 0.0
            while True:
                out = net.activate(obs)
                obs, reward, terminated, truncated, _ = env.step(int(np.argmax(out)))
                steps += 1
                total += reward
                if terminated or truncated:
                    break
            row.append(total)
        returns.append(row)
    return dict(
        seconds=time.perf_counter() - t0,
        steps=steps,
        returns=torch.tensor(returns, dtype=torch.float64).mean(1),
    )


def measure(genomes, config, args, dtype) -> dict:
    """Time both implementations on one population; returns the figures."""
    kw = dict(episodes=args.episodes, device=args.device, dtype=dtype, seed=args.seed)
    run_neuroevo(genomes[:10], config, **kw)  # warm-up
    runs = [run_neuroevo(genomes, config, **kw) for _ in range(args.repeats)]
    ours = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    starts = initial_states(ours["seed"], len(genomes) * args.episodes)
    ref = run_neat_python(genomes, config, starts, args.episodes)
    # correctness: the same episodes in float64 give neat-python's returns exactly (float32
    # differs by rounding: saturated tanh outputs tie, trajectories drift)
    check = (
        ours
        if dtype == torch.float64
        else run_neuroevo(genomes, config, **{**kw, "dtype": torch.float64})
    )
    hidden = statistics.mean(len(g.nodes) - config.genome_config.num_outputs for g in genomes)
    return {
        "mean_hidden_nodes": hidden,
        "mean_episode_length": ref["steps"] / (len(genomes) * args.episodes),
        "neuroevo": {
            "seconds": ours["seconds"],
            "compile_seconds": ours["compile_seconds"],
            "env_steps": ours["steps"],
            "lockstep_steps": ours["lockstep"],
            "env_steps_per_second": ours["steps"] / ours["seconds"],
        },
        "neat_python_gymnasium": {
            "seconds": ref["seconds"],
            "env_steps": ref["steps"],
            "env_steps_per_second": ref["steps"] / ref["seconds"],
        },
        "returns_equal_fraction_float64": float(
            (check["returns"] == ref["returns"]).double().mean()
        ),
        "speedup": (ours["steps"] / ours["seconds"]) / (ref["steps"] / ref["seconds"]),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--genomes", type=int, default=1000)
    ap.add_argument("--episodes", type=int, default=10, help="episodes per genome")
    ap.add_argument(
        "--generations",
        type=int,
        nargs="*",
        default=[5, 15],
        help="also measure the populations of these NEAT generations",
    )
    ap.add_argument("--repeats", type=int, default=3, help="timed neuroevo runs (median reported)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (rollout tensors are small: a second thread only "
        "adds synchronisation, and stalls when another process holds a core)",
    )
    ap.add_argument("--quick", action="store_true", help="100 genomes, 2 episodes, 1 repeat")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.quick:
        args.genomes, args.episodes, args.repeats, args.generations = 100, 2, 1, [2]
    dtype = getattr(torch, args.dtype)
    pops, config = populations(args.genomes, args.generations, args.seed)
    rows = {
        f"generation {gen}": measure(genomes, config, args, dtype) for gen, genomes in pops.items()
    }
    result = {
        "benchmark": "rollout_throughput",
        "env": "CartPole-v1",
        "genomes": args.genomes,
        "episodes_per_genome": args.episodes,
        "device": args.device,
        "dtype": args.dtype,
        "torch": torch.__version__,
        "neat_python": getattr(neat, "__version__", "?"),
        "gymnasium": gymnasium.__version__,
        "machine": platform.platform(),
        "torch_threads": torch.get_num_threads(),
        "populations": rows,
    }
    lines = [
        f"CartPole-v1 rollouts: {args.genomes} NEAT genomes x {args.episodes} episodes; "
        f"{args.device}, {args.dtype}, {torch.get_num_threads()} torch thread(s); "
        "neuroevo time includes compile_population",
        "",
        "| population | mean episode | neat-python + gymnasium steps/s | neuroevo steps/s | speed-up | returns equal (float64) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} ({r['mean_hidden_nodes']:.1f} hidden nodes) | {r['mean_episode_length']:.1f} "
            f"| {r['neat_python_gymnasium']['env_steps_per_second']:,.0f} "
            f"| {r['neuroevo']['env_steps_per_second']:,.0f} | **{r['speedup']:.1f}x** "
            f"| {r['returns_equal_fraction_float64']:.0%} |"
        )
    lines += [
        "",
        "returns equal: fraction of genomes whose mean return over the same episodes is "
        "identical to neat-python's, with neuroevo run in float64 (untimed check)",
    ]
    table = "\n".join(lines)
    print(table)
    suffix = "" if args.device == "cpu" else "-" + args.device.replace(":", "")
    if args.quick:
        suffix += "-quick"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"rollout_throughput{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"rollout_throughput{suffix}.md").write_text(table + "\n")
    return result


if __name__ == "__main__":
    main()
