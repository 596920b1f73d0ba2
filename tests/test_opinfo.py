"""PyTorch's own OpInfo samples (``op_db``), run through chainrule and PyTorch side by side.

For every OpInfo entry whose operation chainrule has (the mapping ``CHAINRULE`` below, kept
explicit), its float32 and float64 ``sample_inputs`` and ``reference_inputs`` (the latter
with NaN, inf, zeros and extremes) are called in both libraries with the same values, and
compared: forward values (NaN and inf in the same places), dtypes and shapes, and the
gradients of a random weighted sum of the outputs with respect to every float input. The
op's Tensor method (``x.abs()``), in-place form (``x.abs_()`` or ``F.elu(x, inplace=True)``,
on a copy of the input, which it must return), other names (``cr.absolute``) and ``out=``
form run a few of its sample inputs (``VARIANTS``, SAMPLES_PER_VARIANT per dtype).

Each sample is one of:

* ``pass``;
* ``wrong``: a different value, NaN where PyTorch is finite, a wrong gradient, dtype or
  shape, or an error where PyTorch computes (any of these fails the op's test);
* ``gap``: chainrule refuses an argument or form it does not support yet, clearly (a
  NotImplementedError, Python's error naming an argument or method, or one saying "not
  supported", "needs" or "must be"; a dtype or memory format it lacks), counted apart: the
  coverage issue closes those. Any other error where PyTorch computes is a wrong sample;
* ``nan-rule``: the gradient of a piecewise activation differs only at NaN inputs, where
  PyTorch's own value depends on which of its loops meets the element, and chainrule's is
  the one PyTorch's scalar loop gives (``NAN_INPUT_RULE``): counted apart, not as a pass;
* ``random``: a sample that draws random numbers (dropout with 0 < p < 1 while training),
  whose outputs and gradients match PyTorch's in dtype and shape (their values cannot).

A float32 value that misses PyTorch's still passes when it is at most twice as far from
the float64 result of the same inputs as PyTorch's own (``Exact``): an ill-conditioned
formula (tanh's 1 - y * y near y = 1) turns one ulp of forward difference into a large
relative one. A few ops have a wider allowance for one dtype and kind of value, each with
the reason written beside it (``ALLOWANCES``).

One test per op asserts no wrong sample (its message lists them, with the op's counts);
when the module's tests are done, a fixture writes the table of counts per op (pass /
wrong / gap / nan-rule), per family and in total, with the pass rate, to the terminal,
captured or not, so CI logs show it. ``python tests/test_opinfo.py [op ...]`` prints every
wrong, gap and nan-rule sample.
"""
import collections
import contextlib
import inspect
import pathlib
import sys
import warnings
import zlib

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
try:
    from torch.testing._internal.common_methods_invocations import op_db
except ImportError as error:   # expecttest, from the test extra
    pytest.skip(f"PyTorch's OpInfo database does not import: {error}", allow_module_level=True)

F = cr.nn.functional
SAMPLES_PER_DTYPE = 48   # per op and dtype: evenly spread over the samples when there are more
DTYPES = (torch.float32, torch.float64)
# |ours - theirs| <= TOLERANCE * (|theirs| + 1e-3 * largest |theirs|): a few hundred ulps,
# scaled by the output's size so that a sum's rounding at large values is not a wrong number
TOLERANCE = {"float16": 2e-3, "float32": 1e-4, "float64": 1e-9}


def method(name):
    def call(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)
    call.__name__ = name
    return call


