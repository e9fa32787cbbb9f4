"""HW1-3 bonus: sharpness of models trained differently (Keskar et al. 2017), split into what it
measures, and why it can mislead (Dinh et al. 2017, "Sharp Minima Can Generalize For Deep Nets").

The shared training approaches of common/approaches.py (MLP 784-32-10; batch sizes at one learning
rate and learning rates at one batch size, Adam, every seed trained to the common criterion). For
each model, on the FULL training set, in float32 (the loss rises measured are 1e-4 to 1e-1 of the
loss, far above float32's resolution; float64 costs 4x):
  - Keskar et al.'s Metric 2.1 with A = I: phi = 100 (max_{|delta_i| <= eps (|theta_i| + 1)}
    L(theta + delta) - L(theta)) / (1 + L(theta)) for eps = 1e-3 and 5e-4 (the paper's), maximized
    with 10 L-BFGS-B iterations (the paper's) from the box corner the gradient points to
    (common.measures.keskar_sharpness; the corner's own value saved beside it);
  - its first-order part, 100 eps sum_i |g_i| (|theta_i| + 1) / (1 + L): the maximum of the
    linearized loss over the same box (Keskar et al. 2017, Metric 2.1 with L linearized;
    common.sharpness.first_order_sharpness); phi minus it is the curvature's (second and higher
    order) part;
  - curvature alone: the top (and bottom) Hessian eigenvalue by Lanczos on Hessian-vector products
    (common.curvature.lanczos) and the Hessian trace by Hutchinson's estimator with Rademacher
    probes, with its standard error (common.sharpness.hutchinson_trace); the slides' estimate
    ||H||_2 eps^2 / (2 (1 + L)), which assumes grad L = 0;
  - an adaptive, reparametrization-invariant sharpness (Kwon et al. 2021, ASAM; Andriushchenko et
    al. 2023, worst-case adaptive l2 sharpness with c = |theta|): the largest loss rise within
    ||delta / |theta| ||_2 <= rho, by 10 projected gradient-ascent steps, with its first-order value
    (common.sharpness.adaptive_sharpness), reported like phi (x 100 / (1 + L));
  - Dinh et al.: for the batch-64 model of the first seed, layer 1 scaled by a and layer 2's
    weights by 1/a (ReLU is positively homogeneous): the outputs and the loss are unchanged
    (checked), phi and the top eigenvalue move (both up and down), the adaptive sharpness must not.
Models are trained once and cached (results/cache/hw1_3_approaches-*.pt), shared with
hw1_3_interp.py and hw1_3_sensitivity.py. Keskar's own protocol (his network F1, batch 256 against
6,000) is replicated in hw1_3_keskar.py.
Cost once the models exist (AMD kind, measured): 700-720 s of CPU in all, about 12 s of one core per
model and 15-24 s per rescaled model, so about 6 minutes on 2 free cores (the jobs side by side);
9.6 minutes of wall time with other runs loading the machine (load average 2-6), 22 minutes at 6-12.
"""
import time

import torch

from common import approaches, plots
from common.cli import HW1Error, make_parser, run_main, seed_all, side_by_side_workers
from common.curvature import flat_loss, hvp_operator, lanczos
from common.data import load_dataset_once
from common.measures import hessian_sharpness, keskar_sharpness
from common.models import count_params
from common.results import run_experiment, run_jobs
from common.sharpness import adaptive_sharpness, dinh_rescaled, first_order_sharpness, hutchinson_trace

SCRIPT = "hw1_3_sharpness"

# ---------------------------------------------------------------------------- config
EPSILONS = [1e-3, 5e-4]                                   # Keskar et al.'s two box sizes
KESKAR_ITERS = 10                                         # L-BFGS-B iterations (Keskar et al.)
RANDOM_STARTS = 0                                         # besides the sign-gradient corner (none: see the report)
LANCZOS_STEPS = 15                                        # top eigenvalue; converged to 1e-5 at 10 steps here
TRACE_PROBES = 10                                         # Hutchinson's Rademacher probes
ADAPTIVE_RHO = 0.5                                        # adaptive ball ||delta / |theta| ||_2 <= rho
ADAPTIVE_STEPS = 10                                       # projected gradient-ascent steps
ADAPTIVE_LATER_STEP = 2.0                                 # steps after the first: this x rho, then projected
DTYPE = torch.float32                                     # loss rises of 1e-4..1e-1 relative: float32 resolves
                                                          # them, and is 4x faster than float64 here
