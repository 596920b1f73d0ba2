"""Learning-rate schedules against PyTorch: the same lr at every epoch."""
import math

import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (1 + epoch) ** 0.5)),
]


def lrs(library, name, kwargs, epochs=25):
    w = library.zeros(2, requires_grad=True)
    opt = library.optim.SGD([{"params": [w]}, {"params": [library.zeros(1, requires_grad=True)],
                                                "lr": 0.3}], lr=0.1)
    sched = getattr(library.optim.lr_scheduler, name)(opt, **kwargs)
    seen = []
    for _ in range(epochs):
        seen.append([group["lr"] for group in opt.param_groups])
        assert sched.get_last_lr() == seen[-1]
        opt.step()
        sched.step()
    return seen


@pytest.mark.parametrize("name, kwargs", SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_schedule_matches_pytorch(name, kwargs):
    ours, theirs = lrs(cr, name, kwargs), lrs(torch, name, kwargs)
    for epoch, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), f"epoch {epoch}"
    assert len({tuple(x) for x in ours}) > 2   # the rate really changed


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs", cooldown=2),
    dict(factor=0.5, patience=1, min_lr=0.02),
])
def test_reduce_on_plateau_matches_pytorch(kwargs):
    metrics = [5, 4, 4, 4.1, 3.9, 3.9, 3.9, 3.9, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3]

    def run(library):
        opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.1)
        sched = library.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seen = []
        for m in metrics:
            opt.step()
            sched.step(m)
            seen.append(opt.param_groups[0]["lr"])
        return seen

    ours, theirs = run(cr), run(torch)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ours[-1] < 0.1


def test_state_dict_resumes_the_schedule(tmp_path):
    def make():
        opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=1.0)
        return opt, cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)

    opt, sched = make()
    for _ in range(4):
        opt.step()
        sched.step()
    cr.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
            tmp_path / "s.safetensors")
    saved = cr.load(tmp_path / "s.safetensors")
    opt2, sched2 = make()
    opt2.load_state_dict(saved["optimizer"])
    sched2.load_state_dict(saved["scheduler"])
    for _ in range(3):
        sched.step()
        sched2.step()
    assert sched2.last_epoch == 7
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == pytest.approx(
        (1 + math.cos(math.pi * 7 / 10)) / 2)


def test_lambda_state_dict_leaves_the_function_out():
    opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=1.0)
    sched = cr.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5)
    state = sched.state_dict()
    assert "lr_lambdas" not in state and "optimizer" not in state and state["last_epoch"] == 0
