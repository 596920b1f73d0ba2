"""What ``chainrule train`` checks before it allocates or writes anything: the options (or a
resumed run's saved ones), the run folder, the checkpoint to resume, and whether the model
fits in memory. Each refusal is a ``UsageError``: one line, exit status 2."""
import math
import os

from . import UsageError

MODELS = ("mlp", "cnn")
OPTIMIZERS = ("sgd", "adam", "adamw")
DATASETS = ("digits", "moons", "spirals")
TASKS = ("auto", "classification", "regression")
RUN_FILES = ("checkpoint.safetensors", "model.safetensors", "metrics.json", "curves.png",
             "classes.json")          # what a run writes; --overwrite removes these alone
INTEGERS = {"epochs": (1, 10 ** 6), "batch_size": (1, 10 ** 9), "seed": (0, 2 ** 32 - 1)}
POSITION = ("epoch", "batch", "loss_sum", "correct", "seen", "seconds", "generator")
FLOAT_BYTES = 4
MAX_LAYERS = 100              # hidden layers: a deeper MLP is a typo, not a plan


# ----- options ---------------------------------------------------------------------------
def option(key):
    return "--" + key.replace("_", "-")


def config_problem(config):
    """What is wrong with a run's options (None when nothing): every choice known, every
    number an integer or a finite float in its range."""
    for key, choices in (("model", MODELS), ("optimizer", OPTIMIZERS), ("task", TASKS)):
        if config.get(key) not in choices:
            return f"{option(key)} must be {', '.join(choices[:-1])} or {choices[-1]}, " \
                   f"got {config.get(key)!r}"
    dataset = config.get("dataset")
    if not isinstance(dataset, str) or (dataset not in DATASETS
                                        and not dataset.endswith(".csv")):
        return f"--dataset must be digits, moons, spirals or a .csv file, got {dataset!r}"
    for key, (low, high) in INTEGERS.items():
        value = config.get(key)
        if not is_integer(value) or not low <= value <= high:
            return f"{option(key)} must be a whole number from {low:,} to {high:,}, got {value!r}"
    lr = config.get("lr")
    if not is_number(lr) or not math.isfinite(lr) or lr <= 0:
        return f"--lr must be a finite number above 0, got {lr!r}"
    hidden = config.get("hidden")
    if not isinstance(hidden, list) or not hidden or \
            not all(is_integer(h) and h >= 1 for h in hidden):
        return f"--hidden takes positive layer sizes separated by commas, like 128,64; got " \
               f"{hidden!r}"
    if len(hidden) > MAX_LAYERS:
        return f"--hidden gives {len(hidden):,} layers; at most {MAX_LAYERS} are allowed"
    return None


def is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_fresh(config):
    problem = config_problem(config)
    if problem:
        raise UsageError(problem)


# ----- the run folder --------------------------------------------------------------------
def check_run_folder(out, resume, overwrite):
    """Refuse to start a run over one that is there: a folder holding a checkpoint is
    continued (``--resume``) or explicitly replaced (``--overwrite``)."""
    continuing = resume is not None and same_folder(out, resume)
    if overwrite and continuing:
        raise UsageError(f"--overwrite starts a new run, but --resume {resume} continues the "
                         f"run in that folder; drop one of them")
    if os.path.isfile(out):
        raise UsageError(f"--out {out} is a file; give a folder for the run")
    holds = os.path.exists(os.path.join(out, "checkpoint.safetensors"))
    if holds and not continuing and not overwrite:
        raise UsageError(f"{out} holds a run already (checkpoint.safetensors): continue it "
                         f"with --resume {out}, or pass --overwrite to start again")


