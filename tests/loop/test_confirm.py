"""Solutions proved on fresh episodes (``solve_episodes``): the confirmed means equal plain
gymnasium episodes played by neat-python's networks, each candidate is proved once on
episodes of its own, and the loop counts a task as solved only by a replicated mean three
standard errors above the threshold (hand-computed)."""

from __future__ import annotations

import copy

import gymnasium
import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import TaskError
from neuroevo.loop.confirm import ProofRecord, confirm_solutions, proof_seed
from neuroevo.strategies.neat.packed import pack_genomes
from neuroevo.tasks.control import Control
from tests.loop.stubs import Climb, Score
from tests.tasks.test_control_gym import plain_gymnasium_return

CARTPOLE_INI = "configs/cartpole.ini"


def neat_python_returns(genome, config, env_id, seeds):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    act = lambda obs: int(np.argmax(net.activate(obs)))
    return [plain_gymnasium_return(env_id, s, act)[0] for s in seeds]


def neat_python_mean(genome, config, env_id, seeds):
    return float(np.mean(neat_python_returns(genome, config, env_id, seeds)))


def cartpole_neat(seed, engine="neat-python"):
    """configs/cartpole.ini and a NEAT strategy set up for CartPole in float64."""
    config = ne.load_config(CARTPOLE_INI)
    strategy = ne.NEAT(config, engine=engine)
    strategy.setup(
        num_inputs=4, num_outputs=2, seed=seed, device=torch.device("cpu"), dtype=torch.float64
    )
    return config, strategy


def first_seed(seed):
    """The episode seed Control draws from a generator seeded with ``seed``."""
    return int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(seed)))


def test_control_confirm_equals_neat_python_on_gymnasium_lunarlander():
    config = ne.load_config("configs/lunarlander.ini")
    strategy = ne.NEAT(config)
    strategy.setup(
        num_inputs=8, num_outputs=4, seed=3, device=torch.device("cpu"), dtype=torch.float64
    )
    genomes = strategy.genomes[:3]
    policy = ne.compile_population(genomes, config.genome_config, dtype=torch.float64)
    task = Control("gym:LunarLander-v3", episodes=2, solve_episodes=4)
    scores = task.confirm(policy, generator=torch.Generator().manual_seed(11))
    s = first_seed(11)
    want = [
        neat_python_returns(g, config, "LunarLander-v3", [s + i * 4 + j for j in range(4)])
        for i, g in enumerate(genomes)
    ]
    assert scores.shape == (3, 4)  # every episode's score
    for got, ref in zip(scores.tolist(), want):
        assert got == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert task.last_seed is None  # a confirmation is not an evaluation


def race(genome, config, env_id, digest, run_seed, sizes, threshold):
    """One genome's proof as the docs define it, played by neat-python on gymnasium: heat i
    plays episodes seeded from proof_seed(run_seed, digest, i); out below the threshold."""
    means, returns = [], []
    for i, size in enumerate(sizes):
        s = first_seed(proof_seed(run_seed, digest, i))
        returns = neat_python_returns(genome, config, env_id, [s + j for j in range(size)])
        means.append(float(np.mean(returns)))
        if means[-1] < threshold:
            break
    stderr = float(np.std(returns, ddof=1) / np.sqrt(len(returns)))
    return means, stderr


def test_confirm_solutions_proves_each_chosen_neat_genome_on_its_own_episodes():
    """Only the genomes at the threshold race, best first; each plays a heat of ceil(K / 5)
    episodes, if still at the threshold K more, then 2K more, all seeded from the run seed
    and its network; the last mean becomes the fitness -- all as neat-python's networks play
    gymnasium's CartPole. Proved: the replication's mean minus 3 standard errors is at the
    threshold; at the threshold but not proved: the largest value below it."""
    config, strategy = cartpole_neat(7)
    policy = strategy.ask()
    size = policy.num_candidates
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=10, fitness_threshold=20.0)
    fitness = torch.full((size,), 5.0, dtype=torch.float64)
    chosen = [17, 4, 9, 30, 41, 60]
    fitness[chosen] = torch.tensor([300.0, 200.0, 100.0, 90.0, 80.0, 70.0], dtype=torch.float64)
    new, confirmation = confirm_solutions(strategy, task, policy, fitness, 20.0, seed=5, run_seed=3)
    assert confirmation.positions == chosen  # best training fitness first
    played, want, heats, passed = 0, [], [], []
    for pos in chosen:
        genome = strategy.genomes[pos]
        means, stderr = race(
            genome, config, "CartPole-v1", pack_genomes([genome]).digest(0), 3, (2, 10, 20), 20.0
        )
        played += (2, 12, 32)[len(means) - 1]
        heats.append(len(means))
        want.append(means[-1])
        passed.append(len(means) == 3 and means[-1] - 3 * stderr >= 20.0)
    assert sorted(set(heats)) == [1, 2, 3]  # this draw has every kind
    assert confirmation.heats == heats
    assert confirmation.scores == pytest.approx(want, rel=1e-9)
    assert confirmation.passed == passed and confirmation.evaluations == played
    fit = [w if ok or w < 20.0 else np.nextafter(20.0, -np.inf) for w, ok in zip(want, passed)]
    assert new[chosen].tolist() == pytest.approx(fit, rel=1e-9)
    assert (new[chosen] >= 20.0).tolist() == passed
    others = [i for i in range(size) if i not in chosen]
    assert torch.equal(new[others], fitness[others])


