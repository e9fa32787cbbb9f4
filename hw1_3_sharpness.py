"""HW1-3 bonus: sharpness vs batch size (Keskar et al. 2017) and why it can mislead (Dinh et
al. 2017, "Sharp Minima Can Generalize For Deep Nets").

Ten MLPs 784-32-10 (25,450 params) from one initialization, trained on MNIST with Adam (lr
1e-3) for 5 epochs at batch sizes 16 .. 8192. On a fixed subset of the first 1,000 training
images, in float64:
  - Keskar sharpness: 100 (max L(theta + delta) - L(theta)) / (1 + L(theta)) over the box
    |delta_i| <= eps (|theta_i| + 1), maximized by scipy's L-BFGS-B (20 iterations) from a small
    random start, for eps = 1e-4 (the slides) and 1e-3 (the paper);
  - the Hessian estimate ||H||_2 eps^2 / (2 (1 + L)) with the full Hessian's top eigenvalue
    (power iteration on Hessian-vector products, <= 100 steps), and the slides' block-diagonal version (the
    largest top eigenvalue over the per-tensor diagonal blocks);
  - one more measure: the weight norm ||theta||_2, against the generalization gap.
Dinh et al.: for the batch-64 model, layer 1 scaled by a and layer 2's weights by 1/a (ReLU is
positively homogeneous): the outputs and the loss are unchanged (checked), the sharpness is not.
About 1-2 minutes on 2 CPU cores.
"""
import copy

import torch

from common import plots
from common.cli import MAX_EPOCHS, HW1Error, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.curvature import flat_loss, hvp_operator, power_iteration
from common.data import load_dataset_once
from common.measures import hessian_sharpness, keskar_sharpness
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import TrainConfig, run_side_by_side, train

SCRIPT = "hw1_3_sharpness"

# ---------------------------------------------------------------------------- config
WIDTHS = [32]                                             # 784-32-10: 25,450 parameters
BATCHES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]
EPOCHS = 5
LR = 1e-3                                                 # Adam, constant
SUBSET = 1000                                             # training images for the sharpness measures
EPSILONS = [1e-4, 1e-3]
POWER_ITERS = 100                                         # at most; stops at 1e-4 relative change
KESKAR_ITERS = 20                                         # L-BFGS-B iterations
DINH_MODEL_BATCH = 64
DINH_SCALES = [0.1, 0.3, 1.0, 3.0, 10.0]
QUICK = {"epochs": 1, "subset": (1000, 500), "batches": [16, 256], "sharp_subset": 200, "power_iters": 8,
         "keskar_iters": 3, "dinh_scales": [0.1, 1.0, 10.0]}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs per model, 1..{MAX_EPOCHS} (default {EPOCHS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


# ---------------------------------------------------------------------------- measures of one model
def top_eigenvalue(hessian_times, theta, iters, block=None, seed=0):
    """Largest-magnitude eigenvalue of the Hessian (v -> H v), or of its diagonal block on the
    parameters theta[block] (a slice)."""
    generator = torch.Generator().manual_seed(seed)
    if block is None:
        matvec, dim = hessian_times, theta.numel()
    else:
        dim = block.stop - block.start

        def matvec(v):
            full = torch.zeros_like(theta)
            full[block] = v
            return hessian_times(full)[block]
    return power_iteration(matvec, dim, iters=iters, tol=1e-4, generator=generator, device=theta.device)[0]


def measure(model, x, y, iters):
    """Sharpness measures of `model` on (x, y), float64; iters = (power iterations, L-BFGS-B iterations)."""
    power_iters, keskar_iters = iters
    loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy)
    value = float(loss(theta))
    hessian_times = hvp_operator(loss, theta)                 # the gradient's graph, built once
    top = top_eigenvalue(hessian_times, theta, power_iters)
    blocks, start = [], 0
    for p in model.parameters():                              # one diagonal block per tensor
        blocks.append(top_eigenvalue(hessian_times, theta, power_iters, slice(start, start + p.numel())))
        start += p.numel()
    out = {"subset_loss": value, "top_eigenvalue": top, "block_top_eigenvalue": max(blocks),
           "weight_norm": float(theta.norm())}
    for eps in EPSILONS:
        out[f"keskar_{eps:g}"] = keskar_sharpness(loss, theta, eps, max_iter=keskar_iters)
        out[f"hessian_{eps:g}"] = hessian_sharpness(top, value, eps)
        out[f"hessian_block_{eps:g}"] = hessian_sharpness(max(blocks), value, eps)
    return out


def train_and_measure(job):
    batch, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["subset"])
    torch.manual_seed(shared["seed"])
    model = mlp(784, WIDTHS, 10).to(shared["device"])
    cfg = TrainConfig(epochs=shared["epochs"], lr=LR, batch_size=batch, eval_every=shared["epochs"])
    h = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=shared["seed"], desc=f"batch {batch}")
    n = shared["sharp_subset"]
    row = {"batch": batch, **{k: h[k][-1] for k in ("train_loss", "train_acc", "test_loss", "test_acc")},
           **measure(model, ds.x_train[:n], ds.y_train[:n], shared["iters"])}
    row["generalization_gap"] = row["test_loss"] - row["train_loss"]
    if batch == DINH_MODEL_BATCH:
        row["dinh"] = dinh_rescaling(model, ds.x_train[:n], ds.y_train[:n], shared["dinh_scales"], shared["iters"])
    return row


