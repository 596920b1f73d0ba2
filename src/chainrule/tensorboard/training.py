"""``chainrule train --tensorboard DIR``: a training run, as TensorBoard shows it.

The model's graph is written once, before the first epoch; after every epoch come the
losses, accuracies (or RMSE), the learning rate and a histogram of every parameter.
"""
from .writer import SummaryWriter

TAGS = {"train_loss": "loss/train", "test_loss": "loss/test",
        "train_accuracy": "accuracy/train", "test_accuracy": "accuracy/test",
        "test_rmse": "rmse/test", "lr": "learning_rate"}


def log_training(trainer, log_dir):
    """Hook a ``cli.train.Trainer`` to a new writer in ``log_dir``; returns the writer (close
    it when training ends)."""
    writer = SummaryWriter(log_dir)
    writer.add_graph(trainer.model, trainer.train_x[:trainer.config["batch_size"]])

    def log_epoch(record, trainer):
        step = record["epoch"]
        for key, tag in TAGS.items():
            if key in record:
                writer.add_scalar(tag, record[key], step)
        for name, parameter in trainer.model.named_parameters():
            writer.add_histogram(f"weights/{name}", parameter, step)
        writer.flush()

    trainer.callbacks.append(log_epoch)
    return writer
