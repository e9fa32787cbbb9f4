"""One figure style, the chart shapes the scripts share, and PNG saving (staged, with the run id).

Inside `staged(run_id)` (common.results.run_experiment), `save` keeps each PNG in memory instead
of writing it, so that the figures and the results of one run are renamed into place together;
every PNG carries the run id of the results it was drawn from in a tEXt chunk ("hw1-run"), which
`png_run_id` (common/png.py) reads back and `python -m common.report --check` compares with results/.
"""
import contextlib
import io
import os

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common.files import atomic_write_bytes  # noqa: E402
from common.png import RUN_KEY  # noqa: E402

STYLE = {
    "figure.dpi": 110, "savefig.dpi": 150, "savefig.bbox": "tight",
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8.5,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "lines.linewidth": 1.6,
}
plt.rcParams.update(STYLE)

# one colour per model within a family; families are told apart by line style
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def figure(ncols=1, nrows=1, width=5.2, height=3.6, **kwargs):
    """A grid of panels, each width x height inches; axes (nrows, ncols). Constrained layout keeps
    labels apart, a twin axis's right-hand label included."""
    kwargs.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs)
    return fig, axes


_STAGE = []                    # the active staging dicts ({path: bytes}), innermost last
_RUN_ID = []


@contextlib.contextmanager
def staged(run_id):
    """Collect the PNGs that `save` makes, as {path: bytes}, instead of writing them."""
    figures = {}
    _STAGE.append(figures)
    _RUN_ID.append(run_id or "")
    try:
        yield figures
    finally:
        _STAGE.pop()
        _RUN_ID.pop()


def save(fig, folder, name):
    """Render `fig` as folder/name.png (staged when inside `staged`, else written atomically) and
    close it; returns the path."""
    path = os.path.join(folder, f"{name}.png")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={RUN_KEY: _RUN_ID[-1] if _RUN_ID else ""})
    plt.close(fig)
    if _STAGE:
        _STAGE[-1][path] = buf.getvalue()
    else:
        atomic_write_bytes(path, buf.getvalue())
        print(f"figure {path}")
    return path


def twin_axis(ax, ylabel, color=None, yscale="linear"):
    """A right-hand y axis sharing ax's x axis, styled like ax (spine shown, no second grid)."""
    twin = ax.twinx()
    twin.set(ylabel=ylabel, yscale=yscale)
    if color is not None:
        twin.yaxis.label.set_color(color)
    twin.spines["right"].set_visible(True)
    twin.grid(False)
    return twin


def merged_legend(ax, twin, **kwargs):
    """One legend on ax for the lines of ax and of its twin axis."""
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = twin.get_legend_handles_labels()
    ax.legend(handles + more_handles, labels + more_labels, **kwargs)


# ---------------------------------------------------------------------------- the training approaches (HW1-3)
def by_approach(rows):
    """{approach: [its rows, one per seed]} in first-seen order; rows: dicts with an "approach" key."""
    grouped = {}
    for row in rows:
        grouped.setdefault(row["approach"], []).append(row)
    return grouped


def per_approach(rows, knob, key):
    """(knob values, means, stds over seeds) of `key` for each approach of approaches.SERIES[knob]
    (knob: "batch" or "lr"), as arrays (common.stats.mean_std: std with ddof 1)."""
    from common import approaches, stats
    grouped = by_approach(rows)
    names = approaches.SERIES[knob][0]
    spread = [stats.mean_std([row[key] for row in grouped[name]]) for name in names]
    return (np.array([approaches.APPROACHES[name][0 if knob == "batch" else 1] for name in names]),
            np.array([float(mean) for mean, _ in spread]), np.array([float(std) for _, std in spread]))


def scatter_by_approach(ax, rows, x_key, y_key):
    """Every row (approach x seed) as a point (x_key, y_key), one color per approach, labeled."""
    for j, (name, chosen) in enumerate(by_approach(rows).items()):
        ax.scatter([m[x_key] for m in chosen], [m[y_key] for m in chosen], s=14,
                   color=PALETTE[j % len(PALETTE)], marker="o" if j < len(PALETTE) else "^", label=name)


def print_means(rows, columns):
    """One line per approach: the mean over its seeds of each column; columns: {label: (key, format)}."""
    for name, chosen in by_approach(rows).items():
        cells = [f"{label} {format(np.mean([m[key] for m in chosen]), fmt)}" for label, (key, fmt) in columns.items()]
        print(f"{name:>10}: " + "  ".join(cells))
