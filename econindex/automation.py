"""Task-mix controlled automation regression (the report's "higher usage, less automation").

Places that use AI more per capita automate less, *after* holding their mix of
tasks fixed. Without the task-mix control the comparison is confounded:
coding-heavy places automate more because of what they do, not because of how
much they use the assistant. This module implements the published procedure in
three explicit steps and the regression on top of it:

1. :func:`task_automation_rate`: per-task automation rate from the global
   task x collaboration-pattern mix, ``(directive + feedback loop) / (five
   classified patterns)``; tasks with a zero classified share have no rate; the
   ``not_classified`` task is left out.
2. :func:`expected_automation`: a geo's expected automation, the mean of the
   task rates weighted by the geo's own task shares over the tasks that have a
   rate (``none`` and ``not_classified`` excluded from the weights). A matrix
   product over ``task`` (:func:`xarray.dot`), no loops over tasks or geos.
3. :class:`TaskMixAutomation`: the regression of the geo's actual automation
   share on its usage index controlling for its expected automation, reported
   as the Frisch-Waugh-Lovell partial slope with its standard error from the
   full regression (robust covariance), the naive residual-on-residual error for
   comparison, the partial R-squared and N (:class:`AutomationResult`).

Units: shares are stored as fractions in [0, 1]; by default (``units="percent"``)
the estimator multiplies the automation shares by 100, so the slope reads in
percentage points of automation per unit of the usage index, as the report
states it (-3.112 across countries in August 2025).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from econindex._kernels.ols import wls
from econindex.covariance import CLUSTER_CORRECTIONS, COV_TYPES
from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError
from econindex.regression import OLS, RegressionResult
from econindex.results import CoefficientResult
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CLASSIFIED_PATTERNS,
    GEO,
    PATTERN,
    PERIOD,
    PLATFORM,
    SPECIAL_CLUSTERS,
    TASK,
    check_option,
    geos_at_level,
    validate,
)

__all__ = [
    "task_automation_rate",
    "expected_automation",
    "TaskMixAutomation",
    "AutomationResult",
    "periods_frame",
]

UsageKind = Literal["index", "log_index"]
Base = Literal["classified", "all"]
TaskControl = Literal["expected", "soc_major", "none"]
OnUncovered = Literal["raise", "record"]
Units = Literal["percent", "fraction"]
Source = Literal["auto", "published", "counts"]

USAGE_KINDS: tuple[str, ...] = ("index", "log_index")
BASES: tuple[str, ...] = ("classified", "all")
TASK_CONTROLS: tuple[str, ...] = ("expected", "soc_major", "none")
ON_UNCOVERED: tuple[str, ...] = ("raise", "record")
UNITS: tuple[str, ...] = ("percent", "fraction")
SOURCES: tuple[str, ...] = ("auto", "published", "counts")
LEVELS: tuple[str, ...] = ("country", "state_us")

_INPUTS = (
    "usage_count",
    "working_age_pop",
    "usage_index",
    "pattern_count",
    "automation_share",
    "expected_automation",
    "task_count",
    "task_share_published",
    "task_pattern_share",
    "task_pattern_count",
)
_UNCOVERED = "task shares cover no task with an automation rate"
_NO_TASKS = "no task data"


# --------------------------------------------------------------------------- step 1


def _task_pattern_mix(ds: xr.Dataset) -> tuple[xr.DataArray, str]:
    """The global task x pattern mix (shares or counts; rates are ratios, so scale is irrelevant)."""
    if "task_pattern_share" in ds.data_vars:
        return ds["task_pattern_share"], "task_pattern_share"
    if "task_pattern_count" in ds.data_vars:
        counts = ds["task_pattern_count"]
        if "geo_level" in counts.coords and bool((counts["geo_level"] == "global").any()):
            glob = counts.isel({GEO: np.flatnonzero(counts["geo_level"].values == "global")})
            return glob.sum(GEO, min_count=1), "task_pattern_count (global geo)"
        return counts.sum(GEO, min_count=1), "task_pattern_count (summed over geos)"
    raise SchemaError(
        "automation rates need 'task_pattern_share' (task, pattern) or 'task_pattern_count' "
        "(geo, task, pattern); the dataset has neither"
    )


def task_automation_rate(ds: xr.Dataset) -> xr.DataArray:
    """Per-task automation rate from the global task x collaboration-pattern mix (step 1).

    Parameters
    ----------
    ds : xarray.Dataset
        A dataset with ``task_pattern_share`` (task, pattern), or failing that
        ``task_pattern_count`` (the ``GLOBAL`` geo if present, else summed over
        geos). Extra dims (``period``, ``platform``) are kept.

    Returns
    -------
    xarray.DataArray
        ``automation_rate`` over ``task`` (and any extra dims), in [0, 1]; NaN
        for tasks whose classified share is zero or missing. The
        ``not_classified`` task is left out of the ``task`` dim.

    Raises
    ------
    SchemaError
        The dataset has no task x pattern variable, or no automation or
        classified patterns.

    Notes
    -----
    With :math:`s_{tp}` the share of pattern :math:`p` within task :math:`t`,

    .. math:: r_t = \\frac{s_{t,\\mathrm{directive}} + s_{t,\\mathrm{feedback\\ loop}}}
                          {\\sum_{p \\in \\mathrm{classified}} s_{tp}}

    over the five classified patterns (directive, feedback loop, learning, task
    iteration, validation). A missing (NaN) cell counts as absent: a task's
    denominator is the sum of its non-missing classified cells, and a task with
    no positive classified cell has no rate.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords
    >>> pats = ["directive", "feedback loop", "learning", "task iteration", "validation", "none"]
    >>> share = xr.DataArray([[0.3, 0.1, 0.2, 0.2, 0.0, 0.2], [0, 0, 0, 0, 0, 1.0]],
    ...                      dims=("task", "pattern"),
    ...                      coords={"task": ["write code", "chat"], **pattern_coords(pats)})
    >>> rate = task_automation_rate(xr.Dataset({"task_pattern_share": share}))
    >>> rate.round(3).values.tolist()
    [0.5, nan]
    """
    mix, source = _task_pattern_mix(ds)
    if PATTERN not in mix.dims or TASK not in mix.dims:
        raise SchemaError(f"{source} must have dims 'task' and 'pattern'; it has {mix.dims}")
    labels = [str(p) for p in mix[PATTERN].values]
    auto = [p for p in AUTOMATION_PATTERNS if p in labels]
    classified = [p for p in CLASSIFIED_PATTERNS if p in labels]
    if not auto or not classified:
        raise SchemaError(
            f"{source} has patterns {labels}; automation rates need the automation patterns "
            f"{list(AUTOMATION_PATTERNS)} and the classified patterns {list(CLASSIFIED_PATTERNS)}"
        )
    pats = mix.indexes[PATTERN]
    num = mix.isel({PATTERN: pats.get_indexer(auto)}).sum(PATTERN, skipna=True)
    den = mix.isel({PATTERN: pats.get_indexer(classified)}).sum(PATTERN, skipna=True)
    rate = (num / den.where(den > 0)).drop_vars(["mode"], errors="ignore")
    tasks = rate.indexes[TASK]
    if "not_classified" in tasks:
        rate = rate.isel({TASK: np.flatnonzero(tasks != "not_classified")})
    rate.name = "automation_rate"
    rate.attrs = {
        "units": "1",
        "long_name": "Automation share of classified conversations within the task (global mix)",
        "source": source,
    }
    return rate


# --------------------------------------------------------------------------- step 2


def _task_weights(ds: xr.Dataset) -> tuple[xr.DataArray, str]:
    for name in ("task_count", "task_share_published"):
        if name in ds.data_vars:
            return ds[name], name
    raise SchemaError(
        "expected automation needs the geo's task mix: 'task_count' (geo, task) or "
        "'task_share_published'; the dataset has neither"
    )


def _expected_parts(
    ds: xr.Dataset, rate: xr.DataArray | None = None
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, xr.DataArray, str]:
    """(expected, covered weight, has task data, rate, weight source), vectorized over geo."""
    w, wsource = _task_weights(ds)
    r = task_automation_rate(ds) if rate is None else rate
    tasks = w.indexes[TASK]
    if not r.indexes[TASK].equals(tasks):
        r = r.reindex({TASK: tasks})
    # none / not_classified never count: give them no rate instead of copying the weights without them
    special = tasks.isin(SPECIAL_CLUSTERS)
    if special.any():
        r = r.where(xr.DataArray(~special, dims=TASK))
    # one task index object for both operands, so xarray's alignment is a no-op
    r = r.assign_coords({TASK: w[TASK]})
    # a missing cell carries no weight; a task without a rate gets no weight
    w0 = w.fillna(0.0)
    has_rate = r.notnull().astype(float)
    covered = xr.dot(w0, has_rate, dim=TASK)
    num = xr.dot(w0, r.fillna(0.0), dim=TASK)
    expected = (num / covered.where(covered > 0)).rename("expected_automation")
    has_tasks = w.isel({TASK: np.flatnonzero(~special)}).notnull().any(TASK)
    return expected, covered, has_tasks, r, wsource


def expected_automation(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    rate: xr.DataArray | None = None,
) -> xr.DataArray:
    """Expected automation share of each geo from its task mix (step 2).

    Parameters
    ----------
    ds : xarray.Dataset
        A dataset with the geo task mix ``task_count`` (geo, task) (or
        ``task_share_published``) and the global task x pattern mix (see
        :func:`task_automation_rate`).
    level : {"country", "state_us", "global"}, optional
        Keep only the located geos of this level; all geos by default.
    rate : xarray.DataArray, optional
        Per-task rates to use instead of :func:`task_automation_rate` of ``ds``.

    Returns
    -------
    xarray.DataArray
        ``expected_automation`` over ``geo`` (and any extra dims), in [0, 1];
        NaN for a geo without task data or whose tasks have no rate.

    Notes
    -----
    With :math:`w_{gt}` the conversations of geo :math:`g` on task :math:`t`
    and :math:`R` the tasks that have a rate (``none`` and ``not_classified``
    excluded),

    .. math:: E_g = \\frac{\\sum_{t \\in R} w_{gt} r_t}{\\sum_{t \\in R} w_{gt}}

    computed for all geos at once as a matrix product over ``task``
    (:func:`xarray.dot`). Missing task cells count as zero weight, since a
    suppressed cell carries no conversations we can attribute.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords
    >>> pats = ["directive", "feedback loop", "learning", "task iteration", "validation"]
    >>> share = xr.DataArray([[0.5, 0.3, 0.1, 0.1, 0.0], [0.1, 0.1, 0.4, 0.2, 0.2]],
    ...                      dims=("task", "pattern"),
    ...                      coords={"task": ["a", "b"], **pattern_coords(pats)})
    >>> counts = xr.DataArray([[30.0, 10.0], [10.0, 30.0]], dims=("geo", "task"),
    ...                       coords={"geo": ["X", "Y"], "task": ["a", "b"]})
    >>> ds = xr.Dataset({"task_pattern_share": share, "task_count": counts})
    >>> expected_automation(ds).round(3).values.tolist()
    [0.65, 0.35]
    """
    if rate is None:
        rate = task_automation_rate(ds)  # from the whole dataset: a GLOBAL geo may carry the mix
    if level is not None:
        ds = ds.sel({GEO: geos_at_level(ds, level)})
    expected, _, _, _, wsource = _expected_parts(ds, rate)
    expected.attrs = {
        "units": "1",
        "long_name": "Expected automation share from the task mix",
        "weights": wsource,
    }
    return expected


# --------------------------------------------------------------------------- the regression core


def _ols(
    cov_type: str,
    y: np.ndarray,
    X: np.ndarray,
    names: Sequence[str],
    obs: Sequence[str],
    clusters: np.ndarray | None = None,
    cluster_correction: str = "CR1",
    level: str | None = None,
    dep_var: str = "y",
) -> RegressionResult:
    return OLS(cov_type=cov_type, cluster_correction=cluster_correction).fit(
        y,
        X,
        names=tuple(names),
        obs_names=np.asarray(obs, dtype=object),
        clusters=clusters,
        level=level,
        dep_var=dep_var,
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
    >>> res = TaskMixAutomation().fit(ei.datasets.load_country_automation_2025_08())
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


# --------------------------------------------------------------------------- the estimator


def _select(ds: xr.Dataset, dim: str, value: str | None, hint: str) -> tuple[xr.Dataset, str | None]:
    if dim not in ds.dims:
        if value is not None:
            raise OptionError(f"{dim}={value!r} given but the dataset has no {dim!r} dimension")
        return ds, None
    labels = [str(v) for v in ds[dim].values]
    if value is None:
        if len(labels) == 1:
            return ds.isel({dim: 0}), labels[0]
        raise OptionError(
            f"the dataset has {len(labels)} values of {dim!r} {labels}; choose one with {dim}=...{hint}"
        )
    check_option(dim, value, labels)
    return ds.sel({dim: value}), value


def _positive_share(num: xr.DataArray, den: xr.DataArray) -> xr.DataArray:
    return num / den.where(den > 0)


@dataclass(frozen=True)
class TaskMixAutomation:
    """Regression of the automation share on usage, controlling for the task mix.

    Parameters
    ----------
    usage : {"index", "log_index"}
        The usage measure: the usage index (AUI) or its natural log.
    base : {"classified", "all"}
        Base of the actual automation share: the five classified patterns
        (the report's) or all conversations (``none`` and ``not_classified``
        included). Published shares are on the classified base.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        Covariance of the full regression, which gives the slope's SE.
    controls : tuple of str
        Further geo variables or geo coordinates of the dataset to control for; a
        non-numeric coordinate (``"census_region"``) enters as dummies ``C(name)[T.level]``.
    fixed_effects : tuple of str
        Geo coordinates whose levels are controlled for (entered as dummies, which gives
        the same slope and errors as absorbing them; the dummies count in the dof), and/or
        ``"period"``: every period of the dataset pooled (one row per geo and period,
        named ``geo@period``) with period effects.
    task_control : {"expected", "soc_major", "none"}
        The task-mix control: the single expected-automation index (the
        report's), the geo's SOC-major-group task shares (one group dropped as
        the reference), or none (the uncontrolled comparison).
    min_count : float, "release" or None, default "release"
        Leave out geos with fewer conversations (``usage_count``). ``"release"``:
        on a release read from its files (``read_aei``, which records ``attrs["layouts"]``),
        the published sample rule, :data:`econindex.indices.MIN_COUNT` (at least
        200 conversations per country, 100 per US state, as the release's analysis
        code); on other datasets (simulated, the embedded tables) no threshold.
        ``None``: no threshold.
    on_uncovered : {"raise", "record"}
        A geo whose task shares cover no task with a rate: raise
        :class:`~econindex.errors.DataValueError`, or leave it out and name it
        in ``result.excluded``.
    units : {"percent", "fraction"}
        Scale of the automation shares in the regression; ``"percent"`` gives
        the slope in percentage points per unit of usage.
    expected_source, usage_source : {"auto", "published", "counts"}
        Where expected automation and the usage index come from. ``"auto"``
        uses the dataset's published ``expected_automation`` when present
        (the real tables carry it) and the published ``usage_index`` when the
        dataset carries it (the release's own index, see Notes), else computes
        them from counts.
    cluster : str, optional
        Geo coordinate whose values are the clusters when ``cov_type="cluster"``
        (e.g. ``"census_division"`` for US states).
    cluster_correction : {"CR1", "CR2", "CR3"}
        Small-sample correction of the cluster covariance.
    alpha : float
        1 - level of the intervals.

    Notes
    -----
    The full regression is

    .. math:: a_g = \\beta_0 + \\beta u_g + \\gamma E_g + \\delta' z_g + \\varepsilon_g

    with :math:`a_g` the actual automation share, :math:`u_g` the usage
    index (or its log), :math:`E_g` the expected automation (or the SOC
    shares) and :math:`z_g` further controls. By Frisch-Waugh-Lovell,
    :math:`\\hat\\beta` equals the slope of the residuals of :math:`a` on
    :math:`(1, E, z)` regressed on those of :math:`u`. That two-step regression
    gets the slope right but not its error: it divides the same residual sum
    of squares by ``N - 2`` instead of ``N - k`` (:math:`k` the full model's
    columns) and ignores heteroskedasticity; the SE reported is the full
    regression's with ``cov_type``, and the naive one is kept for comparison.

    The published usage index uses a reference set larger than the geos in a
    table, so ``usage_source="auto"`` prefers the published ``usage_index``
    where the dataset carries it; pass ``usage_source="counts"`` to recompute
    it with :func:`econindex.usage_index` (e.g. after excluding traffic).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_us_states_2025_08()
    >>> res = TaskMixAutomation().fit(ds, level="state_us")
    >>> res.nobs, res.slope > 0
    (43, True)
    >>> clean = ds.sel(geo=~ds["abuse_flagged"])
    >>> TaskMixAutomation().fit(clean, level="state_us").slope < 0
    True
    """

    usage: UsageKind = "index"
    base: Base = "classified"
    cov_type: str = "HC1"
    controls: tuple[str, ...] = ()
    task_control: TaskControl = "expected"
    min_count: float | Literal["release"] | None = "release"
    on_uncovered: OnUncovered = "raise"
    units: Units = "percent"
    expected_source: Source = "auto"
    usage_source: Source = "auto"
    cluster: str | None = None
    cluster_correction: str = "CR1"
    alpha: float = 0.05
    fixed_effects: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        fe = (self.fixed_effects,) if isinstance(self.fixed_effects, str) else tuple(self.fixed_effects)
        object.__setattr__(self, "fixed_effects", fe)
        check_option("usage", self.usage, USAGE_KINDS)
        check_option("base", self.base, BASES)
        check_option("cov_type", self.cov_type, COV_TYPES)
        check_option("task_control", self.task_control, TASK_CONTROLS)
        check_option("on_uncovered", self.on_uncovered, ON_UNCOVERED)
        check_option("units", self.units, UNITS)
        check_option("expected_source", self.expected_source, SOURCES)
        check_option("usage_source", self.usage_source, SOURCES)
        check_option("cluster_correction", self.cluster_correction, CLUSTER_CORRECTIONS)
        if isinstance(self.controls, str):
            object.__setattr__(self, "controls", (self.controls,))
        else:
            object.__setattr__(self, "controls", tuple(self.controls))
        if not all(isinstance(c, str) for c in self.controls):
            raise OptionError(f"controls must be variable names (str); got {self.controls!r}")
        if self.min_count not in (None, "release") and (
            isinstance(self.min_count, (bool, str))
            or not isinstance(self.min_count, (int, float))
            or not np.isfinite(self.min_count)
            or self.min_count < 0
        ):
            raise OptionError(
                f"min_count={self.min_count!r} must be a non-negative number, 'release' or None"
            )
        if not 0 < self.alpha < 1:
            raise OptionError(f"alpha={self.alpha!r} must lie in (0, 1)")
        if self.cov_type == "cluster" and self.cluster is None:
            raise OptionError(
                "cov_type='cluster' needs cluster=<name of a geo coordinate>, e.g. 'census_division'"
            )

    # ------------------------------------------------------------------ inputs
    def _actual(self, ds: xr.Dataset) -> tuple[xr.DataArray, str]:
        if "pattern_count" in ds.data_vars:
            pc = ds["pattern_count"]
            labels = [str(p) for p in pc[PATTERN].values]
            auto = [p for p in AUTOMATION_PATTERNS if p in labels]
            classified = [p for p in CLASSIFIED_PATTERNS if p in labels]
            if not auto:
                raise SchemaError(f"pattern_count has no automation pattern {list(AUTOMATION_PATTERNS)}")
            num = pc.sel({PATTERN: auto}).sum(PATTERN, min_count=1)
            if self.base == "classified":
                den = pc.sel({PATTERN: classified}).sum(PATTERN, min_count=1)
            else:
                den = pc.sum(PATTERN, min_count=1)
            share = _positive_share(num.fillna(0).where(den.notnull()), den)
            return share, f"pattern_count ({self.base} base)"
        if "automation_share" in ds.data_vars:
            published_base = str(ds.attrs.get("automation_base", "classified"))
            if published_base != self.base:
                raise OptionError(
                    f"base={self.base!r} but the dataset's published automation_share is on the "
                    f"{published_base!r} base and it has no pattern_count to recompute it"
                )
            return ds["automation_share"], f"published automation_share ({published_base} base)"
        raise SchemaError(
            "the actual automation share needs 'pattern_count' or a published 'automation_share'"
        )

    def _usage(self, ds: xr.Dataset, level: str) -> tuple[xr.DataArray, str]:
        has_counts = "usage_count" in ds.data_vars and "working_age_pop" in ds.data_vars
        has_pub = "usage_index" in ds.data_vars
        src = self.usage_source
        if src == "published" or (src == "auto" and has_pub):
            if not has_pub:
                raise SchemaError("usage_source='published' but the dataset has no 'usage_index'")
            return ds["usage_index"], "published usage_index"
        if not has_counts:
            raise SchemaError(
                "the usage index needs 'usage_count' and 'working_age_pop' (or a published 'usage_index')"
            )
        from econindex.indices import usage_index

        # the whole dataset, not the level's subset: the index keeps unlocated usage in its total;
        # keep_all so that min_count is this estimator's (excluded geos are named, not dropped)
        idx = usage_index(ds, level=level, keep_all=True)
        return idx, "econindex.usage_index from usage_count (reference: all geos at the level)"

    def _expected(
        self, ds: xr.Dataset, full: xr.Dataset
    ) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, int, str]:
        """(expected, covered weight, has task data, tasks rated, source); rates from ``full``."""
        src = self.expected_source
        if src == "published" or (src == "auto" and "expected_automation" in ds.data_vars):
            if "expected_automation" not in ds.data_vars:
                raise SchemaError("expected_source='published' but the dataset has no 'expected_automation'")
            e = ds["expected_automation"]
            present = e.notnull()
            return e, present.astype(float), present, 0, "published expected_automation"
        rate = task_automation_rate(full)
        expected, covered, has_tasks, _, wsource = _expected_parts(ds, rate)
        # tasks with a rate (step 1), the special tasks not counted
        rated = rate.notnull().any([d for d in rate.dims if d != TASK]).values
        n_rated = int((rated & ~rate.indexes[TASK].isin(SPECIAL_CLUSTERS)).sum())
        return expected, covered, has_tasks, n_rated, f"task mix ({wsource} x automation rates)"

    def _soc_shares(self, ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray, int]:
        w, _ = _task_weights(ds)
        if "soc_major" not in w.coords:
            raise SchemaError("task_control='soc_major' needs the 'soc_major' coordinate on 'task'")
        keep = [t for t in w.indexes[TASK] if t not in SPECIAL_CLUSTERS]
        w = w.sel({TASK: keep}).fillna(0.0)
        by = w.groupby("soc_major").sum(TASK)
        total = by.sum("soc_major")
        shares = by / total.where(total > 0)
        n_tasks = len(keep)
        return shares, total, n_tasks

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        ds: xr.Dataset,
        *,
        level: str = "country",
        platform: str | None = None,
        period: str | None = None,
    ) -> AutomationResult:
        """Fit the regression on the located geos of ``level``.

        Parameters
        ----------
        ds : xarray.Dataset
            A canonical econindex dataset (counts, or the published figures).
        level : {"country", "state_us"}
            Geo level of the observations.
        platform, period : str, optional
            Select one platform / period when the dataset has that dimension
            (required when it has several values).

        Returns
        -------
        AutomationResult

        Raises
        ------
        OptionError
            Bad option or selection.
        SchemaError
            The dataset lacks the variables the options need.
        DataValueError
            A geo's task shares cover no rated task and ``on_uncovered="raise"``.
        EstimationError
            Too few geos for the regression.

        Examples
        --------
        >>> import econindex as ei
        >>> ds = ei.datasets.load_country_automation_2025_08()
        >>> res = TaskMixAutomation().fit(ds, level="country")
        >>> round(res.slope, 3), round(res.partial_rsquared, 3), res.nobs
        (-3.112, 0.394, 111)
        >>> res.width_ratio > 1.5   # the robust interval is much wider than the naive one
        True
        """
        check_option("level", level, LEVELS)
        validate(ds, check_values=False)  # types, duplicate labels, dtypes: before any arithmetic
        # only the variables this fit reads (selections below then copy little)
        wanted = (*_INPUTS, *self.controls)
        ds = ds[[v for v in ds.data_vars if v in wanted]]
        ds, platform_sel = _select(ds, PLATFORM, platform, "")
        if PERIOD in self.fixed_effects:
            if period is not None:
                raise OptionError("period= selects one period; fixed_effects=('period',) pools every period")
            if PERIOD not in ds.dims:
                raise OptionError("fixed_effects includes 'period' but the dataset has no period dimension")
            labels = [str(p) for p in ds[PERIOD].values]
            parts = [
                (p, self._design(ds.isel({PERIOD: i}), level, platform_sel, p)) for i, p in enumerate(labels)
            ]
            d = _pool(parts)
            period_sel = None
        else:
            ds, period_sel = _select(ds, PERIOD, period, " or use fit_periods()")
            d = self._design(ds, level, platform_sel, period_sel)
        reasons, columns, keep, sources = d.reasons, d.columns, d.keep, d.sources
        n = int(keep.sum())
        obs = [g for g, k in zip(d.obs, keep, strict=True) if k]

        if self.task_control == "soc_major":
            columns = _soc_design(columns, keep)

        y = d.actual[keep]
        x = d.usage[keep]
        Z = np.column_stack([np.ones(n)] + [col[keep] for col in columns.values()])
        znames = ["const", *columns]
        k = Z.shape[1] + 1
        term = d.term
        if n <= k:
            raise EstimationError(
                f"{n} geos at level {level!r} for a regression with {k} coefficients; excluded: "
                f"{ {g: r for g, r in reasons.items() if r} }"
            )
        X = np.column_stack([Z[:, :1], x, Z[:, 1:]])
        names = ["const", term, *znames[1:]]
        clusters = None if d.clusters is None else d.clusters[keep]
        dep = "automation_pct" if self.units == "percent" else "automation_share"
        full = _ols(self.cov_type, y, X, names, obs, clusters, self.cluster_correction, level, dep)

        # Frisch-Waugh-Lovell: partial out (1, control, controls) from both sides
        # (the core's least-squares kernel; Z has full rank because the full regression did)
        ry = wls(y, Z).resid
        rx = wls(x, Z).resid
        sxx = float(rx @ rx)
        if sxx <= 0:
            raise EstimationError(f"{term} has no variation left after partialling out the controls")
        slope = float(rx @ ry) / sxx
        syy = float(ry @ ry)
        partial_r2 = float(rx @ ry) ** 2 / (sxx * syy) if syy > 0 else float("nan")
        # the naive residual-on-residual regression (with a constant, as a two-step user would run it):
        # rx has mean zero (Z holds the constant), so its intercept is 0 and its SSR is the full model's
        resid_naive = ry - slope * rx
        naive_se = math.sqrt(float(resid_naive @ resid_naive) / (n - 2) / sxx)

        table = pd.DataFrame(
            {
                "geo_name": d.geo_names[keep],
                "actual": y,
                "expected": columns["expected_automation"][keep]
                if "expected_automation" in columns
                else np.full(n, np.nan),
                "usage": x,
                **{c: columns[c][keep] for c in self.controls},
                "fitted": np.asarray(full.fittedvalues, float),
                "resid": np.asarray(full.resid, float),
                "resid_automation": ry,
                "resid_usage": rx,
                "leverage": np.asarray(full.hat, float),
            },
            index=pd.Index(obs, name=GEO),
        )
        dropped = [g for g, k in zip(d.obs, keep, strict=True) if not k]
        excluded = pd.DataFrame(
            {
                "geo_name": list(d.geo_names[~keep]),
                "reason": ["; ".join(reasons[g]) for g in dropped],
            },
            index=pd.Index(dropped, name=GEO),
        )
        return AutomationResult(
            names=full.names,
            coef=full.coef,
            cov=full.cov,
            df=full.df,
            cov_label=full.cov_label,
            cov_description=full.cov_description,
            model="TaskMixAutomation (OLS, FWL partial slope)",
            dep_var=dep,
            slope=slope,
            naive_se=naive_se,
            partial_rsquared=partial_r2,
            nobs=n,
            n_tasks_rated=d.n_rated,
            regression=full,
            table=table,
            excluded=excluded,
            level=level,
            usage=self.usage,
            base=self.base,
            units=self.units,
            task_control=self.task_control,
            cov_type=full.cov_type,
            alpha=self.alpha,
            sources=sources,
            term=term,
            period=period_sel,
            platform=platform_sel,
        )

    def _design(
        self, ds: xr.Dataset, level: str, platform_sel: str | None, period_sel: str | None
    ) -> _Design:
        """The regression's columns on the geos of ``level`` of one cross-section (``ds`` has
        no ``period`` or ``platform`` dimension left), with the reasons rows are left out."""
        geos = geos_at_level(ds, level)
        sub = ds.isel({GEO: ds.indexes[GEO].get_indexer(pd.Index(geos))})
        scale = 100.0 if self.units == "percent" else 1.0
        sources: dict[str, str] = {}
        reasons: dict[str, list[str]] = {g: [] for g in geos}

        def record(mask: np.ndarray, why: str) -> None:
            for g in np.asarray(geos, dtype=object)[mask]:
                reasons[str(g)].append(why)

        # actual automation
        actual, sources["automation"] = self._actual(sub)
        a = np.asarray(actual.values, float)
        record(~np.isfinite(a), "no automation data")
        if not np.isfinite(a).any():
            sel = (("platform", platform_sel), ("period", period_sel))
            where = "".join(f", {k}={v!r}" for k, v in sel if v)
            raise EstimationError(f"no automation data for any geo at level {level!r}{where}")

        # usage
        usage_da, sources["usage"] = self._usage(ds, level)
        u = np.asarray(usage_da.reindex({GEO: geos}).values, float)
        record(~np.isfinite(u), "no usage index")
        if self.usage == "log_index":
            with np.errstate(divide="ignore", invalid="ignore"):
                bad = np.isfinite(u) & (u <= 0)
                u = np.where(bad, np.nan, np.log(np.where(bad, 1.0, u)))
            record(bad, "usage index not positive (log)")
        term = "log_usage_index" if self.usage == "log_index" else "usage_index"

        threshold = _sample_threshold(self.min_count, ds, level)
        if threshold is not None:
            if "usage_count" not in sub.data_vars:
                raise SchemaError("min_count needs 'usage_count'")
            cnt = np.asarray(sub["usage_count"].values, float)
            record(~(cnt >= threshold), f"usage_count below min_count={threshold:g}")
            sources["sample"] = f"geos with at least {threshold:g} conversations" + (
                " (the release's sample rule)" if self.min_count == "release" else ""
            )

        # task-mix control
        columns: dict[str, np.ndarray] = {}
        n_rated = 0
        if self.task_control == "expected":
            e_da, covered, has_tasks, n_rated, sources["expected_automation"] = self._expected(sub, ds)
            e = np.asarray(e_da.values, float)
            has = np.asarray(has_tasks.values, bool)
            cov = np.asarray(covered.values, float)
            uncovered = has & ~(cov > 0)
            if uncovered.any() and self.on_uncovered == "raise":
                named = [str(g) for g in np.asarray(geos, dtype=object)[uncovered]]
                where = "" if period_sel is None else f" in period {period_sel}"
                raise DataValueError(
                    f"{_UNCOVERED} for geo(s) {named}{where}; pass on_uncovered='record' to leave them out"
                )
            record(uncovered, _UNCOVERED)
            record(
                ~has,
                _NO_TASKS if "published" not in sources["expected_automation"] else "no expected automation",
            )
            columns["expected_automation"] = e * scale
        elif self.task_control == "soc_major":
            shares, total, n_rated = self._soc_shares(sub)
            tot = np.asarray(total.values, float)
            record(~(tot > 0), _NO_TASKS)
            sources["task_control"] = "SOC-major-group task shares"
            for grp in shares["soc_major"].values:
                columns[f"soc_{grp}"] = np.asarray(shares.sel(soc_major=grp).values, float)

        effects = [f for f in self.fixed_effects if f != PERIOD]
        for c in (*self.controls, *effects):
            if c not in sub.data_vars and c not in sub.coords:
                raise SchemaError(f"control {c!r} is not a variable or coordinate of the dataset")
            if sub[c].dims != (GEO,):
                raise SchemaError(f"control {c!r} must have dims ('geo',); it has {sub[c].dims}")
            if c in effects or sub[c].dtype.kind in "OUS":
                # a geo coordinate: one dummy per level but the first (as C(c) in a formula); a fixed
                # effect entered as dummies has the same estimates as an absorbed one
                lab = np.asarray(sub[c].values).astype(str)
                record(np.isin(lab, ["", "nan", "None"]), f"no label in {c!r}")
                levels = sorted(set(lab[~np.isin(lab, ["", "nan", "None"])]))
                for lvl in levels[1:]:
                    columns[f"C({c})[T.{lvl}]"] = (lab == lvl).astype(float)
                continue
            v = np.asarray(sub[c].values, float)
            record(~np.isfinite(v), f"control {c!r} missing")
            columns[c] = v

        clusters = None
        if self.cov_type == "cluster":
            cname = str(self.cluster)
            if cname not in sub.coords or sub[cname].dims != (GEO,):
                raise SchemaError(f"cluster coordinate {cname!r} is not a coordinate on 'geo'")
            clusters = np.asarray(sub[cname].values)
        geo_names = np.asarray(sub["geo_name"].values if "geo_name" in sub.coords else geos, dtype=object)
        return _Design(
            obs=[str(g) for g in geos],
            geo_names=geo_names,
            actual=a * scale,
            usage=u,
            columns=columns,
            keep=np.array([not reasons[g] for g in geos]),
            reasons=reasons,
            sources=sources,
            clusters=clusters,
            n_rated=n_rated,
            term=term,
        )

    def fit_periods(
        self, ds: xr.Dataset, *, level: str = "country", platform: str | None = None
    ) -> dict[str, AutomationResult]:
        """One result per ``period`` (release window), to see the slope move.

        Use :func:`periods_frame` to tabulate them.

        Raises
        ------
        SchemaError
            The dataset has no ``period`` dimension.

        Examples
        --------
        >>> from econindex.simulation import simulate
        >>> ds = simulate(seed=0, n_countries=40, n_tasks=100, n_periods=2)
        >>> results = TaskMixAutomation().fit_periods(ds, level="country")
        >>> periods_frame(results)[["period", "nobs"]].to_numpy().tolist()
        [['2025-08-04', 40], ['2025-11-03', 40]]
        """
        if PERIOD not in ds.dims:
            raise SchemaError("fit_periods needs a dataset with a 'period' dimension")
        return {
            str(p): self.fit(ds, level=level, platform=platform, period=str(p)) for p in ds[PERIOD].values
        }


@dataclass(frozen=True)
class _Design:
    """The columns of a :class:`TaskMixAutomation` regression before the sample rule is applied."""

    obs: list[str]
    geo_names: np.ndarray
    actual: np.ndarray
    usage: np.ndarray
    columns: dict[str, np.ndarray]
    keep: np.ndarray
    reasons: dict[str, list[str]]
    sources: dict[str, str]
    clusters: np.ndarray | None
    n_rated: int
    term: str


def _pool(parts: Sequence[tuple[str, _Design]]) -> _Design:
    """Cross-sections stacked, rows named ``geo@period``, with period dummies (first period the base).

    A column missing in a period (a geo-coordinate level absent there) is 0 in it; a period
    without usable rows gets no dummy.
    """
    labels = [p for p, _ in parts]
    designs = [d for _, d in parts]
    names = list(dict.fromkeys(c for d in designs for c in d.columns))
    columns = {
        c: np.concatenate([d.columns.get(c, np.zeros(len(d.obs))) for d in designs]) for c in names
    }
    keep = np.concatenate([d.keep for d in designs])
    period_of = np.concatenate([np.full(len(d.obs), p, dtype=object) for p, d in parts])
    used = [p for p, d in zip(labels, designs, strict=True) if d.keep.any()]
    for p in used[1:]:
        columns[f"C(period)[T.{p}]"] = (period_of == p).astype(float)
    obs = [f"{g}@{p}" for p, d in zip(labels, designs, strict=True) for g in d.obs]
    reasons = {f"{g}@{p}": r for p, d in zip(labels, designs, strict=True) for g, r in d.reasons.items()}
    sources = {**designs[0].sources, "period": f"{len(labels)} periods pooled, period effects"}
    cl = [d.clusters for d in designs if d.clusters is not None]
    clusters = np.concatenate(cl) if cl else None
    return _Design(
        obs=obs,
        geo_names=np.concatenate([d.geo_names for d in designs]),
        actual=np.concatenate([d.actual for d in designs]),
        usage=np.concatenate([d.usage for d in designs]),
        columns=columns,
        keep=keep,
        reasons=reasons,
        sources=sources,
        clusters=clusters,
        n_rated=max(d.n_rated for d in designs),
        term=designs[0].term,
    )


def _sample_threshold(min_count: float | str | None, ds: xr.Dataset, level: str) -> float | None:
    """The conversation threshold of the sample: ``min_count``, or for ``"release"`` the published
    rule on a dataset read from release files with counts (None elsewhere)."""
    if min_count != "release":
        return None if min_count is None else float(min_count)
    if not ds.attrs.get("layouts") or "usage_count" not in ds.data_vars:
        return None  # only read_aei records the release layouts it read
    from econindex.indices import MIN_COUNT

    return float(MIN_COUNT[level])


def _soc_design(columns: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """Drop the reference SOC group (largest mean share) and groups constant across the kept geos."""
    soc = {k: v for k, v in columns.items() if k.startswith("soc_")}
    rest = {k: v for k, v in columns.items() if not k.startswith("soc_")}
    if not soc:
        return rest
    means = {k: float(np.nanmean(v[keep])) if keep.any() else 0.0 for k, v in soc.items()}
    reference = max(means, key=lambda k: means[k])
    kept = {k: v for k, v in soc.items() if k != reference and keep.any() and float(np.nanstd(v[keep])) > 0}
    return {**kept, **rest}
