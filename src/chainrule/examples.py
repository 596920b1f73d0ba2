"""The seeds' worked examples, built with named tensors so that ``cr.explain`` shows them with
the seeds' own names.

Each function builds one graph and returns its output tensor; ``explain(name)`` returns the
explanation with the example's title and notes (where a seed's formula is loose, the note says
what the correct one is), and ``names()`` lists them all (``chainrule explain --list``).

>>> import chainrule as cr
>>> f = cr.examples.circuit()
>>> f.item()
-12.0
>>> e = cr.examples.explain("neuron")
>>> round(e.grad("x0"), 2), round(e.grad("w0"), 2)
(0.39, -0.2)
"""
import inspect
from dataclasses import dataclass, field

import numpy as np

from . import nn
from .creation import arange, tensor
from .explain import explain as explain_graph
from .ops import exp, log, mean, relu, sigmoid, softmax_cross_entropy


@dataclass
class Example:
    name: str
    title: str
    seed: str
    build: object
    notes: list = field(default_factory=list)
    aliases: dict = field(default_factory=dict)


EXAMPLES = {}


def example(name, title, seed, notes=(), aliases=None):
    def register(fn):
        EXAMPLES[name] = Example(name, title, seed, fn, list(notes), dict(aliases or {}))
        return fn
    return register


def names():
    """The built-in examples' names, in the order of the seeds."""
    return list(EXAMPLES)


def get(name):
    if name not in EXAMPLES:
        raise KeyError(f"no built-in example called {name!r}; choose one of {', '.join(EXAMPLES)}")
    return EXAMPLES[name]


def explain(name, values=None):
    """The explanation of a built-in example: its tables, title and notes; ``values`` gives
    its inputs new numbers (``{"x": 3.0}``), where the example takes them.

    >>> explain("circuit", {"x": 3.0, "y": 1.0, "z": 2.0}).forward[-1].value
    8.0
    """
    ex = get(name)
    values = dict(values or {})
    takes = [p for p in inspect.signature(ex.build).parameters]
    unknown = [k for k in values if k not in takes]
    if unknown:
        offer = f"it takes {', '.join(takes)}" if takes else "it takes no values"
        raise ValueError(f"example {name!r} has no input called {', '.join(unknown)}; {offer}")
    title = f"{ex.title} (seed {ex.seed})"
    if values:
        title += "; here with " + ", ".join(f"{k} = {v:g}" for k, v in values.items())
    return explain_graph(ex.build(**values), title=title, notes=ex.notes, aliases=ex.aliases)


def leaf(value, name, requires_grad=True):
    return tensor(value, dtype="float64", requires_grad=requires_grad, name=name)


def named(t, name):
    """Give a gate's output a name for the tables (``name=`` is for leaves)."""
    t.name = name
    return t


@example("circuit", "f = (x + y) z at x = -2, y = 5, z = -4", "001, 002")
def circuit(x=-2.0, y=5.0, z=-4.0):
    x, y, z = leaf(x, "x"), leaf(y, "y"), leaf(z, "z")
    q = named(x + y, "q")
    return named(q * z, "f")


@example("neuron", "sigmoid neuron from primitive gates: f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))",
         "001", notes=["Seed 001 rounds dx0 = 0.2 x 2 to 0.4; the exact value is 0.393."])
def neuron(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0):
    w0, x0, w1, x1, w2 = (leaf(v, n) for v, n in
                          ((w0, "w0"), (x0, "x0"), (w1, "w1"), (x1, "x1"), (w2, "w2")))
    s = named(named(w0 * x0, "p0") + named(w1 * x1, "p1"), "s")
    z = named(s + w2, "z")
    e = named(exp(named(z * -1, "n")), "e")
    return named(1 / named(e + 1, "d"), "f")


@example("neuron_fused", "the same neuron with the fused sigmoid gate: f = sigmoid(w0 x0 + w1 x1 + w2)",
         "001", notes=["One sigmoid gate replaces four (x-1, exp, +1, 1/x): its local derivative "
                       "f (1 - f) needs only the output, one step instead of four."])
