"""Solutions proved on fresh episodes (``solve_episodes``): the confirmed means equal plain
gymnasium episodes played by neat-python's networks, and the loop counts a task as solved
only by a confirmed mean."""

from __future__ import annotations

import gymnasium
import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import TaskError
from neuroevo.loop.confirm import confirm_solutions
from neuroevo.tasks.control import Control
from tests.loop.stubs import Climb, Score
from tests.tasks.test_control_gym import plain_gymnasium_return

CARTPOLE_INI = "configs/cartpole.ini"


def neat_python_mean(genome, config, env_id, seeds):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    act = (lambda obs: int(np.argmax(net.activate(obs))))
    return float(np.mean([plain_gymnasium_return(env_id, s, act)[0] for s in seeds]))


def first_seed(seed):
    """The episode seed Control draws from a generator seeded with ``seed``."""
    return int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(seed)))


def test_control_confirm_equals_neat_python_on_gymnasium_lunarlander():
    config = ne.load_config("configs/lunarlander.ini")
    strategy = ne.NEAT(config)
    strategy.setup(num_inputs=8, num_outputs=4, seed=3, device=torch.device("cpu"),
                   dtype=torch.float64)
    genomes = strategy.genomes[:3]
    policy = ne.compile_population(genomes, config.genome_config, dtype=torch.float64)
    task = Control("gym:LunarLander-v3", episodes=2, solve_episodes=4)
    scores = task.confirm(policy, generator=torch.Generator().manual_seed(11))
    s = first_seed(11)
    want = [neat_python_mean(g, config, "LunarLander-v3", [s + i * 4 + j for j in range(4)])
            for i, g in enumerate(genomes)]
    assert scores.tolist() == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert task.last_seed is None  # a confirmation is not an evaluation


def test_confirm_solutions_races_the_chosen_neat_genomes():
    """The loop rebuilds only the genomes at the threshold, best first; each plays a heat of
    ceil(K / 5) fresh episodes, those still at the threshold K more, those still there K
    more again, and the last mean becomes the fitness -- all as neat-python's networks play
    gymnasium's CartPole."""
    config = ne.load_config(CARTPOLE_INI)
    strategy = ne.NEAT(config)
    strategy.setup(num_inputs=4, num_outputs=2, seed=7, device=torch.device("cpu"),
                   dtype=torch.float64)
    policy = strategy.ask()
    size = policy.num_candidates
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=10, fitness_threshold=20.0)
    fitness = torch.full((size,), 5.0, dtype=torch.float64)
    chosen = [17, 4, 9, 30, 41, 60]
    fitness[chosen] = torch.tensor([300.0, 200.0, 100.0, 90.0, 80.0, 70.0], dtype=torch.float64)
    new, confirmation = confirm_solutions(strategy, task, policy, fitness, 20.0, seed=5)
    assert confirmation.positions == chosen  # best training fitness first
    last, heats, alive, played = {}, {pos: 0 for pos in chosen}, list(chosen), 0
    for i, size in enumerate((2, 10, 10)):  # heat i draws from seed 5 + i
        s = first_seed(5 + i)
        for k, pos in enumerate(alive):
            last[pos] = neat_python_mean(strategy.genomes[pos], config, "CartPole-v1",
                                         [s + k * size + j for j in range(size)])
            heats[pos] += 1
        played += size * len(alive)
        alive = [pos for pos in alive if last[pos] >= 20.0]
    assert sorted(set(heats.values())) == [1, 2, 3]  # this draw has every kind
    want = [last[pos] for pos in chosen]
    assert confirmation.scores == pytest.approx(want, rel=1e-9)
    assert confirmation.heats == [heats[pos] for pos in chosen]
    assert new[chosen].tolist() == pytest.approx(want, rel=1e-9)
    others = [i for i in range(size) if i not in chosen]
    assert torch.equal(new[others], fitness[others])
    assert confirmation.evaluations == played


class ProvedScore(Score):
    """Training fitness overstates the truth by 2 (a lucky estimate); ``confirm`` gives the
    truth, the candidate's output minus 2."""

    def __init__(self, threshold, solve_episodes):
        super().__init__(threshold)
        self.solve_episodes, self.heats = solve_episodes, []

    def confirm(self, policy, *, generator=None, episodes=None):
        self.heats.append(episodes)
        return policy(torch.zeros(2, 1))[:, 0, 0] - 2.0


