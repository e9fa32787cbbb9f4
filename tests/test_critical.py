"""The critical-point finder, the confirmation stage, the outcome rule, the minimum test and the
symmetries and embeddings of one-hidden-layer tanh nets (common.critical) against independent
references: closed-form functions whose critical points are known, a tiny tanh net's critical
point whose Hessian is known by hand, and a 1-2-1 critical point embedded in the 1-8-1 net, checked
with a plain functional implementation differentiated by torch.func (float64)."""
import math
import warnings

import pytest
import torch
from torch.func import grad, hessian, vmap

from common import critical
from common.curvature import tanh_mlp_mse_derivatives
from common.data import function_data


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


def plain_loss(theta, x, y, width):
    """MSE of a 1-width-1 tanh net written out by hand (nn.Linear's parameter order), the
    independent reference for the closed forms."""
    w1, b1 = theta[:width], theta[width:2 * width]
    w2, b2 = theta[2 * width:3 * width], theta[3 * width]
    out = (torch.tanh(x[:, None] * w1[None, :] + b1[None, :]) * w2[None, :]).sum(1) + b2
    return ((out - y) ** 2).mean()


def plain_derivatives(x, y, width):
    return batched(lambda t: plain_loss(t, x, y, width))


SINC = function_data("sinc5", 200, dtype=torch.float64)
# near the saddle of the 1-2-1 net on sinc5 at L = 1.005e-2 (one negative eigenvalue of seven), from hw1_2_minratio
SADDLE_1_2_1 = [-7.8363996, 10.4481256, 0.1133451, 0.6938695, 1.533624, 1.5288684, -0.0196042]


def net_problem(width):
    x, y = SINC
    return (lambda t: tanh_mlp_mse_derivatives(t, [1, width, 1], x, y),
            lambda t: critical.one_hidden_loss_grad(t, width, x, y))


def find(width, start, newton_iters=400, confirm_iters=300):
    """The script's pipeline: damped Newton-MR, then the confirmation, then the outcome."""
    derivatives, gradient = net_problem(width)
    found, _, _ = critical.newton_mr(derivatives, start, newton_iters)
    confirmed = critical.confirm(derivatives, found, confirm_iters, gradient=gradient)
    _, g, h = derivatives(confirmed["theta"])
    return confirmed, critical.classify(g, h, confirmed["stop"])


@pytest.fixture(scope="module")
def small_saddle():
    """The 1-2-1 saddle, converged in the small net from the rounded values above."""
    confirmed, outcome = find(2, torch.tensor([SADDLE_1_2_1], dtype=torch.float64))
    assert outcome["outcome"] == ["critical"]
    return confirmed["theta"]


# ---------------------------------------------------------------------------- finder and confirmation
def test_newton_mr_converges_to_the_saddle_of_a_closed_form_function():
    starts = torch.tensor([[0.3, -0.2], [-0.25, 0.3], [0.1, 0.35]], dtype=torch.float64)
    theta, iterations, norms = critical.newton_mr(batched(saddle), starts, iters=100)
    assert torch.allclose(theta, torch.zeros_like(theta), atol=1e-9)     # not the minima at y^2 ~ 5
    assert (iterations < 20).all()                                        # quadratic convergence
    assert norms.shape == (3, 101) and torch.isnan(norms[:, 25:]).all()   # stopped: no more history
    confirmed = critical.confirm(batched(saddle), theta, 20)
    _, g, h = batched(saddle)(confirmed["theta"])
    assert critical.classify(g, h, confirmed["stop"])["outcome"] == ["critical"] * 3
    torch.testing.assert_close(torch.linalg.eigvalsh(h), torch.tensor([[-2.0, 2.0]] * 3, dtype=torch.float64),
                               atol=1e-7, rtol=0)


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
    found, _, _ = critical.newton_mr(derivatives, start, iters=200)
    confirmed = critical.confirm(derivatives, found, 50)
    theta = confirmed["theta"]
    _, g, h = derivatives(theta)
    assert float(g.norm()) <= critical.CONFIRM_GRAD
    assert critical.classify(g, h, confirmed["stop"])["outcome"] == ["critical"]
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


def test_the_confirmation_converges_linearly_at_a_degenerate_critical_point():
    # f = x^4 + y^2: H(0) = diag(0, 2). The pseudo-inverse Newton step along x is x -> 2x/3, so ||g|| =
    # 4 x^3 falls by (2/3)^3 per iteration: the damped finder's crawl becomes a linear rate.
    quartic = lambda v: v[0] ** 4 + v[1] ** 2                               # noqa: E731
    confirmed = critical.confirm(batched(quartic), torch.tensor([[0.5, 0.3]], dtype=torch.float64), 200)
    assert confirmed["stop"] == ["converged"]
    history = confirmed["norms"][0][~torch.isnan(confirmed["norms"][0])]
    ratios = history[3:] / history[2:-1]
    torch.testing.assert_close(ratios, torch.full_like(ratios, (2 / 3) ** 3), atol=1e-6, rtol=0)
    assert float(history[-1]) <= critical.CONFIRM_GRAD < float(history[-2])


