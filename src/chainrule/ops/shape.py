"""Shape gates: reshape, permute, expand, indexing (and its scatter-add), cat, stack.

Views of the data, no arithmetic: each backward moves the gradient back to where the
elements came from. ``squeeze``, ``unsqueeze``, ``flatten`` and ``view`` are reshapes;
``transpose`` and ``.T`` are permutes; ``split`` and ``chunk`` are slices.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import array_index_put, array_scatter_add
from ..tensor import Tensor, api
from .reduce import normalize_dims


class Reshape(Gate):
    returns_view = True   # its output may be a view: it then shares x's version
    label = "reshape"
    formula = "reshape(x, shape)"
    derivatives = {"x": "reshape(g, input_shape)"}
    saves = ("shape", "input_shape")

    def forward(self, x, shape):
        self.shape = shape
        self.input_shape = np.shape(x)
        try:
            return np.reshape(x, shape)
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
    derivatives = {"x": "scatter_add(g, shape, index)"}
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
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Reshape.apply(x, shape=tuple(shape))


@api(methods=("permute",))
def permute(x, *dims):
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    return Permute.apply(x, dims=tuple(dims))


@api(methods=("transpose", "swapaxes"))
def transpose(x, dim0, dim1):
    if x.ndim == 0:   # dims 0 and -1 of a scalar: the scalar itself, as in PyTorch
        normalize_dims((dim0, dim1), 0, "transpose")
        return Permute.apply(x, dims=())
    dim0, dim1 = normalize_dims((dim0, dim1), x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(x, dims=tuple(dims))


@api(methods=("expand",))
def expand(x, *shape):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Expand.apply(x, shape=tuple(shape))


@api(methods=("squeeze",))
def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = set(normalize_dims(dim, x.ndim, "squeeze") or ())
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return Reshape.apply(x, shape=shape)


@api(methods=("unsqueeze",))
def unsqueeze(x, dim):
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} "
                         f"dimensions (valid: {-x.ndim - 1} to {x.ndim})")
    dim = dim % (x.ndim + 1)
    return Reshape.apply(x, shape=x.shape[:dim] + (1,) + x.shape[dim:])


@api(methods=("flatten",))
def flatten(x, start_dim=0, end_dim=-1):
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


@api(name=False)
def scatter_add(g, shape, index):
    return ScatterAdd.apply(g, shape=shape, index=index)


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
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    return Stack.apply(*tensors, dim=dim)


@api(methods=("split",))
def split(x, split_size_or_sections, dim=0):
    """Pieces of ``x`` along ``dim``: of equal size (the last may be smaller) or of the sizes given."""
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
    """``x`` split into ``chunks`` pieces along ``dim`` (the last may be smaller)."""
    if chunks < 1:
        raise ValueError(f"chunk: chunks must be at least 1, got {chunks}")
    return split(x, -(-x.shape[dim] // chunks), dim)


@api(name="concat")
def concat(tensors, dim=0):
    """PyTorch's other name for ``cat``."""
    return cat(tensors, dim)


@api(name=False, methods=("view_as", "reshape_as"))
def view_as(x, other):
    """``x`` reshaped to ``other``'s shape."""
    return reshape(x, other.shape)


@api(name=False, methods=("expand_as",))
def expand_as(x, other):
    return expand(x, other.shape)


@api(name=False, methods=("t",))
def t(x):
    """The transpose of a matrix; a 0-d or 1-d tensor is returned as it is."""
    return transpose(x, 0, 1) if x.ndim == 2 else x


Tensor.T = property(lambda x: permute(x, tuple(range(x.ndim - 1, -1, -1))),
                    doc="All dimensions reversed (a matrix's transpose).")
Tensor.mT = property(lambda x: transpose(x, -2, -1),
                     doc="The last two dimensions swapped (a batch of matrices transposed).")