# OpInfo (name, variant) -> how chainrule computes it, called as OpInfo calls PyTorch's op:
# (sample.input, *sample.args, **sample.kwargs). Left out: the masked.* and sparse.*
# namespaces (none in chainrule). The random functions, empty (no values to compare) and
# the samples of dropout that draw random numbers are compared on their dtypes and shapes
# alone (DETERMINISTIC).
FAMILIES = {
    "arithmetic": {
        "add": cr.add, "sub": cr.sub, "mul": cr.mul, "neg": cr.neg, "pow": cr.pow,
        ("div", "no_rounding_mode"): cr.div, ("div", "trunc_rounding"): cr.div,
        ("div", "floor_rounding"): cr.div, "true_divide": method("true_divide"),
        "__radd__": method("__radd__"), "__rsub__": method("__rsub__"),
        "__rmul__": method("__rmul__"), "__rpow__": method("__rpow__"),
        "__rdiv__": method("__rtruediv__"),
        "maximum": cr.maximum, "minimum": cr.minimum, ("max", "binary"): cr.max,
        ("min", "binary"): cr.min,
        "where": lambda x, condition, other: cr.where(condition, x, other),
    },
    "elementwise": {
        "abs": cr.abs, "exp": cr.exp, "log": cr.log, "sqrt": cr.sqrt, "sin": cr.sin, "cos": cr.cos,
        "tan": cr.tan, "tanh": cr.tanh, "sigmoid": cr.sigmoid, "sign": cr.sign, "clamp": cr.clamp,
        "floor": cr.floor, "ceil": cr.ceil, "round": cr.round, ("round", "decimals_0"): cr.round,
        ("round", "decimals_3"): cr.round, ("round", "decimals_neg_3"): cr.round,
        "trunc": cr.trunc, "frac": cr.frac, "square": cr.square, "rsqrt": cr.rsqrt,
        "reciprocal": cr.reciprocal, "log1p": cr.log1p, "expm1": cr.expm1, "log2": cr.log2,
        "log10": cr.log10, "exp2": cr.exp2, "clamp_min": cr.clamp_min, "clamp_max": cr.clamp_max,
        "remainder": cr.remainder, "fmod": cr.fmod, "floor_divide": cr.floor_divide,
        "__rmod__": method("__rmod__"), "isfinite": cr.isfinite, "isnan": cr.isnan,
        "isinf": cr.isinf, "isposinf": cr.isposinf, "isneginf": cr.isneginf,
        "isclose": cr.isclose, "allclose": cr.allclose, "equal": cr.equal,
        "bitwise_and": cr.bitwise_and, "bitwise_or": cr.bitwise_or, "bitwise_xor": cr.bitwise_xor,
        "bitwise_not": cr.bitwise_not, "__rand__": method("__rand__"), "__ror__": method("__ror__"),
        "__rxor__": method("__rxor__"),
        "erf": cr.erf,
        "asin": cr.asin, "acos": cr.acos, "atan": cr.atan, "sinh": cr.sinh, "cosh": cr.cosh,
        "atan2": cr.atan2,
    },
    "special functions": {
        "asinh": cr.asinh, "acosh": cr.acosh, "atanh": cr.atanh, "hypot": cr.hypot,
        "logaddexp": cr.logaddexp, "logaddexp2": cr.logaddexp2, "deg2rad": cr.deg2rad,
        "rad2deg": cr.rad2deg, "sgn": cr.sgn, "signbit": cr.signbit, "sinc": cr.sinc,
        "heaviside": cr.heaviside, "erfinv": cr.erfinv, "lgamma": cr.lgamma,
        "digamma": cr.digamma, "gcd": cr.gcd, "lcm": cr.lcm, "erfc": cr.erfc,
        "special.erfcx": cr.special.erfcx, "special.ndtri": cr.special.ndtri,
        "special.log_ndtr": cr.special.log_ndtr, "special.ndtr": cr.special.ndtr,
        "special.entr": cr.special.entr, "special.xlog1py": cr.special.xlog1py,
        "i0": cr.i0, "special.i0e": cr.special.i0e, "special.i1": cr.special.i1,
        "special.i1e": cr.special.i1e,
        **{("mvlgamma", f"mvlgamma_p_{p}"): cr.mvlgamma for p in (1, 3, 5)},
        **{("polygamma", f"polygamma_n_{n}"): lambda x, n, **kwargs: cr.polygamma(n, x, **kwargs)
           for n in range(5)},
    },
    "comparisons and logic": {
        "eq": cr.eq, "ne": cr.ne, "lt": cr.lt, "le": cr.le, "gt": cr.gt, "ge": cr.ge,
        "logical_not": method("logical_not"), "logical_and": method("logical_and"),
        "logical_or": method("logical_or"), "logical_xor": method("logical_xor"),
        "all": method("all"), "any": method("any"),
    },
    "reductions and sorting": {
        "sum": cr.sum, "mean": cr.mean, "amax": cr.amax, "amin": cr.amin, "argmax": cr.argmax,
        "argmin": cr.argmin, "logsumexp": cr.logsumexp, "cumsum": cr.cumsum,
        ("max", "reduction_with_dim"): cr.max, ("max", "reduction_no_dim"): cr.max,
        ("min", "reduction_with_dim"): cr.min, ("min", "reduction_no_dim"): cr.min,
        "var": cr.var, ("var", "unbiased"): cr.var, "std": cr.std, ("std", "unbiased"): cr.std,
        "softmax": cr.softmax, ("softmax", "with_dtype"): cr.softmax,
        "log_softmax": cr.log_softmax, ("log_softmax", "with_dtype"): cr.log_softmax,
        "prod": cr.prod, "cumprod": cr.cumprod, "aminmax": cr.aminmax, "sort": cr.sort,
        "argsort": cr.argsort, "msort": cr.msort, "topk": cr.topk, "kthvalue": cr.kthvalue,
        "median": cr.median, "norm": cr.norm, ("norm", "fro"): cr.norm, ("norm", "inf"): cr.norm,
        ("norm", "nuc"): cr.norm, "linalg.vector_norm": cr.linalg.vector_norm,
        "linalg.matrix_norm": cr.linalg.matrix_norm, "linalg.norm": cr.linalg.norm,
        ("linalg.norm", "subgradients_at_zero"): cr.linalg.norm,
        "linalg.svdvals": cr.linalg.svdvals,
        "std_mean": cr.std_mean, ("std_mean", "unbiased"): cr.std_mean,
        "var_mean": cr.var_mean, ("var_mean", "unbiased"): cr.var_mean,
        "cummax": cr.cummax, "cummin": cr.cummin, "quantile": cr.quantile,
        "nanquantile": cr.nanquantile, "logcumsumexp": cr.logcumsumexp, "mode": cr.mode,
    },
    "products": {
        "matmul": cr.matmul, "mm": method("mm"), "bmm": method("bmm"),
        "__rmatmul__": method("__rmatmul__"), "nn.functional.linear": F.linear,
        "mv": cr.mv, "dot": cr.dot, "inner": method("inner"), "outer": cr.outer,
        "einsum": lambda tensors, equation: cr.einsum(equation, tensors),   # as OpInfo calls it
        ("addmm", "decomposed"): cr.addmm, ("bmm", "triton_optimized"): method("bmm"),
    },
    "linear algebra": {
        "linalg.inv": cr.linalg.inv, "linalg.det": cr.linalg.det,   # (det, inverse: aliases)
        "linalg.slogdet": cr.linalg.slogdet, "logdet": cr.logdet,
        "linalg.solve": cr.linalg.solve, "linalg.cholesky": cr.linalg.cholesky,
        "cholesky": cr.cholesky, "linalg.eigvalsh": cr.linalg.eigvalsh,
        "linalg.qr": cr.linalg.qr, "qr": cr.qr,
        "linalg.pinv": cr.linalg.pinv, ("linalg.pinv", "hermitian"): cr.linalg.pinv,
        "pinverse": cr.pinverse,
        "linalg.matrix_rank": cr.linalg.matrix_rank,
        ("linalg.matrix_rank", "hermitian"): cr.linalg.matrix_rank,
        "linalg.lstsq": cr.linalg.lstsq,
        "linalg.matrix_power": cr.linalg.matrix_power, "linalg.multi_dot": cr.linalg.multi_dot,
        "linalg.vecdot": cr.linalg.vecdot, "vdot": cr.vdot,
        "linalg.solve_triangular": cr.linalg.solve_triangular,
        "triangular_solve": cr.triangular_solve, "cholesky_solve": cr.cholesky_solve,
        "cholesky_inverse": cr.cholesky_inverse, "block_diag": cr.block_diag,
        "diagflat": cr.diagflat, "dist": cr.dist,
        "matrix_exp": cr.matrix_exp,
        "linalg.cond": cr.linalg.cond, "linalg.tensorinv": cr.linalg.tensorinv,
        "linalg.tensorsolve": cr.linalg.tensorsolve, "linalg.vander": cr.linalg.vander,
        "linalg.diagonal": cr.linalg.diagonal,
        "linalg.inv_ex": cr.linalg.inv_ex, "linalg.cholesky_ex": cr.linalg.cholesky_ex,
        "linalg.solve_ex": cr.linalg.solve_ex,
        # linalg.eigh left out, as svd: its eigenvectors' signs are LAPACK's in PyTorch and
        # fixed in chainrule (tests/test_decompositions.py compares them up to sign)
    },
    "tensor products and indices": {
        "cross": cr.cross, "linalg.cross": cr.linalg.cross, "kron": cr.kron,
        "tensordot": cr.tensordot, "cdist": cr.cdist, "diag_embed": cr.diag_embed,
        "tril_indices": cr.tril_indices, "triu_indices": cr.triu_indices,
        "tensor_split": cr.tensor_split, "unfold": method("unfold"), "take": cr.take,
        "searchsorted": cr.searchsorted, "bucketize": cr.bucketize, "isin": cr.isin,
        **{("scatter_reduce", reduce): cr.scatter_reduce
           for reduce in ("sum", "prod", "mean", "amax", "amin")},
    },
    "shapes and indexing": {
        "reshape": cr.reshape, "reshape_as": method("reshape_as"), "view": method("view"),
        "view_as": method("view_as"), "permute": cr.permute, "transpose": cr.transpose,
        "T": lambda x: x.T, "mT": lambda x: x.mT, "t": method("t"), "expand": cr.expand,
        "expand_as": method("expand_as"), "squeeze": cr.squeeze,
        ("squeeze", "multiple"): cr.squeeze,
        "unsqueeze": cr.unsqueeze, "flatten": cr.flatten, "__getitem__": method("__getitem__"),
        "cat": cr.cat, "stack": cr.stack, "split": cr.split, ("split", "list_args"): cr.split,
        "chunk": cr.chunk, "clone": method("clone"), "contiguous": method("contiguous"),
        "zero_": lambda x: x.clone().zero_(),   # as the OpInfo does it: on a copy
        "gather": cr.gather, "scatter": cr.scatter, "scatter_add": cr.scatter_add,
        "index_select": cr.index_select, "index_add": cr.index_add,
        "take_along_dim": cr.take_along_dim, "masked_fill": method("masked_fill"),
        "masked_select": cr.masked_select, "tril": cr.tril, "triu": cr.triu, "diag": cr.diag,
        "diagonal": cr.diagonal, "trace": cr.trace, "flip": cr.flip, "fliplr": cr.fliplr,
        "flipud": cr.flipud, "roll": cr.roll, "rot90": cr.rot90, "repeat": method("repeat"),
        "repeat_interleave": cr.repeat_interleave, "tile": cr.tile, "unbind": cr.unbind,
        "narrow": cr.narrow, "select": cr.select, "movedim": cr.movedim,
        ("meshgrid", "variadic_tensors"): cr.meshgrid, ("meshgrid", "list_of_tensors"): cr.meshgrid,
        "cartesian_prod": cr.cartesian_prod, "nonzero": cr.nonzero, "argwhere": cr.argwhere,
        "unique": cr.unique, "bincount": cr.bincount, "histc": cr.histc,
        "new_zeros": method("new_zeros"), "new_ones": method("new_ones"),
        "new_full": method("new_full"),
    },
    "dtypes": {
        "to": method("to"), "double": method("double"), "float": method("float"),
        "half": method("half"), "bool": method("bool"), "int": method("int"),
        "long": method("long"), "item": method("item"),
        "byte": method("byte"), "char": method("char"), "short": method("short"),
    },
    "making tensors": {
        "linspace": cr.linspace, ("linspace", "tensor_overload"): cr.linspace, "arange": cr.arange,
        "zeros_like": cr.zeros_like, "ones_like": cr.ones_like, "full_like": cr.full_like,
        "zeros": cr.zeros, "ones": cr.ones, "full": cr.full, "eye": cr.eye,
        "logspace": cr.logspace, ("logspace", "tensor_overload"): cr.logspace,
    },
    "nn.functional activations": {
        "nn.functional.relu": F.relu, "nn.functional.leaky_relu": F.leaky_relu,
        "nn.functional.gelu": F.gelu, "nn.functional.softplus": F.softplus,
        "nn.functional.elu": F.elu, "nn.functional.selu": F.selu, "nn.functional.celu": F.celu,
        "nn.functional.silu": F.silu, "nn.functional.mish": F.mish,
        "nn.functional.hardswish": F.hardswish, "nn.functional.hardsigmoid": F.hardsigmoid,
        "nn.functional.hardtanh": F.hardtanh, "nn.functional.relu6": F.relu6,
        "nn.functional.glu": F.glu, "nn.functional.logsigmoid": F.logsigmoid,
        "nn.functional.softsign": F.softsign, "nn.functional.tanhshrink": F.tanhshrink,
        "nn.functional.softshrink": F.softshrink, "nn.functional.hardshrink": F.hardshrink,
        "nn.functional.threshold": F.threshold, "nn.functional.prelu": F.prelu,
        "nn.functional.softmin": F.softmin, ("nn.functional.softmin", "with_dtype"): F.softmin,
    },
    "nn.functional layers": {
        "nn.functional.dropout": F.dropout, "nn.functional.conv2d": F.conv2d,
        "nn.functional.layer_norm": F.layer_norm, "nn.functional.batch_norm": F.batch_norm,
        ("nn.functional.batch_norm", "without_cudnn"): F.batch_norm,
        "nn.functional.embedding": lambda weight, index, **kwargs: F.embedding(index, weight,
                                                                               **kwargs),
        "nn.functional.embedding_bag":   # OpInfo's sample input is the weight
            lambda weight, index, **kwargs: F.embedding_bag(index, weight, **kwargs),
        "nn.functional.grid_sample": F.grid_sample,
        "nn.functional.one_hot": F.one_hot,
        "nn.functional.conv1d": F.conv1d, "nn.functional.conv_transpose1d": F.conv_transpose1d,
        "nn.functional.conv_transpose2d": F.conv_transpose2d, "nn.functional.bilinear": F.bilinear,
        "nn.functional.conv3d": F.conv3d, "nn.functional.rrelu": F.rrelu,
        "nn.functional.conv_transpose3d": F.conv_transpose3d,
        "nn.functional.alpha_dropout": F.alpha_dropout,
        ("nn.functional.feature_alpha_dropout", "with_train"): F.feature_alpha_dropout,
        ("nn.functional.feature_alpha_dropout", "without_train"): F.feature_alpha_dropout,
        "nn.functional.group_norm": F.group_norm, "nn.functional.instance_norm": F.instance_norm,
        "nn.functional.rms_norm": F.rms_norm,
        "nn.functional.local_response_norm": F.local_response_norm,
        "nn.functional.normalize": F.normalize,
        "nn.functional.scaled_dot_product_attention": F.scaled_dot_product_attention,
        "nn.functional.dropout2d": F.dropout2d, "nn.functional.dropout3d": F.dropout3d,
    },
    "nn.functional pooling": {
        "nn.functional.unfold": F.unfold,
        "nn.functional.avg_pool2d": F.avg_pool2d, "nn.functional.max_pool2d": F.max_pool2d,
        "nn.functional.avg_pool1d": F.avg_pool1d, "nn.functional.max_pool1d": F.max_pool1d,
        "nn.functional.avg_pool3d": F.avg_pool3d, "nn.functional.max_pool3d": F.max_pool3d,
        "nn.functional.adaptive_avg_pool1d": F.adaptive_avg_pool1d,
        "nn.functional.adaptive_avg_pool2d": F.adaptive_avg_pool2d,
        "nn.functional.adaptive_avg_pool3d": F.adaptive_avg_pool3d,
        "nn.functional.adaptive_max_pool1d": F.adaptive_max_pool1d,
        "nn.functional.adaptive_max_pool2d": F.adaptive_max_pool2d,
        "nn.functional.max_unpool1d": F.max_unpool1d, ("nn.functional.max_unpool1d", "grad"):
        F.max_unpool1d, "nn.functional.max_unpool2d": F.max_unpool2d,
        ("nn.functional.max_unpool2d", "grad"): F.max_unpool2d,
    },
    "nn.functional losses": {
        "nn.functional.cross_entropy": F.cross_entropy, "nn.functional.nll_loss": F.nll_loss,
        "nn.functional.binary_cross_entropy": F.binary_cross_entropy,
        "nn.functional.binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
        "nn.functional.mse_loss": F.mse_loss, "nn.functional.l1_loss": F.l1_loss,
        "nn.functional.huber_loss": F.huber_loss,
        "nn.functional.cosine_similarity": F.cosine_similarity,
        "nn.functional.pairwise_distance": F.pairwise_distance, "nn.functional.pdist": F.pdist,
        "nn.functional.smooth_l1_loss": F.smooth_l1_loss, "nn.functional.kl_div": F.kl_div,
        "nn.functional.poisson_nll_loss": F.poisson_nll_loss,
        "nn.functional.gaussian_nll_loss": F.gaussian_nll_loss,
        "nn.functional.margin_ranking_loss": F.margin_ranking_loss,
        "nn.functional.hinge_embedding_loss": F.hinge_embedding_loss,
        "nn.functional.soft_margin_loss": F.soft_margin_loss,
        "nn.functional.multi_margin_loss": F.multi_margin_loss,
        "nn.functional.multilabel_soft_margin_loss": F.multilabel_soft_margin_loss,
        "nn.functional.multilabel_margin_loss": F.multilabel_margin_loss,
        "nn.functional.cosine_embedding_loss": F.cosine_embedding_loss,
        "nn.functional.triplet_margin_loss": F.triplet_margin_loss,
        "nn.functional.triplet_margin_with_distance_loss": F.triplet_margin_with_distance_loss,
    },
    "compositions": {
        "broadcast_tensors": cr.broadcast_tensors, "broadcast_shapes": cr.broadcast_shapes,
        "atleast_1d": cr.atleast_1d, "atleast_2d": cr.atleast_2d, "atleast_3d": cr.atleast_3d,
        "hstack": cr.hstack, "vstack": cr.vstack, "dstack": cr.dstack,
        "column_stack": cr.column_stack, "ravel": cr.ravel, "unflatten": cr.unflatten,
        "index_fill": cr.index_fill, "index_copy": cr.index_copy, "index_put": cr.index_put,
        "lerp": cr.lerp, "addcmul": cr.addcmul, "addcdiv": cr.addcdiv, "addmm": cr.addmm,
        "baddbmm": cr.baddbmm, "rsub": cr.rsub,
        "positive": cr.positive, "float_power": cr.float_power, "xlogy": cr.xlogy,
        "count_nonzero": cr.count_nonzero, "nansum": cr.nansum, "nanmean": cr.nanmean,
        "diff": cr.diff, "nan_to_num": cr.nan_to_num, "logit": cr.logit,
    },
    "random and empty": {   # only dtypes and shapes can match (DETERMINISTIC)
        "randn": cr.randn, "randn_like": cr.randn_like, "rand_like": cr.rand_like,
        "randint": cr.randint, "randint_like": cr.randint_like, "normal": cr.normal,
        ("normal", "number_mean"): cr.normal, ("normal", "in_place"): method("normal_"),
        "bernoulli": cr.bernoulli, "multinomial": cr.multinomial, "empty": cr.empty,
        "empty_like": cr.empty_like, "new_empty": method("new_empty"),
    },
    "nn.functional resampling": {
        ("nn.functional.pad", "constant"): F.pad, ("nn.functional.pad", "reflect"): F.pad,
        ("nn.functional.pad", "replicate"): F.pad,
        ("nn.functional.pad", "replicate_negative"): F.pad,
        ("nn.functional.pad", "circular"): F.pad,
        ("nn.functional.interpolate", "nearest"): F.interpolate,
        ("nn.functional.interpolate", "nearest-exact"): F.interpolate,
        ("nn.functional.interpolate", "linear"): F.interpolate,
        ("nn.functional.interpolate", "bilinear"): F.interpolate,
        ("nn.functional.interpolate", "bicubic"): F.interpolate,
        ("nn.functional.interpolate", "trilinear"): F.interpolate,
        ("nn.functional.interpolate", "area"): F.interpolate,
        "nn.functional.upsample_nearest": F.upsample_nearest,
        "nn.functional.upsample_bilinear": F.upsample_bilinear,
        "nn.functional.pixel_shuffle": F.pixel_shuffle,
        "nn.functional.pixel_unshuffle": F.pixel_unshuffle,
        "nn.functional.channel_shuffle": F.channel_shuffle,
    },
}
CHAINRULE = {key: call for family in FAMILIES.values() for key, call in family.items()}


