"""``TABLE``: every gate's ONNX translation, by gate class name, in one place.

Each registered gate (``chainrule.autograd.REGISTRY``), and each mask gate that export
records (``ops.masks.MASK_GATES``: comparisons, logical operations, predicates, rounding,
sign, argmax, integer casts), has an entry here: a translation (``translate(ctx) -> value
name``, see ``context.py``) or ``NotExportable(reason)``.
``tests/onnx/test_table.py`` fails for a gate without an entry, so a new op cannot be added
without deciding its export; docs/deploy.md's table of supported gates is generated from
this one (``supported_gates_markdown``) and kept in sync by the same tests.
"""
from ..ops.masks import MASK_GATES
from . import elementwise, layers, masks, recurrent, reductions, shapes


class NotExportable:
    """A gate that export refuses, with the reason (and what to do instead)."""

    onnx = "not exportable"

    def __init__(self, reason):
        self.reason = reason


TABLE = {
    **elementwise.TRANSLATIONS,
    **reductions.TRANSLATIONS,
    **shapes.TRANSLATIONS,
    **layers.TRANSLATIONS,
    **recurrent.TRANSLATIONS,
    **masks.TRANSLATIONS,
    "Atan2": NotExportable("ONNX has no atan2 operator (its quadrant rules would need a "
                           "composition of Atan and Where); not exportable yet"),
    **{name: NotExportable("ONNX has no operator for it (and no exact composition); "
                           "compute it outside the exported model")
       for name in ("Hypot", "Logaddexp", "Logaddexp2", "Erfinv", "Lgamma", "Digamma",
                    "Polygamma", "Sinc", "Logcumsumexp", "Erfcx", "Ndtri", "LogNdtr", "Entr", "I0", "I0e", "I1",
                    "I1e")},
    "Erfc": NotExportable("ONNX has no erfc operator and 1 - Erf loses the small values "
                          "of the tail; compute it outside the exported model"),
    "MaxUnpool2d": NotExportable("its indices come from max_pool2d(return_indices=True), "
                                 "which computes them outside the graph; not exportable yet"),
    **{name: NotExportable("ONNX has no singular value decomposition operator; compute it "
                           "outside the exported model") for name in ("Svdvals", "SvdU", "SvdVh")},
    **{name: NotExportable("a linear-algebra solver with no ONNX operator; compute it "
                           "outside the exported model") for name in (
        "Inv", "Det", "LogAbsDet", "Solve", "Cholesky", "Eigvalsh", "EighVectors", "QrQ",
        "QrR", "Pinv", "MatrixExp")},
}


def supported_gates_markdown(registry):
    """The table of docs/deploy.md: each registered gate and mask gate, its label and what
    it becomes."""
    gates = {**registry, **MASK_GATES}
    lines = ["| gate | label | ONNX |", "|---|---|---|"]
    for name in sorted(gates):
        entry = TABLE.get(name)
        if entry is None:
            what = "**no entry** (export raises)"
        elif isinstance(entry, NotExportable):
            what = f"not exportable: {entry.reason}"
        else:
            what = entry.onnx
        label = gates[name].label.replace("|", "\\|")
        lines.append(f"| `{name}` | `{label}` | {what} |")
    return "\n".join(lines) + "\n"
