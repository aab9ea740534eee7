"""What `neuroevo resume` prints: a header counting the generations it adds to the run, and
one final line, as `neuroevo run` ends.

The references are the checkpoint the resume goes on from and the population size of the
neat-python INI file.
"""

from __future__ import annotations

import re
from pathlib import Path

from neuroevo.config import load_config
from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_resume_says_how_many_more_generations_and_ends_in_one_line(tmp_path, capsys):
    exp = tmp_path / "xor.toml"  # going on after it solves, so all generations are run
    exp.write_text(
        (CONFIGS / "xor.toml")
        .read_text()
        .replace("[experiment]", "[experiment]\nstop_on_solve = false")
        .replace('"xor.ini"', f'"{CONFIGS / "xor.ini"}"')
    )
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(exp),
                "--generations",
                "2",
                "--checkpoint-every",
                "1",
                "--quiet",
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    start = load_checkpoint(list_checkpoints(out)[-1]).loop_state["next_generation"]
    population = load_config(CONFIGS / "xor.ini").pop_size
    capsys.readouterr()
    assert main(["resume", str(out), "--generations", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"neat on xor: resumed at generation {start}, 3 more generations "
        f"(up to generation {start + 2}), population {population}"
    )
    gens = [int(m.group(1)) for line in lines if (m := re.match(r"gen +(\d+) ", line))]
    assert gens == [start, start + 1, start + 2]
    ends = [line for line in lines if re.match(r"(not )?solved", line)]
    assert len(ends) == 1 and ends[0].startswith(f"not solved after {start + 3} generations")
    assert lines[-1] == f"results in {out}"
