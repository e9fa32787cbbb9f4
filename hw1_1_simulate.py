"""HW1-1 "Simulate a function": networks of one size but different depths fit 1-D functions.

Four ReLU MLPs with 571 +- 1% parameters (the slides' size): 1 hidden layer of 190 units, 2, 4
and 8 hidden layers, each fitted to sin(5 pi x)/(5 pi x), sgn(sin(5 pi x)) and sin(4 pi x^2)
on 1000 evenly spaced points of [-1, 1] by full-batch Adam (20000 steps, MSE). Each model's
initialization derives from the base seed and its (architecture, function) names. The three
models of one architecture (one per function) train together as batched matmuls; the four
architectures run side by side in two processes. About 50-75 s on 2 CPU cores.

    python hw1_1_simulate.py            # report settings -> figures/hw1_1_simulate_*.png
    python hw1_1_simulate.py --quick    # seconds, figures/quick/
"""

import numpy as np
import torch

from common import plots
from common.cli import (
    MAX_POINTS, MAX_STEPS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers)
from common.data import FUNCTIONS, function_data
from common.models import count_params, mlp, mlp_params, mlp_widths_for_params
from common.results import run_experiment
from common.train import TrainConfig, run_side_by_side, train_together

SCRIPT = "hw1_1_simulate"

# ---------------------------------------------------------------------------- config
TARGET_PARAMS = 571                       # parameters per model, as in the slides (1-190-1)
# name: (hidden layers, Adam learning rate). Widths are solved for TARGET_PARAMS; the rate is
# cosine-decayed to 0 over the run: the best of a one-seed sweep over {3e-4, 1e-3, 3e-3, 1e-2} at
# 20000 steps (lowest geometric-mean final loss over the 3 functions). Adding a model is one line.
ARCHITECTURES = {
    "shallow (1 hidden)": (1, 1e-3),
    "medium (2 hidden)": (2, 1e-2),
    "deep (4 hidden)": (4, 3e-3),
    "deeper (8 hidden)": (8, 1e-2),
}
# A net with one hidden layer is wide (1-190-1): memory-bound, it gains nothing from batching, so
# it trains one function per job; narrow nets train all functions in one batched job.
STEPS = 20000                             # full-batch Adam steps (= epochs)
N_POINTS = 1000                           # training points, evenly spaced on [-1, 1]
N_CURVE = 500                             # loss-curve points kept per model (every STEPS/N_CURVE steps)
N_PLOT = 400                              # points of the saved predictions (for --plot-only)


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--steps", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"Adam steps, 1..{MAX_STEPS} (default {STEPS})")
    parser.add_argument("--points", type=bounded_int(2, MAX_POINTS), default=None,
                        help=f"training points, 2..{MAX_POINTS} (default {N_POINTS})")
    parser.add_argument("--functions", nargs="+", choices=sorted(FUNCTIONS), default=list(FUNCTIONS),
                        help="target functions (default: all)")
    args = parser.parse_args()
    args.steps = args.steps or (300 if args.quick else STEPS)
    args.points = args.points or (200 if args.quick else N_POINTS)
    return args


