"""Run every script in turn (make figures / make quick), print each one's wall time and the total,
and write them to results/timings.json ({"scripts": {command: seconds}, "total": seconds});
at report settings, then rewrite REPORT.md from the new results (python -m common.report).

    python -m common.run_figures --force   # report settings, every result recomputed (make figures)
    python -m common.run_figures --quick   # every script with --quick (timings in results/quick/)
    python -m common.run_figures --plot-only   # redraw every figure from results/ (no timings written)
"""
import json
import os
import subprocess
import sys
import time

from common import report
from common.results import atomic_write_bytes

COMMANDS = [                      # the report's figures, in report order
    ["hw1_1_simulate.py"],
    ["hw1_1_mnist.py", "--dataset", "mnist"],
    ["hw1_1_mnist.py", "--dataset", "fashion-mnist"],
    ["hw1_2_pca.py"],
    ["hw1_2_gradnorm.py"],
    ["hw1_2_minratio.py"],
    ["hw1_2_surface.py"],
    ["hw1_3_random_labels.py"],
    ["hw1_3_params.py"],
    ["hw1_3_interp.py"],
    ["hw1_3_sensitivity.py"],
    ["hw1_3_sharpness.py"],
]


def main(extra):
    quick = "--quick" in extra
    timings, start = {}, time.perf_counter()
    for command in COMMANDS:
        if quick and command[0] == "hw1_1_mnist.py" and "fashion-mnist" in command:
            continue                                  # quick: one dataset is enough to exercise the path
        name = " ".join(command)
        print(f"\n=== {name} {' '.join(extra)}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, *command, *extra])
        timings[name] = round(time.perf_counter() - t0, 1)
        if proc.returncode != 0:
            print(f"run_figures: {name} failed with exit status {proc.returncode}", file=sys.stderr)
            sys.exit(proc.returncode)
    total = round(time.perf_counter() - start, 1)
    print("\n=== wall time per script")
    for name, seconds in timings.items():
        print(f"{seconds:8.1f} s  {name}")
    print(f"{total:8.1f} s  total")
    if "--plot-only" not in extra:                    # redrawing is not a timing of the experiments
        path = os.path.join("results", "quick" if quick else "", "timings.json")
        atomic_write_bytes(path, (json.dumps({"scripts": timings, "total": total}, indent=1) + "\n").encode())
    if not quick:                                     # REPORT.md quotes the new results
        sys.exit(report.main([]))


if __name__ == "__main__":
    main(sys.argv[1:])
