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
