"""The export table against the gate registry: every registered gate has decided its
export (a translation or a reason it is not exportable), and docs/deploy.md shows the
table as it is. ``python tests/onnx/test_onnx_table.py`` rewrites the docs' table."""
import pathlib
import sys

import chainrule as cr  # noqa: F401  (registers every gate)
from chainrule.autograd import REGISTRY
from chainrule.onnx import TABLE, NotExportable, supported_gates_markdown
from chainrule.ops.masks import MASK_GATES

DEPLOY = pathlib.Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
BEGIN = "<!-- supported gates: generated from chainrule/onnx/table.py -->\n"
END = "<!-- end of supported gates -->\n"


def test_every_registered_gate_has_an_entry():
    missing = sorted((set(REGISTRY) | set(MASK_GATES)) - set(TABLE))
    assert not missing, (
        f"gates without an ONNX entry: {missing}; add a translation, or NotExportable(reason), "
        f"to TABLE in src/chainrule/onnx/table.py (docs/deploy.md: adding a gate)")


def test_every_entry_names_a_registered_gate():
    assert sorted(set(TABLE) - set(REGISTRY) - set(MASK_GATES)) == []


def test_mask_gates_stay_out_of_the_registry():
    """Mask gates carry no gradient: the registry's gates are each gradient-checked, so the
    two sets must not meet (a comparison registered there would need a gradient case)."""
    assert MASK_GATES and not set(MASK_GATES) & set(REGISTRY)


def test_every_entry_says_what_it_writes_or_why_not():
    for name, entry in TABLE.items():
        if isinstance(entry, NotExportable):
            assert len(entry.reason) > 20, name
        else:
            assert callable(entry) and entry.onnx, name


def docs_table():
    text = DEPLOY.read_text()
    assert BEGIN in text and END in text, f"{DEPLOY} lost its generated-table markers"
    return text, text[text.index(BEGIN) + len(BEGIN):text.index(END)]


def test_docs_table_is_the_table():
    _, shown = docs_table()
    assert shown == supported_gates_markdown(REGISTRY), (
        "docs/deploy.md's table of gates is out of date: run python tests/onnx/test_onnx_table.py")


if __name__ == "__main__":   # rewrite the docs' table from the code
    text, shown = docs_table()
    DEPLOY.write_text(text.replace(BEGIN + shown + END,
                                   BEGIN + supported_gates_markdown(REGISTRY) + END))
    sys.exit(0)
