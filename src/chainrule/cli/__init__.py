"""``chainrule``: the command line. Each subcommand lives in its own module of this package
and provides ``add_parser(subparsers)`` and ``run(args)``."""
import argparse
import importlib
import os
import sys

from ..malloc import keep_freed_memory
from ..threads import use_free_cores

COMMANDS = ("train", "explain", "graph", "exercise", "export")


class UsageError(Exception):
    """A bad option or value: printed as one line, exit status 2, no traceback."""


def glue_expressions(argv):
    """``--expr "-x*2"`` as ``--expr=-x*2``: argparse would take a value starting with ``-``
    for an option."""
    glued, i = [], 0
    while i < len(argv):
        if argv[i] == "--expr" and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            glued.append(f"--expr={argv[i + 1]}")
            i += 2
        else:
            glued.append(argv[i])
            i += 1
    return glued


def main(argv=None):
    keep_freed_memory()   # the command owns its process; see chainrule/malloc.py
    use_free_cores()      # and its threads: no BLAS threads fighting over busy cores (threads.py)
    parser = argparse.ArgumentParser(
        prog="chainrule", description="Backprop you can see: train, explain and draw graphs.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            continue
        module.add_parser(subparsers)
        modules[name] = module
    args = parser.parse_args(glue_expressions(sys.argv[1:] if argv is None else list(argv)))
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return modules[args.command].run(args) or 0
    except UsageError as e:
        print(f"chainrule {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (Exception, KeyboardInterrupt) as e:   # no traceback for any input, unless asked
        if os.environ.get("CHAINRULE_DEBUG", "0") not in ("", "0"):
            raise
        print(f"chainrule {args.command}: error: {one_line(e)}", file=sys.stderr)
        return 130 if isinstance(e, KeyboardInterrupt) else 1


def one_line(error):
    """An unexpected error as one line: an OS error names its file, anything else says it
    is a bug and how to see the traceback."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    if isinstance(error, MemoryError):
        return "out of memory (use a smaller model, --batch-size or dataset)"
    text = " ".join(str(error).split()) or "no message"
    if isinstance(error, OSError):
        return text
    return (f"unexpected {type(error).__name__}: {text} (a bug in chainrule: please report "
            f"it; CHAINRULE_DEBUG=1 shows the traceback)")


if __name__ == "__main__":
    sys.exit(main())
