"""``torch.linalg``'s norms (``vector_norm``, ``matrix_norm`` and ``norm``, written with the
reductions, ``ops/reduce.py``) and the singular value decomposition (``svd``, ``svdvals``,
``ops/svd.py``), the inverse, determinants, linear solves and the Cholesky factor
(``inv``, ``det``, ``slogdet``, ``solve``, ``cholesky``, ``ops/linalg_solve.py``), all with
gradients, the symmetric eigendecomposition and QR (``eigh``, ``eigvalsh``, ``qr``), the
pseudo-inverse, rank and least squares (``pinv``, ``matrix_rank``, ``lstsq``,
``ops/decompositions.py``) and ``cross`` (``ops/products.py``).

>>> import chainrule as cr
>>> cr.linalg.vector_norm(cr.tensor([3.0, -4.0])).item(), cr.linalg.matrix_norm(cr.eye(2), 1).item()
(5.0, 1.0)
>>> cr.linalg.matrix_norm(cr.tensor([[3.0, 0.0], [0.0, -4.0]]), "nuc").item()
7.0
"""
from .ops.reduce import linalg_norm as norm, matrix_norm, vector_norm  # noqa: F401
from .ops.svd import svd, svdvals  # noqa: F401
from .ops.linalg_solve import cholesky, det, inv, slogdet, solve  # noqa: F401
from .ops.linalg_solve import cholesky_ex, inv_ex, solve_ex  # noqa: F401
from .ops.products import linalg_cross as cross  # noqa: F401
from .ops.decompositions import eigh, eigvalsh, lstsq, matrix_rank, pinv, qr  # noqa: F401
from .ops.matrix_functions import matrix_power, multi_dot, solve_triangular, vecdot  # noqa: F401
from .ops.matrix_functions import cond, tensorinv, tensorsolve, vander  # noqa: F401
from .ops.matrix_functions import linalg_diagonal as diagonal  # noqa: F401
from .ops.matrix_exponential import matrix_exp  # noqa: F401
from .ops import matmul  # noqa: F401  (torch.linalg.matmul: PyTorch's other name for it)
from .out import with_out

# PyTorch's linalg functions that take out=: computed as usual, then written into it, with
# PyTorch's rules (out.py: no gradients, the cast, the resize)
OUT_NAMES = ("vector_norm", "matrix_norm", "norm", "svd", "svdvals", "inv", "det", "slogdet",
             "solve", "cholesky", "cross", "eigh", "eigvalsh", "qr", "pinv", "matrix_rank",
             "matrix_power", "multi_dot", "vecdot", "solve_triangular", "cond", "tensorinv",
             "tensorsolve", "matmul", "inv_ex", "cholesky_ex", "solve_ex")
globals().update({name: with_out(f"linalg.{name}", globals()[name]) for name in OUT_NAMES})