def neuron_fused(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0):
    w0, x0, w1, x1, w2 = (leaf(v, n) for v, n in
                          ((w0, "w0"), (x0, "x0"), (w1, "w1"), (x1, "x1"), (w2, "w2")))
    z = named(named(named(w0 * x0, "p0") + named(w1 * x1, "p1"), "s") + w2, "z")
    return named(sigmoid(z), "f")


def dnn_inputs():
    """Seed 000's network at fixed numbers: W1 (4x3), W2 (3x4), input x (3x1), one-hot y (3x1)."""
    return {"W1": np.array([[0.2, -0.5, 0.1], [0.7, 0.3, -0.4], [-0.6, 0.8, 0.5],
                            [0.1, -0.2, 0.9]]),
            "W2": np.array([[0.5, -0.3, 0.8, 0.2], [-0.4, 0.6, 0.1, -0.7],
                            [0.3, 0.2, -0.5, 0.4]]),
            "x": np.array([[1.0], [2.0], [-1.0]]),
            "y": np.array([[0.0], [1.0], [0.0]])}


def dnn_loss(W1, W2, x, y):
    """L = CE(y, softmax(W2 relu(W1 x))): seed 000's FC-ReLU-FC-softmax-CE, no biases."""
    z1 = named(W1 @ x, "z1")
    a1 = named(relu(z1), "a1")
    z2 = named(W2 @ a1, "z2")
    return named(softmax_cross_entropy(z2, y, dim=0), "L")


@example("dnn", "FC-ReLU-FC-softmax-CE without biases: L = CE(y, softmax(W2 relu(W1 x)))", "000",
         notes=["Seed 000 writes dL/dW2 = a1 (y_hat - y); with z2 = W2 a1 the gradient has W2's "
                "shape, so it is (y_hat - y) a1^T (and dL/da1 = W2^T (y_hat - y), dL/dW1 = "
                "dL/dz1 x^T).",
                "y_hat = softmax(z2): the fused softmax-cross-entropy gate's local derivative "
                "is y_hat - y."],
         aliases={"y_hat": "softmax(z2, 0)"})
def dnn():
    data = dnn_inputs()
    W1, W2 = leaf(data["W1"], "W1"), leaf(data["W2"], "W2")
    x, y = leaf(data["x"], "x", False), leaf(data["y"], "y", False)
    return dnn_loss(W1, W2, x, y)


@example("sigmoid_net", "two-layer sigmoid network with the log-likelihood "
         "J = y_star log y + (1 - y_star) log(1 - y)", "002",
         notes=["Seed 002 writes dJ/dx_i = dJ/da_j sum_j alpha_ji; the sum runs over the "
                "products: dJ/dx_i = sum_j dJ/da_j alpha_ji, that is alpha^T dJ/da.",
                "y is used twice (log y and 1 - y), so dJ/dy is the sum of two terms: "
                "y_star / y + (1 - y_star) / (y - 1); the soft label y_star = 0.8 makes both "
                "of them count."])
def sigmoid_net():
    x = leaf([[1.0], [0.5], [-1.5]], "x")
    alpha = leaf([[0.4, -0.6, 0.2], [0.3, 0.8, -0.5]], "alpha")
    beta = leaf([[1.2, -0.7]], "beta")
    y_star = leaf([[0.8]], "y_star", False)
    z = named(sigmoid(named(alpha @ x, "a")), "z")
    y = named(sigmoid(named(beta @ z, "b")), "y")
    likely = named(y_star * named(log(y), "log_y"), "j1")
    unlikely = named(named(1 - y_star, "not_y_star") * named(log(named(1 - y, "not_y")),
                                                             "log_not_y"), "j2")
    return named(likely + unlikely, "J")


