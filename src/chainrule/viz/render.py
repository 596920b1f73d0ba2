"""Graphviz's ``dot`` program, run on DOT text to make SVG or PNG."""
import os
import secrets
import shutil
import subprocess

INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz; conda: conda install graphviz), or write .dot or .html, which need "
                "no Graphviz")


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` program is not on PATH."""


def have_dot():
    return shutil.which("dot") is not None


def run_dot(source, fmt, where="draw"):
    """Bytes of the picture ``dot -T<fmt>`` makes from ``source``."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(
            f"{where}: making .{fmt} needs Graphviz's 'dot' program, which is not on PATH; "
            f"{INSTALL_HINT}")
    result = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"),
                            capture_output=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{where}: Graphviz 'dot -T{fmt}' failed with exit status "
                           f"{result.returncode}: {result.stderr.decode(errors='replace')}")
    return result.stdout


def write_atomic(path, data):
    """Write ``data`` (bytes or str) to ``path`` through a temporary file in the same folder."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temporary = f"{os.fspath(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temporary, "xb") as f:    # created with the usual permissions (umask)
            f.write(payload)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
