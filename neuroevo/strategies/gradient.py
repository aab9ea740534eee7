"""Gradient-descent baselines that run in the same loop, on the same tasks, as evolution.

:class:`GradientDescent` is a :class:`~neuroevo.strategies.base.Strategy` whose population is
``restarts`` independently initialised copies of one module, trained in parallel (one
vmapped forward/backward for all of them). Each generation of :func:`neuroevo.evolve`:

1. ``ask()`` returns the current weights as a batched policy; the task scores them (this is
   the fitness the reporters show and the best-so-far is chosen by);
2. ``tell(fitness)`` trains one epoch: one pass over the training data, in mini-batches of
   ``batch_size`` (``None``: the whole set in one step).

**Evaluation count.** One forward+backward pass of one network over the whole data set
counts as one evaluation, the cost unit of one fitness evaluation of an evolved candidate;
``evolve`` counts ``restarts`` evaluations per generation, i.e. one per epoch per network.
(The fitness forward of step 1 is not counted twice; it costs a third of a training pass.)

Regularisers: ``weight_decay`` (L2, coupled as in ``torch.optim``), ``l1`` (Tibshirani 1996),
``dropout`` on the hidden layers of an :class:`neuroevo.MLP` (Srivastava et al. 2014),
annealed Gaussian gradient noise with variance ``grad_noise / (1 + t)^grad_noise_gamma``
(Neelakantan et al. 2015, "Adding gradient noise improves learning for very deep networks",
arXiv:1511.06807: eta in {0.01, 0.3, 1.0}, gamma = 0.55), and early stopping after
``patience`` epochs without improvement of the validation loss (Prechelt 1998, "Early
stopping -- but when?") or of the training loss when ``validation_fraction`` is 0.

The loss is ``loss=`` (``"mse"``, ``"cross_entropy"`` or a callable
``(outputs [R, b, n_out], targets [b, n_out]) -> [R]``), else the task's ``loss`` method
if it has one, else (full batch only) minus the task's own differentiable ``score``.

Example::

    import neuroevo as ne
    task = ne.tasks.XOR()
    gd = ne.GradientDescent(ne.MLP(2, [8], 1), task=task, lr=0.05, restarts=8)
    result = ne.evolve(gd, task, generations=500, seed=1)
"""

from __future__ import annotations

import copy
import dataclasses
import pathlib
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.strategies.base import Strategy
from neuroevo.compile.params import (
    ParameterPolicy,
    flatten_parameters,
    load_flat_parameters,
    reset_parameters,
)

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def mse_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per network ``[R]``: mean over cases of the squared error summed over outputs."""
    return (outputs - targets).pow(2).sum(-1).mean(-1)


def cross_entropy_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per network ``[R]``: mean cross-entropy of softmax(outputs) against one-hot/soft targets."""
    return -(targets * torch.log_softmax(outputs, dim=-1)).sum(-1).mean(-1)


LOSSES: dict[str, LossFn] = {"mse": mse_loss, "cross_entropy": cross_entropy_loss}


@dataclasses.dataclass(frozen=True)
class GradientParams:
    """Hyperparameters of :class:`GradientDescent`."""

    optimizer: str = "adam"
    """"adam" (Kingma & Ba 2015) or "sgd"."""
    lr: float = 1e-2
    """Learning rate (Adam's paper default is 1e-3; tiny networks train faster at 1e-2)."""
    momentum: float = 0.0
    """SGD momentum (Polyak 1964); ignored by Adam."""
    weight_decay: float = 0.0
    """L2 penalty coefficient."""
    l1: float = 0.0
    """L1 penalty coefficient on all parameters."""
    dropout: float = 0.0
    """Dropout probability on the MLP's hidden layers while training."""
    grad_noise: float = 0.0
    """eta of the annealed gradient noise (0: off); Neelakantan et al. use 0.01, 0.3 or 1.0."""
    grad_noise_gamma: float = 0.55
    """Decay exponent gamma of the gradient-noise variance (Neelakantan et al. 2015)."""
    batch_size: int | None = None
    """Cases per step; ``None``: full batch (one step per epoch)."""
    patience: int | None = None
    """Stop a network after this many epochs without improvement; ``None``: never."""
    min_delta: float = 0.0
    """Smallest loss decrease that counts as an improvement."""
    validation_fraction: float = 0.0
    """Share of the cases held out to monitor early stopping (0: monitor training loss)."""

    def __post_init__(self) -> None:
        checks = [
            (self.optimizer in ("adam", "sgd"), "optimizer", "'adam' or 'sgd'"),
            (self.lr > 0, "lr", "> 0"),
            (self.momentum >= 0 and self.weight_decay >= 0 and self.l1 >= 0, "momentum",
             ">= 0 (and weight_decay, l1 >= 0)"),
            (0 <= self.dropout < 1, "dropout", "in [0, 1)"),
            (self.grad_noise >= 0 and self.grad_noise_gamma >= 0, "grad_noise", ">= 0"),
            (self.batch_size is None or (isinstance(self.batch_size, int) and self.batch_size >= 1),
             "batch_size", "an integer >= 1 or None"),
            (self.patience is None or (isinstance(self.patience, int) and self.patience >= 1),
             "patience", "an integer >= 1 or None"),
            (0 <= self.validation_fraction < 1, "validation_fraction", "in [0, 1)"),
        ]
        for ok, key, want in checks:
            if not ok:
                raise StrategyError(f"GradientParams.{key} must be {want}, got {getattr(self, key)!r}")


