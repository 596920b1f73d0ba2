"""One optimizer kernel call for a whole parameter group: PyTorch's ``foreach`` idea in NumPy.

Each step gathers every parameter's weights and gradient into two flat arrays (one
``np.concatenate`` each), runs the optimizer's kernel once on them, and copies the new
weights back into each parameter's own array (so ``p.data``, ``detach()`` and everything
that shares a parameter's memory stay what they were). The state buffers (``exp_avg``...)
live in flat arrays for good; each parameter's state holds tensors that are views into them,
so ``optimizer.state[p]`` and ``state_dict()`` look as they do per parameter.

The kernels are elementwise, so the flat arrays give the same bits as the per-parameter
path. Before each step ``fits`` checks, with identity tests only, that nothing moved under
the flat group: the same parameters have gradients, each parameter keeps its array (a new
one, from ``p.data = ...``, is checked again for overlaps with the others) and its
gradient's dtype and shape, every state buffer is still the view it was
(``load_state_dict``, or a user assigning ``state[p][key]``, replaces them) and the numbers
in the states agree. Anything else rebuilds the group, or, where the parameters cannot share
one (mixed dtypes, overlapping memory, states of different kinds), runs the per-parameter
path.
"""
import numpy as np

from ..tensor import Tensor, new_tensor

MISSING = object()


def share_memory(arrays):
    """Whether two of the arrays overlap (parameters made from one array): the flat step
    computes every update from the old values, one by one they would see each other's."""
    by_owner = {}
    for a in arrays:
        by_owner.setdefault(id(a if a.base is None else a.base), []).append(a)
    return any(np.shares_memory(a, b) for group in by_owner.values() if len(group) > 1
               for i, a in enumerate(group) for b in group[i + 1:])


class FlatGroup:
    """Flat weights, gradients and state buffers over a list of parameters."""

    def __init__(self, params, state):
        self.params = params
        self.arrays_of_params = [p._data for p in params]
        self.dtype = params[0]._data.dtype
        self.shapes = [p._data.shape for p in params]
        sizes = [p._data.size for p in params]
        self.bounds = np.cumsum([0] + sizes).tolist()
        self.w = np.empty(self.bounds[-1], self.dtype)
        self.g = np.empty(self.bounds[-1], self.dtype)
        self.w_views = self.split(self.w)
        first = state[params[0]]
        self.scalars = {k: v for k, v in first.items() if not isinstance(v, Tensor)}
        self.arrays, self.views = {}, {}
        for key in (k for k, v in first.items() if isinstance(v, Tensor)):
            self.adopt(key, np.concatenate([state[p][key]._data for p in params], axis=None),
                       state, new=False)

    @classmethod
    def build(cls, params, state):
        """A flat group over ``params``, or None where they cannot share one."""
        for p in params:
            state.setdefault(p, {})
        first = state[params[0]]
        dtype = params[0]._data.dtype
        if not all(type(p._data) is np.ndarray and type(p.grad._data) is np.ndarray
                   for p in params):
            return None   # another backend's arrays (the flat buffers are NumPy's)
        if share_memory([p._data for p in params]):
            return None   # one parameter's update would overwrite another's: go one by one
        for p in params:
            own = state[p]
            if p._data.dtype != dtype or p.grad._data.dtype != dtype or own.keys() != first.keys():
                return None
            for key, value in own.items():
                if isinstance(value, Tensor) != isinstance(first[key], Tensor):
                    return None
                if isinstance(value, Tensor):
                    if value._data.dtype != dtype or value._data.shape != p._data.shape:
                        return None
                elif value != first[key]:
                    return None
        return cls(params, state)

    def split(self, flat):
        """Views of ``flat``, one per parameter, shaped like it."""
        return [flat[a:b].reshape(shape)
                for a, b, shape in zip(self.bounds, self.bounds[1:], self.shapes)]

    def adopt(self, key, flat, state, new):
        """Keep ``flat`` as the buffer ``key`` and point every parameter's state at a view."""
        self.arrays[key] = flat
        self.views[key] = views = self.split(flat)
        for p, view in zip(self.params, views):
            if new:
                state[p][key] = new_tensor(view, None)
            else:
                state[p][key]._data = view

    def fits(self, params, state):
        """Whether this group still describes ``params`` and their states exactly."""
        if len(params) != len(self.params) or any(a is not b for a, b in zip(params, self.params)):
            return False
        count = len(self.arrays) + len(self.scalars)
        for i, p in enumerate(params):
            own = state.get(p)
            if (own is None or len(own) != count or p._data is not self.arrays_of_params[i]
                    or p._data.shape != self.shapes[i] or p.grad._data.dtype != self.dtype
                    or p.grad._data.shape != self.shapes[i]):
                return False
            for key, views in self.views.items():
                t = own.get(key)
                if not isinstance(t, Tensor) or t._data is not views[i]:
                    return False
            for key, value in self.scalars.items():
                if own.get(key, MISSING) != value:
                    return False
        return True

    def update(self, optimizer, group):
        """One step: gather, run the kernel once, copy the weights back, keep new state."""
        params, state = self.params, optimizer.state
        np.concatenate([p._data for p in params], axis=None, out=self.w)
        np.concatenate([p.grad._data for p in params], axis=None, out=self.g)
        if group.get("maximize"):
            np.negative(self.g, out=self.g)
        s = dict(self.scalars)
        s.update(self.arrays)
        optimizer.kernel(group, self.w, self.g, s)
        for p, view in zip(params, self.w_views):
            np.copyto(p._data, view)
        for key, value in s.items():
            if isinstance(value, np.ndarray):
                if key not in self.arrays:
                    self.adopt(key, value, state, new=True)
            elif self.scalars.get(key, MISSING) != value:
                self.scalars[key] = value
                for p in params:
                    state[p][key] = value