def test_a_genome_is_proved_once_whatever_its_generation_or_position():
    """The same genomes raced again (another generation's seed, another order): the record
    gives the same verdicts and nothing is played; a new record plays the same episodes."""
    config, strategy = cartpole_neat(7)
    policy = strategy.ask()
    size = policy.num_candidates
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=10, fitness_threshold=20.0)
    fitness = torch.full((size,), 5.0, dtype=torch.float64)
    fitness[[17, 4, 9]] = torch.tensor([300.0, 200.0, 100.0], dtype=torch.float64)
    record = ProofRecord()
    first, c1 = confirm_solutions(
        strategy, task, policy, fitness, 20.0, seed=5, run_seed=3, record=record
    )
    assert c1.evaluations > 0 and c1.recorded == 0 and len(record.proofs) == 3
    again = fitness.clone()
    again[[17, 4, 9]] = torch.tensor([100.0, 300.0, 200.0], dtype=torch.float64)
    second, c2 = confirm_solutions(
        strategy, task, policy, again, 20.0, seed=99, run_seed=3, record=record
    )
    assert (c2.evaluations, c2.recorded) == (0, 3)
    assert torch.equal(second, first)
    third, c3 = confirm_solutions(strategy, task, policy, again, 20.0, seed=99, run_seed=3)
    assert torch.equal(third, first) and c3.evaluations == c1.evaluations
    restored = ProofRecord()
    restored.load_state_dict(record.state_dict())
    assert restored == record
    _, c4 = confirm_solutions(strategy, task, policy, fitness, 20.0, seed=5, run_seed=4)
    assert c4.scores != c1.scores  # another run seed: other episodes


def test_the_network_hash_ignores_the_genome_key_and_the_population():
    config, strategy = cartpole_neat(7)
    genomes = strategy.genomes
    packed = pack_genomes(genomes)
    assert [packed.digest(i) for i in (3, 8)] == [
        pack_genomes([genomes[i]]).digest(0) for i in (3, 8)
    ]
    assert len({packed.digest(i) for i in range(len(genomes))}) == len(genomes)
    twin = copy.deepcopy(genomes[3])
    twin.key = 10**6
    assert pack_genomes([twin]).digest(0) == packed.digest(3)
    next(iter(twin.connections.values())).weight += 1e-12
    assert pack_genomes([twin]).digest(0) != packed.digest(3)


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
    # Climb's policy cannot be cut into slices (and has no hash): all 3 candidates play every
    # heat. Generations 2 and 3 end after the first heat (2 episodes: the truth is below 3);
    # in generation 4 the candidate at 5 (truth 3, no spread) plays the second and third
    # heats, 10 and 20 episodes
    assert task.heats == [2, 2, 2, 10, 20]
    assert proved.evaluations == 5 * 3 + 3 * 3 * 2 + 3 * 10 + 3 * 20
    assert [h.extra.get("raced") for h in proved.history] == [None, None, 1, 3, 3]
    assert [h.extra.get("confirmed") for h in proved.history] == [None, None, 0, 0, 1]
    assert [h.best_fitness for h in proved.history] == [1.0, 2.0, 2.5, 2.0, 3.0]


