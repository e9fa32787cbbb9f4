"""One cache for everything a script computes, keyed by its config and the code that computes it.

Every computed thing is stored with a key = {config, code}: the config is the settings that decide
it, the code is a hash of what computes it: the script without its plot*/summarize* functions,
docstrings and comments, and the common/ modules it imports for computing (followed through
their own imports; the presentation modules plots, report, claims, results, files, run_figures,
codekey, png are outside; common/codekey.py computes it). Two kinds of stored things, one rule:
  results/<name>.json          {"key", "config", "provenance", "results"}: what the report reads;
  results/cache/<name>-<k>.pt  tensors (trained weights, per-job results), torch.save'd.
A stored thing is reused exactly when its key equals the key the current config and code give,
so nothing can be stale and nothing needs --force; --force (or `make clean`) recomputes. Figures
are redrawn from the results on every run (cheap), so a plot edit never recomputes and a figure
never comes from other results. A killed run loses only what it had not stored: `make figures`
again recomputes what is missing (finished scripts and finished jobs are reused).

Writes are atomic (common/files.py), one run at a time holds a lock per output, and each results
file records its provenance (run id, code hash, git commit, whether the code was modified, CPU,
threads, library versions, wall time). Figures carry the run id of the results they were drawn
from (checked by `python -m common.report --check`).
"""
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import time
import uuid

import torch

from common.cli import HW1Error, log, resolve_device, set_threads
from common.codekey import code_hash
from common.files import atomic_write_bytes, output_lock, remove_stale_temporaries

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------- where outputs go
def results_dir(args):
    """results/ under --out-dir, or results/quick under --quick."""
    return os.path.join(args.out_dir, "results", "quick" if args.quick else "")


def _make_folder(folder):
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise HW1Error(f"cannot create the output folder {folder} ({error.strerror}); "
                       "choose another --out-dir") from None
    if not os.access(folder, os.W_OK):
        raise HW1Error(f"cannot write to the output folder {folder}; choose another --out-dir")


def output_dirs(args, script):
    """(figures dir, results file) for this run: figures/ and results/<script>.json under
    --out-dir, or figures/quick and results/quick/<script>.json under --quick. A folder that
    cannot be made or written is one HW1Error, before any work."""
    if os.path.exists(args.out_dir) and not os.path.isdir(args.out_dir):
        raise HW1Error(f"--out-dir {args.out_dir} is a file, not a folder")
    figures = os.path.join(args.out_dir, "figures", "quick" if args.quick else "")
    _make_folder(figures)
    _make_folder(results_dir(args))
    return figures, os.path.join(results_dir(args), f"{script}.json")


def make_key(config, code):
    """The key of a stored thing: its config as JSON would write it, and its code hash."""
    return json.loads(json.dumps({"config": config, "code": code}))


def _digest(key):
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------- provenance
def _git(*args):
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit():
    return _git("rev-parse", "--short", "HEAD") or None


