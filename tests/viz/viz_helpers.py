"""Graphs the picture tests share: the seeds' circuit, a node used twice, a few hundred nodes."""
import shutil

import pytest

import chainrule as cr

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz 'dot' is not installed (apt-get install graphviz)")


def circuit():
    """f = (x + y) z at x = -2, y = 5, z = -4 (seeds 001, 002), with q = x + y named."""
    x = cr.tensor(-2.0, requires_grad=True, name="x")
    y = cr.tensor(5.0, requires_grad=True, name="y")
    z = cr.tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return f, (x, y, z, q)


def used_twice():
    """y = x * x + x at x = 3: x reaches y on three paths, dy/dx = 2x + 1 = 7."""
    x = cr.tensor(3.0, requires_grad=True, name="x")
    y = x * x + x
    y.name = "y"
    return y, x


def long_chain(links=40):
    """A graph of a few hundred scalar nodes (about ten per link)."""
    a = [cr.tensor(i / links, requires_grad=True, name=f"a{i}") for i in range(links)]
    s = a[0]
    for i in range(1, links):
        s = (s * a[i]).tanh() + a[i - 1] * 0.5
    return s
