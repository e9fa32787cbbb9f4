"""HW1-1 function fitting: the default run (12 models x 20000 full-batch steps) done our way
(batched matmuls per architecture, two single-thread processes side by side) vs the plain way
(one model at a time, torch.optim.Adam, one process), plus torch.func.vmap in one process.

    python -m bench.bench_simulate            # the full default work (several minutes: the plain loop is slow)
    python -m bench.bench_simulate --steps 2000
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
    for depth, lr in sim.ARCHITECTURES.values():
        widths = mlp_widths_for_params(1, depth, 1, sim.TARGET_PARAMS)
        for f in FUNCTIONS:
            x, y = function_data(f, points)
            model = mlp(1, widths, 1)
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
            for _ in range(steps):
                loss = torch.nn.functional.mse_loss(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()


def vmap_one_process(steps, points):
    torch.set_num_threads(1)
    for depth, lr in sim.ARCHITECTURES.values():
        widths = mlp_widths_for_params(1, depth, 1, sim.TARGET_PARAMS)
        data = [function_data(f, points) for f in FUNCTIONS]
        models = [mlp(1, widths, 1) for _ in FUNCTIONS]
        cfg = TrainConfig(epochs=steps, lr=lr, batch_size=None, loss="mse", schedule="cosine")
        train_together(models, torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data]), cfg,
                       method="vmap")


def ours(steps, points):
    run_side_by_side(sim.fit_architecture, sim.make_jobs(list(FUNCTIONS), steps, points, 0, torch.device("cpu")),
                     workers=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=sim.STEPS)
    parser.add_argument("--points", type=int, default=sim.N_POINTS)
    args = parser.parse_args()
    print(f"# HW1-1 simulate, {len(sim.ARCHITECTURES) * len(FUNCTIONS)} models x {args.steps} steps, "
          f"{args.points} points; {machine()}")
    ours_s, _ = timed(lambda: ours(args.steps, args.points))
    vmap_s, _ = timed(lambda: vmap_one_process(args.steps, args.points))
    plain_s, _ = timed(lambda: plain(args.steps, args.points))
    report("simulate: ours vs one model at a time", ours_s, plain_s)
    report("simulate: ours vs torch.func.vmap, 1 process", ours_s, vmap_s, plain_label="vmap ")


if __name__ == "__main__":
    main()
