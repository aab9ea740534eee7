"""Parallel evaluation on LunarLander-v3: neat-python's loops against neuroevo's backends.

The measurement of issue 11 ("every core of one machine", "Ray across machines"): the same
``--genomes`` generation-0 NEAT genomes as ``benchmarks/gym_rollout.py`` (neat-python's XOR
example settings with 8 inputs and 4 outputs) play one episode each from the same seeds.

Sections (each a function of ``SECTIONS``: it takes the run's context, returns its figures
and its lines of the report; add a section by appending one):

1. **generation** -- one generation, timed ``--repeats`` times, alternating, medians:
   neat-python's serial loop; ``neat.ParallelEvaluator(N)`` (its Pool pickles each genome
   with the config); neuroevo in one process (``compile_population`` +
   ``Control.evaluate``), on N worker processes and on N Ray actors (what ``evolve(...,
   workers=N, backend=...)`` does each generation: compile in the driver as ``PythonNEAT.ask``
   does, then the backend). Env steps/s, bytes sent and received per generation, per-slice
   overhead; every neuroevo fitness must equal the serial one bit for bit.
2. **transport** -- the choice between (a) slices compiled and rolled out in workers (what
   neuroevo does) and (b) environments stepped in workers with the batched policy in the
   driver: (b) pays one round trip to every worker per lockstep step, measured here with
   echo workers (pipes, and Ray actors) carrying one step's actions and observations;
   (a) pays the per-slice overhead once per generation.
3. **projection** -- throughput on 16, 64 and 512 cores from the measured costs (the model
   is written out in the report).
4. **runs** -- ``neuroevo run configs/lunarlander.toml`` (NEAT) and a GA experiment on the
   same task, serial and with ``--workers N --backend process`` / ``ray``: the same
   result.json (generations, evaluations, best fitness, every generation's statistics).
5. **islands** -- NEAT islands on Ray with one slowed down, asynchronous and synchronous,
   against one island in ``neuroevo.evolve`` (the island part of ``benchmarks/islands.py``).

    python benchmarks/parallel_scaling.py                # 200 genomes, 5 repeats, N = 1, 2
    python benchmarks/parallel_scaling.py --repeats 2 --no-ray
    python benchmarks/parallel_scaling.py --quick        # smoke run (CartPole-v1, 20 genomes)

Needs box2d for LunarLander and Ray for the Ray rows. Writes
benchmarks/results/parallel_scaling[-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # neat.ParallelEvaluator's progress bar

import gymnasium  # noqa: E402
import neat  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # gym_rollout; and this module for spawned workers

from gym_rollout import genome_config  # noqa: E402

import neuroevo as ne  # noqa: E402
from neuroevo.parallel import SerialBackend  # noqa: E402
from neuroevo.parallel.processes import ProcessBackend  # noqa: E402
from neuroevo.tasks.control import Control  # noqa: E402

ENV_ID = "LunarLander-v3"
_ENV = None  # one environment per neat.ParallelEvaluator worker


def play(net, env, seed: int) -> tuple[float, int]:
    """neat-python's evaluation of one genome: one episode, argmax of the outputs."""
    obs, _ = env.reset(seed=seed)
    total, steps = 0.0, 0
    while True:
        obs, reward, terminated, truncated, _ = env.step(int(np.argmax(net.activate(obs))))
        total, steps = total + float(reward), steps + 1
        if terminated or truncated:
            return total, steps


def eval_genome(genome, config) -> float:
    """The function neat.ParallelEvaluator runs in its workers (seed carried by the genome)."""
    global _ENV
    if _ENV is None:
        _ENV = gymnasium.make(ENV_ID)
    return play(neat.nn.FeedForwardNetwork.create(genome, config), _ENV, genome.episode_seed)[0]


def _echo_main(conn, rows: int, obs_size: int) -> None:
    """A worker of design (b) without the environment: per step, actions in, observations out."""
    obs = np.zeros((rows, obs_size), np.float32)
    reward, done = np.zeros(rows, np.float32), np.zeros(rows, bool)
    while True:
        actions = conn.recv()
        if actions is None:
            return
        conn.send((obs, reward, done, done))


# ---------------------------------------------------------------------------------- sections


