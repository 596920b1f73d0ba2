"""Initialisation: PyTorch's formulas for bounds and spreads, seedable draws, defaults."""
import math

import numpy as np
import pytest

import chainrule as cr

init = cr.nn.init


def test_default_linear_and_conv_init_bounds():
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight,
    and the bias uses the same bound (PyTorch's defaults)."""
    cr.manual_seed(0)
    for layer, fan_in in ((cr.nn.Linear(400, 300), 400), (cr.nn.Conv2d(8, 300, 5), 200)):
        bound = 1 / math.sqrt(fan_in)
        for p in (layer.weight, layer.bias):
            assert p.dtype == cr.float32
            assert np.abs(p.detach().numpy()).max() <= bound
            assert np.abs(p.detach().numpy()).max() > 0.95 * bound
        # uniform on [-b, b] has standard deviation b / sqrt(3)
        assert layer.weight.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("fn, expected_std", [
    (lambda t: init.kaiming_uniform_(t), math.sqrt(2 / 200)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 100)),
    (lambda t: init.xavier_uniform_(t), math.sqrt(2 / 300)),
    (lambda t: init.xavier_normal_(t, gain=2.0), 2 * math.sqrt(2 / 300)),
    (lambda t: init.normal_(t, 1.0, 0.5), 0.5),
    (lambda t: init.uniform_(t, -3, 3), math.sqrt(3)),
])
def test_spreads_follow_the_formulas(fn, expected_std):
    cr.manual_seed(1)
    weight = cr.empty(100, 200)     # fan_in 200, fan_out 100
    assert fn(weight) is weight
    assert weight.detach().numpy().std() == pytest.approx(expected_std, rel=0.03)


def test_constant_fills_and_gains():
    t = cr.empty(2, 3)
    assert (init.ones_(t).detach().numpy() == 1).all() and (init.zeros_(t).detach().numpy() == 0).all()
    assert (init.constant_(t, 0.25).detach().numpy() == 0.25).all()
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(cr.empty(3))


def test_seeded_init_repeats_and_generators_are_separate():
    cr.manual_seed(7)
    a = cr.nn.Linear(3, 3).weight.detach().numpy().copy()
    cr.manual_seed(7)
    b = cr.nn.Linear(3, 3).weight.detach().numpy().copy()
    np.testing.assert_array_equal(a, b)
    g = cr.Generator(3)
    first = init.normal_(cr.empty(4), generator=g).detach().numpy().copy()
    np.testing.assert_array_equal(first, init.normal_(cr.empty(4),
                                                      generator=cr.Generator(3)).detach().numpy())


def test_init_records_no_graph_on_parameters():
    layer = cr.nn.Linear(2, 2)
    init.normal_(layer.weight)
    assert layer.weight.is_leaf and layer.weight.grad_fn is None