DINH_APPROACH = "batch 64"                                # its first seed's model is rescaled
DINH_SCALES = [0.1, 0.3, 1.0, 3.0, 10.0]
DINH_TOLERANCE = 1e-5                                     # largest relative output change accepted
QUICK = {"lanczos_steps": 6, "trace_probes": 3, "keskar_iters": 3, "adaptive_steps": 3,
         "dinh_scales": [0.1, 1.0, 10.0]}
DEFAULTS = {"lanczos_steps": LANCZOS_STEPS, "trace_probes": TRACE_PROBES, "keskar_iters": KESKAR_ITERS,
            "adaptive_steps": ADAPTIVE_STEPS, "dinh_scales": DINH_SCALES}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    return parser.parse_args()


# ---------------------------------------------------------------------------- measures of one model
def measure(model, x, y, settings):
    """Sharpness measures of `model` on (x, y), in DTYPE (settings: DEFAULTS' keys, any missing
    taken from DEFAULTS)."""
    settings = {**DEFAULTS, **settings}
    loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy, dtype=DTYPE)
    probe = theta.clone().requires_grad_(True)
    value = loss(probe)
    (gradient,) = torch.autograd.grad(value, probe)
    value = float(value.detach())
    generator = torch.Generator().manual_seed(0)
    matvec = hvp_operator(loss, theta)
    ritz = lanczos(matvec, theta.numel(), steps=settings["lanczos_steps"], generator=generator, dtype=theta.dtype,
                   device=theta.device)
    trace = hutchinson_trace(matvec, theta.numel(), settings["trace_probes"], generator, dtype=theta.dtype,
                             device=theta.device)
    adaptive = adaptive_sharpness(loss, theta, ADAPTIVE_RHO, steps=settings["adaptive_steps"],
                                  later_step=ADAPTIVE_LATER_STEP)
    out = {"loss": value, "grad_norm_measured": float(gradient.norm()), "weight_norm": float(theta.norm()),
           "top_eigenvalue": float(ritz[-1]), "bottom_eigenvalue": float(ritz[0]),
           "trace": trace["trace"], "trace_se": trace["standard_error"],
           "adaptive": adaptive["sharpness"], "adaptive_first_step": adaptive["first_step"],
           "adaptive_first_order": adaptive["first_order"]}
    for eps in EPSILONS:
        keskar = keskar_sharpness(loss, theta, eps, max_iter=settings["keskar_iters"], random_starts=RANDOM_STARTS)
        out[f"keskar_{eps:g}"] = keskar["sharpness"]
        out[f"corner_{eps:g}"] = keskar["corner"]
        out[f"first_order_{eps:g}"] = first_order_sharpness(gradient, theta, value, eps)
        out[f"hessian_{eps:g}"] = hessian_sharpness(out["top_eigenvalue"], value, eps)
    return out


def dinh_rescaling(model, x, y, scales, settings):
    """Dinh et al.'s rescaling (common.sharpness.dinh_rescaled) of `model` by every a in `scales`:
    the same function, measured again. Raises if the outputs change beyond float tolerance."""
    rows = []
    with torch.no_grad():
        reference = model(x)
    for a in scales:
        scaled = dinh_rescaled(model, a)
        with torch.no_grad():
            change = float((scaled(x) - reference).abs().max() / reference.abs().max())
        if change > DINH_TOLERANCE:
            raise HW1Error(f"Dinh rescaling by {a} changed the outputs by {change:.1e} (relative)")
        rows.append({"scale": a, "max_output_change": change, **measure(scaled, x, y, settings)})
    return rows