def same_folder(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def prepare_run_folder(out, overwrite):
    """Create the folder (one line naming it when the OS refuses); with ``--overwrite``,
    remove the files of the run it held, and nothing else."""
    try:
        os.makedirs(out, exist_ok=True)
        if overwrite:
            for name in RUN_FILES:
                try:
                    os.remove(os.path.join(out, name))
                except FileNotFoundError:
                    pass          # not there, or removed by another --nproc process
        probe = os.path.join(out, f".chainrule-write-test-{os.getpid()}")
        open(probe, "wb").close()
        os.remove(probe)
    except OSError as e:
        raise UsageError(f"--out {out}: cannot write there ({e.strerror or e})") from None


# ----- resuming --------------------------------------------------------------------------
def read_checkpoint(folder, load):
    """The checkpoint saved in ``folder``, checked to be a chainrule train checkpoint with
    valid options; every problem becomes one line naming the file."""
    if not os.path.isdir(folder):
        raise UsageError(f"--resume {folder}: no such folder")
    path = os.path.join(folder, "checkpoint.safetensors")
    if not os.path.exists(path):
        raise UsageError(f"--resume {folder}: there is no checkpoint.safetensors in it, so it "
                         f"is not a chainrule train run")
    try:
        saved = load(path)
    except ValueError as e:
        raise UsageError(f"--resume {folder}: {e}") from None
    except OSError as e:
        raise UsageError(f"--resume {folder}: cannot read {path} ({e.strerror or e})") from None
    problem = checkpoint_problem(saved)
    if problem:
        raise UsageError(f"--resume {folder}: {path} is not a chainrule train checkpoint "
                         f"({problem}); resume only folders that chainrule train wrote")
    return saved


def checkpoint_problem(saved):
    if not isinstance(saved, dict):
        return f"it holds a {type(saved).__name__}, not a dict"
    for key, kind in (("config", dict), ("model", dict), ("optimizer", dict),
                      ("history", list), ("position", dict)):
        if key not in saved:
            return f"it has no {key!r} entry"
        if not isinstance(saved[key], kind):
            return f"its {key!r} entry is a {type(saved[key]).__name__}, not a {kind.__name__}"
    missing = [key for key in POSITION if key not in saved["position"]]
    if missing:
        return f"its 'position' entry lacks {', '.join(map(repr, missing))}"
    epoch, batch = saved["position"]["epoch"], saved["position"]["batch"]
    if not (is_integer(epoch) and is_integer(batch) and epoch >= 0 and batch >= 0):
        return f"its position (epoch {epoch!r}, batch {batch!r}) is not two whole numbers"
    if not all(isinstance(record, dict) for record in saved["history"]):
        return "its 'history' entry holds something other than epoch records"
    problem = config_problem(dict(saved["config"], task=saved["config"].get("task", "auto")))
    return f"its saved options are invalid: {problem}" if problem else None


def finished_message(folder, checkpoint, config):
    """The line for resuming a run that has trained all its epochs, or None."""
    done = checkpoint["position"]["epoch"]
    if done < config["epochs"] or not os.path.exists(os.path.join(folder, "model.safetensors")):
        return None
    last = checkpoint["history"][-1] if checkpoint["history"] else {}
    result = ""
    if isinstance(last.get("test_accuracy"), float):
        result = f" (test accuracy {last['test_accuracy']:.2%})"
    elif isinstance(last.get("test_rmse"), float):
        result = f" (test rmse {last['test_rmse']:.4g})"
    return (f"{folder}: this run has finished its {done} epochs{result}; nothing to do. To "
            f"train it longer: chainrule train --resume {folder} --epochs {done + 10}")


def restore(trainer, checkpoint, folder):
    """``trainer.restore`` with a damaged checkpoint's errors as one line."""
    try:
        trainer.restore(checkpoint)
        trainer.generator.set_state(checkpoint["position"]["generator"])   # checked now
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(f"--resume {folder}: checkpoint.safetensors does not fit the run its "
                         f"options describe ({first})") from None


# ----- memory ----------------------------------------------------------------------------
def check_fits(config, parameters, widths, test_rows):
    """Refuse a model that would not fit in memory, before anything is allocated: its
    weights, gradients and optimizer state (about 6 floats per parameter with the flat
    copies the optimizers make), a batch's activations and the test set's."""
    states = 6 if config["optimizer"] != "sgd" else 5
    activations = (3 * config["batch_size"] + 2 * test_rows) * sum(widths)
    need = (states * parameters + activations) * FLOAT_BYTES
    available = available_memory()
    if available is not None and need > available:
        sizes = ",".join(str(h) for h in config["hidden"])
        raise UsageError(f"--hidden {sizes}: the model has {parameters:,} parameters and "
                         f"would need about {size(need)} with its gradients, optimizer state "
                         f"and activations, more than the {size(available)} of memory "
                         f"available; choose smaller --hidden sizes (or --batch-size)")


def size(n):
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000


def available_memory():
    """Bytes this process may still allocate: the smallest of the memory the OS reports
    available, the container's limit and the address-space limit (``ulimit -v``)."""
    candidates = [meminfo_available(), cgroup_available(), rlimit_available()]
    candidates = [c for c in candidates if c is not None]
    return max(min(candidates), 0) if candidates else None


def meminfo_available():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def cgroup_available():
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else int(limit) - used


def rlimit_available():
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        return soft - used
    except (ImportError, OSError, ValueError, IndexError):
        return None
