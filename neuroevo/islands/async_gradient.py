"""Local SGD: replicas of the gradient baseline train on shards of the data and average weights.

The data are split into ``workers`` shards (a seeded permutation, then near-equal parts).
Each worker trains a replica of the module with
:class:`~neuroevo.strategies.gradient.GradientDescent` on its shard, starting from the same
weights; every ``sync_every`` local steps the replicas' weights are averaged, weighted by
shard size as in FedAvg (McMahan, Moore, Ramage, Hampson & Aguera y Arcas 2017,
"Communication-efficient learning of deep networks from decentralized data", AISTATS), and
every replica continues from the average. This is local SGD, or periodic model averaging
(Stich 2019, "Local SGD converges fast and communicates little", ICLR): ``sync_every``
times fewer communications than averaging every step. A local step is one
``GradientDescent.tell``: one epoch over the worker's shard, i.e. one optimizer step with
``batch_size=None`` (the default), ``ceil(shard / batch_size)`` steps otherwise. Each
replica keeps its own optimizer state (Adam's moments) across averagings; only weights are
averaged.

:func:`minibatch_sgd` is the synchronous baseline on the same budget (Lin, Stich, Patel &
Jaggi 2020, "Don't use large mini-batches, use local SGD", ICLR, compare the same way): one
``GradientDescent`` on all the data for the same number of epochs, with ``workers`` times the
batch -- the same samples and the same number of sequential steps, with a communication
(gradient averaging) at every step. With ``sync_every=1``, plain SGD and full-batch shards
the two are the same algorithm: averaging the one-step updates ``w - lr * g_k`` with weights
``n_k / n`` gives ``w - lr * g`` with ``g`` the full-data gradient of the mean loss
(tests/islands/test_async_gradient.py checks it).

Modes: ``asynchronous=False`` (default) averages in rounds with a barrier, reproducible for
a seed, in this process (``backend="local"``) or on Ray actors (``backend="ray"``, same
result). ``asynchronous=True`` (Ray) has no barrier: after its ``sync_every`` steps a worker
sends its update (weights now minus weights at the start of the round) to a parameter-server
actor, which adds it, scaled by the worker's shard fraction, to the shared weights and
answers with them; the worker continues from there. This is Downpour SGD's push-and-fetch
(Dean et al. 2012, "Large scale distributed deep networks", NeurIPS) with local steps
between pushes; when the workers keep pace it is exactly the synchronous averaging (the
scaled updates of replicas that started from the same weights sum to their weighted mean),
and a slow worker does not pull the others back, it only contributes less often. Its
result depends on the workers' relative speed, so it is not reproducible in general.

Both functions check what they are given before a replica is built (on Ray too): inputs
``[N, n_in]`` and targets ``[N, n_out]``, real, finite, one target row per input row; the
module's sizes and ``GradientDescent``'s hyperparameters, as each replica will check them;
``restarts`` and the data arguments are local_sgd's own. Each fails in one line naming it.

Example::

    import neuroevo as ne
    from neuroevo.islands.async_gradient import local_sgd, minibatch_sgd
    task = ne.tasks.Regression("sine")
    ours = local_sgd(ne.MLP(1, [16], 1), task.inputs, task.targets, workers=2, steps=500,
                     sync_every=10, lr=0.05, seed=0)
    base = minibatch_sgd(ne.MLP(1, [16], 1), task.inputs, task.targets, steps=500, lr=0.05, seed=0)
    ours.loss, base.loss, ours.rounds
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import time
from typing import Any

import torch
from torch import nn

from neuroevo.compile.params import (
    ParameterPolicy,
    flatten_parameters,
    load_flat_parameters,
    reset_parameters,
)
from neuroevo.errors import ConfigError
from neuroevo.parallel.registry import backend_names, unknown_backend
from neuroevo.strategies.gradient import LOSSES, GradientDescent


@dataclasses.dataclass
class LocalSGDResult:
    """The averaged weights, their loss on all the data, and what it cost."""

    weights: torch.Tensor  # [n_params], the final average (or the baseline's weights)
    module: nn.Module  # a copy of the module carrying them
    loss: float  # mean loss over all the data
    history: list[tuple[int, float]]  # (local steps done, loss of the average) per averaging
    steps: int  # local steps per worker (epochs over its shard)
    samples: int  # training cases processed, all workers together
    rounds: int  # averagings (communications of the weights)
    seconds: float
    asynchronous: bool


def _shards(n: int, workers: int, seed: int) -> list[torch.Tensor]:
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return list(torch.tensor_split(perm, workers))


class Replica:
    """One worker: a ``GradientDescent`` replica on a shard (also a Ray actor's body)."""

    def __init__(
        self,
        module: nn.Module,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        rows: torch.Tensor,
        options: dict[str, Any],
        seed: int,
        threads: int = 0,
    ) -> None:
        if threads:
            torch.set_num_threads(threads)
        x, y = torch.as_tensor(inputs)[rows], torch.as_tensor(targets)[rows]
        self.gd = GradientDescent(module, inputs=x, targets=y, restarts=1, **options)
        self.gd.setup(
            num_inputs=x.shape[1],
            num_outputs=y.shape[1],
            seed=seed,
            device=torch.device("cpu"),
            dtype=torch.float32,
        )
        self.zero = torch.zeros(1)

    def set_weights(self, weights: torch.Tensor) -> None:
        """Continue from ``weights``: ``GradientDescent.weights`` is the tensor its optimizer
        steps, ``candidates`` what it asks (as its ``load_state_dict`` sets them)."""
        assert self.gd.weights is not None  # set up in __init__
        with torch.no_grad():
            self.gd.weights.copy_(weights.reshape(1, -1))
        self.gd.candidates = self.gd.weights.detach().clone()

    def train(self, steps: int, weights: torch.Tensor | None = None) -> torch.Tensor:
        """``steps`` local steps (from ``weights`` if given); the replica's weights after."""
        if weights is not None:
            self.set_weights(weights)
        for _ in range(steps):
            self.gd.tell(self.zero)  # one epoch over the shard; the fitness only picks a best
        return self.gd.ask_params()[0].clone()

    def run(self, steps: int, sync_every: int, index: int, server: Any) -> int:
        """Asynchronous worker: train, push the update, fetch; never waits for a peer."""
        import ray

        done = 0
        while done < steps:
            n = min(sync_every, steps - done)
            start = self.gd.ask_params()[0].clone()
            update = self.train(n) - start
            done += n
            self.set_weights(ray.get(server.push.remote(index, update, done)))
        return done


class ParameterServer:
    """The asynchronous runs' shared weights: each push adds a worker's scaled update."""

    def __init__(self, weights: torch.Tensor, fractions: list[float]) -> None:
        self.weights = weights.clone()
        self.fractions = fractions
        self.history: list[tuple[int, torch.Tensor]] = []

    def push(self, index: int, update: torch.Tensor, steps_done: int) -> torch.Tensor:
        self.weights = self.weights + self.fractions[index] * update
        self.history.append((steps_done, self.weights))
        return self.weights

    def report(self) -> tuple[torch.Tensor, list[tuple[int, torch.Tensor]]]:
        return self.weights, self.history


def _check(
    who: str, workers: int, steps: int, sync_every: int, seed: Any = 0, threads: Any = 1
) -> None:
    for name, value in (
        ("workers", workers),
        ("steps", steps),
        ("sync_every", sync_every),
        ("threads", threads),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{who} {name}: expected an integer >= 1, got {value!r}")
    if (
        isinstance(seed, bool)
        or not isinstance(seed, numbers.Integral)
        or not 0 <= int(seed) < 2**62
    ):
        raise ConfigError(
            f"{who} seed={seed!r}: expected an integer in 0 .. 2**62 - 1, e.g. seed=0"
        )


#: GradientDescent arguments local_sgd sets itself (one replica per worker, on its shard)
_OWN = {
    "restarts": "one replica trains per worker; use workers=N",
    "task": "pass the data as inputs and targets",
    "inputs": "pass them positionally",
    "targets": "pass them positionally",
    "params": "pass the hyperparameters by name",
}


def _data(
    who: str, module: Any, inputs: Any, targets: Any, options: dict[str, Any], cases: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``inputs [N, n_in]`` and ``targets [N, n_out]`` as real, finite tensors of the same
    N >= ``cases`` that fit ``module``; ``options`` GradientDescent's hyperparameters."""
    if not isinstance(module, nn.Module):
        raise ConfigError(
            f"{who} module: expected a torch.nn.Module (e.g. "
            f"neuroevo.MLP(2, [8], 1)), got {type(module).__name__}"
        )
    own = sorted(set(options) & set(_OWN))
    if own:
        raise ConfigError(f"{who} {own[0]}={options[own[0]]!r}: not an option here; {_OWN[own[0]]}")
    data = []
    for name, v in (("inputs", inputs), ("targets", targets)):
        try:
            t = torch.as_tensor(v)
        except (TypeError, ValueError, RuntimeError):
            raise ConfigError(
                f"{who} {name}: expected a tensor (or nested lists of "
                f"numbers), got {type(v).__name__}"
            ) from None
        if t.dim() != 2 or t.dtype == torch.bool or t.is_complex():
            raise ConfigError(
                f"{who} {name}: expected a real tensor [cases, "
                f"{'n_in' if name == 'inputs' else 'n_out'}], got {t.dtype} of "
                f"shape {tuple(t.shape)}; reshape a single "
                f"{'input' if name == 'inputs' else 'output'} with .reshape(-1, 1)"
            )
        if not bool(torch.isfinite(t).all()):
            raise ConfigError(f"{who} {name}: NaN or infinite values; drop or fill those cases")
        data.append(t)
    x, y = data
    if x.shape[0] != y.shape[0]:
        raise ConfigError(
            f"{who}: {x.shape[0]} input cases but {y.shape[0]} targets; give "
            "one target row per input row"
        )
    if cases > x.shape[0]:
        raise ConfigError(f"{who} workers={cases}: more workers than the {x.shape[0]} cases")
    # the module's sizes and the hyperparameters, checked as each replica will check them
    probe = GradientDescent(
        copy.deepcopy(module), inputs=x, targets=y, restarts=1, reset_module=False, **options
    )
    probe.setup(
        num_inputs=x.shape[1],
        num_outputs=y.shape[1],
        seed=0,
        device=torch.device("cpu"),
        dtype=torch.float32,
    )
    return x, y


def _start(module: nn.Module, seed: int, reset: bool) -> nn.Module:
    module = copy.deepcopy(module)
    return reset_parameters(module, seed) if reset else module


def _loss_of(
    module: nn.Module, weights: torch.Tensor, x: torch.Tensor, y: torch.Tensor, loss: str
) -> float:
    with torch.no_grad():
        out = ParameterPolicy(
            module, weights.reshape(1, -1), num_inputs=x.shape[1], num_outputs=y.shape[1]
        )(x.float())
        return float(LOSSES[loss](out, y.float())[0])


def local_sgd(
    module: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    workers: int = 2,
    steps: int = 100,
    sync_every: int = 10,
    loss: str = "mse",
    seed: int = 0,
    reset_module: bool = True,
    asynchronous: bool = False,
    backend: str = "local",
    address: str | None = None,
    threads: int = 1,
    **options: Any,
) -> LocalSGDResult:
    """Train ``module`` by local SGD; see the module docstring. ``options`` are
    ``GradientDescent``'s hyperparameters (``optimizer``, ``lr``, ``momentum``,
    ``batch_size`` ...); ``reset_module`` re-draws the start weights from ``seed``."""
    _check("local_sgd", workers, steps, sync_every, seed, threads)
    seed = int(seed)  # a numpy integer too
    for name, value in (("asynchronous", asynchronous), ("reset_module", reset_module)):
        if not isinstance(value, bool):
            raise ConfigError(f"local_sgd {name}={value!r}: expected True or False")
    if backend not in backend_names("local_sgd"):
        raise ConfigError(unknown_backend(backend, "local_sgd", "local_sgd backend"))
    if asynchronous and backend != "ray":
        raise ConfigError(
            f"local_sgd backend={backend!r}, asynchronous=True: asynchronous averaging "
            "needs backend='ray'"
        )
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ConfigError(f"local_sgd loss {loss!r}: use one of {sorted(LOSSES)}")
    x, y = _data("local_sgd", module, inputs, targets, {"loss": loss, **options}, workers)
    module = _start(module, seed, reset_module)
    rows = _shards(x.shape[0], workers, seed)
    fractions = [len(r) / x.shape[0] for r in rows]
    w = flatten_parameters(module).detach().float().clone()
    options = {"loss": loss, **options}
    t0 = time.perf_counter()
    reps: list[Any]  # Replica objects, or Ray actor handles of them
    if backend == "local":
        reps = [Replica(module, x, y, r, options, seed + 1 + k) for k, r in enumerate(rows)]
        call = lambda n, w: [rep.train(n, w) for rep in reps]  # noqa: E731
    else:
        from neuroevo.islands.islands import ray_module

        ray = ray_module(address)
        xr, yr = ray.put(x), ray.put(y)  # the data once through the object store
        actor = ray.remote(Replica)
        reps = [
            actor.remote(module, xr, yr, r, options, seed + 1 + k, threads)
            for k, r in enumerate(rows)
        ]
        call = lambda n, w: ray.get([rep.train.remote(n, w) for rep in reps])  # noqa: E731
    try:
        if asynchronous:
            avg = ray.remote(ParameterServer).options(num_cpus=0).remote(w, fractions)
            ray.get([rep.train.remote(0) for rep in reps] + [avg.report.remote()])  # all set up:
            t0 = time.perf_counter()  # no worker has a head start of its start-up
            ray.get([rep.run.remote(steps, sync_every, k, avg) for k, rep in enumerate(reps)])
            reps.append(avg)
            w, averages = ray.get(avg.report.remote())
        else:
            done, averages = 0, []
            while done < steps:
                n = min(sync_every, steps - done)
                w = sum(f * r for f, r in zip(fractions, call(n, w)))
                done += n
                averages.append((done, w))
    finally:
        if backend == "ray":
            for rep in reps:
                ray.kill(rep)
    seconds = time.perf_counter() - t0  # the losses below are for the record, not timed
    return LocalSGDResult(
        weights=w,
        module=load_flat_parameters(copy.deepcopy(module), w),
        loss=_loss_of(module, w, x, y, loss),
        history=[(s, _loss_of(module, a, x, y, loss)) for s, a in averages],
        steps=steps,
        samples=steps * x.shape[0],
        rounds=len(averages),
        seconds=seconds,
        asynchronous=asynchronous,
    )


def minibatch_sgd(
    module: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int = 100,
    workers: int = 1,
    loss: str = "mse",
    seed: int = 0,
    reset_module: bool = True,
    batch_size: int | None = None,
    **options: Any,
) -> LocalSGDResult:
    """The synchronous baseline: ``steps`` epochs of ``GradientDescent`` on all the data, with
    ``workers * batch_size`` cases per step (full batch when ``batch_size`` is None)."""
    _check("minibatch_sgd", workers, steps, 1, seed)
    seed = int(seed)
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ConfigError(f"minibatch_sgd loss {loss!r}: use one of {sorted(LOSSES)}")
    batch = None if batch_size is None else workers * batch_size
    x, y = _data(
        "minibatch_sgd", module, inputs, targets, {"loss": loss, "batch_size": batch, **options}, 1
    )
    module = _start(module, seed, reset_module)
    t0 = time.perf_counter()
    rep = Replica(
        module,
        x,
        y,
        torch.arange(x.shape[0]),
        {"loss": loss, "batch_size": batch, **options},
        seed + 1,
    )
    weights = [(done, rep.train(1)) for done in range(1, steps + 1)]
    seconds = time.perf_counter() - t0
    w = weights[-1][1]
    return LocalSGDResult(
        weights=w,
        module=load_flat_parameters(copy.deepcopy(module), w),
        loss=_loss_of(module, w, x, y, loss),
        history=[(s, _loss_of(module, a, x, y, loss)) for s, a in weights],
        steps=steps,
        samples=steps * x.shape[0],
        rounds=steps,
        seconds=seconds,
        asynchronous=False,
    )


__all__ = ["ParameterServer", "LocalSGDResult", "Replica", "local_sgd", "minibatch_sgd"]
