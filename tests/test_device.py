"""The device API on the one device chainrule computes on, compared with PyTorch's (a CPU
build of PyTorch answers the same questions the same way), and the clear refusal of any
other device."""
import pickle

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

CREATORS = [
    ("zeros", lambda lib, **kw: lib.zeros(2, 3, **kw)),
    ("ones", lambda lib, **kw: lib.ones((2, 3), **kw)),
    ("empty", lambda lib, **kw: lib.empty(2, **kw)),
    ("full", lambda lib, **kw: lib.full((2,), 1.5, **kw)),
    ("arange", lambda lib, **kw: lib.arange(5, **kw)),
    ("linspace", lambda lib, **kw: lib.linspace(0, 1, 5, **kw)),
    ("eye", lambda lib, **kw: lib.eye(3, **kw)),
    ("rand", lambda lib, **kw: lib.rand(2, **kw)),
    ("randn", lambda lib, **kw: lib.randn(2, **kw)),
    ("randint", lambda lib, **kw: lib.randint(3, (2,), **kw)),
    ("randperm", lambda lib, **kw: lib.randperm(4, **kw)),
    ("tensor", lambda lib, **kw: lib.tensor([1.0], **kw)),
    ("as_tensor", lambda lib, **kw: lib.as_tensor([1.0], **kw)),
    ("zeros_like", lambda lib, **kw: lib.zeros_like(lib.ones(2), **kw)),
    ("ones_like", lambda lib, **kw: lib.ones_like(lib.ones(2), **kw)),
    ("empty_like", lambda lib, **kw: lib.empty_like(lib.ones(2), **kw)),
    ("full_like", lambda lib, **kw: lib.full_like(lib.ones(2), 3.0, **kw)),
    ("rand_like", lambda lib, **kw: lib.rand_like(lib.ones(2), **kw)),
    ("randn_like", lambda lib, **kw: lib.randn_like(lib.ones(2), **kw)),
    ("randint_like", lambda lib, **kw: lib.randint_like(lib.ones(2), 5, **kw)),
]


