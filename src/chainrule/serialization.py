"""Checkpoints: ``cr.save(obj, f)`` and ``cr.load(f)`` in the safetensors format.

Tensors and arrays go into the file under dotted keys (``model.0.weight``), so other
frameworks can read a plain state dict. Everything else (hyperparameters, step counts,
scheduler, scaler and random-generator state) is kept as JSON in the file's metadata, with
the shape of the nested object. Loading parses JSON and raw arrays only: it never runs code
and never unpickles. ``f`` is a path or a binary file object (``io.BytesIO``, an open file).

Every malformed file makes ``load`` raise ``ValueError`` naming it, checked before anything
large is read or built: the 8-byte header length against safetensors' limit (100,000,000
bytes) and the file's size, then the metadata's size and nesting depth.
"""
import json
import os
import secrets
import struct

import numpy as np

from .tensor import Tensor, new_tensor

META_KEY = "chainrule"        # metadata entry holding the object's skeleton as JSON
HEADER_LIMIT = 100_000_000    # safetensors' own limit on the JSON header, in bytes
SKELETON_LIMIT = 16 * 2 ** 20  # the skeleton's JSON, in bytes: plain values, not data
DEPTH_LIMIT = 64              # nesting of dicts, lists and tuples in a checkpoint
JSON_DEPTH_LIMIT = 4 * DEPTH_LIMIT   # the JSON that describes them nests up to 3 per level
TEMP_PREFIX = ".tmp-chainrule-"   # write_atomically's files: .tmp-chainrule-<pid>-<random>-<name>


