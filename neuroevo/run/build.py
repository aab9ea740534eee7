"""An experiment file to the objects of one run, built the same way for ``run`` and ``resume``.

:func:`build` turns a loaded :class:`~neuroevo.run.experiment_file.Experiment` plus the
run's seed, device and dtype into a :class:`Setup`: the task and the strategy (through the
one registry, :mod:`neuroevo.run.registry`) and the arguments of
:func:`neuroevo.evolve`. Everything that can be checked before a run writes anything is
checked here: the device (:func:`usable_device`: ``tpu``, or ``cuda`` on a CPU build of
torch, is one line naming the fix), the task and strategy parameters, and the strategy
against the task (:meth:`Setup.prepare`). The reporters a run folder gets
(:func:`folder_reporters`), what is shown on screen (:func:`display_reporters`) and the
result files (:mod:`neuroevo.run.results`) are composed here too, so that ``neuroevo run``
(:func:`neuroevo.run.cli.run_experiment`) and ``neuroevo resume``
(:mod:`neuroevo.run.commands`) cannot drift apart.

Example::

    exp = load_experiment("configs/xor.toml")
    setup = build(exp, seed=1, device="cpu")
    setup.prepare()
    result = evolve(setup.strategy, setup.task, generations=exp.generations, setup=False,
                    reporters=folder_reporters("runs/xor", setup), **setup.evolve_kwargs())
"""

from __future__ import annotations

import dataclasses
import pathlib
import sys
from collections.abc import Sequence
from typing import IO, Any

import torch

from neuroevo.devices import device_problem, resolve_device
from neuroevo.errors import ConfigError
from neuroevo.loop import GenerationStats, Reporter
from neuroevo.loop.confirm import ProofRecord
from neuroevo.loop.loop_state import DTYPE_NAMES
from neuroevo.parallel.backend import Backend
from neuroevo.parallel.make import make_backend
from neuroevo.run import registry
from neuroevo.run.experiment_file import Experiment, experiment_snapshot
from neuroevo.run.registry import make_strategy, make_task
from neuroevo.run.results import ResultFiles, write_results

#: dtype names of experiment files and checkpoints -> torch dtypes
DTYPES = {name: getattr(torch, name) for name in DTYPE_NAMES}