def test_device_objects_are_pytorchs():
    for args in [("cpu",), ("cpu", 0), ("cpu:0",), ("cuda",), ("cuda:1",), ("mps",)]:
        ours, theirs = cr.device(*args), torch.device(*args)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert cr.device("cpu") == cr.device("cpu") and cr.device("cpu") != cr.device("cpu:0")
    assert (cr.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")   # both False
    assert hash(cr.device("cpu")) == hash(cr.device(cr.device("cpu")))
    assert pickle.loads(pickle.dumps(cr.device("cpu", 0))) == cr.device("cpu", 0)
    with pytest.raises(RuntimeError, match="device string"):
        cr.device("gpu")
    with pytest.raises(RuntimeError, match="non-negative"):
        cr.device("cpu", -1)


def test_tensors_live_on_the_cpu():
    x = cr.ones(2)
    assert x.device.type == torch.ones(2).device.type and x.device == cr.device("cpu")
    assert repr(x.device) == repr(torch.ones(2).device)
    assert x.is_cuda is False and x.is_cpu is True and x.get_device() == -1
    assert x.cpu() is x and x.to("cpu") is x and x.to(cr.device("cpu")) is x


@pytest.mark.parametrize("name, make", CREATORS, ids=[name for name, _ in CREATORS])
def test_every_creation_function_takes_device(name, make):
    for device in ("cpu", "cpu:0", cr.device("cpu"), None):
        theirs = make(torch, device=None if device is None else str(device))
        ours = make(cr, device=device)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype)[10:] == str(theirs.dtype)[6:]
    with pytest.raises(RuntimeError, match="CPU only"):
        make(cr, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        make(cr, device=cr.device("mps"))


def test_to_takes_pytorchs_forms():
    x = cr.tensor([1.5, 2.5])
    assert x.to(cr.float64).dtype == cr.float64
    assert x.to("cpu", cr.float64).dtype == cr.float64
    assert x.to(device="cpu", dtype=cr.float16).dtype == cr.float16
    assert x.to(cr.tensor([1], dtype=cr.int32)).dtype == cr.int32
    assert x.to("cpu", non_blocking=True) is x
    assert x.to(memory_format=cr.channels_last) is x
    copied = x.to("cpu", copy=True)
    assert copied is not x and copied.tolist() == x.tolist()
    with pytest.raises(RuntimeError, match="'cuda:0' is not available"):
        x.to("cuda:0")
    with pytest.raises(RuntimeError, match="CPU only"):
        x.cuda()
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to(cr.device("cuda"), cr.float64)
    with pytest.raises(TypeError, match="unexpected keyword argument 'layout'"):
        x.to(layout=None)


def test_gradients_flow_through_to():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.to("cpu", cr.float64).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and x.grad.dtype == cr.float32


def test_cuda_mps_and_accelerator_report_no_device_as_pytorch_without_one():
    assert cr.cuda.is_available() is torch.cuda.is_available() is False
    assert cr.cuda.device_count() == torch.cuda.device_count() == 0
    assert cr.cuda.is_initialized() is False
    cr.cuda.manual_seed(0), cr.cuda.manual_seed_all(0), cr.cuda.empty_cache()   # no-ops
    assert cr.cuda.memory_allocated() == torch.cuda.memory_allocated() == 0
    with pytest.raises(RuntimeError, match="cuda.current_device: no CUDA device"):
        cr.cuda.current_device()
    with pytest.raises(RuntimeError, match="cuda.synchronize"):
        cr.cuda.synchronize()
    assert cr.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert cr.backends.mps.is_built() is False
    cr.backends.cudnn.deterministic = True
    cr.backends.cudnn.benchmark = False
    assert cr.accelerator.is_available() is torch.accelerator.is_available() is False
    assert cr.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert cr.accelerator.device_count() == torch.accelerator.device_count() == 0
    with pytest.raises(RuntimeError, match="none is available"):
        cr.accelerator.current_device_index()


def test_the_usual_device_idiom_picks_the_cpu():
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    model = cr.nn.Linear(3, 2).to(device)
    out = model(cr.randn(4, 3).to(device))
    assert out.device == device == cr.device("cpu")
    assert model.to(cr.float64).weight.dtype == cr.float64
    assert model.to("cpu", cr.float32).weight.dtype == cr.float32
    with pytest.raises(RuntimeError, match="Module.cuda: device 'cuda' is not available"):
        model.cuda()
    with pytest.raises(RuntimeError, match="Module.to: device 'cuda:0'"):
        model.to("cuda:0")


def test_default_device():
    cr.set_default_device("cpu")
    assert cr.get_default_device() == cr.device("cpu")
    assert repr(cr.get_default_device()) == repr(torch.get_default_device())
    with pytest.raises(RuntimeError, match="set_default_device: device 'cuda'"):
        cr.set_default_device("cuda")
    cr.set_default_device(None)
    assert cr.get_default_device() == cr.device("cpu")


def test_default_dtype_as_in_pytorch():
    assert cr.get_default_dtype() == cr.float32
    try:
        cr.set_default_dtype(cr.float64)
        torch.set_default_dtype(torch.float64)
        for make in (lambda lib: lib.tensor([1.5]), lambda lib: lib.zeros(2),
                     lambda lib: lib.arange(0.0, 1.0, 0.5), lambda lib: lib.rand(2),
                     lambda lib: lib.tensor([1, 2]) * 1.5, lambda lib: lib.tensor([1, 2]) / 2):
            assert str(make(cr).dtype) == str(make(torch).dtype).replace("torch", "chainrule")
            assert make(cr).dtype == cr.float64
        assert cr.get_default_dtype() == cr.float64
        assert repr(cr.tensor([1.5])) == "tensor([1.5000])"   # the default: no dtype suffix
        assert repr(cr.tensor([1.5], dtype=cr.float32)) == \
            repr(torch.tensor([1.5], dtype=torch.float32)).replace("torch.", "chainrule.")
    finally:
        cr.set_default_dtype(cr.float32)
        torch.set_default_dtype(torch.float32)
    assert cr.tensor([1.5]).dtype == cr.float32
    with pytest.raises(TypeError, match="only floating-point types"):
        cr.set_default_dtype(cr.int64)


def test_memory_formats_change_no_value():
    x = cr.arange(24.0).reshape(1, 2, 3, 4)
    for fmt in (cr.contiguous_format, cr.preserve_format, cr.channels_last):
        assert np.array_equal(x.clone(memory_format=fmt).numpy(), x.numpy())
        assert x.contiguous(memory_format=fmt) is x
        assert x.float(memory_format=fmt) is x
    assert repr(cr.channels_last) == repr(torch.channels_last).replace("torch.", "chainrule.")


def test_utils_data_is_data():
    import chainrule.utils.data as data
    from chainrule.utils.data import DataLoader, TensorDataset
    assert data is cr.data and cr.utils.data is cr.data
    assert DataLoader is cr.data.DataLoader and TensorDataset is cr.data.TensorDataset


def test_randint_forms_as_in_pytorch():
    for args, kwargs in [((10, (3,)), {}), ((2, 10, (3,)), {}), ((), dict(high=5, size=(2,))),
                         ((0, 5), dict(size=(2,))), ((), dict(low=3, high=5, size=(4,)))]:
        ours, theirs = cr.randint(*args, **kwargs), torch.randint(*args, **kwargs)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == cr.int64
    assert bool(((cr.randint(3, 5, (100,)) >= 3) & (cr.randint(3, 5, (100,)) < 5)).all())
    with pytest.raises(TypeError, match="high and size"):
        cr.randint(5)
    with pytest.raises(NotImplementedError, match="out= is not supported"):
        cr.zeros(2, out=cr.zeros(2))


def test_device_as_a_block():
    with cr.device("cpu") as dev:
        assert cr.zeros(1).device == dev
    with pytest.raises(RuntimeError, match="with device: device 'cuda'"):
        with cr.device("cuda"):
            pass
