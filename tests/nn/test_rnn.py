"""The recurrent layers and cells against PyTorch: the same weights (PyTorch's state_dict
copied across), the same inputs and initial states; outputs, final states, the gradients of
the input, of the initial states and of every parameter must agree (float64 to 1e-9, float32
to 1e-4). Then packed sequences, a state_dict saved as safetensors, names and init, errors."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.nn.utils import rnn as cr_rnn
from nn_helpers import copy_weights, numpy_of, randn, torch

T_RNN = torch.nn.utils.rnn

LAYERS = {
    "RNN": (lambda m: m.RNN(3, 4), {}),
    "RNN relu 2 layers": (lambda m: m.RNN(3, 4, num_layers=2, nonlinearity="relu"), {}),
    "RNN bidirectional batch_first": (lambda m: m.RNN(3, 4, bidirectional=True,
                                                      batch_first=True), {}),
    "LSTM": (lambda m: m.LSTM(3, 4), {}),
    "LSTM 2 layers bidirectional": (lambda m: m.LSTM(3, 4, num_layers=2, bidirectional=True), {}),
    "LSTM no bias batch_first": (lambda m: m.LSTM(3, 4, bias=False, batch_first=True), {}),
    "LSTM proj_size": (lambda m: m.LSTM(3, 5, num_layers=2, proj_size=2,
                                        bidirectional=True), {}),
    "GRU": (lambda m: m.GRU(3, 4), {}),
    "GRU 3 layers bidirectional batch_first": (lambda m: m.GRU(3, 4, num_layers=3,
                                                               bidirectional=True,
                                                               batch_first=True), {}),
    "GRU no bias": (lambda m: m.GRU(3, 4, bias=False), {}),
}


def state_shapes(module, batch):
    """The shapes of the initial state(s): (layers * directions, [N,] size)."""
    count = module.num_layers * (2 if module.bidirectional else 1)
    lead = (count,) if batch is None else (count, batch)
    h = lead + (module.proj_size or module.hidden_size,)
    return [h, lead + (module.hidden_size,)] if isinstance(module, torch.nn.LSTM) else [h]


def flat(lib, result):
    """(output, h_n) or (output, (h_n, c_n)) as a list of tensors."""
    output, state = result
    return [output] + (list(state) if isinstance(state, tuple) else [state])


def run(lib, module, x, states, dtype, seed=1):
    """Forward, then backward of a random weighting of every output; the outputs and the
    gradients of the input, the initial states and every parameter, as arrays."""
    x = lib.tensor(x, dtype=dtype, requires_grad=True)
    hx = [lib.tensor(s, dtype=dtype, requires_grad=True) for s in states]
    given = None if not hx else (tuple(hx) if len(hx) == 2 else hx[0])
    outs = flat(lib, module(x) if given is None else module(x, given))
    rng = np.random.default_rng(seed)
    total = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=dtype)).sum()
                for o in outs)
    total.backward()
    grads = {name: numpy_of(p.grad) for name, p in module.named_parameters()}
    return [numpy_of(o) for o in outs], [numpy_of(t.grad) for t in [x] + hx], grads


def assert_same(ours, theirs, tolerance):
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(a, b, **tolerance)
    assert ours[2].keys() == theirs[2].keys()
    for name in theirs[2]:
        np.testing.assert_allclose(ours[2][name], theirs[2][name], err_msg=name, **tolerance)


def both(make, dtype=np.float64):
    torch.manual_seed(0)
    theirs = make(torch.nn).to(getattr(torch, np.dtype(dtype).name))
    ours = make(cr.nn)
    copy_weights(ours, theirs)
    return ours.to(getattr(cr, np.dtype(dtype).name)), theirs


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("with_state", [False, True], ids=["zero state", "given state"])
def test_layer_matches_torch(name, with_state):
    ours, theirs = both(LAYERS[name][0])
    steps, batch = 5, 3
    x = randn(batch, steps, 3) if ours.batch_first else randn(steps, batch, 3)
    states = [randn(*s, seed=i + 1) for i, s in enumerate(state_shapes(theirs, batch))] \
        if with_state else []
    assert_same(run(cr, ours, x, states, cr.float64), run(torch, theirs, x, states,
                                                          torch.float64),
                dict(rtol=1e-9, atol=1e-11))


@pytest.mark.parametrize("name", ["LSTM 2 layers bidirectional", "GRU"])
def test_long_sequence_matches_torch(name):
    """18 steps: the steps are sliced from blocks (nn/rnn.py time_steps), not one by one."""
    ours, theirs = both(LAYERS[name][0])
    x = randn(18, 2, 3)
    assert_same(run(cr, ours, x, [], cr.float64), run(torch, theirs, x, [], torch.float64),
                dict(rtol=1e-9, atol=1e-11))


@pytest.mark.parametrize("name", ["RNN", "LSTM 2 layers bidirectional", "GRU"])
def test_unbatched_input_matches_torch(name):
    ours, theirs = both(LAYERS[name][0])
    states = [randn(*s, seed=2) for s in state_shapes(theirs, None)]
    x = randn(4, 3)
    assert_same(run(cr, ours, x, states, cr.float64), run(torch, theirs, x, states,
                                                          torch.float64),
                dict(rtol=1e-9, atol=1e-11))


@pytest.mark.parametrize("name", ["LSTM 2 layers bidirectional", "GRU no bias"])
def test_float32_matches_torch(name):
    ours, theirs = both(LAYERS[name][0], np.float32)
    x = randn(6, 2, 3).astype(np.float32)
    result = run(cr, ours, x, [], cr.float32)
    assert result[0][0].dtype == np.float32
    assert_same(result, run(torch, theirs, x, [], torch.float32), dict(rtol=1e-4, atol=1e-5))


@pytest.mark.parametrize("name", ["LSTM 2 layers bidirectional", "GRU", "RNN relu 2 layers"])
def test_second_derivatives_match_torch(name):
    """Hessian-vector products through the recurrence (the steps are gates, so their
    backward is differentiable again), against PyTorch's double backward."""
    ours, theirs = both(LAYERS[name][0])
    x, weight, direction = randn(4, 2, 3), randn(4, 2, 8 if "bidirectional" in name else 4,
                                                  seed=1), randn(4, 2, 3, seed=2)
    results = []
    for lib, module in ((cr, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        out = module(xt)[0]
        (gx,) = lib.autograd.grad((out * lib.tensor(weight)).sum(), xt, create_graph=True)
        params = [p for _, p in module.named_parameters()]
        second = lib.autograd.grad((gx * lib.tensor(direction)).sum(), [xt] + params,
                                   allow_unused=True)
        results.append([numpy_of(gx)] + [np.zeros(tuple(p.shape)) if h is None else numpy_of(h)
                                         for h, p in zip(second, [xt] + params)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ----- packed sequences -------------------------------------------------------------------
def run_packed(lib, module, x, lengths, states, enforce_sorted):
    """A packed batch through the layer; the packed output's data, the final states, and
    the gradients of the padded input, the initial states and the parameters."""
    pack = cr_rnn.pack_padded_sequence if lib is cr else T_RNN.pack_padded_sequence
    x = lib.tensor(x, requires_grad=True)
    hx = [lib.tensor(s, requires_grad=True) for s in states]
    packed = pack(x, lib.tensor(lengths), batch_first=module.batch_first,
                  enforce_sorted=enforce_sorted)
    given = None if not hx else (tuple(hx) if len(hx) == 2 else hx[0])
    output, state = module(packed) if given is None else module(packed, given)
    assert type(output).__name__ == "PackedSequence"
    outs = [output.data] + (list(state) if isinstance(state, tuple) else [state])
    rng = np.random.default_rng(3)
    sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)))).sum() for o in outs).backward()
    grads = {name: numpy_of(p.grad) for name, p in module.named_parameters()}
    return [numpy_of(o) for o in outs], [numpy_of(t.grad) for t in [x] + hx], grads


