"""Figure of the task mix against income: one panel per SOC group, share against ln GDP per capita."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from econindex.taskmix_income import TaskMixIncomeResult

__all__ = ["plot_taskmix_income"]


def plot_taskmix_income(
    result: TaskMixIncomeResult,
    groups: Sequence[str] | None = None,
    *,
    alpha: float = 0.05,
    n_labels: int = 4,
    title: str | None = None,
) -> Any:
    """The report's panels: each group's observed share per place, the fitted share curve and its band.

    For PPML the curve is the model's share ``exp(c_k + b_k x) / sum_j exp(c_j + b_j x)`` with a
    delta-method band (:meth:`~econindex.taskmix_income.TaskMixIncomeResult.share_curve`); for OLS
    the group's regression line. The places at both ends of the income range and those farthest
    from the curve are labelled (``n_labels`` per panel); each panel's title gives the group's
    share elasticity (PPML) or slope (OLS) with its interval.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import econindex as ei
    >>> ds = ei.simulate(seed=1, n_countries=40, n_tasks=100, n_requests=24, abuse_state=None)
    >>> res = ei.TaskMixIncome().fit(ds)
    >>> fig = plot_taskmix_income(res, ["15"])
    >>> fig.axes[0].get_xlabel()
    'ln GDP per working-age capita (USD)'
    """
    from econindex.errors import OptionError
    from econindex.plots import require_matplotlib
    from econindex.schema import SOC_MAJOR_GROUPS
    from econindex.taskmix_income import REPORT_GROUPS

    plt = require_matplotlib()
    if groups is None:
        groups = [g for g in REPORT_GROUPS if g in result.groups]
    groups = [str(g) for g in groups]
    missing = [g for g in groups if g not in result.groups]
    if missing or not groups:
        raise OptionError(f"groups {missing or groups} were not modelled; modelled: {list(result.groups)}")
    n = len(groups)
    ncol = min(n, 3 if n > 4 else 2) if n > 1 else 1
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), squeeze=False)
    shares = result.shares()
    x = np.asarray(result.x)
    grid = np.linspace(float(x.min()), float(x.max()), 80)
    fr = result.to_frame(alpha).set_index("soc_major")
    el = result.share_elasticities(alpha).set_index("soc_major") if result.method == "ppml" else fr
    for ax, g in zip(axes.ravel(), groups, strict=False):
        part = shares[shares["soc_major"] == g]
        ok = np.isfinite(part["share"].to_numpy())
        px = part["log_gdp_pc"].to_numpy()[ok]
        py = part["share"].to_numpy()[ok]
        pf = part["fitted_share"].to_numpy()[ok]
        geos = part["geo"].to_numpy()[ok]
        ax.scatter(px, py, s=14, alpha=0.7, color="C0")
        curve = result.share_curve(g, grid, alpha=alpha)
        ax.plot(curve["log_gdp_pc"], curve["share"], color="C1", lw=2)
        ax.fill_between(curve["log_gdp_pc"], curve["lower"], curve["upper"], color="C1", alpha=0.2)
        if px.size:
            order = list(np.argsort(-np.abs(py - pf))[: max(n_labels - 2, 0)])
            order += [int(np.argmin(px)), int(np.argmax(px))]
            for i in dict.fromkeys(order):
                ax.annotate(
                    str(geos[i]), (px[i], py[i]), xytext=(3, 3), textcoords="offset points", fontsize=7
                )
        if result.method == "ppml":
            est, lo, hi = el.loc[g, ["estimate", "ci_lower", "ci_upper"]]
            note = f"share elasticity {est:.2f} [{lo:.2f}, {hi:.2f}]"
        else:
            est, lo, hi = fr.loc[g, ["estimate", "ci_lower", "ci_upper"]]
            note = f"slope {est:.3f} [{lo:.3f}, {hi:.3f}]"
        name = textwrap.shorten(SOC_MAJOR_GROUPS.get(g, ""), width=40, placeholder="...")
        ax.set_title(f"{g} {name}\n{note}", fontsize=9)
        ax.set_xlabel("ln GDP per working-age capita (USD)")
        ax.set_ylabel("share of classified tasks" if result.method == "ols" else "share of modelled groups")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    band = f"{len(result.geos)} places; {100 * (1 - alpha):g}% band"
    fig.suptitle(
        title or f"Task mix and income ({result.method.upper()}, {result.level}, {band})",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
