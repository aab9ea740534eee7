"""Plain fixed-topology networks for the flat-vector strategies (GA, PSO, SA) and gradient baselines.

Example::

    import neuroevo as ne
    net = ne.MLP(2, [8], 1)                       # 2 -> 8 (tanh) -> 1
    y = net(torch.zeros(4, 2))                    # [4, 1]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from neuroevo.errors import ConfigError


def identity(x: torch.Tensor) -> torch.Tensor:
    """The identity (a named function, so that an MLP pickles for worker processes)."""
    return x


#: Activation names accepted by :class:`MLP`, mapped to torch functions.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": F.relu,
    "elu": F.elu,
    "gelu": F.gelu,
    "softplus": F.softplus,
    "identity": identity,
}


def _activation(name: str | None, what: str) -> Callable[[torch.Tensor], torch.Tensor]:
    if name is None:
        return ACTIVATIONS["identity"]
    if name not in ACTIVATIONS:
        raise ConfigError(
            f"MLP {what} {name!r} is unknown; use one of {sorted(ACTIVATIONS)} (or None for identity)"
        )
    return ACTIVATIONS[name]


class MLP(nn.Module):
    """A multilayer perceptron ``n_in -> hidden... -> n_out`` of ``nn.Linear`` layers.

    ``activation`` follows every hidden layer, ``output_activation`` (``None``: identity)
    the last one. ``dropout`` is applied after every hidden activation in training mode
    only (Srivastava et al. 2014, "Dropout: a simple way to prevent neural networks from
    overfitting", JMLR 15); the gradient baseline sets it, evolution runs in eval mode.

    Example::

        net = MLP(4, [16, 16], 2, activation="relu", output_activation="tanh")
        net(torch.randn(32, 4)).shape            # torch.Size([32, 2])
    """

    def __init__(
        self,
        n_in: int,
        hidden: Sequence[int],
        n_out: int,
        activation: str = "tanh",
        output_activation: str | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        sizes = [n_in, *hidden, n_out]
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, int) or s < 1:
                raise ConfigError(
                    f"MLP layer sizes must be positive integers, got {sizes!r} "
                    "(n_in, *hidden, n_out); e.g. MLP(2, [8], 1)"
                )
        if not 0.0 <= float(dropout) < 1.0:
            raise ConfigError(f"MLP dropout must be in [0, 1), got {dropout!r}")
        self.num_inputs = n_in
        self.num_outputs = n_out
        self.hidden = list(hidden)
        self.activation = activation
        self.output_activation = output_activation
        self.dropout = float(dropout)
        self._act = _activation(activation, "activation")
        self._out_act = _activation(output_activation, "output_activation")
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape ``[..., n_in]`` -> ``[..., n_out]``."""
        *hidden, last = self.layers
        for layer in hidden:
            x = self._act(layer(x))
            if self.dropout > 0.0:
                x = F.dropout(x, self.dropout, self.training)
        return self._out_act(last(x))

    def extra_repr(self) -> str:
        return (
            f"activation={self.activation!r}, output_activation={self.output_activation!r}, "
            f"dropout={self.dropout}"
        )
