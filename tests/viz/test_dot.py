"""``to_dot``: one node per tensor and per gate, edges in operand order, values, gradients."""
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import chainrule as cr
from chainrule.viz.graph import format_array
from viz_helpers import circuit, needs_dot, used_twice


def node_lines(dot):
    return {m.group(1): m.group(2) for m in re.finditer(r"^  ([tg]\d\w*) \[(.*)\];$", dot, re.M)}


def edges(dot):
    return re.findall(r"^  (\w+) -> (\w+) ", dot, re.M)


def label(attrs):
    return re.search(r'label="((?:[^"\\]|\\.)*)"', attrs).group(1)


def test_the_circuit_has_a_node_per_tensor_and_per_gate_with_values():
    f, _ = circuit()
    nodes = node_lines(cr.viz.to_dot(f))
    labels = sorted(label(a) for a in nodes.values())
    assert labels == sorted(["x = -2", "y = 5", "z = -4", "q = 3", "f = -12", "+", "*"])


def test_edges_follow_operand_order_and_name_the_gate_inputs():
    x = cr.tensor(7.0, requires_grad=True, name="x")
    y = cr.tensor(2.0, requires_grad=True, name="y")
    dot = cr.viz.to_dot(y - x)                       # operands: y first, then x
    ids = {label(a).split(" ")[0]: n for n, a in node_lines(dot).items()}
    into_gate = [(s, t) for s, t in edges(dot) if t.startswith("g")]
    assert into_gate == [(ids["y"], "g0"), (ids["x"], "g0")]
    assert re.search(rf'{ids["y"]} -> g0 \[.*label="x"', dot)   # y is the gate's input x


def test_output_is_the_same_for_the_same_graph():
    assert cr.viz.to_dot(circuit()[0]) == cr.viz.to_dot(circuit()[0])


def test_gradients_appear_after_backward_with_retain_graph():
    f, (x, y, z, q) = circuit()
    assert "grad" not in cr.viz.to_dot(f)
    f.backward(retain_graph=True)
    labels = {label(a).split(" ")[0]: label(a) for a in node_lines(cr.viz.to_dot(f)).values()}
    assert labels["x"] == "x = -2\\ngrad -4" and labels["y"] == "y = 5\\ngrad -4"
    assert labels["z"] == "z = -4\\ngrad 3"


def test_a_freed_graph_says_to_retain_it():
    f, _ = circuit()
    f.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        cr.viz.to_dot(f)


def test_a_tensor_used_twice_is_one_node_with_an_edge_per_use():
    y, _ = used_twice()
    dot = cr.viz.to_dot(y)
    x_id = next(n for n, a in node_lines(dot).items() if label(a) == "x = 3")
    assert [t for s, t in edges(dot) if s == x_id] == ["g0", "g0", "g1"]


def test_constants_get_their_own_node():
    x = cr.tensor(1.5, requires_grad=True, name="x")
    labels = [label(a) for a in node_lines(cr.viz.to_dot(2.5 * x)).values()]
    assert "= 2.5" in labels


def test_large_tensors_are_summarised_and_named_by_params():
    layer = cr.nn.Linear(100, 50)
    out = layer(cr.randn(8, 100)).sum()
    dot = cr.viz.to_dot(out, params=dict(layer.named_parameters()))
    weight = next(label(a) for a in node_lines(dot).values() if label(a).startswith("weight"))
    assert weight.startswith("weight (50, 100) float32\\n= mean ")
    assert len(weight) < 100                                  # not 5000 numbers


def test_names_with_quotes_and_backslashes_are_escaped():
    x = cr.tensor(1.0, requires_grad=True, name='say "hi" \\ bye')
    assert r'label="say \"hi\" \\ bye = 1"' in cr.viz.to_dot(x.exp())


def test_format_array_shows_small_values_and_summarises_large_ones():
    assert format_array(np.array(-12.0)) == "-12"
    assert format_array(np.array([1.0, 0.5, -2.0])) == "[1, 0.5, -2]"
    assert format_array(np.arange(100.0)) == "mean 49.5, [0, 99]"
    assert format_array(np.array([True, False] * 5)) == "5 of 10 true"


def test_a_graph_deeper_than_the_recursion_limit_is_drawn():
    x = cr.tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    assert cr.viz.to_dot(y).count(" -> ") == 3000 * 3


def test_not_a_tensor_is_refused():
    with pytest.raises(TypeError, match="expected a Tensor"):
        cr.viz.to_dot(3.0)


@needs_dot
def test_graphviz_reads_the_dot_with_the_same_nodes_and_edges():
    f, _ = circuit()
    f.backward(retain_graph=True)
    dot = cr.viz.to_dot(f)
    result = subprocess.run([shutil.which("dot"), "-Tjson"], input=dot.encode(),
                            capture_output=True, check=True)
    graph = json.loads(result.stdout)
    assert sorted(o["name"] for o in graph["objects"]) == sorted(node_lines(dot))
    assert len(graph["edges"]) == len(edges(dot)) == 6
