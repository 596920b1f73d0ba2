"""``draw`` by suffix, Graphviz present or missing, and the Jupyter picture."""
import os
import xml.etree.ElementTree as ET

import pytest

import chainrule as cr
from chainrule.viz import GraphvizNotFound
from viz_helpers import circuit, needs_dot


@pytest.fixture
def no_graphviz(monkeypatch, tmp_path):
    """A PATH on which no 'dot' can be found."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_dot_file_is_the_dot_text(tmp_path):
    f, _ = circuit()
    path = cr.viz.draw(f, tmp_path / "f.dot")
    assert (tmp_path / "f.dot").read_text() == cr.viz.to_dot(f)
    assert path == tmp_path / "f.dot"


@needs_dot
def test_svg_has_one_group_per_node_with_the_nodes_ids(tmp_path):
    f, _ = circuit()
    cr.viz.draw(f, tmp_path / "f.svg")
    root = ET.parse(tmp_path / "f.svg").getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    ids = sorted(g.get("id") for g in root.iterfind(".//svg:g[@class='node']", ns))
    assert ids == ["g0", "g1", "t0", "t1", "t2", "t3", "t4"]


@needs_dot
def test_png_is_a_png(tmp_path):
    cr.viz.draw(circuit()[0], tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_graphviz_svg_says_how_to_install_it_and_dot_html_still_work(no_graphviz,
                                                                             tmp_path):
    f, _ = circuit()
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        cr.viz.draw(f, tmp_path / "f.svg")
    assert not (tmp_path / "f.svg").exists()
    cr.viz.draw(f, tmp_path / "f.dot")
    cr.viz.draw(f, tmp_path / "f.html")
    assert 'class="node"' in (tmp_path / "f.html").read_text()


def test_an_unknown_suffix_names_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match=r"\.dot, \.gv, \.svg, \.png, \.html"):
        cr.viz.draw(circuit()[0], tmp_path / "f.jpg")


def test_files_are_replaced_whole_with_no_temporary_left(tmp_path):
    (tmp_path / "f.dot").write_text("old")
    cr.viz.draw(circuit()[0], tmp_path / "f.dot")
    assert os.listdir(tmp_path) == ["f.dot"]
    assert (tmp_path / "f.dot").read_text().startswith("digraph")


def test_jupyter_shows_the_picture_inline_without_graphviz(no_graphviz):
    picture = cr.viz.picture(circuit()[0])
    assert picture._repr_svg_() is None
    assert 'id="t4"' in picture._repr_html_()


@needs_dot
def test_jupyter_shows_graphviz_svg_when_installed():
    assert cr.viz.picture(circuit()[0])._repr_svg_().lstrip().startswith("<?xml")
