"""The package's shape, read from its source (docs/engine.md, "Layers"):

* no import cycle between chainrule's modules, counting imports inside functions too;
* every module imports at its top, never below its code;
* every public function and every Tensor method the gates and compositions install is
  accounted for: by a registered gate, or by a documented composition.
"""
import ast
import inspect
import pathlib
import re

import chainrule
from chainrule.autograd.registry import REGISTRY
from chainrule.autograd.vocabulary import MEANINGS
from chainrule.tensor import PUBLIC, Tensor

REPO = pathlib.Path(__file__).resolve().parents[1]
SOURCE = REPO / "src"
PACKAGE = SOURCE / "chainrule"
ROOT = "chainrule"
ENGINE_DOC = REPO / "docs" / "engine.md"


# ----- the import graph -------------------------------------------------------------------
def module_files():
    """{dotted module name: path} for every module of the package."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = module_files()
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def ancestors(name):
    """The packages that contain ``name`` (``a.b.c`` -> ``a``, ``a.b``)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def absolute(module, node):
    """The module an ``ImportFrom`` names, its relative dots resolved against ``module``."""
    if not node.level:
        return node.module
    package = module if module in PACKAGES else module.rpartition(".")[0]
    base = package.split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported(module, node):
    """The package's modules one import statement in ``module`` makes Python run."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        source = absolute(module, node)
        submodules = [f"{source}.{alias.name}" for alias in node.names
                      if f"{source}.{alias.name}" in MODULES]
        # ``from . import rows`` needs only the submodule; a name that is not a submodule is
        # read from ``source`` itself (a module, or a package's __init__)
        reads_source = len(submodules) < len(node.names)
        targets = submodules + ([source] if reads_source else [])
    found = []
    for target in targets:
        if target.split(".")[0] != ROOT:
            continue   # NumPy, the standard library, optional dependencies
        found.append(target)
        # importing a.b.c runs package a.b's __init__ first, unless the importer is inside
        # a.b (then a.b is already running); the root __init__ only aggregates, and runs
        # before any module of the package anyway
        found += [p for p in ancestors(target)
                  if p != ROOT and p not in ancestors(module) and p != module]
    return [t for t in found if t in MODULES and t != module]


def import_graph():
    """{module: {imported module: line}}: every import, at module level or in a function."""
    graph = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(module, node):
                    edges.setdefault(target, node.lineno)
    return graph


def find_cycles(graph):
    """One cycle per strongly connected component that has one (Tarjan, iterative)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return [cycle_in(graph, sorted(component)) for component in components]


def cycle_in(graph, component):
    """A shortest path from the component's first module back to itself."""
    start = component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in graph[node]:
                if target == start:
                    return paths[node] + [start]
                if target in component and target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def describe(cycle, graph):
    steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in zip(cycle, cycle[1:])]
    return "\n  ".join(steps)


def test_no_import_cycle():
    """Dependencies point one way: the layers of docs/engine.md have no cycle, counting the
    imports written inside functions, which only hide a cycle until the function runs."""
    graph = import_graph()
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(
        f"  {describe(cycle, graph)}" for cycle in cycles)


def test_cycle_finder_sees_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b": 1}, "b": {}}) == []


def test_imports_resolve_relative_names_and_packages():
    graph = import_graph()
    assert "chainrule.dtypes" in graph["chainrule.tensor"]
    bottom = {"chainrule.dtypes", "chainrule.device", "chainrule.printing"}
    assert set(graph["chainrule.tensor"]) == bottom, "tensor.py is the bottom"
    assert not any(graph[m] for m in bottom), "below tensor.py: modules importing no other"
    # ``from ..autograd.gate import Gate`` in ops/ runs autograd/__init__.py too
    assert {"chainrule.autograd.gate", "chainrule.autograd"} <= set(graph["chainrule.ops.unary"])
    # ``from .gate import ...`` inside autograd/ does not: that package is already running
    assert "chainrule.autograd" not in graph["chainrule.autograd.engine"]


# ----- imports at the top ---------------------------------------------------------------
def late_imports(path):
    """Module-level imports that come after a statement that is not an import."""
    body = ast.parse(path.read_text(), str(path)).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]   # the docstring
    late, code_seen = [], None
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            if code_seen is not None:
                late.append(f"{path.relative_to(REPO)}:{statement.lineno} imports after "
                            f"the code of line {code_seen}")
        elif code_seen is None:
            code_seen = statement.lineno
    return late


def test_imports_come_first():
    """No "import at the bottom", the usual way to hide a cycle: every module-level import
    stands before the module's first other statement."""
    late = [line for path in MODULES.values() for line in late_imports(path)]
    assert not late, "\n".join(late)


# ----- every public name maps to a gate or to a documented composition ---------------------
def tensor_own_attributes():
    """What tensor.py's class body defines (storage, protocol): not installed by anyone."""
    tree = ast.parse((PACKAGE / "tensor.py").read_text())
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor").body
    own = set(Tensor.__slots__)
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.Assign):
            own.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return own


def installed_methods():
    """{name: attribute} of the Tensor methods and properties installed from outside tensor.py."""
    own = tensor_own_attributes() | {"__module__", "__qualname__", "__doc__", "__dict__",
                                     "__firstlineno__", "__static_attributes__"}
    return {name: value for name, value in vars(Tensor).items() if name not in own}


def closed_over(fn):
    """The values a function made by another one holds (its closure cells)."""
    values = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:   # a cell not filled yet
            pass
    return values


