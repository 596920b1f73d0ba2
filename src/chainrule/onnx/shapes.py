"""Translations of the shape and indexing gates: reshape, permute, expand, indexing, cat,
stack.

These are where a fixed size can hide: a reshape to (32, -1) recorded at batch 32. The
sizes that follow a dynamic axis are known from the two runs (``GateContext.dynamic``), so
a reshape copies such a dimension from its input (ONNX's 0) or infers it (-1), and an
expand leaves it to broadcasting (1); what cannot be written that way is refused.
"""
import numpy as np

from .context import emits

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


@emits("Reshape")
def reshape(ctx):
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
    if spec.count(-1) > 1 or (0 in spec and 0 in [n for d, n in enumerate(out)
                                                   if d not in dynamic_out]):
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


@emits("Concat")
def cat(ctx):
    return ctx.op("Concat", *ctx.inputs(ctx.dtype), axis=int(ctx.param("dim")))


@emits("Unsqueeze, Concat")
def stack(ctx):
    dim = int(ctx.param("dim"))
    axes = ctx.int64s([dim])
    parts = [ctx.op("Unsqueeze", x, axes) for x in ctx.inputs(ctx.dtype)]
    return ctx.op("Concat", *parts, axis=dim)


@emits("Slice, Gather, Unsqueeze")
def getitem(ctx):
    """x[index] as NumPy reads it: slices (Slice), integers (Gather, which drops the axis),
    None (Unsqueeze), Ellipsis, and one integer array (Gather, as Embedding does)."""
    index, twin = ctx.param_index()
    items = index if isinstance(index, tuple) else (index,)
    twins = twin if isinstance(twin, tuple) else (twin,)
    check_advanced(ctx, items)
    x, axis = ctx.input(0), 0
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    for item, other in zip(items, twins):
        if item is Ellipsis:
            axis += len(ctx.shape(0)) - consumed
        elif item is None:
            x = ctx.op("Unsqueeze", x, ctx.int64s([axis]))
            axis += 1
        elif isinstance(item, slice):
            x = slice_along(ctx, x, item, axis)
            axis += 1
        elif isinstance(item, np.ndarray) and item.ndim > 0:
            x = ctx.op("Gather", x, ctx.index(item, other, "index array"), axis=axis)
            axis += item.ndim
        else:   # an integer: Gather with a 0-d index drops the axis
            x = ctx.op("Gather", x, ctx.const(np.int64(item)), axis=axis)
    return x


def check_advanced(ctx, items):
    arrays = [i for i in items if isinstance(i, np.ndarray) and i.ndim > 0]
    if any(a.dtype.kind == "b" for a in arrays):
        raise ctx.error("indexing with a boolean mask gives a size that depends on the values; "
                        "ONNX export needs a fixed rule: use where() or an index array")
    if any(a.dtype.kind not in "iu" for a in arrays):
        raise ctx.error("indexing with a non-integer array is not exportable")
    others = [i for i in items if isinstance(i, (int, np.integer)) or
              isinstance(i, np.ndarray) and i.ndim == 0]
    if arrays and (len(arrays) > 1 or others):
        raise ctx.error("indexing with several index arrays, or an index array and an "
                        "integer, follows NumPy's rule for combined advanced indices, which "
                        "export does not write; index in two steps (x[i][:, j])")


def slice_along(ctx, x, item, axis):
    start, stop, step = item.start, item.stop, item.step
    step = 1 if step is None else int(step)
    if start is None and stop is None and step == 1:
        return x
    if start is None:
        start = 0 if step > 0 else -1
    if stop is None:
        stop = INT64_MAX if step > 0 else INT64_MIN
    return ctx.op("Slice", x, ctx.int64s([start]), ctx.int64s([stop]), ctx.int64s([axis]),
                  ctx.int64s([step]))


TRANSLATIONS = {
    "Reshape": reshape, "Permute": permute, "Expand": expand, "GetItem": getitem,
    "Cat": cat, "Stack": stack,
}
