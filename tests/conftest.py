"""Shared test helpers: tiny datasets written in the real file formats, and a script runner."""
import fcntl
import glob
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# make test runs two xdist workers on 2 cores, and a script a test starts runs beside them, often
# with 2 threads: more threads than cores. OpenMP threads that spin while they wait for work
# (libgomp's default) then burn the cores the others need: waiting threads sleep instead, in the
# workers and in every script they start (set before torch is imported; 1.3x on the script tests,
# bench/README.md). Results do not depend on it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


# The tests that start scripts take most of the time: they go first, so that the two workers do not
# end with one of them alone on a long test (a stable sort: the order within each part stays).
SCRIPT_MODULES = {"test_scripts.py", "test_bad_input.py", "test_reruns.py", "test_report.py", "test_approaches.py"}


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in SCRIPT_MODULES)


def write_idx(path, array):
    """Write a uint8 array as an IDX file (big-endian dims after a 4-byte magic)."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as f:
        f.write(header + array.tobytes())


def write_fake_mnist(root, folder="MNIST", n_train=600, n_test=200, size=28, seed=0):
    """A learnable fake MNIST: class c lights up a c-dependent block, plus noise.
    Returns the raw arrays (train images, train labels, test images, test labels)."""
    rng = np.random.default_rng(seed)
    raw = os.path.join(root, folder, "raw")
    os.makedirs(raw, exist_ok=True)
    arrays = []
    for n in (n_train, n_test):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, size, size)).astype(np.uint8)
        for i, c in enumerate(labels):
            r, col = divmod(int(c), 4)
            images[i, 2 + 7 * r: 7 + 7 * r, 2 + 7 * col: 7 + 7 * col] = 255
        arrays += [images, labels]
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    for name, array in zip(names, arrays):
        write_idx(os.path.join(raw, name), array)
    return arrays


def made_once(tmp_path_factory, name, make):
    """The folder `name`, filled by make(folder) once per test run and shared by its xdist workers
    (their temporary folders have one parent): a worker that needs it while another makes it waits
    on a file lock. A make that fails leaves no mark of completion, so the next one makes it anew.
    The folder is shared: a test that changes things copies it first."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / f"made-once-{name}"
    with open(base / f"made-once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / ".complete").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                make(folder)
                (folder / ".complete").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def shared_fake_data_dir(tmp_path_factory):
    """The same fake MNIST and Fashion-MNIST as fake_data_dir, made once per test run (for the
    tests that share trained models: one path, so their cache keys agree across workers)."""
    def make(root):
        write_fake_mnist(str(root), "MNIST", seed=0)
        write_fake_mnist(str(root), "FashionMNIST", seed=1)
    return str(made_once(tmp_path_factory, "data", make))


def copy_trained_approaches(from_out, *to_outs):
    """The quick HW1-3 models trained under from_out (results/quick/cache) copied under each of
    to_outs, so a test starts where another left off instead of training them again."""
    paths = glob.glob(os.path.join(from_out, "results", "quick", "cache", "hw1_3_approaches-*.pt"))
    assert paths, "no trained approaches to share"
    for out in to_outs:
        cache = os.path.join(out, "results", "quick", "cache")
        os.makedirs(cache, exist_ok=True)
        for path in paths:
            shutil.copy(path, cache)
    return len(paths)


@pytest.fixture
def fake_data_dir(tmp_path):
    root = tmp_path / "data"
    write_fake_mnist(str(root), "MNIST", seed=0)
    write_fake_mnist(str(root), "FashionMNIST", seed=1)
    return str(root)


def start_script(script, *args, env=None):
    """Start a script as a user would; returns the Popen (text mode, output captured)."""
    full_env = dict(os.environ, HW1_OFFLINE="1", PYTHONPATH=ROOT)
    full_env.update(env or {})
    return subprocess.Popen([sys.executable, os.path.join(ROOT, script), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full_env, cwd=ROOT)


def run_script(script, *args, env=None, timeout=300):
    """Run a script as a user would; returns the CompletedProcess (text mode)."""
    proc = start_script(script, *args, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# ---------------------------------------------------------------------------- processes the tests start and end
def _default_sigint():
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ignored_sigint():
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Script:
    """A script started in its own process group, its stdout read line by line in a thread, so a
    test can wait for a line the script prints (a marker, never a sleep). Use as a context
    manager: on exit the whole group (the script and its side-by-side workers) is killed and the
    script reaped, whatever happened in the test."""

    def __init__(self, script, *args, env=None, sigint_ignored=False):
        import queue
        import threading
        full_env = dict(os.environ, HW1_OFFLINE="1", PYTHONPATH=ROOT)
        full_env.update(env or {})
        # SIGINT back to its default in the child: a shell that starts the tests in the background
        # (`... &`) starts them with SIGINT ignored, which Python then keeps (no KeyboardInterrupt);
        # sigint_ignored=True starts the script that way on purpose
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, script), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=full_env, cwd=ROOT,
                                     start_new_session=True,
                                     preexec_fn=_ignored_sigint if sigint_ignored else _default_sigint)
        self.lines, self._queue, self._errors = [], queue.Queue(), []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._error_reader = threading.Thread(target=self._read_errors, daemon=True)   # stderr never fills up
        self._error_reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def _read_errors(self):
        for line in self.proc.stderr:
            self._errors.append(line)

    def wait_for(self, needle, count=1, timeout=300):
        """Lines read until `count` of them contain `needle`; fails when the script ends first."""
        import queue
        import time
        deadline, found = time.time() + timeout, [line for line in self.lines if needle in line]
        while len(found) < count:
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                raise AssertionError(f"no {needle!r} within {timeout} s; output so far: {self.lines[-5:]}") from None
            if line is None:
                raise AssertionError(f"the script ended before printing {needle!r}: {self.lines[-5:]} "
                                     f"{''.join(self._errors)[-500:]}")
            self.lines.append(line)
            if needle in line:
                found.append(line)
        return found

    def finish(self, timeout=300):
        """(exit status, stdout, stderr) once the script has ended: waits for the process itself,
        not for the end of its pipes (which a leftover grandchild could hold open)."""
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        self._error_reader.join(timeout=10)
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        return self.proc.returncode, "".join(self.lines), "".join(self._errors)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        import signal
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.kill()
        self.proc.wait(timeout=60)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()
        return False


def pid_alive(pid):
    """True while `pid` runs (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.fixture
def repo_copy(tmp_path):
    """The scripts and common/ copied to a scratch folder, so a test can edit the code."""
    return copy_repo(tmp_path / "repo")


def copy_repo(copy):
    """The scripts and common/ copied to the new folder copy (a pathlib.Path); returns copy."""
    copy.mkdir()
    for script in glob.glob(os.path.join(ROOT, "hw1_*.py")):
        shutil.copy(script, copy)
    shutil.copytree(os.path.join(ROOT, "common"), copy / "common", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def run_in(folder, script, *args):
    """Run `script` of a copied repository (repo_copy) offline, with that copy's common/ imported."""
    env = dict(os.environ, HW1_OFFLINE="1", PYTHONPATH=str(folder))
    return subprocess.run([sys.executable, script, *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)
