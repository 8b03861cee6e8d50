"""Figures for usage indices: convergence scatter, Lorenz curve, top specializations.

Called by :meth:`econindex.beta_convergence.ConvergenceResult.plot` and usable directly;
matplotlib is imported inside each function (optional extra ``plot``). For a
ranked bar chart or a US map of the index itself use
:func:`econindex.plots._maps.plot_ranked_bar` / ``plot_state_tile_map``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex._kernels.shares import lorenz_gini
from econindex.plots import axes_or_new

if TYPE_CHECKING:  # pragma: no cover
    from econindex.beta_convergence import ConvergenceResult

__all__ = ["plot_convergence", "plot_lorenz", "plot_specializations"]


def plot_convergence(res: ConvergenceResult, *, ax: Any = None, label_extremes: int = 3) -> Any:
    """Scatter of ln AUI(end) against ln AUI(start), the fitted line and the 45-degree line.

    Parameters
    ----------
    res : ConvergenceResult
        Result of :func:`econindex.beta_convergence.convergence`.
    ax : matplotlib Axes, optional
    label_extremes : int
        Label the geos with the largest absolute residuals.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import econindex as ei
    >>> from econindex.beta_convergence import convergence
    >>> ax = plot_convergence(convergence(ei.datasets.load_us_state_panel()))
    >>> ax.get_xlabel()
    'ln AUI (2025-08-04)'
    """
    ax = axes_or_new(ax, (5.5, 5.0))
    x, y = res.x, res.y
    ax.scatter(x, y, s=18, color="#4C72B0", alpha=0.8)
    grid = np.linspace(float(x.min()), float(x.max()), 50)
    ax.plot(grid, res.intercept + res.beta * grid, color="#C44E52", lw=1.5,
            label=f"beta = {res.beta:.3f} (se {res.se:.3f})")  # fmt: skip
    ax.plot(grid, grid, color="0.5", lw=0.8, ls="--", label="no convergence (beta = 1)")
    resid = y - (res.intercept + res.beta * x)
    for i in np.argsort(-np.abs(resid))[: max(0, label_extremes)]:
        ax.annotate(res.geos[i], (x[i], y[i]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(f"ln AUI ({res.start})")
    ax.set_ylabel(f"ln AUI ({res.end})")
    ax.set_title(f"Convergence, {res.level}: half-life {res.half_life_quarters:.1f} quarters", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_lorenz(curve: xr.Dataset, *, ax: Any = None, label: str = "") -> Any:
    """Lorenz curve from :func:`econindex.indices.lorenz_curve` (one slice) with the equality line.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.indices import lorenz_curve
    >>> ax = plot_lorenz(lorenz_curve(xr.DataArray([1.0, 3.0], dims="geo", coords={"geo": ["A", "B"]})))
    >>> len(ax.lines)
    2
    """
    if curve["usage_share"].ndim != 1:
        from econindex.errors import OptionError

        raise OptionError("plot_lorenz draws one curve; select a single period/platform first")
    ax = axes_or_new(ax, (5.0, 5.0))
    P, L = curve["weight_share"].values, curve["usage_share"].values
    gini = float(lorenz_gini(P, L))
    ax.plot(P, L, color="#4C72B0", lw=1.5, label=label or f"Gini {gini:.3f}")
    ax.plot([0, 1], [0, 1], color="0.5", lw=0.8, ls="--")
    weighted = curve.attrs.get("weights", "None") != "None"
    ax.set_xlabel("cumulative share of population" if weighted else "cumulative share of geos")
    ax.set_ylabel("cumulative share of usage" if weighted else "cumulative share of the index")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_specializations(table: pd.DataFrame, *, ax: Any = None, title: str = "") -> Any:
    """Horizontal bars of the location quotients from :func:`econindex.indices.top_specializations`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"title": ["Legal", "Sales"], "specialization": [2.0, 1.5]})
    >>> len(plot_specializations(t).patches)
    2
    """
    ax = axes_or_new(ax, (6.0, 0.35 * len(table) + 1.2))
    pos = np.arange(len(table))
    ax.barh(pos, table["specialization"].to_numpy(float), color="#DD8452")
    ax.set_yticks(pos, [str(t) for t in table["title"]], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel("location quotient (share / reference share)")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
