"""Reference figures: our PSO / SA / GA against pyswarms, scipy and random search.

Median best (minimised) over seeds at equal evaluation budgets on sphere, Rastrigin and
Rosenbrock. Prints Markdown and writes benchmarks/results/strategies_reference.md.

    python benchmarks/strategies_reference.py 5        # 5 seeds (~15 s)
"""

import logging
import pathlib
import platform
import statistics
import sys

import numpy as np
import pyswarms as ps
import torch
from scipy.optimize import dual_annealing

import neuroevo as ne
from neuroevo.testfunctions import FUNCTIONS

logging.disable(logging.INFO)
SEEDS = range(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
med = statistics.median
LINES = []


def emit(line: str = "") -> None:
    """Print a line and keep it for the results file."""
    LINES.append(line)
    print(line)


def rnd(f, lo, hi, n, d, s):
    g = torch.Generator().manual_seed(s)
    return float(f(lo + (hi - lo) * torch.rand(n, d, generator=g, dtype=torch.float64)).min())


emit("| function | dim | evals | ours PSO | pyswarms GlobalBestPSO | ratio | random search |")
emit("|---|---|---|---|---|---|---|")
for name, (f, (lo, hi)) in FUNCTIONS.items():
    D, P, G = 10, 30, 100
    o, r, q = [], [], []
    for s in SEEDS:
        o.append(
            -ne.PSO(num_params=D, pop_size=P, bounds=(lo, hi)).optimize(
                lambda x: -f(x), generations=G, seed=s, dtype=torch.float64
            )[1]
        )
        np.random.seed(s)
        opt = ps.single.GlobalBestPSO(
            n_particles=P,
            dimensions=D,
            options=dict(w=0.7298, c1=1.49618, c2=1.49618),
            bounds=(np.full(D, lo), np.full(D, hi)),
            bh_strategy="nearest",
        )
        r.append(opt.optimize(lambda x: f(torch.from_numpy(x)).numpy(), iters=G, verbose=False)[0])
        q.append(rnd(f, lo, hi, P * G, D, s))
    emit(
        f"| {name} | {D} | {P * G} | {med(o):.3g} | {med(r):.3g} | {med(o) / med(r):.2f} | {med(q):.3g} |"
    )

emit("")
emit(
    "| function | dim | evals | ours SA (4 chains) | dual_annealing, no local search | ratio | dual_annealing (with L-BFGS-B) | random search |"
)
emit("|---|---|---|---|---|---|---|---|")
for name, (f, (lo, hi)) in FUNCTIONS.items():
    D, P, B = 5, 4, 2000
    fn = lambda x: float(f(torch.from_numpy(x)[None])[0])
    o, r, rl, q = [], [], [], []
    for s in SEEDS:
        o.append(
            -ne.SimulatedAnnealing(
                num_params=D, pop_size=P, bounds=(lo, hi), sigma=0.1 * (hi - lo)
            ).optimize(lambda x: -f(x), generations=B // P, seed=s, dtype=torch.float64)[1]
        )
        r.append(
            dual_annealing(fn, bounds=[(lo, hi)] * D, maxfun=B, seed=s, no_local_search=True).fun
        )
        rl.append(dual_annealing(fn, bounds=[(lo, hi)] * D, maxfun=B, seed=s).fun)
        q.append(rnd(f, lo, hi, B, D, s))
    emit(
        f"| {name} | {D} | {B} | {med(o):.3g} | {med(r):.3g} | {med(o) / med(r):.2f} | {med(rl):.2g} | {med(q):.3g} |"
    )

emit("")
emit("| function | dim | evals | ours GA | random search |")
emit("|---|---|---|---|---|")
for name, (f, (lo, hi)) in FUNCTIONS.items():
    D, P, G = 10, 50, 60
    o, q = [], []
    for s in SEEDS:
        o.append(
            -ne.GA(
                num_params=D,
                pop_size=P,
                bounds=(lo, hi),
                mutation_sigma=0.05 * (hi - lo),
                mutation_rate=0.2,
            ).optimize(lambda x: -f(x), generations=G, seed=s, dtype=torch.float64)[1]
        )
        q.append(rnd(f, lo, hi, P * G, D, s))
    emit(f"| {name} | {D} | {P * G} | {med(o):.3g} | {med(q):.3g} |")


out = pathlib.Path(__file__).parent / "results" / "strategies_reference.md"
out.write_text(
    f"# Strategies against reference libraries\n\n`python benchmarks/strategies_reference.py "
    f"{len(SEEDS)}` -- {platform.machine()}, torch {torch.__version__}, "
    f"{torch.get_num_threads()} thread(s); median of {len(SEEDS)} seeds, minimised\n\n"
    + "\n".join(LINES)
    + "\n"
)
