"""Time per NEAT generation, split into reproduction, speciation, compile and evaluation.

Both arms run neat-python's own ``neat.Population`` loop on XOR with the settings of
neat-python's ``examples/xor/config-feedforward`` (below; ``--config`` takes another file),
pop_size overridden, the same seed and no fitness termination, in the same process:

* neat-python: ``DefaultGenome``, ``DefaultReproduction``, ``DefaultSpeciesSet``; fitness by
  ``neat.nn.FeedForwardNetwork.create`` (compile) and ``activate`` on the 4 XOR cases (eval),
  one genome at a time;
* neuroevo: the drop-in plug-ins ``FastGenome`` (same offspring as ``DefaultGenome``) and
  ``FastSpeciesSet`` (same species as ``DefaultSpeciesSet``) with ``DefaultReproduction``;
  fitness by ``neuroevo.compile_population`` (compile) and one batched forward (eval);
* neuroevo+repro (``--fast-reproduction``): as neuroevo, with ``FastReproduction`` (same
  offspring counts, vectorised gene work: statistically equal offspring, other random draws);
* tensor (``--engine tensor``): :class:`~neuroevo.strategies.neat.tensor.TensorNEAT`, the whole
  generation as tensor operations on ``--device`` (compile from the tensors, one float32
  forward, reproduction and speciation batched). Its "setup" is the first population
  (creation and speciation); ``--reference-max-pop`` skips the neat-python arm above that
  size (minutes per generation at 10^5 and more), so large pops report no ratio.

Each phase is timed per generation on both clocks (wall: ``time.perf_counter``; CPU: this
process's ``time.process_time``, steadier on a shared machine); a run's figure is the median
over its timed generations (after ``--warmup`` untimed ones), "total" that of a whole
generation (the four phases plus neat-python's own bookkeeping). Each pop size is run
``--repeats`` times, the arms interleaved (ABBA: A B, B A, A B ...), so slow spells of a
shared machine fall on both; the table gives the median over repeats on ``--clock``, the
range (min-max over repeats) of the total, and the other clock's total beside it. The ratio
is neat-python / neuroevo (and neat-python / neuroevo+repro) of those medians; its range is
that of the ratios of the runs made back to back.

**Fixed cost per generation** (``--engine tensor``): the time a generation costs whatever
the population, from Python and the number of tensor operations rather than their size.
Two estimates: (1) the median generation at the tiny pop ``--fixed-pops`` (default 25, where
the per-genome work is under 0.1 ms), over ``--fixed-repeats`` runs (they are cheap, so many:
a slow spell moves the median little); (2) the intercept of the line ``total = fixed +
per_genome * pop`` through the two smallest ``--pop-sizes`` (the cost per genome falls as
the population grows, so this one is larger). The table gives fixed / total at every pop.
**Before and after a change** (``--baseline-tree DIR``): the tensor engine of another source
tree (e.g. ``git worktree add DIR <commit before>``) is a further arm, ``tensor-baseline``,
interleaved with the others like them. Then both tensor arms run in child processes (the
baseline with ``DIR`` first on ``PYTHONPATH``), each run in a fresh one, so neither gains from
the other's warm process; ``speed-up`` is baseline / tensor.

    python benchmarks/generation_time.py                  # pop 150, 1,000 and 10,000
    python benchmarks/generation_time.py --fast-reproduction   # adds the third arm
    python benchmarks/generation_time.py --quick          # tiny smoke run (tests use it)
    python benchmarks/generation_time.py --engine tensor --pop-sizes 1000 10000 --repeats 5
    python benchmarks/generation_time.py --engine tensor --baseline-tree /tmp/before --clock cpu
    python benchmarks/generation_time.py --engine tensor --pop-sizes 1000 10000 100000 1000000
    python benchmarks/generation_time.py --engine tensor --device cuda --pop-sizes 1000000

Writes benchmarks/results/generation_time[-tensor][-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neat
import numpy as np
import torch

from neuroevo.compile.population import compile_population
from neuroevo.config import PluginConfig
from neuroevo.strategies.neat.genome import FastGenome
from neuroevo.strategies.neat.reproduction import FastReproduction
from neuroevo.strategies.neat.runtime import quiet_collector
from neuroevo.strategies.neat.speciation import FastSpeciesSet
from neuroevo.strategies.neat.tensor import TensorNEAT

# neat-python's examples/xor/config-feedforward settings (2 inputs, 1 output, feed-forward).
# neat-python's own XOR example settings, shared by the benchmarks
XOR_INI = (pathlib.Path(__file__).parent / "neat_python_xor_example.ini").read_text()
XOR_IN = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
XOR_OUT = [0.0, 1.0, 1.0, 0.0]
#: both clocks are read at every stamp; ``--clock`` picks the one the table's phases use
CLOCKS = ("wall", "cpu")
PHASES = ("reproduction", "speciation", "compile", "evaluation")
ARMS = ("neat-python", "neuroevo", "neuroevo+repro", "tensor", "tensor-baseline")
#: the flag that makes this script one tensor-arm run in a child process (JSON on stdout)
CHILD_FLAG = "--child-tensor-run"


def stamp() -> np.ndarray:
    """(wall, CPU) seconds now; differences of stamps are (wall, CPU) durations."""
    return np.array((time.perf_counter(), time.process_time()))


class _Clock(neat.reporting.BaseReporter):
    """Per-generation phase times and whole-generation times (a neat-python reporter)."""

    def __init__(self, now: Callable[[], np.ndarray] = stamp) -> None:
        self.now = now
        self.rows: list[dict[str, np.ndarray]] = []
        self._start: np.ndarray | None = None

    def add(self, phase: str, seconds: np.ndarray) -> None:
        self.rows[-1][phase] = self.rows[-1].get(phase, 0.0) + seconds

    def timed(self, phase: str, fn: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = self.now()
            out = fn(*args, **kwargs)
            self.add(phase, self.now() - t)
            return out

        return wrapper

    # neat.reporting.BaseReporter hooks
    def start_generation(self, generation: int) -> None:
        now = self.now()
        if self._start is not None:
            self.rows[-1]["total"] = now - self._start
        self._start = now
        self.rows.append({})


def timings(rows: list[dict[str, np.ndarray]], setup: np.ndarray, clock: str) -> dict[str, Any]:
    """A run's figures: medians over its generations on ``clock`` (the table's), and on
    each clock under ``by_clock``; ``per_generation`` on ``clock``."""

    def at(r: dict[str, np.ndarray], phase: str, i: int) -> float:
        return float(r[phase][i]) if phase in r else 0.0

    by_clock = {}
    for i, name in enumerate(CLOCKS):
        by_clock[name] = {
            p: statistics.median(at(r, p, i) for r in rows) for p in (*PHASES, "total")
        }
        by_clock[name]["setup"] = float(setup[i])
    i = CLOCKS.index(clock)
    return {
        **by_clock[clock],
        "by_clock": by_clock,
        "generations_timed": len(rows),
        "per_generation": [{p: at(r, p, i) for p in (*PHASES, "total")} for r in rows],
    }


def neat_python_fitness(clock: _Clock) -> Callable:
    def fitness(genomes: list, config: Any) -> None:
        t0 = clock.now()
        nets = [neat.nn.FeedForwardNetwork.create(g, config) for _, g in genomes]
        t1 = clock.now()
        for (_, g), net in zip(genomes, nets):
            g.fitness = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in zip(XOR_IN, XOR_OUT))
        clock.add("compile", t1 - t0)
        clock.add("evaluation", clock.now() - t1)

    return fitness


def neuroevo_fitness(clock: _Clock, device: torch.device) -> Callable:
    x = torch.tensor(XOR_IN, dtype=torch.float64, device=device)
    y = torch.tensor(XOR_OUT, dtype=torch.float64, device=device)

    def fitness(genomes: list, config: Any) -> None:
        t0 = clock.now()
        net = compile_population(
            [g for _, g in genomes], config.genome_config, device=device, dtype=torch.float64
        )
        t1 = clock.now()
        with torch.inference_mode():
            out = net(x)[..., 0]  # [P, 4]
            f = (4.0 - ((out - y) ** 2).sum(dim=1)).tolist()
        for (_, g), value in zip(genomes, f):
            g.fitness = value
        clock.add("compile", t1 - t0)
        clock.add("evaluation", clock.now() - t1)

    return fitness


def _quiet(fn: Callable) -> Callable:
    """``fn`` run inside neuroevo's quiet_collector (no effect on results)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with quiet_collector():
            return fn(*args, **kwargs)

    return wrapper


