"""docs/distributed.md's training script runs as written on 2 processes (one epoch instead
of ten), and rank 0 alone writes its weights, which load into the plain model."""
import os
import re
import subprocess
import sys
from pathlib import Path

import chainrule as cr
from chainrule.cli.launch import mpiexec
from mpi_helpers import QUIET

DOC = Path(__file__).parents[2] / "docs" / "distributed.md"


def training_script():
    text = DOC.read_text()
    section = text.split("## A training script", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_training_script_runs_on_two_processes(tmp_path):
    script = training_script()
    assert "for epoch in range(10):" in script
    (tmp_path / "train.py").write_text(script.replace("range(10)", "range(1)"))
    done = subprocess.run([mpiexec(), "-n", "2", sys.executable, "train.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **QUIET))
    assert done.returncode == 0, done.stderr
    weights = cr.load(str(tmp_path / "digits.safetensors"))
    assert list(weights) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sorted(os.listdir(tmp_path)) == ["digits.safetensors", "train.py"]
