"""Curvature of the loss in parameter space: gradient norm, exact Hessian, Hessian-vector
products, extreme eigenvalues (power iteration, Lanczos) and the minimal ratio.

Everything works on a flat parameter vector theta (P,) and a function loss(theta) -> scalar,
built from a module by `flat_loss`. Curvature runs in float64: eigvalsh in float32 fails on
some ReLU nets, and near-zero eigenvalues need the precision.
"""
import copy
import math
import warnings

import torch
from torch.func import functional_call, hessian


# ---------------------------------------------------------------------------- flat parameters
def flatten_params(model, dtype=torch.float64):
    """All parameters in named_parameters() order as one (P,) vector."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).to(dtype)


def unflatten(theta, shapes):
    """(P,) -> {name: tensor of shape} in the order of `shapes` (a list of (name, shape))."""
    out, start = {}, 0
    for name, shape in shapes:
        n = math.prod(shape)
        out[name] = theta[start:start + n].view(shape)
        start += n
    return out


def flat_loss(model, x, y, loss_fn, dtype=torch.float64):
    """(loss(theta), theta0): the mean loss of `model` on (x, y) as a function of its flat
    parameters, in `dtype`. The model itself is left untouched."""
    shapes = [(name, tuple(p.shape)) for name, p in model.named_parameters()]
    x, y = x.to(dtype), (y.to(dtype) if y.is_floating_point() else y)
    module = copy.deepcopy(model).to(dtype)     # buffers in dtype too; parameters come from theta

    def loss(theta):
        return loss_fn(functional_call(module, unflatten(theta, shapes), (x,)), y)
    return loss, flatten_params(model, dtype)


# ---------------------------------------------------------------------------- closed form for small tanh MLPs
def tanh_mlp_mse_derivatives(theta, sizes, x, y):
    """Loss, gradient and exact Hessian of the MSE of scalar-output tanh MLPs, in closed form,
    for R parameter vectors at once: theta (R, P) -> loss (R,), grad (R, P), hessian (R, P, P).

    theta is laid out like nn.Sequential(Linear, Tanh, ..., Linear).parameters(): per layer the
    (out, in) weight row-major, then the bias. x (n, sizes[0]), y (n, 1), sizes[-1] == 1.
    Per point i, with residual r_i = f_i - y_i, the Hessian of L = mean r^2 is
        H = (2/n) sum_i [ grad f_i grad f_i^T + r_i Hess f_i ]           (Gauss-Newton + rest).
    Writing layer m as z_m = V_m [a_{m-1}; 1] (V_m = [W_m | b_m]), delta_m = df/dz_m,
    G_{m,l} = dz_m/dz_l (weights fixed) and K_m = d^2 f/dz_m^2, for l <= m:
        df/dV_m[p,q]                 = delta_m[p] ã_{m-1}[q]
        d^2f/dV_l[j,k] dV_m[p,q]     = (K_m G_{m,l})[p,j] ã_{l-1}[k] ã_{m-1}[q]
                                       + [l < m, q not the bias] delta_m[p] tanh'(z_{m-1})[q] G_{m-1,l}[q,j] ã_{l-1}[k]
    with K_L = 0, K_m = D W_{m+1}^T K_{m+1} W_{m+1} D + diag(tanh''(z_m) * (W_{m+1}^T delta_{m+1})),
    D = diag(tanh'(z_m)). Contracting over the n points first makes this ~50x cheaper than
    torch.func.hessian for small tanh nets such as hw1_2_minratio's 1-8-1 (bench/bench_curvature.py).
    """
    runs, n, layers = theta.shape[0], x.shape[0], len(sizes) - 1
    weights, biases, start = [], [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weights.append(theta[:, start:start + fan_in * fan_out].view(runs, fan_out, fan_in))
        start += fan_in * fan_out
        biases.append(theta[:, start:start + fan_out])
        start += fan_out
    ones = torch.ones(runs, n, 1, dtype=theta.dtype, device=theta.device)

    # forward: augmented inputs ã_{m-1} = [a_{m-1}; 1] (R, n, in_m + 1), slopes tanh'(z_m) and tanh''(z_m)
    inputs, slopes, bends = [], [], []
    a = x.to(theta.dtype).expand(runs, n, sizes[0])
    for m in range(layers):
        inputs.append(torch.cat([a, ones], dim=2))
        z = a @ weights[m].transpose(1, 2) + biases[m][:, None, :]
        if m < layers - 1:
            a = torch.tanh(z)
            slopes.append(1 - a ** 2)
            bends.append(-2 * a * (1 - a ** 2))
    residual = z[..., 0] - y[:, 0]                                       # (R, n)

    def shared(a, w):
        """Per-point (R, n, i, j) @ per-run (R, j, k) as one matmul per run (R, n*i, j) @ (R, j, k):
        thousands of separate 6x6 products (bmm) are ~10x slower."""
        return (a.reshape(runs, -1, a.shape[-1]) @ w).view(runs, n, a.shape[-2], w.shape[-1])

    # backward: delta_m (R, n, out_m) and K_m (R, n, out_m, out_m); K_L = 0 (f is linear in z_L): None
    deltas, curvatures, kw = [None] * layers, [None] * layers, [None] * layers
    deltas[-1] = ones
    for m in range(layers - 2, -1, -1):
        back = deltas[m + 1] @ weights[m + 1]                            # W_{m+1}^T delta_{m+1}
        deltas[m] = slopes[m] * back
        curvatures[m] = torch.diag_embed(bends[m] * back)
        if curvatures[m + 1] is not None:
            kw[m + 1] = shared(curvatures[m + 1], weights[m + 1])       # K_{m+1} W_{m+1}
            inner = shared(kw[m + 1].transpose(2, 3), weights[m + 1])  # W^T K W (K symmetric)
            curvatures[m] = curvatures[m] + slopes[m][..., :, None] * inner * slopes[m][..., None, :]

    # D_{m-1} G_{m-1,l} = tanh'(z_{m-1}) * dz_{m-1}/dz_l for l < m (R, n, out_{m-1}, out_l), from
    # G_{l,l} = I and G_{m,l} = W_m D_{m-1} G_{m-1,l}
    scaled = {}
    for low in range(layers - 1):
        scaled[low + 1, low] = torch.diag_embed(slopes[low])
        for m in range(low + 2, layers):
            previous = scaled[m - 1, low].transpose(2, 3)               # (D G)^T
            scaled[m, low] = slopes[m - 1][..., None] * shared(previous, weights[m - 1].transpose(1, 2)).transpose(2, 3)

    # per-point gradient of f (R, n, P) and the Hessian blocks, in the augmented layout [V_1, ..., V_L]
    jacobian = torch.cat([(deltas[m][..., :, None] * inputs[m][..., None, :]).flatten(2) for m in range(layers)], 2)
    gradient = 2 / n * torch.einsum("rn,rnp->rp", residual, jacobian)
    hessian_f = jacobian.transpose(1, 2) @ jacobian                     # sum_i grad f_i grad f_i^T
    block_sizes = [sizes[m + 1] * (sizes[m] + 1) for m in range(layers)]
    offsets = [sum(block_sizes[:m]) for m in range(layers)]
    for low in range(layers):
        for m in range(low, layers):
            dl, dm = sizes[low] + 1, sizes[m] + 1
            block = torch.zeros(runs, sizes[low + 1], dl, sizes[m + 1], dm, dtype=theta.dtype, device=theta.device)
            if curvatures[m] is not None:          # sum_i r_i (K_m G_{m,l})[p,j] ã_{l-1}[k] ã_{m-1}[q]
                if low == m:
                    kg = curvatures[m]
                elif m == low + 1:
                    kg = kw[m] * slopes[low][..., None, :]
                else:
                    kg = kw[m] @ scaled[m, low]
                left = (residual[..., None, None] * kg).flatten(2)                          # (R, n, p*j)
                pair = (inputs[low][..., :, None] * inputs[m][..., None, :]).flatten(2)       # (R, n, k*q)
                product = (left.transpose(1, 2) @ pair).view(runs, sizes[m + 1], sizes[low + 1], dl, dm)
                block += product.permute(0, 2, 3, 1, 4)                                    # p j k q -> j k p q
            if low < m:                              # sum_i r_i delta_m[p] (D_{m-1} G_{m-1,l})[q,j] ã_{l-1}[k]
                outer = ((residual[..., None] * deltas[m])[..., :, None] * inputs[low][..., None, :]).flatten(2)
                mixed = outer.transpose(1, 2) @ scaled[m, low].flatten(2)                    # (R, p*k, q*j)
                mixed = mixed.view(runs, sizes[m + 1], dl, sizes[m], sizes[low + 1])       # p k q j
                block[..., :sizes[m]] += mixed.permute(0, 4, 2, 1, 3)                     # j k p q
            block = block.reshape(runs, block_sizes[low], block_sizes[m])
            rows = slice(offsets[low], offsets[low] + block_sizes[low])
            cols = slice(offsets[m], offsets[m] + block_sizes[m])
            hessian_f[:, rows, cols] += block
            if low < m:
                hessian_f[:, cols, rows] += block.transpose(1, 2)
    hessian_loss = 1 / n * (hessian_f + hessian_f.transpose(1, 2))     # 2/n * H_f, symmetrized

    # augmented layout -> nn.Linear's (weight row-major, then bias) layout
    order = []
    for m in range(layers):
        fan_in, fan_out = sizes[m], sizes[m + 1]
        aug = torch.arange(block_sizes[m]).view(fan_out, fan_in + 1) + offsets[m]
        order += [aug[:, :fan_in].reshape(-1), aug[:, fan_in]]
    order = torch.cat(order).to(theta.device)
    loss = (residual ** 2).mean(1)
    return loss, gradient[:, order], hessian_loss[:, order][:, :, order]


# ---------------------------------------------------------------------------- first and second order
def gradient_norm(parameters):
    """2-norm of the gradient over all parameters (after backward): sqrt(sum_i |g_i|^2)."""
    grads = [p.grad.reshape(-1) for p in parameters if p.grad is not None]
    return torch.linalg.vector_norm(torch.cat(grads)) if grads else torch.tensor(0.0)


def exact_hessian(loss, theta):
    """The (P, P) Hessian of loss at theta (torch.func: forward-over-reverse), symmetrized.
    torch's forward-mode AD loads its jvp decompositions with torch.jit.script on first use, which
    torch 2.14 reports as a FutureWarning of its own; that one warning is silenced here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)
        h = hessian(loss)(theta)
    return 0.5 * (h + h.T)


