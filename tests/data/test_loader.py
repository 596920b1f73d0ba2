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


def test_a_tensor_dataset_batch_is_a_list_as_in_pytorch():
    batch = next(iter(cr.data.DataLoader(numbered(), batch_size=4)))
    assert type(batch) is list and len(batch) == 2


def test_sampler_and_batch_sampler_decide_the_order():
    loader = cr.data.DataLoader(numbered(), batch_size=3,
                                sampler=cr.data.SubsetRandomSampler([9, 8, 2], cr.Generator(0)))
    assert sorted(next(iter(loader))[1].tolist()) == [2, 8, 9] and len(loader) == 1
    batches = [[0, 5], [1], [9, 3, 4]]
    loader = cr.data.DataLoader(numbered(), batch_sampler=batches)
    assert [y.tolist() for _, y in loader] == batches and len(loader) == 3
    loader = cr.data.DataLoader(Pairs(), batch_sampler=[[4, 0], [1]],
                                collate_fn=lambda samples: [p["y"] for p in samples])
    assert list(loader) == [[4, 0], [1]]


def test_batch_size_none_yields_converted_samples_without_a_batch_dimension():
    loader = cr.data.DataLoader(Pairs(), batch_size=None)
    samples = list(loader)
    assert len(loader) == 5 and len(samples) == 5
    assert samples[2]["x"].shape == (2,) and samples[2]["y"] == 2
    assert isinstance(samples[2]["x"], cr.Tensor)


class Stream(cr.data.IterableDataset):
    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        return iter([(float(i), i) for i in range(self.n)])

    def __len__(self):
        if not self.sized:
            raise TypeError("Stream has no length")
        return self.n


def test_iterable_datasets_batch_in_stream_order():
    batches = list(cr.data.DataLoader(Stream(7), batch_size=3))
    assert [y.tolist() for _, y in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0][0].dtype == cr.float64
    assert [y.tolist() for _, y in cr.data.DataLoader(Stream(7), batch_size=3, drop_last=True)] \
        == [[0, 1, 2], [3, 4, 5]]
    assert len(cr.data.DataLoader(Stream(7), batch_size=3)) == 3
    assert [s for s in cr.data.DataLoader(Stream(2), batch_size=None)] == [[0.0, 0], [1.0, 1]]
    with pytest.raises(TypeError):
        len(cr.data.DataLoader(Stream(7, sized=False), batch_size=3))


def test_concat_dataset_indexes_across_its_parts_like_pytorch():
    torch = pytest.importorskip("torch")
    parts = [list(range(3)), list(range(10, 14)), [99]]
    ours, theirs = cr.data.ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 8 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]
    both = numbered(3) + numbered(2)
    assert isinstance(both, cr.data.ConcatDataset)
    assert [y.tolist() for _, y in cr.data.DataLoader(both, batch_size=5)] == [[0, 1, 2, 0, 1]]
    with pytest.raises(TypeError, match="IterableDataset"):
        cr.data.ConcatDataset([Stream(2)])


