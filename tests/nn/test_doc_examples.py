"""The audit of issue 12: every public module, function, optimizer and scheduler has a
docstring with an example, and the example runs.

"Public" is what PyTorch has under the same name in the matching namespace (``torch``,
``torch.nn``, ``torch.nn.functional``, ``torch.nn.init``, ``torch.nn.utils``,
``torch.optim``, ``torch.optim.lr_scheduler``, ``torch.linalg``, ``torch.autograd``,
``torch.utils.data``), plus chainrule's own public functions (``tensor.PUBLIC``) and every
``nn.Module`` subclass in ``chainrule.nn``. A function that a gate publishes
(``cr.exp`` is ``Exp.apply``) is documented by its gate class. Examples are run here with
``doctest`` as well: pytest's ``--doctest-modules`` runs those of module-level names, and
this covers any that it does not reach.

And docs/nn.md's "Not yet" section lists exactly the names PyTorch has in ``torch.nn``,
its functional, init and utils, ``torch.optim`` and its schedulers that chainrule lacks.
"""
import doctest
import inspect
import pathlib
import re

import pytest

import chainrule as cr
from chainrule.tensor import PUBLIC

torch = pytest.importorskip("torch")

NAMESPACES = {   # chainrule's namespace -> PyTorch's
    "cr": (cr, torch), "cr.nn": (cr.nn, torch.nn),
    "cr.nn.functional": (cr.nn.functional, torch.nn.functional),
    "cr.nn.init": (cr.nn.init, torch.nn.init), "cr.nn.utils": (cr.nn.utils, torch.nn.utils),
    "cr.optim": (cr.optim, torch.optim),
    "cr.optim.lr_scheduler": (cr.optim.lr_scheduler, torch.optim.lr_scheduler),
    "cr.linalg": (cr.linalg, torch.linalg), "cr.autograd": (cr.autograd, torch.autograd),
    "cr.utils.data": (cr.utils.data, torch.utils.data),
}


def documented_object(obj):
    """Where the docstring of ``obj`` lives: a gate's published ``apply`` (maybe wrapped,
    for ``out=``) is its class's."""
    unwrapped = inspect.unwrap(obj)
    if inspect.ismethod(unwrapped) and inspect.isclass(unwrapped.__self__):
        return unwrapped.__self__
    if inspect.ismethod(obj) and inspect.isclass(obj.__self__):
        return obj.__self__
    return obj


def is_public_api(space_name, name, obj, theirs):
    if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
        return False
    if not (getattr(obj, "__module__", None) or "").startswith("chainrule"):
        return False   # NumPy's or Python's objects re-exported
    if inspect.isclass(obj) and issubclass(obj, cr.nn.Module) and space_name == "cr.nn":
        return True
    return hasattr(theirs, name) or space_name == "cr" and name in PUBLIC


def public_api():
    """``(qualified name, object holding the docstring)``, once per object."""
    seen, out = set(), []
    for space_name, (ours, theirs) in NAMESPACES.items():
        for name, obj in sorted(vars(ours).items()):
            if not is_public_api(space_name, name, obj, theirs):
                continue
            holder = documented_object(obj)
            if id(holder) not in seen:
                seen.add(id(holder))
                out.append((f"{space_name}.{name}", holder))
    return out


API = public_api()


def test_the_walk_sees_the_whole_public_api():
    names = {name for name, _ in API}
    assert len(API) > 450
    for expected in ("cr.exp", "cr.zeros", "cr.linalg.svdvals", "cr.nn.Linear",
                     "cr.nn.functional.relu_", "cr.optim.Adam",
                     "cr.optim.lr_scheduler.OneCycleLR", "cr.nn.init.kaiming_uniform_",
                     "cr.utils.data.DataLoader", "cr.autograd.grad"):
        assert expected in names or any(obj is eval(expected) for _, obj in API), expected


def test_every_public_name_has_a_docstring_example():
    missing = sorted(name for name, obj in API if ">>>" not in (obj.__doc__ or ""))
    assert not missing, f"{len(missing)} public names without a docstring example: {missing}"


def test_every_docstring_example_runs():
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    state = cr.get_default_dtype(), cr.is_grad_enabled()
    failed = []
    for name, obj in API:
        for test in finder.find(obj, name):   # globals: its module's, as doctest gives
            result = runner.run(test, out=lambda text: None)
            if result.failed:
                failed.append(name)
            if (cr.get_default_dtype(), cr.is_grad_enabled()) != state:
                failed.append(f"{name} (leaves the default dtype or grad mode changed)")
                cr.set_default_dtype(state[0])
                cr.set_grad_enabled(state[1])
    assert not failed, f"docstring examples that fail: {failed}"


# ----- docs/nn.md's "Not yet": exactly what PyTorch has and chainrule lacks ---------------
DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "nn.md"
# re-exported typing and internal names, bases, and names PyTorch deprecates
NOT_API = {"Optional", "Any", "Counter", "SupportsFloat", "Tensor", "boolean_dispatch",
           "handle_torch_function", "has_torch_function", "has_torch_function_unary",
           "has_torch_function_variadic", "assert_int_or_pair", "Container", "RNNBase",
           "RNNCellBase", "NLLLoss2d", "constant", "dirac", "eye", "kaiming_normal",
           "kaiming_uniform", "normal", "orthogonal", "sparse", "uniform", "xavier_normal",
           "xavier_uniform", "clip_grad_norm"}
COMPARED = {   # the namespaces the section lists, and what counts as API in each
    "torch.nn": (torch.nn, cr.nn, lambda o: inspect.isclass(o) and issubclass(o, torch.nn.Module)),
    "torch.nn.functional": (torch.nn.functional, cr.nn.functional,
                            lambda o: callable(o) and not inspect.isclass(o)),
    "torch.nn.init": (torch.nn.init, cr.nn.init, callable),
    "torch.nn.utils": (torch.nn.utils, cr.nn.utils, callable),
    "torch.optim": (torch.optim, cr.optim,
                    lambda o: inspect.isclass(o) and issubclass(o, torch.optim.Optimizer)),
    "torch.optim.lr_scheduler": (torch.optim.lr_scheduler, cr.optim.lr_scheduler,
                                 inspect.isclass),
}


def lacking(theirs, ours, is_api):
    return {name for name, obj in vars(theirs).items()
            if not name.startswith("_") and name not in NOT_API and not inspect.ismodule(obj)
            and (getattr(obj, "__module__", None) or "").startswith("torch") and is_api(obj)
            and not hasattr(ours, name)}


def documented_gaps():
    section = DOC.read_text().split("\n## Not yet\n", 1)[1].split("\n## ", 1)[0]
    lines = re.findall(r"^- `(torch[\w.]*)`: (.*)$", section, re.M)
    return {label: set(re.findall(r"`(\w+)`", names)) for label, names in lines}


@pytest.mark.parametrize("label", sorted(COMPARED))
def test_nn_doc_lists_exactly_what_is_not_there_yet(label):
    listed = documented_gaps().get(label)
    assert listed is not None, f"docs/nn.md's 'Not yet' has no line for {label}"
    actual = lacking(*COMPARED[label])
    assert listed == actual, (f"{label}: listed but present in chainrule: "
                              f"{sorted(listed - actual)}; missing and not listed: "
                              f"{sorted(actual - listed)}")
