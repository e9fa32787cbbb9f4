"""The critical-point finder and the outcome rule (common.critical) against independent
references: a closed-form saddle, a tiny tanh net's critical point whose Hessian is known in
closed form, and a constructed gradient-flat point."""
import math
import warnings

import pytest
import torch
from torch.func import grad, hessian, vmap

from common import critical
from common.curvature import tanh_mlp_mse_derivatives


def batched(f):
    """derivatives(theta (R, P)) -> (loss (R,), grad (R, P), hessian (R, P, P)) of f by torch.func."""
    def derivatives(theta):
        with warnings.catch_warnings():      # torch's own jit FutureWarning on forward-mode AD's first use
            warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)
            return vmap(f)(theta), vmap(grad(f))(theta), vmap(hessian(f))(theta)
    return derivatives


def saddle(v):
    x, y = v
    return x ** 2 - y ** 2 + 0.1 * x ** 4 + 0.1 * y ** 4 + 0.3 * x * y ** 2    # saddle at 0, H(0) = diag(2, -2)


def test_newton_mr_converges_to_the_saddle_of_a_closed_form_function():
    starts = torch.tensor([[0.3, -0.2], [-0.25, 0.3], [0.1, 0.35]], dtype=torch.float64)
    theta, iterations = critical.newton_mr(batched(saddle), starts, iters=100)
    assert torch.allclose(theta, torch.zeros_like(theta), atol=1e-9)     # not the minima at y^2 ~ 5
    assert (iterations < 20).all()                                        # quadratic convergence
    _, g, h = batched(saddle)(theta)
    outcome = critical.classify(g, h)
    assert outcome["outcome"] == ["critical"] * 3
    eigs = torch.linalg.eigvalsh(h)
    torch.testing.assert_close(eigs, torch.tensor([[-2.0, 2.0]] * 3, dtype=torch.float64), atol=1e-7, rtol=0)


def test_newton_mr_finds_the_constant_output_critical_point_of_a_1_1_1_tanh_net():
    # f(x) = w2 tanh(w1 x + b1) + b2, theta = [w1, b1, w2, b2] (nn.Linear's order). Every point with
    # w1 = w2 = 0 and b2 = mean(y) is critical, whatever b1. There, with t = tanh(b1), s = 1 - t^2 and
    # r = b2 - y, H = 2/n sum(grad f grad f^T + r Hess f) has, by hand, the entries
    # H[w2,w2] = 2 t^2, H[w2,b2] = 2 t, H[b2,b2] = 2, H[w1,w2] = 2 s mean(r x), and 0 elsewhere
    # (H[b1,w2] = 2 s mean(r) = 0): one negative eigenvalue (det of the (w1, w2, b2) block < 0).
    x = torch.linspace(-1, 1, 20, dtype=torch.float64)[:, None]
    y = torch.sin(2 * x) + 0.3
    derivatives = lambda theta: tanh_mlp_mse_derivatives(theta, [1, 1, 1], x, y)   # noqa: E731
    mean = float(y.mean())
    start = torch.tensor([[0.02, 0.4, -0.02, mean + 0.03]], dtype=torch.float64)
    theta, _ = critical.newton_mr(derivatives, start, iters=200)
    _, g, h = derivatives(theta)
    assert float(g.norm()) <= 1e-9 and critical.classify(g, h)["outcome"] == ["critical"]
    w1, b1, w2, b2 = theta[0].tolist()
    assert abs(w1) < 1e-6 and abs(w2) < 1e-6 and b2 == pytest.approx(mean, abs=1e-6)
    t = math.tanh(b1)
    s, r = 1 - t ** 2, mean - y
    by_hand = torch.zeros(4, 4, dtype=torch.float64)
    by_hand[2, 2], by_hand[3, 3] = 2 * t ** 2, 2.0
    by_hand[2, 3] = by_hand[3, 2] = 2 * t
    by_hand[0, 2] = by_hand[2, 0] = 2 * s * float((r * x).mean())
    torch.testing.assert_close(h[0], by_hand, atol=1e-5, rtol=0)
    eigs = torch.linalg.eigvalsh(h[0])
    assert int((eigs < -1e-6).sum()) == 1                                   # index 1/4: a saddle


def test_a_constructed_gradient_flat_point_is_not_called_critical():
    # f(x, y) = x^2 + y: at x = 0 the gradient (0, 1) lies in the kernel of H = diag(2, 0), so
    # H g = 0 (1/2 ||g||^2 is stationary) while ||g|| = 1: no critical point anywhere.
    flat = lambda v: v[0] ** 2 + v[1]                                        # noqa: E731
    theta, _ = critical.newton_mr(batched(flat), torch.tensor([[0.5, 0.2]], dtype=torch.float64), iters=100)
    assert abs(float(theta[0, 0])) < 1e-9 and float(theta[0, 1]) == pytest.approx(0.2)
    _, g, h = batched(flat)(theta)
    outcome = critical.classify(g, h)
    assert outcome["outcome"] == ["gradient-flat"]
    assert outcome["kernel_share"][0] == pytest.approx(1.0) and outcome["frye_r"][0] == pytest.approx(1.0)


def test_a_point_still_moving_is_not_converged():
    # f = x^2 + y^2 at (1, 1): the whole gradient lies where the curvature is 2
    bowl = lambda v: (v ** 2).sum()                                          # noqa: E731
    _, g, h = batched(bowl)(torch.tensor([[1.0, 1.0]], dtype=torch.float64))
    outcome = critical.classify(g, h)
    assert outcome["outcome"] == ["not converged"] and outcome["kernel_share"][0] == pytest.approx(0.0)
    assert outcome["frye_r"][0] == pytest.approx(0.0, abs=1e-12)


def test_gradient_norm_descent_lowers_the_gradient_norm():
    start = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    theta, _ = critical.gradient_norm_descent(batched(saddle), start, iters=300, lr=1e-2)
    assert float(batched(saddle)(theta)[1].norm()) < 0.1 * float(batched(saddle)(start)[1].norm())


def test_the_descent_trust_region_leaves_the_saddle_for_a_minimum():
    """The comparison finder moves downhill: from next to the saddle of `saddle` it ends at a
    minimum (positive-definite Hessian, lower loss), where Newton-MR ended at the saddle."""
    start = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    theta, _ = critical.descent_trust_region(batched(saddle), start, iters=200)
    loss, g, h = batched(saddle)(theta)
    assert float(g.norm()) <= 1e-9 and float(loss) < float(saddle(torch.zeros(2, dtype=torch.float64))) - 1
    assert bool((torch.linalg.eigvalsh(h) > 0).all())
