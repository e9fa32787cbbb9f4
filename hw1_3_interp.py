"""HW1-3 "Flatness vs generalization, part 1": the loss along the line between two models.

Two pairs of one architecture (MLP 784-128-128-10, 118,282 params), each pair from the same
initialization and trained with Adam for 10 epochs on MNIST:
  batch: batch size 64 vs 1024 (lr 1e-3);   lr: learning rate 1e-3 vs 1e-2 (batch 128).
Along theta(alpha) = (1 - alpha) theta_1 + alpha theta_2 for 61 values of alpha in [-1, 2],
cross-entropy and accuracy on the full training and test sets in eval mode (the model has no
BatchNorm, so only parameters are interpolated). About 1-2 minutes on 2 CPU cores.
"""

import numpy as np
import torch

from common import plots
from common.cli import MAX_EPOCHS, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.measures import interpolate
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import TrainConfig, evaluate, run_side_by_side, train

SCRIPT = "hw1_3_interp"

# ---------------------------------------------------------------------------- config
WIDTHS = [128, 128]
EPOCHS = 10
PAIRS = {                      # name: ((batch, lr) of model 1, (batch, lr) of model 2)
    "batch": ((64, 1e-3), (1024, 1e-3)),
    "lr": ((128, 1e-3), (128, 1e-2)),
}
ALPHAS = np.round(np.linspace(-1.0, 2.0, 61), 10)   # includes 0 and 1 exactly
QUICK = {"epochs": 1, "subset": (1000, 500), "alphas": np.round(np.linspace(-1.0, 2.0, 7), 10)}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs per model, 1..{MAX_EPOCHS} (default {EPOCHS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


def train_one(job):
    """Train one model of a pair; returns its state dict and its final full-set metrics."""
    (batch, lr), shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["subset"])
    torch.manual_seed(shared["seed"])                        # both models of a pair start from here
    model = mlp(784, WIDTHS, 10).to(shared["device"])
    cfg = TrainConfig(epochs=shared["epochs"], lr=lr, batch_size=batch, eval_every=shared["epochs"])
    h = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=shared["seed"],
              desc=f"batch {batch}, lr {lr}")
    return {k: v.cpu() for k, v in model.state_dict().items()}, {k: h[k][-1] for k in
                                                                  ("train_loss", "train_acc", "test_loss", "test_acc")}


def run(args):
    seed_all(args.seed)
    device = args.device_resolved
    subset = QUICK["subset"] if args.quick else None
    ds = load_dataset_once("mnist", args.data_dir, device, subset)
    alphas = QUICK["alphas"] if args.quick else ALPHAS
    shared = {"data_dir": args.data_dir, "device": device, "subset": subset, "epochs": args.epochs, "seed": args.seed}
    settings = [s for pair in PAIRS.values() for s in pair]
    workers = side_by_side_workers(args)
    trained = run_side_by_side(train_one, [(s, shared) for s in settings], workers)
    results = {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "params": count_params(mlp(784, WIDTHS, 10)),
               "train_examples": len(ds.x_train), "test_examples": len(ds.x_test), "alphas": alphas.tolist(),
               "pairs": {}}
    for p, (name, pair) in enumerate(PAIRS.items()):
        (state1, end1), (state2, end2) = trained[2 * p], trained[2 * p + 1]
        model = mlp(784, WIDTHS, 10).to(device)
        curves = {k: [] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
        for alpha in alphas:
            model.load_state_dict(interpolate(state1, state2, float(alpha)))
            for split, x, y in (("train", ds.x_train, ds.y_train), ("test", ds.x_test, ds.y_test)):
                loss, acc = evaluate(model, x, y)
                curves[f"{split}_loss"].append(loss)
                curves[f"{split}_acc"].append(acc)
        results["pairs"][name] = {"model_1": {"batch": pair[0][0], "lr": pair[0][1], **end1},
                                  "model_2": {"batch": pair[1][0], "lr": pair[1][1], **end2}, **curves}
    return results


def plot(results, figures_dir):
    alphas = results["alphas"]
    for name, pair in results["pairs"].items():
        m1, m2 = pair["model_1"], pair["model_2"]
        fig, axes = plots.figure(width=6.4, height=4.0)
        ax = axes[0, 0]
        ax.plot(alphas, pair["train_loss"], color=plots.PALETTE[0], label="train cross-entropy")
        ax.plot(alphas, pair["test_loss"], "--", color=plots.PALETTE[0], label="test cross-entropy")
        ax.set(yscale="log", xlabel=r"$\alpha$  ($\theta = (1-\alpha)\,\theta_1 + \alpha\,\theta_2$)",
               ylabel="cross-entropy (log)")
        ax.yaxis.label.set_color(plots.PALETTE[0])
        acc_ax = plots.twin_axis(ax, "accuracy", color=plots.PALETTE[1])
        acc_ax.plot(alphas, pair["train_acc"], color=plots.PALETTE[1], label="train accuracy")
        acc_ax.plot(alphas, pair["test_acc"], "--", color=plots.PALETTE[1], label="test accuracy")
        for alpha in (0, 1):
            ax.axvline(alpha, color="gray", lw=0.8, ls=":")
        ax.set_title(f"θ₁: batch {m1['batch']}, lr {m1['lr']:g}   →   θ₂: batch {m2['batch']}, lr {m2['lr']:g}")
        plots.merged_legend(ax, acc_ax, fontsize=7, loc="best")
        plots.save(fig, figures_dir, f"{SCRIPT}_{name}")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "quick": args.quick, "seed": args.seed, "widths": WIDTHS, "optimizer": "adam",
              "pairs": {k: [list(v) for v in pair] for k, pair in PAIRS.items()}}

    def summarize(results):
        for name, pair in results["pairs"].items():
            segment = pair["test_acc"][results["alphas"].index(0):results["alphas"].index(1) + 1]
            print(f"{name}: test acc model 1 {pair['model_1']['test_acc']:.4f}, "
                  f"model 2 {pair['model_2']['test_acc']:.4f}, worst between them {min(segment):.4f}")

    # 2 threads for the interpolation in this process; the trainings run in 1-thread workers
    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
