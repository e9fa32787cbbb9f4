"""MLP and CNN builders, parameter counts, and widths chosen for a target parameter count."""
import math

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def mlp(in_dim, widths, out_dim, activation="relu"):
    """in_dim -> widths[0] -> ... -> widths[-1] -> out_dim, activation between layers.
    Inputs with more than 2 dims are flattened, so images go straight in."""
    layers, prev = [nn.Flatten()], in_dim
    for w in widths:
        layers += [nn.Linear(prev, w), ACTIVATIONS[activation]()]
        prev = w
    layers.append(nn.Linear(prev, out_dim))
    return nn.Sequential(*layers)


def mlp_params(in_dim, widths, out_dim):
    """Closed-form parameter count of mlp(in_dim, widths, out_dim) (weights + biases)."""
    sizes = [in_dim, *widths, out_dim]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def mlp_widths_for_params(in_dim, depth, out_dim, target):
    """Hidden widths for `depth` hidden layers whose count is closest to `target`.

    All hidden layers share one width w except the last, whose width u is solved exactly:
    the count is linear in u (u * (w_prev + 1 + out_dim) + const), so the error is at most
    half of that slope. Among all w, keep the most uniform solution within 1% of target."""
    if depth == 1:
        u = max(1, round((target - out_dim) / (in_dim + 1 + out_dim)))
        return [u]
    best = None
    for w in range(1, 4096):
        base = mlp_params(in_dim, [w] * (depth - 1), 0)   # input -> the first depth-1 hidden layers
        slope = w + 1 + out_dim
        u = round((target - base - out_dim) / slope)
        if u < 1:
            break
        widths = [w] * (depth - 1) + [u]
        err = abs(mlp_params(in_dim, widths, out_dim) - target) / target
        score = (err > 0.01, abs(math.log(u / w)), err)      # within 1% first, then most uniform
        if best is None or score < best[0]:
            best = (score, widths)
    return best[1]


class CNN(nn.Module):
    """conv3x3 blocks (ReLU, 2x2 max-pool after each of the first `n_pool` blocks, or after the
    blocks listed in `pool_after`, where a block listed twice is pooled twice), then flatten ->
    dense `hidden` -> ReLU -> `num_classes`. Input (B, C, H, W).
    A pooled block runs conv -> max-pool -> ReLU: the same function as conv -> ReLU -> max-pool
    (ReLU is monotone, so it commutes with max), with the ReLU and its backward on a quarter of
    the values (bench/bench_mnist.py times the CNN steps both ways)."""

    def __init__(self, in_shape, channels, hidden, num_classes, n_pool=2, pool_after=None):
        super().__init__()
        pool_after = list(range(n_pool)) if pool_after is None else list(pool_after)
        c, h, w = in_shape
        blocks = []
        for i, out_c in enumerate(channels):
            blocks.append(nn.Conv2d(c, out_c, 3, padding=1))
            for _ in range(pool_after.count(i)):
                blocks.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            blocks.append(nn.ReLU())
            c = out_c
        self.features = nn.Sequential(*blocks)
        self.feature_shape = (c, h, w)          # what the head sees
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, hidden), nn.ReLU(),
                                  nn.Linear(hidden, num_classes))
        # channels_last (NHWC) convolutions: 1.3-2x faster per epoch on this CPU; off under
        # torch.func.vmap, which cannot query memory formats
        self.channels_last = True
        self.to(memory_format=torch.channels_last)

    def forward(self, x):
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return self.head(self.features(x))


def cnn_for_params(in_shape, channels, num_classes, target, n_pool=2):
    """A CNN close to `target` parameters: the dense hidden width is solved exactly (the count is
    linear in it) for each last-layer channel count near channels[-1]; the nearest channel count
    that lands within 0.5% of target wins (else the closest overall)."""
    def solve(chs):
        with_one = count_params(CNN(in_shape, chs, 1, num_classes, n_pool))
        slope = count_params(CNN(in_shape, chs, 2, num_classes, n_pool)) - with_one
        hidden = max(1, round((target - with_one) / slope) + 1)
        return abs(with_one + (hidden - 1) * slope - target), hidden

    last = channels[-1]
    candidates = sorted(range(max(1, last // 2), 2 * last + 1), key=lambda c: abs(c - last))
    best = None
    for c in candidates:
        error, hidden = solve([*channels[:-1], c])
        if best is None or error < best[0]:
            best = (error, [*channels[:-1], c], hidden)
        if error <= 0.005 * target:
            break
    return CNN(in_shape, best[1], best[2], num_classes, n_pool)


def depth_family_cnn(in_shape, depth, channels, num_classes, target):
    """One member of a CNN family that varies depth only: `depth` conv3x3 layers of `channels`
    channels each, with two 2x2 max-pools after the first conv layer, so every member's later conv
    layers work on, and its head sees, the same (channels, H/4, W/4) map (7x7 for 28x28 images),
    and every head has the same shape (flatten -> dense -> classes). The dense width is solved so
    that the parameter count is closest to `target` (deeper members, with more conv parameters,
    get a slightly narrower dense layer). Pooling right after the first layer keeps the deeper
    members' extra layers cheap (a 3x3 conv on 7x7 costs a sixteenth of one on 28x28)."""
    def build(hidden):
        return CNN(in_shape, [channels] * depth, hidden, num_classes, pool_after=[0, 0])
    with_one = count_params(build(1))
    slope = count_params(build(2)) - with_one
    hidden = max(1, round((target - with_one) / slope) + 1)
    return build(hidden)