# the samples of an op whose values chainrule and PyTorch can agree on (no random draws);
# the others are "random" samples: only the dtypes and shapes of outputs and gradients
# are compared
DETERMINISTIC = {
    **{key: lambda sample: False for key in FAMILIES["random and empty"]},
    "nn.functional.dropout": lambda sample: (sample.kwargs.get("p", 0.5) in (0.0, 1.0)
                                             or not sample.kwargs.get("training", True)),
    "nn.functional.dropout2d": lambda sample: (sample.kwargs.get("p", 0.5) in (0.0, 1.0)
                                               or not sample.kwargs.get("training", True)),
    "nn.functional.dropout3d": lambda sample: (sample.kwargs.get("p", 0.5) in (0.0, 1.0)
                                               or not sample.kwargs.get("training", True)),
    "nn.functional.scaled_dot_product_attention":
        lambda sample: sample.kwargs.get("dropout_p", 0.0) == 0.0,
    "nn.functional.rrelu": lambda sample: not sample.kwargs.get("training", False),
    "nn.functional.alpha_dropout": lambda sample: (sample.kwargs.get("p", 0.5) in (0.0, 1.0)
                                                   or not sample.kwargs.get("training", False)),
    ("nn.functional.feature_alpha_dropout", "with_train"): lambda sample: (
        sample.kwargs.get("p", 0.5) in (0.0, 1.0) or not sample.kwargs.get("training", False)),
}


