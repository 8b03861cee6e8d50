""":class:`AutomationResult`, the partial slope of automation on usage, and :func:`periods_frame`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from econindex.errors import OptionError
from econindex.regression import RegressionResult
from econindex.results import CoefficientResult
from econindex.schema import (
    GEO,
)

# --------------------------------------------------------------------------- result


def _fmt(x: float, digits: int = 4) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.{digits}f}"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class AutomationResult(CoefficientResult):
    """Result of :class:`TaskMixAutomation`: the partial slope of automation on usage.

    A :class:`~econindex.results.CoefficientResult` whose coefficients and
    covariance are those of the full regression (automation on constant,
    usage, task-mix control and controls), so ``params``, ``bse``,
    ``pvalues``, ``conf_int``, ``to_frame``, ``to_markdown``, ``to_latex`` and
    :func:`econindex.compare` work as for every estimator; the partial-slope
    view adds the attributes below.

    Attributes
    ----------
    slope : float
        Frisch-Waugh-Lovell partial slope of the automation share on the usage
        measure, holding the task-mix control fixed (percentage points per unit
        of usage when ``units="percent"``). Equal to the usage coefficient of
        the full regression.
    naive_se : float
        The residual-on-residual regression's own (non-robust) standard error,
        with ``nobs - 2`` residual degrees of freedom instead of
        ``nobs - k``: too small, shown for comparison.
    partial_rsquared : float
        R-squared of the residual-on-residual regression.
    n_tasks_rated : int
        Tasks with an automation rate that enter the weights (0 when the
        published expected automation was used).
    regression : RegressionResult
        The full regression.
    table : pandas.DataFrame
        Per geo in the regression: ``geo_name, actual, expected, usage``,
        controls, ``fitted, resid`` (full regression), ``resid_automation,
        resid_usage`` (partialled out), ``leverage``.
    excluded : pandas.DataFrame
        Geos of the level left out, with the ``reason`` (never silently lost).
    sources : dict
        Where each input came from (computed from counts, or published).
    term : str
        Name of the usage coefficient (``usage_index`` or ``log_usage_index``).

    Examples
    --------
    >>> import econindex as ei
    >>> res = ei.TaskMixAutomation().fit(ei.datasets.load_country_automation_2025_08())
    >>> [round(v, 2) for v in res.ci()], round(res.se, 3), round(res.naive_se, 3)
    ([-4.4, -1.83], 0.649, 0.37)
    >>> res.to_frame()["term"].tolist()
    ['const', 'usage_index', 'expected_automation']
    """

    slope: float
    naive_se: float
    partial_rsquared: float
    n_tasks_rated: int
    regression: RegressionResult
    table: pd.DataFrame
    excluded: pd.DataFrame
    usage: str
    base: str
    units: str
    task_control: str
    alpha: float = 0.05
    sources: Mapping[str, str] = field(default_factory=dict)
    term: str = "usage_index"
    period: str | None = None
    platform: str | None = None

    # ---- inference, all from the full regression's covariance
    @property
    def se(self) -> float:
        """Standard error of the slope from the full regression with ``cov_type``."""
        return float(self.bse[self.term])

    @property
    def tvalue(self) -> float:
        """Test statistic of the slope (full regression)."""
        return float(self.tvalues[self.term])

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of the slope (full regression, ``cov_type``)."""
        return float(self.pvalues[self.term])

    @property
    def rsquared(self) -> float:
        """R-squared of the full regression (see :attr:`partial_rsquared` for the partial one)."""
        return self.regression.rsquared

    def ci(self, level: float | None = None) -> tuple[float, float]:
        """Interval of the slope from the full regression, at coverage ``level`` (default ``1 - alpha``).

        Like every econindex result, ``ci`` takes the coverage (``ci(0.95)``),
        not the significance level.
        """
        if level is not None and not 0.0 < level < 1.0:
            raise OptionError(f"level={level!r} must be a coverage strictly between 0 and 1, e.g. 0.95")
        ci = self.conf_int(alpha=self.alpha if level is None else 1.0 - level)
        j = list(self.names).index(self.term)
        return float(ci["lower"].iloc[j]), float(ci["upper"].iloc[j])

    @property
    def naive_df(self) -> int:
        """Residual degrees of freedom of the naive residual-on-residual regression (``nobs - 2``)."""
        return self.nobs - 2

    def naive_ci(self, alpha: float | None = None) -> tuple[float, float]:
        """The naive interval: residual-on-residual SE with a t on ``nobs - 2`` dof."""
        a = self.alpha if alpha is None else alpha
        q = float(stats.t.ppf(1 - a / 2, self.naive_df))
        return self.slope - q * self.naive_se, self.slope + q * self.naive_se

    @property
    def width_ratio(self) -> float:
        """Width of the reported (full-regression) interval over that of the naive one."""
        lo, hi = self.ci()
        nlo, nhi = self.naive_ci()
        return (hi - lo) / (nhi - nlo)

    def with_cov(self, cov_type: str, **kwargs: Any) -> AutomationResult:
        """The same fit with another covariance type (a new result; the slope is unchanged).

        Keyword arguments (``clusters``, ``cluster_correction``) go to
        :meth:`RegressionResult.with_cov`.
        """
        reg = self.regression.with_cov(cov_type, **kwargs)
        return replace(
            self,
            regression=reg,
            cov=reg.cov,
            df=reg.df,
            cov_type=reg.cov_type,
            cov_label=reg.cov_label,
            cov_description=reg.cov_description,
        )

    def _extra_stats(self) -> dict[str, Any]:
        out = super()._extra_stats()
        out["Partial slope"] = self.slope
        out["Partial R-squared"] = self.partial_rsquared
        out["Naive SE (resid-on-resid)"] = self.naive_se
        out["Tasks with a rate"] = self.n_tasks_rated
        return out

    # ---- exports
    def summary(self, alpha: float | None = None) -> str:
        """The slope with both intervals, partial R-squared, N, sources, excluded geos, then the table."""
        a = self.alpha if alpha is None else alpha
        lo, hi = self.ci(1.0 - a)
        nlo, nhi = self.naive_ci(a)
        unit = "pp of automation" if self.units == "percent" else "automation share"
        lvl = f"{100 * (1 - a):g}%"
        lines = [
            f"Task-mix controlled automation regression ({self.level}, N = {self.nobs})",
            f"  automation share ({self.base} base, {self.units}) on {self.term}; "
            f"task control: {self.task_control}",
            f"  partial slope      {_fmt(self.slope)}  ({unit} per unit of {self.term})",
            f"  {self.cov_label} SE{' ' * max(1, 15 - len(self.cov_label))}{_fmt(self.se)}  "
            f"{lvl} CI [{_fmt(lo)}, {_fmt(hi)}]  p = {_fmt(self.pvalue)}  (full regression, dof "
            f"{self.regression.df_resid})",
            f"  naive SE           {_fmt(self.naive_se)}  {lvl} CI [{_fmt(nlo)}, {_fmt(nhi)}]"
            f"  (residual-on-residual, dof {self.naive_df})",
            f"  interval width, reported / naive: {_fmt(self.width_ratio, 3)}",
            f"  partial R-squared  {_fmt(self.partial_rsquared)}",
            f"  tasks with a rate  {self.n_tasks_rated}",
        ]
        if self.period is not None:
            lines.append(f"  period {self.period}")
        if self.platform is not None:
            lines.append(f"  platform {self.platform}")
        lines.append("  sources: " + "; ".join(f"{k} = {v}" for k, v in self.sources.items()))
        if len(self.excluded):
            named = ", ".join(f"{g} ({r})" for g, r in self.excluded["reason"].items())
            lines.append(f"  excluded ({len(self.excluded)}): {named}")
        return "\n".join(lines) + "\n\n" + super().summary(a)

    def __str__(self) -> str:
        return self.summary()

    def _attrs(self) -> dict[str, Any]:
        return {
            "estimator": "TaskMixAutomation",
            "slope": self.slope,
            "partial_rsquared": self.partial_rsquared,
            "naive_se": self.naive_se,
            "n_tasks_rated": self.n_tasks_rated,
            "term": self.term,
            "usage": self.usage,
            "base": self.base,
            "units": self.units,
            "task_control": self.task_control,
            "sources": json.dumps(dict(self.sources)),
            "excluded": json.dumps(self.excluded["reason"].to_dict()),
            "period": "" if self.period is None else self.period,
            "platform": "" if self.platform is None else self.platform,
        }

    def to_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """Tidy coefficients of the full regression.

        Columns ``term, estimate, std_error, statistic, p_value, ci_lower,
        ci_upper``; ``attrs`` carry the partial R-squared, N, the naive SE and
        the sources.
        """
        out = super().to_frame(self.alpha if alpha is None else alpha)
        out.attrs.update(self._attrs(), nobs=self.nobs, cov_type=self.cov_type, level=self.level or "")
        return out

    def to_xarray(self, alpha: float | None = None) -> xr.Dataset:
        """One variable per term along ``stat`` (as every result) plus the per-geo table along ``geo``.

        Table columns become variables ``actual, expected, usage, fitted, resid,
        resid_automation, resid_usage, leverage``; further controls appear as
        ``control_<name>``.
        """
        out = super().to_xarray(self.alpha if alpha is None else alpha)
        table = self.table.drop(columns=["geo_name"])
        geo_vars = {
            (f"control_{c}" if c in self.names else c): xr.DataArray(table[c].to_numpy(float), dims=(GEO,))
            for c in table.columns
        }
        out = out.assign(geo_vars).assign_coords(
            {GEO: list(self.table.index), "geo_name": (GEO, self.table["geo_name"].to_numpy(object))}
        )
        out.attrs.update(self._attrs())
        return out

    def plot(self, ax: Any = None, *, label_extremes: int = 3) -> Any:
        """Partial regression plot (residual automation on residual usage); extremes labelled.

        Needs matplotlib (extra ``plot``). Returns the matplotlib Axes.
        """
        from econindex.plots._automation import partial_regression_plot

        return partial_regression_plot(self, ax=ax, label_extremes=label_extremes)


