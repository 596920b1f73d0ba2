"""BLAS thread counts: cr.set_num_threads / get_num_threads, and the commands' choice."""
import os
import subprocess
import sys

import pytest

import chainrule as cr
from chainrule import threads


@pytest.fixture
def restore_threads():
    before = cr.get_num_threads()
    yield
    cr.set_num_threads(before)


def test_set_num_threads_is_what_get_num_threads_reads(restore_threads):
    cr.set_num_threads(1)
    assert cr.get_num_threads() == 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_a_bad_thread_count_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="set_num_threads"):
        cr.set_num_threads(bad)


def test_importing_chainrule_leaves_the_thread_count_alone():
    code = ("from threadpoolctl import threadpool_info\n"
            "count = lambda: {p['filepath']: p['num_threads'] for p in threadpool_info()}\n"
            "import numpy; before = count()\n"
            "import chainrule; after = count()\n"
            "assert all(after[k] == n for k, n in before.items()), (before, after)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_free_cores_counts_the_load_against_the_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(os, "getloadavg", lambda: (2.6, 0.0, 0.0))
    assert threads.free_cores() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    assert threads.free_cores() == 4
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert threads.free_cores() == 1


def test_commands_use_the_free_cores_unless_the_environment_says(monkeypatch, restore_threads):
    for name in threads.BLAS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "free_cores", lambda: 1)
    assert threads.use_free_cores() == 1 and cr.get_num_threads() == 1
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    cr.set_num_threads(2)
    assert threads.use_free_cores() is None and cr.get_num_threads() == 2
