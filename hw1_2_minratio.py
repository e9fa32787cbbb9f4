"""HW1-2 "What happens when the gradient is almost zero": critical points of every index, found
from starts spread over the whole loss range, told apart from gradient-flat points, and their
minimal ratio (share of positive Hessian eigenvalues) and index (share of negative ones) against
the loss (Dauphin et al. 2014, Fig. 1; Frye et al. 2020).

Setting: a tanh MLP 1-8-1 (25 params) on 200 evenly spaced points of sinc5 on [-1, 1], MSE,
float64, exact Hessians in closed form (common.curvature.tanh_mlp_mse_derivatives).
  Starts:  16 full-batch Adam trajectories (lr 1e-2, 20000 steps, init to convergence); along
           each, 15 snapshots whose losses are spread uniformly in log loss between its first and
           its last loss: 240 starts from loss ~0.3 down to ~1e-5.
  Finder:  damped Newton-MR on grad L = 0 (common.critical.newton_mr: least-squares Newton step
           -(H^2 + mu I)^-1 H g, trust region on ||grad L||^2, so saddles attract as much as
           minima), at most 2000 iterations, stopping at ||grad L|| <= 1e-9.
  Outcome: critical (||grad L|| <= 1e-5, Frye et al.'s ||g||^2 <= 1e-10), gradient-flat (most of
           ||g||^2 in H's near-kernel, |lambda| <= 1e-6 max|lambda|; Frye's residual r saved
           beside), or not converged. Every run is kept and drawn.
  Measure: at every final point the full spectrum of the exact Hessian; minimal ratio = share of
           eigenvalues > tol for tol = rel * max|lambda|, rel = 1e-12 (strictly > 0 up to roundoff:
           the sign of a smaller eigenvalue differs between two exact Hessian codes) ... 1e-4
           (the main figure: 1e-6, where a residual gradient of 1e-5 already moves a Newton step
           along an eigenvalue at tol by ~1); index = share < -tol; and the sampling definition:
           the share of 500 neighbours theta + r u (u uniform on the unit sphere) with a higher
           loss, at radii scaled to each point, 1/2 r^2 lambda_max = c * L for c = 0.01, 1, 100.
Why a 1-8-1 net: wider or deeper tanh nets (1-6-6-1, 61 params) have so many near-zero
eigenvalues that the finder reached only the constant-output saddle and gradient-flat points;
with 8 hidden units it finds saddles and minima from L ~ 1e-5 to the constant-output saddle.
About 1 minute on 2 CPU cores (two processes, each batching its 120 starts).
"""
import math

import numpy as np
import torch
from torch.func import vmap

from common import plots
from common.cli import MAX_RUNS, MAX_STEPS, bounded_int, derive_seed, log, make_parser, run_main, seed_all, \
    side_by_side_workers
from common.critical import CRITICAL_GRAD, FLAT_SHARE, KERNEL_TOL, OUTCOMES, classify, descent_trust_region, \
    gradient_norm_descent, newton_mr
from common.curvature import eigenvalue_shares, tanh_mlp_mse_derivatives
from common.data import function_data
from common.results import run_experiment, run_jobs

SCRIPT = "hw1_2_minratio"

# ---------------------------------------------------------------------------- config
WIDTHS = [8]               # hidden layers, tanh
POINTS = 200               # training points of sinc5 on [-1, 1]
FUNCTION = "sinc5"
TRAJECTORIES = 16          # Adam runs that supply the starts (seeds derived from their names)
ADAM_STEPS = 20000         # full-batch steps per trajectory
ADAM_LR = 1e-2
SNAPSHOT_EVERY = 10        # steps between saved snapshots (candidates for starts)
STARTS = 15                # starts per trajectory, uniform in log loss
NEWTON_ITERS = 2000        # finder iterations at most
FINDERS = {"newton_mr": newton_mr,                        # name -> finder(derivatives, theta, iters)
           "gradient_norm": gradient_norm_descent,           # baseline: Adam on 1/2 ||grad L||^2
           "descent_trust_region": descent_trust_region}     # the previous finder: minima only