def periods_frame(results: Mapping[str, Any]) -> pd.DataFrame:
    """One row per period: slope, SE, interval, p-value, partial R-squared, R-squared, N.

    ``results`` is what a ``fit_periods`` returns (:meth:`TaskMixAutomation.fit_periods`,
    :meth:`econindex.IncomeElasticity.fit_periods`); columns a result does not
    define (``naive_se`` and ``partial_rsquared`` of an elasticity) are NaN.

    Examples
    --------
    >>> periods_frame({}).columns.tolist()[:3]
    ['period', 'slope', 'se']
    """
    rows = []
    for period, res in results.items():
        lo, hi = res.ci()
        rows.append(
            {
                "period": period,
                "slope": res.slope,
                "se": res.se,
                "ci_lower": lo,
                "ci_upper": hi,
                "p_value": res.pvalue,
                "naive_se": getattr(res, "naive_se", math.nan),
                "partial_rsquared": getattr(res, "partial_rsquared", math.nan),
                "rsquared": res.rsquared,
                "nobs": res.nobs,
            }
        )
    cols = [
        "period",
        "slope",
        "se",
        "ci_lower",
        "ci_upper",
        "p_value",
        "naive_se",
        "partial_rsquared",
        "rsquared",
        "nobs",
    ]
    return pd.DataFrame(rows, columns=cols)