def test_a_subclass_that_transforms_its_samples_is_read_through_getitem():
    class Doubled(cr.data.TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2, y

    loader = cr.data.DataLoader(cr.data.Subset(Doubled(cr.arange(4).float(), cr.arange(4)),
                                               [3, 1]), batch_size=2)
    x, y = next(iter(loader))
    assert x.tolist() == [6.0, 2.0] and y.tolist() == [3, 1]


def nested_samples():
    import collections
    Point = collections.namedtuple("Point", "x y")
    return [{"a": (np.array([i, i + 1], dtype=np.float32), [i, float(i)]),
             "b": Point(np.float64(i), True), "name": f"s{i}"} for i in range(3)]


def structure(value):
    """Types, dtypes and values of a collated batch, comparable across the libraries."""
    if isinstance(value, dict):
        return {k: structure(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__,) + tuple(structure(v) for v in value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(structure(v) for v in value)
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        values = np.asarray(value.tolist()).tolist()
        return str(value.dtype).split(".")[-1], tuple(value.shape), values
    return value


def test_default_collate_and_convert_match_pytorch_on_nested_samples():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate, default_convert
    samples = nested_samples()
    assert structure(cr.data.default_collate(samples)) == structure(default_collate(samples))
    assert structure(cr.data.default_convert(samples[1])) == structure(default_convert(samples[1]))
    with pytest.raises(RuntimeError, match="equal size"):
        cr.data.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found object"):
        cr.data.default_collate([object(), object()])


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_sampler=[[0]], batch_size=2), "mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "mutually exclusive"),
    (dict(sampler=[0, 1], shuffle=True), "mutually exclusive with shuffle"),
    (dict(batch_size=None, drop_last=True), "batch_size=None"),
    (dict(prefetch_factor=2), "worker processes"),
    (dict(persistent_workers=True), "worker processes"),
    (dict(multiprocessing_context="spawn"), "worker processes"),
    (dict(num_workers=-1), "non-negative"),
])
def test_conflicting_loader_options_are_refused_as_pytorch_does(kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        cr.data.DataLoader(numbered(), **kwargs)
    with pytest.raises(ValueError):   # PyTorch refuses the same combinations
        torch.utils.data.DataLoader(list(range(10)), **kwargs)


def test_worker_init_fn_is_ignored_without_workers():
    assert len(list(cr.data.DataLoader(numbered(), batch_size=5, worker_init_fn=print))) == 2


def test_iterable_datasets_refuse_shuffle_and_samplers():
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="IterableDataset"):
            cr.data.DataLoader(Stream(3), **kwargs)


def test_workers_are_accepted_for_map_style_datasets_and_give_the_same_batches():
    plain = [y.tolist() for _, y in cr.data.DataLoader(numbered(), batch_size=3)]
    loaded = cr.data.DataLoader(numbered(), batch_size=3, num_workers=2, pin_memory=True)
    assert [y.tolist() for _, y in loaded] == plain


def test_chain_and_stack_datasets_match_pytorch():
    torch = pytest.importorskip("torch")
    class TorchStream(torch.utils.data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([(float(i), i) for i in range(self.n)])

    ours, theirs = list(Stream(2) + Stream(3)), list(TorchStream(2) + TorchStream(3))
    assert ours == theirs and len(Stream(2) + Stream(3)) == 5
    for args, kwargs in [((range(3), "abc"), {}), ((), {"x": range(3), "y": [5, 6, 7]})]:
        a = cr.data.StackDataset(*args, **kwargs)
        b = torch.utils.data.StackDataset(*args, **kwargs)
        assert [a[i] for i in range(3)] == [b[i] for i in range(3)] and len(a) == len(b)
    with pytest.raises(ValueError, match="Size mismatch"):
        cr.data.StackDataset(range(2), range(3))


def test_a_dataset_with_getitems_is_read_a_batch_at_a_time_as_in_pytorch():
    class Batched(cr.data.Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("read one by one")

        def __getitems__(self, indices):
            self.calls.append(indices)
            return [(i, i * i) for i in indices]

    loader = cr.data.DataLoader(Batched(), batch_size=2)
    assert [y.tolist() for _, y in loader] == [[0, 1], [4, 9], [16]]
    assert Batched.calls == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=4, drop_last=True),
                                    dict(batch_size=3, shuffle=True),
                                    dict(batch_size=2, sampler=[5, 1, 1, 8])])
def test_whole_batch_reads_equal_sample_by_sample_reads(kwargs):
    """A TensorDataset (and a Subset of one) read a batch at a time gives what reading each
    sample and collating gives (an explicit collate_fn takes the sample-by-sample path)."""
    for dataset in (numbered(), cr.data.Subset(numbered(12), [11, 3, 5, 0, 9, 2, 7, 8, 1, 4])):
        fast = cr.data.DataLoader(dataset, generator=cr.Generator(4), **kwargs)
        slow = cr.data.DataLoader(dataset, generator=cr.Generator(4),
                                  collate_fn=cr.data.default_collate, **kwargs)
        got, want = list(fast), list(slow)
        assert len(got) == len(want) == len(fast)
        for a, b in zip(got, want):
            assert [t.tolist() for t in a] == [t.tolist() for t in b]
            assert [t.dtype for t in a] == [t.dtype for t in b]


