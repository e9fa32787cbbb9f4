"""Writing outputs safely: atomic writes, temporaries of killed runs, a lock per output.

Nothing here knows what is written; results.py, plots.py and report.py use it.
"""
import contextlib
import glob
import os
import tempfile

from common.cli import log


def atomic_write_bytes(path, data):
    """Write to a temporary file in the same folder (.<name>.<random>.tmp), then rename over `path`:
    a reader sees the old file or the new one, never half of one."""
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)         # as open() would make it (mkstemp makes 0600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_stale_temporaries(folder, prefix):
    """Delete .<prefix>*.tmp in folder: temporaries of a run that was killed (the caller holds
    the lock on these outputs, so no live run is writing them)."""
    for path in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(prefix)}*.tmp")):
        with contextlib.suppress(OSError):
            os.unlink(path)


@contextlib.contextmanager
def output_lock(path):
    """An exclusive lock on one output (<folder>/.<name>.lock, flock): a second run writing the
    same output waits, then finds and reuses what the first wrote."""
    try:
        import fcntl
    except ImportError:                       # no flock (Windows): runs are not serialized
        yield
        return
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    with open(os.path.join(folder, f".{name}.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another run writing {path} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