# Per-op allowances beyond TOLERANCE, each for one op, dtype and kind of value ("output" or
# "gradient"), with the reason a difference of that size is not a wrong number. Each is a
# function of the sample's PyTorch arguments and keyword arguments, PyTorch's value, the
# weights of the outputs and a function giving the float64 result of the same float32 inputs
# (or None); it returns the absolute difference allowed besides TOLERANCE's (a number, or
# one per element).
def bicubic_sum_rounding(args, kwargs, theirs, weights, reference):
    """A float32 bicubic value is a sum of 16 products (4 x 4 weights, |w| < 1.2, times
    input values), rounded in float32 by each library in its own order: up to 16 half-ulps
    of the largest input each, so the two may differ by 2 * 16 * 2^-24 of it. (Samples that
    shrink 456 columns to 270 end near 0 from terms near 9: one value in 100,000 needs it.)"""
    return 2 * 16 * 2.0 ** -24 * float(args[0].detach().abs().max())


def normalize_cancellation(args, kwargs, theirs, weights, reference):
    """normalize's gradient is the difference of two terms of size |w| / ||x|| (the output's
    weight over the input's norm along dim) that cancel when the norm is the input itself
    (dim of size 1): in float32 each rounds by 2^-24 of its size, in either library, so the
    result may be a few ulps of |w| / ||x||, not 0 (p = 0.5 along a dim of size 1)."""
    x = args[0].detach().double()
    p, dim, eps = kwargs.get("p", 2.0), kwargs.get("dim", 1), kwargs.get("eps", 1e-12)
    if x.ndim == 0:
        return 0.0
    norms = torch.linalg.vector_norm(x, p, dim).clamp_min(eps)
    largest_weight = max(float(np.abs(w).max(initial=0)) for w in weights)
    return 4 * 2.0 ** -24 * largest_weight / float(norms.min())


def celu_float32_alpha(args, kwargs, theirs, weights, reference):
    """PyTorch's celu backward is elu's with input scale 1 / float32(alpha) (its derivative
    formula reads alpha as a C float) while its forward uses 1 / alpha: for x <= 0 its
    gradient alpha / alpha_f * exp(x / alpha_f) is off by d * (1 + |x| / alpha), relative,
    to first order, where d = |alpha_f / alpha - 1| <= 2^-24 is alpha's float32 rounding.
    chainrule's is exp(x / alpha), the derivative of its (and PyTorch's) value."""
    x = args[0].detach().double()
    alpha = kwargs.get("alpha", args[1] if len(args) > 1 else 1.0)
    rounding = abs(float(np.float32(alpha)) / alpha - 1)
    off = np.abs(as_numpy(theirs)) * rounding * (1 + np.abs(x.numpy()) / abs(alpha))
    return np.where(x.numpy() <= 0, off, 0.0)


def attention_float32(args, kwargs, theirs, weights, reference):
    """scaled_dot_product_attention's float32 gradients sum, over the keys, products of
    softmax weights saturated by scores up to 9 with differences that cancel (dP - sum(dP P)):
    the rounding lands on different elements in each library. chainrule's may be off by
    twice PyTorch's own largest float32 error anywhere in the tensor (the criterion of
    tests/nn/test_attention.py), not only at the same element."""
    exact = reference()
    if exact is None or np.shape(exact) != tuple(theirs.shape):
        return 0.0
    return 2 * float(np.abs(as_numpy(theirs).astype(np.float64) - exact).max(initial=0))


def trigamma_series(args, kwargs, theirs, weights, reference):
    """PyTorch's trigamma (digamma's derivative, polygamma(1, x)) is six steps of the
    recurrence and four terms of the asymptotic series: in float64 it is good to about 1e-9,
    relative (at 1: 1.6449340676, where pi^2 / 6 = 1.6449340668; at 1.5: 4e-10 off).
    chainrule's, SciPy's, is good to the last bits: 1e-8 of PyTorch's value is allowed."""
    return 1e-8 * np.abs(as_numpy(theirs).astype(np.float64))


ALLOWANCES = {
    "digamma": {("float64", "gradient"): trigamma_series},
    ("polygamma", "polygamma_n_0"): {("float64", "gradient"): trigamma_series},
    ("polygamma", "polygamma_n_1"): {("float64", "output"): trigamma_series},
    "nn.functional.scaled_dot_product_attention": {("float32", "gradient"): attention_float32},
    ("nn.functional.interpolate", "bicubic"): {("float32", "output"): bicubic_sum_rounding},
    "nn.functional.normalize": {("float32", "gradient"): normalize_cancellation},
    "nn.functional.celu": {("float64", "gradient"): celu_float32_alpha},
}

