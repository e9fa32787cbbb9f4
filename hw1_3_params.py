"""HW1-3 "Number of parameters vs generalization": one architecture, widths over 2+ decades of
parameter count.

Twelve MLPs with two hidden layers of equal width w in {2, 4, 8, 12, 16, 24, 32, 48, 64, 128,
256, 512} (1.6k to 670k parameters) trained on MNIST (or --dataset) with Adam (lr 1e-3, batch
128) for 10 epochs, 3 seeds per width; final loss and accuracy on the full training and test sets
in eval mode, mean ± std over the seeds. The 36 runs go side by side in two processes (the
widest first). About 2 minutes on 2 CPU cores.
"""

import torch

from common import plots, stats

from common.cli import MAX_EPOCHS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers
from common.data import DATASETS, load_dataset_once
from common.models import count_params, mlp
from common.results import run_experiment, run_jobs
from common.train import TrainConfig, train

SCRIPT = "hw1_3_params"

# ---------------------------------------------------------------------------- config
WIDTHS = [2, 4, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512]   # both hidden layers
EPOCHS = 10
BATCH = 128
LR = 1e-3                  # Adam, constant
SEEDS = ["s0", "s1", "s2"]  # per width; the seed of a run comes from (width, seed name)
QUICK = {"epochs": 1, "subset": (1000, 500), "widths": [2, 8, 32], "seeds": ["s0"]}
METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--dataset", choices=DATASETS, default="mnist", help="task (default mnist)")
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


def train_width(job):
    width, seed_name, shared = job
    ds = load_dataset_once(shared["dataset"], shared["data_dir"], shared["device"], shared["subset"])
    in_dim = ds.x_train[0].numel()
    seed = derive_seed(shared["seed"], "width", width, seed_name)
    torch.manual_seed(seed)
    model = mlp(in_dim, [width, width], ds.num_classes).to(shared["device"])
    cfg = TrainConfig(epochs=shared["epochs"], lr=LR, batch_size=BATCH, eval_every=shared["epochs"])
    h = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=seed,
              desc=f"width {width}, {seed_name}")
    return {"width": width, "seed": seed_name, "params": count_params(model), **{k: h[k][-1] for k in METRICS}}


def run(args):
    seed_all(args.seed)
    subset = QUICK["subset"] if args.quick else None
    widths = QUICK["widths"] if args.quick else WIDTHS
    shared = {"dataset": args.dataset, "data_dir": args.data_dir, "device": args.device_resolved,
              "subset": subset, "epochs": args.epochs, "seed": args.seed}
    load_dataset_once(args.dataset, args.data_dir, args.device_resolved, subset)   # fail fast on missing data
    workers = side_by_side_workers(args)
    seeds = QUICK["seeds"] if args.quick else SEEDS
    jobs = [(w, s, shared) for w in sorted(widths, reverse=True) for s in seeds]
    runs = run_jobs(args, train_width, jobs, [f"width {w} {s}" for w, s, _ in jobs], workers)
    models = []
    for width in sorted(widths):
        mine = [r for r in runs if r["width"] == width]
        model = {"width": width, "params": mine[0]["params"], "runs": mine}
        for key in METRICS:              # mean over seeds, and the spread
            spread = stats.summary([r[key] for r in mine])
            model[key] = spread["mean"]
            model.update({f"{key}_{part}": spread[part] for part in ("std", "min", "max")})
        models.append(model)
    return {"dataset": args.dataset, "seeds": seeds, "models": models}


def plot(results, figures_dir):
    params = [m["params"] for m in results["models"]]
    for key, label in (("loss", "cross-entropy"), ("acc", "accuracy")):
        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        for split, style, color in (("train", "o-", plots.PALETTE[0]), ("test", "s-", plots.PALETTE[1])):
            ax.errorbar(params, [m[f"{split}_{key}"] for m in results["models"]],
                        yerr=[m[f"{split}_{key}_std"] for m in results["models"]], fmt=style, color=color, capsize=3,
                        ms=4, label=f"{split} (mean ± std, {len(results['seeds'])} seeds)")
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
              "widths": WIDTHS, "batch": BATCH, "lr": LR, "seeds": SEEDS}

    def summarize(results):
        for m in results["models"]:
            print(f"width {m['width']:>4}: {m['params']:>8,} params  train acc {m['train_acc']:.4f}  "
                  f"test acc {m['test_acc']:.4f}  test loss {m['test_loss']:.4f}")

    run_experiment(args, f"{SCRIPT}_{args.dataset}", config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