def measure_job(job):
    """One job: ("model", approach, seed, record, shared) measures one trained model; ("dinh", scale,
    seed, record, shared) the Dinh rescaling of the DINH_APPROACH model by one scale. Returns (row,
    {"wall", "cpu"}: its seconds)."""
    kind, name, seed_name, record, shared = job
    start, cpu_start = time.perf_counter(), time.process_time()
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["data_subset"])
    model = approaches.load_model(record, shared["device"])
    if kind == "dinh":
        row = dinh_rescaling(model, ds.x_train, ds.y_train, [name], shared)[0]
    else:
        row = {"approach": name, "seed": seed_name, "batch": approaches.APPROACHES[name][0],
               "lr": approaches.APPROACHES[name][1], **approaches.summary(record),
               **measure(model, ds.x_train, ds.y_train, shared)}
        row["generalization_gap"] = row["test_loss"] - row["train_loss"]
    return [row, {"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu_start}]



def run(args):
    seed_all(args.seed)
    workers = side_by_side_workers(args)
    records = approaches.trained_models(args, list(approaches.APPROACHES), workers)
    chosen = QUICK if args.quick else DEFAULTS
    shared = {"data_dir": args.data_dir, "device": args.device_resolved,
              "data_subset": approaches.data_subset(approaches.settings(args)), **chosen}
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, shared["data_subset"])   # fail fast
    dinh_seed = approaches.seeds_of(args)[0]
    dinh_jobs = [("dinh", a, dinh_seed, records[(DINH_APPROACH, dinh_seed)], shared)
                 for a in shared["dinh_scales"] if a != 1.0]
    model_jobs = [("model", name, s, record, shared) for (name, s), record in records.items()]
    jobs = dinh_jobs + model_jobs
    names = [f"dinh a={a:g}" for _, a, _, _, _ in dinh_jobs] + [f"{n} {s}" for _, n, s, _, _ in model_jobs]
    done = run_jobs(args, measure_job, jobs, names, workers)
    timing = {name: t for name, (_, t) in zip(names, done)}
    dinh, models = [row for row, _ in done[:len(dinh_jobs)]], [row for row, _ in done[len(dinh_jobs):]]
    original = next(m for m in models if (m["approach"], m["seed"]) == (DINH_APPROACH, dinh_seed))
    dinh.append({"scale": 1.0, "max_output_change": 0.0,                        # a = 1: the model's own row
                 **{k: original[k] for k in dinh[0] if k not in ("scale", "max_output_change")}})
    dinh.sort(key=lambda d: d["scale"])
    network = approaches.load_model(records[(DINH_APPROACH, dinh_seed)])
    linears = [m for m in network.modules() if isinstance(m, torch.nn.Linear)]
    return {"model": "-".join(str(n) for n in [linears[0].in_features] + [m.out_features for m in linears]),
            "params": count_params(network),
            "train_examples": len(ds.x_train), "epsilons": EPSILONS, "random_starts": RANDOM_STARTS,
            "keskar_iters": shared["keskar_iters"], "lanczos_steps": shared["lanczos_steps"],
            "trace_probes": shared["trace_probes"], "adaptive_rho": ADAPTIVE_RHO,
            "adaptive_steps": shared["adaptive_steps"], "adaptive_later_step": ADAPTIVE_LATER_STEP,
            "batch_series": approaches.SERIES["batch"][0], "lr_series": approaches.SERIES["lr"][0],
            "seeds": approaches.seeds_of(args), "dinh_model": [DINH_APPROACH, dinh_seed],
            "models": models, "dinh": dinh, "seconds": timing}             # per job: wall and cpu seconds


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    import matplotlib.ticker
    n_seeds = len(results["seeds"])
    seeds = f"{n_seeds} seed{'s' if n_seeds > 1 else ''}"
    models = [{**row, **{f"curvature_part_{eps:g}": row[f"keskar_{eps:g}"] - row[f"first_order_{eps:g}"]
                         for eps in results["epsilons"]}} for row in results["models"]]   # phi - its first-order part
    fig, axes = plots.figure(ncols=2, nrows=3, width=5.6, height=4.2)
    for col, (knob, (_, xlabel)) in enumerate(approaches.SERIES.items()):
        ax = axes[0, col]
        for j, eps in enumerate(results["epsilons"]):
            for key, style, label in ((f"keskar_{eps:g}", "o-", "φ"),
                                      (f"first_order_{eps:g}", "v--", "first-order part"),
                                      (f"curvature_part_{eps:g}", "s:", "φ − first-order part")):
                x, mean, std = plots.per_approach(models, knob, key)
                ax.errorbar(x, mean, yerr=std, fmt=style, color=plots.PALETTE[j], capsize=3, ms=4,
                            label=f"{label}, ε={eps:g}")
        ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="Keskar sharpness φ and its parts",
               title=f"Keskar et al. 2017, Metric 2.1, full training set (mean ± std, {seeds})")
        ax.legend(fontsize=6, ncol=2)
        ax = axes[1, col]
        x, mean, std = plots.per_approach(models, knob, "top_eigenvalue")
        ax.errorbar(x, mean, yerr=std, fmt="s-", color="black", capsize=3, ms=4, label="top eigenvalue λ_max")
        ax.set(xscale="log", xlabel=xlabel, ylabel="λ_max", title="Curvature alone: λ_max (Lanczos), tr H (Hutchinson)")
        trace_ax = plots.twin_axis(ax, "tr H", color=plots.PALETTE[1])
        x, mean, std = plots.per_approach(models, knob, "trace")
        trace_ax.errorbar(x, mean, yerr=std, fmt="o--", color=plots.PALETTE[1], capsize=3, ms=4,
                          label="Hessian trace (Hutchinson)")
        plots.merged_legend(ax, trace_ax, fontsize=7)
        ax = axes[2, col]
        for key, style, color, label in (("adaptive", "o-", plots.PALETTE[2], "adaptive sharpness"),
                                         ("adaptive_first_order", "v--", plots.PALETTE[3], "its first-order value")):
            x, mean, std = plots.per_approach(models, knob, key)
            ax.errorbar(x, mean, yerr=std, fmt=style, color=color, capsize=3, ms=4, label=label)
        ax.set(xscale="log", xlabel=xlabel, ylabel="100 ΔL / (1 + L)",
               title=f"Adaptive sharpness, ‖δ/|θ|‖₂ ≤ {results['adaptive_rho']:g} (Kwon 2021; Andriushchenko 2023)")
        grad_ax = plots.twin_axis(ax, "‖∇L‖₂ (full set)", color=plots.PALETTE[1])
        x, mean, std = plots.per_approach(models, knob, "grad_norm_measured")
        grad_ax.errorbar(x, mean, yerr=std, fmt="x:", color=plots.PALETTE[1], capsize=3, ms=5, label="‖∇L‖₂")
        plots.merged_legend(ax, grad_ax, fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_approach")

    fig, axes = plots.figure(ncols=3, width=4.6, height=3.6)
    ax = axes[0, 0]
    dinh = results["dinh"]
    scales = [d["scale"] for d in dinh]
    for j, eps in enumerate(results["epsilons"]):
        ax.plot(scales, [d[f"keskar_{eps:g}"] for d in dinh], "o-", color=plots.PALETTE[j],
                label=f"Keskar φ, ε={eps:g}")
    ax.plot(scales, [d["top_eigenvalue"] for d in dinh], "s--", color="black", label="top Hessian eigenvalue")
    ax.plot(scales, [d["trace"] for d in dinh], "^:", color=plots.PALETTE[4], label="Hessian trace")
    ax.plot(scales, [d["adaptive"] for d in dinh], "D-", color=plots.PALETTE[2],
            label=f"adaptive sharpness, ρ={results['adaptive_rho']:g}")
    ax.set(xscale="log", yscale="log", xlabel="scale a (layer 1 × a, layer 2 × 1/a)", ylabel="sharpness",
           title=f"Dinh et al.: one function ({' '.join(results['dinh_model'])}), other sharpness")
    ax.legend(fontsize=7)
    for ax, key, label in ((axes[0, 1], f"keskar_{results['epsilons'][0]:g}",
                            f"Keskar sharpness φ (ε = {results['epsilons'][0]:g})"),
                           (axes[0, 2], "adaptive", f"adaptive sharpness (ρ = {results['adaptive_rho']:g})")):
        plots.scatter_by_approach(ax, models, key, "generalization_gap")
        ax.set(xscale="log", xlabel=label, ylabel="test loss − train loss",
               title="Sharpness vs generalization gap (every seed)")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.legend(fontsize=6, ncol=2)
    plots.save(fig, figures_dir, f"{SCRIPT}_dinh_and_gap")


def main():
    args = parse_args()
    config = {"quick": args.quick, "seed": args.seed,
              "approaches": {k: list(v) for k, v in approaches.APPROACHES.items()},
              "training": approaches.settings(args), "full_training_set": True,
              "epsilons": EPSILONS, "keskar_iters": KESKAR_ITERS, "random_starts": RANDOM_STARTS,
              "lanczos_steps": LANCZOS_STEPS, "trace_probes": TRACE_PROBES, "adaptive_rho": ADAPTIVE_RHO,
              "adaptive_steps": ADAPTIVE_STEPS, "adaptive_later_step": ADAPTIVE_LATER_STEP,
              "dtype": str(DTYPE), "dinh": DINH_SCALES, "dinh_approach": DINH_APPROACH, "optimizer": "adam"}

    def summarize(results):
        eps = results["epsilons"][0]
        plots.print_means(results["models"], {
            "train loss": ("train_loss", ".4f"), f"φ({eps:g})": (f"keskar_{eps:g}", ".4g"),
            "1st order": (f"first_order_{eps:g}", ".4g"), "λ_max": ("top_eigenvalue", ".4g"),
            "tr H": ("trace", ".4g"), "adaptive": ("adaptive", ".4g"), "|grad|": ("grad_norm_measured", ".3g")})
        for d in results["dinh"]:
            print(f"Dinh a={d['scale']:<5g}: max output change {d['max_output_change']:.1e}, φ({eps:g}) "
                  f"{d[f'keskar_{eps:g}']:.4g}, λ_max {d['top_eigenvalue']:.4g}, adaptive {d['adaptive']:.6g}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