# At an input that is NaN, PyTorch's gradient of these elementwise activations depends on
# which of its loops meets the element: its scalar loop (small tensors, the tail of a row)
# compares x with the kinks and passes the incoming gradient (times the identity piece's
# slope), its vectorised loop (the rest: which elements depends on the length, the position
# and the CPU's vector width) gives NaN (elu, selu, celu, hardswish) or 0 (hardtanh, relu6,
# hardshrink, softshrink). chainrule gives the scalar loop's value everywhere, whatever the
# tensor's size (docs/nn.md). Where the only difference is there, the sample is counted apart
# ("nan-rule", not a pass) once chainrule's gradient matches PyTorch's own scalar loop there,
# run on a 1-element tensor holding NaN: a different number is still a wrong sample.
NAN_INPUT_RULE = {"nn.functional.elu", "nn.functional.selu", "nn.functional.celu",
                  "nn.functional.hardswish", "nn.functional.hardtanh", "nn.functional.relu6",
                  "nn.functional.hardshrink", "nn.functional.softshrink"}


def key_of(op):
    return (op.name, op.variant_test_name) if op.variant_test_name else op.name


def label_of(key):
    return key if isinstance(key, str) else f"{key[0]}.{key[1]}"


FAMILY = {label_of(key): name for name, family in FAMILIES.items() for key in family}


OPS = {key_of(op): op for op in op_db if key_of(op) in CHAINRULE}
OPS_MISSING = sorted(map(label_of, CHAINRULE.keys() - OPS.keys()))   # renamed upstream


# ----- the Tensor method and in-place forms of the same ops --------------------------------
SAMPLES_PER_VARIANT = 10   # per dtype: the function form has already run them all


def variant_name(op, kind):
    """The name of the op's Tensor method ("method") or in-place method ("inplace") in
    OpInfo, or None (no such variant, or one that is not a Tensor method)."""
    variant = op.method_variant if kind == "method" else op.inplace_variant
    name = getattr(variant, "__name__", None)
    return name if name and getattr(torch.Tensor, name, None) is variant else None


def variant_call(lib, name, kind):
    """How ``lib`` calls the variant: on the input itself, or, in place, on a copy of it
    (as OpInfo's own tests do: a leaf that requires grad cannot be written), so that the
    gradient reaches the input through the copy."""
    def call(x, *args, **kwargs):
        if kind == "inplace":
            return written(lambda copy: getattr(copy, name)(*args, **kwargs), x)
        return getattr(x, name)(*args, **kwargs)
    call.__name__ = name
    return call


def written(fn, x):
    """``fn`` applied in place to a copy of ``x``: it must return the copy itself (the
    tensor it wrote), as PyTorch's in-place forms do; a new tensor fails the sample."""
    copy = x.clone()
    out = fn(copy)
    if out is not copy:
        raise AssertionError("the in-place form returned a new tensor, not the one it wrote")
    return out


def out_call(lib, fn):
    """``fn(..., out=out)`` in ``lib``, without gradients (out= records none in PyTorch),
    into a tensor made for it: it must return ``out`` itself, holding the result."""
    def call(*args, **kwargs):
        with lib.no_grad():
            result = fn(*args, **kwargs)
            if not isinstance(result, lib.Tensor):
                raise TypeError("out= is compared for one output tensor")
            out = lib.empty_like(result)
            returned = fn(*args, out=out, **kwargs)
        if returned is not out:
            raise AssertionError("out= returned a new tensor, not the one it was given")
        return out
    return call


def functional_inplace(op, name):
    """PyTorch's and chainrule's ``F.name(x, ..., inplace=True)`` on a copy of ``x`` (the
    OpInfo's in-place variant of an nn.functional entry, a lambda or partial)."""
    ours = getattr(F, name)
    return (lambda x, *args, **kwargs: written(
                lambda copy: op.inplace_variant(copy, *args, **kwargs), x),
            lambda x, *args, **kwargs: written(
                lambda copy: ours(copy, *args, inplace=True, **kwargs), x))


def resolve(name):
    """chainrule's function of a dotted PyTorch name (``special.expit``), or None."""
    value = cr
    for part in name.split("."):
        value = getattr(value, part, None)
    return value


# (OpInfo key, "method" | "inplace" | "as <alias>") -> (PyTorch's call, chainrule's), for
# the variants and aliases (OpInfo's other names of the op) chainrule has; VARIANTS_MISSING
# lists those of covered ops it lacks
VARIANTS, VARIANTS_MISSING = {}, []
for _key, _op in OPS.items():
    for _kind in ("method", "inplace"):
        _name = variant_name(_op, _kind)
        if _name and hasattr(cr.Tensor, _name):
            VARIANTS[(_key, _kind)] = tuple(variant_call(lib, _name, _kind) for lib in (torch, cr))
        elif _name:
            VARIANTS_MISSING.append(f"Tensor.{_name}")
    if _op.inplace_variant is not None and _op.name.startswith("nn.functional.") \
            and variant_name(_op, "inplace") is None:
        _name = _op.name.split(".")[-1]
        if "inplace" in inspect.signature(getattr(F, _name)).parameters:
            VARIANTS[(_key, "inplace=True")] = functional_inplace(_op, _name)
        else:
            VARIANTS_MISSING.append(f"F.{_name}(inplace=True)")
    if _op.supports_out and not _op.name.startswith("nn.functional.") \
            and CHAINRULE[_key] is resolve(_op.name):   # the public function, as OpInfo calls it
        VARIANTS[(_key, "out=")] = (out_call(torch, _op), out_call(cr, CHAINRULE[_key]))
    for _alias in _op.aliases:
        if resolve(_alias.name) is not None:
            VARIANTS[(_key, f"as {_alias.name}")] = (_alias.op, resolve(_alias.name))
        else:
            VARIANTS_MISSING.append(_alias.name)


def variant_label(key, kind):
    return f"{label_of(key)} [{'in place' if kind == 'inplace' else kind}]"


# ----- one sample in both libraries -------------------------------------------------------
class Gap(Exception):
    """chainrule refuses a form or argument it does not support yet."""


def fresh_leaves(value, made, wide=False):
    """The sample with each tensor replaced by a new leaf of the same values (one per tensor
    object: a tensor passed twice stays one), so that PyTorch's gradients reach exactly the
    tensors chainrule gets (OpInfo makes some inputs as views under no_grad). ``wide``:
    float32 tensors and dtypes become float64 (the reference run)."""
    if isinstance(value, torch.Tensor):
        if id(value) not in made:
            copy = value.detach().clone()
            if wide and copy.dtype == torch.float32:
                copy = copy.double()
            made[id(value)] = copy.requires_grad_(value.requires_grad)
        return made[id(value)]
    if wide and value is torch.float32:
        return torch.float64
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return type(value)(fresh_leaves(v, made, wide) for v in value)
    if isinstance(value, dict):
        return {k: fresh_leaves(v, made, wide) for k, v in value.items()}
    return value


