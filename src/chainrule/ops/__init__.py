"""The gates, one file per family, and their public functions."""
from .arithmetic import add, sub, mul, div, neg, pow, maximum, minimum, where  # noqa: F401
from .unary import exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu, clamp, sign, cast  # noqa: F401
from .reduce import (sum, mean, max, min, logsumexp, argmax, argmin, var,  # noqa: F401
                     std)
from .shape import (reshape, permute, transpose, expand, squeeze, unsqueeze,  # noqa: F401
                    flatten, getitem, scatter_add, scatter_add_array, cat, stack, split, chunk)
from .linalg import matmul, linear  # noqa: F401
from .nn import (softmax, log_softmax, softmax_array, cross_entropy_indices,  # noqa: F401
                 softmax_cross_entropy)
from .arithmetic import Add, Sub, Mul, Div, Neg, Pow, Maximum, Minimum, Where  # noqa: F401
from .unary import Exp, Log, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu, Clamp, Cast  # noqa: F401
from .reduce import Sum, Mean, Max, Min, MaxDim, MinDim, LogSumExp  # noqa: F401
from .shape import Reshape, Permute, Expand, GetItem, ScatterAdd, Cat, Stack  # noqa: F401
from .linalg import MatMul, Linear  # noqa: F401
from .nn import Softmax, LogSoftmax, CrossEntropy, SoftmaxCrossEntropy, ClassOutOfRange  # noqa: F401
from .conv import unfold, fold, unfold_array, fold_array, Unfold, Fold  # noqa: F401
from .layers import (erf, erf_array, leaky_relu, gelu, softplus, dropout,  # noqa: F401
                     binary_cross_entropy, Erf, LeakyRelu, Gelu, Softplus, Dropout,
                     BinaryCrossEntropy)
from .unary import sigmoid_array  # noqa: F401
import sys as _sys

from ..autograd import xp as _xp

_xp.bind_namespaces(_sys.modules[__name__])
