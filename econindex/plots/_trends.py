"""Figure of :func:`econindex.trend_table`: each category's share across periods with its interval band."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from econindex.errors import SchemaError
from econindex.plots import axes_or_new

__all__ = ["plot_trend_table"]


def plot_trend_table(table: pd.DataFrame, ax: Any = None, *, top: int | None = 8) -> Any:
    """Line chart of a :func:`~econindex.trend_table`: share per period, one line per category.

    Periods are placed in table order (date order) on the x axis; shaded bands
    are the Wilson intervals where the period has counts (none for published
    shares). The title names the base of the shares (``table.attrs["base"]``).

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`econindex.trend_table`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    top : int or None
        Draw the ``top`` categories with the largest mean share (all if None).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.DataFrame({"period": ["2024-12-01", "2025-08-04"] * 2, "category": ["a", "a", "b", "b"],
    ...                   "label": ["a", "a", "b", "b"], "share": [0.3, 0.4, 0.7, 0.6],
    ...                   "ci_lower": float("nan"), "ci_upper": float("nan")})
    >>> len(plot_trend_table(t).get_lines())
    2
    """
    need = {"period", "category", "share", "ci_lower", "ci_upper"}
    if not need <= set(table.columns):
        absent = sorted(need - set(table.columns))
        raise SchemaError(f"plot_trend_table needs a trend_table; columns {absent} are absent")
    periods = list(dict.fromkeys(table["period"].astype(str)))
    order = table.groupby("category", sort=False)["share"].mean().sort_values(ascending=False).index
    cats = list(order if top is None else order[:top])
    first = table.drop_duplicates("category").set_index("category")
    labels = first["label"] if "label" in first else pd.Series(first.index, index=first.index)
    ax = axes_or_new(ax, (7.0, 4.5))
    x = np.arange(len(periods))
    for i, c in enumerate(cats):
        sub = table[table["category"] == c].assign(period=lambda d: d["period"].astype(str))
        sub = sub.set_index("period").reindex(periods)
        color = f"C{i % 10}"
        name = str(c) if str(labels.get(c, c)) == str(c) else f"{c} {labels[c]}"
        ax.plot(x, sub["share"].to_numpy(float), marker="o", color=color, label=name[:34])
        lo, hi = sub["ci_lower"].to_numpy(float), sub["ci_upper"].to_numpy(float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            band = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
            ax.fill_between(x, *band, color=color, alpha=0.15, lw=0)
    ax.set_xticks(x)
    ax.set_xticklabels(periods)
    ax.set_xlabel("period (window start)")
    ax.set_ylabel("share")
    base = table.attrs.get("base")
    over = table.attrs.get("over", "category")
    ax.set_title(f"{over} shares across releases" + (f"\nbase: {base}" if base else ""), fontsize="medium")
    ax.legend(fontsize="small", ncol=2)
    return ax
