"""Translations of the shape and indexing gates: reshape, permute, expand, indexing, cat,
stack.

These are where a fixed size can hide: a reshape to (32, -1) recorded at batch 32. The
sizes that follow a dynamic axis are known from the two runs (``GateContext.dynamic``), so
a reshape copies such a dimension from its input (ONNX's 0) or infers it (-1), and an
expand leaves it to broadcasting (1); what cannot be written that way is refused.
"""
import numpy as np

from .context import UnsupportedGateError, emits
from .runs import same

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


@emits("Reshape")
def reshape(ctx):
    """The target shape with each size that follows a dynamic axis as ONNX's 0 (the input's
    size at the same place) or -1 (the size left over), the others as numbers."""
    out, before = ctx.shape(), ctx.shape(0)
    dynamic_out, dynamic_in = ctx.dynamic(), ctx.dynamic(0)
    twin_out, twin_in = ctx.twin_out.shape, np.shape(ctx.twin.tensors[0]._data)
    spec = []
    for d, n in enumerate(out):
        if d not in dynamic_out:
            spec.append(n)
        elif d in dynamic_in and before[d] == n and twin_in[d] == twin_out[d]:
            spec.append(0)    # ONNX: copy this dimension from the input
        else:
            spec.append(-1)
    if 0 in out and dynamic_out:   # a literal 0 would read as "copy"
        raise ctx.error(f"reshape to {out}: an empty axis beside dynamic ones is not "
                        f"exportable")
    if spec.count(-1) > 1:
        raise ctx.error(f"reshape from {before} to {out} mixes several dynamic axes "
                        f"(axes {sorted(dynamic_out)} of the result follow them); ONNX needs "
                        f"all but one size fixed. Reshape in steps that keep the dynamic axes "
                        f"apart, or leave one out of dynamic_axes")
    return ctx.op("Reshape", ctx.input(0), ctx.int64s(spec))


@emits("Transpose")
def permute(ctx):
    dims = ctx.param("dims")
    if not dims:
        return ctx.op("Identity", ctx.input(0))
    return ctx.op("Transpose", ctx.input(0), perm=list(dims))


@emits("Expand")
def expand(ctx):
    """Broadcasting's 1 where a dimension is kept (so it may follow a dynamic axis); the
    size where the expand stretches a 1 or adds a dimension, which must be fixed."""
    before, out = ctx.shape(0), ctx.shape()
    lead = len(out) - len(before)
    spec = []
    for d, n in enumerate(out):
        kept = d >= lead and before[d - lead] == n
        if not kept and d in ctx.dynamic():
            raise ctx.error(f"expand from {before} to {out} stretches axis {d} to a size "
                            f"that follows a dynamic axis; leave that axis out of dynamic_axes")
        spec.append(1 if kept else n)
    return ctx.op("Expand", ctx.input(0), ctx.int64s(spec))