# ---------------------------------------------------------------------------- train one architecture
def fit_architecture(job):
    """Train one architecture on the job's functions at once (one model per function)."""
    arch, functions, steps, points, seed, device = job
    depth, lr = ARCHITECTURES[arch]
    widths = mlp_widths_for_params(1, depth, 1, TARGET_PARAMS)
    models = []
    for f in functions:   # one init per (architecture, function), from their names: whatever the job grouping
        torch.manual_seed(derive_seed(seed, arch, f))
        models.append(mlp(1, widths, 1).to(device))
    data = [function_data(f, points, device=device) for f in functions]
    x = torch.stack([d[0] for d in data])                         # (F, points, 1)
    y = torch.stack([d[1] for d in data])                         # (F, points, 1)
    cfg = TrainConfig(epochs=steps, lr=lr, batch_size=None, loss="mse",
                      schedule="cosine")
    record_every = max(1, steps // N_CURVE)
    curve = train_together(models, x, y, cfg, desc=arch, record_every=record_every)
    x_plot = torch.linspace(-1, 1, N_PLOT, device=device)[:, None]
    out = []
    with torch.no_grad():
        for i, f in enumerate(functions):
            final_loss = float(torch.nn.functional.mse_loss(models[i](x[i]), y[i]))
            out.append({"function": f, "name": arch, "widths": widths, "params": count_params(models[i]),
                        "lr": lr, "final_loss": final_loss,
                        "curve_steps": list(range(0, record_every * curve.shape[1], record_every)),
                        "loss_curve": [float(f"{v:.5g}") for v in curve[i].tolist()],
                        "prediction": [round(v, 5) for v in models[i](x_plot).squeeze(1).tolist()]})
    return out


def make_jobs(functions, steps, points, seed, device):
    """The fit_architecture jobs, longest first (hidden layers x functions): a wide one-layer net
    gets one job per function, every other architecture one job for all functions."""
    jobs = []
    for arch, (depth, _) in ARCHITECTURES.items():
        groups = [[f] for f in functions] if depth == 1 else [list(functions)]
        jobs += [(arch, group, steps, points, seed, device) for group in groups]
    return sorted(jobs, key=lambda job: -ARCHITECTURES[job[0]][0] * len(job[1]))


def run(args):
    seed_all(args.seed)
    jobs = make_jobs(args.functions, args.steps, args.points, args.seed, args.device_resolved)
    workers = side_by_side_workers(args)
    fitted = [entry for group in run_side_by_side(fit_architecture, jobs, workers) for entry in group]
    x_plot = np.linspace(-1, 1, N_PLOT)
    results = {"x_plot": [round(float(v), 5) for v in x_plot], "functions": {}}
    for f in args.functions:
        truth = FUNCTIONS[f][0](torch.tensor(x_plot, dtype=torch.float64)).tolist()
        models = [dict((k, v) for k, v in e.items() if k != "function") for e in fitted if e["function"] == f]
        models.sort(key=lambda e: list(ARCHITECTURES).index(e["name"]))     # the order of ARCHITECTURES
        results["functions"][f] = {"truth": [round(v, 5) for v in truth], "models": models}
    return results


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    x = results["x_plot"]
    for f, entry in results["functions"].items():
        fig, axes = plots.figure()
        ax = axes[0, 0]
        for i, m in enumerate(entry["models"]):
            ax.plot(m["curve_steps"], m["loss_curve"], color=plots.PALETTE[i],
                    label=f"{m['name']}: {m['params']} params, final {m['final_loss']:.2e}")
        ax.set(yscale="log", xlabel="step (full batch = epoch)", ylabel="training MSE",
               title=f"Training loss, {FUNCTIONS[f][1]}")
        ax.legend()
        plots.save(fig, figures_dir, f"{SCRIPT}_{f}_loss")

        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        ax.plot(x, entry["truth"], color="black", lw=3.0, alpha=0.35, label="ground truth")
        for i, m in enumerate(entry["models"]):
            ax.plot(x, m["prediction"], color=plots.PALETTE[i], lw=1.2, label=m["name"])
        size = entry["models"][0]["params"]
        ax.set(xlabel="x", ylabel="f(x)", title=f"Fits of {FUNCTIONS[f][1]} ({size} params each)")
        ax.legend()
        plots.save(fig, figures_dir, f"{SCRIPT}_{f}_fit")


def main():
    args = parse_args()
    config = {"functions": args.functions, "steps": args.steps, "points": args.points,
              "architectures": {name: {"hidden_layers": depth, "lr": lr}
                                for name, (depth, lr) in ARCHITECTURES.items()},
              "target_params": TARGET_PARAMS, "schedule": "cosine", "seed": args.seed}

    def summarize(results):
        for name, (depth, lr) in ARCHITECTURES.items():
            widths = mlp_widths_for_params(1, depth, 1, TARGET_PARAMS)
            print(f"{name:>20}: 1-{'-'.join(map(str, widths))}-1, {mlp_params(1, widths, 1)} params, lr {lr}")
        for f, entry in results["functions"].items():
            print(f"{f}: " + ", ".join(f"{m['name']} {m['final_loss']:.2e}" for m in entry["models"]))

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
