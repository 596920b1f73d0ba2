"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``:
``pad_sequence``, ``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence``,
``unpad_sequence``, ``unpack_sequence`` and ``PackedSequence``.

A packed sequence holds the time steps of a batch sorted by length, longest first, one step
after another: ``data`` is (sum of lengths, *), and ``batch_sizes[t]`` says how many sequences
are still running at step t. Packing and unpacking are indexings (the GetItem gate), so
gradients flow through them.

>>> import chainrule as cr
>>> from chainrule.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
>>> padded = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
>>> packed = pack_padded_sequence(padded, [3, 2], batch_first=True)
>>> packed.data.tolist(), packed.batch_sizes.tolist()
([1.0, 4.0, 2.0, 5.0, 3.0], [2, 2, 1])
>>> pad_packed_sequence(packed, batch_first=True)[0].tolist()
[[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]]
"""
import collections

import numpy as np

from ... import ops
from ...creation import full
from ...tensor import Tensor, new_tensor


class PackedSequence(collections.namedtuple(
        "PackedSequence", "data batch_sizes sorted_indices unsorted_indices",
        defaults=(None, None))):
    """``data`` (sum of lengths, *), ``batch_sizes`` (int64, one per step), and the
    permutation that sorted the batch by length (None when it came sorted) and its inverse."""

    def to(self, *args, **kwargs):
        return self._replace(data=self.data.to(*args, **kwargs))

    def cpu(self):
        return self

    @property
    def is_cuda(self):
        return False


def int64_tensor(values):
    return new_tensor(np.asarray(values, dtype=np.int64), None)


def as_lengths(lengths):
    data = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    data = np.asarray(data).reshape(-1)
    if data.dtype.kind not in "iu":
        raise TypeError(f"pack_padded_sequence: lengths must be integers, got {data.dtype}")
    return data.astype(np.int64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (or (B, max L, *) with
    ``batch_first``), filling the rest with ``padding_value`` on ``padding_side``.

    >>> import chainrule as cr
    >>> pad_sequence([cr.tensor([1.0, 2.0]), cr.tensor([3.0])], batch_first=True).tolist()
    [[1.0, 2.0], [3.0, 0.0]]
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        fill = full((longest - s.shape[0],) + tuple(s.shape[1:]), padding_value,
                        dtype=s.dtype)
        padded.append(ops.cat([s, fill] if padding_side == "right" else [fill, s], 0))
    return ops.stack(padded, 0 if batch_first else 1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) whose sequence b has ``lengths[b]`` steps.
    With ``enforce_sorted`` the lengths must decrease; otherwise the batch is sorted here and
    the permutation kept, so ``pad_packed_sequence`` restores the order."""
    lengths = as_lengths(lengths)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if len(lengths) != batch:
        raise ValueError(f"pack_padded_sequence: {len(lengths)} lengths for a batch of {batch} "
                         f"sequences (input of shape {tuple(input.shape)}, "
                         f"batch_first={batch_first})")
    if lengths.size and lengths.min() <= 0:
        raise ValueError("pack_padded_sequence: every length must be greater than 0, got "
                         f"{lengths.tolist()}")
    if lengths.size and lengths.max() > steps:
        raise ValueError(f"pack_padded_sequence: a length of {lengths.max()} is longer than the "
                         f"input's {steps} steps (input of shape {tuple(input.shape)}, "
                         f"batch_first={batch_first})")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in "
                               "decreasing order when `enforce_sorted` is True; pass "
                               "enforce_sorted=False to sort the batch here")
        order = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    times = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)])
    rows = np.concatenate([np.arange(n) for n in batch_sizes])
    members = rows if order is None else order[rows]
    data = input[members, times] if batch_first else input[times, members]
    return PackedSequence(data, int64_tensor(batch_sizes),
                          None if order is None else int64_tensor(order),
                          None if order is None else int64_tensor(np.argsort(order)))


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *): ``pad_sequence`` then ``pack_padded_sequence``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack to a padded batch (T, B, *) (or (B, T, *)) in the original order, and the
    lengths (int64). ``total_length`` pads to that many steps."""
    data, batch_sizes, _, unsorted = sequence
    sizes = batch_sizes._data if isinstance(batch_sizes, Tensor) else np.asarray(batch_sizes)
    steps, batch = len(sizes), int(sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: total_length {total_length} is shorter than "
                             f"the longest sequence, {steps} steps")
        steps = total_length
    valid = np.arange(batch)[None, :] < sizes[:, None]        # (step, sequence) in data
    lengths = valid.sum(0)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])      # each step's first row
    where = np.full((steps, batch), data.shape[0])             # padding: one extra fill row
    where[:len(sizes)][valid] = (starts[:, None] + np.arange(batch))[valid]
    if unsorted is not None:
        order = unsorted._data if isinstance(unsorted, Tensor) else np.asarray(unsorted)
        where, lengths = where[:, order], lengths[order]
    fill = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = ops.cat([data, fill], 0)[where.T if batch_first else where]
    return padded, int64_tensor(lengths)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i, *) that ``pad_sequence`` padded: ``padded[:L_i, i]``."""
    lengths = as_lengths(lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(lengths.tolist())]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) that ``pack_sequence`` packed, in their order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
