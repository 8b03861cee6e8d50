"""Partial regression plot of the task-mix controlled automation regression."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from econindex.automation import AutomationResult

__all__ = ["partial_regression_plot"]


def partial_regression_plot(result: AutomationResult, *, ax: Any = None, label_extremes: int = 3) -> Any:
    """Residual automation against residual usage, with the partial slope; extremes labelled.

    Both axes are residuals after partialling out the task-mix control (and any
    further controls), so the fitted line through the origin has the partial
    slope of ``result``. The ``label_extremes`` geos farthest from the centre
    of the cloud (standardized distance) are labelled with their geo code.

    Parameters
    ----------
    result : AutomationResult
        A fitted :class:`~econindex.automation.TaskMixAutomation` result.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made otherwise.
    label_extremes : int
        Number of geos to label.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import econindex as ei
    >>> from econindex.automation import TaskMixAutomation
    >>> res = TaskMixAutomation().fit(ei.datasets.load_country_automation_2025_08())
    >>> ax = partial_regression_plot(res, label_extremes=2)
    >>> len(ax.texts)
    2
    """
    from econindex.plots import axes_or_new

    ax = axes_or_new(ax, (6.0, 4.5))
    t = result.table
    x = t["resid_usage"].to_numpy(float)
    y = t["resid_automation"].to_numpy(float)
    ax.scatter(x, y, s=18, alpha=0.7, color="tab:blue", edgecolor="none")
    grid = np.linspace(float(x.min()), float(x.max()), 50)
    lo, hi = result.ci()
    ax.plot(
        grid,
        result.slope * grid,
        color="tab:red",
        lw=1.5,
        label=f"slope {result.slope:.3f} [{lo:.3f}, {hi:.3f}] ({result.cov_type})",
    )
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.axvline(0.0, color="0.7", lw=0.8)
    if label_extremes > 0:
        sx = x.std() or 1.0
        sy = y.std() or 1.0
        dist = np.hypot(x / sx, y / sy)
        for i in np.argsort(-dist)[: min(label_extremes, len(x))]:
            ax.annotate(str(t.index[i]), (x[i], y[i]), xytext=(3, 3), textcoords="offset points", fontsize=8)
    unit = "pp" if result.units == "percent" else "share"
    ax.set_xlabel(f"{result.term} | controls (residual)")
    ax.set_ylabel(f"automation share, {unit} | controls (residual)")
    ax.set_title(
        f"Task-mix controlled automation, {result.level}\n"
        f"N = {result.nobs}, partial R² = {result.partial_rsquared:.3f}",
        fontsize=10,
    )
    ax.margins(x=0.08)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax
