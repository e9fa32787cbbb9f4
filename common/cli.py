"""The flags every script shares, seeding, device choice, and one-line errors.

Every script builds its parser with `make_parser`, adds its own flags, and runs its
body through `run_main`, so that bad input anywhere ends in one line on stderr and a
non-zero exit (2 for bad arguments, 1 for bad data or a failed run), never a traceback.
"""
import argparse
import ctypes
import hashlib
import os
import random
import signal
import sys
import threading
import time

import numpy as np
import torch


class HW1Error(Exception):
    """An expected failure (missing data, corrupt file, diverged run): one line, exit 1."""


MAX_SEED = 2**32 - 1                   # numpy's and torch's common range; derived seeds stay inside it
CORES = os.cpu_count() or 1
MAX_THREADS = 4 * CORES                # --threads and --workers: more than this only thrashes
MAX_EPOCHS = 1000                      # upper bounds of the scripts' size flags: larger values are
MAX_STEPS = 1_000_000                  # typos (hours to days of work), refused before any work starts
MAX_RUNS = 10_000
MAX_POINTS = 100_000
MAX_BATCH = 100_000

# the wall clock of the whole run: the script's process sets it, its side-by-side workers inherit it
os.environ.setdefault("HW1_RUN_START", repr(time.time()))


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (no usage block) and exits 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# ---------------------------------------------------------------------------- argument types
def bounded_int(low, high):
    """An argparse type for integers in [low, high]; the range goes into the error message."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer in {low}..{high}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer in {low}..{high}, got {value}")
        return value
    parse.__name__ = f"integer in {low}..{high}"
    return parse


def make_parser(description, side_by_side=False):
    """A parser with the shared flags: --seed --device --data-dir --quick --plot-only --force
    --threads --out-dir, and --workers for scripts that run independent jobs side by side."""
    parser = OneLineParser(description=description,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = parser.add_argument_group("shared flags")
    shared.add_argument("--seed", type=bounded_int(0, MAX_SEED), default=0,
                        help=f"base random seed, 0..{MAX_SEED}; each model's seed derives from it and the "
                             "model's name (default 0)")
    shared.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where tensors live; auto = cuda when available (default auto)")
    shared.add_argument("--data-dir", default=None,
                        help="dataset root (default: $HW1_DATA_DIR, else ./data)")
    shared.add_argument("--quick", action="store_true",
                        help="tiny settings, seconds end to end; writes figures/quick and results/quick")
    shared.add_argument("--plot-only", action="store_true",
                        help="redraw the figures from the saved results without training")
    shared.add_argument("--force", action="store_true",
                        help="recompute even when results of this config and code are stored")
    shared.add_argument("--threads", type=bounded_int(1, MAX_THREADS), default=None,
                        help=f"torch CPU threads, 1..{MAX_THREADS} (4 x the cores; default: chosen per script)")
    shared.add_argument("--out-dir", default=".",
                        help="folder that holds figures/ and results/ (default: the current folder)")
    if side_by_side:
        shared.add_argument("--workers", type=bounded_int(1, MAX_THREADS), default=2,
                            help=f"side-by-side processes, 1..{MAX_THREADS} (default 2)")
    return parser


def side_by_side_workers(args):
    """Processes for independent jobs: --workers on the CPU; one under --quick (no spawn cost for
    seconds of work) and on a GPU (one device to share)."""
    return 1 if args.quick or args.device_resolved.type == "cuda" else args.workers


def derive_seed(base, *names):
    """The seed of one model or job: a hash of the base seed and the job's stable name(s), in
    0..MAX_SEED. Adding, removing or reordering other jobs leaves it unchanged (positions never
    enter), and different base seeds give unrelated seeds."""
    text = "/".join([str(base), *map(str, names)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def seed_all(seed):
    """Seed Python, NumPy and torch (CPU and CUDA) from one integer."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def resolve_device(name):
    """'auto' -> cuda when available else cpu; 'cuda' without a GPU is an HW1Error."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise HW1Error("--device cuda was asked for but torch sees no CUDA device; use --device cpu")
    return torch.device(name)


def set_threads(args, default):
    """Use args.threads when given, else the script's measured best default; keep freed memory."""
    setup_process(args.threads or default)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3     # mallopt() parameters, glibc <malloc.h>


def keep_freed_memory():
    """Let glibc's malloc keep freed blocks of up to 32 MiB for reuse instead of handing them back
    to the kernel. Otherwise fresh multi-megabyte tensors (a CNN's activations) are mapped anew
    and page-faulted in on first touch at every step: ~1,500 page faults per step of the shallow
    CNN on the development machine, up to 1.4x its step time (bench/README.md). The cost: the
    process keeps its peak heap. A no-op where there is no glibc (macOS, Windows)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(M_TRIM_THRESHOLD, 1 << 30))


def setup_process(threads):
    """torch threads and malloc settings of a script's process or a side-by-side worker."""
    torch.set_num_threads(threads)
    keep_freed_memory()


def _exit_when_orphaned(parent):
    while True:
        if os.getppid() != parent:          # the parent died (even by kill -9): we were reparented
            os._exit(1)
        time.sleep(0.5)


def setup_worker(threads, parent):
    """A side-by-side worker: setup_process, and a watchdog that ends the worker within a second
    of its parent's death (multiprocessing alone lets orphans run their job to the end). Prints
    one line with its pid: tests wait for it before they kill the parent."""
    setup_process(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the parent's to handle
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    log(f"worker {os.getpid()} started")


# ---------------------------------------------------------------------------- progress
def interactive():
    """True when stderr is a terminal: tqdm bars then; one log line per epoch or job otherwise."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def log(message):
    """One progress line on stdout with the seconds since the run started, flushed at once (so
    it shows when the output is piped into a file or `| head`)."""
    elapsed = time.time() - float(os.environ["HW1_RUN_START"])
    print(f"[{elapsed:7.1f} s] {message}", flush=True)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that temporary files and workers are cleaned up."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _quiet_broken_pipe():
    """The reader of stdout went away (`| head`): send the rest of the output nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run_main(main):
    """Call main(); an HW1Error, Ctrl-C or SIGTERM ends with one line and a non-zero exit, a closed
    output pipe ends quietly (exit 141, as a shell tool killed by SIGPIPE)."""
    name = os.path.basename(sys.argv[0])
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.signal(signal.SIGINT, signal.default_int_handler)   # Ctrl-C even when started by `cmd &`
    try:                                                       # (a shell starts those with SIGINT ignored)
        main()
    except HW1Error as err:
        print(f"{name}: error: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{name}: interrupted; finished results are kept, rerun to continue", file=sys.stderr)
        sys.exit(130)
    except Terminated:
        print(f"{name}: terminated; finished results are kept, rerun to continue", file=sys.stderr)
        sys.exit(143)
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(141)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(141)