def git_modified():
    """True when the code behind results (the scripts hw1_*.py, common/) differs from the commit;
    None without git."""
    status = _git("status", "--porcelain", "--untracked-files=no", "--", "hw1_*.py", "common")
    return None if status is None else bool(status)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance(args, script_path, code, wall_s, run_id):
    return {
        "run_id": run_id, "script": os.path.basename(script_path), "seed": args.seed,
        "device": str(args.device_resolved), "wall_s": round(wall_s, 2),
        "code_hash": code, "git_commit": git_commit(), "git_modified": git_modified(),
        "cpu": cpu_model(), "cores": os.cpu_count(), "threads": torch.get_num_threads(),
        "torch": torch.__version__, "torch_git": torch.version.git_version, "torch_cuda": torch.version.cuda,
        "python": platform.python_version(), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


# ---------------------------------------------------------------------------- stored things
MISSING, DAMAGED, OTHER_KEY, REUSABLE = "missing", "damaged", "other key", "reusable"


def load_results(path, key=None):
    """(status, saved) of a results file: MISSING, DAMAGED (unreadable, not a results file),
    OTHER_KEY (made by another config or code; key None: any key is fine), or REUSABLE."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except FileNotFoundError:
        return MISSING, None
    except (OSError, ValueError):
        return DAMAGED, None
    if (not isinstance(saved, dict) or not isinstance(saved.get("results"), dict) or not saved["results"]
            or not isinstance(saved.get("config"), dict) or not isinstance(saved.get("provenance"), dict)):
        return DAMAGED, None
    if key is not None and saved.get("key") != key:
        return OTHER_KEY, saved
    return REUSABLE, saved


def _cache_path(args, name, key):
    return os.path.join(results_dir(args), "cache", f"{name}-{_digest(key)}.pt")


def stored(args, name, config, code):
    """The value stored under (config, code) in results/cache/<name>-<digest>.pt, or None when
    there is none (or --force). A file that does not load or holds another key is None, with one
    warning line: recomputed, never trusted."""
    key = make_key(config, code)
    path = _cache_path(args, name, key)
    remove_stale_temporaries(os.path.dirname(path), os.path.basename(path))
    if args.force or not os.path.exists(path):
        return None
    try:
        saved = torch.load(path, map_location=args.device_resolved, weights_only=True)
        if not isinstance(saved, dict) or saved.get("key") != key or "value" not in saved:
            raise ValueError("another key or layout")
        return saved["value"]
    except Exception as error:                # truncated, corrupt, not weights-only, another key
        print(f"warning: {path} does not load ({type(error).__name__}: {error}); recomputing", file=sys.stderr)
        return None


def store(args, name, config, code, value):
    """Store tensors and plain values (dicts, lists, numbers, strings) under (config, code), atomically; returns it."""
    key = make_key(config, code)
    buffer = io.BytesIO()
    torch.save({"key": key, "value": value}, buffer)
    atomic_write_bytes(_cache_path(args, name, key), buffer.getvalue())
    return value


def cached(args, name, config, compute, code):
    """stored(...), else compute() -> dict, stored: a thing that is expensive to make (trained
    weights) under the key of its config and code (a code hash: code_hash([...]))."""
    value = stored(args, name, config, code)
    if value is not None:
        print(f"reusing {_cache_path(args, name, make_key(config, code))} (same config and code)")
        return value
    return store(args, name, config, code, compute())


_EXPERIMENT = {}               # the experiment run_experiment is computing: {"name", "key"}


def run_jobs(args, fn, jobs, job_names, workers):
    """[fn(job) for job in jobs] side by side (common.train.run_side_by_side), each job's result
    stored in results/cache under the running experiment's key and the job's name as soon as it
    is done, so a killed run keeps its finished jobs and the next run computes only the rest.
    job_names: one stable name per job (never its position). A result must be tensors and plain
    values (stored with torch.save, loaded weights-only). Outside run_experiment's compute (a test
    calling a script's run()), nothing is stored."""
    from common.train import run_side_by_side
    if len(set(job_names)) != len(job_names) or len(job_names) != len(jobs):
        raise ValueError("one unique name per job")
    if not _EXPERIMENT:
        return run_side_by_side(fn, jobs, workers)
    name, key = _EXPERIMENT["name"], _EXPERIMENT["key"]
    configs = [{"experiment": key["config"], "job": job_name} for job_name in job_names]
    done = [stored(args, name, c, key["code"]) for c in configs]
    todo = [i for i, value in enumerate(done) if value is None]
    if len(todo) < len(jobs):
        log(f"reusing {len(jobs) - len(todo)} of {len(jobs)} finished jobs "
            f"({os.path.join(results_dir(args), 'cache')}, same config and code)")

    def keep(k, value):
        done[todo[k]] = store(args, name, configs[todo[k]], key["code"], value)
    run_side_by_side(fn, [jobs[i] for i in todo], workers, on_done=keep)
    return done


# ---------------------------------------------------------------------------- one run of a script
def _draw(plot, summarize, results, figures_dir, run_id):
    """Figures of `results`, staged in memory ({path: png bytes}); the summary printed."""
    from common import plots
    with plots.staged(run_id) as staged:
        plot(results, figures_dir)
    if summarize is not None:
        summarize(results)
    return staged


def run_experiment(args, name, config, compute, plot, threads, summarize=None):
    """The body every script's main() shares: torch threads, device, output folders (checked
    before any work), then under the outputs' lock: the results of this config and code (reused,
    or compute(args)), their figures (always redrawn) and summary, written together."""
    set_threads(args, threads)
    args.device_resolved = resolve_device(args.device)
    figures_dir, results_path = output_dirs(args, name)
    script_path = os.path.abspath(sys.argv[0])
    code = code_hash([script_path])
    key = make_key(config, code)
    start = time.perf_counter()
    with output_lock(results_path):
        remove_stale_temporaries(os.path.dirname(results_path), f"{name}.json")
        remove_stale_temporaries(figures_dir, f"{name}_")              # its figures: <name>_*.png
        status, saved = load_results(results_path, None if args.plot_only else key)
        if args.plot_only:
            if status != REUSABLE:
                raise HW1Error(f"--plot-only: {results_path} is {status}; run without --plot-only first")
            if saved["config"] != key["config"]:
                raise HW1Error(f"--plot-only: {results_path} holds another config; run without --plot-only")
            if saved.get("key") != key:
                print("note: the computing code changed since these results were made; only the figures are redrawn")
        elif args.force and status == REUSABLE:
            status, saved = "forced", None
        payload = saved
        if status == REUSABLE:
            print(f"reusing {results_path} (written {saved['provenance'].get('written', '?')}; same config and code)")
        else:
            if status == DAMAGED:
                print(f"warning: {results_path} is damaged; recomputing", file=sys.stderr)
            elif status == OTHER_KEY:
                print(f"{results_path} was made by another config or code; recomputing")
            log(f"computing {results_path}")
            run_id = uuid.uuid4().hex[:12]
            compute_start = time.perf_counter()
            _EXPERIMENT.update(name=name, key=key)
            try:
                results = compute(args)
            finally:
                _EXPERIMENT.clear()
            payload = {"key": key, "config": config,
                       "provenance": provenance(args, script_path, code, time.perf_counter() - compute_start, run_id),
                       "results": results}
            payload = json.loads(json.dumps(payload))           # what a reader will see: tuples as lists
        staged = _draw(plot, summarize, payload["results"], figures_dir, payload["provenance"].get("run_id"))
        for path, data in staged.items():                        # figures, then the results: together
            atomic_write_bytes(path, data)
            print(f"figure {path}")
        if payload is not saved:
            atomic_write_bytes(results_path, (json.dumps(payload, indent=1) + "\n").encode())
            print(f"wrote {results_path} ({payload['provenance']['wall_s']} s)")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return payload["results"]
