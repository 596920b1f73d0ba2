"""DataLoader, datasets, collation and random_split."""
import numpy as np
import pytest

import chainrule as cr


def numbered(n=10):
    return cr.data.TensorDataset(cr.arange(n).float().reshape(n, 1), cr.arange(n))


def test_batches_cover_every_sample_once_in_order_without_shuffle():
    batches = list(cr.data.DataLoader(numbered(), batch_size=4))
    assert [y.tolist() for _, y in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 1) and batches[0][0].dtype == cr.float32


def test_drop_last_skips_the_short_batch():
    loader = cr.data.DataLoader(numbered(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(y) for _, y in loader] == [4, 4]


def test_shuffle_is_a_permutation_reproducible_by_seed_and_new_each_epoch():
    def epochs(seed):
        loader = cr.data.DataLoader(numbered(), batch_size=3, shuffle=True,
                                    generator=cr.Generator(seed))
        return [np.concatenate([y.detach().numpy() for _, y in loader]).tolist() for _ in range(2)]

    first, second = epochs(1)
    assert sorted(first) == list(range(10)) and first != list(range(10))
    assert first != second
    assert epochs(1) == [first, second] and epochs(2) != [first, second]


def test_default_generator_follows_manual_seed():
    loader = cr.data.DataLoader(numbered(), batch_size=10, shuffle=True)
    cr.manual_seed(5)
    a = next(iter(loader))[1].tolist()
    cr.manual_seed(5)
    assert next(iter(loader))[1].tolist() == a


class Pairs(cr.data.Dataset):
    """A map-style dataset without get_batch: samples go through collate_fn."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i, "w": i / 2}


def test_per_sample_datasets_are_collated_like_pytorch():
    x = next(iter(cr.data.DataLoader(Pairs(), batch_size=3)))
    assert x["x"].shape == (3, 2) and x["x"].dtype == cr.float32
    assert x["y"].tolist() == [0, 1, 2] and x["y"].dtype == cr.int64
    assert x["w"].dtype == cr.float64          # Python floats collate to float64, as in PyTorch
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate
    theirs = default_collate([Pairs()[i] for i in range(3)])
    assert str(theirs["w"].dtype) == "torch.float64" and str(theirs["y"].dtype) == "torch.int64"


def test_custom_collate_fn_receives_the_samples():
    loader = cr.data.DataLoader(numbered(4), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2]


def test_random_split_is_disjoint_and_subsets_batch_through_the_loader():
    train, test = cr.data.random_split(numbered(10), [7, 3], generator=cr.Generator(0))
    assert len(train) == 7 and len(test) == 3
    ys = [int(train[i][1]) for i in range(7)] + [int(test[i][1]) for i in range(3)]
    assert sorted(ys) == list(range(10))
    x, y = next(iter(cr.data.DataLoader(train, batch_size=7)))
    assert x[:, 0].tolist() == y.float().tolist() and sorted(y.tolist()) == sorted(ys[:7])
    subset = cr.data.random_split(Pairs(), [0.6, 0.4], cr.Generator(0))[0]
    assert next(iter(cr.data.DataLoader(subset, batch_size=3)))["x"].shape == (3, 2)


def test_random_split_fractions_round_like_pytorch():
    assert [len(s) for s in cr.data.random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]


@pytest.mark.parametrize("make, message", [
    (lambda: cr.data.random_split(range(10), [3, 3]), "add up to the dataset's length 10"),
    (lambda: cr.data.DataLoader(numbered(), batch_size=0), "positive integer"),
    (lambda: cr.data.TensorDataset(cr.zeros(3), cr.zeros(4)), "lengths \\[3, 4\\]"),
])
def test_bad_arguments_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()
