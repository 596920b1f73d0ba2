"""docs/training.md: every Python block runs, in order, as the page promises."""
import os
import re

PAGE = os.path.join(os.path.dirname(__file__), "..", "docs", "training.md")


def test_the_tutorial_code_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", open(PAGE).read(), re.S)
    assert len(blocks) >= 7
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "tutorial"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"training.md block {number}", "exec"), namespace)
    assert "test accuracy" in capsys.readouterr().out
