"""Export one genome as a standalone model: TorchScript, ``torch.export`` or ONNX.

The exported model needs neither neat-python nor neuroevo to run:

* ``"torchscript"`` -- ``torch.jit.trace`` of the compiled module, saved with
  ``ScriptModule.save``; load with ``torch.jit.load(path)`` (C++: ``torch::jit::load``).
  PyTorch 2.13 deprecates TorchScript in favour of ``torch.export``; prefer ``"export"``
  for new work.
* ``"export"`` -- ``torch.export.export`` with a dynamic batch dimension, saved with
  ``torch.export.save`` (a ``.pt2`` archive); load with ``torch.export.load(path).module()``.
* ``"onnx"`` -- ``torch.onnx.export`` (the dynamo exporter) with a dynamic batch dimension;
  run with ``onnxruntime.InferenceSession(path)``. Needs the ``onnx`` extra
  (``pip install 'neuroevo[onnx]'``: onnx, onnxscript, onnxruntime).

A feed-forward genome exports as ``y = f(x)``, ``x: [B, n_in] -> y: [B, n_out]``. A recurrent
genome has no hidden state in the exported model: it exports one step,
``(y, new_state) = f(x, state)`` with ``state: [N, B]`` starting at zeros (``N`` is
``GenomeModule.initial_state(1).shape[0]``, also returned in :class:`ExportInfo`), so the
caller owns the state. Input names ``x``, ``state``; output names ``y``, ``new_state``.

Example::

    export_genome(winner, config.genome_config, "winner.onnx", format="onnx")
    import onnxruntime
    y = onnxruntime.InferenceSession("winner.onnx").run(None, {"x": x.numpy()})[0]
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import pathlib
import warnings
from typing import Any

import torch

from neuroevo.compile.module import GenomeModule, compile_genome
from neuroevo.compile.recurrent import RecurrentPopulationNetwork
from neuroevo.errors import CompileError

FORMATS = ("torchscript", "export", "onnx")


@dataclasses.dataclass(frozen=True)
class ExportInfo:
    """What :func:`export_genome` wrote and how to call it."""

    path: pathlib.Path
    format: str
    num_inputs: int
    num_outputs: int
    recurrent: bool
    state_size: int  # N of the [N, B] state a recurrent export takes; 0 for feed-forward
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]


class _FeedForwardGraph(torch.nn.Module):
    """``x -> y`` without the input checks of :class:`GenomeModule` (they are Python)."""

    def __init__(self, module: GenomeModule) -> None:
        super().__init__()
        self.core = module.core

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = self.core(x)
        return y


class _RecurrentStep(torch.nn.Module):
    """``(x, state) -> (y, new_state)``: one ``activate`` with the state made explicit."""

    def __init__(self, module: GenomeModule) -> None:
        super().__init__()
        assert isinstance(module.core, RecurrentPopulationNetwork)  # a recurrent module's
        self.core = module.core

    def forward(self, x: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, new = self.core.step(x.t(), state)  # one genome: its input rows are x^T
        return y[0], new


def export_genome(
    genome: Any,
    genome_config: Any,
    path: str | pathlib.Path,
    *,
    format: str = "torchscript",
    example_batch: int | torch.Tensor = 4,
    recurrent: bool = False,
    dtype: torch.dtype = torch.float32,
) -> ExportInfo:
    """Write ``genome`` (a neat-python genome, or a trained :class:`GenomeModule`) to ``path``.

    ``example_batch`` is the example input used for tracing: a ``[B, n_in]`` tensor or a
    batch size (then zeros); the batch dimension stays dynamic in every format. The model is
    exported on the CPU with ``dtype``; a :class:`GenomeModule` keeps its own dtype and
    ``recurrent`` flag (``genome_config`` may then be ``None``).

    Example::

        info = export_genome(winner, config.genome_config, "winner.pt")   # TorchScript
        model = torch.jit.load(info.path)
        y = model(torch.tensor([[0.0, 1.0]]))
    """
    if format not in FORMATS:
        raise CompileError(f"export_genome: unknown format {format!r}; use one of {FORMATS}")
    if isinstance(genome, GenomeModule):
        module = genome
    else:
        if genome_config is None:
            raise CompileError("export_genome: pass the genome_config of a neat-python genome")
        module = compile_genome(
            genome, genome_config, device="cpu", dtype=dtype, recurrent=recurrent
        )
    # a copy for inference: on the CPU, no gradients (the caller's module is left as it is)
    module = copy.deepcopy(module).to("cpu").eval().requires_grad_(False)
    n_in = module.num_inputs
    if isinstance(example_batch, int):
        if example_batch < 1:
            raise CompileError(f"export_genome: example_batch must be >= 1, got {example_batch}")
        x = torch.zeros(example_batch, n_in, dtype=module.dtype)
    else:
        x = torch.as_tensor(example_batch, dtype=module.dtype)
        if x.dim() != 2 or x.shape[1] != n_in or x.shape[0] < 1:
            raise CompileError(
                f"export_genome: example_batch has shape {tuple(x.shape)}; pass a "
                f"[B, {n_in}] tensor or a batch size"
            )
    names_in: tuple[str, ...]
    names_out: tuple[str, ...]
    if module.recurrent:
        graph: torch.nn.Module = _RecurrentStep(module).eval()
        args: tuple[torch.Tensor, ...] = (x, module.initial_state(x.shape[0]).cpu())
        names_in, names_out = ("x", "state"), ("y", "new_state")
    else:
        graph = _FeedForwardGraph(module).eval()
        args = (x,)
        names_in, names_out = ("x",), ("y",)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # shapes are static but B
        warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.13 deprecates jit.trace
        if format == "torchscript":
            torch.jit.trace(graph, args).save(str(path))
        else:
            batch = torch.export.Dim("batch")
            dynamic = {"x": {0: batch}}
            if module.recurrent:
                dynamic["state"] = {1: batch}
            if format == "export":
                torch.export.save(torch.export.export(graph, args, dynamic_shapes=dynamic), path)
            else:
                _export_onnx(graph, args, path, names_in, names_out, dynamic)
    state_size = module.initial_state(1).shape[0] if module.recurrent else 0
    return ExportInfo(
        path, format, n_in, module.num_outputs, module.recurrent, state_size, names_in, names_out
    )


def _export_onnx(
    graph: torch.nn.Module,
    args: tuple[torch.Tensor, ...],
    path: pathlib.Path,
    names_in: tuple[str, ...],
    names_out: tuple[str, ...],
    dynamic: dict[str, dict[int, Any]],
) -> None:
    missing = [m for m in ("onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    if missing:
        raise CompileError(
            f"export_genome(format='onnx') needs {' and '.join(missing)}; install them with "
            "pip install 'neuroevo[onnx]' (or: pip install onnx onnxscript onnxruntime)"
        )
    torch.onnx.export(
        graph,
        args,
        str(path),
        input_names=list(names_in),
        output_names=list(names_out),
        dynamic_shapes=dynamic,
        verbose=False,
        external_data=False,
    )


__all__ = ["ExportInfo", "FORMATS", "export_genome"]