def gate_of(value):
    """The registered gate whose fast path, ``apply`` or reflected operator ``value`` is."""
    for cls in REGISTRY.values():
        if value is cls.unary or value is cls.binary or value == cls.apply:
            return cls
        if any(held is cls.binary for held in closed_over(value)):   # __radd__ swaps operands
            return cls
    return None


def function_of(value):
    return value.fget if isinstance(value, property) else value


def gates_named_by(fn):
    """The registered gates a wrapper's code names (``Mean.apply``; ``extreme(Max, ...)``),
    or holds in its closure (a function made in a loop, such as ``x += y``'s)."""
    named = set()
    try:
        tree = ast.parse(inspect.getsource(fn).strip())
    except (OSError, TypeError, SyntaxError):   # a lambda inside a larger expression
        tree = None
    if tree is not None:
        named |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in REGISTRY}
    named |= {held.__name__ for held in closed_over(fn)
              if isinstance(held, type) and REGISTRY.get(held.__name__) is held}
    return sorted(named)


def documented_compositions():
    """The names in docs/engine.md's table of compositions (its first column, in backticks)."""
    text = ENGINE_DOC.read_text()
    section = text.split("### Compositions", 1)[1].split("\n#", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            names |= set(re.findall(r"`([\w.]+)`", line.split("|")[1]))
    return names


def public_names():
    """(kind, name, function) for every public function and installed Tensor attribute."""
    entries = [("chainrule", name, fn) for name, fn in PUBLIC.items()]
    entries += [("Tensor", name, value) for name, value in installed_methods().items()]
    return entries


def runs(value, cls):
    """Whether ``value`` is ``cls``'s fast path or ``apply``, or a wrapper that names it."""
    fn = function_of(value)
    return fn is not None and (gate_of(fn) is cls or cls.__name__ in gates_named_by(fn))


def test_gate_methods_and_functions_are_the_gates_own():
    """No two gates claim one method, and what a gate declares in ``methods`` and
    ``function`` still runs that gate: a later install may replace it only with a wrapper
    of the same gate (``cr.add(x, y, alpha=)`` around ``Add``), never with something else."""
    claimed, problems = {}, []
    for cls in REGISTRY.values():
        for method in cls.methods:
            if method in claimed:
                problems.append(f"Tensor.{method}: claimed by {claimed[method]} and {cls.__name__}")
            claimed[method] = cls.__name__
            if not runs(vars(Tensor).get(method), cls):
                problems.append(f"Tensor.{method} is declared by gate {cls.__name__} but is "
                                f"{vars(Tensor).get(method)!r}")
        if cls.function and not runs(PUBLIC.get(cls.function), cls):
            problems.append(f"chainrule.{cls.function} is declared by gate {cls.__name__} but "
                            f"is {PUBLIC.get(cls.function)!r}")
    assert not problems, "\n".join(problems)


def test_every_public_name_maps_to_a_gate_or_a_documented_composition():
    """Each public function (``chainrule.tensor.PUBLIC``) and each Tensor method or property
    installed outside tensor.py is one of:

    1. a registered gate's own ``methods`` or ``function`` (its fast path or ``apply``);
    2. a wrapper whose code names registered gates (``Mean.apply(x, dim=dim, keepdim=...)``):
       it turns PyTorch's arguments into gate parameters, and the gate's rows are its math;
    3. a composition or a function without a gradient, documented where a reader looks: by
       its docstring, or by a row of the table under "Compositions" in docs/engine.md.

    Why both in 3: the docstring is the honest place (it sits with the code, ``help()``
    prints it, the doctests run its example), but functions made in a loop (comparisons,
    casts, ``x += y``) have no docstring of their own, and neither do a few one-line
    compositions of other files; the table documents those, by family. The test checks that
    a docstring exists, not that it is true; the table is checked both ways (below), so it
    cannot keep a row for a name that is gone.
    """
    table = documented_compositions()
    missing = []
    for kind, name, value in public_names():
        fn = function_of(value)
        if gate_of(fn) or gates_named_by(fn):
            continue
        if (value.__doc__ or fn.__doc__ or "").strip() or name in table:   # property(doc=)
            continue
        missing.append(f"{kind}.{name} ({getattr(fn, '__module__', '?')}."
                       f"{getattr(fn, '__qualname__', fn)})")
    assert not missing, (
        "public names that are neither a gate nor a documented composition (give each a "
        "docstring, or a row in docs/engine.md's table of compositions):\n  "
        + "\n  ".join(sorted(missing)))


def test_composition_table_names_real_functions():
    names = {name for _, name, _ in public_names()}
    stale = sorted(documented_compositions() - names)
    assert not stale, f"docs/engine.md lists compositions that do not exist: {stale}"


def test_helper_table_names_real_helpers():
    """docs/engine.md's table of helpers names only helpers of the vocabulary (``MEANINGS``,
    the full list: a new helper is not required to be added there)."""
    text = ENGINE_DOC.read_text()
    table = text.split("| helper | meaning |", 1)[1].split("\n\n", 1)[0]
    listed = {m.group(1) for m in re.finditer(r"^\| `(\w+)\(", table, re.M)}
    assert listed and not listed - set(MEANINGS), (
        f"docs/engine.md lists helpers that the vocabulary does not define: "
        f"{sorted(listed - set(MEANINGS))}")


def test_the_root_only_aggregates():
    """chainrule/__init__.py defines no function or class of its own beyond lazy loading."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert defined == ["__getattr__"]
    assert chainrule.Tensor is Tensor
