"""The step-through page as a file: self-contained, and its steps carry explain's numbers."""
import json
import re

import pytest

import chainrule as cr
from viz_helpers import circuit, used_twice


def page_steps(page):
    text = re.search(r'<script id="chainrule-steps" type="application/json">(.*?)</script>',
                     page, re.S).group(1)
    return json.loads(text)


@pytest.mark.parametrize("layout", ["builtin", "auto"])
def test_the_page_refers_to_nothing_outside_itself(layout):
    page = cr.viz.to_html(circuit()[0], layout=layout)
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"|"http://www\.w3\.org/2000/svg"', "",
                                page)
    assert not re.search(r"https?:|//[a-z]", without_namespaces, re.I)
    assert not re.search(r"<(link|script|img|iframe)[^>]*\s(src|href)=\"(?!data:)", page)
    assert "@import" not in page and "url(" not in page


def test_the_circuit_steps_forward_then_backward_with_the_seeds_numbers():
    steps = page_steps(cr.viz.to_html(circuit()[0], layout="builtin"))
    forward = {s["name"]: s["value"] for s in steps if s["phase"] == "forward"}
    backward = {s["name"]: s["value"] for s in steps if s["phase"] == "backward"}
    assert forward == {"x": "-2", "y": "5", "q": "3", "z": "-4", "f": "-12"}
    assert backward == {"f": "1", "q": "-4", "z": "3", "x": "-4", "y": "-4"}
    phases = [s["phase"] for s in steps]
    assert phases == ["forward"] * 5 + ["backward"] * 5


def test_each_step_points_at_its_node_in_the_picture():
    page = cr.viz.to_html(circuit()[0], layout="builtin")
    for step in page_steps(page):
        assert f'<g id="{step["node"]}" class="node">' in page
        label = re.search(rf'<g id="{step["node"]}" class="node">.*?</g>', page).group(0)
        if step["phase"] == "backward":
            continue
        if step["gate"] is None:     # an input's value is given: shown from the start
            assert f">{step['name']} = " in label
        else:                        # a computed value appears when its step is reached
            assert f">{step['name']}<" in label and " = " not in label


def test_each_term_names_the_edge_its_product_is_written_on():
    steps = page_steps(cr.viz.to_html(used_twice()[0], layout="builtin"))
    x = next(s for s in steps if s["phase"] == "backward" and s["name"] == "x")
    edges = [t["edges"] for t in x["terms"]]
    assert all(len(e) == 1 for e in edges) and len({e[0] for e in edges}) == 3   # x * x + x


def test_a_node_with_several_consumers_shows_every_term():
    steps = page_steps(cr.viz.to_html(used_twice()[0], layout="builtin"))
    x = next(s for s in steps if s["phase"] == "backward" and s["name"] == "x")
    assert x["value"] == "7"
    assert sorted(t["value"] for t in x["terms"]) == ["1", "3", "3"]       # 1 + x + x
    assert len(x["edges"]) == 3


def test_names_cannot_break_out_of_the_page():
    x = cr.tensor(1.0, requires_grad=True, name="</script><script>alert(1)</script>")
    page = cr.viz.to_html(x.exp(), layout="builtin")
    assert "<script>alert" not in page
    assert page_steps(page)[0]["name"] == "</script><script>alert(1)</script>"


def test_an_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="auto, graphviz, builtin"):
        cr.viz.to_html(circuit()[0], layout="circo")


def test_chainrule_graph_draws_the_gpt_with_its_module_names(tmp_path, capsys):
    from chainrule.cli import main
    path = tmp_path / "gpt.html"
    assert main(["graph", "--model", "gpt", "--out", str(path), "--layout", "builtin"]) == 0
    steps = page_steps(path.read_text())
    shown = {s["name"] for s in steps}
    assert {"blocks.0.attn.qkv.weight", "blocks.0.ln1", "head", "L"} <= shown
    assert not [n for n in shown if n.startswith("input")]
