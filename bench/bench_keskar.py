"""HW1-3 sharpness: Keskar's maximization (common.measures.keskar_sharpness: the sign-gradient
corner of the box + 2 random starts, 10 L-BFGS-B iterations each) against its corner start alone,
and against the previous code (10 L-BFGS-B iterations from the box's center, delta = 0), on
trained models of the shared approaches (common/approaches.py; read from results/cache/, trained
when missing), 10,000 training images in float32, as hw1_3_sharpness.py measures them.
Prints per model and epsilon the three values of phi and the seconds each took, one thread.

    python -m bench.bench_keskar          # about 2 minutes once the models are cached
"""
import argparse
from functools import partial
from types import SimpleNamespace

import numpy as np
import torch
from scipy.optimize import minimize

from bench.common import machine, report, timed
from common import approaches
from common.curvature import flat_loss
from common.data import load_dataset_once, resolve_data_dir
from common.measures import keskar_sharpness

MODELS = [("batch 64", "s0"), ("batch 8192", "s0"), ("lr 1e-2", "s0")]   # (approach, seed name)
EPSILONS = [1e-3, 1e-4]
SUBSET = 10000                # training images, as hw1_3_sharpness.py
ITERS = 10                    # L-BFGS-B iterations per start (Keskar et al.)


def corner_only(loss, theta, eps):
    """phi at the corner delta = eps (|theta| + 1) sign(grad L): one gradient, one loss."""
    probe = theta.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(probe), probe)
    base = float(loss(theta))
    with torch.no_grad():
        value = float(loss(theta + torch.sign(gradient) * eps * (theta.abs() + 1)))
    return 100 * (value - base) / (1 + base)


def from_center(loss, theta, eps):
    """The previous code: L-BFGS-B from delta = 0 over the same box."""
    radius = eps * (theta.abs() + 1)
    base = float(loss(theta))

    def negative(u):
        u = torch.as_tensor(u, dtype=theta.dtype).requires_grad_(True)
        value = loss(theta + u * radius)
        (g,) = torch.autograd.grad(value, u)
        return -float(value.detach()), -g.double().numpy()
    found = minimize(negative, np.zeros(theta.numel()), jac=True, method="L-BFGS-B",
                     bounds=[(-1.0, 1.0)] * theta.numel(), options={"maxiter": ITERS, "gtol": 0.0, "ftol": 0.0})
    return 100 * (-found.fun - base) / (1 + base)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="quick models and 200 images (a smoke run)")
    cli = parser.parse_args()
    torch.set_num_threads(1)
    args = SimpleNamespace(out_dir=".", quick=cli.quick, force=False, seed=0, device_resolved=torch.device("cpu"),
                           data_dir=resolve_data_dir(None))
    names = [m for m, _ in MODELS]
    records = approaches.trained_models(args, list(dict.fromkeys(names)), workers=1)
    ds = load_dataset_once("mnist", args.data_dir, "cpu", approaches.settings(args)["subset"])
    n = 200 if cli.quick else SUBSET
    x, y = ds.x_train[:n], ds.y_train[:n]
    print(f"# Keskar sharpness: maximization vs its corner start vs the previous center start; {machine()}")
    print(f"{'model':<16} {'eps':>6} {'corner':>9} {'center+L-BFGS-B':>16} {'ours (best of 3)':>17} "
          f"{'ours/corner':>12}")
    totals = {"corner": 0.0, "center": 0.0, "ours": 0.0}
    for name, seed_name in MODELS:
        if (name, seed_name) not in records:
            seed_name = approaches.seeds_of(args)[0]
        model = approaches.load_model(records[(name, seed_name)])
        loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy, dtype=torch.float32)
        for eps in EPSILONS:
            corner_s, corner = timed(partial(corner_only, loss, theta, eps))
            center_s, center = timed(partial(from_center, loss, theta, eps))
            ours_s, ours = timed(partial(keskar_sharpness, loss, theta, eps, max_iter=ITERS, random_starts=2))
            totals["corner"] += corner_s
            totals["center"] += center_s
            totals["ours"] += ours_s
            print(f"{name + ' ' + seed_name:<16} {eps:>6g} {corner:>9.4g} {center:>16.4g} {ours['sharpness']:>17.4g} "
                  f"{ours['sharpness'] / corner:>11.3f}x   ({corner_s:.2f} s / {center_s:.2f} s / {ours_s:.2f} s)",
                  flush=True)
    report("all models and epsilons, time", totals["ours"], totals["center"], ours_label="ours",
           plain_label="center start")
    report("all models and epsilons, time", totals["ours"], totals["corner"], ours_label="ours",
           plain_label="corner alone")


if __name__ == "__main__":
    main()
