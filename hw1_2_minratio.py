"""HW1-2 "What happens when the gradient is almost zero": 100 runs driven to a critical point,
then the minimal ratio (share of positive Hessian eigenvalues) against the loss.

Setting (chosen so that the gradient can really be driven to ~0, see below): a tanh MLP
1-6-6-1 (61 params) on 200 evenly spaced points of sinc5 on [-1, 1], MSE, float64, 100 seeds.
  Phase 1: full-batch Adam (lr 3e-3, 3000 steps) on the loss.
  Phase 2: trust-region Newton on the loss: step -(|H| + mu I)^-1 g in the Hessian's eigenbasis
           (|H| flips negative curvature, as in saddle-free Newton), mu adapted by the ratio of
           actual to predicted decrease; the iterate with the smallest ||grad L|| is kept. A run
           leaves the batch once its ||grad L|| <= 1e-8. The exact Hessian of every iteration
           comes in closed form (curvature.tanh_mlp_mse_derivatives, ~10x faster than torch.func).
  Measure: exact Hessian (torch.func, symmetrized), eigvalsh. minimal_ratio = share of
           eigenvalues > tol, tol = 1e-6 * max|lambda|; the near-zero and negative shares too;
           and the sampling definition: the share of 1000 points theta + r u (u uniform on the
           unit sphere, r = 1e-2) whose loss exceeds L(theta).
Why this setting: Newton-type steps on grad L = 0 need a smooth loss (ReLU nets' gradients
jump when a point crosses a kink, so LM stalls near 5e-5) and the gradient left after Adam lies
in directions of tiny curvature (|lambda| ~ 1e-5), where minimizing ||grad L||^2 or LM barely
moves; a trust-region Newton step on L itself goes far along them. All 100 runs are batched
(over runs) in two processes. About 1.5 minutes on 2 CPU cores.
"""
import math

import numpy as np
import torch
from torch.func import grad, vmap

from common import plots
from common.cli import MAX_RUNS, MAX_STEPS, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.curvature import eigenvalue_shares, exact_hessian, tanh_mlp_mse_derivatives
from common.data import function_data
from common.results import run_experiment
from common.train import run_side_by_side

SCRIPT = "hw1_2_minratio"

# ---------------------------------------------------------------------------- config
WIDTHS = [6, 6]            # hidden layers, tanh
POINTS = 200               # training points of sinc5 on [-1, 1]
RUNS = 100                 # seeds base..base+99
ADAM_STEPS = 3000          # phase 1
ADAM_LR = 3e-3
NEWTON_ITERS = 1000        # phase 2, trust-region Newton iterations at most
STOP_GRAD = 1e-8           # a run stops once ||grad L|| <= this
TARGET_GRAD = 1e-5         # the goal every run should meet
REL_TOL = 1e-6             # |lambda| <= REL_TOL * max|lambda| counts as zero
SAMPLES = 1000             # random neighbours for the sampling definition
RADIUS = 1e-2              # their distance from theta
QUICK = {"runs": 6, "adam_steps": 300, "newton_iters": 30}

SIZES = [1, *WIDTHS, 1]
SHAPES = [s for a, b in zip(SIZES[:-1], SIZES[1:]) for s in ((b, a), (b,))]   # (out, in) weight, bias
N_PARAMS = sum(math.prod(s) for s in SHAPES)


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--runs", type=bounded_int(1, MAX_RUNS), default=None,
                        help=f"training runs, 1..{MAX_RUNS} (default {RUNS})")
    parser.add_argument("--adam-steps", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"phase 1 steps, 1..{MAX_STEPS} (default {ADAM_STEPS})")
    parser.add_argument("--newton-iters", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"phase 2 iterations at most, 1..{MAX_STEPS} (default {NEWTON_ITERS})")
    args = parser.parse_args()
    args.runs = args.runs or (QUICK["runs"] if args.quick else RUNS)
    args.adam_steps = args.adam_steps or (QUICK["adam_steps"] if args.quick else ADAM_STEPS)
    args.newton_iters = args.newton_iters or (QUICK["newton_iters"] if args.quick else NEWTON_ITERS)
    return args


# ---------------------------------------------------------------------------- model as a function of flat theta
def net(theta, x):
    """The tanh MLP with flat parameters theta (N_PARAMS,) on x (n, 1) -> (n, 1)."""
    params, start = [], 0
    for shape in SHAPES:
        n = math.prod(shape)
        params.append(theta[start:start + n].view(shape))
        start += n
    h = x
    for k in range(0, len(params), 2):
        h = h @ params[k].T + params[k + 1]
        if k < len(params) - 2:
            h = torch.tanh(h)
    return h