class SpreadScore(ProvedScore):
    """Episode scores alternate truth + 0.6 and truth - 0.6: over E (even) episodes the mean
    is the truth and the standard error 0.6 / sqrt(E - 1)."""

    def confirm(self, policy, *, generator=None, episodes=None):
        self.heats.append(episodes)
        truth = policy(torch.zeros(2, 1))[:, 0, 0].double() - 2.0
        sign = torch.tensor([1.0, -1.0], dtype=torch.float64).repeat(episodes // 2)
        return truth[:, None] + 0.6 * sign


def test_a_replication_within_three_standard_errors_does_not_solve():
    # generation 4: the truth is 3, at the threshold, but 3 - 3 * 0.6 / sqrt(19) < 3; in
    # generation 5 the candidates' truths are 3, 3.5, 4 and 4 - 0.413 >= 3 solves
    task = SpreadScore(3.0, solve_episodes=10)
    result = ne.evolve(Climb(), task, generations=10, seed=0)
    assert result.solved and result.generations == 6
    below = float(np.nextafter(np.float32(3.0), np.float32(-np.inf)))
    assert [h.best_fitness for h in result.history] == [1.0, 2.0, 2.5, 2.0, below, 4.0]
    assert task.heats == [2, 2, 2, 10, 20, 2, 10, 20]


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
    config, strategy = cartpole_neat(2)
    genomes = strategy.genomes[:8]
    policy = ne.compile_population(genomes, config.genome_config, dtype=torch.float64)
    task = Control("gym:CartPole-v1", episodes=1, max_steps=20, solve_episodes=2)
    assert (task.max_steps, task.solve_max_steps) == (20, 500)
    trained = task.evaluate(policy, generator=torch.Generator().manual_seed(1))
    assert float(trained.max()) <= 20.0
    scores = task.confirm(policy, generator=torch.Generator().manual_seed(3))
    s = first_seed(3)
    want = [
        neat_python_returns(g, config, "CartPole-v1", [s + i * 2 + j for j in range(2)])
        for i, g in enumerate(genomes)
    ]
    assert scores.tolist() == want  # whole steps: exact
    assert max(max(w) for w in want) > 20.0  # some genome balanced past the training limit
    assert Control("DoublePole-v0", max_steps=300, solve_episodes=2).solve_max_steps == 300
    assert Control("gym:CartPole-v1", solve_max_steps=100, solve_episodes=2).solve_max_steps == 100


def test_the_tensor_engine_confirms_only_the_chosen_genomes():
    """Its policy is narrowed with select(): the chosen genomes' means equal neat-python's
    networks (converted from the tensors) on gymnasium, and only they play. Its networks
    have no hash, so they race together on the generation's episodes (heat i: seed + i)."""
    config, strategy = cartpole_neat(4, engine="tensor")
    policy = strategy.ask()
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=5, fitness_threshold=0.0)
    fitness = torch.full((policy.num_candidates,), -1.0, dtype=torch.float64)
    fitness[[3, 11]] = torch.tensor([2.0, 1.0], dtype=torch.float64)
    _, confirmation = confirm_solutions(strategy, task, policy, fitness, 0.0, seed=8)
    assert confirmation.positions == [3, 11]
    assert confirmation.evaluations == 2 * (1 + 5 + 10)  # heats of 1, 5 and 10 episodes
    genomes = strategy.genomes(torch.tensor([3, 11]))
    s = first_seed(10)  # the third heat's draw
    want = [
        neat_python_mean(g, config, "CartPole-v1", [s + i * 10 + j for j in range(10)])
        for i, g in enumerate(genomes)
    ]
    assert confirmation.scores == pytest.approx(want, rel=1e-9)


def test_the_margin_is_three_standard_errors_exactly():
    """Proof.passed: all three heats, the replication's mean minus 3 standard errors at the
    threshold (hand-computed boundary) -- one ulp less is not a proof."""
    from neuroevo.loop.confirm import Proof

    se = 0.6 / np.sqrt(19)
    edge = 3.0 + 3 * se
    assert Proof((5.0, 4.0, edge), se).passed(edge - 3 * se)
    assert not Proof((5.0, 4.0, edge), se).passed(np.nextafter(edge - 3 * se, np.inf))
    assert Proof((5.0, 4.0, 3.0), 0.0).passed(3.0)
    assert not Proof((5.0, 4.0), None).passed(3.0)  # no replication played
    assert not Proof((5.0, 4.0, 9.0), None).passed(3.0)  # no standard error: no proof


def test_a_genome_at_the_threshold_but_within_the_margin_is_held_below_it():
    """The same draw as above with threshold 40: genome 9 passes three heats (49.5, 53.4,
    45.75) but 45.75 - 3 * 3.148 < 40, so its fitness is the largest float below 40."""
    config, strategy = cartpole_neat(7)
    policy = strategy.ask()
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=10, fitness_threshold=40.0)
    fitness = torch.full((policy.num_candidates,), 5.0, dtype=torch.float64)
    fitness[[17, 4, 9]] = torch.tensor([300.0, 200.0, 100.0], dtype=torch.float64)
    new, confirmation = confirm_solutions(strategy, task, policy, fitness, 40.0, seed=5, run_seed=3)
    genome = strategy.genomes[9]
    means, stderr = race(
        genome, config, "CartPole-v1", pack_genomes([genome]).digest(0), 3, (2, 10, 20), 40.0
    )
    assert len(means) == 3 and means[-1] >= 40.0 > means[-1] - 3 * stderr  # decided by the margin
    assert confirmation.scores[2] == pytest.approx(means[-1], rel=1e-9)
    assert confirmation.passed == [False, False, False] and confirmation.proved == 0
    assert float(new[9]) == np.nextafter(40.0, -np.inf)


