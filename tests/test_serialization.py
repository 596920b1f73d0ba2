"""Checkpoints: safetensors files, nested objects, atomic writes, clear errors, no code."""
import json
import os
import struct

import numpy as np
import pytest

import chainrule as cr

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def test_nested_round_trip_keeps_types_values_and_dtypes(tmp_path):
    obj = {
        "model": {"0.weight": cr.randn(3, 2), "0.bias": cr.zeros(3, dtype=cr.float64)},
        "optimizer": {"state": {0: {"step": 7, "exp_avg": cr.ones(2)}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]},
        "scheduler": {"best": float("inf"), "milestones": [2, 5], "mode": "min"},
        "rng": cr.Generator(3).get_state(),
        "array": np.arange(4, dtype=np.int16),
        "flags": cr.tensor([True, False]),
        "scalar": cr.tensor(2.5),
        "nothing": None,
        "$odd key": 1,
    }
    path = tmp_path / "ckpt.safetensors"
    cr.save(obj, path)
    back = cr.load(path)
    assert back.keys() == obj.keys()
    assert isinstance(back["model"]["0.weight"], cr.Tensor)
    assert np.array_equal(back["model"]["0.weight"].detach().numpy(), obj["model"]["0.weight"].detach().numpy())
    assert back["model"]["0.bias"].dtype == cr.float64
    assert back["optimizer"]["state"] == {0: {"step": 7, "exp_avg": back["optimizer"]["state"][0]["exp_avg"]}}
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["scheduler"] == obj["scheduler"]
    assert back["rng"] == obj["rng"]                      # 128-bit integers survive
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int16
    assert back["flags"].tolist() == [True, False]
    assert back["scalar"].shape == () and back["scalar"].item() == 2.5
    assert back["nothing"] is None and back["$odd key"] == 1


def test_tensors_sit_under_dotted_keys_that_other_programs_read(tmp_path):
    path = tmp_path / "model.safetensors"
    weight = cr.randn(4, 3)
    cr.save({"model": {"layers.0.weight": weight}, "epoch": 3}, path)
    arrays = safetensors_numpy.load_file(str(path))
    assert list(arrays) == ["model.layers.0.weight"]
    assert np.array_equal(arrays["model.layers.0.weight"], weight.detach().numpy())
    torch_io = pytest.importorskip("safetensors.torch")
    pytest.importorskip("torch")
    assert torch_io.load_file(str(path))["model.layers.0.weight"].shape == (4, 3)


def test_a_file_from_another_program_loads_as_a_flat_dict(tmp_path):
    path = tmp_path / "foreign.safetensors"
    safetensors_numpy.save_file({"fc.weight": np.eye(2, dtype=np.float32)}, str(path))
    back = cr.load(path)
    assert list(back) == ["fc.weight"] and back["fc.weight"].tolist() == [[1, 0], [0, 1]]