def dinh_rescaling(model, x, y, scales, iters):
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
        m = measure(scaled, x, y, iters)
        rows.append({"scale": a, "max_output_change": change, **m})
    return rows


def run(args):
    seed_all(args.seed)
    subset = QUICK["subset"] if args.quick else None
    batches = QUICK["batches"] if args.quick else BATCHES
    shared = {"data_dir": args.data_dir, "device": args.device_resolved, "subset": subset, "epochs": args.epochs,
              "seed": args.seed, "sharp_subset": QUICK["sharp_subset"] if args.quick else SUBSET,
              "iters": (QUICK["power_iters"], QUICK["keskar_iters"]) if args.quick else (POWER_ITERS, KESKAR_ITERS),
              "dinh_scales": QUICK["dinh_scales"] if args.quick else DINH_SCALES}
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, subset)
    workers = side_by_side_workers(args)
    if DINH_MODEL_BATCH not in batches:
        batches = sorted([*batches, DINH_MODEL_BATCH])
    models = run_side_by_side(train_and_measure, [(b, shared) for b in batches], workers)
    dinh = next(m.pop("dinh") for m in models if "dinh" in m)
    return {"model": "784-32-10", "params": count_params(mlp(784, WIDTHS, 10)), "subset": shared["sharp_subset"],
            "epsilons": EPSILONS, "train_examples": len(ds.x_train), "models": models, "dinh": dinh}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    batches = [m["batch"] for m in results["models"]]
    fig, axes = plots.figure(width=6.6, height=4.2)
    ax = axes[0, 0]
    styles = {"keskar": "o-", "hessian": "s--", "hessian_block": "^:"}
    names = {"keskar": "Keskar (L-BFGS-B)", "hessian": "Hessian est.", "hessian_block": "block-diag. Hessian est."}
    for j, eps in enumerate(results["epsilons"]):
        for kind, style in styles.items():
            ax.plot(batches, [m[f"{kind}_{eps:g}"] for m in results["models"]], style, color=plots.PALETTE[j],
                    ms=4, label=f"{names[kind]}, ε={eps:g}")
    ax.set(xscale="log", yscale="log", xlabel="batch size", ylabel="sharpness (log)",
           title=f"MNIST {results['model']}: sharpness on {results['subset']:,} training images")
    acc = plots.twin_axis(ax, "test accuracy")
    acc.plot(batches, [m["test_acc"] for m in results["models"]], "k-", lw=2, alpha=0.5, label="test accuracy")
    plots.merged_legend(ax, acc, fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_batch")

    fig, axes = plots.figure(ncols=2, width=4.6, height=3.6)
    ax = axes[0, 0]
    scales = [d["scale"] for d in results["dinh"]]
    for j, eps in enumerate(results["epsilons"]):
        ax.plot(scales, [d[f"keskar_{eps:g}"] for d in results["dinh"]], "o-", color=plots.PALETTE[j],
                label=f"Keskar, ε={eps:g}")
    ax.plot(scales, [d["top_eigenvalue"] for d in results["dinh"]], "s--", color="black",
            label="top Hessian eigenvalue")
    ax.set(xscale="log", yscale="log", xlabel="scale a (layer 1 × a, layer 2 × 1/a)", ylabel="sharpness",
           title="Dinh et al.: same function, other sharpness")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    gap = [m["generalization_gap"] for m in results["models"]]
    norm = [m["weight_norm"] for m in results["models"]]
    ax.scatter(norm, gap, color=plots.PALETTE[0])
    for m in results["models"]:
        ax.annotate(f"B={m['batch']}", (m["weight_norm"], m["generalization_gap"]), fontsize=6, xytext=(3, 2),
                    textcoords="offset points")
    ax.set(xlabel=r"weight norm $\|\theta\|_2$", ylabel="test loss − train loss", title="Weight norm vs gap")
    plots.save(fig, figures_dir, f"{SCRIPT}_dinh_and_norm")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "quick": args.quick, "seed": args.seed, "batches": BATCHES, "lr": LR,
              "subset": SUBSET, "epsilons": EPSILONS, "dinh": DINH_SCALES, "dinh_model_batch": DINH_MODEL_BATCH,
              "power_iters": POWER_ITERS, "keskar_iters": KESKAR_ITERS, "optimizer": "adam"}

    def summarize(results):
        for m in results["models"]:
            print(f"batch {m['batch']:>5}: test acc {m['test_acc']:.4f}  Keskar(1e-3) {m['keskar_0.001']:.4g}  "
                  f"top eig {m['top_eigenvalue']:.4g}  block top eig {m['block_top_eigenvalue']:.4g}")
        for d in results["dinh"]:
            print(f"Dinh a={d['scale']:<5g}: max output change {d['max_output_change']:.1e}, "
                  f"Keskar(1e-3) {d['keskar_0.001']:.4g}, top eig {d['top_eigenvalue']:.4g}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
