"""Critical points of a loss: a finder that does not prefer descent, a confirmation stage that
converges at degenerate critical points, the rule that tells the other end points apart
(gradient-flat or not converged), a minimum test with a descent probe, and the symmetries and
embeddings of one-hidden-layer tanh nets (Fukumizu & Amari 2000).

Everything is batched over R points: `derivatives(theta (R, P))` returns the loss (R,), the
gradient (R, P) and the exact Hessian (R, P, P), in float64; `gradient(theta)` (optional, cheaper)
the loss and the gradient only; `loss(theta)` the loss only.

Finder (Newton-MR with Levenberg-Marquardt damping, `newton_mr`): solve grad L(theta) = 0 as a
nonlinear least-squares problem in the residual g = grad L, whose Jacobian is the Hessian H. Each
step is the damped least-squares (minimum-residual) Newton step
    p = argmin ||g + H p||^2 + mu ||p||^2 = -(H^2 + mu I)^-1 H g,
taken in H's eigenbasis: p_i = -lambda_i g_i / (lambda_i^2 + mu). Nothing in it prefers descent on
L, so it converges to saddles as readily as to minima. mu is a trust region on ||g||^2: a step is
kept only if ||g||^2 falls; mu shrinks after a good prediction and grows after a poor one. The
damping makes it robust far from a critical point; it is also why it crawls near one whose
Hessian is singular (the damped step is tiny along small eigenvalues).

Confirmation (`confirm`): undamped Newton-MR (Roosta et al. 2018; the method of Frye et al. 2021)
from every finder end point: the pseudo-inverse Newton step p = -H^+ g (eigenvalues with
|lambda| <= PINV_TOL * max|lambda| left out: float64 cannot give their sign) with an Armijo
backtracking line search on ||g||^2 (||g(theta + a p)||^2 <= ||g||^2 - 2 rho a ||P g||^2, P the
projection on H's range, since <p, H g> = -||P g||^2). Why this method: at a critical point whose
Hessian is singular the damped step stalls, while the pseudo-inverse step is the Gauss-Newton step
of the system g = 0 with a rank-deficient Jacobian: quadratic convergence to a manifold of critical
points where the rank is constant (the lines of Fukumizu & Amari), linear convergence at an
isolated degenerate one (rate 2/3 at x^4), and no movement along the part of g in H's kernel,
which no Newton-type step can reduce: there it stalls, which is what marks a gradient-flat point.
Each run's ||g|| is recorded at every iteration. A run stops when
  converged   ||g|| <= CONFIRM_GRAD (1e-10) and ||H^+ g|| <= CONFIRM_STEP (1e-3): reached by convergence,
              before the cap (the second condition is the scale-aware part: where the loss falls toward
              a limit at infinite weights, e.g. L = exp(-y), ||g|| falls below any cutoff while the
              Newton steps stay long);
  stalled     no step of the line search lowers ||g||^2, or ||g|| fell by less than STALL_GAIN
              over the last STALL_WINDOW iterations;
  cap         the iteration cap was reached while ||g|| was still falling.

Outcomes (`classify`, applied to every end point):
  critical       the confirmation converged (||g|| <= CONFIRM_GRAD and ||H^+ g|| <= CONFIRM_STEP; not
                 at the cap, not stalled), and the loss does not fall at its full slope along the
                 near-kernel part of g (the slope test below: where it does, the small gradient is a
                 real slope, as on the way to a limit at infinity, however small ||g|| is).
                 Frye et al.'s cutoff ||g||^2 <= 1e-10 (CRITICAL_GRAD = 1e-5 on ||g||) is necessary
                 but not enough on these nets: points below it still descend at their full slope;
  gradient-flat  not critical, and at least FLAT_SHARE of ||g||^2 lies in the Hessian's near-kernel
                 (|lambda| <= KERNEL_TOL * max|lambda|), whatever ||g|| is (above or below any cutoff):
                 there H g, the gradient of 1/2 ||g||^2, is ~0 while g is not. Frye's relative residual
                 r = ||H p + g|| / (||H||_F ||p|| + ||g||) of p = -H^+ g is saved beside. Also
                 gradient-flat: a point where the slope test (`slope_test`: the loss along the
                 near-kernel part g_K of g, at distances 1e-3, 1e-2, 1e-1) finds the loss falling at
                 the full slope ||g_K|| at every distance;
  not converged  anything else (the cap reached while still improving, or a stall with g outside
                 the near-kernel).

Minimum test (`minimum_test`): a critical point is a minimum only if no Hessian eigenvalue is below
-delta (delta: the eigenvalue uncertainty measured at that point, given by the caller) AND a
descent probe fails to lower the loss: saddle-free Newton steps -|H|^-1 g capped at DESCENT_CAP, from
the point and from points PROBE_DISTANCES away along its near-kernel and negative-curvature
eigenvectors (and random directions of that subspace), DESCENT_ITERS steps each, a step kept only
if it lowers the loss; descent = a loss lower than L(theta) by more than roundoff and the residual
gradient explain. Otherwise it is a "saddle" (an eigenvalue below -delta) or "degenerate: descent
found" (no eigenvalue below -delta, but the probe found lower loss: a degenerate saddle such as
x^2 - y^4 or x^2 + y^3, or a smaller net's minimum embedded with a zero unit, where the loss falls
only when the flat direction and a curved one move together).

Symmetries and embeddings of 1-k-1 tanh nets (theta = [w (k), b (k), v (k), c], nn.Linear's order):
`canonical` (each unit flipped to a positive output weight, units sorted), `symmetry_classes`,
`function_classes` (same predictions: also merges the families of one function), `embed` (zero
units and split units, Fukumizu & Amari 2000) and a closed-form loss and gradient
(`one_hidden_loss_grad`) for the line search.
"""
import math

