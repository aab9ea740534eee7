"""``benchmarks/forward_throughput.py --quick`` prints its speed-ups as measured: the ratios
of the timings it returns, to three significant digits (below 1 they read 0x)."""

from __future__ import annotations

from tests.benchmarks.load import load_benchmark


def test_quick_run_prints_the_measured_speed_ups(capsys):
    bench = load_benchmark("forward_throughput")
    result = bench.main(["--quick"])
    rows = {
        line.split("|")[1].strip(): line.split("|")[1:-1]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| neuroevo")
    }
    neat_eval = result["neat"]["eval_s"]
    neat_total = neat_eval + result["neat"]["compile_s"]
    for name, r in result["neuroevo"].items():
        cells = rows[f"neuroevo {name}"]
        for shown, measured in (
            (cells[4], neat_eval / r["eval_s"]),
            (cells[5], neat_total / (r["compile_s"] + r["eval_s"])),
        ):
            printed = float(shown.strip().rstrip("x").replace(",", ""))
            assert abs(printed - measured) <= 0.005 * measured, (shown, measured)
