"""An island resume with an island's checkpoint missing names the file instead of starting
that island again at generation 0 while the others go on; nothing is written."""

from __future__ import annotations

import pytest

import neuroevo as ne
from neuroevo.errors import CheckpointError
from neuroevo.islands.islands import Islands

SYNC = {
    "migration_interval": 2,
    "migrants": 1,
    "seed": 4,
    "asynchronous": False,
    "backend": "local",
    "stop_on_solve": False,
}


def _figures(result):
    return [
        [
            (
                g.generation,
                g.best_fitness,
                g.mean_fitness,
                g.best_fitness_so_far,
                g.evaluations,
                g.immigrants,
            )
            for g in h
        ]
        for h in result.histories
    ]


def _pso() -> ne.PSO:
    return ne.PSO(ne.MLP(2, [3], 1), pop_size=8, reset_module=True)


def _checkpointed(tmp_path, **kw):
    return Islands(
        [_pso() for _ in range(3)], ne.tasks.XOR(), **{**SYNC, "checkpoint_dir": tmp_path, **kw}
    )


@pytest.mark.parametrize("missing", [[1], [0, 2], [0, 1, 2]])
def test_a_resume_with_an_island_checkpoint_missing_names_it(tmp_path, missing):
    _checkpointed(tmp_path).run(4)
    for i in missing:
        (tmp_path / f"island-{i}.ckpt").unlink()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(CheckpointError) as e:
        _checkpointed(tmp_path).run(6, resume=True)
    message = str(e.value)
    assert "\n" not in message
    for i in range(3):
        assert (f"island-{i}.ckpt" in message) == (i in missing), message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing written


def test_a_resume_with_every_checkpoint_goes_on(tmp_path):
    whole = _checkpointed(tmp_path / "whole").run(6)
    _checkpointed(tmp_path / "part").run(4)
    resumed = _checkpointed(tmp_path / "part").run(6, resume=True)
    assert _figures(resumed) == _figures(whole)


def test_ray_islands_refuse_the_same_missing_checkpoint(tmp_path, ray_session):
    _checkpointed(tmp_path).run(2)
    (tmp_path / "island-2.ckpt").unlink()
    with pytest.raises(CheckpointError, match="island-2.ckpt"):
        Islands(
            [_pso() for _ in range(3)],
            ne.tasks.XOR(),
            migration_interval=2,
            migrants=1,
            seed=4,
            checkpoint_dir=tmp_path,
        ).run(4, resume=True)
