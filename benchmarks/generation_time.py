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

Each phase is timed per generation; the figures are medians over the timed generations
(after ``--warmup`` untimed ones), "total" is the median wall time of a whole generation
(the four phases plus neat-python's own bookkeeping). The ratio is neat-python / neuroevo
(and neat-python / neuroevo+repro).

    python benchmarks/generation_time.py                  # pop 150, 1,000 and 10,000
    python benchmarks/generation_time.py --fast-reproduction   # adds the third arm
    python benchmarks/generation_time.py --quick          # tiny smoke run (tests use it)
    python benchmarks/generation_time.py --engine tensor --pop-sizes 1000 10000 100000 1000000
    python benchmarks/generation_time.py --engine tensor --device cuda --pop-sizes 1000000

Writes benchmarks/results/generation_time[-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import tempfile
import time
import pathlib
from pathlib import Path
from typing import Any, Callable

import neat
import torch

from neuroevo.compile.population import compile_population
from neuroevo.config import PluginConfig
from neuroevo.strategies.neat.genome import FastGenome
from neuroevo.strategies.neat.runtime import quiet_collector
from neuroevo.strategies.neat.reproduction import FastReproduction
from neuroevo.strategies.neat.speciation import FastSpeciesSet
from neuroevo.strategies.neat.tensor import TensorNEAT

# neat-python's examples/xor/config-feedforward settings (2 inputs, 1 output, feed-forward).
# neat-python's own XOR example settings, shared by the benchmarks
XOR_INI = (pathlib.Path(__file__).parent / "neat_python_xor_example.ini").read_text()
XOR_IN = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
XOR_OUT = [0.0, 1.0, 1.0, 0.0]
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
PHASES = ("reproduction", "speciation", "compile", "evaluation")
ARMS = ("neat-python", "neuroevo", "neuroevo+repro", "tensor")


class _Clock(neat.reporting.BaseReporter):
    """Per-generation phase times and whole-generation wall times (a neat-python reporter)."""

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self.now = now
        self.rows: list[dict[str, float]] = []
        self._start: float | None = None

    def add(self, phase: str, seconds: float) -> None:
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
        net = compile_population([g for _, g in genomes], config.genome_config,
                                 device=device, dtype=torch.float64)
        t1 = clock.now()
        with torch.inference_mode():
            out = net(x)[..., 0]                                  # [P, 4]
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


def run_arm(arm: str, pop_size: int, generations: int, warmup: int, seed: int,
            config_path: Path, device: torch.device,
            now: Callable[[], float] = time.perf_counter) -> dict[str, Any]:
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
    if arm != "neat-python":  # as neuroevo.NEAT.tell does: collector paused, objects promoted
        reproduce, speciate = _quiet(reproduce), _quiet(speciate)
    population.reproduction.reproduce = clock.timed("reproduction", reproduce)
    population.species.speciate = clock.timed("speciation", speciate)
    fitness = neat_python_fitness(clock) if arm == "neat-python" else \
        neuroevo_fitness(clock, device)
    population.run(fitness, warmup + generations + 1)   # +1: the last generation's end
    rows = [r for r in clock.rows[warmup:warmup + generations] if "total" in r]
    genomes = population.population.values()
    return {
        **{p: statistics.median(r.get(p, 0.0) for r in rows) for p in PHASES},
        "total": statistics.median(r["total"] for r in rows),
        "setup": setup,
        "generations_timed": len(rows),
        "per_generation": rows,
        "species": len(population.species.species),
        "mean_nodes": statistics.mean(len(g.nodes) for g in genomes),
        "mean_connections": statistics.mean(len(g.connections) for g in genomes),
    }


def _synced(now: Callable[[], float], device: torch.device) -> Callable[[], float]:
    def synced() -> float:
        torch.cuda.synchronize(device)
        return now()
    return synced


def run_tensor_arm(pop_size: int, generations: int, warmup: int, seed: int, config_path: Path,
                   device: torch.device, now: Callable[[], float] = time.perf_counter
                   ) -> dict[str, Any]:
    """The tensor engine on the same config: phases timed around ask / forward / tell."""
    if device.type == "cuda":                    # wait for the device before each reading
        torch.cuda.reset_peak_memory_stats(device)
        now = _synced(now, device)
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, str(config_path))
    strategy = TensorNEAT(config, pop_size=pop_size, device=device)
    t0 = now()
    strategy.initialize(seed=seed, device=device)
    setup = now() - t0
    speciate = strategy._speciate
    spent = {"speciation": 0.0}

    def timed_speciate(pop):
        t = now()
        speciate(pop)
        spent["speciation"] += now() - t
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
        rows.append({"compile": t1 - t0, "evaluation": t2 - t1,
                     "reproduction": t3 - t2 - spent["speciation"],
                     "speciation": spent["speciation"], "total": t3 - t0})
    rows = rows[warmup:]
    nodes, conns = strategy.population.sizes()
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return {
        **{p: statistics.median(r[p] for r in rows) for p in (*PHASES, "total")},
        "setup": setup,
        "generations_timed": len(rows),
        "per_generation": rows,
        "species": len(strategy.species),
        "mean_nodes": float(nodes.double().mean()),
        "mean_connections": float(strategy.population.conns.valid().sum(1).double().mean()),
        "padded_width": [strategy.population.nodes.width, strategy.population.conns.width],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_device_mb": None if peak is None else peak / 2**20,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# NEAT generation time (ms per generation, median)",
        "",
        f"{result['machine']}; neat-python {result['neat_python']}, torch {result['torch']}; "
        f"XOR, config {result['config']}, seed {result['seed']}, {result['generations']} timed "
        f"generations after {result['warmup']} warm-up, {result['clock']} clock.",
        "",
        "| pop | arm | reproduction | speciation | compile | evaluation | total | setup | species |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        for arm in ARMS:
            if arm not in row:
                continue
            a = row[arm]
            lines.append(f"| {row['pop_size']} | {arm} | " + " | ".join(
                f"{1e3 * a[p]:.1f}" for p in (*PHASES, "total", "setup")) + f" | {a['species']} |")
        for key, label in (("ratio", "**ratio**"), ("ratio_repro", "**ratio (+repro)**"),
                           ("ratio_tensor", "**ratio (tensor)**")):
            if key in row:
                r = row[key]
                lines.append(f"| {row['pop_size']} | {label} | " + " | ".join(
                    f"{r[p]:.1f}x" for p in (*PHASES, "total")) + " | | |")
    tensor = [r for r in result["rows"] if "tensor" in r]
    if tensor:
        lines += ["", "Tensor engine memory: " + "; ".join(
            f"pop {r['pop_size']}: peak RSS {r['tensor']['peak_rss_mb']:.0f} MB" + (
                f", device {r['tensor']['peak_device_mb']:.0f} MB"
                if r["tensor"]["peak_device_mb"] is not None else "") for r in tensor) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pop-sizes", type=int, nargs="+", default=[150, 1000, 10000])
    ap.add_argument("--generations", type=int, default=7, help="timed generations per arm")
    ap.add_argument("--warmup", type=int, default=3, help="untimed generations first")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads (a tiny forward gains nothing from more)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--config", default=None,
                    help="a neat-python INI file (default: neat-python's XOR example settings)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                    help="wall time, or this process's CPU time (steadier on a busy machine)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for tests")
    ap.add_argument("--fast-reproduction", action="store_true",
                    help="add the arm neuroevo+repro (FastReproduction as well)")
    ap.add_argument("--engine", choices=("default", "tensor"), default="default",
                    help="tensor: compare the tensor engine with neat-python (instead of the "
                         "neuroevo arm)")
    ap.add_argument("--reference-max-pop", type=int, default=10_000,
                    help="with --engine tensor, skip the neat-python arm above this pop size")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args(argv)
    if args.quick:
        args.pop_sizes, args.generations, args.warmup = [60], 2, 1
    tensor = args.engine == "tensor"
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    tmp = tempfile.TemporaryDirectory()
    config_path = Path(args.config) if args.config else Path(tmp.name) / "xor.ini"
    if not args.config:
        config_path.write_text(XOR_INI)
    rows = []
    for pop_size in args.pop_sizes:
        row: dict[str, Any] = {"pop_size": pop_size}
        if tensor:
            arms = ["tensor"] + (["neat-python"] if pop_size <= args.reference_max_pop else [])
        else:
            arms = list(ARMS[:3] if args.fast_reproduction else ARMS[:2])
        for arm in arms:
            if arm == "tensor":
                row[arm] = run_tensor_arm(pop_size, args.generations, args.warmup, args.seed,
                                          config_path, device, CLOCKS[args.clock])
                print(f"pop {pop_size:>7} tensor: " + "  ".join(
                    f"{p} {1e3 * row[arm][p]:.1f} ms" for p in (*PHASES, "total", "setup")) +
                    f"  peak RSS {row[arm]['peak_rss_mb']:.0f} MB", flush=True)
                continue
            row[arm] = run_arm(arm, pop_size, args.generations, args.warmup, args.seed,
                               config_path, device, CLOCKS[args.clock])
        if "neuroevo" in row:
            row["ratio"] = {p: row["neat-python"][p] / max(row["neuroevo"][p], 1e-9)
                            for p in (*PHASES, "total")}
        if "tensor" in row and "neat-python" in row:
            row["ratio_tensor"] = {p: row["neat-python"][p] / max(row["tensor"][p], 1e-9)
                                   for p in (*PHASES, "total")}
        rows.append(row)
        for key, arm in (("ratio", "neuroevo"), ("ratio_tensor", "tensor")):
            if key in row:
                print(f"pop {pop_size:>7}: " + "  ".join(
                    f"{p} {1e3 * row['neat-python'][p]:.1f}/{1e3 * row[arm][p]:.1f} ms "
                    f"({row[key][p]:.1f}x)" for p in (*PHASES, "total")) + f"  [{arm}]")
        if args.fast_reproduction:
            print(f"   +repro: " + "  ".join(
                f"{p} {1e3 * row['neuroevo+repro'][p]:.1f} ms ({row['ratio_repro'][p]:.1f}x)"
                for p in (*PHASES, "total")))

    tmp.cleanup()
    result = {
        "config": args.config or "neat-python examples/xor/config-feedforward",
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} "
                   f"torch threads, device {device}",
        "neat_python": neat.__version__ if hasattr(neat, "__version__") else "2.x",
        "torch": torch.__version__,
        "clock": args.clock, "seed": args.seed, "generations": args.generations, "warmup": args.warmup,
        "quick": args.quick, "engine": args.engine, "rows": rows,
    }
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
