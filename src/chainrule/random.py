"""Random numbers: one seedable generator behind every random function, like PyTorch's."""
import json

import numpy as np

from .tensor import new_tensor


class Generator:
    """A seedable source of random numbers (``cr.Generator().manual_seed(0)``).

    >>> import chainrule as cr
    >>> a = cr.rand(3, generator=cr.Generator().manual_seed(7))
    >>> b = cr.rand(3, generator=cr.Generator().manual_seed(7))
    >>> cr.equal(a, b)
    True
    """

    def __init__(self, seed=None):
        self.manual_seed(np.random.SeedSequence().entropy if seed is None else seed)

    def manual_seed(self, seed):
        self.seed = int(seed)
        self.numpy = np.random.default_rng(self.seed)
        return self

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, value):
        self.numpy.bit_generator.state = value


default_generator = Generator(0)


def manual_seed(seed):
    """Seed the default generator: the same seed gives the same numbers.

    >>> import chainrule as cr
    >>> _ = cr.manual_seed(0); a = cr.rand(2)
    >>> _ = cr.manual_seed(0); b = cr.rand(2)
    >>> bool((a == b).all())
    True
    """
    return default_generator.manual_seed(seed)


def numpy_generator(generator=None):
    return (generator or default_generator).numpy


def initial_seed():
    """The seed of the default generator (the last ``manual_seed``, or the first one).

    >>> import chainrule as cr
    >>> _ = cr.manual_seed(5)
    >>> cr.initial_seed()
    5
    """
    return default_generator.seed


def seed():
    """Seed the default generator from the operating system's entropy; returns the seed.

    >>> import chainrule as cr
    >>> state = cr.get_rng_state()   # (kept, so that the example leaves the draws as they were)
    >>> s = cr.seed()
    >>> isinstance(s, int), cr.initial_seed() == s
    (True, True)
    >>> cr.set_rng_state(state)
    """
    default_generator.manual_seed(np.random.SeedSequence().entropy % 2 ** 64)
    return default_generator.seed


def get_rng_state():
    """The default generator's state as a uint8 tensor (PyTorch's ByteTensor form; the bytes
    are the JSON of NumPy's generator state here, not PyTorch's), for ``set_rng_state``.

    >>> import chainrule as cr
    >>> state = cr.get_rng_state()
    >>> a = cr.rand(2); cr.set_rng_state(state)
    >>> cr.equal(a, cr.rand(2))
    True
    """
    text = json.dumps({"seed": default_generator.seed,
                       "state": default_generator.get_state()})
    return new_tensor(np.frombuffer(text.encode(), np.uint8).copy(), None)


def set_rng_state(new_state):
    """Restore a state that ``get_rng_state`` returned.

    >>> import chainrule as cr
    >>> state = cr.get_rng_state()
    >>> a = cr.rand(3)
    >>> cr.set_rng_state(state)
    >>> cr.equal(cr.rand(3), a)
    True
    """
    array = np.asarray(getattr(new_state, "_data", new_state), np.uint8)
    try:
        saved = json.loads(array.tobytes().decode())
        default_generator.seed = saved["seed"]
        default_generator.set_state(saved["state"])
    except (ValueError, KeyError, TypeError) as error:
        raise RuntimeError("set_rng_state: expected a state from chainrule's get_rng_state "
                           "(PyTorch's states are another generator's)") from error
