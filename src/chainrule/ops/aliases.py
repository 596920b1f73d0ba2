"""PyTorch's other names for functions chainrule has (``torch.multiply``, ``torch.absolute``,
``torch.greater``, ``Tensor.not_equal_``...): each is the same function object as the name it
stands for, so it has that function's gate or composition, docstring and checks.

>>> import chainrule as cr
>>> cr.multiply(cr.tensor([2.0]), 3).tolist(), cr.absolute(cr.tensor([-1.5])).tolist()
([6.0], [1.5])
"""
from ..tensor import PUBLIC, Tensor

# PyTorch's other name -> the name chainrule publishes it under
FUNCTIONS = {"absolute": "abs", "multiply": "mul", "subtract": "sub", "divide": "div",
             "negative": "neg", "greater": "gt", "greater_equal": "ge", "less": "lt",
             "less_equal": "le", "not_equal": "ne", "ger": "outer", "moveaxis": "movedim",
             "swapaxes": "swapdims", "row_stack": "vstack", "broadcast_to": "expand",
             "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
             "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"}
METHODS = {"absolute": "abs", "greater": "gt", "greater_equal": "ge", "less": "lt",
           "less_equal": "le", "not_equal": "ne", "absolute_": "abs_", "multiply_": "mul_",
           "subtract_": "sub_", "divide_": "div_", "negative_": "neg_", "greater_": "gt_",
           "greater_equal_": "ge_", "less_": "lt_", "less_equal_": "le_",
           "not_equal_": "ne_", "__rdiv__": "__rtruediv__", "broadcast_to": "expand"}

for _alias, _name in FUNCTIONS.items():
    PUBLIC.setdefault(_alias, PUBLIC[_name])
for _alias, _name in METHODS.items():
    if not hasattr(Tensor, _alias):
        setattr(Tensor, _alias, getattr(Tensor, _name))
