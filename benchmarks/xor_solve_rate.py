"""XOR solve rate: how often, and after how many evaluations, NEAT solves XOR.

Runs ``configs/xor.toml`` (neuroevo's tuned ``configs/xor.ini``) for seeds 0..N-1 exactly as
``neuroevo run configs/xor.toml --seed S`` does, and the same experiment with neat-python's
own example config (``examples/xor/config-feedforward`` of neat-python, values copied below,
plus the ``no_fitness_termination`` key neat-python 2.0 requires) as the reference. Prints
a table per seed (solved, generations, evaluations) and the summary (solve rate, median and
mean evaluations of the solved runs), and writes JSON and Markdown to
``benchmarks/results/xor_solve_rate.{json,md}``.

Usage::

    python benchmarks/xor_solve_rate.py                # 20 seeds, both configs
    python benchmarks/xor_solve_rate.py --seeds 3 --no-reference --out /tmp/x   # a quick check
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import statistics
import sys
import tempfile
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import neuroevo as ne  # noqa: E402
from neuroevo.run.cli import run_experiment  # noqa: E402

# neat-python's examples/xor/config-feedforward (Stanley-style XOR setup: pop 150, sigmoid,
# full initial connection, compatibility threshold 3.0), as published in its repository.
# neat-python's own XOR example settings, shared by the benchmarks
NEAT_PYTHON_EXAMPLE = (pathlib.Path(__file__).parent / "neat_python_xor_example.ini").read_text()


def run_seeds(experiment: pathlib.Path, seeds: list[int], out: pathlib.Path) -> list[dict]:
    rows = []
    for seed in seeds:
        result, _ = run_experiment(
            experiment, seed=seed, out=out / f"seed{seed}", quiet=True, device="cpu", extras=False
        )
        rows.append(
            {
                "seed": seed,
                "solved": result.solved,
                "generations": result.generations,
                "evaluations": result.evaluations,
                "best_fitness": result.best_fitness,
                "seconds": result.seconds,
            }
        )
        print(
            f"  seed {seed:3d}  solved {str(result.solved):5s}  generations {result.generations:4d}"
            f"  evaluations {result.evaluations:7d}  best {result.best_fitness:.4f}"
            f"  {result.seconds:6.2f} s",
            flush=True,
        )
    return rows


def summarize(rows: list[dict]) -> dict:
    solved = [r for r in rows if r["solved"]]
    evals = [r["evaluations"] for r in solved]
    gens = [r["generations"] for r in solved]
    return {
        "runs": len(rows),
        "solved": len(solved),
        "solve_rate": len(solved) / len(rows) if rows else 0.0,
        "median_evaluations": statistics.median(evals) if evals else None,
        "mean_evaluations": statistics.fmean(evals) if evals else None,
        "median_generations": statistics.median(gens) if gens else None,
        "mean_seconds": statistics.fmean(r["seconds"] for r in rows) if rows else None,
    }


def markdown(results: dict) -> str:
    lines = [
        "# XOR solve rate",
        "",
        f"{results['seeds']} seeds (0..{results['seeds'] - 1}), generation limit from the "
        "experiment file, CPU, float32. Evaluations = genomes evaluated until the first "
        "solution (fitness >= 3.9) or the limit.",
        "",
        "| config | solved | median evaluations | mean evaluations | median generations |",
        "|---|---|---|---|---|",
    ]
    for name, r in results["configs"].items():
        s = r["summary"]
        fmt = lambda v: "-" if v is None else f"{v:,.0f}"
        lines.append(
            f"| {name} | {s['solved']}/{s['runs']} | {fmt(s['median_evaluations'])} | "
            f"{fmt(s['mean_evaluations'])} | {fmt(s['median_generations'])} |"
        )
    for name, r in results["configs"].items():
        lines += [
            "",
            f"## {name}",
            "",
            "| seed | solved | generations | evaluations |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {x['seed']} | {x['solved']} | {x['generations']} | {x['evaluations']} |"
            for x in r["runs"]
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--experiment", default=str(ROOT / "configs" / "xor.toml"))
    parser.add_argument(
        "--no-reference", action="store_true", help="skip neat-python's example config"
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = list(range(args.seeds))
    experiment = pathlib.Path(args.experiment)
    results = {
        "seeds": args.seeds,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "neuroevo": ne.__version__,
        "configs": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = pathlib.Path(tmp)
        todo = [(f"neuroevo {experiment.name}", experiment)]
        if not args.no_reference:
            (tmp_path / "neat-python-example.ini").write_text(NEAT_PYTHON_EXAMPLE)
            exp_text = experiment.read_text()
            ref = tmp_path / "neat-python-example.toml"
            strategy = ne.load_experiment(experiment).strategy_params["config"]
            ref.write_text(exp_text.replace(f'"{strategy}"', '"neat-python-example.ini"'))
            todo.append(("neat-python example config", ref))
        for name, path in todo:
            print(f"{name}:")
            t0 = time.perf_counter()
            rows = run_seeds(path, seeds, tmp_path / name.replace(" ", "_"))
            results["configs"][name] = {
                "runs": rows,
                "summary": summarize(rows),
                "wall_seconds": time.perf_counter() - t0,
            }
    print()
    print(f"{'config':32s} {'solved':>8s} {'median evals':>13s} {'mean evals':>11s}")
    for name, r in results["configs"].items():
        s = r["summary"]
        med = "-" if s["median_evaluations"] is None else f"{s['median_evaluations']:,.0f}"
        mean = "-" if s["mean_evaluations"] is None else f"{s['mean_evaluations']:,.0f}"
        print(f"{name:32s} {s['solved']:>4d}/{s['runs']:<3d} {med:>13s} {mean:>11s}")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "xor_solve_rate.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "xor_solve_rate.md").write_text(markdown(results))
    print(f"wrote {out / 'xor_solve_rate.json'} and {out / 'xor_solve_rate.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
