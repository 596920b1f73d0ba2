"""How explain and the pictures grow with the graph: they should be near-linear.

* explain: ``cr.explain`` of a chain y = y * c + x of N nodes (every node has two consumers'
  worth of terms), for N = 5,000, 10,000 and 20,000;
* layout: the built-in layout (igraph's layered layout, the page's without Graphviz) of a
  chain of 500, 1,000 and 2,000 gates;
* page: the whole step-through page (explain, steps, layout, HTML) of the 2,000-gate chain;
  of the chain y = y * c + x, whose x feeds every other gate (its edges would bend once per
  column they pass: the layout leaves the longest out of igraph's routing past a budget);
  and of the built-in GPT (``chainrule graph --model gpt``: a layout per set of open boxes);
* dot: Graphviz's ``dot`` on the 500-gate chain, where it is installed: its edge labels make
  it grow faster than linearly, which is why the page's ``auto`` layout uses the built-in one
  above ``viz.page.GRAPHVIZ_GATES`` gates.

Each figure is the best of a few runs; the last column is seconds per 1,000 nodes, which
stays flat when the cost is linear.

    python benchmarks/explain_speed.py
"""
import sys
import time

import chainrule as cr
from chainrule.cli.graph import model_graph
from chainrule.viz.dot import dot_source
from chainrule.viz.graph import build
from chainrule.viz.layout import layout_svg
from chainrule.viz.render import have_dot, run_dot


def chain(gates, add_input=True):
    x = cr.tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(gates // 2 if add_input else gates):
        y = y * 1.0001 + x if add_input else y * 1.0001
    return y


def best(fn, repeats=2):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def row(what, nodes, seconds):
    print(f"{what:8} {nodes:>7,} nodes  {seconds:7.2f} s  {1000 * seconds / nodes:6.3f} s "
          f"per 1,000")


def main():
    for n in (5_000, 10_000, 20_000):
        out = chain(n)
        row("explain", n, best(lambda: cr.explain(out), repeats=1 if n > 10_000 else 2))
    for gates in (500, 1_000, 2_000):
        graph = build(chain(gates, add_input=False))
        row("layout", 2 * gates + 1, best(lambda: layout_svg(graph)))
        if have_dot() and gates <= 500:
            row("dot", 2 * gates + 1, best(lambda: run_dot(dot_source(graph), "svg", "bench"),
                                           repeats=1))
    for what, out in (("page", chain(2_000, add_input=False)), ("page x", chain(2_000))):
        nodes = len(build(out).tensors) + len(build(out).gates)
        row(what, nodes, best(lambda: cr.viz.to_html(out, layout="builtin"), repeats=1))
    loss, model, _ = model_graph("gpt")
    graph = build(loss, model)
    row("page gpt", len(graph.tensors) + len(graph.gates),
        best(lambda: cr.viz.to_html(loss, model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
