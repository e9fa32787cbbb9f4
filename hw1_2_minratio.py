"""HW1-2 "What happens when the gradient is almost zero": critical points of every index, found
from starts on and away from Adam's paths, confirmed by a method that converges at degenerate
critical points, told apart from gradient-flat points, checked against known critical points
(smaller nets embedded in this one), with a minimum test that probes for descent; and their
minimal ratio (share of positive Hessian eigenvalues) and index (share of negative ones) against
the loss (Dauphin et al. 2014, Fig. 1; Frye et al. 2021).

Setting: a tanh MLP 1-8-1 (25 params) on 200 evenly spaced points of sinc5 on [-1, 1], MSE,
float64, exact Hessians in closed form (common.curvature.tanh_mlp_mse_derivatives).
  Starts:   16 start groups; each: one full-batch Adam trajectory (lr 1e-2, 20000 steps) with 10
            snapshots whose losses are spread uniformly in log loss, 3 snapshots perturbed by noise
            of 0.3x their norm, and 3 fresh random initializations (PyTorch's default times 0.3, 1
            and 3): 256 starts. A group is the independent unit of the intervals.
  Finder:   damped Newton-MR on grad L = 0 (common.critical.newton_mr; saddles attract it as much
            as minima), at most 1000 iterations, stopping at ||grad L|| <= 1e-9.
  Confirm:  from every finder end point, undamped Newton-MR (pseudo-inverse Newton step, Armijo line
            search on ||g||^2; common.critical.confirm), at most 500 iterations; ||g|| saved at
            every iteration of both stages (log-spaced, 40 per stage and run). Outcome (every run):
            critical = ||grad L|| <= 1e-10 and a Newton step <= 1e-3 reached by convergence (not the
            cap, not a stall) where the loss does not fall at its full slope along the gradient's
            near-kernel part; gradient-flat = otherwise, with at least half of ||g||^2 in H's
            near-kernel (|lambda| <= 1e-6 max|lambda|) or that full slope, whatever ||g|| is; not
            converged = the rest. Frye's residual r is saved at every point.
  Known:    critical points of 1-k-1 tanh nets (k = 0: the constant output, exact; k = 1 .. 4: Adam
            from 6 initializations at each of the scales 1, 3, 10, 3 snapshots each, the same finder
            (400 iterations) and confirmation in the small net), one per function (permutations,
            sign flips and the mirror f(-x) of the even target counted once), embedded into the
            1-8-1 net by zero units and by splitting the unit with the largest output weight
            (Fukumizu & Amari 2000): exact critical points of this net at known losses, each kept
            from the narrowest net that has it. Each is confirmed and measured in the 1-8-1 net, and
            the finder is validated on it: 4 starts at distance 1e-2, success = a confirmed critical
            point at the same loss (relative 1e-6).
  Measure:  at every end point the full spectrum of the exact Hessian; minimal ratio = share of
            eigenvalues > tol for tol = rel * max|lambda|, rel = 1e-12 (strictly > 0 up to roundoff)
            ... 1e-4 (main: 1e-6); index = share < -tol. At confirmed points: the sampling
            definition (the share of 500 neighbours theta + r u, u uniform on the unit sphere, with a
            higher loss at radii 1/2 r^2 lambda_max = c * L, c = 0.01, 1, 100), the minimum test
            (common.critical.minimum_test: no eigenvalue below -delta, delta = the largest of the
            spectrum's change over one more pseudo-inverse Newton step, 10x its difference to an
            independent Hessian (torch.func on plain code) and 1e-12 max|lambda|; and no descent
            found by capped saddle-free Newton steps from the point and from points along its flat
            and negative-curvature directions), symmetry classes and distinct functions (the
            constant-output family as one).
Why a 1-8-1 net: wider or deeper tanh nets (1-6-6-1, 61 params) have so many near-zero
eigenvalues that the finder reached only the constant-output point and gradient-flat points.
About 105 s of CPU in all: a minute on 2 idle cores (two processes), several under load;
bench/README.md has the costs per stage.
"""
import math
import time

import numpy as np
import torch
from torch.func import jacrev, vmap

from common import plots
from common.cli import MAX_RUNS, MAX_STEPS, bounded_int, derive_seed, log, make_parser, run_main, seed_all, \
    side_by_side_workers
from common.critical import CONFIRM_GRAD, CRITICAL_GRAD, FLAT_SHARE, KERNEL_TOL, KINDS, OUTCOMES, SLOPE_DISTANCES, \
    STOP_GRAD, STOPS, canonical, classify, confirm, descent_trust_region, embed, function_classes, \
    gradient_norm_descent, minimum_test, newton_mr, one_hidden_loss_grad, one_hidden_outputs, slope_test, \
    spectrum_change, subsample_history, symmetry_classes
from common.curvature import eigenvalue_shares, tanh_mlp_mse_derivatives
from common.data import function_data
from common.results import run_experiment, run_jobs

SCRIPT = "hw1_2_minratio"

# ---------------------------------------------------------------------------- config
WIDTH = 8                  # hidden units (one tanh layer)
POINTS = 200               # training points of sinc5 on [-1, 1]
FUNCTION = "sinc5"
TRAJECTORIES = 16          # start groups, one Adam trajectory each (seeds derived from their names)
ADAM_STEPS = 20000         # full-batch steps per trajectory
ADAM_LR = 1e-2
SNAPSHOT_EVERY = 10        # steps between saved snapshots (candidates for starts)
STARTS = 10                # Adam snapshots per group, uniform in log loss
PERTURBED = 3              # perturbed snapshots per group (spread like the starts)
PERTURB = 0.3              # their noise: this x the snapshot's norm
RANDOM_SCALES = [0.3, 1.0, 3.0]   # random initializations per group: PyTorch's default init x these
NEWTON_ITERS = 1000        # finder iterations at most
CONFIRM_ITERS = 500        # confirmation iterations at most
GROUPS_PER_JOB = 4         # start groups per side-by-side job
FINDERS = {"newton_mr": newton_mr,                        # name -> finder(derivatives, theta, iters)
           "gradient_norm": gradient_norm_descent,           # baseline: Adam on 1/2 ||grad L||^2
           "descent_trust_region": descent_trust_region}     # the previous finder: minima only
