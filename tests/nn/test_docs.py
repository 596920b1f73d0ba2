"""docs/nn.md: its Python examples run as written."""
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "nn.md"


def test_examples_in_nn_doc_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    assert "'conv.weight', 'conv.bias', 'fc.weight', 'fc.bias'" in capsys.readouterr().out