def save(obj, f, pickle_module=None, pickle_protocol=None, **legacy):
    """Write ``obj`` (a tensor, or nested dicts/lists of tensors, arrays and plain values)
    to ``f``: a path, written atomically (a temporary file in the same folder, then a
    rename), or a binary file object, written at its position.

    ``pickle_protocol`` and PyTorch's ``_use_new_zipfile_serialization`` are accepted and
    have nothing to choose: the file is always safetensors.

    >>> import chainrule as cr, io
    >>> buffer = io.BytesIO()
    >>> cr.save({"w": cr.tensor([1.0, 2.0]), "step": 3}, buffer)
    >>> _ = buffer.seek(0)
    >>> cr.load(buffer)
    {'w': tensor([1., 2.]), 'step': 3}
    """
    from safetensors.numpy import save as to_bytes
    if pickle_module is not None:
        raise ValueError("cr.save: pickle_module is not used: chainrule writes safetensors "
                         "files and never pickles; leave it out")
    unknown = set(legacy) - {"_use_new_zipfile_serialization", "_disable_byteorder_record"}
    if unknown:
        raise TypeError(f"cr.save() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    arrays = {}
    skeleton = json.dumps(describe(obj, "", arrays, 0))
    if len(skeleton) > SKELETON_LIMIT:
        raise ValueError(f"cr.save: the values beside the tensors take {len(skeleton):,} bytes "
                         f"of JSON, more than the {SKELETON_LIMIT:,} a checkpoint holds; store "
                         f"long lists of numbers as a tensor")
    payload = to_bytes(arrays, metadata={META_KEY: skeleton})
    if hasattr(f, "write"):
        f.write(payload)
    else:
        write_atomically(os.fspath(f), payload)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read what ``save`` wrote, from a path or a binary file object: tensors come back as
    Tensors, arrays as arrays, plain values as they were. A file written by another program
    loads as ``{key: Tensor}``.

    PyTorch's arguments keep their meaning where it applies: ``map_location`` may be None,
    ``"cpu"``, a CPU device, a dict mapping locations to ``"cpu"`` or a function called as
    ``fn(tensor, "cpu")`` that returns the tensor to use; any other device raises, since
    chainrule computes on the CPU. ``weights_only`` (True or False) changes nothing: nothing
    but tensors and plain values is ever loaded, and no pickle is read. ``mmap`` and
    ``encoding`` are accepted (the file is read into memory). A malformed file raises
    ``ValueError`` naming it; a missing one ``FileNotFoundError``.

    >>> import chainrule as cr
    >>> import io
    >>> buffer = io.BytesIO()
    >>> cr.save({'w': cr.tensor([1.0, 2.0])}, buffer)
    >>> _ = buffer.seek(0)
    >>> cr.load(buffer, weights_only=True)['w'].tolist()
    [1.0, 2.0]
    """
    from safetensors.numpy import load as from_bytes
    place = placement(map_location)
    check_load_options(pickle_module, weights_only, pickle_load_args)
    name = source_name(f)
    try:
        if hasattr(f, "read"):
            header, payload = read_safetensors(f)
        else:
            with open(os.fspath(f), "rb") as stream:
                header, payload = read_safetensors(stream)
        metadata = header.get("__metadata__") or {}
        if not isinstance(metadata, dict):
            raise ValueError("__metadata__ is not a JSON object")
        arrays = from_bytes(payload)
        del payload
    except (OSError, MemoryError):
        raise
    except Exception as e:  # safetensors reports damage with its own exception types
        raise corrupted(name, e) from None
    try:
        if META_KEY not in metadata:
            return {key: place(new_tensor(array, None)) for key, array in arrays.items()}
        return rebuild(parse_skeleton(metadata[META_KEY]), arrays, place)
    except MapLocationFailed as e:
        raise e.error from None         # the user's function failed, not the file
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as e:
        raise corrupted(name, e) from None


def source_name(f):
    if hasattr(f, "read") or hasattr(f, "write"):
        name = getattr(f, "name", None)
        return name if isinstance(name, str) else f"the {type(f).__name__} object"
    return os.fspath(f)


def check_load_options(pickle_module, weights_only, pickle_load_args):
    if pickle_module is not None:
        raise ValueError("cr.load: pickle_module is not used: chainrule reads safetensors "
                         "files and never unpickles; leave it out")
    if weights_only not in (None, True, False):
        raise TypeError(f"cr.load: weights_only must be True, False or None, got "
                        f"{weights_only!r}")
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise TypeError(f"cr.load() got an unexpected keyword argument {sorted(unknown)[0]!r}")


class MapLocationFailed(Exception):
    """Carries an error of the user's ``map_location`` function past the handler that
    reports damaged files."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def placement(map_location):
    """A function applied to every loaded tensor, from PyTorch's ``map_location``."""
    if callable(map_location):
        def place(tensor):
            try:
                moved = map_location(tensor, "cpu")
            except Exception as e:
                raise MapLocationFailed(e) from e
            if not isinstance(moved, Tensor):
                raise MapLocationFailed(TypeError(
                    f"cr.load: map_location returned a {type(moved).__name__}; it must return "
                    f"a tensor (chainrule keeps them on the CPU)"))
            return moved
        return place
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if target is not None and str(target).split(":")[0] != "cpu":
            raise RuntimeError(f"cr.load: map_location={map_location!r} asks for a device "
                               f"chainrule does not have: chainrule computes on the CPU; "
                               f"use map_location='cpu' or leave it out")
    return lambda tensor: tensor


def describe(obj, key, arrays, depth):
    """The JSON skeleton of ``obj``; tensors and arrays are moved into ``arrays`` by key."""
    if isinstance(obj, (dict, list, tuple)) and depth >= DEPTH_LIMIT:
        raise ValueError(f"cr.save: {key or 'the object'!r} is nested more than {DEPTH_LIMIT} "
                         f"levels deep (does a dict or list contain itself?)")
    if isinstance(obj, (Tensor, np.ndarray)):
        kind = "$tensor" if isinstance(obj, Tensor) else "$array"
        name = key or "tensor"
        if name in arrays:
            raise ValueError(f"cr.save: two entries would both be stored under the key "
                             f"{name!r}; rename one (keys are joined with '.')")
        arrays[name] = np.asarray(obj._data if kind == "$tensor" else obj, order="C")
        return {kind: name}
    depth += 1
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: describe(v, join(key, k), arrays, depth) for k, v in obj.items()}
        return {"$items": [[plain(k, key), describe(v, join(key, str(k)), arrays, depth)]
                           for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [describe(v, join(key, str(i)), arrays, depth) for i, v in enumerate(obj)]
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


# ----- reading --------------------------------------------------------------------------
def read_safetensors(stream):
    """``(header, whole file as bytes)``, checking the header's length before reading it
    and parsing it before reading the tensors' bytes."""
    start = stream.read(8)
    if len(start) < 8:
        raise ValueError(f"the file has {len(start)} bytes, fewer than the 8-byte header length")
    (size,) = struct.unpack("<Q", start)
    if size > HEADER_LIMIT:
        raise ValueError(f"the header claims {size:,} bytes, more than safetensors' limit of "
                         f"{HEADER_LIMIT:,}")
    text = read_up_to(stream, size)
    if len(text) < size:
        raise ValueError(f"the header claims {size:,} bytes but only {len(text):,} follow")
    header = parse_json(text, "the header")
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header, b"".join([start, text, stream.read()])


def read_up_to(stream, size, chunk=2 ** 20):
    """At most ``size`` bytes, read a piece at a time: a length in a damaged file must not
    allocate its claim before the file proves to hold it."""
    pieces = []
    while size > 0:
        piece = stream.read(min(size, chunk))
        if not piece:
            break
        pieces.append(piece)
        size -= len(piece)
    return b"".join(pieces)


def parse_json(text, what):
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply") from None
    check_depth(value, what)
    return value


def check_depth(value, what):
    """Refuse JSON nested deeper than ``JSON_DEPTH_LIMIT`` (level by level, without
    recursion: the check must not itself overflow the stack)."""
    level = [value]
    for _ in range(JSON_DEPTH_LIMIT + 1):
        level = [child for node in level if isinstance(node, (dict, list))
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return
    raise ValueError(f"{what} is nested more than {JSON_DEPTH_LIMIT} levels deep")


def parse_skeleton(text):
    if not isinstance(text, str):
        raise ValueError(f"the {META_KEY!r} metadata is not text")
    if len(text) > SKELETON_LIMIT:
        raise ValueError(f"the {META_KEY!r} metadata has {len(text):,} characters, more than "
                         f"the {SKELETON_LIMIT:,} a checkpoint holds")
    return parse_json(text, f"the {META_KEY!r} metadata")


def rebuild(skeleton, arrays, place):
    if isinstance(skeleton, list):
        return [rebuild(v, arrays, place) for v in skeleton]
    if not isinstance(skeleton, dict):
        return skeleton
    if "$tensor" in skeleton:
        return place(new_tensor(arrays[skeleton["$tensor"]], None))
    if "$array" in skeleton:
        return arrays[skeleton["$array"]]
    if "$tuple" in skeleton:
        return tuple(rebuild(v, arrays, place) for v in skeleton["$tuple"])
    if "$items" in skeleton:
        return {k: rebuild(v, arrays, place) for k, v in skeleton["$items"]}
    return {k: rebuild(v, arrays, place) for k, v in skeleton.items()}


def corrupted(name, error):
    return ValueError(f"cr.load: {name} is not a readable safetensors checkpoint (truncated "
                      f"or corrupted: {error}); save it again or restore an intact copy")


# ----- writing --------------------------------------------------------------------------
def write_atomically(path, payload):
    """Write bytes so that ``path`` holds either the old file or the whole new one.

    The bytes go to a temporary file beside ``path`` (``TEMP_PREFIX``, this process's id),
    held under an advisory lock while it is written, then renamed. A writer killed midway
    leaves its temporary file; the next write into the folder removes every such file whose
    process is gone and whose lock is free, and no file of any other name. An ``OSError``
    (disk full, no permission) names ``path``.
    """
    folder, base = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-"
                                     f"{base[:100]}")
    try:
        remove_stale_temporaries(folder)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise naming(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            lock(f.fileno())
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException as e:
        os.unlink(temporary)
        if isinstance(e, OSError):
            raise naming(e, path) from None
        raise


def naming(error, path):
    """The same kind of ``OSError``, saying which file it was about."""
    if error.filename == path:
        return error
    return type(error)(error.errno, error.strerror or str(error), path)


def lock(fd):
    try:
        import fcntl
    except ImportError:          # not POSIX: no lock, and no sweeping (below)
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def remove_stale_temporaries(folder):
    """Delete ``write_atomically``'s leftovers in ``folder``: its name pattern, a process
    id that no longer runs, and a lock nobody holds (a live writer holds its lock)."""
    try:
        import fcntl
        names = [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX)]
    except (ImportError, OSError):
        return
    for name in names:
        pid = name[len(TEMP_PREFIX):].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid() or running(int(pid)):
            continue
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue                # gone already, or not ours to read
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(path)
        except OSError:
            pass                    # locked: its writer is alive (another pid namespace)
        finally:
            os.close(fd)


def running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                 # exists, owned by someone else
    return True
