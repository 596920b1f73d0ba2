"""``chainrule explain``: the forward and backward tables of a built-in example, a built-in
model or an expression, as text, Markdown, LaTeX or HTML; ``--layers`` gives the layer view.

    chainrule explain --list
    chainrule explain circuit x=3 y=1 z=2
    chainrule explain dnn --layers
    chainrule explain --model cnn
    chainrule explain --expr "(x + y) * z" x=-2 y=5 z=-4 --format markdown --out f.md
"""
import numpy as np

from . import UsageError

LAYER_FORMATS = ("text", "markdown", "latex", "html")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "explain", help="show backprop step by step for an example, a model or an expression",
        description="Forward and backward tables: every node's value, every gradient as the "
                    "sum over its consumers of upstream gradient x local derivative.")
    parser.add_argument("items", nargs="*", metavar="EXAMPLE | NAME=VALUE",
                        help="a built-in example (see --list) and new values for its inputs "
                             "(circuit x=3 y=1 z=2), or with --expr the variables' values")
    parser.add_argument("--expr", help='an expression such as "(x + y) * z" (numbers, names, '
                                       '+ - * / **, exp log sqrt tanh sigmoid relu sin cos abs '
                                       'max min)')
    parser.add_argument("--model", choices=("mlp", "cnn", "gpt"),
                        help="a built-in model's loss on a small batch, in the layer view")
    parser.add_argument("--layers", action="store_true",
                        help="the layer view: one row per layer, as seed 000's tables")
    parser.add_argument("--expand", action="store_true",
                        help="with the layer view: each layer's gate-level steps under it")
    parser.add_argument("--format", default="text", choices=("text", "markdown", "latex", "html"))
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    parser.add_argument("--list", action="store_true", help="list the built-in examples")


def run(args):
    from .. import examples
    if args.list:
        for name in examples.names():
            ex = examples.get(name)
            print(f"{name:13} seed {ex.seed:9} {ex.title}")
        return 0
    layers = args.layers or args.model is not None
    if layers and args.format not in LAYER_FORMATS:
        raise UsageError(f"the layer view comes as {', '.join(LAYER_FORMATS)}, not {args.format}")
    with np.errstate(all="ignore"):   # a division by zero is a note in the table, not a warning
        explanation = explanation_for(args, examples)
        text = (explanation.layers().render(args.format, args.expand) if layers
                else explanation.render(args.format))
    if args.format == "html":   # a file or a pipe gets a whole page; a notebook the fragment
        text = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>chainrule explain</title></head>\n<body>\n{text}\n</body></html>\n")
    if args.out:
        from ..viz.render import write_atomic
        try:
            write_atomic(args.out, text)
        except OSError as e:
            raise UsageError(f"cannot write {args.out}: {e.strerror}") from None
        print(f"wrote {args.out} ({args.format})")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def explanation_for(args, examples):
    from ..explain import explain
    from ..explain.numerics import numeric_notes
    from ..expr import ExpressionError, build, parse_values
    if args.model is not None:
        if args.expr is not None or args.items:
            raise UsageError("--model takes no example, expression or values")
        from .graph import model_graph
        loss, model, title = model_graph(args.model)
        return explain(loss, title=title, model=model)
    try:
        values = parse_values(args.items[1:] if args.expr is None else args.items)
    except ExpressionError as e:
        raise UsageError(str(e)) from None
    if args.expr is not None:
        try:
            out = build(args.expr, values)
        except ExpressionError as e:
            raise UsageError(str(e)) from None
        e = explain(out, title=f"{out.name} = {args.expr}")
        e.notes += numeric_notes(e)
        return e
    if not args.items or "=" in args.items[0]:
        raise UsageError(f"give one built-in example ({', '.join(examples.names())}) or "
                         f'--expr "EXPRESSION" NAME=VALUE ...; see --list')
    try:
        e = examples.explain(args.items[0], values)
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    e.notes += numeric_notes(e)
    return e