import torch

CRITICAL_GRAD = 1e-5        # Frye et al.'s cutoff ||g||^2 <= 1e-10 on ||g||: necessary, not sufficient
CONFIRM_GRAD = 1e-10        # a confirmed critical point: ||g|| <= this, reached by the confirmation's convergence,
CONFIRM_STEP = 1e-3         # with the pseudo-inverse Newton step ||H^+ g|| (the distance the Newton model puts the
                            # critical point at) at most this: a run drifting off to infinity, where ||g|| falls
                            # while the steps do not shrink, is not converging to a point
STOP_GRAD = 1e-9            # the finder stops once ||grad L|| <= this (the confirmation goes on to CONFIRM_GRAD)
KERNEL_TOL = 1e-6           # near-kernel of H: |lambda| <= KERNEL_TOL * max|lambda|
FLAT_SHARE = 0.5            # gradient-flat: at least this share of ||g||^2 in the near-kernel
PINV_TOL = 1e-10            # the pseudo-inverse leaves out |lambda| <= PINV_TOL * max|lambda| (float64 noise below)
ARMIJO = 1e-4               # Armijo constant of the line search on ||g||^2
HALVINGS = 30               # line search: step lengths 1, 1/2, ..., 2^-HALVINGS
STALL_WINDOW = 50           # stalled: ||g|| fell by less than STALL_GAIN over this many iterations
STALL_GAIN = 0.01
MU_START = 1e-3             # the finder's initial damping, in units of max(lambda^2)
MU_MAX = 1e12               # damping beyond this (relative): the finder has stalled
SLOPE_DISTANCES = (1e-3, 1e-2, 1e-1)   # the slope test's distances along the near-kernel part of g
FULL_SLOPE = 0.5            # "falls at its full slope": the loss falls by between this and 1 / this times
                            # distance x ||g_kernel||
DESCENT_ITERS = 10          # saddle-free Newton steps of the descent probe from each of its starts
DESCENT_CAP = 1e-2          # their longest step
PROBE_DISTANCES = (0.03, 0.1)   # the probe's starts: this far along near-kernel and negative-curvature directions
DESCENT_DIRECTIONS = 8      # eigenvectors probed (the smallest eigenvalues first)
RANDOM_DIRECTIONS = 4       # and random unit vectors of their subspace
DESCENT_REL = 1e-9          # descent found: the loss fell by more than this x |L| + DESCENT_ABS + ||g|| x reach
DESCENT_ABS = 1e-14         # (float64 roundoff of L is ~1e-16 |L|)
OUTCOMES = ("critical", "gradient-flat", "not converged")
STOPS = ("converged", "stalled", "cap")
KINDS = ("minimum", "saddle", "degenerate: descent found")


