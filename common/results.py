"""Results as results/<script>.json, reused only for the same config and code, written together
with their figures, with provenance.

A results file is {"config": ..., "provenance": ..., "results": ...}. A rerun reuses it only when
both its config and its code are unchanged: the code hash covers the script and every module of
common/, so any edit (a constant of a config block, a QUICK setting, a model added) recomputes.
--force recomputes always; --plot-only redraws from the saved results (config must match; a code
change is only reported, since editing the plotting code is what --plot-only is for).

One run of a script holds a lock on its outputs, stages its figures and results in memory, and
then renames them into place together, so results and figures always come from the same run:
each PNG carries the run id of the results it was drawn from (checked by `common.report
--check`). Temporary files left by a killed run are removed by the next run.
Heavy arrays go under results/cache/ (ignored by git) with torch.save, keyed by config and code,
loaded back with weights_only=True.
"""
import contextlib
import glob
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid

import torch

from common.cli import HW1Error, log, resolve_device, set_threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMON = os.path.join(ROOT, "common")


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


def atomic_write_bytes(path, data):
    """Write to a temporary file in the same folder (.<name>.<random>.tmp), then rename over `path`."""
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_stale_temporaries(folder, prefix):
    """Delete .<prefix>*.tmp in folder: temporaries of a run that was killed (the caller holds
    the lock on these outputs, so no live run is writing them)."""
    for path in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(prefix)}*.tmp")):
        with contextlib.suppress(OSError):
            os.unlink(path)