def whole(index):
    """Whether an index selects the whole tensor (``...``, ``:``)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is Ellipsis or (isinstance(i, slice) and i == slice(None)) for i in items)


@emits("Shape, Expand (x[...] = y: copy_, fill_, the in-place activations); other indices "
       "refused")
def index_put(ctx):
    """A write of the whole tensor is ``y`` broadcast to ``x``'s shape, in ``x``'s dtype (the
    in-place activations, ``F.relu6(x, inplace=True)``, write their result with copy_)."""
    if not whole(ctx.node.index):
        raise ctx.error("not exportable: an in-place write x[index] = y recorded in the graph; "
                        "build the tensor with cat, stack or where instead",
                        UnsupportedGateError)
    return ctx.op("Expand", ctx.input(1, ctx.dtype), ctx.op("Shape", ctx.input(0)))


@emits("Concat")
def cat(ctx):
    return ctx.op("Concat", *ctx.inputs(ctx.dtype), axis=int(ctx.param("dim")))


@emits("Unsqueeze, Concat")
def stack(ctx):
    dim = int(ctx.param("dim"))
    axes = ctx.int64s([dim])
    parts = [ctx.op("Unsqueeze", x, axes) for x in ctx.inputs(ctx.dtype)]
    return ctx.op("Concat", *parts, axis=dim)


@emits("Slice, Gather, Unsqueeze; Transpose, Expand, Concat, GatherND (several index arrays)")
def getitem(ctx):
    """x[index] as NumPy reads it: slices (Slice), integers (Gather, which drops the axis),
    None (Unsqueeze), Ellipsis, and one integer array (Gather, as Embedding does); several
    index arrays, or arrays with integers, go through GatherND (``advanced``). A constant
    boolean mask is its nonzero() arrays."""
    index, twin = ctx.param_index()
    items, twins = masks_as_arrays(ctx, *(i if isinstance(i, tuple) else (i,)
                                          for i in (index, twin)))
    arrays = [i for i in items if is_array(i)]
    ints = [i for i in items if isinstance(i, (int, np.integer)) or
            isinstance(i, np.ndarray) and i.ndim == 0]
    if arrays and (len(arrays) > 1 or ints):
        mesh = open_mesh(ctx, items, twins)
        if mesh is None:
            return advanced(ctx, items, twins)
        items, twins = mesh
    x, axis = ctx.input(0), 0
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    for item, other in zip(items, twins):
        if item is Ellipsis:
            axis += len(ctx.shape(0)) - consumed
        elif item is None:
            x = ctx.op("Unsqueeze", x, ctx.int64s([axis]))
            axis += 1
        elif isinstance(item, slice):
            x = slice_along(ctx, x, item, axis, other)
            axis += 1
        elif is_array(item):
            x = ctx.op("Gather", x, ctx.index(item, other, "index array"), axis=axis)
            axis += item.ndim
        else:   # an integer: Gather with a 0-d index drops the axis
            x = ctx.op("Gather", x, ctx.const(np.int64(item)), axis=axis)
    return x


def is_array(item):
    return isinstance(item, np.ndarray) and item.ndim > 0


def masks_as_arrays(ctx, items, twins):
    """Boolean masks replaced by the integer arrays of their True positions (NumPy's own
    reading); a mask must be a constant, since its count of True sets the result's size."""
    out, out_twins = [], []
    for item, other in zip(items, twins):
        if not (is_array(item) and item.dtype.kind == "b"):
            out.append(item)
            out_twins.append(other)
            continue
        if ctx.exporter.input_holding(item) is not None or not same(item, other):
            raise ctx.error("indexing with a boolean mask computed from the inputs gives a "
                            "size that depends on their values; use where() instead")
        out += np.nonzero(item)
        out_twins += np.nonzero(other)
    if any(is_array(i) and i.dtype.kind not in "iu" for i in out):
        raise ctx.error("indexing with an array that is neither integer nor boolean")
    return tuple(out), tuple(out_twins)


def spread_out(items, twins, rank):
    """(item, twin) for every axis: Ellipsis and the missing tail as full slices."""
    full = (slice(None), slice(None))
    fill = rank - sum(1 for i in items if i is not Ellipsis)
    spread = []
    for item, other in zip(items, twins):
        spread += [full] * fill if item is Ellipsis else [(item, other)]
    return spread + [full] * (rank - len(spread))


def open_mesh(ctx, items, twins):
    """Index arrays made by np.ix_ (repeat, tile, meshgrid-style indexing: k arrays on k
    adjacent axes, the j-th varying along its j-th dimension only) select along each axis
    independently: as 1-D arrays, read one axis at a time by Gather; one that is the whole
    axis in order (arange, in both runs) is a full slice, so it may follow a dynamic axis.
    None when the index is not that."""
    places = [p for p, i in enumerate(items) if is_array(i)]
    k = len(places)
    if any(not isinstance(i, slice) and i is not Ellipsis and not is_array(i) for i in items) \
            or places != list(range(places[0], places[0] + k)) or Ellipsis in items[:places[0]]:
        return None
    items, twins = list(items), list(twins)
    for j, p in enumerate(places):
        for mine in (items[p], twins[p]):
            if mine.ndim != k or any(n != 1 for d, n in enumerate(mine.shape) if d != j):
                return None
        a, b = items[p].reshape(-1), twins[p].reshape(-1)
        whole = [np.array_equal(v, np.arange(ctx.shape(0)[p] if v is a else
                                             np.shape(ctx.twin.tensors[0]._data)[p]))
                 for v in (a, b)]
        items[p], twins[p] = (slice(None), slice(None)) if all(whole) else (a, b)
    return tuple(items), tuple(twins)