# ---------------------------------------------------------------------------- finders
def newton_mr(derivatives, theta, iters):
    """Damped Newton-MR on grad L = 0 from each row of theta (R, P); see the module docstring.
    Returns the last accepted theta (R, P), the iterations each run took (R,) and ||g|| after each
    iteration (R, iters + 1; nan once a run has stopped). A run stops at ||g|| <= STOP_GRAD or once
    its damping exceeds MU_MAX (no step reduces ||g||^2)."""
    theta = theta.clone()
    runs = theta.shape[0]
    iterations = torch.zeros(runs, dtype=torch.long)
    norms = torch.full((runs, iters + 1), float("nan"), dtype=torch.float64)
    mu = torch.full((runs,), MU_START, dtype=theta.dtype, device=theta.device)
    active = torch.arange(runs, device=theta.device)
    _, g, h = derivatives(theta)
    norms[:, 0] = g.norm(dim=1).cpu()
    for step in range(iters):
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
        norms[active.cpu(), step + 1] = g.norm(dim=1).cpu()
    return theta, iterations, norms


def gradient_norm_descent(derivatives, theta, iters, lr=1e-3):
    """The baseline: Adam on 1/2 ||grad L||^2, whose gradient is H g (Pennington & Bahri 2017's
    gradient-norm minimization), for the same number of iterations. Returns theta, the iterations
    and ||g|| after each (as newton_mr)."""
    param = theta.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([param], lr=lr)
    norms = torch.empty((theta.shape[0], iters + 1), dtype=torch.float64)
    for step in range(iters + 1):
        _, g, h = derivatives(param.detach())
        norms[:, step] = g.norm(dim=1).cpu()
        if step == iters:
            break
        param.grad = (h @ g[:, :, None])[..., 0]
        optimizer.step()
    return param.detach(), torch.full((theta.shape[0],), iters, dtype=torch.long), norms


def descent_trust_region(derivatives, theta, iters):
    """The comparison that finds minima only: trust-region Newton on L itself, step
    -(|H| + mu I)^-1 g in H's eigenbasis (|H| flips negative curvature, as saddle-free Newton does),
    a step kept only if L falls, mu adapted by the ratio of actual to predicted decrease. It
    cannot stop at a saddle (it moves downhill along negative curvature). Returns the iterate with
    the smallest ||grad L|| of each run, the iterations taken and ||g|| after each."""
    theta = theta.clone()
    runs = theta.shape[0]
    mu = torch.full((runs,), 1e-3, dtype=theta.dtype, device=theta.device)
    best, best_norm = theta.clone(), torch.full((runs,), float("inf"), dtype=theta.dtype, device=theta.device)
    iterations = torch.zeros(runs, dtype=torch.long)
    norms = torch.full((runs, iters + 1), float("nan"), dtype=torch.float64)
    for step in range(iters + 1):
        loss, g, h = derivatives(theta)
        norm = g.norm(dim=1)
        improved = norm < best_norm
        best = torch.where(improved[:, None], theta, best)
        best_norm = torch.where(improved, norm, best_norm)
        active = best_norm > STOP_GRAD
        norms[:, step] = torch.where(active | improved, norm, torch.nan).cpu()
        if not active.any() or step == iters:
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
    return best, iterations, norms


# ---------------------------------------------------------------------------- confirmation
def pinv_step(gradient, hessian):
    """The pseudo-inverse Newton step -H^+ g (R, P) and ||P g||^2 (R,), the part of ||g||^2 in
    H's range, with |lambda| <= PINV_TOL * max|lambda| counted as kernel."""
    eigenvalues, vectors = torch.linalg.eigh(hessian)
    g_eig = (vectors.transpose(1, 2) @ gradient[:, :, None])[..., 0]
    kept = eigenvalues.abs() > PINV_TOL * eigenvalues.abs().amax(1, keepdim=True)
    p_eig = torch.where(kept, -g_eig / torch.where(kept, eigenvalues, 1.0), torch.zeros_like(g_eig))
    return (vectors @ p_eig[:, :, None])[..., 0], (g_eig ** 2 * kept).sum(1)