# ----- workers: kept in this process, giving what PyTorch's worker processes give -----
def worker_dataset(lib):
    class WhoLoads(lib.utils.data.Dataset):
        """Each sample: its index and the id of the worker that loaded it."""

        def __len__(self):
            return 11

        def __getitem__(self, i):
            return i, lib.utils.data.get_worker_info().id
    return WhoLoads()


def sharded_stream(lib):
    class Sharded(lib.utils.data.IterableDataset):
        """PyTorch's documented pattern: each worker yields its share of range(3, 20)."""

        def __iter__(self):
            info = lib.utils.data.get_worker_info()
            per = -(-17 // info.num_workers)
            start = 3 + info.id * per
            return iter(range(start, min(start + per, 20)))
    return Sharded()


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value.tolist() if hasattr(value, "tolist") else value


def loaded(lib, dataset, **kwargs):
    return [plain(batch) for batch in lib.utils.data.DataLoader(dataset, **kwargs)]


@pytest.mark.parametrize("kwargs", [dict(batch_size=3, num_workers=2),
                                    dict(batch_size=2, num_workers=3, drop_last=True),
                                    dict(batch_size=None, num_workers=2)], ids=str)
def test_each_batch_comes_from_pytorchs_worker(kwargs):
    torch = pytest.importorskip("torch")
    assert loaded(cr, worker_dataset(cr), **kwargs) == loaded(torch, worker_dataset(torch),
                                                              **kwargs)


@pytest.mark.parametrize("kwargs", [dict(batch_size=4, num_workers=2),
                                    dict(batch_size=4, num_workers=3, drop_last=True),
                                    dict(batch_size=None, num_workers=2)], ids=str)
def test_an_iterable_dataset_sharded_by_worker_comes_in_pytorchs_order(kwargs):
    torch = pytest.importorskip("torch")
    assert loaded(cr, sharded_stream(cr), **kwargs) == loaded(torch, sharded_stream(torch),
                                                              **kwargs)


def test_worker_init_fn_runs_first_in_each_worker_and_seeds_only_that_worker():
    started = []

    def seed_worker(worker_id):   # PyTorch's reproducibility recipe
        info = cr.data.get_worker_info()
        started.append((worker_id, info.id, info.num_workers))
        np.random.seed(cr.initial_seed() % 2 ** 32)

    class Noisy(cr.data.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            return float(np.random.rand())

    def epoch(seed):
        loader = cr.data.DataLoader(Noisy(), batch_size=2, num_workers=2,
                                    worker_init_fn=seed_worker, generator=cr.Generator(seed))
        return [b.tolist() for b in loader]

    np.random.seed(0)
    first = epoch(1)
    after = np.random.rand()
    assert started == [(0, 0, 2), (1, 1, 2)]
    np.random.seed(0)
    assert np.random.rand() == after   # loading took none of the main program's draws
    np.random.seed(0)
    assert epoch(1) == first and np.random.rand() == after   # reproducible, main untouched
    assert epoch(2) != first                                  # another base seed
    assert first[0] != first[1]                               # the two workers differ


def test_persistent_workers_start_once():
    starts = []
    loader = cr.data.DataLoader(numbered(), batch_size=3, num_workers=2,
                                persistent_workers=True, worker_init_fn=starts.append)
    for _ in range(3):
        list(loader)
    assert starts == [0, 1]
    fresh = cr.data.DataLoader(numbered(), batch_size=3, num_workers=2,
                               worker_init_fn=starts.append)
    list(fresh), list(fresh)
    assert starts == [0, 1, 0, 1, 0, 1]


def test_get_worker_info_is_none_outside_loading():
    for _ in cr.data.DataLoader(worker_dataset(cr), batch_size=4, num_workers=2):
        assert cr.data.get_worker_info() is None