def init_theta(seed):
    """PyTorch's default Linear init for one seed, flattened (float64)."""
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
    return torch.cat([p.detach().reshape(-1) for layer in layers for p in layer.parameters()]).double()


# ---------------------------------------------------------------------------- phases 1 and 2, batched over runs
def drive_to_critical_points(job):
    """Adam, then trust-region Newton, for a batch of seeds; returns one dict per run."""
    seeds, adam_steps, newton_iters, device = job
    x, y = function_data("sinc5", POINTS, dtype=torch.float64, device=device)
    loss = lambda theta: ((net(theta, x) - y) ** 2).mean()    # MSE
    batch_loss, batch_grad = vmap(loss), vmap(grad(loss))

    theta = torch.stack([init_theta(s) for s in seeds]).to(device).requires_grad_(True)   # (R, P)
    optimizer = torch.optim.Adam([theta], lr=ADAM_LR)
    for _ in range(adam_steps):                 # phase 1: the summed loss gives each run its own gradient
        optimizer.zero_grad()
        batch_loss(theta).sum().backward()
        optimizer.step()
    theta = theta.detach()
    adam_grad = batch_grad(theta).norm(dim=1)

    runs = len(seeds)
    best, best_grad = theta.clone(), adam_grad.clone()
    mu = torch.full((runs,), 1e-3, dtype=theta.dtype, device=device)
    iterations = torch.zeros(runs, dtype=torch.long, device=device)
    active = torch.arange(runs, device=device)
    for step in range(newton_iters + 1):        # phase 2 on the runs still above STOP_GRAD
        th, m = theta[active], mu[active]
        current_loss, g, h = tanh_mlp_mse_derivatives(th, SIZES, x, y)   # closed form: (A,), (A, P), (A, P, P)
        grad_norm = g.norm(dim=1)
        improved = grad_norm < best_grad[active]
        best[active] = torch.where(improved[:, None], th, best[active])
        best_grad[active] = torch.where(improved, grad_norm, best_grad[active])
        keep = best_grad[active] > STOP_GRAD
        active, th, m, current_loss, g, h = active[keep], th[keep], m[keep], current_loss[keep], g[keep], h[keep]
        if len(active) == 0 or step == newton_iters:
            break
        eigenvalues, vectors = torch.linalg.eigh(h)
        g_eig = (vectors.transpose(1, 2) @ g[:, :, None])[:, :, 0]     # g in the eigenbasis
        step_eig = g_eig / (eigenvalues.abs() + m[:, None])
        step_theta = (vectors @ step_eig[:, :, None])[:, :, 0]
        predicted = (g_eig * step_eig).sum(1) - 0.5 * (eigenvalues * step_eig ** 2).sum(1)
        trial = th - step_theta
        trial_loss = batch_loss(trial)
        ratio = (current_loss - trial_loss) / predicted.clamp_min(1e-300)
        accept = trial_loss < current_loss
        theta[active] = torch.where(accept[:, None], trial, th)
        mu[active] = torch.where(ratio > 0.75, m / 4, torch.where(ratio < 0.25, m * 4, m)).clamp(1e-30, 1e10)
        iterations[active] += 1

    # ------------------------------------------------------------------------ measure at the kept points
    out = []
    generator = torch.Generator().manual_seed(12345)
    for i, seed in enumerate(seeds):
        th = best[i]
        eigenvalues = torch.linalg.eigvalsh(exact_hessian(loss, th))
        shares = eigenvalue_shares(eigenvalues, REL_TOL)
        directions = torch.randn(SAMPLES, N_PARAMS, generator=generator, dtype=th.dtype).to(device)
        directions /= directions.norm(dim=1, keepdim=True)
        neighbour_loss = batch_loss(th + RADIUS * directions)
        out.append({"seed": seed, "loss": float(loss(th)), "grad_norm": float(best_grad[i]),
                    "adam_grad_norm": float(adam_grad[i]), "newton_iterations": int(iterations[i]),
                    "minimal_ratio": shares["minimal_ratio"], "zero_share": shares["zero_share"],
                    "negative_share": shares["negative_share"], "eig_tol": shares["tol"],
                    "max_eigenvalue": float(eigenvalues[-1]), "min_eigenvalue": float(eigenvalues[0]),
                    "sampled_ratio": float((neighbour_loss > loss(th)).double().mean()),
                    "theta": th.tolist()})
    return out


