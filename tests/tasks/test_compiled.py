"""Compiled rollouts (``Control(compile=True)``) against eager ones: the same scores, bit for bit.

Every torch environment, every kind of policy a strategy asks (NEAT's population network,
the tensor engine's policy, linear stacks over flat parameters, unrolled or as batched
matrix products), float64 and float32. Compiling costs seconds per loop, so the sweep over
environments is marked slow (CI runs it).
"""

import pytest
import torch
from torch import nn
from torch._dynamo.utils import counters

import neuroevo as ne
from neuroevo.compile.params import ParameterPolicy, flatten_parameters
from neuroevo.tasks import compiled
from tests.compile.random_genomes import make_config, random_genomes


def mlp_policy(task, dtype, p=48, seed=0, module=None):
    torch.manual_seed(seed)
    module = (module or ne.MLP(task.num_inputs, [8], task.num_outputs)).to(dtype)
    theta = flatten_parameters(module)
    g = torch.Generator().manual_seed(seed)
    params = theta + 0.6 * torch.randn(p, theta.numel(), dtype=dtype, generator=g)
    return ParameterPolicy(module, params, num_inputs=task.num_inputs, num_outputs=task.num_outputs)


def both(env, policy_of, dtype, generations=1, **task_kw):
    """Scores ``[G, P, E]`` of eager and compiled rollouts of the same policies (built once)
    on the same seeds."""
    tasks = [
        ne.tasks.Control(env, compile=mode, dtype=dtype, device="cpu", **task_kw)
        for mode in (False, True)
    ]
    policies = [policy_of(tasks[0], g) for g in range(generations)]
    eager, comp = (
        torch.stack(
            [
                task.episode_scores(policy, generator=torch.Generator().manual_seed(g))
                for g, policy in enumerate(policies)
            ]
        )
        for task in tasks
    )
    assert tasks[1].compiler.disabled is None, tasks[1].compiler.disabled
    assert tasks[1].compiler._loops, "nothing was compiled"
    return eager, comp


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    "env",
    [
        "CartPole-v1",
        "Acrobot-v1",
        "MountainCar-v0",
        "MountainCarContinuous-v0",
        "Pendulum-v1",
        "DoublePole-v0",
    ],
)
def test_every_environment_compiled_equals_eager(env, dtype):
    # float32: states rounded as gymnasium rounds them (MountainCarContinuous: its quirks)
    eager, comp = both(
        env,
        lambda task, g: mlp_policy(task, dtype, seed=g),
        dtype,
        episodes=2,
        max_steps=300,
        obs_norm="auto",
    )
    assert torch.equal(eager, comp)
    assert eager.unique().numel() >= 2  # the candidates differ: the check has something to see


def neat_policies(tmp_path, engine, n_out=2, p=64):
    config = make_config(
        tmp_path,
        n_in=4 if n_out == 2 else 3,
        n_out=n_out,
        hidden=1,
        acts=["tanh", "sigmoid", "relu"],
        aggs=["sum"],
        initial_connection="full_direct",
    )

    def policy_of(task, generation):
        if engine == "default":
            genomes = random_genomes(config, p, seed=generation, max_mutations=12)
            return ne.compile_population(
                genomes, config.genome_config, device="cpu", dtype=task.dtype
            )
        strategy = ne.NEAT(config, pop_size=p, engine="tensor")
        strategy.setup(
            num_inputs=task.num_inputs,
            num_outputs=task.num_outputs,
            seed=generation,
            device=torch.device("cpu"),
            dtype=task.dtype,
        )
        for _ in range(3):  # a few generations of structural mutation
            strategy.ask()
            strategy.tell(torch.rand(p, generator=torch.Generator().manual_seed(generation)))
        return strategy.ask()

    return policy_of


KINDS = [
    ("neat", "CartPole-v1"),
    ("neat-tensor", "CartPole-v1"),
    ("mlp", "CartPole-v1"),
    ("wide-sequential", "CartPole-v1"),
    ("neat", "Pendulum-v1"),
    ("mlp", "Pendulum-v1"),
]


