"""The backend seam (docs/engine.md, "Backends"): forward and backward compute through the
array namespace of their inputs, never by converting them to host NumPy arrays.

``DeviceArray`` stands in for a device array such as CuPy's: it holds an ndarray, NumPy's
functions reach it through ``__array_ufunc__`` and ``__array_function__`` (and hand back
DeviceArrays), ``__array_namespace__`` gives its own creation functions, and, like CuPy, it
refuses implicit conversion to a host array (``np.asarray`` raises TypeError) and refuses to
meet a host array with dimensions. A training step that silently went through the host
would fail here.
"""
import operator

import numpy as np
import pytest

import chainrule as cr
from chainrule import dtypes

REFUSAL = "DeviceArray: implicit conversion to a host NumPy array is not allowed"


class DeviceArray:
    """An array on a pretend device (an ndarray inside, reached only through the protocols)."""

    __slots__ = ("_a",)
    __hash__ = None

    def __init__(self, a):
        assert type(a) is np.ndarray
        self._a = a

    # ----- what a device library refuses ------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{REFUSAL}; use .get() (as CuPy asks)")

    def get(self):
        """The explicit copy to the host (CuPy's name)."""
        return self._a.copy()

    # ----- NumPy's dispatch protocols ---------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        result = getattr(ufunc, method)(*unwrap(inputs), **unwrap(kwargs))
        if out is not None:
            return out[0] if len(out) == 1 else out
        return wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (DeviceArray, np.ndarray)) for t in types):
            return NotImplemented
        return wrap(func(*unwrap(args), **unwrap(kwargs)))

    def __array_namespace__(self, api_version=None):
        return DEVICE

    # ----- attributes and methods (those of cupy.ndarray that the code uses) ------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    T = property(lambda self: DeviceArray(self._a.T))
    mT = property(lambda self: DeviceArray(self._a.mT))
    base = property(lambda self: None if self._a.base is None else DeviceArray(self._a.base))

    def __getitem__(self, index):
        return wrap(self._a[unwrap(index)])

    def __setitem__(self, index, value):
        self._a[unwrap(index)] = unwrap(value)

    def __len__(self):
        return len(self._a)

    def __bool__(self):
        return bool(self._a)   # a size-1 array, as CuPy allows (it waits for the device)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __repr__(self):
        return f"DeviceArray({self._a!r})"

    def __format__(self, spec):
        return format(self._a, spec) if self._a.ndim == 0 else repr(self)


def method(name):
    def call(self, *args, **kwargs):
        return wrap(getattr(self._a, name)(*unwrap(args), **unwrap(kwargs)))
    call.__name__ = name
    return call


for _name in ("sum", "mean", "max", "min", "any", "all", "argmax", "argmin", "astype",
              "reshape", "copy", "transpose", "squeeze", "fill", "item", "tolist", "cumsum",
              "prod", "ravel", "clip", "swapaxes"):
    setattr(DeviceArray, _name, method(_name))


def operator_of(ufunc, reflected=False):
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


def inplace_of(ufunc):
    def update(self, other):
        ufunc(self, other, out=(self,))
        return self
    return update


for _name, _ufunc in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                      ("truediv", np.true_divide), ("floordiv", np.floor_divide),
                      ("mod", np.remainder), ("pow", np.power), ("matmul", np.matmul),
                      ("and", np.bitwise_and), ("or", np.bitwise_or), ("xor", np.bitwise_xor)):
    setattr(DeviceArray, f"__{_name}__", operator_of(_ufunc))
    setattr(DeviceArray, f"__r{_name}__", operator_of(_ufunc, reflected=True))
    if _name != "matmul":
        setattr(DeviceArray, f"__i{_name}__", inplace_of(_ufunc))
for _name, _ufunc in (("lt", np.less), ("le", np.less_equal), ("gt", np.greater),
                      ("ge", np.greater_equal), ("eq", np.equal), ("ne", np.not_equal)):
    setattr(DeviceArray, f"__{_name}__", operator_of(_ufunc))
DeviceArray.__neg__ = lambda self: np.negative(self)
DeviceArray.__pos__ = lambda self: self
DeviceArray.__abs__ = lambda self: np.absolute(self)
DeviceArray.__invert__ = lambda self: np.invert(self)


def unwrap(x):
    """The ndarrays inside, for NumPy to compute on; a host array with dimensions is refused,
    as CuPy refuses it (numbers, NumPy scalars and 0-d arrays pass)."""
    if type(x) is DeviceArray:
        return x._a
    if isinstance(x, np.ndarray) and x.ndim > 0:
        raise TypeError(f"DeviceArray: a host NumPy array of shape {x.shape} met a device "
                        f"array; move it to the device first")
    if isinstance(x, (tuple, list)):
        return type(x)(unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: unwrap(v) for k, v in x.items()}
    return x


def wrap(x):
    """Results back on the device; NumPy scalars become 0-d device arrays, as in CuPy."""
    if isinstance(x, np.ndarray):
        return DeviceArray(x)
    if isinstance(x, np.generic):
        return DeviceArray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(wrap(v) for v in x)
    return x


class Namespace:
    """The device library's module (``cupy``): NumPy's functions, made on the device."""

    def __getattr__(self, name):
        fn = getattr(np, name)
        if not callable(fn) or isinstance(fn, type):
            return fn

        def on_device(*args, **kwargs):
            return wrap(fn(*unwrap(args), **unwrap(kwargs)))
        return on_device

    @staticmethod
    def asarray(x, dtype=None):
        """The explicit copy to the device (``cupy.asarray`` of a host array)."""
        return x if type(x) is DeviceArray else DeviceArray(np.array(x, dtype=dtype))


