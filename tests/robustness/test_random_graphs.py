"""Random graphs from the gate registry against two references: float64 central differences
(``cr.gradcheck``) and PyTorch (forward values and leaf gradients). The gates and how a graph
applies each are the ``op`` entries of tests/gate_table.py."""
import numpy as np
import pytest
from hypothesis import event, given

import chainrule as cr
from strategies import bounded, graphs


def leaf_tensors(lib, graph):
    return [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in graph.leaves]


def note_gates(graph):
    for node in graph.nodes:
        event(node[0])


@bounded(300)
@given(graph=graphs())
def test_gradients_match_central_differences(graph):
    note_gates(graph)
    assert cr.gradcheck(lambda *xs: graph.run(cr, *xs), leaf_tensors(cr, graph))


@bounded(200)
@given(graph=graphs())
def test_forward_and_backward_match_pytorch(graph):
    torch = pytest.importorskip("torch")
    ours = leaf_tensors(cr, graph)
    theirs = leaf_tensors(torch, graph)
    outs, touts = graph.run(cr, *ours), graph.run(torch, *theirs)
    rng = np.random.default_rng(0)
    loss, tloss = 0, 0
    for out, tout in zip(outs, touts):
        assert tuple(out.shape) == tuple(tout.shape)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-12)
        weight = rng.standard_normal(out.shape)
        loss = loss + (out * cr.tensor(weight, dtype=cr.float64)).sum()
        tloss = tloss + (tout * torch.tensor(weight)).sum()
    loss.backward()
    tloss.backward()
    for i, (x, tx) in enumerate(zip(ours, theirs)):
        assert (x.grad is None) == (tx.grad is None), f"leaf n{i}: one library gave no gradient"
        if x.grad is not None:
            np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-7, atol=1e-10,
                                       err_msg=f"gradient of leaf {i}")
