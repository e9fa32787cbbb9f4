"""The training loss along lines in weight space, and the width of a basin at a loss threshold.
Used by hw1_3_interp.py only.

Filter-normalized directions (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets",
Sec. 4, Eq. (1)): a Gaussian draw d whose every filter is rescaled to the norm of the same
filter of the model theta, d_i <- d_i ||theta_i|| / ||d_i||; in a fully connected layer a filter
is one row of the weight matrix (one unit's incoming weights). Biases get no direction (Li et al.
also leave the batch-norm parameters unchanged; their code zeroes the direction of every 1-D
parameter). One draw normalized to two models gives each a direction in units of its own
weights, so that a rescaling that leaves the function unchanged (Dinh et al. 2017) does not
change the loss along it.

Width at a loss threshold: along theta + t d, on each side (t > 0 and t < 0), the distance |t|
at which the training loss first reaches L(theta) + rise; found on a grid of step `step` and
refined by false position (Illinois) between the last grid point below and the first at or above
the threshold. An excursion above the threshold narrower than one step can be missed.

The loss along a line is evaluated exactly and cheaply for an MLP: the first layer's
pre-activation is affine in t, x (W + t D)^T + (b + t d_b) = (x W^T + b) + t (x D^T + d_b), so
its two matrix products with the inputs (the bulk of the cost for 784-32-10) are computed once
per line, and each t costs only the layers above it.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ELEMENTS = 2 ** 24            # hidden activations held at once (t values x examples x width): 64 MB


def filter_normalized(raw, params):
    """Li et al. 2018's direction for the model `params` ({name: tensor}) from the Gaussian draws
    `raw` ({name: tensor} for the weight matrices): each row of each draw scaled to the norm of
    that row in the model; zero for the biases (and any 1-D parameter). The flat vector, in the
    order of `params`."""
    parts = []
    for name, p in params.items():
        if p.dim() < 2:
            parts.append(torch.zeros_like(p).reshape(-1))
            continue
        d = raw[name].to(device=p.device, dtype=p.dtype)
        rows = p.reshape(len(p), -1).norm(dim=1) / d.reshape(len(d), -1).norm(dim=1).clamp_min(1e-12)
        parts.append((d * rows.reshape(-1, *[1] * (p.dim() - 1))).reshape(-1))
    return torch.cat(parts)


def gaussian_draws(params, generator):
    """One standard Gaussian draw per weight matrix of `params` ({name: tensor}), from `generator`."""
    return {name: torch.randn(p.shape, generator=generator) for name, p in params.items() if p.dim() >= 2}


class LineLoss:
    """Mean cross-entropy and accuracy of an MLP (nn.Sequential of Flatten, Linear and activation
    modules) on (x, y) at theta + t * direction, for many t at once. theta, direction: flat (P,)
    vectors in the order of model.parameters(); the model's own weights are not used or changed."""

    def __init__(self, model, theta, direction, x, y):
        modules = [m for m in model if not isinstance(m, nn.Flatten)]
        if not modules or not isinstance(modules[0], nn.Linear) or not all(
                isinstance(m, nn.Linear) or not any(True for _ in m.parameters()) for m in modules):
            raise ValueError("LineLoss needs an MLP: Linear layers and parameter-free activations")
        shapes = [p.shape for p in model.parameters()]
        sizes = [math.prod(s) for s in shapes]
        point = [t.reshape(s) for t, s in zip(torch.split(theta, sizes), shapes)]
        slope = [t.reshape(s) for t, s in zip(torch.split(direction, sizes), shapes)]
        layers, i = [], 0
        for m in modules:
            if isinstance(m, nn.Linear):
                layers.append((point[i], point[i + 1], slope[i], slope[i + 1]))
                i += 2
            else:
                layers.append(m)
        w, b, dw, db = layers[0]
        flat = x.reshape(len(x), -1)
        self.base = flat @ w.T + b                 # (N, H): the first layer at t = 0
        self.slope = flat @ dw.T + db              # (N, H): its change per unit of t
        self.rest = layers[1:]
        self.y = y

    @torch.no_grad()
    def __call__(self, ts, accuracy=True):
        """(losses, accuracies): numpy arrays, one value per t of ts (accuracies None when not
        asked for)."""
        ts = torch.as_tensor(np.asarray(ts, dtype=np.float64), dtype=self.base.dtype, device=self.base.device)
        per_call = max(1, ELEMENTS // self.base.numel())
        losses, accuracies = [], []
        for chunk in torch.split(ts, per_call):
            t = chunk[:, None, None]                                   # (T, 1, 1)
            h = self.slope * t                                         # (T, N, H)
            h += self.base
            for layer in self.rest:
                if isinstance(layer, tuple):
                    w, b, dw, db = layer
                    h = torch.baddbmm((b + t * db), h, (w + t * dw).transpose(1, 2))   # (T, N, out)
                else:
                    h = layer(h)
            target = self.y.expand(len(chunk), -1)
            losses.append(F.cross_entropy(h.transpose(1, 2), target, reduction="none").mean(1))
            if accuracy:
                accuracies.append((h.argmax(2) == target).float().mean(1))
        losses = torch.cat(losses).double().cpu().numpy()
        return losses, (torch.cat(accuracies).double().cpu().numpy() if accuracy else None)

    def loss(self, ts):
        """The losses alone."""
        return self(ts, accuracy=False)[0]


def threshold_distances(loss, rises, step, t_max, refinements=4, scan=8):
    """The width of a basin along one line at each threshold loss(0) + rise: on each side s (+1,
    -1) the first grid point t = step, 2 step, ... <= t_max with loss(s t) >= loss(0) + rise, then
    `refinements` steps of the Illinois variant of false position in [t - step, t] (the threshold
    stays bracketed: below at the lower end, at or above at the upper end; each step evaluates the
    loss where the chord through the bracket's ends crosses the threshold, and halves the weight of
    an end kept twice in a row), and the chord's crossing in the final bracket is returned.
    loss: a function of an array of t values returning their losses; both sides and all rises are
    evaluated together, `scan` grid points a side per call. Returns {"plus": [distance per rise],
    "minus": [...], "base": loss(0)}; a side that stays below the threshold up to t_max gets None."""
    base = float(loss(np.zeros(1))[0])
    thresholds = base + np.asarray(rises, dtype=float)
    grid = step * np.arange(1, int(round(t_max / step)) + 1)
    signs = np.array([1.0, -1.0])
    shape = (2, len(thresholds))
    first = np.full(shape, -1)                            # per side and rise: the first grid index at or above
    values = np.empty((2, 0))
    for start in range(0, len(grid), scan):
        part = grid[start:start + scan]
        values = np.concatenate([values, loss(np.concatenate([s * part for s in signs])).reshape(2, len(part))], 1)
        for side in range(2):
            for r, threshold in enumerate(thresholds):
                above = np.flatnonzero(values[side, start:] >= threshold)
                if first[side, r] < 0 and above.size:
                    first[side, r] = start + above[0]
        if (first >= 0).all():
            break
    found = first >= 0
    index = np.maximum(first, 0)
    rows = np.arange(2)[:, None]
    high, f_high = grid[index], values[rows, index]
    low = np.where(first > 0, grid[np.maximum(first - 1, 0)], 0.0)
    f_low = np.where(first > 0, values[rows, np.maximum(first - 1, 0)], base)
    level = np.broadcast_to(thresholds, shape)
    sign = np.repeat(signs[:, None], len(thresholds), axis=1)
    w_low, w_high = np.ones(shape), np.ones(shape)        # Illinois: the weights of the two ends' residuals
    kept = np.zeros(shape)                                # +1: the low end was kept last step, -1: the high end

    def chord():
        a, b = w_low * (f_low - level), w_high * (f_high - level)      # a < 0 <= b
        return low + (high - low) * a / np.where(a - b == 0, -1.0, a - b)
    for _ in range(refinements if found.any() else 0):
        middle = chord()
        f_middle = np.full(shape, np.nan)
        f_middle[found] = loss(sign[found] * middle[found])
        up = found & (f_middle >= level)
        down = found & ~up
        w_low = np.where(down, 1.0, np.where(up & (kept > 0), 0.5 * w_low, w_low))
        w_high = np.where(up, 1.0, np.where(down & (kept < 0), 0.5 * w_high, w_high))
        kept = np.where(up, 1.0, np.where(down, -1.0, kept))
        high, f_high = np.where(up, middle, high), np.where(up, f_middle, f_high)
        low, f_low = np.where(down, middle, low), np.where(down, f_middle, f_low)
    crossing = chord()
    distances = [[float(t) if ok else None for t, ok in zip(crossing[side], found[side])] for side in range(2)]
    return {"plus": distances[0], "minus": distances[1], "base": base}
