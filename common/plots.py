"""One figure style, the chart shapes the scripts share, and atomic PNG saving."""
import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common.results import atomic_write_bytes  # noqa: E402

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
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs)
    return fig, axes


def save(fig, folder, name):
    """Save `fig` as folder/name.png atomically and close it; returns the path."""
    path = os.path.join(folder, f"{name}.png")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
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
