"""optim.swa_utils against PyTorch: AveragedModel with the default average, the EMA and SWA
helpers and use_buffers, SWALR's rates (cos, linear, no annealing), update_bn's statistics;
every number compared after each step, from the same weights."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(2)
X = RNG.normal(size=(24, 3))
Y = RNG.normal(size=(24, 1))


def model(L):
    L.manual_seed(0)
    return L.nn.Sequential(L.nn.Linear(3, 4), L.nn.BatchNorm1d(4), L.nn.ReLU(),
                           L.nn.Linear(4, 1)).double()


def averaging(L, kind):
    u = L.optim.swa_utils
    return {"swa": {}, "ema multi": {"multi_avg_fn": u.get_ema_multi_avg_fn(0.9)},
            "ema single": {"avg_fn": u.get_ema_avg_fn(0.8)},
            "swa multi": {"multi_avg_fn": u.get_swa_multi_avg_fn()},
            "ema buffers": {"multi_avg_fn": u.get_ema_multi_avg_fn(0.9), "use_buffers": True}}[kind]


@pytest.mark.parametrize("kind", ["swa", "ema multi", "ema single", "swa multi", "ema buffers"])
def test_averaged_model_follows_pytorch_step_by_step(kind):
    theirs_net = model(torch)
    ours_net = model(cr)
    ours_net.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs_net.state_dict().items()})
    records = []
    for L, net in ((torch, theirs_net), (cr, ours_net)):
        averaged = L.optim.swa_utils.AveragedModel(net, **averaging(L, kind))
        optimizer = L.optim.SGD(net.parameters(), lr=0.1)
        seen = []
        for step in range(5):
            optimizer.zero_grad()
            L.nn.functional.mse_loss(net(L.tensor(X)), L.tensor(Y)).backward()
            optimizer.step()
            averaged.update_parameters(net)
            seen.append([v.detach().numpy().copy() for v in averaged.state_dict().values()])
        averaged.eval()
        seen.append([averaged(L.tensor(X)).detach().numpy()])
        records.append(seen)
    for theirs, ours in zip(*records):
        for a, b in zip(theirs, ours):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("strategy, epochs", [("cos", 3), ("linear", 4), ("cos", 0)])
def test_swalr_rates_are_pytorchs(strategy, epochs):
    rates = []
    for L in (torch, cr):
        w = L.zeros(1, requires_grad=True)
        optimizer = L.optim.SGD([{"params": [w]}, {"params": [L.zeros(1, requires_grad=True)],
                                                   "lr": 0.3}], lr=1.0)
        scheduler = L.optim.swa_utils.SWALR(optimizer, swa_lr=[0.05, 0.1],
                                            anneal_epochs=epochs, anneal_strategy=strategy)
        seen = [list(scheduler.get_last_lr())]
        for _ in range(6):
            optimizer.step()
            scheduler.step()
            seen.append(list(scheduler.get_last_lr()))
        rates.append(seen)
    np.testing.assert_allclose(rates[1], rates[0], rtol=1e-13)


def test_update_bn_recomputes_the_statistics_as_pytorch():
    stats = []
    theirs = model(torch)
    ours = model(cr)
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for L, net in ((torch, theirs), (cr, ours)):
        loader = L.utils.data.DataLoader(L.utils.data.TensorDataset(L.tensor(X)), batch_size=8)
        net.eval()
        L.optim.swa_utils.update_bn(loader, net)
        bn = net[1]
        assert not net.training and bn.momentum == 0.1
        stats.append([bn.running_mean.numpy(), bn.running_var.numpy(),
                      bn.num_batches_tracked.numpy()])
    for a, b in zip(*stats):
        np.testing.assert_allclose(b, a, rtol=1e-12)


def test_refusals():
    net = cr.nn.Linear(1, 1)
    u = cr.optim.swa_utils
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        u.AveragedModel(net, avg_fn=u.get_swa_avg_fn(), multi_avg_fn=u.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="decay"):
        u.get_ema_avg_fn(1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        u.SWALR(cr.optim.SGD(net.parameters(), lr=0.1), swa_lr=0.1, anneal_strategy="step")
