"""DistributedDataParallel under mpiexec: 2 and 4 processes that start from different weights
train to the weights one process reaches on the same global batches (float32, 1e-5: the
averaged gradient adds the processes' sums in another order than one process's matmul);
gradient accumulation with no_sync; unused parameters; overlap; buffers."""
import importlib.util

import numpy as np
import pytest

import chainrule as cr
from mpi_helpers import WORKERS, check_ok, run_mpi

spec = importlib.util.spec_from_file_location("ddp_train", WORKERS / "ddp_train.py")
worker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(worker)


def one_process_weights():
    """The reference: rank 0's initial model, trained by one process on the whole batches."""
    model = worker.build(100)
    optimizer = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for xb, yb in worker.batches(0, 1):
        optimizer.zero_grad()
        cr.nn.functional.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    return model.state_dict()


@pytest.mark.parametrize("nproc, mode", [(2, "train"), (4, "train"), (2, "small-buckets"),
                                         (2, "accumulate")])
def test_processes_train_to_one_process_weights(nproc, mode, tmp_path):
    out = tmp_path / "weights.safetensors"
    done, _ = run_mpi(nproc, "ddp_train.py", mode, out)
    check_ok(done)
    got, want = cr.load(str(out)), one_process_weights()
    assert list(got) == list(want)
    for key in want:
        diff = np.abs(got[key].numpy() - want[key].numpy()).max()
        assert diff <= 1e-5, (key, diff)
    moved = max(np.abs(want[k].numpy() - worker.build(100).state_dict()[k].numpy()).max()
                for k in want)
    assert moved > 1e-2   # training did change the weights: the comparison means something


@pytest.mark.parametrize("mode", ["partial", "unused", "unused-error", "overlap", "buffers"])
def test_behaviour(mode, tmp_path):
    """Unused parameters (used on some ranks, on none, and the error without
    find_unused_parameters); a bucket started while backward goes on; buffers from rank 0."""
    done, _ = run_mpi(2, "ddp_train.py", mode, tmp_path / "unused")
    check_ok(done)
