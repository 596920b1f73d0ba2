"""DistributedSampler against PyTorch's: the same indices without shuffling for every
dataset length, number of replicas, rank and drop_last; with shuffling, one order shared by
the ranks (seed + epoch), split without overlap, changed by set_epoch."""
import pytest
import torch
from torch.utils.data.distributed import DistributedSampler as TorchSampler

import chainrule as cr

Sampler = cr.data.DistributedSampler


@pytest.mark.parametrize("drop_last", [False, True])
def test_indices_and_lengths_match_pytorch(drop_last):
    for n in range(1, 14):
        for replicas in (1, 2, 3, 4, 5):
            for rank in range(replicas):
                options = dict(num_replicas=replicas, rank=rank, drop_last=drop_last)
                ours = Sampler(range(n), shuffle=False, **options)
                theirs = TorchSampler(range(n), shuffle=False, **options)
                assert list(ours) == list(theirs), (n, replicas, rank)
                assert len(ours) == len(theirs) == len(list(ours))
                assert len(Sampler(range(n), **options)) == len(TorchSampler(range(n), **options))


def test_shuffled_shares_cover_one_order_without_overlap():
    n, replicas = 23, 4
    for epoch in (0, 1):
        shares = []
        for rank in range(replicas):
            sampler = Sampler(range(n), num_replicas=replicas, rank=rank, seed=5)
            sampler.set_epoch(epoch)
            shares.append(list(sampler))
        dealt = [shares[i % replicas][i // replicas] for i in range(n)]
        assert sorted(dealt) == list(range(n))   # the first n positions: a permutation
        if epoch == 0:
            first = shares
    assert first != shares   # set_epoch draws another order
    again = Sampler(range(n), num_replicas=replicas, rank=0, seed=5)
    assert list(again) == first[0]   # seed + epoch decide it


def test_a_dataloader_reads_the_share():
    data = cr.data.TensorDataset(cr.arange(10.0))
    loader = cr.data.DataLoader(data, batch_size=2, sampler=Sampler(data, num_replicas=2,
                                                                    rank=1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1.0, 3.0], [5.0, 7.0], [9.0]]
    assert isinstance(loader.sampler, cr.data.Sampler)


def test_bad_rank_and_missing_group_raise():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        Sampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        Sampler(range(4))
    assert torch.__version__   # PyTorch is what the indices are checked against
