"""Does ``neuroevo run`` collapse when another process holds a core? torch threads 1 vs 2.

Runs ``neuroevo run configs/acrobot.toml --generations G`` in-process (``run_experiment``)
with ``torch.set_num_threads(T)`` for T = 1, 2, once on its own and once while a busy-loop
process holds one core, and prints the median wall time of ``--repeats`` runs. The CLI's
default (``--threads 1``) is chosen from this table.

    python benchmarks/cli_threads.py            # writes benchmarks/results/cli_threads.{json,md}
    python benchmarks/cli_threads.py --quick    # tiny smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def one_run(experiment: Path, generations: int, threads: int) -> float:
    from neuroevo.run.cli import run_experiment

    torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        run_experiment(
            experiment,
            seed=1,
            out=Path(out) / "run",
            generations=generations,
            quiet=True,
            extras=False,
        )
        return time.perf_counter() - t


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--experiment", default=str(ROOT / "configs" / "acrobot.toml"))
    ap.add_argument("--generations", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for tests")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = ap.parse_args(argv)
    if args.quick:
        args.generations, args.repeats = 1, 1
    experiment = Path(args.experiment)
    one_run(experiment, 1, 1)  # warm-up: imports, first compile
    rows = []
    for busy in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            for threads in (1, 2):
                times = [
                    one_run(experiment, args.generations, threads) for _ in range(args.repeats)
                ]
                rows.append(
                    {
                        "other process holds a core": busy,
                        "threads": threads,
                        "seconds": statistics.median(times),
                        "all": times,
                    }
                )
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
    base = {r["other process holds a core"]: r["seconds"] for r in rows if r["threads"] == 1}
    lines = [
        f"`neuroevo run {experiment.name} --generations {args.generations}`, median of "
        f"{args.repeats}; {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "",
        "| another process holds a core | torch threads | seconds | vs 1 thread |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["seconds"] / base[r["other process holds a core"]]
        lines.append(
            f"| {'yes' if r['other process holds a core'] else 'no'} | {r['threads']} "
            f"| {r['seconds']:.2f} | {ratio:.2f}x |"
        )
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "cli_threads" + ("-quick" if args.quick else "")
    (out / f"{stem}.md").write_text(table + "\n")
    (out / f"{stem}.json").write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    return {"rows": rows}


if __name__ == "__main__":
    main()
