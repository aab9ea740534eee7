"""Solved means proved, on islands as in ``evolve``: an island runs the loop's own generation
step (ask -> evaluate -> confirm -> tell), so a task's ``solve_episodes`` proof decides, and
a synchronous run stops every island in the generation of the first proved solution, an
asynchronous one as soon as the first proved solution is reported."""

from __future__ import annotations

import time

import torch

import neuroevo as ne
from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.islands.islands import Islands
from tests.islands.test_islands import figures


class Overstated(ne.tasks.XOR):
    """XOR whose training fitness overstates the truth by 0.5 (as lucky episodes do);
    ``confirm`` plays the truth, the same score in every episode (no spread)."""

    solve_episodes = 10

    def population_fitness(self, scores: torch.Tensor) -> torch.Tensor:
        return super().population_fitness(scores) + 0.5

    def confirm(self, policy, *, generator=None, episodes=None):
        truth = super().population_fitness(self.candidate_scores(policy))
        return truth[:, None].expand(-1, episodes)


def pso() -> ne.PSO:
    return ne.PSO(ne.MLP(2, [4], 1), pop_size=16, reset_module=True)


def test_a_synchronous_run_stops_every_island_in_the_generation_of_the_first_solution():
    cfg = ne.load_config("configs/xor.ini")
    result = Islands(
        [ne.NEAT(cfg)] * 3,
        ne.tasks.XOR(),
        migration_interval=5,
        seed=1,
        asynchronous=False,
        backend="local",
    ).run(50)
    threshold = ne.tasks.XOR().fitness_threshold
    assert result.solved
    done = result.generations[0]
    assert result.generations == [done] * 3 and done < 50
    # the last generation is the first in which an island reached the threshold
    assert any(h[-1].best_fitness >= threshold for h in result.histories)
    assert all(g.best_fitness < threshold for h in result.histories for g in h[:-1])
    assert result.best_fitness >= threshold


def test_an_island_proves_its_solution_as_evolve_does():
    # one island without migrants is evolve's run on the island's seed: the training fitness
    # passes the threshold generations before the truth does
    islands = Islands(
        [pso()], Overstated(threshold=3.3), migrants=0, seed=5, asynchronous=False, backend="local"
    )
    result = islands.run(30)
    reference = ne.evolve(
        pso(), Overstated(threshold=3.3), generations=30, seed=islands.settings.island_seed(0)
    )
    # the proof was put to the test: candidates raced and failed before one passed
    assert any(h.extra.get("raced") and not h.extra.get("proved") for h in reference.history)
    assert reference.solved and reference.generations < 30
    assert result.solved and result.generations == [reference.generations]
    got = [
        (g.generation, g.best_fitness, g.mean_fitness, g.evaluations) for g in result.histories[0]
    ]
    want = [
        (h.generation, h.best_fitness, h.mean_fitness, h.evaluations) for h in reference.history
    ]
    assert got == want  # the confirmed fitness, and the confirmation's episodes counted
    assert result.best_fitness == reference.best_fitness


def test_a_training_fitness_past_the_threshold_without_a_proof_does_not_solve():
    # the truth never exceeds 4 (4 - SSE); the training fitness passes 4.2 once the truth
    # reaches 3.7, but no proof can pass: no island is solved, and every one runs to the end
    task = Overstated(threshold=4.2)
    result = Islands(
        [pso() for _ in range(2)],
        task,
        migration_interval=3,
        migrants=1,
        seed=2,
        asynchronous=False,
        backend="local",
    ).run(40)
    assert not result.solved and result.generations == [40, 40]
    assert result.best_fitness < 4.2
    assert all(g.best_fitness < 4.2 for h in result.histories for g in h)


def test_a_resumed_run_keeps_the_proofs_and_counts_as_the_uninterrupted_one(tmp_path):
    # NEAT keeps its elites unchanged, so a genome raced before the checkpoint reaches the
    # threshold again after it; without the island's proof record in its checkpoint the
    # resumed run would race it again and count its episodes twice (seed 2: resumed at 30)
    def make(**kw):
        return Islands(
            [ne.NEAT(ne.load_config("configs/xor.ini"), pop_size=50) for _ in range(2)],
            Overstated(threshold=3.5),
            migration_interval=3,
            migrants=1,
            seed=2,
            asynchronous=False,
            backend="local",
            stop_on_solve=False,
            **kw,
        )

    whole = make().run(40)
    make(checkpoint_dir=tmp_path).run(30)
    saved = [load_checkpoint(tmp_path / f"island-{i}.ckpt").loop_state for i in range(2)]
    assert all(len(s["proofs"]["proofs"]) > 0 for s in saved)
    resumed = make(checkpoint_dir=tmp_path).run(40, resume=True)
    assert figures(resumed) == figures(whole)


class SlowOverstated(Overstated):
    """:class:`Overstated` that sleeps ``seconds`` per evaluation: an island on a slow machine."""

    def __init__(self, seconds: float, **kw) -> None:
        super().__init__(**kw)
        self.seconds = seconds

    def evaluate(self, policy, *, generator=None):
        time.sleep(self.seconds)
        return super().evaluate(policy, generator=generator)


def test_asynchronous_islands_stop_when_the_first_proved_solution_is_reported(ray_session):
    # island 0 proves a solution within a few generations of milliseconds (as evolve does on
    # its seed); island 1 takes 0.5 s a generation and stops at its next one
    islands = Islands(
        [pso(), pso()],
        [Overstated(threshold=3.3), SlowOverstated(0.5, threshold=3.3)],
        migrants=0,
        seed=5,
    )
    result = islands.run(200)
    reference = ne.evolve(
        pso(), Overstated(threshold=3.3), generations=200, seed=islands.settings.island_seed(0)
    )
    assert result.solved and reference.solved
    assert result.generations[0] == reference.generations
    assert [g.best_fitness for g in result.histories[0]] == [
        h.best_fitness for h in reference.history
    ]
    assert result.generations[1] < 20  # 0.5 s each: it stopped long before 200


def test_asynchronous_islands_are_not_solved_by_a_training_fitness_alone(ray_session):
    result = Islands(
        [pso(), pso()], Overstated(threshold=4.2), migration_interval=3, migrants=1, seed=2
    ).run(40)
    assert not result.solved and result.generations == [40, 40]
    assert all(g.best_fitness < 4.2 for h in result.histories for g in h)