def confirm(derivatives, theta, iters, gradient=None):
    """Undamped Newton-MR with an Armijo line search on ||g||^2 from each row of theta (R, P);
    see the module docstring. Returns a dict: theta (R, P), iterations (R,), norms (R, iters + 1;
    ||g|| after each iteration, nan once stopped), stop (a list of STOPS), last_step (R,; the length
    of the last accepted step, 0 without one) and newton_step (R,; ||H^+ g|| at the final point)."""
    gradient = gradient or (lambda t: derivatives(t)[:2])
    theta = theta.clone()
    runs = theta.shape[0]
    iterations = torch.zeros(runs, dtype=torch.long)
    norms = torch.full((runs, iters + 1), float("nan"), dtype=torch.float64)
    last_step = torch.zeros(runs, dtype=torch.float64)
    newton_step = torch.zeros(runs, dtype=torch.float64)
    stop = ["cap"] * runs
    active = torch.arange(runs)
    _, g, h = derivatives(theta)
    norms[:, 0] = g.norm(dim=1).cpu()
    for step in range(iters + 1):
        p, range_part = pinv_step(g, h)
        newton_step[active] = p.norm(dim=1).cpu()
        norm = norms[active, step]
        converged = (norm <= CONFIRM_GRAD) & (newton_step[active] <= CONFIRM_STEP)
        stalled = torch.zeros_like(converged)
        if step >= STALL_WINDOW:
            stalled = norm > (1 - STALL_GAIN) * norms[active, step - STALL_WINDOW]
        for r, c, s in zip(active.tolist(), converged.tolist(), stalled.tolist()):
            stop[r] = "converged" if c else "stalled" if s else stop[r]
        keep = (~(converged | stalled)).to(g.device)
        active, g, p, range_part = active[keep.cpu()], g[keep], p[keep], range_part[keep]
        if len(active) == 0 or step == iters:
            break
        start = theta[active]
        norm2 = (g * g).sum(1)
        alpha = torch.ones(len(active), dtype=theta.dtype, device=theta.device)
        accepted = torch.zeros(len(active), dtype=torch.bool, device=theta.device)
        new = start.clone()
        for _ in range(HALVINGS + 1):
            todo = (~accepted).nonzero()[:, 0]
            if len(todo) == 0:
                break
            trial = start[todo] + alpha[todo, None] * p[todo]
            g_trial = gradient(trial)[1]
            ok = (g_trial * g_trial).sum(1) < norm2[todo] - 2 * ARMIJO * alpha[todo] * range_part[todo]
            new[todo[ok]] = trial[ok]
            accepted[todo[ok]] = True
            alpha[todo[~ok]] /= 2
        for r in active[~accepted.cpu()].tolist():
            stop[r] = "stalled"                                          # no step lowers ||g||^2
        last_step[active[accepted.cpu()]] = (alpha * p.norm(dim=1))[accepted].cpu()
        active, new = active[accepted.cpu()], new[accepted]
        if len(active) == 0:
            break
        theta[active] = new
        _, g, h = derivatives(new)
        iterations[active] += 1
        norms[active, step + 1] = g.norm(dim=1).cpu()
    return {"theta": theta, "iterations": iterations, "norms": norms, "stop": stop, "last_step": last_step,
            "newton_step": newton_step}


def linear_slope(slopes):
    """Per row of slope-test ratios (R, len(SLOPE_DISTANCES)): True where the loss falls along the
    near-kernel part of g at its full slope at every distance (every ratio within [FULL_SLOPE,
    1 / FULL_SLOPE]): the gradient is a real slope there, not a residual at a critical point, where
    higher-order terms take over and the ratios change by orders of magnitude between distances."""
    slopes = torch.as_tensor(slopes, dtype=torch.float64)
    return ((slopes >= FULL_SLOPE) & (slopes <= 1 / FULL_SLOPE)).all(1).tolist()