FINDER = "newton_mr"       # the default; the others are compared in bench/bench_minratio.py
SMALL_WIDTHS = [0, 1, 2, 3, 4]    # 1-k-1 nets whose critical points are embedded (k = 0: constant output)
SMALL_TRAJECTORIES = 6     # Adam trajectories per small net and init scale
SMALL_NEWTON_ITERS = 400   # finder iterations at most in the small nets (their critical points converge sooner)
SMALL_SCALES = [1.0, 3.0, 10.0]   # init scales of the small nets (PyTorch's default init times these)
SMALL_STEPS = 10000        # their steps
SMALL_STARTS = 3           # snapshots per small trajectory (uniform in log loss, the last included)
VALIDATION_STARTS = 4      # finder starts near each embedded point
VALIDATION_RADIUS = 1e-2   # their distance from it
SAME_LOSS = 1e-6           # "the same loss": relative difference at most this
CONSTANT_SPREAD = 1e-4     # the constant-output family: predictions within this of each other
SAME_FUNCTION = 1e-6       # one function: predictions within this of each other (and the same loss); sinc5 is
                           # even on a grid symmetric about 0, so f(x) and f(-x) count as one function too
ROUNDOFF_FACTOR = 10       # eigenvalue uncertainty: the largest of the spectrum's change over one more Newton step,
ROUNDOFF_REL = 1e-12       # 10x its difference between two Hessian codes, and 1e-12 max|lambda| (float64 roundoff)
REL_TOLS = {"1e-12": 1e-12, "1e-10": 1e-10, "1e-8": 1e-8, "1e-6": 1e-6, "1e-4": 1e-4}   # tol = rel * max|lambda|;
                           # 1e-12 is "strictly > 0" up to float64 roundoff (a sign below it is noise)
MAIN_TOL = "1e-6"          # the tolerance of the main figure
SAMPLES = 500              # random neighbours per radius
RADIUS_FACTORS = {"c=0.01": 1e-2, "c=1": 1.0, "c=100": 1e2}   # 1/2 r^2 lambda_max = c * L
HISTORY_POINTS = 40        # ||g|| history saved per stage and run (log-spaced iterations)
QUICK = {"trajectories": 2, "adam_steps": 2000, "starts": 4, "newton_iters": 150, "confirm_iters": 100,
         "small_steps": 1500, "small_trajectories": 1}

SIZES = [1, WIDTH, 1]
SHAPES = [s for a, b in zip(SIZES[:-1], SIZES[1:]) for s in ((b, a), (b,))]   # (out, in) weight, bias
N_PARAMS = sum(math.prod(s) for s in SHAPES)


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--trajectories", type=bounded_int(1, MAX_RUNS), default=None,
                        help=f"start groups (one Adam trajectory each), 1..{MAX_RUNS} (default {TRAJECTORIES})")
    parser.add_argument("--adam-steps", type=bounded_int(SNAPSHOT_EVERY, MAX_STEPS), default=None,
                        help=f"steps per trajectory, {SNAPSHOT_EVERY}..{MAX_STEPS} (default {ADAM_STEPS})")
    parser.add_argument("--starts", type=bounded_int(1, 1000), default=None,
                        help=f"Adam snapshots per group, 1..1000 (default {STARTS})")
    parser.add_argument("--newton-iters", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"finder iterations at most, 1..{MAX_STEPS} (default {NEWTON_ITERS})")
    parser.add_argument("--confirm-iters", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"confirmation iterations at most, 1..{MAX_STEPS} (default {CONFIRM_ITERS})")
    parser.add_argument("--small-steps", type=bounded_int(SNAPSHOT_EVERY, MAX_STEPS), default=None,
                        help=f"Adam steps of the small nets, {SNAPSHOT_EVERY}..{MAX_STEPS} (default {SMALL_STEPS})")
    parser.add_argument("--small-trajectories", type=bounded_int(1, MAX_RUNS), default=None,
                        help=f"Adam trajectories per small net and init scale, 1..{MAX_RUNS} "
                             f"(default {SMALL_TRAJECTORIES})")
    parser.add_argument("--finder", choices=sorted(FINDERS), default=FINDER,
                        help=f"critical-point finder, also on the embedded points' starts (default {FINDER})")
    args = parser.parse_args()
    for name in QUICK:
        if getattr(args, name) is None:
            setattr(args, name, QUICK[name] if args.quick else globals()[name.upper()])
    return args


# ---------------------------------------------------------------------------- model as a function of flat theta
def net(theta, x, width=WIDTH):
    """The 1-width-1 tanh MLP with flat parameters theta (3 width + 1,) on x (n, 1) -> (n, 1), written
    plainly (an independent code for the Hessian check); the layout of nn.Sequential(Linear, Tanh,
    Linear).parameters()."""
    w1, b1 = theta[:width].view(width, 1), theta[width:2 * width]
    w2, b2 = theta[2 * width:3 * width].view(1, width), theta[3 * width:]
    return torch.tanh(x @ w1.T + b1) @ w2.T + b2


def init_theta(seed, width=WIDTH):
    """PyTorch's default Linear init of a 1-width-1 net for one seed, flattened (float64)."""
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(a, b) for a, b in zip([1, width], [width, 1])]
    return torch.cat([p.detach().reshape(-1) for layer in layers for p in layer.parameters()]).double()


