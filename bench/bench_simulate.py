"""HW1-1 function fitting.

Default: what the seeds cost. The previous default (one seed: 12 models x 20000 full-batch steps on
1000 points) beside today's report runs (SEEDS seeds on N_POINTS points) and today's learning-rate
sweep (TUNING_SEEDS seeds x LR_GRID), each done the script's way (batched matmuls per job, two
single-thread processes side by side), in one run.

--versus-plain: one seed's 12 models our way vs the plain way (one model at a time,
torch.optim.Adam, one process) and torch.func.vmap in one process (the plain loop takes minutes).

    python -m bench.bench_simulate                    # the seeds' cost, about 4 minutes
    python -m bench.bench_simulate --versus-plain [--steps 2000]
"""
import argparse

import torch

import hw1_1_simulate as sim
from bench.common import machine, report, timed
from common.data import FUNCTIONS, function_data
from common.models import mlp, mlp_widths_for_params
from common.train import TrainConfig, run_side_by_side, train_together


def plain(steps, points):
    """One model at a time, the textbook loop: nn.Module, Adam (non-fused), MSE."""
    torch.set_num_threads(1)
    for depth in sim.ARCHITECTURES.values():
        widths = mlp_widths_for_params(1, depth, 1, sim.TARGET_PARAMS)
        for f in FUNCTIONS:
            x, y = function_data(f, points)
            model = mlp(1, widths, 1)
            opt = torch.optim.Adam(model.parameters(), lr=PREVIOUS_RATES[depth])
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
            for _ in range(steps):
                loss = torch.nn.functional.mse_loss(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()


def vmap_one_process(steps, points):
    torch.set_num_threads(1)
    for depth in sim.ARCHITECTURES.values():
        widths = mlp_widths_for_params(1, depth, 1, sim.TARGET_PARAMS)
        data = [function_data(f, points) for f in FUNCTIONS]
        models = [mlp(1, widths, 1) for _ in FUNCTIONS]
        cfg = TrainConfig(epochs=steps, lr=PREVIOUS_RATES[depth], batch_size=None, loss="mse", schedule="cosine")
        train_together(models, torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data]), cfg,
                       method="vmap")


PREVIOUS_RATES = {1: 1e-3, 2: 1e-2, 4: 3e-3, 8: 1e-2}      # hidden layers: the one-seed sweep's rates


def script_way(steps, points, names, rates):
    """The script's jobs for these seed names and rates ({architecture: [rates]}), side by side."""
    jobs = sim.make_jobs(rates, list(FUNCTIONS), names, steps, points, 0, torch.device("cpu"))
    run_side_by_side(sim.fit, jobs, workers=2)


def ours(steps, points):
    script_way(steps, points, ["seed-0"], {a: [PREVIOUS_RATES[d]] for a, d in sim.ARCHITECTURES.items()})


def seeds_cost(steps):
    print(f"# HW1-1 simulate: the cost of seeds, {len(sim.ARCHITECTURES)} architectures x {len(FUNCTIONS)} "
          f"functions x {steps} steps, 2 processes; {machine()}")
    previous = {a: [PREVIOUS_RATES[d]] for a, d in sim.ARCHITECTURES.items()}
    one_seed, _ = timed(lambda: script_way(steps, 1000, ["seed-0"], previous))
    seeds, _ = timed(lambda: script_way(steps, sim.N_POINTS, sim.seed_names("seed", sim.SEEDS), previous))
    sweep, _ = timed(lambda: script_way(steps, sim.N_POINTS, sim.seed_names("tune", sim.TUNING_SEEDS),
                                        {a: sim.LR_GRID for a in sim.ARCHITECTURES}))
    print(f"previous default, 1 seed, 1000 points          {one_seed:8.1f} s")
    print(f"report runs, {sim.SEEDS} seeds, {sim.N_POINTS} points             {seeds:8.1f} s   "
          f"x{seeds / one_seed:.2f} the previous default")
    print(f"sweep, {sim.TUNING_SEEDS} seeds x {len(sim.LR_GRID)} rates, {sim.N_POINTS} points       {sweep:8.1f} s   "
          f"sweep + report runs x{(seeds + sweep) / one_seed:.2f} the previous default", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=sim.STEPS)
    parser.add_argument("--points", type=int, default=1000, help="points of the --versus-plain comparison")
    parser.add_argument("--versus-plain", action="store_true", help="ours vs one model at a time and vmap")
    args = parser.parse_args()
    if not args.versus_plain:
        seeds_cost(args.steps)
        return
    print(f"# HW1-1 simulate, {len(sim.ARCHITECTURES) * len(FUNCTIONS)} models x {args.steps} steps, "
          f"{args.points} points; {machine()}")
    ours_s, _ = timed(lambda: ours(args.steps, args.points))
    vmap_s, _ = timed(lambda: vmap_one_process(args.steps, args.points))
    plain_s, _ = timed(lambda: plain(args.steps, args.points))
    report("simulate: ours vs one model at a time", ours_s, plain_s)
    report("simulate: ours vs torch.func.vmap, 1 process", ours_s, vmap_s, plain_label="vmap ")


if __name__ == "__main__":
    main()
