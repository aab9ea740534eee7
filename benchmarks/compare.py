"""NEAT, GA, PSO, simulated annealing and Adam on the same tasks, at equal evaluation budgets.

Every (task, method) pair is one experiment file, ``configs/<task>_<method>.toml``, run
exactly as ``neuroevo run`` runs it (same registries, same :func:`neuroevo.evolve`), for
seeds ``0 .. N-1``. The files fix the budget: ``generations x population x evaluations per
candidate`` is the same for every method of a task, and this script refuses to run if it is
not. What counts as one evaluation:

* one candidate scored once on the whole data set (supervised tasks), or one episode
  (CartPole: 5 episodes per candidate = 5 evaluations);
* for Adam, one forward+backward pass of one network over the whole data set (one epoch),
  as :mod:`neuroevo.strategies.gradient` documents; its ``restarts`` networks train in parallel.
  Adam needs a differentiable loss, so it is not applicable to CartPole ("n/a").

Fixed-topology methods (GA, PSO, SA, Adam) search the weights of the same
:class:`neuroevo.MLP` per task (the sizes are in the files and in the output); NEAT evolves
topology and weights from the neat-python INI the file names.

Per (task, method): median best fitness, success rate (the task's ``fitness_threshold``;
for iris, training accuracy >= 0.95 through ``Classification.accuracy``), median
evaluations to the first success (among the runs that succeed), median wall time. A run
stops at its first success where the task has a threshold (as ``neuroevo run`` does);
the best-so-far curves carry the last value on to the end of the budget. NEAT's
population size may drift by a few genomes between generations; generations past the
budget are dropped, so no method uses more than the budget.

Writes ``compare.json``, ``compare.md`` and ``compare.png`` (best-so-far fitness against
evaluations, median over seeds with the 25-75 percentile band) to ``--out``.

Usage::

    python benchmarks/compare.py                        # 10 seeds, every task and method
    python benchmarks/compare.py --seeds 3 --tasks xor parity3 --methods ga pso
    python benchmarks/compare.py --quick --out /tmp/cmp  # 1 seed, budgets / 50 (smoke test)
    python benchmarks/compare.py --replot benchmarks/results/compare.json   # figure only
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import neat  # noqa: E402

from neuroevo.loop import evolve  # noqa: E402
from neuroevo.run import registry  # noqa: E402
from neuroevo.run.experiment_file import Experiment, load_experiment  # noqa: E402
from neuroevo.tasks.base import Task  # noqa: E402

TASKS = ("xor", "parity3", "spirals", "regression", "iris", "cartpole")
METHODS = ("neat", "ga", "pso", "sa", "adam")
#: why a (task, method) pair has no experiment file
NOT_APPLICABLE = {
    ("cartpole", "adam"): "no differentiable loss: CartPole's return comes from "
    "environment rollouts"
}
#: success on iris: training accuracy at least this (the task itself has no threshold)
IRIS_ACCURACY = 0.95
#: --quick divides every generation limit by this (budgets stay equal) ...
QUICK_DIVISOR = 50
#: ... and caps control episodes at this many steps
QUICK_MAX_STEPS = 50
#: points of the common evaluation grid the curves are resampled on
GRID_POINTS = 101


class AccuracyProbe(Task):
    """A classification task that also records, per generation, the best training accuracy.

    Fitness is the wrapped task's, computed from the same forward pass
    (``task.score(task.outputs(policy))``, what ``Supervised.evaluate`` does).
    """

    def __init__(self, task: Any) -> None:
        self.task = task
        self.name = task.name
        self.num_inputs = task.num_inputs
        self.num_outputs = task.num_outputs
        self.fitness_threshold = None
        self.best_accuracy: list[float] = []

    def evaluations_per_candidate(self) -> int:
        return self.task.evaluations_per_candidate()

    def evaluate(self, policy: Any, *, generator: torch.Generator | None = None) -> torch.Tensor:
        out = self.task.outputs(policy)
        labels = self.task.labels.to(out.device)
        self.best_accuracy.append(float((out.argmax(-1) == labels).double().mean(1).max()))
        return self.task.score(out)


def experiment_path(task: str, method: str) -> pathlib.Path:
    return ROOT / "configs" / f"{task}_{method}.toml"


def _build(exp: Experiment, quick: bool) -> tuple[Any, Any]:
    params = dict(exp.task_params)
    if quick and exp.task in ("cartpole",):
        params["max_steps"] = QUICK_MAX_STEPS
    task = registry.make_task(exp.task, **params)
    strategy = registry.make_strategy(
        exp.strategy, exp.strategy_params, task=task, base_dir=exp.base_dir
    )
    return task, strategy


def budget_of(exp: Experiment, quick: bool) -> tuple[int, int, int]:
    """``(budget, generations, evaluations per generation)`` of an experiment file."""
    task, strategy = _build(exp, quick)
    gens = max(1, exp.generations // QUICK_DIVISOR) if quick else exp.generations
    per_gen = strategy.population_size * task.evaluations_per_candidate()
    return gens * per_gen, gens, per_gen


def run_one(
    exp: Experiment, seed: int, *, budget: int, generations: int, quick: bool
) -> dict[str, Any]:
    """One seed of one experiment file: the run's figures and its best-so-far curve."""
    t0 = time.perf_counter()
    task, strategy = _build(exp, quick)
    probe = AccuracyProbe(task) if exp.task == "classification" else None
    dtype = {"float32": torch.float32, "float64": torch.float64}[exp.dtype]
    result = evolve(
        strategy,
        probe or task,
        generations=generations,
        seed=seed,
        device=exp.device or "cpu",
        dtype=dtype,
        stop_on_solve=exp.stop_on_solve,
    )
    seconds = time.perf_counter() - t0
    history = [s for s in result.history if s.evaluations <= budget]
    if probe is not None:
        success = [a >= IRIS_ACCURACY for a in probe.best_accuracy[: len(history)]]
    else:
        thr = task.fitness_threshold
        success = [thr is not None and s.best_fitness >= thr for s in history]
    first = next((i for i, ok in enumerate(success) if ok), None)
    return {
        "seed": seed,
        "solved": first is not None,
        "evaluations_to_solve": history[first].evaluations if first is not None else None,
        "best_fitness": history[-1].best_fitness_so_far if history else float("nan"),
        "best_train_accuracy": max(probe.best_accuracy[: len(history)]) if probe else None,
        "evaluations": history[-1].evaluations if history else 0,
        "generations": len(history),
        "seconds": seconds,
        "curve": resample(
            [s.evaluations for s in history], [s.best_fitness_so_far for s in history], budget
        ),
    }


