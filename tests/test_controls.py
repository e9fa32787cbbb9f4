"""Zhang et al. 2017's controls (common/controls.py): the label corruption against binomial bounds,
and the input controls against what each one must keep (the labels, the pixels of an image, the
moments of the data)."""
import importlib
import sys

import numpy as np
import pytest
import torch
from scipy import stats as scipy_stats

from common.controls import INPUT_CONTROLS, input_control, uniform_corrupted_labels
from tests.conftest import ROOT

CLASSES = 10
N = 60000
SURE = 1e-6                   # two-sided probability outside the binomial bounds


def binomial_bounds(n, q):
    """Counts outside which a Binomial(n, q) falls with probability at most SURE."""
    return scipy_stats.binom.ppf(SURE / 2, n, q), scipy_stats.binom.isf(SURE / 2, n, q)


def true_labels(n=N, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, CLASSES, n))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_corruption_leaves_about_a_tenth_of_the_labels_right(seed):
    labels = true_labels(seed=seed)
    corrupted = uniform_corrupted_labels(labels, 1.0, seed)
    low, high = binomial_bounds(N, 1 / CLASSES)
    assert low <= int((corrupted == labels).sum()) <= high
    for c in range(CLASSES):                                          # the redrawn classes are uniform
        assert low <= int((corrupted == c).sum()) <= high


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_a_share_p_is_redrawn_and_nine_tenths_of_it_end_wrong(p):
    labels = true_labels()
    corrupted = uniform_corrupted_labels(labels, p, 7)
    low, high = binomial_bounds(N, p * (1 - 1 / CLASSES))
    assert low <= int((corrupted != labels).sum()) <= high
    assert corrupted.dtype == labels.dtype and corrupted.shape == labels.shape


def test_no_corruption_keeps_every_label_and_the_seed_decides_the_rest():
    labels = true_labels(1000)
    assert torch.equal(uniform_corrupted_labels(labels, 0.0, 3), labels)
    assert torch.equal(uniform_corrupted_labels(labels, 0.5, 3), uniform_corrupted_labels(labels, 0.5, 3))
    assert not torch.equal(uniform_corrupted_labels(labels, 0.5, 3), uniform_corrupted_labels(labels, 0.5, 4))
    with pytest.raises(ValueError):
        uniform_corrupted_labels(labels, 1.5, 3)


def images(n, seed):
    """Images with distinct pixel values (so a permutation can be read back), (n, 1, 4, 5)."""
    return torch.from_numpy(np.random.default_rng(seed).permutation(n * 20).reshape(n, 1, 4, 5).astype(np.float32))


def permutation_of(before, after):
    """The pixel order p with after.flat == before.flat[p] (values distinct within an image)."""
    b, a = before.reshape(-1).numpy(), after.reshape(-1).numpy()
    where = {v: i for i, v in enumerate(b)}
    return [where[v] for v in a]


def test_shuffled_pixels_apply_one_permutation_to_every_image_of_both_splits():
    x_train, x_test = images(6, 0), images(3, 1)
    new_train, new_test = input_control("shuffled pixels", x_train, x_test, 5)
    orders = [permutation_of(x, y) for x, y in zip(torch.cat([x_train, x_test]), torch.cat([new_train, new_test]))]
    assert all(order == orders[0] for order in orders) and orders[0] != list(range(20))
    assert new_train.shape == x_train.shape and new_test.shape == x_test.shape


def test_random_pixels_permute_each_image_differently():
    x_train, x_test = images(6, 0), images(3, 1)
    new_train, new_test = input_control("random pixels", x_train, x_test, 5)
    orders = [permutation_of(x, y) for x, y in zip(torch.cat([x_train, x_test]), torch.cat([new_train, new_test]))]
    assert all(sorted(order) == list(range(20)) for order in orders)          # each image keeps its pixels
    assert len({tuple(order) for order in orders}) == len(orders)             # a different order per image


def test_gaussian_inputs_have_the_moments_of_the_training_images():
    x_train = torch.from_numpy(np.random.default_rng(0).gamma(2.0, 1.5, (4000, 1, 8, 8)).astype(np.float32))
    x_test = x_train[:1000] * 0
    new_train, new_test = input_control("gaussian inputs", x_train, x_test, 5)
    values = new_train.reshape(-1).double()
    standard_error = float(x_train.std()) / values.numel() ** 0.5
    assert float(values.mean()) == pytest.approx(float(x_train.mean()), abs=5 * standard_error)
    assert float(values.std()) == pytest.approx(float(x_train.std()), rel=0.01)
    assert new_test.shape == x_test.shape and float(new_test.std()) == pytest.approx(float(x_train.std()), rel=0.02)
    assert scipy_stats.normaltest(values[:5000].numpy()).pvalue > SURE         # Gaussian, not the gamma data
    with pytest.raises(ValueError):
        input_control("inverted pixels", x_train, x_test, 5)


@pytest.fixture
def random_labels_script(monkeypatch):
    monkeypatch.syspath_prepend(ROOT)
    sys.modules.pop("hw1_3_random_labels", None)
    return importlib.import_module("hw1_3_random_labels")


@pytest.mark.parametrize("kind", INPUT_CONTROLS)
def test_the_pixel_controls_keep_the_label_set_unchanged(kind, random_labels_script, fake_data_dir, monkeypatch):
    """A run of the script under each input control trains on the true labels (its measured share of
    wrong labels is 0) and on inputs other than the images."""
    job = {"epochs": 1, "base_seed": 0, "data_dir": fake_data_dir, "device": torch.device("cpu"),
           "random_test_labels": False, "level": None, "inputs": kind, "seed_name": "s0", "subset": (200, 100)}
    seen = {}
    train = random_labels_script.train

    def spy(model, data, cfg, **kwargs):
        seen["data"] = data
        return train(model, data, cfg, **kwargs)
    monkeypatch.setattr(random_labels_script, "train", spy)
    run = random_labels_script.fit(job)
    from common.data import load_dataset_once
    ds = load_dataset_once("mnist", fake_data_dir, "cpu", (200, 100))
    x_train, y_train, x_test, y_test = seen["data"]
    assert torch.equal(y_train, ds.y_train) and torch.equal(y_test, ds.y_test)
    assert run["wrong_share"] == 0 and run["label_agreement"] == 1 and run["inputs"] == kind
    assert not torch.equal(x_train, ds.x_train) and not torch.equal(x_test, ds.x_test)
