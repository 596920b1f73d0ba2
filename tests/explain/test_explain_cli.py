"""``chainrule explain``: examples, expressions, formats, files, one-line errors."""
import re

import pytest

from chainrule import examples
from chainrule.cli import main


def test_list_names_every_example(capsys):
    assert main(["explain", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in examples.names())


def test_an_example_as_text(capsys):
    assert main(["explain", "neuron"]) == 0
    out = capsys.readouterr().out
    assert "df/dx0 = df/dp0 * w0" in out and "0.3932" in out


@pytest.mark.parametrize("fmt, marker", [("text", "df/dz = df/df * add1"), ("markdown", "| (5) |"),
                                         ("latex", r"\begin{tabular}"), ("html", "<table>")])
def test_an_expression_in_every_format(capsys, fmt, marker):
    assert main(["explain", "--expr", "(x + y) * z", "x=-2", "y=5", "z=-4",
                 "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert marker in out


def test_out_writes_the_file(tmp_path, capsys):
    target = tmp_path / "dnn.md"
    assert main(["explain", "dnn", "--format", "markdown", "--out", str(target)]) == 0
    assert r"\hat{y} - y" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["dnn.md"]    # no temporary left behind


def test_an_html_file_is_a_whole_page(tmp_path, capsys):
    target = tmp_path / "circuit.html"
    assert main(["explain", "circuit", "--format", "html", "--out", str(target)]) == 0
    page = target.read_text()
    assert page.startswith("<!doctype html>") and "<table>" in page and page.rstrip().endswith("</html>")


@pytest.mark.parametrize("argv, message", [
    (["explain", "--expr", "x.__class__", "x=1"], "attribute access"),
    (["explain", "--expr", "x * y", "x=1"], "no value for y"),
    (["explain", "--expr", "x * y", "x=1", "y=abc"], "value of y is not a number"),
    (["explain", "nope"], "no built-in example called 'nope'"),
    (["explain"], "give one built-in example"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_docs_pages_are_what_the_code_generates():
    import importlib.util
    import pathlib
    folder = pathlib.Path(__file__).resolve().parents[2] / "docs" / "explain"
    spec = importlib.util.spec_from_file_location("generate", folder / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name in examples.names():
        assert (folder / f"{name}.md").read_text() == generate.page(name), \
            f"docs/explain/{name}.md is stale: run python docs/explain/generate.py"
    # the tutorial's models compute in float32 through BLAS, whose last digits may differ
    # from one CPU to another: its rows, formulas and shapes must match, its numbers to 2 digits
    numbers = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
    rough = lambda text: numbers.sub(lambda m: f"{float(m.group()):.2g}", text)  # noqa: E731
    assert rough((folder / generate.TUTORIAL).read_text()) == rough(generate.tutorial()), \
        f"docs/explain/{generate.TUTORIAL} is stale: run python docs/explain/generate.py"
    assert (folder / "README.md").read_text() == generate.index()
