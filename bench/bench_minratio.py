"""HW1-2 critical points (hw1_2_minratio.py): what each stage costs, and the finder against the
gradient-norm baseline on known critical points.

1. The whole script at its defaults, as a user runs it (`--force`, a scratch folder): wall time,
   CPU time of the process and its workers, the seconds of each stage summed over the jobs
   (Adam, finder, confirmation, measures, the small nets, embedding, validation) and the outcomes.
2. The embedded critical points of that run (critical points of 1-k-1 nets in the 1-8-1 net, known
   exactly): from VALIDATION_STARTS starts at each of two distances around every one, each finder
   (damped Newton-MR, the script's default; gradient-norm minimization, Adam on 1/2 ||grad L||^2,
   the baseline of Pennington & Bahri 2017; the descent trust region, minima only) for the script's
   NEWTON_ITERS iterations, then the script's confirmation. Success: a confirmed critical point at
   the embedded point's loss (relative SAME_LOSS). "alone": the finder's own end point has
   ||grad L|| <= 1e-9 at that loss (before any confirmation).

    python -m bench.bench_minratio          # about 2-5 minutes on 2 cores
    python -m bench.bench_minratio --quick  # the script's --quick settings (a smoke run)
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import torch

import hw1_2_minratio as minratio
from bench.common import machine, timed
from common.critical import OUTCOMES, STOP_GRAD

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hw1_2_minratio.py")
RADII = (1e-2, 1e-1)


def run_script(extra):
    """(wall seconds, CPU seconds of the script and its workers, results) of one run of the script."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, SCRIPT, "--force", "--out-dir", scratch, *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, done = timed(lambda: subprocess.run(command, capture_output=True, text=True))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        folder = os.path.join(scratch, "results", "quick" if "--quick" in extra else "")
        with open(os.path.join(folder, "hw1_2_minratio.json")) as f:
            return seconds, cpu, json.load(f)


def validate(embedded, finder, radius, newton_iters, confirm_iters):
    """Starts around every embedded point: (seconds, finder-alone successes, successes, starts)."""
    problem = minratio.Problem(minratio.WIDTH, "cpu")
    theta = torch.tensor([e["theta"] for e in embedded], dtype=torch.float64)
    target = torch.tensor([e["loss"] for e in embedded], dtype=torch.float64).repeat_interleave(
        minratio.VALIDATION_STARTS)
    noise = torch.randn(len(theta), minratio.VALIDATION_STARTS, minratio.N_PARAMS,
                        generator=torch.Generator().manual_seed(int(1e6 * radius)), dtype=torch.float64)
    starts = (theta[:, None, :] + radius * noise / noise.norm(dim=2, keepdim=True)).flatten(0, 1)
    start = time.perf_counter()
    final, info, _, _ = minratio.find_and_confirm(problem, starts, finder, newton_iters, confirm_iters)
    seconds = time.perf_counter() - start
    same = ((problem.loss(final) - target).abs() <= minratio.SAME_LOSS * target).tolist()
    alone = [n <= STOP_GRAD and abs(loss - float(t)) <= minratio.SAME_LOSS * float(t)
             for n, loss, t in zip(info["finder_grad_norm"], info["finder_loss"], target)]
    success = [s and o == "critical" for s, o in zip(same, info["outcome"])]
    return seconds, sum(alone), sum(success), len(starts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the script's --quick settings (a smoke run)")
    args = parser.parse_args()
    extra = ["--quick"] if args.quick else []
    torch.set_num_threads(1)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"# hw1_2_minratio: stage costs; finders on embedded critical points; {machine()}; load {' '.join(load)}")
    wall, cpu, saved = run_script(extra)
    results, config = saved["results"], saved["config"]
    counts = ", ".join(f"{results['counts'][name]} {name}" for name in OUTCOMES)
    print(f"whole script, defaults{' (--quick)' if args.quick else ''}: {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"(process and workers); {len(results['runs'])} runs: {counts}")
    print("  stage seconds, summed over the side-by-side jobs: "
          + ", ".join(f"{k} {v:.1f}" for k, v in results["seconds"].items()))
    embedded = [e for e in results["embedded"] if e["outcome"] == "critical"]
    print(f"  {len(embedded)} embedded critical points; the script's own validation: "
          f"{sum(v['success'] for v in results['validation'])} of {len(results['validation'])} starts succeeded")
    print(f"finders from starts around the {len(embedded)} embedded points ({minratio.VALIDATION_STARTS} per point and "
          f"distance, {config['newton_iters']} finder + at most {config['confirm_iters']} confirmation iterations, "
          "one thread)")
    for radius in RADII:
        for finder in ("newton_mr", "gradient_norm", "descent_trust_region"):
            seconds, alone, success, starts = validate(embedded, finder, radius, config["newton_iters"],
                                                       config["confirm_iters"])
            print(f"  distance {radius:g}  {finder:<21} alone {alone:3d}/{starts}   with the confirmation "
                  f"{success:3d}/{starts}   {seconds:6.1f} s", flush=True)


if __name__ == "__main__":
    main()
