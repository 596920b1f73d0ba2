"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict`` (children named "0", "1", ...)."""
import collections

from .module import Module, indent


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
    """A list of modules whose parameters the parent module finds."""

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
    """A dict of modules (insertion order) whose parameters the parent module finds."""

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


def position(index, length, container):
    if not -length <= index < length:
        raise IndexError(f"{container}: index {index} is out of range for {length} modules")
    return index % length