def converter():
    """A function turning a sample's torch values into chainrule's, and the pairs of
    (torch leaf, chainrule leaf) it made for the inputs that require grad."""
    made = {}
    pairs = []

    def convert(value):
        if isinstance(value, torch.Tensor):
            if id(value) not in made:
                name = str(value.dtype).replace("torch.", "")
                if not hasattr(cr, name) or not isinstance(getattr(cr, name), cr.dtype):
                    raise Gap(f"dtype {value.dtype}")
                leaf = cr.tensor(value.detach().numpy().copy(), dtype=getattr(cr, name))
                if value.requires_grad:
                    leaf.requires_grad_()
                    pairs.append((value, leaf))
                made[id(value)] = leaf
            return made[id(value)]
        if isinstance(value, torch.dtype):
            name = str(value).replace("torch.", "")
            if not hasattr(cr, name) or not isinstance(getattr(cr, name), cr.dtype):
                raise Gap(f"dtype {value}")
            return getattr(cr, name)
        if isinstance(value, torch.device):
            return str(value)
        if isinstance(value, torch.memory_format):   # chainrule's own, once it has them
            name = str(value).replace("torch.", "")
            if not hasattr(cr, name):
                raise Gap(f"memory_format {value}")
            return getattr(cr, name)
        if isinstance(value, torch.Size):
            return tuple(value)
        if isinstance(value, torch.nn.Module):
            return chainrule_module(value)
        if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
            return type(value)(convert(v) for v in value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value
    return convert, pairs


def chainrule_module(module):
    """chainrule's module of the same class as PyTorch's ``module`` and the hyperparameters
    PyTorch's declares (``__constants__``), for a module with no parameters or buffers (a
    sample's distance function, nn.PairwiseDistance)."""
    cls = getattr(cr.nn, type(module).__name__, None)
    if cls is None or next(module.parameters(), None) is not None \
            or next(module.buffers(), None) is not None:
        raise Gap(f"module {type(module).__name__}")
    ours = cls()
    for name in getattr(module, "__constants__", ()):
        setattr(ours, name, getattr(module, name))
    return ours


def flat(outputs):
    """The outputs as a flat list (a tensor, numbers, tuples and lists of them)."""
    if isinstance(outputs, (tuple, list)):
        return [o for part in outputs for o in flat(part)]
    return [outputs]


def as_numpy(value):
    if isinstance(value, torch.Tensor):
        if value._is_zerotensor():   # a zero gradient PyTorch does not store (sgn's)
            return np.zeros(tuple(value.shape), str(value.dtype).replace("torch.", ""))
        return value.detach().numpy()
    if isinstance(value, cr.Tensor):
        return np.asarray(value.detach().numpy())
    return np.asarray(value)


def dtype_name(value):
    if isinstance(value, torch.Tensor):
        return str(value.dtype).replace("torch.", "")
    if isinstance(value, cr.Tensor):
        return str(value.dtype).replace("chainrule.", "")
    return type(value).__name__


def mismatch(ours, theirs, what, exact=None, extra=0.0, values=True):
    """Why ``ours`` (chainrule's) is not ``theirs`` (PyTorch's), or None. ``exact``: the
    float64 result of the same float32 inputs, when there is one: a value that misses
    PyTorch's is still right when it is at most twice as far from the exact one as PyTorch's
    own (an ill-conditioned formula such as tanh's 1 - y * y near y = 1, where one ulp of y is
    a large relative change). ``extra``: the op's allowance (ALLOWANCES), added. ``values``
    False: only the dtype and shape (a sample that draws random numbers)."""
    if dtype_name(ours) != dtype_name(theirs):
        return f"{what}: dtype {dtype_name(ours)}, PyTorch {dtype_name(theirs)}"
    a, b = as_numpy(ours), as_numpy(theirs)
    if a.shape != b.shape:
        return f"{what}: shape {a.shape}, PyTorch {b.shape}"
    if not values:
        return None
    if b.dtype.kind not in "fc":
        wrong = a != b
        return f"{what}: {int(wrong.sum())} values differ" if wrong.any() else None
    tol = TOLERANCE[str(b.dtype)] if isinstance(theirs, torch.Tensor) else TOLERANCE["float64"]
    a, b = a.astype(np.float64), b.astype(np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if (nan_a & ~nan_b).any():
        at = tuple(int(i) for i in np.argwhere(nan_a & ~nan_b)[0])
        return f"{what}: NaN where PyTorch has {b[at]} (at {at})"
    if (nan_b & ~nan_a).any():
        at = tuple(int(i) for i in np.argwhere(nan_b & ~nan_a)[0])
        return f"{what}: {a[at]} where PyTorch has NaN (at {at})"
    inf = np.isinf(a) | np.isinf(b)
    if (a[inf] != b[inf]).any():
        at = tuple(int(i) for i in np.argwhere(inf & (a != b))[0])
        return f"{what}: {a[at]} where PyTorch has {b[at]} (at {at})"
    finite = ~(inf | nan_b)
    if not finite.any():
        return None
    scale = np.abs(b[finite]).max()
    if what.startswith("gradient"):
        # the weights are of size 1, so a gradient's scale is 1 or more; a gradient read off
        # an output near 1 (tanh's 1 - y * y) is off by a few ulps of that scale as soon as
        # the output is off by one ulp
        scale = max(scale, 1.0) * 10
    allowed = tol * (np.abs(b) + 1e-3 * scale) + 1e-300 + extra
    off = finite & (np.abs(a - b) > allowed)
    if off.any() and exact is not None and np.shape(exact) == a.shape:
        r = np.asarray(exact, np.float64)
        off &= ~(np.abs(a - r) <= 2 * np.abs(b - r) + allowed)
    if off.any():
        at = tuple(int(i) for i in np.argwhere(off)[0])
        return f"{what}: {a[at]} where PyTorch has {b[at]} (at {at}; {int(off.sum())} differ)"
    return None


GAP_WORDS = ("not supported", "needs", "must be",   # chainrule's own refusals
             "unexpected keyword argument", "positional argument",   # of a signature
             "has no attribute")   # a method it lacks


def gap_error(error):
    """Whether an exception of chainrule's is a clear refusal of a form it does not support
    yet: NotImplementedError, or a message that names the refused argument or method. Any
    other error (a TypeError from deep inside, an unclear message) is a wrong sample, and so
    is one raised inside PyTorch (a PyTorch object in a sample, called with chainrule's
    tensors: its "must be Tensor" is no refusal of chainrule's)."""
    if raised_in_torch(error):
        return False
    if isinstance(error, (Gap, NotImplementedError)):
        return True
    return any(words in str(error) for words in GAP_WORDS)


TORCH_DIR = str(pathlib.Path(torch.__file__).parent)


def raised_in_torch(error):
    """Whether any frame the exception passed through is PyTorch's own code."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(TORCH_DIR):
            return True
        tb = tb.tb_next
    return False


def weights_for(outputs, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(o.shape)).astype(dtype_name(o)) for o in outputs]


def run_sample(key, op, sample, seed, ours_call=None, random=False):
    """(one of KINDS, or None for a sample PyTorch refuses, and why) for one sample."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return compare_sample(key, op, sample, seed, ours_call, random)


def torch_run(op, sample, wide=False):
    """PyTorch's outputs (flat) on fresh leaves of the sample, and those leaves."""
    made = {}
    args = fresh_leaves([sample.input, *sample.args], made, wide)
    kwargs = fresh_leaves(dict(sample.kwargs), made, wide)
    return args, kwargs, flat(op(*args, **kwargs))


def torch_gradients(outputs, differentiable, inputs, weights):
    return torch.autograd.grad([outputs[i] for i in differentiable], inputs,
                               [torch.from_numpy(w).to(outputs[i].dtype)
                                for i, w in zip(differentiable, weights)], allow_unused=True)


class Exact:
    """The float64 run of a float32 sample, made when a comparison first asks for it."""

    def __init__(self, op, sample, differentiable, weights, width):
        self.op, self.sample, self.differentiable, self.weights = op, sample, differentiable, weights
        self.width = width   # the number of gradients the float32 run has
        self.values = None

    def run(self):
        if self.values is None:
            try:
                args, kwargs, outputs = torch_run(self.op, self.sample, wide=True)
                inputs = [t for t in flat([args, kwargs]) if isinstance(t, torch.Tensor)
                          and t.requires_grad]
                grads = (torch_gradients(outputs, self.differentiable, inputs, self.weights)
                         if self.differentiable and inputs else ())
                self.values = ([as_numpy(o) for o in outputs],
                               [None if g is None else as_numpy(g) for g in grads])
            except Exception:   # noqa: BLE001  (no float64 run: no second chance)
                self.values = ([], [])
            if len(self.values[1]) != self.width:
                self.values = (self.values[0], [])
        return self.values

    def output(self, i):
        outputs = self.run()[0]
        return outputs[i] if i < len(outputs) else None

    def gradient(self, i):
        grads = self.run()[1]
        return grads[i] if i < len(grads) else None


def compare_sample(key, op, sample, seed, ours_call=None, random=False):
    """As ``run_sample``; ``op`` is PyTorch's callable (the OpInfo), ``ours_call``
    chainrule's (CHAINRULE[key] unless given); ``random``: the sample draws random numbers,
    so only the dtypes and shapes of the outputs and gradients are compared."""
    ours_call = ours_call or CHAINRULE[key]
    # PyTorch first: its result decides whether the sample is valid
    try:
        args, kwargs, theirs = torch_run(op, sample)
    except Exception:   # noqa: BLE001  (a sample PyTorch itself refuses: not counted)
        return None, None
    convert, pairs = converter()
    try:
        cr_args = convert(args)
        cr_kwargs = convert(kwargs)
    except Gap as gap:
        return "gap", f"argument: {gap}"
    try:
        ours = flat(ours_call(*cr_args, **cr_kwargs))
    except Exception as error:   # noqa: BLE001
        kind = "gap" if gap_error(error) else "wrong"
        return kind, f"forward raises {type(error).__name__}: {error}"
    if len(ours) != len(theirs):
        return "wrong", f"{len(ours)} outputs, PyTorch {len(theirs)}"
    # the gradients of sum(w * out) over the outputs that carry a gradient in PyTorch
    differentiable = [i for i, t in enumerate(theirs)
                      if isinstance(t, torch.Tensor) and t.requires_grad]
    inputs = [t for t, _ in pairs]
    weights = weights_for([theirs[i] for i in differentiable], seed)
    float32 = any(isinstance(t, torch.Tensor) and t.dtype == torch.float32
                  for t in flat([args, kwargs]))
    exact = Exact(op, sample, differentiable, weights, len(inputs)) if float32 else None
    for i, (o, t) in enumerate(zip(ours, theirs)):
        extra = allowance(key, args, kwargs, t, "output", weights,
                          lambda: exact.output(i) if exact is not None else None)
        why = mismatch(o, t, f"output {i}", extra=extra, values=not random)
        if why and exact is not None:
            why = mismatch(o, t, f"output {i}", exact.output(i), extra)
        if why:
            return "wrong", why
    passed = "random" if random else "pass"
    if not differentiable or not inputs:
        return passed, None
    try:
        their_grads = torch_gradients(theirs, differentiable, inputs, weights)
    except RuntimeError:   # no derivative in PyTorch for this form (remainder of a number):
        return passed, None   # the forward matched, there is no gradient to compare with
    carried = [(ours[i], w) for i, w in zip(differentiable, weights)
               if isinstance(ours[i], cr.Tensor) and ours[i].requires_grad]
    leaves = [leaf for _, leaf in pairs]
    if carried:
        try:
            our_grads = cr.autograd.grad([o for o, _ in carried], leaves,
                                         [cr.tensor(w) for _, w in carried], allow_unused=True)
        except Exception as error:   # noqa: BLE001
            return "wrong", f"backward raises {type(error).__name__}: {error}"
    else:
        our_grads = [None] * len(leaves)
    ruled = None
    for i, (leaf, ours_g, theirs_g) in enumerate(zip(leaves, our_grads, their_grads)):
        theirs_g = torch.zeros_like(inputs[i]) if theirs_g is None else theirs_g
        ours_g = cr.zeros_like(leaf) if ours_g is None else ours_g
        what = f"gradient of input {i}"
        extra = allowance(key, args, kwargs, theirs_g, "gradient", weights,
                          lambda: exact.gradient(i) if exact is not None else None)
        why = mismatch(ours_g, theirs_g, what, extra=extra, values=not random)
        if why and exact is not None and not random:
            why = mismatch(ours_g, theirs_g, what, exact.gradient(i), extra)
        if why and key in NAN_INPUT_RULE and inputs[i] is args[0] and differentiable == [0]:
            scalar = scalar_loop_at_nan(op, args, kwargs, theirs_g, weights[0])
            exact_g = exact.gradient(i) if exact is not None else None
            if scalar is not None and exact_g is not None:   # at NaN, the scalar loop's
                exact_g = np.where(np.isnan(as_numpy(args[0])), as_numpy(scalar), exact_g)
            if scalar is not None and not mismatch(ours_g, scalar, what, exact_g, extra):
                ruled, why = f"{why}; PyTorch's scalar loop gives NaN inputs chainrule's", None
        if why:
            return "wrong", why
    return ("nan-rule", ruled) if ruled else (passed, None)


def allowance(key, args, kwargs, theirs, kind, weights, reference):
    """The op's allowance for this dtype and kind of value (ALLOWANCES), or 0. ``reference``
    gives the float64 result of the same float32 inputs (or None)."""
    rule = ALLOWANCES.get(key, {}).get((dtype_name(theirs), kind))
    return 0.0 if rule is None else rule(args, kwargs, theirs, weights, reference)


def scalar_loop_at_nan(op, args, kwargs, theirs_g, weight):
    """PyTorch's gradient of an elementwise activation with, at each NaN input, the value its
    scalar loop gives (the incoming gradient times its slope there, read off PyTorch's run on
    a 1-element tensor holding NaN, which only the scalar loop sees); None without NaN."""
    x = args[0].detach()
    nan = torch.isnan(x)
    if not nan.any():
        return None
    one = torch.full((1,), float("nan"), dtype=x.dtype, requires_grad=True)
    (slope,) = torch.autograd.grad(op(one, *args[1:], **kwargs), one,
                                   torch.ones(1, dtype=x.dtype))
    return torch.where(nan, torch.from_numpy(weight).to(x.dtype) * slope, theirs_g)


def samples_of(op, dtype, most=SAMPLES_PER_DTYPE, reference=True):
    """The op's samples for ``dtype``: its reference inputs when it has them (they start with
    the sample inputs) and ``reference``, else its sample inputs; evenly thinned to ``most``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        grad = op.supports_autograd
        try:
            if not reference or op.reference_inputs_func is None:
                raise LookupError
            samples = list(op.reference_inputs("cpu", dtype, requires_grad=grad))
        except (LookupError, ValueError):   # none, or some need integer inputs with grad
            samples = list(op.sample_inputs("cpu", dtype, requires_grad=grad))
    if len(samples) > most:
        picks = np.linspace(0, len(samples) - 1, most).round().astype(int)
        samples = [samples[i] for i in sorted(set(picks))]
    return samples


VARIANT_SAMPLES = {}   # (key, dtype) -> samples, kept while the variants of one op run


def variant_samples(key, op, dtype):
    """SAMPLES_PER_VARIANT of the op's sample inputs (the function form has run its
    reference inputs), made once for all its variants, which run one after another."""
    if all(k != key for k, _ in VARIANT_SAMPLES):
        VARIANT_SAMPLES.clear()
    if (key, dtype) not in VARIANT_SAMPLES:
        VARIANT_SAMPLES[(key, dtype)] = samples_of(op, dtype, SAMPLES_PER_VARIANT, False)
    return VARIANT_SAMPLES[(key, dtype)]


def run_op(key, kind=None):
    """The counts of each kind of sample (KINDS) and the reasons of all but the passes, for
    the op (``kind`` None) or one of its variants or aliases (VARIANTS)."""
    op = OPS[key]
    counts = collections.Counter(dict.fromkeys(KINDS, 0))
    reasons = {"wrong": [], "gap": [], "nan-rule": []}
    calls = (op, None) if kind is None else VARIANTS[(key, kind)]
    with one_torch_thread():
        for dtype in DTYPES:
            run_dtype(key, op, dtype, counts, reasons, calls, kind)
    return counts, reasons


@contextlib.contextmanager
def one_torch_thread():
    """PyTorch on one thread: its results no longer depend on the machine's core count (a
    parallel sum splits by thread), and its many small calls run 2x faster on a busy CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def run_dtype(key, op, dtype, counts, reasons, calls, variant):
    """Adds the op's samples of ``dtype`` to ``counts`` and ``reasons``, called through
    ``calls`` (PyTorch's, chainrule's: None for CHAINRULE's)."""
    samples = samples_of(op, dtype) if variant is None else variant_samples(key, op, dtype)
    keep = DETERMINISTIC.get(key)
    for i, sample in enumerate(samples):
        seed = zlib.crc32(f"{label_of(key)} {dtype} {i}".encode())
        random = keep is not None and not keep(sample)
        kind, why = run_sample(key, calls[0], sample, seed, calls[1], random)
        if kind is None:
            continue
        counts[kind] += 1
        if why:
            reasons[kind].append(f"{str(dtype)[6:]} #{i} {describe(sample)}: {why}")