REGRESSION_X = [[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3], [2.0, 1.0]]
REGRESSION_Y = [1.5, -0.5, 0.2, 2.5]


def mean_half_squared_error(prediction, y):
    """Seed 003's cost: L = (prediction - y)^2 / 2 per example, J = their mean over m."""
    loss = named(0.5 * named(named(prediction - y, "err") ** 2, "sq"), "L")
    return named(mean(loss), "J")


@example("regression", "one-layer regression: z = w . x + b, a = z, J = mean of (a - y)^2 / 2 "
         "over m = 4 examples", "003",
         notes=["g is the identity, so a = z and the table goes from z straight to the error.",
                "Seed 003's formulas are per example; averaged over m examples every gradient "
                "carries the mean gate's 1/m: dJ/dw1 = (1/m) sum (a - y) x1."])
def regression():
    X, y = leaf(REGRESSION_X, "X", False), leaf(REGRESSION_Y, "y", False)
    w, b = leaf([0.3, -0.2], "w"), leaf(0.1, "b")
    z = named(named(X @ w, "Xw") + b, "z")
    return mean_half_squared_error(z, y)


@example("regression2", "two-layer regression: a1 = relu(X W1 + b1), a2 = a1 W2 + b2, "
         "J = mean of (a2 - y)^2 / 2 over m = 4 examples", "003",
         notes=["Seed 003's formulas are per example; averaged over m examples every gradient "
                "carries the mean gate's 1/m, and dJ/db sums over the examples."])
def regression2():
    X, y = leaf(REGRESSION_X, "X", False), leaf([[v] for v in REGRESSION_Y], "y", False)
    W1 = leaf([[0.5, -0.3, 0.8], [0.2, 0.6, -0.4]], "W1")
    b1, W2 = leaf([0.1, -0.1, 0.2], "b1"), leaf([[0.7], [-0.5], [0.3]], "W2")
    b2 = leaf([0.05], "b2")
    a1 = named(relu(named(named(X @ W1, "XW1") + b1, "z1")), "a1")
    a2 = named(named(a1 @ W2, "a1W2") + b2, "a2")
    return mean_half_squared_error(a2, y)


@example("chain", "one neuron per layer: o1 = f(w1 o0 + b1), o2 = f(w2 o1 + b2), "
         "C = (o2 - t)^2, f = sigmoid", "004",
         notes=["Seed 004 writes do^L/dz^L = f'(o^L); the derivative is taken at z^L: "
                "f'(z^L) = o^L (1 - o^L) for the sigmoid."])
def chain(o0=1.5, w1=0.8, b1=-0.2, w2=-1.1, b2=0.4, t=1.0):
    o0, t = leaf(o0, "o0", False), leaf(t, "t", False)
    w1, b1, w2, b2 = leaf(w1, "w1"), leaf(b1, "b1"), leaf(w2, "w2"), leaf(b2, "b2")
    o1 = named(sigmoid(named(named(w1 * o0, "p1") + b1, "z1")), "o1")
    o2 = named(sigmoid(named(named(w2 * o1, "p2") + b2, "z2")), "o2")
    return named(named(o2 - t, "err") ** 2, "C")


# ----- the built-in models: the layer view of `chainrule explain --model mlp|cnn|gpt` -------
class CausalSelfAttention(nn.Module):
    """Multi-head self-attention with a causal mask: q, k, v from one Linear, heads joined by
    a second (GPT's layout)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, t, c = x.shape
        q, k, v = (part.reshape(n, t, self.heads, c // self.heads).transpose(1, 2)
                   for part in self.qkv(x).split(c, dim=2))
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(n, t, c))


class Block(nn.Module):
    """One pre-norm transformer block: x + attn(ln1(x)), then + mlp(ln2(...))."""

    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    """A one-block GPT small enough to read: token and position embeddings, a block, a final
    LayerNorm and a head over the vocabulary."""

    def __init__(self, vocab=16, context=6, dim=8, heads=2, blocks=1):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(blocks)])
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))
