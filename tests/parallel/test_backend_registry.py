"""Every place that takes a backend name reads neuroevo.parallel.registry: evolve's
make_backend, the --backend option, the [parallel] table, Islands and local_sgd accept the
registry's names for their use and refuse the others with those names in one line."""

from __future__ import annotations

import argparse
import inspect

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.parallel.make import make_backend
from neuroevo.parallel.registry import REGISTRY, backend_names, install_line, unknown_backend
from neuroevo.run.arguments import add_parallel_arguments
from neuroevo.run.experiment_file import load_experiment


def test_the_names_of_each_use():
    assert backend_names("evaluation") == ("serial", "process", "ray")
    assert backend_names("islands") == ("ray", "local")
    assert backend_names("local_sgd") == ("ray", "local")
    assert install_line("ray") == 'backend "ray" needs Ray: pip install "neuroevo[ray]"'
    assert unknown_backend("rey", "islands", "Islands backend") == (
        "Islands backend: unknown 'rey' (did you mean 'ray'?); use one of ['ray', 'local']"
    )
    with pytest.raises(ValueError, match="use 'threads'"):
        backend_names("threads")


@pytest.mark.parametrize("name", ["serial", "process", "ray"])
def test_make_backend_builds_the_registered_class(name):
    backend = make_backend(backend=name, workers=None if name == "serial" else 1)
    try:
        assert backend.name == name
        assert REGISTRY[name].target.endswith(":" + type(backend).__name__)
        assert set(REGISTRY[name].takes) <= set(inspect.signature(type(backend)).parameters)
    finally:
        backend.close()


def test_cli_backend_choices_are_the_evaluation_names():
    parser = argparse.ArgumentParser()
    add_parallel_arguments(parser)
    (action,) = [a for a in parser._actions if a.dest == "backend"]
    assert tuple(action.choices) == backend_names("evaluation")
    for name in backend_names("evaluation"):
        assert name in action.help


def _experiment(tmp_path, backend):
    path = tmp_path / "exp.toml"
    path.write_text(
        '[experiment]\ngenerations = 1\n[task]\nname = "xor"\n'
        f'[strategy]\nname = "ga"\npop_size = 4\n[parallel]\nbackend = "{backend}"\n'
    )
    return path


def test_experiment_files_take_the_evaluation_names(tmp_path):
    for name in backend_names("evaluation"):
        assert load_experiment(_experiment(tmp_path, name)).backend == name
    with pytest.raises(ConfigError, match='backend: expected "serial", "process" or "ray"'):
        load_experiment(_experiment(tmp_path, "local"))  # an islands backend


def test_islands_and_local_sgd_refuse_evaluation_only_names():
    pso = ne.PSO(ne.MLP(2, [2], 1), pop_size=4)
    with pytest.raises(
        ConfigError, match=r"Islands backend: unknown 'process'; use one of \['ray', 'local'\]"
    ):
        ne.Islands([pso, pso], ne.tasks.XOR(), asynchronous=False, backend="process")
    with pytest.raises(
        ConfigError, match=r"local_sgd backend: unknown 'serial'; use one of \['ray', 'local'\]"
    ):
        ne.local_sgd(ne.MLP(1, [2], 1), torch.zeros(4, 1), torch.zeros(4, 1), backend="serial")
