"""``cr.load`` on malformed checkpoints built field by field: wrong dtypes, shapes that do not
match their bytes, overlapping or out-of-range offsets, huge lengths, metadata of the wrong
type or nested deep. Every answer is the contents or the documented ``ValueError`` naming
the file, never another exception, in bounded memory."""
import io
import json
import os
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr

pytest.importorskip("safetensors")
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"     # as tests/robustness: 25x, fresh


def bounded(examples):
    return settings(max_examples=examples * (25 if LONG else 1), deadline=None,
                    derandomize=not LONG, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DTYPES = ["F32", "F64", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL", "F8_E4M3", "X9", "",
          "f32", 7]
SIZES = {"F32": 4, "F64": 8, "F16": 2, "I64": 8, "I32": 4, "I8": 1, "U8": 1, "BOOL": 1}


def file_bytes(header, data):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def entry(dtype, shape, offsets):
    return {"dtype": dtype, "shape": shape, "data_offsets": offsets}


small = st.integers(0, 64)
shapes = st.lists(st.integers(-2, 2 ** 40) | small, max_size=3) | st.just("x") | st.none()
offsets = st.lists(st.integers(-1, 2 ** 64) | small, min_size=0, max_size=3) | st.just({})
entries = st.builds(entry, st.sampled_from(DTYPES), shapes, offsets) | st.integers() | st.text()
skeletons = st.recursive(
    st.none() | st.integers() | st.text(max_size=5) | st.just({"$tensor": "w"}) |
    st.just({"$array": "missing"}),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["a", "$items", "$tuple", "$tensor", "$array"]), inner, max_size=3),
    max_leaves=12)
metadata = st.none() | st.integers() | st.lists(st.text(max_size=3), max_size=2) | \
    st.dictionaries(st.sampled_from(["chainrule", "format", "x"]),
                    st.text(max_size=8) | skeletons.map(json.dumps) | st.integers(),
                    max_size=2)


@bounded(100)
@given(tensors=st.dictionaries(st.sampled_from(["w", "b", "c"]), entries, max_size=3),
       meta=metadata, data=st.binary(max_size=96))
def test_any_header_loads_or_raises_value_error(tensors, meta, data):
    header = dict(tensors)
    if meta is not None:
        header["__metadata__"] = meta
    check(file_bytes(header, data))


@bounded(60)
@given(count=st.integers(1, 3), dtype=st.sampled_from(list(SIZES)), length=st.integers(0, 4),
       shift=st.integers(-8, 8), skeleton=skeletons)
def test_plausible_files_with_one_thing_wrong(count, dtype, length, shift, skeleton):
    """Valid-looking tensors laid end to end, then one offset shifted (overlap or a gap)."""
    size = SIZES[dtype] * length
    header, start = {}, 0
    for i in range(count):
        header[f"t{i}"] = entry(dtype, [length], [start, start + size])
        start += size
    if shift:
        header["t0"]["data_offsets"][1] += shift
    header["__metadata__"] = {"chainrule": json.dumps(skeleton)}
    check(file_bytes(header, bytes(start)))


def test_known_cases_are_value_errors():
    cases = {
        "overlapping offsets": ({"a": entry("F32", [2], [0, 8]), "b": entry("F32", [2], [4, 12])},
                                bytes(12)),
        "offsets past the end": ({"a": entry("F32", [2], [0, 8])}, bytes(4)),
        "shape and bytes disagree": ({"a": entry("F32", [3], [0, 8])}, bytes(8)),
        "unknown dtype": ({"a": entry("Q99", [1], [0, 4])}, bytes(4)),
        "bfloat16 (NumPy has none)": ({"a": entry("BF16", [2], [0, 4])}, bytes(4)),
        "negative shape": ({"a": entry("F32", [-1], [0, 4])}, bytes(4)),
        "huge shape": ({"a": entry("F32", [2 ** 40, 2 ** 40], [0, 4])}, bytes(4)),
        "metadata not text": ({"__metadata__": {"chainrule": 5}}, b""),
        "metadata a list": ({"__metadata__": [1]}, b""),
        "skeleton names a missing tensor": ({"__metadata__": {"chainrule": '{"$tensor": "w"}'}},
                                            b""),
        "skeleton $items not pairs": ({"__metadata__": {"chainrule": '{"$items": [[1]]}'}}, b""),
        "deep skeleton": ({"__metadata__": {"chainrule": "[" * 5000 + "]" * 5000}}, b""),
    }
    for name, (header, data) in cases.items():
        with pytest.raises(ValueError, match="damaged.safetensors is not a readable"):
            check(file_bytes(header, data), expect_error=True)
    deep_header = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ValueError, match="nested"):
        check(struct.pack("<Q", len(deep_header)) + deep_header, expect_error=True)


class Named(io.BytesIO):
    name = "damaged.safetensors"


def check(payload, expect_error=False):
    tracemalloc.start()
    try:
        try:
            result = cr.load(Named(payload))
        except ValueError as e:
            assert "cr.load: damaged.safetensors is not a readable" in str(e)
            assert "\n" not in str(e)
            if expect_error:
                raise
            return
        finally:
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20, f"{len(payload)} bytes took {peak} bytes"
    assert not expect_error, f"loaded {result!r}"
    for value in walk(result):
        assert isinstance(value, (cr.Tensor, np.ndarray, str, int, float, bool, type(None)))


def walk(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from walk(v)
    else:
        yield value
