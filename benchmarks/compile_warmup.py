"""The compiled rollouts' warm-up: the first run of an experiment on an empty cache, and the next.

Runs ``neuroevo run <experiment>`` with ``[task] compile = true`` for ``--generations``
generations in a fresh process, twice with the same empty inductor cache folder
(``TORCHINDUCTOR_CACHE_DIR``): the first run compiles from nothing (cold), the second finds
what the first left (warm). The compile time is what the run printed (``compiled rollouts in
generation G: S s``, summed over the run); the eager run of the same experiment is beside it.

    python benchmarks/compile_warmup.py              # writes benchmarks/results/compile_warmup.{json,md}
    python benchmarks/compile_warmup.py --quick      # one experiment, one generation
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ("cartpole.toml", "cartpole_pso.toml", "acrobot.toml", "pendulum.toml")


def with_compile(experiment: Path, folder: Path, mode: str) -> Path:
    """A copy of ``experiment`` (and the files beside it) whose task sets ``compile``."""
    for f in experiment.parent.glob("*.ini"):
        shutil.copy(f, folder / f.name)
    text = experiment.read_text()
    text = re.sub(r"^\[task\]\s*$", f"[task]\ncompile = {mode}", text, count=1, flags=re.M)
    out = folder / f"{experiment.stem}-{mode.strip(chr(34))}.toml"
    out.write_text(text)
    return out


def run(experiment: Path, out: Path, generations: int, cache: Path) -> dict:
    env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=str(cache))
    t = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "neuroevo.run.cli",
            "run",
            str(experiment),
            "--out",
            str(out),
            "--generations",
            str(generations),
            "--seed",
            "1",
            "--no-extras",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{experiment.name}: {done.stderr.strip().splitlines()[-1:]}")
    printed = [line for line in done.stdout.splitlines() if line.startswith("compiled rollouts")]
    seconds = [float(m.group(1)) for line in printed if (m := re.search(r": ([0-9.]+) s", line))]
    generations = sum(1 for line in done.stdout.splitlines() if line.startswith("gen "))
    return {
        "wall_s": wall,
        "compile_s": sum(seconds),
        "generations": generations,
        "printed": printed,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS))
    ap.add_argument("--generations", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one experiment, one generation")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = ap.parse_args(argv)
    if args.quick:
        args.experiments, args.generations = args.experiments[:1], 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.experiments:
            cache = tmp / f"cache-{name}"
            cache.mkdir()
            compiled = with_compile(ROOT / "configs" / name, tmp, "true")
            eager = with_compile(ROOT / "configs" / name, tmp, "false")
            row = {"experiment": name}
            for label, exp in (("eager", eager), ("cold", compiled), ("warm", compiled)):
                row[label] = run(exp, tmp / f"run-{name}-{label}", args.generations, cache)
                print(
                    f"{name} {label}: {row[label]['wall_s']:.1f} s wall, compile "
                    f"{row[label]['compile_s']:.1f} s",
                    flush=True,
                )
            rows.append(row)
    import torch

    lines = [
        "# Compiled rollouts: warm-up on an empty cache and on the next run",
        "",
        f"{platform.machine()}, {os.cpu_count()} CPUs; torch {torch.__version__}; "
        f"`neuroevo run <experiment> --generations {args.generations}` with "
        "`[task] compile = true`, each run a fresh process, the cold and the warm run "
        "sharing one empty `TORCHINDUCTOR_CACHE_DIR`. Compile = the seconds the run "
        "printed (`compiled rollouts in generation ...`).",
        "",
        "| experiment | eager run s | cold: compile s | cold run s | warm: compile s "
        "| warm run s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['experiment']} | {r['eager']['wall_s']:.1f} | "
            f"**{r['cold']['compile_s']:.1f}** | {r['cold']['wall_s']:.1f} | "
            f"**{r['warm']['compile_s']:.1f}** | {r['warm']['wall_s']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "compile_warmup-quick" if args.quick else "compile_warmup"
    (out / f"{name}.md").write_text(text)
    (out / f"{name}.json").write_text(
        json.dumps({"rows": rows, "generations": args.generations}, indent=1)
    )
    return {"rows": rows}


if __name__ == "__main__":
    main()
