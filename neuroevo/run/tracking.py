"""Which experiment trackers a run writes to, from its experiment file and its command line.

The experiment file's optional ``[reporting]`` table, and ``neuroevo run``'s options (which
take precedence, key by key)::

    [reporting]
    tensorboard = "runs/tb"          # --tensorboard DIR: event files in DIR/<run folder name>
                                     #   (true: <run folder>/tensorboard)
    mlflow = "file:runs/mlruns"      # --mlflow URI: an MLflow store or server (true:
                                     #   $MLFLOW_TRACKING_URI, else file:<run folder>/mlruns)
    wandb = {project = "xor", mode = "offline"}   # --wandb PROJECT (true: project "neuroevo");
                                     #   other keys: entity, group, tags; files in the run folder

:func:`resolve_tracking` turns them into settings with absolute paths, which the run keeps
in ``<run folder>/tracking.json``; ``neuroevo resume`` reads that file
(:func:`resume_tracking`), and the trackers' run ids kept in the run folder
(``mlflow_run_id``, ``wandb_run_id``), so a resumed run writes to the same TensorBoard
folder, MLflow run and W&B run (``--overwrite`` clears the run folder, ids included, so
the new run gets new tracker runs; a TensorBoard ``DIR/<run folder name>`` outside the run
folder is not cleared: TensorBoard then shows both runs' events, the older ones dropped
where steps go back). :func:`tracking_reporters` makes the reporters
(:mod:`neuroevo.reporting.tracking`); a tracker that is not installed is one line naming
the extra, before the run writes anything.

Example::

    tracking = resolve_tracking(exp, "runs/xor", tensorboard="runs/tb")
    reporters = tracking_reporters("runs/xor", setup, tracking)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.loop import Reporter

TRACKING_FILE = "tracking.json"
MLFLOW_ID_FILE, WANDB_ID_FILE = "mlflow_run_id", "wandb_run_id"
TRACKERS = ("tensorboard", "mlflow", "wandb")
WANDB_KEYS = {"project": str, "mode": str, "entity": str, "group": str, "tags": list}


def resolve_tracking(
    exp: Any,
    folder: str | os.PathLike[str],
    *,
    tensorboard: str | None = None,
    mlflow: str | None = None,
    wandb: str | None = None,
) -> dict[str, Any]:
    """The trackers of a run into ``folder``: the experiment's ``[reporting]`` table, each
    key replaced by the option given (``--tensorboard DIR``, ``--mlflow URI``,
    ``--wandb PROJECT``); ``{}`` when none. Paths are made absolute here."""
    folder = Path(folder).resolve()
    table = dict(getattr(exp, "reporting", None) or {})
    if tensorboard is not None:
        table["tensorboard"] = tensorboard
    if mlflow is not None:
        table["mlflow"] = mlflow
    if wandb is not None:
        old = table.get("wandb")
        table["wandb"] = {**(old if isinstance(old, dict) else {}), "project": wandb}
    out: dict[str, Any] = {}
    tb = table.get("tensorboard", False)
    if tb is True:
        out["tensorboard"] = str(folder / "tensorboard")
    elif isinstance(tb, str):
        out["tensorboard"] = str(Path(tb).resolve() / folder.name)
    ml = table.get("mlflow", False)
    if ml is True:
        ml = os.environ.get("MLFLOW_TRACKING_URI") or f"file:{folder / 'mlruns'}"
    if isinstance(ml, str):
        if ml.startswith("file:"):
            ml = f"file:{Path(ml[len('file:') :]).resolve()}"
        out["mlflow"] = {
            "tracking_uri": ml,
            "experiment": Path(exp.path).stem,
            "run_name": folder.name,
        }
    wb = table.get("wandb", False)
    if wb is True:
        wb = {}
    if isinstance(wb, dict):
        out["wandb"] = {"project": "neuroevo", "name": folder.name, "dir": str(folder), **wb}
    return out


def resume_tracking(folder: str | os.PathLike[str], exp: Any) -> dict[str, Any]:
    """The trackers a resumed run goes on writing to: the run folder's ``tracking.json``
    (what the run resolved at its start), else the experiment's ``[reporting]`` table."""
    path = Path(folder) / TRACKING_FILE
    if not path.is_file():
        return resolve_tracking(exp, folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointError(
            f"{path}: cannot read the run's trackers ({e}); delete the file "
            "to resume with the experiment's [reporting] table"
        ) from None
    if not isinstance(data, dict) or set(data) - set(TRACKERS):
        raise CheckpointError(
            f"{path}: expected an object with keys among {', '.join(TRACKERS)}; "
            "delete the file to resume with the experiment's [reporting] table"
        )
    return data


class TrackingFile(Reporter):
    """Write ``<folder>/tracking.json`` when the run starts (for ``neuroevo resume``)."""

    def __init__(self, folder: str | os.PathLike[str], tracking: dict[str, Any]) -> None:
        self.path, self.tracking = Path(folder) / TRACKING_FILE, tracking

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        from neuroevo.io.atomic import atomic_write_text

        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(self.tracking, indent=2) + "\n")


