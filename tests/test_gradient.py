"""GradientDescent against plain PyTorch training loops, and its regularisers' formulas."""

from __future__ import annotations

import copy

import pytest
import torch

import neuroevo as ne
from neuroevo.compile.params import load_flat_parameters
from neuroevo.errors import ConfigError, StrategyError

CPU = torch.device("cpu")
X = torch.randn(12, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
Y = torch.sin(X.sum(1, keepdim=True))


def _setup(gd, seed=0, n_in=3, n_out=1):
    gd.setup(num_inputs=n_in, num_outputs=n_out, seed=seed, device=CPU, dtype=torch.float64)
    return gd


def _epochs(gd, n):
    for _ in range(n):
        gd.tell(torch.zeros(gd.population_size, dtype=torch.float64))


@pytest.mark.parametrize(
    "opt,kw",
    [
        ("adam", dict(lr=0.05, weight_decay=1e-3, l1=1e-3)),
        ("sgd", dict(lr=0.1, momentum=0.9, weight_decay=1e-2)),
    ],
)
def test_restarts_equal_independent_torch_training(opt, kw):
    net = ne.MLP(3, [5], 1)
    gd = _setup(
        ne.GradientDescent(net, inputs=X, targets=Y, loss="mse", restarts=3, optimizer=opt, **kw)
    )
    start = gd.weights.detach().clone()
    _epochs(gd, 25)
    for r in range(3):
        m = load_flat_parameters(copy.deepcopy(net).double(), start[r])
        torch_opt = (
            torch.optim.Adam(m.parameters(), lr=kw["lr"], weight_decay=kw["weight_decay"])
            if opt == "adam"
            else torch.optim.SGD(
                m.parameters(),
                lr=kw["lr"],
                momentum=kw["momentum"],
                weight_decay=kw["weight_decay"],
            )
        )
        for _ in range(25):
            torch_opt.zero_grad()
            loss = ((m(X) - Y) ** 2).sum(-1).mean()
            loss = loss + kw.get("l1", 0.0) * sum(p.abs().sum() for p in m.parameters())
            loss.backward()
            torch_opt.step()
        want = torch.nn.utils.parameters_to_vector(m.parameters()).detach()
        torch.testing.assert_close(gd.weights.detach()[r], want)
    assert not torch.equal(start[0], start[1])  # restarts start from different weights


def test_annealed_gradient_noise_variance_follows_neelakantan():
    eta, gamma = 0.3, 0.55
    zero_loss = lambda out, y: (out * 0).sum((1, 2))  # noqa: E731 - gradient is noise alone
    gd = _setup(
        ne.GradientDescent(
            ne.MLP(3, [8], 1),
            inputs=X,
            targets=Y,
            loss=zero_loss,
            restarts=200,
            optimizer="sgd",
            lr=1.0,
            grad_noise=eta,
            grad_noise_gamma=gamma,
        )
    )
    for t in range(5):
        before = gd.weights.detach().clone()
        _epochs(gd, 1)
        var = float((gd.weights.detach() - before).var())
        assert var == pytest.approx(eta / (1 + t) ** gamma, rel=0.05)


def test_early_stopping_freezes_networks_after_patience():
    const = lambda out, y: (out * 0).sum((1, 2)) + 1.0  # noqa: E731 - never improves
    gd = _setup(
        ne.GradientDescent(
            ne.MLP(3, [4], 1),
            inputs=X,
            targets=Y,
            loss=const,
            restarts=2,
            optimizer="sgd",
            lr=0.1,
            grad_noise=0.1,
            patience=3,
        )
    )
    _epochs(gd, 3)
    assert not gd.state.stopped.any()
    _epochs(gd, 1)  # epoch 1 set the best; epochs 2-4 did not improve
    assert gd.state.stopped.all() and gd.info()["stopped"] == 2
    frozen = gd.weights.detach().clone()
    _epochs(gd, 3)
    assert torch.equal(gd.weights.detach(), frozen)


def test_validation_split_and_minibatches():
    gd = _setup(
        ne.GradientDescent(
            ne.MLP(3, [4], 1),
            inputs=X,
            targets=Y,
            loss="mse",
            batch_size=5,
            validation_fraction=0.25,
            patience=50,
        )
    )
    assert gd.val[0].shape[0] == 3 and gd.train[0].shape[0] == 9
    rows = {tuple(r.tolist()) for r in torch.cat([gd.val[0], gd.train[0]])}
    assert rows == {tuple(r.tolist()) for r in X}
    _epochs(gd, 4)
    assert gd.state.step_count == 4 * 2  # ceil(9 / 5) steps per epoch


def test_xor_solved_in_the_loop_with_one_evaluation_per_epoch():
    task = ne.tasks.XOR()
    gd = ne.GradientDescent(ne.MLP(2, [8], 1), task=task, lr=0.05, restarts=4)
    result = ne.evolve(gd, task, generations=300, seed=1, device="cpu")
    assert result.solved and result.best_fitness >= 3.9
    assert result.evaluations == 4 * result.generations
    module = gd.best_module()
    out = module(task.inputs.float()).detach()
    assert float(4 - ((out - task.targets.float()) ** 2).sum()) == pytest.approx(
        result.best_fitness, abs=1e-5
    )


def test_dropout_is_seeded_and_changes_training():
    def run(p, seed):
        gd = _setup(
            ne.GradientDescent(
                ne.MLP(3, [16], 1), inputs=X, targets=Y, loss="mse", dropout=p, reset_module=True
            ),
            seed=seed,
        )
        _epochs(gd, 5)
        return gd.weights.detach()

    assert torch.equal(run(0.3, 1), run(0.3, 1))
    assert not torch.equal(run(0.3, 1), run(0.0, 1))
    with pytest.raises(StrategyError, match="dropout"):
        ne.GradientDescent(torch.nn.Linear(3, 1), inputs=X, targets=Y, loss="mse", dropout=0.2)


def test_checkpoint_round_trip_continues_identically():
    def make():
        return _setup(
            ne.GradientDescent(
                ne.MLP(3, [4], 1),
                inputs=X,
                targets=Y,
                loss="mse",
                restarts=2,
                batch_size=4,
                grad_noise=0.01,
                reset_module=True,
            ),
            seed=3,
        )

    a = make()
    _epochs(a, 5)
    state = a.state_dict()
    _epochs(a, 5)
    b = make()
    b.load_state_dict(state)
    _epochs(b, 5)
    torch.testing.assert_close(a.weights, b.weights)


def test_bad_input_raises():
    task = ne.tasks.XOR()
    with pytest.raises(StrategyError, match="needs data"):
        ne.GradientDescent(ne.MLP(2, [4], 1))
    with pytest.raises(StrategyError, match="batch_size"):
        ne.GradientDescent(ne.MLP(2, [4], 1), task=task, batch_size=2)
    with pytest.raises(StrategyError, match="unknown hyperparameters.*'learning_rate'"):
        ne.GradientDescent(ne.MLP(2, [4], 1), task=task, learning_rate=0.1)
    with pytest.raises(StrategyError, match="optimizer"):
        ne.GradientDescent(ne.MLP(2, [4], 1), task=task, optimizer="rmsprop")
    with pytest.raises(ConfigError, match="unknown keys.*'epochs'"):
        ne.GradientDescent.from_experiment({"epochs": 3}, task=task, base_dir=".")
    gd = ne.GradientDescent.from_experiment(
        {"hidden": [4], "lr": 0.1, "restarts": 2, "optimizer": "sgd"}, task=task, base_dir="."
    )
    assert gd.name == "sgd" and gd.population_size == 2 and gd.params.lr == 0.1