class GradientDescent(Strategy):
    """``restarts`` copies of ``module`` trained by Adam or SGD, one epoch per generation.

    Data: ``task.inputs`` / ``task.targets`` (as :class:`neuroevo.tasks.Supervised` has), or
    ``inputs=`` / ``targets=``. Restart 0 starts from the module's own parameters; the others
    (all, with ``reset_module=True``) are re-drawn by PyTorch's initialisers from the seed.
    """

    name = "gradient"

    def __init__(self, module: nn.Module, *, task: Any = None, inputs: torch.Tensor | None = None,
                 targets: torch.Tensor | None = None, loss: str | LossFn | None = None,
                 restarts: int = 1, params: GradientParams | None = None,
                 reset_module: bool = False, **overrides: Any) -> None:
        fields = {f.name for f in dataclasses.fields(GradientParams)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise StrategyError(f"GradientDescent got unknown hyperparameters {unknown}; valid "
                                f"ones are {sorted(fields)}")
        self.params = dataclasses.replace(params or GradientParams(), **overrides)
        self.name = self.params.optimizer  # "adam" / "sgd" in reports
        if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
            raise StrategyError(f"restarts must be an integer >= 1, got {restarts!r}")
        if inputs is None and task is not None:
            inputs, targets = getattr(task, "inputs", None), getattr(task, "targets", None)
        if inputs is None or targets is None:
            raise StrategyError("GradientDescent needs data: a supervised task (with .inputs and "
                                ".targets, e.g. neuroevo.tasks.XOR()) or inputs=..., targets=...")
        self.inputs, self.targets = torch.as_tensor(inputs), torch.as_tensor(targets)
        if self.params.dropout > 0 and not hasattr(module, "dropout"):
            raise StrategyError(f"dropout={self.params.dropout} needs a neuroevo.MLP (or a module "
                                f"with a 'dropout' attribute); {type(module).__name__} has none")
        self.loss_fn = self._resolve_loss(loss, task)
        self.module, self.restarts, self.reset_module = module, restarts, bool(reset_module)
        self.best, self.best_fitness, self.generation = None, float("-inf"), 0
        self.weights: torch.Tensor | None = None

    def _resolve_loss(self, loss: str | LossFn | None, task: Any) -> LossFn:
        if isinstance(loss, str):
            if loss not in LOSSES:
                raise StrategyError(f"loss {loss!r} is unknown; use one of {sorted(LOSSES)} or a callable")
            return LOSSES[loss]
        if loss is not None:
            return loss
        if callable(getattr(task, "loss", None)):
            return task.loss
        if callable(getattr(task, "score", None)):
            if self.params.batch_size is not None or self.params.validation_fraction > 0:
                raise StrategyError("the task has no loss(outputs, targets) method, so only full-"
                                    "batch training on its score works; pass loss='mse' or "
                                    "loss='cross_entropy' to use batch_size / validation_fraction")
            return lambda outputs, targets: -task.score(outputs)
        raise StrategyError("no loss: pass loss='mse', 'cross_entropy' or a callable")

    @property
    def population_size(self) -> int:
        return self.restarts

    def setup(self, *, num_inputs: int, num_outputs: int, seed: int | None,
              device: torch.device, dtype: torch.dtype) -> None:
        if self.inputs.shape[-1] != num_inputs or self.targets.shape[0] != self.inputs.shape[0]:
            raise StrategyError(f"data inputs {tuple(self.inputs.shape)} / targets "
                                f"{tuple(self.targets.shape)} do not fit a task with {num_inputs} inputs")
        self.device, self.dtype, self._io = torch.device(device), dtype, (num_inputs, num_outputs)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed if seed is not None else int(torch.seed() % 2**62))
        self.module = copy.deepcopy(self.module).to(device=self.device, dtype=dtype)
        rows = [flatten_parameters(self.module)]
        for r in range(self.restarts):
            if r > 0 or self.reset_module:
                seed_r = int(torch.randint(2**62, (1,), generator=self.generator, device=self.device))
                rows.append(flatten_parameters(reset_parameters(self.module, seed_r)))
        rows = rows[1:] if self.reset_module else rows
        self.weights = torch.stack(rows).requires_grad_(True)
        p = self.params
        if p.optimizer == "adam":
            self.optimizer = torch.optim.Adam([self.weights], lr=p.lr, weight_decay=p.weight_decay)
        else:
            self.optimizer = torch.optim.SGD([self.weights], lr=p.lr, momentum=p.momentum,
                                             weight_decay=p.weight_decay)
        x = self.inputs.to(self.device, dtype)
        y = self.targets.to(self.device, dtype)
        n_val = int(round(p.validation_fraction * x.shape[0]))
        if p.validation_fraction > 0 and not 1 <= n_val < x.shape[0]:
            raise StrategyError(f"validation_fraction={p.validation_fraction} of {x.shape[0]} "
                                "cases leaves no validation or no training case")
        perm = torch.randperm(x.shape[0], generator=self.generator, device=self.device)
        self.val = (x[perm[:n_val]], y[perm[:n_val]]) if n_val else None
        self.train = (x[perm[n_val:]], y[perm[n_val:]]) if n_val else (x, y)
        self.module.dropout = p.dropout if hasattr(self.module, "dropout") else 0.0
        R = self.restarts
        self.stopped = torch.zeros(R, dtype=torch.bool, device=self.device)
        self.best_loss = torch.full((R,), float("inf"), device=self.device, dtype=dtype)
        self.bad_epochs = torch.zeros(R, dtype=torch.long, device=self.device)
        self.step_count, self.best, self.best_fitness, self.generation = 0, None, float("-inf"), 0
        self.last_loss = float("nan")

    def _policy(self, weights: torch.Tensor) -> ParameterPolicy:
        return ParameterPolicy(self.module, weights, num_inputs=self._io[0], num_outputs=self._io[1])

    def ask(self) -> ParameterPolicy:
        if self.weights is None:
            raise StrategyError("GradientDescent is not set up: call setup(...) (evolve does)")
        self.module.eval()
        return self._policy(self.weights.detach())

    def _noise_seed(self) -> int:
        return int(torch.randint(2**62, (1,), generator=self.generator, device=self.device))

    def _step(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        p = self.params
        self.optimizer.zero_grad(set_to_none=True)
        cuda = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):  # dropout masks drawn from our generator
            torch.manual_seed(self._noise_seed())
            losses = self.loss_fn(self._policy(self.weights)(xb), yb)
        if not isinstance(losses, torch.Tensor) or losses.shape != (self.restarts,):
            raise StrategyError(f"the loss returned {getattr(losses, 'shape', losses)!r}; it must "
                                f"return one value per network, shape ({self.restarts},)")
        total = losses.sum() + (p.l1 * self.weights.abs().sum() if p.l1 > 0 else 0.0)
        if not total.requires_grad:
            raise StrategyError("the loss is not differentiable (e.g. an accuracy fitness); pass "
                                "loss='mse' or loss='cross_entropy'")
        total.backward()
        if p.grad_noise > 0:
            std = (p.grad_noise / (1 + self.step_count) ** p.grad_noise_gamma) ** 0.5
            self.weights.grad += std * torch.randn(self.weights.shape, generator=self.generator,
                                                   device=self.device, dtype=self.dtype)
        frozen = self.weights.detach()[self.stopped].clone()
        self.optimizer.step()
        with torch.no_grad():
            self.weights[self.stopped] = frozen
        self.step_count += 1
        return losses.detach()

    def tell(self, fitness: torch.Tensor) -> None:
        if self.weights is None:
            raise StrategyError("GradientDescent is not set up: call setup(...) (evolve does)")
        if not isinstance(fitness, torch.Tensor) or fitness.shape != (self.restarts,):
            raise StrategyError(f"tell() expects fitness of shape ({self.restarts},), got "
                                f"{getattr(fitness, 'shape', type(fitness).__name__)}")
        i = int(torch.argmax(fitness))
        if float(fitness[i]) > self.best_fitness:
            self.best_fitness, self.best = float(fitness[i]), self.weights.detach()[i].clone()
        self.generation += 1
        if bool(self.stopped.all()):
            return
        x, y = self.train
        bs = self.params.batch_size
        if bs is None:  # full batch, in the task's order (a score-based loss relies on it)
            order = torch.arange(x.shape[0], device=self.device)
            bs = x.shape[0]
        else:
            order = torch.randperm(x.shape[0], generator=self.generator, device=self.device)
        self.module.train()
        losses = [self._step(x[idx], y[idx]) * idx.numel() for idx in order.split(bs)]
        self.module.eval()
        epoch_loss = torch.stack(losses).sum(0) / x.shape[0]
        self.last_loss = float(epoch_loss.mean())
        if self.params.patience is not None:
            self._early_stopping(epoch_loss)

    def _early_stopping(self, train_loss: torch.Tensor) -> None:
        monitored = train_loss
        if self.val is not None:
            with torch.no_grad():
                monitored = self.loss_fn(self._policy(self.weights.detach())(self.val[0]), self.val[1])
        better = monitored < self.best_loss - self.params.min_delta
        self.best_loss = torch.where(better, monitored, self.best_loss)
        self.bad_epochs = torch.where(better, 0, self.bad_epochs + 1)
        self.stopped |= self.bad_epochs >= self.params.patience

    @property
    def done(self) -> bool:
        """True once every restart has early-stopped; ``neuroevo.evolve`` then ends the run."""
        return getattr(self, "weights", None) is not None and bool(self.stopped.all())

    def info(self) -> dict[str, float]:
        return {"train_loss": self.last_loss, "stopped": float(self.stopped.sum())
                if self.weights is not None else 0.0}

    def best_module(self) -> nn.Module:
        """A copy of the module carrying the best weights found so far."""
        if self.best is None:
            raise StrategyError("best_module() needs at least one tell()")
        return load_flat_parameters(copy.deepcopy(self.module).eval(), self.best)

    def state_dict(self) -> dict[str, Any]:
        if self.weights is None:
            raise StrategyError("GradientDescent is not set up: nothing to save")
        return {"name": self.name, "restarts": self.restarts, "generation": self.generation,
                "step_count": self.step_count, "params": dataclasses.asdict(self.params),
                "weights": self.weights.detach().clone(), "optimizer": copy.deepcopy(self.optimizer.state_dict()),
                "best": None if self.best is None else self.best.clone(),
                "best_fitness": self.best_fitness, "stopped": self.stopped.clone(),
                "best_loss": self.best_loss.clone(), "bad_epochs": self.bad_epochs.clone(),
                "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.weights is None:
            raise StrategyError("set the strategy up (setup(...)) before load_state_dict")
        if state.get("name") != self.name or state.get("restarts") != self.restarts or \
                tuple(state["weights"].shape) != tuple(self.weights.shape):
            raise CheckpointError("checkpoint is not from a GradientDescent with the same module "
                                  f"and restarts={self.restarts}")
        self.params = GradientParams(**state["params"])
        with torch.no_grad():
            self.weights.copy_(state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generation, self.step_count = int(state["generation"]), int(state["step_count"])
        self.best_fitness = float(state["best_fitness"])
        self.best = None if state["best"] is None else state["best"].to(self.device, self.dtype)
        for k in ("stopped", "best_loss", "bad_epochs"):
            setattr(self, k, state[k].to(self.device))
        self.generator.set_state(state["generator"])

    @classmethod
    def from_experiment(cls, params: dict[str, Any], *, task: Any,
                        base_dir: pathlib.Path) -> GradientDescent:
        """Build from ``[strategy]``: ``hidden``, ``activation``, ``output_activation`` (an MLP
        sized for ``task``), ``restarts``, ``loss``, and the fields of :class:`GradientParams`."""
        from neuroevo.compile.nets import MLP

        p = {k: v for k, v in params.items() if k != "name"}
        net_keys, own = ("hidden", "activation", "output_activation"), ("restarts", "loss")
        fields = {f.name for f in dataclasses.fields(GradientParams)}
        unknown = sorted(set(p) - set(net_keys) - set(own) - fields)
        if unknown:
            raise ConfigError(f"[strategy] gradient: unknown keys {unknown}; valid keys are "
                              f"{sorted(set(net_keys) | set(own) | fields)}")
        net = {k: p.pop(k) for k in net_keys if k in p}
        hidden = net.pop("hidden", [8])
        if not isinstance(hidden, list):
            raise ConfigError(f"[strategy] hidden must be a list of layer sizes, got {hidden!r}")
        module = MLP(task.num_inputs, hidden, task.num_outputs, **net)
        try:
            return cls(module, task=task, reset_module=True, **p)
        except (StrategyError, TypeError) as e:
            raise ConfigError(f"[strategy] gradient: {e}") from e
