"""Recurrent layers with PyTorch's names, parameters and initialisation: ``RNN`` (tanh or
relu), ``LSTM`` (with ``proj_size``), ``GRU``, and the cells ``RNNCell``, ``LSTMCell``,
``GRUCell``.

An RNN step is a composition of gates (linear, tanh or relu); an LSTM or GRU step is its
matrix product (the ``Linear`` gate) then one fused gate, ``LSTMStep`` or ``GRUStep``
(ops/recurrent.py), which measured faster than the ten or eleven small gates of the
composition (GRU 1.7-4.8x, LSTM 1.3-1.7x). Layers add slicing, ``where`` (packed batches)
and ``stack``, so everything has a backward pass and higher derivatives. The input's
projection ``x @ W_ih.T + b_ih`` is one matrix product over all time steps; each step then
multiplies only the hidden state. The gates of a step, as in PyTorch:

    RNN:   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                      (or relu)
    LSTM:  i, f, g, o = W_ih x + b_ih + W_hh h + b_hh, in four chunks
           c' = sigmoid(f) c + sigmoid(i) tanh(g),  h' = sigmoid(o) tanh(c')   (h' = W_hr h')
    GRU:   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = likewise
           n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h

A ``PackedSequence`` runs as a padded batch in which a sequence's state stops changing after
its last step (``where``), so ``h_n`` holds each sequence's own last state.
"""
import math
import warnings

import numpy as np

from .. import ops
from ..creation import zeros
from . import functional as F
from . import init
from .linear import empty_parameter
from .module import Module
from .utils.rnn import PackedSequence, pad_packed_sequence

LINEAR = ops.Linear.apply
LSTM_STEP = ops.LSTMStep.apply
GRU_STEP = ops.GRUStep.apply
CHUNKS = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ----- one step: (projected input, state, weights) -> new state -------------------------
def rnn_step(x, state, W_hh, b_hh, W_hr, activation):
    return (activation(x + LINEAR(state[0], W_hh, b_hh)),)


def lstm_step(x, state, W_hh, b_hh, W_hr, activation=None):
    h, c = state
    step = LSTM_STEP(x + LINEAR(h, W_hh, b_hh), c)     # [h', c'], one gate (ops/recurrent.py)
    h, c = step[0], step[1]
    return (h if W_hr is None else LINEAR(h, W_hr, None)), c


def gru_step(x, state, W_hh, b_hh, W_hr, activation=None):
    h = state[0]
    return (GRU_STEP(x, LINEAR(h, W_hh, b_hh), h),)     # one gate (ops/recurrent.py)


STEPS = {"RNN_TANH": (rnn_step, ops.tanh), "RNN_RELU": (rnn_step, ops.relu),
         "LSTM": (lstm_step, None), "GRU": (gru_step, None)}


def time_steps(x):
    """x[0], ..., x[T - 1], sliced from blocks of about sqrt(T) steps: the gradient of a slice
    is an array of the sliced tensor's full size (GetItem's backward), so T slices of x would
    cost T arrays the size of x in backward, quadratic in T; blocks cost about 2 sqrt(T)."""
    length = x.shape[0]
    block = max(1, math.isqrt(length))
    if block < 4:
        return [x[t] for t in range(length)]
    blocks = [x[start:start + block] for start in range(0, length, block)]
    return [b[i] for b in blocks for i in range(b.shape[0])]


def mode_of(name, nonlinearity):
    if name != "RNN":
        return name
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
    return f"RNN_{nonlinearity.upper()}"


def check_device(device, name):
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"{name}: chainrule computes on the CPU today; got device={device!r}")


