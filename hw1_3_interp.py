"""HW1-3 "Flatness vs generalization, part 1": the loss along the line between two models trained
differently, over seeds, with a view that does not depend on the weights' scale.

Two pairs of the shared training approaches (common/approaches.py: MLP 784-32-10, Adam, every
model trained to the common criterion, full training loss <= 0.05 or no improvement), each pair
from the same initialization (one per seed, 3 seeds):
  batch: batch 64 vs batch 1024 (lr 1e-3);   lr: lr 1e-3 vs lr 1e-2 (batch 64).
Along theta(alpha) = (1 - alpha) theta_1 + alpha theta_2 for 61 values of alpha in [-1, 2]:
cross-entropy and accuracy on the full training and test sets (mean and min-max band over seeds).
Scale-aware view (Dinh et al. 2017: a wider-looking basin can be a weight-norm artefact; Li et
al. 2018): the same curves against the Euclidean distance from theta_1, with both endpoints'
weight norms, and each endpoint's 1-D training-loss profile along a filter-normalized random
direction (each row of each weight matrix scaled to that row's norm in the endpoint), whose
width is measured in units of the endpoint's own weights. Models are trained once and cached
(results/cache/), shared with hw1_3_sensitivity.py and hw1_3_sharpness.py. About 30 s on 2 CPU
cores once they exist.
"""
import numpy as np
import torch

from common import approaches, plots, stats
from common.cli import derive_seed, make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.measures import filter_normalized_direction
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import evaluate

SCRIPT = "hw1_3_interp"

# ---------------------------------------------------------------------------- config
PAIRS = {"batch": ("batch 64", "batch 1024"), "lr": ("batch 64", "lr 1e-2")}   # name: (theta_1, theta_2)
ALPHAS = np.round(np.linspace(-1.0, 2.0, 61), 10)     # includes 0 and 1 exactly
PROFILE = np.round(np.linspace(-1.0, 1.0, 21), 10)    # steps along a filter-normalized direction
QUICK = {"alphas": np.round(np.linspace(-1.0, 2.0, 7), 10), "profile": np.round(np.linspace(-1.0, 1.0, 5), 10)}


def parse_args():
    return make_parser(__doc__, side_by_side=True).parse_args()


# ---------------------------------------------------------------------------- measures
def theta_of(model):
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach()


def set_theta(model, theta):
    torch.nn.utils.vector_to_parameters(theta, model.parameters())