def classify(gradient, hessian, stop, slopes=None):
    """Outcome of each run from its final gradient (R, P), Hessian (R, P, P), the confirmation's
    stop (a list of STOPS) and the slope test's ratios at the final point (R, len(SLOPE_DISTANCES);
    None: not used): a dict of lists: outcome, grad_norm, kernel_share (share of ||g||^2 in the
    near-kernel), linear_slope and Frye's relative residual r of the pseudo-inverse Newton step, all
    computed at every point. critical: the confirmation converged and the loss does not fall at its
    full slope along the near-kernel part of g; gradient-flat: otherwise, if the kernel share is at
    least FLAT_SHARE or the slope is linear, whatever ||g|| is; not converged: the rest. A run
    stopped by the cap or a stall is never critical."""
    eigenvalues, vectors = torch.linalg.eigh(hessian)
    g_eig = (vectors.transpose(1, 2) @ gradient[:, :, None])[..., 0]
    norm2 = (gradient * gradient).sum(1)
    kernel = eigenvalues.abs() <= KERNEL_TOL * eigenvalues.abs().amax(1, keepdim=True)
    kernel_share = (g_eig ** 2 * kernel).sum(1) / norm2.clamp_min(1e-300)
    step = torch.where(kernel, torch.zeros_like(g_eig), -g_eig / torch.where(kernel, 1.0, eigenvalues))
    residual = (g_eig + eigenvalues * step).norm(dim=1)                  # ||H p + g||
    frobenius = eigenvalues.norm(dim=1)                                  # ||H||_F
    frye_r = residual / (frobenius * step.norm(dim=1) + norm2.sqrt()).clamp_min(1e-300)
    grad_norm = norm2.sqrt().tolist()
    linear = linear_slope(slopes) if slopes is not None else [False] * len(stop)
    outcome = []
    for s, n, k, lin in zip(stop, grad_norm, kernel_share.tolist(), linear):
        critical = s == "converged" and n <= CONFIRM_GRAD and not lin
        outcome.append("critical" if critical else "gradient-flat" if k >= FLAT_SHARE or lin else "not converged")
    return {"outcome": outcome, "grad_norm": grad_norm, "kernel_share": kernel_share.tolist(),
            "linear_slope": linear, "frye_r": frye_r.tolist()}


def slope_test(loss, theta, gradient, hessian, distances=SLOPE_DISTANCES):
    """The loss along the near-kernel part g_K of the gradient (|lambda| <= KERNEL_TOL * max|lambda|):
    for each distance t, (L(theta) - L(theta - t g_K/||g_K||)) / (t ||g_K||): 1 where the loss falls at
    the full slope of g_K, as at a gradient-flat point on its way down, and far from 1 where
    higher-order terms take over within t. `loss` is batched; theta (R, P) -> (R, len(distances))
    (nan where g_K = 0)."""
    eigenvalues, vectors = torch.linalg.eigh(hessian)
    g_eig = (vectors.transpose(1, 2) @ gradient[:, :, None])[..., 0]
    kernel = eigenvalues.abs() <= KERNEL_TOL * eigenvalues.abs().amax(1, keepdim=True)
    g_kernel = (vectors @ (g_eig * kernel)[:, :, None])[..., 0]         # (R, P)
    size = g_kernel.norm(dim=1)
    direction = g_kernel / size.clamp_min(1e-300)[:, None]
    base = loss(theta)
    out = torch.stack([(base - loss(theta - t * direction)) / (t * size).clamp_min(1e-300) for t in distances], 1)
    return torch.where(size[:, None] > 0, out, torch.nan)


