"""``chainrule graph``: examples, expressions and the training model, to every kind of file."""
import json
import re

import pytest

from chainrule.cli import main


def test_an_example_becomes_the_step_through_page(tmp_path, capsys):
    path = tmp_path / "circuit.html"
    assert main(["graph", "circuit", "--out", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    page = path.read_text()
    steps = json.loads(re.search(r'type="application/json">(.*?)</script>', page, re.S)[1])
    assert [s["value"] for s in steps if s["name"] == "f"] == ["-12", "1"]
    assert "(seed 001, 002)" in page                         # the example's title


def test_an_expression_is_drawn_with_its_gradients(tmp_path):
    path = tmp_path / "f.dot"
    assert main(["graph", "--expr", "(x + y) * z", "x=-2", "y=5", "z=-4",
                 "--out", str(path)]) == 0
    dot = path.read_text()
    assert "f = -12" in dot and "x = -2\\ngrad -4" in dot and "z = -4\\ngrad 3" in dot


def test_without_out_the_dot_text_is_printed(capsys):
    assert main(["graph", "circuit"]) == 0
    assert capsys.readouterr().out.startswith("digraph")


def test_the_training_model_is_drawn_with_its_parameter_names(tmp_path):
    path = tmp_path / "mlp.dot"
    assert main(["graph", "--model", "mlp", "--out", str(path)]) == 0
    dot = path.read_text()
    assert "0.weight (128, 64) float32" in dot and "4.bias (10) float32" in dot
    assert 'label="cross_entropy"' in dot or 'label="softmax_cross_entropy"' in dot


def test_the_training_model_becomes_a_step_through_page(tmp_path):
    path = tmp_path / "mlp.html"
    assert main(["graph", "--model", "mlp", "--out", str(path)]) == 0
    steps = json.loads(re.search(r'type="application/json">(.*?)</script>', path.read_text(),
                                 re.S)[1])
    forward = " ".join(s["formula"] for s in steps if s["phase"] == "forward")
    assert forward.count(".T + ") == 3 and "logsumexp(" in forward   # 3 layers and the loss
    assert sum(s["phase"] == "backward" for s in steps) >= 3 + 3 + 1     # and their gradients


@pytest.mark.parametrize("argv, message", [
    (["graph"], "give one of"),
    (["graph", "nope"], "no built-in example called 'nope'"),
    (["graph", "circuit", "--expr", "x"], "expected NAME=NUMBER, got 'circuit'"),
    (["graph", "circuit", "--model", "mlp"], "give one of"),
    (["graph", "--expr", "x +", "x=1"], "x +"),
    (["graph", "circuit", "--out", "f.jpg"], "end the path with one of"),
])
def test_bad_input_is_one_line_and_exit_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule graph: error: ") and message in err
    assert err.count("\n") == 1