class _GenomesAsData:
    """The genomes as a NEAT strategy gives them to the backends
    (``Strategy.check_candidates`` / ``Strategy.candidate_data``)."""

    def __init__(self, genomes: list, genome_config) -> None:
        self.genomes, self.genome_config = genomes, genome_config

    def check_candidates(self, *, purpose: str) -> None:
        return None

    def candidate_data(self, policy, *, purpose: str):
        from neuroevo.strategies.neat.candidates import neat_candidates

        return neat_candidates(self.genomes, self.genome_config)


def section_generation(ctx: dict) -> tuple[dict, list[str]]:
    genomes, config, seeds, ns = ctx["genomes"], ctx["config"], ctx["seeds"], ctx["workers"]
    env = gymnasium.make(ENV_ID)
    lengths: list[int] = []

    def neat_serial() -> dict:
        lengths.clear()
        for g, s in zip(genomes, seeds):
            lengths.append(play(neat.nn.FeedForwardNetwork.create(g, config), env, s)[1])
        return {"steps": sum(lengths)}

    def neat_parallel(pe) -> dict:
        pe.evaluate(pairs, config)
        return {"steps": sum(lengths)}  # the serial loop's episodes, in other processes

    for g, s in zip(genomes, seeds):
        g.episode_seed = s
    pairs = list(enumerate(genomes))
    evaluators = {n: neat.ParallelEvaluator(n, eval_genome) for n in ns}
    strategy = _GenomesAsData(genomes, config.genome_config)
    contenders = {"neat-python, serial loop": neat_serial}
    for n, pe in evaluators.items():
        contenders[f"neat-python ParallelEvaluator({n})"] = lambda pe=pe: neat_parallel(pe)
    backends = {"neuroevo, one process": SerialBackend()}
    for n in ns:
        backends[process_name(n)] = ProcessBackend(workers=n)
    if ctx["ray"]:
        import ray

        from neuroevo.parallel.ray_backend import RayBackend

        # logical CPUs: every actor of both backends holds one while they take turns
        ray.init(
            num_cpus=sum(ns), include_dashboard=False, log_to_driver=False, configure_logging=False
        )
        for n in ns:
            backends[f"neuroevo, {n} Ray actor{'s' if n > 1 else ''}"] = RayBackend(workers=n)
    ctx["cleanup"] += [pe.close for pe in evaluators.values()]
    ctx["cleanup"] += [b.close for b in backends.values()]
    fitness: dict[str, torch.Tensor] = {}
    for name, backend in backends.items():
        task = Control("gym:" + ENV_ID, episodes=1, device="cpu")
        backend.open(task)

        def generation(name=name, backend=backend, task=task) -> dict:
            policy = ne.compile_population(genomes, config.genome_config, device="cpu")
            f = backend.evaluate(strategy, policy, torch.Generator().manual_seed(ctx["seed"]))
            fitness[name] = f
            last = getattr(backend, "last", None)
            steps = task.last_env_steps if last is None else sum(r.env_steps for r in last.results)
            return {"steps": steps, "last": last}

        t0 = time.perf_counter()
        generation()  # builds each worker's environments: not timed
        ctx.setdefault("first_generation_seconds", {})[name] = time.perf_counter() - t0
        contenders[name] = generation
    runs: dict[str, list] = {name: [] for name in contenders}
    step_seconds = []
    for _ in range(ctx["repeats"]):
        step_seconds.append(gymnasium_step_seconds(env))  # for the projection's model
        for name, fn in contenders.items():
            t0, c0 = time.perf_counter(), time.process_time()
            out = fn() or {}
            runs[name].append((time.perf_counter() - t0, {**out, "cpu": time.process_time() - c0}))
    ctx["env_step_seconds"] = statistics.median(step_seconds)
    for pe in evaluators.values():
        pe.close()
    for backend in backends.values():  # frees the Ray CPUs the runs section needs
        backend.close()
    steps = runs["neuroevo, one process"][0][1]["steps"]
    ctx.update(lengths=lengths, steps=steps)
    reference = fitness["neuroevo, one process"]
    rows, figures = [], {}
    base = statistics.median(t for t, _ in runs["neat-python, serial loop"])
    for name, timed in runs.items():
        sec = statistics.median(t for t, _ in timed)
        n_steps = timed[-1][1]["steps"]
        fig = {
            "seconds_median": sec,
            "seconds_all": [t for t, _ in timed],
            "env_steps": n_steps,
            "env_steps_per_second": n_steps / sec,
            "speedup_vs_neat_python_serial": base / sec,
        }
        last = timed[-1][1].get("last")
        if name.startswith("neuroevo"):
            fig["fitness_identical_to_one_process"] = bool(torch.equal(fitness[name], reference))
        if last is not None:
            over = [o for _, out in timed for o in out["last"].overhead_seconds()]
            lat = [max(s.latency for s in out["last"].slices) for _, out in timed]
            fig.update(
                bytes_setup_once=last.bytes_setup,
                bytes_sent=last.bytes_sent,
                bytes_received=last.bytes_received,
                slice_overhead_seconds_median=statistics.median(over),
                driver_seconds_median=statistics.median(t - m for (t, _), m in zip(timed, lat)),
                worker_evaluate_seconds=[r.seconds_evaluate for r in last.results],
                worker_cpu_seconds=[r.cpu_seconds_evaluate for r in last.results],
            )
        # CPU seconds on the critical path: this process's, or its own plus the slowest slice's
        cpu = statistics.median(out["cpu"] for _, out in timed)
        if last is not None:
            cpu += statistics.median(
                max(r.cpu_seconds_evaluate for r in out["last"].results) for _, out in timed
            )
        fig["critical_path_cpu_seconds"] = (
            cpu if not name.startswith("neat-python Parallel") else None
        )
        figures[name] = fig
        extra = (
            ""
            if last is None
            else (
                f"{last.bytes_sent / 1e3:.0f} / {last.bytes_received / 1e3:.1f} kB | "
                f"{1e3 * fig['slice_overhead_seconds_median']:.1f} ms"
            )
        )
        same = (
            ""
            if "fitness_identical_to_one_process" not in fig
            else ("yes" if fig["fitness_identical_to_one_process"] else "**NO**")
        )
        cpu = fig["critical_path_cpu_seconds"]
        rows.append(
            f"| {name} | {sec:.2f} s | **{base / sec:.2f}x** | "
            f"{'-' if cpu is None else f'{cpu:.2f} s'} | {n_steps / sec:,.0f} | "
            f"{extra or '- | -'} | {same or '-'} |"
        )
    ctx["figures"] = figures
    serial_one = figures["neuroevo, one process"]["seconds_median"]
    ctx["compile_seconds"] = min(
        _time(lambda: ne.compile_population(genomes, config.genome_config, device="cpu"))
        for _ in range(5)
    )
    ctx["serial_seconds"] = serial_one
    lines = [
        f"### One generation: {len(genomes)} generation-0 NEAT genomes x 1 {ENV_ID} episode",
        "",
        f"Median of {ctx['repeats']} alternating runs; {sum(lengths):,} env steps for neat-python "
        f"(float64), {steps:,} for neuroevo (float32, the default: rounding changes a few argmax "
        f"choices); the longest episode {max(lengths)} steps. neuroevo's times include compiling the population in the "
        "driver (as `PythonNEAT.ask` does); bytes are one generation's slice messages / results "
        "(the task and genome config go once per run); overhead is a slice's wait in the "
        "driver minus the task's own evaluation time (transport, unpickling, compiling the "
        "slice). Critical-path CPU time: this process's CPU time, plus the slowest slice's in "
        "its worker -- what the wall time would be on idle cores (ParallelEvaluator's workers "
        "are not measured).",
        "",
        "| contender | time | vs neat-python serial | critical-path CPU | env steps/s | "
        "sent / received | per-slice overhead | fitness = one process |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *rows,
    ]
    return figures, lines


