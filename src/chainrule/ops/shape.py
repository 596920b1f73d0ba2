"""Shape gates: reshape, permute, expand, indexing (and its scatter-add), cat, stack.

Views of the data, no arithmetic: each backward moves the gradient back to where the
elements came from. ``squeeze``, ``unsqueeze``, ``flatten`` and ``view`` are reshapes;
``transpose`` and ``.T`` are permutes; ``split`` and ``chunk`` are slices.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import array_index_put, array_scatter_add
from ..tensor import Size, Tensor, api, new_tensor
from .reduce import normalize_dims


class Reshape(Gate):
    returns_view = True   # its output may be a view: it then shares x's version
    label = "reshape"
    formula = "reshape(x, shape)"
    derivatives = {"x": "reshape(g, input_shape)"}
    saves = ("shape", "input_shape")

    def forward(self, x, shape):
        self.shape = shape
        self.input_shape = x.shape
        try:
            return x.reshape(shape)   # the method: np.reshape's wrapper costs twice as much
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.input_shape} "
                             f"({np.size(x)} elements) into shape {tuple(shape)}") from None


class Permute(Gate):
    returns_view = True   # its output may be a view: it then shares x's version
    label = "permute"
    formula = "permute(x, dims)"
    derivatives = {"x": "permute(g, inverse_permutation(dims))"}
    saves = ("dims",)

    def forward(self, x, dims):
        if sorted(d % max(np.ndim(x), 1) for d in dims) != list(range(np.ndim(x))):
            raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the "
                             f"{np.ndim(x)} dimensions of a tensor of shape {np.shape(x)}")
        self.dims = tuple(d % np.ndim(x) for d in dims)
        return np.transpose(x, self.dims)


class Expand(Gate):
    returns_view = True   # its output may be a view: it then shares x's version
    label = "expand"
    formula = "broadcast_to(x, shape)"
    derivatives = {"x": "unbroadcast(g, input_shape)"}
    saves = ("shape", "input_shape")

    def forward(self, x, shape):
        self.input_shape = np.shape(x)
        lead = len(shape) - len(self.input_shape)
        if lead < 0:
            raise ValueError(f"expand: cannot expand shape {self.input_shape} to fewer "
                             f"dimensions {tuple(shape)}")
        self.shape = tuple(self.input_shape[i - lead] if n == -1 else n
                           for i, n in enumerate(shape))
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(f"expand: cannot expand shape {self.input_shape} to {self.shape}; "
                             f"only dimensions of size 1 can grow") from None


class GetItem(Gate):
    returns_view = True   # its output may be a view: it then shares x's version
    """``x[index]``: ints, slices, None, Ellipsis, integer arrays (repeats accumulate), masks."""

    label = "[]"
    formula = "x[index]"
    derivatives = {"x": "unindex(g, shape, index)"}
    saves = ("index", "shape")

    def forward(self, x, index):
        self.index = index
        self.shape = np.shape(x)
        try:
            out = x[index]
            if isinstance(out, np.generic) and isinstance(x, np.ndarray):
                # one element: NumPy gives a scalar copy, PyTorch a 0-d view (x[0] += 1
                # changes x); an Ellipsis at the end asks NumPy for the view
                out = x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
            return out
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor of shape {self.shape})") from None


class ScatterAdd(Gate):
    """The backward of indexing as a gate of its own, so that it can be differentiated again:
    a zero tensor of ``shape`` with ``x`` added at ``index``."""

    label = "scatter_add"
    formula = "scatter_add(x, shape, index)"
    derivatives = {"x": "g[index]"}
    saves = ("shape", "index")

    def forward(self, x, shape, index):
        self.shape = shape
        self.index = index
        return array_scatter_add(x, shape, index)


class IndexPut(Gate):
    """``x[index] = y`` out of place (PyTorch's ``index_put``): a copy of ``x`` with ``y``
    (broadcast, cast to ``x``'s dtype) written at ``index``. The written places take their
    gradient to ``y``, the others to ``x``. ``x[...] = y`` is ``copy_``, ``fill_``, ``zero_``."""

    label = "[]="
    inputs = ("x", "y")
    formula = "index_put(x, index, y)"
    derivatives = {"x": "g * keep", "y": "g[index]"}
    saves = ("index", "keep")

    def forward(self, x, y, index):
        self.index = index
        out = array_index_put(x, index, y)
        keep = np.ones(out.shape, dtype=out.dtype)
        keep[index] = 0
        self.keep = keep
        return out


class Cat(Gate):
    """Concatenation along ``dim``; each input gets back its slice of the gradient."""

    label = "cat"
    inputs = ("xs",)
    formula = "cat(xs, dim)"
    derivatives = {"xs": "split(g, sizes, dim)"}
    saves = ("dim", "sizes")

    def forward(self, *xs, dim=0):
        self.inputs = tuple(f"x{i}" for i in range(len(xs)))
        self.dim = dim
        self.sizes = tuple(np.shape(x)[dim] for x in xs)
        try:
            return np.concatenate(xs, axis=dim)
        except ValueError:
            raise ValueError(f"cat: shapes {[np.shape(x) for x in xs]} differ outside dim {dim}; "
                             f"all but the concatenated dimension must match") from None


class Stack(Gate):
    label = "stack"
    inputs = ("xs",)
    formula = "stack(xs, dim)"
    derivatives = {"xs": "unbind(g, dim)"}
    saves = ("dim",)

    def forward(self, *xs, dim=0):
        self.inputs = tuple(f"x{i}" for i in range(len(xs)))
        self.dim = dim
        try:
            return np.stack(xs, axis=dim)
        except ValueError:
            raise ValueError(f"stack: all tensors must have the same shape, got "
                             f"{[np.shape(x) for x in xs]}") from None


def normalize_index(index):
    """Tensors and lists inside an index become arrays (PyTorch treats a list as an array)."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray([i.item() if isinstance(i, Tensor) else i for i in index])
    return index


@api(methods=("reshape", "view"))
def reshape(x, *shape):
    """``x`` with the same elements in ``shape`` (-1: the size that fits); a view when
    NumPy can make one.

    >>> import chainrule as cr
    >>> cr.reshape(cr.arange(6), (2, -1)).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Reshape.apply(x, shape=tuple(shape))


@api(methods=("permute",))
def permute(x, *dims):
    """``x`` with its dimensions reordered as ``dims``.

    >>> import chainrule as cr
    >>> cr.permute(cr.zeros(2, 3, 4), (2, 0, 1)).shape
    chainrule.Size([4, 2, 3])
    """
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    return Permute.apply(x, dims=tuple(dims))


@api(methods=("transpose", "swapaxes"))
def transpose(x, dim0, dim1):
    """``x`` with dimensions ``dim0`` and ``dim1`` swapped.

    >>> import chainrule as cr
    >>> cr.transpose(cr.zeros(2, 3, 4), 0, 2).shape
    chainrule.Size([4, 3, 2])
    """
    if x.ndim == 0:   # dims 0 and -1 of a scalar: the scalar itself, as in PyTorch
        normalize_dims((dim0, dim1), 0, "transpose")
        return Permute.apply(x, dims=())
    dim0, dim1 = normalize_dims((dim0, dim1), x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(x, dims=tuple(dims))


@api(methods=("expand",))
def expand(x, *shape):
    """``x`` broadcast to ``size`` (-1 keeps a dimension) without copying: a view, whose
    gradient sums over the broadcast dimensions.

    >>> import chainrule as cr
    >>> cr.expand(cr.tensor([[1], [2]]), 2, 3).tolist()
    [[1, 1, 1], [2, 2, 2]]
    """
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Expand.apply(x, shape=tuple(shape))


@api(methods=("squeeze",))
def squeeze(x, dim=None):
    """``x`` without its dimensions of size 1 (only ``dim``'s, when given).

    >>> import chainrule as cr
    >>> cr.squeeze(cr.zeros(1, 3, 1)).shape, cr.squeeze(cr.zeros(1, 3, 1), 0).shape
    (chainrule.Size([3]), chainrule.Size([3, 1]))
    """
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = set(normalize_dims(dim, x.ndim, "squeeze") or ())
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return Reshape.apply(x, shape=shape)


@api(methods=("unsqueeze",))
def unsqueeze(x, dim):
    """``x`` with a dimension of size 1 inserted at ``dim``.

    >>> import chainrule as cr
    >>> cr.unsqueeze(cr.zeros(2, 3), -1).shape
    chainrule.Size([2, 3, 1])
    """
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} "
                         f"dimensions (valid: {-x.ndim - 1} to {x.ndim})")
    dim = dim % (x.ndim + 1)
    return Reshape.apply(x, shape=x.shape[:dim] + (1,) + x.shape[dim:])


@api(methods=("flatten",))
def flatten(x, start_dim=0, end_dim=-1):
    """``x`` with dimensions ``start_dim`` to ``end_dim`` merged into one.

    >>> import chainrule as cr
    >>> cr.flatten(cr.zeros(2, 3, 4), 1).shape
    chainrule.Size([2, 12])
    """
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    start, end = normalize_dims((start_dim, end_dim), x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                         f"tensor with {x.ndim} dimensions")
    merged = int(np.prod(x.shape[start:end + 1]))   # not -1: a size-0 tensor has no -1
    return Reshape.apply(x, shape=x.shape[:start] + (merged,) + x.shape[end + 1:])


@api(name=False, methods=("__getitem__",))
def getitem(x, index):
    return GetItem.apply(x, index=normalize_index(index))


@api(methods=("scatter_add",))
def scatter_add(x, dim, index, src=None):
    """PyTorch's ``scatter_add(input, dim, index, src)``: ``input`` with ``src``'s elements
    added at ``index`` along ``dim`` (repeated indices add up), an addition of the
    ``ScatterAdd`` gate. Called with three arguments, ``scatter_add(g, shape, index)``, it is
    that gate itself: zeros of ``shape`` with ``g`` added at the NumPy ``index``.

    >>> import chainrule as cr
    >>> cr.zeros(3).scatter_add(0, cr.tensor([0, 2, 2]), cr.ones(3)).tolist()
    [1.0, 0.0, 2.0]
    """
    if src is None:   # the gate's own form: (g, shape, index)
        return ScatterAdd.apply(x, shape=dim, index=index)
    if x.ndim == 0:   # a scalar: as a one-element vector
        return scatter_add(x.reshape(1), dim, index.reshape(-1), as_vector(src)).reshape(())
    idx = along(x, dim, index, "scatter_add")
    return x + ScatterAdd.apply(src_part(src, index), shape=x.shape, index=idx)


def index_array(index, op):
    """An integer index (a tensor, a list) as an int64 array."""
    array = np.asarray(index._data if isinstance(index, Tensor) else index)
    if array.dtype.kind not in "iu" and array.size:
        raise TypeError(f"{op}: index must be an integer tensor, got {array.dtype}")
    return array.astype(np.int64, copy=False)


def along(x, dim, index, op):
    """The NumPy index that picks ``x[..., index[i, j, k], ...]`` with ``index`` at ``dim``
    and each other axis running over ``index``'s own range: PyTorch's ``gather`` and
    ``scatter`` addressing."""
    ndim = max(x.ndim, 1)
    index = index_array(index, op).reshape(index.shape if index.ndim else (1,) * ndim)
    dim = normalize_dims(dim, ndim, op)[0]
    if index.ndim != ndim:
        raise ValueError(f"{op}: index ({index.ndim} dimensions) must have as many dimensions "
                         f"as the input ({x.ndim})")
    shape = x.shape or (1,)
    if np.size(index) and (index.max() >= shape[dim] or index.min() < -shape[dim]):
        raise IndexError(f"{op}: index {int(index.max())} is out of bounds for dimension {dim} "
                         f"of size {shape[dim]}")
    grids = np.ogrid[tuple(slice(0, n) for n in index.shape)]
    return tuple(index if a == dim else grids[a] for a in range(ndim))


def as_vector(src):
    return src.reshape(-1) if isinstance(src, Tensor) else src


def src_part(src, index):
    """The part of ``src`` that scatter reads: its leading corner of ``index``'s shape."""
    if not isinstance(src, Tensor) or src.ndim == 0:
        return src
    return src[tuple(slice(0, n) for n in index.shape)]


@api(methods=("gather",))
def gather(x, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = x[i][index[i][j][k]][k]`` for ``dim`` 1 (PyTorch's ``gather``): an
    indexing (``GetItem``), whose gradient adds up at repeated indices.

    >>> import chainrule as cr
    >>> cr.gather(cr.tensor([[1, 2], [3, 4]]), 1, cr.tensor([[0, 0], [1, 0]])).tolist()
    [[1, 1], [4, 3]]
    """
    if np.size(getattr(index, "_data", index)) == 0:   # an empty index picks nothing
        return GetItem.apply(x.reshape(-1), index=np.zeros(np.shape(getattr(index, "_data",
                                                                         index)), np.int64))
    if x.ndim == 0:
        return GetItem.apply(x.reshape(1), index=along(x, dim, index, "gather")).reshape(
            np.shape(getattr(index, "_data", index)))
    return GetItem.apply(x, index=along(x, dim, index, "gather"))


@api(methods=("take_along_dim",))
def take_along_dim(x, indices, dim=None):
    """``gather`` with ``x`` and ``indices`` broadcast against each other outside ``dim``
    (the flattened ``x`` when ``dim`` is None): an indexing (``GetItem``).

    >>> import chainrule as cr
    >>> x = cr.tensor([[10.0, 30.0, 20.0]])
    >>> cr.take_along_dim(x, cr.argsort(x, 1), 1).tolist()
    [[10.0, 20.0, 30.0]]
    """
    if dim is None:
        return GetItem.apply(x.reshape(-1), index=index_array(indices, "take_along_dim")
                             .reshape(-1))
    dim = normalize_dims(dim, x.ndim, "take_along_dim")[0]
    shape = list(np.broadcast_shapes(x.shape[:dim] + (1,) + x.shape[dim + 1:],
                                     indices.shape[:dim] + (1,) + indices.shape[dim + 1:]))
    x_shape, i_shape = list(shape), list(shape)
    x_shape[dim], i_shape[dim] = x.shape[dim], indices.shape[dim]
    index = np.broadcast_to(index_array(indices, "take_along_dim"), i_shape)
    return gather(x.expand(*x_shape), dim, index)


@api(methods=("scatter",))
def scatter(x, dim, index, src=None, value=None, *, reduce=None):
    """``x`` with ``src``'s elements (or the number ``value``) written at ``index`` along
    ``dim`` (PyTorch's ``scatter``, out of place): the ``IndexPut`` gate. ``reduce="add"``
    adds instead (``scatter_add``).

    >>> import chainrule as cr
    >>> cr.zeros(2, 3).scatter(1, cr.tensor([[2], [0]]), 5.0).tolist()
    [[0.0, 0.0, 5.0], [5.0, 0.0, 0.0]]
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: give src (a tensor) or value (a number)")
    if x.ndim == 0:   # a scalar: as a one-element vector
        return scatter(x.reshape(1), dim, index.reshape(-1), as_vector(src),
                       reduce=reduce).reshape(())
    if reduce == "add":
        return scatter_add(x, dim, index, src if isinstance(src, Tensor) else
                           x.new_full(index.shape, src))
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported ('add' is); "
                                  f"use scatter_reduce's math by hand")
    part = src_part(src, index)
    if not isinstance(part, Tensor):
        part = x.new_full(index.shape, part)
    return IndexPut.apply(x, part, index=along(x, dim, index, "scatter"))


@api(methods=("index_select",))
def index_select(x, dim, index):
    """The slices of ``x`` at ``index`` (1-D) along ``dim``: an indexing (``GetItem``).

    >>> import chainrule as cr
    >>> cr.index_select(cr.tensor([[1, 2], [3, 4], [5, 6]]), 0, cr.tensor([2, 0])).tolist()
    [[5, 6], [1, 2]]
    """
    positions = index_array(index, "index_select").reshape(-1)
    if x.ndim == 0:
        return GetItem.apply(x.reshape(1), index=positions).reshape(())
    dim = normalize_dims(dim, x.ndim, "index_select")[0]
    return GetItem.apply(x, index=(slice(None),) * dim + (positions,))


@api(methods=("index_add",))
def index_add(x, dim, index, source, *, alpha=1):
    """``x`` with ``alpha * source``'s slices added at ``index`` along ``dim`` (repeated
    indices add up): ``x`` plus a ``ScatterAdd``.

    >>> import chainrule as cr
    >>> cr.index_add(cr.zeros(3), 0, cr.tensor([0, 0, 2]), cr.tensor([1.0, 2.0, 3.0])).tolist()
    [3.0, 0.0, 3.0]
    """
    dim = normalize_dims(dim, max(x.ndim, 1), "index_add")[0]
    positions = index_array(index, "index_add").reshape(-1)
    added = source if alpha == 1 else source * alpha
    if x.ndim == 0:
        return x + ScatterAdd.apply(added.reshape(1), shape=(1,), index=positions).reshape(())
    return x + ScatterAdd.apply(added, shape=x.shape,
                                index=(slice(None),) * dim + (positions,))


@api(methods=("masked_select",))
def masked_select(x, mask):
    """The elements of ``x`` where ``mask`` (broadcast with ``x``) holds, as a 1-D tensor:
    an indexing (``GetItem``) with a boolean mask.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, -2.0, 3.0])
    >>> cr.masked_select(x, x > 0).tolist()
    [1.0, 3.0]
    """
    cond = np.asarray(mask._data if isinstance(mask, Tensor) else mask, bool)
    shape = np.broadcast_shapes(x.shape, cond.shape)
    return GetItem.apply(x.expand(*shape) if x.shape != shape else x,
                         index=np.broadcast_to(cond, shape))


def triangle(x, diagonal, upper, op):
    if x.ndim < 2:
        raise ValueError(f"{op}: needs a tensor of at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    keep = (np.triu if upper else np.tril)(np.ones(x.shape[-2:], bool), diagonal)
    zero = x.new_zeros(())
    return x.where(new_tensor(keep, None), zero)


@api(methods=("tril",))
def tril(x, diagonal=0):
    """The lower triangle of the last two dimensions (on and below ``diagonal``), zeros
    elsewhere: a ``where``, so the gradient reaches only the kept elements.

    >>> import chainrule as cr
    >>> cr.tril(cr.ones(3, 3)).tolist()
    [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    """
    return triangle(x, diagonal, False, "tril")


@api(methods=("triu",))
def triu(x, diagonal=0):
    """The upper triangle (on and above ``diagonal``), zeros elsewhere: a ``where``.

    >>> import chainrule as cr
    >>> cr.triu(cr.ones(2, 3), diagonal=1).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """
    return triangle(x, diagonal, True, "triu")


def diagonal_index(rows, cols, offset):
    """Row and column numbers of the diagonal ``offset`` of a rows x cols matrix."""
    start_r, start_c = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_r, cols - start_c), 0)
    return np.arange(start_r, start_r + n), np.arange(start_c, start_c + n)


@api(methods=("diagonal",))
def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the matrices in dims ``dim1`` and ``dim2``, as the last
    dimension: a permute, then an indexing (``GetItem``).

    >>> import chainrule as cr
    >>> cr.diagonal(cr.arange(9).reshape(3, 3)).tolist()
    [0, 4, 8]
    """
    dim1, dim2 = normalize_dims((dim1, dim2), x.ndim, "diagonal")
    if dim1 == dim2:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {dim1}")
    rest = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    moved = x.permute(*rest, dim1, dim2)
    rows, cols = diagonal_index(x.shape[dim1], x.shape[dim2], offset)
    return GetItem.apply(moved, index=(Ellipsis, rows, cols))


@api(methods=("diag",))
def diag(x, diagonal=0):
    """A 1-D ``x`` as the diagonal ``diagonal`` of a square matrix (``IndexPut`` into
    zeros), or a 2-D ``x``'s diagonal ``diagonal`` (``GetItem``).

    >>> import chainrule as cr
    >>> cr.diag(cr.tensor([1, 2])).tolist(), cr.diag(cr.tensor([[1, 2], [3, 4]])).tolist()
    ([[1, 0], [0, 2]], [1, 4])
    """
    if x.ndim == 1:
        n = x.shape[0] + abs(diagonal)
        rows, cols = diagonal_index(n, n, diagonal)
        return IndexPut.apply(x.new_zeros((n, n)), x, index=(rows, cols))
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {tuple(x.shape)}")


@api(methods=("trace",))
def trace(x):
    """The sum of a matrix's diagonal: ``diagonal(x).sum()``.

    >>> import chainrule as cr
    >>> cr.trace(cr.arange(9.0).reshape(3, 3)).item()
    12.0
    """
    if x.ndim != 2:
        raise ValueError(f"trace: expects a matrix, got shape {tuple(x.shape)}")
    return diagonal(x).sum()


@api(methods=("flip",))
def flip(x, dims):
    """``x`` with its order reversed along each of ``dims``: an indexing (``GetItem``).

    >>> import chainrule as cr
    >>> cr.flip(cr.arange(4).reshape(2, 2), [0, 1]).tolist()
    [[3, 2], [1, 0]]
    """
    dims = normalize_dims(dims, x.ndim, "flip") or ()
    return GetItem.apply(x, index=tuple(slice(None, None, -1) if d in dims else slice(None)
                                        for d in range(x.ndim)))


@api(methods=("fliplr",))
def fliplr(x):
    """``flip(x, [1])``.

    >>> import chainrule as cr
    >>> cr.fliplr(cr.arange(4).reshape(2, 2)).tolist()
    [[1, 0], [3, 2]]
    """
    return flip(x, [1])


@api(methods=("flipud",))
def flipud(x):
    """``flip(x, [0])``.

    >>> import chainrule as cr
    >>> cr.flipud(cr.arange(4).reshape(2, 2)).tolist()
    [[2, 3], [0, 1]]
    """
    return flip(x, [0])


@api(methods=("roll",))
def roll(x, shifts, dims=None):
    """``x`` rolled by ``shifts`` along ``dims`` (the flattened ``x`` when None), elements
    leaving one end coming back at the other: indexings (``GetItem``).

    >>> import chainrule as cr
    >>> cr.roll(cr.arange(5), 2).tolist()
    [3, 4, 0, 1, 2]
    """
    if dims is None:
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = x
    for shift, dim in zip(shifts, dims):
        dim = normalize_dims(dim, x.ndim, "roll")[0]
        positions = np.roll(np.arange(x.shape[dim]), shift)
        out = GetItem.apply(out, index=(slice(None),) * dim + (positions,))
    return out


@api(methods=("rot90",))
def rot90(x, k=1, dims=(0, 1)):
    """``x`` rotated by ``k`` quarter turns from ``dims[0]`` towards ``dims[1]``: flips and
    a transpose, as PyTorch composes it.

    >>> import chainrule as cr
    >>> cr.rot90(cr.arange(4).reshape(2, 2)).tolist()
    [[1, 3], [0, 2]]
    """
    d0, d1 = normalize_dims(tuple(dims), x.ndim, "rot90")
    if d0 == d1:
        raise ValueError(f"rot90: dims must differ, got {tuple(dims)}")
    k %= 4
    if k == 1:
        return flip(x, [d1]).transpose(d0, d1)
    if k == 2:
        return flip(x, [d0, d1])
    if k == 3:
        return flip(x, [d0]).transpose(d0, d1)
    return x * 1 if x.requires_grad else x.clone()


def sizes_of(sizes):
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes


@api(name=False, methods=("repeat",))
def repeat(x, *sizes):
    """``x`` repeated ``sizes[d]`` times along each dimension (``sizes`` may be longer than
    ``x.ndim``: new leading dimensions), PyTorch's ``Tensor.repeat``: one indexing
    (``GetItem``), whose gradient adds up the copies.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    sizes = tuple(int(n) for n in sizes_of(sizes))
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: give at least as many repeats ({len(sizes)}) as the tensor "
                         f"has dimensions ({x.ndim})")
    x = x.reshape((1,) * (len(sizes) - x.ndim) + tuple(x.shape))
    index = np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(x.shape, sizes)])
    return GetItem.apply(x, index=index) if sizes else x * 1


@api(methods=("tile",))
def tile(x, dims):
    """``repeat`` with ``dims`` padded by leading 1s to ``x``'s dimensions.

    >>> import chainrule as cr
    >>> cr.tile(cr.tensor([1, 2]), (2, 2)).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    dims = tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


@api(methods=("repeat_interleave",))
def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) of ``x`` repeated ``repeats`` times in place
    (the flattened ``x`` when ``dim`` is None): an indexing (``index_select``). With
    ``repeats`` None, ``x`` holds the repeats, and the result is ``arange(len(x))``
    repeated by them.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2]).repeat_interleave(2).tolist()
    [1, 1, 2, 2]
    """
    if repeats is None:
        counts = index_array(x, "repeat_interleave")
        return new_tensor(np.repeat(np.arange(len(counts)), counts), None)
    if dim is None:
        x, dim = x.reshape(-1), 0
    dim = normalize_dims(dim, x.ndim, "repeat_interleave")[0]
    counts = repeats if isinstance(repeats, int) else index_array(repeats, "repeat_interleave")
    return index_select(x, dim, np.repeat(np.arange(x.shape[dim]), counts))


@api(methods=("select",))
def select(x, dim, index):
    """The slice of ``x`` at ``index`` along ``dim``, that dimension removed.

    >>> import chainrule as cr
    >>> cr.select(cr.arange(6).reshape(2, 3), 1, 2).tolist()
    [2, 5]
    """
    dim = normalize_dims(dim, x.ndim, "select")[0]
    return x[(slice(None),) * dim + (index,)]


@api(methods=("unbind",))
def unbind(x, dim=0):
    """The slices of ``x`` along ``dim``, as a tuple (``select`` each).

    >>> import chainrule as cr
    >>> [t.tolist() for t in cr.unbind(cr.arange(4).reshape(2, 2), 1)]
    [[0, 2], [1, 3]]
    """
    dim = normalize_dims(dim, x.ndim, "unbind")[0]
    return tuple(select(x, dim, i) for i in range(x.shape[dim]))


@api(methods=("narrow",))
def narrow(x, dim, start, length):
    """``length`` elements of ``x`` from ``start`` along ``dim``: a slice.

    >>> import chainrule as cr
    >>> cr.narrow(cr.arange(6), 0, 1, 3).tolist()
    [1, 2, 3]
    """
    dim = normalize_dims(dim, x.ndim, "narrow")[0]
    start = int(start) + (x.shape[dim] if int(start) < 0 else 0)
    if start < 0 or length < 0 or start + length > x.shape[dim]:
        raise IndexError(f"narrow: start {start} and length {length} exceed dimension {dim} "
                         f"of size {x.shape[dim]}")
    return x[(slice(None),) * dim + (slice(start, start + length),)]


@api(methods=("movedim", "moveaxis"))
def movedim(x, source, destination):
    """``x`` with the dimensions ``source`` moved to ``destination`` (the others keeping
    their order): a ``permute``.

    >>> import chainrule as cr
    >>> cr.movedim(cr.zeros(2, 3, 4), 0, -1).shape
    chainrule.Size([3, 4, 2])
    """
    src = normalize_dims(source, x.ndim, "movedim") or ()
    dst = normalize_dims(destination, x.ndim, "movedim") or ()
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must have "
                         f"the same number of dimensions")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x.permute(*order)


