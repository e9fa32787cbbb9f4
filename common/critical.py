"""Critical points of a loss: a finder that does not prefer descent, and the rule that tells a
true critical point from a gradient-flat one.

Everything is batched over R starting points: `derivatives(theta (R, P))` returns the loss (R,),
the gradient (R, P) and the exact Hessian (R, P, P), in float64.

Finder (Newton-MR with Levenberg-Marquardt damping): solve grad L(theta) = 0 as a nonlinear
least-squares problem in the residual g = grad L, whose Jacobian is the Hessian H. Each step is
the damped least-squares (minimum-residual) Newton step
    p = argmin ||g + H p||^2 + mu ||p||^2 = -(H^2 + mu I)^-1 H g,
taken in H's eigenbasis: p_i = -lambda_i g_i / (lambda_i^2 + mu). As mu -> 0 it is the
pseudo-inverse Newton step -H^+ g of Newton-MR (Roosta et al. 2018, used by Frye et al. 2020);
nothing in it prefers descent on L, so it converges to saddles as readily as to minima. mu is a
trust region on ||g||^2 (Levenberg-Marquardt): a step is kept only if ||g||^2 falls, and mu
shrinks after a good prediction (rho > 0.75) and grows after a poor one (rho < 0.25).

Outcomes (Frye et al. 2020, Neural Computation 33:1469, Sec. 3-4):
  critical       ||grad L|| <= CRITICAL_GRAD (1e-5, i.e. ||g||^2 <= 1e-10, their cutoff);
  gradient-flat  not critical, and most of the gradient lies in the Hessian's near-kernel
                 (kernel share of ||g||^2 >= 0.5, near-kernel = |lambda| <= KERNEL_TOL * max|lambda|):
                 there H g, the gradient of 1/2 ||g||^2, is ~0 while g is not, so no Newton-type
                 method can reduce ||g||. Frye's relative residual of the least-squares Newton
                 system, r = ||H p + g|| / (||H||_F ||p|| + ||g||) with p = -H^+ g (same cutoff),
                 is saved beside; it is 1 when g lies wholly in the kernel (p = 0) but is deflated
                 by a large ||p|| along small eigenvalues just above the cutoff, so the rule uses
                 the kernel share;
  not converged  anything else (the cap on iterations ended a run that was still moving).
"""
import torch

CRITICAL_GRAD = 1e-5        # ||grad L|| at or below this: a critical point (Frye et al.'s ||g||^2 <= 1e-10)
STOP_GRAD = 1e-9            # a run stops once ||grad L|| <= this (well inside CRITICAL_GRAD)
KERNEL_TOL = 1e-6           # near-kernel of H: |lambda| <= KERNEL_TOL * max|lambda|
FLAT_SHARE = 0.5            # gradient-flat: at least this share of ||g||^2 in the near-kernel
MU_START = 1e-3             # initial damping, in units of max(lambda^2)
MU_MAX = 1e12               # damping beyond this (relative): the run has stalled
OUTCOMES = ("critical", "gradient-flat", "not converged")


def newton_mr(derivatives, theta, iters):
    """Damped Newton-MR on grad L = 0 from each row of theta (R, P); see the module docstring.
    Returns the last accepted theta (R, P) and the iterations each run took (R,). A run stops at
    ||g|| <= STOP_GRAD or once its damping exceeds MU_MAX (no step reduces ||g||^2)."""
    theta = theta.clone()
    runs = theta.shape[0]
    iterations = torch.zeros(runs, dtype=torch.long)
    mu = torch.full((runs,), MU_START, dtype=theta.dtype, device=theta.device)
    active = torch.arange(runs, device=theta.device)
    _, g, h = derivatives(theta)
    for _ in range(iters):
        norm2 = (g * g).sum(1)
        keep = (norm2 > STOP_GRAD ** 2) & (mu[active] <= MU_MAX)
        active, g, h = active[keep], g[keep], h[keep]
        if len(active) == 0:
            break
        th, m = theta[active], mu[active]
        eigenvalues, vectors = torch.linalg.eigh(h)                      # (A, P), (A, P, P)
        g_eig = (vectors.transpose(1, 2) @ g[:, :, None])[..., 0]        # g in H's eigenbasis
        damping = m * eigenvalues.abs().amax(1) ** 2                     # mu relative to max(lambda^2)
        p_eig = -g_eig * eigenvalues / (eigenvalues ** 2 + damping[:, None])
        trial = th + (vectors @ p_eig[:, :, None])[..., 0]
        _, g_trial, h_trial = derivatives(trial)
        predicted = norm2[keep] - ((g_eig + eigenvalues * p_eig) ** 2).sum(1)   # linear model of g
        actual = norm2[keep] - (g_trial * g_trial).sum(1)
        rho = actual / predicted.clamp_min(1e-300)
        accept = actual > 0
        theta[active] = torch.where(accept[:, None], trial, th)
        g = torch.where(accept[:, None], g_trial, g)
        h = torch.where(accept[:, None, None], h_trial, h)
        mu[active] = torch.where(rho > 0.75, m / 5, torch.where(rho < 0.25, m * 4, m)).clamp_min(1e-20)
        iterations[active.cpu()] += 1
    return theta, iterations


