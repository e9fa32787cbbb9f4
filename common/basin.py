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
refined by bisection between the last grid point below and the first at or above the threshold.
An excursion above the threshold narrower than one step can be missed.

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
    def __call__(self, ts):
        """(losses, accuracies): numpy arrays, one value per t of ts."""
        ts = torch.as_tensor(np.asarray(ts, dtype=np.float64), dtype=self.base.dtype, device=self.base.device)
        per_call = max(1, ELEMENTS // self.base.numel())
        losses, accuracies = [], []
        for chunk in torch.split(ts, per_call):
            t = chunk[:, None, None]                                   # (T, 1, 1)
            h = self.base + t * self.slope                             # (T, N, H)
            for layer in self.rest:
                if isinstance(layer, tuple):
                    w, b, dw, db = layer
                    h = torch.matmul(h, (w + t * dw).transpose(1, 2)) + (b + t * db)   # (T, N, out)
                else:
                    h = layer(h)
            target = self.y.expand(len(chunk), -1)
            losses.append(F.cross_entropy(h.transpose(1, 2), target, reduction="none").mean(1))
            accuracies.append((h.argmax(2) == target).float().mean(1))
        return torch.cat(losses).double().cpu().numpy(), torch.cat(accuracies).double().cpu().numpy()

    def loss(self, ts):
        """The losses alone."""
        return self(ts)[0]


def threshold_distances(loss, rises, step, t_max, bisections=12):
    """The width of a basin along one line at each threshold loss(0) + rise: for each side s (+1,
    -1) the first grid point t = step, 2 step, ... <= t_max with loss(s t) >= loss(0) + rise, then
    `bisections` halvings of [t - step, t] (the threshold stays bracketed: below at the lower end,
    at or above at the upper). loss: a function of an array of t values returning their losses.
    Returns {"plus": [distance per rise], "minus": [...], "base": loss(0)}; a side that stays
    below the threshold up to t_max gets None."""
    base = float(loss(np.zeros(1))[0])
    rises = np.asarray(rises, dtype=float)
    grid = step * np.arange(1, int(round(t_max / step)) + 1)
    found = {}
    for side, sign in (("plus", 1.0), ("minus", -1.0)):
        first = np.full(len(rises), -1)                  # index of the first grid point at or above
        per_call = 16
        for start in range(0, len(grid), per_call):
            values = loss(sign * grid[start:start + per_call])
            for r, rise in enumerate(rises):
                if first[r] < 0:
                    above = np.flatnonzero(values >= base + rise)
                    if above.size:
                        first[r] = start + above[0]
            if (first >= 0).all():
                break
        low = np.where(first > 0, grid[np.maximum(first - 1, 0)], 0.0)
        high = np.where(first >= 0, grid[np.maximum(first, 0)], np.nan)
        todo = first >= 0
        for _ in range(bisections):
            if not todo.any():
                break
            middle = 0.5 * (low + high)
            values = np.full(len(rises), np.nan)
            values[todo] = loss(sign * middle[todo])
            up = todo & (values >= base + rises)
            high = np.where(up, middle, high)
            low = np.where(todo & ~up, middle, low)
        found[side] = [float(h) if ok else None for h, ok in zip(high, todo)]
    found["base"] = base
    return found
