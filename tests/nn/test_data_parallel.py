"""nn.DataParallel and nn.parallel.data_parallel against PyTorch on a machine without a
GPU: the module runs as it is, the repr, device_ids and the state dict's ``module.`` keys
are PyTorch's, a PyTorch DataParallel state dict loads and gives its outputs and gradients."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def model(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))


def test_repr_device_ids_and_keys_as_pytorch():
    ours, theirs = cr.nn.DataParallel(model(cr), device_ids=[0]), \
        torch.nn.DataParallel(model(torch), device_ids=[0])
    assert repr(ours) == repr(theirs)
    assert ours.device_ids == theirs.device_ids == []
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert cr.nn.parallel.DataParallel is cr.nn.DataParallel


def test_a_pytorch_state_dict_loads_and_gives_its_outputs_and_gradients():
    theirs = torch.nn.DataParallel(model(torch)).double()
    ours = cr.nn.DataParallel(model(cr))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.double()
    array = np.random.default_rng(0).standard_normal((5, 4))
    out, tout = ours(cr.tensor(array)), theirs(torch.tensor(array))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    out.pow(2).sum().backward()
    tout.pow(2).sum().backward()
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, err_msg=name)


def test_keyword_arguments_and_the_functional_form_pass_through():
    attention = cr.nn.MultiheadAttention(4, 2, batch_first=True)
    x = cr.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32))
    wrapped = cr.nn.DataParallel(attention)
    out, weights = wrapped(x, x, x, need_weights=True)
    direct, direct_weights = attention(x, x, x, need_weights=True)
    np.testing.assert_array_equal(out.detach().numpy(), direct.detach().numpy())
    again = cr.nn.parallel.data_parallel(attention, (x, x, x), module_kwargs={"need_weights": False})
    # (need_weights=False takes the fused attention gate: float32 rounding apart)
    np.testing.assert_allclose(again[0].detach().numpy(), direct.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    linear = cr.nn.Linear(4, 1)
    np.testing.assert_array_equal(cr.nn.parallel.data_parallel(linear, x).detach().numpy(),
                                  linear(x).detach().numpy())