@pytest.mark.parametrize("name", ["RNN bidirectional batch_first",
                                  "LSTM 2 layers bidirectional", "LSTM proj_size",
                                  "GRU 3 layers bidirectional batch_first"])
@pytest.mark.parametrize("lengths, enforce_sorted", [([5, 4, 2], True), ([2, 5, 3, 5], False)])
def test_packed_input_matches_torch(name, lengths, enforce_sorted):
    ours, theirs = both(LAYERS[name][0])
    batch = len(lengths)
    x = randn(batch, 5, 3) if ours.batch_first else randn(5, batch, 3)
    states = [randn(*s, seed=4) for s in state_shapes(theirs, batch)]
    for given in ([], states):
        assert_same(run_packed(cr, ours, x, lengths, given, enforce_sorted),
                    run_packed(torch, theirs, x, lengths, given, enforce_sorted),
                    dict(rtol=1e-9, atol=1e-11))
        ours.zero_grad()
        theirs.zero_grad()


def test_packed_final_state_is_each_sequence_own_last_step():
    """h_n of a packed batch equals running each sequence alone, unpadded."""
    gru = cr.nn.GRU(2, 3, batch_first=True).double()
    x = cr.tensor(randn(2, 4, 2))
    _, h_n = gru(cr_rnn.pack_padded_sequence(x, [2, 4], batch_first=True,
                                             enforce_sorted=False))
    for b, length in enumerate([2, 4]):
        _, alone = gru(x[b:b + 1, :length])
        np.testing.assert_allclose(h_n[:, b].detach().numpy(), alone[:, 0].detach().numpy(),
                                   rtol=1e-12)


