"""Generalization measures against independent references: finite differences, exact endpoints,
and the properties of random labels."""
import numpy as np
import pytest
import torch

from common.data import permuted_labels
from common.measures import interpolate, sensitivity
from common.models import mlp


def test_random_labels_are_a_permutation_of_the_true_labels():
    y = torch.randint(0, 10, (5000,), generator=torch.Generator().manual_seed(0))
    random = permuted_labels(y, seed=0)
    assert torch.equal(torch.bincount(random, minlength=10), torch.bincount(y, minlength=10))
    assert torch.equal(torch.sort(random).values, torch.sort(y).values)
    agreement = float((random == y).double().mean())
    assert 0.05 < agreement < 0.15                                     # ~ chance (0.1), not the true labels
    assert torch.equal(permuted_labels(y, seed=0), random)             # fixed by the seed
    assert not torch.equal(permuted_labels(y, seed=1), random)


def test_interpolation_endpoints_are_exact_and_midpoint_is_the_mean():
    torch.manual_seed(0)
    a, b = mlp(6, [5], 3).state_dict(), mlp(6, [5], 3).state_dict()
    for k in a:
        assert torch.equal(interpolate(a, b, 0.0)[k], a[k]) and torch.equal(interpolate(a, b, 1.0)[k], b[k])
        torch.testing.assert_close(interpolate(a, b, 0.5)[k], (a[k] + b[k]) / 2)
        torch.testing.assert_close(interpolate(a, b, 2.0)[k], 2 * b[k] - a[k])


def test_sensitivities_equal_finite_differences():
    torch.manual_seed(0)
    model = mlp(5, [7], 4, "tanh").double()
    x = torch.randn(6, 5, dtype=torch.float64)
    y = torch.randint(0, 4, (6,))
    ours = sensitivity(model, x, y, chunk=4)                            # chunks must not matter
    eps = 1e-6
    loss_norms, jac_norms = [], []
    with torch.no_grad():
        for n in range(len(x)):
            g, jac = np.zeros(5), np.zeros((4, 5))
            for i in range(5):
                e = torch.zeros(5, dtype=torch.float64)
                e[i] = eps
                xp, xm = (x[n] + e)[None], (x[n] - e)[None]
                lp = torch.nn.functional.cross_entropy(model(xp), y[n:n + 1])
                lm = torch.nn.functional.cross_entropy(model(xm), y[n:n + 1])
                g[i] = float(lp - lm) / (2 * eps)
                jac[:, i] = ((torch.softmax(model(xp), 1) - torch.softmax(model(xm), 1)) / (2 * eps))[0].numpy()
            loss_norms.append(np.linalg.norm(g))
            jac_norms.append(np.linalg.norm(jac))
    assert abs(ours["loss_gradient"] - np.mean(loss_norms)) < 1e-7 * max(1.0, np.mean(loss_norms))
    assert abs(ours["jacobian_frobenius"] - np.mean(jac_norms)) < 1e-7 * max(1.0, np.mean(jac_norms))


def test_keskar_sharpness_of_a_quadratic_matches_its_closed_form():
    from common.measures import hessian_sharpness, keskar_sharpness
    a = torch.tensor([3.0, 1.0, 0.5, 2.0], dtype=torch.float64)
    c = 0.25
    theta = torch.tensor([0.0, 0.5, -1.0, 2.0], dtype=torch.float64)
    loss = lambda t: 0.5 * (a * (t - theta) ** 2).sum() + c           # minimum c at theta
    eps = 1e-3
    # convex quadratic over the box |delta_i| <= eps (|theta_i| + 1): the maximum sits at a corner
    closed_form = 100 * 0.5 * float((a * (eps * (theta.abs() + 1)) ** 2).sum()) / (1 + c)
    assert keskar_sharpness(loss, theta, eps)["sharpness"] == pytest.approx(closed_form, rel=1e-6)
    # the second-order estimate with ||H|| = max a_i
    assert hessian_sharpness(3.0, c, eps) == pytest.approx(3.0 * eps ** 2 / (2 * 1.25))


def test_dinh_rescaling_keeps_the_function_and_changes_the_sharpness():
    import hw1_3_sharpness as sharp
    torch.manual_seed(0)
    model = mlp(12, [8], 3)
    x, y = torch.randn(40, 12), torch.randint(0, 3, (40,))
    rows = sharp.dinh_rescaling(model, x, y, [0.2, 1.0, 5.0], {"power_iters": 60, "keskar_iters": 5})
    assert all(r["max_output_change"] < 1e-5 for r in rows)
    assert rows[0]["loss"] == pytest.approx(rows[1]["loss"], rel=1e-5)
    tops = [r["top_eigenvalue"] for r in rows]
    assert tops[0] > 3 * tops[1] and tops[2] > 3 * tops[1]           # same function, much sharper