def run(args):
    seed_all(args.seed)
    seeds = [args.seed + i for i in range(args.runs)]
    workers = side_by_side_workers(args)
    chunks = [seeds[k::workers] for k in range(workers)]
    jobs = [(chunk, args.adam_steps, args.newton_iters, args.device_resolved) for chunk in chunks if chunk]
    runs = sorted((r for part in run_side_by_side(drive_to_critical_points, jobs, workers) for r in part),
                  key=lambda r: r["seed"])
    norms = np.array([r["grad_norm"] for r in runs])
    return {"model": f"1-{'-'.join(map(str, WIDTHS))}-1 tanh", "params": N_PARAMS, "points": POINTS,
            "rel_tol": REL_TOL, "radius": RADIUS, "samples": SAMPLES, "target_grad": TARGET_GRAD,
            "missed": int((norms > TARGET_GRAD).sum()), "median_grad_norm": float(np.median(norms)),
            "runs": runs}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    runs = results["runs"]
    loss = np.array([r["loss"] for r in runs])
    hit = np.array([r["grad_norm"] <= results["target_grad"] for r in runs])
    fig, axes = plots.figure(ncols=2, width=4.6, height=3.8, sharey=True)
    for ax, key, title in ((axes[0, 0], "minimal_ratio", "Hessian: share of eigenvalues > tol"),
                           (axes[0, 1], "sampled_ratio", f"sampling: share of L(θ+r·u) > L(θ), r={results['radius']}")):
        ratio = np.array([r[key] for r in runs])
        ax.scatter(loss[hit], ratio[hit], s=16, color=plots.PALETTE[0],
                   label=f"‖∇L‖ ≤ {results['target_grad']:g} ({hit.sum()})")
        if (~hit).any():
            ax.scatter(loss[~hit], ratio[~hit], s=28, facecolors="none", edgecolors=plots.PALETTE[1],
                       label=f"missed the threshold ({(~hit).sum()})")
        ax.set(xscale="log", xlabel="training loss (MSE)", title=title)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("minimal ratio")
    fig.suptitle(f"{len(runs)} runs of {results['model']} ({results['params']} params) on sinc5", y=1.02)
    plots.save(fig, figures_dir, f"{SCRIPT}_ratio_vs_loss")

    fig, axes = plots.figure(ncols=2, width=4.6, height=3.6)
    norms = np.array([r["grad_norm"] for r in runs])
    ax = axes[0, 0]
    order = np.argsort(norms)
    ax.scatter(np.arange(len(runs)), norms[order], s=10, color=np.where(hit[order], plots.PALETTE[0], plots.PALETTE[1]))
    ax.scatter(np.arange(len(runs)), np.array([r["adam_grad_norm"] for r in runs])[order], s=6, color="gray",
               alpha=0.5, label="after Adam (phase 1)")
    ax.axhline(results["target_grad"], color="black", ls="--", lw=1, label=f"goal {results['target_grad']:g}")
    ax.set(yscale="log", xlabel="run (sorted)", ylabel="final ‖∇L‖₂", title="Gradient norm of every run")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    zero = np.array([r["zero_share"] for r in runs])
    negative = np.array([r["negative_share"] for r in runs])
    ratio = np.array([r["minimal_ratio"] for r in runs])
    ax.scatter(loss, zero, s=10, color="gray", label="near-zero share")
    ax.scatter(loss, negative, s=10, color=plots.PALETTE[1], label="negative share")
    ax.scatter(loss, ratio, s=10, color=plots.PALETTE[0], label="positive share (minimal ratio)")
    ax.set(xscale="log", xlabel="training loss (MSE)", ylabel="share of eigenvalues",
           title=f"Spectrum at the critical points (tol {results['rel_tol']:g}·max|λ|)")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_gradnorm_and_spectrum")


def main():
    args = parse_args()
    config = {"runs": args.runs, "adam_steps": args.adam_steps, "newton_iters": args.newton_iters,
              "seed": args.seed, "widths": WIDTHS, "points": POINTS, "adam_lr": ADAM_LR, "rel_tol": REL_TOL,
              "radius": RADIUS, "samples": SAMPLES, "stop_grad": STOP_GRAD, "target_grad": TARGET_GRAD,
              "function": "sinc5"}

    def summarize(results):
        runs = results["runs"]
        print(f"{len(runs)} runs: median ||grad L|| {results['median_grad_norm']:.2e}; "
              f"{len(runs) - results['missed']} of {len(runs)} reached ||grad L|| <= {results['target_grad']:g}"
              + (f"; {results['missed']} MISSED the goal" if results["missed"] else ""))
        print(f"median minimal ratio {np.median([r['minimal_ratio'] for r in runs]):.3f}, "
              f"median near-zero share {np.median([r['zero_share'] for r in runs]):.3f}, "
              f"median sampled ratio {np.median([r['sampled_ratio'] for r in runs]):.3f}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