def describe(sample):
    def short(v):
        if isinstance(v, torch.Tensor):
            return f"T{tuple(v.shape)}"
        if isinstance(v, (list, tuple)) and type(v) in (list, tuple):
            return type(v)(short(x) for x in v)
        return v
    args = ", ".join([repr(short(sample.input))] + [repr(short(a)) for a in sample.args]
                     + [f"{k}={short(v)!r}" for k, v in sample.kwargs.items()])
    return f"({args})"


RESULTS = {}   # label -> (counts, reasons), filled by the tests, printed when they are done


@pytest.fixture(scope="module", autouse=True)
def print_counts(request):
    """The table of counts, written to the terminal after the module's tests, past pytest's
    output capture (so CI logs show it, with or without -s)."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or not RESULTS:
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.ensure_newline()
        reporter.write_line("OpInfo samples per op, chainrule against PyTorch:")
        reporter.write_line(table(RESULTS))


@pytest.mark.parametrize("key", sorted(OPS, key=label_of), ids=label_of)
def test_opinfo_samples_match_pytorch(key):
    counts, reasons = RESULTS[label_of(key)] = run_op(key)
    assert not reasons["wrong"], (
        f"{label_of(key)}: {counts['wrong']} wrong of {sum(counts.values())} samples "
        f"(pass {counts['pass']}, gap {counts['gap']}):\n  " + "\n  ".join(reasons["wrong"][:10]))


@pytest.mark.parametrize("key, kind", sorted(VARIANTS, key=lambda v: variant_label(*v)),
                         ids=[variant_label(*v) for v in sorted(VARIANTS,
                                                                key=lambda v: variant_label(*v))])
def test_opinfo_variants_and_aliases_match_pytorch(key, kind):
    """The op's Tensor method (``x.abs()``), in-place form (``x.abs_()``, on a copy) or other
    name (``cr.absolute``), on SAMPLES_PER_VARIANT of its samples per dtype: the same values
    and gradients as PyTorch's."""
    label = variant_label(key, kind)
    counts, reasons = RESULTS[label] = run_op(key, kind)
    assert not reasons["wrong"], (
        f"{label}: {counts['wrong']} wrong of {sum(counts.values())} samples "
        f"(pass {counts['pass']}, gap {counts['gap']}):\n  " + "\n  ".join(reasons["wrong"][:10]))


