"""Gradient-descent baselines that run in the same loop, on the same tasks, as evolution.

:class:`GradientDescent` is a :class:`~neuroevo.strategies.vector_base.VectorStrategy` whose
population is ``restarts`` independently initialised copies of one module, trained in
parallel (one vmapped forward/backward for all of them). Each generation of :func:`neuroevo.evolve`:

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
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from neuroevo.compile.params import ParameterPolicy, flatten_parameters, reset_parameters
from neuroevo.errors import CheckpointError, StrategyError
from neuroevo.io import state_checks as sc
from neuroevo.strategies.hyperparams import Allowed, check, hyperparameter, validate
from neuroevo.strategies.state_tag import checked_tag
from neuroevo.strategies.vector_base import VectorStrategy

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

    optimizer: str = hyperparameter("adam", choices=("adam", "sgd"))
    """"adam" (Kingma & Ba 2015) or "sgd"."""
    lr: float = hyperparameter(1e-2, gt=0)
    """Learning rate (Adam's paper default is 1e-3; tiny networks train faster at 1e-2)."""
    momentum: float = hyperparameter(0.0, ge=0)
    """SGD momentum (Polyak 1964); ignored by Adam."""
    weight_decay: float = hyperparameter(0.0, ge=0)
    """L2 penalty coefficient."""
    l1: float = hyperparameter(0.0, ge=0)
    """L1 penalty coefficient on all parameters."""
    dropout: float = hyperparameter(0.0, ge=0, lt=1)
    """Dropout probability on the MLP's hidden layers while training."""
    grad_noise: float = hyperparameter(0.0, ge=0)
    """eta of the annealed gradient noise (0: off); Neelakantan et al. use 0.01, 0.3 or 1.0."""
    grad_noise_gamma: float = hyperparameter(0.55, ge=0)
    """Decay exponent gamma of the gradient-noise variance (Neelakantan et al. 2015)."""
    batch_size: int | None = hyperparameter(None, integer=True, ge=1, none="full batch")
    """Cases per step; ``None``: full batch (one step per epoch)."""
    patience: int | None = hyperparameter(None, integer=True, ge=1, none="never stop")
    """Stop a network after this many epochs without improvement; ``None``: never."""
    min_delta: float = hyperparameter(0.0)
    """Smallest loss decrease that counts as an improvement."""
    validation_fraction: float = hyperparameter(0.0, ge=0, lt=1)
    """Share of the cases held out to monitor early stopping (0: monitor training loss)."""

    def __post_init__(self) -> None:
        validate(self)


@dataclasses.dataclass(frozen=True)
class GradientState:
    """Training progress of the ``R`` networks. Their weights are the candidates, and the
    optimizer's moments live in ``torch.optim`` (both are checkpointed beside this state)."""

    train_loss: torch.Tensor
    """Each network's mean training loss in the last epoch ``[R]`` (NaN before the first)."""
    best_loss: torch.Tensor
    """The lowest monitored (validation, else training) loss so far ``[R]``."""
    bad_epochs: torch.Tensor
    """Epochs since ``best_loss`` last improved ``[R]`` (long)."""
    stopped: torch.Tensor
    """Networks frozen by early stopping ``[R]`` (bool)."""
    step_count: int
    """Optimizer steps taken; anneals the gradient noise."""


class GradientDescent(VectorStrategy[GradientState]):
    """``restarts`` copies of ``module`` trained by Adam or SGD, one epoch per generation.

    Data: ``task.inputs`` / ``task.targets`` (as :class:`neuroevo.tasks.Supervised` has), or
    ``inputs=`` / ``targets=``. Restart 0 starts from the module's own parameters; the others
    (all, with ``reset_module=True``) are re-drawn by PyTorch's initialisers from the seed.
    ``weights`` is the trainable ``[R, n_params]`` tensor the optimizer steps; ``ask()``
    returns a copy of it.
    """

    name = "gradient"
    Params = GradientParams
    params: GradientParams
    module: nn.Module  # required here (the base class also takes num_params instead)
    default_pop_size = 1
    min_pop_size = 1
    pop_size_key = "restarts"
    experiment_keys = ("restarts", "loss")

    def __init__(
        self,
        module: nn.Module,
        *,
        task: Any = None,
        inputs: torch.Tensor | None = None,
        targets: torch.Tensor | None = None,
        loss: str | LossFn | None = None,
        restarts: int = 1,
        params: GradientParams | None = None,
        reset_module: bool = False,
        **overrides: Any,
    ) -> None:
        check(restarts, Allowed(integer=True, ge=1), "restarts")
        super().__init__(
            module, pop_size=restarts, params=params, reset_module=reset_module, **overrides
        )
        self.name = self.params.optimizer  # "adam" / "sgd" in reports
        if inputs is None and task is not None:
            inputs, targets = getattr(task, "inputs", None), getattr(task, "targets", None)
        if inputs is None or targets is None:
            raise StrategyError(
                "GradientDescent needs data: a supervised task (with .inputs and "
                ".targets, e.g. neuroevo.tasks.XOR()) or inputs=..., targets=..."
            )
        self.inputs, self.targets = torch.as_tensor(inputs), torch.as_tensor(targets)
        if self.params.dropout > 0 and not hasattr(module, "dropout"):
            raise StrategyError(
                f"dropout={self.params.dropout} needs a neuroevo.MLP (or a module "
                f"with a 'dropout' attribute); {type(module).__name__} has none"
            )
        self.loss_fn = self._resolve_loss(loss, task)
        self.weights: torch.Tensor | None = None

    def _resolve_loss(self, loss: str | LossFn | None, task: Any) -> LossFn:
        if isinstance(loss, str):
            if loss not in LOSSES:
                raise StrategyError(
                    f"loss {loss!r} is unknown; use one of {sorted(LOSSES)} or a callable"
                )
            return LOSSES[loss]
        if loss is not None:
            return loss
        if callable(getattr(task, "loss", None)):
            method: LossFn = task.loss
            return method
        if callable(getattr(task, "score", None)):
            if self.params.batch_size is not None or self.params.validation_fraction > 0:
                raise StrategyError(
                    "the task has no loss(outputs, targets) method, so only full-"
                    "batch training on its score works; pass loss='mse' or "
                    "loss='cross_entropy' to use batch_size / validation_fraction"
                )
            return lambda outputs, targets: -task.score(outputs)
        raise StrategyError("no loss: pass loss='mse', 'cross_entropy' or a callable")

    @property
    def restarts(self) -> int:
        return self._pop_size

    def setup(
        self,
        *,
        num_inputs: int,
        num_outputs: int,
        seed: int | None,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        if self.inputs.shape[-1] != num_inputs or self.targets.shape[0] != self.inputs.shape[0]:
            raise StrategyError(
                f"data inputs {tuple(self.inputs.shape)} / targets "
                f"{tuple(self.targets.shape)} do not fit a task with {num_inputs} inputs"
            )
        super().setup(
            num_inputs=num_inputs, num_outputs=num_outputs, seed=seed, device=device, dtype=dtype
        )

    def _initial_population(self) -> torch.Tensor:
        rows = [flatten_parameters(self.module)]
        for r in range(self._pop_size):
            if r > 0 or self.reset_module:
                rows.append(flatten_parameters(reset_parameters(self.module, self.draw_seed())))
        return torch.stack(rows[1:] if self.reset_module else rows)

    def _init(self, x0: torch.Tensor) -> GradientState:
        p = self.params
        self.weights = x0.clone().requires_grad_(True)
        self.optimizer: torch.optim.Optimizer
        if p.optimizer == "adam":
            self.optimizer = torch.optim.Adam([self.weights], lr=p.lr, weight_decay=p.weight_decay)
        else:
            self.optimizer = torch.optim.SGD(
                [self.weights], lr=p.lr, momentum=p.momentum, weight_decay=p.weight_decay
            )
        x = self.inputs.to(self.device, self.dtype)
        y = self.targets.to(self.device, self.dtype)
        n_val = int(round(p.validation_fraction * x.shape[0]))
        if p.validation_fraction > 0 and not 1 <= n_val < x.shape[0]:
            raise StrategyError(
                f"validation_fraction={p.validation_fraction} of {x.shape[0]} "
                "cases leaves no validation or no training case"
            )
        perm = torch.randperm(x.shape[0], generator=self.generator, device=self.device)
        self.val = (x[perm[:n_val]], y[perm[:n_val]]) if n_val else None
        self.train = (x[perm[n_val:]], y[perm[n_val:]]) if n_val else (x, y)
        if hasattr(self.module, "dropout"):
            self.module.dropout = p.dropout  # type: ignore[assignment]  # a float, not a Module
        R, like = self._pop_size, dict[str, Any](device=self.device, dtype=self.dtype)
        return GradientState(
            train_loss=torch.full((R,), float("nan"), **like),
            best_loss=torch.full((R,), float("inf"), **like),
            bad_epochs=torch.zeros(R, dtype=torch.long, device=self.device),
            stopped=torch.zeros(R, dtype=torch.bool, device=self.device),
            step_count=0,
        )

    def _ask(self, state: GradientState) -> tuple[torch.Tensor, GradientState]:
        assert self.weights is not None  # set by _init
        return self.weights.detach().clone(), state

    def _policy(self, weights: torch.Tensor) -> ParameterPolicy:
        return ParameterPolicy(
            self.module, weights, num_inputs=self._io[0], num_outputs=self._io[1]
        )

    def _tell(self, state: GradientState, x: torch.Tensor, fitness: torch.Tensor) -> GradientState:
        """One epoch: one pass over the training data (the fitness only picks the best)."""
        if bool(state.stopped.all()):
            return state
        xs, ys = self.train
        bs = self.params.batch_size
        if bs is None:  # full batch, in the task's order (a score-based loss relies on it)
            order = torch.arange(xs.shape[0], device=self.device)
            bs = xs.shape[0]
        else:
            order = torch.randperm(xs.shape[0], generator=self.generator, device=self.device)
        step, losses = state.step_count, []
        self.module.train()
        try:
            for idx in order.split(bs):
                losses.append(self._step(xs[idx], ys[idx], state.stopped, step) * idx.numel())
                step += 1
        finally:
            self.module.eval()
        epoch_loss = torch.stack(losses).sum(0) / xs.shape[0]
        state = dataclasses.replace(state, train_loss=epoch_loss, step_count=step)
        return state if self.params.patience is None else self._early_stopping(state)

    def _step(
        self, xb: torch.Tensor, yb: torch.Tensor, stopped: torch.Tensor, step: int
    ) -> torch.Tensor:
        """One optimizer step on a mini-batch; networks in ``stopped`` keep their weights."""
        p = self.params
        assert self.weights is not None  # set by _init
        self.optimizer.zero_grad(set_to_none=True)
        cuda = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):  # dropout masks drawn from our generator
            torch.manual_seed(self.draw_seed())
            losses = self.loss_fn(self._policy(self.weights)(xb), yb)
        if not isinstance(losses, torch.Tensor) or losses.shape != (self._pop_size,):
            raise StrategyError(
                f"the loss returned {getattr(losses, 'shape', losses)!r}; it must "
                f"return one value per network, shape ({self._pop_size},)"
            )
        total = losses.sum() + (p.l1 * self.weights.abs().sum() if p.l1 > 0 else 0.0)
        if not total.requires_grad:
            raise StrategyError(
                "the loss is not differentiable (e.g. an accuracy fitness); pass "
                "loss='mse' or loss='cross_entropy'"
            )
        total.backward()
        if p.grad_noise > 0:
            std = (p.grad_noise / (1 + step) ** p.grad_noise_gamma) ** 0.5
            self.weights.grad += std * self.randn(*self.weights.shape)
        frozen = self.weights.detach()[stopped].clone()
        self.optimizer.step()
        with torch.no_grad():
            self.weights[stopped] = frozen
        return losses.detach()

    def _early_stopping(self, state: GradientState) -> GradientState:
        monitored = state.train_loss
        assert self.weights is not None  # set by _init
        assert self.params.patience is not None  # called only with early stopping
        if self.val is not None:
            with torch.no_grad():
                monitored = self.loss_fn(
                    self._policy(self.weights.detach())(self.val[0]), self.val[1]
                )
        better = monitored < state.best_loss - self.params.min_delta
        bad_epochs = torch.where(better, 0, state.bad_epochs + 1)
        return dataclasses.replace(
            state,
            best_loss=torch.where(better, monitored, state.best_loss),
            bad_epochs=bad_epochs,
            stopped=state.stopped | (bad_epochs >= self.params.patience),
        )

    @property  # Strategy.done is a plain class default; computed here
    def done(self) -> bool:  # type: ignore[override]
        """True once every restart has early-stopped; ``neuroevo.evolve`` then ends the run."""
        return self.state is not None and bool(self.state.stopped.all())

    def info(self) -> dict[str, float]:
        if self.state is None:
            return {}
        return {
            "train_loss": float(self.state.train_loss.mean()),
            "stopped": float(self.state.stopped.sum()),
        }

    def emigrants(self, positions: list[int]) -> list[dict[str, Any]]:
        """Refused: gradient restarts are not a population that migrants could join."""
        raise StrategyError(
            "islands exchange NEAT genomes or GA/PSO/SA parameter rows; gradient baselines "
            "train in their own way: use neuroevo.local_sgd (asynchronous local SGD)"
        )

    def adopt(self, migrants: list[dict[str, Any]], *, device: Any, dtype: Any) -> Any:
        """Refused, as :meth:`emigrants`."""
        return self.emigrants([])

    def migrant_layout(self) -> Any:
        """Refused, as :meth:`emigrants` (islands check it before anything runs)."""
        return self.emigrants([])

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "optimizer": copy.deepcopy(self.optimizer.state_dict())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output, the optimizer's moments included; a state
        that does not fit raises :class:`CheckpointError` naming the field, and changes nothing."""
        state = checked_tag(state, self.name, "strategy", legacy="name")  # another strategy's?
        name = sc.field(sc.field(state, "params", "strategy"), "optimizer", "strategy.params")
        if name != self.params.optimizer:
            raise CheckpointError(
                f"strategy.params.optimizer: the checkpoint's optimizer is "
                f"{sc.describe(name)}, this strategy's "
                f"{self.params.optimizer!r}; resume with the same strategy"
            )
        optimizer = _optimizer_state(
            sc.field(state, "optimizer", "strategy"), self.optimizer, "strategy.optimizer"
        )
        super().load_state_dict(state)
        assert self.weights is not None and self.candidates is not None  # set by initialize
        with torch.no_grad():
            self.weights.copy_(self.candidates)
        self.optimizer.load_state_dict(optimizer)

    @classmethod
    def experiment_name(cls, params: dict[str, Any]) -> str:
        """ "adam" or "sgd": the registry names that fix ``optimizer``."""
        return str(params.get("name", params.get("optimizer", GradientParams.optimizer)))

    @classmethod
    def _experiment_arguments(cls, task: Any) -> dict[str, Any]:
        return {"task": task}


#: the per-parameter state each optimizer keeps (``torch.optim.Adam``: the step count and the
#: two moments; ``SGD``: the momentum buffer, ``None`` without momentum)
_PARAMETER_STATE = {
    torch.optim.Adam: ("step", "exp_avg", "exp_avg_sq"),
    torch.optim.SGD: ("momentum_buffer",),
}


def _optimizer_state(saved: Any, optimizer: torch.optim.Optimizer, where: str) -> dict[str, Any]:
    """``saved`` checked as a ``state_dict()`` of ``optimizer``: its parameter groups name the
    same parameters, with the same flags (``amsgrad``, ``nesterov``, ``capturable`` ...:
    fixed by the hyperparameters) and numbers that torch's constructor accepts (a setting
    missing from the checkpoint is taken from ``optimizer``); its per-parameter state holds
    a step count >= 0 and floating-point tensors shaped like the parameters."""
    own = optimizer.state_dict()
    groups = sc.field(saved, "param_groups", where)
    if not isinstance(groups, list) or len(groups) != len(own["param_groups"]):
        raise CheckpointError(
            f"{where}.param_groups: expected a list of "
            f"{len(own['param_groups'])} group(s), got {sc.describe(groups)}"
        )
    checked = []
    for i, (group, mine) in enumerate(zip(groups, own["param_groups"])):
        w = f"{where}.param_groups[{i}]"
        ids = sc.field(group, "params", w)
        if type(ids) is not list or not all(type(i) is int for i in ids) or ids != mine["params"]:
            raise CheckpointError(f"{w}.params: expected {mine['params']}, got {sc.describe(ids)}")
        for key, value in group.items():
            like = mine.get(key)
            flag = like is None or isinstance(like, bool)
            if key != "params" and (
                key not in mine
                or (
                    value is not like
                    if flag
                    else not (sc.is_scalar_data(value) and _same_kind(value, like))
                )
            ):
                raise CheckpointError(
                    f"{w}.{key}: expected {'' if flag else 'a value like '}"
                    f"{sc.describe(like)}, got {sc.describe(value)}"
                )
        settings = {**mine, **group}
        try:  # torch's own checks of the numbers (0 <= beta < 1, lr >= 0, ...)
            type(optimizer)(
                [torch.zeros(1)], **{k: v for k, v in settings.items() if k != "params"}
            )
        except ValueError as e:
            raise CheckpointError(f"{w}: {e}") from None
        checked.append(settings)
    params = {
        i: p
        for mine, g in zip(own["param_groups"], optimizer.param_groups)
        for i, p in zip(mine["params"], g["params"])
    }
    per_param = sc.expect_dict(sc.field(saved, "state", where), f"{where}.state")
    keys = _PARAMETER_STATE[type(optimizer)]
    for i, entry in per_param.items():
        w = f"{where}.state[{sc.describe(i)}]"
        if i not in params:
            raise CheckpointError(f"{w}: no such parameter (the optimizer has {sorted(params)})")
        if set(sc.expect_dict(entry, w)) != set(keys):
            raise CheckpointError(
                f"{w}: expected the fields {list(keys)}, got {sorted(map(str, entry))}"
            )
        for key in keys:
            v = entry[key]
            if key == "step":
                ok = not isinstance(v, torch.Tensor) or (v.numel() == 1 and v.is_floating_point())
                step = sc.check_float(
                    v.item() if ok and isinstance(v, torch.Tensor) else v, f"{w}.step"
                )
                if not step >= 0:
                    raise CheckpointError(f"{w}.step: expected a count >= 0, got {step}")
            elif v is not None or key != "momentum_buffer":
                sc.check_tensor(v, f"{w}.{key}", like=params[i].detach())
    return {"state": per_param, "param_groups": checked}


def _same_kind(value: Any, like: Any) -> bool:
    """Whether an optimizer setting ``value`` is of the kind of ``like``: numbers for numbers,
    tuples of as many numbers for tuples (Adam's ``betas``)."""
    if isinstance(like, tuple):
        return (
            isinstance(value, tuple)
            and len(value) == len(like)
            and all(map(_same_kind, value, like))
        )
    if isinstance(like, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return type(value) is type(like)
