"""Every loss against PyTorch in float64 (value, input gradient, target gradient where it has
one), over its options; and the stable ones at logits of +-1e4."""
import numpy as np
import pytest

import chainrule as cr
from nn_helpers import randn, torch

nn, tnn = cr.nn, torch.nn
F = cr.nn.functional
CLASSES = np.array([0, 3, 1, 3, 2, 1])
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


def probabilities(seed):
    p = np.random.default_rng(seed).uniform(0.05, 0.95, (6, 4))
    return p / p.sum(1, keepdims=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def make(lib, name, **options):
    """A loss module of ``lib`` (weights as tensors of that library)."""
    options = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    return getattr(lib.nn, name)(**options)


# (loss, options, input, target, whether the target is differentiable)
CASES = [
    ("MSELoss", {}, randn(6, 4), randn(6, 4, seed=1), True),
    ("MSELoss", {"reduction": "sum"}, randn(6, 4), randn(6, 4, seed=1), True),
    ("L1Loss", {"reduction": "none"}, randn(6, 4), randn(6, 4, seed=1), True),
    ("HuberLoss", {}, randn(6, 4) * 2, randn(6, 4, seed=1), True),
    ("HuberLoss", {"delta": 0.5, "reduction": "sum"}, randn(6, 4) * 2, randn(6, 4, seed=1), True),
    ("CrossEntropyLoss", {}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"reduction": "sum"}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"reduction": "none"}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"weight": WEIGHT}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"ignore_index": 3}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"ignore_index": 3, "reduction": "none"}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"label_smoothing": 0.2, "weight": WEIGHT, "ignore_index": 1},
     randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {"label_smoothing": 0.2, "weight": WEIGHT, "reduction": "sum"},
     randn(6, 4), CLASSES, False),
    ("CrossEntropyLoss", {}, randn(2, 4, 3), CLASSES.reshape(2, 3), False),
    ("CrossEntropyLoss", {"reduction": "none", "weight": WEIGHT}, randn(2, 4, 3, 2),
     np.array([[[0, 1], [2, 3], [1, 1]], [[3, 0], [0, 2], [1, 3]]]), False),
    ("CrossEntropyLoss", {}, randn(4), np.array(2), False),
    ("CrossEntropyLoss", {}, randn(6, 4), probabilities(1), True),
    ("CrossEntropyLoss", {"label_smoothing": 0.3, "weight": WEIGHT}, randn(6, 4),
     probabilities(1), True),
    ("CrossEntropyLoss", {"reduction": "none"}, randn(6, 4), probabilities(1), True),
    ("NLLLoss", {}, randn(6, 4), CLASSES, False),
    ("NLLLoss", {"weight": WEIGHT, "ignore_index": 0, "reduction": "sum"}, randn(6, 4),
     CLASSES, False),
    ("BCELoss", {}, sigmoid(randn(6, 4)), sigmoid(randn(6, 4, seed=1)), True),
    ("BCELoss", {"weight": WEIGHT, "reduction": "sum"}, sigmoid(randn(6, 4)),
     sigmoid(randn(6, 4, seed=1)), True),
    ("BCEWithLogitsLoss", {}, randn(6, 4) * 3, sigmoid(randn(6, 4, seed=1)), True),
    ("BCEWithLogitsLoss", {"pos_weight": WEIGHT, "weight": WEIGHT[::-1].copy(),
                           "reduction": "none"}, randn(6, 4) * 3, sigmoid(randn(6, 4, seed=1)),
     True),
]


def evaluate(lib, name, options, x, y, target_grad):
    xt = lib.tensor(x, requires_grad=True)
    yt = lib.tensor(y, requires_grad=target_grad)
    out = make(lib, name, **options)(xt, yt)
    weight = np.random.default_rng(5).standard_normal(tuple(out.shape))
    (out * lib.tensor(weight)).sum().backward()
    grads = [t.grad for t in (xt, yt) if t.grad is not None]
    as_numpy = (lambda t: t.detach().numpy()) if lib is cr else (lambda t: t.detach().numpy())
    return as_numpy(out), [as_numpy(g) for g in grads]


