"""The boilerplate around training loops, checked against PyTorch on a machine without CUDA:
mixed precision (autocast, GradScaler, cuda.amp), torch.compile, finfo/iinfo and the
constants (src/chainrule/amp.py, compiler.py, dtypes.py)."""
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def both(check):
    for L in (torch, cr):
        check(L)


def test_cuda_autocast_and_scaler_disable_themselves_with_a_warning():
    def check(L):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with L.autocast(device_type="cuda", dtype=L.float16):
                assert not L.is_autocast_enabled()
                assert (L.ones(2, 2) @ L.ones(2, 2)).dtype == L.float32
            scaler = L.amp.GradScaler("cuda")
            old_scaler = L.cuda.amp.GradScaler()
            with L.cuda.amp.autocast():
                pass
        assert len([w for w in caught if "isabling" in str(w.message)]) >= 3
        assert not scaler.is_enabled() and not old_scaler.is_enabled()
        assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
        loss = L.tensor(2.0)
        assert scaler.scale(loss) is loss
        w = L.ones(2, requires_grad=True)
        opt = L.optim.SGD([w], lr=0.5)
        scaler.scale((w * 2).sum()).backward()
        scaler.step(opt)
        scaler.update()
        assert w.tolist() == [0.0, 0.0]
    both(check)


def test_disabled_autocast_changes_nothing():
    both(lambda L: L.autocast("cpu", enabled=False).__enter__())


def test_cpu_autocast_which_needs_bfloat16_is_refused_by_name():
    with pytest.raises(NotImplementedError, match="autocast.*bfloat16.*enabled=False"):
        cr.autocast("cpu")


def test_a_cpu_grad_scaler_scales_skips_and_backs_off_as_pytorchs():
    records = []
    for L in (torch, cr):
        scaler = L.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
        w = L.tensor([1.0, -2.0], requires_grad=True)
        opt = L.optim.SGD([w], lr=0.1, momentum=0.9)
        seen = []
        for step in range(5):
            opt.zero_grad()
            loss = (w ** 2).sum() * (float("inf") if step == 2 else 1.0)
            scaled = scaler.scale(loss)
            scaled.backward()
            if step == 3:
                scaler.unscale_(opt)   # unscale first, as before gradient clipping
                L.nn.utils.clip_grad_norm_([w], 1.0)
            scaler.step(opt)
            scaler.update()
            seen.append((scaled.item(), scaler.get_scale(), *w.tolist()))
        seen.append(tuple(scaler.state_dict().values()))
        records.append(seen)
    theirs, ours = records
    for a, b in zip(theirs, ours):
        np.testing.assert_allclose(np.array(b, dtype=float), np.array(a, dtype=float), rtol=1e-6)


def test_unscaling_twice_is_refused():
    scaler = cr.amp.GradScaler("cpu")
    w = cr.ones(1, requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.1)
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)