def test_loop_is_solved_only_by_a_confirmed_mean():
    # Climb's candidates output [g, g + 0.5, g + 1] in generation g. Training fitness reaches
    # 3 in generation 2, the truth (output - 2) only in generation 4.
    plain = ne.evolve(Climb(), Score(threshold=3.0), generations=10, seed=0)
    assert plain.solved and plain.generations == 3
    task = ProvedScore(3.0, solve_episodes=10)
    proved = ne.evolve(Climb(), task, generations=10, seed=0)
    assert proved.solved and proved.generations == 5
    assert proved.best_fitness == 3.0  # generation 4's best output, 5, minus 2
    # Climb's policy cannot be cut into slices: all 3 candidates play every heat. Generations
    # 2 and 3 end after the first heat (2 episodes: the truth is below 3); in generation 4 the
    # candidate at 5 (truth 3) plays the second and third heats, 10 episodes each
    assert task.heats == [2, 2, 2, 10, 10]
    assert proved.evaluations == 5 * 3 + 3 * 3 * 2 + 2 * 3 * 10
    assert [h.extra.get("raced") for h in proved.history] == [None, None, 1, 3, 3]
    assert [h.extra.get("confirmed") for h in proved.history] == [None, None, 0, 0, 1]
    assert [h.best_fitness for h in proved.history] == [1.0, 2.0, 2.5, 2.0, 3.0]


def test_a_mean_rounded_up_to_the_threshold_does_not_solve():
    class Rounding(ProvedScore):
        def confirm(self, policy, *, generator=None, episodes=None):  # just below 3 in float64
            return torch.full((policy.num_candidates,), 3.0 - 1e-12, dtype=torch.float64)

    result = ne.evolve(Climb(), Rounding(3.0, solve_episodes=10), generations=4, seed=0)
    assert not result.solved
    assert all(h.best_fitness < 3.0 for h in result.history[2:])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "100"])
def test_control_rejects_bad_solve_episodes(bad):
    with pytest.raises(TaskError, match="solve_episodes: expected a positive integer"):
        Control("CartPole-v1", solve_episodes=bad)


def test_gymnasium_cartpole_is_what_the_reference_plays():
    # the reference above plays gymnasium's own CartPole-v1 (500-step limit)
    assert gymnasium.spec("CartPole-v1").max_episode_steps == 500


def test_confirmation_runs_to_the_environments_own_time_limit():
    """max_steps cuts the training episodes only: the proof uses gymnasium's 500 steps."""
    config = ne.load_config(CARTPOLE_INI)
    strategy = ne.NEAT(config)
    strategy.setup(num_inputs=4, num_outputs=2, seed=2, device=torch.device("cpu"),
                   dtype=torch.float64)
    genomes = strategy.genomes[:8]
    policy = ne.compile_population(genomes, config.genome_config, dtype=torch.float64)
    task = Control("gym:CartPole-v1", episodes=1, max_steps=20, solve_episodes=2)
    assert (task.max_steps, task.solve_max_steps) == (20, 500)
    trained = task.evaluate(policy, generator=torch.Generator().manual_seed(1))
    assert float(trained.max()) <= 20.0
    scores = task.confirm(policy, generator=torch.Generator().manual_seed(3))
    s = first_seed(3)
    want = [neat_python_mean(g, config, "CartPole-v1", [s + i * 2 + j for j in range(2)])
            for i, g in enumerate(genomes)]
    assert scores.tolist() == pytest.approx(want, rel=1e-9)
    assert max(want) > 20.0  # some genome balanced past the training limit
    assert Control("DoublePole-v0", max_steps=300, solve_episodes=2).solve_max_steps == 300
    assert Control("gym:CartPole-v1", solve_max_steps=100, solve_episodes=2).solve_max_steps == 100


def test_the_tensor_engine_confirms_only_the_chosen_genomes():
    """Its policy is narrowed with select(): the chosen genomes' means equal neat-python's
    networks (converted from the tensors) on gymnasium, and only they play."""
    config = ne.load_config(CARTPOLE_INI)
    strategy = ne.NEAT(config, engine="tensor")
    strategy.setup(num_inputs=4, num_outputs=2, seed=4, device=torch.device("cpu"),
                   dtype=torch.float64)
    policy = strategy.ask()
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=5, fitness_threshold=0.0)
    fitness = torch.full((policy.num_candidates,), -1.0, dtype=torch.float64)
    fitness[[3, 11]] = torch.tensor([2.0, 1.0], dtype=torch.float64)
    _, confirmation = confirm_solutions(strategy, task, policy, fitness, 0.0, seed=8)
    assert confirmation.positions == [3, 11]
    assert confirmation.evaluations == 2 * (1 + 5 + 5)  # heats of 1, 5 and 5 episodes, 2 genomes
    genomes = strategy.genomes(torch.tensor([3, 11]))
    s = first_seed(10)  # the third heat's draw
    want = [neat_python_mean(g, config, "CartPole-v1", [s + i * 5 + j for j in range(5)])
            for i, g in enumerate(genomes)]
    assert confirmation.scores == pytest.approx(want, rel=1e-9)
