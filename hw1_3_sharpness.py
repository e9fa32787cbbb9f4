"""HW1-3 bonus: sharpness of models trained differently (Keskar et al. 2017) and why it can
mislead (Dinh et al. 2017, "Sharp Minima Can Generalize For Deep Nets").

The shared training approaches of common/approaches.py (MLP 784-32-10, 25,450 params; batch
sizes 16 .. 8192 at lr 1e-3 and learning rates 3e-4 .. 1e-2 at batch 64, Adam, 3 seeds each, every
model trained to the common criterion: full training loss <= 0.05 or no improvement). For each
model, on the first 10,000 training images (a sixth of the set, for time), in float32 (the loss
rises measured are 1e-4 to 1e-2 of the loss, far above float32's 1e-7 resolution):
  - Keskar et al.'s Metric 2.1 with A = I: phi = 100 (max_{|delta_i| <= eps (|theta_i| + 1)}
    L(theta + delta) - L(theta)) / (1 + L(theta)) for eps = 1e-3 and 5e-4 (the paper) and 1e-4
    (the slides), maximized with 10 L-BFGS-B iterations (the paper's) from the box corner that
    the gradient points to and from 2 random points of the box; the best is kept and the
    corner's own value saved beside it (common.measures.keskar_sharpness);
  - the slides' second-order estimate ||H||_2 eps^2 / (2 (1 + L)) (top eigenvalue by power
    iteration on Hessian-vector products), which assumes grad L = 0: ||grad L|| is saved beside it;
  - Dinh et al.: for the converged batch-64 model of seed s0, layer 1 scaled by a and layer 2's
    weights by 1/a (ReLU is positively homogeneous): the outputs and the loss are unchanged
    (checked), Keskar's value and the top eigenvalue are not.
Models are trained once and cached (results/cache/hw1_3_approaches-*.pt), shared with
hw1_3_interp.py and hw1_3_sensitivity.py. About 3.5 minutes on 2 CPU cores once the models exist.
"""
import copy

import torch

from common import approaches, plots
from common.cli import HW1Error, make_parser, run_main, seed_all, side_by_side_workers
from common.curvature import flat_loss, hvp_operator, power_iteration
from common.data import load_dataset_once
from common.measures import hessian_sharpness, keskar_sharpness
from common.models import count_params, mlp
from common.results import run_experiment, run_jobs

SCRIPT = "hw1_3_sharpness"

# ---------------------------------------------------------------------------- config
SUBSET = 10000                                            # training images for the sharpness measures
EPSILONS = [1e-3, 5e-4, 1e-4]                             # box sizes: Keskar's two, the slides' one
KESKAR_ITERS = 10                                         # L-BFGS-B iterations per start (Keskar et al.)
RANDOM_STARTS = 2                                         # besides the gradient-sign corner
POWER_ITERS = 30                                          # at most; stops at 1e-3 relative change
DTYPE = torch.float32                                     # loss rises of 1e-4..1e-2 relative: float32 resolves
                                                          # them, and is 3x faster than float64 here
DINH_MODEL = ("batch 64", "s0")                           # a converged model of the shared approaches
DINH_SCALES = [0.1, 0.3, 1.0, 3.0, 10.0]
KESKAR_RATIOS = {"0.001": 167, "0.0005": 70}            # Keskar et al. 2017, network F1 on MNIST: large/small batch
QUICK = {"subset": 200, "power_iters": 8, "keskar_iters": 3, "dinh_scales": [0.1, 1.0, 10.0]}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    return parser.parse_args()


# ---------------------------------------------------------------------------- measures of one model
def measure(model, x, y, settings):
    """Sharpness measures of `model` on (x, y), in DTYPE."""
    loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy, dtype=DTYPE)
    value = float(loss(theta))
    probe = theta.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(probe), probe)
    generator = torch.Generator().manual_seed(0)
    top = power_iteration(hvp_operator(loss, theta), theta.numel(), iters=settings["power_iters"], tol=1e-3,
                          generator=generator, dtype=theta.dtype, device=theta.device)[0]
    out = {"subset_loss": value, "subset_grad_norm": float(gradient.norm()), "top_eigenvalue": top,
           "weight_norm": float(theta.norm())}
    for eps in EPSILONS:
        keskar = keskar_sharpness(loss, theta, eps, max_iter=settings["keskar_iters"], random_starts=RANDOM_STARTS)
        out[f"keskar_{eps:g}"] = keskar["sharpness"]
        out[f"corner_{eps:g}"] = keskar["corner"]
        out[f"starts_{eps:g}"] = keskar["starts"]
        out[f"hessian_{eps:g}"] = hessian_sharpness(top, value, eps)
    return out