def test_compile_returns_the_model_which_runs_as_before():
    model = cr.nn.Linear(3, 2)
    assert cr.compile(model) is model
    assert cr.compile(model, mode="reduce-overhead", fullgraph=True) is model

    @cr.compile
    def f(x):
        return x * 2

    @cr.compile(dynamic=True)
    def g(x):
        return x + 1

    assert f(cr.ones(1)).item() == 2.0 and g(cr.ones(1)).item() == 2.0


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_as_pytorchs(name):
    ours, theirs = cr.finfo(getattr(cr, name)), torch.finfo(getattr(torch, name))
    for field in ("eps", "max", "min", "tiny", "bits", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert type(ours.eps) is float


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_as_pytorchs(name):
    ours, theirs = cr.iinfo(getattr(cr, name)), torch.iinfo(getattr(torch, name))
    assert (ours.min, ours.max, ours.bits, ours.dtype) == (theirs.min, theirs.max, theirs.bits,
                                                           theirs.dtype)
    with pytest.raises(TypeError):
        cr.finfo(getattr(cr, name))
    with pytest.raises(TypeError):
        torch.finfo(getattr(torch, name))


def test_constants():
    assert (cr.pi, cr.e, cr.inf) == (torch.pi, torch.e, torch.inf) and cr.nan != cr.nan


def test_global_switches_are_kept_and_read_back():
    for L in (torch, cr):
        before = L.get_float32_matmul_precision()
        L.set_float32_matmul_precision("high")
        assert L.get_float32_matmul_precision() == "high"
        L.set_float32_matmul_precision(before)
        L.use_deterministic_algorithms(True, warn_only=True)
        assert L.are_deterministic_algorithms_enabled()
        assert L.is_deterministic_algorithms_warn_only_enabled()
        L.use_deterministic_algorithms(False)
        assert not L.are_deterministic_algorithms_enabled()
        with pytest.warns(UserWarning, match="no effect"):
            L.set_float32_matmul_precision("fastest")
        assert L.get_float32_matmul_precision() == before
    assert cr.version.cuda is None and torch.version.cuda is None


def test_seeds_and_generator_states():
    cr.manual_seed(11)
    assert cr.initial_seed() == 11 and cr.random.initial_seed() == 11
    state = cr.get_rng_state()
    assert state.dtype == cr.uint8 and state.dim() == 1
    first = cr.randn(4)
    cr.set_rng_state(state)
    assert cr.equal(first, cr.randn(4))
    assert cr.seed() == cr.initial_seed() != 11
    with pytest.raises(RuntimeError, match="set_rng_state"):
        cr.set_rng_state(cr.zeros(8, dtype=cr.uint8))


@pytest.mark.parametrize("case", ["equal", "within", "outside", "dtype", "shape", "nan",
                                  "sequence", "tolerances alone"])
def test_assert_close_passes_and_fails_as_pytorchs(case):
    def check(L):
        a = L.tensor([1.0, 2.0, float("nan") if case == "nan" else 3.0])
        b = {"equal": a.clone(), "within": a + 1e-6, "outside": a + 1e-3,
             "dtype": a.double(), "shape": a[:2], "nan": a.clone(),
             "sequence": a, "tolerances alone": a}[case]
        if case == "sequence":
            return L.testing.assert_close([a, {"k": 1.0}], [a + 1e-7, {"k": 1.0 + 1e-9}])
        if case == "tolerances alone":
            return L.testing.assert_close(a, b, rtol=1e-3)
        return L.testing.assert_close(a, b)

    outcomes = []
    for L in (torch, cr):
        try:
            check(L)
            outcomes.append("passed")
        except (AssertionError, ValueError) as error:
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]


def test_assert_close_reports_as_pytorch_does():
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 2 \(50.0%\)"):
        cr.testing.assert_close(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.5]))
    cr.testing.assert_close(cr.tensor([float("nan")]), cr.tensor([float("nan")]), equal_nan=True)
    cr.testing.assert_close(cr.tensor([1]), cr.tensor([1.0]), check_dtype=False)


def test_pytorchs_module_paths():
    import chainrule.utils.data.dataloader as dataloader
    import chainrule.utils.data.dataset as dataset
    import chainrule.utils.data.sampler as sampler
    from chainrule.optim.lr_scheduler import LRScheduler, _LRScheduler
    from chainrule.utils.checkpoint import checkpoint, checkpoint_sequential
    assert sampler.SubsetRandomSampler is cr.data.SubsetRandomSampler
    assert dataset.random_split is cr.data.random_split
    assert dataloader.DataLoader is cr.data.DataLoader and _LRScheduler is LRScheduler
    assert cr.utils.data.get_worker_info() is None and torch.utils.data.get_worker_info() is None
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    checkpoint(lambda t: (t ** 2).sum(), x, use_reentrant=False).backward()
    assert x.grad.tolist() == [2.0, 4.0]
    model = cr.nn.Sequential(cr.nn.Linear(2, 2), cr.nn.ReLU())
    assert cr.equal(checkpoint_sequential(model, 2, cr.ones(1, 2)), model(cr.ones(1, 2)))


