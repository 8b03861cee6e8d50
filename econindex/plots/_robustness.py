"""Figures of the robustness tools: flag sensitivity, specification curve, influence.

Called by :meth:`econindex.robustness.SpecificationCurve.plot` and usable
directly; matplotlib is imported inside each function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from econindex.plots import axes_or_new

if TYPE_CHECKING:
    import xarray as xr

    from econindex.robustness import SpecificationCurve

__all__ = ["plot_flag_sensitivity", "plot_specification_curve", "plot_influence"]


def _plt() -> Any:
    from econindex.plots import require_matplotlib

    return require_matplotlib()


def plot_flag_sensitivity(table: pd.DataFrame, ax: Any = None) -> Any:
    """Estimate and interval of each specification of :func:`econindex.robustness.flag_sensitivity`.

    The baseline (all traffic) is the dashed line; zero is the thin line.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> tab = pd.DataFrame({"spec": ["all traffic", "drop UT"], "estimate": [0.03, -0.01],
    ...                     "ci_lower": [-0.03, -0.02], "ci_upper": [0.09, 0.0]})
    >>> ax = plot_flag_sensitivity(tab)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['all traffic', 'drop UT']
    """
    ax = axes_or_new(ax, (6, 0.5 * len(table) + 1.5))
    pos = np.arange(len(table))[::-1]
    est = table["estimate"].to_numpy(float)
    lo, hi = table["ci_lower"].to_numpy(float), table["ci_upper"].to_numpy(float)
    ax.errorbar(est, pos, xerr=[est - lo, hi - est], fmt="o", color="C0", capsize=3)
    ax.axvline(est[0], color="C1", ls="--", lw=1, label="all traffic")
    ax.axvline(0, color="k", lw=0.5)
    ax.set_yticks(pos)
    ax.set_yticklabels(table["spec"].astype(str).tolist())
    ax.set_xlabel("estimate (interval)")
    ax.set_title("Sensitivity to flagged traffic")
    return ax


def plot_specification_curve(
    curve: SpecificationCurve, ax: Any = None, *, choices: tuple[str, ...] | None = None
) -> Any:
    """Specification curve: estimates sorted with their intervals (top), the choices of each (below).

    Returns the top axes; the choice panel is ``ax.figure.axes[1]``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import econindex as ei
    >>> from econindex.robustness import specification_curve
    >>> sc = specification_curve(ei.datasets.load_countries_2025_08(), min_count=[200, 400],
    ...                          cov_type=["HC1"])
    >>> ax = plot_specification_curve(sc)
    >>> len(ax.figure.axes)
    2
    """
    plt = _plt()
    t = curve.table.sort_values("estimate", kind="stable").reset_index(drop=True)
    cols = [c for c in (choices or curve.choices) if c in t.columns and t[c].nunique() > 1]
    from econindex.robustness.specification import sorted_values

    labels = [(c, str(v)) for c in cols for v in sorted_values(t[c])]  # numbers by value: 50 before 450
    if ax is None:
        fig, (ax, ax2) = plt.subplots(
            2,
            1,
            sharex=True,
            figsize=(9, 3 + 0.22 * max(len(labels), 1)),
            gridspec_kw={"height_ratios": [2, max(1, 0.15 * len(labels))]},
        )
    else:
        fig = ax.figure
        ax2 = fig.add_axes((ax.get_position().x0, 0.02, ax.get_position().width, 0.2), sharex=ax)
    x = np.arange(len(t))
    sig = (t["p_value"] < 1 - curve.ci_level).to_numpy()
    ax.fill_between(x, t["ci_lower"], t["ci_upper"], color="C0", alpha=0.2, lw=0)
    ax.scatter(x[sig], t["estimate"][sig], s=6, color="C0", label="significant")
    ax.scatter(x[~sig], t["estimate"][~sig], s=6, color="C3", label="not significant")
    ax.axhline(0, color="k", lw=0.5)
    ax.axhline(float(t["estimate"].median()), color="C1", ls="--", lw=1, label="median")
    ax.set_ylabel(f"{curve.term}")
    n_grid = curve.notes.get("n_grid")
    what = f"distinct specifications of {n_grid} combinations" if n_grid else "specifications"
    ax.set_title(f"Specification curve ({len(t)} {what}, {curve.level})")
    ax.legend(loc="best", fontsize="small")
    for row, (c, v) in enumerate(labels):
        on = (t[c].astype(str) == v).to_numpy()
        ax2.scatter(x[on], np.full(on.sum(), row), s=2, marker="|", color="k")
    ax2.set_yticks(np.arange(len(labels)))
    ax2.set_yticklabels([f"{c}={v}" for c, v in labels], fontsize="x-small")
    ax2.set_ylim(-0.5, len(labels) - 0.5)
    ax2.invert_yaxis()
    ax2.set_xlabel("specification (sorted by estimate)")
    return ax


def plot_influence(infl: xr.Dataset, ax: Any = None, *, label: int = 5) -> Any:
    """Leverage against studentized residual, marker area proportional to Cook's distance.

    The ``label`` most influential geos (by Cook's distance) are named.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, statsmodels.api as sm
    >>> from econindex.robustness import influence
    >>> x = np.array([0.0, 1, 2, 3, 10]); y = np.array([0.1, 0.9, 2.2, 2.8, 4.0])
    >>> ax = plot_influence(influence(sm.OLS(y, sm.add_constant(x)).fit()), label=1)
    >>> [t.get_text() for t in ax.texts]
    ['4']
    """
    ax = axes_or_new(ax, (6, 4.5))
    h = infl["leverage"].to_numpy()
    r = infl["student_resid"].to_numpy()
    d = infl["cooks_distance"].to_numpy()
    ax.scatter(h, r, s=20 + 400 * d / max(float(np.nanmax(d)), 1e-12), alpha=0.6, color="C0")
    ax.axhline(0, color="k", lw=0.5)
    for v in (-2, 2):
        ax.axhline(v, color="C3", ls=":", lw=0.8)
    k = int(infl.sizes.get("term", 2))
    ax.axvline(2 * k / len(h), color="C3", ls=":", lw=0.8)
    for i in np.argsort(-d, kind="stable")[:label]:
        ax.annotate(
            str(infl["geo"].values[i]),
            (h[i], r[i]),
            fontsize="small",
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel("leverage")
    ax.set_ylabel("studentized residual (external)")
    ax.set_title("Influence (marker area: Cook's distance)")
    return ax