def test_every_mapped_op_is_in_op_db():
    assert not OPS_MISSING, f"no OpInfo entry named {OPS_MISSING}: renamed upstream?"


def kinds_of(key, ours_call, dtype=torch.float64, kind=None, most=8):
    """The kinds of ``most`` of the op's samples when chainrule's function is ``ours_call``."""
    op = OPS[key]
    calls = (op, ours_call) if kind is None else (VARIANTS[(key, kind)][0], ours_call)
    samples = samples_of(op, dtype, most) if kind is None else variant_samples(key, op, dtype)
    return collections.Counter(run_sample(key, calls[0], s, i, calls[1])[0]
                               for i, s in enumerate(samples))


def off_by(fn, factor):
    def call(*args, **kwargs):
        return fn(*args, **kwargs) * factor
    return call


def test_the_comparison_catches_what_it_must():
    """The harness itself: a value 1e-6 off, a gradient at NaN inputs that is neither of
    PyTorch's, an error that is no clear refusal and an in-place form that returns a new
    tensor are wrong samples; a NotImplementedError is a refusal."""
    # float64, 1000 times the tolerance: only samples with nothing to be off pass (empty)
    assert kinds_of("exp", off_by(cr.exp, 1 + 1e-6)) == {"wrong": 6, "pass": 2}
    assert kinds_of("exp", off_by(cr.exp, 1 + 1e-6), torch.float32) == {"pass": 8}   # 1e-4
    assert kinds_of("nn.functional.softsign", lambda x: x / (1 + x.abs()) + 1e-6)["wrong"] > 0

    def hardtanh_nan_slope(x, *args, **kwargs):
        nan = cr.isnan(x)   # 2 * the incoming gradient at NaN: neither of PyTorch's values
        return cr.where(nan, x * 2, F.hardtanh(cr.where(nan, cr.zeros_like(x), x)))
    ruled = kinds_of("nn.functional.hardtanh", F.hardtanh, torch.float32, most=48)
    broken = kinds_of("nn.functional.hardtanh", hardtanh_nan_slope, torch.float32, most=48)
    assert ruled["nan-rule"] > 0 and broken["nan-rule"] == 0 and broken["wrong"] > 0

    def refuses(*args, **kwargs):
        raise NotImplementedError("exp: not supported yet")

    def breaks(*args, **kwargs):
        raise TypeError("bad operand")
    assert set(kinds_of("exp", refuses)) == {"gap"}
    assert set(kinds_of("exp", breaks)) == {"wrong"}
    new_tensor = variant_call(cr, "exp", "method")   # x.exp(): a new tensor, not x written
    inplace = [k for k in VARIANTS if k == ("exp", "inplace")]
    assert inplace and kinds_of("exp", lambda x: written(new_tensor, x), kind="inplace")[
        "wrong"] > 0


KINDS = ("pass", "wrong", "gap", "nan-rule", "random")


def family_of(label):
    """An op's family (FAMILIES); its method and in-place variants have one each."""
    if label.endswith(" [method]"):
        return "Tensor methods"
    if label.endswith(" [in place]"):
        return "in-place methods"
    if label.endswith(" [inplace=True]"):
        return "nn.functional inplace=True"
    if label.endswith(" [out=]"):
        return "out= forms"
    if label.endswith("]"):
        return "aliases"
    return FAMILY[label]


def table(results):
    """The counts per op, then per family, then in total with the pass rate (of the samples
    whose values are compared: the random ones are not)."""
    width = max(40, *map(len, results)) + 2   # the family rows fit in 40

    def row(name, counts):
        return f"{name:{width}}" + "".join(f" {counts[kind]:>8}" for kind in KINDS)
    families = collections.defaultdict(collections.Counter)
    sizes = collections.Counter(map(family_of, results))
    lines = [row("op", dict(zip(KINDS, KINDS)))]
    for label in sorted(results):
        counts = results[label][0]
        families[family_of(label)].update(counts)
        lines.append(row(label, counts))
    lines += ["", row("family", dict(zip(KINDS, KINDS)))]
    totals = collections.Counter()
    for name in sorted(families):
        totals.update(families[name])
        lines.append(row(f"{name} ({sizes[name]} ops)", families[name]))
    lines.append(row(f"total ({len(results)} ops)", totals))
    samples = sum(totals[kind] for kind in KINDS if kind != "random")
    if samples:
        lines.append(f"pass rate {totals['pass'] / samples:.1%} of the {samples} samples whose "
                     f"values are compared ({totals['wrong']} wrong); {totals['random']} "
                     f"samples that draw random numbers compared on dtypes and shapes")
    return "\n".join(lines)


def main(names):
    keys = [k for k in sorted(OPS, key=label_of) if not names or label_of(k) in names
            or (k if isinstance(k, str) else k[0]) in names]
    runs = [(label_of(key), key, None) for key in keys]
    runs += [(variant_label(*variant), *variant) for variant in sorted(VARIANTS, key=str)
             if variant[0] in keys]
    results = {}
    for label, key, variant in runs:
        counts, reasons = results[label] = run_op(key, variant)
        for kind in ("wrong", "gap", "nan-rule"):
            for why in reasons[kind]:
                print(f"{kind:8} {label} {why}"[:400])
    print(table(results))


if __name__ == "__main__":
    main(sys.argv[1:])