def log_uniform_picks(losses, count):
    """Indices of `count` distinct entries of losses (T,) closest to levels spread uniformly in
    log loss between the first and the last entry (fewer if the curve has fewer distinct ones)."""
    log_loss = np.log10(np.asarray(losses))
    picks = []
    for level in np.linspace(log_loss[0], log_loss[-1], count):
        distance = np.abs(log_loss - level)
        distance[picks] = np.inf
        picks.append(int(np.argmin(distance)))
    return sorted(set(picks))


class Problem:
    """The loss of 1-width-1 tanh nets on sinc5 (float64): loss, loss and gradient, and loss,
    gradient and Hessian, each batched over theta (R, 3 width + 1)."""

    def __init__(self, width, device):
        self.width = width
        self.x, self.y = function_data(FUNCTION, POINTS, dtype=torch.float64, device=device)

    def loss(self, theta):
        return ((self.outputs(theta) - self.y[:, 0]) ** 2).mean(1)

    def gradient(self, theta):
        return one_hidden_loss_grad(theta, self.width, self.x, self.y)

    def derivatives(self, theta):
        if self.width == 0:                              # f = c: L = mean (c - y)^2
            loss, grad = self.gradient(theta)
            return loss, grad, torch.full((theta.shape[0], 1, 1), 2.0, dtype=theta.dtype, device=theta.device)
        return tanh_mlp_mse_derivatives(theta, [1, self.width, 1], self.x, self.y)

    def outputs(self, theta):
        return one_hidden_outputs(theta, self.width, self.x)


def adam_snapshots(problem, starts, steps, betas=(0.9, 0.999), eps=1e-8):
    """Full-batch Adam (lr ADAM_LR; torch.optim.Adam's update with its defaults, written out, which
    with the closed-form gradient makes a step about 3x cheaper than autograd and torch.optim here)
    from each row of starts (R, P), the runs trained together: snapshots (R, T, P), their losses
    (R, T) and their steps (T,)."""
    theta = starts.clone()
    first, second = torch.zeros_like(theta), torch.zeros_like(theta)
    snapshots, snapshot_loss = [], []
    for step in range(steps + 1):
        loss, grad = problem.gradient(theta)
        if step % SNAPSHOT_EVERY == 0 or step == steps:
            snapshots.append(theta.clone())
            snapshot_loss.append(loss)
        if step < steps:
            first.mul_(betas[0]).add_(grad, alpha=1 - betas[0])
            second.mul_(betas[1]).addcmul_(grad, grad, value=1 - betas[1])
            corrected = (second / (1 - betas[1] ** (step + 1))).sqrt_().add_(eps)
            theta.addcdiv_(first, corrected, value=-ADAM_LR / (1 - betas[0] ** (step + 1)))
    return torch.stack(snapshots, 1), torch.stack(snapshot_loss, 1), \
        [min(k * SNAPSHOT_EVERY, steps) for k in range(len(snapshots))]


def find_and_confirm(problem, start, finder, newton_iters, confirm_iters):
    """The finder, then the confirmation, from each row of start (R, P): (final theta, a dict of
    per-run lists: finder iterations and history, confirmation iterations, stop and history,
    outcome, grad_norm, kernel_share, frye_r), seconds of the finder and of the confirmation."""
    clock = time.perf_counter()
    found, finder_iterations, finder_norms = FINDERS[finder](problem.derivatives, start, newton_iters)
    finder_s = time.perf_counter() - clock
    finder_loss = problem.loss(found).tolist()
    clock = time.perf_counter()
    confirmed = confirm(problem.derivatives, found, confirm_iters, gradient=problem.gradient)
    final = confirmed["theta"]
    _, gradient, hessian = problem.derivatives(final)
    slopes = slope_test(problem.loss, final, gradient, hessian)
    outcome = classify(gradient, hessian, confirmed["stop"], slopes)
    outcome["slope"] = [dict(zip([f"{t:g}" for t in SLOPE_DISTANCES], row)) for row in slopes.tolist()]
    confirm_s = time.perf_counter() - clock
    info = {"finder_iterations": finder_iterations.tolist(),
            "finder_history": [subsample_history(n, HISTORY_POINTS) for n in finder_norms],
            "confirm_iterations": confirmed["iterations"].tolist(), "stop": confirmed["stop"],
            "confirm_history": [subsample_history(n, HISTORY_POINTS) for n in confirmed["norms"]],
            "last_step": confirmed["last_step"].tolist(), "newton_step": confirmed["newton_step"].tolist(), **outcome}
    info["finder_grad_norm"] = [h["grad_norm"][-1] for h in info["finder_history"]]    # at the finder's end
    info["finder_loss"] = finder_loss
    return final, info, finder_s, confirm_s


def independent_hessians(theta, x, y, width=WIDTH):
    """Hessians (R, P, P) of the MSE by reverse-over-reverse torch.func on the plain `net`: a second
    code for the spread between two Hessian evaluations."""
    loss = lambda t: ((net(t, x, width) - y) ** 2).mean()    # noqa: E731
    h = vmap(jacrev(jacrev(loss)))(theta)
    return 0.5 * (h + h.transpose(1, 2))


