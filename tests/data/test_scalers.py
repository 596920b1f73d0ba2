"""StandardScaler and MinMaxScaler: fit, transform, inverse, state."""
import numpy as np
import pytest

import chainrule as cr


def data():
    return cr.tensor(np.random.default_rng(0).normal(3, 2, size=(50, 4)).astype(np.float32))


def test_standard_scaler_gives_zero_mean_unit_std_and_inverts():
    x = data()
    z = cr.data.StandardScaler().fit_transform(x)
    assert isinstance(z, cr.Tensor) and z.dtype == cr.float32
    assert np.allclose(z.detach().numpy().mean(0), 0, atol=1e-5) and np.allclose(z.detach().numpy().std(0), 1, atol=1e-5)
    scaler = cr.data.StandardScaler().fit(x)
    assert np.allclose(scaler.inverse_transform(scaler.transform(x)).detach().numpy(), x.detach().numpy(), atol=1e-5)


def test_min_max_scaler_maps_training_data_onto_zero_one():
    x = data()
    z = cr.data.MinMaxScaler().fit_transform(x.detach().numpy())
    assert isinstance(z, np.ndarray)
    assert np.allclose(z.min(0), 0) and np.allclose(z.max(0), 1)


def test_constant_columns_are_left_finite():
    x = cr.tensor([[1.0, 7.0], [3.0, 7.0]])
    for scaler in (cr.data.StandardScaler(), cr.data.MinMaxScaler()):
        z = scaler.fit_transform(x)
        assert np.isfinite(z.detach().numpy()).all() and z.detach().numpy()[:, 1].tolist() == [0.0, 0.0]


def test_state_saved_with_a_checkpoint_restores_the_same_transform(tmp_path):
    x = data()
    scaler = cr.data.StandardScaler().fit(x)
    cr.save({"scaler": scaler.state_dict()}, tmp_path / "m.safetensors")
    restored = cr.data.StandardScaler()
    restored.load_state_dict(cr.load(tmp_path / "m.safetensors")["scaler"])
    assert np.array_equal(restored.transform(x).detach().numpy(), scaler.transform(x).detach().numpy())


def test_transform_before_fit_says_what_to_do():
    with pytest.raises(RuntimeError, match="call fit"):
        cr.data.MinMaxScaler().transform(cr.zeros(2, 2))
