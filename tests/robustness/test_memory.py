"""Memory: backward frees what the graph saved, a long training run stays flat, and no
reference cycle among tensors and gates outlives a step."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd.gate import Gate

RNG = np.random.default_rng(0)


def saved_arrays_of(loss):
    """Weak references to every array the graph behind ``loss`` keeps for backward."""
    refs = []
    stack, seen = [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        kept = list(node.arrays) + [node.out_data] + list(vars(node).values())
        refs += [weakref.ref(a) for a in kept if isinstance(a, np.ndarray)]
        stack += [t.grad_fn for t in node.tensors if isinstance(t, cr.Tensor)]
    return refs


def small_graph():
    """A graph touching the main kinds of saved state: inputs, outputs, masks, probabilities."""
    x = cr.tensor(RNG.standard_normal((8, 5)).astype(np.float32))
    w1 = cr.tensor(RNG.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    w2 = cr.tensor(RNG.standard_normal((3, 6)).astype(np.float32), requires_grad=True)
    h = F.dropout(F.linear(x, w1).relu(), 0.5, generator=cr.Generator(0))
    z = F.linear(h.tanh() * h.sigmoid(), w2).softmax(1).log()
    loss = F.cross_entropy(z, cr.tensor(RNG.integers(0, 3, 8))) + z.exp().max()
    return loss, (w1, w2)


def test_backward_drops_every_saved_array():
    loss, params = small_graph()
    refs = saved_arrays_of(loss)
    assert len(refs) > 10
    loss.backward()
    alive = [r for r in refs if r() is not None and not any(r() is p.detach().numpy() for p in params)]
    assert not alive, f"{len(alive)} saved arrays outlive backward: {[a().shape for a in alive]}"


def test_retain_graph_keeps_them_until_the_last_backward():
    loss, params = small_graph()
    refs = saved_arrays_of(loss)
    loss.backward(retain_graph=True)
    assert all(r() is not None for r in refs)
    loss.backward()
    assert all(r() is None or any(r() is p.detach().numpy() for p in params) for r in refs)


def digits_training(steps, batch=16, on_step=None):
    """Train a 64-32-10 MLP on the digits with Adam, a shuffling DataLoader and dropout."""
    cr.manual_seed(0)
    images, labels = cr.data.load_digits()
    loader = cr.data.DataLoader(cr.data.TensorDataset(images / 16, labels), batch_size=batch,
                                shuffle=True, drop_last=True)
    model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Dropout(0.1),
                             cr.nn.Linear(32, 10))
    opt = cr.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = cr.nn.CrossEntropyLoss()
    step = 0
    while step < steps:
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            step += 1
            if on_step is not None:
                on_step(step)
            if step == steps:
                return model, loss.item()
    return model, loss.item()


def test_five_thousand_training_steps_keep_memory_flat():
    """Traced from step 1,000 (warm: Adam's buffers exist) to 5,000: what is still allocated
    at the end and the highest point in between, both counted from step 1,000."""
    marks = {}

    def on_step(step):
        if step == 1000:
            tracemalloc.start()
            marks["start"] = tracemalloc.get_traced_memory()[0]
        if step == 5000:
            marks["end"], marks["peak"] = tracemalloc.get_traced_memory()

    try:
        _, loss = digits_training(5000, on_step=on_step)
    finally:
        tracemalloc.stop()
    assert loss < 1.0   # it did train
    growth, peak_growth = marks["end"] - marks["start"], marks["peak"] - marks["start"]
    assert growth < 2 ** 20, f"memory grew by {growth} bytes from step 1,000 to 5,000"
    assert peak_growth < 2 ** 20, f"peak grew by {peak_growth} bytes from step 1,000 to 5,000"


def ours(objects):
    return [o for o in objects if isinstance(o, (cr.Tensor, Gate))
            or type(o).__module__.startswith("chainrule")]


@pytest.fixture
def cycle_collector():
    """Collect first, then save everything the next collection finds unreachable."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_training_steps_leave_no_reference_cycles(cycle_collector):
    digits_training(20)
    gc.collect()
    found = ours(gc.garbage)
    assert not found, f"objects freed only by the cycle collector: {found[:5]}"


def test_unused_graphs_hooks_and_higher_order_grad_leave_no_cycles(cycle_collector):
    for _ in range(3):
        loss, _ = small_graph()
        del loss
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 1)
    (y * y).sum().backward()
    (dx,) = cr.autograd.grad((x * x * x).sum(), x, create_graph=True)
    cr.autograd.grad(dx.sum(), x)
    del x, y, dx
    gc.collect()
    found = ours(gc.garbage)
    assert not found, f"objects freed only by the cycle collector: {found[:5]}"


def test_the_cycle_check_can_fail():
    """The fixture's method sees a cycle when there is one (a tensor that holds itself)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        t = cr.tensor([1.0])
        t.name = [t]   # a cycle through a list
        del t
        gc.collect()
        assert ours(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
