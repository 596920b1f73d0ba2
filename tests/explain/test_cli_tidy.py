"""Issue 14, the command line tidy: each case a new user hit, as a test."""
import ast
import os
import subprocess
import sys

import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.expr import build


def run(*argv, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="default")
    return subprocess.run([sys.executable, "-m", "chainrule", *argv], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def test_exercise_template_is_only_python(tmp_path):
    result = run("exercise", "dnn", "--template")
    assert result.returncode == 0
    ast.parse(result.stdout)   # no prose in the file
    answer = tmp_path / "answer.py"
    answer.write_text(result.stdout)
    checked = run("exercise", "dnn", "--answer", str(answer))
    assert checked.returncode == 2
    assert "dL/dW1 and dL/dW2 are still ..." in checked.stderr
    assert "ellipsis" not in checked.stderr


def test_exercise_without_options_keeps_the_prose_off_stdout():
    result = run("exercise", "dnn")
    ast.parse(result.stdout)
    assert "--answer" in result.stderr


def test_an_expression_variable_never_takes_the_output_s_name(capsys):
    assert main(["explain", "--expr", "f * 2", "f=3"]) == 0
    out = capsys.readouterr().out
    assert "dout/df = dout/dout * 2" in out and "df/df" not in out
    assert build("f * out", {"f": 1.0, "out": 2.0}).name == "f1"


@pytest.mark.parametrize("argv", [["--expr", "-x*2", "x=3"], ["--expr=-x", "x=3"]])
def test_an_expression_may_start_with_a_minus(capsys, argv):
    assert main(["explain", *argv]) == 0
    assert "df/dx" in capsys.readouterr().out


@pytest.mark.parametrize("expr, values, note", [
    ("x / y", ["x=1", "y=0"], "division by zero gives inf"),
    ("log(x)", ["x=-1"], "the log of a negative number gives nan"),
    ("sqrt(x)", ["x=0"], "backward step (2): df/dx is inf")])
def test_numerical_warnings_become_notes(expr, values, note):
    result = run("explain", "--expr", expr, *values)
    assert result.returncode == 0
    assert note in result.stdout
    assert "RuntimeWarning" not in result.stderr and ".py" not in result.stderr


def test_a_flat_sum_of_62_terms_is_not_deep():
    terms = {f"x{i}": 1.0 for i in range(62)}
    assert build(" + ".join(terms), terms).item() == 62.0


def test_built_in_examples_take_new_values(capsys):
    assert main(["explain", "circuit", "x=3", "y=1", "z=2"]) == 0
    out = capsys.readouterr().out
    assert "f = q * z  scalar  8" in out and "df/dx = df/dq * 1" in out
    assert main(["explain", "circuit", "w=1"]) == 2
    assert "it takes x, y, z" in capsys.readouterr().err


def test_every_backward_line_shows_upstream_times_local():
    e = cr.examples.explain("circuit")
    assert [s.formula for s in e.backward[1:]] == [
        "df/dz = df/df * q", "df/dq = df/df * z", "df/dy = df/dq * 1", "df/dx = df/dq * 1"]


def test_minus_zero_prints_as_zero(capsys):
    assert main(["explain", "--expr", "x * y", "x=0", "y=-1"]) == 0
    out = capsys.readouterr().out
    assert "-0 " not in out and "-0\n" not in out and "-0." not in out


def test_html_format_is_a_whole_page_with_a_charset(capsys):
    assert main(["explain", "circuit", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!doctype html>") and '<meta charset="utf-8">' in out
    assert out.rstrip().endswith("</html>")
