"""The dataset loader against numpy on tiny IDX files, its errors, and the 1-D functions."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from common import data
from common.cli import HW1Error
from tests.conftest import ROOT, write_fake_mnist, write_idx


def test_idx_loader_shapes_labels_normalization(tmp_path):
    x_tr, y_tr, x_te, y_te = write_fake_mnist(str(tmp_path), n_train=50, n_test=20)
    ds = data.load_dataset("mnist", str(tmp_path))
    assert ds.x_train.shape == (50, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    np.testing.assert_array_equal(ds.y_train.numpy(), y_tr)
    np.testing.assert_array_equal(ds.y_test.numpy(), y_te)
    # independent reference: numpy float64 statistics of the raw training bytes
    mean, std = (x_tr / 255.0).mean(), (x_tr / 255.0).std(ddof=1)
    assert ds.mean[0] == pytest.approx(mean, rel=1e-5) and ds.std[0] == pytest.approx(std, rel=1e-4)
    np.testing.assert_allclose(ds.x_train[:, 0].numpy(), (x_tr / 255.0 - mean) / std, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ds.x_test[:, 0].numpy(), (x_te / 255.0 - mean) / std, rtol=1e-4, atol=1e-4)
    assert abs(float(ds.x_train.mean())) < 1e-4 and float(ds.x_train.std()) == pytest.approx(1.0, rel=1e-3)


def test_fashion_mnist_uses_its_own_folder(tmp_path, monkeypatch):
    write_fake_mnist(str(tmp_path), "FashionMNIST", n_train=30, n_test=10)
    assert data.load_dataset("fashion-mnist", str(tmp_path)).x_train.shape == (30, 1, 28, 28)
    monkeypatch.setenv("HW1_OFFLINE", "1")
    with pytest.raises(HW1Error, match="MNIST"):
        data.load_dataset("mnist", str(tmp_path))


def test_folder_and_file_names_match_torchvision(tmp_path):
    """The spelled-out layout is torchvision's own (class name as folder, resources' file names),
    so files torchvision downloads are found; loading them does not import torchvision."""
    import torchvision.datasets as tvd
    for name, cls in (("mnist", tvd.MNIST), ("fashion-mnist", tvd.FashionMNIST)):
        folder, files = data._expected_files(name, "root")
        assert folder == os.path.join("root", cls.__name__, "raw")
        assert sorted(files) == sorted(os.path.splitext(f)[0] for f, _ in cls.resources)
    write_fake_mnist(str(tmp_path), n_train=10, n_test=5)
    code = ("import sys; from common import data; data.load_dataset('mnist', sys.argv[1]); "
            "sys.exit('torchvision' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT).returncode == 0


def test_truncated_file_names_the_file(tmp_path):
    write_fake_mnist(str(tmp_path), n_train=30, n_test=10, size=8)
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(HW1Error, match="train-images-idx3-ubyte is truncated"):
        data.load_dataset("mnist", str(tmp_path))


def test_bad_header_and_label_mismatch(tmp_path):
    write_fake_mnist(str(tmp_path), n_train=30, n_test=10, size=8)
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw / "train-labels-idx1-ubyte", np.zeros(29))
    with pytest.raises(HW1Error, match="labels do not match"):
        data.load_dataset("mnist", str(tmp_path))
    (raw / "train-labels-idx1-ubyte").write_bytes(b"not an idx file")
    with pytest.raises(HW1Error, match="bad header"):
        data.load_dataset("mnist", str(tmp_path))


def test_missing_files_offline_give_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("HW1_OFFLINE", "1")
    with pytest.raises(HW1Error) as err:
        data.load_dataset("mnist", str(tmp_path / "nowhere"))
    message = str(err.value)
    assert "train-images-idx3-ubyte" in message and "--data-dir" in message
    assert os.path.join("nowhere", "MNIST", "raw") in message and "\n" not in message


def test_failed_download_is_reported_not_raised(tmp_path, monkeypatch):
    monkeypatch.delenv("HW1_OFFLINE", raising=False)

    def no_network(name, root):
        raise OSError("Temporary failure in name resolution")
    monkeypatch.setattr(data, "_download", no_network)
    with pytest.raises(HW1Error, match="download failed: OSError: Temporary failure"):
        data.load_dataset("cifar10", str(tmp_path))


def test_cifar10_batches_in_torchvision_layout(tmp_path):
    import pickle
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": list(rng.integers(0, 10, 4))}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    ds = data.load_dataset("cifar10", str(tmp_path))
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.x_test.shape == (4, 3, 32, 32) and len(ds.mean) == 3
    (folder / "test_batch").write_bytes(b"\x80garbage")
    with pytest.raises(HW1Error, match="test_batch is truncated or corrupt"):
        data.load_dataset("cifar10", str(tmp_path))


def test_unknown_dataset():
    with pytest.raises(HW1Error, match="unknown dataset"):
        data.load_dataset("imagenet", "data")


def test_data_dir_precedence(monkeypatch):
    monkeypatch.setenv("HW1_DATA_DIR", "/from/env")
    assert data.resolve_data_dir("/from/flag") == "/from/flag"
    assert data.resolve_data_dir(None) == "/from/env"
    monkeypatch.delenv("HW1_DATA_DIR")
    assert data.resolve_data_dir(None) == "data"


def test_target_functions_match_closed_forms():
    x, y = data.function_data("sinc5", 1001, dtype=torch.float64)
    xs = x.squeeze(1).numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.where(xs == 0, 1.0, np.sin(5 * math.pi * xs) / (5 * math.pi * xs))
    assert data.FUNCTIONS["sinc5"][0](torch.zeros(3, dtype=torch.float64)).tolist() == [1.0] * 3
    np.testing.assert_allclose(y.squeeze(1).numpy(), ref, atol=1e-12)
    _, s = data.function_data("sgn_sin5", 1001, dtype=torch.float64)
    np.testing.assert_array_equal(s.squeeze(1).numpy(), np.sign(np.sin(5 * math.pi * xs)))


def test_minibatches_cover_every_example_once():
    gen = torch.Generator().manual_seed(0)
    batches = list(data.minibatches(103, 10, gen))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    assert sorted(torch.cat(batches).tolist()) == list(range(103))
    assert len(list(data.minibatches(103, None, gen))) == 1


def test_a_failed_download_leaves_no_dataset_folders(tmp_path, monkeypatch):
    """torchvision creates <root>/MNIST/raw and may leave partial files before it fails: the folders
    this call created go, a folder that was there before stays."""
    def failing_download(name, root):
        raw = os.path.join(root, "MNIST", "raw")
        os.makedirs(raw)
        with open(os.path.join(raw, "train-images-idx3-ubyte.gz"), "wb") as f:
            f.write(b"partial")
        raise OSError("network unreachable")
    monkeypatch.delenv("HW1_OFFLINE", raising=False)
    monkeypatch.setattr(data, "_download", failing_download)
    root = tmp_path / "kept"
    root.mkdir()
    with pytest.raises(HW1Error, match="download failed: OSError: network unreachable"):
        data.load_dataset("mnist", str(root))
    assert root.exists() and os.listdir(root) == []
    with pytest.raises(HW1Error):
        data.load_dataset("mnist", str(tmp_path / "new" / "deeper"))
    assert not (tmp_path / "new").exists()


def test_cifar_rows_of_the_wrong_size_name_the_file(tmp_path):
    import pickle
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": np.zeros((4, 1024), np.uint8), b"labels": [0, 1, 2, 3]}, f)
    with pytest.raises(HW1Error, match="data_batch_1: images of .1024,. values each, expected 3x32x32"):
        data.load_dataset("cifar10", str(tmp_path))


def test_corrupted_labels_change_exactly_the_stated_share():
    import torch

    from common.data import corrupted_labels
    labels = torch.arange(1000) % 10
    for level in (0.0, 0.2, 0.5, 0.8, 1.0):
        out = corrupted_labels(labels, level, seed=3)
        wrong = out != labels
        assert int(wrong.sum()) == round(level * 1000)              # exactly that share is wrong
        assert out.min() >= 0 and out.max() <= 9
        if level == 1.0:                                             # every other class is used
            assert set(out[wrong].tolist()) == set(range(10))
    assert torch.equal(corrupted_labels(labels, 0.5, seed=3), corrupted_labels(labels, 0.5, seed=3))
