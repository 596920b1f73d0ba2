"""``chainrule train --tensorboard DIR``: the run as TensorBoard reads it."""
import pytest

from chainrule.cli import main

pytest.importorskip("tensorboard", reason="tensorboard is not installed")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def test_train_logs_losses_accuracy_lr_histograms_and_the_model_graph(tmp_path):
    log_dir = tmp_path / "tb"
    assert main(["train", "--dataset", "moons", "--epochs", "2", "--hidden", "8",
                 "--out", str(tmp_path / "run"), "--tensorboard", str(log_dir)]) == 0
    events = EventAccumulator(str(log_dir))
    events.Reload()
    tags = events.Tags()
    assert {"loss/train", "loss/test", "accuracy/train", "accuracy/test",
            "learning_rate"} <= set(tags["scalars"])
    assert [s.step for s in events.Scalars("loss/train")] == [1, 2]
    assert all(0 <= s.value <= 1 for s in events.Scalars("accuracy/test"))
    assert [s.value for s in events.Scalars("learning_rate")] == pytest.approx([2e-3, 2e-3])
    assert "weights/0.weight" in tags["histograms"]
    names = {n.name for n in events.Graph().node}
    assert {"Sequential/Linear[0]/Linear", "Sequential/Linear[0]/weight"} <= names
