"""Figures for platforms and periods: dumbbell chart, share trends, cost-usage binned scatter.

Called by :meth:`econindex.platforms.ShareComparison.plot`,
:meth:`~econindex.platforms.ShareComparison.plot_trend` and
:meth:`econindex.platforms.CostUsageResult.plot`; matplotlib is imported
inside each function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from econindex.plots import axes_or_new

if TYPE_CHECKING:
    from econindex.platforms import CostUsageResult, ShareComparison

__all__ = ["plot_dumbbell", "plot_trend", "plot_cost_usage"]


def plot_dumbbell(res: ShareComparison, ax: Any = None, top: int | None = 15) -> Any:
    """Dumbbell chart: per category, the share on side ``a`` and side ``b`` joined by a line.

    Categories are ordered by the larger of the two shares; the ``top``
    largest are drawn (all if ``None``). Horizontal bars are the intervals of
    each share.

    Parameters
    ----------
    res : ShareComparison
        Result of :func:`econindex.platforms.compare_shares`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    top : int or None
        How many categories to show.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, xarray as xr
    >>> from econindex.geography import geo_coords
    >>> from econindex.platforms import compare_shares
    >>> counts = np.array([[[60.0, 40.0], [30.0, 50.0], [10.0, 10.0]]])
    >>> ds = xr.Dataset(
    ...     {"task_count": (("geo", "task", "platform"), counts)},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]), "task": ["t1", "t2", "t3"],
    ...             "soc_major": ("task", ["15", "25", "27"]), "platform": ["claude_ai", "api"]},
    ... )
    >>> res = compare_shares(ds, dim="platform", over="soc_major")
    >>> ax = plot_dumbbell(res)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['27', '25', '15']
    """
    t = res.table.assign(_key=np.maximum(res.table["share_a"], res.table["share_b"]))
    t = t.sort_values("_key", ascending=True)
    if top is not None:
        t = t.tail(top)
    ax = axes_or_new(ax, (7.0, 0.35 * len(t) + 1.5))
    y = np.arange(len(t))
    ax.hlines(y, t["share_a"], t["share_b"], color="0.7", lw=2, zorder=1)
    for side, color in (("a", "C0"), ("b", "C3")):
        s = t[f"share_{side}"].to_numpy()
        lo = t[f"share_{side}_lower"].to_numpy()
        hi = t[f"share_{side}_upper"].to_numpy()
        err = None
        if np.isfinite(lo).all() and np.isfinite(hi).all():
            err = np.vstack([np.clip(s - lo, 0, None), np.clip(hi - s, 0, None)])
        ax.errorbar(s, y, xerr=err, fmt="o", color=color, capsize=2, zorder=2, label=getattr(res, side))
    ax.set_yticks(y)
    ax.set_yticklabels([str(c)[:40] for c in t["category"]])
    ax.set_xlabel(f"share of conversations ({res.geo})")
    ax.set_title(f"{res.over} shares by {res.dim}: {res.a} vs {res.b}")
    ax.legend(loc="lower right")
    return ax


def plot_trend(res: ShareComparison, ax: Any = None, top: int | None = 8) -> Any:
    """Share of each category across the levels of ``res.dim`` with interval bands.

    Parameters
    ----------
    res : ShareComparison
        Result of :func:`econindex.platforms.compare_shares`.
    ax : matplotlib Axes, optional
        Where to draw.
    top : int or None
        Draw the ``top`` categories with the largest mean share.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, xarray as xr
    >>> from econindex.geography import geo_coords
    >>> from econindex.platforms import compare_shares
    >>> counts = np.array([[[60.0, 40.0], [30.0, 50.0], [10.0, 10.0]]])
    >>> ds = xr.Dataset(
    ...     {"task_count": (("geo", "task", "period"), counts)},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]), "task": ["t1", "t2", "t3"],
    ...             "soc_major": ("task", ["15", "25", "27"]), "period": ["2025-01-15", "2025-08-04"]},
    ... )
    >>> res = compare_shares(ds, dim="period", over="soc_major")
    >>> ax = plot_trend(res)
    >>> len(ax.get_lines())
    3
    """
    from econindex.plots._trends import plot_trend_table  # the one share-across-levels line chart

    dim = res.dim
    tr = res.trend.rename(columns={dim: "period", "share_lower": "ci_lower", "share_upper": "ci_upper"})
    ax = plot_trend_table(tr, ax, top=top)
    ax.set_xlabel(dim)
    ax.set_title(f"{res.over} shares across {dim}s ({res.geo})")
    return ax


def plot_cost_usage(res: CostUsageResult, ax: Any = None, n_bins: int = 10) -> Any:
    """Binned scatter of log usage share on the log cost index, with the fitted line.

    Categories are grouped into up to ``n_bins`` quantile bins of the log cost
    index; each bin is drawn at its (weighted) mean of x and y. Individual
    categories are drawn faintly, sized by weight. The line is the fitted
    coefficient of the regression (with other regressors at their weighted
    means).

    Parameters
    ----------
    res : CostUsageResult
        Result of :meth:`econindex.platforms.CostUsage.fit`.
    ax : matplotlib Axes, optional
        Where to draw.
    n_bins : int
        Number of quantile bins.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import econindex as ei
    >>> from econindex.platforms import CostUsage
    >>> ds = ei.simulate(seed=0, platforms=("claude_ai", "api"), n_countries=5, n_tasks=100)
    >>> ax = plot_cost_usage(CostUsage(over="task").fit(ds), n_bins=5)
    >>> ax.get_xlabel()
    'log cost_index'
    """
    d = res.data
    x = d[res.term].to_numpy()
    y = d["log_usage_share"].to_numpy()
    w = d["weight"].to_numpy(dtype=float)
    ax = axes_or_new(ax, (6.0, 4.5))
    size = 10 + 90 * w / w.max()
    ax.scatter(x, y, s=size, color="0.6", alpha=0.35, lw=0, label="categories")
    nb = int(max(1, min(n_bins, len(x) // 2)))
    edges = np.quantile(x, np.linspace(0, 1, nb + 1))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, nb - 1)
    wsum = np.bincount(idx, weights=w, minlength=nb)
    ok = wsum > 0
    bx = np.bincount(idx, weights=w * x, minlength=nb)[ok] / wsum[ok]
    by = np.bincount(idx, weights=w * y, minlength=nb)[ok] / wsum[ok]
    ax.scatter(bx, by, s=45, color="C0", zorder=3, label=f"binned means ({nb} bins)")
    params = res.regression.params
    xbar = {c: float(np.average(d[c], weights=w)) for c in params.index if c not in ("const", res.term)}
    intercept = float(params["const"]) + sum(float(params[c]) * v for c, v in xbar.items())
    grid = np.linspace(x.min(), x.max(), 50)
    ax.plot(
        grid, intercept + res.slope * grid, color="C3", label=f"fit: slope {res.slope:.2f} (se {res.se:.2f})"
    )
    ax.set_xlabel(f"log {res.regressor}")
    ax.set_ylabel("log usage share")
    ax.set_title(f"Cost and usage on {res.platform} ({res.over})")
    ax.legend(fontsize="small")
    return ax
