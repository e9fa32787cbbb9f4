"""HW1-2 bonus "Error surface": the loss on 2-D planes around a trained MNIST model.

A DNN 784-32-32-10 trained on MNIST (Adam lr 1e-3, batch 128, 10 epochs; weights kept after
every epoch). The training loss (cross-entropy) is evaluated on a 41 x 41 grid over two planes
through the final weights theta*, on a fixed subset of 5,000 training images:
  (a) theta* + a d1 + b d2 with random Gaussian directions, filter-normalized as in Li et al.
      2018 ("Visualizing the Loss Landscape of Neural Nets"): each row (neuron) of each weight
      matrix of d is rescaled to the norm of the same row of theta*; bias directions are zero.
      a, b in [-1, 1].
  (b) the plane of the top two PCA directions of the trajectory theta_t - theta* (Li et al.,
      Sec. 7), with the projected trajectory drawn on it.
Both planes are also compared in the same units: the loss on circles of equal Euclidean radius
around theta* in each plane (orthonormal bases, 16 angles, radii 0 .. the distance from theta* to
the initialization), since the random plane's a, b are in filter-normalized units and the PCA
plane's in Euclidean units. Grid points are evaluated in chunks of 32 parameter sets at once
(torch.func.vmap). The trained weights and trajectory are cached under results/cache/, so a rerun
with another --grid does not retrain. Figures: contour and 3-D surface for each plane, and the
equal-distance comparison. About 20-30 s on 2 CPU cores.
"""

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch.func import functional_call, vmap

from common import plots
from common.cli import MAX_EPOCHS, bounded_int, make_parser, run_main, seed_all
from common.curvature import unflatten
from common.data import load_dataset_once
from common.measures import filter_normalized_direction
from common.models import mlp
from common.results import cached, code_hash, run_experiment
from common.train import TrainConfig, train

SCRIPT = "hw1_2_surface"

# ---------------------------------------------------------------------------- config
WIDTHS = [32, 32]         # hidden layers
EPOCHS = 10               # one weight snapshot per epoch (plus the initialization)
BATCH = 128
LR = 1e-3                 # Adam, constant
GRID = 41                 # grid points per axis
SPAN = 1.0                # random plane: a, b in [-SPAN, SPAN] (units of the filter-normalized direction)
EVAL_EXAMPLES = 5000      # first training images used to evaluate the surface
CHUNK = 32                # parameter sets per vmapped evaluation
ANGLES = 16               # directions per circle in the equal-distance comparison
RADII = 21                # radii from 0 to the distance theta* -> initialization (Euclidean)
QUICK = {"epochs": 2, "grid": 7, "subset": (2000, 500), "eval_examples": 500}


def parse_args():
    parser = make_parser(__doc__)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"training epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--grid", type=bounded_int(3, 401), default=None,
                        help=f"grid points per axis, 3..401 (default {GRID})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    args.grid = args.grid or (QUICK["grid"] if args.quick else GRID)
    return args


# ---------------------------------------------------------------------------- directions and the grid
def flat(params):
    """{name: tensor} -> one (P,) vector, in the dict's order (named_parameters() order)."""
    return torch.cat([p.reshape(-1) for p in params.values()])


def shapes_of(params):
    return [(name, tuple(p.shape)) for name, p in params.items()]


def surface(model, center, d1, d2, alphas, betas, x, y):
    """Loss at center + a d1 + b d2 for every (a, b) of the grid: (len(betas), len(alphas))."""
    points = torch.tensor([(a, b) for b in betas for a in alphas], dtype=center.dtype, device=center.device)
    shapes = shapes_of(dict(model.named_parameters()))

    def loss_at(theta):
        out = functional_call(model, unflatten(theta, shapes), (x,))
        return torch.nn.functional.cross_entropy(out, y)
    batched = vmap(loss_at)
    losses = []
    with torch.no_grad():
        for chunk in points.split(CHUNK):
            thetas = center + chunk[:, :1] * d1 + chunk[:, 1:] * d2        # (chunk, P)
            losses.append(batched(thetas))
    return torch.cat(losses).view(len(betas), len(alphas))


