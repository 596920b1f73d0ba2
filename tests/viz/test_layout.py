"""The built-in layout (no Graphviz): every node placed, edges left to right, no overlaps."""
import random
import re
import xml.etree.ElementTree as ET

import chainrule as cr
from chainrule.viz.graph import build
from chainrule.viz.layout import BENDS_PER_NODE, graph_edges, layout_svg, routed
from viz_helpers import circuit, long_chain

NS = {"svg": "http://www.w3.org/2000/svg"}


def boxes(svg):
    """Node id -> (left, top, right, bottom) read back from the SVG."""
    result = {}
    for g in ET.fromstring(svg).iterfind(".//svg:g[@class='node']", NS):
        rect, ellipse = g.find("svg:rect", NS), g.find("svg:ellipse", NS)
        if rect is not None:
            x, y = float(rect.get("x")), float(rect.get("y"))
            result[g.get("id")] = (x, y, x + float(rect.get("width")),
                                   y + float(rect.get("height")))
        else:
            cx, cy = float(ellipse.get("cx")), float(ellipse.get("cy"))
            rx, ry = float(ellipse.get("rx")), float(ellipse.get("ry"))
            result[g.get("id")] = (cx - rx, cy - ry, cx + rx, cy + ry)
    return result


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_layout(out):
    graph = build(out)
    svg = layout_svg(graph)
    placed = boxes(svg)
    assert sorted(placed) == sorted([n.id for n in graph.tensors] + [g.id for g in graph.gates])
    for gate in graph.gates:
        for source in gate.inputs:
            assert placed[source][2] < placed[gate.id][0]          # input left of its gate
        assert placed[gate.id][2] < placed[gate.output][0]         # gate left of its output
    items = list(placed.values())
    assert not any(overlap(a, b) for i, a in enumerate(items) for b in items[i + 1:])
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    assert all(0 <= b[0] and b[2] <= width and 0 <= b[1] and b[3] <= height for b in items)
    return svg


def test_the_circuit_is_laid_out_left_to_right():
    svg = check_layout(circuit()[0])
    assert "q = 3" in svg and "f = -12" in svg


def test_a_few_hundred_nodes_are_laid_out_without_overlaps():
    graph = build(long_chain())
    placed = boxes(check_layout(long_chain()))
    centre = {node_id: (b[0] + b[2]) / 2 for node_id, b in placed.items()}
    columns = []                    # a column's centres agree to the SVG's rounding
    for x in sorted(centre.values()):
        if not columns or x - columns[-1] > 1:
            columns.append(x)
    column = {node_id: sum(c < x - 1 for c in columns) for node_id, x in centre.items()}
    for node in graph.tensors:      # an input sits just left of its first user, not far off
        if node.kind != "tensor":
            first = min(column[g.id] for g in graph.gates if node.id in g.inputs)
            assert column[node.id] == first - 1, node.name


def test_a_long_edge_bends_around_the_nodes_it_passes():
    """An input used early and late: its edge to the late user passes several columns, and
    its curve's points all lie between nodes, never inside one."""
    svg = layout_svg(build(long_chain(12)))
    placed = boxes(svg)
    long_edges = 0
    for g in ET.fromstring(svg).iterfind(".//svg:g[@class='edge']", NS):
        numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*", g.find("svg:path", NS).get("d"))]
        points = list(zip(numbers[::2], numbers[1::2]))[3::3]      # the curve's end points
        long_edges += len(points) > 1
        for x, y in points[:-1]:
            assert not any(b[0] < x < b[2] and b[1] < y < b[3] for b in placed.values())
    assert long_edges >= 10


def test_an_mlp_with_parameters_is_laid_out():
    model = cr.nn.Sequential(cr.nn.Linear(4, 8), cr.nn.ReLU(), cr.nn.Linear(8, 3))
    check_layout(cr.nn.CrossEntropyLoss()(model(cr.randn(5, 4)), cr.tensor([0, 1, 2, 0, 1])))


def test_a_value_used_all_along_a_chain_keeps_the_bend_points_linear():
    """y = y * c + x: x feeds every other gate; routing each edge around the columns it
    passes would need a quadratic number of bend points, so past a budget the longest edges
    are drawn straight, and the layers stay as they were (x beside its first user)."""
    x = cr.tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(150):
        y = y * 1.0001 + x
    graph = build(y)
    ids = [n.id for n in graph.tensors] + [g.id for g in graph.gates]
    index = {node_id: i for i, node_id in enumerate(ids)}
    pairs = [(index[t], index[s]) for _, s, t, _ in graph_edges(graph)]
    kept = routed(len(ids), pairs)
    assert 0 < len(pairs) - len(kept) < len(pairs) / 2
    svg = check_layout(y)
    bends = sum(len(re.findall(" C", d)) - 1 for d in re.findall(r'<path d="([^"]*)"', svg))
    assert bends <= BENDS_PER_NODE * len(ids)
    placed = boxes(svg)
    first_user = min((g for g in graph.gates if "t0" in g.inputs), key=lambda g: placed[g.id][0])
    assert placed["t0"][2] < placed[first_user.id][0]
    left, right = placed["t0"][2], placed[first_user.id][0]
    assert not [b for b in placed.values() if left < b[0] and b[2] < right]


def test_the_same_graph_always_gives_the_same_picture():
    """igraph draws its random numbers from Python's random module: whatever state it is in,
    the layout is the same (pictures can be diffed)."""
    graph = build(long_chain(12))
    pictures = set()
    for seed in (0, 1, 2):
        random.seed(seed)
        pictures.add(layout_svg(graph))
    assert len(pictures) == 1
