"""HW1-1 "Train on an actual task": shallow vs deep CNNs and DNNs of one parameter count, over seeds.

Three DNNs (1, 2 and 4 hidden ReLU layers) and three CNNs (1, 2 and 4 conv layers), all with
the parameter count of the shallow DNN 784-32-10 (25,450 on MNIST; +-1%), trained with Adam
(lr 1e-3, batch 128) for 10 epochs on MNIST (or --dataset fashion-mnist / cifar10), 3 seeds
each. Loss and accuracy on the full training and test sets after every epoch.

The CNN family varies depth only: every conv layer is 3x3 with CNN_CHANNELS channels, two 2x2
max-pools follow the first conv layer, so every later conv layer works on, and every CNN's head
sees, the same 7x7 map (on 28x28 images); every head has the same shape, flatten -> dense -> 10,
its dense width solved for the budget (deeper nets spend a little more on convs and get a
slightly narrower dense layer). Training metrics per epoch are measured on a fixed subset of
EVAL_SUBSET training images (the full test set every epoch); the final numbers on the full sets.
Each run's seed derives from the base seed and the (dataset, model, seed name) names. The runs
go side by side in two single-thread processes (bench/bench_mnist.py: for the CNNs, seeds
trained one after another beat torch.func.vmap over the seeds on this CPU). About 4 minutes
per dataset on 2 CPU cores.

    python hw1_1_mnist.py                            # MNIST -> figures/hw1_1_mnist_mnist_*.png
    python hw1_1_mnist.py --dataset fashion-mnist    # the second task
    python hw1_1_mnist.py --quick                    # seconds, figures/quick/
"""

import numpy as np
import torch

from common import plots, stats
from common.cli import (
    MAX_BATCH, MAX_EPOCHS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers)
from common.data import DATASETS, load_dataset_once
from common.models import count_params, depth_family_cnn, mlp, mlp_params, mlp_widths_for_params
from common.results import run_experiment, run_jobs
from common.train import TrainConfig, train

SCRIPT = "hw1_1_mnist"

# ---------------------------------------------------------------------------- config
SHALLOW_DNN_WIDTH = 32          # the reference model in->32->10 sets the parameter budget of all six
DNNS = {"DNN shallow (1 hidden)": 1, "DNN medium (2 hidden)": 2, "DNN deep (4 hidden)": 4}   # name: hidden layers
CNNS = {"CNN shallow (1 conv)": 1, "CNN medium (2 conv)": 2, "CNN deep (4 conv)": 4}         # name: conv layers
CNN_CHANNELS = 8                # channels of every conv layer (3x3, ReLU)
SEEDS = 3                       # seeds per (model, dataset): "seed-0", "seed-1", ...
EPOCHS = 10                     # passes over the training images
EVAL_SUBSET = 10_000            # training images behind the per-epoch training curves (the first ones)
BATCH_SIZE = 128                # examples per Adam step
LR = 1e-3                       # Adam learning rate, constant
QUICK = {"epochs": 2, "n_train": 1000, "n_test": 500, "seeds": 2, "eval_subset": 400}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--dataset", choices=DATASETS, default="mnist", help="task (default mnist)")
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--batch-size", type=bounded_int(1, MAX_BATCH), default=BATCH_SIZE,
                        help=f"batch size, 1..{MAX_BATCH} (default {BATCH_SIZE})")
    parser.add_argument("--seeds", type=bounded_int(1, 100), default=None,
                        help=f"seeds per model, 1..100 (default {SEEDS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    args.seeds = args.seeds or (QUICK["seeds"] if args.quick else SEEDS)
    return args


# ---------------------------------------------------------------------------- models
def build_model(name, in_shape, num_classes):
    """The named model, sized to the shallow DNN's parameter count; (model, layers as text)."""
    in_dim = in_shape[0] * in_shape[1] * in_shape[2]
    target = mlp_params(in_dim, [SHALLOW_DNN_WIDTH], num_classes)
    if name in DNNS:
        widths = mlp_widths_for_params(in_dim, DNNS[name], num_classes, target)
        return mlp(in_dim, widths, num_classes), f"{in_dim}-{'-'.join(map(str, widths))}-{num_classes}"
    model = depth_family_cnn(in_shape, CNNS[name], CNN_CHANNELS, num_classes, target)
    c, h, w = model.feature_shape
    convs = "-".join([str(CNN_CHANNELS)] * CNNS[name])
    return model, f"conv {convs}, {c}x{h}x{w} -> dense {model.head[1].out_features}"


# ---------------------------------------------------------------------------- train one (model, seed)
def train_model(job):
    name, seed_name, args = job
    ds = load_dataset_once(args["dataset"], args["data_dir"], args["device"], args["subset"])
    seed = derive_seed(args["seed"], args["dataset"], name, seed_name)   # from names: other runs do not matter
    torch.manual_seed(seed)
    model, layers = build_model(name, ds.input_shape, ds.num_classes)
    model.to(args["device"])
    cfg = TrainConfig(epochs=args["epochs"], lr=LR, batch_size=args["batch_size"],
                      eval_train_subset=args["eval_subset"])
    history = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=seed,
                    desc=f"{name}, {seed_name}")
    dense = model.head[1].out_features if name in CNNS else None
    return {"name": name, "seed_name": seed_name, "seed": seed, "layers": layers, "params": count_params(model),
            "feature_shape": list(getattr(model, "feature_shape", [])), "dense_width": dense, "history": history}


