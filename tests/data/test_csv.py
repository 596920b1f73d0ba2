"""load_csv: numeric tables with errors that name the line and column."""
import pytest

import chainrule as cr


def write(tmp_path, text):
    path = tmp_path / "table.csv"
    path.write_text(text)
    return path


def test_features_and_integer_target(tmp_path):
    path = write(tmp_path, "a, b ,label,c\n1,2,0,5\n3,4.5,2,6\n\n")
    x, y = cr.data.load_csv(path, target="label")
    assert x.tolist() == [[1, 2, 5], [3, 4.5, 6]] and x.dtype == cr.float32
    assert y.tolist() == [0, 2] and y.dtype == cr.int64


def test_default_target_is_the_last_column_and_decimals_make_floats(tmp_path):
    x, y = cr.data.load_csv(write(tmp_path, "a,price\n1,2.0\n2,3.5\n"))
    assert x.tolist() == [[1], [2]] and y.dtype == cr.float32 and y.tolist() == [2.0, 3.5]


@pytest.mark.parametrize("text, target, message", [
    ("a,b\n1,2\n", "c", "has no column 'c'; line 1 names the columns a, b"),
    ("a,b\n1,2\n3,x\n", "b", "line 3, column 'b': 'x', which is not a number"),
    ("a,b\n1,\n", "b", "line 2, column 'b': an empty cell"),
    ("a,b\n1,2,3\n", "b", "line 2 has 3 cells but the header has 2 columns"),
    ("a,b\n", "b", "no data rows"),
    ("", None, "is empty"),
])
def test_bad_files_name_the_line_and_column(tmp_path, text, target, message):
    with pytest.raises(ValueError, match=message) as error:
        cr.data.load_csv(write(tmp_path, text), target=target)
    assert "table.csv" in str(error.value)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        cr.data.load_csv(tmp_path / "missing.csv")
