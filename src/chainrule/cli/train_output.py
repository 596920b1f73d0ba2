"""What ``chainrule train`` shows and draws: the per-epoch progress line and curves.png."""
import io
import time

from ..serialization import write_atomically


def epoch_line(record, epochs):
    text = f"epoch {record['epoch']}/{epochs}  train loss {record['train_loss']:.4f}"
    if "train_accuracy" in record:
        text += f" acc {record['train_accuracy']:.1%}  test loss {record['test_loss']:.4f} " \
                f"acc {record['test_accuracy']:.1%}"
    else:
        text += f"  test loss {record['test_loss']:.4f} rmse {record['test_rmse']:.4g}"
        if "test_r2" in record:
            text += f" R^2 {r2_text(record['test_r2'])}"
    return text + f"  {record['samples_per_s']:,.0f} samples/s"


def result_line(record):
    """The run's result: test accuracy for a classifier, RMSE and R^2 for a regression."""
    if "test_accuracy" in record:
        return f"test accuracy: {record['test_accuracy']:.2%}"
    line = f"test rmse: {record['test_rmse']:.4g}"
    if "test_r2" in record:
        line += f", R^2: {r2_text(record['test_r2'])}"
    return line


def r2_text(r2):
    return "n/a (the test targets are all equal)" if r2 is None else f"{r2:.4f}"


class Progress:
    """A one-line progress display redrawn in place on a terminal; plain lines otherwise."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()
        self.last_draw = 0.0
        self.width = 0

    def update(self, text):
        now = time.perf_counter()
        if self.live and now - self.last_draw > 0.1:
            self.stream.write("\r" + text.ljust(self.width))
            self.stream.flush()
            self.width = len(text)
            self.last_draw = now

    def finish(self, line):
        prefix = "\r" if self.live else ""
        self.stream.write(prefix + line.ljust(self.width if self.live else 0) + "\n")
        self.stream.flush()
        self.width = 0


def draw_curves(history, path):
    """Loss and accuracy per epoch as a PNG; returns a note instead when matplotlib is
    missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return "curves.png needs matplotlib: pip install 'chainrule[train]'"
    epochs = [r["epoch"] for r in history]
    metric = "accuracy" if history and "test_accuracy" in history[0] else None
    figure, axes = plt.subplots(1, 2 if metric else 1, figsize=(10 if metric else 5, 4),
                                squeeze=False)
    panels = [("loss", ["train_loss", "test_loss"])]
    if metric:
        panels.append(("accuracy", ["train_accuracy", "test_accuracy"]))
    for axis, (title, keys) in zip(axes[0], panels):
        for key in keys:
            axis.plot(epochs, [r[key] for r in history], marker="o", label=key.split("_")[0])
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100)
    plt.close(figure)
    write_atomically(path, image.getvalue())
    return None