def gymnasium_step_seconds(env, steps: int = 2000) -> float:
    """Seconds per ``env.step`` (action 0, reset when an episode ends, seeds as the run's)."""
    env.reset(seed=0)
    t0 = time.perf_counter()
    for i in range(steps):
        _, _, terminated, truncated, _ = env.step(0)
        if terminated or truncated:
            env.reset(seed=i)
    return (time.perf_counter() - t0) / steps


def process_name(n: int) -> str:
    return f"neuroevo, {n} worker process{'es' if n > 1 else ''}"


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def section_transport(ctx: dict) -> tuple[dict, list[str]]:
    """Design (b)'s round trip per lockstep step against design (a)'s per-slice overhead."""
    p, n_obs, steps = len(ctx["genomes"]), ctx["num_inputs"], 500 if ctx["quick"] else 2000
    out = {}
    spawn = multiprocessing.get_context(  # as neuroevo's workers start
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    for n in ctx["workers"]:
        conns, procs = [], []
        for _ in range(n):
            a, b = spawn.Pipe()
            proc = spawn.Process(target=_echo_main, args=(b, -(-p // n), n_obs), daemon=True)
            proc.start()
            conns.append(a)
            procs.append(proc)
        actions = np.zeros(-(-p // n), np.int64)
        for c in conns:  # warm up (and wait for the spawn)
            c.send(actions)
            c.recv()
        t0 = time.perf_counter()
        for _ in range(steps):
            for c in conns:
                c.send(actions)
            for c in conns:
                c.recv()
        out[f"pipes_{n}"] = (time.perf_counter() - t0) / steps
        for c, proc in zip(conns, procs):
            c.send(None)
            proc.join()
    if ctx["ray"]:
        import ray

        @ray.remote(num_cpus=0)
        class Echo:
            def step(self, actions):
                return (np.zeros((len(actions), n_obs), np.float32),) * 2

        for n in ctx["workers"]:
            actors = [Echo.remote() for _ in range(n)]
            actions = np.zeros(-(-p // n), np.int64)
            ray.get([a.step.remote(actions) for a in actors])
            k = steps // 4
            t0 = time.perf_counter()
            for _ in range(k):
                ray.get([a.step.remote(actions) for a in actors])
            out[f"ray_{n}"] = (time.perf_counter() - t0) / k
            for a in actors:
                ray.kill(a)
    lockstep = max(ctx["lengths"])
    n = max(ctx["workers"])
    slice_overhead = ctx["figures"][process_name(n)]["slice_overhead_seconds_median"]
    out.update(
        lockstep_steps=lockstep,
        slice_overhead_seconds=slice_overhead,
        design_b_seconds_per_generation=out[f"pipes_{n}"] * lockstep,
    )
    ctx["transport"] = out
    lines = [
        "### Slices in workers (a) or environments in workers (b)",
        "",
        f"(b) steps the environments in N workers and runs the batched policy in the driver: "
        f"every lockstep step is one round trip to every worker (actions out, observations, "
        f"rewards and flags back). Measured with echo workers (no environment) carrying one "
        f"step of a {p}-genome population:",
        "",
        "| transport | round trip per step | x longest episode "
        f"({lockstep} steps) per generation |",
        "|---|---:|---:|",
        *[
            f"| {k.replace('_', ', N = ')} | {1e6 * v:.0f} us | {v * lockstep:.3f} s |"
            for k, v in out.items()
            if k.startswith(("pipes_", "ray_"))
        ],
        "",
        f"(a) sends each worker one slice per generation: {1e3 * slice_overhead:.1f} ms of "
        f"overhead per slice (N = {n}, worker processes), paid once per generation, against "
        f"{out['design_b_seconds_per_generation']:.3f} s of round trips for (b) with pipes. "
        "(b) would also serialise the driver's forward pass with the workers' stepping, and "
        "on a cluster every step would cross the network. neuroevo uses (a).",
    ]
    return out, lines


def driver_seconds_per_slice(ctx: dict, repeats: int = 200) -> float:
    """The driver's fixed cost of one more slice: a one-genome job pickled, a result unpickled."""
    import pickle

    from neuroevo.parallel.slices import SliceJob, SliceResult, dumps
    from neuroevo.strategies.candidates import TensorRows
    from neuroevo.strategies.neat.packed import pack_genomes

    packed, one = pack_genomes(ctx["genomes"]), np.array([0])
    result = dumps(SliceResult(1, 0, TensorRows.of(torch.zeros(1)), 100, 0.1, 0.1, 0.1, None, None))
    t0 = time.perf_counter()
    for i in range(repeats):
        dumps(
            SliceJob(
                run=1,
                serial=i,
                index=i,
                positions=one,
                population_size=len(packed.key),
                generator=("seed", 1),
                rows=packed.select(one),
                device="cpu",
                dtype="float32",
                want_generator=False,
                task_state=None,
            )
        )
        pickle.loads(result)
    return (time.perf_counter() - t0) / repeats


def expected_longest(lengths: list[int], k: int) -> float:
    """E[max of k episode lengths] drawn from the measured ones (with replacement)."""
    x = np.sort(np.asarray(lengths, dtype=np.float64))
    n = len(x)
    cdf = np.arange(1, n + 1) / n
    return float(np.sum(x * (cdf**k - (cdf - 1 / n) ** k)))


def section_projection(ctx: dict) -> tuple[dict, list[str]]:
    """Throughput on 16, 64, 512 cores from the measured costs (model in the report)."""
    p, steps, lengths = len(ctx["genomes"]), ctx["steps"], ctx["lengths"]
    figs = ctx["figures"]
    e = ctx["env_step_seconds"]
    t_compile = ctx["compile_seconds"]
    f = max(0.0, (ctx["serial_seconds"] - t_compile - steps * e) / max(lengths))
    procs = {n: figs[process_name(n)] for n in ctx["workers"]}
    n_hi = max(procs)
    o = procs[n_hi]["slice_overhead_seconds_median"]
    t_d = procs[n_hi]["driver_seconds_median"]
    c = driver_seconds_per_slice(ctx)
    rows_bytes = procs[n_hi]["bytes_sent"]
    per_slice_bytes = procs[n_hi]["bytes_received"] / n_hi + 300
    bw = 1.25e9  # assumed 10 Gbit/s between machines

    def w(k: int, pop: int, total_steps: float) -> float:
        return e * total_steps * k / pop + f * expected_longest(lengths, k)

    def t_strong(n: int) -> float:  # at most P slices: the other cores idle
        m = min(n, p)
        return t_d + c * m + o + w(-(-p // m), p, steps) + (rows_bytes + m * per_slice_bytes) / bw

    def t_weak(n: int) -> float:  # 100 genomes per worker, costs per genome as measured
        pop = 100 * n
        return (
            t_d * pop / p
            + c * n
            + o
            + w(100, pop, steps * pop / p)
            + (rows_bytes * pop / p + n * per_slice_bytes) / bw
        )

    cores = (1, 2, 16, 64, 512)
    out = {
        "model": {
            "env_step_seconds": e,
            "forward_per_lockstep_seconds": f,
            "slice_overhead_seconds": o,
            "driver_seconds": t_d,
            "driver_seconds_per_slice": c,
            "bandwidth_bytes_per_second": bw,
        },
        "strong_env_steps_per_second": {n: steps / t_strong(n) for n in cores},
        "weak_env_steps_per_second": {n: 100 * n * steps / p / t_weak(n) for n in cores},
        "measured_env_steps_per_second": {n: steps / procs[n]["seconds_median"] for n in procs},
    }
    serial_fraction = t_d / t_strong(1)
    lines = [
        "### Projection to 16, 64 and 512 cores",
        "",
        "Model, from this run's measurements: a generation takes "
        "`T(n) = t_d + c n + o + w(ceil(P/n)) + B(n)/bw`, with the driver's own work "
        f"`t_d` = {1e3 * t_d:.0f} ms (compiling as `PythonNEAT.ask` does, packing, splitting, "
        f"collecting: generation time minus the slowest slice's wait, N = {n_hi}), "
        f"`c` = {1e3 * c:.2f} ms more per slice (a one-genome slice's message built and its "
        f"result read, timed apart), the per-slice overhead `o` = {1e3 * o:.1f} ms, "
        "a slice of k genomes' work `w(k) = e S k / P + f L(k)` (`e` = "
        f"{1e6 * e:.0f} us per gymnasium step (timed between the runs), `S` = {steps:,} steps per generation, `f` = "
        f"{1e6 * f:.0f} us per lockstep step for the slice's batched forward and bookkeeping "
        "(from the one-process time), `L(k)` the expected longest of k episodes drawn from "
        f"this generation's episode lengths: L(1) = {expected_longest(lengths, 1):.0f}, "
        f"L({p}) = {expected_longest(lengths, p):.0f}), and `B(n)` bytes over a "
        f"{bw * 8 / 1e9:.0f} Gbit/s network. Amdahl's serial fraction at n = 1: "
        f"{serial_fraction:.1%}. Strong scaling keeps P = {p} (at most P slices); weak "
        "scaling gives every worker 100 genomes (P = 100 n).",
        "",
        "| cores | strong: env steps/s | weak: env steps/s | measured |",
        "|---:|---:|---:|---:|",
        *[
            f"| {n} | {out['strong_env_steps_per_second'][n]:,.0f} | "
            f"{out['weak_env_steps_per_second'][n]:,.0f} | "
            + (
                f"{out['measured_env_steps_per_second'][n]:,.0f} |"
                if n in out["measured_env_steps_per_second"]
                else "- |"
            )
            for n in cores
        ],
    ]
    return out, lines


def section_runs(ctx: dict) -> tuple[dict, list[str]]:
    """`neuroevo run` serial, --workers N --backend process and ray: the same result.json."""
    import tempfile

    from neuroevo.run.cli import main as neuroevo

    n, gens, folder = max(ctx["workers"]), ctx["run_generations"], Path(tempfile.mkdtemp())
    task = (
        f'[task]\nname = "gym:{ENV_ID}"\nepisodes = {1 if ctx["quick"] else 3}\naction = "argmax"\n'
    )
    ini = ROOT / "configs" / ("cartpole.ini" if ctx["quick"] else "lunarlander.ini")
    files = {"neat": ROOT / "configs" / "lunarlander.toml", "ga": folder / "ga.toml"}
    if ctx["quick"]:
        files["neat"] = folder / "neat.toml"
        files["neat"].write_text(
            f'[experiment]\ngenerations = 1\ndevice = "cpu"\n{task}'
            f'[strategy]\nname = "neat"\nconfig = "{ini}"\npop_size = 20\n'
        )
    files["ga"].write_text(
        f'[experiment]\ngenerations = 1\ndevice = "cpu"\n{task}[strategy]\n'
        f'name = "ga"\nhidden = [8]\npop_size = {20 if ctx["quick"] else 64}\n'
    )
    backends = [("serial", []), ("process", ["--workers", str(n), "--backend", "process"])]
    if ctx["ray"]:
        backends.append(("ray", ["--workers", str(n), "--backend", "ray"]))
    out, lines = {}, []
    for kind, path in files.items():
        results = {}
        for name, extra in backends:
            target = folder / f"{kind}-{name}"
            t0 = time.perf_counter()
            code = neuroevo(
                [
                    "run",
                    str(path),
                    "--seed",
                    str(ctx["seed"] + 1),
                    "--generations",
                    str(gens),
                    "--out",
                    str(target),
                    "--quiet",
                    "--no-extras",
                    *extra,
                ]
            )
            seconds = time.perf_counter() - t0
            r = json.loads((target / "result.json").read_text()) if code == 0 else {}
            results[name] = {k: r.get(k) for k in ("generations", "evaluations", "best_fitness")}
            results[name].update(
                seconds=seconds,
                history=[
                    {k: v for k, v in h.items() if k not in ("seconds", "evaluations_per_second")}
                    for h in r.get("history", [])
                ],
            )
        same = all(
            results[b] | {"seconds": 0} == results["serial"] | {"seconds": 0} for b in results
        )
        out[kind] = {
            "identical_results": same,
            **{b: {k: v for k, v in r.items() if k != "history"} for b, r in results.items()},
        }
        want = results["serial"]
        lines.append(
            f"| {kind.upper()}: `neuroevo run {path.name} --seed {ctx['seed'] + 1} "
            f"--generations {gens}` | {want['generations']} | {want['evaluations']:,} | "
            f"{want['best_fitness']:.2f} | "
            + " / ".join(f"{r['seconds']:.1f} s" for r in results.values())
            + f" | {'yes' if same else '**NO**'} |"
        )
    return out, [
        f"### `neuroevo run` on {ENV_ID}: serial, --workers {n} --backend process"
        + (" and ray" if ctx["ray"] else ""),
        "",
        "| run | generations | evaluations | best fitness | time: "
        + " / ".join(b for b, _ in backends)
        + " | result.json identical (history included) |",
        "|---|---:|---:|---:|---:|---|",
        *lines,
    ]


def section_islands(ctx: dict) -> tuple[dict, list[str]]:
    """Asynchronous islands with one slowed down against the synchronous loop: the island
    part of ``benchmarks/islands.py`` with its default settings (``--quick``: its smoke ones)."""
    import islands  # benchmarks/islands.py, beside this file

    args = islands.parse_args(
        (["--quick"] if ctx["quick"] else []) + ([] if ctx["ray"] else ["--no-ray"])
    )
    figures = islands.islands_part(args)
    return figures, [
        "## Islands: a slowed island against the synchronous loop",
        "",
        *islands.islands_lines(figures, vars(args)),
    ]


SECTIONS = [
    ("generation", section_generation),
    ("transport", section_transport),
    ("projection", section_projection),
    ("runs", section_runs),
    ("islands", section_islands),
]


def main(argv: list[str] | None = None) -> dict:
    global ENV_ID
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--genomes", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray rows")
    ap.add_argument(
        "--run-generations",
        type=int,
        default=2,
        help="generations of the `neuroevo run` comparison (quick: 1)",
    )
    ap.add_argument("--quick", action="store_true", help="CartPole-v1, 20 genomes, 1 repeat")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.quick:
        ENV_ID, args.genomes, args.repeats, args.run_generations = "CartPole-v1", 20, 1, 1
    load_before = os.getloadavg()[0]
    env = gymnasium.make(ENV_ID)
    n_in, n_out = int(np.prod(env.observation_space.shape)), int(env.action_space.n)
    config = genome_config(n_in, n_out, args.genomes)
    genomes = list(neat.Population(config, seed=args.seed).population.values())[: args.genomes]
    probe = Control("gym:" + ENV_ID, episodes=1, device="cpu")
    probe.evaluate(
        ne.compile_population(genomes[:1], config.genome_config, device="cpu"),
        generator=torch.Generator().manual_seed(args.seed),
    )
    ctx = dict(
        genomes=genomes,
        config=config,
        num_inputs=n_in,
        workers=args.workers,
        seeds=[probe.last_seed + i for i in range(len(genomes))],
        seed=args.seed,
        repeats=args.repeats,
        ray=not args.no_ray,
        quick=args.quick,
        run_generations=args.run_generations,
        cleanup=[],
    )
    result: dict = {
        "benchmark": "parallel_scaling",
        "env": ENV_ID,
        "genomes": len(genomes),
        "repeats": args.repeats,
        "workers": args.workers,
    }
    report: list[str] = []
    try:
        for key, section in SECTIONS:
            t0 = time.perf_counter()
            figures, lines = section(ctx)
            result.setdefault("section_seconds", {})[key] = time.perf_counter() - t0
            result[key] = figures
            report += [*lines, ""]
    finally:
        for close in ctx["cleanup"]:  # a section that failed half-way leaves no workers
            close()
        if ctx["ray"] and "ray" in sys.modules and sys.modules["ray"].is_initialized():
            sys.modules["ray"].shutdown()
    result.update(
        first_generation_seconds=ctx.get("first_generation_seconds"),
        machine=platform.platform(),
        cpu_count=os.cpu_count(),
        load_average_1min=[load_before, os.getloadavg()[0]],
        torch=torch.__version__,
        neat_python=getattr(neat, "__version__", "?"),
    )
    report.append(
        f"Machine: {os.cpu_count()} cores, 1-minute load average {load_before:.1f} "
        f"before and {os.getloadavg()[0]:.1f} after (above the core count, other "
        "processes shared the cores and the times are noisy)."
    )
    text = "\n".join(report)
    print(text)
    suffix = "-quick" if args.quick else ""
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"parallel_scaling{suffix}.json").write_text(
        json.dumps(result, indent=2, default=str) + "\n"
    )
    (args.out / f"parallel_scaling{suffix}.md").write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
