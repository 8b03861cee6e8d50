"""Beta convergence of the usage index between two periods (an estimator on the model core).

It regresses ln AUI(end) on ln AUI(start) with :class:`econindex.regression.OLS`, so it
sits above :mod:`econindex.indices` (which it uses for the index) in the one-way flow
io -> indices -> estimators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import EstimationError, OptionError, SchemaError
from econindex.indices._common import _labels, _require
from econindex.indices.usage import usage_index
from econindex.regression import OLS, RegressionResult
from econindex.results import CoefficientResult, inference_fields
from econindex.schema import (
    ANALYSIS_LEVELS,
    GEO,
    PERIOD,
    check_option,
    excluded_geos,
    geos_at_level,
    validate,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["ConvergenceResult", "convergence"]


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ConvergenceResult(CoefficientResult):
    """Beta convergence of the usage index between two periods (frozen).

    A :class:`~econindex.results.CoefficientResult` (coefficients ``const`` and
    ``ln_aui_start``, the regression's covariance), so ``params``, ``bse``,
    ``conf_int``, ``wald_test``, ``t_test``, ``to_latex`` and
    :func:`~econindex.compare` work as for every other result.
    ``beta`` is the slope of ln AUI(end) on ln AUI(start); ``beta < 1`` means
    geos with a low index catch up. ``quarterly_rate = -ln(beta) / step_quarters``
    and ``half_life = ln(0.5) / ln(beta)`` (in period steps; ``half_life_quarters``
    in quarters).
    """

    start: str
    end: str
    weights: str | None
    beta: float
    se: float
    pvalue: float
    intercept: float
    r2: float
    step_quarters: float
    half_life: float
    half_life_quarters: float
    quarterly_rate: float
    geos: tuple[str, ...]
    dropped: dict[str, str] = field(hash=False)
    source: str
    regression: RegressionResult = field(repr=False, compare=False, hash=False)
    x: np.ndarray = field(repr=False, compare=False, hash=False)
    y: np.ndarray = field(repr=False, compare=False, hash=False)

    @property
    def rsquared(self) -> float:
        """R-squared of the regression."""
        return self.r2

    def predict(self, x: Any = None) -> np.ndarray:
        """Fitted ln AUI(end) (``x=None``) or ``a + beta * x`` for given ln AUI(start) values."""
        if x is None:
            return np.asarray(self.regression.fittedvalues)
        return self.intercept + self.beta * np.asarray(x, dtype=float)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Interval of ``beta`` at coverage ``level``, from the regression's covariance."""
        bounds = np.asarray(self.regression.conf_int(alpha=1.0 - level))[1]
        return float(bounds[0]), float(bounds[1])

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy coefficient table of the regression (``term, estimate, std_error, statistic, p_value,
        ci_lower, ci_upper``), from :meth:`econindex.regression.RegressionResult.to_frame`."""
        return self.regression.to_frame(alpha)

    def to_xarray(self, alpha: float = 0.05) -> xr.Dataset:
        """Coefficients along a ``stat`` dim (the regression's export); convergence figures in attrs."""
        out = self.regression.to_xarray(alpha)
        out.attrs.update(
            start=self.start,
            end=self.end,
            step_quarters=self.step_quarters,
            half_life=self.half_life,
            half_life_quarters=self.half_life_quarters,
            quarterly_rate=self.quarterly_rate,
            dropped=[f"{g}: {r}" for g, r in self.dropped.items()],
        )
        return out

    def summary(self, alpha: float = 0.05) -> str:
        """Plain-text summary: the convergence figures, then the coefficient table."""
        w = "OLS" if self.weights is None else f"WLS (weights: {self.weights})"
        lines = [
            f"Convergence of the usage index, level {self.level!r}: {self.start} -> {self.end}",
            f"ln AUI(end) = a + beta ln AUI(start); {w}, cov_type={self.cov_type}, N={self.nobs}",
            f"  beta        {self.beta:9.4f}  (se {self.se:.4f}, "
            f"95% CI {self.ci()[0]:.4f} .. {self.ci()[1]:.4f})",
            f"  R-squared   {self.rsquared:9.4f}",
            f"  step        {self.step_quarters:9.4f} quarters between period starts",
            f"  quarterly convergence rate  {self.quarterly_rate:.4f}  (-ln(beta) / step)",
            f"  half-life   {self.half_life:.3f} periods = {self.half_life_quarters:.3f} quarters",
            f"  data: {self.source}",
        ]
        if self.dropped:
            lines.append(
                f"  dropped ({len(self.dropped)}): " + "; ".join(f"{g}: {r}" for g, r in self.dropped.items())
            )
        return "\n".join(lines) + "\n" + CoefficientResult.summary(self, alpha)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax: Axes | None = None) -> Axes:
        """Scatter of ln AUI(end) on ln AUI(start) with the fitted line (needs matplotlib)."""
        from econindex.plots._indices import plot_convergence

        return plot_convergence(self, ax=ax)


def _period_start(ds: xr.Dataset, label: str) -> np.datetime64:
    raw = ds["date_start"].sel({PERIOD: label}).item() if "date_start" in ds.coords else label
    try:
        return np.datetime64(str(raw)[:10], "D")
    except ValueError as exc:
        raise SchemaError(f"period {label!r} has no parseable start date ({raw!r})") from exc


def convergence(
    ds: xr.Dataset,
    level: str = "state_us",
    start: str | None = None,
    end: str | None = None,
    weights: str | None = None,
    cov_type: str = "HC1",
    *,
    exclude: Sequence[str] | str | None = None,
    min_count: float | None = None,
    cluster: str | None = None,
    cluster_correction: str = "CR1",
) -> ConvergenceResult:
    """Beta convergence: regress ln AUI(end) on ln AUI(start) across geos present in both periods.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with a ``period`` dimension and either counts (``usage_count``,
        ``working_age_pop``: the index is recomputed per period with
        :func:`usage_index` and its release convention) or the published
        ``usage_index`` (as in :func:`econindex.datasets.load_us_state_panel`).
    level : {"country", "state_us"}
        Geo level.
    start, end : str, optional
        Period labels; default the first two periods (``end`` defaults to the
        period after ``start``).
    weights : None or str
        ``None``: OLS; a variable name such as ``"working_age_pop"``: WLS with
        that variable (its value in the start period if it has one).
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        Covariance of the estimates (``cluster=`` with the default means ``"cluster"``).
    cluster : str, optional
        Geo coordinate (e.g. ``"census_division"``) whose values are the clusters.
    cluster_correction : {"CR1", "CR2", "CR3"}
    exclude : sequence of geo labels or "abuse_flagged", optional
        Geos to leave out (``"abuse_flagged"`` drops geos flagged in the start
        or end period, e.g. Wyoming's November 2025 spike).
    min_count : float, optional
        Reporting threshold when the index is recomputed from counts.

    Returns
    -------
    ConvergenceResult
        With ``beta``, ``se``, ``ci``, ``half_life``, ``quarterly_rate``, and
        ``dropped`` naming every geo left out and why.

    Notes
    -----
    The time step is measured between the periods' start dates, in quarters of
    365.25 / 4 days: ``step_quarters``. Per step ``beta = exp(-lambda * step)``,
    so the quarterly convergence rate is ``lambda = -ln(beta) / step`` and the
    half-life ``ln(0.5) / ln(beta)`` steps (``x step_quarters`` quarters). With
    ``beta >= 1`` there is no convergence (half-life infinite, rate <= 0).

    Examples
    --------
    >>> import econindex as ei
    >>> panel = ei.datasets.load_us_state_panel()
    >>> res = convergence(panel, start="2025-08-04", end="2025-11-13")
    >>> res.nobs, round(res.beta, 3), sorted(res.dropped)
    (50, 0.815, ['UT'])
    """
    validate(ds, check_values=False)  # types, duplicate labels, dtypes: before any arithmetic
    check_option("level", level, ANALYSIS_LEVELS)
    check_option("cov_type", cov_type, ("nonrobust", "HC0", "HC1", "HC2", "HC3"))
    if PERIOD not in ds.dims:
        raise SchemaError("convergence needs a dataset with a 'period' dimension")
    periods = _labels(ds[PERIOD].values)
    if len(periods) < 2:
        raise EstimationError(f"convergence needs two periods; the dataset has {periods}")
    start = periods[0] if start is None else str(start)
    for name, lab in (("start", start),):
        if lab not in periods:
            raise OptionError(f"{name}={lab!r} is not a period; periods: {periods}")
    if end is None:
        i = periods.index(start)
        if i + 1 >= len(periods):
            raise OptionError(f"start={start!r} is the last period; give end=")
        end = periods[i + 1]
    end = str(end)
    if end not in periods:
        raise OptionError(f"end={end!r} is not a period; periods: {periods}")
    if end == start:
        raise OptionError("start and end must be different periods")

    sub = ds.sel({PERIOD: [start, end]})
    if "usage_count" in sub.data_vars:
        aui = usage_index(sub, level, keep_all=True, min_count=min_count)
        src = "usage_index recomputed from counts (release convention)"
        below = ~aui["eligible"] & aui.notnull()
    elif "usage_index" in sub.data_vars:
        aui = sub["usage_index"].sel({GEO: geos_at_level(sub, level)})
        src = "published usage_index"
        below = xr.zeros_like(aui, dtype=bool)
    else:
        raise SchemaError("dataset has neither 'usage_count' nor 'usage_index'")
    other = [d for d in aui.dims if d not in (GEO, PERIOD)]
    if other:
        raise OptionError(f"convergence works on one slice; select a single value of {other} first")
    aui = aui.transpose(GEO, PERIOD)
    geos = _labels(aui[GEO].values)
    excl = set(excluded_geos(sub, exclude))
    exclude_desc = "abuse_flagged" if exclude == "abuse_flagged" else "exclude="
    vals = np.asarray(aui.values, dtype=float)
    below_v = np.asarray(below.transpose(GEO, PERIOD).values, dtype=bool)
    w_v: np.ndarray | None = None
    if weights is not None:
        wv = _require(sub, weights).sel({GEO: geos})
        if PERIOD in wv.dims:
            wv = wv.sel({PERIOD: start})
        w_v = np.asarray(wv.values, dtype=float)
    nan = np.isnan(vals)
    with np.errstate(invalid="ignore"):
        nonpos = vals <= 0
    reasons = [  # in order of precedence; a geo is named once, with its first reason
        (np.isin(geos, list(excl)), np.full(len(geos), f"excluded ({exclude_desc})", dtype=object)),
        (
            nan.any(axis=1),
            np.where(
                nan[:, 0] & nan[:, 1],
                f"missing in {start}, {end}",
                np.where(nan[:, 0], f"missing in {start}", f"missing in {end}"),
            ),
        ),
        (below_v.any(axis=1), np.full(len(geos), "below min_count", dtype=object)),
        (nonpos.any(axis=1), np.full(len(geos), "zero index (log undefined)", dtype=object)),
    ]
    if w_v is not None:
        reasons.append(
            (~(np.isfinite(w_v) & (w_v > 0)), np.full(len(geos), f"missing or zero weight {weights!r}"))
        )
    why = np.full(len(geos), "", dtype=object)
    for mask, text in reversed(reasons):
        why = np.where(mask, text, why)
    keep = why == ""
    dropped = {g: str(r) for g, r in zip(geos, why, strict=True) if r}
    n = int(keep.sum())
    if n < 3:
        raise EstimationError(
            f"convergence needs at least 3 geos in both periods; {n} left (dropped: {dropped})"
        )
    x = np.log(vals[keep, 0])
    y = np.log(vals[keep, 1])
    X = np.column_stack([np.ones(n), x])
    kept = [g for g, k in zip(geos, keep, strict=True) if k]
    if cluster is not None and cov_type == "HC1":
        cov_type = "cluster"
    clusters = None
    if cov_type == "cluster":
        if cluster is None or cluster not in ds.coords or ds[cluster].dims != (GEO,):
            raise OptionError(f"cov_type='cluster' needs cluster= (a coordinate on 'geo'); got {cluster!r}")
        clusters = np.asarray(ds[cluster].sel({GEO: kept}).values).astype(str)
    reg = OLS(cov_type=cov_type, cluster_correction=cluster_correction).fit(
        y,
        X,
        cluster=clusters,
        weights=None if w_v is None else w_v[keep],
        names=("const", "ln_aui_start"),
        obs_names=kept,
        dep_var="ln_aui_end",
        level=level,
    )
    params = pd.Series(reg.params)
    bse = pd.Series(reg.bse)
    beta = float(params.iloc[1])
    step = float((_period_start(ds, end) - _period_start(ds, start)) / np.timedelta64(1, "D")) / (365.25 / 4)
    if beta > 0:
        rate = -math.log(beta) / step
        half = math.log(0.5) / math.log(beta) if beta < 1 else math.inf
    else:
        rate, half = math.nan, math.nan
    return ConvergenceResult(
        **inference_fields(reg),
        level=level,
        model="OLS convergence",
        dep_var="ln_aui_end",
        start=start,
        end=end,
        weights=weights,
        beta=beta,
        se=float(bse.iloc[1]),
        pvalue=float(pd.Series(reg.pvalues).iloc[1]),
        intercept=float(params.iloc[0]),
        r2=float(reg.rsquared),
        step_quarters=step,
        half_life=half,
        half_life_quarters=half * step,
        quarterly_rate=rate,
        geos=tuple(kept),
        dropped=dropped,
        source=src,
        regression=reg,
        x=x,
        y=y,
    )
