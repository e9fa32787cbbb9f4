"""The flags every script shares, seeding, device choice, and one-line errors.

Every script builds its parser with `make_parser`, adds its own flags, and runs its
body through `run_main`, so that bad input anywhere ends in one line on stderr and a
non-zero exit (2 for bad arguments, 1 for bad data or a failed run), never a traceback.
"""
import argparse
import ctypes
import os
import random
import sys

import numpy as np
import torch


class HW1Error(Exception):
    """An expected failure (missing data, corrupt file, diverged run): one line, exit 1."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (no usage block) and exits 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# ---------------------------------------------------------------------------- argument types
def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def nonnegative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


# ---------------------------------------------------------------------------- shared flags
def make_parser(description, side_by_side=False):
    """A parser with the shared flags: --seed --device --data-dir --quick --plot-only --force
    --threads --out-dir, and --workers for scripts that run independent jobs side by side."""
    parser = OneLineParser(description=description,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = parser.add_argument_group("shared flags")
    shared.add_argument("--seed", type=nonnegative_int, default=0, help="base random seed (default 0)")
    shared.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where tensors live; auto = cuda when available (default auto)")
    shared.add_argument("--data-dir", default=None,
                        help="dataset root (default: $HW1_DATA_DIR, else ./data)")
    shared.add_argument("--quick", action="store_true",
                        help="tiny settings, seconds end to end; writes figures/quick and results/quick")
    shared.add_argument("--plot-only", action="store_true",
                        help="redraw the figures from the saved results without training")
    shared.add_argument("--force", action="store_true",
                        help="recompute even when results for this config exist")
    shared.add_argument("--threads", type=positive_int, default=None,
                        help="torch CPU threads (default: chosen per script)")
    shared.add_argument("--out-dir", default=".",
                        help="folder that holds figures/ and results/ (default: the current folder)")
    if side_by_side:
        shared.add_argument("--workers", type=positive_int, default=2,
                            help="side-by-side processes (default 2)")
    return parser


def side_by_side_workers(args):
    """Processes for independent jobs: --workers on the CPU; one under --quick (no spawn cost for
    seconds of work) and on a GPU (one device to share)."""
    return 1 if args.quick or args.device_resolved.type == "cuda" else args.workers


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


def run_main(main):
    """Call main(); an HW1Error or Ctrl-C ends with one line and a non-zero exit."""
    try:
        main()
    except HW1Error as err:
        print(f"{os.path.basename(sys.argv[0])}: error: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{os.path.basename(sys.argv[0])}: interrupted; finished results are kept, "
              "rerun to continue", file=sys.stderr)
        sys.exit(130)