def advanced(ctx, items, twins):
    """NumPy's rule for several advanced indices (arrays and integers, broadcast together):
    slices first, then the indexed axes moved to the front and read by GatherND; the
    broadcast index shape lands where the indexed axes were when they are adjacent, else
    in front (NumPy's rule)."""
    if any(i is None for i in items):
        raise ctx.error("indexing that mixes None with index arrays is not exportable; "
                        "unsqueeze in a separate step")
    rank = len(ctx.shape(0))
    spread = spread_out(items, twins, rank)
    x = ctx.input(0)
    for axis, (item, other) in enumerate(spread):
        if isinstance(item, slice):
            x = slice_along(ctx, x, item, axis, other)
    indexed = [a for a, (item, _) in enumerate(spread) if not isinstance(item, slice)]
    rest = [a for a in range(rank) if a not in indexed]
    shape = np.broadcast_shapes(*(np.shape(spread[a][0]) for a in indexed))
    if shape != np.broadcast_shapes(*(np.shape(spread[a][1]) for a in indexed)):
        raise ctx.error(f"index arrays of broadcast shape {shape} that follows a dynamic axis "
                        f"are not exportable; leave that axis out of dynamic_axes")
    columns = []
    for a in indexed:
        item, other = (v if is_array(v) else np.asarray(v, dtype=np.int64) for v in spread[a])
        name = ctx.index(item, other, "index array")
        full = ctx.op("Expand", name, ctx.int64s(shape)) if item.shape != shape else name
        columns.append(ctx.op("Unsqueeze", full, ctx.int64s([-1])))
    where = ctx.op("Concat", *columns, axis=-1) if len(columns) > 1 else columns[0]
    if indexed + rest != list(range(rank)):
        x = ctx.op("Transpose", x, perm=indexed + rest)
    out = ctx.op("GatherND", x, where)
    start, count = indexed[0], len(shape)
    if indexed == list(range(start, start + len(indexed))) and start > 0:
        moved = (list(range(count, count + start)) + list(range(count))
                 + list(range(count + start, count + len(rest))))
        out = ctx.op("Transpose", out, perm=moved)
    return out


@emits("Pad (slices); Expand, ScatterElements (other indices, fixed shapes)")
def scatter_add(ctx):
    """zeros(shape) with x added at index: a Pad with zeros when the index is slices of
    step 1 (how ceil-mode pooling grows an image); otherwise every position of x is
    computed now, which needs the shapes fixed."""
    index, _ = ctx.param_index()
    items = index if isinstance(index, tuple) else (index,)
    x = ctx.input(0, ctx.dtype)
    if all(isinstance(i, slice) and i.step in (None, 1) and (i.start or 0) >= 0
           for i in items):
        before, after = ctx.shape(0), ctx.shape()
        starts = [i.start or 0 for i in items] + [0] * (len(after) - len(items))
        ends = [n - b - s for n, b, s in zip(after, before, starts)]
        return ctx.op("Pad", x, ctx.int64s(starts + ends))
    shape = ctx.param("shape")
    ctx.static(0)
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[index]
    flat = ctx.op("Reshape", ctx.op("Expand", x, ctx.int64s(positions.shape)),
                  ctx.int64s([-1]))
    total = ctx.op("ScatterElements", ctx.const(np.zeros(int(np.prod(shape)), ctx.dtype)),
                   ctx.const(positions.reshape(-1)), flat, axis=0, reduction="add")
    return ctx.op("Reshape", total, ctx.int64s(shape))


def slice_along(ctx, x, item, axis, twin=None):
    """x[..., start:stop:step] along ``axis``; a bound that differs in the second run
    (``twin``) is the size of the input axis it follows."""
    twin = item if twin is None else twin
    step = 1 if item.step is None else int(item.step)
    if item.start is None and item.stop is None and step == 1:
        return x
    first, last = (0, INT64_MAX) if step > 0 else (-1, INT64_MIN)
    start, twin_start = (first if v is None else v for v in (item.start, twin.start))
    stop, twin_stop = (last if v is None else v for v in (item.stop, twin.stop))
    return ctx.op("Slice", x, ctx.bound(start, twin_start), ctx.bound(stop, twin_stop),
                  ctx.int64s([axis]), ctx.int64s([step]))


TRANSLATIONS = {
    "Reshape": reshape, "Permute": permute, "Expand": expand, "GetItem": getitem,
    "Cat": cat, "Stack": stack, "ScatterAdd": scatter_add, "IndexPut": index_put,
}
