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
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.95 if epoch % 2 else 1.02)),
    ("ConstantLR", dict(factor=0.4, total_iters=4)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=6)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=3, step_size_down=5)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=2, mode="triangular2",
                      base_momentum=0.5, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=4, mode="exp_range", gamma=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=3, cycle_momentum=False,
                      scale_fn=lambda x: 0.5 ** x, scale_mode="iterations")),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30)),
    ("OneCycleLR", dict(max_lr=[0.5, 1.0], epochs=5, steps_per_epoch=6, pct_start=0.4,
                        anneal_strategy="linear", three_phase=True, div_factor=10.0,
                        final_div_factor=100.0)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(SCHEDULES)]


def lrs(library, name, kwargs, epochs=25, optimizer="SGD", **step):
    """Each group's lr and momentum (or beta1) seen before each of ``epochs`` steps."""
    w = library.zeros(2, requires_grad=True)
    extra = dict(momentum=0.9) if optimizer == "SGD" else {}
    opt = getattr(library.optim, optimizer)(
        [{"params": [w]}, {"params": [library.zeros(1, requires_grad=True)], "lr": 0.3}],
        lr=0.1, **extra)
    sched = getattr(library.optim.lr_scheduler, name)(opt, **kwargs)
    seen = []
    for _ in range(epochs):
        seen.append([(g["lr"], g["momentum"] if "momentum" in g else g["betas"][0])
                     for g in opt.param_groups])
        assert sched.get_last_lr() == [lr for lr, _ in seen[-1]]
        opt.step()
        sched.step(**step)
    return seen


@pytest.mark.parametrize("name, kwargs", SCHEDULES, ids=IDS)
def test_schedule_matches_pytorch(name, kwargs):
    ours, theirs = lrs(cr, name, kwargs, epochs=30), lrs(torch, name, kwargs, epochs=30)
    assert ours == theirs   # the same arithmetic, in the same order: the same floats
    assert len({tuple(x) for x in ours}) >= 2   # the rate really changed


@pytest.mark.parametrize("name, kwargs", [SCHEDULES[12], SCHEDULES[16]], ids=["cyclic", "one"])
def test_cycled_beta1_of_adam_matches_pytorch(name, kwargs):
    assert lrs(cr, name, kwargs, optimizer="Adam") == lrs(torch, name, kwargs, optimizer="Adam")


def two_schedulers(library, kind):
    opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.5)
    schedules = library.optim.lr_scheduler
    if kind == "sequential":
        sched = schedules.SequentialLR(opt, [
            schedules.LinearLR(opt, start_factor=0.1, total_iters=4),
            schedules.ExponentialLR(opt, gamma=0.8),
            schedules.CosineAnnealingLR(opt, T_max=5)], milestones=[4, 9])
    elif kind == "chained":
        sched = schedules.ChainedScheduler([schedules.ConstantLR(opt, factor=0.5, total_iters=3),
                                            schedules.ExponentialLR(opt, gamma=0.9),
                                            schedules.StepLR(opt, step_size=4, gamma=0.5)])
    else:   # two schedulers stepped by hand compose, as in PyTorch
        first = schedules.ExponentialLR(opt, gamma=0.9)
        second = schedules.MultiStepLR(opt, milestones=[3, 6], gamma=0.1)
        sched = type("Both", (), {"step": lambda self: (first.step(), second.step()),
                                  "get_last_lr": lambda self: second.get_last_lr()})()
    seen = []
    for _ in range(16):
        seen.append(opt.param_groups[0]["lr"])
        assert sched.get_last_lr() == [seen[-1]]
        opt.step()
        sched.step()
    return seen


@pytest.mark.parametrize("kind", ["sequential", "chained", "by-hand"])
def test_combined_schedulers_match_pytorch(kind):
    ours, theirs = two_schedulers(cr, kind), two_schedulers(torch, kind)
    assert ours == theirs
    assert len(set(ours)) > 5


@pytest.mark.parametrize("name, kwargs", [SCHEDULES[i] for i in (0, 1, 2, 3, 6, 7, 8)],
                         ids=lambda v: str(v)[:14])
def test_step_with_an_epoch_uses_the_closed_form_as_pytorch(name, kwargs):
    def run(library):
        opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.1)
        sched = getattr(library.optim.lr_scheduler, name)(opt, **kwargs)
        seen = []
        opt.step()   # before the scheduler, as PyTorch asks (it warns otherwise)
        for epoch in [3, 1, 7, 7, 12, 2]:
            with pytest.warns(UserWarning, match="deprecated"):
                sched.step(epoch)
            seen.append(opt.param_groups[0]["lr"])
        return seen

    assert run(cr) == pytest.approx(run(torch), rel=1e-12)