def uniform_init(module, hidden_size):
    """PyTorch's init for recurrent weights and biases alike: U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


# ----- cells ------------------------------------------------------------------------------
class RNNCellBase(Module):
    """One step of a recurrence on a batch (N, input_size) or one input (input_size,)."""

    def __init__(self, input_size, hidden_size, bias, mode, device=None, dtype=None):
        super().__init__()
        check_device(device, type(self).__name__)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.mode = mode
        rows = CHUNKS[mode] * hidden_size
        self.weight_ih = empty_parameter((rows, input_size), dtype)
        self.weight_hh = empty_parameter((rows, hidden_size), dtype)
        self.register_parameter("bias_ih", empty_parameter((rows,), dtype) if bias else None)
        self.register_parameter("bias_hh", empty_parameter((rows,), dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        uniform_init(self, self.hidden_size)

    def step(self, input, hx):
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input of shape {tuple(input.shape)} does not fit "
                             f"input_size {self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        width = 2 if self.mode == "LSTM" else 1
        if hx is None:
            hx = (zeros(x.shape[0], self.hidden_size, dtype=x.dtype),) * width
        else:
            hx = tuple(hx) if width == 2 else (hx,)
            hx = hx if batched else tuple(h.unsqueeze(0) for h in hx)
            for h in hx:
                if tuple(h.shape) != (x.shape[0], self.hidden_size):
                    raise ValueError(f"{name}: hidden state of shape {tuple(h.shape)}, expected "
                                     f"{(x.shape[0], self.hidden_size)[2 - input.ndim:]}")
        step, activation = STEPS[self.mode]
        state = step(LINEAR(x, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                     self.bias_hh, None, activation)
        state = state if batched else tuple(s.squeeze(0) for s in state)
        return state if width == 2 else state[0]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        text += "" if self.bias else ", bias=False"
        return text + (", nonlinearity=relu" if self.mode == "RNN_RELU" else "")


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu), one step.

    >>> import chainrule as cr
    >>> cell = cr.nn.RNNCell(3, 5)
    >>> tuple(cell(cr.ones(2, 3)).shape), tuple(cell.weight_hh.shape)
    ((2, 5), (5, 5))
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, mode_of("RNN", nonlinearity), device,
                         dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self.step(input, hx)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')`` (gates i, f, g, o in the weights' rows).

    >>> import chainrule as cr
    >>> h, c = cr.nn.LSTMCell(3, 5)(cr.ones(2, 3))
    >>> tuple(h.shape), tuple(c.shape)
    ((2, 5), (2, 5))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "LSTM", device, dtype)

    def forward(self, input, hx=None):
        return self.step(input, hx)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n in the weights' rows).

    >>> import chainrule as cr
    >>> tuple(cr.nn.GRUCell(3, 5)(cr.ones(3)).shape)
    (5,)
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "GRU", device, dtype)

    def forward(self, input, hx=None):
        return self.step(input, hx)


# ----- layers -----------------------------------------------------------------------------
class RNNBase(Module):
    """``num_layers`` recurrences stacked (each layer's output the next one's input), in one
    or two directions, over (T, N, input_size) (``batch_first``: (N, T, input_size)), an
    unbatched (T, input_size), or a ``PackedSequence``."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        check_device(device, name)
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout applies between layers, so dropout={dropout} with "
                          f"num_layers=1 does nothing", stacklevel=3)
        if proj_size < 0 or (proj_size and mode != "LSTM") or (proj_size >= hidden_size > 0):
            raise ValueError(f"{name}: proj_size must be 0, or (LSTM only) between 1 and "
                             f"hidden_size - 1 = {hidden_size - 1}; got {proj_size} (PyTorch: "
                             f"proj_size is only supported for LSTM, and smaller than hidden_size)")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        out_size = proj_size or hidden_size
        rows = CHUNKS[mode] * hidden_size
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:self.directions]:
                inputs = input_size if layer == 0 else out_size * self.directions
                self.register_parameter(f"weight_ih_l{layer}{suffix}",
                                        empty_parameter((rows, inputs), dtype))
                self.register_parameter(f"weight_hh_l{layer}{suffix}",
                                        empty_parameter((rows, out_size), dtype))
                if bias:
                    self.register_parameter(f"bias_ih_l{layer}{suffix}",
                                            empty_parameter((rows,), dtype))
                    self.register_parameter(f"bias_hh_l{layer}{suffix}",
                                            empty_parameter((rows,), dtype))
                if proj_size:
                    self.register_parameter(f"weight_hr_l{layer}{suffix}",
                                            empty_parameter((proj_size, hidden_size), dtype))
        self.reset_parameters()

    @property
    def directions(self):
        return 2 if self.bidirectional else 1

    def reset_parameters(self):
        uniform_init(self, self.hidden_size)

    def flatten_parameters(self):
        """PyTorch compacts weights for cuDNN here; on the CPU there is nothing to do."""

    def weights_of(self, layer, suffix):
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}", None)   # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            sorted_ = input._replace(unsorted_indices=None)
            x, lengths = pad_packed_sequence(sorted_)           # (T, N, *), longest first
            mask = (np.arange(x.shape[0])[:, None] < lengths._data[None, :])[..., None]
        else:
            self.check_input(input)
            x = input.transpose(0, 1) if self.batch_first and input.ndim == 3 else input
            x = x if input.ndim == 3 else x.unsqueeze(1)
            mask = None
        state = self.initial_state(hx, x, packed or input.ndim == 3, input if packed else None)
        output, finals = self.layers(x, state, mask)
        finals = tuple(ops.stack(list(f), 0) for f in zip(*finals))   # h_n (and c_n)
        if packed:
            output = repack(output, input)
            if input.unsorted_indices is not None:
                finals = tuple(f[:, input.unsorted_indices._data] for f in finals)
        elif input.ndim == 2:
            output, finals = output.squeeze(1), tuple(f.squeeze(1) for f in finals)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (finals if self.mode == "LSTM" else finals[0])

    def layers(self, x, state, mask):
        """Run every layer and direction; the output, and each one's final state."""
        step, activation = STEPS[self.mode]
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:self.directions]):
                W_ih, W_hh, b_ih, b_hh, W_hr = self.weights_of(layer, suffix)
                projected = time_steps(LINEAR(x, W_ih, b_ih))   # every time step at once
                s = tuple(h[layer * self.directions + d] for h in state)
                steps = [None] * x.shape[0]
                for t in (reversed(range(x.shape[0])) if d else range(x.shape[0])):
                    new = step(projected[t], s, W_hh, b_hh, W_hr, activation)
                    s = new if mask is None else tuple(ops.where(mask[t], n, o)
                                                       for n, o in zip(new, s))
                    steps[t] = s[0]
                outputs.append(ops.stack(steps, 0))
                finals.append(s)
            x = outputs[0] if len(outputs) == 1 else ops.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, finals

    def check_input(self, input):
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input of 2 (unbatched) or 3 dimensions, got "
                             f"shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input of shape {tuple(input.shape)} does not fit "
                             f"input_size {self.input_size} (its last dimension)")

    def initial_state(self, hx, x, batched, packed):
        """The initial states (layers * directions, N, size), zeros unless given; a packed
        batch's are put in its sorted order."""
        count, n = self.num_layers * self.directions, x.shape[1]
        sizes = [self.proj_size or self.hidden_size]
        sizes += [self.hidden_size] if self.mode == "LSTM" else []
        if hx is None:
            return tuple(zeros(count, n, size, dtype=x.dtype) for size in sizes)
        hx = tuple(hx) if self.mode == "LSTM" else (hx,)
        hx = hx if batched else tuple(h.unsqueeze(1) for h in hx)
        for h, size in zip(hx, sizes):
            if tuple(h.shape) != (count, n, size):
                expected = (count, n, size) if batched else (count, size)
                raise ValueError(f"{type(self).__name__}: expected hidden state of shape "
                                 f"{expected}, got {tuple(h.shape if batched else h.shape[::2])}")
        if packed and packed.sorted_indices is not None:
            hx = tuple(h[:, packed.sorted_indices._data] for h in hx)
        return hx

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        text += f", proj_size={self.proj_size}" if self.proj_size else ""
        text += f", num_layers={self.num_layers}" if self.num_layers != 1 else ""
        text += "" if self.bias else ", bias=False"
        text += ", batch_first=True" if self.batch_first else ""
        text += f", dropout={self.dropout}" if self.dropout else ""
        return text + (", bidirectional=True" if self.bidirectional else "")


