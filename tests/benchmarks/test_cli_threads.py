"""``neuroevo run --threads`` sets the process's torch threads (default 1), and the benchmark
that chose the default runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from neuroevo.run.cli import build_parser, main
from tests.benchmarks.load import load_benchmark

ROOT = Path(__file__).resolve().parents[2]


def test_threads_default_is_one_and_the_option_sets_torch(tmp_path):
    assert build_parser().parse_args(["run", "configs/xor.toml"]).threads == 1
    before = torch.get_num_threads()
    try:
        status = main(
            [
                "run",
                str(ROOT / "configs" / "xor.toml"),
                "--generations",
                "1",
                "--quiet",
                "--no-extras",
                "--out",
                str(tmp_path / "run"),
                "--threads",
                "2",
            ]
        )
        assert status == 0 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow
def test_cli_threads_benchmark_quick(tmp_path):
    module = load_benchmark("cli_threads")
    before = torch.get_num_threads()
    try:
        rows = module.main(["--quick", "--out", str(tmp_path)])["rows"]
    finally:
        torch.set_num_threads(before)
    assert [(r["other process holds a core"], r["threads"]) for r in rows] == [
        (False, 1),
        (False, 2),
        (True, 1),
        (True, 2),
    ]
    assert all(r["seconds"] > 0 for r in rows)
    assert (tmp_path / "cli_threads-quick.md").read_text().count("\n| ") == 5