# ---------------------------------------------------------------------------- minima
def minimum_test(loss, derivatives, theta, uncertainty, generator=None):
    """Minimum test at each row of theta (R, P) with its eigenvalue uncertainty (R,); see the module
    docstring. A point with an eigenvalue below -uncertainty is a "saddle" (no probe needed). At the
    others the descent probe starts from the point and from +-t u (t in PROBE_DISTANCES) for the
    eigenvectors u of the DESCENT_DIRECTIONS smallest eigenvalues that lie at or below the
    near-kernel (|lambda| <= max(uncertainty, KERNEL_TOL max|lambda|)) and RANDOM_DIRECTIONS random
    unit vectors of that subspace; from each, DESCENT_ITERS saddle-free Newton steps -|H|^-1 g capped at
    DESCENT_CAP, each kept only if it lowers the loss. (A degenerate saddle such as x^2 - y^4, or the
    zero unit of a smaller net's minimum, where the loss falls only once the flat direction and the
    curved ones move together, needs the displacement along the flat direction first.) Descent found:
    the lowest loss reached is below L(theta) by more than DESCENT_REL |L| + DESCENT_ABS + ||g|| x the
    farthest the probe can move (what the residual gradient alone could give). Returns a dict of
    lists: kind (one of KINDS), lowest (the smallest eigenvalue), decrease and margin (None at
    saddles, which are not probed)."""
    start_loss, g, h = derivatives(theta)
    eigenvalues, vectors = torch.linalg.eigh(h)
    lowest = eigenvalues[:, 0]
    uncertainty = torch.as_tensor(uncertainty, dtype=theta.dtype, device=theta.device)
    reach = max(PROBE_DISTANCES) + DESCENT_ITERS * DESCENT_CAP
    margin = DESCENT_REL * start_loss.abs() + DESCENT_ABS + g.norm(dim=1) * reach
    kind, decrease = ["saddle" if low < -u else None for low, u in zip(lowest.tolist(), uncertainty.tolist())], {}
    generator = generator or torch.Generator().manual_seed(0)
    for r in [r for r, k in enumerate(kind) if k is None]:
        flat = eigenvalues[r].abs() <= max(float(uncertainty[r]), KERNEL_TOL * float(eigenvalues[r].abs().max()))
        chosen = vectors[r][:, flat | (eigenvalues[r] < 0)]                          # (P, D) near-kernel basis
        directions = chosen[:, :DESCENT_DIRECTIONS].T
        if chosen.shape[1] > 1:
            mix = torch.randn(chosen.shape[1], RANDOM_DIRECTIONS, generator=generator, dtype=theta.dtype)
            mixed = (chosen @ mix.to(theta.device)).T
            directions = torch.cat([directions, mixed / mixed.norm(dim=1, keepdim=True)])
        starts = [theta[r][None]] + [theta[r] + sign * t * directions for t in PROBE_DISTANCES for sign in (1, -1)]
        decrease[r] = float(start_loss[r] - _descend(loss, derivatives, torch.cat(starts)).min())
    kind = [k or ("degenerate: descent found" if decrease[r] > float(margin[r]) else "minimum")
            for r, k in enumerate(kind)]
    return {"kind": kind, "lowest": lowest.tolist(), "decrease": [decrease.get(r) for r in range(len(kind))],
            "margin": [float(m) if r in decrease else None for r, m in enumerate(margin)]}


def _descend(loss, derivatives, theta, iters=DESCENT_ITERS, cap=DESCENT_CAP):
    """Saddle-free Newton descent from each row of theta (R, P): steps -|H|^-1 g (eigenvalues floored
    at PINV_TOL max|lambda|) scaled to at most `cap`, and the same step halved up to 10 times; a step
    is kept only if it lowers the loss. Returns the final losses (R,)."""
    current, current_loss = theta.clone(), loss(theta)
    for _ in range(iters):
        _, g, h = derivatives(current)
        eigenvalues, vectors = torch.linalg.eigh(h)
        floor = (PINV_TOL * eigenvalues.abs().amax(1, keepdim=True)).clamp_min(1e-300)
        g_eig = (vectors.transpose(1, 2) @ g[:, :, None])[..., 0]
        step = -(vectors @ (g_eig / eigenvalues.abs().clamp_min(floor))[:, :, None])[..., 0]
        step = step * (cap / step.norm(dim=1).clamp_min(1e-300)).clamp(max=1.0)[:, None]
        scales = 0.5 ** torch.arange(11, dtype=theta.dtype, device=theta.device)
        trial = current[:, None, :] + scales[None, :, None] * step[:, None, :]            # (R, 11, P)
        trial_loss = loss(trial.flatten(0, 1)).view(trial.shape[:2])
        best_loss, best = trial_loss.min(1)
        better = best_loss < current_loss
        if not better.any():
            break
        current = torch.where(better[:, None], trial[torch.arange(len(best)), best], current)
        current_loss = torch.where(better, best_loss, current_loss)
    return current_loss


