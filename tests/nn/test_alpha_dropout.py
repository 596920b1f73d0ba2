"""Alpha dropout (F.alpha_dropout, F.feature_alpha_dropout, nn.AlphaDropout,
nn.FeatureAlphaDropout) against PyTorch. The masks are random in both libraries, so what is
compared is what does not depend on the draw: the two values an element can take (PyTorch's
own, read from its output), the identity outside training, p = 0 and 1, one draw per channel,
the gradient (the scale of the kept elements, 0 for the dropped), the in-place forms, reprs
and errors."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_kept_and_dropped_values_are_pytorchs(name, p):
    """On zeros, a kept element gives the shift alone and a dropped one the saturation:
    the same two values PyTorch gives."""
    ours = getattr(cr.nn.functional, name)(cr.zeros(50, 40, 2), p, training=True)
    theirs = getattr(torch.nn.functional, name)(torch.zeros(50, 40, 2), p, training=True)
    np.testing.assert_allclose(np.unique(ours.numpy()), np.unique(theirs.numpy()), rtol=1e-6)
    assert ours.dtype == cr.float32


@pytest.mark.parametrize("p", [0.3, 0.6])
def test_training_scales_kept_elements_and_gives_their_scale_as_gradient(p):
    array = np.random.default_rng(0).standard_normal(4000)
    leaf = cr.tensor(array, requires_grad=True)
    out = cr.nn.functional.alpha_dropout(leaf, p, training=True)
    saturation = 1.7580993408473766
    a = 1 / np.sqrt((saturation ** 2 * p + 1) * (1 - p))
    kept = np.isclose(out.detach().numpy(), a * array + saturation * a * p, rtol=0, atol=1e-12)
    dropped = np.isclose(out.detach().numpy(), saturation * a * (p - 1), rtol=0, atol=1e-12)
    assert (kept | dropped).all() and abs(kept.mean() - (1 - p)) < 0.05
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), np.where(kept, a, 0.0))
    # on standard normal inputs, the mean and variance stay
    assert abs(out.detach().numpy().mean()) < 0.1 and abs(out.detach().numpy().std() - 1) < 0.1


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_identity_outside_training_and_at_p_0_zeros_at_p_1(name):
    ours, theirs = getattr(cr.nn.functional, name), getattr(torch.nn.functional, name)
    x, tx = cr.randn(3, 4), torch.randn(3, 4)
    assert ours(x, 0.5) is x and ours(x, 0.5, training=False) is x and ours(x, 0.0, True) is x
    np.testing.assert_array_equal(ours(cr.ones(3, 4), 1.0, True).numpy(),
                                  theirs(torch.ones(3, 4), 1.0, True).numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        ours(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        theirs(tx, 1.5)


def test_feature_alpha_dropout_draws_once_per_channel():
    out = cr.nn.functional.feature_alpha_dropout(cr.ones(8, 16, 3, 3), 0.5, training=True)
    per_channel = out.numpy().reshape(8, 16, -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    assert len(np.unique(per_channel)) == 2
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        cr.nn.functional.feature_alpha_dropout(cr.ones(3), 0.5, training=True)


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_in_place_writes_the_input_as_pytorch(name):
    fn = getattr(cr.nn.functional, name)
    leaf = cr.tensor(np.random.default_rng(1).standard_normal((6, 5)), requires_grad=True)
    x = leaf * 1
    assert fn(x, 0.4, True, inplace=True) is x and x._version == 1
    x.sum().backward()
    grad, old = leaf.grad.numpy(), leaf.detach().numpy()
    a, saturation = grad.max(), 1.7580993408473766
    assert set(np.unique(grad)) == {0.0, a}   # the scale where kept, 0 where dropped
    expected = np.where(grad > 0, a * old + saturation * a * 0.4, saturation * a * (0.4 - 1))
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            getattr(lib.nn.functional, name)(lib.ones(3, 2, requires_grad=True), 0.5, True,
                                             inplace=True)


@pytest.mark.parametrize("module", ["AlphaDropout", "FeatureAlphaDropout"])
def test_modules_as_pytorch(module):
    for kwargs in ({}, {"p": 0.25, "inplace": True}):
        ours, theirs = getattr(cr.nn, module)(**kwargs), getattr(torch.nn, module)(**kwargs)
        assert repr(ours) == repr(theirs) and ours.state_dict() == {}
    layer = getattr(cr.nn, module)(0.5)
    x = cr.ones(4, 3, 2)
    assert layer.eval()(x) is x
    out = layer.train()(x)
    assert len(np.unique(out.numpy())) == 2
