"""Sharpness split into what it measures (common/sharpness.py) against closed forms and exact
references: Keskar's phi and its first-order part on a quadratic-plus-linear function, the adaptive
sharpness under Dinh's rescaling, Hutchinson's trace against the exact Hessian."""
import numpy as np
import pytest
import torch
from torch.func import hessian

from common.curvature import flat_loss, hvp_operator, lanczos
from common.measures import keskar_sharpness
from common.models import mlp
from common.sharpness import adaptive_sharpness, dinh_rescaled, first_order_sharpness, hutchinson_trace


def quadratic_plus_linear():
    """L(theta0 + delta) = c + b . delta + 1/2 sum_i q_i delta_i^2 (q_i >= 0) at theta0: over Keskar's
    box |delta_i| <= r_i = eps (|theta0_i| + 1) each coordinate is maximized at delta_i = sign(b_i) r_i,
    so phi(eps) = A eps + B eps^2 with A = 100 sum |b_i| (|theta0_i| + 1) / (1 + c) and
    B = 50 sum q_i (|theta0_i| + 1)^2 / (1 + c)."""
    theta0 = torch.tensor([0.5, -1.5, 0.0, 2.0, -0.25], dtype=torch.float64)
    b = torch.tensor([0.3, -1.2, 0.05, 0.7, -0.4], dtype=torch.float64)
    q = torch.tensor([2.0, 0.5, 8.0, 1.0, 3.0], dtype=torch.float64)
    c = 0.2

    def loss(theta):
        d = theta - theta0
        return c + b @ d + 0.5 * (q * d * d).sum()
    A = 100 * float((b.abs() * (theta0.abs() + 1)).sum()) / (1 + c)
    B = 50 * float((q * (theta0.abs() + 1) ** 2).sum()) / (1 + c)
    return loss, theta0, b, c, A, B


def test_the_first_order_part_equals_phis_linear_term_on_a_quadratic_plus_linear_function():
    loss, theta0, b, c, A, B = quadratic_plus_linear()
    epsilons = [1e-3, 5e-4, 1e-4, 3e-2]
    phis = []
    for eps in epsilons:
        assert first_order_sharpness(b, theta0, c, eps) == pytest.approx(A * eps, rel=1e-12)
        phi = keskar_sharpness(loss, theta0, eps)["sharpness"]
        assert phi == pytest.approx(A * eps + B * eps ** 2, rel=1e-9)
        phis.append(phi)
    # phi's linear coefficient, fitted over the epsilons (least squares on [eps, eps^2]), is the first-order part
    design = np.array([[e, e * e] for e in epsilons])
    fitted, *_ = np.linalg.lstsq(design, np.array(phis), rcond=None)
    assert fitted[0] == pytest.approx(A, rel=1e-6) and fitted[1] == pytest.approx(B, rel=1e-6)


def test_the_first_order_part_of_a_network_is_phis_limit_at_small_epsilon():
    """On a network (not quadratic): phi - first-order part shrinks like eps^2."""
    torch.manual_seed(0)
    model = mlp(6, [5], 3).double()
    x, y = torch.randn(30, 6, dtype=torch.float64), torch.randint(0, 3, (30,))
    loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy)
    probe = theta.clone().requires_grad_(True)
    value = loss(probe)
    (gradient,) = torch.autograd.grad(value, probe)
    remainders = []
    for eps in (1e-3, 1e-4):
        phi = keskar_sharpness(loss, theta, eps, random_starts=0)["sharpness"]
        first = first_order_sharpness(gradient, theta, float(value.detach()), eps)
        assert first <= phi + 1e-12
        remainders.append(phi - first)
    assert remainders[0] / remainders[1] == pytest.approx(100, rel=0.05)


def test_adaptive_sharpness_of_a_linear_function_is_its_closed_form():
    """L = c + b . delta: the largest rise over ||delta / |theta| ||_2 <= rho is rho ||b |theta| ||_2,
    reached at the first step."""
    theta = torch.tensor([0.5, -1.5, 0.1, 2.0], dtype=torch.float64)
    b = torch.tensor([0.3, -1.2, 5.0, 0.7], dtype=torch.float64)
    c, rho = 0.4, 0.05
    found = adaptive_sharpness(lambda t: c + b @ (t - theta), theta, rho, steps=4)
    closed_form = 100 * rho * float((b * theta.abs()).norm()) / (1 + c)
    assert found["sharpness"] == pytest.approx(closed_form, rel=1e-12)
    assert found["first_step"] == pytest.approx(closed_form, rel=1e-12)
    assert found["first_order"] == pytest.approx(closed_form, rel=1e-12)