def minimum_tests(problem, theta, gradient, hessian):
    """The minimum test (common.critical.minimum_test) at confirmed critical points theta (R, P),
    with the eigenvalue uncertainty measured at each: the largest of the spectrum's change over one
    more pseudo-inverse Newton step, ROUNDOFF_FACTOR x its difference to an independent Hessian,
    and ROUNDOFF_REL x max|lambda|. One dict per point."""
    eigenvalues = torch.linalg.eigvalsh(hessian)
    moved = spectrum_change(problem.derivatives, theta, gradient, hessian)
    if problem.width:
        codes = (torch.linalg.eigvalsh(independent_hessians(theta, problem.x, problem.y, problem.width))
                 - eigenvalues).abs().amax(1)
    else:
        codes = torch.zeros(len(theta), dtype=theta.dtype, device=theta.device)
    floor = ROUNDOFF_REL * eigenvalues.abs().amax(1)
    uncertainty = torch.maximum(torch.maximum(moved, ROUNDOFF_FACTOR * codes), floor)
    test = minimum_test(problem.loss, problem.derivatives, theta, uncertainty,
                        generator=torch.Generator().manual_seed(derive_seed(0, "probe")))
    return [{"kind": test["kind"][i], "lowest": test["lowest"][i], "decrease": test["decrease"][i],
             "margin": test["margin"][i], "uncertainty": float(uncertainty[i]), "newton_change": float(moved[i]),
             "code_spread": float(codes[i]), "floor": float(floor[i])} for i in range(len(theta))]


def measure(problem, final, info, generator):
    """The measures at every final point of the 1-8-1 net: one dict per row of final (R, P). The
    sampling definition and the minimum test at confirmed critical points only."""
    loss, gradient, hessian = problem.derivatives(final)
    eigenvalues = torch.linalg.eigvalsh(hessian)                          # (R, P) ascending
    spread = problem.outputs(final)
    spread = (spread.amax(1) - spread.amin(1)).tolist()
    critical = [r for r, o in enumerate(info["outcome"]) if o == "critical"]
    tests = dict(zip(critical, minimum_tests(problem, final[critical], gradient[critical], hessian[critical])
                     if critical else []))
    out = []
    for r in range(final.shape[0]):
        sampled = None
        if r in tests:
            top = float(eigenvalues[r].abs().max())
            directions = torch.randn(SAMPLES, N_PARAMS, generator=generator, dtype=torch.float64).to(final.device)
            directions /= directions.norm(dim=1, keepdim=True)
            sampled = {}
            for name, c in RADIUS_FACTORS.items():
                radius = math.sqrt(2 * c * float(loss[r]) / top)               # 1/2 r^2 lambda_max = c L
                higher = problem.loss(final[r] + radius * directions) > loss[r]
                sampled[name] = {"radius": radius, "ratio": float(higher.double().mean())}
        out.append({**{key: value[r] for key, value in info.items()},
                    "loss": float(loss[r]), "eigenvalues": eigenvalues[r].tolist(),
                    "shares": {name: eigenvalue_shares(eigenvalues[r], rel) for name, rel in REL_TOLS.items()},
                    "sampled": sampled,
                    "output_spread": spread[r], "constant_output": bool(spread[r] <= CONSTANT_SPREAD),
                    "minimum_test": tests.get(r), "theta": final[r].tolist()})
    return out


# ---------------------------------------------------------------------------- jobs
def groups_job(job):
    """Start groups `names`: Adam trajectories, starts on and off them, finder, confirmation,
    measures; one dict per start and the seconds per stage."""
    names, seed, settings = job["names"], job["seed"], job["settings"]
    problem = Problem(WIDTH, job["device"])
    clock = time.perf_counter()
    inits = torch.stack([init_theta(derive_seed(seed, "trajectory", name)) for name in names])
    snapshots, snapshot_loss, steps = adam_snapshots(problem, inits.to(problem.x.device), settings["adam_steps"])
    adam_s = time.perf_counter() - clock
    starts, origin = [], []
    for i, name in enumerate(names):
        curve = snapshot_loss[i].cpu()
        for k in log_uniform_picks(curve, settings["starts"]):
            starts.append(snapshots[i, k])
            origin.append({"trajectory": name, "kind": "adam", "scale": None, "start_step": steps[k]})
        noise = torch.Generator().manual_seed(derive_seed(seed, "perturb", name))
        for k in log_uniform_picks(curve, PERTURBED):
            u = torch.randn(N_PARAMS, generator=noise, dtype=torch.float64).to(snapshots.device)
            starts.append(snapshots[i, k] + PERTURB * snapshots[i, k].norm() * u / u.norm())
            origin.append({"trajectory": name, "kind": "perturbed", "scale": PERTURB, "start_step": steps[k]})
        for scale in RANDOM_SCALES:
            starts.append(scale * init_theta(derive_seed(seed, "random", name, scale)).to(snapshots.device))
            origin.append({"trajectory": name, "kind": "random", "scale": scale, "start_step": 0})
    start = torch.stack(starts)
    start_loss = problem.loss(start).tolist()
    log(f"{len(start)} starts from {len(names)} groups; running {settings['finder']} and the confirmation")
    final, info, finder_s, confirm_s = find_and_confirm(problem, start, settings["finder"], settings["newton_iters"],
                                                        settings["confirm_iters"])
    clock = time.perf_counter()
    generator = torch.Generator().manual_seed(derive_seed(seed, "neighbours", *names))
    runs = measure(problem, final, info, generator)
    for run, where, loss in zip(runs, origin, start_loss):
        run.update(where, start_loss=loss, finder=settings["finder"])
    return {"runs": runs, "seconds": {"adam": adam_s, "finder": finder_s, "confirm": confirm_s,
                                      "measure": time.perf_counter() - clock}}


