"""Flat parameter vectors as candidates that travel: the representation of GA, PSO, SA and
the gradient baselines (every strategy whose ``ask`` returns a
:class:`~neuroevo.compile.params.ParameterPolicy`).

Once per run the module template and the policy's sizes travel (:class:`ParameterRows`);
every generation the parameter rows ``[P_slice, n_params]`` of the slice
(:class:`~neuroevo.strategies.candidates.TensorRows`). A worker builds the same
``ParameterPolicy`` the strategy's ``ask`` built.

Example::

    cands = parameter_candidates(pso.ask())
    policy = cands.shared.build(cands.rows.select(np.arange(4)), device="cpu",
                                dtype=torch.float32)
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import torch

from neuroevo.compile.params import ParameterPolicy
from neuroevo.strategies.candidates import Candidates, Representation, TensorRows


@dataclasses.dataclass(frozen=True)
class ParameterRows(Representation):
    """What every slice of a flat-parameter population needs: sent once per run."""

    module: torch.nn.Module
    num_inputs: int | None
    num_outputs: int | None
    chunk_size: int | None

    def build(
        self, rows: Any, *, device: torch.device | str, dtype: torch.dtype
    ) -> ParameterPolicy:
        return ParameterPolicy(
            self.module,
            rows.tensor().to(device=device),
            num_inputs=self.num_inputs,
            num_outputs=self.num_outputs,
            chunk_size=self.chunk_size,
        )

    def for_transport(self) -> ParameterRows:
        """The module template on the CPU (workers move it)."""
        return dataclasses.replace(self, module=copy.deepcopy(self.module).cpu())

    def placed(self, device: torch.device) -> ParameterRows:
        if any(p.device != device for p in self.module.parameters()):
            return dataclasses.replace(self, module=self.module.to(device))
        return self


def parameter_candidates(policy: ParameterPolicy) -> Candidates:
    """The candidates of a :class:`~neuroevo.compile.params.ParameterPolicy` as data."""
    return Candidates(
        shared=ParameterRows(
            policy.module, policy.num_inputs, policy.num_outputs, policy.chunk_size
        ),
        shared_key=("params", id(policy.module)),
        rows=TensorRows.of(policy.params),
        sizes=np.ones(policy.num_candidates, dtype=np.int64),
        keys=None,
        num_candidates=policy.num_candidates,
    )


def parameter_network(
    module: torch.nn.Module,
    params: torch.Tensor,
    *,
    num_inputs: int | None = None,
    num_outputs: int | None = None,
) -> ParameterPolicy:
    """``module`` with one flat parameter vector, in float64 on the CPU, as its rollouts
    ran it."""
    module = copy.deepcopy(module).to(device="cpu", dtype=torch.float64).eval()
    return ParameterPolicy(
        module,
        params.detach().to("cpu", torch.float64).reshape(1, -1),
        num_inputs=num_inputs,
        num_outputs=num_outputs,
    )


__all__ = ["ParameterRows", "parameter_candidates", "parameter_network"]
