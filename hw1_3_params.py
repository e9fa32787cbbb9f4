"""HW1-3 "Number of parameters vs generalization": one architecture, widths over 2+ decades of
parameter count.

Twelve MLPs with two hidden layers of equal width w in {2, 4, 8, 12, 16, 24, 32, 48, 64, 128,
256, 512} (1.6k to 670k parameters) trained on MNIST (or --dataset) with Adam (lr 1e-3, batch
128) for 10 epochs; final loss and accuracy on the full training and test sets in eval mode.
The runs go side by side in two processes. About 3-4 minutes on 2 CPU cores.
"""

import torch

from common import plots
from common.cli import MAX_EPOCHS, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.data import DATASETS, load_dataset_once
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import TrainConfig, run_side_by_side, train

SCRIPT = "hw1_3_params"

# ---------------------------------------------------------------------------- config
WIDTHS = [2, 4, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512]   # both hidden layers
EPOCHS = 10
BATCH = 128
LR = 1e-3                  # Adam, constant
QUICK = {"epochs": 1, "subset": (1000, 500), "widths": [2, 8, 32]}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--dataset", choices=DATASETS, default="mnist", help="task (default mnist)")
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


def train_width(job):
    width, shared = job
    ds = load_dataset_once(shared["dataset"], shared["data_dir"], shared["device"], shared["subset"])
    in_dim = ds.x_train[0].numel()
    torch.manual_seed(shared["seed"])
    model = mlp(in_dim, [width, width], ds.num_classes).to(shared["device"])
    cfg = TrainConfig(epochs=shared["epochs"], lr=LR, batch_size=BATCH, eval_every=shared["epochs"])
    h = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=shared["seed"], desc=f"width {width}")
    return {"width": width, "params": count_params(model), "train_loss": h["train_loss"][-1],
            "train_acc": h["train_acc"][-1], "test_loss": h["test_loss"][-1], "test_acc": h["test_acc"][-1]}


def run(args):
    seed_all(args.seed)
    subset = QUICK["subset"] if args.quick else None
    widths = QUICK["widths"] if args.quick else WIDTHS
    shared = {"dataset": args.dataset, "data_dir": args.data_dir, "device": args.device_resolved,
              "subset": subset, "epochs": args.epochs, "seed": args.seed}
    load_dataset_once(args.dataset, args.data_dir, args.device_resolved, subset)   # fail fast on missing data
    workers = side_by_side_workers(args)
    models = run_side_by_side(train_width, [(w, shared) for w in sorted(widths, reverse=True)], workers)
    return {"dataset": args.dataset, "models": sorted(models, key=lambda m: m["params"])}


def plot(results, figures_dir):
    params = [m["params"] for m in results["models"]]
    for key, label in (("loss", "cross-entropy"), ("acc", "accuracy")):
        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        ax.plot(params, [m[f"train_{key}"] for m in results["models"]], "o-", color=plots.PALETTE[0], label="train")
        ax.plot(params, [m[f"test_{key}"] for m in results["models"]], "s-", color=plots.PALETTE[1], label="test")
        ax.set(xscale="log", yscale="log" if key == "loss" else "linear", xlabel="number of parameters",
               ylabel=label, title=f"{results['dataset']}: MLPs with two hidden layers of width w")
        for m in results["models"]:
            ax.annotate(f"w={m['width']}", (m["params"], m[f"test_{key}"]), fontsize=6, xytext=(2, 4),
                        textcoords="offset points")
        ax.legend()
        plots.save(fig, figures_dir, f"{SCRIPT}_{results['dataset']}_{key}")


def main():
    args = parse_args()
    config = {"dataset": args.dataset, "epochs": args.epochs, "quick": args.quick, "seed": args.seed,
              "widths": WIDTHS, "batch": BATCH, "lr": LR}

    def summarize(results):
        for m in results["models"]:
            print(f"width {m['width']:>4}: {m['params']:>8,} params  train acc {m['train_acc']:.4f}  "
                  f"test acc {m['test_acc']:.4f}  test loss {m['test_loss']:.4f}")

    run_experiment(args, f"{SCRIPT}_{args.dataset}", config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
