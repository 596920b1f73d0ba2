"""``cr.check_gradients`` and ``chainrule exercise dnn``: hand-derived gradients judged."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import examples
from chainrule.cli import main


def loss(x, w):
    return ((w * x).sum() - 1) ** 2


INPUTS = {"x": [1.0, 2.0, -1.0], "w": [0.5, -0.25, 2.0]}


def hand_gradients():
    x, w = np.array(INPUTS["x"]), np.array(INPUTS["w"])
    r = (w * x).sum() - 1
    return {"x": 2 * r * w, "w": 2 * r * x}


def test_right_gradients_pass():
    report = cr.check_gradients(loss, INPUTS, hand_gradients())
    assert report.passed and report.failed == []
    assert report["w"].max_rel_error < 1e-12 and report["w"].max_rel_error_numeric < 1e-6


def test_a_wrong_gradient_is_named_with_its_first_wrong_element():
    wrong = hand_gradients()
    wrong["w"] = wrong["w"].copy()
    wrong["w"][1] += 0.5
    report = cr.check_gradients(loss, INPUTS, wrong)
    assert not report and report.failed == ["w"]
    result = report["w"]
    assert result.index == (1,)
    assert result.given == pytest.approx(result.autodiff + 0.5)
    assert result.numeric == pytest.approx(result.autodiff, rel=1e-6)
    assert "w: FAIL" in str(report) and "element (1,)" in str(report)


def test_a_transposed_gradient_is_called_out():
    x = np.arange(6.0).reshape(2, 3)
    report = cr.check_gradients(lambda W: (W * W).sum(), {"W": x}, {"W": 2 * x.T})
    assert "transposed?" in str(report)


def test_unknown_names_and_non_scalar_losses_are_refused():
    with pytest.raises(ValueError, match="not among the inputs"):
        cr.check_gradients(loss, INPUTS, {"v": [0.0]})
    with pytest.raises(ValueError, match="scalar"):
        cr.check_gradients(lambda x, w: x * w, INPUTS, {"x": [0.0, 0.0, 0.0]})


def test_the_callers_tensors_are_not_touched():
    x = cr.tensor([1.0, 2.0, -1.0], requires_grad=True)
    cr.check_gradients(loss, {"x": x, "w": INPUTS["w"]}, {"x": hand_gradients()["x"]})
    assert x.grad is None and x.tolist() == [1.0, 2.0, -1.0]


ANSWER = '''import numpy as np


def gradients(W1, W2, x, y):
    z1 = W1 @ x
    a1 = np.maximum(0, z1)
    z2 = W2 @ a1
    y_hat = np.exp(z2) / np.exp(z2).sum()
    dz2 = y_hat - y
    dz1 = (W2.T @ dz2) * (z1 > 0)
    return {"W1": dz1 @ x.T, "W2": %s}
'''


@pytest.mark.parametrize("w2, status, wrong", [("dz2 @ a1.T", 0, None),
                                               ("(a1 @ dz2.T).T * 2", 1, "W2"),
                                               ("a1 @ dz2.T", 1, "W2")])
def test_exercise_dnn_names_the_wrong_gradient(tmp_path, capsys, w2, status, wrong):
    answer = tmp_path / "my_answer.py"
    answer.write_text(ANSWER % w2)
    assert main(["exercise", "dnn", "--answer", str(answer)]) == status
    out = capsys.readouterr().out
    assert "W1: pass" in out
    assert (f"wrong: {wrong}" in out) if wrong else ("all gradients are right" in out)


def test_exercise_with_a_broken_answer_is_one_line(tmp_path, capsys):
    answer = tmp_path / "broken.py"
    answer.write_text("def gradients(W1, W2, x, y):\n    return 1 / 0\n")
    assert main(["exercise", "dnn", "--answer", str(answer)]) == 2
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and err.count("\n") == 1
    assert main(["exercise", "dnn", "--answer", str(tmp_path / "missing.py")]) == 2


def test_exercise_without_an_answer_prints_a_template(capsys):
    assert main(["exercise", "dnn"]) == 0
    assert "def gradients(W1, W2, x, y)" in capsys.readouterr().out


def test_the_reference_solution_matches_the_dnn_example():
    e = examples.explain("dnn")
    namespace = {}
    exec(ANSWER % "dz2 @ a1.T", namespace)
    answer = namespace["gradients"](**examples.dnn_inputs())
    np.testing.assert_allclose(answer["W2"], e.grad("W2"))


def test_central_differences_reach_every_element_of_a_transposed_input():
    """A transposed (non-contiguous) input: each element is perturbed where it lives, so a
    right gradient passes and a wrong one is caught."""
    class Square(cr.autograd.Function):
        @staticmethod
        def forward(ctx, t, wrong):
            ctx.save_for_backward(t)
            ctx.wrong = wrong
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t * (2.5 if ctx.wrong else 2.0), None

    x = cr.tensor(np.arange(6.0).reshape(2, 3).T, requires_grad=True)
    assert cr.gradcheck(lambda t: Square.apply(t, False).sum(), (x,))
    assert not cr.gradcheck(lambda t: Square.apply(t, True).sum(), (x,), raise_exception=False)
    report = cr.check_gradients(lambda x: (x * x).sum(), {"x": x}, {"x": 2 * x.detach()})
    assert report.passed