def test_parameter_rows_are_proved_once_by_their_values():
    """GA candidates (flat parameter rows) have a hash too: the same rows raced again play
    nothing; a twin row in the same generation shares its verdict."""
    strategy = ne.GA(ne.MLP(4, [4], 2), pop_size=6, reset_module=True)
    strategy.setup(
        num_inputs=4, num_outputs=2, seed=1, device=torch.device("cpu"), dtype=torch.float64
    )
    policy = strategy.ask()
    policy.params[5] = policy.params[0]  # a twin of candidate 0
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=5, fitness_threshold=0.0)
    fitness = torch.tensor([3.0, -1.0, 2.0, -1.0, -1.0, 1.0], dtype=torch.float64)
    record = ProofRecord()
    new, c1 = confirm_solutions(strategy, task, policy, fitness, 0.0, seed=5, record=record)
    assert c1.positions == [0, 2, 5] and c1.recorded == 1 and len(record.proofs) == 2
    assert c1.scores[0] == c1.scores[2]  # the twin's verdict is its original's
    again, c2 = confirm_solutions(strategy, task, policy, fitness, 0.0, seed=6, record=record)
    assert (c2.evaluations, c2.recorded) == (0, 3) and torch.equal(again, new)


def test_running_observation_statistics_race_on_the_generations_episodes():
    """With normalize_observations the same network is another policy each generation: no
    record, and heat i draws from the generation's seed + i (as a plain confirm does)."""
    config, strategy = cartpole_neat(7)
    policy = strategy.ask()
    task = Control(
        "gym:CartPole-v1",
        episodes=1,
        solve_episodes=5,
        fitness_threshold=0.0,
        normalize_observations=True,
    )
    task.evaluate(policy, generator=torch.Generator().manual_seed(0))  # statistics gathered
    fitness = torch.full((policy.num_candidates,), -1.0, dtype=torch.float64)
    fitness[[3, 11]] = torch.tensor([2.0, 1.0], dtype=torch.float64)
    record = ProofRecord()
    _, confirmation = confirm_solutions(strategy, task, policy, fitness, 0.0, seed=8, record=record)
    assert record.proofs == {} and confirmation.recorded == 0
    sub = ne.compile_population(
        [strategy.genomes[3], strategy.genomes[11]], config.genome_config, dtype=torch.float64
    )
    want = task.confirm(sub, generator=torch.Generator().manual_seed(10), episodes=10).mean(1)
    assert confirmation.scores == want.tolist()


def test_a_damaged_proof_record_is_one_checkpoint_error():
    from neuroevo.errors import CheckpointError

    record = ProofRecord()
    with pytest.raises(CheckpointError, match="proof record is damaged"):
        record.load_state_dict({"proofs": {"ab": {"means": "x", "stderr": None}}})
    with pytest.raises(CheckpointError, match="resume from another checkpoint"):
        record.load_state_dict({"proofs": [1, 2]})


def test_a_last_genome_without_connections_is_raced_like_any_other():
    """neat-python can leave a genome with no connection gene; as the last of the population
    it crashed the race (the genomes' sizes were counted with an out-of-range index).
    Reference: heat 1 of that genome alone, on its own seed (proof_seed)."""
    config, strategy = cartpole_neat(4)
    strategy.genomes[-1].connections.clear()
    policy = strategy.ask()
    task = Control("gym:CartPole-v1", episodes=1, solve_episodes=5, fitness_threshold=1e9)
    fitness = torch.zeros(policy.num_candidates, dtype=torch.float64)
    fitness[-1] = 2e9  # only the last reaches the threshold; heat 1 puts it out
    _, confirmation = confirm_solutions(strategy, task, policy, fitness, 1e9, seed=5)
    last = strategy.genomes[-1]
    sub = ne.compile_population([last], config.genome_config, dtype=torch.float64)
    g = torch.Generator().manual_seed(proof_seed(5, pack_genomes([last]).digest(0), 0))
    want = task.confirm(sub, generator=g, episodes=1).mean(1)
    assert confirmation.positions == [policy.num_candidates - 1]
    assert confirmation.heats == [1] and confirmation.scores == want.tolist()
