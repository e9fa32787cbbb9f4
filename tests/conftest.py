"""Shared test helpers: tiny datasets written in the real file formats, and a script runner."""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
