"""Datasets as normalized in-memory tensors, 1-D target functions, and minibatches.

Image datasets use torchvision's dataset classes and file layout (<root>/MNIST/raw/...,
<root>/FashionMNIST/raw/..., <root>/cifar-10-batches-py/...). They are read once,
scaled to [0, 1], normalized per channel with the training set's mean and std, and kept
as one float tensor per split on the chosen device, so training slices shuffled index
tensors instead of running per-sample transforms.
"""
import math
import os
import pickle
import shutil
from dataclasses import dataclass

import numpy as np
import torch

from common.cli import HW1Error

DATASETS = ("mnist", "fashion-mnist", "cifar10")

# torchvision's folder (its dataset class's name) and raw file names per dataset; the names are
# spelled out so that finding the files does not import torchvision (1.7 s per process)
_IDX_FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_IMAGE_SHAPES = {"mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32)}   # (C, H, W)
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


@dataclass
class Dataset:
    name: str
    x_train: torch.Tensor   # (N, C, H, W) float32, normalized
    y_train: torch.Tensor   # (N,) int64
    x_test: torch.Tensor    # (M, C, H, W) float32, normalized with the training statistics
    y_test: torch.Tensor    # (M,) int64
    num_classes: int
    mean: tuple             # per-channel mean of the training images in [0, 1]
    std: tuple              # per-channel std of the training images in [0, 1]

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])

    def subset(self, n_train, n_test):
        """The first n_train / n_test examples (for --quick runs)."""
        return Dataset(self.name, self.x_train[:n_train], self.y_train[:n_train],
                       self.x_test[:n_test], self.y_test[:n_test], self.num_classes,
                       self.mean, self.std)


def resolve_data_dir(data_dir=None):
    """--data-dir, else $HW1_DATA_DIR, else ./data."""
    return data_dir or os.environ.get("HW1_DATA_DIR") or "data"