def repack(padded, packed):
    """The valid steps of a padded (T, N, *) batch in ``packed``'s sorted layout."""
    sizes = packed.batch_sizes._data
    times = np.repeat(np.arange(len(sizes)), sizes)
    rows = np.concatenate([np.arange(n) for n in sizes])
    return packed._replace(data=padded[times, rows])


class RNN(RNNBase):
    """Elman recurrence ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).
    Returns ``(output, h_n)``: every step's top-layer state, and every layer's last state.

    >>> import chainrule as cr
    >>> rnn = cr.nn.RNN(3, 4, num_layers=2, bidirectional=True)
    >>> out, h_n = rnn(cr.ones(5, 2, 3))
    >>> tuple(out.shape), tuple(h_n.shape), tuple(rnn.weight_hh_l1_reverse.shape)
    ((5, 2, 8), (4, 2, 4), (4, 4))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None,
                 proj_size=0):   # proj_size: accepted to refuse it clearly, as PyTorch does
        super().__init__(mode_of("RNN", nonlinearity), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, proj_size, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; returns ``(output, (h_n, c_n))``. With ``proj_size``, each
    step's h is projected by ``weight_hr`` to that size.

    >>> import chainrule as cr
    >>> out, (h_n, c_n) = cr.nn.LSTM(3, 4, batch_first=True)(cr.ones(2, 5, 3))
    >>> tuple(out.shape), tuple(h_n.shape), tuple(c_n.shape)
    ((2, 5, 4), (1, 2, 4), (1, 2, 4))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit; returns ``(output, h_n)``.

    >>> import chainrule as cr
    >>> out, h_n = cr.nn.GRU(3, 4)(cr.ones(5, 3))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((5, 4), (1, 4))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, proj_size=0):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)
