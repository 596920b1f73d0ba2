"""DistributedDataParallel under mpiexec: 2 and 4 processes that start from different weights
train to the weights one process reaches on the same global batches (float32, 1e-5: the
averaged gradient adds the processes' sums in another order than one process's matmul);
gradient accumulation with no_sync; unused parameters; overlap; buffers."""
import importlib.util
import socket

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


@pytest.mark.parametrize("nproc, modes", [(2, ["train", "small-buckets", "accumulate"]),
                                          (4, ["train"])])
def test_processes_train_to_one_process_weights(nproc, modes, tmp_path):
    done, _ = run_mpi(nproc, "ddp_train.py", ",".join(modes), tmp_path)
    check_ok(done)
    want = one_process_weights()
    moved = max(np.abs(want[k].numpy() - worker.build(100).state_dict()[k].numpy()).max()
                for k in want)
    assert moved > 1e-2   # training did change the weights: the comparison means something
    for mode in modes:
        got = cr.load(str(tmp_path / f"{mode}.safetensors"))
        assert list(got) == list(want)
        for key in want:
            diff = np.abs(got[key].numpy() - want[key].numpy()).max()
            assert diff <= 1e-5, (mode, key, diff)


BEHAVIOURS = ["partial", "unused", "unused-error", "overlap", "buffers", "mismatch", "dtypes",
              "twice"]


def test_behaviours(tmp_path):
    """Unused parameters (used on some ranks, on none, and the error without
    find_unused_parameters); a bucket started while backward goes on; buffers from rank 0;
    different models refused; parameters of two dtypes; a second backward refused.
    One job runs them all; a failing one names itself in the worker's assertion."""
    done, _ = run_mpi(2, "ddp_train.py", ",".join(BEHAVIOURS), tmp_path)
    check_ok(done)
    for mode in BEHAVIOURS:
        assert done.stdout.count(f"ok {mode} ") == 2, done.stdout


def test_gradients_match_pytorchs_distributed_data_parallel():
    """Side by side in two processes: PyTorch's DDP on gloo (loopback TCP) and ours on MPI
    agree on the broadcast weights, the state_dict keys and every gradient, with a head
    used by one rank only and one used by none (find_unused_parameters)."""
    with socket.socket() as s:   # a free loopback port for gloo's rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done, _ = run_mpi(2, "torch_parity.py", port, timeout=120)
    check_ok(done)
    assert done.stdout.count("ok ") == 2
