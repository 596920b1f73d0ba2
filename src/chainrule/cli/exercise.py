"""``chainrule exercise dnn --answer my_answer.py``: check hand-derived gradients for seed
000's network (FC, ReLU, FC, softmax, cross-entropy, no biases).

The answer file defines ``gradients(W1, W2, x, y)``, which receives NumPy arrays (W1 4x3,
W2 3x4, x 3x1, one-hot y 3x1) and returns ``{"W1": dL/dW1, "W2": dL/dW2}``. Each gradient is
compared with autodiff and with central differences; a wrong one is named, with the first
element that differs. Exit status 0 when every gradient passes, 1 otherwise.
"""
import runpy
import sys

from . import UsageError

TEMPLATE = '''# Seed 000's network: write dL/dW1 and dL/dW2 below, replacing each ..., then run
#     chainrule exercise dnn --answer THIS_FILE
# W1 is 4x3, W2 3x4, x 3x1 and y a one-hot 3x1; each gradient has its weight's shape.
import numpy as np


def gradients(W1, W2, x, y):
    """Seed 000: z1 = W1 x, a1 = max(0, z1), z2 = W2 a1, y_hat = softmax(z2), L = CE(y, y_hat)."""
    z1 = W1 @ x
    a1 = np.maximum(0, z1)
    z2 = W2 @ a1
    y_hat = np.exp(z2) / np.exp(z2).sum()
    dz2 = ...   # dL/dz2
    return {"W1": ..., "W2": ...}
'''


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "exercise", help="check your hand-derived gradients (seed 000's network)",
        description="Without --answer: print the exercise and a template to start from.")
    parser.add_argument("name", choices=("dnn",), help="the exercise (dnn: seed 000)")
    parser.add_argument("--answer", metavar="FILE",
                        help="a Python file defining gradients(W1, W2, x, y)")
    parser.add_argument("--template", action="store_true",
                        help="print only the template, a Python file to fill in "
                             "(chainrule exercise dnn --template > answer.py)")


def run(args):
    from .. import examples
    if args.answer is None:   # stdout is the Python file; the prose goes to stderr
        if not args.template:
            print(examples.get("dnn").title + "\n\nWrite dL/dW1 and dL/dW2 in a file like "
                  "the template below (chainrule exercise dnn --template > answer.py), then "
                  "run: chainrule exercise dnn --answer answer.py\n", file=sys.stderr)
        print(TEMPLATE, end="")
        return 0
    report = check_answer(args.answer, examples)
    print(report)
    print("all gradients are right" if report.passed else
          f"wrong: {', '.join(report.failed)}")
    return 0 if report.passed else 1


def check_answer(path, examples):
    from ..check import check_gradients
    gradients = load_answer(path)
    inputs = examples.dnn_inputs()
    try:
        expected = gradients(**{k: v.copy() for k, v in inputs.items()})
    except Exception as e:  # the learner's code: any error becomes one line
        if "ellipsis" in str(e):
            raise UsageError(f"{path}: a value is still ... (the template's blank); fill in "
                             f"every ... before checking ({type(e).__name__}: {e})") from None
        raise UsageError(f"{path}: gradients(W1, W2, x, y) raised {type(e).__name__}: {e}") \
            from None
    if not isinstance(expected, dict) or not expected:
        raise UsageError(f"{path}: gradients(W1, W2, x, y) must return a dict such as "
                         f'{{"W1": ..., "W2": ...}}, got {type(expected).__name__}')
    unknown = [k for k in expected if k not in inputs]
    if unknown:
        raise UsageError(f"{path}: unknown gradient names {unknown}; use W1, W2 (and x)")
    missing = [k for k in ("W1", "W2") if k not in expected]
    if missing:
        raise UsageError(f"{path}: the answer has no gradient for {', '.join(missing)}")
    blank = [k for k, v in expected.items() if v is Ellipsis]
    if blank:
        raise UsageError(f"{path}: dL/d{' and dL/d'.join(blank)} "
                         f"{'is' if len(blank) == 1 else 'are'} still ... (the template's blank); "
                         f"write {'it' if len(blank) == 1 else 'them'} in, then check again")
    try:
        return check_gradients(examples.dnn_loss, inputs, expected)
    except (TypeError, ValueError) as e:
        raise UsageError(f"{path}: {e}") from None


def load_answer(path):
    try:
        namespace = runpy.run_path(path)
    except FileNotFoundError:
        raise UsageError(f"no answer file {path}; run 'chainrule exercise dnn' for a "
                         f"template") from None
    except Exception as e:  # the learner's file: any error becomes one line
        raise UsageError(f"{path} could not run: {type(e).__name__}: {e}") from None
    fn = namespace.get("gradients")
    if not callable(fn):
        raise UsageError(f"{path} must define a function gradients(W1, W2, x, y)")
    return fn