def spectrum_change(derivatives, theta, gradient, hessian):
    """The largest change of any (sorted) Hessian eigenvalue over one pseudo-inverse Newton step
    from each row of theta (R,): how well the point's spectrum is determined by where it stands."""
    p, _ = pinv_step(gradient, hessian)
    moved = derivatives(theta + p)[2]
    return (torch.linalg.eigvalsh(moved) - torch.linalg.eigvalsh(hessian)).abs().amax(1)


# ---------------------------------------------------------------------------- one-hidden-layer tanh nets
def one_hidden_parts(theta, width):
    """(w, b, v, c) of 1-width-1 nets theta (R, 3 width + 1), laid out as nn.Sequential(Linear(1, width),
    Tanh, Linear(width, 1)).parameters(): input weights, biases, output weights, output bias."""
    return (theta[:, :width], theta[:, width:2 * width], theta[:, 2 * width:3 * width], theta[:, 3 * width])


def one_hidden_loss_grad(theta, width, x, y):
    """MSE and its gradient of 1-width-1 tanh nets (R, 3 width + 1) on x (n, 1), y (n, 1), in closed
    form (the line search of `confirm` needs gradients only: ~20x cheaper than the Hessian)."""
    w, b, v, c = one_hidden_parts(theta, width)
    a = torch.tanh(x[None, :, 0, None] * w[:, None, :] + b[:, None, :])            # (R, n, width)
    residual = (a * v[:, None, :]).sum(2) + c[:, None] - y[None, :, 0]            # (R, n)
    n = x.shape[0]
    back = 2 / n * residual[:, :, None] * v[:, None, :] * (1 - a ** 2)            # dL/dz (R, n, width)
    grad = torch.cat([(back * x[None, :, 0, None]).sum(1), back.sum(1),
                      2 / n * (residual[:, :, None] * a).sum(1), 2 / n * residual.sum(1, keepdim=True)], 1)
    return (residual ** 2).mean(1), grad


def one_hidden_outputs(theta, width, x):
    """Predictions (R, n) of 1-width-1 tanh nets on x (n, 1)."""
    w, b, v, c = one_hidden_parts(theta, width)
    return (torch.tanh(x[None, :, 0, None] * w[:, None, :] + b[:, None, :]) * v[:, None, :]).sum(2) + c[:, None]


def canonical(theta, width):
    """The representative of each net's symmetry class (hidden-unit permutations and tanh sign
    flips, which leave the function unchanged): each unit flipped so that its output weight is
    positive (its input weight, where the output weight is 0), units sorted by (v, w, b), largest
    first. theta (R, 3 width + 1) -> (R, 3 width + 1)."""
    w, b, v, c = (t.clone() for t in one_hidden_parts(theta, width))
    flip = (v < 0) | ((v == 0) & (w < 0))
    sign = torch.where(flip, -1.0, 1.0).to(theta.dtype)
    w, b, v = w * sign, b * sign, v * sign
    out = []
    for r in range(theta.shape[0]):
        order = sorted(range(width), key=lambda j: (float(v[r, j]), float(w[r, j]), float(b[r, j])), reverse=True)
        out.append(torch.cat([w[r, order], b[r, order], v[r, order], c[r, None]]))
    return torch.stack(out) if out else theta.clone()


def _linked(count, same):
    """Labels 0, 1, ... (in order of first appearance) of the connected components of `same(i, j)`
    over count items (single linkage)."""
    parent = list(range(count))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i in range(count):
        for j in range(i):
            if root(i) != root(j) and same(i, j):
                parent[root(i)] = root(j)
    labels, seen = [], {}
    for i in range(count):
        labels.append(seen.setdefault(root(i), len(seen)))
    return labels


def _same_loss(loss, i, j, rel=1e-9):
    return abs(float(loss[i] - loss[j])) <= rel * max(abs(float(loss[i])), abs(float(loss[j])), 1e-300)


