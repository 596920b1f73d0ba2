"""``Module``: the base class of layers and models (PyTorch's ``torch.nn.Module``).

A module owns parameters, buffers (saved state that is not learned, such as BatchNorm's
running statistics) and child modules, each found by attribute assignment. Names are dotted
paths, as in PyTorch (``"0.weight"``, ``"encoder.fc.bias"``), so state dicts line up.

Registered values live in the registries (``_parameters``, ``_buffers``, ``_modules``) and,
as a copy of the same reference, in the instance ``__dict__``: reading ``self.weight`` in a
``forward`` is then a plain attribute read, with no ``__getattr__`` call on the hot path.
"""
import collections

import numpy as np

from ..device import as_device
from ..ops.inplace import mark_changed
from ..ops.unary import to_arguments
from ..tensor import Tensor
from . import hooks
from .parameter import Parameter


class _IncompatibleKeys(collections.namedtuple("_IncompatibleKeys",
                                               ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns, printed as PyTorch prints it:
    ``<All keys matched successfully>`` when no key is missing or unexpected."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


IncompatibleKeys = _IncompatibleKeys   # PyTorch's class name, which its repr shows
REGISTRIES = ("_parameters", "_buffers", "_modules")
HOOK_TABLES = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
               "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_backward_hooks",
               "_backward_pre_hooks")


class Module:
    """Base class for every layer and model: subclass it, call ``super().__init__()``, assign
    layers and parameters as attributes, and write ``forward``.

    >>> import chainrule as cr
    >>> class Net(cr.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = cr.nn.Linear(2, 1)
    ...     def forward(self, x):
    ...         return self.fc(x)
    >>> [name for name, _ in Net().named_parameters()]
    ['fc.weight', 'fc.bias']
    """

    def __init__(self):
        state = self.__dict__
        state["training"] = True
        state["_parameters"] = {}
        state["_buffers"] = {}
        state["_non_persistent_buffers_set"] = set()
        state["_modules"] = {}
        for table in HOOK_TABLES:
            state[table] = collections.OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: the module has no forward(); "
                                  f"define forward(self, ...) in the subclass")

    def __call__(self, *args, **kwargs):
        if not hooks.EVER:
            return self.forward(*args, **kwargs)
        state = self.__dict__
        if not (state["_forward_pre_hooks"] or state["_forward_hooks"] or state["_backward_hooks"]
                or state["_backward_pre_hooks"] or hooks.any_global_hooks()):
            return self.forward(*args, **kwargs)
        return hooks.call_with_hooks(self, args, kwargs)

    # ----- hooks (nn/hooks.py runs them) --------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before ``forward`` (``hook(module, args, kwargs)`` with
        ``with_kwargs``); a returned value replaces the arguments. Returns a handle."""
        return hooks.add_hook(self._forward_pre_hooks, hook, prepend,
                              [(self._forward_pre_hooks_with_kwargs, with_kwargs)])

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` after ``forward`` (``hook(module, args, kwargs,
        output)`` with ``with_kwargs``); a returned value replaces the output.

        >>> import chainrule as cr
        >>> layer = cr.nn.Identity()
        >>> h = layer.register_forward_hook(lambda m, args, out: out + 1)
        >>> layer(cr.tensor(1.0)).item()
        2.0
        """
        return hooks.add_hook(self._forward_hooks, hook, prepend,
                              [(self._forward_hooks_with_kwargs, with_kwargs),
                               (self._forward_hooks_always_called, always_call)])

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradients of the outputs are known; a
        returned tuple replaces them."""
        return hooks.add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` when the gradients of the inputs are
        known (None for an input that needs none); a returned tuple replaces ``grad_input``.

        >>> import chainrule as cr
        >>> layer, seen = cr.nn.Linear(2, 1), []
        >>> h = layer.register_full_backward_hook(
        ...     lambda m, gin, gout: seen.append((tuple(gin[0].shape), tuple(gout[0].shape))))
        >>> layer(cr.ones(3, 2, requires_grad=True)).sum().backward()
        >>> seen
        [((3, 2), (3, 1))]
        """
        return hooks.add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook):
        raise NotImplementedError(f"{type(self).__name__}.register_backward_hook: the old "
                                  f"(non-full) backward hook is not supported, PyTorch "
                                  f"deprecates it; use register_full_backward_hook")

    # ----- registration -----------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        else:
            for registry, kind, allowed, advice in self.registered_slots():
                if registry in self.__dict__ and name in self.__dict__[registry]:
                    if value is not None and not isinstance(value, allowed):
                        raise TypeError(f"{type(self).__name__}: cannot assign a "
                                        f"{type(value).__name__} to {kind} '{name}'; {advice}")
                    self.__dict__[registry][name] = value
                    self.__dict__[name] = value
                    return
            object.__setattr__(self, name, value)

    @staticmethod
    def registered_slots():
        """(registry, what it holds, the type it takes besides None, what to do instead).
        Parameters and modules are caught before: here only None replaces them."""
        return (("_parameters", "parameter", (), "wrap it in nn.Parameter(...) or assign None"),
                ("_modules", "child module", (), "assign a Module or None"),
                ("_buffers", "buffer", Tensor, "assign a Tensor or None"))

    def __delattr__(self, name):
        for registry in REGISTRIES:
            self.__dict__.get(registry, {}).pop(name, None)
        self._non_persistent_buffers_set.discard(name)
        object.__delattr__(self, name)

    def _register(self, registry, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: cannot assign '{name}' before "
                                 f"Module.__init__() is called; call super().__init__() first "
                                 f"in __init__")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{type(self).__name__}: the name {name!r} is not valid for a "
                           f"parameter, buffer or module; use a non-empty string without '.'")
        for other in REGISTRIES:
            if other != registry:
                self.__dict__[other].pop(name, None)
        self.__dict__[registry][name] = value
        self.__dict__[name] = value

    def register_parameter(self, name, param):
        """Add a parameter (or None, a declared slot such as a missing bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}: register_parameter('{name}') expects an "
                            f"nn.Parameter or None, got {type(param).__name__}")
        self._register("_parameters", name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not learned; persistent buffers go in state_dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{type(self).__name__}: register_buffer('{name}') expects a "
                            f"Tensor or None, got {type(tensor).__name__}")
        self._register("_buffers", name, tensor)
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module; it is then reachable as an attribute and in dotted names."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: add_module('{name}') expects a Module or "
                            f"None, got {type(module).__name__}")
        self._register("_modules", name, module)

    register_module = add_module

    # ----- walking the tree -------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and every descendant, each once, with its dotted name ('' for self)."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(f"{name}.{key}" if name else key, child)
                        for key, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        walk = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_name, module in walk:
            for name, value in module.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(dotted name, Parameter)`` pairs; a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target):
        """The descendant at a dotted path (``"encoder.0"``)."""
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no child module '{part}' "
                                     f"(looking for '{target}')")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        """The parameter at a dotted path (``"encoder.fc.weight"``)."""
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target):
        """The buffer at a dotted path (``"norm.running_mean"``)."""
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target, registry, kind):
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module.__dict__[registry]:
            raise AttributeError(f"{type(module).__name__} has no {kind} '{name}' (looking for "
                                 f"'{target}')")
        return module.__dict__[registry][name]

    def apply(self, fn):
        """Call ``fn`` on every descendant, then on this module (as PyTorch does)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ----------------------------------------------------------
    def train(self, mode=True):
        """Training mode (Dropout drops, BatchNorm uses batch statistics)."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        for module in self.modules():
            module.__dict__["training"] = mode
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's ``.grad`` (None by default, or zeros in place)."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad._data[...] = 0

    # ----- dtype ------------------------------------------------------------------------
    def to(self, *args, **kwargs):
        """PyTorch's forms (``to(device)``, ``to(dtype)``, ``to(device, dtype)``,
        ``to(tensor)``): floating parameters and buffers converted to ``dtype``; the device
        must be the CPU (another raises DeviceError: chainrule computes on the CPU only)."""
        device, target, _ = to_arguments(args, kwargs)
        as_device(device, "Module.to")
        if target is None:
            return self
        for tensor in list(self.parameters()) + list(self.buffers()):
            if tensor._data.dtype.kind == "f" and tensor._data.dtype != target:
                tensor._data = tensor._data.astype(target)
                if tensor.grad is not None:
                    tensor.grad._data = tensor.grad._data.astype(target)
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        """Floating parameters and buffers to float16 (NumPy's half precision)."""
        return self.to(np.float16)

    def bfloat16(self):
        raise TypeError(f"{type(self).__name__}.bfloat16: chainrule computes with NumPy, "
                        f"which has no bfloat16; use half() or float()")

    def cpu(self):
        return self

    def share_memory(self):
        """The module itself: its tensors are shared only with the processes PyTorch's
        multiprocessing starts, which chainrule does not have (``torch.multiprocessing`` is
        not there to import)."""
        return self

    def cuda(self, device=None):
        """Refused with a clear error: chainrule computes on the CPU only."""
        as_device("cuda" if device is None or isinstance(device, int) else device,
                  "Module.cuda")
        return self

    # ----- state ------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer by dotted name, in PyTorch's order.

        The tensors share memory with the module (detached unless ``keep_vars=True``).
        """
        out = collections.OrderedDict() if destination is None else destination
        # A shared module is saved under each of its names, as PyTorch does.
        for name, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            lead = f"{name}." if name else ""
            for key, param in module._parameters.items():
                if param is not None:
                    out[lead + key] = param if keep_vars else param.detach()
            for key, buffer in module._buffers.items():
                if buffer is not None and key not in module._non_persistent_buffers_set:
                    out[lead + key] = buffer if keep_vars else buffer.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        A shape mismatch always raises; with ``strict=True`` missing and unexpected keys raise
        too, all of them listed in one error. Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatched = []
        for key, target in own.items():
            if key in state_dict:
                shape = tuple(np.shape(as_array(state_dict[key])))
                if shape != tuple(target.shape):
                    mismatched.append(f"size mismatch for {key}: copying a param with shape "
                                      f"{shape} from checkpoint, the shape in current model is "
                                      f"{tuple(target.shape)}.")
        errors = list(mismatched)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, target in own.items():
            if key in state_dict:
                value = as_array(state_dict[key])
                if assign:
                    target._data = np.array(value, dtype=target._data.dtype)
                else:   # in place: aliases see it, and a graph built before refuses backward
                    target._data[...] = value
                    mark_changed(target)
        return IncompatibleKeys(missing, unexpected)

    # ----- printing ---------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + indent(repr(module), 2)
                       for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def as_array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def indent(text, spaces):
    """Indent every line of ``text`` but the first (nested reprs, as PyTorch prints them)."""
    lines = text.split("\n")
    return "\n".join(lines[:1] + [" " * spaces + line for line in lines[1:]])