def interpolation(model, theta_1, theta_2, alphas, ds):
    curves = {k: [] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
    for alpha in alphas:
        set_theta(model, (1 - float(alpha)) * theta_1 + float(alpha) * theta_2)
        for split, x, y in (("train", ds.x_train, ds.y_train), ("test", ds.x_test, ds.y_test)):
            loss, acc = evaluate(model, x, y)
            curves[f"{split}_loss"].append(loss)
            curves[f"{split}_acc"].append(acc)
    return curves


def profile(model, theta, steps, ds, generator):
    """Training loss at theta + t d, d filter-normalized w.r.t. theta (Li et al. 2018), for t in steps."""
    set_theta(model, theta)
    params = {name: p.detach().clone() for name, p in model.named_parameters()}
    direction = torch.cat([d.reshape(-1) for d in filter_normalized_direction(params, generator).values()])
    losses = []
    for t in steps:
        set_theta(model, theta + float(t) * direction)
        losses.append(evaluate(model, ds.x_train, ds.y_train)[0])
    return losses


def run(args):
    seed_all(args.seed)
    device = args.device_resolved
    names = sorted({name for pair in PAIRS.values() for name in pair})
    records = approaches.trained_models(args, names, side_by_side_workers(args))
    ds = load_dataset_once("mnist", args.data_dir, device, approaches.settings(args)["subset"])
    alphas = QUICK["alphas"] if args.quick else ALPHAS
    steps = QUICK["profile"] if args.quick else PROFILE
    model = mlp(784, approaches.WIDTHS, 10).to(device)
    results = {"model": "784-32-10", "params": count_params(model), "train_examples": len(ds.x_train),
               "test_examples": len(ds.x_test), "alphas": alphas.tolist(), "profile_steps": steps.tolist(),
               "seeds": approaches.seeds_of(args), "target_loss": approaches.TARGET_LOSS, "pairs": {}}
    for pair_name, (first, second) in PAIRS.items():
        runs = []
        for seed_name in approaches.seeds_of(args):
            ends = [records[first, seed_name], records[second, seed_name]]
            theta_1, theta_2 = (r["theta"].to(device=device, dtype=torch.float32) for r in ends)
            run = {"seed": seed_name, **interpolation(model, theta_1, theta_2, alphas, ds),
                   "distance": float((theta_2 - theta_1).norm())}
            for label, name, record, theta in (("model_1", first, ends[0], theta_1),
                                               ("model_2", second, ends[1], theta_2)):
                seed = derive_seed(args.seed, "profile", pair_name, label, seed_name)
                losses = profile(model, theta, steps, ds, torch.Generator().manual_seed(seed))
                run[label] = {"approach": name, "batch": approaches.APPROACHES[name][0],
                              "lr": approaches.APPROACHES[name][1], **approaches.summary(record),
                              "weight_norm": float(theta.norm()), "profile": losses}
            runs.append(run)
        results["pairs"][pair_name] = {"model_1": first, "model_2": second, "runs": runs}
    return results


# ---------------------------------------------------------------------------- plot
def band(ax, x, curves, color, label, style="-"):
    """The mean over seeds, with the min-max band (curves: (S, T))."""
    mean, _ = stats.mean_std(curves)
    _, low, high = stats.median_band(curves)
    ax.plot(x, mean, style, color=color, label=label)
    ax.fill_between(x, low, high, color=color, alpha=0.2)


def plot(results, figures_dir):
    alphas = np.array(results["alphas"])
    n_seeds = len(results["seeds"])
    for pair_name, pair in results["pairs"].items():
        runs = pair["runs"]
        fig, axes = plots.figure(ncols=3, width=4.4, height=3.7)
        ax = axes[0, 0]
        band(ax, alphas, [r["train_loss"] for r in runs], plots.PALETTE[0], "train cross-entropy")
        band(ax, alphas, [r["test_loss"] for r in runs], plots.PALETTE[0], "test cross-entropy", "--")
        ax.set(yscale="log", xlabel=r"$\alpha$  ($\theta = (1-\alpha)\,\theta_1 + \alpha\,\theta_2$)",
               ylabel="cross-entropy (log)",
               title=f"{pair['model_1']} → {pair['model_2']} (mean, band: {n_seeds} seed{'s' if n_seeds > 1 else ''})")
        acc_ax = plots.twin_axis(ax, "accuracy", color=plots.PALETTE[1])
        band(acc_ax, alphas, [r["train_acc"] for r in runs], plots.PALETTE[1], "train accuracy")
        band(acc_ax, alphas, [r["test_acc"] for r in runs], plots.PALETTE[1], "test accuracy", "--")
        for alpha in (0, 1):
            ax.axvline(alpha, color="gray", lw=0.8, ls=":")
        plots.merged_legend(ax, acc_ax, fontsize=6, loc="best")

        ax = axes[0, 1]
        for r, color in zip(runs, plots.PALETTE):
            distance = alphas * r["distance"]
            norms = f"‖θ₁‖ {r['model_1']['weight_norm']:.1f}, ‖θ₂‖ {r['model_2']['weight_norm']:.1f}"
            ax.plot(distance, r["train_loss"], color=color, label=f"{r['seed']}: {norms}")
            ax.axvline(r["distance"], color=color, lw=0.8, ls=":")
        ax.axvline(0, color="gray", lw=0.8, ls=":")
        ax.set(yscale="log", xlabel="Euclidean distance from θ₁ along the line", ylabel="train cross-entropy",
               title="Same curves in Euclidean units")
        ax.legend(fontsize=6)

        ax = axes[0, 2]
        steps = np.array(results["profile_steps"])
        for label, color, name in (("model_1", plots.PALETTE[0], pair["model_1"]),
                                   ("model_2", plots.PALETTE[1], pair["model_2"])):
            band(ax, steps, [r[label]["profile"] for r in runs], color, name)
        ax.set(yscale="log", xlabel="t (θ + t·d, d filter-normalized to θ)", ylabel="train cross-entropy",
               title="Each endpoint along a filter-normalized direction")
        ax.legend(fontsize=7)
        plots.save(fig, figures_dir, f"{SCRIPT}_{pair_name}")


def main():
    args = parse_args()
    config = {"quick": args.quick, "seed": args.seed, "pairs": {k: list(v) for k, v in PAIRS.items()},
              "approaches": {k: list(v) for k, v in approaches.APPROACHES.items()},
              "training": approaches.settings(args)}

    def summarize(results):
        for name, pair in results["pairs"].items():
            i0, i1 = results["alphas"].index(0), results["alphas"].index(1)
            worst = [min(r["test_acc"][i0:i1 + 1]) for r in pair["runs"]]
            print(f"{name}: test acc {pair['model_1']} "
                  f"{np.mean([r['model_1']['test_acc'] for r in pair['runs']]):.4f}, {pair['model_2']} "
                  f"{np.mean([r['model_2']['test_acc'] for r in pair['runs']]):.4f}, worst between them "
                  f"{np.mean(worst):.4f} (mean over {len(worst)} seeds)")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
