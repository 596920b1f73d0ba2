"""Samplers: the orders PyTorch's samplers give (where they are deterministic, the very same;
where random, the same distribution and checks), and their refusals."""
import collections

import pytest

import chainrule as cr


def test_sequential_sampler_yields_python_ints_in_order():
    order = list(cr.data.SequentialSampler(range(5)))
    assert order == [0, 1, 2, 3, 4] and all(type(i) is int for i in order)
    assert len(cr.data.SequentialSampler(range(5))) == 5


def test_random_sampler_is_a_new_permutation_each_epoch_reproducible_by_generator():
    sampler = cr.data.RandomSampler(range(20), generator=cr.Generator(3))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(20)) and first != second
    again = cr.data.RandomSampler(range(20), generator=cr.Generator(3))
    assert [list(again), list(again)] == [first, second]
    assert all(type(i) is int for i in first)


def test_random_sampler_with_replacement_and_more_samples_than_the_dataset():
    drawn = list(cr.data.RandomSampler(range(4), replacement=True, num_samples=400,
                                       generator=cr.Generator(0)))
    assert len(drawn) == 400 and set(drawn) == {0, 1, 2, 3}
    counts = collections.Counter(drawn)
    assert max(counts.values()) > 100 + 5   # not whole permutations: repeats differ
    whole = list(cr.data.RandomSampler(range(4), num_samples=10, generator=cr.Generator(0)))
    counts = collections.Counter(whole)
    assert len(whole) == 10 and sorted(whole[:4]) == sorted(whole[4:8]) == [0, 1, 2, 3]
    assert all(c in (2, 3) for c in counts.values())   # two permutations and part of a third


def test_random_sampler_length_follows_a_growing_dataset_like_pytorch():
    data = [0, 1, 2]
    sampler = cr.data.RandomSampler(data)
    data.append(3)
    assert len(sampler) == 4 and sorted(sampler) == [0, 1, 2, 3]


def test_subset_random_sampler_permutes_the_given_indices():
    sampler = cr.data.SubsetRandomSampler([10, 4, 7, 1], generator=cr.Generator(1))
    assert sorted(sampler) == [1, 4, 7, 10] and len(sampler) == 4
    orders = {tuple(sampler) for _ in range(10)}
    assert len(orders) > 1


def test_weighted_sampler_draws_in_proportion_and_never_zero_weights():
    weights = [0.1, 0.0, 0.6, 0.3]
    drawn = list(cr.data.WeightedRandomSampler(weights, 30000, generator=cr.Generator(0)))
    counts = collections.Counter(drawn)
    assert counts[1] == 0
    for index in (0, 2, 3):
        assert abs(counts[index] / 30000 - weights[index]) < 0.01
    unique = list(cr.data.WeightedRandomSampler(cr.tensor([1.0, 5.0, 1.0, 0.5]), 4,
                                                replacement=False, generator=cr.Generator(0)))
    assert sorted(unique) == [0, 1, 2, 3]


@pytest.mark.parametrize("make, error, message", [
    (lambda: cr.data.RandomSampler(range(3), num_samples=0), ValueError, "num_samples"),
    (lambda: cr.data.RandomSampler(range(3), replacement=1), TypeError, "replacement"),
    (lambda: cr.data.WeightedRandomSampler([1.0, 2.0], 0), ValueError, "num_samples"),
    (lambda: cr.data.WeightedRandomSampler([[1.0, 2.0]], 2), ValueError, "1d sequence"),
    (lambda: cr.data.WeightedRandomSampler([1.0, -2.0], 2), RuntimeError, "non-negative"),
    (lambda: cr.data.WeightedRandomSampler([1.0, 0.0], 2, replacement=False), RuntimeError,
     "without replacement"),
    (lambda: cr.data.BatchSampler(range(3), 0, False), ValueError, "batch_size"),
    (lambda: cr.data.BatchSampler(range(3), 2, None), ValueError, "drop_last"),
])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


class EveryOther(cr.data.Sampler):
    """A sampler of a user's own: only __iter__ and __len__."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(0, self.n, 2))

    def __len__(self):
        return (self.n + 1) // 2


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("size", [1, 3, 4, 11])
def test_batch_sampler_matches_pytorch(size, drop_last):
    torch = pytest.importorskip("torch")
    data = torch.utils.data
    for ours, theirs in [
        (cr.data.SequentialSampler(range(10)), data.SequentialSampler(range(10))),
        (EveryOther(9), list(range(0, 9, 2))),
    ]:
        got = cr.data.BatchSampler(ours, size, drop_last)
        want = data.BatchSampler(theirs, size, drop_last)
        assert list(got) == list(want) and len(got) == len(want)
        assert all(type(i) is int for batch in got for i in batch)


def test_batch_sampler_uses_an_overridden_iter_of_a_builtin_sampler():
    class Reversed(cr.data.SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    assert list(cr.data.BatchSampler(Reversed(range(5)), 2, False)) == [[4, 3], [2, 1], [0]]