def circle_losses(model, center, v1, v2, coefficients, x, y):
    """Loss at center + a v1 + b v2 for each row (a, b) of coefficients (N, 2): (N,) numpy."""
    shapes = shapes_of(dict(model.named_parameters()))

    def loss_at(theta):
        return torch.nn.functional.cross_entropy(functional_call(model, unflatten(theta, shapes), (x,)), y)
    points = torch.tensor(coefficients, dtype=center.dtype, device=center.device)
    with torch.no_grad():
        losses = [vmap(loss_at)(center + chunk[:, :1] * v1 + chunk[:, 1:] * v2) for chunk in points.split(CHUNK)]
    return torch.cat(losses).cpu().numpy()


# ---------------------------------------------------------------------------- experiment
def run(args):
    seed_all(args.seed)
    device = args.device_resolved
    ds = load_dataset_once("mnist", args.data_dir, device, QUICK["subset"] if args.quick else None)
    torch.manual_seed(args.seed)
    model = mlp(784, WIDTHS, 10).to(device)

    def train_and_keep_trajectory():
        trajectory = []
        cfg = TrainConfig(epochs=args.epochs, lr=LR, batch_size=BATCH)
        history = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=args.seed, desc="surface",
                        on_epoch=lambda e, m, row: trajectory.append(flat(dict(m.named_parameters())).detach().clone()))
        return {"trajectory": torch.stack(trajectory), "final_train_loss": history["train_loss"][-1],
                "final_test_acc": history["test_acc"][-1]}

    # the trained weights and trajectory are cached (results/cache/), so a new --grid does not retrain
    training_key = {"epochs": args.epochs, "seed": args.seed, "widths": WIDTHS, "batch": BATCH, "lr": LR,
                    "quick": args.quick, "device": str(device)}
    trained = cached(args, SCRIPT, training_key, train_and_keep_trajectory, code=code_hash([__file__]))
    trajectory = list(trained["trajectory"])                        # per epoch, the last one is theta*
    torch.nn.utils.vector_to_parameters(trajectory[-1], model.parameters())
    n_eval = QUICK["eval_examples"] if args.quick else EVAL_EXAMPLES
    x, y = ds.x_train[:n_eval], ds.y_train[:n_eval]
    params = {n: p.detach() for n, p in model.named_parameters()}
    center = flat(params)

    # (a) random filter-normalized plane
    generator = torch.Generator().manual_seed(args.seed + 1)
    d1 = flat(filter_normalized_direction(params, generator))
    d2 = flat(filter_normalized_direction(params, generator))
    axis = np.linspace(-SPAN, SPAN, args.grid)
    random_plane = surface(model, center, d1, d2, axis, axis, x, y)

    # (b) PCA plane of the trajectory, relative to the final weights
    offsets = torch.stack(trajectory) - center                     # (T, P)
    pca = PCA(n_components=2, svd_solver="full").fit(offsets.cpu().numpy())
    e1, e2 = (torch.tensor(c, dtype=center.dtype, device=device) for c in pca.components_)
    path = np.stack([(offsets @ e1).cpu().numpy(), (offsets @ e2).cpu().numpy()], axis=1)   # (T, 2)
    lo, hi = path.min(0), path.max(0)
    margin = 0.25 * (hi - lo) + 1e-3
    ax_a = np.linspace(lo[0] - margin[0], hi[0] + margin[0], args.grid)
    ax_b = np.linspace(lo[1] - margin[1], hi[1] + margin[1], args.grid)
    pca_plane = surface(model, center, e1, e2, ax_a, ax_b, x, y)
    # both planes at equal Euclidean distances: circles in each plane's orthonormal basis
    u1 = d1 / d1.norm()
    u2 = d2 - (d2 @ u1) * u1
    u2 = u2 / u2.norm()
    reach = float(offsets[0].norm())                               # ||theta_0 - theta*||
    radii = np.linspace(0, reach, RADII)
    angles = 2 * np.pi * np.arange(ANGLES) / ANGLES
    equal_distance = {"radius": rnd(radii), "reach": reach, "angles": ANGLES}
    for key, (v1, v2) in {"random": (u1, u2), "pca": (e1, e2)}.items():
        # surface() evaluates center + a v1 + b v2 on a grid; here the points lie on circles
        circle = np.array([[[np.cos(t) * r, np.sin(t) * r] for t in angles] for r in radii])   # (RADII, ANGLES, 2)
        losses = circle_losses(model, center, v1, v2, circle.reshape(-1, 2), x, y).reshape(RADII, ANGLES)
        equal_distance[key] = {"mean": rnd(losses.mean(1)), "min": rnd(losses.min(1)),
                               "max": rnd(losses.max(1))}
    path_loss = [float(torch.nn.functional.cross_entropy(
        functional_call(model, unflatten(t, shapes_of(params)), (x,)), y)) for t in trajectory]
    return {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "eval_examples": n_eval, "grid": args.grid,
            "final_train_loss": trained["final_train_loss"], "final_test_acc": trained["final_test_acc"],
            "random": {"alpha": rnd(axis), "beta": rnd(axis), "loss": rnd(random_plane.cpu())},
            "pca": {"alpha": rnd(ax_a), "beta": rnd(ax_b), "loss": rnd(pca_plane.cpu()),
                    "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
                    "path": rnd(path), "path_loss": rnd(path_loss),
                    "path_distance": rnd(offsets.norm(dim=1).cpu())},
            "equal_distance": equal_distance}