def gradient_norm_descent(derivatives, theta, iters, lr=1e-3):
    """The baseline: Adam on 1/2 ||grad L||^2, whose gradient is H g (Pennington & Bahri 2017's
    gradient-norm minimization), for the same number of iterations."""
    param = theta.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([param], lr=lr)
    for _ in range(iters):
        _, g, h = derivatives(param.detach())
        param.grad = (h @ g[:, :, None])[..., 0]
        optimizer.step()
    return param.detach(), torch.full((theta.shape[0],), iters, dtype=torch.long)


def descent_trust_region(derivatives, theta, iters):
    """The comparison that finds minima only: trust-region Newton on L itself, step
    -(|H| + mu I)^-1 g in H's eigenbasis (|H| flips negative curvature, as saddle-free Newton does),
    a step kept only if L falls, mu adapted by the ratio of actual to predicted decrease. It
    cannot stop at a saddle (it moves downhill along negative curvature). Returns the iterate with
    the smallest ||grad L|| of each run and the iterations taken."""
    theta = theta.clone()
    runs = theta.shape[0]
    mu = torch.full((runs,), 1e-3, dtype=theta.dtype, device=theta.device)
    best, best_norm = theta.clone(), torch.full((runs,), float("inf"), dtype=theta.dtype, device=theta.device)
    iterations = torch.zeros(runs, dtype=torch.long)
    for _ in range(iters):
        loss, g, h = derivatives(theta)
        norm = g.norm(dim=1)
        improved = norm < best_norm
        best = torch.where(improved[:, None], theta, best)
        best_norm = torch.where(improved, norm, best_norm)
        active = best_norm > STOP_GRAD
        if not active.any():
            break
        eigenvalues, vectors = torch.linalg.eigh(h)
        g_eig = (vectors.transpose(1, 2) @ g[:, :, None])[..., 0]
        step_eig = g_eig / (eigenvalues.abs() + mu[:, None])
        predicted = (g_eig * step_eig).sum(1) - 0.5 * (eigenvalues * step_eig ** 2).sum(1)
        trial = theta - (vectors @ step_eig[:, :, None])[..., 0]
        trial_loss = derivatives(trial)[0]
        rho = (loss - trial_loss) / predicted.clamp_min(1e-300)
        accept = (trial_loss < loss) & active
        theta = torch.where(accept[:, None], trial, theta)
        mu = torch.where(rho > 0.75, mu / 4, torch.where(rho < 0.25, mu * 4, mu)).clamp(1e-30, 1e10)
        iterations += active.cpu().long()
    return best, iterations


def classify(gradient, hessian):
    """Outcome of each run from its final gradient (R, P) and Hessian (R, P, P): a dict of
    lists: outcome, grad_norm, kernel_share (share of ||g||^2 in the near-kernel) and Frye's
    relative residual r of the pseudo-inverse Newton step."""
    eigenvalues, vectors = torch.linalg.eigh(hessian)
    g_eig = (vectors.transpose(1, 2) @ gradient[:, :, None])[..., 0]
    norm2 = (gradient * gradient).sum(1)
    kernel = eigenvalues.abs() <= KERNEL_TOL * eigenvalues.abs().amax(1, keepdim=True)
    kernel_share = (g_eig ** 2 * kernel).sum(1) / norm2.clamp_min(1e-300)
    step = torch.where(kernel, torch.zeros_like(g_eig), -g_eig / torch.where(kernel, 1.0, eigenvalues))
    residual = (g_eig + eigenvalues * step).norm(dim=1)                  # ||H p + g||
    frobenius = eigenvalues.norm(dim=1)                                  # ||H||_F
    frye_r = residual / (frobenius * step.norm(dim=1) + norm2.sqrt()).clamp_min(1e-300)
    grad_norm = norm2.sqrt()
    outcome = ["critical" if n <= CRITICAL_GRAD else "gradient-flat" if k >= FLAT_SHARE else "not converged"
               for n, k in zip(grad_norm.tolist(), kernel_share.tolist())]
    return {"outcome": outcome, "grad_norm": grad_norm.tolist(), "kernel_share": kernel_share.tolist(),
            "frye_r": frye_r.tolist()}