def test_a_run_stopped_by_the_cap_is_never_critical():
    quartic = lambda v: v[0] ** 4 + v[1] ** 2                               # noqa: E731
    start = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    capped = critical.confirm(batched(quartic), start, 5)                   # needs ~50 iterations
    assert capped["stop"] == ["cap"] and int(capped["iterations"][0]) == 5
    _, g, h = batched(quartic)(capped["theta"])
    assert critical.classify(g, h, capped["stop"])["outcome"] != ["critical"]
    # the rule itself: whatever the gradient, a run stopped by the cap or a stall is not critical
    _, g0, h0 = batched(quartic)(torch.zeros(1, 2, dtype=torch.float64))
    for stop in ("cap", "stalled"):
        assert critical.classify(g0, h0, [stop])["outcome"] != ["critical"]
    assert critical.classify(g0, h0, ["converged"])["outcome"] == ["critical"]


def test_a_run_off_to_infinity_is_not_confirmed_however_small_its_gradient():
    # f = 1e-4 x^2 + exp(-y): no critical point; Newton's step along y is +1 at every y, so ||g|| = exp(-y)
    # falls below 1e-10 after a few steps while the steps stay 1 long (until exp(-y) drops below the
    # pseudo-inverse's cutoff 1e-10 max|lambda| = 2e-14, where the run stalls).
    runaway = lambda v: 1e-4 * v[0] ** 2 + torch.exp(-v[1])                 # noqa: E731
    confirmed = critical.confirm(batched(runaway), torch.tensor([[0.3, 18.0]], dtype=torch.float64), 20)
    history = confirmed["norms"][0]
    assert float(history[~torch.isnan(history)].min()) < critical.CONFIRM_GRAD
    _, g, h = batched(runaway)(confirmed["theta"])
    loss = lambda t: 1e-4 * t[:, 0] ** 2 + torch.exp(-t[:, 1])              # noqa: E731
    slopes = critical.slope_test(loss, confirmed["theta"], g, h)
    outcome = critical.classify(g, h, confirmed["stop"], slopes)
    assert outcome["outcome"] == ["gradient-flat"] and outcome["linear_slope"] == [True]
    # while exp(-y) is above the pseudo-inverse's cutoff, the Newton steps stay 1 long: not converged
    early = critical.confirm(batched(runaway), torch.tensor([[0.3, 18.0]], dtype=torch.float64), 7)
    assert float(early["norms"][0, -1]) < critical.CONFIRM_GRAD and early["stop"] == ["cap"]
    assert float(early["newton_step"][0]) == pytest.approx(1.0)


def test_a_constructed_gradient_flat_point_below_the_old_cutoff_is_gradient_flat():
    # f(x, y) = x^2 + 1e-7 y: at x = 0 the gradient (0, 1e-7) lies in the kernel of H = diag(2, 0):
    # H g = 0 (1/2 ||g||^2 is stationary) while ||g|| = 1e-7, below Frye's cutoff 1e-5. No critical point.
    flat = lambda v: v[0] ** 2 + 1e-7 * v[1]                                # noqa: E731
    confirmed = critical.confirm(batched(flat), torch.tensor([[0.5, 0.2]], dtype=torch.float64), 200)
    assert confirmed["stop"] == ["stalled"] and abs(float(confirmed["theta"][0, 0])) < 1e-9
    _, g, h = batched(flat)(confirmed["theta"])
    outcome = critical.classify(g, h, confirmed["stop"])
    assert outcome["outcome"] == ["gradient-flat"] and outcome["grad_norm"][0] < critical.CRITICAL_GRAD
    assert outcome["kernel_share"][0] == pytest.approx(1.0) and outcome["frye_r"][0] == pytest.approx(1.0)
    # the slope test: along the kernel part of g the loss falls at its full slope, at every distance
    loss = lambda t: t[:, 0] ** 2 + 1e-7 * t[:, 1]                          # noqa: E731
    slopes = critical.slope_test(loss, confirmed["theta"], g, h)
    torch.testing.assert_close(slopes, torch.ones_like(slopes), atol=1e-6, rtol=0)


