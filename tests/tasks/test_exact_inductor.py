"""The inductor backend of compiled rollouts computes what eager PyTorch computes, bit for bit."""

import pytest
import torch
from torch._inductor import decomposition, lowering

import neuroevo as ne
from neuroevo.tasks.exact_inductor import exact_inductor, extern_transcendentals
from tests.compile.random_genomes import make_config, random_genomes


def test_the_registries_are_restored_after_compiling():
    before = (
        dict(lowering.lowerings),
        set(lowering.fallbacks),
        set(lowering.needs_realized_inputs),
        dict(decomposition.decompositions),
    )
    with extern_transcendentals():
        assert torch.ops.aten.cos.default in lowering.fallbacks
    after = (
        dict(lowering.lowerings),
        set(lowering.fallbacks),
        set(lowering.needs_realized_inputs),
        dict(decomposition.decompositions),
    )
    assert after == before


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_powers_and_transcendentals_equal_eager(dtype):
    x = torch.rand(20_000, generator=torch.Generator().manual_seed(0), dtype=dtype) * 6 + 0.1

    def f(x):
        return (
            x**2,
            x**3,
            x**-1,
            x**4,
            x**5,
            x**0.5,
            x**1.7,
            torch.cos(x),
            torch.tanh(x),
            torch.exp(-x),
            torch.remainder(x, 0.7),
            torch.sigmoid(x),
        )

    got = torch.compile(f, backend=exact_inductor)(x)
    for i, (a, b) in enumerate(zip(got, f(x))):
        assert torch.equal(a, b), f"output {i}"


def test_segment_sums_add_in_eager_order_with_many_threads(tmp_path):
    """index_add inside the compiled code runs on one thread (several threads would add a
    node's inputs in whatever order they ran)."""
    config = make_config(
        tmp_path,
        n_in=4,
        n_out=2,
        hidden=3,
        acts=["identity"],
        aggs=["sum"],
        initial_connection="full_direct",
    )
    genomes = random_genomes(config, 1000, seed=5, max_mutations=20)
    program = ne.compile_population(genomes, config.genome_config, device="cpu").program(5)
    program = program.for_compile()
    g = torch.Generator().manual_seed(1)
    threads = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        compiled = torch.compile(program.apply, backend=exact_inductor)
        for _ in range(10):
            x = 3 * torch.randn(4, 5000, generator=g)
            assert torch.equal(compiled(program.key, program.tensors, x), program(x))
    finally:
        torch.set_num_threads(threads)
