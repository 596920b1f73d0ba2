"""One LSTM step and one GRU step as gates, each after its matrix products.

``LSTMStep``: ``lstm_cell(z, c)`` from the pre-activations ``z`` = x W_ih^T + b_ih + h W_hh^T +
b_hh (gates i, f, g, o in four quarters of the last dim) and the previous cell state ``c``,
to h' and c' stacked along a new first dim (a gate has one output). ``GRUStep``: h' from the
input's projection ``x`` = x W_ih^T + b_ih, the hidden state's ``hw`` = h W_hh^T + b_hh (gates
r, z, n in three thirds) and ``h``.

Fused because a step composed of gates is eleven (LSTM) or ten (GRU) small gates, and on the
small arrays of a recurrence each gate's bookkeeping, not its arithmetic, is the price. The
rows name helpers defined here; ``gates`` (the activated gates) is a residual that forward
keeps:

    LSTM: c' = f c + i g,  h' = o tanh(c')
          dL/dc' = g_c + g_h o (1 - tanh(c')^2),   dL/dc = dL/dc' f
          dL/dz = [dL/dc' g i (1 - i), dL/dc' c f (1 - f), dL/dc' i (1 - g^2), g_h tanh(c') o (1 - o)]
    GRU:  r = sigmoid(x_r + hw_r),  z = sigmoid(x_z + hw_z),  n = tanh(x_n + r hw_n)
          h' = n + z (h - n);  dL/dh = g z
          a_n = g (1 - z) (1 - n^2),  a_z = g (h - n) z (1 - z),  a_r = a_n hw_n r (1 - r)
          dL/dx = [a_r, a_z, a_n],  dL/dhw = [a_r, a_z, a_n r]
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import TENSORS, define
from ..kernels import special


def quarters(x):
    size = x.shape[-1] // 4
    return [x[..., k * size:(k + 1) * size] for k in range(4)]


def lstm_gates(z, xp):
    """[sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)] (xp: the arrays' or tensors' functions);
    one sigmoid over all of z, whose g quarter goes unused, is fewer calls than three."""
    i, f, _, o = quarters(xp.sigmoid(z))
    return xp.cat([i, f, xp.tanh(quarters(z)[2]), o], -1)


def cell(xp, gates, c):
    """h' and c' stacked, from the activated gates."""
    i, f, g, o = quarters(gates)
    c_next = f * c + i * g
    return xp.stack([o * xp.tanh(c_next), c_next], 0)


def state_grad(g, gates, out, xp):
    """dL/dc': the cell state's own gradient plus what reaches it through h'."""
    tanh_c = xp.tanh(out[1])
    return g[1] + g[0] * quarters(gates)[3] * (1 - tanh_c * tanh_c)


def lstm_cell_z(g, gates, c, out, xp):
    i, f, cand, o = quarters(gates)
    grad_c = state_grad(g, gates, out, xp)
    return xp.cat([grad_c * cand * i * (1 - i), grad_c * c * f * (1 - f),
                   grad_c * i * (1 - cand * cand), g[0] * xp.tanh(out[1]) * o * (1 - o)], -1)


def lstm_cell_c(g, gates, out, xp):
    return state_grad(g, gates, out, xp) * quarters(gates)[1]


class ArrayOps:
    """The few functions the step helpers call, on arrays (TENSORS has them on tensors)."""

    stack, cat = staticmethod(np.stack), staticmethod(np.concatenate)
    tanh, sigmoid = staticmethod(np.tanh), staticmethod(special.sigmoid)


define("lstm_gates", lambda z: lstm_gates(z, ArrayOps), lambda z: lstm_gates(z, TENSORS),
       "lstm_gates(z) = [sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)] for the quarters i, f, "
       "g, o of z's last dim")
define("lstm_cell", lambda gates, c: cell(ArrayOps, gates, c),
       lambda gates, c: cell(TENSORS, gates, c),
       "lstm_cell(gates, c) = [o tanh(c'), c'] stacked, c' = f c + i g, for the quarters i, f, "
       "g, o of gates")
define("lstm_cell_z", lambda g, gates, c, out: lstm_cell_z(g, gates, c, out, ArrayOps),
       lambda g, gates, c, out: lstm_cell_z(g, gates, c, out, TENSORS),
       "lstm_cell_z(g, gates, c, out) = [gc g i (1 - i), gc c f (1 - f), gc i (1 - g^2), "
       "g[0] tanh(c') o (1 - o)], gc = g[1] + g[0] o (1 - tanh(c')^2), c' = out[1]")
define("lstm_cell_c", lambda g, gates, out: lstm_cell_c(g, gates, out, ArrayOps),
       lambda g, gates, out: lstm_cell_c(g, gates, out, TENSORS),
       "lstm_cell_c(g, gates, out) = (g[1] + g[0] o (1 - tanh(c')^2)) f, c' = out[1]")