def rnd(a):
    """Plain lists of floats rounded to 6 decimals, for the results JSON."""
    return np.round(np.asarray(a, dtype=float), 6).tolist()


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    titles = {"random": "random filter-normalized directions (Li et al. 2018)",
              "pca": "top-2 PCA directions of the trajectory"}
    for key in ("random", "pca"):
        plane = results[key]
        a, b = np.meshgrid(plane["alpha"], plane["beta"])
        z = np.log10(np.array(plane["loss"]))
        fig = plots.plt.figure(figsize=(11, 4.4))
        ax = fig.add_subplot(1, 2, 1)
        levels = ax.contourf(a, b, z, levels=30, cmap="viridis")
        ax.contour(a, b, z, levels=15, colors="white", linewidths=0.4, alpha=0.6)
        fig.colorbar(levels, ax=ax, label="log10 training loss")
        ax.plot(0, 0, "r*", ms=12, label="trained weights θ*")
        if key == "pca":
            path = np.array(plane["path"])
            ax.plot(path[:, 0], path[:, 1], "o-", color="red", ms=3, lw=1, label="trajectory (per epoch)")
            ratio = plane["explained_variance_ratio"]
            ax.set(xlabel=f"PC 1 ({100 * ratio[0]:.1f}%)", ylabel=f"PC 2 ({100 * ratio[1]:.1f}%)")
        else:
            ax.set(xlabel="α (direction 1)", ylabel="β (direction 2)")
        ax.legend(fontsize=7, loc="upper right")
        ax.set_title(f"Contours: {titles[key]}", fontsize=9)
        ax3 = fig.add_subplot(1, 2, 2, projection="3d")
        ax3.plot_surface(a, b, z, cmap="viridis", linewidth=0, antialiased=True, alpha=0.9)
        ax3.set(xlabel="α", ylabel="β", zlabel="log10 loss")
        ax3.set_title(f"{results['model']}, loss on {results['eval_examples']:,} training images", fontsize=9)
        plots.save(fig, figures_dir, f"{SCRIPT}_{key}")

    equal = results["equal_distance"]
    fig, axes = plots.figure(width=5.6, height=3.8)
    ax = axes[0, 0]
    for key, color in zip(("random", "pca"), plots.PALETTE):
        ax.plot(equal["radius"], equal[key]["mean"], color=color,
                label=f"{titles[key]}: mean over {equal['angles']} angles")
        ax.fill_between(equal["radius"], equal[key]["min"], equal[key]["max"], color=color, alpha=0.2)
    ax.plot(results["pca"]["path_distance"], results["pca"]["path_loss"], "k.", ms=5,
            label="trajectory (per epoch; not in either plane)")
    ax.set(yscale="log", xlabel="Euclidean distance from θ*", ylabel="training loss",
           title="Both planes at equal Euclidean distances (band: min-max)")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_equal_distance")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "grid": args.grid, "quick": args.quick, "seed": args.seed, "widths": WIDTHS,
              "span": SPAN, "batch": BATCH, "lr": LR}

    def summarize(results):
        r, p = np.array(results["random"]["loss"]), np.array(results["pca"]["loss"])
        equal = results["equal_distance"]
        print(f"at the distance theta* -> init ({equal['reach']:.2f}): mean loss {equal['random']['mean'][-1]:.3g} "
              f"(random plane) vs {equal['pca']['mean'][-1]:.3g} (PCA plane)")
        print(f"random plane: loss {r.min():.3g} .. {r.max():.3g}; PCA plane: {p.min():.3g} .. {p.max():.3g}; "
              f"PCA explained variance {results['pca']['explained_variance_ratio']}")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
