"""Specification curve of the income elasticity: every defensible analysis choice, in one batched solve."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from econindex.errors import DataValueError, MissingCovariateError, OptionError, SchemaError
from econindex.results import interval_alpha
from econindex.schema import ANALYSIS_LEVELS, GEO, check_option, geos_at_level

from ._batch import BATCH_COV_TYPES, batch_wls
from .flags import exclude_flagged, flagged_geos

__all__ = [
    "SpecificationCurve",
    "specification_curve",
    "estimator_curve",
    "sorted_values",
    "DEFAULT_MIN_COUNTS",
    "DEFAULT_BASELINE",
]

DEFAULT_MIN_COUNTS: tuple[int, ...] = tuple(range(50, 501, 50))
"""Minimum-conversation thresholds of the default grid (50, 100, ..., 500)."""

_CHOICES = ("min_count", "reference", "exclusion", "weights", "cov_type", "outcome", "flagged")


DEFAULT_BASELINE: dict[str, Any] = {
    "min_count": 200,
    "reference": "published",
    "exclusion": "none",
    "weights": "none",
    "cov_type": "HC1",
    "outcome": "log_index",
    "flagged": False,
}
"""The published analysis among the default choices (countries with at least 200 conversations, OLS, HC1)."""


def _value_key(v: Any) -> tuple[int, float, str]:
    """Sort key of a choice value: numbers by value (``50`` before ``450``), then text."""
    if isinstance(v, bool | np.bool_):
        return (0, float(v), "")
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


def sorted_values(values: Any) -> list[Any]:
    """Distinct values of a choice column, numbers sorted by value, then text.

    Examples
    --------
    >>> sorted_values(pd.Series([450, 50, 100, 50]))
    [50, 100, 450]
    >>> sorted_values(pd.Series(["sample", "published", "0.5"]))
    ['0.5', 'published', 'sample']
    """
    return sorted(pd.Series(values).drop_duplicates().tolist(), key=_value_key)


@dataclass(frozen=True)
class SpecificationCurve:
    """Estimates of one slope over a grid of specifications.

    ``table`` has one row per combination of choices; several combinations
    can give the same estimate (a switch that changes nothing on the data,
    thresholds no geo lies between). :meth:`distinct` keeps one row per
    distinct (estimate, SE) pair and :meth:`inert_choices` names the switches
    that change nothing; :meth:`summary` reports both, and the share of
    distinct specifications with the baseline's sign and significance.
    """

    table: pd.DataFrame  # one row per spec: choices, estimate, std_error, ci_lower, ci_upper, p_value, nobs
    choices: tuple[str, ...]
    level: str
    term: str = "ln_gdp_per_capita"
    ci_level: float = 0.95
    notes: Mapping[str, Any] = field(default_factory=dict)
    baseline: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_BASELINE))

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def _pair(self, t: pd.DataFrame | None = None) -> pd.Series:
        t = self.table if t is None else t
        scale = max(float(np.nanmax(np.abs(t["estimate"]))), 1e-300)
        est = np.round(t["estimate"].to_numpy(float) / scale, 10)
        se = np.round(t["std_error"].to_numpy(float) / scale, 10)
        return pd.Series([f"{a!r}/{b!r}" for a, b in zip(est, se, strict=True)], index=t.index)

    def inert_choices(self) -> tuple[str, ...]:
        """Choices with several values that never change the (estimate, SE) pair, others held fixed."""
        t = self.table.assign(_pair=self._pair())
        varying = [c for c in self.choices if c in t.columns and t[c].nunique() > 1]
        inert = []
        for c in varying:
            others = [o for o in varying if o != c]
            n = (
                t.groupby(others, dropna=False)["_pair"].nunique()
                if others
                else pd.Series([t["_pair"].nunique()])
            )
            if (n <= 1).all():
                inert.append(c)
        return tuple(inert)

    def distinct(self) -> pd.DataFrame:
        """One row per distinct (estimate, SE) pair, inert switches fixed at their first value.

        ``n_specs`` counts the rows of the full grid that give the pair;
        ``same_estimate_for`` lists the other choice values that give it
        (e.g. ``min_count: 50, 100, 150, 200`` where no geo lies between).
        """
        t = self.table.assign(_pair=self._pair())
        counts = t["_pair"].value_counts()
        inert = self.inert_choices()
        for c in inert:
            t = t[t[c] == sorted_values(t[c])[0]]
        varying = [c for c in self.choices if c in t.columns and c not in inert and t[c].nunique() > 1]
        same: dict[str, str] = {}
        for pair, group in t.groupby("_pair", sort=False):
            parts = [
                f"{c}: {', '.join(map(str, sorted_values(group[c])))}"
                for c in varying
                if group[c].nunique() > 1
            ]
            same[str(pair)] = "; ".join(parts)
        t = t.drop_duplicates("_pair", keep="first")
        t = t.assign(
            n_specs=t["_pair"].map(counts).to_numpy(),
            same_estimate_for=t["_pair"].map(same).fillna("").to_numpy(),
        ).drop(columns="_pair")
        return t.reset_index(drop=True)

    def distinct_curve(self) -> SpecificationCurve:
        """The curve over :meth:`distinct` specifications, without the inert switches."""
        inert = self.inert_choices()
        return SpecificationCurve(
            table=self.distinct(),
            choices=tuple(c for c in self.choices if c not in inert),
            level=self.level,
            term=self.term,
            ci_level=self.ci_level,
            notes={**self.notes, "inert_choices": list(inert), "n_grid": len(self.table)},
            baseline={k: v for k, v in self.baseline.items() if k not in inert},
        )

    def baseline_row(self) -> pd.Series:
        """The row of the baseline specification (:data:`DEFAULT_BASELINE`; the first row if absent)."""
        t = self.table
        sel = np.ones(len(t), bool)
        for k, v in self.baseline.items():
            if k in t.columns:
                sel &= (t[k].astype(str) == str(v)).to_numpy()
        return t[sel].iloc[0] if sel.any() else t.iloc[0]

    def share_as_baseline(self, distinct: bool = True) -> float:
        """Share of specifications with the baseline's sign and significance (at ``1 - ci_level``)."""
        t = self.distinct() if distinct else self.table
        base = self.baseline_row()
        alpha = 1 - self.ci_level
        same_sign = np.sign(t["estimate"]) == np.sign(base["estimate"])
        same_sig = (t["p_value"] < alpha) == bool(base["p_value"] < alpha)
        return float((same_sign & same_sig).mean())

    def distinct_summary(self) -> dict[str, Any]:
        """Counts for the report: grid size, distinct specifications, inert switches, share as baseline."""
        d = self.distinct()
        return {
            "n_specs": len(self.table),
            "n_distinct": len(d),
            "inert_choices": list(self.inert_choices()),
            "baseline": {k: v for k, v in self.baseline.items() if k in self.table.columns},
            "share_same_sign_and_significance": self.share_as_baseline(),
        }

    def summary(self) -> str:
        """Distinct specifications, median and range, and the share agreeing with the baseline."""
        t = self.distinct()
        alpha = 1 - self.ci_level
        inert = self.inert_choices()
        base = self.baseline_row()
        inert_text = f"; dropped as changing nothing on these data: {', '.join(inert)}" if inert else ""
        sig = "significant" if base["p_value"] < alpha else "not significant"
        sign = "positive" if base["estimate"] > 0 else "negative"
        return (
            f"Specification curve of {self.term} ({self.level}): {len(t)} distinct specifications "
            f"of {len(self.table)} combinations{inert_text}\n"
            f"  median {t['estimate'].median():.4g}, "
            f"range [{t['estimate'].min():.4g}, {t['estimate'].max():.4g}]\n"
            f"  baseline {base['estimate']:.4g} ({sign}, {sig} at {alpha:g}); "
            f"{self.share_as_baseline():.1%} of the distinct specifications are {sign} and {sig}"
        )

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Estimates sorted with their intervals, and the choices below (needs matplotlib)."""
        from econindex.plots._robustness import plot_specification_curve

        return plot_specification_curve(self, ax=ax, **kwargs)


def _var(ds: xr.Dataset, name: str, geos: list[str]) -> np.ndarray:
    if name not in ds.data_vars:
        raise SchemaError(f"the specification curve needs {name!r} in the dataset")
    da = ds[name]
    if da.dims != (GEO,):
        raise SchemaError(
            f"{name!r} must be over 'geo' only (select a period/platform first); dims {da.dims}"
        )
    return np.asarray(da.sel({GEO: geos}).values, dtype=float)


def specification_curve(
    ds: xr.Dataset,
    *,
    level: str = "country",
    min_count: Sequence[float] = DEFAULT_MIN_COUNTS,
    reference: Sequence[str | float] = ("published", "sample"),
    exclusions: Mapping[str, Sequence[str]] | None = None,
    weights: Sequence[str | None] = (None, "working_age_pop"),
    cov_type: Sequence[str] = ("nonrobust", "HC1", "HC3"),
    outcome: Sequence[str] = ("log_index", "index"),
    flagged: Sequence[bool] = (False, True),
    alpha: float = 0.05,
    ci_level: float | None = None,
    use_t: bool = True,
) -> SpecificationCurve:
    """Re-estimate the income slope over every combination of analysis choices.

    The regression is the elasticity's: the usage index (or its log) on
    ln GDP per working-age capita, over the located geos of ``level``.

    Parameters
    ----------
    ds : xarray.Dataset
        Needs ``usage_count``, ``working_age_pop`` and ``gdp`` over ``geo``.
    level : {"country", "state_us"}
    min_count : sequence of float
        Minimum conversations for a geo to enter (the release uses 200 for
        countries, 100 for states).
    reference : sequence of {"published", "sample"} or float
        What the index is relative to: ``"published"`` the dataset's
        ``attrs["reference_ratio"]`` (usage per working-age person of the
        release's reference set), ``"sample"`` the geos of each
        specification, or a number (usage per person).
    exclusions : mapping of name to geo list, optional
        Named lists of geos to exclude; default ``{"none": [], "abuse": the
        shipped exclusions at this level}``.
    weights : sequence of None or variable name
        WLS weights (``"working_age_pop"``: population weighted).
    cov_type : sequence of str
        Covariance types among ``nonrobust``, ``HC0``..``HC3``.
    outcome : sequence of {"log_index", "index"}
        ln(index) (an elasticity) or the index in levels (a semi-elasticity).
    flagged : sequence of bool
        ``True``: flagged traffic removed (:func:`exclude_flagged` with
        ``flagged_count``; without it, the flagged geos are dropped).
    alpha : float
        Intervals have coverage ``1 - alpha`` (``ci_level=`` is the deprecated spelling).
    use_t : bool
        Student t intervals with ``N - 2`` dof (the regression core's
        default), else normal.

    Returns
    -------
    SpecificationCurve
        ``table`` has one row per specification: the choices, ``estimate,
        std_error, ci_lower, ci_upper, p_value, nobs``.

    Notes
    -----
    All specifications share the design :math:`[1, \\ln(\\mathrm{GDP}/\\mathrm{pop})]`
    and differ in sample, outcome, weights and covariance, so they are
    solved together as stacked normal equations (:mod:`._batch`), not as a
    loop of model fits. With ``reference="sample"`` the index is
    :math:`(U_g/P_g)/(\\sum_{s}U/\\sum_{s}P)` over the specification's sample
    :math:`s`; on the log scale a reference changes only the intercept.

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> sc = specification_curve(ds, min_count=[200], reference=["published"], weights=[None],
    ...                          cov_type=["HC1"], outcome=["log_index"], flagged=[False],
    ...                          exclusions={"none": []})
    >>> round(float(sc.table["estimate"].iloc[0]), 4)
    0.6895
    """
    ci_level = 1.0 - interval_alpha(alpha, ci_level, "specification_curve")
    check_option("level", level, ANALYSIS_LEVELS)
    for o in outcome:
        check_option("outcome", o, ("log_index", "index"))
    for c in cov_type:
        check_option("cov_type", c, tuple(t for t in BATCH_COV_TYPES if t != "cluster"))
    for r in reference:
        if not isinstance(r, int | float) or isinstance(r, bool):
            check_option("reference", r, ("published", "sample"))
    geos = geos_at_level(ds, level)
    n = len(geos)
    pop = _var(ds, "working_age_pop", geos)
    gdp = _var(ds, "gdp", geos)
    bad = ~(np.isfinite(pop) & (pop > 0) & np.isfinite(gdp) & (gdp > 0))
    if bad.any():
        raise MissingCovariateError(
            f"geos without positive working_age_pop and gdp: {np.asarray(geos)[bad].tolist()[:10]}"
        )
    x = np.log(gdp / pop)
    X = np.column_stack([np.ones(n), x])

    # usage variants: all traffic / flagged removed
    usage_all = _var(ds, "usage_count", geos)
    variants: dict[bool, tuple[np.ndarray, np.ndarray]] = {False: (usage_all, np.isfinite(usage_all))}
    notes: dict[str, Any] = {}
    if any(flagged):
        if "flagged_count" in ds.data_vars:
            clean = exclude_flagged(ds)
            u = np.asarray(clean["usage_count"].reindex({GEO: geos}).values, float)
            variants[True] = (u, np.isfinite(u))
            notes["flagged"] = "flagged_count removed with exclude_flagged"
        else:
            fl = set(flagged_geos(ds, level))
            variants[True] = (usage_all, np.isfinite(usage_all) & ~np.isin(geos, list(fl)))
            notes["flagged"] = f"flagged geos dropped: {sorted(fl)}"
    if exclusions is None:
        from econindex.datasets import ABUSE_EXCLUSIONS

        exclusions = {"none": [], "abuse": [a.geo for a in ABUSE_EXCLUSIONS if a.level == level]}
    excl_names = list(exclusions)
    excl = np.array([np.isin(geos, list(exclusions[k])) for k in excl_names]).reshape(len(excl_names), n)
    notes["exclusions_absent"] = {k: [g for g in v if g not in geos] for k, v in exclusions.items()}
    w_names = list(weights)
    W = np.array([np.ones(n) if w is None else _var(ds, w, geos) for w in w_names]).reshape(len(w_names), n)
    if (~np.isfinite(W) | (W < 0)).any():
        raise DataValueError(f"weights {w_names} have missing or negative values")

    grid = list(
        itertools.product(min_count, reference, excl_names, range(len(w_names)), cov_type, outcome, flagged)
    )
    if not grid:
        raise OptionError("the specification grid is empty")
    spec = pd.DataFrame(grid, columns=list(_CHOICES))
    S = len(spec)
    fl_idx = spec["flagged"].to_numpy(bool)
    U = np.where(fl_idx[:, None], variants.get(True, variants[False])[0][None, :], usage_all[None, :])
    avail = np.where(
        fl_idx[:, None], variants.get(True, variants[False])[1][None, :], variants[False][1][None, :]
    )
    m = spec["min_count"].to_numpy(float)
    E = excl[spec["exclusion"].map({k: i for i, k in enumerate(excl_names)}).to_numpy()]
    is_log = (spec["outcome"] == "log_index").to_numpy()
    with np.errstate(invalid="ignore"):
        mask = avail & (U >= m[:, None]) & ~E & (~is_log[:, None] | (U > 0))
    # reference ratio (usage per person) per spec
    ref = np.empty(S)
    for value in set(spec["reference"]):  # at most a few reference choices
        sel = (spec["reference"] == value).to_numpy()
        if value == "published":
            if "reference_ratio" not in ds.attrs:
                raise SchemaError("reference='published' needs ds.attrs['reference_ratio']")
            ref[sel] = float(ds.attrs["reference_ratio"])
        elif value == "sample":
            Uz = np.where(mask[sel], U[sel], 0.0)
            ref[sel] = Uz.sum(axis=1) / np.where(mask[sel], pop, 0.0).sum(axis=1)
        else:
            ref[sel] = float(value)
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = U / pop[None, :] / ref[:, None]
        y = np.where(is_log[:, None], np.log(np.where(idx > 0, idx, np.nan)), idx)
    Wm = W[spec["weights"].to_numpy()]
    fit = batch_wls(X, y, mask, weights=Wm, cov_type=tuple(spec["cov_type"]))
    est, se = fit.params[:, 1], fit.bse[:, 1]
    z = float(stats.norm.ppf(0.5 + ci_level / 2))
    q = stats.t.ppf(0.5 + ci_level / 2, fit.df_resid) if use_t else np.full(S, z)
    spec["weights"] = [w_names[i] or "none" for i in spec["weights"]]
    spec["reference"] = spec["reference"].astype(str)
    spec.insert(0, "spec_id", np.arange(S))
    spec["estimate"] = est
    spec["std_error"] = se
    spec["ci_lower"] = est - q * se
    spec["ci_upper"] = est + q * se
    spec["p_value"] = fit.pvalues(use_t)[:, 1]
    spec["nobs"] = fit.nobs
    return SpecificationCurve(table=spec, choices=_CHOICES, level=level, ci_level=ci_level, notes=notes)


def estimator_curve(
    make_estimator: Callable[..., Any],
    ds: xr.Dataset,
    *,
    level: str,
    grid: Mapping[str, Sequence[Any]],
    alpha: float = 0.05,
    ci_level: float | None = None,
) -> SpecificationCurve:
    """Specification curve of any estimator: one fit per combination of ``grid`` (a loop of fits).

    For estimators the batched :func:`specification_curve` does not cover
    (the task-mix automation regression, PPML, ...). Two grid keys act on
    the data instead of the estimator: ``flagged`` (bool: remove flagged
    traffic with :func:`exclude_flagged` / drop the flagged geos) and
    ``exclude`` (a tuple of geos to drop); every other key is passed to
    ``make_estimator``.

    Parameters
    ----------
    make_estimator : callable
        ``make_estimator(**options)`` returns an estimator with
        ``.fit(ds, level=...)`` (usually the estimator class itself).
    ds : xarray.Dataset
    level : {"country", "state_us"}
    grid : mapping of option name to values
    alpha : float
        Intervals have coverage ``1 - alpha`` (``ci_level=`` is the deprecated spelling).

    Returns
    -------
    SpecificationCurve
        With ``term`` ``"slope"``; the choices are the grid keys.

    Examples
    --------
    >>> import econindex as ei
    >>> st = ei.datasets.load_us_states_2025_08()
    >>> grid = {"units": ["fraction"], "cov_type": ["HC1", "HC3"], "flagged": [False, True]}
    >>> sc = estimator_curve(ei.TaskMixAutomation, st, level="state_us", grid=grid)
    >>> len(sc.table), bool((sc.table.query("flagged")["estimate"] < 0).all())
    (4, True)
    """
    from ._design import estimate_of

    ci_level = 1.0 - interval_alpha(alpha, ci_level, "estimator_curve")
    keys = list(grid)
    if not keys:
        raise OptionError("grid is empty")
    combos = list(itertools.product(*(grid[k] for k in keys)))
    flagged_list = flagged_geos(ds, level) if "flagged" in grid else []
    cache: dict[Any, xr.Dataset] = {}
    rows = []
    for combo in combos:  # one estimator fit per specification (not batched; see specification_curve)
        choice = dict(zip(keys, combo, strict=True))
        data_key = (bool(choice.get("flagged", False)), tuple(choice.get("exclude", ()) or ()))
        if data_key not in cache:
            data = ds
            if data_key[0] and flagged_list:
                has_counts = "flagged_count" in ds.data_vars
                data = exclude_flagged(data) if has_counts else exclude_flagged(data, flagged_list)
            if data_key[1]:
                drop = [g for g in data_key[1] if g in data["geo"].values]
                data = exclude_flagged(data, drop) if drop else data
            cache[data_key] = data
        opts = {k: v for k, v in choice.items() if k not in ("flagged", "exclude")}
        res = make_estimator(**opts).fit(cache[data_key], level=level)
        est = estimate_of(res, ci_level)
        p = getattr(res, "p_value", np.nan)
        pv = float(p) if isinstance(p, int | float | np.floating) else np.nan
        if not np.isfinite(pv):
            z = est["estimate"] / est["std_error"] if est["std_error"] > 0 else np.nan
            pv = float(2 * stats.norm.sf(abs(z)))
        rows.append(
            {
                **{k: (v if np.isscalar(v) or v is None else str(v)) for k, v in choice.items()},
                **est,
                "p_value": pv,
            }
        )
    table = pd.DataFrame(rows)
    table.insert(0, "spec_id", np.arange(len(table)))
    return SpecificationCurve(
        table=table,
        choices=tuple(keys),
        level=level,
        term="slope",
        ci_level=ci_level,
        notes={"flagged_geos": flagged_list},
        baseline={
            k: (v if np.isscalar(v) or v is None else str(v)) for k, v in zip(keys, combos[0], strict=True)
        },
    )
