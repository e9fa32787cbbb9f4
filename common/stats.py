"""Summaries over seeds: the numbers behind every band, error bar and "median run" of the report.

Seeds are the first axis: values (S,) or curves (S, T). Nothing here trains or plots.
"""
import numpy as np


def median_band(curves):
    """Pointwise median and min-max band of S curves (S, T): (median, low, high), each (T,).
    Every seed lies inside the band; with S odd the median is one of the seeds' values."""
    curves = np.asarray(curves, dtype=float)
    if curves.ndim == 1:
        curves = curves[None]
    return np.median(curves, axis=0), curves.min(axis=0), curves.max(axis=0)


def quartile_band(curves):
    """Pointwise median and interquartile band (25th-75th percentile, linear interpolation)."""
    curves = np.asarray(curves, dtype=float)
    low, median, high = np.percentile(curves, [25, 50, 75], axis=0)
    return median, low, high


def mean_std(values):
    """(mean, sample standard deviation with ddof=1; 0 for one value) of values (S,) or curves (S, T)."""
    values = np.asarray(values, dtype=float)
    std = values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.zeros_like(values[0])
    return values.mean(axis=0), std


def median_index(values):
    """Index of the seed with the median value; for an even count, the lower of the two middle ones."""
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    return int(order[(len(order) - 1) // 2])


def summary(values):
    """{median, min, max, mean, std, n} of one value per seed, as plain floats (for results JSON)."""
    values = np.asarray(values, dtype=float)
    mean, std = mean_std(values)
    return {"median": float(np.median(values)), "min": float(values.min()), "max": float(values.max()),
            "mean": float(mean), "std": float(std), "n": int(values.size)}


def separated(better, worse, lower_is_better=True):
    """True when the seed ranges do not overlap: every value of `better` beats every value of `worse`."""
    better, worse = np.asarray(better, dtype=float), np.asarray(worse, dtype=float)
    return bool(better.max() < worse.min()) if lower_is_better else bool(better.min() > worse.max())