@contextlib.contextmanager
def output_lock(results_path):
    """An exclusive lock on one script's outputs (results/.<name>.lock, flock): a second run
    writing the same outputs waits, then finds and reuses (or redoes) what the first wrote."""
    try:
        import fcntl
    except ImportError:                       # no flock (Windows): runs are not serialized
        yield
        return
    folder, name = os.path.split(results_path)
    with open(os.path.join(folder, f".{name}.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another run writing {results_path} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------- provenance
def code_files(script_path, common=COMMON):
    """The files whose content decides a script's results: the script (None: none) and
    common/*.py (the package this process imported)."""
    script = [os.path.abspath(script_path)] if script_path is not None else []
    return [*script, *sorted(glob.glob(os.path.join(common, "*.py")))]


def code_hash(script_path, common=COMMON):
    """sha256 (first 16 hex digits) over the script and every module of common/, line endings
    normalized, so a checkout with CRLF endings hashes alike."""
    digest = hashlib.sha256()
    for path in code_files(script_path, common):
        with open(path, "rb") as f:
            digest.update(os.path.basename(path).encode() + b"\0" + f.read().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()[:16]


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


def provenance(args, script_path, wall_s, run_id):
    return {
        "run_id": run_id, "seed": args.seed, "device": str(args.device_resolved), "wall_s": round(wall_s, 2),
        "code_hash": code_hash(script_path), "git_commit": git_commit(), "git_modified": git_modified(),
        "cpu": cpu_model(), "cores": os.cpu_count(), "threads": torch.get_num_threads(),
        "torch": torch.__version__, "torch_git": torch.version.git_version, "torch_cuda": torch.version.cuda,
        "python": platform.python_version(), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


# ---------------------------------------------------------------------------- reuse
def load_results(path):
    """(saved dict, None) or (None, why it cannot be used): missing, unreadable, or not a results file."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except FileNotFoundError:
        return None, f"no results in {path}"
    except (OSError, ValueError) as error:
        return None, f"{path} is corrupt ({type(error).__name__})"
    if (not isinstance(saved, dict) or not isinstance(saved.get("results"), dict) or not saved["results"]
            or not isinstance(saved.get("config"), dict) or not isinstance(saved.get("provenance"), dict)):
        return None, f"{path} lacks config, provenance or results (an older layout?)"
    return saved, None


def reusable(args, path, config, script_path):
    """(saved, None) when `path` holds results of this config and code, else (None, why not).
    Under --plot-only the code may differ (the plotting code is what one edits then)."""
    saved, why = load_results(path)
    if saved is None:
        return None, why
    if saved["config"] != json.loads(json.dumps(config)):
        return None, f"{path} holds results of another config"
    if saved["provenance"].get("code_hash") != code_hash(script_path) and not args.plot_only:
        return None, f"{path} was made by other code (the script or common/ changed since)"
    return saved, None


# ---------------------------------------------------------------------------- cached tensors
RUN_STARTED = "HW1_RUN_STARTED"   # environment: time.time() at which `make figures` began (run_figures sets it)


def made_this_run(path):
    """True when `path` was written after the `make figures` / `make quick` run this process belongs
    to began (run_figures exports RUN_STARTED): under --force it is reused, not recomputed, since
    an earlier script of the same run already recomputed it with this code."""
    started = os.environ.get(RUN_STARTED)
    try:
        return started is not None and os.path.getmtime(path) >= float(started)
    except (OSError, ValueError):
        return False


def _tensors_match(saved, fresh_shapes):
    return all(k in saved and tuple(saved[k].shape) == shape for k, shape in fresh_shapes.items())


def cached_tensors(args, name, key, compute, code, shapes=None, quiet=False):
    """A dict of tensors (and plain numbers) that is expensive to make, e.g. trained weights:
    loaded from results/cache/<name>-<hash of key and code>.pt with torch.load(weights_only=True)
    when the file holds the same key and code (and not --force), else compute() -> dict, saved
    atomically. Under --force a file written earlier in the same `make figures` run is reused
    (made_this_run): one run trains the shared models once, not once per script. code: the file
    that computes the tensors besides common/ (a script's __file__), or None when common/ alone does
    (then every script that asks for the same key shares the file).
    shapes: {name: shape} the loaded tensors must have. A file that does not load or has the
    wrong keys or shapes is recomputed with one warning line, never trusted. compute=None only
    looks: the cached tensors, or None when there are none to reuse. quiet: no line on reuse."""
    script = name
    key = json.loads(json.dumps({**key, "code": code_hash(code)}))
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    folder = os.path.join(results_dir(args), "cache")
    path = os.path.join(folder, f"{script}-{digest}.pt")
    remove_stale_temporaries(folder, f"{script}-{digest}.pt")
    fresh = args.force and made_this_run(path)
    if (not args.force or fresh) and os.path.exists(path):
        try:
            saved = torch.load(path, map_location=args.device_resolved, weights_only=True)
            if not isinstance(saved, dict) or saved.get("key") != key or not isinstance(saved.get("tensors"), dict):
                raise ValueError("another key or layout")
            if shapes is not None and not _tensors_match(saved["tensors"], shapes):
                raise ValueError("tensors of other names or shapes")
            if not quiet:
                why = "recomputed earlier in this run" if fresh else "same config and code; --force recomputes"
                print(f"reusing {path} ({why})")
            return saved["tensors"]
        except Exception as error:            # truncated, corrupt, not weights-only, wrong content
            print(f"warning: {path} does not load ({type(error).__name__}: {error}); recomputing", file=sys.stderr)
    if compute is None:
        return None
    tensors = compute()
    buffer = io.BytesIO()
    torch.save({"key": key, "tensors": tensors}, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return tensors


# ---------------------------------------------------------------------------- one run of a script
USABLE_ERRORS = (KeyError, TypeError, IndexError, ValueError, AttributeError, ZeroDivisionError)


def _draw(plot, summarize, results, figures_dir, run_id):
    """Figures of `results`, staged in memory ({path: png bytes}); the summary printed."""
    from common import plots
    with plots.staged(run_id) as staged:
        plot(results, figures_dir)
    if summarize is not None:
        summarize(results)
    return staged


def _commit(staged, results_path, payload):
    """Rename every staged figure into place, then the results: together, after all work is done."""
    for path, data in staged.items():
        atomic_write_bytes(path, data)
        print(f"figure {path}")
    if payload is not None:
        atomic_write_bytes(results_path, (json.dumps(payload, indent=1) + "\n").encode())


def run_experiment(args, name, config, compute, plot, threads, summarize=None):
    """The body every script's main() shares: torch threads, device, output folders (checked
    before any work), then under the outputs' lock: results for this config and code (reused,
    or compute(args)), their figures and summary, all written together."""
    set_threads(args, threads)
    args.device_resolved = resolve_device(args.device)
    figures_dir, results_path = output_dirs(args, name)
    script_path = sys.argv[0]
    start = time.perf_counter()
    with output_lock(results_path):
        remove_stale_temporaries(os.path.dirname(results_path), f"{name}.json")
        remove_stale_temporaries(figures_dir, f"{name}_")              # its figures: <name>_*.png
        saved, why = (None, "--force") if args.force else reusable(args, results_path, config, script_path)
        if saved is None and args.plot_only:
            raise HW1Error(f"--plot-only: {why}; run without --plot-only first")
        payload = None
        if saved is not None:
            try:
                staged = _draw(plot, summarize, saved["results"], figures_dir, saved["provenance"].get("run_id"))
                written = saved["provenance"].get("written", "?")
                note = "same config" + ("" if args.plot_only else " and code")
                print(f"reusing {results_path} (written {written}; {note}; --force recomputes)")
                if args.plot_only and saved["provenance"].get("code_hash") != code_hash(script_path):
                    print("note: the code changed since these results were made; only the figures are redrawn")
            except USABLE_ERRORS as error:
                problem = f"{results_path} does not have what the script needs ({type(error).__name__}: {error})"
                if args.plot_only:
                    raise HW1Error(f"--plot-only: {problem}; run without --plot-only to recompute") from None
                print(f"warning: {problem}; recomputing", file=sys.stderr)
                saved, why = None, None                          # said already
        if saved is None:
            if why is not None and why != "--force" and not why.startswith("no results"):
                unusable = "corrupt" in why or "layout" in why           # damaged, not merely outdated
                print(f"{'warning: ' if unusable else ''}{why}; recomputing",
                      file=sys.stderr if unusable else sys.stdout)
            log(f"computing {results_path}")
            run_id = uuid.uuid4().hex[:12]
            compute_start = time.perf_counter()
            results = compute(args)
            payload = {"config": config,
                       "provenance": provenance(args, script_path, time.perf_counter() - compute_start, run_id),
                       "results": results}
            payload = json.loads(json.dumps(payload))           # what a reader will see: tuples as lists
            staged = _draw(plot, summarize, payload["results"], figures_dir, run_id)
        _commit(staged, results_path, payload)
        if payload is not None:
            print(f"wrote {results_path} ({payload['provenance']['wall_s']} s)")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return payload["results"] if payload is not None else saved["results"]