# ---------------------------------------------------------------------------- IDX files (MNIST)
def read_idx(path):
    """Read one IDX file (LeCun's MNIST format) into a uint8 numpy array, checking that the
    header's shape matches the file size, so a truncated file is named instead of misread."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or not 1 <= raw[3] <= 4:
        raise HW1Error(f"{path} is not an unsigned-byte IDX file (bad header); delete it and rerun")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise HW1Error(f"{path} is truncated (header cut short); delete it and rerun")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = 4 + 4 * ndim + math.prod(dims)
    if len(raw) != expected:
        raise HW1Error(f"{path} is truncated or corrupt: {len(raw)} bytes, header says {expected}; "
                       "delete it and rerun")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _torchvision_class(name):
    import torchvision.datasets as tvd
    return {"mnist": tvd.MNIST, "fashion-mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10}[name]


def _expected_files(name, root):
    """(folder, file names) that must exist for `name` under `root`."""
    if name == "cifar10":
        return os.path.join(root, _CIFAR_FOLDER), _CIFAR_FILES
    return os.path.join(root, _IDX_FOLDERS[name], "raw"), _IDX_FILES


def _download(name, root):
    """Let torchvision fetch the files into root (only called when they are missing)."""
    _torchvision_class(name)(root=root, train=True, download=True)


def _new_folders(path):
    """The folders on the way to `path` that do not exist yet, outermost first."""
    missing = []
    path = os.path.abspath(path)
    while not os.path.exists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing[::-1]


def ensure_files(name, root):
    """The folder holding `name`'s files under root; downloads them when missing (unless
    HW1_OFFLINE=1). A failed download removes the folders it created, and raises one HW1Error
    naming the folder, the missing files and the flag."""
    folder, files = _expected_files(name, root)
    missing = [f for f in files if not os.path.isfile(os.path.join(folder, f))]
    if not missing:
        return folder
    reason = "HW1_OFFLINE=1 is set"
    if os.environ.get("HW1_OFFLINE") != "1":
        created = _new_folders(folder)
        try:
            _download(name, root)
            reason = None
        except Exception as err:  # no network, read-only folder, bad mirror ...
            reason = f"download failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            if created:                                   # leave no empty or half-filled dataset folders
                shutil.rmtree(created[0], ignore_errors=True)
    missing = [f for f in files if not os.path.isfile(os.path.join(folder, f))]
    if missing:
        raise HW1Error(f"{name}: missing {', '.join(missing)} in {os.path.abspath(folder)} ({reason}); "
                       f"put the files there or point --data-dir (or HW1_DATA_DIR) at a folder that has them")
    return folder


def _read_cifar_batch(path):
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        rows = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except Exception as err:
        raise HW1Error(f"{path} is truncated or corrupt ({type(err).__name__}); delete it and rerun") from None
    if rows.ndim != 2 or rows.shape[1] != 3 * 32 * 32:
        raise HW1Error(f"{path}: images of {rows.shape[1:]} values each, expected 3x32x32 = 3072 for cifar10")
    images = rows.reshape(-1, 3, 32, 32)
    if len(images) != len(labels):
        raise HW1Error(f"{path} is corrupt: {len(images)} images but {len(labels)} labels")
    return images, labels


def _read_raw(name, folder):
    """uint8 images (N, C, H, W) and int64 labels for the train and test split."""
    if name == "cifar10":
        train = [_read_cifar_batch(os.path.join(folder, f)) for f in _CIFAR_FILES[:5]]
        x_test, y_test = _read_cifar_batch(os.path.join(folder, "test_batch"))
        x_train = np.concatenate([b[0] for b in train])
        y_train = np.concatenate([b[1] for b in train])
        return x_train, y_train, x_test, y_test
    arrays = [read_idx(os.path.join(folder, f)) for f in _IDX_FILES]
    x_train, y_train, x_test, y_test = arrays
    for images, labels, f in ((x_train, y_train, _IDX_FILES[1]), (x_test, y_test, _IDX_FILES[3])):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise HW1Error(f"{os.path.join(folder, f)}: {len(labels)} labels do not match "
                           f"images of shape {images.shape}")
    return x_train[:, None], y_train.astype(np.int64), x_test[:, None], y_test.astype(np.int64)


def load_dataset(name, data_dir=None, device="cpu"):
    """Load `name` (one of DATASETS) as normalized float32 tensors on `device`.

    Download happens only when files are missing; offline, a missing file is one HW1Error
    naming the folder, the files and the flag."""
    if name not in DATASETS:
        raise HW1Error(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    root = resolve_data_dir(data_dir)
    folder = ensure_files(name, root)
    x_train, y_train, x_test, y_test = _read_raw(name, folder)
    for images, file in ((x_train, "train"), (x_test, "test")):
        if tuple(images.shape[1:]) != _IMAGE_SHAPES[name]:
            path = os.path.join(folder, {"train": _IDX_FILES[0], "test": _IDX_FILES[2]}[file]
                                if name != "cifar10" else {"train": _CIFAR_FILES[0], "test": "test_batch"}[file])
            raise HW1Error(f"{path}: images of shape {tuple(images.shape[1:])}, expected "
                           f"{_IMAGE_SHAPES[name]} for {name}")
    x_train = torch.from_numpy(x_train.astype(np.float32) / 255.0)
    x_test = torch.from_numpy(x_test.astype(np.float32) / 255.0)
    mean = x_train.mean(dim=(0, 2, 3))                         # (C,)
    std = x_train.std(dim=(0, 2, 3)).clamp_min(1e-8)           # (C,)
    normalize = lambda x: ((x - mean[:, None, None]) / std[:, None, None]).to(device)  # noqa: E731
    num_classes = 10
    if int(max(y_train.max(), y_test.max())) >= num_classes or int(min(y_train.min(), y_test.min())) < 0:
        raise HW1Error(f"{name}: labels outside 0..{num_classes - 1} in {folder}")
    return Dataset(name, normalize(x_train), torch.from_numpy(y_train).to(device),
                   normalize(x_test), torch.from_numpy(y_test).to(device), num_classes,
                   tuple(mean.tolist()), tuple(std.tolist()))


_LOADED = {}


def load_dataset_once(name, data_dir=None, device="cpu", subset=None):
    """load_dataset, memoized per process (side-by-side workers each keep one copy);
    subset=(n_train, n_test) keeps the first examples (--quick)."""
    key = (name, resolve_data_dir(data_dir), str(device), subset)
    if key not in _LOADED:
        ds = load_dataset(name, data_dir, device)
        _LOADED[key] = ds.subset(*subset) if subset else ds
    return _LOADED[key]


def corrupted_labels(labels, level, seed, classes=10):
    """Zhang et al. 2017's partially corrupted labels, made exact: round(level * n) examples, chosen
    at random, get a label drawn uniformly from the other classes (so exactly that share of the
    labels is wrong); the rest keep their true label. level in [0, 1]."""
    generator = torch.Generator().manual_seed(seed)
    n = len(labels)
    chosen = torch.randperm(n, generator=generator)[:round(level * n)].to(labels.device)
    shift = torch.randint(1, classes, (len(chosen),), generator=generator).to(labels.device)
    out = labels.clone()
    out[chosen] = (labels[chosen] + shift) % classes
    return out


def permuted_labels(labels, seed):
    """Random labels as in Zhang et al. 2017: the labels shuffled once by a fixed seed, so every
    class keeps its count but the label no longer depends on the image."""
    generator = torch.Generator().manual_seed(seed)
    return labels[torch.randperm(len(labels), generator=generator).to(labels.device)]


# ---------------------------------------------------------------------------- minibatches
def minibatches(n, batch_size, generator, device="cpu"):
    """Index tensors of one shuffled epoch over n examples; batch_size None = full batch."""
    if batch_size is None or batch_size >= n:
        yield torch.arange(n, device=device)
        return
    order = torch.randperm(n, generator=generator).to(device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


# ---------------------------------------------------------------------------- 1-D target functions
def _sinc5(x):
    z = 5 * math.pi * x
    return torch.where(z == 0, torch.ones_like(x), torch.sin(z) / torch.where(z == 0, torch.ones_like(z), z))


FUNCTIONS = {
    # name: (f, formula for labels) on the domain [-1, 1]
    "sinc5": (_sinc5, r"$\sin(5\pi x)/(5\pi x)$"),
    "sgn_sin5": (lambda x: torch.sign(torch.sin(5 * math.pi * x)), r"$\mathrm{sgn}(\sin(5\pi x))$"),
    "chirp": (lambda x: torch.sin(4 * math.pi * x * x), r"$\sin(4\pi x^2)$"),
}
DOMAIN = (-1.0, 1.0)


def function_data(name, n_points, dtype=torch.float32, device="cpu"):
    """x: (n_points, 1) evenly spaced on DOMAIN; y = f(x): (n_points, 1)."""
    if name not in FUNCTIONS:
        raise HW1Error(f"unknown function {name!r}; choose from {', '.join(FUNCTIONS)}")
    x = torch.linspace(*DOMAIN, n_points, dtype=torch.float64)[:, None]
    y = FUNCTIONS[name][0](x)
    return x.to(dtype=dtype, device=device), y.to(dtype=dtype, device=device)
