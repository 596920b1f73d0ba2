"""``chainrule graph``: draw a graph as DOT, SVG, PNG or the step-through HTML page.

    chainrule graph circuit --out circuit.html
    chainrule graph --expr "(x + y) * z" x=-2 y=5 z=-4 --out f.svg
    chainrule graph --model mlp --out mlp.html

The kind of picture follows the suffix of ``--out`` (.dot .gv .svg .png .html); with no
``--out`` the DOT text is printed. Gradients are computed first, so the picture shows them.
"""
from . import UsageError

MODELS = ("mlp", "cnn", "gpt")
BATCH = 4          # samples in the batch whose loss graph --model draws


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "graph", help="draw a graph: Graphviz picture or interactive HTML page",
        description="Draw the graph of a built-in example, an expression or the training "
                    "model: DOT, SVG, PNG (with Graphviz) or a self-contained HTML page that "
                    "steps through the forward and backward passes.")
    parser.add_argument("items", nargs="*", metavar="EXAMPLE | NAME=VALUE",
                        help="a built-in example (circuit, neuron, ...; see chainrule explain "
                             "--list), or with --expr the variables' values (x=-2 y=5)")
    parser.add_argument("--expr", help='an expression such as "(x + y) * z"')
    parser.add_argument("--model", choices=MODELS,
                        help="a built-in model's loss graph: the training MLP or CNN on a "
                             "batch of digits, or a one-block GPT on a few tokens")
    parser.add_argument("--out", metavar="FILE",
                        help="write FILE (.dot .gv .svg .png .html); default: print DOT")
    parser.add_argument("--layout", choices=("auto", "graphviz", "builtin"), default="auto",
                        help="HTML page layout: Graphviz where installed (auto), or built-in")


def run(args):
    from .. import viz

    out, params, title = graph_for(args)
    if out.requires_grad and out._data.size == 1:
        backward_keeping_every_gradient(out)
    if args.out is None:
        print(viz.to_dot(out, params), end="")
        return 0
    try:
        viz.draw(out, args.out, params, layout=args.layout, title=title)
    except (ValueError, viz.GraphvizNotFound) as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot write {args.out}: {e.strerror}") from None
    print(f"wrote {args.out}")
    return 0


def backward_keeping_every_gradient(out):
    """Run backward so that every tensor, not only the leaves, keeps its ``.grad`` to show."""
    from ..viz.graph import build

    for node in build(out, where="chainrule graph").tensors:
        if node.tensor is not None:
            node.tensor.retain_grad()
    out.backward(retain_graph=True)


def graph_for(args):
    """(output tensor, parameter names, title) for the graph the options ask for."""
    chosen = [bool(args.items and not args.expr), args.expr is not None, args.model is not None]
    if sum(chosen) != 1:
        raise UsageError('give one of: a built-in example (chainrule graph circuit), --expr '
                         '"EXPRESSION" NAME=VALUE ..., or --model mlp')
    if args.model is not None:
        if args.items:
            raise UsageError(f"--model takes no other arguments, got {' '.join(args.items)}")
        return model_graph(args.model)
    if args.expr is not None:
        return expression_graph(args.expr, args.items)
    return example_graph(args.items)


def example_graph(items):
    from .. import examples

    if len(items) != 1:
        raise UsageError(f"give one built-in example, got {' '.join(items)}; the examples "
                         f"are: {', '.join(examples.names())}")
    try:
        example = examples.get(items[0])
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    return example.build(), None, f"{example.title} (seed {example.seed})"


def expression_graph(text, items):
    from ..expr import ExpressionError, build, parse_values

    try:
        return build(text, parse_values(items)), None, f"f = {text}"
    except ExpressionError as e:
        raise UsageError(str(e)) from None


def model_graph(kind):
    """(loss, model, title) of a built-in model on a small batch, its module calls recorded
    so that explain and the pictures name every value as the model does."""
    import chainrule as cr

    if kind == "gpt":
        return gpt_graph(cr)
    from .train import DEFAULTS, build_model, parse_hidden

    x, y = cr.data.load_digits()
    x = cr.data.StandardScaler().fit(x._data).transform(x)[:BATCH]
    if kind == "cnn":
        x = x.reshape(-1, 1, 8, 8)
    cr.manual_seed(DEFAULTS["seed"])
    config = dict(DEFAULTS, model=kind, hidden=parse_hidden(DEFAULTS["hidden"]))
    model = build_model(config, 64, 10)
    with cr.explain.record_modules():
        loss = cr.nn.CrossEntropyLoss()(model(x), y[:BATCH])
    loss.name = "L"
    title = f"chainrule train --model {kind}: the loss of a batch of {BATCH} digits"
    return loss, model, title


def gpt_graph(cr):
    """A one-block GPT (chainrule.examples.TinyGPT) predicting each next token of two short
    sequences."""
    from ..examples import TinyGPT

    cr.manual_seed(0)
    model = TinyGPT()
    tokens = cr.randint(0, 16, (2, 7))
    x, y = tokens[:, :-1], tokens[:, 1:]
    with cr.explain.record_modules():
        logits = model(x)
        loss = cr.nn.functional.cross_entropy(logits.reshape(-1, 16), y.reshape(-1))
    loss.name = "L"
    return loss, model, "a one-block GPT: the loss of predicting the next of 6 tokens, twice"
