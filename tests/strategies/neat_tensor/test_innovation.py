"""Innovation numbers and node ids as neat-python 2.0's ``InnovationTracker`` and
``get_new_node_key`` give them, for batches of mutations."""

from __future__ import annotations

import neat
import torch

from neuroevo.strategies.neat.tensor import TensorNEAT
from neuroevo.strategies.neat.tensor.convert import to_neat
from neuroevo.strategies.neat.tensor.genes import conn_code, conn_ends
from neuroevo.strategies.neat.tensor.initial import create_new
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker
from neuroevo.strategies.neat.tensor.structure import Mutator

from .helpers import neat_config, spec_of


def test_tracker_numbers_like_neat_python():
    ref = neat.InnovationTracker()
    ours = InnovationTracker(next_node_key=3)
    calls = [
        ((1, 2), "add_connection"),
        ((1, 3), "add_connection"),
        ((1, 2), "add_connection"),
        ((1, 2), "add_node_in"),
        ((-1, 3), "add_connection"),
        ((1, 3), "add_connection"),
    ]
    want = [ref.get_innovation_number(i, o, kind) for (i, o), kind in calls]
    # in batches: the same mutations share numbers exactly where neat-python's do
    got = []
    for batch in (calls[:3], calls[3:]):
        kinds = {k for _, k in batch}
        for kind in sorted(kinds):
            codes = conn_code(
                torch.tensor([i for (i, _), k in batch if k == kind]),
                torch.tensor([o for (_, o), k in batch if k == kind]),
            )
            nums = ours.innovations(codes, kind).tolist()
            it = iter(nums)
            got += [((i, o), k, next(it)) for (i, o), k in batch if k == kind]
    by_call = {}
    for call, number in zip(calls, want):
        by_call.setdefault(call, set()).add(number)
    ours_by_call = {}
    for pair, kind, number in got:
        ours_by_call.setdefault((pair, kind), set()).add(number)
    assert {k: len(v) for k, v in ours_by_call.items()} == {k: len(v) for k, v in by_call.items()}
    assert ours.global_counter == ref.global_counter == 4
    ref.reset_generation()
    ours.reset_generation()
    again = ours.innovations(conn_code(torch.tensor([1]), torch.tensor([2])), "add_connection")
    assert int(again) == ref.get_innovation_number(1, 2, "add_connection") == 5


def _split_everything(tmp_path, same_split_same_node: bool):
    config = neat_config(
        tmp_path,
        {
            "DefaultGenome": {
                "num_hidden": 0,
                "initial_connection": "full_direct",
                "node_add_prob": 1.0,
                "node_delete_prob": 0.0,
                "conn_add_prob": 0.0,
                "conn_delete_prob": 0.0,
                "single_structural_mutation": False,
            }
        },
    )
    spec = spec_of(config)
    tracker = InnovationTracker(
        next_node_key=spec.num_outputs, same_split_same_node=same_split_same_node
    )
    gen = torch.Generator().manual_seed(0)
    pop = create_new(spec, 200, first_gid=1, tracker=tracker, gen=gen, dtype=torch.float64)
    tracker.reset_generation()
    kids = Mutator(spec, tracker, gen, torch.float64).mutate(pop)
    new = kids.nodes.key >= spec.num_outputs
    return config, spec, kids, kids.nodes.key[new]


def test_each_split_gets_its_own_node_as_in_neat_python(tmp_path):
    config, spec, kids, new_nodes = _split_everything(tmp_path, False)
    assert new_nodes.numel() == 200 and new_nodes.unique().numel() == 200
    # every innovation number belongs to one connection key
    inn = kids.conns.cols["innovation"][kids.conns.valid()]
    key = kids.conns.key[kids.conns.valid()]
    pairs = torch.unique(torch.stack([inn, key]), dim=1)
    assert pairs.shape[1] == inn.unique().numel()
    assert all(g.size()[0] == 3 for g in to_neat(kids, range(5), config))


def test_same_split_same_node_option(tmp_path):
    config, spec, kids, new_nodes = _split_everything(tmp_path, True)
    n_conns = spec.num_inputs * spec.num_outputs  # the connections there are to split
    assert new_nodes.numel() == 200 and new_nodes.unique().numel() == n_conns
    # the same split gives the same two new innovation numbers
    new_genes = kids.conns.valid() & (kids.conns.cols["innovation"] > n_conns)
    assert kids.conns.cols["innovation"][new_genes].unique().numel() == 2 * n_conns


def test_same_new_connection_in_one_generation_shares_its_number(tmp_path):
    config = neat_config(
        tmp_path,
        {
            "DefaultGenome": {
                "num_hidden": 0,
                "num_inputs": 2,
                "num_outputs": 1,
                "initial_connection": "unconnected",
                "conn_add_prob": 1.0,
                "single_structural_mutation": False,
            },
            "DefaultSpeciesSet": {"compatibility_threshold": 1e3},
            "NEAT": {"pop_size": 300},
        },
    )
    s = TensorNEAT(config, dtype=torch.float64)
    s.initialize(seed=1, device="cpu")
    assert s.tracker.global_counter == 0
    s.tell(torch.rand(300, generator=torch.Generator().manual_seed(0)))
    c = s.population.conns
    made = c.valid()
    ins, outs = conn_ends(c.key[made])
    inn = c.cols["innovation"][made]
    direct = (ins < 0) & (outs == 0)  # (-1, 0) and (-2, 0): add_connection
    assert direct.sum() > 100
    assert inn[direct].unique().numel() == 2  # one number each, in all children
