"""Ctrl-C twice: the second press, while the checkpoint is being saved, does not lose it.

The run is a real ``neuroevo run`` process sent SIGINT twice. Its checkpoint writes are
slowed down by one second (a slow disk), so that the second SIGINT surely arrives while
the checkpoint is written: after the screen says "saving checkpoint ... (please wait)".
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.resume import resume

ROOT = Path(__file__).resolve().parents[2]

SLOW_DISK = """
import sys, time
import neuroevo.reporting.checkpointer as checkpointer
real = checkpointer.atomic_write_bytes
def slow(path, data):
    time.sleep(1.0)
    return real(path, data)
checkpointer.atomic_write_bytes = slow
from neuroevo.run.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_two_ctrl_c_leave_a_resumable_checkpoint(tmp_path):
    out = tmp_path / "run"
    endless = tmp_path / "xor_ga.toml"  # goes on after solving, until interrupted
    endless.write_text(
        (ROOT / "configs" / "xor_ga.toml")
        .read_text()
        .replace("[experiment]", "[experiment]\nstop_on_solve = false")
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SLOW_DISK,
            "run",
            str(endless),
            "--generations",
            "100000",
            "--checkpoint-every",
            "100000",
            "--device",
            "cpu",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        for line in proc.stdout:  # one line per generation (not a terminal)
            if line.startswith("gen") and int(line.split()[1]) >= 2:
                break
        # keep reading stdout: a fast run fills the pipe (64 kB, ~900 generations) before the
        # signal lands, and would then block in a write while this test reads stderr
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        proc.send_signal(signal.SIGINT)
        said = []
        for line in proc.stderr:
            said.append(line)
            if "saving checkpoint" in line:
                break
        assert "(please wait)" in said[-1], said
        proc.send_signal(signal.SIGINT)  # while the checkpoint is written
        proc.wait(timeout=60)
        rest = proc.stderr.read()
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert f"continue with `neuroevo resume {out}`" in rest and "Traceback" not in rest
    saved = list_checkpoints(out)
    assert len(saved) == 1 and not list((out / "checkpoints").glob("*.tmp"))
    ckpt = load_checkpoint(saved[0])
    # The newest snapshot the Checkpointer's time budget allowed (at most ~10 % of the run
    # time goes to snapshots, so on a busy machine it may be a generation or two old; a
    # resume from it is exact either way), but never the empty start.
    assert ckpt.loop_state["next_generation"] >= 1
    # and the run goes on from there
    result = resume(out, generations=2)
    assert result.generations == ckpt.loop_state["next_generation"] + 2
    assert list_checkpoints(out)[-1].name == f"gen-{result.generations:06d}.ckpt"


# Ctrl-C while the command still imports: KeyboardInterrupt raised by the import of MODULE
# (once, as one press of Ctrl-C does), in a fresh process that has imported nothing yet.
INTERRUPTED_IMPORT = """
import importlib.abc, sys
class Press(importlib.abc.MetaPathFinder):
    pressed = False
    def find_spec(self, name, path, target=None):
        if name == sys.argv[1] and not Press.pressed:
            Press.pressed = True
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, Press())
from neuroevo.run.cli import main
sys.exit(main(["run", "configs/xor.toml", "--out", sys.argv[2], "--quiet"]))
"""


@pytest.mark.parametrize(
    "module, line",
    [
        ("torch", "neuroevo run: interrupted"),  # imported before the command runs
        ("neuroevo.run.commands", "neuroevo: interrupted"),  # while the parser is built
        ("neuroevo.loop", "neuroevo run: interrupted; no checkpoint was saved"),  # by the command
    ],
)
def test_ctrl_c_while_importing_is_one_line(tmp_path, module, line):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT, module, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, line + "\n", "")
    assert not out.exists()
