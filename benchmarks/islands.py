"""Asynchronous evolution: islands with one slowed down, and local SGD against its baseline.

Part 1, **islands** (issue 11, item 4: "a slowed island does not slow the others"):
``--islands`` NEAT islands (neat-python's XOR settings, ``--pop`` genomes each) on XOR, a
migrant every ``--interval`` generations, ``--generations`` generations each. The last island
is slowed by ``--delay`` seconds per generation (a sleep in its task: a slower machine).

* ``evolve``: one island's strategy alone in this process, ``neuroevo.evolve`` (the
  synchronous loop) -- the reference generation rate;
* ``async``: the islands on Ray actors, none slowed;
* ``async, slowed``: the same with the last island slowed; the run is stopped when the fast
  islands are done, and the slow island's generations at that moment are reported;
* ``sync, slowed``: ``asynchronous=False``: every island waits for the slowest at every
  migration, so every island runs at the slow one's pace.

Generation rates are generations per second of each island's own wall time (first to last
generation: actor start-up excluded). Expect the fast islands' rate in ``async, slowed`` to
be that of ``async`` (no island waits for another), and every island's rate in
``sync, slowed`` to be near the slow one's.

Part 2, **local SGD** (item 4, "asynchronous gradient baseline"): an MLP on
``Regression("sine")`` trained by Adam for ``--steps`` steps per worker with 2 workers
averaging every k steps (k = 1, 5, 25; synchronous, in this process; and asynchronous on
Ray with k = 5), against the synchronous baseline on the same budget of steps x samples
(one GradientDescent on all the data). With k = 1 local SGD is the baseline's algorithm.

    python benchmarks/islands.py               # full run (needs Ray: pip install "neuroevo[ray]")
    python benchmarks/islands.py --quick       # smoke run
    python benchmarks/islands.py --no-ray      # only what runs in this process

Writes benchmarks/results/islands[-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

import neuroevo as ne
from neuroevo.islands.async_gradient import local_sgd, minibatch_sgd
from neuroevo.islands.islands import Islands
from neuroevo.tasks.base import Task

ROOT = Path(__file__).resolve().parents[1]


class SlowXOR(Task):
    """XOR that sleeps ``seconds`` per evaluation."""

    def __init__(self, seconds: float) -> None:
        self.inner, self.seconds = ne.tasks.XOR(), seconds
        self.name, self.num_inputs, self.num_outputs = "slow-xor", 2, 1
        self.fitness_threshold = self.inner.fitness_threshold

    def evaluate(self, policy, *, generator=None):
        time.sleep(self.seconds)
        return self.inner.evaluate(policy, generator=generator)


def rate(history) -> float:
    """Generations per second of one island, first to last generation."""
    if len(history) < 2:
        return float("nan")
    return (len(history) - 1) / max(history[-1].elapsed - history[0].elapsed, 1e-9)


def strategies(args) -> list:
    return [
        ne.NEAT(ne.load_config(ROOT / "configs" / "xor.ini"), pop_size=args.pop)
        for _ in range(args.islands)
    ]


def islands_part(args) -> dict:
    out: dict = {}
    t = time.perf_counter()
    ref = ne.evolve(
        strategies(args)[0],
        ne.tasks.XOR(),
        generations=args.generations,
        seed=1,
        stop_on_solve=False,
    )
    gens = len(ref.history)
    out["evolve"] = {
        "generations": gens,
        "seconds": time.perf_counter() - t,
        "rate": gens / sum(s.seconds for s in ref.history),
    }
    common = dict(migration_interval=args.interval, migrants=2, seed=1, stop_on_solve=False)
    slowed = [ne.tasks.XOR()] * (args.islands - 1) + [SlowXOR(args.delay)]
    runs = {}
    if args.ray:
        runs["async"] = Islands(strategies(args), ne.tasks.XOR(), **common).run(args.generations)
        run = Islands(strategies(args), slowed, **common).start(args.generations)
        run.wait(list(range(args.islands - 1)))
        at_end = run.progress().get(args.islands - 1, 0)
        run.stop()
        runs["async, slowed"] = run.result()
        out["slow_island_generations_when_fast_done"] = at_end
    backend = "ray" if args.ray else "local"
    runs["sync, slowed"] = Islands(
        strategies(args), slowed, asynchronous=False, backend=backend, **common
    ).run(args.generations)
    for name, r in runs.items():
        out[name] = {
            "generations": r.generations,
            "rates": [rate(h) for h in r.histories],
            "immigrants": [sum(g.immigrants for g in h) for h in r.histories],
            "best_fitness": r.best_fitness,
            "seconds": r.seconds,
        }
    return out


def gradient_part(args) -> dict:
    task = ne.tasks.Regression("sine")
    kw = dict(steps=args.steps, optimizer="adam", lr=0.03, seed=0)
    net = ne.MLP(1, [32], 1)
    minibatch_sgd(net, task.inputs, task.targets, steps=2)  # warm-up (first-call costs), untimed
    out = {"baseline": minibatch_sgd(net, task.inputs, task.targets, **kw)}
    for k in (1, 5, 25):
        out[f"local SGD, k={k}"] = local_sgd(
            net, task.inputs, task.targets, workers=2, sync_every=k, **kw
        )
    if args.ray:
        out["async local SGD, k=5 (Ray)"] = local_sgd(
            net,
            task.inputs,
            task.targets,
            workers=2,
            sync_every=5,
            asynchronous=True,
            backend="ray",
            **kw,
        )
    return {
        name: {"loss": r.loss, "rounds": r.rounds, "samples": r.samples, "seconds": r.seconds}
        for name, r in out.items()
    }


def islands_lines(isl: dict, args: dict) -> list[str]:
    """The island table (``islands_part``'s figures) as Markdown lines."""
    lines = [
        f"{args['islands']} NEAT islands x {args['pop']} genomes, XOR, "
        f"{args['generations']} generations, the last slowed by "
        f"{args['delay']} s per generation.",
        "",
        "| run | generations per island | generations/s per island | immigrants |",
        "|---|---|---|---|",
        f"| evolve (one island, this process) | {isl['evolve']['generations']} | "
        f"{isl['evolve']['rate']:.1f} | - |",
    ]
    for name in ("async", "async, slowed", "sync, slowed"):
        if name in isl:
            r = isl[name]
            lines.append(
                f"| {name} | {r['generations']} | "
                f"{', '.join(f'{x:.1f}' for x in r['rates'])} | {r['immigrants']} |"
            )
    if "async" in isl and "async, slowed" in isl:
        fast = len(isl["async"]["rates"]) - 1
        ratios = [
            b / a
            for a, b in zip(isl["async"]["rates"][:fast], isl["async, slowed"]["rates"][:fast])
        ]
        lines += [
            "",
            f"Fast islands' rate with a slowed island / without: "
            f"{', '.join(f'{x:.2f}' for x in ratios)}; the slow island had done "
            f"{isl['slow_island_generations_when_fast_done']} generations when they "
            "finished.",
        ]
    return lines


def markdown(result: dict) -> str:
    lines = [
        f"# Islands and local SGD ({result['machine']})",
        "",
        *islands_lines(result["islands"], result["args"]),
    ]
    lines += [
        "",
        f"Local SGD: MLP(1, [32], 1) on Regression('sine'), Adam, "
        f"{result['args']['steps']} steps per worker, 2 workers.",
        "",
        "| run | final MSE | weight averagings | samples | seconds |",
        "|---|---|---|---|---|",
    ]
    for name, r in result["gradient"].items():
        lines.append(
            f"| {name} | {r['loss']:.5f} | {r['rounds']} | {r['samples']} | {r['seconds']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (``[]``: the defaults; ``["--quick"]``: the smoke settings)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--islands", type=int, default=3)
    p.add_argument("--pop", type=int, default=150)
    p.add_argument("--generations", type=int, default=40)
    p.add_argument("--interval", type=int, default=5)
    p.add_argument("--delay", type=float, default=0.3)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-ray", dest="ray", action="store_false")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = p.parse_args(argv)
    if args.quick:
        args.islands, args.pop, args.generations, args.interval = 2, 20, 6, 2
        args.delay, args.steps = 0.05, 20
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}, torch {torch.__version__}",
        "args": vars(args),
        "islands": islands_part(args),
        "gradient": gradient_part(args),
    }
    text = markdown(result)
    print(text)
    name = "islands-quick" if args.quick else "islands"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=1))
    (out / f"{name}.md").write_text(text)
    return result


if __name__ == "__main__":
    main()
