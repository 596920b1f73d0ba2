"""The process is the user's: ``import chainrule`` changes no process-wide setting; the
malloc tuning is an explicit call (made by the CLI), and its opt-out is honoured."""
import os
import platform
import subprocess
import sys

import pytest


def run_fresh(code, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environment.pop("CHAINRULE_MALLOC", None)
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_import_changes_no_process_wide_setting():
    code = """
import os, sys, warnings, numpy as np
before = (np.get_printoptions(), list(warnings.filters), dict(os.environ), np.geterr())
import chainrule
after = (np.get_printoptions(), list(warnings.filters), dict(os.environ), np.geterr())
print(before == after, 'chainrule.malloc' in sys.modules and chainrule.malloc.CALLED)
"""
    assert run_fresh(code) == "True False"


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_explicit_call_tunes_glibc_malloc():
    assert run_fresh("import chainrule as cr; print(cr.keep_freed_memory())") == "True"


def test_the_opt_out_and_the_users_own_settings_are_left_alone():
    code = "import chainrule as cr; print(cr.keep_freed_memory())"
    assert run_fresh(code, CHAINRULE_MALLOC="default") == "False"
    assert run_fresh(code, MALLOC_TRIM_THRESHOLD_="1000000") == "False"
