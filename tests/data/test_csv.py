"""load_csv: NumPy's parser with chainrule's checks; errors name file:line:column; the task
rules (few dense integers are classes, text labels are mapped, decimals are a regression)."""
import numpy as np
import pytest

import chainrule as cr


def write(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_features_and_integer_target(tmp_path):
    path = write(tmp_path, "a, b ,label,c\n1,2,0,5\n3,4.5,2,6\n\n")
    x, y = cr.data.load_csv(path, target="label")
    assert x.tolist() == [[1, 2, 5], [3, 4.5, 6]] and x.dtype == cr.float32
    assert y.tolist() == [0, 2] and y.dtype == cr.int64


def test_default_target_is_the_last_column_and_decimals_make_floats(tmp_path):
    x, y = cr.data.load_csv(write(tmp_path, "a,price\n1,2.0\n2,3.5\n"))
    assert x.tolist() == [[1], [2]] and y.dtype == cr.float32 and y.tolist() == [2.0, 3.5]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_comma_semicolon_and_tab_separators(tmp_path, sep):
    text = sep.join(["a", "b", "label"]) + "\n" + sep.join(["1", "2.5", "0"]) + "\n" \
        + sep.join(["3", "-4", "1"]) + "\n"
    x, y = cr.data.load_csv(write(tmp_path, text), target="label")
    assert x.tolist() == [[1, 2.5], [3, -4]] and y.tolist() == [0, 1]


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = write(tmp_path, "\ufefflabel,a\n0,1\n1,2\n")
    x, y = cr.data.load_csv(path, target="label")           # old code: no column 'label'
    assert x.tolist() == [[1], [2]] and y.tolist() == [0, 1]


def test_line_numbers_count_the_newlines_inside_quoted_fields(tmp_path):
    path = write(tmp_path, 'a,b,label\n1,"2\n",0\n"3\n\n",4,1\n5,x,0\n')
    with pytest.raises(ValueError, match=r"table.csv:7:2: line 7, column 'b': 'x' is not"):
        cr.data.load_csv(path)
    x, y = cr.data.load_csv(write(tmp_path, 'a,b,label\n1,"2\n",0\n"3\n\n",4,1\n'))
    assert x.tolist() == [[1, 2], [3, 4]] and y.tolist() == [0, 1]


def test_numpy_and_the_careful_reader_agree(tmp_path):
    """A file NumPy reads and one it refuses (a blank ",," row) give the same table."""
    rows = "\n".join(f"{i * 0.5},{-i},{i % 3}" for i in range(20))
    fast = cr.data.load_csv(write(tmp_path, "a,b,c\n" + rows + "\n", "fast.csv"))
    slow = cr.data.load_csv(write(tmp_path, "a,b,c\n,,\n" + rows + "\n", "slow.csv"))
    for one, other in zip(fast, slow):
        assert one.dtype == other.dtype and one.tolist() == other.tolist()


@pytest.mark.parametrize("cell, what", [
    ("nan", "'nan' is not a finite number"),
    ("NaN", "'NaN' is not a finite number"),
    ("inf", "'inf' is not a finite number"),
    ("-Infinity", "'-Infinity' is not a finite number"),
    ("1e39", "'1e39' overflows float32"),
    ("-4e38", "'-4e38' overflows float32"),
])
def test_nan_inf_and_overflow_are_refused_with_file_line_column(tmp_path, cell, what):
    path = write(tmp_path, f"a,b,label\n1,2,0\n3,{cell},1\n4,5,0\n")
    with pytest.raises(ValueError, match=f"table.csv:3:2: line 3, column 'b': {what}"):
        cr.data.load_csv(path)


@pytest.mark.parametrize("cell", ["nan", "inf", "1e39"])
def test_nan_inf_and_overflow_in_a_regression_target_are_refused(tmp_path, cell):
    path = write(tmp_path, f"a,price\n1,2.5\n3,{cell}\n")
    with pytest.raises(ValueError, match=f"table.csv:3:2: line 3, column 'price': '{cell}'"):
        cr.data.load_csv(path)


@pytest.mark.parametrize("text, target, message", [
    ("a,b\n1,2\n", "c", "has no column 'c'; line 1 names the columns a, b"),
    ("a,b,c\n1,2,0\n3,x,1\n", "c", "table.csv:3:2: line 3, column 'b': 'x' is not a number"),
    ("a,b,c\n1,,0\n", "c", "table.csv:2:2: line 2, column 'b': is an empty cell"),
    ("a,b\n1,2,3\n", "b", "table.csv:2: line 2 has 3 cells but the header has 2 columns"),
    ("a,b\n", "b", "no data rows"),
    ("a,b\n\n\n", "b", "no data rows"),
    ("", None, "is empty"),
    ("\n\n", None, "is empty"),
    ("a;b;c\n1,5;2;0\n", None, "'1,5' is not a number; write decimals with a point"),
    ("a,a,b\n1,2,0\n", "a", "names two columns 'a'"),
    ("a,b,c\n1,0x10,0\n", None, "'0x10' is not a number"),
    ("a,b,c\n1,1_000,0\n", None, "'1_000' is not a number"),
])
def test_bad_files_name_the_line_and_column(tmp_path, text, target, message):
    with pytest.raises(ValueError, match=message) as error:
        cr.data.load_csv(write(tmp_path, text), target=target)
    assert "table.csv" in str(error.value) and "\n" not in str(error.value)


def test_a_file_with_only_the_target_column_is_refused(tmp_path):
    """Old code returned zero feature columns, and training died in ZeroDivisionError."""
    with pytest.raises(ValueError, match="no feature columns: its header names only 'label'"):
        cr.data.load_csv(write(tmp_path, "label\n0\n1\n"))


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        cr.data.load_csv(tmp_path / "missing.csv")


def test_undecodable_text_names_the_byte(tmp_path):
    with pytest.raises(ValueError, match="table.csv is not UTF-8 text"):
        cr.data.load_csv(write(tmp_path, b"a,b\n1,\xff\n"))


# ----- the task --------------------------------------------------------------------------
def rows(labels):
    return "x,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(labels))


def test_few_dense_integers_are_classes(tmp_path):
    x, y, info = cr.data.load_csv(write(tmp_path, rows([0, 2, 1, 2, 0])), return_info=True)
    assert y.tolist() == [0, 2, 1, 2, 0] and y.dtype == cr.int64
    assert info == ("classification", "label", ["x"], None)


@pytest.mark.parametrize("labels, saw", [
    ([0, 1, 1_000_000], "3 distinct whole numbers from 0 to 1,000,000"),
    ([0, 1, 10 ** 7], "3 distinct whole numbers from 0 to 10,000,000"),
    ([-1, 1, 1], "2 distinct whole numbers from -1 to 1"),
    (list(range(0, 2002, 2)), "1,001 distinct whole numbers from 0 to 2,000"),
])
def test_sparse_or_many_integers_stop_and_ask_for_the_task(tmp_path, labels, saw):
    """Old code built a (largest label + 1)-way classifier: a million outputs for one label."""
    path = write(tmp_path, rows(labels))
    with pytest.raises(ValueError, match=f"holds {saw}.*task='regression'.*task='classif"):
        cr.data.load_csv(path)


def test_whole_number_prices_stop_under_auto_and_train_as_regression(tmp_path):
    rng = np.random.default_rng(0)
    area = rng.uniform(50, 250, 300)
    path = write(tmp_path, "area,price\n" + "".join(f"{a},{int(1500 * a)}\n" for a in area))
    with pytest.raises(ValueError, match="300 distinct whole numbers"):
        cr.data.load_csv(path)
    x, y, info = cr.data.load_csv(path, task="regression", return_info=True)
    assert info.task == "regression" and y.dtype == cr.float32
    assert y.tolist() == [float(int(1500 * a)) for a in area]


def test_explicit_classification_maps_sparse_labels_and_reports_them(tmp_path):
    path = write(tmp_path, rows([5, 1_000_000, 5, -3]))
    x, y, info = cr.data.load_csv(path, task="classification", return_info=True)
    assert y.tolist() == [1, 2, 1, 0] and info.classes == [-3, 5, 1_000_000]


def test_text_labels_are_mapped_to_classes_in_sorted_order(tmp_path):
    path = write(tmp_path, rows(["dog", "cat", "bird", "cat"]))
    x, y, info = cr.data.load_csv(path, return_info=True)
    assert y.tolist() == [2, 1, 0, 1] and info.classes == ["bird", "cat", "dog"]
    assert info.task == "classification" and x.tolist() == [[0], [1], [2], [3]]
    with pytest.raises(ValueError, match="holds text .*regression needs numbers"):
        cr.data.load_csv(path, task="regression")


def test_a_stray_word_among_numeric_labels_is_named(tmp_path):
    path = write(tmp_path, rows([0, 1, "oops", 1]))
    with pytest.raises(ValueError, match="table.csv:4:2: line 4, column 'label': 'oops' is "
                                         "not a number, but the other labels are numbers"):
        cr.data.load_csv(path)
    _, y, info = cr.data.load_csv(path, task="classification", return_info=True)
    assert info.classes == ["0", "1", "oops"] and y.tolist() == [0, 1, 2, 1]


def test_a_huge_label_is_a_number_not_a_wrapped_integer(tmp_path):
    """Old code cast 1e20 to int64: the label became -9.2e18."""
    path = write(tmp_path, rows([0, 1, "1e20"]))
    _, y, info = cr.data.load_csv(path, return_info=True)
    assert info.task == "regression" and y.tolist()[2] == pytest.approx(1e20, rel=1e-6)
    _, y, info = cr.data.load_csv(path, task="classification", return_info=True)
    assert info.classes == [0, 1, 1e20] and y.tolist() == [0, 1, 2]
    _, _, info = cr.data.load_csv(write(tmp_path, rows([0, 1, "99999999999999999999"])),
                                  task="classification", return_info=True)
    assert info.classes == [0, 1, 1e20]


def test_classification_refuses_fractional_labels(tmp_path):
    with pytest.raises(ValueError, match="holds 2.5, which is not a class label"):
        cr.data.load_csv(write(tmp_path, rows([0, 2.5, 1])), task="classification")
    _, y = cr.data.load_csv(write(tmp_path, rows(["0.0", "1.0", "1.0"])), task="classification")
    assert y.tolist() == [0, 1, 1] and y.dtype == cr.int64


@pytest.mark.parametrize("labels, task", [([3, 3, 3], "auto"), (["a", "a"], "auto"),
                                          ([7, 7], "classification")])
def test_one_class_is_refused(tmp_path, labels, task):
    with pytest.raises(ValueError, match="holds one class only"):
        cr.data.load_csv(write(tmp_path, rows(labels)), task=task)


def test_a_constant_regression_target_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"holds the same value \(2.5\) on every row"):
        cr.data.load_csv(write(tmp_path, rows([2.5, 2.5])))


def test_an_unknown_task_is_refused(tmp_path):
    with pytest.raises(ValueError, match="task must be 'auto', 'classification' or"):
        cr.data.load_csv(write(tmp_path, rows([0, 1])), task="ranking")


def test_a_quoted_header_goes_through_the_careful_reader(tmp_path):
    x, y = cr.data.load_csv(write(tmp_path, '"a, b","label"\n1,0\n2,1\n'), target="label")
    assert x.tolist() == [[1], [2]] and y.tolist() == [0, 1]