def small_critical_points(width, seed, settings):
    """Confirmed critical points of the 1-width-1 net, one per symmetry class: a list of dicts
    (theta, loss, grad_norm, index, runs: how many runs reached the class) and a summary of the runs."""
    problem = Problem(width, settings["device"])
    if width == 0:                                               # f = c: the only critical point c = mean(y)
        theta = problem.y.mean().reshape(1, 1)
        loss, gradient = problem.gradient(theta)
        point = {"theta": theta[0].tolist(), "loss": float(loss[0]), "grad_norm": float(gradient.norm()),
                 "index": 0.0, "minimum_test": None, "runs": 0}
        return [point], {"runs": 0, "stops": {}, "outcomes": {}, "constant_output": 0, "symmetry_classes": 1}
    inits = torch.stack([scale * init_theta(derive_seed(seed, "small", width, scale, t), width)
                         for scale in SMALL_SCALES for t in range(settings["small_trajectories"])])
    snapshots, snapshot_loss, _ = adam_snapshots(problem, inits.to(problem.x.device), settings["small_steps"])
    picks = [(i, k) for i in range(len(inits)) for k in log_uniform_picks(snapshot_loss[i].cpu(), SMALL_STARTS)]
    start = torch.stack([snapshots[i, k] for i, k in picks])
    final, info, _, _ = find_and_confirm(problem, start, "newton_mr", min(settings["newton_iters"], SMALL_NEWTON_ITERS),
                                         settings["confirm_iters"])
    critical = [r for r, o in enumerate(info["outcome"]) if o == "critical"]
    summary = {"runs": len(picks), "stops": {s: info["stop"].count(s) for s in STOPS},
               "outcomes": {o: info["outcome"].count(o) for o in OUTCOMES}}
    if not critical:
        return [], summary
    loss, gradient, hessian = problem.derivatives(final[critical])
    outputs = problem.outputs(final[critical])
    constant = (outputs.amax(1) - outputs.amin(1)) <= CONSTANT_SPREAD
    classes = function_classes(outputs, loss, SAME_FUNCTION, mirror=True)
    summary["constant_output"] = int(constant.sum())
    summary["symmetry_classes"] = len(set(symmetry_classes(final[critical], width, loss)))
    chosen = []
    for label in sorted(set(classes)):
        members = [i for i, c in enumerate(classes) if c == label]
        best = min(members, key=lambda i: info["grad_norm"][critical[i]])
        if not constant[best]:         # the constant-output family: embedded once, from k = 0
            chosen.append((best, len(members)))
    if not chosen:
        return [], summary
    best = [b for b, _ in chosen]
    tests = minimum_tests(problem, final[critical][best], gradient[best], hessian[best])
    points = []
    for (b, members), test in zip(chosen, tests):
        eigenvalues = torch.linalg.eigvalsh(hessian[b])
        points.append({"theta": canonical(final[critical[b]][None], width)[0].tolist(), "loss": float(loss[b]),
                       "grad_norm": info["grad_norm"][critical[b]],
                       "index": eigenvalue_shares(eigenvalues, REL_TOLS[MAIN_TOL])["negative_share"],
                       "minimum_test": test, "runs": members})
    return points, summary


