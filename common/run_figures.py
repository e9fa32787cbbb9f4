"""Run every script in turn (make figures / make quick), print each one's wall time and the total,
and write them to results/timings.json ({"scripts": {command: seconds}, "total": seconds});
at report settings, then rewrite REPORT.md from the new results (python -m common.report).
Before anything runs, every dataset the scripts need must be there (or download): a missing one
is one line and exit 1, not a failure minutes into the run.

    python -m common.run_figures           # report settings (make figures): what results/ and
                                           # results/cache/ hold for this config and code is reused,
                                           # the rest computed, so a killed run resumes
    python -m common.run_figures --force   # every result recomputed (make clean does the same)
    python -m common.run_figures --quick   # every script with --quick (make quick; timings in results/quick/)
    python -m common.run_figures --plot-only   # redraw every figure from results/ (no timings written)
"""
import json
import os
import subprocess
import sys
import time

from common import report
from common.cli import HW1Error
from common.data import ensure_files, resolve_data_dir
from common.files import atomic_write_bytes

COMMANDS = [                      # the report's figures, in report order (but hw1_3_sensitivity, which
                                  # measures every shared model, first: it trains them all in one pool)
    ["hw1_1_simulate.py"],
    ["hw1_1_mnist.py", "--dataset", "mnist"],
    ["hw1_1_mnist.py", "--dataset", "fashion-mnist"],
    ["hw1_2_pca.py"],
    ["hw1_2_gradnorm.py"],
    ["hw1_2_minratio.py"],
    ["hw1_2_surface.py"],
    ["hw1_3_random_labels.py"],
    ["hw1_3_params.py"],
    ["hw1_3_sensitivity.py"],
    ["hw1_3_interp.py"],
    ["hw1_3_sharpness.py"],
    ["hw1_3_keskar.py"],
]


DATASETS = {"hw1_1_mnist.py": None, "hw1_1_simulate.py": (), "hw1_2_minratio.py": ()}   # None: its --dataset
DEFAULT_DATASETS = ("mnist",)     # every other script reads MNIST


def datasets_needed(commands):
    """The datasets the commands read, in first-use order."""
    needed = []
    for command in commands:
        names = DATASETS.get(command[0], DEFAULT_DATASETS)
        if names is None:
            names = (command[command.index("--dataset") + 1],) if "--dataset" in command else ("mnist",)
        needed += [n for n in names if n not in needed]
    return needed


def option(extra, flag, default):
    """The value of `flag` among the extra arguments (--flag value or --flag=value), else default."""
    for i, arg in enumerate(extra):
        if arg == flag and i + 1 < len(extra):
            return extra[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return default


def clean(out_dir, quick):
    """Remove the stored results and caches of report (or --quick) settings under out_dir: the next
    run recomputes everything (make clean; run_figures --force). Figures are redrawn anyway."""
    import glob
    import shutil
    folder = os.path.join(out_dir, "results", "quick" if quick else "")
    shutil.rmtree(os.path.join(folder, "cache"), ignore_errors=True)
    for path in glob.glob(os.path.join(folder, "*.json")):
        os.unlink(path)
    print(f"removed the stored results and caches under {folder}")


def main(extra):
    quick = "--quick" in extra
    if "--force" in extra:                            # recompute everything once (not once per script:
        extra = [a for a in extra if a != "--force"]  # the shared HW1-3 models are trained by the first
        clean(option(extra, "--out-dir", "."), quick)  # script that needs them and reused by the others)
    commands = [c for c in COMMANDS
                if not (quick and c[0] == "hw1_1_mnist.py" and "fashion-mnist" in c)]   # quick: one dataset
    if "--plot-only" not in extra:
        try:
            for name in datasets_needed(commands):
                ensure_files(name, resolve_data_dir(option(extra, "--data-dir", None)))
        except HW1Error as error:
            print(f"run_figures: error: {error}", file=sys.stderr)
            sys.exit(1)
    timings, start = {}, time.perf_counter()
    for command in commands:
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
        path = os.path.join(option(extra, "--out-dir", "."), "results", "quick" if quick else "", "timings.json")
        atomic_write_bytes(path, (json.dumps({"scripts": timings, "total": total}, indent=1) + "\n").encode())
    if not quick:                                     # REPORT.md quotes the new results
        sys.exit(report.main(["--root", option(extra, "--out-dir", report.ROOT)]))


if __name__ == "__main__":
    main(sys.argv[1:])
