"""The program corpus: short PyTorch programs in the style of public tutorials, each written
once against PyTorch's API and run twice, under PyTorch and under chainrule (injected as
``torch`` for that run), from the same initial weights; their loss sequences agree to 1e-4.

A program is a file here with ``run(model)`` returning its losses (which must fall, unless
it sets ``LOSS_FALLS = False``), and ``build()`` making the model where it has one (the
harness copies PyTorch's initial ``state_dict`` into chainrule's model). Programs that build
their weights from tensors make them from a seeded NumPy generator, so both runs start from
the same numbers. Random draws made by the
libraries (``multinomial``, shuffling) differ between them, so programs use them only where
no loss depends on them, and check what they drew themselves.
"""
import contextlib
import importlib.abc
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")

HERE = pathlib.Path(__file__).parent
PROGRAMS = sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("test_"))

class NoTorch(importlib.abc.MetaPathFinder):
    """While chainrule stands in for PyTorch, a ``torch`` module chainrule lacks is an
    ImportError, never PyTorch's own module loaded from disk."""

    def find_spec(self, name, path, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"{name}: chainrule has no chainrule{name[5:]}")
        return None


def counterpart(name):
    """chainrule's module for ``torch`` or ``torch.x.y`` (``chainrule.x.y``), or None."""
    try:
        return importlib.import_module("chainrule" + name[len("torch"):])
    except ImportError:
        return None


@contextlib.contextmanager
def chainrule_as_torch():
    """``import torch`` and ``import torch.x.y`` give chainrule's modules while the block
    runs (those chainrule lacks raise ImportError); PyTorch's are put back after."""
    saved = {name: module for name, module in sys.modules.items()
             if name == "torch" or name.startswith("torch.")}
    finder = NoTorch()
    try:
        for name in saved:
            del sys.modules[name]
        for name in set(saved) | {"torch.nn.functional", "torch.optim", "torch.utils.data",
                                  "torch.autograd", "torch.nn.utils.rnn"}:
            ours = counterpart(name)
            if ours is not None:
                sys.modules[name] = ours
        sys.meta_path.insert(0, finder)
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def load(name, under_chainrule):
    """A fresh module object of program ``name``, its imports bound to one library."""
    spec = importlib.util.spec_from_file_location(
        f"program_{name}_{'chainrule' if under_chainrule else 'torch'}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    with chainrule_as_torch() if under_chainrule else contextlib.nullcontext():
        spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def one_thread_each():
    """PyTorch and NumPy's BLAS on one thread each while the programs run: on a busy
    machine their idle threads spin and wait for cores, which made these small runs several
    times slower (chainrule's tiny GPT: 8 s with two BLAS threads, 1.3 s with one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        blas = contextlib.nullcontext()
    else:
        blas = threadpool_limits(limits=1, user_api="blas")
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(threads)


def run_program(name, under_chainrule, initial=None):
    program = load(name, under_chainrule)
    library = chainrule if under_chainrule else torch
    assert program.torch is library   # the program really runs on the library meant
    library.manual_seed(0)
    model = program.build() if hasattr(program, "build") else None
    if model is not None and initial is not None:
        missing = model.load_state_dict({k: library.tensor(v) for k, v in initial.items()})
        assert not list(getattr(missing, "missing_keys", [])), missing
    state = None if model is None else {
        k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return program.run(model), state, program


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_gives_pytorchs_losses_under_chainrule(name):
    with one_thread_each():
        theirs, initial, program = run_program(name, under_chainrule=False)
        ours, _, _ = run_program(name, under_chainrule=True, initial=initial)
    theirs, ours = np.array(theirs, dtype=np.float64), np.array(ours, dtype=np.float64)
    assert ours.shape == theirs.shape and len(theirs) >= 3
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    if getattr(program, "LOSS_FALLS", True):   # a GAN's losses oscillate instead
        assert theirs[-1] < theirs[0]   # the program really trains


def test_the_corpus_has_the_programs_the_coverage_issue_asks_for():
    assert len(PROGRAMS) >= 12, PROGRAMS


def test_the_shim_puts_pytorch_back():
    with chainrule_as_torch():
        import torch as inside
        import torch.nn.utils.rnn as rnn
        assert inside is chainrule and rnn is chainrule.nn.utils.rnn
        with pytest.raises(ImportError, match="chainrule has no"):
            importlib.import_module("torch.no_such_module")
    import torch as after
    assert after is torch and sys.modules["torch.nn"] is torch.nn