class LSTMStep(Gate):
    """One LSTM step: z (..., 4H) pre-activations, c (..., H) -> [h', c'] (2, ..., H)."""

    label = "lstm_cell"
    inputs = ("z", "c")
    formula = "lstm_cell(lstm_gates(z), c)"
    derivatives = {"z": "lstm_cell_z(g, gates, c, out)", "c": "lstm_cell_c(g, gates, out)"}
    residuals = {"gates": "lstm_gates(z)"}

    def forward(self, z, c):
        if np.shape(z)[-1] != 4 * np.shape(c)[-1] or np.shape(z)[:-1] != np.shape(c)[:-1]:
            raise ValueError(f"lstm_cell: pre-activations of shape {np.shape(z)} need a cell "
                             f"state of shape {np.shape(z)[:-1] + (np.shape(z)[-1] // 4,)}, "
                             f"got {np.shape(c)}")
        self.gates = lstm_gates(z, ArrayOps)
        return cell(ArrayOps, self.gates, c)


# ----- GRU -------------------------------------------------------------------------------
def thirds(x):
    size = x.shape[-1] // 3
    return [x[..., k * size:(k + 1) * size] for k in range(3)]


def gru_gates(x, hw, xp):
    """[r, z, n] along the last dim (xp: the arrays' or tensors' functions)."""
    size = x.shape[-1] // 3
    rz = xp.sigmoid(x[..., :2 * size] + hw[..., :2 * size])
    n = xp.tanh(x[..., 2 * size:] + rz[..., :size] * hw[..., 2 * size:])
    return xp.cat([rz, n], -1)


def gru_cell(gates, h):
    _, z, n = thirds(gates)
    return n + z * (h - n)


def gru_pre_grads(g, gates, hw, h):
    """a_r, a_z, a_n: the gradients reaching the three gates' pre-activations."""
    r, z, n = thirds(gates)
    a_n = g * (1 - z) * (1 - n * n)
    return a_n * thirds(hw)[2] * r * (1 - r), g * (h - n) * z * (1 - z), a_n


def gru_x(g, gates, hw, h, xp):
    return xp.cat(list(gru_pre_grads(g, gates, hw, h)), -1)


def gru_hw(g, gates, hw, h, xp):
    a_r, a_z, a_n = gru_pre_grads(g, gates, hw, h)
    return xp.cat([a_r, a_z, a_n * thirds(gates)[0]], -1)


define("gru_gates", lambda x, hw: gru_gates(x, hw, ArrayOps),
       lambda x, hw: gru_gates(x, hw, TENSORS),
       "gru_gates(x, hw) = [r, z, n]: r, z = sigmoid(x + hw) on the first two thirds, "
       "n = tanh(x_n + r hw_n) on the last")
define("gru_cell", gru_cell, gru_cell,
       "gru_cell(gates, h) = n + z (h - n), that is (1 - z) n + z h, for the thirds r, z, n "
       "of gates")
define("gru_x", lambda g, gates, hw, h: gru_x(g, gates, hw, h, ArrayOps),
       lambda g, gates, hw, h: gru_x(g, gates, hw, h, TENSORS),
       "gru_x(g, gates, hw, h) = [a_r, a_z, a_n]: a_n = g (1 - z) (1 - n^2), "
       "a_z = g (h - n) z (1 - z), a_r = a_n hw_n r (1 - r)")
define("gru_hw", lambda g, gates, hw, h: gru_hw(g, gates, hw, h, ArrayOps),
       lambda g, gates, hw, h: gru_hw(g, gates, hw, h, TENSORS),
       "gru_hw(g, gates, hw, h) = [a_r, a_z, a_n r], the a's of gru_x")


class GRUStep(Gate):
    """One GRU step: x, hw (..., 3H) projections, h (..., H) -> h' (..., H)."""

    label = "gru_cell"
    inputs = ("x", "hw", "h")
    formula = "gru_cell(gru_gates(x, hw), h)"
    derivatives = {"x": "gru_x(g, gates, hw, h)", "hw": "gru_hw(g, gates, hw, h)",
                   "h": "g * gates[..., size:2 * size]"}
    residuals = {"gates": "gru_gates(x, hw)"}
    saves = ("size",)

    def forward(self, x, hw, h):
        if not np.shape(x) == np.shape(hw) == np.shape(h)[:-1] + (3 * np.shape(h)[-1],):
            raise ValueError(f"gru_cell: projections of shapes {np.shape(x)} and "
                             f"{np.shape(hw)} need a hidden state of shape "
                             f"{np.shape(x)[:-1] + (np.shape(x)[-1] // 3,)}, got {np.shape(h)}")
        self.size = np.shape(h)[-1]
        self.gates = gru_gates(x, hw, ArrayOps)
        return gru_cell(self.gates, h)
