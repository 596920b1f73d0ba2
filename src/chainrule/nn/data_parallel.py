"""``nn.DataParallel`` and ``nn.parallel.data_parallel`` as PyTorch runs them on a machine
without a GPU, which is what chainrule computes on: the module is called as it is (PyTorch
then keeps no device ids and splits nothing). Programs written for several GPUs
(``model = nn.DataParallel(model)``) run unchanged, and their state dicts keep the
``module.`` prefix, so a PyTorch DataParallel checkpoint loads.

>>> import chainrule as cr
>>> model = cr.nn.DataParallel(cr.nn.Linear(2, 3), device_ids=[0, 1])
>>> model.device_ids, list(model.state_dict()), tuple(model(cr.ones(4, 2)).shape)
([], ['module.weight', 'module.bias'], (4, 3))
"""
from .module import Module


class DataParallel(Module):
    """``module`` itself, called with the same arguments (no GPU to split the batch over);
    ``.module`` is the model, ``device_ids`` is empty, as PyTorch's without CUDA.

    >>> import chainrule as cr
    >>> cr.nn.DataParallel(cr.nn.ReLU())
    DataParallel(
      (module): ReLU()
    )
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """``module(*inputs, **module_kwargs)``: PyTorch's functional DataParallel without a GPU.

    >>> import chainrule as cr
    >>> cr.nn.parallel.data_parallel(cr.nn.Identity(), cr.ones(2)).tolist()
    [1.0, 1.0]
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
