"""Closed module boxes in the built-in layout: one layout per reachable set of open boxes, a
closed box in place of its nodes, its edges ending at the box."""
import json
import re
import xml.etree.ElementTree as ET

import pytest

import chainrule as cr
from chainrule.cli.graph import model_graph
from chainrule.viz.boxes import closed_svg, layout_key, layouts, open_sets
from chainrule.viz.graph import build
from chainrule.viz.layout import graph_edges
from chainrule.viz.steps import module_groups
from test_layout import NS, boxes, overlap


@pytest.fixture(scope="module")
def gpt():
    loss, model, _ = model_graph("gpt")
    graph = build(loss, model)
    return graph, module_groups(graph, model)


def by_label(groups):
    return {g["label"].split(":")[0]: g for g in groups}


def test_a_box_opens_only_inside_an_open_box(gpt):
    graph, groups = gpt
    ids = {name: g["id"] for name, g in by_label(groups).items()}
    block, attn, mlp = ids["blocks.0"], ids["blocks.0.attn"], ids["blocks.0.mlp"]
    assert sorted(map(sorted, open_sets(groups))) == sorted(
        [[], [block], sorted([block, attn]), sorted([block, mlp]), sorted([block, attn, mlp])])
    assert open_sets(groups, most=4) is None          # past the cap: the page covers instead


def test_a_box_holds_its_parameters_but_not_what_others_use(gpt):
    graph, groups = gpt
    names = {n.id: n.name for n in graph.tensors}
    block = {names.get(m) for m in by_label(groups)["blocks.0"]["members"]}
    assert {"blocks.0.attn.qkv.weight", "blocks.0.ln1.bias", "causal_mask"} <= block
    assert not {"tok.weight", "pos.weight", "head.weight", "ln_f.weight"} & block


def test_a_closed_box_stands_for_its_nodes_and_keeps_their_edges(gpt):
    graph, groups = gpt
    block = by_label(groups)["blocks.0"]
    svg = closed_svg(graph, groups, frozenset())
    root = ET.fromstring(svg)
    shown = {g.get("id") for g in root.iterfind(".//svg:g[@class='node']", NS)}
    assert shown and not shown & set(block["members"])
    box = root.find(".//svg:g[@class='group-box']", NS)
    assert box.get("id") == block["id"] and box.find("svg:text", NS).text == "blocks.0: Block ▸"
    edges = {g.get("id"): g.find("svg:title", NS).text
             for g in root.iterfind(".//svg:g[@class='edge']", NS)}
    crossing = [(e, s, t) for e, s, t, _ in graph_edges(graph)
                if (s in block["members"]) != (t in block["members"])]
    assert crossing
    for edge_id, source, target in crossing:     # same id, now from or to the box
        expected = f"{block['id'] if source in block['members'] else source}->" \
                   f"{block['id'] if target in block['members'] else target}"
        assert edges[edge_id] == expected
    inside = [e for e, s, t, _ in graph_edges(graph)
              if s in block["members"] and t in block["members"]]
    assert inside and not set(inside) & set(edges)


def test_every_layout_has_no_overlaps_and_opening_makes_room(gpt):
    graph, groups = gpt
    found = layouts(graph, groups)
    widths = {}
    for key, svg in found.items():
        placed = boxes(svg)
        for g in ET.fromstring(svg).iterfind(".//svg:g[@class='group-box']", NS):
            rect = g.find("svg:rect", NS)
            x, y = float(rect.get("x")), float(rect.get("y"))
            placed[g.get("id")] = (x, y, x + float(rect.get("width")),
                                   y + float(rect.get("height")))
        items = list(placed.values())
        assert not any(overlap(a, b) for i, a in enumerate(items) for b in items[i + 1:])
        widths[key] = float(re.search(r'viewBox="0 0 (\S+)', svg).group(1))
    every = layout_key(g["id"] for g in groups)
    assert widths[""] < widths[layout_key([by_label(groups)["blocks.0"]["id"]])] < widths[every]


def test_the_page_carries_the_layouts_and_opens_on_the_closed_one(gpt):
    loss, model, _ = model_graph("gpt")
    page = cr.viz.to_html(loss, model)               # auto: module boxes take igraph's layout
    carried = json.loads(re.search(r'<script id="chainrule-layouts" type="application/json">'
                                   r'(.*?)</script>', page, re.S).group(1))
    assert len(carried) == 5 and carried[""] in page
    plain = cr.viz.to_html(cr.tensor(2.0, requires_grad=True).exp())
    assert '<script id="chainrule-layouts" type="application/json">{}</script>' in plain