@pytest.mark.parametrize("name, options, x, y, target_grad", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_loss_matches_torch(name, options, x, y, target_grad):
    out, grads = evaluate(cr, name, options, x, y, target_grad)
    tout, tgrads = evaluate(torch, name, options, x, y, target_grad)
    np.testing.assert_allclose(out, tout, rtol=1e-10, atol=1e-12)
    assert len(grads) == len(tgrads)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12)


def test_plain_cross_entropy_uses_the_fused_gate():
    loss = F.cross_entropy(cr.randn(4, 3, requires_grad=True), cr.tensor([0, 1, 2, 1]))
    assert type(loss.grad_fn).__name__ == "CrossEntropy"


def test_functional_losses_are_the_modules():
    x, y = cr.randn(6, 4), cr.tensor(CLASSES)
    assert F.cross_entropy(x, y, label_smoothing=0.1).item() == \
        nn.CrossEntropyLoss(label_smoothing=0.1)(x, y).item()
    assert F.mse_loss(x, x * 2).item() == pytest.approx(float((x.detach().numpy() ** 2).mean()))


HUGE = [[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]]


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.softmax(x, 1),
    lambda lib, x: lib.log_softmax(x, 1),
    lambda lib, x: x.sigmoid(),
    lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([1, 0])),
    lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([1, 0]), label_smoothing=0.1,
                                                   reduction="none"),
    lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([[0.2, 0.8, 0.0]] * 2)),
    lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(x, lib.ones_like(x) / 3),
    lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(
        x, lib.zeros_like(x), pos_weight=lib.tensor([2.0, 1.0, 0.5], dtype=x.dtype)),
], ids=["softmax", "log_softmax", "sigmoid", "cross_entropy", "cross_entropy smoothing",
        "cross_entropy probabilities", "bce_with_logits", "bce_with_logits pos_weight"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stable_at_huge_logits(fn, dtype):
    results = []
    for lib in (cr, torch):
        x = lib.tensor(HUGE, dtype=getattr(lib, dtype), requires_grad=True)
        out = fn(lib, x)
        shape = tuple(out.shape)
        weight = np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape)
        (out * lib.tensor(weight, dtype=out.dtype)).sum().backward()
        value = out.detach().numpy() if lib is cr else out.detach().numpy()
        grad = x.grad.detach().numpy() if lib is cr else x.grad.detach().numpy()
        assert np.isfinite(value).all() and np.isfinite(grad).all()
        results.append((value, grad))
    (value, grad), (tvalue, tgrad) = results
    np.testing.assert_allclose(value, tvalue, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad, tgrad, rtol=1e-6, atol=1e-6)


def test_bce_at_exact_zero_and_one_is_finite_like_torch():
    """Value and input gradient as PyTorch's; the target gradient is that of the clamped
    logs (finite), where PyTorch's is +-inf (a documented difference)."""
    p, y = np.array([0.0, 1.0, 0.5]), np.array([1.0, 1.0, 0.0])
    (out, (gp, gy)), (tout, (tgp, _)) = (evaluate(lib, "BCELoss", {"reduction": "none"}, p, y,
                                                  True) for lib in (cr, torch))
    np.testing.assert_allclose(out, tout)
    np.testing.assert_allclose(gp, tgp)
    weight = np.random.default_rng(5).standard_normal(3)
    np.testing.assert_allclose(gy, weight * np.array([100.0, -100.0, 0.0]), atol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.cross_entropy(cr.randn(3, 4), cr.tensor([0, 4, 1]), reduction="sum"),
     IndexError, "target 4 is out of range for 4 classes"),
    (lambda: F.cross_entropy(cr.randn(3, 4), cr.tensor([0, 1])), ValueError,
     r"shape \(3, 4\)|\(N, C\)"),
    (lambda: F.cross_entropy(cr.randn(3, 4), cr.tensor([0, 1, 2]), reduction="avg"),
     ValueError, "reduction must be one of"),
    (lambda: F.binary_cross_entropy(cr.tensor([1.5]), cr.tensor([1.0])), ValueError,
     "probabilities in"),
    (lambda: F.binary_cross_entropy_with_logits(cr.randn(3), cr.randn(2)), ValueError,
     "must have the input's shape"),
    (lambda: F.nll_loss(cr.randn(3, 4), cr.randn(3)), TypeError, "class indices"),
])
def test_loss_errors_are_clear(call, error, message):
    with pytest.raises(error, match=message):
        call()


