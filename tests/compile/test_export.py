"""export_genome: the exported model, loaded back, gives neat-python's outputs."""

from __future__ import annotations

import importlib.util
import random

import neat
import numpy as np
import pytest
import torch

from neuroevo.compile.export import export_genome
from neuroevo.compile.module import compile_genome
from neuroevo.errors import CompileError

from .recurrent_genomes import ACTIVATIONS, AGGREGATIONS, make_config

HAVE_ONNX = all(importlib.util.find_spec(m) for m in ("onnx", "onnxscript", "onnxruntime"))
needs_onnx = pytest.mark.skipif(
    not HAVE_ONNX,
    reason="ONNX export needs the onnx extra: pip install onnx onnxscript onnxruntime",
)


def _every_function_genome(config: neat.Config, *, recurrent: bool) -> neat.DefaultGenome:
    """One hidden node per activation (aggregations cycling through all 7), fed by every
    input and feeding every output; recurrent ones add self-loops and a hidden ring."""
    gc = config.genome_config
    rng = random.Random(0)
    random.seed(0)
    g = config.genome_type(0)
    g.configure_new(gc)
    g.connections.clear()
    hidden = []
    for j, act in enumerate(ACTIVATIONS):
        key = 10 + j
        node = g.create_node(gc, key)
        node.activation, node.aggregation = act, AGGREGATIONS[j % len(AGGREGATIONS)]
        node.bias, node.response = rng.uniform(-0.5, 0.5), rng.uniform(0.5, 1.5)
        g.nodes[key] = node
        hidden.append(key)
        for i in gc.input_keys:
            g.add_connection(gc, i, key, rng.uniform(-1, 1), True)
        for o in gc.output_keys:
            g.add_connection(gc, key, o, rng.uniform(-0.3, 0.3), True)
    for o, agg in zip(gc.output_keys, ("sum", "mean")):
        g.nodes[o].activation, g.nodes[o].aggregation = "tanh", agg
    if recurrent:
        for a, b in zip(hidden, hidden[1:] + hidden[:1]):
            g.add_connection(gc, a, b, rng.uniform(-0.5, 0.5), True)
            g.add_connection(gc, a, a, rng.uniform(-0.5, 0.5), True)
    return g


@pytest.fixture(scope="module")
def config():
    return make_config(
        num_inputs=3,
        num_outputs=2,
        num_hidden=0,
        initial_connection="unconnected",
        feed_forward=True,
    )


@pytest.fixture(scope="module")
def rec_config():
    return make_config(num_inputs=3, num_outputs=2, num_hidden=0, initial_connection="unconnected")


def _xs(batch: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.5, 1.5, size=(batch, 3))


def _neat_ff(genome, config, xs) -> np.ndarray:
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return np.array([net.activate(list(x)) for x in xs])


def _load(info):
    if info.format == "torchscript":
        return torch.jit.load(str(info.path))
    if info.format == "export":
        return torch.export.load(info.path).module()
    import onnxruntime

    session = onnxruntime.InferenceSession(str(info.path))
    names = info.output_names

    def run(*args):
        feed = {n: a.numpy() for n, a in zip(info.input_names, args)}
        out = [torch.from_numpy(o) for o in session.run(list(names), feed)]
        return out[0] if len(out) == 1 else tuple(out)

    return run


@pytest.mark.parametrize(
    "fmt, dtype, tol",
    [
        ("torchscript", torch.float64, 1e-9),
        ("export", torch.float64, 1e-9),
        pytest.param("onnx", torch.float32, 2e-5, marks=needs_onnx),
    ],
)
def test_feed_forward_export_loads_back_equal_to_neat(tmp_path, config, fmt, dtype, tol):
    g = _every_function_genome(config, recurrent=False)
    info = export_genome(
        g, config.genome_config, tmp_path / f"g.{fmt}", format=fmt, example_batch=3, dtype=dtype
    )
    assert info.path.is_file() and info.input_names == ("x",) and not info.recurrent
    model = _load(info)
    xs = _xs(11, 1)  # another batch size than the example: the batch dimension is dynamic
    got = model(torch.tensor(xs, dtype=dtype))
    ref = _neat_ff(g, config, xs)
    assert np.abs(ref).max() > 0.05
    np.testing.assert_allclose(got.numpy(), ref, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "fmt, dtype, tol",
    [
        ("torchscript", torch.float64, 1e-9),
        ("export", torch.float64, 1e-9),
        pytest.param("onnx", torch.float32, 2e-5, marks=needs_onnx),
    ],
)
def test_recurrent_export_steps_like_neat(tmp_path, rec_config, fmt, dtype, tol):
    g = _every_function_genome(rec_config, recurrent=True)
    info = export_genome(
        g, rec_config.genome_config, tmp_path / f"r.{fmt}", format=fmt, recurrent=True, dtype=dtype
    )
    assert info.recurrent and info.state_size == len(ACTIVATIONS) + 2
    assert info.input_names == ("x", "state") and info.output_names == ("y", "new_state")
    model = _load(info)
    batch = 5
    nets = [neat.nn.RecurrentNetwork.create(g, rec_config) for _ in range(batch)]
    state = torch.zeros(info.state_size, batch, dtype=dtype)
    for t in range(4):
        xs = _xs(batch, 10 + t)
        y, state = model(torch.tensor(xs, dtype=dtype), state)
        ref = np.array([n.activate(list(x)) for n, x in zip(nets, xs)])
        np.testing.assert_allclose(y.numpy(), ref, rtol=tol, atol=tol)


def test_trained_module_exports_its_trained_weights(tmp_path, config):
    g = _every_function_genome(config, recurrent=False)
    module = compile_genome(g, config.genome_config, device="cpu", dtype=torch.float64)
    with torch.no_grad():
        module.weight.mul_(1.7)
    info = export_genome(module, None, tmp_path / "trained.pt", format="torchscript")
    x = torch.tensor(_xs(6, 3))
    got = torch.jit.load(str(info.path))(x)
    assert torch.allclose(got, module(x), rtol=1e-12, atol=1e-14)
    assert not torch.allclose(got, torch.tensor(_neat_ff(g, config, x.tolist())), atol=1e-3)


def test_bad_arguments_raise(tmp_path, config):
    g = _every_function_genome(config, recurrent=False)
    with pytest.raises(CompileError, match="unknown format 'tflite'"):
        export_genome(g, config.genome_config, tmp_path / "g", format="tflite")
    with pytest.raises(CompileError, match=r"\[B, 3\]"):
        export_genome(g, config.genome_config, tmp_path / "g", example_batch=torch.zeros(2, 4))
    with pytest.raises(CompileError, match="genome_config"):
        export_genome(g, None, tmp_path / "g")