DEVICE = Namespace()


def to_device(x):
    return DEVICE.asarray(x)


# ----- the test type is what it claims -------------------------------------------------
def test_the_device_array_refuses_the_host():
    a = to_device(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match="implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError, match="host NumPy array"):
        a + np.ones((2, 3))
    assert type(np.exp(a)) is DeviceArray and type(a @ a.T) is DeviceArray
    assert type(a.sum()) is DeviceArray and type(np.where(a > 1, a, 0.0)) is DeviceArray
    assert type(a * np.float32(2)) is DeviceArray and type(2.0 - a) is DeviceArray
    assert dtypes.namespace_of(a) is DEVICE and dtypes.namespace_of(np.ones(2)) is np


# ----- tensors keep the device array -----------------------------------------------------
def test_tensors_hold_device_arrays_without_converting():
    a = to_device(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    t = cr.tensor(a, requires_grad=True)
    assert type(t.detach().numpy()) is DeviceArray and t.detach().numpy() is not a   # a copy, on the device
    assert type(cr.nn.Parameter(a).detach().numpy()) is DeviceArray
    y = (t * 2.0 + 1).tanh().exp().sum()
    assert type(y.detach().numpy()) is DeviceArray
    y.backward()
    assert type(t.grad.detach().numpy()) is DeviceArray
    host = cr.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    (host * 2.0 + 1).tanh().exp().sum().backward()
    np.testing.assert_allclose(t.grad.detach().numpy().get(), host.grad.detach().numpy(), rtol=1e-6)


def test_float64_stays_float64_on_the_device():
    t = cr.tensor(to_device(np.linspace(0, 1, 4)), requires_grad=True)
    y = t.exp() * 3 / 2
    assert y.dtype == np.float64 and type(y.detach().numpy()) is DeviceArray


# ----- the MLP training step ---------------------------------------------------------
def model_and_batch(seed=0):
    cr.manual_seed(seed)
    model = cr.nn.Sequential(cr.nn.Linear(8, 16), cr.nn.ReLU(), cr.nn.Linear(16, 4))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((10, 8)).astype(np.float32)
    y = rng.integers(0, 4, 10)
    return model, x, y


def train(model, x, y, optimizer, steps=2):
    loss_fn = cr.nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        losses.append(loss)
        grads = [p.grad for p in model.parameters()]
        optimizer.step()
    return losses, grads


@pytest.mark.parametrize("make_optimizer", [
    lambda params: cr.optim.SGD(params, lr=0.1),
    lambda params: cr.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda params: cr.optim.Adam(params, lr=0.01),
    lambda params: cr.optim.AdamW(params, lr=0.01, amsgrad=True),
], ids=["SGD", "SGD-nesterov", "Adam", "AdamW-amsgrad"])
def test_mlp_training_step_runs_on_the_device(make_optimizer):
    """Linear, ReLU, cross-entropy, backward and the optimizer step all stay on the device,
    and give the same numbers as on the host."""
    host_model, x, y = model_and_batch()
    device_model, _, _ = model_and_batch()
    for p in device_model.parameters():
        p._data = to_device(p._data)   # the parameter moves; its identity stays
    host_losses, host_grads = train(host_model, cr.tensor(x), cr.tensor(y),
                                    make_optimizer(host_model.parameters()))
    device_losses, device_grads = train(device_model, cr.tensor(to_device(x)),
                                        cr.tensor(to_device(y)),
                                        make_optimizer(device_model.parameters()))
    for host_loss, device_loss in zip(host_losses, device_losses):
        assert type(device_loss.detach().numpy()) is DeviceArray
        np.testing.assert_allclose(device_loss.item(), host_loss.item(), rtol=1e-6)
    for host_p, device_p, host_g, device_g in zip(host_model.parameters(),
                                                  device_model.parameters(),
                                                  host_grads, device_grads):
        assert type(device_p.detach().numpy()) is DeviceArray and type(device_g.detach().numpy()) is DeviceArray
        assert device_p.dtype == host_p.dtype == np.float32
        np.testing.assert_allclose(device_g.detach().numpy().get(), host_g.detach().numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(device_p.detach().numpy().get(), host_p.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_cross_entropy_reports_a_bad_class_on_the_device():
    logits = cr.tensor(to_device(np.zeros((2, 3), np.float32)), requires_grad=True)
    with pytest.raises(IndexError, match="target 3 is out of range for 3 classes"):
        cr.nn.functional.cross_entropy(logits, cr.tensor(to_device(np.array([0, 3]))))


# ----- host-only parts refuse, they do not convert -------------------------------------
def test_convolution_is_host_only_and_says_so():
    x = cr.tensor(to_device(np.zeros((1, 1, 4, 4), np.float32)))
    w = cr.tensor(to_device(np.zeros((1, 1, 3, 3), np.float32)))
    with pytest.raises(TypeError, match="host NumPy arrays only"):
        cr.nn.functional.conv2d(x, w)
    with pytest.raises(TypeError, match="host NumPy arrays only"):
        cr.nn.functional.max_pool2d(x, 2)


def test_explain_is_host_only_and_says_so():
    x = cr.tensor(to_device(np.ones(3, np.float32)), requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(TypeError, match="implicit conversion"):
        cr.explain(y)