# ----- cells ------------------------------------------------------------------------------
CELLS = {
    "RNNCell": lambda m: m.RNNCell(3, 4),
    "RNNCell relu no bias": lambda m: m.RNNCell(3, 4, bias=False, nonlinearity="relu"),
    "LSTMCell": lambda m: m.LSTMCell(3, 4),
    "GRUCell": lambda m: m.GRUCell(3, 4),
}


def run_cell(lib, cell, x, states):
    x = lib.tensor(x, requires_grad=True)
    hx = [lib.tensor(s, requires_grad=True) for s in states]
    out = cell(x) if not hx else cell(x, tuple(hx) if len(hx) == 2 else hx[0])
    outs = list(out) if isinstance(out, tuple) else [out]
    rng = np.random.default_rng(5)
    sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)))).sum() for o in outs).backward()
    grads = {name: numpy_of(p.grad) for name, p in cell.named_parameters()}
    return [numpy_of(o) for o in outs], [numpy_of(t.grad) for t in [x] + hx], grads


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_cell_matches_torch(name, batched, with_state):
    ours, theirs = both(CELLS[name])
    shape = (2, 4) if batched else (4,)
    states = [randn(*shape, seed=i + 1) for i in range(2 if "LSTM" in name else 1)]
    x = randn(2, 3) if batched else randn(3)
    given = states if with_state else []
    assert_same(run_cell(cr, ours, x, given), run_cell(torch, theirs, x, given),
                dict(rtol=1e-9, atol=1e-11))


# ----- names, shapes, init, state_dict -----------------------------------------------------
@pytest.mark.parametrize("name", sorted(LAYERS) + sorted(CELLS))
def test_parameter_names_and_shapes_are_torch_s(name):
    make = LAYERS[name][0] if name in LAYERS else CELLS[name]
    ours, theirs = make(cr.nn), make(torch.nn)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)


def test_init_is_uniform_within_one_over_sqrt_hidden():
    lstm = cr.nn.LSTM(10, 25, num_layers=2, bidirectional=True)
    values = np.concatenate([p.detach().numpy().ravel() for p in lstm.parameters()])
    bound = 1 / np.sqrt(25)
    assert np.abs(values).max() <= bound
    # a uniform's quartiles sit at -bound / 2 and bound / 2 (thousands of draws: +-5%)
    np.testing.assert_allclose(np.quantile(values, [0.25, 0.75]), [-bound / 2, bound / 2],
                               atol=0.05 * bound)


def test_torch_state_dict_saved_as_safetensors_loads_and_gives_torch_s_outputs(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(1)
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    path = tmp_path / "lstm.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours = cr.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    ours.load_state_dict(cr.load(path))
    x = randn(5, 2, 3).astype(np.float32)
    out, (h, c) = ours(cr.tensor(x))
    tout, (th, tc) = theirs(torch.tensor(x))
    for a, b in ((out, tout), (h, th), (c, tc)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_training():
    gru = cr.nn.GRU(3, 4, num_layers=2, dropout=1.0).double()
    x = cr.tensor(randn(5, 2, 3), requires_grad=True)
    out, _ = gru(x)
    out.sum().backward()   # the second layer sees zeros: nothing reaches the input
    assert np.all(x.grad.numpy() == 0)
    gru.eval()
    x.grad = None
    gru(x)[0].sum().backward()
    assert np.any(x.grad.numpy() != 0)


# ----- errors ------------------------------------------------------------------------------
def test_errors_name_the_layer_and_the_shapes():
    lstm = cr.nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: input of shape \(5, 2, 7\) does not fit "
                                         r"input_size 3"):
        lstm(cr.zeros(5, 2, 7))
    with pytest.raises(ValueError, match=r"LSTM: expected hidden state of shape \(2, 2, 4\), "
                                         r"got \(1, 2, 4\)"):
        lstm(cr.zeros(5, 2, 3), (cr.zeros(1, 2, 4), cr.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match="proj_size"):
        cr.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="nonlinearity"):
        cr.nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"GRUCell: hidden state of shape \(3, 4\)"):
        cr.nn.GRUCell(3, 4)(cr.zeros(2, 3), cr.zeros(3, 4))
    with pytest.warns(UserWarning, match="dropout"):
        cr.nn.RNN(3, 4, dropout=0.5)
    with pytest.raises(ValueError, match=r"lstm_cell: pre-activations of shape \(3, 8\) need a "
                                         r"cell state of shape \(3, 2\), got \(3, 3\)"):
        cr.ops.LSTMStep.apply(cr.zeros(3, 8), cr.zeros(3, 3))
    with pytest.raises(ValueError, match=r"gru_cell: projections of shapes \(3, 6\) and "
                                         r"\(3, 6\) need a hidden state of shape \(3, 2\)"):
        cr.ops.GRUStep.apply(cr.zeros(3, 6), cr.zeros(3, 6), cr.zeros(3, 3))