def hvp_operator(loss, theta):
    """v -> H(theta) v without forming H (Pearlmutter 1994): H v = d/dtheta (grad L(theta) . v).
    The gradient's graph is built once (create_graph) and each product is one more backward
    pass through it: 2-2.4x faster per product on the 25k-parameter MLP of hw1_3_sharpness than
    rebuilding the forward pass and the gradient for every product (bench/bench_curvature.py)."""
    theta = theta.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(theta), theta, create_graph=True)

    def matvec(v):
        return torch.autograd.grad(gradient, theta, v, retain_graph=True)[0]
    return matvec


def power_iteration(matvec, dim, iters=100, tol=1e-10, generator=None, dtype=torch.float64, device="cpu"):
    """Eigenvalue of largest magnitude of the symmetric operator `matvec` (Rayleigh quotient),
    with its unit eigenvector. Stops when the estimate changes by less than tol (relative)."""
    v = torch.randn(dim, generator=generator, dtype=dtype).to(device)
    v /= v.norm()
    value = 0.0
    for _ in range(iters):
        w = matvec(v)
        new = float(v @ w)
        v = w / w.norm()
        if abs(new - value) <= tol * max(abs(new), 1e-30):
            value = new
            break
        value = new
    return value, v


def lanczos(matvec, dim, steps=30, generator=None, dtype=torch.float64, device="cpu"):
    """Ritz values of the symmetric operator after `steps` Lanczos steps with full
    reorthogonalization (ascending). The extreme ones converge first, to the extreme eigenvalues."""
    steps = min(steps, dim)
    basis = torch.zeros(steps, dim, dtype=dtype, device=device)
    alphas, betas = [], []
    q = torch.randn(dim, generator=generator, dtype=dtype).to(device)
    q /= q.norm()
    for k in range(steps):
        basis[k] = q
        w = matvec(q)
        alpha = float(q @ w)
        w = w - basis[:k + 1].T @ (basis[:k + 1] @ w)      # full reorthogonalization (twice is enough)
        w = w - basis[:k + 1].T @ (basis[:k + 1] @ w)
        alphas.append(alpha)
        beta = float(w.norm())
        if k == steps - 1 or beta < 1e-12:
            break
        betas.append(beta)
        q = w / beta
    t = torch.diag(torch.tensor(alphas, dtype=torch.float64))
    if betas:
        off = torch.tensor(betas[:len(alphas) - 1], dtype=torch.float64)
        t += torch.diag(off, 1) + torch.diag(off, -1)
    return torch.linalg.eigvalsh(t)


# ---------------------------------------------------------------------------- minimal ratio
def eigenvalue_shares(eigenvalues, rel_tol=1e-6):
    """Shares of positive, near-zero and negative eigenvalues, with |lambda| <= tol counted as
    zero and tol = rel_tol * max|lambda|. minimal_ratio (the homework's) = share > tol."""
    eigenvalues = torch.as_tensor(eigenvalues, dtype=torch.float64)
    tol = rel_tol * float(eigenvalues.abs().max()) if eigenvalues.numel() else 0.0
    n = eigenvalues.numel()
    positive = int((eigenvalues > tol).sum())
    negative = int((eigenvalues < -tol).sum())
    return {"minimal_ratio": positive / n, "zero_share": (n - positive - negative) / n,
            "negative_share": negative / n, "tol": tol}


def minimal_ratio(eigenvalues, rel_tol=1e-6):
    """Share of Hessian eigenvalues above rel_tol * max|lambda| (1 at a strict minimum)."""
    return eigenvalue_shares(eigenvalues, rel_tol)["minimal_ratio"]
