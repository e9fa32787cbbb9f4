"""Sharpness split into what it measures: the first-order part of Keskar et al.'s phi, curvature
alone (top Hessian eigenvalue, Hessian trace) and an adaptive sharpness that a rescaling of the
parameters cannot move (the answer to Dinh et al. 2017).

Keskar et al. 2017 ("On Large-Batch Training for Deep Learning"), Metric 2.1 with A = I, is
common.measures.keskar_sharpness. Near a point theta with gradient g, over the box
|delta_i| <= eps (|theta_i| + 1),
    phi(eps) = 100 (max_delta L(theta + delta) - L(theta)) / (1 + L(theta))
             = 100 eps sum_i |g_i| (|theta_i| + 1) / (1 + L)  +  O(eps^2),
the first term being the maximum of the linearized loss over the box (at the corner
delta = eps (|theta| + 1) sign(g)): `first_order_sharpness`. At a critical point it is 0 and phi is
all curvature; away from one it can be most of phi.

Curvature alone: the top Hessian eigenvalue (common.curvature.power_iteration on
common.curvature.hvp_operator) and the trace, by Hutchinson's estimator (Hutchinson 1989; Avron and
Toledo 2011): tr H = E[z^T H z] for Rademacher z, with its standard error over the probes:
`hutchinson_trace`.

Adaptive sharpness (Kwon et al. 2021, "ASAM", Definition 3 with the normalization operator
T_theta = diag(|theta|) and p = 2; Andriushchenko et al. 2023, "A Modern Look at the Relationship
between Sharpness and Generalization", Eq. 2, worst-case adaptive l2 sharpness with c = |theta|):
    S_rho(theta) = max_{||delta / |theta| ||_2 <= rho} L(theta + delta) - L(theta),
reported like phi, as 100 S / (1 + L). A rescaling theta' = D theta by a positive diagonal D that
leaves the function unchanged for every theta (Dinh et al. 2017's scaling of consecutive ReLU
layers by a and 1/a) maps the ball at theta onto the ball at theta' and the losses onto each other,
so S is unchanged; phi's box (the "+1") and the Hessian's eigenvalues are not. `adaptive_sharpness`
maximizes it by projected, normalized gradient ascent in the coordinates u = delta / |theta| (where
the rescaling leaves every iterate unchanged): the first step goes to the maximizer of the
linearized loss on the sphere, u = rho (g |theta|) / ||g |theta| ||_2, the later ones by
later_step * rho (rho / 2 by default; the scripts pass their ADAPTIVE_LATER_STEP) along the
normalized gradient, projected back onto the ball; the highest loss evaluated is kept
(Andriushchenko et al. use Auto-PGD; this is the plain version with a few steps).
"""
import copy
import math

import torch
from torch import nn


def first_order_sharpness(gradient, theta, loss_value, epsilon):
    """Keskar's phi of the linearized loss: 100 eps sum_i |g_i| (|theta_i| + 1) / (1 + L)
    (Keskar et al. 2017, Metric 2.1 with A = I, L replaced by L(theta) + g . delta: the maximum of
    g . delta over the box |delta_i| <= eps (|theta_i| + 1) is at its sign(g) corner)."""
    return float(100.0 * epsilon * (gradient.abs() * (theta.abs() + 1)).sum() / (1.0 + loss_value))


def hutchinson_trace(matvec, dim, probes, generator, dtype=torch.float64, device="cpu"):
    """Hutchinson's estimate of tr H from `probes` Rademacher vectors z (entries +-1):
    mean of z^T H z, with its standard error std(ddof=1) / sqrt(probes).
    Returns {"trace", "standard_error", "probes"}."""
    if probes < 2:
        raise ValueError("Hutchinson's estimate needs at least 2 probes for its standard error")
    samples = []
    for _ in range(probes):
        z = (torch.randint(0, 2, (dim,), generator=generator) * 2 - 1).to(dtype=dtype, device=device)
        samples.append(float(z @ matvec(z)))
    samples = torch.tensor(samples, dtype=torch.float64)
    return {"trace": float(samples.mean()), "standard_error": float(samples.std() / math.sqrt(probes)),
            "probes": probes}


def adaptive_sharpness(loss, theta, rho, steps=10, later_step=0.5):
    """Worst-case adaptive l2 sharpness (Kwon et al. 2021; Andriushchenko et al. 2023, c = |theta|):
    100 (max_{||delta / |theta| ||_2 <= rho} L(theta + delta) - L(theta)) / (1 + L(theta)), by
    `steps` projected, normalized gradient-ascent steps in u = delta / |theta| (the module docstring).
    loss: a function of the flat parameters; theta: (P,).
    Returns {"sharpness" (the highest value evaluated), "first_step" (its value at the first step,
    the linearized maximizer), "first_order" (the linearized value 100 rho ||g |theta| ||_2 / (1 + L)),
    "values" (per step)}."""
    theta = theta.detach()
    scale = theta.abs()
    base = float(loss(theta))

    def value_and_gradient(u):                       # loss at theta + u |theta|, gradient w.r.t. u
        u = u.detach().requires_grad_(True)
        value = loss(theta + u * scale)
        (g,) = torch.autograd.grad(value, u)
        return float(value.detach()), g

    def phi(value):
        return 100.0 * (value - base) / (1.0 + base)

    u = torch.zeros_like(theta)
    _, g = value_and_gradient(u)                     # g = grad L(theta) |theta|
    first_order = phi(base + rho * float(g.norm()))
    values = []
    for step in range(steps):
        length = rho if step == 0 else rho * later_step
        u = u + length * g / g.norm().clamp_min(1e-30)
        u = u * min(1.0, rho / max(float(u.norm()), 1e-30))      # back onto the ball
        value, g = value_and_gradient(u)
        values.append(phi(value))
    return {"sharpness": max(values), "first_step": values[0], "first_order": first_order, "values": values}


def dinh_rescaled(model, a):
    """Dinh et al. 2017, Sec. 3 ("alpha-scale transformation"): a copy of the ReLU network `model`
    with its first Linear layer (weight and bias) scaled by a and the second Linear layer's weight by
    1 / a. ReLU is positively homogeneous (relu(a z) = a relu(z) for a > 0), so for a > 0 the copy
    computes the same function."""
    if not a > 0:
        raise ValueError(f"Dinh's rescaling needs a > 0, got {a}")
    scaled = copy.deepcopy(model)
    linears = [m for m in scaled.modules() if isinstance(m, nn.Linear)]
    if len(linears) < 2:
        raise ValueError("Dinh's rescaling needs two Linear layers")
    with torch.no_grad():
        linears[0].weight.mul_(a)
        linears[0].bias.mul_(a)
        linears[1].weight.div_(a)
    return scaled