def test_a_point_still_moving_is_not_converged():
    # f = x^2 + y^2 at (1, 1): the whole gradient lies where the curvature is 2
    bowl = lambda v: (v ** 2).sum()                                          # noqa: E731
    _, g, h = batched(bowl)(torch.tensor([[1.0, 1.0]], dtype=torch.float64))
    outcome = critical.classify(g, h, ["cap"])
    assert outcome["outcome"] == ["not converged"] and outcome["kernel_share"][0] == pytest.approx(0.0)
    assert outcome["frye_r"][0] == pytest.approx(0.0, abs=1e-12)


def test_gradient_norm_descent_lowers_the_gradient_norm():
    start = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    theta, _, norms = critical.gradient_norm_descent(batched(saddle), start, iters=300, lr=1e-2)
    assert float(batched(saddle)(theta)[1].norm()) < 0.1 * float(batched(saddle)(start)[1].norm())
    assert float(norms[0, -1]) == pytest.approx(float(batched(saddle)(theta)[1].norm()))


def test_the_descent_trust_region_leaves_the_saddle_for_a_minimum():
    """The comparison finder moves downhill: from next to the saddle of `saddle` it ends at a
    minimum (positive-definite Hessian, lower loss), where Newton-MR ended at the saddle."""
    start = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    theta, _, _ = critical.descent_trust_region(batched(saddle), start, iters=200)
    loss, g, h = batched(saddle)(theta)
    assert float(g.norm()) <= 1e-9 and float(loss) < float(saddle(torch.zeros(2, dtype=torch.float64))) - 1
    assert bool((torch.linalg.eigvalsh(h) > 0).all())


# ---------------------------------------------------------------------------- minimum test
@pytest.mark.parametrize("name, f, kind", [
    ("strict minimum", lambda t: t[:, 0] ** 2 + t[:, 1] ** 2 + t[:, 0] * t[:, 1], "minimum"),
    ("quartic minimum", lambda t: t[:, 0] ** 2 + t[:, 1] ** 4, "minimum"),
    ("quartic saddle", lambda t: t[:, 0] ** 2 - t[:, 1] ** 4, "degenerate: descent found"),
    ("cubic saddle", lambda t: t[:, 0] ** 2 + t[:, 1] ** 3, "degenerate: descent found"),
    ("curved valley", lambda t: (t[:, 0] - t[:, 1] ** 2) ** 2 - 1e-3 * t[:, 1] ** 4, "degenerate: descent found"),
    ("strict saddle", lambda t: t[:, 0] ** 2 - t[:, 1] ** 2, "saddle"),
])
def test_the_minimum_test_on_closed_form_critical_points(name, f, kind):
    """At 0 every one of these has gradient 0 and a Hessian with no eigenvalue below 0 except the
    strict saddle's; the quartic and cubic saddles fall only along their zero-curvature direction,
    the curved valley only along the parabola x = y^2 (no straight line from 0 descends)."""
    derivatives = batched(lambda v: f(v[None])[0])
    result = critical.minimum_test(f, derivatives, torch.zeros(1, 2, dtype=torch.float64), [1e-12])
    assert result["kind"] == [kind], name
    if kind == "minimum":
        assert result["decrease"][0] <= result["margin"][0]


def test_the_minimum_test_allows_for_a_residual_gradient():
    # a strict minimum seen from 1e-11 away (||g|| ~ 2e-11, as at a confirmed point): still a minimum
    f = lambda t: (t[:, 0] - 1e-11) ** 2 + t[:, 1] ** 2                     # noqa: E731
    derivatives = batched(lambda v: f(v[None])[0])
    result = critical.minimum_test(f, derivatives, torch.zeros(1, 2, dtype=torch.float64), [1e-12])
    assert result["kind"] == ["minimum"]


