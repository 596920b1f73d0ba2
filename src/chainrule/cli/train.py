"""``chainrule train``: train a network on a dataset, report test accuracy, save the run.

With no options it trains an MLP on the built-in digits and prints the held-out accuracy.
The run folder gets ``model.safetensors`` (weights, input scaler, configuration),
``checkpoint.safetensors`` (everything needed to continue: optimizer, epoch, batch and
random-generator state), ``metrics.json`` and ``curves.png``. Ctrl-C finishes the current
batch, saves a checkpoint and exits; ``--resume DIR`` continues to the same final weights
as a run that was never interrupted.

The loop is easy to hook: each function in ``Trainer.callbacks`` is called after every
epoch with that epoch's record (a dict) and the trainer.
"""
import json
import os
import signal
import sys
import threading
import time

import numpy as np

import chainrule as cr
from . import UsageError, launch
from . import train_checks as checks
from ..data.csvfile import dense
from ..serialization import write_atomically
from .train_output import Progress, draw_curves, epoch_line, result_line

DATASETS = checks.DATASETS
DEFAULTS = dict(dataset="digits", target=None, task="auto", model="mlp", hidden="128,64",
                epochs=None, batch_size=64, lr=None, optimizer="adam", seed=0)
EPOCHS = {"mlp": 20, "cnn": 15}          # enough for >= 97% (MLP), >= 98% (CNN) on digits
LEARNING_RATES = {"sgd": 0.05, "adam": 2e-3, "adamw": 2e-3}
TEST_FRACTION = 0.2


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train", help="train a network and report its test accuracy",
        description="Train a network (an MLP on the built-in handwritten digits by default), "
                    "report held-out test accuracy and save the run.")
    add = parser.add_argument
    add("--dataset", help="digits, moons, spirals or PATH.csv (default: digits)")
    add("--target", metavar="COLUMN", help="the CSV column to predict (default: the last)")
    add("--task", help="classification, regression or auto: what the CSV target is (default: "
        "auto: text labels and few whole numbers 0, 1, 2, ... are classes, decimals a "
        "regression, anything else stops and asks)")
    add("--model", help="mlp or cnn (cnn: digits only; default: mlp)")
    add("--hidden", metavar="SIZES", help="hidden layer sizes, e.g. 128,64 (default: 128,64)")
    add("--epochs", type=int, help="passes over the training data (default: 20 mlp, 15 cnn)")
    add("--batch-size", type=int, help="samples per step (default: 64)")
    add("--lr", type=float, help="learning rate (default: 0.002 adam/adamw, 0.05 sgd)")
    add("--optimizer", help="sgd, adam or adamw (default: adam)")
    add("--seed", type=int, help="random seed: same seed, same run (default: 0)")
    add("--out", metavar="DIR", help="where to write the run (default: runs/train)")
    add("--resume", metavar="DIR", help="continue the run saved in DIR")
    add("--overwrite", action="store_true", help="start a new run in --out even if it holds "
        "one (its files are replaced)")
    add("--tensorboard", metavar="DIR", help="also log the run for TensorBoard in DIR: loss, "
        "accuracy, learning rate, weight histograms and the model graph")
    launch.add_option(parser)
    parser.error = one_line_error


def one_line_error(message):
    print(f"chainrule train: error: {message}", file=sys.stderr)
    sys.exit(2)


def run(args):
    checkpoint = None
    if args.resume:
        checkpoint = checks.read_checkpoint(args.resume, cr.load)
        config = resumed_config(args, checkpoint["config"])
    else:
        config = fresh_config(args)
    out = args.out or args.resume or os.path.join("runs", "train")
    checks.check_run_folder(out, args.resume, args.overwrite)
    if checkpoint is not None and checks.same_folder(out, args.resume):
        finished = checks.finished_message(args.resume, checkpoint, config)
        if finished:
            print(finished)
            return 0
    if launch.wants_launch(args):   # --nproc N: start N processes that each run this command
        return launch.launch(args, config)
    trainer = Trainer(config, out)
    checks.prepare_run_folder(out, args.overwrite)
    if checkpoint is not None:
        checks.restore(trainer, checkpoint, args.resume)
    launch.distribute(trainer)   # one of --nproc's processes: DDP, its share of the data
    writer = tensorboard_writer(trainer, args.tensorboard) if args.tensorboard and \
        trainer.writes else None
    try:
        finished = trainer.fit()
    finally:
        if writer is not None:
            writer.close()
    return 0 if finished else 130


def tensorboard_writer(trainer, log_dir):
    from ..tensorboard.training import log_training
    try:
        return log_training(trainer, log_dir)
    except ImportError as e:
        raise UsageError(f"--tensorboard: {e}") from None


