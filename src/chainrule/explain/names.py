"""Names for a graph's nodes, from the model that made it.

In order of precedence:

1. ``aliases`` given as tensor -> name (``{net.fc1.weight: "W1"}``);
2. the tensor's own ``name=``;
3. a parameter or buffer of ``model`` (or of a module whose calls were recorded): its path
   in the model, as ``named_parameters()`` gives it (``fc1.weight``, ``0.bias``); a buffer
   that a gate reads as an array (or a view of it) too (``1.running_mean``);
4. the output of a recorded module call (``record_modules``): the module's path (``fc1``,
   ``blocks.0.mlp.0``); a numbered child of the model itself gets its kind in front
   (``linear0``, not ``0``). With ``model=`` but no recording, the one gate that reads a
   module's own parameters is named so (``fc1``); a module without parameters (``relu``)
   needs the recording;
5. with a model: the model's input ``x`` (the input of the outermost recorded call, or else
   the one leaf that is no parameter), and ``y``, the target a loss gate reads;
6. the gate's label and a counter (``mul1``), as without a model.

Without ``model=`` and without a recording, a parameter has no name to find cheaply (a
Parameter does not know the module that holds it), so it is ``input1``, ``input2``.
"""
import re

import numpy as np

from ..nn.loss import Loss
from ..tensor import Tensor
from .modules import call_of


def model_names(nodes, model=None, aliases=None):
    """{id(node): name} for the nodes that the model, the recording or ``aliases`` name."""
    given = {id(t): name for t, name in (aliases or {}).items() if isinstance(t, Tensor)}
    tensors = [n.tensor for n in nodes if n.tensor is not None]
    found, owned, calls = module_names(tensors, model)
    arrays = buffer_arrays(model)
    names = {}
    for n in nodes:
        t = n.tensor
        if t is not None:
            name = given.get(id(t)) or t.name or found.get(id(t))
        else:   # a buffer a gate reads as an array, or as a view of one (running_mean)
            base = n.data.base
            name = arrays.get(id(n.data)) or (arrays.get(id(base)) if base is not None else None)
        if name:
            names[id(n)] = name
    if model is not None and not any(calls.values()):
        names.update(layer_outputs(nodes, names, model))
    if model is not None or any(calls.values()):
        names.update(input_and_target(nodes, names, calls, owned))
        out = nodes[-1]
        if id(out) not in names and out.data.size == 1 and "L" not in names.values():
            names[id(out)] = "L"   # the loss, as the seeds write it
    return names


def layer_outputs(nodes, names, model):
    """Without a recording: the one gate that reads a module's own parameters is that
    module's output (``fc1`` for the linear gate of ``fc1``); modules without parameters
    (``relu``) cannot be told apart and keep their gate names."""
    holder = {}
    for path, module in model.named_modules():
        for p in module._parameters.values():
            if p is not None:
                holder.setdefault(id(p), (path, module))
    readers = {}
    for n in nodes:
        if n.gate is not None:
            for owner in {holder[id(o)] for o in n.operands if id(o) in holder}:
                readers.setdefault(id(owner[1]), []).append((n, owner))
    found = {}
    for users in readers.values():
        if len(users) == 1:     # a module called twice is two gates: no one name for them
            n, (path, module) = users[0]
            if id(n) not in names:
                found[id(n)] = output_name(path, module)
    return found


def buffer_arrays(model):
    """{id(array): path} of the model's buffers, for gates that read them as arrays."""
    if model is None:
        return {}
    return {id(b._data): path for path, b in model.named_buffers() if b is not None}


def module_names(tensors, model=None):
    """({id(tensor): name} for parameters, buffers and recorded module outputs among
    ``tensors``, {id(tensor): path} of every parameter and buffer, {id(tensor): Call})."""
    calls = {id(t): call_of(t) for t in tensors}
    roots = [model] if model is not None else outermost_modules(calls.values())
    paths, owned = {}, {}
    for root in roots:
        for path, module in root.named_modules():
            paths.setdefault(id(module), path)
        for path, tensor in [*root.named_parameters(), *root.named_buffers()]:
            owned.setdefault(id(tensor), path)
    found = {}
    for t in tensors:
        call = calls[id(t)]
        if id(t) in owned:
            found[id(t)] = owned[id(t)]
        elif call is not None and id(call.module) in paths:
            found[id(t)] = output_name(paths[id(call.module)], call.module)
    return found, owned, calls


def outermost_modules(calls):
    """The modules of the outermost calls recorded with the calls that made the graph."""
    seen, roots = set(), []
    for call in calls:
        if call is None or id(call.recording) in seen:
            continue
        seen.add(id(call.recording))
        roots += [c.module for c in call.recording if c.depth == 0 and c.module not in roots]
    return roots


def output_name(path, module):
    """A module's output named by its path (``fc1``, ``blocks.0.attn``); a numbered child of
    the model itself gets its kind in front (``linear0``: ``dL/d0`` would read as a number)."""
    if not path:
        return "out"
    if path.isdigit():
        return f"{re.sub(r'[^a-z0-9_]', '', type(module).__name__.lower())}{path}"
    return path


def input_and_target(nodes, names, calls, owned):
    """``x``: the input of the outermost recorded call, else the one unnamed leaf that is no
    parameter; ``y``: the target of a recorded loss module, else what a loss gate reads as
    its target; each only when it is the only candidate and the name is free."""
    taken = set(names.values())
    unnamed = [n for n in nodes if n.gate is None and id(n) not in names
               and (n.tensor is None or id(n.tensor) not in owned)]
    recorded = [c for c in calls.values() if c is not None]
    recordings = {id(c.recording): c.recording for c in recorded}.values()
    every_call = [c for r in recordings for c in r]
    root_inputs = {id(t) for c in every_call if c.depth == 0 for t in c.input_tensors()[:1]}
    targets = {id(t) for c in every_call if isinstance(c.module, Loss)
               for t in c.input_tensors()[1:2]}
    targets |= {id(operand) for n in nodes if n.gate is not None
                for slot, operand in zip(n.gate.inputs, n.operands)
                if slot == "target" or (slot == "y" and n.gate.label == "softmax_ce")}
    leaves = [n for n in unnamed if n.tensor is not None]
    x = [n for n in leaves if id(n.tensor) in root_inputs and id(n.tensor) not in targets]
    if not x and not recorded:
        floats = [n for n in leaves if np.issubdtype(n.data.dtype, np.floating)
                  and id(n.tensor) not in targets]
        x = floats if len(floats) == 1 else []
    y = [n for n in unnamed if id(n.tensor if n.tensor is not None else n.data) in targets]
    found = {}
    if len(x) == 1 and "x" not in taken:
        found[id(x[0])] = "x"
    if len(y) == 1 and "y" not in taken and id(y[0]) not in found:
        found[id(y[0])] = "y"
    return found
