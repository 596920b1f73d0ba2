"""``chainrule explain``: the forward and backward tables of a built-in example or of an
expression, as text, Markdown, LaTeX or HTML.

    chainrule explain --list
    chainrule explain circuit
    chainrule explain --expr "(x + y) * z" x=-2 y=5 z=-4 --format markdown --out f.md
"""
from . import UsageError


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "explain", help="show backprop step by step for an example or an expression",
        description="Forward and backward tables: every node's value, every gradient as the "
                    "sum over its consumers of upstream gradient x local derivative.")
    parser.add_argument("items", nargs="*", metavar="EXAMPLE | NAME=VALUE",
                        help="a built-in example (see --list), or with --expr the variables' "
                             "values (x=-2 y=5)")
    parser.add_argument("--expr", help='an expression such as "(x + y) * z" (numbers, names, '
                                       '+ - * / **, exp log sqrt tanh sigmoid relu sin cos abs '
                                       'max min)')
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
    explanation = explanation_for(args, examples)
    text = explanation.render(args.format)
    if args.out:
        from ..viz.render import write_atomic
        if args.format == "html":   # a file gets a whole page, a notebook the fragment
            text = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                    f"<title>chainrule explain</title></head>\n<body>\n{text}\n</body></html>\n")
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
    from ..expr import ExpressionError, build, parse_values
    if args.expr is not None:
        try:
            return explain(build(args.expr, parse_values(args.items)),
                           title=f"f = {args.expr}")
        except ExpressionError as e:
            raise UsageError(str(e)) from None
    if len(args.items) != 1:
        raise UsageError(f"give one built-in example ({', '.join(examples.names())}) or "
                         f'--expr "EXPRESSION" NAME=VALUE ...; see --list')
    try:
        return examples.explain(args.items[0])
    except KeyError as e:
        raise UsageError(e.args[0]) from None