@pytest.mark.parametrize("name", ["bfloat16", "complex64", "complex128", "cfloat", "cdouble"])
def test_dtypes_chainrule_lacks_are_named_and_refused_when_used(name):
    """Programs name torch.bfloat16 in a table of choices even when they compute in float32."""
    ours, theirs = getattr(cr, name), getattr(torch, name)
    assert str(ours)[10:] == str(theirs)[6:]
    assert (ours.is_floating_point, ours.is_complex, ours.itemsize) == (
        theirs.is_floating_point, theirs.is_complex, theirs.itemsize)
    assert cr.ones(1).dtype != ours
    for use in (lambda: cr.zeros(2, dtype=ours), lambda: cr.ones(2).to(ours),
                lambda: cr.tensor([1.0], dtype=ours), lambda: cr.nn.Linear(2, 2).to(ours)):
        with pytest.raises(TypeError, match=f"chainrule has no {str(ours)[10:]} tensors"):
            use()


def test_torchscript_calls_run_eagerly_and_archives_are_refused():
    layer = cr.nn.Linear(2, 2)

    @cr.jit.script
    def gelu_ish(x):
        return x * cr.sigmoid(1.702 * x)

    @cr.jit.ignore
    def helper(x):
        return x + 1

    assert cr.jit.script(layer) is layer and cr.jit.trace(layer, cr.ones(1, 2)) is layer
    assert gelu_ish(cr.zeros(1)).item() == 0.0 and helper(1) == 2
    assert cr.jit.ignore(drop=True)(helper) is helper and not cr.jit.is_scripting()
    assert torch.jit.is_scripting() is False
    with pytest.raises(NotImplementedError, match="jit.save: chainrule has no TorchScript"):
        cr.jit.save(layer, "model.pt")
    with pytest.raises(NotImplementedError, match="jit.load"):
        cr.jit.load("model.pt")


def test_legacy_default_tensor_type_and_cuda_types():
    from chainrule.device import DeviceError
    before = cr.get_default_dtype()
    try:
        for L in (torch, cr):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                L.set_default_tensor_type("torch.DoubleTensor")
                assert L.tensor([1.0]).dtype == L.float64
                L.set_default_tensor_type(L.FloatTensor)
                assert L.tensor([1.0]).dtype == L.float32
                with pytest.raises(TypeError, match="only floating-point types"):
                    L.set_default_tensor_type(L.LongTensor)
        with pytest.raises(DeviceError, match="CPU only"):
            cr.set_default_tensor_type("torch.cuda.FloatTensor")
    finally:
        cr.set_default_dtype(before)
    chosen = cr.cuda.FloatTensor if cr.cuda.is_available() else cr.FloatTensor
    assert chosen is cr.FloatTensor and not isinstance(cr.ones(1), cr.cuda.FloatTensor)
    with pytest.raises(DeviceError, match="cuda.LongTensor: chainrule computes on the CPU"):
        cr.cuda.LongTensor([1])


def test_share_memory_is_accepted():
    layer = cr.nn.Linear(2, 2)
    assert layer.share_memory() is layer and not layer.weight.is_shared()
    assert layer.weight.share_memory_() is layer.weight
    assert torch.nn.Linear(2, 2).weight.is_shared() is False


def test_clip_grad_norm_takes_pytorchs_foreach():
    norms = []
    for L in (torch, cr):
        w = L.tensor([3.0, 4.0], requires_grad=True)
        (w * w).sum().backward()
        norms.append(L.nn.utils.clip_grad_norm_([w], max_norm=1.0, foreach=None).item())
        assert abs(w.grad.norm().item() - 1.0) < 1e-5
    assert abs(norms[0] - norms[1]) < 1e-5


def test_pin_memory_and_detach_in_place_as_pytorch():
    for L in (torch, cr):
        x = L.ones(2)
        assert not x.is_pinned()
        with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
            x.pin_memory()
        leaf = L.ones(2, requires_grad=True)
        y = leaf * 3
        assert y.detach_() is y and not y.requires_grad and y.grad_fn is None
        (leaf * 2).sum().backward()
        assert leaf.grad.tolist() == [2.0, 2.0]
