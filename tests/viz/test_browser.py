"""The page in a real browser: headless Chromium (the system's) driven by Playwright.

Steps through the seeds' circuit with the buttons and with the keyboard, reads the numbers
the page shows, checks that it asks the network for nothing, and looks at a screenshot.
"""
import io

import pytest

import chainrule as cr
from viz_helpers import circuit, long_chain, needs_dot


# What the page must show at each step of f = (x + y) z (seeds 001, 002): worked by hand.
FORWARD = {"x": "-2", "y": "5", "q": "3", "z": "-4", "f": "-12"}
BACKWARD = {"f": "1", "z": "3", "q": "-4", "y": "-4", "x": "-4"}


@pytest.fixture
def open_page(browser, tmp_path):
    """Open a generated page; returns (page, urls it requested, script errors)."""
    opened = []

    def open_(out, layout="auto", size=(1200, 700)):
        path = tmp_path / f"page{len(opened)}.html"
        cr.viz.draw(out, path, layout=layout)
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        opened.append(page)
        return page, requests, errors

    yield open_
    for page in opened:
        page.close()


def shown(page):
    """(phase, node name, value) as the panel shows them, and the highlighted node's id."""
    active = page.eval_on_selector_all("#graph .node.active", "els => els.map(e => e.id)")
    return (page.inner_text("#phase").lower(), page.inner_text("#name"),
            page.inner_text("#value"), active)


def walk(page, forward_key):
    """Press forward_key until the end; the (phase, name, value) seen at every step."""
    seen = []
    while True:
        forward_key()
        step = shown(page)
        if seen and step[:3] == seen[-1][:3]:
            return seen
        seen.append(step)


def check_circuit_steps(seen):
    phases = [phase for phase, *_ in seen]
    assert phases == ["forward"] * 5 + ["backward"] * 5
    assert {name: value for phase, name, value, _ in seen if phase == "forward"} == FORWARD
    assert {name: value for phase, name, value, _ in seen if phase == "backward"} == BACKWARD
    assert seen[4][1:3] == ("f", "-12")                      # forward ends at f = -12
    assert all(len(active) >= 1 for *_, active in seen)      # a node is lit at every step


@pytest.mark.parametrize("layout", ["auto", "builtin"])
def test_buttons_step_through_the_circuit_with_the_seeds_numbers(open_page, layout):
    page, requests, errors = open_page(circuit()[0], layout)
    assert page.inner_text("#name") == "Start" and page.is_disabled("#prev")
    seen = walk(page, lambda: page.click("#next") if page.is_enabled("#next") else None)
    check_circuit_steps(seen)
    assert page.is_disabled("#next")
    page.click("#prev")
    assert shown(page)[:3] == ("backward", "y", "-4")
    page.click("#reset")
    assert page.inner_text("#name") == "Start"
    assert requests == [page.url] and errors == []


def test_arrow_keys_step_forward_and_back(open_page):
    page, requests, errors = open_page(circuit()[0])
    check_circuit_steps(walk(page, lambda: page.keyboard.press("ArrowRight")))
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    assert shown(page)[:3] == ("forward", "f", "-12")
    page.keyboard.press("Home")
    assert page.inner_text("#name") == "Start"
    assert requests == [page.url] and errors == []


def test_the_backward_step_of_a_reused_node_lists_the_terms_it_adds(open_page):
    x = cr.tensor(3.0, requires_grad=True, name="x")
    y = x * x + x
    y.name = "y"
    page, _, errors = open_page(y)
    page.keyboard.press("End")
    assert shown(page)[1:3] == ("x", "7")
    terms = page.eval_on_selector_all("#terms .term .term-value",
                                      "els => els.map(e => e.textContent)")
    assert sorted(terms) == ["1", "3", "3"]
    assert "3 paths add up" in page.inner_text("#terms")
    assert errors == []


def test_play_advances_by_itself_and_pause_stops_it(open_page):
    page, _, _ = open_page(circuit()[0])
    page.click("#play")
    page.wait_for_function("document.getElementById('counter').textContent.startsWith('step 2')")
    page.click("#play")
    assert page.inner_text("#play") == "Play"


def test_the_screenshot_is_not_blank(open_page, tmp_path):
    image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    page, _, _ = open_page(circuit()[0])
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    path = tmp_path / "circuit.png"
    page.screenshot(path=str(path))
    picture = image.open(io.BytesIO(path.read_bytes())).convert("RGB")
    graph_area = picture.crop((0, 60, 800, 680))
    colours = graph_area.getcolors(maxcolors=1 << 20)
    assert len(colours) > 20                                  # drawn nodes, text, edges
    background = max(colours)[0] / (graph_area.width * graph_area.height)
    assert background < 0.97


def view_box(page):
    return [float(v) for v in page.get_attribute("#graph > svg", "viewBox").split()]


@pytest.mark.parametrize("layout", [pytest.param("auto", marks=needs_dot), "builtin"])
def test_a_graph_of_hundreds_of_nodes_stays_usable(open_page, layout):
    page, _, errors = open_page(long_chain(), layout)
    assert page.locator("#graph .node").count() > 300
    page.keyboard.press("ArrowRight")
    start = view_box(page)
    node = page.locator("#graph .node.active").bounding_box()
    assert 0 <= node["x"] and node["x"] + node["width"] <= 820      # the step is in view
    page.click("#fit")
    fitted = view_box(page)
    assert fitted[2] > start[2]                                        # fit shows more
    page.click("#zoom-in")
    assert view_box(page)[2] < fitted[2]
    before = view_box(page)
    page.mouse.move(400, 300)
    page.mouse.down()
    page.mouse.move(300, 250)
    page.mouse.up()
    panned = view_box(page)
    assert panned[0] > before[0] and panned[1] > before[1]            # dragged left and up
    page.keyboard.press("End")
    node = page.locator("#graph .node.active").bounding_box()
    assert 0 <= node["x"] and node["x"] + node["width"] <= 820      # followed to the end
    assert errors == []
