"""The built-in models' pages in headless Chromium (issue 14): they open readable at
1280x720, show no computed value before its step, and write each backward product on its
edge."""

import pytest

import chainrule as cr
from chainrule.cli.graph import model_graph
from viz_helpers import circuit, needs_dot, used_twice

MEDIAN_LABEL = """() => {
  const area = document.querySelector('#graph').getBoundingClientRect();
  const hs = [...document.querySelectorAll('#graph .node text')]
    .map(t => t.getBoundingClientRect())
    .filter(r => r.height > 0 && r.right > area.left && r.left < area.right &&
                 r.bottom > area.top && r.top < area.bottom)
    .map(r => r.height).sort((a, b) => a - b);
  return [hs.length, hs[Math.floor(hs.length / 2)]];
}"""


def opened(browser, tmp_path, out, params=None, layout="auto"):
    path = tmp_path / "page.html"
    cr.viz.draw(out, path, params, layout=layout)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


@pytest.mark.parametrize("kind", ["mlp", "cnn", "gpt"])
@pytest.mark.parametrize("layout", ["auto", "builtin"])
def test_a_model_page_opens_with_labels_at_least_11_px(browser, tmp_path, kind, layout):
    loss, model, _ = model_graph(kind)
    page, errors = opened(browser, tmp_path, loss, model, layout)
    count, median = page.evaluate(MEDIAN_LABEL)
    assert count >= 3 and median >= 11, (count, median)
    page.keyboard.press("End")      # the last step is brought into view, still readable
    assert page.evaluate(MEDIAN_LABEL)[1] >= 11
    active = page.locator("#graph .node.active").bounding_box()
    assert active is not None and 0 <= active["x"] <= 1280 - 380
    assert errors == []
    page.close()


@pytest.mark.parametrize("name", ["neuron", "dnn"])
def test_a_seed_example_page_opens_with_labels_at_least_11_px(browser, tmp_path, name):
    page, errors = opened(browser, tmp_path, cr.examples.get(name).build())
    count, median = page.evaluate(MEDIAN_LABEL)
    assert count >= 3 and median >= 11, (count, median)
    assert errors == []
    page.close()


def test_nothing_computed_shows_at_start(browser, tmp_path):
    page, errors = opened(browser, tmp_path, circuit()[0])
    text = page.inner_text("#graph")
    assert "x = -2" in text and "-12" not in text and "= 3" not in text   # q, f not yet
    for _ in range(3):
        page.keyboard.press("ArrowRight")                                 # x, y, q
    assert "= 3" in page.inner_text("#graph") and "-12" not in page.inner_text("#graph")
    assert errors == []
    page.close()


def test_a_backward_step_writes_products_on_edges_and_the_sum_at_the_node(browser, tmp_path):
    page, errors = opened(browser, tmp_path, used_twice()[0])
    page.keyboard.press("End")                      # dy/dx: three paths, 1 + 3 + 3 = 7
    notes = page.eval_on_selector_all(".edge-note", "els => els.map(e => e.textContent)")
    assert sorted(notes) == ["1 × 1 = 1", "1 × 3 = 3", "1 × 3 = 3"]
    assert page.text_content(".sum-note") == "sum: 1 + 3 + 3 = 7"
    page.keyboard.press("ArrowLeft")
    assert page.locator(".sum-note").count() == 0
    assert errors == []
    page.close()


GRAPH_WIDTH = "() => document.querySelector('#graph svg > g').getBBox().width"
SHOWN_NODES = """() => [...document.querySelectorAll('#graph .node')]
  .filter(e => e.getBoundingClientRect().width > 0).length"""