@api(name="swapdims", methods=("swapdims",))
def swapdims(x, dim0, dim1):
    """``transpose(x, dim0, dim1)``.

    >>> import chainrule as cr
    >>> cr.swapdims(cr.zeros(2, 3, 4), 0, 1).shape
    chainrule.Size([3, 2, 4])
    """
    return transpose(x, dim0, dim1)


@api
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors, ``indexing`` 'ij' (matrix) or 'xy' (Cartesian):
    each input reshaped and expanded (``Expand``), so gradients sum over the grid.

    >>> import chainrule as cr
    >>> a, b = cr.meshgrid(cr.tensor([1, 2]), cr.tensor([3, 4, 5]), indexing='ij')
    >>> a.tolist(), b.shape
    ([[1, 1, 1], [2, 2, 2]], chainrule.Size([2, 3]))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if indexing == "xy" and len(tensors) >= 2:
        grids = meshgrid(tensors[1], tensors[0], *tensors[2:])
        return (grids[1], grids[0]) + tuple(grids[2:])
    shape = tuple(t.numel() for t in tensors)
    return tuple(t.reshape((1,) * i + (-1,) + (1,) * (len(tensors) - i - 1)).expand(*shape)
                 for i, t in enumerate(tensors))


@api
def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one per row (``meshgrid``, stacked).

    >>> import chainrule as cr
    >>> cr.cartesian_prod(cr.tensor([1, 2]), cr.tensor([3, 4])).tolist()
    [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    if len(tensors) == 1:
        return tensors[0] * 1 if tensors[0].requires_grad else tensors[0].clone()
    return stack([grid.reshape(-1) for grid in meshgrid(*tensors)], dim=1)


@api(methods=("nonzero",))
def nonzero(x, *, as_tuple=False):
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor
    per dimension with ``as_tuple``; no gradient.

    >>> import chainrule as cr
    >>> cr.nonzero(cr.tensor([[0, 1], [2, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    data = x._data
    if as_tuple:
        return tuple(new_tensor(i.astype(np.int64), None)
                     for i in np.nonzero(np.atleast_1d(data)))
    return new_tensor(np.argwhere(data).astype(np.int64), None)


@api(methods=("argwhere",))
def argwhere(x):
    """``nonzero(x)``.

    >>> import chainrule as cr
    >>> cr.argwhere(cr.tensor([0, 3, 0, 4])).tolist()
    [[1], [3]]
    """
    return nonzero(x)


@api(methods=("unique",))
def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements of ``x`` (or slices along ``dim``) in ascending order, with the
    inverse indices and counts when asked; no gradient.

    >>> import chainrule as cr
    >>> values, counts = cr.unique(cr.tensor([3, 1, 3, 2]), return_counts=True)
    >>> values.tolist(), counts.tolist()
    ([1, 2, 3], [1, 1, 2])
    """
    data = x._data
    if dim is not None:
        dim = normalize_dims(dim, data.ndim, "unique")[0]
    values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True,
                                        axis=dim)
    out = [new_tensor(values, None)]
    if return_inverse:
        out.append(new_tensor(inverse.reshape(data.shape if dim is None else -1)
                              .astype(np.int64), None))
    if return_counts:
        out.append(new_tensor(counts.astype(np.int64), None))
    return out[0] if len(out) == 1 else tuple(out)


@api(methods=("bincount",))
def bincount(x, weights=None, minlength=0):
    """How many times each non-negative integer occurs in the 1-D ``x`` (summed ``weights``
    instead, when given); no gradient.

    >>> import chainrule as cr
    >>> cr.bincount(cr.tensor([0, 2, 2, 3])).tolist()
    [1, 0, 2, 1]
    """
    data = index_array(x, "bincount")
    if data.ndim != 1 or (data.size and data.min() < 0):
        raise ValueError("bincount: x must be a 1-D tensor of non-negative integers")
    w = None if weights is None else np.asarray(getattr(weights, "_data", weights))
    counts = np.bincount(data, w, minlength=minlength)
    dtype = np.int64 if w is None else (w.dtype if w.dtype.kind == "f" else np.float64)
    return new_tensor(counts.astype(dtype), None)


@api(methods=("histc",))
def histc(x, bins=100, min=0, max=0):  # noqa: A002
    """A histogram of ``x`` in ``bins`` equal bins over [min, max] (the data's range when
    both are 0); elements outside are left out; no gradient.

    >>> import chainrule as cr
    >>> cr.histc(cr.tensor([0.5, 1.5, 1.7, 3.0]), bins=3, min=0, max=3).tolist()
    [1.0, 2.0, 1.0]
    """
    data = x._data
    if data.dtype.kind != "f":
        raise TypeError(f"histc: x must be a float tensor, got {data.dtype}")
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    counts, _ = np.histogram(data, bins=bins, range=(low, high))
    return new_tensor(counts.astype(data.dtype), None)


@api
def cat(tensors, dim=0):
    """Join tensors along an existing dimension.

    >>> import chainrule as cr
    >>> cr.cat([cr.zeros(2), cr.ones(1)]).tolist()
    [0.0, 0.0, 1.0]
    """
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    # as PyTorch, 1-D empty tensors are left out when the others have more dimensions
    kept = [t for t in tensors if np.shape(getattr(t, "_data", t)) != (0,)]
    if kept and len(kept) < len(tensors) and np.ndim(getattr(kept[0], "_data", kept[0])) > 1:
        tensors = kept
    return Cat.apply(*tensors, dim=dim)


@api
def stack(tensors, dim=0):
    """The tensors stacked along a new dimension ``dim`` (the same shape each).

    >>> import chainrule as cr
    >>> cr.stack([cr.tensor([1, 2]), cr.tensor([3, 4])], dim=1).tolist()
    [[1, 3], [2, 4]]
    """
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    return Stack.apply(*tensors, dim=dim)


@api(methods=("split",))
def split(x, split_size_or_sections, dim=0):
    """Pieces of ``x`` along ``dim``: of equal size (the last may be smaller) or of the sizes given.

    >>> import chainrule as cr
    >>> [t.tolist() for t in cr.split(cr.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [min(step, n - a) for a in range(0, n, step)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, but dim {dim} has "
                             f"size {n}")
    lead = (slice(None),) * (dim % x.ndim)
    bounds = np.cumsum([0] + sizes)
    return tuple(x[lead + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:]))


@api(methods=("chunk",))
def chunk(x, chunks, dim=0):
    """``x`` split into ``chunks`` pieces along ``dim`` (the last may be smaller).

    >>> import chainrule as cr
    >>> [t.tolist() for t in cr.chunk(cr.arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    """
    if chunks < 1:
        raise ValueError(f"chunk: chunks must be at least 1, got {chunks}")
    return split(x, -(-x.shape[dim] // chunks), dim)


@api(name="concat")
def concat(tensors, dim=0):
    """PyTorch's other name for ``cat``.

    >>> import chainrule as cr
    >>> cr.concat([cr.tensor([1]), cr.tensor([2, 3])]).tolist()
    [1, 2, 3]
    """
    return cat(tensors, dim)


@api(name=False, methods=("view_as", "reshape_as"))
def view_as(x, other):
    """``x`` reshaped to ``other``'s shape."""
    return reshape(x, other.shape)


@api(name=False, methods=("expand_as",))
def expand_as(x, other):
    return expand(x, other.shape)


@api(methods=("t",))
def t(x):
    """The transpose of a matrix; a 0-d or 1-d tensor is returned as it is.

    >>> import chainrule as cr
    >>> cr.t(cr.zeros(2, 3)).shape
    chainrule.Size([3, 2])
    """
    return transpose(x, 0, 1) if x.ndim == 2 else x


Tensor.T = property(lambda x: permute(x, tuple(range(x.ndim - 1, -1, -1))),
                    doc="All dimensions reversed (a matrix's transpose).")
Tensor.mT = property(lambda x: transpose(x, -2, -1),
                     doc="The last two dimensions swapped (a batch of matrices transposed).")


@api
def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to, as a ``Size``.

    >>> import chainrule as cr
    >>> cr.broadcast_shapes((2, 1), (3,))
    chainrule.Size([2, 3])
    """
    return Size(np.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))


@api
def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (``Expand``).

    >>> import chainrule as cr
    >>> a, b = cr.broadcast_tensors(cr.tensor([[1], [2]]), cr.tensor([3, 4, 5]))
    >>> a.shape, b.tolist()
    (chainrule.Size([2, 3]), [[3, 4, 5], [3, 4, 5]])
    """
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t.expand(*shape) for t in tensors)


def at_least(x, ndim):
    shape = tuple(x.shape)
    if len(shape) >= ndim:
        return x
    if ndim == 3 and len(shape) == 2:
        return x.reshape(shape + (1,))
    if ndim == 3 and len(shape) == 1:
        return x.reshape((1,) + shape + (1,))
    return x.reshape((1,) * (ndim - len(shape)) + shape)


def at_least_api(ndim):
    def make(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
        out = tuple(at_least(t, ndim) for t in tensors)
        return out[0] if len(out) == 1 else out
    make.__name__ = f"atleast_{ndim}d"
    make.__doc__ = (f"Each tensor with at least {ndim} dimensions (NumPy's placement of the "
                    f"new ones): a reshape.")
    ones = ", ".join(["1"] * ndim)
    return api(make, name=make.__name__, example=(f"cr.atleast_{ndim}d(cr.tensor(5.0)).shape",
                                                   f"chainrule.Size([{ones}])"))


atleast_1d, atleast_2d, atleast_3d = (at_least_api(n) for n in (1, 2, 3))


@api
def hstack(tensors):
    """``cat`` along dim 1 (dim 0 for 1-D tensors).

    >>> import chainrule as cr
    >>> cr.hstack([cr.tensor([1, 2]), cr.tensor([3])]).tolist()
    [1, 2, 3]
    """
    tensors = atleast_1d(*tensors)
    tensors = tensors if isinstance(tensors, tuple) else (tensors,)
    return cat(list(tensors), 0 if tensors[0].ndim == 1 else 1)


@api
def vstack(tensors):
    """``cat`` along dim 0 of the tensors made at least 2-D.

    >>> import chainrule as cr
    >>> cr.vstack([cr.tensor([1, 2]), cr.tensor([3, 4])]).tolist()
    [[1, 2], [3, 4]]
    """
    tensors = atleast_2d(*tensors)
    return cat(list(tensors if isinstance(tensors, tuple) else (tensors,)), 0)


@api
def dstack(tensors):
    """``cat`` along dim 2 of the tensors made at least 3-D.

    >>> import chainrule as cr
    >>> cr.dstack([cr.tensor([1, 2]), cr.tensor([3, 4])]).shape
    chainrule.Size([1, 2, 2])
    """
    tensors = atleast_3d(*tensors)
    return cat(list(tensors if isinstance(tensors, tuple) else (tensors,)), 2)


@api
def column_stack(tensors):
    """The tensors as columns: 0-d and 1-D ones reshaped to (n, 1), then ``hstack``.

    >>> import chainrule as cr
    >>> cr.column_stack([cr.tensor([1, 2]), cr.tensor([3, 4])]).tolist()
    [[1, 3], [2, 4]]
    """
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


@api(methods=("ravel",))
def ravel(x):
    """``x`` flattened to 1-D (a reshape).

    >>> import chainrule as cr
    >>> cr.ravel(cr.arange(4).reshape(2, 2)).tolist()
    [0, 1, 2, 3]
    """
    return x.reshape(-1)


@api(methods=("unflatten",))
def unflatten(x, dim, sizes):
    """Dimension ``dim`` of ``x`` split into ``sizes`` (one may be -1): a reshape.

    >>> import chainrule as cr
    >>> cr.unflatten(cr.zeros(2, 6), 1, (2, 3)).shape
    chainrule.Size([2, 2, 3])
    """
    dim = normalize_dims(dim, x.ndim, "unflatten")[0]
    return x.reshape(tuple(x.shape[:dim]) + tuple(sizes) + tuple(x.shape[dim + 1:]))


@api(methods=("index_fill",))
def index_fill(x, dim, index, value):
    """``x`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or a 0-d
    tensor): an ``IndexPut``.

    >>> import chainrule as cr
    >>> cr.index_fill(cr.zeros(4), 0, cr.tensor([1, 3]), 7.0).tolist()
    [0.0, 7.0, 0.0, 7.0]
    """
    dim = normalize_dims(dim, max(x.ndim, 1), "index_fill")[0]
    positions = index_array(index, "index_fill").reshape(-1)
    if x.ndim == 0:
        return index_fill(x.reshape(1), 0, positions, value).reshape(())
    positions = np.unique(positions % max(x.shape[dim], 1))   # a place filled twice is one
    if not isinstance(value, Tensor):
        value = x.new_full((), value)
    return IndexPut.apply(x, value.to(x.dtype), index=(slice(None),) * dim + (positions,))


@api(methods=("index_copy",))
def index_copy(x, dim, index, source):
    """``x`` with ``source``'s slices written at ``index`` along ``dim``: an ``IndexPut``.

    >>> import chainrule as cr
    >>> cr.index_copy(cr.zeros(3), 0, cr.tensor([2, 0]), cr.tensor([5.0, 6.0])).tolist()
    [6.0, 0.0, 5.0]
    """
    dim = normalize_dims(dim, max(x.ndim, 1), "index_copy")[0]
    positions = index_array(index, "index_copy").reshape(-1)
    if x.ndim == 0:
        return index_copy(x.reshape(1), 0, positions, source.reshape(-1)).reshape(())
    return IndexPut.apply(x, source, index=(slice(None),) * dim + (positions,))


@api(methods=("index_put",))
def index_put(x, indices, values, accumulate=False):
    """``x`` with ``values`` written at ``x[indices]`` (a tuple of index tensors), or added
    there with ``accumulate`` (repeated indices add up): ``IndexPut`` or ``ScatterAdd``.

    >>> import chainrule as cr
    >>> cr.index_put(cr.zeros(3), (cr.tensor([0, 2]),), cr.tensor([1.0, 2.0])).tolist()
    [1.0, 0.0, 2.0]
    """
    index = normalize_index(tuple(indices))
    if accumulate:
        values = values.expand(*np.shape(x._data[index])) if isinstance(values, Tensor) \
            else x.new_full(np.shape(x._data[index]), values)
        return x + ScatterAdd.apply(values, shape=x.shape, index=index)
    return IndexPut.apply(x, values, index=index)


@api
def numel(x):
    """The number of elements of ``x``.

    >>> import chainrule as cr
    >>> cr.numel(cr.zeros(2, 3))
    6
    """
    return x.numel()
