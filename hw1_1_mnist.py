"""HW1-1 "Train on an actual task": shallow vs deep CNNs and DNNs of one parameter count.

Three DNNs (1, 2 and 4 hidden ReLU layers) and three CNNs (1, 2 and 4 conv layers), all with
the parameter count of the shallow DNN 784-32-10 (25,450 on MNIST; +-1%), trained with Adam
(lr 1e-3, batch 128) for 10 epochs on MNIST (or --dataset fashion-mnist / cifar10). Loss and
accuracy on the full training and test sets after every epoch. The six runs go side by side
in two single-thread processes. About 4-6 minutes per dataset on 2 CPU cores.

    python hw1_1_mnist.py                            # MNIST -> figures/hw1_1_mnist_mnist_*.png
    python hw1_1_mnist.py --dataset fashion-mnist    # the second task
    python hw1_1_mnist.py --quick                    # seconds, figures/quick/
"""

import torch

from common import plots
from common.cli import (
    MAX_BATCH, MAX_EPOCHS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers)
from common.data import DATASETS, load_dataset_once
from common.models import cnn_for_params, count_params, mlp, mlp_params, mlp_widths_for_params
from common.results import run_experiment
from common.train import TrainConfig, run_side_by_side, train

SCRIPT = "hw1_1_mnist"

# ---------------------------------------------------------------------------- config
SHALLOW_DNN_WIDTH = 32          # the reference model in->32->10 sets the parameter budget of all six
DNNS = {"DNN shallow (1 hidden)": 1, "DNN medium (2 hidden)": 2, "DNN deep (4 hidden)": 4}
CNNS = {                        # conv channels (3x3, ReLU; the last count is tuned to the budget) and
                                # how many of them are followed by 2x2 max-pool
    "CNN shallow (1 conv)": ([8], 1),
    "CNN medium (2 conv)": ([8, 16], 2),
    "CNN deep (4 conv)": ([8, 16, 16, 32], 3),
}
EPOCHS = 10                     # passes over the 60k training images
BATCH_SIZE = 128                # examples per Adam step
LR = 1e-3                       # Adam learning rate, constant
QUICK = {"epochs": 2, "n_train": 1000, "n_test": 500}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--dataset", choices=DATASETS, default="mnist", help="task (default mnist)")
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--batch-size", type=bounded_int(1, MAX_BATCH), default=BATCH_SIZE,
                        help=f"batch size, 1..{MAX_BATCH} (default {BATCH_SIZE})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


# ---------------------------------------------------------------------------- models
def build_model(name, in_shape, num_classes):
    """The named model, sized to the shallow DNN's parameter count."""
    in_dim = in_shape[0] * in_shape[1] * in_shape[2]
    target = mlp_params(in_dim, [SHALLOW_DNN_WIDTH], num_classes)
    if name in DNNS:
        widths = mlp_widths_for_params(in_dim, DNNS[name], num_classes, target)
        return mlp(in_dim, widths, num_classes), f"{in_dim}-{'-'.join(map(str, widths))}-{num_classes}"
    channels, n_pool = CNNS[name]
    model = cnn_for_params(in_shape, channels, num_classes, target, n_pool)
    channels = [m.out_channels for m in model.features if isinstance(m, torch.nn.Conv2d)]  # last one solved
    return model, f"conv {'-'.join(map(str, channels))}, dense {model.head[1].out_features}"


# ---------------------------------------------------------------------------- train one model
def train_model(job):
    name, args = job
    ds = load_dataset_once(args["dataset"], args["data_dir"], args["device"], args["subset"])
    seed = derive_seed(args["seed"], args["dataset"], name)    # from names: other models do not matter
    torch.manual_seed(seed)
    model, layers = build_model(name, ds.input_shape, ds.num_classes)
    model.to(args["device"])
    cfg = TrainConfig(epochs=args["epochs"], lr=LR, batch_size=args["batch_size"])
    history = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=seed, desc=name)
    return {"name": name, "family": "CNN" if name in CNNS else "DNN", "layers": layers,
            "params": count_params(model),
            "final_test_acc": history["test_acc"][-1], "history": history}


def run(args):
    seed_all(args.seed)
    names = list(CNNS) + list(DNNS)
    subset = (QUICK["n_train"], QUICK["n_test"]) if args.quick else None
    shared = {"dataset": args.dataset, "data_dir": args.data_dir, "device": args.device_resolved,
              "subset": subset, "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size}
    load_dataset_once(args.dataset, args.data_dir, args.device_resolved, subset)   # fail fast on missing data
    workers = side_by_side_workers(args)
    # longest first: CNNs before DNNs, deeper before shallower (convolutions cost the most)
    longest_first = sorted(names, key=lambda name: (name not in CNNS, -len(CNNS[name][0]) if name in CNNS else 0))
    trained = run_side_by_side(train_model, [(name, shared) for name in longest_first], workers)
    models = sorted(trained, key=lambda m: names.index(m["name"]))
    return {"dataset": args.dataset, "models": models}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    dataset = results["dataset"]
    for key, label in (("train_loss", "training loss (cross-entropy)"), ("train_acc", "training accuracy")):
        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        for family, style in (("CNN", "-"), ("DNN", "--")):
            members = [m for m in results["models"] if m["family"] == family]
            for i, m in enumerate(members):
                ax.plot(m["history"]["epoch"], m["history"][key], style, marker="o", ms=3,
                        color=plots.PALETTE[i + (0 if family == "CNN" else 3)],
                        label=f"{m['name']}, {m['params']:,} params")
        if key == "train_loss":
            ax.set_yscale("log")
        else:
            lows = [min(m["history"][key][1:] or m["history"][key]) for m in results["models"]]
            ax.set_ylim(max(0.0, min(lows) - 0.02), 1.0)
        ax.set(xlabel="epoch (0 = initialization)", ylabel=label, title=f"{dataset}: {label}")
        ax.legend(ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))   # below: curves stay visible
        plots.save(fig, figures_dir, f"{SCRIPT}_{dataset}_{key.split('_')[1]}")


def main():
    args = parse_args()
    config = {"dataset": args.dataset, "epochs": args.epochs, "batch_size": args.batch_size, "lr": LR,
              "dnns": DNNS, "cnns": {name: {"channels": channels, "pooled_blocks": n_pool}
                                     for name, (channels, n_pool) in CNNS.items()},
              "shallow_dnn_width": SHALLOW_DNN_WIDTH, "quick": args.quick, "seed": args.seed}

    def summarize(results):
        for m in results["models"]:
            print(f"{m['name']:>24}: {m['layers']:<28} {m['params']:>7,} params  "
                  f"train acc {m['history']['train_acc'][-1]:.4f}  test acc {m['final_test_acc']:.4f}")

    run_experiment(args, f"{SCRIPT}_{args.dataset}", config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