def test_a_single_tensor_and_a_list_round_trip(tmp_path):
    cr.save(cr.arange(3), tmp_path / "t.safetensors")
    assert cr.load(tmp_path / "t.safetensors").tolist() == [0, 1, 2]
    cr.save([cr.ones(1), 2, "x"], tmp_path / "l.safetensors")
    first, second, third = cr.load(tmp_path / "l.safetensors")
    assert first.tolist() == [1.0] and second == 2 and third == "x"


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        cr.load(tmp_path / "nope.safetensors")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "bad json", "bad skeleton"])
def test_damaged_files_raise_an_error_naming_the_file(tmp_path, damage):
    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": cr.randn(50, 50), "step": 1}, path)
    payload = path.read_bytes()
    if damage == "truncate":
        payload = payload[:len(payload) // 2]
    elif damage == "garbage":
        payload = os.urandom(200)
    elif damage == "empty":
        payload = b""
    elif damage == "bad json":
        payload = payload[:8] + b"x" + payload[9:]
    else:
        payload = rewrite_metadata(payload, '{"w": {"$tensor": "missing"}}')
    path.write_bytes(payload)
    with pytest.raises(ValueError, match="ckpt.safetensors is not a readable safetensors"):
        cr.load(path)


def rewrite_metadata(payload, skeleton):
    size = struct.unpack("<Q", payload[:8])[0]
    header = json.loads(payload[8:8 + size])
    header["__metadata__"]["chainrule"] = skeleton
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + payload[8 + size:]


def test_loading_never_runs_code(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": cr.ones(1)}, path)
    trap = '{"w": {"$tensor": "w"}, "x": "__import__(\'os\').system(\'touch PWNED\')"}'
    path.write_bytes(rewrite_metadata(path.read_bytes(), trap))
    back = cr.load(path)
    assert back["x"].startswith("__import__") and not os.path.exists("PWNED")


def test_a_failed_write_keeps_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": cr.ones(3)}, path)
    with pytest.raises(TypeError, match="cannot store a function at 'fn'"):
        cr.save({"w": cr.zeros(3), "fn": lambda: 0}, path)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        cr.save({"w": cr.zeros(3)}, path)
    assert cr.load(path)["w"].tolist() == [1.0, 1.0, 1.0]   # the old file is intact
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_colliding_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match="'a.b'"):
        cr.save({"a.b": cr.ones(1), "a": {"b": cr.ones(1)}}, tmp_path / "c.safetensors")


def test_importing_chainrule_does_not_import_safetensors():
    import subprocess
    import sys
    code = "import chainrule, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('safetensors', 'torch', 'matplotlib', 'scipy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----- file objects and PyTorch's arguments ---------------------------------------------
def test_file_objects_round_trip(tmp_path):
    import io
    buffer = io.BytesIO()
    cr.save({"w": cr.arange(3.0), "epoch": 2}, buffer)
    buffer.seek(0)
    back = cr.load(buffer)
    assert back["w"].tolist() == [0.0, 1.0, 2.0] and back["epoch"] == 2
    with open(tmp_path / "f.safetensors", "wb") as f:
        cr.save([cr.ones(2)], f)
    with open(tmp_path / "f.safetensors", "rb") as f:
        assert cr.load(f)[0].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="f.safetensors is not a readable"):
        with open(tmp_path / "f.safetensors", "rb") as f:
            f.read(3)
            cr.load(f)                      # read from where the file object stands
    assert cr.load(io.BytesIO(buffer.getvalue()), weights_only=True)["epoch"] == 2


def test_pytorch_reads_what_a_file_object_got(tmp_path):
    import io
    torch_io = pytest.importorskip("safetensors.torch")
    buffer = io.BytesIO()
    cr.save({"fc": {"weight": cr.eye(2)}}, buffer)
    assert torch_io.load(buffer.getvalue())["fc.weight"].tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("where", [None, "cpu", "cpu:0", {"cuda:0": "cpu"}, {"cuda:1": "cpu:0"}])
def test_map_location_to_the_cpu(tmp_path, where):
    cr.save({"w": cr.ones(2)}, tmp_path / "c.safetensors")
    assert cr.load(tmp_path / "c.safetensors", map_location=where)["w"].tolist() == [1, 1]


def test_map_location_as_pytorch_devices_and_functions(tmp_path):
    torch = pytest.importorskip("torch")
    cr.save({"w": cr.ones(2), "n": 1}, tmp_path / "c.safetensors")
    assert cr.load(tmp_path / "c.safetensors", map_location=torch.device("cpu"))["n"] == 1
    seen = []

    def keep(tensor, location):
        seen.append(location)
        return tensor * 2
    assert cr.load(tmp_path / "c.safetensors", map_location=keep)["w"].tolist() == [2, 2]
    assert seen == ["cpu"]
    with pytest.raises(TypeError, match="map_location returned a str"):
        cr.load(tmp_path / "c.safetensors", map_location=lambda t, loc: "x")

    def broken(tensor, location):
        raise ValueError("my own mistake")
    with pytest.raises(ValueError, match="^my own mistake$"):      # not "not readable"
        cr.load(tmp_path / "c.safetensors", map_location=broken)


@pytest.mark.parametrize("where", ["cuda", "cuda:0", "mps", {"cpu": "cuda:0"}])
def test_map_location_to_a_device_chainrule_lacks_is_refused(tmp_path, where):
    cr.save({"w": cr.ones(2)}, tmp_path / "c.safetensors")
    with pytest.raises(RuntimeError, match="chainrule computes on the CPU"):
        cr.load(tmp_path / "c.safetensors", map_location=where)