def run(args):
    seed_all(args.seed)
    names = list(CNNS) + list(DNNS)
    seed_names = [f"seed-{k}" for k in range(args.seeds)]
    subset = (QUICK["n_train"], QUICK["n_test"]) if args.quick else None
    shared = {"dataset": args.dataset, "data_dir": args.data_dir, "device": args.device_resolved,
              "subset": subset, "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size,
              "eval_subset": QUICK["eval_subset"] if args.quick else EVAL_SUBSET}
    load_dataset_once(args.dataset, args.data_dir, args.device_resolved, subset)   # fail fast on missing data
    # longest first: CNNs before DNNs, deeper before shallower (convolutions cost the most)
    cost = {**{n: 10 + d for n, d in CNNS.items()}, **DNNS}
    jobs = sorted(((name, s, shared) for name in names for s in seed_names), key=lambda job: -cost[job[0]])
    runs = run_jobs(args, train_model, jobs, [f"{name} {s}" for name, s, _ in jobs], side_by_side_workers(args))
    models = []
    for name in names:
        mine = sorted((r for r in runs if r["name"] == name), key=lambda r: seed_names.index(r["seed_name"]))
        final = {key: stats.summary([r["history"]["final"][key] for r in mine])     # full sets, at the end
                 for key in ("train_loss", "train_acc", "test_loss", "test_acc")}
        models.append({"name": name, "family": "CNN" if name in CNNS else "DNN",
                       "depth": CNNS.get(name, DNNS.get(name)), "layers": mine[0]["layers"],
                       "params": mine[0]["params"], "feature_shape": mine[0]["feature_shape"],
                       "dense_width": mine[0]["dense_width"], "final": final,
                       "runs": [{k: r[k] for k in ("seed_name", "seed", "history")} for r in mine]})
    ds = load_dataset_once(args.dataset, args.data_dir, args.device_resolved, subset)
    return {"dataset": args.dataset, "seed_names": seed_names,
            "eval_subset": min(shared["eval_subset"], len(ds.x_train)), "eval_subset_is": "the first training images",
            "train_examples": len(ds.x_train),
            "test_examples": len(ds.x_test), "num_classes": ds.num_classes, "kernel": "3x3", "models": models}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    dataset = results["dataset"]
    n_seeds = len(results["seed_names"])
    for key, label in (("train_loss", "training loss (cross-entropy)"), ("train_acc", "training accuracy")):
        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        for family, style in (("CNN", "-"), ("DNN", "--")):
            members = [m for m in results["models"] if m["family"] == family]
            for i, m in enumerate(members):
                curves = np.array([r["history"][key] for r in m["runs"]])
                mean, _ = stats.mean_std(curves)
                _, low, high = stats.median_band(curves)
                epochs = m["runs"][0]["history"]["epoch"]
                color = plots.PALETTE[(i + (0 if family == "CNN" else 3)) % len(plots.PALETTE)]
                ax.plot(epochs, mean, style, marker="o", ms=3, color=color,
                        label=f"{m['name']}, {m['params']:,} params")
                ax.fill_between(epochs, low, high, color=color, alpha=0.18, lw=0)
        if key == "train_loss":
            ax.set_yscale("log")
        else:
            lows = [min(min(r["history"][key][1:] or r["history"][key]) for r in m["runs"]) for m in results["models"]]
            ax.set_ylim(max(0.0, min(lows) - 0.02), 1.0)
        ax.set(xlabel="epoch (0 = initialization)", ylabel=f"{label}, {results['eval_subset']:,} training images",
               title=f"{dataset}: {label}, mean of {n_seeds} seeds, band min-max")
        ax.legend(ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))   # below: curves stay visible
        plots.save(fig, figures_dir, f"{SCRIPT}_{dataset}_{key.split('_')[1]}")


def main():
    args = parse_args()
    config = {"dataset": args.dataset, "epochs": args.epochs, "batch_size": args.batch_size, "lr": LR,
              "optimizer": "adam", "schedule": "constant", "dnns": DNNS, "cnns": CNNS, "cnn_channels": CNN_CHANNELS,
              "cnn_pools": "two 2x2 max-pools after the first conv layer", "eval_subset": EVAL_SUBSET,
              "shallow_dnn_width": SHALLOW_DNN_WIDTH,
              "seeds": args.seeds, "quick": args.quick, "seed": args.seed}

    def summarize(results):
        for m in results["models"]:
            f = m["final"]
            print(f"{m['name']:>24}: {m['layers']:<34} {m['params']:>7,} params  "
                  f"train acc {f['train_acc']['mean']:.4f} ± {f['train_acc']['std']:.4f}  "
                  f"test acc {f['test_acc']['mean']:.4f} ± {f['test_acc']['std']:.4f}")

    run_experiment(args, f"{SCRIPT}_{args.dataset}", config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
