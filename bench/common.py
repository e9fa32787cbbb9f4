"""Helpers for the benchmarks: timing and the side-by-side report line."""
import os
import platform
import time

import torch


def machine():
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{time.strftime('%Y-%m-%d')}")


def timed(fn):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def report(name, ours_s, plain_s, ours_label="ours", plain_label="plain", unit="s"):
    print(f"{name:<44} {ours_label} {ours_s:8.2f} {unit}   {plain_label} {plain_s:8.2f} {unit}   "
          f"speed-up x{plain_s / ours_s:5.2f}", flush=True)
