"""``chainrule train --dataset FILE.csv``: the CSV cases of issue 15 through the command
(task rules, refused cells, tiny files, class mappings, regression metrics)."""
import json
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main

QUICK = ["--epochs", "2", "--hidden", "8"]


def csv_file(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def refused(capsys, argv, *fragments):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def prices(tmp_path, rows=400):
    rng = np.random.default_rng(0)
    area = rng.uniform(50, 250, rows)
    body = "".join(f"{a:.3f},{rng.normal():.3f},{int(1500 * a)}\n" for a in area)
    return csv_file(tmp_path, "area,noise,price\n" + body)


def test_whole_number_prices_stop_then_train_as_a_regression(tmp_path, capsys):
    """Old code: a 297,509-class model at 0% accuracy, exit 0."""
    path = prices(tmp_path)
    refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "a")],
            "holds 400 distinct whole numbers", "--task regression")
    assert not (tmp_path / "a").exists()
    out = tmp_path / "b"
    assert main(["train", "--dataset", path, "--task", "regression", "--epochs", "40",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    last = json.loads((out / "metrics.json").read_text())["epochs"][-1]
    assert f"test rmse: {last['test_rmse']:.4g}, R^2: {last['test_r2']:.4f}" in printed
    assert last["test_r2"] > 0.9 and "accuracy" not in printed
    assert cr.load(out / "model.safetensors")["config"]["task"] == "regression"


def test_labels_written_as_decimals_train_as_a_regression_with_a_note(tmp_path, capsys):
    path = csv_file(tmp_path, "a,label\n" + "".join(f"{i},{i % 3}.0\n" for i in range(30)))
    assert main(["train", "--dataset", path, *QUICK, "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    assert "note: label is written with decimal points, so it is read as a number to " \
           "predict; its 3 values are whole numbers from 0 to 2: pass --task " \
           "classification" in printed and "test rmse:" in printed
    assert main(["train", "--dataset", path, "--task", "classification", *QUICK,
                 "--out", str(tmp_path / "classes")]) == 0
    assert "test accuracy:" in capsys.readouterr().out


def test_regression_metrics_are_rmse_and_r2_in_the_targets_units():
    from chainrule.cli.train import regression_metrics
    scaler = cr.data.StandardScaler().fit(np.array([[10.0], [20.0], [30.0]]))
    target = scaler.transform(np.array([[10.0], [20.0], [30.0]]))
    exact = regression_metrics(target, target, scaler)
    assert exact == {"test_rmse": 0.0, "test_r2": 1.0}
    mean = regression_metrics(np.zeros((3, 1)), target, scaler)      # predicts 20 everywhere
    assert mean["test_rmse"] == pytest.approx(np.sqrt(200 / 3)) and mean["test_r2"] == 0.0
    flat = regression_metrics(np.zeros((2, 1)), np.zeros((2, 1)), scaler)
    assert flat["test_r2"] is None                                     # all targets equal


@pytest.mark.parametrize("cell, what", [("nan", "'nan' is not a finite number"),
                                        ("inf", "'inf' is not a finite number"),
                                        ("1e39", "'1e39' overflows float32")])
def test_nan_inf_and_overflow_stop_with_file_line_column(tmp_path, capsys, cell, what):
    """Old code trained on them: 'test accuracy 42.50%', exit 0, an all-NaN model."""
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40))
    path = csv_file(tmp_path, "a,b,label\n" + rows + f"5,{cell},1\n" + rows)
    refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "run")],
            f"{path}:42:2: line 42, column 'b': {what}")
    assert not (tmp_path / "run").exists()


def test_a_byte_order_mark_and_semicolons(tmp_path, capsys):
    """Old code: --target label failed naming an invisible character; ';' was not seen."""
    rows = "".join(f"{i % 2};{i * 0.1:.1f};{(i * 7) % 5}\n" for i in range(50))
    path = csv_file(tmp_path, "\ufefflabel;b;c\n" + rows)
    assert main(["train", "--dataset", path, "--target", "label", *QUICK,
                 "--out", str(tmp_path / "run")]) == 0
    assert "test accuracy:" in capsys.readouterr().out


def test_only_the_target_column(tmp_path, capsys):
    """Old code: ZeroDivisionError."""
    path = csv_file(tmp_path, "label\n0\n1\n0\n1\n")
    refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "run")],
            "has no feature columns")


@pytest.mark.parametrize("rows", [1, 2])
def test_too_few_rows_for_a_test_set(tmp_path, capsys, rows):
    """Old code: an empty test split and 'test accuracy: nan%'."""
    path = csv_file(tmp_path, "a,label\n" + "".join(f"{i},{i}\n" for i in range(rows)))
    if rows == 1:
        refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "run")],
                "holds one class only")
    else:
        refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "run")],
                f"{path} has 2 rows: too few to hold out a test set", "at least 3 rows")


def test_one_class(tmp_path, capsys):
    """Old code reported 100% accuracy."""
    path = csv_file(tmp_path, "a,label\n" + "".join(f"{i},1\n" for i in range(20)))
    refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "run")],
            "holds one class only (1 on every row)")


def test_a_label_of_1e20_is_not_reported_as_a_negative_integer(tmp_path, capsys):
    """Old code cast 1e20 to int64 and reported -9.2e18."""
    rows = "".join(f"{i},{i % 2}\n" for i in range(30))
    path = csv_file(tmp_path, "a,label\n" + rows + "30,1e20\n")
    out = tmp_path / "run"
    assert main(["train", "--dataset", path, "--task", "classification", *QUICK,
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2=1e+20" in printed and "-9" not in printed.split("classes of")[1].split("\n")[0]
    assert json.loads((out / "classes.json").read_text())["classes"] == [0, 1, 1e20]


def test_text_labels_are_mapped_reported_and_saved(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 2))
    names = np.array(["setosa", "versicolor", "virginica"])[np.argmax(
        np.c_[x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]], axis=1)]
    path = csv_file(tmp_path, "species,w,h\n" + "".join(
        f'"{n}",{a},{b}\n' for n, (a, b) in zip(names, x)))
    out = tmp_path / "run"
    assert main(["train", "--dataset", path, "--target", "species", *QUICK,
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "classes of species: 0=setosa, 1=versicolor, 2=virginica; saved in" in printed
    assert json.loads((out / "classes.json").read_text()) == {
        "target": "species", "classes": ["setosa", "versicolor", "virginica"]}
    saved = cr.load(out / "model.safetensors")
    assert saved["labels"] == ["setosa", "versicolor", "virginica"] and saved["classes"] == 3
    assert saved["model"]["2.weight"].shape == (3, 8)


def test_a_quoted_newline_keeps_the_line_numbers_right(tmp_path, capsys):
    """Old code counted rows, not lines, after a quoted newline."""
    path = csv_file(tmp_path, 'a,b,label\n"1\n\n",2,0\n3,4,1\n5,oops,0\n')
    refused(capsys, ["train", "--dataset", path, "--out", str(tmp_path / "run")],
            f"{path}:6:2: line 6, column 'b': 'oops' is not a number")


def test_the_command_prints_no_traceback_for_a_binary_file(tmp_path):
    path = csv_file(tmp_path, bytes(range(256)) * 4, name="binary.csv")
    result = subprocess.run([sys.executable, "-m", "chainrule", "train", "--dataset", path,
                             "--out", str(tmp_path / "run")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "is not UTF-8 text" in result.stderr