FINDER = "newton_mr"       # the default; the others are compared in bench/bench_minratio.py
REL_TOLS = {"1e-12": 1e-12, "1e-10": 1e-10, "1e-8": 1e-8, "1e-6": 1e-6, "1e-4": 1e-4}   # tol = rel * max|lambda|;
                           # 1e-12 is "strictly > 0" up to float64 roundoff (a sign below it is noise)
MAIN_TOL = "1e-6"          # the tolerance of the main figure (see the docstring)
SAMPLES = 500              # random neighbours per radius
RADIUS_FACTORS = {"c=0.01": 1e-2, "c=1": 1.0, "c=100": 1e2}   # 1/2 r^2 lambda_max = c * L
QUICK = {"trajectories": 2, "adam_steps": 2000, "starts": 6, "newton_iters": 200}

SIZES = [1, *WIDTHS, 1]
SHAPES = [s for a, b in zip(SIZES[:-1], SIZES[1:]) for s in ((b, a), (b,))]   # (out, in) weight, bias
N_PARAMS = sum(math.prod(s) for s in SHAPES)


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--trajectories", type=bounded_int(1, MAX_RUNS), default=None,
                        help=f"Adam trajectories that supply starts, 1..{MAX_RUNS} (default {TRAJECTORIES})")
    parser.add_argument("--adam-steps", type=bounded_int(SNAPSHOT_EVERY, MAX_STEPS), default=None,
                        help=f"steps per trajectory, {SNAPSHOT_EVERY}..{MAX_STEPS} (default {ADAM_STEPS})")
    parser.add_argument("--starts", type=bounded_int(1, 1000), default=None,
                        help=f"starts per trajectory, 1..1000 (default {STARTS})")
    parser.add_argument("--newton-iters", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"finder iterations at most, 1..{MAX_STEPS} (default {NEWTON_ITERS})")
    parser.add_argument("--finder", choices=sorted(FINDERS), default=FINDER,
                        help=f"critical-point finder (default {FINDER})")
    args = parser.parse_args()
    for name in QUICK:
        if getattr(args, name) is None:
            setattr(args, name, QUICK[name] if args.quick else globals()[name.upper()])
    return args


# ---------------------------------------------------------------------------- model as a function of flat theta
def net(theta, x):
    """The tanh MLP with flat parameters theta (N_PARAMS,) on x (n, 1) -> (n, 1); the layout of
    nn.Sequential(Linear, Tanh, ..., Linear).parameters()."""
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


def log_uniform_picks(losses, count):
    """Indices of `count` distinct entries of losses (T,) closest to levels spread uniformly in
    log loss between the first and the last entry (fewer if the curve has fewer distinct ones)."""
    log_loss = np.log10(np.asarray(losses))
    picks = []
    for level in np.linspace(log_loss[0], log_loss[-1], count):
        distance = np.abs(log_loss - level)
        distance[picks] = np.inf
        picks.append(int(np.argmin(distance)))
    return sorted(set(picks))


