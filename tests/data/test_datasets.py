"""Built-in datasets: the embedded digits and the generated ones."""
import numpy as np
import pytest

import chainrule as cr


def test_digits_are_the_uci_set():
    x, y = cr.data.load_digits()
    assert x.shape == (1797, 64) and x.dtype == cr.float32 and y.dtype == cr.int64
    assert x.detach().numpy().min() == 0 and x.detach().numpy().max() == 16
    assert np.all(x.detach().numpy() == np.round(x.detach().numpy()))
    assert np.bincount(y.detach().numpy()).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    first = x.detach().numpy()[0].reshape(8, 8)
    assert first[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]   # the first row of the UCI file
    images, _ = cr.data.load_digits(flatten=False)
    assert images.shape == (1797, 1, 8, 8) and np.array_equal(images.detach().numpy()[0, 0], first)


def test_moons_are_two_half_circles():
    x, y = cr.data.make_moons(200, generator=cr.Generator(0))
    upper = x.detach().numpy()[y.detach().numpy() == 0]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1, atol=1e-6)
    assert np.bincount(y.detach().numpy()).tolist() == [100, 100]
    noisy, _ = cr.data.make_moons(200, noise=0.1, generator=cr.Generator(0))
    assert not np.allclose(np.hypot(*noisy.detach().numpy()[y.detach().numpy() == 0].T), 1)


def test_spirals_have_one_arm_per_class_with_radius_up_to_one():
    x, y = cr.data.make_spirals(301, classes=4, noise=0.0, generator=cr.Generator(0))
    assert np.bincount(y.detach().numpy()).tolist() == [76, 75, 75, 75]
    radius = np.hypot(x.detach().numpy()[:, 0], x.detach().numpy()[:, 1])
    assert radius.max() == pytest.approx(1.0) and radius.min() == pytest.approx(0.0)


def test_regression_targets_are_linear_in_the_features():
    x, y = cr.data.make_regression(50, n_features=3, bias=2.0, generator=cr.Generator(0))
    design = np.hstack([x.detach().numpy(), np.ones((50, 1), np.float32)])
    coef, residual, *_ = np.linalg.lstsq(design.astype(np.float64), y.detach().numpy(), rcond=None)
    assert coef[-1] == pytest.approx(2.0, abs=1e-3) and residual[0] < 1e-6


def test_generators_are_reproducible():
    a = cr.data.make_spirals(generator=cr.Generator(4))[0]
    b = cr.data.make_spirals(generator=cr.Generator(4))[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
