"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict`` (children named "0", "1", ...),
``ParameterList`` and ``ParameterDict`` (parameters named the same way)."""
import collections

from ..tensor import Tensor
from .module import Module, indent
from .parameter import Parameter


class NumberedModules(Module):
    """What Sequential and ModuleList share: children in order, by position."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.sliced(index)
        return list(self._modules.values())[position(index, len(self), type(self).__name__)]

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def __setitem__(self, index, module):
        """Replace the child at ``index``, keeping its name, as PyTorch does (fine-tuning
        code writes ``model.classifier[6] = nn.Linear(4096, 10)``)."""
        key = list(self._modules)[position(index, len(self), type(self).__name__)]
        self.add_module(key, module)

    def __delitem__(self, index):
        """Remove the child (or slice of children) at ``index``; the rest are renumbered
        "0", "1", ... as PyTorch renumbers them."""
        keys = list(self._modules)
        doomed = set(keys[index] if isinstance(index, slice)
                     else [keys[position(index, len(self), type(self).__name__)]])
        self.renumbered([m for k, m in self._modules.items() if k not in doomed])

    def insert(self, index, module):
        """Put ``module`` before position ``index``; the children are renumbered."""
        if not -len(self) <= index <= len(self):
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range "
                             f"for {len(self)} modules")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self.renumbered(modules)
        return self

    def pop(self, index):
        """Remove and return the child at ``index``."""
        module = self[index]
        del self[index]
        return module

    def renumbered(self, modules):
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)


class Sequential(NumberedModules):
    """Modules applied one after the other; ``Sequential(OrderedDict(...))`` names them.

    >>> import chainrule as cr
    >>> net = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.ReLU())
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
    )
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def sliced(self, index):
        return Sequential(collections.OrderedDict(list(self._modules.items())[index]))


class ModuleList(NumberedModules):
    """A list of modules whose parameters the parent module finds.

    >>> import chainrule as cr
    >>> layers = cr.nn.ModuleList([cr.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), [name for name, _ in layers.named_parameters()][:2]
    (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules=None):
        super().__init__()
        for module in modules or ():
            self.append(module)

    def sliced(self, index):
        return ModuleList(list(self._modules.values())[index])

    def __repr__(self):
        # PyTorch's compact form: a run of identical modules prints once, as "(0-2): 3 x ...".
        runs = []
        for i, text in enumerate(repr(module) for module in self):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [indent(f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}", 2)
                 for a, b, text in runs]
        return "ModuleList(" + ("\n  " + "\n  ".join(lines) + "\n" if lines else "") + ")"

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self


class ModuleDict(Module):
    """A dict of modules (insertion order) whose parameters the parent module finds.

    >>> import chainrule as cr
    >>> heads = cr.nn.ModuleDict({'a': cr.nn.Linear(2, 1), 'b': cr.nn.ReLU()})
    >>> list(heads.keys()), [name for name, _ in heads.named_parameters()]
    (['a', 'b'], ['a.weight', 'a.bias'])
    """

    def __init__(self, modules=None):
        super().__init__()
        for name, module in dict(modules or {}).items():
            self.add_module(name, module)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        for name, module in dict(modules).items():
            self.add_module(name, module)


def as_parameter(value):
    """A plain tensor becomes a Parameter sharing its memory, as PyTorch's containers do."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def parameter_line(key, p):
    kind = "Parameter" if isinstance(p, Parameter) else type(p).__name__
    size = "x".join(str(n) for n in p.shape)
    return f"  ({key}): {kind} containing: [{p.dtype} of size {size}]"


class ParameterList(Module):
    """A list of parameters that the parent module finds (named "0", "1", ...).

    >>> import chainrule as cr
    >>> params = cr.nn.ParameterList([cr.ones(2), cr.zeros(3)])
    >>> [name for name, _ in params.named_parameters()], len(params)
    (['0', '1'], 2)
    """

    def __init__(self, values=None):
        super().__init__()
        for value in values or ():
            self.append(value)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, index):
        values = list(self._parameters.values())
        if isinstance(index, slice):
            return ParameterList(values[index])
        return values[position(index, len(self), "ParameterList")]

    def __setitem__(self, index, value):
        name = str(position(index, len(self), "ParameterList"))
        self.register_parameter(name, as_parameter(value))

    def append(self, value):
        self.register_parameter(str(len(self)), as_parameter(value))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(parameter_line(k, p) for k, p in self._parameters.items())


class ParameterDict(Module):
    """A dict of parameters (insertion order) that the parent module finds.

    >>> import chainrule as cr
    >>> params = cr.nn.ParameterDict({"scale": cr.ones(1)})
    >>> params["shift"] = cr.zeros(1)
    >>> list(params.keys()), isinstance(params["shift"], cr.nn.Parameter)
    (['scale', 'shift'], True)
    """

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, as_parameter(value))

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def get(self, key, default=None):
        return self._parameters.get(key, default)

    def pop(self, key):
        value = self._parameters[key]
        del self[key]
        return value

    def update(self, parameters):
        items = parameters.items() if hasattr(parameters, "items") else parameters
        for key, value in items:
            self[key] = value

    def extra_repr(self):
        return "\n".join(parameter_line(k, p) for k, p in self._parameters.items())


def position(index, length, container):
    if not -length <= index < length:
        raise IndexError(f"{container}: index {index} is out of range for {length} modules")
    return index % length
