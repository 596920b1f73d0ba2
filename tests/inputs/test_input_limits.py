"""The memory cases of issue 15, each run in a child process under an address-space cap: a
CSV whose labels would size a huge classifier, a huge ``--hidden``, a million-row CSV, and a
checkpoint whose header exceeds safetensors' limit. Before the fix each took gigabytes (the
child now dies of MemoryError instead, failing the test); now each is refused, or done,
within a few hundred megabytes."""
import json
import struct

import numpy as np
import pytest

from capped import run_capped

pytest.importorskip("resource")


def one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("chainrule train: error: ") and "Traceback" not in \
        result.stderr and result.stderr.count("\n") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def labelled_csv(path, big_label):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    labels = (x[:, 0] > 0).astype(int)
    labels[7] = big_label
    path.write_text("a,b,c,label\n" + "".join(f"{a},{b},{c},{t}\n"
                                             for (a, b, c), t in zip(x, labels)))
    return path


@pytest.mark.parametrize("label", [1_000_000, 10 ** 7])
def test_one_huge_label_stops_before_anything_is_allocated(tmp_path, label):
    """Old code: a (label + 1)-way classifier; 2.6 GB and 1 GB of files for 10^6, all the
    machine's memory for 10^7."""
    csv = labelled_csv(tmp_path / "few.csv", label)
    result = run_capped(["-m", "chainrule", "train", "--dataset", str(csv), "--out", "run"],
                        tmp_path, allowance_mb=300)
    one_line_error(result, "3 distinct whole numbers from 0 to", f"{label:,}",
                   "--task regression", "--task classification")
    assert not (tmp_path / "run").exists()                # nothing written either


@pytest.mark.parametrize("hidden", ["100000000", "3000000", "64,5000000"])
def test_a_model_that_does_not_fit_is_refused_with_its_size(tmp_path, hidden):
    """Old code allocated until MemoryError (a traceback) or the machine gave out."""
    result = run_capped(["-m", "chainrule", "train", "--hidden", hidden, "--out", "run"],
                        tmp_path, allowance_mb=300)
    one_line_error(result, f"--hidden {hidden}: the model has", "parameters and would need "
                   "about", "B of memory available")
    assert not (tmp_path / "run").exists()


def test_the_cap_leaves_room_for_an_ordinary_run(tmp_path):
    """The same cap, so the refusals above are not the cap's doing."""
    result = run_capped(["-m", "chainrule", "train", "--dataset", "moons", "--epochs", "1",
                         "--hidden", "16", "--out", "run"], tmp_path, allowance_mb=300)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"]


LOAD_MILLION = """
import sys, chainrule as cr
x, y = cr.data.load_csv(sys.argv[1])
print(x.shape[0], x.shape[1], y.dtype == cr.int64, float(x[-1].sum()), int(y[:1000].sum()))
"""


def test_a_million_row_csv_loads_in_little_memory(tmp_path):
    """Old code: 1.2 GB for 10^6 x 5 (a 29 MB file); numpy.loadtxt needs about 70 MB."""
    block = "".join(f"{i * 0.25:.2f},{-i},{i % 7 * 1.5},{i / 3:.4f},{i % 3}\n"
                    for i in range(1000))
    path = tmp_path / "million.csv"
    path.write_text("a,b,c,d,label\n" + block * 1000)
    result = run_capped(["-c", LOAD_MILLION, str(path)], tmp_path, allowance_mb=250)
    assert result.returncode == 0, result.stderr
    rows, columns, integer, total, labels = result.stdout.split()
    assert (int(rows), int(columns), integer) == (10 ** 6, 4, "True")
    assert float(total) == pytest.approx(999 * 0.25 - 999 + 999 % 7 * 1.5 + 333, rel=1e-6)
    assert int(labels) == sum(i % 3 for i in range(1000))


LOAD_CHECKPOINT = """
import sys, chainrule as cr
try:
    cr.load(sys.argv[1])
except ValueError as e:
    print("ValueError:", e)
"""


def test_a_header_beyond_the_safetensors_limit_is_refused_before_it_is_read(tmp_path):
    """Old code parsed the whole header as JSON first: a 150 MB header took 4.1 GB."""
    items = 55_000_000                       # a 110 MB JSON list of zeros
    header = b"[" + b"0," * (items - 1) + b"0]"
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    result = run_capped(["-c", LOAD_CHECKPOINT, str(path)], tmp_path, allowance_mb=150)
    assert result.returncode == 0, result.stderr
    assert "ValueError: cr.load: " in result.stdout and "110,000,001 bytes, more than " \
           "safetensors' limit of 100,000,000" in result.stdout
