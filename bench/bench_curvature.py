"""Curvature and sensitivity, our way vs the plain way, in one run:
  - top Hessian eigenvalue of the MNIST MLP 784-32-10 (25,450 params, at initialization) on 1,000 images:
    power iteration on Hessian-vector products vs forming the exact Hessian (float32, 2.6 GB)
    and iterating on it; and Hessian-vector products with the gradient's graph built once vs
    rebuilt for every product;
  - sensitivity on the 10,000 test images: batched per-example input gradients vs a loop;
  - the exact Hessian of 50 tanh nets of hw1_2_minratio.py, closed form vs torch.func.
(The critical-point finder of hw1_2_minratio.py against gradient-norm minimization: bench_minratio.py.)

    python -m bench.bench_curvature [--data-dir DIR]
"""
import argparse

import torch
from torch.func import grad, hessian, vmap

import hw1_2_minratio as minratio
from bench.common import machine, report, timed
from common.curvature import flat_loss, hvp_operator, power_iteration, tanh_mlp_mse_derivatives
from common.data import function_data, load_dataset, resolve_data_dir
from common.measures import sensitivity
from common.models import mlp


def top_eigenvalue_hvp(loss, theta):
    return power_iteration(hvp_operator(loss, theta), theta.numel(), iters=100, tol=1e-4,
                           generator=torch.Generator().manual_seed(0), dtype=theta.dtype)[0]


def top_eigenvalue_hvp_rebuilt(loss, theta):
    """The plain Hessian-vector product: forward pass and gradient rebuilt for every product."""
    def matvec(v):
        return torch.func.vjp(grad(loss), theta)[1](v)[0]
    return power_iteration(matvec, theta.numel(), iters=100, tol=1e-4,
                           generator=torch.Generator().manual_seed(0), dtype=theta.dtype)[0]


def top_eigenvalue_exact(loss, theta):
    h = torch.func.jacrev(torch.func.jacrev(loss), chunk_size=256)(theta)      # (P, P), 256 rows at a time
    return power_iteration(lambda v: h @ v, theta.numel(), iters=100, tol=1e-4,
                           generator=torch.Generator().manual_seed(0), dtype=theta.dtype)[0]


def sensitivity_loop(model, x, y):
    norms = []
    for n in range(len(x)):
        xn = x[n:n + 1].clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(model(xn), y[n:n + 1])
        (g,) = torch.autograd.grad(loss, xn)
        norms.append(g.norm())
    return float(torch.stack(norms).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    print(f"# curvature and sensitivity; {machine()}")
    torch.set_num_threads(2)
    ds = load_dataset("mnist", resolve_data_dir(args.data_dir))
    torch.manual_seed(0)
    model = mlp(784, [32], 10)
    loss, theta = flat_loss(model, ds.x_train[:1000], ds.y_train[:1000], torch.nn.functional.cross_entropy,
                            dtype=torch.float32)
    hvp_s, rebuilt_s = float("inf"), float("inf")
    for _ in range(3):          # alternated, best of three: the first calls pay a one-time warm-up
        seconds, top_hvp = timed(lambda: top_eigenvalue_hvp(loss, theta))
        hvp_s = min(hvp_s, seconds)
        seconds, top_rebuilt = timed(lambda: top_eigenvalue_hvp_rebuilt(loss, theta))
        rebuilt_s = min(rebuilt_s, seconds)
    exact_s, top_exact = timed(lambda: top_eigenvalue_exact(loss, theta))
    report(f"top eigenvalue, 25,450 params ({top_hvp:.4g} vs {top_exact:.4g})", hvp_s, exact_s,
           ours_label="HVP", plain_label="exact")
    report(f"HVP graph reused vs rebuilt ({top_hvp:.4g} vs {top_rebuilt:.4g})", hvp_s, rebuilt_s,
           ours_label="reused", plain_label="rebuilt")

    ours_s, ours = timed(lambda: sensitivity(model, ds.x_test, ds.y_test))
    loop_s, loop = timed(lambda: sensitivity_loop(model, ds.x_test, ds.y_test))
    report(f"sensitivity, 10k images ({ours['loss_gradient']:.4g} vs {loop:.4g})", ours_s, loop_s,
           plain_label="loop ")

    torch.set_num_threads(1)
    x, y = function_data("sinc5", minratio.POINTS, dtype=torch.float64)
    thetas = torch.stack([minratio.init_theta(seed) for seed in range(50)])
    loss_one = lambda t: ((minratio.net(t, x) - y) ** 2).mean()   # noqa: E731
    closed_s, (_, _, closed) = timed(lambda: tanh_mlp_mse_derivatives(thetas, minratio.SIZES, x, y))
    func_s, reference = timed(lambda: vmap(hessian(loss_one))(thetas))
    difference = float((closed - reference).abs().max())
    report(f"Hessian, 50 runs x {minratio.N_PARAMS} params (max diff {difference:.0e})", closed_s, func_s,
           ours_label="closed form", plain_label="torch.func")


if __name__ == "__main__":
    main()
