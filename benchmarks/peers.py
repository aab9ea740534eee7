"""Rollout throughput against the peers: neuroevo, evosax + gymnax (JAX) and EvoTorch, one run.

Every contender evolves controllers for CartPole-v1, Acrobot-v1 and Pendulum-v1 at
populations of 200, 1,000 and 10,000, one episode per candidate and generation, from its
environment's own start states, and counts **env steps of running episodes** (a step after
an episode ended does not count, however the contender computes it) per CPU-second and per
wall-second. Whole generations (ask + evaluate + tell: what the peer's jitted generation
does) and evaluation alone are timed separately, after a warm-up of two generations whose
time (JIT compilation, ``torch.compile``) is reported on its own; neuroevo's later
recompilations (a NEAT population that grows deeper) are reported as compile time too.

Contenders (each cell is a fresh process pinned to one CPU, one thread; medians of
``--repeats`` runs, interleaved cell by cell):

* ``neat`` / ``neat-tensor``: ``ne.NEAT`` with the shipped INI file
  (``configs/<env>.ini``, ``pop_size`` overridden) and the task settings of the shipped
  experiment file (``configs/<env>.toml``, one episode), default and tensor engine;
* ``pso``: ``ne.PSO`` over ``ne.MLP(obs, [8], actions)`` (tanh), the same task settings;
* each of them eager (``compile=False``) and compiled (``compile=True``);
* ``evosax``: evosax SNES + gymnax, the generation one jitted function
  (``benchmarks/peer_runners/evosax_gymnax.py``);
* ``evotorch``: EvoTorch SNES + ``VecGymNE`` (``benchmarks/peer_runners/evotorch_vecgymne.py``).

The peers run in their own environment (``--peer-python``, default ``.peers/bin/python``;
create it with ``python -m venv .peers && .peers/bin/pip install -r
benchmarks/peer_runners/requirements.txt``); a peer that is missing is skipped with one
line.

    python benchmarks/peers.py                                  # everything (about 2 hours)
    python benchmarks/peers.py --envs CartPole-v1 --pops 200 10000
    python benchmarks/peers.py --quick                          # smoke run

Writes benchmarks/results/peers[-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNERS = ROOT / "benchmarks" / "peer_runners"
ENVS = ("CartPole-v1", "Acrobot-v1", "Pendulum-v1")
POPS = (200, 1000, 10000)
NEUROEVO = ("neat", "neat-compiled", "neat-tensor", "neat-tensor-compiled", "pso", "pso-compiled")
PEERS = {"evosax": "evosax_gymnax.py", "evotorch": "evotorch_vecgymne.py"}
#: generations per cell; EvoTorch steps each episode from Python, so large cells get fewer
EVOTORCH_GENERATIONS = {10000: 2}


# ------------------------------------------------------------------ one neuroevo cell (child)
def run_neuroevo(
    contender: str, env: str, pop: int, generations: int, seed: int, warmup: int = 2
) -> dict:
    """One cell in this process: the same JSON fields as the peer runners print."""
    import torch

    import neuroevo as ne
    from neuroevo.run.experiment_file import load_experiment

    torch.set_num_threads(1)
    kind, compiled = contender.removesuffix("-compiled"), contender.endswith("-compiled")
    short = env.split("-")[0].lower()
    task_params = dict(load_experiment(ROOT / "configs" / f"{short}.toml").task_params)
    task_params.pop("name", None)
    task_params.update(episodes=1, compile=compiled)
    task_params.pop("fitness_threshold", None)  # run every generation
    task = ne.tasks.Control(env, **task_params)
    torch.manual_seed(seed)
    if kind == "pso":
        strategy = ne.PSO(ne.MLP(task.num_inputs, [8], task.num_outputs), pop_size=pop)
    else:
        config = ne.load_config(ROOT / "configs" / f"{short}.ini")
        strategy = ne.NEAT(
            config, pop_size=pop, **({"engine": "tensor"} if kind == "neat-tensor" else {})
        )
    strategy.setup(
        num_inputs=task.num_inputs,
        num_outputs=task.num_outputs,
        seed=seed,
        device=torch.device("cpu"),
        dtype=torch.float32,
    )
    generator = torch.Generator().manual_seed(seed)

    def generation() -> tuple[float, float, int, torch.Tensor]:
        policy = strategy.ask()
        w, c = time.perf_counter(), time.process_time()
        fitness = task.evaluate(policy, generator=generator)
        w, c = time.perf_counter() - w, time.process_time() - c
        strategy.tell(fitness)
        return w, c, task.last_env_steps, fitness

    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(warmup):
        generation()
    warm_info = task.info()
    warmup_wall, warmup_cpu = time.perf_counter() - w0, time.process_time() - c0
    steps = eval_wall = eval_cpu = compile_wall = compile_cpu = 0.0
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(generations):
        w, c, n, fitness = generation()
        info = task.info()
        compile_wall += info.get("compile_s", 0.0)
        compile_cpu += info.get("compile_cpu_s", 0.0)
        eval_wall += w - info.get("compile_s", 0.0)
        eval_cpu += c - info.get("compile_cpu_s", 0.0)
        steps += n
    gen_wall = time.perf_counter() - w0 - compile_wall
    gen_cpu = time.process_time() - c0 - compile_cpu
    return {
        "contender": f"neuroevo {contender}",
        "env": env,
        "pop": pop,
        "generations": generations,
        "seed": seed,
        "env_steps": int(steps),
        "gen_wall_s": gen_wall,
        "gen_cpu_s": gen_cpu,
        "eval_env_steps": int(steps),
        "eval_wall_s": eval_wall,
        "eval_cpu_s": eval_cpu,
        "warmup_wall_s": warmup_wall,
        "warmup_cpu_s": warmup_cpu,
        "warmup_compile_s": warm_info.get("compile_s", 0.0),
        "compile_wall_s": compile_wall,
        "compile_cpu_s": compile_cpu,
        "mean_episode_length": steps / (pop * generations),
        "best_fitness": float(fitness.max()),
        "versions": {"torch": torch.__version__, "neuroevo": ne.__version__},
        "notes": (
            f"{task!r}; {strategy.name}; compile={compiled}; warm-up {warmup} "
            "generations; timed figures exclude compile time (compile_*_s)"
        ),
    }


def child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--child", required=True, choices=NEUROEVO)
    p.add_argument("--env", required=True)
    p.add_argument("--pop", type=int, required=True)
    p.add_argument("--generations", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    print(json.dumps(run_neuroevo(args.child, args.env, args.pop, args.generations, args.seed)))
    return 0


# ------------------------------------------------------------------ the driver
def command(
    contender: str, env: str, pop: int, generations: int, seed: int, peer_python: str
) -> list[str] | None:
    if contender in NEUROEVO:
        return [
            sys.executable,
            __file__,
            "--child",
            contender,
            "--env",
            env,
            "--pop",
            str(pop),
            "--generations",
            str(generations),
            "--seed",
            str(seed),
        ]
    if not Path(peer_python).exists():
        return None
    return [
        peer_python,
        str(RUNNERS / PEERS[contender]),
        "--env",
        env,
        "--pop",
        str(pop),
        "--generations",
        str(generations),
        "--seed",
        str(seed),
        "--threads",
        "1",
    ]


def measure(cmd: list[str], cpu: int, timeout: float) -> tuple[dict | None, str]:
    """Run one cell pinned to ``cpu``; its JSON line, or None and why not."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    pin = ["taskset", "-c", str(cpu)] if sys.platform.startswith("linux") else []
    try:
        done = subprocess.run(
            pin + cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    if done.returncode == 3:
        return None, done.stderr.strip().splitlines()[-1]
    if done.returncode != 0:
        return None, f"failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}"
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


def rate(rows: list[dict], steps: str, seconds: str) -> tuple[float, float, float]:
    """Median, min and max of steps / seconds over repeats."""
    values = [r[steps] / r[seconds] for r in rows if r[seconds] > 0]
    return statistics.median(values), min(values), max(values)


def summarise(results: dict, contenders: list[str]) -> list[dict]:
    rows = []
    for (env, pop, contender), runs in sorted(results.items()):
        if not runs:
            continue
        gen = rate(runs, "env_steps", "gen_cpu_s")
        rows.append(
            {
                "env": env,
                "pop": pop,
                "contender": contender,
                "runs": len(runs),
                "steps_per_cpu_s": gen[0],
                "spread": [gen[1], gen[2]],
                "steps_per_wall_s": rate(runs, "env_steps", "gen_wall_s")[0],
                "eval_steps_per_cpu_s": rate(runs, "eval_env_steps", "eval_cpu_s")[0],
                "warmup_wall_s": statistics.median(r["warmup_wall_s"] for r in runs),
                "compile_wall_s": statistics.median(r.get("compile_wall_s", 0.0) for r in runs),
                "mean_episode_length": statistics.median(r["mean_episode_length"] for r in runs),
                "label": runs[0]["contender"],
            }
        )
    return rows


def verdicts(rows: list[dict]) -> list[str]:
    """The issue's bar: neuroevo's NEAT and PSO at their best setting against the peers."""
    lines = []
    best = {}
    for r in rows:
        family = "neat" if r["contender"].startswith("neat") else r["contender"].split("-")[0]
        key = (r["env"], r["pop"], family)
        if family in ("neat", "pso") and r["steps_per_cpu_s"] > best.get(key, ({}, 0))[1]:
            best[key] = (r, r["steps_per_cpu_s"])
    peer = {
        (r["env"], r["pop"], r["contender"]): r["steps_per_cpu_s"]
        for r in rows
        if r["contender"] in PEERS
    }
    for (env, pop, family), (r, value) in sorted(best.items()):
        parts = [
            f"{env} pop {pop:,}: neuroevo {family} at its best ({r['contender']}) "
            f"{value:,.0f} steps/CPU-s"
        ]
        if (env, pop, "evosax") in peer:
            parts.append(f"{value / peer[env, pop, 'evosax']:.2f}x evosax")
        if (env, pop, "evotorch") in peer:
            parts.append(f"{value / peer[env, pop, 'evotorch']:.1f}x EvoTorch")
        lines.append(", ".join(parts))
    return lines


def markdown(rows: list[dict], meta: dict) -> str:
    out = [
        "# Rollout throughput against the peers",
        "",
        f"{meta['machine']}; {meta['torch']}; one thread, each cell a fresh process pinned "
        f"to one CPU; {meta['generations']} timed generations after 2 warm-up generations, "
        f"medians of {meta['repeats']} (spread: min-max of the whole-generation rate). "
        "Env steps of running episodes per CPU-second, whole generations (ask + evaluate "
        "+ tell) and evaluation alone; warm-up and compile times apart.",
        "",
    ]
    for env in sorted({r["env"] for r in rows}):
        out += [
            f"## {env}",
            "",
            "| pop | contender | steps/CPU-s | spread | steps/wall-s | eval steps/CPU-s "
            "| mean ep. length | warm-up s | later compiles s |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            if r["env"] != env:
                continue
            lo, hi = r["spread"]
            out.append(
                f"| {r['pop']:,} | {r['label']} | **{r['steps_per_cpu_s']:,.0f}** | "
                f"{lo:,.0f}-{hi:,.0f} | {r['steps_per_wall_s']:,.0f} | "
                f"{r['eval_steps_per_cpu_s']:,.0f} | {r['mean_episode_length']:.1f} | "
                f"{r['warmup_wall_s']:.1f} | {r['compile_wall_s']:.1f} |"
            )
        out.append("")
    out += ["## Against the bar", ""] + [f"- {line}" for line in verdicts(rows)] + [""]
    out += ["Skipped: " + "; ".join(meta["skipped"]) if meta["skipped"] else "Skipped: none", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--envs", nargs="+", default=list(ENVS), choices=ENVS)
    p.add_argument("--pops", nargs="+", type=int, default=list(POPS))
    p.add_argument(
        "--contenders",
        nargs="+",
        default=list(NEUROEVO) + list(PEERS),
        choices=list(NEUROEVO) + list(PEERS),
    )
    p.add_argument("--generations", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cpu", type=int, default=0, help="the CPU every cell is pinned to")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per cell")
    p.add_argument("--peer-python", default=str(ROOT / ".peers" / "bin" / "python"))
    p.add_argument("--quick", action="store_true", help="smoke run: CartPole, pop 200, 2 gens")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)
    if args.quick:
        args.envs, args.pops, args.generations, args.repeats = ["CartPole-v1"], [200], 2, 1
    results: dict = {(e, n, c): [] for e in args.envs for n in args.pops for c in args.contenders}
    skipped: list[str] = []
    for repeat in range(args.repeats):
        for env in args.envs:
            for pop in args.pops:
                for contender in args.contenders:
                    if any(contender in s for s in skipped):
                        continue
                    gens = args.generations
                    if contender == "evotorch":
                        gens = min(gens, EVOTORCH_GENERATIONS.get(pop, gens))
                    cmd = command(contender, env, pop, gens, args.seed, args.peer_python)
                    if cmd is None:
                        skipped.append(
                            f"{contender} (no {args.peer_python}: python -m venv "
                            ".peers && .peers/bin/pip install -r "
                            "benchmarks/peer_runners/requirements.txt)"
                        )
                        print(f"skipped: {skipped[-1]}", flush=True)
                        continue
                    row, why = measure(cmd, args.cpu, args.timeout)
                    if row is None:
                        print(f"{contender} {env} pop {pop}: {why}", flush=True)
                        if "install" in why:
                            skipped.append(f"{contender} ({why})")
                        continue
                    results[env, pop, contender].append(row)
                    print(
                        f"[{repeat + 1}/{args.repeats}] {env} pop {pop:>6,} {contender:>22}: "
                        f"{row['env_steps'] / row['gen_cpu_s']:>12,.0f} steps/CPU-s "
                        f"(eval {row['eval_env_steps'] / row['eval_cpu_s']:,.0f}), mean "
                        f"length {row['mean_episode_length']:.1f}, warm-up "
                        f"{row['warmup_wall_s']:.1f} s",
                        flush=True,
                    )
    import torch

    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "torch": f"torch {torch.__version__}",
        "python": platform.python_version(),
        "generations": args.generations,
        "repeats": args.repeats,
        "skipped": skipped,
    }
    rows = summarise(results, args.contenders)
    text = markdown(rows, meta)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "peers-quick" if args.quick else "peers"
    (args.out / f"{name}.md").write_text(text)
    raw = {f"{e}|{n}|{c}": runs for (e, n, c), runs in results.items()}
    (args.out / f"{name}.json").write_text(
        json.dumps({"meta": meta, "rows": rows, "runs": raw}, indent=1)
    )
    return {"rows": rows, "meta": meta}


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(child_main(sys.argv[1:]))
    main()
