"""Copies of the files a run was started from (experiment and INI) in ``<out_dir>/experiment/``.

Example::

    from neuroevo.reporting.copy_files import CopyFiles
    ne.evolve(strategy, task, generations=300,
              reporters=[CopyFiles("runs/xor", ["configs/xor.toml", "configs/xor.ini"])])
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.loop import Reporter

#: sub-folder of a run folder that holds the copies
EXPERIMENT_DIR = "experiment"


class CopyFiles(Reporter):
    """Copy ``files`` into ``<out_dir>/experiment/`` when the run starts."""

    def __init__(
        self, out_dir: str | os.PathLike[str], files: Sequence[str | os.PathLike[str]] = ()
    ) -> None:
        self.out_dir = Path(out_dir)
        self.files = [Path(f) for f in files]

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for f in self.files:
            if not f.is_file():
                raise ConfigError(f"RunFolderReporter(files=...): no such file to copy: {f}")
            (self.out_dir / EXPERIMENT_DIR).mkdir(exist_ok=True)
            shutil.copyfile(f, self.out_dir / EXPERIMENT_DIR / f.name)


__all__ = ["CopyFiles", "EXPERIMENT_DIR"]
