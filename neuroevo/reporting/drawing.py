"""A drawing of the best candidate at the end of a run: ``<out_dir>/best_genome.svg``.

Drawn with graphviz (:func:`neuroevo.viz.draw.draw_genome`), its inputs and outputs named
after the task (:func:`task_io_names`); when the ``dot`` program is missing the DOT source
``best_genome.gv`` is written instead and a note says so, and without the graphviz Python
package a note says what to install. A strategy over flat parameter vectors (GA, PSO, SA,
gradient) has no genome: its network with the best parameters is drawn to
``best_params.svg`` (:func:`neuroevo.viz.draw_params.draw_parameters`), or a note says why
it cannot be (a module that is not a stack of linear layers).

Example::

    from neuroevo.reporting.drawing import GenomeDrawing
    ne.evolve(strategy, task, generations=300,
              reporters=[GenomeDrawing("runs/xor", node_names={-1: "a", -2: "b", 0: "out"})])
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

from neuroevo.reporting.best_genome import BestGenomeReporter
from neuroevo.reporting.episode import env_class_of


def task_io_names(task: Any) -> tuple[Sequence[str] | None, Sequence[str] | None]:
    """``(input names, output names)`` of a task, ``None`` where it has none.

    A task's own ``input_names``/``output_names`` come first. A control task without them
    is named by its environment class (a gymnasium environment, ``"gym:<id>"``, by
    :func:`neuroevo.envs.gym_labels.gym_labels`): ``observation_labels`` for the inputs,
    and ``action_labels`` for the outputs when there is one output per label (``argmax`` on
    a discrete environment, or one output per action column of a continuous one).

    Example::

        task_io_names(ne.tasks.XOR())      # (("a", "b"), ("a xor b",))
    """
    from neuroevo.envs.gym_labels import gym_labels

    inputs = getattr(task, "input_names", None)
    outputs = getattr(task, "output_names", None)
    env = env_class_of(task)
    if env is not None:
        observations, actions = (
            getattr(env, "observation_labels", None),
            getattr(env, "action_labels", None),
        )
    else:
        observations, actions = gym_labels(
            getattr(task, "env_name", None), getattr(task, "env_kwargs", None)
        )
    if (
        inputs is None
        and observations is not None
        and len(observations) == getattr(task, "num_inputs", len(observations))
    ):
        inputs = observations
    if outputs is None and actions is not None and len(actions) == getattr(task, "num_outputs", -1):
        outputs = actions
    return inputs, outputs


class GenomeDrawing(BestGenomeReporter):
    """Draw the best genome at the end of the run, or the best parameters' network.

    ``node_names``: labels (``{-1: "x", 0: "y"}``); default: the task's input and output
    names (:func:`task_io_names`). ``notes``: a list that gets a line for each thing that
    could not be drawn (shared with the run folder's summary).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        node_names: dict[int, str] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        super().__init__(out_dir, notes=notes)
        self.node_names = node_names

    def on_end(self, result: Any) -> None:
        found, vector = self.best_genome(result), self.best_parameters(result)
        if found is None and vector is None:
            return
        try:
            from neuroevo.viz.draw import DotMissingWarning, draw_genome, io_names
            from neuroevo.viz.draw_params import draw_parameters
        except ImportError as e:  # graphviz (Python) not installed
            self.notes.append(f"no drawing: {e} (pip install 'neuroevo[viz]')")
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DotMissingWarning)
            if found is not None:
                best, gc = found
                names = self.node_names
                if names is None:
                    names = io_names(gc, *task_io_names(self._task))
                draw_genome(best, gc, node_names=names, filename=self.out_dir / "best_genome.svg")
            else:
                assert vector is not None  # one of the two (checked above)
                self._draw_parameters(draw_parameters, *vector)
        for w in caught:
            if issubclass(w.category, DotMissingWarning):
                self.notes.append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    def _draw_parameters(self, draw: Any, module: Any, params: Any) -> None:
        from neuroevo.errors import StrategyError

        inputs, outputs = task_io_names(self._task)
        try:
            draw(
                module,
                params,
                input_names=inputs,
                output_names=outputs,
                filename=self.out_dir / "best_params.svg",
            )
        except StrategyError as e:
            self.notes.append(f"no drawing of best_params.json: {e}")


__all__ = ["GenomeDrawing", "task_io_names"]