# ---------------------------------------------------------------------------- starts, finder, measures (one job)
def find_and_measure(job):
    """Adam trajectories for `names`, starts along them, the finder from every start, and the
    measures at every final point; returns one dict per start."""
    names, base_seed, adam_steps, starts, newton_iters, finder, device = job
    x, y = function_data(FUNCTION, POINTS, dtype=torch.float64, device=device)
    loss = lambda theta: ((net(theta, x) - y) ** 2).mean()    # MSE
    batch_loss = vmap(loss)
    derivatives = lambda theta: tanh_mlp_mse_derivatives(theta, SIZES, x, y)

    # trajectories: (R, P) trained together, the summed loss gives each run its own gradient
    seeds = [derive_seed(base_seed, "trajectory", name) for name in names]
    theta = torch.stack([init_theta(s) for s in seeds]).to(device).requires_grad_(True)
    optimizer = torch.optim.Adam([theta], lr=ADAM_LR)
    snapshots, snapshot_loss = [], []
    for step in range(adam_steps + 1):
        optimizer.zero_grad()
        current = batch_loss(theta)
        if step % SNAPSHOT_EVERY == 0 or step == adam_steps:
            snapshots.append(theta.detach().clone())
            snapshot_loss.append(current.detach().clone())
        if step < adam_steps:
            current.sum().backward()
            optimizer.step()
    snapshots, snapshot_loss = torch.stack(snapshots, 1), torch.stack(snapshot_loss, 1)   # (R, T, P), (R, T)
    steps = [min(k * SNAPSHOT_EVERY, adam_steps) for k in range(snapshots.shape[1])]
    origin = [(i, k) for i in range(len(names)) for k in log_uniform_picks(snapshot_loss[i].cpu(), starts)]
    start_theta = torch.stack([snapshots[i, k] for i, k in origin])
    log(f"{len(origin)} starts from {len(names)} trajectories; running {finder}")

    final, iterations = FINDERS[finder](derivatives, start_theta, newton_iters)
    final_loss, final_grad, final_hessian = derivatives(final)
    outcome = classify(final_grad, final_hessian)
    eigenvalues = torch.linalg.eigvalsh(final_hessian)                   # (R, P) ascending

    generator = torch.Generator().manual_seed(derive_seed(base_seed, "neighbours", *names))
    out = []
    for r, (i, k) in enumerate(origin):
        shares = {name: eigenvalue_shares(eigenvalues[r], rel) for name, rel in REL_TOLS.items()}
        top = float(eigenvalues[r].abs().max())
        directions = torch.randn(SAMPLES, N_PARAMS, generator=generator, dtype=torch.float64).to(device)
        directions /= directions.norm(dim=1, keepdim=True)
        sampled = {}
        for name, c in RADIUS_FACTORS.items():
            radius = math.sqrt(2 * c * float(final_loss[r]) / top)          # 1/2 r^2 lambda_max = c L
            higher = batch_loss(final[r] + radius * directions) > final_loss[r]      # (SAMPLES,)
            sampled[name] = {"radius": radius, "ratio": float(higher.double().mean())}
        out.append({"trajectory": names[i], "start_step": steps[k], "start_loss": float(snapshot_loss[i, k]),
                    "finder": finder, "iterations": int(iterations[r]),
                    "outcome": outcome["outcome"][r],
                    "loss": float(final_loss[r]), "grad_norm": outcome["grad_norm"][r],
                    "kernel_share": outcome["kernel_share"][r], "frye_r": outcome["frye_r"][r],
                    "eigenvalues": eigenvalues[r].tolist(), "shares": shares, "sampled": sampled,
                    "theta": final[r].tolist()})
    return out


def run(args):
    seed_all(args.seed)
    names = [f"t{k}" for k in range(args.trajectories)]
    workers = side_by_side_workers(args)
    chunks = [names[k::workers] for k in range(workers)]
    jobs = [(chunk, args.seed, args.adam_steps, args.starts, args.newton_iters, args.finder, args.device_resolved)
            for chunk in chunks if chunk]
    parts = run_jobs(args, find_and_measure, jobs, [",".join(job[0]) for job in jobs], workers)   # by trajectories
    runs = [r for part in parts for r in part]
    runs.sort(key=lambda r: (int(r["trajectory"][1:]), r["start_step"]))
    counts = {name: sum(r["outcome"] == name for r in runs) for name in OUTCOMES}
    _, y = function_data(FUNCTION, POINTS, dtype=torch.float64)
    return {"model": f"1-{'-'.join(map(str, WIDTHS))}-1 tanh", "params": N_PARAMS, "points": POINTS,
            "function": FUNCTION, "critical_grad": CRITICAL_GRAD, "kernel_tol": KERNEL_TOL,
            "target_variance": float(y.var(unbiased=False)),     # L at the constant-output saddle
            "flat_share": FLAT_SHARE, "rel_tols": REL_TOLS, "main_tol": MAIN_TOL,
            "radius_factors": RADIUS_FACTORS, "samples": SAMPLES, "counts": counts, "runs": runs}


