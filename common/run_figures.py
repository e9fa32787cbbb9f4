"""Run every script in turn (make figures / make quick), print each one's wall time and the total,
and write them to results/timings.json ({"scripts": {command: seconds}, "total": seconds, "computed":
{command: [results files it computed; empty when everything was reused]}, "cpu", "cores"});
at report settings, then rewrite REPORT.md from the new results (python -m common.report).
Before anything runs, every dataset the scripts need must be there (or download): a missing one
is one line and exit 1, not a failure minutes into the run.

    python -m common.run_figures           # report settings (make figures): what results/ and
                                           # results/cache/ hold for this config and code is reused,
                                           # the rest computed, so a killed run resumes
    python -m common.run_figures --force   # every result recomputed (make clean does the same)
    python -m common.run_figures --quick   # every script with --quick (make quick; timings in results/quick/)
    python -m common.run_figures --side-by-side 3   # up to 3 scripts at once (default: cores // 2;
                                           # one ordered log either way)
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
from common.results import cpu_model

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


AFTER = {"hw1_3_interp.py": "hw1_3_sensitivity.py",     # they use the shared models hw1_3_sensitivity
         "hw1_3_sharpness.py": "hw1_3_sensitivity.py"}  # trains: never before it ends
CORES_PER_SCRIPT = 2              # every script keeps two cores busy (two side-by-side one-thread workers,
                                  # or two threads): on C cores, C // 2 scripts run side by side

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


def run_side_by_side(commands, extra, slots):
    """Run the commands, up to `slots` at once, each only after the command it needs (AFTER) has
    ended, and print one ordered log: the output of the first unfinished command live, the others'
    kept and printed in command order when their turn comes. Returns ({name: seconds}, the name of
    a failed command or None); after a failure nothing new starts and the others are ended."""
    import threading
    names = [" ".join(c) for c in commands]
    outputs, procs, readers, seconds = {i: [] for i in range(len(names))}, {}, {}, {}
    pending, shown, printed, headed, failed = list(range(len(names))), 0, 0, False, None

    def read(i):
        for line in procs[i].stdout:
            outputs[i].append(line)

    def ready(i):
        needed = AFTER.get(commands[i][0])
        return all(j in seconds for j in range(i) if commands[j][0] == needed)
    try:
        while shown < len(names):
            running = [i for i in procs if i not in seconds]
            for i in list(pending):
                if len(running) >= slots or failed is not None:
                    break
                if ready(i):
                    procs[i] = subprocess.Popen([sys.executable, *commands[i], *extra], stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, text=True, bufsize=1)
                    procs[i].started = time.perf_counter()
                    readers[i] = threading.Thread(target=read, args=(i,), daemon=True)
                    readers[i].start()
                    pending.remove(i)
                    running.append(i)
            for i in running:
                if procs[i].poll() is not None:
                    readers[i].join()                        # every line of it read
                    seconds[i] = round(time.perf_counter() - procs[i].started, 1)
                    if procs[i].returncode != 0 and failed is None:
                        failed = i
            if shown not in procs:                           # not started: only after a failure
                break
            if not headed:
                print(f"\n=== {names[shown]} {' '.join(extra)}", flush=True)
                headed = True
            lines = outputs[shown]
            while printed < len(lines):
                print(lines[printed], end="", flush=True)
                printed += 1
            if shown in seconds and printed == len(outputs[shown]):
                if shown == failed:
                    break
                shown, printed, headed = shown + 1, 0, False
            else:
                time.sleep(0.1)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
    return {names[i]: t for i, t in seconds.items()}, (names[failed] if failed is not None else None)


def run_ids(folder):
    """{results name: run id} of folder/*.json (run ids change when a script computes anew)."""
    import glob
    ids = {}
    for path in glob.glob(os.path.join(folder, "*.json")):
        try:
            with open(path) as f:
                ids[os.path.basename(path)[:-5]] = json.load(f).get("provenance", {}).get("run_id")
        except (OSError, ValueError, AttributeError):
            continue
    return ids


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
    results_folder = os.path.join(option(extra, "--out-dir", "."), "results", "quick" if quick else "")
    slots = max(1, int(option(extra, "--side-by-side", (os.cpu_count() or 1) // CORES_PER_SCRIPT)))
    extra = [a for i, a in enumerate(extra) if a != "--side-by-side" and (i == 0 or extra[i - 1] != "--side-by-side")]
    timings, computed, start = {}, {}, time.perf_counter()
    if slots > 1 and len(commands) > 1:
        before = run_ids(results_folder)
        print(f"running up to {slots} scripts side by side ({os.cpu_count()} cores, {CORES_PER_SCRIPT} per script)")
        timings, failed = run_side_by_side(commands, extra, slots)
        after = run_ids(results_folder)
        for command in commands:
            name = " ".join(command)
            mine = [r for r in after if r == command[0][:-3] or r.startswith(command[0][:-3] + "_")]
            if "--dataset" in command:
                mine = [r for r in mine if r.endswith(command[command.index("--dataset") + 1])]
            computed[name] = sorted(r for r in mine if after[r] != before.get(r))
        if failed:
            print(f"run_figures: {failed} failed", file=sys.stderr)
            sys.exit(1)
        commands = []                                 # done
    for command in commands:
        name = " ".join(command)
        print(f"\n=== {name} {' '.join(extra)}", flush=True)
        before = run_ids(results_folder)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, *command, *extra])
        timings[name] = round(time.perf_counter() - t0, 1)
        after = run_ids(results_folder)
        computed[name] = sorted(r for r in after if after[r] != before.get(r))   # results files it wrote
        if proc.returncode != 0:
            print(f"run_figures: {name} failed with exit status {proc.returncode}", file=sys.stderr)
            sys.exit(proc.returncode)
    total = round(time.perf_counter() - start, 1)
    print("\n=== wall time per script")
    for name, seconds in timings.items():
        print(f"{seconds:8.1f} s  {name}{'' if computed[name] else '  (reused: nothing to compute)'}")
    print(f"{total:8.1f} s  total")
    if "--plot-only" not in extra:                    # redrawing is not a timing of the experiments
        path = os.path.join(option(extra, "--out-dir", "."), "results", "quick" if quick else "", "timings.json")
        record = {"scripts": timings, "total": total, "computed": computed, "cpu": cpu_model(), "cores": os.cpu_count()}
        atomic_write_bytes(path, (json.dumps(record, indent=1) + "\n").encode())
    if not quick:                                     # REPORT.md quotes the new results
        sys.exit(report.main(["--root", option(extra, "--out-dir", report.ROOT)]))


if __name__ == "__main__":
    main(sys.argv[1:])