# ----- nn.utils.rnn ------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", [([5, 3, 3, 1], True), ([3, 5, 3, 2], False)])
def test_pack_and_pad_match_torch(batch_first, lengths, enforce_sorted):
    x = randn(4, 5, 2) if batch_first else randn(5, 4, 2)
    results = []
    for lib, utils in ((cr, cr_rnn), (torch, T_RNN)):
        t = lib.tensor(x, requires_grad=True)
        packed = utils.pack_padded_sequence(t, lib.tensor(lengths), batch_first=batch_first,
                                            enforce_sorted=enforce_sorted)
        padded, out_lengths = utils.pad_packed_sequence(packed, batch_first=batch_first,
                                                        padding_value=-1.0, total_length=6)
        (padded * lib.tensor(np.arange(padded.numel()).reshape(tuple(padded.shape)))
         ).sum().backward()
        indices = [packed.sorted_indices, packed.unsorted_indices]
        results.append([numpy_of(packed.data), numpy_of(packed.batch_sizes), numpy_of(padded),
                        numpy_of(out_lengths), numpy_of(t.grad)]
                       + [None if i is None else numpy_of(i) for i in indices])
    for a, b in zip(*results):
        assert (a is None and b is None) or np.array_equal(a, b)


@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_and_pack_sequence_match_torch(padding_side):
    arrays = [randn(3, 2, seed=1), randn(1, 2, seed=2), randn(4, 2, seed=3)]
    results = []
    for lib, utils in ((cr, cr_rnn), (torch, T_RNN)):
        padded = utils.pad_sequence([lib.tensor(a) for a in arrays], batch_first=True,
                                    padding_value=7.0, padding_side=padding_side)
        packed = utils.pack_sequence([lib.tensor(a) for a in arrays], enforce_sorted=False)
        results.append([numpy_of(padded), numpy_of(packed.data)])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_unpad_and_unpack_sequence_match_torch():
    arrays = [randn(3, 2, seed=1), randn(1, 2, seed=2), randn(4, 2, seed=3)]
    results = []
    for lib, utils in ((cr, cr_rnn), (torch, T_RNN)):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        padded = utils.pad_sequence(tensors)
        unpadded = utils.unpad_sequence(padded, lib.tensor([3, 1, 4]))
        unpacked = utils.unpack_sequence(utils.pack_sequence(tensors, enforce_sorted=False))
        sum((u * (i + 1)).sum() for i, u in enumerate(unpadded + unpacked)).backward()
        results.append([numpy_of(u) for u in unpadded + unpacked]
                       + [numpy_of(t.grad) for t in tensors])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_packing_refuses_what_torch_refuses():
    x = cr.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="enforce_sorted"):
        cr_rnn.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(ValueError, match="greater than 0"):
        cr_rnn.pack_padded_sequence(x, [4, 2, 0])
    with pytest.raises(ValueError, match="longer than the input's 4 steps"):
        cr_rnn.pack_padded_sequence(x, [5, 2, 1])


def test_import_paths_are_torch_s():
    from chainrule.nn.utils.rnn import PackedSequence, pad_sequence   # noqa: F401
    assert cr.nn.utils.rnn.pack_padded_sequence is cr_rnn.pack_padded_sequence


def test_training_steps_follow_torch():
    """An LSTM sequence regressor trained for five Adam steps from PyTorch's weights: every
    loss equals PyTorch's (the layers, the loss and the optimizer together)."""
    class Model:
        def __init__(self, nn):
            self.lstm, self.head = nn.LSTM(2, 6, batch_first=True), nn.Linear(6, 1)

        def parameters(self):
            return list(self.lstm.parameters()) + list(self.head.parameters())

        def __call__(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    torch.manual_seed(3)
    theirs, ours = Model(torch.nn), Model(cr.nn)
    copy_weights(ours.lstm, theirs.lstm.double())
    copy_weights(ours.head, theirs.head.double())
    x, y = randn(8, 5, 2), randn(8, 1, seed=1)
    losses = []
    for lib, model in ((cr, ours), (torch, theirs)):
        optimizer = lib.optim.Adam(model.parameters(), lr=0.05)
        run = []
        for _ in range(5):
            optimizer.zero_grad()
            loss = ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            loss.backward()
            optimizer.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)
    assert losses[0][-1] < losses[0][0]