def dinh_rescaling(model, x, y, scales, settings):
    """Scale layer 1 (weight, bias) by a and layer 2's weight by 1/a: the same function, other
    sharpness. Raises if the outputs change beyond float tolerance."""
    rows = []
    with torch.no_grad():
        reference = model(x)
    for a in scales:
        scaled = copy.deepcopy(model)
        with torch.no_grad():
            scaled[1].weight.mul_(a)
            scaled[1].bias.mul_(a)
            scaled[3].weight.div_(a)
            out = scaled(x)
        change = float((out - reference).abs().max() / reference.abs().max())
        if change > 1e-5:
            raise HW1Error(f"Dinh rescaling by {a} changed the outputs by {change:.1e} (relative)")
        rows.append({"scale": a, "max_output_change": change, **measure(scaled, x, y, settings)})
    return rows


def measure_job(job):
    """Measures of one trained (approach, seed) model; the Dinh rescaling for DINH_MODEL."""
    name, seed_name, record, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["data_subset"])
    x, y = ds.x_train[:shared["subset"]], ds.y_train[:shared["subset"]]
    model = approaches.load_model(record, shared["device"])
    row = {"approach": name, "seed": seed_name, "batch": approaches.APPROACHES[name][0],
           "lr": approaches.APPROACHES[name][1], **approaches.summary(record), **measure(model, x, y, shared)}
    row["generalization_gap"] = row["test_loss"] - row["train_loss"]
    if (name, seed_name) == shared["dinh_model"]:
        row["dinh"] = dinh_rescaling(model, x, y, shared["dinh_scales"], shared)
    return row