def test_pickle_arguments_are_refused_by_name(tmp_path):
    import pickle
    cr.save({"w": cr.ones(1)}, tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match="pickle_module is not used"):
        cr.load(tmp_path / "c.safetensors", pickle_module=pickle)
    with pytest.raises(ValueError, match="pickle_module is not used"):
        cr.save({}, tmp_path / "d.safetensors", pickle_module=pickle)
    with pytest.raises(TypeError, match="unexpected keyword argument 'fix_imports'"):
        cr.load(tmp_path / "c.safetensors", fix_imports=True)
    assert cr.load(tmp_path / "c.safetensors", encoding="latin1", mmap=False)["w"].tolist() == [1]
    cr.save({"w": cr.ones(1)}, tmp_path / "c.safetensors", pickle_protocol=2,
            _use_new_zipfile_serialization=True)


# ----- limits ---------------------------------------------------------------------------
def test_deep_nesting_is_refused_on_save_and_on_load(tmp_path):
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than 64 levels"):
        cr.save({"x": deep}, tmp_path / "c.safetensors")
    loop = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="does a dict or list contain itself"):
        cr.save(loop, tmp_path / "c.safetensors")
    path = tmp_path / "c.safetensors"
    cr.save({"w": cr.ones(1)}, path)
    for depth in (300, 100_000):   # old code: RecursionError at 100,000
        path.write_bytes(rewrite_metadata(path.read_bytes(), "[" * depth + "]" * depth))
        with pytest.raises(ValueError, match="not a readable .*nested"):
            cr.load(path)
    nested = {"a": 1}
    for _ in range(62):       # 64 containers deep, the most a checkpoint holds
        nested = {"next": nested, "pair": (1, {2: 3})}
    cr.save(nested, path)
    assert cr.load(path) == nested


def test_huge_plain_values_are_refused_on_save(tmp_path):
    with pytest.raises(ValueError, match="store long lists of numbers as a tensor"):
        cr.save({"notes": "x" * 17_000_000}, tmp_path / "c.safetensors")
    assert not (tmp_path / "c.safetensors").exists()


# ----- temporary files ------------------------------------------------------------------
KILLED_WRITER = """
import os, signal, sys, numpy as np, chainrule as cr
from chainrule import serialization
def killed(fd):
    os.kill(os.getpid(), signal.SIGKILL)          # die in the middle of the write
os.fsync = killed
cr.save({"w": cr.tensor(np.ones(100_000, np.float32))}, sys.argv[1])
"""


def test_a_killed_save_leaves_nothing_the_next_save_does_not_remove(tmp_path):
    """Old code: every SIGKILL during a save left a hidden temporary file forever."""
    import subprocess
    import sys
    path = tmp_path / "ckpt.safetensors"
    cr.save({"w": cr.zeros(1)}, path)
    for _ in range(3):
        child = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)])
        assert child.returncode == -9
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 4 and all(n.startswith(".tmp-chainrule-") for n in left[:3]) or \
        left.count("ckpt.safetensors") == 1
    other = tmp_path / ".tmp-other-program"             # not ours: never touched
    other.write_text("keep")
    cr.save({"w": cr.ones(1)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-other-program", "ckpt.safetensors"]
    assert cr.load(path)["w"].tolist() == [1.0]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    """A temporary file whose process runs, or whose lock is held, is not stale."""
    import fcntl
    import subprocess
    import sys
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = tmp_path / f".tmp-chainrule-{sleeper.pid}-abcd-x.safetensors"
        alive.write_bytes(b"partial")
        locked = tmp_path / ".tmp-chainrule-999999999-abcd-y.safetensors"  # no such process
        locked.write_bytes(b"partial")
        with open(locked, "rb") as holder:
            fcntl.flock(holder.fileno(), fcntl.LOCK_EX)   # as a writer in another namespace
            cr.save({"w": cr.ones(1)}, tmp_path / "x.safetensors")
            assert alive.exists() and locked.exists()
        cr.save({"w": cr.ones(1)}, tmp_path / "x.safetensors")
        assert alive.exists() and not locked.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