# ---------------------------------------------------------------------------- one-hidden-layer tanh nets
def test_the_closed_form_gradient_and_outputs_against_torch_func():
    x, y = SINC
    theta = torch.randn(3, 25, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    loss, gradient = critical.one_hidden_loss_grad(theta, 8, x, y)
    reference = plain_derivatives(x[:, 0], y[:, 0], 8)(theta)
    torch.testing.assert_close(loss, reference[0], atol=1e-14, rtol=1e-12)
    torch.testing.assert_close(gradient, reference[1], atol=1e-14, rtol=1e-12)
    outputs = critical.one_hidden_outputs(theta, 8, x)
    torch.testing.assert_close(((outputs - y[:, 0]) ** 2).mean(1), reference[0], atol=1e-14, rtol=1e-12)


def test_symmetry_copies_are_one_class_and_other_points_are_not():
    x, y = SINC
    theta = torch.randn(1, 25, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    w, b, v, c = (t.clone() for t in critical.one_hidden_parts(theta, 8))
    order = torch.tensor([3, 0, 7, 1, 6, 2, 5, 4])
    sign = torch.tensor([1, -1, -1, 1, 1, -1, 1, -1], dtype=torch.float64)
    copy = torch.cat([(w * sign)[:, order], (b * sign)[:, order], (v * sign)[:, order], c[:, None]], 1)
    mirror = torch.cat([-w, b, v, c[:, None]], 1)                          # f(-x): a symmetry of an even target
    other = theta + 0.1
    points = torch.cat([theta, copy, mirror, other])
    torch.testing.assert_close(critical.canonical(copy, 8), critical.canonical(theta, 8))
    loss = critical.one_hidden_loss_grad(points, 8, x, y)[0]
    torch.testing.assert_close(loss[1], loss[0])
    labels = critical.symmetry_classes(points, 8, loss)
    assert labels[0] == labels[1] and len({labels[0], labels[2], labels[3]}) == 3
    outputs = critical.one_hidden_outputs(points, 8, x)
    assert critical.function_classes(outputs, loss)[:4] == [0, 0, 1, 2]
    assert abs(float(loss[2] - loss[0])) <= 1e-12 * float(loss[0])           # sinc5 is even, the grid symmetric
    assert critical.function_classes(outputs, loss, mirror=True)[:4] == [0, 0, 0, 1]


@pytest.mark.parametrize("split", [None, 0, 1])
def test_an_embedded_1_2_1_saddle_is_an_exact_critical_point_of_the_1_8_1_net(small_saddle, split):
    """Fukumizu & Amari 2000: zero units (input and output weight 0) or a unit split in two keep the
    function and keep the gradient at 0; checked with the plain implementation and torch.func, and
    the index of the full Hessian from the closed form equals the one torch.func gives."""
    x, y = SINC
    small_loss, small_grad = plain_derivatives(x[:, 0], y[:, 0], 2)(small_saddle)[:2]
    assert float(small_grad.norm()) <= critical.CONFIRM_GRAD
    theta = critical.embed(small_saddle, 2, 8, split=split)
    loss, g, h = plain_derivatives(x[:, 0], y[:, 0], 8)(theta)
    assert float(loss[0]) == pytest.approx(float(small_loss[0]), rel=1e-14)
    assert float(g.norm()) <= float(small_grad.norm()) + 1e-15               # exactly critical, up to roundoff
    if split is None:
        w, b, v, _ = critical.one_hidden_parts(g, 8)
        assert (w[:, 2:] == 0).all() and (b[:, 2:] == 0).all()              # the zero units' weights see v = 0
    closed = torch.linalg.eigvalsh(tanh_mlp_mse_derivatives(theta, [1, 8, 1], x, y)[2])[0]
    direct = torch.linalg.eigvalsh(h)[0]
    compared = 0
    for rel in (1e-4, 1e-6, 1e-8, 1e-10):
        tol = rel * float(direct.abs().max())
        if ((direct.abs() > tol / 3) & (direct.abs() < tol * 3)).any():
            continue                             # an eigenvalue at the tolerance: its side is roundoff
        index = int((direct < -tol).sum())
        assert index == int((closed < -tol).sum()) and index >= 1            # a saddle, as in the small net
        compared += 1
    assert compared >= 2


@pytest.mark.parametrize("split", [None, 1])
def test_the_finder_returns_to_an_embedded_critical_point(small_saddle, split):
    theta = critical.embed(small_saddle, 2, 8, split=split)
    noise = torch.randn(2, 25, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    start = theta + 1e-2 * noise / noise.norm(dim=1, keepdim=True)
    confirmed, outcome = find(8, start)
    assert outcome["outcome"] == ["critical", "critical"]
    x, y = SINC
    target = float(plain_loss(theta[0], x[:, 0], y[:, 0], 8))
    for found in confirmed["theta"]:
        assert float(plain_loss(found, x[:, 0], y[:, 0], 8)) == pytest.approx(target, rel=1e-6)


def test_the_embedding_keeps_the_function():
    x, _ = SINC
    theta = torch.randn(2, 7, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    for split in (None, 0, 1):
        embedded = critical.embed(theta, 2, 8, split=split)
        torch.testing.assert_close(critical.one_hidden_outputs(embedded, 8, x),
                                   critical.one_hidden_outputs(theta, 2, x))
    with pytest.raises(ValueError):
        critical.embed(torch.zeros(1, 25, dtype=torch.float64), 8, 8, split=0)


def test_subsampled_histories_keep_the_first_and_the_last_iteration():
    norms = torch.cat([torch.logspace(0, -12, 500, dtype=torch.float64), torch.full((100,), float("nan"))])
    history = critical.subsample_history(norms, 40)
    assert history["iteration"][0] == 0 and history["iteration"][-1] == 499 and len(history["iteration"]) <= 40
    assert history["grad_norm"][-1] == pytest.approx(1e-12, rel=1e-3)
    short = critical.subsample_history(norms[:10], 40)
    assert short["iteration"] == list(range(10))
