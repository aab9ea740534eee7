"""Whole runs with workers: ``neuroevo run`` serial, on worker processes and on Ray actors.

``benchmarks/parallel_scaling.py`` times one generation's evaluation; a user waits for whole
generations (evaluation in the workers, and in the driver the strategy's reproduction and
speciation, the population's compile, the proof of a solution, the reporters). This script
runs the command itself, ``neuroevo run EXPERIMENT --seed S --generations G --quiet
--no-extras``, serial and with ``--workers N --backend process`` / ``--backend ray``, each
run a fresh process, the modes interleaved (forward, then backward order, ...) over
``--repeats`` rounds, and reads every run's ``result.json``:

* **s/generation**: the mean of the run's own per-generation seconds over generations
  ``--skip`` .. G-1 (the first ones have short episodes and warm-up), the median over rounds
  with the range;
* **speed-up**: serial / mode, the median of the rounds' ratios (each round's runs back to
  back) with the range;
* **start-up**: the command's wall time minus the sum of its generations (imports, workers
  or Ray started, files written);
* **same result**: every generation's best and mean fitness equal to the serial run's.

    python benchmarks/parallel_runs.py                   # LunarLander, 12 generations, 3 rounds
    python benchmarks/parallel_runs.py --quick           # smoke run (XOR, 3 generations)

Writes benchmarks/results/parallel_runs[-quick].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command(
    mode: str, experiment: Path, seed: int, generations: int, workers: int, out: Path
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "neuroevo.run.cli",
        "run",
        str(experiment),
        "--seed",
        str(seed),
        "--generations",
        str(generations),
        "--out",
        str(out),
        "--overwrite",
        "--quiet",
        "--no-extras",
    ]
    if mode != "serial":
        cmd += ["--workers", str(workers), "--backend", mode]
    return cmd


def one_run(mode: str, args: argparse.Namespace, folder: Path) -> dict:
    out = folder / mode
    start = time.perf_counter()
    done = subprocess.run(
        command(mode, args.experiment, args.seed, args.generations, args.workers, out),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads((out / "result.json").read_text())
    history = result["history"]
    timed = [h["seconds"] for h in history[args.skip :]]
    shutil.rmtree(out)
    return {
        "mode": mode,
        "wall_s": wall,
        "generations": len(history),
        "s_per_generation": sum(timed) / len(timed),
        "startup_s": wall - sum(h["seconds"] for h in history),
        "figures": [(h["best_fitness"], h["mean_fitness"]) for h in history],
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--experiment", type=Path, default=ROOT / "configs" / "lunarlander.toml")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--generations", type=int, default=12)
    p.add_argument("--skip", type=int, default=3, help="generations left out of s/generation")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--modes", nargs="+", default=["serial", "process", "ray"])
    p.add_argument("--quick", action="store_true", help="XOR, 3 generations, serial + process")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)
    if args.quick:
        args.experiment, args.generations, args.skip = ROOT / "configs" / "xor.toml", 3, 1
        args.repeats, args.modes = 1, ["serial", "process"]
    if "serial" not in args.modes:
        args.modes = ["serial", *args.modes]
    load_before = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    runs: list[list[dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            order = args.modes if r % 2 == 0 else args.modes[::-1]
            by_mode = {m: one_run(m, args, Path(tmp)) for m in order}
            runs.append([by_mode[m] for m in args.modes])
            print(
                f"round {r + 1}: "
                + ", ".join(f"{m} {by_mode[m]['s_per_generation']:.3f} s/gen" for m in args.modes),
                flush=True,
            )
    load_after = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    rows = []
    for i, mode in enumerate(args.modes):
        per_gen = [rnd[i]["s_per_generation"] for rnd in runs]
        ratios = [rnd[0]["s_per_generation"] / rnd[i]["s_per_generation"] for rnd in runs]
        rows.append(
            {
                "mode": mode,
                "s_per_generation": statistics.median(per_gen),
                "range": [min(per_gen), max(per_gen)],
                "speedup": statistics.median(ratios),
                "speedup_range": [min(ratios), max(ratios)],
                "startup_s": statistics.median(rnd[i]["startup_s"] for rnd in runs),
                "wall_s": statistics.median(rnd[i]["wall_s"] for rnd in runs),
                "same_result": all(rnd[i]["figures"] == rnd[0]["figures"] for rnd in runs),
            }
        )
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": sys.version.split()[0],
        "experiment": str(args.experiment.relative_to(ROOT)),
        "seed": args.seed,
        "generations": args.generations,
        "skip": args.skip,
        "workers": args.workers,
        "repeats": args.repeats,
        "load_before": load_before,
        "load_after": load_after,
    }
    md = [
        f"# Whole runs with workers: `neuroevo run {meta['experiment']}`",
        "",
        f"{meta['machine']}, Python {meta['python']}; seed {args.seed}, {args.generations} "
        f"generations, s/generation over generations {args.skip}-{args.generations - 1}; "
        f"--workers {args.workers}; medians of {args.repeats} interleaved rounds (range); "
        f"load average {load_before} before, {load_after} after.",
        "",
        "| mode | s/generation | speed-up vs serial | start-up s | command wall s "
        "| same result as serial |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['mode']} | {r['s_per_generation']:.3f} ({r['range'][0]:.3f}-"
            f"{r['range'][1]:.3f}) | {r['speedup']:.2f}x ({r['speedup_range'][0]:.2f}-"
            f"{r['speedup_range'][1]:.2f}x) | {r['startup_s']:.1f} | {r['wall_s']:.1f} | "
            f"{'yes' if r['same_result'] else 'NO'} |"
        )
    text = "\n".join(md) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "parallel_runs" + ("-quick" if args.quick else "")
    (args.out / f"{stem}.md").write_text(text)
    report = {
        "meta": meta,
        "rows": rows,
        "runs": [[{k: v for k, v in x.items() if k != "figures"} for x in rnd] for rnd in runs],
    }
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
