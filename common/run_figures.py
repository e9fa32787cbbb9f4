"""Run every script in turn (make figures / make quick), print each one's wall time and the total,
and write them to results/timings.json ({"scripts": {command: seconds}, "total": seconds, "computed":
{command: [results files it computed; empty when everything was reused]}, "computing_seconds":
{command: seconds of the latest run in which it computed, kept across reusing runs}, "cpu", "cores"});
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
    python -m common.run_figures --expect 4 8  # what make figures should take on 4 and 8 cores: this
                                           # scheduler replayed on the per-script wall times of the last
                                           # full run (results/timings.json), each script on its 2 cores
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

COMMANDS = [                      # the report's figures, in report order (the log's order; side by side,
                                  # scripts start by the longest chain first: start_order)
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


def waits_for(commands, i, after=None):
    """The indices of the earlier commands that command i must wait for: those running the script
    it needs (AFTER)."""
    needed = (AFTER if after is None else after).get(commands[i][0])
    return [j for j in range(i) if commands[j][0] == needed]


def start_order(commands, seconds=None, after=None):
    """The indices of the commands in the order a free slot takes them: by the longest chain of
    scripts that must run one after the other from each (its own time plus that of the scripts
    that need it, AFTER), longest first, with `seconds` ({name: s}) from the last full run; command
    order where a time is missing (no full run yet) and for ties. The log stays in command order."""
    after = AFTER if after is None else after
    names = [" ".join(c) for c in commands]
    if not seconds or any(n not in seconds for n in names):
        return list(range(len(names)))

    def chain(i):
        needing = [j for j in range(i + 1, len(commands)) if i in waits_for(commands, j, after)]
        return seconds[names[i]] + max((chain(j) for j in needing), default=0.0)
    return sorted(range(len(names)), key=lambda i: (-chain(i), i))


def run_side_by_side(commands, extra, slots, order=None):
    """Run the commands, up to `slots` at once, each only after the command it needs (AFTER) has
    ended, a free slot taking the next ready one in `order` (indices; default command order), and
    print one ordered log: the output of the first unfinished command live, the others' kept and
    printed in command order when their turn comes. Returns ({name: seconds}, the name of a failed
    command or None); after a failure nothing new starts and the others are ended."""
    import threading
    names = [" ".join(c) for c in commands]
    outputs, procs, readers, seconds = {i: [] for i in range(len(names))}, {}, {}, {}
    pending = list(order) if order is not None else list(range(len(names)))
    shown, printed, headed, failed = 0, 0, False, None

    def read(i):
        for line in procs[i].stdout:
            outputs[i].append(line)

    def ready(i):
        return all(j in seconds for j in waits_for(commands, i))
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
            if shown not in procs:                           # not started yet (another went first),
                if failed is not None:                       # or never: after a failure
                    break
                time.sleep(0.1)
                continue
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


def expected_wall(seconds, slots, commands=COMMANDS, after=None, order=None):
    """The wall time of run_side_by_side on `slots` slots when script i takes seconds[name_i]: the
    same rules replayed as events (a free slot takes the next ready command in `order`, default
    command order; at most `slots` at once; a script only after the one it needs (AFTER) has
    ended). Returns (total seconds, {name: (start, end)})."""
    after = AFTER if after is None else after
    names = [" ".join(c) for c in commands]
    pending = list(order) if order is not None else list(range(len(names)))
    running, spans, now = {}, {}, 0.0
    while pending or running:
        for i in list(pending):
            if len(running) >= slots:
                break
            if all(j in spans and spans[j][1] <= now for j in waits_for(commands, i, after)):
                spans[i] = (now, now + seconds[names[i]])
                running[i] = spans[i][1]
                pending.remove(i)
        now = min(running.values())                  # the next script to end
        running = {i: end for i, end in running.items() if end > now}
    return max(end for _, end in spans.values()), {names[i]: span for i, span in spans.items()}


def print_expectations(cores, folder):
    """Print, for each core count, the wall time make figures should take there: every script's
    wall time from the latest run in which it computed (computing_seconds), replayed by
    expected_wall with cores // CORES_PER_SCRIPT slots in start_order."""
    seconds = computing_seconds(folder)
    missing = [" ".join(c) for c in COMMANDS if " ".join(c) not in seconds]
    if missing:
        raise HW1Error(f"no computing run timed in {folder}/timings.json for: {', '.join(missing)} (run make figures)")
    seconds = {" ".join(c): seconds[" ".join(c)] for c in COMMANDS}
    print(f"each script's wall time in the latest run that computed it (in all {sum(seconds.values()):.0f} s "
          f"one after another, as on {CORES_PER_SCRIPT} cores); each script keeps {CORES_PER_SCRIPT} cores")
    for n in cores:
        slots = max(1, n // CORES_PER_SCRIPT)
        total, _ = expected_wall(seconds, slots, order=start_order(COMMANDS, seconds))
        print(f"{n:3d} cores: {slots} scripts side by side, expected {total:7.0f} s ({total / 60:.1f} min; "
              f"longest script {max(seconds.values()):.0f} s)")


def computing_seconds(folder):
    """{command: wall seconds of the latest run in which it computed} from folder/timings.json
    ("computing_seconds", kept across runs that reuse), {} when there is none or it is unreadable."""
    try:
        with open(os.path.join(folder, "timings.json")) as f:
            record = json.load(f)
        kept = record.get("computing_seconds")
        if kept is None:                              # a record from before the field: its computing scripts
            kept = {name: t for name, t in record["scripts"].items() if record["computed"].get(name)}
        return {name: float(t) for name, t in kept.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


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
    if "--expect" in extra:
        try:
            cores = [int(a) for a in extra[extra.index("--expect") + 1:]]
            if not cores or min(cores) < 1:
                raise ValueError
        except ValueError:
            print("run_figures: error: --expect takes core counts >= 1, e.g. --expect 4 8", file=sys.stderr)
            sys.exit(2)
        try:
            print_expectations(cores, os.path.join(report.ROOT, "results"))
        except (OSError, ValueError, HW1Error) as error:
            print(f"run_figures: error: {error}", file=sys.stderr)
            sys.exit(1)
        return
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
        order = start_order(commands, computing_seconds(results_folder))     # the longest chain first
        timings, failed = run_side_by_side(commands, extra, slots, order)
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
        kept = computing_seconds(results_folder)
        kept.update({name: t for name, t in timings.items() if computed[name]})
        record = {"scripts": timings, "total": total, "computed": computed, "computing_seconds": kept,
                  "cpu": cpu_model(), "cores": os.cpu_count()}
        atomic_write_bytes(path, (json.dumps(record, indent=1) + "\n").encode())
    if not quick:                                     # REPORT.md quotes the new results
        sys.exit(report.main(["--root", option(extra, "--out-dir", report.ROOT)]))


if __name__ == "__main__":
    main(sys.argv[1:])
