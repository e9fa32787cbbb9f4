"""HW1-2 "Observe gradient norm during training": loss and gradient norm at every iteration.

Two runs, one figure each (two panels sharing the iteration axis, both log scale):
  - MNIST: DNN 784-64-32-10 (52,650 params), Adam lr 1e-3, batch 128, 5 epochs (2,345 iterations);
    the loss and gradient norm are those of each minibatch.
  - sinc5: the 4-hidden-layer 571-parameter ReLU net of hw1_1_simulate, full-batch Adam
    lr 3e-3 (cosine decay), 5000 iterations on 1000 points.
The gradient norm is the 2-norm over all parameters, sqrt(sum_i |dL/dtheta_i|^2), taken after
the backward pass and before the optimizer step. The two runs go side by side in two processes.
About 12 s on 2 CPU cores.
"""

import torch

from common import plots
from common.cli import MAX_EPOCHS, MAX_STEPS, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.curvature import gradient_norm
from common.data import function_data, load_dataset_once
from common.models import count_params, mlp, mlp_widths_for_params
from common.results import run_experiment, run_jobs
from common.train import TrainConfig, train

SCRIPT = "hw1_2_gradnorm"

# ---------------------------------------------------------------------------- config
MNIST_WIDTHS = [64, 32]       # hidden layers of the MNIST DNN
MNIST_EPOCHS = 5              # 469 iterations per epoch at batch 128
MNIST_BATCH = 128
MNIST_LR = 1e-3               # Adam, constant
FUNCTION = "sinc5"
FUNCTION_DEPTH = 4            # hidden layers; widths solved for FUNCTION_PARAMS as in hw1_1_simulate
FUNCTION_PARAMS = 571         # the parameter count of hw1_1_simulate's nets
FUNCTION_STEPS = 5000         # full-batch Adam iterations
FUNCTION_LR = 3e-3            # Adam, cosine decay to 0 (the deep net's rate in hw1_1_simulate)
FUNCTION_POINTS = 1000
QUICK = {"mnist_epochs": 1, "subset": (2000, 500), "function_steps": 300}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"MNIST epochs, 1..{MAX_EPOCHS} (default {MNIST_EPOCHS})")
    parser.add_argument("--steps", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"full-batch steps on {FUNCTION}, 1..{MAX_STEPS} (default {FUNCTION_STEPS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["mnist_epochs"] if args.quick else MNIST_EPOCHS)
    args.steps = args.steps or (QUICK["function_steps"] if args.quick else FUNCTION_STEPS)
    return args


# ---------------------------------------------------------------------------- train with a per-iteration probe
def record_run(model, data, cfg, seed, desc):
    """Train and return the loss and the gradient norm at every iteration."""
    losses, norms = [], []

    def probe(step, m, loss):
        losses.append(loss.detach())
        norms.append(gradient_norm(m.parameters()).detach())
    history = train(model, data, cfg, seed=seed, desc=desc, on_step=probe)
    return {"iteration": list(range(len(losses))),
            "loss": [float(f"{v:.5g}") for v in torch.stack(losses).tolist()],
            "grad_norm": [float(f"{v:.5g}") for v in torch.stack(norms).tolist()],
            "final_train_loss": history["train_loss"][-1]}


def train_and_record(job):
    """One of the two runs: "mnist" (minibatch) or FUNCTION (full batch)."""
    name, shared = job
    device = shared["device"]
    if name == "mnist":
        ds = load_dataset_once("mnist", shared["data_dir"], device, shared["subset"])
        torch.manual_seed(shared["seed"])
        model = mlp(784, MNIST_WIDTHS, 10).to(device)
        cfg = TrainConfig(epochs=shared["epochs"], lr=MNIST_LR, batch_size=MNIST_BATCH, eval_every=shared["epochs"])
        run_ = record_run(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, shared["seed"], "mnist")
        return {**run_, "model": f"784-{'-'.join(map(str, MNIST_WIDTHS))}-10", "params": count_params(model)}
    x, y = function_data(FUNCTION, FUNCTION_POINTS, device=device)
    widths = mlp_widths_for_params(1, FUNCTION_DEPTH, 1, FUNCTION_PARAMS)
    torch.manual_seed(shared["seed"])
    model = mlp(1, widths, 1).to(device)
    cfg = TrainConfig(epochs=shared["steps"], lr=FUNCTION_LR, batch_size=None, loss="mse", schedule="cosine",
                      eval_every=shared["steps"])
    run_ = record_run(model, (x, y, x, y), cfg, shared["seed"], FUNCTION)
    return {**run_, "model": f"1-{'-'.join(map(str, widths))}-1", "params": count_params(model)}


def run(args):
    seed_all(args.seed)
    subset = QUICK["subset"] if args.quick else None
    load_dataset_once("mnist", args.data_dir, args.device_resolved, subset)   # fail fast on missing data
    shared = {"data_dir": args.data_dir, "device": args.device_resolved, "subset": subset, "seed": args.seed,
              "epochs": args.epochs, "steps": args.steps}
    names = ["mnist", FUNCTION]                         # the two runs go side by side
    runs = run_jobs(args, train_and_record, [(name, shared) for name in names], names, side_by_side_workers(args))
    return dict(zip(names, runs))


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    titles = {"mnist": "MNIST, minibatch Adam", FUNCTION: f"{FUNCTION}, full-batch Adam"}
    for key, run_ in results.items():
        fig, axes = plots.figure(nrows=2, width=6.4, height=2.6, sharex=True)
        loss_ax, norm_ax = axes[0, 0], axes[1, 0]
        loss_ax.plot(run_["iteration"], run_["loss"], color=plots.PALETTE[0], lw=0.8)
        loss_ax.set(yscale="log", ylabel="loss", title=f"{titles[key]}: {run_['model']}")
        norm_ax.plot(run_["iteration"], run_["grad_norm"], color=plots.PALETTE[1], lw=0.8)
        norm_ax.set(yscale="log", ylabel=r"gradient norm $\|\nabla_\theta L\|_2$", xlabel="iteration")
        plots.save(fig, figures_dir, f"{SCRIPT}_{key}")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "steps": args.steps, "quick": args.quick, "seed": args.seed,
              "mnist_widths": MNIST_WIDTHS, "mnist_batch": MNIST_BATCH, "mnist_lr": MNIST_LR, "mnist_optimizer": "adam",
              "function": FUNCTION, "function_depth": FUNCTION_DEPTH, "function_params": FUNCTION_PARAMS,
              "function_lr": FUNCTION_LR, "function_schedule": "cosine", "function_points": FUNCTION_POINTS}

    def summarize(results):
        for key, run_ in results.items():
            print(f"{key}: {len(run_['iteration'])} iterations, loss {run_['loss'][0]:.3g} -> {run_['loss'][-1]:.3g}, "
                  f"grad norm {run_['grad_norm'][0]:.3g} -> {run_['grad_norm'][-1]:.3g}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