def test_warm_restarts_take_fractional_epochs_as_pytorch():
    def run(library):
        opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.1)
        sched = library.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        seen = []
        for epoch in [0.5, 1.25, 2.9, 3.0, 4.5, 9.2, 20.0, 2.0]:
            sched.step(epoch)
            seen.append((opt.param_groups[0]["lr"], sched.T_i, sched.last_epoch))
        return seen

    ours, theirs = run(cr), run(torch)
    assert [step[1:] for step in ours] == [step[1:] for step in theirs]
    assert [step[0] for step in ours] == pytest.approx([step[0] for step in theirs], rel=1e-12)


@pytest.mark.parametrize("name, kwargs", SCHEDULES[:4] + SCHEDULES[6:13] + SCHEDULES[15:],
                         ids=lambda v: str(v)[:14])
def test_state_dict_resumes_every_schedule(name, kwargs):
    def make():
        opt = cr.optim.SGD([{"params": [cr.zeros(1, requires_grad=True)]},
                            {"params": [cr.zeros(1, requires_grad=True)], "lr": 0.3}],
                           lr=0.1, momentum=0.9)
        return opt, getattr(cr.optim.lr_scheduler, name)(opt, **kwargs)

    opt, sched = make()
    for _ in range(7):
        opt.step()
        sched.step()
    opt2, sched2 = make()
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    for _ in range(9):
        opt.step(), opt2.step()
        sched.step(), sched2.step()
        assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


def test_state_dict_has_pytorchs_keys():
    def keys(library):
        opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.1)
        return set(library.optim.lr_scheduler.StepLR(opt, step_size=2).state_dict())

    assert keys(cr) <= keys(torch) and {"last_epoch", "base_lrs", "_last_lr"} <= keys(cr)


@pytest.mark.parametrize("make, error, message", [
    (lambda opt, s: s.ConstantLR(opt, factor=2.0), ValueError, "between 0 and 1"),
    (lambda opt, s: s.LinearLR(opt, start_factor=0.0), ValueError, "greater than 0"),
    (lambda opt, s: s.OneCycleLR(opt, max_lr=1.0), ValueError, "total_steps OR"),
    (lambda opt, s: s.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=3), ValueError,
     "same length"),
    (lambda opt, s: s.CyclicLR(cr.optim.Rprop([cr.zeros(1, requires_grad=True)]), 0.1, 1.0),
     ValueError, "momentum or beta1"),
    (lambda opt, s: s.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError, "T_0"),
    (lambda opt, s: s.SequentialLR(opt, [s.StepLR(opt, 2)], milestones=[3]), ValueError,
     "one more"),
    (lambda opt, s: s.ChainedScheduler([s.ReduceLROnPlateau(opt)]), ValueError,
     "ReduceLROnPlateau"),
    (lambda opt, s: s.StepLR("sgd", 2), TypeError, "is not an Optimizer"),
])
def test_bad_arguments_are_named(make, error, message):
    opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(error, match=message):
        make(opt, cr.optim.lr_scheduler)


def test_one_cycle_refuses_a_step_past_its_end():
    opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = cr.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    opt.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()


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


def test_lambda_state_dict_leaves_the_function_out_as_pytorch():
    opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=1.0)
    sched = cr.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5)
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None] and "optimizer" not in state
    assert state["last_epoch"] == 0


@pytest.mark.parametrize("optimizer_first", [True, False])
def test_stepping_the_scheduler_first_warns_as_pytorch_does(optimizer_first, recwarn):
    def run(library):
        opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.1)
        sched = library.optim.lr_scheduler.StepLR(opt, step_size=1)
        if optimizer_first:
            opt.step()
        sched.step()
        warned = [w for w in recwarn if "before `optimizer.step()`" in str(w.message)]
        recwarn.clear()
        return len(warned)

    assert run(cr) == run(torch) == (0 if optimizer_first else 1)


@pytest.mark.parametrize("name, kwargs", [SCHEDULES[i] for i in (0, 2, 3, 7, 8)],
                         ids=lambda v: str(v)[:14])
def test_a_schedule_resumed_at_last_epoch_matches_pytorch(name, kwargs):
    def run(library):
        opt = library.optim.SGD([library.zeros(1, requires_grad=True)], lr=0.05)
        opt.param_groups[0]["initial_lr"] = 0.1   # as a loaded optimizer state has it
        sched = getattr(library.optim.lr_scheduler, name)(opt, last_epoch=5, **kwargs)
        seen = [opt.param_groups[0]["lr"]]
        for _ in range(6):
            opt.step()
            sched.step()
            seen.append(opt.param_groups[0]["lr"])
        return seen

    assert run(cr) == pytest.approx(run(torch), rel=1e-12)
    with pytest.raises(KeyError, match="initial_lr"):
        cr.optim.lr_scheduler.StepLR(cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=0.1),
                                     step_size=2, last_epoch=3)