# ----- options -------------------------------------------------------------------------
def fresh_config(args):
    config = {key: getattr(args, key) if getattr(args, key) is not None else default
              for key, default in DEFAULTS.items()}
    config["hidden"] = parse_hidden(config["hidden"])
    if config["epochs"] is None:
        config["epochs"] = EPOCHS.get(config["model"], 1)
    if config["lr"] is None:
        config["lr"] = LEARNING_RATES.get(config["optimizer"], 1.0)
    checks.check_fresh(config)      # every choice known, every number finite and in range
    csv = config["dataset"].endswith(".csv")
    if config["target"] and not csv:
        raise UsageError("--target names a column of a CSV file; use it with --dataset PATH.csv")
    if config["task"] != "auto" and not csv:
        raise UsageError("--task says what a CSV file's target is; use it with --dataset "
                         "PATH.csv")
    if config["model"] == "cnn" and config["dataset"] != "digits":
        raise UsageError("--model cnn needs images: use it with --dataset digits")
    return config


def parse_hidden(text):
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise UsageError(f"--hidden takes positive layer sizes separated by commas, like "
                         f"128,64; got {text!r}")
    return sizes


def resumed_config(args, saved):
    """A resumed run keeps its saved options; only ``--epochs`` (train longer) and
    ``--out`` may change."""
    given = [key for key in DEFAULTS if key != "epochs" and getattr(args, key) is not None]
    if given:
        names = ", ".join("--" + key.replace("_", "-") for key in given)
        raise UsageError(f"--resume continues the saved run with its own options; drop {names} "
                         f"(only --epochs and --out can change)")
    config = dict(saved)
    config.setdefault("task", "auto")          # runs saved before --task existed
    if args.epochs is not None:
        if args.epochs < saved["epochs"]:
            raise UsageError(f"--epochs {args.epochs} is fewer than the saved run's "
                             f"{saved['epochs']}")
        config["epochs"] = args.epochs
        problem = checks.config_problem(config)
        if problem:
            raise UsageError(problem)
    return config


# ----- data and model ------------------------------------------------------------------
def load_data(config):
    """``(x, y, classes, labels)``: float32 features, int64 labels (or float32 targets with
    ``classes=0`` for regression), and the CSV's class labels in class order when they were
    mapped to classes (else None)."""
    name = config["dataset"]
    if name == "digits":
        x, y = cr.data.load_digits()
    elif name == "moons":
        x, y = cr.data.make_moons(1000, noise=0.2, generator=cr.Generator(config["seed"]))
    elif name == "spirals":
        x, y = cr.data.make_spirals(900, classes=3, noise=0.2,
                                    generator=cr.Generator(config["seed"]))
    else:
        try:
            x, y, info = cr.data.load_csv(name, target=config["target"], task=config["task"],
                                          return_info=True)
        except OSError as e:
            raise UsageError(f"--dataset {name}: {e.strerror or e}") from None
        except ValueError as e:
            raise UsageError(str(e)) from None
        if info.classes:
            return x, y, len(info.classes), info.classes
        if config["task"] == "auto" and info.task == "regression":
            note_whole_numbers(info.target, y._data)
    if y.dtype.kind == "f":
        return x, y, 0, None
    return x, y, int(y._data.max()) + 1, None


def note_whole_numbers(target, values):
    """A regression chosen because the labels carry decimal points (``1.0``), though they
    look like classes: say how to train a classifier instead."""
    distinct = np.unique(values)
    if np.all(distinct == np.round(distinct)) and dense(distinct):
        print(f"note: {target} is written with decimal points, so it is read as a number to "
              f"predict; its {len(distinct)} values are whole numbers from 0 to "
              f"{distinct[-1]:g}: pass --task classification if they are classes")


def layer_widths(config, features, classes):
    """``(parameters, widths)`` of the model ``build_model`` makes, computed without making
    it (the memory check runs first); keep the two functions together."""
    outputs, hidden = max(classes, 1), config["hidden"]
    if config["model"] == "cnn":
        convolutions = (9 * 16 + 16) + (16 * 9 * 32 + 32)
        return (convolutions + (512 + 1) * hidden[0] + (hidden[0] + 1) * outputs,
                [16 * 64, 32 * 64, hidden[0], outputs])
    sizes = [features] + hidden + [outputs]
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:])), sizes[1:]