def symmetry_classes(theta, width, loss, tol=1e-3):
    """Class labels (R,) that count symmetry copies once: two points share a class when their
    canonical parameters differ by at most tol * (1 + largest |parameter|) everywhere and their
    losses by at most 1e-9 relative."""
    rep = canonical(theta, width)
    loss = torch.as_tensor(loss, dtype=torch.float64)
    scale = 1 + rep.abs().amax(1)

    def same(i, j):
        return (float((rep[i] - rep[j]).abs().max()) <= tol * float(torch.maximum(scale[i], scale[j]))
                and _same_loss(loss, i, j))
    return _linked(theta.shape[0], same)


def function_classes(outputs, loss, tol=1e-6, mirror=False):
    """Class labels (R,) of points that compute the same function: predictions outputs (R, n) within
    tol of each other everywhere and losses within 1e-9 relative. This counts the symmetry copies
    once (they leave the function unchanged) and also each family of critical points of one
    function (the constant output, a zero unit's free bias, a split unit's free share). mirror: a
    function and its mirror image f(-x) are one class too (for an even target on a grid symmetric
    about 0, where negating every input weight is a symmetry of the loss; outputs in grid order)."""
    loss = torch.as_tensor(loss, dtype=torch.float64)

    def same(i, j):
        gap = float((outputs[i] - outputs[j]).abs().max())
        if mirror:
            gap = min(gap, float((outputs[i] - outputs[j].flip(0)).abs().max()))
        return gap <= tol and _same_loss(loss, i, j)
    return _linked(outputs.shape[0], same)


ZERO_UNIT_BIASES = (0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 0.25, -0.25)   # biases of added zero units, in order


def embed(theta, width, target, split=None, share=0.5):
    """Fukumizu & Amari 2000: a 1-width-1 net theta (R, 3 width + 1) as a 1-target-1 net computing the
    same function. Without `split`: extra "zero units" with input and output weight 0 and the biases
    ZERO_UNIT_BIASES (any bias keeps the gradient 0 at a critical point: the unit's output weight
    sees tanh(b) * mean(residual) = 0, its input weight and bias see an output weight 0; a nonzero
    bias avoids tanh(0) = 0, where the Hessian is degenerate in more directions). With split = j:
    unit j is replaced by two copies with output weights share * v_j and (1 - share) * v_j (a line
    of critical points over share), and the rest are zero units."""
    w, b, v, c = one_hidden_parts(theta, width)
    runs = theta.shape[0]
    extra = target - width - (split is not None)
    if extra < 0 or extra > len(ZERO_UNIT_BIASES):
        raise ValueError(f"cannot embed 1-{width}-1 into 1-{target}-1 with split={split}")
    zeros = torch.zeros(runs, extra, dtype=theta.dtype, device=theta.device)
    biases = torch.tensor(ZERO_UNIT_BIASES[:extra], dtype=theta.dtype, device=theta.device).expand(runs, extra)
    if split is None:
        parts = [(w, b, v)]
    else:
        parts = [(w, b, torch.cat([v[:, :split], share * v[:, split:split + 1], v[:, split + 1:]], 1)),
                 (w[:, split:split + 1], b[:, split:split + 1], (1 - share) * v[:, split:split + 1])]
    ws = torch.cat([p[0] for p in parts] + [zeros], 1)
    bs = torch.cat([p[1] for p in parts] + [biases], 1)
    vs = torch.cat([p[2] for p in parts] + [zeros], 1)
    return torch.cat([ws, bs, vs, c[:, None]], 1)


def subsample_history(norms, points=40):
    """A (iterations, ||g||) history (one run's row of norms, nan after its stop) as two short lists:
    every iteration up to `points`, else `points` iterations spread evenly in log scale, always with
    the first and the last."""
    values = norms[~torch.isnan(norms)] if isinstance(norms, torch.Tensor) else torch.tensor(norms)
    count = len(values)
    if count <= points:
        keep = list(range(count))
    else:
        grid = torch.logspace(0, math.log10(count), points - 1, dtype=torch.float64).round().long() - 1
        keep = sorted({0, count - 1, *grid.clamp(0, count - 1).tolist()})
    return {"iteration": keep, "grad_norm": [float(f"{float(values[k]):.4g}") for k in keep]}