def tracking_reporters(
    folder: str | os.PathLike[str],
    setup: Any,
    tracking: dict[str, Any],
    *,
    notes: list[str] | None = None,
) -> list[Reporter]:
    """The reporters of ``tracking`` (:func:`resolve_tracking`) for the run ``setup`` into
    ``folder``, and the one that keeps ``tracking.json``; ``notes``: where what could not
    be drawn is said (the run folder's). Each tracker records the seed as a setting too."""
    if not tracking:
        return []
    from neuroevo.reporting.tracking import MLflowReporter, TensorBoardReporter, WandbReporter

    folder = Path(folder)
    exp = setup.experiment
    hparams = {"seed": setup.seed, "dtype": setup.dtype_name, "experiment": Path(exp.path).name}
    out: list[Reporter] = [TrackingFile(folder, tracking)]
    if "tensorboard" in tracking:
        out.append(TensorBoardReporter(tracking["tensorboard"], hparams=hparams, notes=notes))
    if "mlflow" in tracking:
        out.append(
            MLflowReporter(
                **tracking["mlflow"], run_id_file=folder / MLFLOW_ID_FILE, hparams=hparams
            )
        )
    if "wandb" in tracking:
        out.append(
            WandbReporter(**tracking["wandb"], run_id_file=folder / WANDB_ID_FILE, hparams=hparams)
        )
    return out


def check_reporting(path: Path, table: Any) -> dict[str, Any]:
    """The experiment file's ``[reporting]`` table, each value checked (one line naming the
    key and what it takes)."""
    from neuroevo.config import _hint

    if not isinstance(table, dict):
        raise ConfigError(f"{path} reporting: expected a table [reporting], got {table!r}")
    expected = {
        "tensorboard": 'a folder ("runs/tb") or true (<run folder>/tensorboard)',
        "mlflow": 'a tracking URI ("file:runs/mlruns", "http://host:5000") or true',
        "wandb": 'true or a table {project = "...", mode = "offline", entity, group, tags}',
    }
    for key, value in table.items():
        if key not in expected:
            raise ConfigError(
                f"{path} [reporting] {key}: unknown key"
                f"{_hint(key, list(expected))}; known keys: {', '.join(expected)}"
            )
        ok = isinstance(value, bool) or (isinstance(value, str) and bool(value))
        if key == "wandb":
            ok = isinstance(value, bool) or isinstance(value, dict)
            for k, v in value.items() if isinstance(value, dict) else ():
                if k not in WANDB_KEYS:
                    raise ConfigError(
                        f"{path} [reporting] wandb.{k}: unknown key"
                        f"{_hint(k, list(WANDB_KEYS))}; known keys: "
                        f"{', '.join(WANDB_KEYS)}"
                    )
                if not isinstance(v, WANDB_KEYS[k]) or (
                    k == "tags" and not all(isinstance(t, str) for t in v)
                ):
                    raise ConfigError(
                        f"{path} [reporting] wandb.{k}: expected "
                        f"{'a list of strings' if k == 'tags' else 'a string'}, "
                        f"got {v!r}"
                    )
            if isinstance(value, dict) and value.get("mode") not in (
                None,
                "online",
                "offline",
                "disabled",
            ):
                raise ConfigError(
                    f'{path} [reporting] wandb.mode: expected "online", '
                    f'"offline" or "disabled", got {value["mode"]!r}'
                )
        if not ok:
            raise ConfigError(f"{path} [reporting] {key}: expected {expected[key]}, got {value!r}")
    return dict(table)


__all__ = [
    "MLFLOW_ID_FILE",
    "TRACKING_FILE",
    "TRACKERS",
    "TrackingFile",
    "WANDB_ID_FILE",
    "check_reporting",
    "resolve_tracking",
    "resume_tracking",
    "tracking_reporters",
]
