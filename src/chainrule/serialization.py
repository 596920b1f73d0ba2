"""Checkpoints: ``cr.save(obj, path)`` and ``cr.load(path)`` in the safetensors format.

Tensors and arrays go into the file under dotted keys (``model.0.weight``), so other
frameworks can read a plain state dict. Everything else (hyperparameters, step counts,
scheduler, scaler and random-generator state) is kept as JSON in the file's metadata, with
the shape of the nested object. Loading parses JSON and raw arrays only: it never runs code.
"""
import json
import os
import struct
import tempfile

import numpy as np

from .tensor import Tensor, new_tensor

META_KEY = "chainrule"   # metadata entry holding the object's skeleton as JSON


def save(obj, path):
    """Write ``obj`` (a tensor, or nested dicts/lists of tensors, arrays and plain values)
    to ``path`` atomically: a temporary file in the same folder, then a rename.

    >>> import chainrule as cr, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> cr.save({"w": cr.tensor([1.0, 2.0]), "step": 3}, path)
    >>> cr.load(path)
    {'w': tensor([1., 2.]), 'step': 3}
    """
    from safetensors.numpy import save as to_bytes
    arrays = {}
    skeleton = describe(obj, "", arrays)
    payload = to_bytes(arrays, metadata={META_KEY: json.dumps(skeleton)})
    write_atomically(os.fspath(path), payload)


def load(path):
    """Read what ``save`` wrote: tensors come back as Tensors, arrays as arrays, plain
    values as they were. A file written by another program loads as ``{key: Tensor}``."""
    from safetensors.numpy import load as from_bytes
    path = os.fspath(path)
    with open(path, "rb") as f:
        payload = f.read()
    try:
        metadata = read_metadata(payload)
        arrays = from_bytes(payload)
    except Exception as e:  # safetensors reports damage with its own exception types
        raise corrupted(path, e) from None
    if META_KEY not in metadata:
        return {key: new_tensor(array, None) for key, array in arrays.items()}
    try:
        skeleton = json.loads(metadata[META_KEY])
        return rebuild(skeleton, arrays)
    except (ValueError, KeyError, TypeError) as e:
        raise corrupted(path, e) from None


def describe(obj, key, arrays):
    """The JSON skeleton of ``obj``; tensors and arrays are moved into ``arrays`` by key."""
    if isinstance(obj, (Tensor, np.ndarray)):
        kind = "$tensor" if isinstance(obj, Tensor) else "$array"
        name = key or "tensor"
        if name in arrays:
            raise ValueError(f"cr.save: two entries would both be stored under the key "
                             f"{name!r}; rename one (keys are joined with '.')")
        arrays[name] = np.asarray(obj._data if kind == "$tensor" else obj, order="C")
        return {kind: name}
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: describe(v, join(key, k), arrays) for k, v in obj.items()}
        return {"$items": [[plain(k, key), describe(v, join(key, str(k)), arrays)]
                           for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [describe(v, join(key, str(i)), arrays) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"$tuple": items}
    return plain(obj, key)


def plain(value, key):
    """A JSON-ready number, string, bool or None (NumPy scalars become Python ones)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cr.save: cannot store a {type(value).__name__} at {key or 'the top'!r}; "
                    f"checkpoints hold tensors, arrays, numbers, strings, lists, tuples and "
                    f"dicts (no functions or objects: save their state_dict() instead)")


def join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def rebuild(skeleton, arrays):
    if isinstance(skeleton, list):
        return [rebuild(v, arrays) for v in skeleton]
    if not isinstance(skeleton, dict):
        return skeleton
    if "$tensor" in skeleton:
        return new_tensor(arrays[skeleton["$tensor"]], None)
    if "$array" in skeleton:
        return arrays[skeleton["$array"]]
    if "$tuple" in skeleton:
        return tuple(rebuild(v, arrays) for v in skeleton["$tuple"])
    if "$items" in skeleton:
        return {k: rebuild(v, arrays) for k, v in skeleton["$items"]}
    return {k: rebuild(v, arrays) for k, v in skeleton.items()}


def read_metadata(payload):
    """The ``__metadata__`` of a safetensors file: an 8-byte header length, then JSON."""
    if len(payload) < 8:
        raise ValueError(f"the file has {len(payload)} bytes, fewer than the 8-byte header")
    (size,) = struct.unpack("<Q", payload[:8])
    if size > len(payload) - 8:
        raise ValueError(f"the header claims {size} bytes but only {len(payload) - 8} follow")
    return json.loads(payload[8:8 + size]).get("__metadata__") or {}


def corrupted(path, error):
    return ValueError(f"cr.load: {path} is not a readable safetensors checkpoint (truncated "
                      f"or corrupted: {error}); save it again or restore an intact copy")


def write_atomically(path, payload):
    """Write bytes so that ``path`` holds either the old file or the whole new one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".safetensors")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)   # mkstemp makes files private; checkpoints are ordinary files
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