@pytest.mark.parametrize("kind, env", KINDS)
def test_every_policy_kind_compiled_equals_eager(tmp_path, kind, env):
    """CartPole's returns are step counts; Pendulum's are sums of real numbers, where a last
    bit anywhere in the trajectory would show."""
    if kind.startswith("neat"):
        policy_of = neat_policies(
            tmp_path,
            "tensor" if kind == "neat-tensor" else "default",
            n_out=2 if env == "CartPole-v1" else 1,
        )
    elif kind == "mlp":
        policy_of = lambda task, g: mlp_policy(task, torch.float64, seed=g)  # noqa: E731
    else:  # a layer wider than UNROLL runs as one baddbmm inside the loop
        policy_of = lambda task, g: mlp_policy(  # noqa: E731
            task,
            torch.float64,
            seed=g,
            module=nn.Sequential(
                nn.Linear(4, 24), nn.Tanh(), nn.Linear(24, 24), nn.ReLU(), nn.Linear(24, 2)
            ),
        )
    kw = (
        dict(episodes=3)
        if env == "CartPole-v1"
        else dict(episodes=2, obs_norm="auto", action="scale", output_range=(-1.0, 1.0))
    )
    eager, comp = both(env, policy_of, torch.float64, generations=2, **kw)
    assert torch.equal(eager, comp)
    assert eager.unique().numel() > 10


@pytest.mark.parametrize("kind", ["neat", "mlp"])
def test_narrowing_inside_the_compiled_loop_changes_no_score(tmp_path, kind):
    """400 rows: the compiled loop leaves to narrow (program.select) and enters again."""
    policy_of = (
        neat_policies(tmp_path, "default", p=200)
        if kind == "neat"
        else lambda task, g: mlp_policy(task, torch.float64, p=200, seed=g)
    )
    task = ne.tasks.Control(
        "CartPole-v1", episodes=2, compile=True, device="cpu", dtype=torch.float64
    )
    policy = policy_of(task, 0)
    program = policy.program(2).for_compile()
    selects = []
    select = type(program).select

    def counting(self, positions):
        selects.append(len(positions))
        return select(self, positions)

    monkeypatched = pytest.MonkeyPatch()
    monkeypatched.setattr(type(program), "select", counting)
    try:
        comp = task.episode_scores(policy, generator=torch.Generator().manual_seed(0))
    finally:
        monkeypatched.undo()
    assert task.compiler._loops and selects and selects[0] <= 100
    eager = ne.tasks.Control(
        "CartPole-v1", episodes=2, compile=False, device="cpu", dtype=torch.float64
    ).episode_scores(policy, generator=torch.Generator().manual_seed(0))
    assert torch.equal(comp, eager)


def test_recompiles_stay_bounded_over_generations(tmp_path):
    """New generations and narrowing reuse the compiled loop: one compile per depth bucket."""
    task = ne.tasks.Control(
        "CartPole-v1", episodes=2, compile=True, device="cpu", dtype=torch.float64
    )
    policy_of = neat_policies(tmp_path, "default")
    before = counters["stats"]["unique_graphs"]
    depths = set()
    for g in range(5):
        policy = policy_of(task, g)
        depths.add(policy.program(2).for_compile().key[3])
        task.evaluate(policy, generator=torch.Generator().manual_seed(g))
    assert task.compiler.disabled is None
    assert counters["stats"]["unique_graphs"] - before <= len(depths)