def build_model(config, features, classes):
    nn = cr.nn
    outputs = max(classes, 1)
    hidden = config["hidden"]
    if config["model"] == "cnn":
        layers = [nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1),
                  nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 4 * 4, hidden[0]),
                  nn.ReLU(), nn.Linear(hidden[0], outputs)]
        return nn.Sequential(*layers)
    layers = []
    for size_in, size_out in zip([features] + hidden, hidden):
        layers += [nn.Linear(size_in, size_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(hidden[-1], outputs))


def build_optimizer(config, params):
    if config["optimizer"] == "sgd":
        return cr.optim.SGD(params, lr=config["lr"], momentum=0.9)
    kind = cr.optim.Adam if config["optimizer"] == "adam" else cr.optim.AdamW
    return kind(params, lr=config["lr"])


# ----- the loop ------------------------------------------------------------------------
class Trainer:
    """One training run: data split, model, optimizer, and the epoch loop with its records."""

    def __init__(self, config, out):
        self.config = config
        self.out = out
        x, y, self.classes, self.labels = load_data(config)
        order = np.random.default_rng(config["seed"]).permutation(len(y))
        cut = split(config, len(y))
        self.scaler = cr.data.StandardScaler().fit(x._data[order[:cut]])
        x = self.scaler.transform(x)
        if config["model"] == "cnn":
            x = x.reshape(-1, 1, 8, 8)
        if not self.classes:
            self.target_scaler = cr.data.StandardScaler().fit(y._data[order[:cut], None])
            y = self.target_scaler.transform(y.reshape(-1, 1))
        self.train_x, self.train_y = x[order[:cut]], y[order[:cut]]
        self.test_x, self.test_y = x[order[cut:]], y[order[cut:]]
        cr.manual_seed(config["seed"])
        checks.check_fits(config, *layer_widths(config, x.shape[1], self.classes),
                          len(self.test_y))
        self.model = build_model(config, x.shape[1], self.classes)
        self.optimizer = build_optimizer(config, self.model.parameters())
        self.forward = self.model   # what a batch runs through (DistributedDataParallel there)
        self.writes = True          # whether this process writes the run folder (rank 0 only)
        self.loss_fn = cr.nn.CrossEntropyLoss() if self.classes else cr.nn.MSELoss()
        self.generator = cr.Generator(config["seed"] + 1)
        self.loader = cr.data.DataLoader(cr.data.TensorDataset(self.train_x, self.train_y),
                                         batch_size=config["batch_size"], shuffle=True,
                                         generator=self.generator)
        self.history = []
        self.position = {"epoch": 0, "batch": 0, "loss_sum": 0.0, "correct": 0, "seen": 0,
                         "seconds": 0.0, "generator": self.generator.get_state()}
        self.callbacks = []
        self.batch_callbacks = []   # each called after every batch with the trainer
        self.stop_requested = False

    def restore(self, checkpoint):
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.history = checkpoint["history"]
        self.position = checkpoint["position"]

    def fit(self):
        """Train to the configured number of epochs; False when stopped by Ctrl-C."""
        os.makedirs(self.out, exist_ok=True)
        self.write_classes()
        progress = Progress(sys.stdout)
        with StopOnInterrupt(self):
            while self.position["epoch"] < self.config["epochs"]:
                if not self.train_epoch(progress):
                    self.save_checkpoint()
                    p = self.position
                    print(f"\ninterrupted in epoch {p['epoch'] + 1}, after batch {p['batch']}: "
                          f"saved {os.path.join(self.out, 'checkpoint.safetensors')}; continue "
                          f"with: chainrule train --resume {self.out}", flush=True)
                    return False
                record = self.finish_epoch(progress)
                for callback in self.callbacks:
                    callback(record, self)
                self.save_checkpoint()
        self.report()
        return True

    def train_epoch(self, progress):
        """Run the rest of the current epoch; False when a stop was requested midway."""
        p = self.position
        self.generator.set_state(p["generator"])
        self.model.train()
        total = len(self.train_y)
        started = time.perf_counter() - p["seconds"]
        for batch, (x, y) in enumerate(self.loader):
            if batch < p["batch"]:
                continue      # resuming: these batches were trained before the interruption
            self.optimizer.zero_grad()
            out = self.forward(x)
            loss = self.loss_fn(out, y)
            loss.backward()
            self.optimizer.step()
            p["batch"] = batch + 1
            p["loss_sum"] += loss.item() * len(y)
            p["seen"] += len(y)
            if self.classes:
                p["correct"] += int((out._data.argmax(1) == y._data).sum())
            for callback in self.batch_callbacks:
                callback(self)
            p["seconds"] = time.perf_counter() - started
            progress.update(self.describe_progress(total))
            if self.stop_requested:
                return False
        with cr.no_grad():
            self.test_metrics = self.evaluate()
        return True

    def describe_progress(self, total):
        p = self.position
        text = (f"epoch {p['epoch'] + 1}/{self.config['epochs']} {p['seen']}/{total} "
                f"loss {p['loss_sum'] / p['seen']:.4f}")
        if self.classes:
            text += f" acc {p['correct'] / p['seen']:.1%}"
        return text + f" {p['seen'] / max(p['seconds'], 1e-9):,.0f} samples/s"

    def evaluate(self):
        self.model.eval()
        out = self.model(self.test_x)
        metrics = {"test_loss": self.loss_fn(out, self.test_y).item()}
        if self.classes:
            metrics["test_accuracy"] = float((out._data.argmax(1) == self.test_y._data).mean())
        else:
            metrics.update(regression_metrics(out._data, self.test_y._data, self.target_scaler))
        return metrics

    def finish_epoch(self, progress):
        p = self.position
        record = {"epoch": p["epoch"] + 1, "lr": self.optimizer.param_groups[0]["lr"],
                  "train_loss": p["loss_sum"] / p["seen"]}
        if self.classes:
            record["train_accuracy"] = p["correct"] / p["seen"]
        record.update(self.test_metrics)
        record["seconds"] = p["seconds"]
        record["samples_per_s"] = p["seen"] / max(p["seconds"], 1e-9)
        self.history.append(record)
        progress.finish(epoch_line(record, self.config["epochs"]))
        self.position = {"epoch": p["epoch"] + 1, "batch": 0, "loss_sum": 0.0, "correct": 0,
                         "seen": 0, "seconds": 0.0, "generator": self.generator.get_state()}
        return record

    # ----- files --------------------------------------------------------------------
    def save_checkpoint(self):
        if not self.writes:
            return
        cr.save({"config": self.config, "model": self.model.state_dict(),
                      "optimizer": self.optimizer.state_dict(), "history": self.history,
                      "position": self.position},
                     os.path.join(self.out, "checkpoint.safetensors"))

    def report(self):
        if not self.writes:
            return
        model_file = {"model": self.model.state_dict(), "scaler": self.scaler.state_dict(),
                      "config": self.config, "classes": self.classes}
        if self.labels:
            model_file["labels"] = self.labels       # labels[i] is class i's CSV label
        if not self.classes:
            model_file["target_scaler"] = self.target_scaler.state_dict()
        cr.save(model_file, os.path.join(self.out, "model.safetensors"))
        metrics = {"config": self.config, "epochs": self.history}
        write_atomically(os.path.join(self.out, "metrics.json"),
                         json.dumps(metrics, indent=1).encode())
        note = draw_curves(self.history, os.path.join(self.out, "curves.png"))
        last = self.history[-1] if self.history else {}
        if last:
            print(result_line(last))
        print(f"wrote {self.out}/: model.safetensors, checkpoint.safetensors, metrics.json"
              + (", classes.json" if self.labels else "")
              + (", curves.png" if note is None else ""))
        if note:
            print(note)


    def write_classes(self):
        """Report and save how the CSV's labels became classes (when they were mapped)."""
        if not self.labels or not self.writes:
            return
        pairs = [f"{i}={label}" for i, label in enumerate(self.labels)]
        shown = ", ".join(pairs[:20]) + (f", ... ({len(pairs)} classes)" if len(pairs) > 20
                                         else "")
        print(f"classes of {self.config['target'] or 'the last column'}: {shown}; saved in "
              f"{os.path.join(self.out, 'classes.json')}")
        mapping = {"target": self.config["target"], "classes": self.labels}
        write_atomically(os.path.join(self.out, "classes.json"),
                         json.dumps(mapping, indent=1).encode())


def split(config, rows):
    """Where the training rows end in the shuffled order; refuses a split that would leave
    the test set (or the training set) empty."""
    test = int(round(TEST_FRACTION * rows))
    if test < 1 or rows - test < 1:
        raise UsageError(f"{config['dataset']} has {rows} row{'s' * (rows != 1)}: too few to "
                         f"hold out a test set ({TEST_FRACTION:.0%} of them rounds to "
                         f"{test}); give at least 3 rows")
    return rows - test


def regression_metrics(predicted, target, scaler):
    """RMSE and R^2 on the test set, in the target's own units (R^2 is None when every
    test target is the same number)."""
    predicted, target = scaler.inverse_transform(predicted), scaler.inverse_transform(target)
    rmse = float(np.sqrt(np.mean((predicted - target) ** 2)))
    total = float(np.sum((target - target.mean()) ** 2))
    r2 = 1 - float(np.sum((predicted - target) ** 2)) / total if total > 0 else None
    return {"test_rmse": rmse, "test_r2": r2}


class StopOnInterrupt:
    """Ctrl-C asks the loop to stop after the current batch (so the saved weights are never
    half-updated); a second Ctrl-C interrupts at once."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.request_stop)

    def request_stop(self, signum, frame):
        self.trainer.stop_requested = True
        signal.signal(signal.SIGINT, self.previous)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
