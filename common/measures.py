"""Measures of a trained model: interpolation between models, input sensitivity, sharpness.

Interpolation (Goodfellow et al. 2015; the homework's flatness part 1); sensitivity (the
homework's input-gradient norm; Novak et al. 2018, "Sensitivity and Generalization in Neural
Networks", the Frobenius norm of the input-output Jacobian); sharpness (Keskar et al. 2017, "On
Large-Batch Training for Deep Learning", and the homework's Hessian-based estimate).
"""
import numpy as np
import torch


def interpolate(state_1, state_2, alpha):
    """(1 - alpha) * state_1 + alpha * state_2 for every floating-point tensor of two state dicts.
    Non-float entries (counters) come from state_1. Exact at alpha = 0 and alpha = 1."""
    return {k: ((1 - alpha) * v + alpha * state_2[k]) if v.is_floating_point() else v
            for k, v in state_1.items()}


def sensitivity(model, x, y, chunk=2000):
    """Mean over examples of two input sensitivities, w.r.t. the input as the model sees it (the
    normalized image), in eval mode:
      loss_gradient:  ||d loss(x_n, y_n) / d x_n||_2, the gradient of each example's own loss
                      (not of the batch mean, whose 1/B factor would make the measure shrink
                      with the batch size by construction);
      jacobian_frobenius: ||d softmax(f(x_n)) / d x_n||_F (Novak et al. 2018, Sec. 3).
    Both come from batched backward passes: in eval mode, example n's outputs depend on x_n only,
    so the gradient of a sum over examples w.r.t. x holds every per-example gradient."""
    was_training = model.training
    model.eval()
    loss_norms, jac_norms = [], []
    for start in range(0, len(x), chunk):
        xb = x[start:start + chunk].detach().clone().requires_grad_(True)
        logits = model(xb)
        loss = torch.nn.functional.cross_entropy(logits, y[start:start + chunk], reduction="sum")
        (g,) = torch.autograd.grad(loss, xb, retain_graph=True)
        loss_norms.append(g.flatten(1).norm(dim=1))
        probs = torch.softmax(logits, dim=1)
        squares = torch.zeros(len(xb), device=x.device, dtype=x.dtype)
        for c in range(probs.shape[1]):           # one backward pass per class: row c of every Jacobian
            (gc,) = torch.autograd.grad(probs[:, c].sum(), xb, retain_graph=c < probs.shape[1] - 1)
            squares += gc.flatten(1).pow(2).sum(1)
        jac_norms.append(squares.sqrt())
    model.train(was_training)
    return {"loss_gradient": float(torch.cat(loss_norms).mean()),
            "jacobian_frobenius": float(torch.cat(jac_norms).mean())}


def filter_normalized_direction(params, generator):
    """Li et al. 2018 ("Visualizing the Loss Landscape of Neural Nets"), Sec. 4: Gaussian
    direction, each row of each weight matrix rescaled to
    the norm of that row in theta*; biases get no direction."""
    direction = {}
    for name, p in params.items():
        if p.dim() < 2:
            direction[name] = torch.zeros_like(p)
            continue
        d = torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device)
        direction[name] = d * (p.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True).clamp_min(1e-12))
    return direction


def keskar_sharpness(loss, theta, epsilon, max_iter=10, random_starts=2, seed=0):
    """Keskar et al. 2017, Sec. 2.2 / Metric 2.1 with A = I: the largest relative loss increase in
    the box C_eps = {delta : |delta_i| <= epsilon (|theta_i| + 1)},
        phi = 100 * (max_{delta in C_eps} L(theta + delta) - L(theta)) / (1 + L(theta)),
    maximized with scipy's L-BFGS-B (bounds; max_iter iterations, as the paper's 10) from the box
    corner the gradient points to, delta = epsilon (|theta| + 1) sign(grad L) (the best first-order
    guess: the maximizer of the linearized loss over the box), and from `random_starts` points
    uniform in the box. The best value found is kept, so the result is never below the corner's.
    loss: a function of the flat parameters (float32 or float64, as theta); theta: (P,).
    Returns {"sharpness", "corner", "starts": [value per start: corner first]} (values as phi)."""
    from scipy.optimize import minimize

    theta = theta.detach()
    radius = epsilon * (theta.abs() + 1)                     # (P,) half-widths of the box
    base = float(loss(theta))

    highest = []                                             # per start: the largest loss it evaluated

    def negative_loss(u):                                    # box units: delta = u * radius, u in [-1, 1]
        u = torch.as_tensor(u, dtype=theta.dtype, device=theta.device).requires_grad_(True)
        value = loss(theta + u * radius)
        (g,) = torch.autograd.grad(value, u)
        highest[-1] = max(highest[-1], float(value.detach()))   # L-BFGS-B evaluates inside the bounds only
        return -float(value.detach()), -g.cpu().double().numpy()

    def phi(value):
        return 100.0 * (value - base) / (1.0 + base)

    probe = theta.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(probe), probe)
    corner = torch.sign(gradient).cpu().double().numpy()
    corner[corner == 0] = 1.0
    rng = np.random.default_rng(seed)
    starts = [corner] + [rng.uniform(-1.0, 1.0, theta.numel()) for _ in range(random_starts)]
    with torch.no_grad():
        corner_value = float(loss(theta + torch.as_tensor(corner, dtype=theta.dtype, device=theta.device) * radius))
    values = []
    for start in starts:
        highest.append(-np.inf)
        # gtol = ftol = 0: it runs max_iter iterations (or until its line search cannot improve).
        # Its first evaluation is the start, so the value kept (the highest evaluated) is never below it.
        found = minimize(negative_loss, start, jac=True, method="L-BFGS-B", bounds=[(-1.0, 1.0)] * theta.numel(),
                         options={"maxiter": max_iter, "gtol": 0.0, "ftol": 0.0})
        values.append(max(highest[-1], -found.fun))
    best = max(values)
    if best < corner_value:
        raise AssertionError(f"Keskar maximization ended below its corner start ({best} < {corner_value})")
    return {"sharpness": phi(best), "corner": phi(corner_value), "starts": [phi(v) for v in values]}


def hessian_sharpness(top_eigenvalue, loss_value, epsilon):
    """The homework's second-order estimate of the sharpness: ||H||_2 epsilon^2 / (2 (1 + L))."""
    return top_eigenvalue * epsilon ** 2 / (2.0 * (1.0 + loss_value))
