"""Notes for the numbers that went out of range: where a value first became inf or nan, and
why, in words (``step (3): division by zero gives inf``), instead of NumPy's warnings.

>>> import chainrule as cr, numpy as np
>>> x = cr.tensor(1.0, requires_grad=True, name="x")
>>> y = cr.tensor(0.0, requires_grad=True, name="y")
>>> with np.errstate(all="ignore"):
...     e = cr.explain(x / y)
>>> numeric_notes(e)[0]
'forward step (3): div1 = x / y is inf: division by zero gives inf'
"""
import numpy as np

CAUSES = {   # the gate, and what out of range means for it
    "Div": "division by zero gives {value}",
    "Reciprocal": "division by zero gives {value}",
    "Log": "the log of {where} gives {value}",
    "Sqrt": "the square root of a negative number gives nan",
    "Pow": "a power out of range gives {value}",
    "Exp": "exp overflows to inf",
}


def bad(value):
    """'inf', '-inf' or 'nan' when the value holds one (the first kind found), else ''."""
    array = np.asarray(value, dtype=float)
    if np.isnan(array).any():
        return "nan"
    if np.isinf(array).any():
        return "inf" if (array[np.isinf(array)] > 0).any() else "-inf"
    return ""


def numeric_notes(explanation):
    """One note for each step whose value went out of range while its inputs had not."""
    forward = {s.name: s for s in explanation.forward}
    notes = []
    for step in explanation.forward:
        value = bad(step.value)
        if value and not any(bad(forward[i].value) for i in step.inputs if i in forward):
            cause = CAUSES.get(step.gate, "the result is {value}")
            where = "0" if value == "-inf" else "a negative number"
            notes.append(f"forward step ({step.index}): {step.name} = {step.formula} is "
                         f"{value}: {cause.format(value=value, where=where)}")
    for step in explanation.backward:
        value = bad(step.value)
        if value and not any(bad(t.upstream_value) for t in step.terms):
            via = ", ".join(sorted({t.consumer for t in step.terms}))
            notes.append(f"backward step ({step.index}): {step.symbol} is {value}: the local "
                         f"derivative of {via} is out of range there (a derivative at 0 of "
                         f"sqrt, log or 1/x, or 0 x inf)")
    return notes