LEGACY = [(False, None), (True, None), (None, False), (False, False), (True, True)]


@pytest.mark.parametrize("size_average, reduce", LEGACY)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
                                  "BCEWithLogitsLoss", "SmoothL1Loss", "KLDivLoss"])
def test_the_deprecated_size_average_and_reduce_give_pytorchs_reduction(name, size_average,
                                                                        reduce):
    """Older tutorials write nn.MSELoss(size_average=False) or F.mse_loss(..., reduce=False):
    the reduction PyTorch derives from them, with its warning."""
    x = randn(6, 4, seed=1)
    target = CLASSES if name in ("CrossEntropyLoss", "NLLLoss") else sigmoid(randn(6, 4, seed=2))
    inputs = sigmoid(x) if name == "BCELoss" else x
    values = []
    for lib in (torch, cr):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            loss = getattr(lib.nn, name)(size_average=size_average, reduce=reduce)
        values.append(loss(lib.tensor(inputs), lib.tensor(target)).detach().numpy())
    np.testing.assert_allclose(values[1], values[0], rtol=1e-12)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "cross_entropy", "nll_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "smooth_l1_loss", "kl_div", "poisson_nll_loss",
                                  "soft_margin_loss", "multilabel_soft_margin_loss",
                                  "multi_margin_loss", "hinge_embedding_loss"])
def test_functional_losses_take_the_deprecated_arguments(name):
    x = randn(6, 4, seed=3)
    target = (CLASSES if name in ("cross_entropy", "nll_loss", "multi_margin_loss")
              else np.sign(randn(6, 4, seed=5)) if name in ("soft_margin_loss",
                                                           "hinge_embedding_loss")
              else (randn(6, 4, seed=6) > 0) * 1.0 if name == "multilabel_soft_margin_loss"
              else sigmoid(randn(6, 4, seed=4)))
    inputs = sigmoid(x) if name == "binary_cross_entropy" else x
    for size_average, reduce in LEGACY:
        values = []
        for lib in (torch, cr):
            with pytest.warns(UserWarning, match="size_average and reduce"):
                values.append(getattr(lib.nn.functional, name)(
                    lib.tensor(inputs), lib.tensor(target), size_average=size_average,
                    reduce=reduce).numpy())
        np.testing.assert_allclose(values[1], values[0], rtol=1e-12)


@pytest.mark.parametrize("name", ["margin_ranking_loss", "cosine_embedding_loss",
                                  "triplet_margin_loss"])
def test_functional_losses_of_pairs_take_the_deprecated_arguments(name):
    a, b = randn(6, 4, seed=7), randn(6, 4, seed=8)
    third = randn(6, 4, seed=9) if name == "triplet_margin_loss" else np.sign(randn(6, seed=10))
    if name == "margin_ranking_loss":
        a, b, third = a[:, 0], b[:, 0], third
    for size_average, reduce in LEGACY:
        values = []
        for lib in (torch, cr):
            with pytest.warns(UserWarning, match="size_average and reduce"):
                values.append(getattr(lib.nn.functional, name)(
                    lib.tensor(a), lib.tensor(b), lib.tensor(third), size_average=size_average,
                    reduce=reduce).numpy())
        np.testing.assert_allclose(values[1], values[0], rtol=1e-12)


def test_a_custom_loss_written_for_pytorchs_base_class():
    class Scaled(cr.nn.modules.loss._Loss):
        def __init__(self, scale, size_average=None, reduce=None, reduction="mean"):
            super().__init__(size_average, reduce, reduction)
            self.scale = scale

        def forward(self, input, target):
            losses = self.scale * (input - target).abs()
            return losses.sum() if self.reduction == "sum" else losses.mean()

    assert Scaled(2.0)(cr.ones(4), cr.zeros(4)).item() == 2.0
    with pytest.warns(UserWarning, match="reduction='sum'"):
        summed = Scaled(2.0, size_average=False)
    assert summed.reduction == "sum" and summed(cr.ones(4), cr.zeros(4)).item() == 8.0
