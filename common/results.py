"""Results as results/<script>.json, keyed by config, written atomically, with provenance.

A results file is {"config": ..., "provenance": ..., "results": ...}. A rerun with the same
config reuses it; a changed config, --force, or a file that does not parse recomputes.
Heavy arrays go under results/cache/ (ignored by git) with torch.save, loaded back with
weights_only=True.
"""
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import torch

from common.cli import HW1Error, resolve_device, set_threads


def results_dir(args):
    """results/ under --out-dir, or results/quick under --quick."""
    return os.path.join(args.out_dir, "results", "quick" if args.quick else "")


def output_dirs(args, script):
    """(figures dir, results file) for this run: figures/ and results/<script>.json under
    --out-dir, or figures/quick and results/quick/<script>.json under --quick."""
    figures = os.path.join(args.out_dir, "figures", "quick" if args.quick else "")
    os.makedirs(figures, exist_ok=True)
    os.makedirs(results_dir(args), exist_ok=True)
    return figures, os.path.join(results_dir(args), f"{script}.json")


def atomic_write_bytes(path, data):
    """Write to a temporary file in the same folder, then rename over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=os.path.dirname(os.path.abspath(__file__)), timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def load_results(path, config=None):
    """The saved results dict, or None when missing, unreadable, or made with another config."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        print(f"warning: {path} is corrupt; recomputing", file=sys.stderr)
        return None
    if not isinstance(saved, dict) or "results" not in saved or "config" not in saved:
        print(f"warning: {path} lacks config/results; recomputing", file=sys.stderr)
        return None
    if config is not None and saved["config"] != json.loads(json.dumps(config)):
        return None
    return saved


def save_results(path, config, results, seed, device, wall_s):
    """Write {"config", "provenance", "results"} atomically."""
    payload = {
        "config": config,
        "provenance": {
            "seed": seed, "device": str(device), "wall_s": round(wall_s, 2),
            "torch": torch.__version__, "python": platform.python_version(),
            "git_commit": git_commit(), "threads": torch.get_num_threads(),
            "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        "results": results,
    }
    atomic_write_bytes(path, (json.dumps(payload, indent=1) + "\n").encode())
    return payload


def cached_or_compute(args, path, config, compute):
    """The experiment's results: from `path` when its config matches (and not --force),
    else compute() -> results, saved atomically. --plot-only without results is an error."""
    saved = None if args.force else load_results(path, config)
    if saved is not None:
        print(f"reusing {path} (same config; --force recomputes)")
        return saved["results"]
    if args.plot_only:
        raise HW1Error(f"--plot-only: no results for this config in {path}; run without --plot-only first")
    start = time.perf_counter()
    results = compute()
    payload = save_results(path, config, results, args.seed, args.device_resolved,
                           time.perf_counter() - start)
    print(f"wrote {path} ({payload['provenance']['wall_s']} s)")
    return results


def cached_tensors(args, script, key, compute):
    """A dict of tensors (and plain numbers) that is expensive to make, e.g. trained weights:
    loaded from results/cache/<script>-<hash of key>.pt with torch.load(weights_only=True) when
    the file holds the same key (and not --force), else compute() -> dict, saved atomically.
    A file that does not load is recomputed, never trusted."""
    key = json.loads(json.dumps(key))
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(results_dir(args), "cache", f"{script}-{digest}.pt")
    if not args.force and os.path.exists(path):
        try:
            saved = torch.load(path, map_location=args.device_resolved, weights_only=True)
            if isinstance(saved, dict) and saved.get("key") == key:
                print(f"reusing {path} (--force recomputes)")
                return saved["tensors"]
        except Exception as error:            # truncated, corrupt, or not a weights-only file
            print(f"warning: {path} does not load ({type(error).__name__}); recomputing", file=sys.stderr)
    tensors = compute()
    buffer = io.BytesIO()
    torch.save({"key": key, "tensors": tensors}, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return tensors


def run_experiment(args, name, config, compute, plot, threads, summarize=None):
    """The body every script's main() shares: torch threads, device, results for this config
    (reused, or compute(args) saved atomically), figures, a summary, the wall time."""
    set_threads(args, threads)
    args.device_resolved = resolve_device(args.device)
    figures_dir, results_path = output_dirs(args, name)
    start = time.perf_counter()
    results = cached_or_compute(args, results_path, config, lambda: compute(args))
    plot(results, figures_dir)
    if summarize is not None:
        summarize(results)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return results
