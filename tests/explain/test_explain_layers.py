"""Issue 14, the layer view: seed 000's two tables row for row, one row per module call for
any model (a convolution is one row), the built-in models from the command line."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main

# seed 000 (shared/seeds/000_*.txt), in chainrule's orientation: z2 = W2 a1 makes dL/dW2
# (y_hat - y) a1^T, and dL/dL * (...) is the upstream factor every line shows
SEED_000_FORWARD = [("1", "z1 = W1 @ x"), ("2", "a1 = maximum(z1, 0)"), ("3", "z2 = W2 @ a1"),
                    ("4", "y_hat = softmax(z2, 0)"), ("5", "L = CE(y, y_hat)")]
SEED_000_BACKWARD = [("5", "dL/dL = 1"), ("4", "dL/dz2 = dL/dL * (y_hat - y)"),
                     ("3a", "dL/dW2 = dL/dz2 @ a1.T"), ("3b", "dL/da1 = W2.T @ dL/dz2"),
                     ("2", "dL/dz1 = dL/da1 * (a1 != 0)"), ("1", "dL/dW1 = dL/dz1 @ x.T")]


def test_dnn_layers_match_seed_000_row_for_row():
    view = cr.examples.explain("dnn").layers()
    assert [(r.number, r.formula) for r in view.forward] == SEED_000_FORWARD
    assert [(r.number, r.formula) for r in view.backward] == SEED_000_BACKWARD


def test_dnn_layer_values_are_the_network_s_numbers():
    data = cr.examples.dnn_inputs()
    z1 = data["W1"] @ data["x"]
    a1 = np.maximum(z1, 0)
    z2 = data["W2"] @ a1
    y_hat = np.exp(z2) / np.exp(z2).sum()
    view = cr.examples.explain("dnn").layers()
    assert np.allclose(view.forward[3].value, y_hat)
    dz1 = (data["W2"].T @ (y_hat - data["y"])) * (a1 > 0)
    assert np.allclose(view.backward[-1].value, dz1 @ data["x"].T)


def test_chainrule_explain_dnn_layers_prints_the_seed_numbering(capsys):
    assert main(["explain", "dnn", "--layers"]) == 0
    out = capsys.readouterr().out
    for number, formula in SEED_000_FORWARD + SEED_000_BACKWARD:
        assert f"({number})" in out and formula in out


def test_expand_shows_the_gate_steps_inside_a_layer(capsys):
    assert main(["explain", "--model", "gpt", "--expand"]) == 0
    out = capsys.readouterr().out
    assert "LayerNorm" in out and "CausalSelfAttention" in out
    assert "        [" in out   # gate-level steps indented under their layer


def cnn_view():
    net = cr.nn.Sequential(cr.nn.Conv2d(1, 2, 3, stride=2, padding=1, dilation=1), cr.nn.ReLU(),
                           cr.nn.Flatten(), cr.nn.Linear(8, 3))
    cr.manual_seed(0)
    x, y = cr.randn(2, 1, 4, 4), cr.tensor([0, 2])
    with cr.explain.record_modules():
        loss = cr.nn.CrossEntropyLoss()(net(x), y)
    return cr.explain(loss, model=net).layers()


def test_a_convolution_is_one_row_with_stride_padding_and_dilation():
    view = cnn_view()
    (conv,) = [r for r in view.forward if r.kind == "Conv2d"]
    assert conv.formula == ("conv2d0 = 0.weight * x + 0.bias  (* slides 0.weight over x: "
                            "stride (2, 2), padding (1, 1), dilation (1, 1))")
    assert [r.kind for r in view.forward] == ["Conv2d", "ReLU", "Flatten", "Linear", "softmax",
                                              "CrossEntropyLoss"]


def test_parameter_gradients_in_linear_s_orientation_and_bias_summed_in_words():
    view = cnn_view()
    rows = {r.name: r for r in view.backward}
    assert rows["3.weight"].formula == "dL/d3.weight = dL/dlinear3.T @ flatten2"
    assert "sum over the batch axis 0: 3.bias (3) was broadcast to 2x3" in rows["3.bias"].formula
    assert "sum over axes 0, 2, 3: 0.bias (2) was broadcast to 2x2x2x2" in \
        rows["0.bias"].formula


def test_every_layer_s_gradient_is_the_engine_s():
    net = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Tanh(), cr.nn.LayerNorm(4),
                           cr.nn.Linear(4, 2))
    cr.manual_seed(1)
    x, y = cr.randn(5, 3), cr.tensor([0, 1, 1, 0, 1])
    with cr.explain.record_modules():
        loss = cr.nn.functional.cross_entropy(net(x), y)
    view = cr.explain(loss, model=net).layers()
    loss.backward()
    grads = {r.name: r for r in view.backward}
    for name, p in net.named_parameters():
        assert np.allclose(grads[name].value, p.grad.numpy(), atol=1e-6), name
    assert [r.kind for r in view.forward][:4] == ["Linear", "Tanh", "LayerNorm", "Linear"]


@pytest.mark.parametrize("model", ["mlp", "cnn", "gpt"])
def test_chainrule_explain_model_shows_the_layer_view(capsys, model):
    assert main(["explain", "--model", model]) == 0
    out = capsys.readouterr().out
    assert "(layer view)" in out and "dL/dL = 1" in out and "CE(y, y_hat)" in out
    if model == "cnn":
        assert "Conv2d" in out and "MaxPool2d" in out and "input1" not in out


def test_a_gate_made_before_a_module_call_is_not_the_module_s():
    class Shifted(cr.nn.Module):
        def __init__(self, shift):
            super().__init__()
            self.fc = cr.nn.Linear(3, 3)
            self.shift = shift

        def forward(self, x):
            return self.fc(x) + self.shift

    shift = cr.ones(3, requires_grad=True) * 2     # a gate made before, read inside
    model = Shifted(shift)
    with cr.explain.record_modules():
        out = model(cr.ones(2, 3)).sum()
    rows = cr.explain(out, model=model).layers().forward
    assert [r.kind for r in rows] == ["Linear", "Mul", "Shifted", "Sum"]   # Mul: its own row
    assert rows[2].formula == "out = fc + mul1"


@pytest.mark.parametrize("fmt, marker", [
    ("text", "sum over the batch axis 0: 3.bias (3) was broadcast to 2x3"),
    ("markdown", "sum over the batch axis 0: 3.bias (3) was broadcast to 2x3"),
    ("latex", r"sum over the batch axis 0: 3.bias (3) was broadcast to 2x3"),
    ("html", "sum over the batch axis 0: 3.bias (3) was broadcast to 2x3")])
def test_every_layer_format_says_the_broadcast_sum_in_words(fmt, marker):
    shown = cnn_view().render(fmt, expand=True)
    assert marker in shown and "Conv2d" in shown
    if fmt == "html":
        assert "<details>" not in shown or "</details>" in shown


def test_layers_refuse_an_unknown_format():
    with pytest.raises(ValueError, match="the layer view has no format 'pdf'"):
        cnn_view().render("pdf")


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
def test_every_gate_level_format_says_the_broadcast_sum_in_words(fmt):
    x = cr.tensor(np.ones((5, 4)), requires_grad=True, name="x")
    b = cr.tensor(np.arange(4.0), requires_grad=True, name="b")
    z = x + b
    z.name = "z"
    shown = cr.explain(z.sum()).render(fmt)
    assert "sum over the batch axis 0: b (4) was broadcast to 5x4" in shown


def test_a_leaf_alone_has_an_empty_layer_view():
    view = cr.explain(cr.tensor(2.0, requires_grad=True, name="x")).layers()
    assert view.forward == [] and view.backward == []
    assert "Forward" in str(view)


def test_an_opened_convolution_row_shows_its_windows():
    shown = cnn_view().render("text", expand=True)
    assert "where conv2d(x, W, b, stride, padding, dilation, groups)[n, o, p, q] = b[o] + " \
           "sum over c, i, j of W[o, c, i, j] * x[n, c" in shown
    assert "where conv2d_weight(" in shown            # under the weight's gradient row
    closed = cnn_view().render("text")
    assert "where conv2d(" not in closed


def test_a_module_called_twice_has_two_rows_and_its_parameters_two_terms():
    fc = cr.nn.Linear(2, 2)
    net = cr.nn.Sequential(fc, cr.nn.ReLU(), fc)
    with cr.explain.record_modules():
        out = net(cr.ones(1, 2)).sum()
    e = cr.explain(out, model=net)
    assert [s.name for s in e.forward] == ["x", "0.weight", "0.bias", "linear0", "relu1",
                                           "linear0_2", "L"]
    view = e.layers()
    assert [r.number for r in view.backward] == ["4", "4a", "3", "2", "1a", "1b"]
    assert len(e.step("0.weight").terms) == 2
    out.backward()
    assert np.allclose(e.grad("0.weight"), fc.weight.grad.numpy())


def test_every_gpt_parameter_s_layer_gradient_is_the_engine_s():
    from chainrule.cli.graph import model_graph
    loss, model, _ = model_graph("gpt")
    view = cr.explain(loss, model=model).layers()
    loss.backward()
    rows = {r.name: r for r in view.backward}
    for name, p in model.named_parameters():
        assert name in rows, name                       # every parameter has its row
        assert np.allclose(np.ravel(rows[name].value)[:64], p.grad.numpy().ravel()[:64],
                           atol=1e-6), name
    blocks = [r for r in view.forward if r.kind == "Block"]
    assert [r.formula.split(" = ")[1].split(" + ")[0] for r in blocks] == ["add1", "add2"]
