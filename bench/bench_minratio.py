"""HW1-2 critical points: the finder of hw1_2_minratio.py (damped Newton-MR) against the plain
baseline, gradient-norm minimization (Adam on 1/2 ||grad L||^2), and against the previous finder,
a descent trust region on L (minima only), on the same 240 starts and the
same number of iterations, each run as a user runs the script (`--finder`, a scratch folder).
Prints the wall time of each and how many runs ended critical / gradient-flat / not converged.

    python -m bench.bench_minratio        # about 4 minutes
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from bench.common import machine, report, timed
from common.critical import OUTCOMES

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hw1_2_minratio.py")


def run_script(finder, extra):
    """(seconds, results) of one full run of hw1_2_minratio.py with `finder`, in a scratch folder."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, SCRIPT, "--force", "--finder", finder, "--out-dir", scratch, *extra]
        seconds, done = timed(lambda: subprocess.run(command, capture_output=True, text=True))
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        with open(os.path.join(scratch, "results", "hw1_2_minratio.json")) as f:
            return seconds, json.load(f)["results"]


def describe(results):
    counts = ", ".join(f"{results['counts'][name]} {name}" for name in OUTCOMES)
    critical = [r["loss"] for r in results["runs"] if r["outcome"] == "critical"]
    span = f"; critical losses {min(critical):.1e}..{max(critical):.1e}" if critical else ""
    return f"{len(results['runs'])} runs: {counts}{span}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the scripts' --quick settings (a smoke run)")
    args = parser.parse_args()
    extra = ["--quick"] if args.quick else []
    print(f"# hw1_2_minratio: critical-point finder vs gradient-norm minimization; {machine()}")
    ours_s, ours = run_script("newton_mr", extra)
    plain_s, plain = run_script("gradient_norm", extra)
    descent_s, descent = run_script("descent_trust_region", extra)
    print(f"newton_mr (default)    {describe(ours)}")
    print(f"gradient_norm          {describe(plain)}")
    print(f"descent_trust_region   {describe(descent)}; saddles among the critical points: "
          f"{sum(r['outcome'] == 'critical' and r['shares']['1e-6']['negative_share'] > 0 for r in descent['runs'])}")
    report("whole script, same starts and iterations", ours_s, plain_s, ours_label="newton_mr",
           plain_label="gradient_norm")
    report("whole script, same starts and iterations", ours_s, descent_s, ours_label="newton_mr",
           plain_label="descent_trust_region")


if __name__ == "__main__":
    main()