def embedded_job(job):
    """Critical points of the 1-k-1 net (k = job["width"]), embedded into the 1-8-1 net by zero
    units and by a split unit, confirmed and measured there, and the finder validated on them."""
    width, seed, settings = job["width"], job["seed"], job["settings"]
    clock = time.perf_counter()
    small, summary = small_critical_points(width, seed, {**settings, "device": job["device"]})
    small_s = time.perf_counter() - clock
    clock = time.perf_counter()
    problem = Problem(WIDTH, job["device"])
    points, origin = [], []
    for s, point in enumerate(small):
        theta = torch.tensor(point["theta"], dtype=torch.float64, device=problem.x.device)[None]
        points.append(embed(theta, width, WIDTH))
        origin.append({"width": width, "source": s, "embedding": "zero units", "small_loss": point["loss"]})
        if 0 < width < WIDTH:
            v = theta[0, 2 * width:3 * width]
            points.append(embed(theta, width, WIDTH, split=int(v.abs().argmax())))
            origin.append({"width": width, "source": s, "embedding": "split unit", "small_loss": point["loss"]})
    embedded, validation = [], []
    if points:
        theta = torch.cat(points)
        final, info, _, _ = find_and_confirm(problem, theta, "newton_mr", 0, settings["confirm_iters"])
        generator = torch.Generator().manual_seed(derive_seed(seed, "embedded neighbours", width))
        embedded = measure(problem, final, info, generator)
        for e, where in zip(embedded, origin):
            e.update(where, start_loss=e["loss"], embedded_grad_norm=e["finder_grad_norm"])
        measure_s = time.perf_counter() - clock
        clock = time.perf_counter()
        noise = torch.Generator().manual_seed(derive_seed(seed, "validation", width))
        u = torch.randn(len(theta), VALIDATION_STARTS, N_PARAMS, generator=noise, dtype=torch.float64)
        u = (VALIDATION_RADIUS * u / u.norm(dim=2, keepdim=True)).to(theta.device)
        starts = (theta[:, None, :] + u).flatten(0, 1)
        found, found_info, _, _ = find_and_confirm(problem, starts, settings["finder"], settings["newton_iters"],
                                                   settings["confirm_iters"])
        found_loss = problem.loss(found).tolist()
        for r in range(len(starts)):
            e = embedded[r // VALIDATION_STARTS]
            same = abs(found_loss[r] - e["loss"]) <= SAME_LOSS * e["loss"]
            validation.append({"width": width, "point": r // VALIDATION_STARTS, "finder": settings["finder"],
                               "outcome": found_info["outcome"][r], "stop": found_info["stop"][r],
                               "grad_norm": found_info["grad_norm"][r], "loss": found_loss[r],
                               "target_loss": e["loss"], "same_loss": same,
                               "success": same and found_info["outcome"][r] == "critical",
                               "finder_grad_norm": found_info["finder_grad_norm"][r],
                               "finder_loss": found_info["finder_loss"][r],
                               "finder_stop": found_info["finder_grad_norm"][r] <= STOP_GRAD and
                               abs(found_info["finder_loss"][r] - e["loss"]) <= SAME_LOSS * e["loss"]})
        validation_s = time.perf_counter() - clock
    else:
        measure_s, validation_s = time.perf_counter() - clock, 0.0
    return {"small": {"width": width, **summary, "points": small}, "embedded": embedded, "validation": validation,
            "seconds": {"small": small_s, "embed": measure_s, "validation": validation_s}}


def deduplicated(embedded, validation):
    """The embedded points of every small net (lists per width, narrowest first) with each function
    kept once, from the narrowest net that has it (a 1-2-1 net also finds the 1-1-1 net's critical
    points, with a zero or a duplicate unit), and their validation runs, renumbered. The widths of
    the dropped copies are noted in "also_in" of the kept point."""
    x, _ = function_data(FUNCTION, POINTS, dtype=torch.float64)
    points = [e for part in embedded for e in part]
    if not points:
        return [], []
    theta = torch.tensor([e["theta"] for e in points], dtype=torch.float64)
    labels = function_classes(one_hidden_outputs(theta, WIDTH, x), [e["loss"] for e in points], SAME_FUNCTION,
                              mirror=True)
    widths = {}
    for e, label in zip(points, labels):
        widths.setdefault(label, []).append(e["width"])
    kept, runs, position = [], [], 0
    for part, checks in zip(embedded, validation):
        for i, e in enumerate(part):
            label = labels[position + i]
            if e["width"] == widths[label][0]:
                e["also_in"] = sorted(set(widths[label]) - {e["width"]})
                runs += [dict(v, point=len(kept)) for v in checks if v["point"] == i]
                kept.append(e)
        position += len(part)
    return kept, runs


def compute_job(job):
    return groups_job(job) if job["kind"] == "groups" else embedded_job(job)


def run(args):
    seed_all(args.seed)
    names = [f"t{k}" for k in range(args.trajectories)]
    settings = {name: getattr(args, name) for name in QUICK} | {"finder": args.finder}
    device = args.device_resolved
    jobs = [{"kind": "groups", "names": names[k:k + GROUPS_PER_JOB], "seed": args.seed, "settings": settings,
             "device": device} for k in range(0, len(names), GROUPS_PER_JOB)]
    jobs += [{"kind": "embedded", "width": k, "seed": args.seed, "settings": settings, "device": device}
             for k in sorted(SMALL_WIDTHS, reverse=True)]
    job_names = [",".join(job["names"]) if job["kind"] == "groups" else f"1-{job['width']}-1" for job in jobs]
    parts = run_jobs(args, compute_job, jobs, job_names, side_by_side_workers(args))
    groups = [p for p, job in zip(parts, jobs) if job["kind"] == "groups"]
    small = [p for p, job in zip(parts, jobs) if job["kind"] == "embedded"]
    runs = [r for part in groups for r in part["runs"]]
    runs.sort(key=lambda r: (int(r["trajectory"][1:]), ("adam", "perturbed", "random").index(r["kind"]),
                             r["start_step"], r["scale"] or 0))
    small.sort(key=lambda p: p["small"]["width"])
    embedded, validation = deduplicated([p["embedded"] for p in small], [p["validation"] for p in small])

    # symmetry classes and distinct functions of the confirmed points; the constant-output family is one (0)
    x, _ = function_data(FUNCTION, POINTS, dtype=torch.float64)
    critical = [r for r in runs if r["outcome"] == "critical"]
    others = [r for r in critical if not r["constant_output"]]
    if others:
        theta = torch.tensor([r["theta"] for r in others], dtype=torch.float64)
        loss = [r["loss"] for r in others]
        by_symmetry = symmetry_classes(theta, WIDTH, loss)
        by_function = function_classes(one_hidden_outputs(theta, WIDTH, x), loss, SAME_FUNCTION, mirror=True)
        for r, label, function in zip(others, by_symmetry, by_function):
            r["symmetry_class"], r["function_class"] = label + 1, function + 1
    for r in runs:
        r.setdefault("symmetry_class", 0 if r["outcome"] == "critical" else None)
        r.setdefault("function_class", 0 if r["outcome"] == "critical" else None)

    _, y = function_data(FUNCTION, POINTS, dtype=torch.float64)
    seconds = {stage: sum(p["seconds"].get(stage, 0.0) for p in parts) for stage in
               ("adam", "finder", "confirm", "measure", "small", "embed", "validation")}
    return {"model": f"1-{WIDTH}-1 tanh", "params": N_PARAMS, "points": POINTS, "function": FUNCTION,
            "target_variance": float(y.var(unbiased=False)),     # L at the constant-output points
            "confirm_grad": CONFIRM_GRAD, "critical_grad": CONFIRM_GRAD, "frye_grad": CRITICAL_GRAD,
            "kernel_tol": KERNEL_TOL, "flat_share": FLAT_SHARE, "rel_tols": REL_TOLS, "main_tol": MAIN_TOL,
            "radius_factors": RADIUS_FACTORS, "samples": SAMPLES, "slope_distances": list(SLOPE_DISTANCES),
            "same_loss": SAME_LOSS, "validation_radius": VALIDATION_RADIUS,
            "counts": {name: sum(r["outcome"] == name for r in runs) for name in OUTCOMES},
            "stops": {name: sum(r["stop"] == name for r in runs) for name in STOPS},
            "runs": runs, "small": [p["small"] for p in small], "embedded": embedded, "validation": validation,
            "seconds": seconds}


# ---------------------------------------------------------------------------- plot
MARKERS = {"critical": dict(marker="o", s=18), "gradient-flat": dict(marker="x", s=18),
           "not converged": dict(marker="s", s=18, facecolors="none")}
OUTCOME_COLORS = {"critical": plots.PALETTE[0], "gradient-flat": plots.PALETTE[1], "not converged": "gray"}
EMBEDDED_STYLE = {"zero units": dict(marker="*", s=70, color=plots.PALETTE[2]),
                  "split unit": dict(marker="P", s=45, color=plots.PALETTE[3])}
KIND_COLORS = dict(zip(KINDS, (plots.PALETTE[2], plots.PALETTE[0], plots.PALETTE[4])))


def plot_points(ax, runs, embedded, y_of, band_of=None):
    """Confirmed finder points (one colour per minimum-test kind) and embedded known points; with
    band_of, a vertical band per point over the tolerances."""
    for kind in KINDS:
        chosen = [r for r in runs if r["outcome"] == "critical" and r["minimum_test"]["kind"] == kind]
        if chosen:
            if band_of:
                low, high = zip(*[band_of(r) for r in chosen])
                ax.vlines([r["loss"] for r in chosen], low, high, color=KIND_COLORS[kind], alpha=0.4, lw=2)
            ax.scatter([r["loss"] for r in chosen], [y_of(r) for r in chosen], color=KIND_COLORS[kind], s=18,
                       label=f"finder, confirmed: {kind} ({len(chosen)} runs)", zorder=3)
    for name, style in EMBEDDED_STYLE.items():
        chosen = [e for e in embedded if e["embedding"] == name and e["outcome"] == "critical"]
        if chosen:
            if band_of:
                low, high = zip(*[band_of(e) for e in chosen])
                ax.vlines([e["loss"] for e in chosen], low, high, color=style["color"], alpha=0.4, lw=2)
            ax.scatter([e["loss"] for e in chosen], [y_of(e) for e in chosen], edgecolors="black", linewidths=0.5,
                       label=f"embedded 1-k-1 critical point, {name} ({len(chosen)})", zorder=4, **style)


def plot_not_critical(ax, runs, y_of, band_of=None):
    for name in OUTCOMES[1:]:
        chosen = [r for r in runs if r["outcome"] == name]
        if chosen:
            if band_of:
                low, high = zip(*[band_of(r) for r in chosen])
                ax.vlines([r["loss"] for r in chosen], low, high, color=OUTCOME_COLORS[name], alpha=0.25, lw=1.5)
            style = dict(MARKERS[name])
            style["edgecolors" if "facecolors" in style else "color"] = OUTCOME_COLORS[name]
            ax.scatter([r["loss"] for r in chosen], [y_of(r) for r in chosen], label=f"{name} ({len(chosen)})",
                       alpha=0.8, **style)


def index_band(results):
    tols = list(results["rel_tols"])
    return lambda r: (min(r["shares"][t]["negative_share"] for t in tols),
                      max(r["shares"][t]["negative_share"] for t in tols))


def plot(results, figures_dir):
    runs, embedded, main = results["runs"], results["embedded"], results["main_tol"]
    title = f"{len(runs)} runs of {results['model']} ({results['params']} params) on {results['function']}"
    n_critical = sum(r["outcome"] == "critical" for r in runs) + sum(e["outcome"] == "critical" for e in embedded)

    fig, axes = plots.figure(ncols=3, width=4.6, height=3.9, sharey=True, sharex=True)
    plot_points(axes[0, 0], runs, embedded, lambda r: r["shares"][main]["minimal_ratio"])
    axes[0, 0].set(xscale="log", xlabel="loss (MSE)", ylabel="minimal ratio",
                   title=f"Confirmed critical points: share of λ > {main}·max|λ|")
    plot_points(axes[0, 1], runs, embedded, lambda r: r["sampled"]["c=1"]["ratio"])
    axes[0, 1].set(xscale="log", xlabel="loss (MSE)", title="Sampling: share of L(θ+r·u) > L(θ), ½r²λmax = L")
    plot_not_critical(axes[0, 2], runs, lambda r: r["shares"][main]["minimal_ratio"])
    axes[0, 2].set(xscale="log", xlabel="loss (MSE)", title=f"Not critical points (apart): share of λ > {main}·max|λ|")
    for ax in axes[0]:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    if not n_critical:
        axes[0, 0].text(0.5, 0.5, "no confirmed critical point", ha="center", transform=axes[0, 0].transAxes)
    fig.suptitle(title)
    plots.save(fig, figures_dir, f"{SCRIPT}_ratio_vs_loss")

    band = index_band(results)
    fig, axes = plots.figure(ncols=2, width=5.0, height=3.9, sharey=True, sharex=True)
    plot_points(axes[0, 0], runs, embedded, lambda r: r["shares"][main]["negative_share"], band)
    axes[0, 0].set(xscale="log", xlabel="loss (MSE)", ylabel=f"index (share of λ < −tol); dot: tol {main}·max|λ|",
                   title="Confirmed critical points (bars: tol 1e-12..1e-4·max|λ|)")
    plot_not_critical(axes[0, 1], runs, lambda r: r["shares"][main]["negative_share"], band)
    axes[0, 1].set(xscale="log", xlabel="loss (MSE)", title="Gradient-flat and unconverged end points (apart)")
    for ax in axes[0]:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    fig.suptitle("Index vs loss (Dauphin et al. 2014, Fig. 1; Frye et al. 2021)")
    plots.save(fig, figures_dir, f"{SCRIPT}_index_vs_loss")

    fig, axes = plots.figure(ncols=2, width=5.0, height=3.9)
    ax = axes[0, 0]
    kinds = ["adam", "perturbed", "random"]
    bottom = np.zeros(len(kinds))
    for name in OUTCOMES:
        counts = np.array([sum(r["kind"] == k and r["outcome"] == name for r in runs) for k in kinds])
        ax.bar(kinds, counts, bottom=bottom, color=OUTCOME_COLORS[name], edgecolor="white", label=name)
        bottom += counts
    ax.set(ylabel="runs", xlabel="start", title="Outcome by start (Adam snapshot, perturbed, random init)")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    for r in runs:
        finder, confirmation = r["finder_history"], r["confirm_history"]
        offset = r["finder_iterations"]
        ax.plot(np.concatenate([np.array(finder["iteration"]) + 1, np.array(confirmation["iteration"]) + 1 + offset]),
                finder["grad_norm"] + confirmation["grad_norm"], color=OUTCOME_COLORS[r["outcome"]], lw=0.5, alpha=0.4)
    ax.axhline(results["confirm_grad"], color="black", ls="--", lw=1, label=f"‖∇L‖ = {results['confirm_grad']:g}")
    ax.axhline(results["frye_grad"], color="black", ls=":", lw=1, label=f"‖∇L‖ = {results['frye_grad']:g} (Frye)")
    ax.set(xscale="log", yscale="log", xlabel="iteration + 1 (finder, then confirmation)", ylabel="‖∇L‖₂",
           title="‖∇L‖ of every run (colour: outcome)")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_outcomes")

    fig, axes = plots.figure(ncols=2, width=5.0, height=3.9)
    ax = axes[0, 0]
    tols = list(results["rel_tols"])
    points = [r for r in runs + embedded if r["outcome"] == "critical"]
    groups = {kind: [r for r in points if r["minimum_test"]["kind"] == kind] for kind in KINDS}
    for (label, chosen), shift in zip(groups.items(), (-0.15, 0.0, 0.15)):
        if not chosen:
            continue
        per_tol = np.array([[r["shares"][t]["minimal_ratio"] for t in tols] for r in chosen])
        low, median, high = np.percentile(per_tol, [25, 50, 75], axis=0)
        ax.errorbar(np.arange(len(tols)) + shift, median, yerr=[median - low, high - median], fmt="o-", capsize=3,
                    color=KIND_COLORS[label], label=f"{label} by the minimum test ({len(chosen)})")
    ax.set_xticks(np.arange(len(tols)), [f"{t}·max|λ|" for t in tols], fontsize=7)
    ax.set(xlabel="tolerance (λ > tol counts as positive)", ylabel="minimal ratio (median, quartiles)",
           title="Confirmed and embedded critical points")
    ax = axes[0, 1]
    for (name, c), color in zip(results["radius_factors"].items(), plots.PALETTE):
        ax.scatter([r["loss"] for r in points], [r["sampled"][name]["ratio"] for r in points], s=12, color=color,
                   label=f"½r²λmax = {c:g}·L")
    ax.set(xlabel="loss at the critical point", ylabel="sampled ratio", title="Sampling definition at three radii")
    if points:
        ax.set_xscale("log")
        for a in axes[0]:
            a.legend(fontsize=7)
    else:
        for a in axes[0]:
            a.text(0.5, 0.5, "no confirmed critical point", ha="center", transform=a.transAxes)
    plots.save(fig, figures_dir, f"{SCRIPT}_tolerance")


def main():
    args = parse_args()
    config = {"trajectories": args.trajectories, "adam_steps": args.adam_steps, "starts": args.starts,
              "newton_iters": args.newton_iters, "confirm_iters": args.confirm_iters, "small_steps": args.small_steps,
              "small_trajectories": args.small_trajectories, "small_scales": SMALL_SCALES,
              "finder": args.finder, "seed": args.seed, "width": WIDTH, "points": POINTS, "function": FUNCTION,
              "adam_lr": ADAM_LR, "snapshot_every": SNAPSHOT_EVERY, "perturbed": PERTURBED, "perturb": PERTURB,
              "random_scales": RANDOM_SCALES, "small_widths": SMALL_WIDTHS, "small_starts": SMALL_STARTS,
              "validation_starts": VALIDATION_STARTS, "validation_radius": VALIDATION_RADIUS, "same_loss": SAME_LOSS,
              "rel_tols": REL_TOLS, "main_tol": MAIN_TOL, "samples": SAMPLES, "radius_factors": RADIUS_FACTORS,
              "confirm_grad": CONFIRM_GRAD, "kernel_tol": KERNEL_TOL, "flat_share": FLAT_SHARE}

    def summarize(results):
        runs, embedded = results["runs"], results["embedded"]
        counts = ", ".join(f"{results['counts'][name]} {name}" for name in OUTCOMES)
        print(f"{len(runs)} runs ({runs[0]['finder']}): {counts}; stops: "
              + ", ".join(f"{n} {s}" for s, n in results["stops"].items()))
        critical = [r for r in runs if r["outcome"] == "critical"]
        if critical:
            kinds = ", ".join(f"{sum(r['minimum_test']['kind'] == k for r in critical)} {k}" for k in KINDS)
            losses = [r["loss"] for r in critical]
            print(f"confirmed: losses {min(losses):.3e} .. {max(losses):.3e}; "
                  f"{sum(r['constant_output'] for r in critical)} at the constant-output family; {kinds}; "
                  f"{len({r['symmetry_class'] for r in critical})} symmetry classes")
        for s in results["small"]:
            print(f"1-{s['width']}-1: {len(s['points'])} critical points (losses "
                  + ", ".join(f"{p['loss']:.3e}" for p in s["points"]) + f") from {s['runs']} runs")
        ok = sum(e["outcome"] == "critical" for e in embedded)
        kinds = ", ".join(f"{sum((e['minimum_test'] or {}).get('kind') == k for e in embedded)} {k}" for k in KINDS)
        print(f"embedded: {ok} of {len(embedded)} confirmed in the 1-{WIDTH}-1 net; {kinds}")
        validation = results["validation"]
        print(f"finder from near the embedded points: {sum(v['success'] for v in validation)} of {len(validation)} "
              f"back at a confirmed critical point of the same loss")
        print("seconds (summed over jobs): " + ", ".join(f"{k} {v:.1f}" for k, v in results["seconds"].items()))

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