def test_adaptive_sharpness_of_a_quadratic_lies_between_its_first_order_value_and_the_bound():
    """L = c + b . delta + 1/2 sum q_i delta_i^2, q >= 0: in u = delta / |theta| the rise is at most
    rho ||b |theta| ||_2 + rho^2 max_i q_i theta_i^2 / 2, and at least the linearized maximum."""
    loss, theta0, b, c, _, _ = quadratic_plus_linear()
    theta = theta0 + 0.3                                   # no zero coordinate
    rho = 0.5
    shifted = lambda t: loss(t - 0.3)                     # noqa: E731  the same function, centred at theta
    found = adaptive_sharpness(shifted, theta, rho, steps=20)
    q = torch.tensor([2.0, 0.5, 8.0, 1.0, 3.0], dtype=torch.float64)
    upper = 100 * (rho * float((b * theta.abs()).norm()) + 0.5 * rho ** 2 * float((q * theta ** 2).max())) / (1 + c)
    assert found["first_order"] < found["first_step"] <= found["sharpness"] <= upper


def test_adaptive_sharpness_is_unchanged_by_dinhs_rescaling_while_phi_and_the_top_eigenvalue_change():
    torch.manual_seed(0)
    model = mlp(12, [8], 3).double()
    x, y = torch.randn(40, 12, dtype=torch.float64), torch.randint(0, 3, (40,))

    def measures(m):
        loss, theta = flat_loss(m, x, y, torch.nn.functional.cross_entropy)
        ritz = lanczos(hvp_operator(loss, theta), theta.numel(), steps=30, generator=torch.Generator().manual_seed(0))
        return {"loss": float(loss(theta)),
                "phi": keskar_sharpness(loss, theta, 1e-3, max_iter=10, random_starts=0)["sharpness"],
                "top": float(ritz[-1]), "adaptive": adaptive_sharpness(loss, theta, 0.5, steps=10)["sharpness"]}
    reference = measures(model)
    for a in (0.1, 4.0):
        scaled = dinh_rescaled(model, a)
        with torch.no_grad():
            torch.testing.assert_close(scaled(x), model(x), rtol=1e-12, atol=1e-12)    # the same function
        found = measures(scaled)
        assert found["loss"] == pytest.approx(reference["loss"], rel=1e-12)
        assert found["adaptive"] == pytest.approx(reference["adaptive"], rel=1e-9)
        assert abs(found["phi"] / reference["phi"] - 1) > 0.05
        assert abs(found["top"] / reference["top"] - 1) > 0.05
    assert not dinh_rescaled(model, 3.0)[1].weight.equal(model[1].weight)       # a copy was rescaled
    with pytest.raises(ValueError):
        dinh_rescaled(model, -1.0)


def test_hutchinson_trace_is_within_its_standard_error_of_the_exact_trace():
    torch.manual_seed(1)
    model = mlp(5, [6], 3).double()
    x, y = torch.randn(25, 5, dtype=torch.float64), torch.randint(0, 3, (25,))
    loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy)
    exact_hessian = hessian(loss)(theta)
    exact = float(torch.trace(exact_hessian))
    probes = 200
    found = hutchinson_trace(hvp_operator(loss, theta), theta.numel(), probes, torch.Generator().manual_seed(0))
    assert found["probes"] == probes
    assert abs(found["trace"] - exact) <= 3 * found["standard_error"]
    # the standard error against its exact value: Var(z^T H z) = 2 sum_{i != j} H_ij^2 for Rademacher z
    off_diagonal = exact_hessian - torch.diag(torch.diag(exact_hessian))
    exact_se = float((2 * (off_diagonal ** 2).sum()).sqrt()) / probes ** 0.5
    assert found["standard_error"] == pytest.approx(exact_se, rel=0.25)
    assert found["standard_error"] < 0.2 * abs(exact)                  # and the error bar says something


def test_hutchinson_trace_of_a_diagonal_matrix_is_exact():
    """z^T D z = tr D for every Rademacher z: no spread."""
    d = torch.tensor([1.0, -2.0, 3.5, 0.25], dtype=torch.float64)
    found = hutchinson_trace(lambda v: d * v, 4, 5, torch.Generator().manual_seed(0))
    assert found["trace"] == pytest.approx(float(d.sum()), rel=1e-15) and found["standard_error"] == 0


def test_keskars_network_f1_has_the_paper_shape():
    """F1 (Keskar et al. 2017, Table 1): 784, 5 x [Linear(512), BatchNorm1d, ReLU], 10: 1,462,794 parameters
    (784*512 + 512 + 4 (512*512 + 512) + 5 * 2 * 512 + 512*10 + 10)."""
    from hw1_3_keskar import f1_network
    from common.models import count_params
    assert count_params(f1_network(512)) == 784 * 512 + 512 + 4 * (512 * 512 + 512) + 5 * 2 * 512 + 512 * 10 + 10
    assert count_params(f1_network(512)) == 1_462_794
    kinds = [type(m).__name__ for m in f1_network(8)]
    assert kinds == ["Flatten"] + ["Linear", "BatchNorm1d", "ReLU"] * 5 + ["Linear"]
