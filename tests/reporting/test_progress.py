"""The progress bar keeps a bar of its own width on a terminal the figures nearly fill, and
counts a resumed run's generations from where it goes on."""

from __future__ import annotations

import io
import re

from neuroevo.loop import GenerationStats
from neuroevo.reporting.progress import ProgressBar


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


def stats(generation: int) -> GenerationStats:
    """A LunarLander generation's figures: negative returns, species, thousands of evals/s."""
    return GenerationStats(
        generation=generation,
        best_fitness=-102.3,
        mean_fitness=-230.5,
        std_fitness=40.0,
        best_fitness_so_far=-102.3,
        evaluations=13_000,
        seconds=1.0,
        evaluations_per_second=1234.0,
        extra={"species": 7.0},
    )


def last_line(columns: int, start: int = 0, generation: int = 12) -> str:
    stream = io.StringIO()
    bar = ProgressBar(
        stream=stream, disable=False, mininterval=0, ncols=columns, start_generation=start
    )
    bar.on_start(Named("NEAT"), Named("gym:LunarLander-v3"), 300 - start)
    bar.on_generation(stats(generation), None)
    bar.bar.refresh()
    line = stream.getvalue().split("\r")[-1].rstrip("\n")
    bar.on_end(None)
    return line


def test_the_bar_keeps_its_width_on_a_110_column_terminal():
    line = last_line(110)
    assert len(line) <= 110
    bar = re.search(r"\|(.*)\|", line).group(1)
    assert len(bar) == ProgressBar.BAR_WIDTH == 10
    assert line.startswith("NEAT on gym:LunarLander-v3 |") and " 1/300 " in line
    assert line.endswith("best -102.3 mean -230.5 species 7 1,234 evals/s]")


def test_a_narrower_terminal_cuts_the_end_of_the_line_not_the_bar():
    line = last_line(80)
    assert len(line) <= 80
    assert len(re.search(r"\|(.*)\|", line).group(1)) == 10
    assert "best -102.3" in line


def test_a_resumed_run_counts_on_from_its_checkpoint():
    line = last_line(110, start=12)
    assert " 13/300 " in line