def run_arm(
    arm: str,
    pop_size: int,
    generations: int,
    warmup: int,
    seed: int,
    config_path: Path,
    device: torch.device,
    clock_name: str = "wall",
    now: Callable[[], np.ndarray] = stamp,
) -> dict[str, Any]:
    if arm == "neat-python":
        types = (neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet)
    elif arm == "neuroevo":
        types = (FastGenome, neat.DefaultReproduction, FastSpeciesSet)
    else:
        types = (FastGenome, FastReproduction, FastSpeciesSet)
    config = PluginConfig(*types, neat.DefaultStagnation, str(config_path))  # Fast*: [Default*]
    config.pop_size = pop_size
    config.no_fitness_termination = True
    clock = _Clock(now)
    t0 = now()
    population = neat.Population(config, seed=seed)
    setup = now() - t0
    population.add_reporter(clock)
    reproduce, speciate = population.reproduction.reproduce, population.species.speciate
    if arm != "neat-python":  # as neuroevo.PythonNEAT.tell does: collector paused, objects promoted
        reproduce, speciate = _quiet(reproduce), _quiet(speciate)
    population.reproduction.reproduce = clock.timed("reproduction", reproduce)
    population.species.speciate = clock.timed("speciation", speciate)
    fitness = (
        neat_python_fitness(clock) if arm == "neat-python" else neuroevo_fitness(clock, device)
    )
    population.run(fitness, warmup + generations + 1)  # +1: the last generation's end
    rows = [r for r in clock.rows[warmup : warmup + generations] if "total" in r]
    genomes = population.population.values()
    return {
        **timings(rows, setup, clock_name),
        "species": len(population.species.species),
        "mean_nodes": statistics.mean(len(g.nodes) for g in genomes),
        "mean_connections": statistics.mean(len(g.connections) for g in genomes),
    }


