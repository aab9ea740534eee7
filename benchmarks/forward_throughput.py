"""Forward throughput: a whole population through neuroevo's compiler vs neat-python.

P genomes (10 hidden nodes, 30 enabled connections each, sigmoid/tanh/relu, sum
aggregation), B input rows. neat-python builds one ``FeedForwardNetwork`` per genome and
calls ``activate`` per row; neuroevo compiles the population once and runs one batched
forward. Both are timed in the same run, and the outputs are checked equal (float64).

    python benchmarks/forward_throughput.py               # 1000 genomes x 1024 inputs
    python benchmarks/forward_throughput.py --quick       # small smoke run

Writes benchmarks/results/forward_throughput[-DEVICE].{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

import neat
import numpy as np
import torch

import neuroevo as ne

INI = """
[NEAT]
fitness_criterion = max
fitness_threshold = 1.0
pop_size = 10
reset_on_extinction = False
no_fitness_termination = False
[DefaultGenome]
activation_default = sigmoid
activation_mutate_rate = 0.0
activation_options = sigmoid tanh relu
aggregation_default = sum
aggregation_mutate_rate = 0.0
aggregation_options = sum
bias_init_mean = 0.0
bias_init_stdev = 1.0
bias_max_value = 30.0
bias_min_value = -30.0
bias_mutate_power = 0.5
bias_mutate_rate = 0.7
bias_replace_rate = 0.1
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient = 0.5
conn_add_prob = 0.5
conn_delete_prob = 0.5
enabled_default = True
enabled_mutate_rate = 0.01
feed_forward = True
initial_connection = unconnected
node_add_prob = 0.2
node_delete_prob = 0.2
num_hidden = 0
num_inputs = {n_in}
num_outputs = {n_out}
response_init_mean = 1.0
response_init_stdev = 0.0
response_max_value = 30.0
response_min_value = -30.0
response_mutate_power = 0.0
response_mutate_rate = 0.0
response_replace_rate = 0.0
weight_init_mean = 0.0
weight_init_stdev = 1.0
weight_max_value = 30
weight_min_value = -30
weight_mutate_power = 0.5
weight_mutate_rate = 0.8
weight_replace_rate = 0.1
[DefaultSpeciesSet]
compatibility_threshold = 3.0
[DefaultStagnation]
species_fitness_func = max
max_stagnation = 20
species_elitism = 2
[DefaultReproduction]
elitism = 2
survival_threshold = 0.2
"""


def make_genomes(config, count: int, hidden: int, conns: int, rng: random.Random):
    """Random DAG genomes: every hidden node fed and feeding, ``conns`` enabled edges."""
    gc = config.genome_config
    gc.innovation_tracker = neat.InnovationTracker()
    acts = ["sigmoid", "tanh", "relu"]
    genomes = []
    for k in range(count):
        g = neat.DefaultGenome(k)
        hid = list(range(len(gc.output_keys), len(gc.output_keys) + hidden))
        for key in gc.output_keys + hid:
            ng = gc.node_gene_type(key)
            ng.init_attributes(gc)
            ng.activation = rng.choice(acts)
            g.nodes[key] = ng
        order = gc.input_keys + hid + gc.output_keys  # a topological order
        pos = {n: i for i, n in enumerate(order)}
        edges = set()
        for h in hid:  # each hidden node gets one input and one output edge
            edges.add((rng.choice([n for n in order if pos[n] < pos[h]]), h))
            edges.add(
                (h, rng.choice([n for n in order if pos[n] > pos[h] and n not in gc.input_keys]))
            )
        while len(edges) < conns:
            a, b = rng.sample(order, 2)
            if pos[a] > pos[b]:
                a, b = b, a
            if b in gc.input_keys:
                continue
            edges.add((a, b))
        for a, b in sorted(edges, key=lambda e: (pos[e[1]], pos[e[0]])):
            g.add_connection(gc, a, b, rng.gauss(0.0, 1.0), True)
        genomes.append(g)
    return genomes


def time_neat(genomes, config, xs):
    t0 = time.perf_counter()
    nets = [neat.nn.FeedForwardNetwork.create(g, config) for g in genomes]
    t1 = time.perf_counter()
    out = [[net.activate(row) for row in xs] for net in nets]
    t2 = time.perf_counter()
    return np.asarray(out), t1 - t0, t2 - t1


def time_neuroevo(genomes, config, x, device, dtype, repeats):
    """Medians of ``repeats`` timed compilations and forwards, after one untimed run (the
    first of a dtype pays one-time costs; with ``--quick``'s 2 repeats it was half the median)."""
    compile_s, eval_s = [], []
    out = None
    for i in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        net = ne.compile_population(genomes, config.genome_config, device=device, dtype=dtype)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t1 = time.perf_counter()
        with torch.inference_mode():
            out = net(x)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        if i > 0:
            compile_s.append(t1 - t0)
            eval_s.append(t2 - t1)
    return out, statistics.median(compile_s), statistics.median(eval_s)


def times(ratio: float) -> str:
    """A speed-up with three significant digits: ``0.321x``, ``52.3x``, ``1,234x`` (a tiny
    run, as ``--quick``, can be slower than neat-python; rounded to whole numbers it read 0x)."""
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--genomes", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--hidden", type=int, default=10)
    ap.add_argument("--conns", type=int, default=30)
    ap.add_argument("--inputs", type=int, default=4)
    ap.add_argument("--outputs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for tests")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args(argv)
    if args.quick:
        args.genomes, args.batch, args.repeats = 20, 16, 2
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.ini"
        path.write_text(INI.format(n_in=args.inputs, n_out=args.outputs))
        config = neat.Config(
            neat.DefaultGenome,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            str(path),
        )
    genomes = make_genomes(config, args.genomes, args.hidden, args.conns, random.Random(0))
    xs = np.random.default_rng(0).uniform(-1, 1, size=(args.batch, args.inputs))

    ref, neat_compile, neat_eval = time_neat(genomes, config, xs.tolist())
    out64, _, _ = time_neuroevo(
        genomes, config, torch.tensor(xs, device=device), device, torch.float64, 1
    )
    max_err = float(np.max(np.abs(out64.cpu().numpy() - ref)))
    equal = bool(np.allclose(out64.cpu().numpy(), ref, rtol=1e-6, atol=1e-9))
    rows = {}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        x = torch.tensor(xs, device=device, dtype=dtype)
        _, c, e = time_neuroevo(genomes, config, x, device, dtype, args.repeats)
        rows[name] = {"compile_s": c, "eval_s": e}

    neat_total = neat_compile + neat_eval
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} "
        f"torch threads, device {device}"
        + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""),
        "torch": torch.__version__,
        "neat_python": neat.__version__,
        "genomes": args.genomes,
        "batch": args.batch,
        "hidden": args.hidden,
        "connections": args.conns,
        "neat": {"compile_s": neat_compile, "eval_s": neat_eval},
        "neuroevo": rows,
        "outputs_equal_float64": equal,
        "max_abs_error_float64": max_err,
    }
    lines = [
        f"Forward throughput: {args.genomes} genomes ({args.hidden} hidden, {args.conns} "
        f"connections) x {args.batch} inputs -- {result['machine']}",
        "",
        "| | compile (s) | evaluate (s) | genome-evals/s | eval speed-up | compile+eval speed-up |",
        "|---|---|---|---|---|---|",
        f"| neat-python {neat.__version__} | {neat_compile:.4f} | {neat_eval:.4f} | "
        f"{args.genomes * args.batch / neat_eval:,.0f} | 1x | 1x |",
    ]
    for name, r in rows.items():
        lines.append(
            f"| neuroevo {name} | {r['compile_s']:.4f} | {r['eval_s']:.4f} | "
            f"{args.genomes * args.batch / r['eval_s']:,.0f} | "
            f"{times(neat_eval / r['eval_s'])} | "
            f"{times(neat_total / (r['compile_s'] + r['eval_s']))} |"
        )
    lines += [
        "",
        f"outputs equal to neat-python (float64, rtol 1e-6): {equal} "
        f"(max abs error {max_err:.2e}); neuroevo figures are medians of "
        f"{args.repeats} runs",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stem = "forward_throughput" + ("" if device.type == "cpu" else f"-{device.type}")
        (out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / f"{stem}.md").write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