# ---------------------------------------------------------------------------- plot
MARKERS = {"critical": dict(marker="o", s=16), "gradient-flat": dict(marker="x", s=18),
           "not converged": dict(marker="s", s=18, facecolors="none")}
OUTCOME_COLORS = {"critical": plots.PALETTE[0], "gradient-flat": plots.PALETTE[1], "not converged": "gray"}


def values(runs, key, outcome=None):
    return np.array([r[key] for r in runs if outcome is None or r["outcome"] == outcome])


def share(runs, kind, tol, outcome=None):
    return np.array([r["shares"][tol][kind] for r in runs if outcome is None or r["outcome"] == outcome])


def scatter_outcomes(ax, runs, y_of):
    """Every run, one marker style per outcome (none dropped)."""
    for name in OUTCOMES:
        chosen = [r for r in runs if r["outcome"] == name]
        if not chosen:
            continue
        style = dict(MARKERS[name])
        color_key = "edgecolors" if "facecolors" in style else "color"
        style[color_key] = OUTCOME_COLORS[name]
        ax.scatter([r["loss"] for r in chosen], [y_of(r) for r in chosen], label=f"{name} ({len(chosen)})",
                   alpha=0.8, **style)


def plot(results, figures_dir):
    runs, main = results["runs"], results["main_tol"]
    title = f"{len(runs)} runs of {results['model']} ({results['params']} params) on {results['function']}"

    fig, axes = plots.figure(ncols=2, width=4.8, height=3.8, sharey=True)
    scatter_outcomes(axes[0, 0], runs, lambda r: r["shares"][main]["minimal_ratio"])
    axes[0, 0].set(xscale="log", xlabel="loss at the final point (MSE)", ylabel="minimal ratio",
                   title=f"Hessian: share of λ > {main}·max|λ|")
    scatter_outcomes(axes[0, 1], runs, lambda r: r["sampled"]["c=1"]["ratio"])
    axes[0, 1].set(xscale="log", xlabel="loss at the final point (MSE)",
                   title="sampling: share of L(θ+r·u) > L(θ), ½r²λmax = L")
    for ax in axes[0]:
        ax.legend(fontsize=7)
    fig.suptitle(title)
    plots.save(fig, figures_dir, f"{SCRIPT}_ratio_vs_loss")

    fig, axes = plots.figure(width=5.2, height=3.8)
    scatter_outcomes(axes[0, 0], runs, lambda r: r["shares"][main]["negative_share"])
    axes[0, 0].set(xscale="log", xlabel="loss at the final point (MSE)", ylabel="index (share of λ < −tol)",
                   title=f"Index vs loss (Dauphin et al. 2014, Fig. 1), tol {main}·max|λ|")
    axes[0, 0].legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_index_vs_loss")

    fig, axes = plots.figure(ncols=2, width=4.8, height=3.8)
    ax = axes[0, 0]
    edges = np.logspace(np.floor(np.log10(min(values(runs, "start_loss")))),
                        np.ceil(np.log10(max(values(runs, "start_loss")))), 9)
    bottom = np.zeros(len(edges) - 1)
    for name in OUTCOMES:
        counts, _ = np.histogram(values(runs, "start_loss", name), bins=edges)
        ax.bar(edges[:-1], counts, width=np.diff(edges), bottom=bottom, align="edge", color=OUTCOME_COLORS[name],
               edgecolor="white", label=name)
        bottom += counts
    ax.set(xscale="log", xlabel="start loss", ylabel="runs", title="Outcome of every run by its start loss")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    for name in OUTCOMES:
        chosen = [r for r in runs if r["outcome"] == name]
        if chosen:
            style = dict(MARKERS[name])
            style["edgecolors" if "facecolors" in style else "color"] = OUTCOME_COLORS[name]
            ax.scatter([r["start_loss"] for r in chosen], [r["grad_norm"] for r in chosen], label=name, **style)
    ax.axhline(results["critical_grad"], color="black", ls="--", lw=1, label=f"‖∇L‖ = {results['critical_grad']:g}")
    ax.set(xscale="log", yscale="log", xlabel="start loss", ylabel="final ‖∇L‖₂", title="Final gradient norm")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_outcomes")

    fig, axes = plots.figure(ncols=2, width=4.8, height=3.8)
    ax = axes[0, 0]
    tols = list(results["rel_tols"])
    critical = [r for r in runs if r["outcome"] == "critical"]
    groups = {"minima (no λ < −tol)": [r for r in critical if r["shares"][main]["negative_share"] == 0],
              "saddles": [r for r in critical if r["shares"][main]["negative_share"] > 0]}
    for (label, chosen), color, shift in zip(groups.items(), plots.PALETTE, (-0.1, 0.1)):
        if not chosen:
            continue
        per_tol = np.array([[r["shares"][t]["minimal_ratio"] for t in tols] for r in chosen])
        low, median, high = np.percentile(per_tol, [25, 50, 75], axis=0)
        positions = np.arange(len(tols)) + shift
        ax.errorbar(positions, median, yerr=[median - low, high - median], fmt="o-", color=color, capsize=3,
                    label=f"{label} ({len(chosen)})")
    ax.set_xticks(np.arange(len(tols)), [f"{t}·max|λ|" for t in tols], fontsize=7)
    ax.set(xlabel="tolerance (λ > tol counts as positive)", ylabel="minimal ratio (median, quartiles)",
           title="Critical points: tolerance dependence")
    if critical:
        ax.legend(fontsize=7)
    ax = axes[0, 1]
    for (name, c), color in zip(results["radius_factors"].items(), plots.PALETTE):
        ax.scatter(values(critical, "loss"), [r["sampled"][name]["ratio"] for r in critical], s=12, color=color,
                   label=f"½r²λmax = {c:g}·L")
    ax.set(xlabel="loss at the critical point", ylabel="sampled ratio", title="Sampling definition at three radii")
    if critical:
        ax.set_xscale("log")
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "no critical point found", ha="center", transform=ax.transAxes)
        axes[0, 0].text(0.5, 0.5, "no critical point found", ha="center", transform=axes[0, 0].transAxes)
    plots.save(fig, figures_dir, f"{SCRIPT}_tolerance")


