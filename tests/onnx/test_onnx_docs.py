"""The export and onnxruntime snippets of README.md's Deploy section and of docs/deploy.md
run as written (in a temporary folder), so they cannot rot."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, re.S)


def readme_deploy_section():
    text = (ROOT / "README.md").read_text()
    start = text.index("## Deploy")
    return text[start:text.index("\n## ", start + 1)]


@pytest.mark.parametrize("source", ["README.md", "docs/deploy.md"])
def test_snippets_run(source, tmp_path, monkeypatch, capsys):
    text = readme_deploy_section() if source == "README.md" else (ROOT / source).read_text()
    export, run = python_blocks(text)[:2]
    assert "cr.onnx.export" in export and "InferenceSession" in run
    monkeypatch.chdir(tmp_path)
    setup = ("import chainrule as cr\n"
             "model = cr.nn.Sequential(cr.nn.Linear(64, 10)).eval()\n")   # the README's model
    exec(compile(setup + export, f"{source} export", "exec"), {})
    exec(compile(run, f"{source} onnxruntime", "exec"), {})
    printed = capsys.readouterr().out
    assert re.fullmatch(r"\[(\d+\s*){5}\]\n", printed), printed   # five predicted classes