def _synced(now: Callable[[], np.ndarray], device: torch.device) -> Callable[[], np.ndarray]:
    def synced() -> np.ndarray:
        torch.cuda.synchronize(device)
        return now()

    return synced


def run_tensor_arm(
    pop_size: int,
    generations: int,
    warmup: int,
    seed: int,
    config_path: Path,
    device: torch.device,
    clock_name: str = "wall",
    now: Callable[[], np.ndarray] = stamp,
) -> dict[str, Any]:
    """The tensor engine on the same config: phases timed around ask / forward / tell."""
    if device.type == "cuda":  # wait for the device before each reading
        torch.cuda.reset_peak_memory_stats(device)
        now = _synced(now, device)
    config = neat.Config(
        neat.DefaultGenome,
        neat.DefaultReproduction,
        neat.DefaultSpeciesSet,
        neat.DefaultStagnation,
        str(config_path),
    )
    strategy = TensorNEAT(config, pop_size=pop_size, device=device)
    t0 = now()
    strategy.initialize(seed=seed, device=device)
    setup = now() - t0
    speciate = strategy._speciate
    spent = {"speciation": 0.0}

    def timed_speciate(pop):
        t = now()
        speciate(pop)
        spent["speciation"] = spent["speciation"] + (now() - t)

    strategy._speciate = timed_speciate
    x = torch.tensor(XOR_IN, device=device)
    y = torch.tensor(XOR_OUT, device=device)
    rows = []
    for _ in range(warmup + generations):
        spent["speciation"] = 0.0
        t0 = now()
        net = strategy.ask()
        t1 = now()
        with torch.inference_mode():
            fitness = 4.0 - ((net(x)[..., 0] - y) ** 2).sum(dim=1)
        t2 = now()
        strategy.tell(fitness)
        t3 = now()
        rows.append(
            {
                "compile": t1 - t0,
                "evaluation": t2 - t1,
                "reproduction": t3 - t2 - spent["speciation"],
                "speciation": spent["speciation"],
                "total": t3 - t0,
            }
        )
    rows = rows[warmup:]
    nodes, conns = strategy.population.sizes()
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return {
        **timings(rows, setup, clock_name),
        "species": len(strategy.species),
        "mean_nodes": float(nodes.double().mean()),
        "mean_connections": float(strategy.population.conns.valid().sum(1).double().mean()),
        "padded_width": [strategy.population.nodes.width, strategy.population.conns.width],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_device_mb": None if peak is None else peak / 2**20,
    }