def resample(evals: Sequence[int], best: Sequence[float], budget: int) -> list[float | None]:
    """Best-so-far on ``GRID_POINTS`` evenly spaced evaluation counts ``0 .. budget``:
    the value of the last generation at or before each point (``None`` before the first);
    a run that stopped early keeps its last value."""
    out: list[float | None] = []
    j = -1
    for k in range(GRID_POINTS):
        e = budget * k / (GRID_POINTS - 1)
        while j + 1 < len(evals) and evals[j + 1] <= e:
            j += 1
        out.append(best[j] if j >= 0 else None)
    return out


def _median(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return statistics.median(xs) if xs else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    solved = [r for r in runs if r["solved"]]
    return {
        "median_best_fitness": _median([r["best_fitness"] for r in runs]),
        "solved": len(solved),
        "seeds": len(runs),
        "success_rate": len(solved) / len(runs) if runs else None,
        "median_evaluations_to_solve": _median([r["evaluations_to_solve"] for r in solved]),
        "median_seconds": _median([r["seconds"] for r in runs]),
        "median_evaluations_used": _median([r["evaluations"] for r in runs]),
        "median_best_train_accuracy": _median(
            [r["best_train_accuracy"] for r in runs if r["best_train_accuracy"] is not None]
        ),
    }


def _net(exp: Experiment) -> str:
    p = exp.strategy_params
    if exp.strategy == "neat":
        return f"NEAT ({p['config']}, pop {p.get('pop_size', 'from INI')})"
    hidden = p.get("hidden", [8])
    return f"MLP hidden {hidden} {p.get('activation', 'tanh')}, out {p.get('output_activation')}"


def machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "neat_python": getattr(neat, "__version__", "?"),
        "torch_threads": torch.get_num_threads(),
        "git_commit": commit,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def to_json(report: dict[str, Any]) -> str:
    """Indented JSON with each list of numbers (the curves) on one line."""
    text = json.dumps(report, indent=1)
    return (
        re.sub(
            r"\[\s+([-+0-9.eE,\snul]+?)\s+\]",
            lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
            text,
        )
        + "\n"
    )


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def table(report: dict[str, Any]) -> str:
    """The markdown table: one row per (task, method)."""
    lines = [
        "| task | method | budget (evals) | median best fitness | solved | "
        "median evals to solve | median wall s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        if row.get("not_applicable"):
            budget = f"{row['budget']:,}" if row["budget"] else "-"
            lines.append(f"| {row['task']} | {row['method']} | {budget} | n/a | n/a | n/a | n/a |")
            continue
        s = row["summary"]
        lines.append(
            f"| {row['task']} | {row['method']} | {row['budget']:,} | "
            f"{_fmt(s['median_best_fitness'], 4)} | {s['solved']}/{s['seeds']} | "
            f"{_fmt(s['median_evaluations_to_solve'])} | {_fmt(s['median_seconds'], 2)} |"
        )
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    out = [
        "# NEAT vs GA vs PSO vs SA vs Adam at equal evaluation budgets",
        "",
        f"Command: `{report['command']}`",
        "",
        f"Machine: {m['processor']}, {m['cpu_count']} CPUs ({m['platform']}), Python "
        f"{m['python']}, torch {m['torch']} ({m['torch_threads']} thread), neat-python "
        f"{m['neat_python']}, commit {m['git_commit']}, {m['date']}. Seeds: "
        f"{report['seeds']}. Wall time in all: {report['total_seconds']:.0f} s.",
        "",
        "One evaluation = one candidate scored on the whole data set, one CartPole episode, "
        "or (Adam) one forward+backward pass of one network over the data set. Success: "
        "the task's fitness threshold (XOR 3.9, parity-3 7.8, spirals MSE <= 0.02, sine "
        f"MSE <= 0.01, CartPole mean return >= 475 over 5 episodes); iris: training accuracy "
        f">= {IRIS_ACCURACY}. Evaluations to solve: median over the solved runs only, "
        "counted at the end of the generation that solved (so to the nearest population: "
        "NEAT 50-300, GA 100, PSO and SA 50, Adam 10).",
        "",
        "A run stops at its first success where the task has a fitness threshold (as `neuroevo "
        "run` does), so on tasks a method solves its median best fitness sits just above the "
        "threshold: compare the success counts and evaluations to solve there. Iris has no "
        "fitness threshold: every run uses the whole budget, and its best fitness (minus the "
        "training cross-entropy) is comparable across methods. Wall time is per run (one "
        "thread), set-up included, on a shared machine: a rough guide only.",
        "",
        table(report),
        "",
    ]
    acc = [
        (r["method"], r["summary"]["median_best_train_accuracy"])
        for r in report["rows"]
        if not r.get("not_applicable") and r["summary"]["median_best_train_accuracy"] is not None
    ]
    if acc:
        out += [
            "Iris, median best training accuracy: "
            + ", ".join(f"{m} {a:.3f}" for m, a in acc)
            + ".",
            "",
        ]
    out += [
        "## Settings",
        "",
        "| task | method | experiment file | network | generations x evals/generation |",
        "|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        if row.get("not_applicable"):
            out.append(f"| {row['task']} | {row['method']} | - | - | n/a: {row['reason']} |")
        else:
            out.append(
                f"| {row['task']} | {row['method']} | {row['experiment']} | "
                f"{row['network']} | {row['generations']} x "
                f"{row['evaluations_per_generation']} |"
            )
    out += [
        "",
        "Hyperparameters are in the experiment files. GA, PSO and SA use one setting "
        "on every task (SA's initial temperature scaled to the task's fitness differences), "
        "Adam one learning rate per task (0.02-0.05) and 10 restarts; none was tuned per "
        "task. NEAT's configs/xor.ini was tuned over 40 seeds and configs/parity3.ini and "
        "configs/cartpole.ini come from the NEAT work; the spirals, regression and iris "
        "INIs are configs/xor.ini with the task's inputs, outputs and node functions.",
    ]
    if report.get("plot"):
        out += ["", f"![best-so-far fitness against evaluations]({report['plot']})"]
    out.append("")
    return "\n".join(out)


def plot(report: dict[str, Any], path: pathlib.Path) -> None:
    """One panel per task: median best-so-far against evaluations, 25-75 % band, per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    task_names = list(dict.fromkeys(r["task"] for r in report["rows"]))
    cols = min(3, len(task_names))
    rows = math.ceil(len(task_names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.8 * rows), squeeze=False)
    colors = dict(zip(METHODS, ("C0", "C1", "C2", "C3", "C4")))
    for ax, name in zip(axes.flat, task_names):
        loss_scale = name in ("spirals", "regression", "iris")  # fitness is minus a loss
        for row in (r for r in report["rows"] if r["task"] == name and not r.get("not_applicable")):
            curves = np.array(
                [[np.nan if v is None else v for v in run["curve"]] for run in row["runs"]],
                dtype=float,
            )
            if loss_scale:
                curves = -curves
            x = np.linspace(0, row["budget"], curves.shape[1])
            ok = ~np.all(np.isnan(curves), axis=0)
            if not ok.any():
                continue
            med = np.nanmedian(curves[:, ok], axis=0)
            lo, hi = np.nanpercentile(curves[:, ok], [25, 75], axis=0)
            ax.plot(x[ok], med, color=colors[row["method"]], label=row["method"])
            ax.fill_between(x[ok], lo, hi, color=colors[row["method"]], alpha=0.2, linewidth=0)
        thr = report["thresholds"].get(name)
        if thr is not None:
            ax.axhline(-thr if loss_scale else thr, color="k", linestyle=":", linewidth=1)
        if loss_scale:
            ax.set_yscale("log")
        ax.set_title(name)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:g}k" if v else "0"))
        ax.set_xlabel("fitness evaluations")
        ax.set_ylabel(
            {"spirals": "best MSE", "regression": "best MSE", "iris": "best cross-entropy"}.get(
                name, "best fitness"
            )
        )
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(task_names) :]:
        ax.axis("off")
    fig.suptitle(f"best so far vs evaluations: median of {report['seeds']} seeds, 25-75 % band")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 (default 10)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help=f"1 seed, generation limits / {QUICK_DIVISOR}, CartPole episodes capped "
        f"at {QUICK_MAX_STEPS} steps: a smoke test, not a result",
    )
    ap.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "results"),
        help="output folder (default benchmarks/results)",
    )
    ap.add_argument("--no-plot", action="store_true", help="skip the figure")
    ap.add_argument(
        "--replot",
        metavar="JSON",
        default=None,
        help="only redraw the figure of a saved compare*.json (next to it); no runs",
    )
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error(f"--seeds must be >= 1, got {args.seeds}")
    if args.quick:
        args.seeds = 1
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the comparison; returns the report (also written to ``--out``)."""
    args = parse_args(argv)
    if args.replot:
        saved = pathlib.Path(args.replot)
        report = json.loads(saved.read_text())
        plot(report, saved.with_suffix(".png"))
        return report
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core per run: the timings compare methods, not BLAS threads
    try:
        return _main(args, argv)
    finally:
        torch.set_num_threads(threads)


def _main(args: argparse.Namespace, argv: Sequence[str] | None) -> dict[str, Any]:
    t_start = time.perf_counter()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "compare-quick" if args.quick else "compare"
    command = "python benchmarks/compare.py " + " ".join(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {
        "command": command.strip(),
        "machine": machine(),
        "seeds": args.seeds,
        "quick": args.quick,
        "rows": [],
        "thresholds": {},
    }
    for task_name in args.tasks:
        exps = {
            m: load_experiment(experiment_path(task_name, m))
            for m in args.methods
            if experiment_path(task_name, m).is_file()
        }
        budgets = {m: budget_of(e, args.quick) for m, e in exps.items()}
        if len({b for b, _, _ in budgets.values()}) > 1:
            raise SystemExit(
                f"{task_name}: unequal budgets "
                f"{ {m: b for m, (b, _, _) in budgets.items()} }; fix the generations "
                "in configs/{task}_{method}.toml"
            )
        budget = next(iter(budgets.values()))[0] if budgets else None
        for method in args.methods:
            if method not in exps:
                reason = NOT_APPLICABLE.get((task_name, method), "no experiment file")
                report["rows"].append(
                    {
                        "task": task_name,
                        "method": method,
                        "budget": budget,
                        "not_applicable": True,
                        "reason": reason,
                    }
                )
                print(f"{task_name:10s} {method:5s} n/a ({reason})", flush=True)
                continue
            exp = exps[method]
            b, gens, per_gen = budgets[method]
            runs = [
                run_one(exp, seed, budget=b, generations=gens, quick=args.quick)
                for seed in range(args.seeds)
            ]
            thr = registry.make_task(exp.task, **exp.task_params).fitness_threshold
            report["thresholds"][task_name] = thr
            row = {
                "task": task_name,
                "method": method,
                "budget": b,
                "generations": gens,
                "evaluations_per_generation": per_gen,
                "experiment": str(experiment_path(task_name, method).relative_to(ROOT)),
                "network": _net(exp),
                "summary": summarise(runs),
                "runs": runs,
            }
            report["rows"].append(row)
            s = row["summary"]
            print(
                f"{task_name:10s} {method:5s} best {_fmt(s['median_best_fitness'], 4):>8s} "
                f"solved {s['solved']}/{s['seeds']} "
                f"evals {_fmt(s['median_evaluations_to_solve']):>7s} "
                f"{_fmt(s['median_seconds'], 2):>6s} s",
                flush=True,
            )
    report["total_seconds"] = time.perf_counter() - t_start
    if not args.no_plot:
        plot(report, out / f"{stem}.png")
        report["plot"] = f"{stem}.png"
    (out / f"{stem}.json").write_text(to_json(report))
    (out / f"{stem}.md").write_text(markdown(report))
    print()
    print(table(report))
    return report


if __name__ == "__main__":
    main()
