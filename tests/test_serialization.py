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