def test_parameter_policies_narrow_and_step_fewer_rows():
    """GA/PSO/SA/gradient policies drop finished candidates: count the rows the environment
    steps, and check the scores against each candidate played alone (nothing to narrow)."""
    task = ne.tasks.Control(
        "CartPole-v1", episodes=1, compile=False, device="cpu", dtype=torch.float64
    )
    policy = mlp_policy(task, torch.float64, p=64, seed=3)
    stepped = []
    real_step = ne.envs.cartpole.CartPole.step

    def counting_step(env, action):
        stepped.append(env.num_envs)
        return real_step(env, action)

    ne.envs.cartpole.CartPole.step = counting_step
    try:
        narrowed = task.episode_scores(policy, generator=torch.Generator().manual_seed(0))
    finally:
        ne.envs.cartpole.CartPole.step = real_step
    alone = torch.cat(
        [
            task.episode_scores(
                policy.select([c]),
                candidates=[c],
                population_size=64,
                generator=torch.Generator().manual_seed(0),
            )
            for c in range(64)
        ]
    )
    assert torch.equal(narrowed, alone)
    lockstep = int(alone.max())
    assert len(stepped) == lockstep
    assert sum(stepped) < 64 * lockstep / 2  # most finished rows were never stepped again
    assert sum(stepped) >= int(alone.sum())  # every counted step was stepped


def test_what_cannot_compile_runs_eagerly_with_one_note():
    task = ne.tasks.Control(
        "gym:CartPole-v1", episodes=1, compile=True, device="cpu", dtype=torch.float64
    )
    scores = task.evaluate(
        mlp_policy(task, torch.float64, p=8), generator=torch.Generator().manual_seed(0)
    )
    assert scores.shape == (8,)
    notes = task.info()["notes"]
    assert notes == [
        "compile: not compiled (gymnasium environments step in Python); running eagerly"
    ]
    task.evaluate(mlp_policy(task, torch.float64, p=8), generator=torch.Generator().manual_seed(1))
    assert "notes" not in task.info()  # said once


def test_a_policy_of_the_wrong_width_is_refused_compiled_or_not():
    for mode in (False, True):
        task = ne.tasks.Control("CartPole-v1", compile=mode, device="cpu", dtype=torch.float64)
        wrong = mlp_policy(task, torch.float64, p=16, module=ne.MLP(4, [8], 3))
        with pytest.raises(
            ne.TaskError,
            match=r"returned shape \[16, 1, 3\]; expected "
            r"\[16, 1, 2\]",
        ):
            task.evaluate(wrong, generator=torch.Generator().manual_seed(0))


def test_a_failing_compiler_falls_back_to_eager_with_the_same_scores(monkeypatch):
    def broken(*args, **kwargs):
        def fn(*a, **k):
            raise RuntimeError("no C++ compiler found (simulated)\nsecond line")

        return fn

    monkeypatch.setattr(compiled.torch, "compile", broken)
    eager_task = ne.tasks.Control("CartPole-v1", compile=False, device="cpu", dtype=torch.float64)
    task = ne.tasks.Control("CartPole-v1", compile=True, device="cpu", dtype=torch.float64)
    policy = mlp_policy(task, torch.float64, p=16)
    got = task.evaluate(policy, generator=torch.Generator().manual_seed(0))
    want = eager_task.evaluate(policy, generator=torch.Generator().manual_seed(0))
    assert torch.equal(got, want)
    assert task.info()["notes"] == [
        "compile: compiling failed (RuntimeError: no C++ compiler found (simulated)); "
        "rollouts run eagerly (install a C++ compiler (g++ or clang) or set compile = false)"
    ]
    task.evaluate(policy, generator=torch.Generator().manual_seed(1))
    assert "notes" not in task.info()  # one note, not one more each evaluation


def test_auto_compiles_only_after_eager_rollouts_took_their_time(monkeypatch):
    task = ne.tasks.Control("CartPole-v1", device="cpu", dtype=torch.float64)
    assert task.compiler.mode == "auto"
    policy = mlp_policy(task, torch.float64, p=16)
    task.evaluate(policy, generator=torch.Generator().manual_seed(0))
    assert not task.compiler._loops and 0 < task.compiler.eager_seconds < 20
    assert "notes" not in task.info()  # auto waits silently
    task.compiler.eager_seconds = compiled.AUTO_AFTER_SECONDS
    task.evaluate(policy, generator=torch.Generator().manual_seed(0))
    assert task.compiler._loops and task.compiler.disabled is None


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_compile_option_is_checked(bad):
    with pytest.raises(ne.TaskError, match=r"Control compile: expected 'auto', true or false"):
        ne.tasks.Control("CartPole-v1", compile=bad)