def main():
    args = parse_args()
    config = {"trajectories": args.trajectories, "adam_steps": args.adam_steps, "starts": args.starts,
              "newton_iters": args.newton_iters, "finder": args.finder, "seed": args.seed, "widths": WIDTHS,
              "points": POINTS, "function": FUNCTION, "adam_lr": ADAM_LR, "snapshot_every": SNAPSHOT_EVERY,
              "rel_tols": REL_TOLS, "main_tol": MAIN_TOL, "samples": SAMPLES, "radius_factors": RADIUS_FACTORS,
              "critical_grad": CRITICAL_GRAD, "kernel_tol": KERNEL_TOL, "flat_share": FLAT_SHARE}

    def summarize(results):
        runs, main = results["runs"], results["main_tol"]
        critical = [r for r in runs if r["outcome"] == "critical"]
        counts = ", ".join(f"{results['counts'][name]} {name}" for name in OUTCOMES)
        print(f"{len(runs)} runs ({results['runs'][0]['finder']}): {counts}")
        if critical:
            loss = values(critical, "loss")
            saddles = sum(r["shares"][main]["negative_share"] > 0 for r in critical)
            print(f"critical points: loss {loss.min():.2e} .. {loss.max():.2e} "
                  f"({np.log10(loss.max() / loss.min()):.1f} decades), {saddles} saddles at tol {main}; "
                  f"median minimal ratio {np.median(share(critical, 'minimal_ratio', main)):.2f}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