@pytest.mark.parametrize("layout", ["auto", pytest.param("graphviz", marks=needs_dot)])
def test_a_module_is_one_box_until_opened_and_boxes_nest(browser, tmp_path, layout):
    loss, model, _ = model_graph("gpt")
    page, errors = opened(browser, tmp_path, loss, model, layout)
    shown = ".group-box:not(.in-closed-group)"
    labels = lambda: sorted(page.eval_on_selector_all(  # noqa: E731
        shown, "els => els.map(e => e.querySelector('text').textContent)"))
    assert labels() == ["blocks.0: Block ▸"]           # the block holds the other two boxes
    assert page.evaluate(SHOWN_NODES) <= 76 - 40        # the block's 42 nodes are not shown
    page.locator(shown).dispatch_event("click")
    assert labels() == ["blocks.0.attn: CausalSelfAttention ▸", "blocks.0.mlp: Sequential ▸"]
    page.locator(f"{shown} >> nth=0").dispatch_event("click")
    assert len(labels()) == 1
    page.close()
    page, errors = opened(browser, tmp_path, loss, model, layout)
    for _ in range(40):                              # the forward steps reach the attention
        page.keyboard.press("ArrowRight")
    assert "blocks.0.attn: CausalSelfAttention ▸" not in labels()
    assert "blocks.0: Block ▸" not in labels()
    assert page.locator("#graph .node.active").count() == 1
    assert errors == []
    page.close()


def test_a_closed_module_gives_back_its_room(browser, tmp_path):
    """The built-in layout lays the graph out again as boxes open: closed, the block is one
    box and the whole graph far narrower than with every box open."""
    loss, model, _ = model_graph("gpt")
    page, errors = opened(browser, tmp_path, loss, model, "builtin")
    closed = page.evaluate(GRAPH_WIDTH)
    total = page.evaluate("JSON.parse(document.getElementById('chainrule-steps')"
                          ".textContent).length")
    for _ in range(total):                           # the steps open every box on the way
        page.keyboard.press("ArrowRight")
    assert page.locator(".group-box").count() == 0
    assert page.evaluate(SHOWN_NODES) == 76
    assert closed < 0.5 * page.evaluate(GRAPH_WIDTH)
    page.keyboard.press("Home")                      # opened boxes stay open
    assert page.locator(".group-box").count() == 0
    assert errors == []
    page.close()


def test_past_the_layouts_cap_a_closed_box_covers_its_nodes(browser, tmp_path):
    """Three blocks: 125 sets of open boxes, past the cap, so the page has one layout with
    every box open and draws each closed box over its nodes."""
    cr.manual_seed(0)
    model = cr.examples.TinyGPT(blocks=3)
    tokens = cr.randint(0, 16, (1, 7))
    with cr.explain.record_modules():
        logits = model(tokens[:, :-1])
    loss = cr.nn.functional.cross_entropy(logits.reshape(-1, 16), tokens[:, 1:].reshape(-1))
    page, errors = opened(browser, tmp_path, loss, model, "builtin")
    assert page.text_content("#chainrule-layouts") == "{}"
    shown = ".group-box:not(.in-closed-group)"
    labels = lambda: sorted(page.eval_on_selector_all(  # noqa: E731
        shown, "els => els.map(e => e.querySelector('text').textContent)"))
    assert labels() == [f"blocks.{i}: Block ▸" for i in range(3)]
    assert page.locator(".node.in-closed-group").count() >= 3 * 40
    page.locator(f"{shown} >> nth=1").dispatch_event("click")
    assert "blocks.1.attn: CausalSelfAttention ▸" in labels()
    assert len(labels()) == 4
    assert errors == []
    page.close()


def test_an_opened_box_puts_its_first_node_where_the_box_was(browser, tmp_path):
    loss, model, _ = model_graph("gpt")
    page, errors = opened(browser, tmp_path, loss, model, "builtin")
    page.keyboard.press("0")                          # Fit: the whole closed graph shows
    box = page.locator(".group-box").bounding_box()
    page.locator(".group-box").dispatch_event("click")
    left = min(page.evaluate("""() => {
      const groups = JSON.parse(document.getElementById('chainrule-groups').textContent);
      const block = groups.find(g => g.label.startsWith('blocks.0:'));
      return block.members.map(id => document.getElementById(id)).filter(Boolean).map(e => {
        const r = e.getBoundingClientRect(); return [r.left, r.top + r.height / 2]; });
    }"""))
    assert abs(left[0] - box["x"]) < 2 and abs(left[1] - (box["y"] + box["height"] / 2)) < 2
    assert errors == []
    page.close()
