"""The controls of Zhang et al. 2017 ("Understanding deep learning requires rethinking
generalization", Sec. 2 and Fig. 1): labels corrupted with a probability, and inputs that keep
less and less of the image. Used by hw1_3_random_labels.py only.

Labels (Zhang et al., Sec. 2, "partially corrupted labels"): "independently with probability p,
the label of each image is corrupted as a uniform random class": a corrupted label is redrawn
from all classes, so it stays right with probability 1/classes, and p = 1 leaves about a tenth
of the labels right (chance), the expected share of wrong labels being p (1 - 1/classes).

Inputs (Zhang et al., Sec. 2, "shuffled pixels", "random pixels", "Gaussian"), the labels kept:
  shuffled: one random permutation of the pixels, the same for every image (training and test);
  random:   a different random permutation of the pixels for each image;
  gaussian: every pixel replaced by Gaussian noise with the mean and std of the training images.
"""
import torch

INPUT_CONTROLS = ("shuffled pixels", "random pixels", "gaussian inputs")


def uniform_corrupted_labels(labels, p, seed, classes=10):
    """Each label independently, with probability p, replaced by a class drawn uniformly from all
    `classes` (so it can stay right). p in [0, 1]."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"corruption probability {p} outside [0, 1]")
    generator = torch.Generator().manual_seed(seed)
    corrupt = torch.rand(len(labels), generator=generator) < p
    redrawn = torch.randint(0, classes, (len(labels),), generator=generator)
    return torch.where(corrupt.to(labels.device), redrawn.to(labels.device), labels)


def _flat(x):
    return x.reshape(len(x), -1)


def shuffled_pixels(x_train, x_test, generator):
    """Both splits with one permutation of the pixel positions (over all channels and positions),
    drawn once and applied to every image."""
    order = torch.randperm(_flat(x_train).shape[1], generator=generator).to(x_train.device)
    return (_flat(x_train)[:, order].reshape(x_train.shape), _flat(x_test)[:, order].reshape(x_test.shape))


def random_pixels(x, generator):
    """Every image with its own random permutation of its pixel positions."""
    flat = _flat(x)
    orders = torch.rand(flat.shape, generator=generator).argsort(dim=1).to(x.device)   # one permutation per row
    return flat.gather(1, orders).reshape(x.shape)


def gaussian_inputs(shape, mean, std, generator, device="cpu"):
    """Images of `shape` whose every pixel is drawn from N(mean, std^2)."""
    return (mean + std * torch.randn(shape, generator=generator)).to(device)


def input_control(kind, x_train, x_test, seed):
    """(x_train, x_test) under one of INPUT_CONTROLS, drawn from one generator seeded by `seed`
    (the training images first); the Gaussian's mean and std are those of all pixels of x_train."""
    generator = torch.Generator().manual_seed(seed)
    if kind == "shuffled pixels":
        return shuffled_pixels(x_train, x_test, generator)
    if kind == "random pixels":
        return random_pixels(x_train, generator), random_pixels(x_test, generator)
    if kind == "gaussian inputs":
        mean, std = float(x_train.mean()), float(x_train.std())
        return (gaussian_inputs(x_train.shape, mean, std, generator, x_train.device),
                gaussian_inputs(x_test.shape, mean, std, generator, x_test.device))
    raise ValueError(f"unknown input control {kind!r}; choose from {', '.join(INPUT_CONTROLS)}")