def child_tensor_run(
    tree: Path, pop_size: int, args: argparse.Namespace, config_path: Path
) -> dict[str, Any]:
    """:func:`run_tensor_arm` in a fresh process importing ``neuroevo`` from ``tree``."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        CHILD_FLAG,
        str(pop_size),
        "--generations",
        str(args.generations),
        "--warmup",
        str(args.warmup),
        "--seed",
        str(args.seed),
        "--threads",
        str(args.threads),
        "--device",
        args.device,
        "--config",
        str(config_path),
        "--clock",
        args.clock,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"the tensor arm from {tree} failed at pop {pop_size}:\n{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def combine(runs: list[dict[str, Any]], clock: str) -> dict[str, Any]:
    """One arm's repeats: each figure the median over the runs (on every clock), the range
    (min, max) of every phase and total, and the runs themselves under ``repeats``."""
    keys = (*PHASES, "total", "setup")
    by_clock = {
        c: {p: statistics.median(r["by_clock"][c][p] for r in runs) for p in keys} for c in CLOCKS
    }
    spread = {
        c: {
            p: [min(r["by_clock"][c][p] for r in runs), max(r["by_clock"][c][p] for r in runs)]
            for p in keys
        }
        for c in CLOCKS
    }
    last = runs[-1]
    out = {k: v for k, v in last.items() if k not in ("by_clock", "per_generation", *keys)}
    if "peak_rss_mb" in last:
        out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return {
        **by_clock[clock],
        **out,
        "by_clock": by_clock,
        "range": spread,
        "per_generation": runs[0]["per_generation"],
        "repeats": [{k: v for k, v in r.items() if k != "per_generation"} for r in runs],
    }


def ratio(row: dict[str, Any], reference: str, arm: str) -> dict[str, Any]:
    """reference / arm per phase (medians), with the range of the back-to-back runs' ratios
    on the table's clock."""
    out = {p: row[reference][p] / max(row[arm][p], 1e-9) for p in (*PHASES, "total")}
    pairs = zip(row[reference]["repeats"], row[arm]["repeats"])
    each = [a["total"] / max(b["total"], 1e-9) for a, b in pairs]
    out["total_range"] = [min(each), max(each)]
    return out


def tiny_pop_cost(row: dict[str, Any], arm: str = "tensor") -> dict[str, Any]:
    """The fixed cost as the median generation at a tiny pop, with its range, per clock."""
    a = row[arm]
    return {
        "pops": [row["pop_size"]],
        "arm": arm,
        "runs": len(a["repeats"]),
        **{
            c: {"fixed": a["by_clock"][c]["total"], "range": a["range"][c]["total"]} for c in CLOCKS
        },
    }


def fixed_cost(rows: list[dict[str, Any]], arm: str = "tensor") -> dict[str, Any]:
    """Least-squares ``total = fixed + per_genome * pop`` through the arm's rows, per clock."""
    pops = np.array([r["pop_size"] for r in rows], dtype=float)
    out: dict[str, Any] = {"pops": [r["pop_size"] for r in rows], "arm": arm}
    for c in CLOCKS:
        totals = np.array([r[arm]["by_clock"][c]["total"] for r in rows])
        slope, intercept = np.polyfit(pops, totals, 1) if len(rows) > 1 else (0.0, totals[0])
        out[c] = {"fixed": float(intercept), "per_genome": float(slope)}
    return out


def _ms(x: float) -> str:
    return f"{1e3 * x:.1f}"


