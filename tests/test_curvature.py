"""Curvature against independent references: closed-form Hessians, the exact Hessian, eigvalsh,
finite differences, and critical points whose minimal ratio is known."""
import math

import pytest
import torch

from common import curvature
from common.models import mlp


def closed_form(theta):
    a, b, c = theta
    return a ** 2 * b + torch.sin(b) * c + c ** 3 / 3


def test_exact_hessian_of_closed_form():
    theta = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64)
    a, b, c = theta.tolist()
    by_hand = torch.tensor([[2 * b, 2 * a, 0.0],
                            [2 * a, -math.sin(b) * c, math.cos(b)],
                            [0.0, math.cos(b), 2 * c]], dtype=torch.float64)
    torch.testing.assert_close(curvature.exact_hessian(closed_form, theta), by_hand)


def _tiny_net_loss(seed=0, activation="tanh"):
    torch.manual_seed(seed)
    model = mlp(1, [5, 4], 1, activation)
    x = torch.linspace(-1, 1, 40)[:, None]
    y = torch.sin(3 * x)
    return curvature.flat_loss(model, x, y, torch.nn.functional.mse_loss)


def test_hvp_equals_hessian_times_vector():
    loss, theta = _tiny_net_loss()
    h = curvature.exact_hessian(loss, theta)
    hessian_times = curvature.hvp_operator(loss, theta)
    for seed in (1, 2):                      # the reused gradient graph gives every product right
        v = torch.randn(theta.numel(), dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
        torch.testing.assert_close(hessian_times(v), h @ v, rtol=1e-10, atol=1e-12)


def test_hessian_matches_finite_differences_of_the_gradient():
    loss, theta = _tiny_net_loss()
    h = curvature.exact_hessian(loss, theta)
    g = torch.func.grad(loss)
    eps = 1e-6
    for i in (0, 7, theta.numel() - 1):
        e = torch.zeros_like(theta)
        e[i] = eps
        torch.testing.assert_close((g(theta + e) - g(theta - e)) / (2 * eps), h[:, i], rtol=1e-6, atol=1e-8)


def test_flat_loss_matches_the_module_and_leaves_it_alone():
    torch.manual_seed(0)
    model = mlp(2, [3], 1)
    x, y = torch.randn(8, 2), torch.randn(8, 1)
    loss, theta = curvature.flat_loss(model, x, y, torch.nn.functional.mse_loss)
    assert next(model.parameters()).dtype == torch.float32
    assert float(loss(theta)) == pytest.approx(float(torch.nn.functional.mse_loss(model(x), y)), rel=1e-6)


def test_power_iteration_and_lanczos_equal_eigvalsh():
    loss, theta = _tiny_net_loss(seed=3)
    h = curvature.exact_hessian(loss, theta)
    eigs = torch.linalg.eigvalsh(h)
    gen = torch.Generator().manual_seed(0)
    matvec = curvature.hvp_operator(loss, theta)
    top, vec = curvature.power_iteration(matvec, theta.numel(), iters=2000, tol=1e-13, generator=gen)
    largest = eigs[eigs.abs().argmax()]
    assert top == pytest.approx(float(largest), rel=1e-6)
    torch.testing.assert_close(h @ vec, top * vec, rtol=1e-4, atol=1e-6)
    ritz = curvature.lanczos(matvec, theta.numel(), steps=theta.numel(), generator=gen)
    assert float(ritz[-1]) == pytest.approx(float(eigs[-1]), rel=1e-8)
    assert float(ritz[0]) == pytest.approx(float(eigs[0]), rel=1e-6, abs=1e-9)


def test_minimal_ratio_of_known_critical_points():
    origin = torch.zeros(2, dtype=torch.float64)
    for f, ratio in [(lambda t: t[0] ** 2 + 3 * t[1] ** 2, 1.0),     # minimum
                     (lambda t: t[0] ** 2 - t[1] ** 2, 0.5),         # saddle x^2 - y^2
                     (lambda t: -t[0] ** 2 - t[1] ** 2, 0.0)]:       # maximum
        assert torch.linalg.vector_norm(torch.func.grad(f)(origin)) == 0
        eigs = torch.linalg.eigvalsh(curvature.exact_hessian(f, origin))
        assert curvature.minimal_ratio(eigs) == ratio
    shares = curvature.eigenvalue_shares(torch.tensor([2.0, 1e-9, -1e-9, -1.0]), rel_tol=1e-6)
    assert shares == {"minimal_ratio": 0.25, "zero_share": 0.5, "negative_share": 0.25, "tol": 2e-6}


def test_gradient_norm_is_the_norm_over_all_parameters():
    torch.manual_seed(0)
    model = mlp(3, [4], 2)
    torch.nn.functional.mse_loss(model(torch.randn(5, 3)), torch.randn(5, 2)).backward()
    by_hand = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
    assert float(curvature.gradient_norm(model.parameters())) == pytest.approx(by_hand, rel=1e-6)


@pytest.mark.parametrize("sizes", [[1, 6, 6, 1], [2, 5, 4, 3, 1], [3, 4, 1]])
def test_closed_form_mlp_derivatives_equal_torch_func_on_the_module(sizes):
    """The hand-derived loss, gradient and Hessian of a tanh MLP's MSE (batched over runs) against
    torch.func on an nn.Sequential built by common.models, one run at a time."""
    gen = torch.Generator().manual_seed(len(sizes))
    x = torch.randn(30, sizes[0], dtype=torch.float64, generator=gen)
    y = torch.randn(30, 1, dtype=torch.float64, generator=gen)
    models = []
    for seed in range(3):
        torch.manual_seed(seed)
        models.append(mlp(sizes[0], sizes[1:-1], 1, "tanh"))
    thetas = torch.stack([curvature.flatten_params(model) for model in models])
    loss, gradient, hessian = curvature.tanh_mlp_mse_derivatives(thetas, sizes, x, y)
    for run, model in enumerate(models):
        reference_loss, theta = curvature.flat_loss(model, x, y, torch.nn.functional.mse_loss)
        torch.testing.assert_close(loss[run], reference_loss(theta), rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(gradient[run], torch.func.grad(reference_loss)(theta), rtol=1e-10, atol=1e-13)
        torch.testing.assert_close(hessian[run], curvature.exact_hessian(reference_loss, theta), rtol=1e-10, atol=1e-12)
    assert torch.equal(hessian, hessian.transpose(1, 2))
