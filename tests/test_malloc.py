"""``_malloc``: import keeps freed memory for reuse on glibc, and the opt-out is honoured."""
import os
import platform
import subprocess
import sys

import pytest


def tuned_in_fresh_process(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environment.pop("CHAINRULE_MALLOC", None)
    environment.update(env)
    code = "import chainrule._malloc as m; print(m.tuned)"
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                         text=True, check=True).stdout
    return out.strip() == "True"


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_import_tunes_glibc_malloc():
    assert tuned_in_fresh_process()


def test_the_opt_out_and_the_users_own_settings_are_left_alone():
    assert not tuned_in_fresh_process(CHAINRULE_MALLOC="default")
    assert not tuned_in_fresh_process(MALLOC_TRIM_THRESHOLD_="1000000")