def run(args):
    seed_all(args.seed)
    workers = side_by_side_workers(args)
    records = approaches.trained_models(args, list(approaches.APPROACHES), workers)
    quick = args.quick
    shared = {"data_dir": args.data_dir, "device": args.device_resolved,
              "data_subset": approaches.settings(args)["subset"],
              "subset": QUICK["subset"] if quick else SUBSET,
              "power_iters": QUICK["power_iters"] if quick else POWER_ITERS,
              "keskar_iters": QUICK["keskar_iters"] if quick else KESKAR_ITERS,
              "dinh_scales": QUICK["dinh_scales"] if quick else DINH_SCALES,
              "dinh_model": (DINH_MODEL[0], approaches.seeds_of(args)[0])}
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, shared["data_subset"])   # fail fast
    jobs = [(name, s, record, shared) for (name, s), record in records.items()]
    models = run_jobs(args, measure_job, jobs, [f"{n} {s}" for n, s, _, _ in jobs], workers)
    dinh = next(m.pop("dinh") for m in models if "dinh" in m)
    return {"model": "784-32-10", "params": count_params(mlp(784, approaches.WIDTHS, 10)),
            "subset": shared["subset"], "train_examples": len(ds.x_train), "epsilons": EPSILONS,
            "random_starts": RANDOM_STARTS,
            "keskar_iters": shared["keskar_iters"], "batch_series": approaches.BATCH_SERIES,
            "lr_series": approaches.LR_SERIES, "seeds": approaches.seeds_of(args),
            "target_loss": approaches.TARGET_LOSS, "dinh_model": list(shared["dinh_model"]),
            "keskar_paper_ratios": KESKAR_RATIOS,
            "models": models, "dinh": dinh}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    n_seeds = len(results["seeds"])
    seeds = f"{n_seeds} seed{'s' if n_seeds > 1 else ''}"
    eps_h = results["epsilons"][0]
    fig, axes = plots.figure(ncols=2, nrows=2, width=5.6, height=4.4)
    for col, (knob, (_, xlabel)) in enumerate(approaches.SERIES.items()):
        ax = axes[0, col]
        for j, eps in enumerate(results["epsilons"]):
            x, mean, std = plots.per_approach(results["models"], knob, f"keskar_{eps:g}")
            ax.errorbar(x, mean, yerr=std, fmt="o-", color=plots.PALETTE[j], capsize=3, ms=4,
                        label=f"Keskar, ε={eps:g}")
            x, mean, _ = plots.per_approach(results["models"], knob, f"corner_{eps:g}")
            ax.plot(x, mean, "x:", color=plots.PALETTE[j], ms=6, label=f"its corner start, ε={eps:g}")
        ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="Keskar sharpness φ",
               title=f"Keskar et al. 2017, Metric 2.1 (mean ± std, {seeds})")
        ax.legend(fontsize=6, ncol=2)
        ax = axes[1, col]
        x, mean, std = plots.per_approach(results["models"], knob, f"hessian_{eps_h:g}")
        ax.errorbar(x, mean, yerr=std, fmt="s-", color="black", capsize=3, ms=4,
                    label=f"‖H‖₂ε²/(2(1+L)), ε={eps_h:g}")
        ax.set(xscale="log", xlabel=xlabel, ylabel="Hessian estimate", title="Hessian estimate (assumes ∇L = 0)")
        grad_ax = plots.twin_axis(ax, "‖∇L‖₂", color=plots.PALETTE[1])
        x, mean, std = plots.per_approach(results["models"], knob, "subset_grad_norm")
        grad_ax.errorbar(x, mean, yerr=std, fmt="o--", color=plots.PALETTE[1], capsize=3, ms=4,
                         label="‖∇L‖₂ at the same point")
        plots.merged_legend(ax, grad_ax, fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_approach")

    fig, axes = plots.figure(ncols=2, width=4.6, height=3.6)
    ax = axes[0, 0]
    scales = [d["scale"] for d in results["dinh"]]
    for j, eps in enumerate(results["epsilons"]):
        ax.plot(scales, [d[f"keskar_{eps:g}"] for d in results["dinh"]], "o-", color=plots.PALETTE[j],
                label=f"Keskar, ε={eps:g}")
    ax.plot(scales, [d["top_eigenvalue"] for d in results["dinh"]], "s--", color="black",
            label="top Hessian eigenvalue")
    ax.set(xscale="log", yscale="log", xlabel="scale a (layer 1 × a, layer 2 × 1/a)", ylabel="sharpness",
           title=f"Dinh et al.: one function ({' '.join(results['dinh_model'])}), other sharpness")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    plots.scatter_by_approach(ax, results["models"], "keskar_0.001", "generalization_gap")
    ax.set(xscale="log", xlabel="Keskar sharpness φ (ε = 1e-3)", ylabel="test loss − train loss",
           title="Sharpness vs generalization gap (every seed)")
    ax.legend(fontsize=6, ncol=2)
    plots.save(fig, figures_dir, f"{SCRIPT}_dinh_and_gap")


def main():
    args = parse_args()
    config = {"quick": args.quick, "seed": args.seed,
              "approaches": {k: list(v) for k, v in approaches.APPROACHES.items()},
              "training": approaches.settings(args),
              "subset": SUBSET, "epsilons": EPSILONS, "keskar_iters": KESKAR_ITERS, "random_starts": RANDOM_STARTS,
              "power_iters": POWER_ITERS, "dinh": DINH_SCALES, "dinh_model": list(DINH_MODEL), "optimizer": "adam"}

    def summarize(results):
        plots.print_means(results["models"], {
            "steps": ("steps", "8.0f"), "train loss": ("train_loss", ".4f"), "Keskar(1e-3)": ("keskar_0.001", ".4g"),
            "corner": ("corner_0.001", ".4g"), "top eig": ("top_eigenvalue", ".4g"),
            "|grad|": ("subset_grad_norm", ".3g")})
        for d in results["dinh"]:
            print(f"Dinh a={d['scale']:<5g}: max output change {d['max_output_change']:.1e}, "
                  f"Keskar(1e-3) {d['keskar_0.001']:.4g}, top eig {d['top_eigenvalue']:.4g}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
