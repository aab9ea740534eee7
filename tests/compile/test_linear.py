"""Linear stacks over flat parameters: batched matrix products equal functional_call + vmap."""

import pytest
import torch
from torch import nn

import neuroevo as ne
from neuroevo.compile.linear import UNROLL, LinearStack
from neuroevo.compile.params import ParameterLayout, ParameterPolicy, flatten_parameters

MODULES = {
    "mlp-4-8-2": lambda: ne.MLP(4, [8], 2),
    "mlp-relu-tanh": lambda: ne.MLP(3, [16, 16], 1, activation="relu", output_activation="tanh"),
    "mlp-wide": lambda: ne.MLP(UNROLL + 24, [32], 2, activation="sigmoid"),
    "sequential": lambda: nn.Sequential(
        nn.Linear(5, 7),
        nn.ELU(),
        nn.Linear(7, 6),
        nn.GELU(),
        nn.Linear(6, 3, bias=False),
        nn.Softplus(),
    ),
}


def population(module, p, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    theta = flatten_parameters(module).to(dtype)
    return theta + 0.5 * torch.randn(p, theta.numel(), dtype=dtype, generator=g)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_batched_path_equals_functional_call_under_vmap(name, dtype):
    torch.manual_seed(0)
    module = MODULES[name]().to(dtype).eval()
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    first, last = linears[0], linears[-1]
    io = dict(num_inputs=first.in_features, num_outputs=last.out_features)
    params = population(module, 30, dtype)
    fast = ParameterPolicy(module, params, **io)
    slow = ParameterPolicy(module, params, batched=False, **io)
    assert fast.stack is not None and slow.stack is None
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-6, atol=1e-6)
    for x in (
        torch.randn(9, io["num_inputs"], dtype=dtype),
        torch.randn(30, 9, io["num_inputs"], dtype=dtype),
    ):
        torch.testing.assert_close(fast(x), slow(x), **tol)
        # the rollout program (features first) computes the same networks
        program = fast.program(3)
        xs = torch.randn(30, 3, io["num_inputs"], dtype=dtype)
        got = program(xs.reshape(90, -1).t()).t().reshape(30, 3, -1)
        torch.testing.assert_close(got, slow(xs), **tol)


@pytest.mark.parametrize(
    "module",
    [
        nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1)),  # not elementwise
        nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.ReLU(), nn.Linear(4, 1)),  # two in a row
        nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(), nn.Linear(4, 1)),  # not in the table
        nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1)),  # training mode
        nn.Sequential(nn.Linear(3, 4), nn.ELU(alpha=2.0), nn.Linear(4, 1)),  # not the default
    ],
)
def test_other_modules_keep_the_vmap_path(module):
    layout = ParameterLayout.of(module)
    assert LinearStack.of(module, layout.names, layout.numels) is None
    policy = ParameterPolicy(
        module, population(module, 4, torch.float32), num_inputs=3, num_outputs=1
    )
    assert policy.stack is None and policy.program(1) is None


def test_dropout_in_eval_mode_is_a_stack():
    module = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1)).eval()
    layout = ParameterLayout.of(module)
    assert LinearStack.of(module, layout.names, layout.numels) is not None


def test_select_keeps_the_rows_of_the_chosen_candidates():
    torch.manual_seed(1)
    module = ne.MLP(4, [8], 2)
    policy = ParameterPolicy(module, population(module, 20, torch.float32))
    x = torch.randn(20, 5, 4)
    rows = torch.tensor([7, 2, 19])
    part = policy.select(rows)
    assert part.num_candidates == 3 and policy.num_candidates == 20
    assert torch.equal(part(x[rows]), policy(x)[rows])
    with pytest.raises(ne.StrategyError, match="positions must be in"):
        policy.select([20])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("activation", sorted(ne.compile.nets.ACTIVATIONS))
def test_program_rows_do_not_depend_on_the_rows_beside_them(activation, dtype):
    """A narrowed rollout computes fewer rows: each row must keep its value (torch.sigmoid,
    F.elu, F.softplus, F.gelu would not: their vectorised body and tail differ)."""
    torch.manual_seed(2)
    module = ne.MLP(3, [5], 2, activation=activation, output_activation=activation).to(dtype)
    policy = ParameterPolicy(module, 3 * population(module, 97, dtype, seed=4))
    program = policy.program(3)
    x = 4 * torch.randn(3, 97 * 3, dtype=dtype)
    full = program(x)
    for keep in ([5], [0, 1, 2], list(range(0, 97, 2)), list(range(40, 57))):
        rows = (torch.tensor(keep)[:, None] * 3 + torch.arange(3)).flatten()
        assert torch.equal(program.select(torch.tensor(keep))(x[:, rows]), full[:, rows])
    torch.testing.assert_close(
        full.t().reshape(97, 3, 2),
        policy(x.t().reshape(97, 3, 3)),
        rtol=1e-4 if dtype == torch.float32 else 1e-12,
        atol=1e-5 if dtype == torch.float32 else 1e-12,
    )