@dataclasses.dataclass
class Setup:
    """The objects and settings of one run of an experiment file."""

    experiment: Experiment
    task: Any
    strategy: Any
    seed: int | None
    device: torch.device
    dtype_name: str  # "float32" or "float64"
    stop_on_solve: bool
    #: the device as checkpoints record it (a resumed run keeps the original run's)
    device_label: str | None = None
    #: parallel evaluation (evolve's workers, backend, address; None: one process)
    workers: int | None = None
    backend: str | None = None
    address: str | None = None
    #: the candidates already put to the task's solve_episodes proof (kept by checkpoints)
    proofs: ProofRecord = dataclasses.field(default_factory=ProofRecord)
    #: the run's started backend (:meth:`start_backend`), until :meth:`close_backend`
    evaluator: Backend | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def dtype(self) -> torch.dtype:
        return DTYPES[self.dtype_name]

    def evolve_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`neuroevo.evolve` (besides strategy, task, generations
        and reporters); the started backend, once :meth:`start_backend` has started it."""
        parallel = (
            {"workers": None, "backend": self.evaluator, "address": None}
            if self.evaluator is not None
            else {"workers": self.workers, "backend": self.backend, "address": self.address}
        )
        return {
            "seed": self.seed,
            "device": self.device,
            "dtype": self.dtype,
            "stop_on_solve": self.stop_on_solve,
            **parallel,
            "proofs": self.proofs,
        }

    def prepare(self) -> None:
        """Set the strategy up for the task (what :func:`neuroevo.evolve` does first), so
        that a strategy that does not fit the task -- or the backend: NEAT's tensor engine or
        refinement on workers, more workers than candidates -- fails before anything is
        written; then call ``evolve(..., setup=False)``."""
        self.strategy.setup(
            num_inputs=self.task.num_inputs,
            num_outputs=self.task.num_outputs,
            seed=self.seed,
            device=self.device,
            dtype=self.dtype,
        )
        make_backend(workers=self.workers, backend=self.backend, address=self.address).check(
            self.strategy
        )

    def start_backend(self) -> Backend:
        """Make the run's backend and start it -- worker processes started, Ray joined and
        its actors placed -- so that one that cannot start fails in one line before the run
        writes anything; :meth:`evolve_kwargs` then passes it to ``evolve``, and
        :meth:`close_backend` stops it. Call after :meth:`prepare`."""
        if self.evaluator is None:
            evaluator = make_backend(
                workers=self.workers, backend=self.backend, address=self.address
            )
            try:
                evaluator.check(self.strategy)
                evaluator.start()
            except BaseException:
                evaluator.close()
                raise
            self.evaluator = evaluator
        return self.evaluator

    def close_backend(self) -> None:
        """Stop the backend :meth:`start_backend` started (nothing if none)."""
        if self.evaluator is not None:
            self.evaluator.close()
            self.evaluator = None

    def parallel_summary(self) -> dict[str, Any]:
        """Where the population was evaluated, as ``result.json`` records it: the backend's
        name, its workers (as started, where known) and the Ray address."""
        if self.evaluator is not None:
            name, workers = self.evaluator.name, self.evaluator.workers
        else:
            name = self.backend or ("process" if self.workers is not None else "serial")
            workers = 1 if name == "serial" else self.workers
        return {"backend": name, "workers": workers or None, "address": self.address}


def usable_device(spec: str | torch.device | None, *, source: str = "--device") -> torch.device:
    """``spec`` as a torch device this process can use; ``None``: CUDA when available.

    :class:`~neuroevo.errors.ConfigError` names ``source`` (``--device``, the experiment
    file's key, the checkpoint) and the fix for a device torch does not know (``tpu``), a
    CUDA device on a build or machine without CUDA, or a CUDA index beyond the devices.
    """
    if spec is None:
        return resolve_device(None)
    problem = device_problem(spec, cpu="--device cpu")
    if problem is not None:
        raise ConfigError(f"{source} {spec!r}: {problem}")
    return torch.device(spec)


def build(
    exp: Experiment,
    *,
    seed: int | None,
    device: str | torch.device | None = None,
    dtype: str | None = None,
    stop_on_solve: bool | None = None,
    device_label: Any = "resolved",
    device_source: str = "--device",
    workers: int | None = None,
    backend: str | None = None,
    address: str | None = None,
) -> Setup:
    """Build the task and the strategy of ``exp``; ``None`` takes the file's value.

    ``device`` defaults to the file's ``device`` (then CUDA when available), ``dtype`` and
    ``stop_on_solve`` to the file's. ``device_label`` is the device checkpoints record
    (default ``"resolved"``: the resolved device, as a string); ``device_source`` what
    errors call ``device`` (the file's key when ``device`` is ``None``). ``workers``,
    ``backend`` and ``address`` (``--workers`` ...) override the file's ``[parallel]`` keys
    one by one (``backend`` other than Ray drops the file's Ray ``address``; ``"serial"``
    its workers too), and are checked together here (``backend = "ray"`` without Ray
    installed says how to install it).
    """
    if device is None:
        device, device_source = exp.device, f"{exp.path} [experiment] device ="
    dev = usable_device(device, source=device_source)
    dtype_name = dtype if dtype is not None else exp.dtype
    if dtype_name not in DTYPES:
        raise ConfigError(f"dtype {dtype_name!r}: expected one of {sorted(DTYPES)}")
    parallel: dict[str, Any] = {
        "workers": exp.workers if workers is None else workers,
        "backend": exp.backend if backend is None else backend,
        "address": exp.address if address is None else address,
    }
    if backend == "serial":  # --backend serial: one process, whatever the file's [parallel]
        parallel.update(workers=workers, address=address)
    elif backend is not None and backend != "ray":  # the file's Ray address is not for it
        parallel.update(address=address)
    make_backend(**parallel)  # checks the combination (a backend starts nothing until opened)
    task = make_task(exp.task, **exp.task_params)
    strategy = make_strategy(exp.strategy, exp.strategy_params, task=task, base_dir=exp.base_dir)
    return Setup(
        experiment=exp,
        task=task,
        strategy=strategy,
        seed=seed,
        device=dev,
        dtype_name=dtype_name,
        stop_on_solve=exp.stop_on_solve if stop_on_solve is None else stop_on_solve,
        device_label=str(dev) if device_label == "resolved" else device_label,
        **parallel,
    )


def display_reporters(
    *, quiet: bool, stream: Any = None, start_generation: int = 0
) -> list[Reporter]:
    """What ``neuroevo run`` shows: nothing (``quiet``), a progress bar on a terminal, else
    one line per generation (logs, pipes, CI); ``start_generation``: where a resumed run
    goes on from (both count from there)."""
    from neuroevo.reporting.stdout import StdOutReporter

    out_stream = stream if stream is not None else sys.stdout
    if quiet:
        return []
    if hasattr(out_stream, "isatty") and out_stream.isatty():  # a person is watching
        from neuroevo.reporting.progress import ProgressBar

        return [ProgressBar(stream=out_stream, start_generation=start_generation)]
    return [StdOutReporter(stream=stream, start_generation=start_generation)]


def experiment_files(exp: Experiment) -> list[pathlib.Path]:
    """The files a run folder copies into ``experiment/``: the experiment file and the
    neat-python INI its ``[strategy] config`` names."""
    files = [exp.path]
    ini = exp.strategy_params.get("config")
    if isinstance(ini, str) and (exp.base_dir / ini).is_file():
        files.append(exp.base_dir / ini)
    return files


def run_snapshot(setup: Setup) -> dict[str, Any]:
    """What checkpoints store to rebuild the run: the experiment file and the files it names
    (:func:`~neuroevo.run.experiment_file.experiment_snapshot`), plus the ``"module:attr"``
    of a task or strategy registered from Python (:func:`neuroevo.run.registry.describe`)."""
    snap = dict(experiment_snapshot(setup.experiment) or {})
    exp = setup.experiment
    registered = {
        kind: info
        for kind, name in (("task", exp.task), ("strategy", exp.strategy))
        if (info := registry.describe(kind, name)) is not None
    }
    if registered:
        snap["registered"] = registered
    return snap


def checkpointer(
    folder: str | pathlib.Path,
    setup: Setup,
    *,
    every: int,
    snapshot: dict[str, Any] | None = None,
    history: Sequence[GenerationStats] = (),
    stream: IO[str] | None = None,
) -> Reporter:
    """A :class:`~neuroevo.reporting.checkpointer.Checkpointer` of the run ``setup`` into
    ``folder``; ``snapshot`` (default: :func:`run_snapshot`, read now) is the experiment stored
    in each checkpoint, ``history`` the earlier generations' statistics, ``stream`` where an
    interrupted run says it is saving."""
    from neuroevo.reporting.checkpointer import Checkpointer

    return Checkpointer(
        folder,
        every=every,
        experiment=snapshot if snapshot is not None else run_snapshot(setup),
        seed=setup.seed,
        device=setup.device_label,
        dtype=setup.dtype_name,
        stop_on_solve=setup.stop_on_solve,
        history=list(history),
        stream=stream,
        proofs=setup.proofs,
    )


def folder_reporters(
    folder: str | pathlib.Path,
    setup: Setup,
    *,
    checkpoint_every: int = 10,
    snapshot: dict[str, Any] | None = None,
    copy_files: Sequence[str | pathlib.Path] = (),
    history: Sequence[GenerationStats] = (),
    species_history: Sequence[dict[str, Any]] = (),
    generation_limit: int | None = None,
    stream: IO[str] | None = None,
    display: Sequence[Reporter] = (),
    tracking: dict[str, Any] | None = None,
) -> list[Reporter]:
    """The reporters of a run folder: checkpoints (every ``checkpoint_every`` generations;
    0: none), the result files (when ``generation_limit`` is given: :mod:`~neuroevo.run.results`),
    the experiment trackers of ``tracking`` (:func:`neuroevo.run.tracking.resolve_tracking`)
    and the run-folder files (statistics, best genome, drawing, plots, summary).

    ``snapshot``: the experiment stored in checkpoints (default: :func:`run_snapshot`,
    read now). ``history``/``species_history``: earlier generations, after a resume. ``stream``:
    where an interrupted run says it is saving its checkpoint, and where what could not be
    drawn (no graphviz ``dot`` ...) is said at the end. ``display``: the reporters
    that show the run (:func:`display_reporters`). The checkpointer comes first, then the
    result files and the display, so that all are done before the slow drawing and plots; the
    trackers come before the run-folder files, so that what they could not draw is in the
    summary's notes.
    """
    from neuroevo.reporting.run_folder import RunFolderReporter
    from neuroevo.run.tracking import tracking_reporters

    reporters: list[Reporter] = []
    if checkpoint_every > 0:
        reporters.append(
            checkpointer(
                folder,
                setup,
                every=checkpoint_every,
                snapshot=snapshot,
                history=history,
                stream=stream,
            )
        )
    if generation_limit is not None:
        reporters.append(ResultFiles(folder, setup, generation_limit=generation_limit))
    reporters += display
    run_folder = RunFolderReporter(
        folder,
        files=copy_files,
        history=[h.to_dict() for h in history],
        species_history=species_history,
        stream=stream,
    )
    reporters += tracking_reporters(folder, setup, tracking or {}, notes=run_folder.notes)
    reporters.append(run_folder)
    return reporters


__all__ = [
    "DTYPES",
    "Setup",
    "build",
    "checkpointer",
    "display_reporters",
    "experiment_files",
    "folder_reporters",
    "run_snapshot",
    "usable_device",
    "write_results",
]