def markdown(result: dict[str, Any]) -> str:
    clock = result["clock"]
    other = next(c for c in CLOCKS if c != clock)
    lines = [
        "# NEAT generation time (ms per generation, median)",
        "",
        f"{result['machine']}; neat-python {result['neat_python']}, torch {result['torch']}; "
        f"XOR, config {result['config']}, seed {result['seed']}, {result['generations']} timed "
        f"generations after {result['warmup']} warm-up; median of {result['repeats']} runs per "
        f'arm, arms interleaved; phases on the {clock} clock, "range" the min-max of the runs\' '
        f"totals; load average {result['load_average'][0]:.2f} before, "
        f"{result['load_average'][1]:.2f} after.",
        "",
        f"| pop | arm | reproduction | speciation | compile | evaluation | total | range | "
        f"total ({other}) | setup | species |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        for arm in ARMS:
            if arm not in row:
                continue
            a = row[arm]
            lo, hi = a["range"][clock]["total"]
            lines.append(
                f"| {row['pop_size']} | {arm} | "
                + " | ".join(_ms(a[p]) for p in (*PHASES, "total"))
                + f" | {_ms(lo)}-{_ms(hi)} | "
                f"{_ms(a['by_clock'][other]['total'])} | {_ms(a['setup'])} | {a['species']} |"
            )
        for key, label in (
            ("ratio", "**ratio**"),
            ("ratio_repro", "**ratio (+repro)**"),
            ("ratio_tensor", "**ratio (tensor)**"),
            ("ratio_tensor_baseline", "**ratio (tensor-baseline)**"),
            ("speed_up", "**speed-up (baseline / tensor)**"),
        ):
            if key in row:
                r = row[key]
                lo, hi = r["total_range"]
                lines.append(
                    f"| {row['pop_size']} | {label} | "
                    + " | ".join(f"{r[p]:.1f}x" for p in (*PHASES, "total"))
                    + f" | {lo:.1f}-{hi:.1f}x | | | |"
                )
    if result.get("baseline"):
        lines += ["", f"tensor-baseline: {result['baseline']}."]
    for arm, fixed in (result.get("fixed_cost") or {}).items():
        f, o = fixed[clock], fixed[other]
        lo, hi = f["range"]
        lines += [
            "",
            f"**Fixed cost per generation** ({arm}): {_ms(f['fixed'])} ms "
            f"({clock} clock, range {_ms(lo)}-{_ms(hi)} over {fixed['runs']} runs; "
            f"{_ms(o['fixed'])} ms {other}), a generation at pop {fixed['pops'][0]}; "
            "fixed / total: "
            + ", ".join(
                f"pop {r['pop_size']} {100 * f['fixed'] / r[arm]['total']:.0f}%"
                for r in result["rows"]
                if arm in r
            )
            + ".",
        ]
        large = (result.get("fixed_cost_large") or {}).get(arm)
        if large:
            f = large[clock]
            lines += [
                "",
                f"The line total = fixed + per_genome * pop through pops "
                f"{' and '.join(map(str, large['pops']))} ({arm}): fixed {_ms(f['fixed'])} "
                f"ms ({clock}; {_ms(large[other]['fixed'])} ms {other}), "
                f"{1e6 * f['per_genome']:.2f} us per genome (the cost per genome falls as "
                "the population grows, so this intercept is the larger estimate).",
            ]
    for arm in ("tensor", "tensor-baseline"):
        measured = [r for r in result["rows"] if arm in r]
        if measured:
            lines += [
                "",
                f"Memory ({arm}): "
                + "; ".join(
                    f"pop {r['pop_size']}: peak RSS {r[arm]['peak_rss_mb']:.0f} MB"
                    + (
                        f", device {r[arm]['peak_device_mb']:.0f} MB"
                        if r[arm]["peak_device_mb"] is not None
                        else ""
                    )
                    for r in measured
                )
                + ".",
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pop-sizes", type=int, nargs="+", default=[150, 1000, 10000])
    ap.add_argument("--generations", type=int, default=7, help="timed generations per arm")
    ap.add_argument("--warmup", type=int, default=3, help="untimed generations first")
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each arm per pop size, interleaved with the other arms",
    )
    ap.add_argument(
        "--fixed-pops",
        type=int,
        nargs="*",
        default=None,
        help="with --engine tensor, tiny pops whose generation (the first's) is the "
        "fixed cost per generation (default 25; none to skip)",
    )
    ap.add_argument(
        "--fixed-repeats", type=int, default=15, help="runs at each --fixed-pops (cheap ones)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (a tiny forward gains nothing from more)",
    )
    ap.add_argument("--device", default="cpu")
    ap.add_argument(
        "--config",
        default=None,
        help="a neat-python INI file (default: neat-python's XOR example settings)",
    )
    ap.add_argument(
        "--clock",
        choices=CLOCKS,
        default="wall",
        help="the clock of the table's phases (both are measured and saved)",
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for tests")
    ap.add_argument(
        "--fast-reproduction",
        action="store_true",
        help="add the arm neuroevo+repro (FastReproduction as well)",
    )
    ap.add_argument(
        "--engine",
        choices=("default", "tensor"),
        default="default",
        help="tensor: compare the tensor engine with neat-python (instead of the neuroevo arm)",
    )
    ap.add_argument(
        "--reference-max-pop",
        type=int,
        default=10_000,
        help="with --engine tensor, skip the neat-python arm above this pop size",
    )
    ap.add_argument(
        "--baseline-tree",
        default=None,
        help="with --engine tensor, a source tree whose tensor engine is measured "
        "too (arm tensor-baseline, interleaved), e.g. a worktree of the commit "
        "before a change",
    )
    ap.add_argument("--baseline-label", default=None, help="what --baseline-tree holds")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD_FLAG]:  # one tensor-arm run for a parent process
        ap.add_argument("pop", type=int)
        args = ap.parse_args(argv[1:])
        torch.set_num_threads(args.threads)
        run = run_tensor_arm(
            args.pop,
            args.generations,
            args.warmup,
            args.seed,
            Path(args.config),
            torch.device(args.device),
            args.clock,
        )
        print(json.dumps(run))
        return run
    args = ap.parse_args(argv)
    tensor = args.engine == "tensor"
    if args.fixed_pops is None:
        args.fixed_pops = [25] if tensor else []
    if args.quick:
        args.pop_sizes, args.generations, args.warmup, args.repeats = [60], 2, 1, 2
        args.fixed_pops, args.fixed_repeats = ([25] if tensor else []), 3
    if min(args.repeats, args.fixed_repeats) < 1:
        ap.error(
            f"--repeats and --fixed-repeats must be at least 1, got {args.repeats} and "
            f"{args.fixed_repeats}"
        )
    if args.fixed_pops and not tensor:
        ap.error("--fixed-pops measures the tensor engine; add --engine tensor")
    if args.baseline_tree and not tensor:
        ap.error("--baseline-tree compares tensor engines; add --engine tensor")
    if args.baseline_tree and not (Path(args.baseline_tree) / "neuroevo").is_dir():
        ap.error(
            f"--baseline-tree {args.baseline_tree}: no neuroevo package there; give the "
            "root of a neuroevo checkout (e.g. a git worktree)"
        )
    trees = (
        {}
        if not args.baseline_tree
        else {
            "tensor": Path(__import__("neuroevo").__file__).resolve().parents[1],
            "tensor-baseline": Path(args.baseline_tree).resolve(),
        }
    )
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    load_before = os.getloadavg()[0]

    tmp = tempfile.TemporaryDirectory()
    config_path = Path(args.config) if args.config else Path(tmp.name) / "xor.ini"
    if not args.config:
        config_path.write_text(XOR_INI)

    def measure(pop_size: int, arms: list[str], repeats: int) -> dict[str, Any]:
        runs: dict[str, list] = {arm: [] for arm in arms}
        for rep in range(repeats):
            for arm in arms if rep % 2 == 0 else arms[::-1]:  # ABBA
                if arm in trees:
                    run = child_tensor_run(trees[arm], pop_size, args, config_path)
                elif arm == "tensor":
                    run = run_tensor_arm(
                        pop_size,
                        args.generations,
                        args.warmup,
                        args.seed,
                        config_path,
                        device,
                        args.clock,
                    )
                else:
                    run = run_arm(
                        arm,
                        pop_size,
                        args.generations,
                        args.warmup,
                        args.seed,
                        config_path,
                        device,
                        args.clock,
                    )
                runs[arm].append(run)
        row: dict[str, Any] = {"pop_size": pop_size}
        row.update({arm: combine(runs[arm], args.clock) for arm in arms})
        return row

    tensor_arms = ["tensor", *(["tensor-baseline"] if trees else [])]
    fixed_rows = [measure(pop, tensor_arms, args.fixed_repeats) for pop in args.fixed_pops]
    for r in fixed_rows:
        print(
            f"pop {r['pop_size']:>7} (fixed cost): "
            + "  ".join(f"{arm} {_ms(r[arm]['total'])} ms" for arm in tensor_arms)
            + f" ({args.clock})",
            flush=True,
        )
    rows = []
    for pop_size in args.pop_sizes:
        if tensor:
            arms = tensor_arms + (["neat-python"] if pop_size <= args.reference_max_pop else [])
        else:
            arms = list(ARMS[:3] if args.fast_reproduction else ARMS[:2])
        row = measure(pop_size, arms, args.repeats)
        if "tensor" in row:
            print(
                f"pop {pop_size:>7} tensor: "
                + "  ".join(f"{p} {_ms(row['tensor'][p])} ms" for p in (*PHASES, "total", "setup"))
                + f"  peak RSS {row['tensor']['peak_rss_mb']:.0f} MB",
                flush=True,
            )
        if "neuroevo" in row:
            row["ratio"] = ratio(row, "neat-python", "neuroevo")
        if "neuroevo+repro" in row:
            row["ratio_repro"] = ratio(row, "neat-python", "neuroevo+repro")
        if "tensor" in row and "neat-python" in row:
            row["ratio_tensor"] = ratio(row, "neat-python", "tensor")
        if "tensor-baseline" in row and "neat-python" in row:
            row["ratio_tensor_baseline"] = ratio(row, "neat-python", "tensor-baseline")
        if "tensor-baseline" in row:
            row["speed_up"] = ratio(row, "tensor-baseline", "tensor")
        rows.append(row)
        for key, ref, arm in (
            ("ratio", "neat-python", "neuroevo"),
            ("ratio_tensor", "neat-python", "tensor"),
            ("speed_up", "tensor-baseline", "tensor"),
        ):
            if key in row:
                print(
                    f"pop {pop_size:>7}: "
                    + "  ".join(
                        f"{p} {_ms(row[ref][p])}/{_ms(row[arm][p])} ms ({row[key][p]:.2f}x)"
                        for p in (*PHASES, "total")
                    )
                    + f"  [{ref}/{arm}]"
                )
        if args.fast_reproduction:
            print(
                "   +repro: "
                + "  ".join(
                    f"{p} {_ms(row['neuroevo+repro'][p])} ms ({row['ratio_repro'][p]:.1f}x)"
                    for p in (*PHASES, "total")
                )
            )

    tmp.cleanup()
    result = {
        "config": args.config or "neat-python examples/xor/config-feedforward",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{torch.get_num_threads()} torch threads, device {device}",
        "neat_python": neat.__version__ if hasattr(neat, "__version__") else "2.x",
        "torch": torch.__version__,
        "clock": args.clock,
        "seed": args.seed,
        "generations": args.generations,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "load_average": [load_before, os.getloadavg()[0]],
        "quick": args.quick,
        "engine": args.engine,
        "rows": rows,
        "fixed_rows": fixed_rows,
        "fixed_cost": {arm: tiny_pop_cost(fixed_rows[0], arm) for arm in tensor_arms}
        if fixed_rows
        else None,
        "baseline": None
        if not trees
        else f"{args.baseline_label or 'the tensor engine'} from {args.baseline_tree}",
    }
    smallest = sorted((r for r in rows if "tensor" in r), key=lambda r: r["pop_size"])[:2]
    if len(smallest) == 2:  # the line through the two smallest main pops
        result["fixed_cost_large"] = {arm: fixed_cost(smallest, arm) for arm in tensor_arms}
    table = markdown(result)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "generation_time" + ("-tensor" if tensor else "") + ("-quick" if args.quick else "")
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{stem}.md").write_text(table)
    print(table)
    return result


if __name__ == "__main__":
    main()
