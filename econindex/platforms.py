"""Platforms and periods: compare category shares, and relate API usage to cost.

Two tools for the third part of an AEI-style report:

* :func:`compare_shares` compares the mix of conversations over a set of
  categories (SOC major groups, O*NET tasks, collaboration patterns or their
  mode, request clusters) between two platforms (``claude_ai`` vs ``api``) or
  two periods, with intervals that account for the multinomial sampling of the
  counts, a test of equal distributions, per-category tests with Holm and
  Benjamini-Hochberg adjustment, and a trend table across every level of the
  compared dimension.
* :class:`CostUsage` regresses log usage share on the log API cost index
  across task categories (weighted, robust errors).

Both read the canonical dataset (:mod:`econindex.schema`): counts carry a
``platform`` and/or ``period`` dimension next to their core dims.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from econindex._kernels.proportions import wilson_interval
from econindex.covariance import COV_TYPES
from econindex.errors import (
    DataValueError,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)
from econindex.indices import cluster_identity
from econindex.regression import OLS, RegressionResult
from econindex.results import CoefficientResult, inference_fields
from econindex.schema import (
    GEO,
    PATTERN,
    PERIOD,
    PLATFORM,
    REQUEST,
    SPECIAL_CLUSTERS,
    TASK,
    check_option,
    validate,
)

__all__ = [
    "compare_shares",
    "ShareComparison",
    "CostUsage",
    "CostUsageResult",
    "IDENTIFICATION_NOTE",
]

CompareDim = Literal["platform", "period"]
Over = Literal["soc_major", "task", "pattern", "mode", "request"]
Method = Literal["delta", "bootstrap"]
Missing = Literal["absent", "drop", "raise"]

_DIMS: tuple[str, ...] = (PLATFORM, PERIOD)
_OVERS: tuple[str, ...] = ("soc_major", "task", "pattern", "mode", "request")
_METHODS: tuple[str, ...] = ("delta", "bootstrap")
_MISSING: tuple[str, ...] = ("absent", "drop", "raise")

# over -> (count variable, published-share fallback, core dim, grouping coordinate or None)
_SOURCES: dict[str, tuple[str, str | None, str, str | None]] = {
    "soc_major": ("task_count", "task_share_published", TASK, "soc_major"),
    "task": ("task_count", "task_share_published", TASK, None),
    "pattern": ("pattern_count", "pattern_share_published", PATTERN, None),
    "mode": ("pattern_count", "pattern_share_published", PATTERN, "mode"),
    "request": ("request_count", None, REQUEST, None),
}

_TABLE_COLUMNS = [
    "category",
    "count_a",
    "count_b",
    "share_a",
    "share_a_lower",
    "share_a_upper",
    "share_b",
    "share_b_lower",
    "share_b_upper",
    "diff",
    "diff_lower",
    "diff_upper",
    "ratio",
    "ratio_lower",
    "ratio_upper",
    "statistic",
    "p_value",
    "p_holm",
    "p_bh",
    "present_a",
    "present_b",
]


# ---------------------------------------------------------------------------
# NumPy kernels (no labels)
# ---------------------------------------------------------------------------
def _delta_diff(ca: np.ndarray, na: float, cb: np.ndarray, nb: float, z: float) -> tuple[np.ndarray, ...]:
    """Difference ``pb - pa`` and its Wald (delta-method) interval.

    Under multinomial sampling on each side the marginal share of a category is
    binomial, so ``Var(pb - pa) = pa (1 - pa) / na + pb (1 - pb) / nb``.
    """
    pa, pb = ca / na, cb / nb
    diff = pb - pa
    se = np.sqrt(pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb)
    return diff, diff - z * se, diff + z * se


def _delta_ratio(ca: np.ndarray, na: float, cb: np.ndarray, nb: float, z: float) -> tuple[np.ndarray, ...]:
    """Ratio ``pb / pa`` and its delta-method interval on the log scale.

    ``Var(log pb - log pa) = (1 - pa) / (na pa) + (1 - pb) / (nb pb)``; the
    interval is undefined (NaN) where either share is zero.
    """
    pa, pb = ca / na, cb / nb
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pb / pa
        se = np.sqrt((1.0 - pa) / ca + (1.0 - pb) / cb)
        lo = np.exp(np.log(ratio) - z * se)
        hi = np.exp(np.log(ratio) + z * se)
    bad = (ca <= 0) | (cb <= 0)
    lo = np.where(bad, np.nan, lo)
    hi = np.where(bad, np.nan, hi)
    ratio = np.where((ca <= 0) & (cb <= 0), np.nan, ratio)
    return ratio, lo, hi


def _ztest(ca: np.ndarray, na: float, cb: np.ndarray, nb: float) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test of ``pa == pb`` per category (two-sided)."""
    pa, pb = ca / na, cb / nb
    pool = (ca + cb) / (na + nb)
    se0 = np.sqrt(pool * (1.0 - pool) * (1.0 / na + 1.0 / nb))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.where(se0 > 0, (pb - pa) / se0, 0.0)
    pval = np.where(se0 > 0, 2.0 * stats.norm.sf(np.abs(zstat)), 1.0)
    return zstat, pval


def _bootstrap(
    ca: np.ndarray, na: float, cb: np.ndarray, nb: float, alpha: float, n_boot: int, seed: int | None
) -> dict[str, np.ndarray]:
    """Percentile intervals from multinomial resampling of the counts on each side.

    One vectorized draw of shape ``(n_boot, K)`` per side (NumPy's multinomial
    sampler); no Python loop over replicates or categories.
    """
    rng = np.random.default_rng(seed)
    ia, ib = round(na), round(nb)
    qa = rng.multinomial(ia, ca / ca.sum(), size=n_boot) / ia
    qb = rng.multinomial(ib, cb / cb.sum(), size=n_boot) / ib
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = qb / qa
    out = {
        "share_a": np.percentile(qa, q, axis=0),
        "share_b": np.percentile(qb, q, axis=0),
        "diff": np.percentile(qb - qa, q, axis=0),
    }
    # a replicate with a zero share gives an infinite or undefined ratio; a
    # ratio interval is only reported where both observed counts are positive
    # "nearest" avoids interpolating between infinite replicates (inf - inf)
    r = np.percentile(np.where(np.isnan(ratio), np.inf, ratio), q, axis=0, method="nearest")
    bad = (ca <= 0) | (cb <= 0)
    out["ratio"] = np.where(bad[None, :], np.nan, r)
    return out


def _adjust(pvals: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values (statsmodels ``multipletests``), NaN where ``pvals`` is NaN."""
    from statsmodels.stats.multitest import multipletests

    out = np.full(pvals.shape, np.nan)
    ok = np.isfinite(pvals)
    if not ok.any():
        return out
    if method == "holm":
        # Hand-written: statsmodels' Holm branch calls gc.collect() on every
        # call (about 0.15 s in a large process, 50x the rest of compare_shares);
        # same step-down formula, checked against multipletests in the tests.
        p = pvals[ok]
        m = p.size
        order = np.argsort(p, kind="stable")
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
        res = np.empty(m)
        res[order] = adj
        out[ok] = res
    else:
        out[ok] = multipletests(pvals[ok], method=method)[1]
    return out


def _homogeneity(table: np.ndarray) -> tuple[float, float, float, float, int]:
    """Chi-square and G test of equal distributions across the rows of ``table`` (levels x categories).

    Columns that are zero in every row carry no information and are left out.
    Returns ``(chi2, chi2_p, g, g_p, df)``; with fewer than two non-empty
    categories the statistics are 0 with p-value 1 (nothing to compare).
    """
    keep = table.sum(axis=0) > 0
    t = table[:, keep]
    if t.shape[1] < 2:
        return 0.0, 1.0, 0.0, 1.0, 0
    chi = stats.chi2_contingency(t, correction=False)
    g = stats.chi2_contingency(t, correction=False, lambda_="log-likelihood")
    return float(chi.statistic), float(chi.pvalue), float(g.statistic), float(g.pvalue), int(chi.dof)


# ---------------------------------------------------------------------------
# Extracting counts from the dataset
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Counts:
    values: np.ndarray  # (K categories, L levels); NaN = not measured
    categories: list[str]
    levels: list[str]
    variable: str
    published: bool
    geo: str
    notes: list[str]


def _as_list(x: str | Sequence[str]) -> list[str]:
    return [x] if isinstance(x, str) else [str(v) for v in x]


def _select_geo(
    da: xr.DataArray, ds: xr.Dataset, geo: str | Sequence[str] | None, level: str | None, notes: list[str]
) -> tuple[xr.DataArray, str]:
    if GEO not in da.dims:
        return da, ""
    if level is not None:
        if geo is not None:
            raise OptionError("pass either geo= or level=, not both")
        from econindex.schema import geos_at_level

        geos = geos_at_level(ds, level)
        sub = da.sel({GEO: geos})
        if bool(sub.isnull().any()):
            notes.append(f"some cells are missing at level {level!r}; the sum over its geos skips them")
        return sub.sum(GEO, skipna=True, min_count=1), f"sum over {len(geos)} {level} geos"
    geos = _as_list("GLOBAL" if geo is None else geo)
    present = {str(g) for g in ds[GEO].values}
    unknown = [g for g in geos if g not in present]
    if unknown:
        hint = " (pass level= to sum over the geos of a level)" if geo is None else ""
        raise SchemaError(f"geo {unknown} not in the dataset{hint}; first geos: {sorted(present)[:8]}")
    if len(geos) == 1:
        return da.sel({GEO: geos[0]}, drop=True), geos[0]
    sub = da.sel({GEO: geos})
    if bool(sub.isnull().any()):
        notes.append("some cells are missing in the selected geos; the sum skips them")
    return sub.sum(GEO, skipna=True, min_count=1), "+".join(geos)


def _reduce_other_dims(
    da: xr.DataArray, keep: set[str], sel: Mapping[str, Any] | None, name: str
) -> xr.DataArray:
    sel = dict(sel or {})
    for d in list(da.dims):
        if d in keep:
            continue
        if d in sel:
            try:
                da = da.sel({d: sel.pop(d)}, drop=True)
            except KeyError as exc:
                raise SchemaError(f"sel: label {exc} not found on dim {d!r} of {name!r}") from None
        elif da.sizes[d] == 1:
            da = da.isel({d: 0}, drop=True)
        else:
            labels = [str(v) for v in da[d].values][:6]
            raise SchemaError(
                f"variable {name!r} also varies over {d!r} ({da.sizes[d]} labels, e.g. {labels}); "
                f"pick one with sel={{{d!r}: ...}}"
            )
    if sel:
        raise OptionError(f"sel names dims {sorted(sel)} that {name!r} does not have")
    return da


def _extract(
    ds: xr.Dataset,
    dim: str,
    over: str,
    *,
    geo: str | Sequence[str] | None,
    level: str | None,
    sel: Mapping[str, Any] | None,
    request_level: int | None,
    exclude: Sequence[str],
    n: float | Mapping[str, float] | None,
) -> _Counts:
    count_var, share_var, core, group = _SOURCES[over]
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if dim not in ds.dims:
        raise SchemaError(
            f"dataset has no {dim!r} dimension; comparing {dim}s needs at least two {dim} labels"
        )
    if ds.sizes[dim] < 2:
        only = [str(v) for v in ds[dim].values]
        raise EstimationError(f"dataset has only one {dim} ({only}); comparing needs at least two")
    notes: list[str] = []
    published = False
    if count_var in ds.data_vars:
        da = ds[count_var]
        if n is not None:
            raise OptionError(f"n= is only for datasets with published shares; {count_var!r} has counts")
    elif share_var is not None and share_var in ds.data_vars:
        da = ds[share_var]
        published = True
        notes.append(
            f"{count_var!r} is absent: shares come from the published {share_var!r}"
            + (
                " and counts are share x the n= given"
                if n is not None
                else "; intervals and tests need counts and are not reported (pass n=)"
            )
        )
    else:
        alt = f" or {share_var!r}" if share_var else ""
        raise SchemaError(f"comparing shares over {over!r} needs {count_var!r}{alt} in the dataset")
    name = str(da.name)
    if sel and dim in sel:
        raise OptionError(f"sel= cannot fix the compared dim {dim!r}; choose its levels with a= and b=")
    if published and GEO in da.dims and (level is not None or not isinstance(geo, str | None)):
        raise OptionError(f"published shares ({name!r}) cannot be summed over geos; pick one geo")
    if dim not in da.dims:
        raise SchemaError(f"variable {name!r} does not vary over {dim!r} (dims {da.dims})")
    da, geo_label = _select_geo(da, ds, geo, level, notes)
    if over == "request":
        if "request_level" not in da.coords:
            raise SchemaError("dimension 'request' lacks the 'request_level' coordinate")
        lv = np.asarray(da["request_level"].values)
        if request_level is None:  # the coarsest level (AEI: level 0 is the finest, 2 the top)
            request_level = int(lv.max())
        mask = lv == request_level
        if not mask.any():
            raise SchemaError(
                f"no request cluster at request_level={request_level}; levels: {sorted(set(lv))}"
            )
        da = da.isel({REQUEST: np.flatnonzero(mask)})
        notes.append(f"request clusters at request_level={request_level}")
    elif request_level is not None:
        raise OptionError("request_level= applies to over='request' only")
    da = _reduce_other_dims(da, {core, dim}, sel, name)
    if group is not None:
        if group not in da.coords:
            raise SchemaError(f"over={over!r} needs the {group!r} coordinate on {core!r}")
        da = da.groupby(group).sum(skipna=True, min_count=1)
        da = da.rename({group: "category"})
    else:
        da = da.rename({core: "category"})
    da = da.transpose("category", dim)
    cats = [str(c) for c in da["category"].values]
    levels = [str(v) for v in da[dim].values]
    vals = np.asarray(da.values, dtype=float)
    if exclude:
        # the special clusters may be absent (some releases remove them upstream); other
        # unknown labels are likely typos
        # a request cluster is excluded by its name at every level ('none [level 2]' is none)
        names = (
            cluster_identity(cats, da["request_level"].values)
            if over == "request" and "request_level" in da.coords
            else cats
        )
        unknown = [e for e in exclude if e not in cats and e not in names and e not in SPECIAL_CLUSTERS]
        if unknown:
            raise OptionError(f"exclude names categories not in {over!r}: {unknown}")
        drop = set(exclude)
        keep = np.array([c not in drop and m not in drop for c, m in zip(cats, names, strict=True)])
        vals = vals[keep]
        cats = [c for c, k in zip(cats, keep, strict=True) if k]
        notes.append(f"excluded {list(exclude)}")
    if published:
        if n is None:
            sizes = np.full(len(levels), np.nan)
        elif isinstance(n, Mapping):
            missing = [lv for lv in levels if lv not in n]
            if missing:
                raise OptionError(f"n= lacks the {dim} labels {missing}")
            sizes = np.array([float(n[lv]) for lv in levels])
        else:
            sizes = np.full(len(levels), float(n))
        if n is not None and not (np.isfinite(sizes).all() and (sizes > 0).all()):
            raise OptionError(f"n= must be positive and finite; got {n!r}")
        sums = np.nansum(vals, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            vals = vals / np.where(sums > 0, sums, np.nan) * np.where(np.isnan(sizes), 1.0, sizes)
    return _Counts(vals, cats, levels, name, published, geo_label, notes)


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ShareComparison:
    """Result of :func:`compare_shares` (frozen).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per category (``category`` column; see :meth:`to_frame`):
        counts and shares on each side with intervals, ``diff = share_b -
        share_a`` and ``ratio = share_b / share_a`` with intervals, the
        per-category z statistic and p-value, Holm (``p_holm``) and
        Benjamini-Hochberg (``p_bh``) adjusted p-values, and whether the
        category was observed on each side (``present_a``/``present_b``).
    trend : pandas.DataFrame
        One row per (category, level of ``dim``) for every level in the
        dataset, in order (periods sorted by date): count, share with Wilson
        interval, change from the previous level with its delta-method
        interval and z-test p-value.
    chi2, chi2_pvalue, gtest, gtest_pvalue, df : float
        Pearson chi-square and likelihood-ratio (G) tests that ``a`` and ``b``
        have the same distribution over the categories.
    trend_chi2, trend_pvalue, trend_df : float
        The same chi-square test across every level of ``dim``.
    notes : tuple of str
        What was excluded, dropped, or could not be computed, and why.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from econindex.geography import geo_coords
    >>> from econindex.schema import pattern_coords
    >>> counts = np.array([[[50.0, 80.0], [50.0, 20.0]]])  # geo x pattern x period
    >>> ds = xr.Dataset(
    ...     {"pattern_count": (("geo", "pattern", "period"), counts)},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]), **pattern_coords(["directive", "learning"]),
    ...             "period": ["2025-01-15", "2025-08-04"]},
    ... )
    >>> res = compare_shares(ds, dim="period", over="pattern")
    >>> res.a, res.b, round(res.chi2, 3), res.df
    ('2025-01-15', '2025-08-04', 19.78, 1.0)
    >>> res.trend[["category", "period", "share", "change"]].round(2)
        category      period  share  change
    0  directive  2025-01-15    0.5     NaN
    1  directive  2025-08-04    0.8     0.3
    2   learning  2025-01-15    0.5     NaN
    3   learning  2025-08-04    0.2    -0.3
    """

    dim: str
    over: str
    a: str
    b: str
    geo: str
    variable: str
    method: str
    ci_level: float
    n_a: float
    n_b: float
    table: pd.DataFrame = field(repr=False)
    trend: pd.DataFrame = field(repr=False)
    chi2: float
    chi2_pvalue: float
    gtest: float
    gtest_pvalue: float
    df: float
    trend_chi2: float
    trend_pvalue: float
    trend_df: float
    published: bool
    dropped: tuple[str, ...]
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-category table as a tidy DataFrame (a copy).

        Columns: ``category, count_a, count_b, share_a, share_a_lower,
        share_a_upper, share_b, share_b_lower, share_b_upper, diff, diff_lower,
        diff_upper, ratio, ratio_lower, ratio_upper, statistic, p_value,
        p_holm, p_bh, present_a, present_b``; ``attrs`` record ``dim``, ``a``,
        ``b``, ``over``, ``geo``, ``method`` and ``ci_level``.
        """
        df = self.table.copy()
        df.attrs = self._setup()
        return df

    def _setup(self) -> dict[Hashable, Any]:
        """What was compared, and how: the attrs both table forms carry."""
        return {
            "dim": self.dim,
            "a": self.a,
            "b": self.b,
            "over": self.over,
            "geo": self.geo,
            "method": self.method,
            "ci_level": self.ci_level,
        }

    def to_xarray(self) -> xr.Dataset:
        """The per-category table as a Dataset over ``category`` with the tests in ``attrs``."""
        out = xr.Dataset.from_dataframe(self.table.set_index("category"))
        out.attrs = {
            **self._setup(),
            "n_a": self.n_a,
            "n_b": self.n_b,
            "chi2": self.chi2,
            "chi2_pvalue": self.chi2_pvalue,
            "gtest": self.gtest,
            "gtest_pvalue": self.gtest_pvalue,
            "df": self.df,
            "notes": json.dumps(list(self.notes)),
        }
        return out

    def summary(self, top: int = 10) -> str:
        """A plain-text summary: the two sides, the tests, and the ``top`` largest differences."""
        pct = round(self.ci_level * 100)
        lines = [
            f"Share comparison over {self.over!r} by {self.dim}: {self.b!r} vs {self.a!r} ({self.geo})",
            f"  conversations: {self.a}={self.n_a:,.0f}  {self.b}={self.n_b:,.0f}; "
            f"intervals {pct}% ({self.method})",
            f"  equal distributions: chi2={self.chi2:.4g} (df={self.df:g}, p={self.chi2_pvalue:.3g}); "
            f"G={self.gtest:.4g} (p={self.gtest_pvalue:.3g})",
        ]
        t = self.table.reindex(self.table["diff"].abs().sort_values(ascending=False).index).head(top)
        lines.append(f"  {'category':<32}{'share_a':>9}{'share_b':>9}{'diff':>9}  {'CI':<19}{'p_holm':>8}")
        for r in t.itertuples(index=False):
            ci = f"[{r.diff_lower:+.3f}, {r.diff_upper:+.3f}]"
            lines.append(
                f"  {str(r.category)[:31]:<32}{r.share_a:>9.3f}{r.share_b:>9.3f}{r.diff:>+9.3f}  "
                f"{ci:<19}{r.p_holm:>8.3g}"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax: Any = None, top: int | None = 15) -> Any:
        """Dumbbell plot of the shares on each side with their intervals (needs matplotlib)."""
        from econindex.plots._platforms import plot_dumbbell

        return plot_dumbbell(self, ax=ax, top=top)

    def plot_trend(self, ax: Any = None, top: int | None = 8) -> Any:
        """Shares across every level of ``dim`` (lines with interval bands; needs matplotlib)."""
        from econindex.plots._platforms import plot_trend

        return plot_trend(self, ax=ax, top=top)


def _default_pair(dim: str, levels: list[str]) -> tuple[str, str]:
    if dim == PLATFORM:
        a = "claude_ai" if "claude_ai" in levels else levels[0]
        b = "api" if "api" in levels and a != "api" else next(v for v in levels if v != a)
        return a, b
    ordered = sorted(levels)
    return ordered[0], ordered[-1]


def compare_shares(
    ds: xr.Dataset,
    dim: CompareDim = "platform",
    over: Over = "soc_major",
    *,
    exclude: Sequence[str] = (),
    a: str | None = None,
    b: str | None = None,
    geo: str | Sequence[str] | None = None,
    level: str | None = None,
    sel: Mapping[str, Any] | None = None,
    request_level: int | None = None,
    alpha: float = 0.05,
    method: Method = "delta",
    n_boot: int = 2000,
    seed: int | None = 0,
    missing: Missing = "absent",
    n: float | Mapping[str, float] | None = None,
    ci_level: float | None = None,
) -> ShareComparison:
    """Compare the share of each category between two platforms or two periods.

    Parameters
    ----------
    ds : xarray.Dataset
        Canonical dataset whose count variable carries ``dim``:
        ``task_count`` (``over="soc_major"``/``"task"``), ``pattern_count``
        (``"pattern"``/``"mode"``) or ``request_count`` (``"request"``).
    dim : {"platform", "period"}
        The dimension whose levels are compared.
    over : {"soc_major", "task", "pattern", "mode", "request"}
        The categories. ``soc_major`` sums task counts by the task coordinate
        ``soc_major`` (``none``/``not_classified`` keep their own label);
        ``mode`` sums pattern counts by automation/augmentation/unclassified.
    exclude : sequence of str
        Category labels left out before shares are formed (e.g.
        ``("none", "not_classified")``); unknown labels raise.
    a, b : str, optional
        The two levels compared; differences are ``b - a`` and ratios ``b / a``.
        Defaults: ``claude_ai`` vs ``api`` for platforms, the earliest vs the
        latest period.
    geo, level : optional
        Which geo(s): one label or several (summed); or ``level=`` to sum the
        located geos of a level. Default: ``"GLOBAL"``.
    sel : mapping, optional
        Labels for other dims the count variable has (e.g. ``{"period": ...}``
        when comparing platforms in a panel); a dim of size one is squeezed.
    request_level : int, optional
        For ``over="request"``: the cluster level (default: the coarsest, the
        highest ``request_level``; in the release, 0 is the finest).
    alpha : float
        Every interval has coverage ``1 - alpha`` (default 0.05).
    ci_level : float, optional
        Deprecated spelling (``alpha = 1 - ci_level``; warns).
    method : {"delta", "bootstrap"}
        Intervals of shares, differences and ratios: Wilson score (shares),
        Wald/delta-method (differences, log ratios); or percentile intervals
        from ``n_boot`` multinomial resamples of the counts of each side.
    n_boot, seed : int
        Bootstrap replicates and seed (``method="bootstrap"`` only).
    missing : {"absent", "drop", "raise"}
        A category whose count is missing (NaN) on one side while positive on
        the other: ``"absent"`` counts it as not observed there (reported with
        ``present_*=False``); ``"drop"`` removes it from both sides (listed in
        ``dropped``); ``"raise"`` raises :class:`DataValueError`. Categories
        missing on both sides are always dropped and listed.
    n : float or mapping, optional
        Only for datasets with published shares but no counts: conversations
        per level (one number or ``{label: n}``). Without it such a dataset
        gives shares and differences but no intervals or tests.

    Returns
    -------
    ShareComparison
        Frozen result: ``table`` (tidy per-category), the chi-square and G
        tests, ``trend`` (every level of ``dim``), ``notes``; ``plot()``
        draws a dumbbell chart.

    Raises
    ------
    SchemaError
        ``dim`` or the count variable is absent, or the counts vary over a
        further dim not fixed by ``sel``.
    EstimationError
        The dataset has a single level of ``dim``.
    DataValueError
        A compared side has no conversations over the categories, or
        ``missing="raise"`` and a count is missing.
    OptionError
        An invalid option value (the message lists the valid ones).

    Notes
    -----
    Let ``c_a`` be the counts of side ``a`` over the categories and ``n_a``
    their sum (likewise ``b``), shares ``p = c / n``. Each side is treated as
    an independent multinomial sample, so each share is marginally binomial:

    * share: Wilson score interval;
    * difference ``d = p_b - p_a``: ``se^2 = p_a(1-p_a)/n_a + p_b(1-p_b)/n_b``
      (the same as ``statsmodels`` ``confint_proportions_2indep(method="wald")``);
    * ratio ``r = p_b / p_a``: interval ``exp(log r +/- z se)`` with
      ``se^2 = (1-p_a)/c_a + (1-p_b)/c_b`` (``method="log"`` there);
    * per-category test: pooled two-proportion z test (category vs the rest),
      then Holm and Benjamini-Hochberg adjustment across the categories with
      a positive count on some side;
    * equal distributions: Pearson chi-square and G test on the 2 x K table
      (``scipy.stats.chi2_contingency``, no continuity correction), all-zero
      categories left out.

    The intervals presume that counts are numbers of sampled conversations;
    they capture sampling error only, not classifier error or the
    privacy-threshold suppression of small cells.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from econindex.geography import geo_coords
    >>> counts = np.array([[[60.0, 40.0], [30.0, 50.0], [10.0, 10.0]]])  # geo x task x platform
    >>> ds = xr.Dataset(
    ...     {"task_count": (("geo", "task", "platform"), counts)},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]), "task": ["t1", "t2", "t3"],
    ...             "soc_major": ("task", ["15", "25", "15"]), "platform": ["claude_ai", "api"]},
    ... )
    >>> res = compare_shares(ds, dim="platform", over="soc_major")
    >>> res.to_frame()[["category", "share_a", "share_b", "diff"]].round(3)
      category  share_a  share_b  diff
    0       15      0.7      0.5  -0.2
    1       25      0.3      0.5   0.2
    """
    check_option("dim", dim, _DIMS)
    check_option("over", over, _OVERS)
    check_option("method", method, _METHODS)
    check_option("missing", missing, _MISSING)
    if ci_level is not None:
        warnings.warn(
            "compare_shares(ci_level=) is deprecated; use alpha= (alpha = 1 - ci_level)",
            DeprecationWarning,
            stacklevel=2,
        )
        if not (0.0 < ci_level < 1.0):
            raise OptionError(f"ci_level={ci_level!r} must lie strictly between 0 and 1")
        alpha = 1.0 - ci_level
    if not (0.0 < alpha < 1.0):
        raise OptionError(f"alpha={alpha!r} must lie strictly between 0 and 1")
    ci_level = 1.0 - alpha
    if method == "bootstrap" and (not isinstance(n_boot, int | np.integer) or n_boot < 100):
        raise OptionError(f"n_boot={n_boot!r} must be an integer >= 100")
    exclude = _as_list(exclude)
    cnt = _extract(
        ds, dim, over, geo=geo, level=level, sel=sel, request_level=request_level, exclude=exclude, n=n
    )
    notes = list(cnt.notes)
    if cnt.published and n is None:
        warnings.warn(notes[0], UserWarning, stacklevel=2)
    levels = cnt.levels
    da, db = _default_pair(dim, levels)
    a = da if a is None else str(a)
    b = db if b is None else str(b)
    for side, lab in (("a", a), ("b", b)):
        if lab not in levels:
            raise OptionError(f"{side}={lab!r} is not a {dim} of the dataset; {dim}s: {levels}")
    if a == b:
        notes.append(f"a and b are the same {dim}: differences are zero by construction")
    ia, ib = levels.index(a), levels.index(b)
    vals = cnt.values
    cats = np.array(cnt.categories, dtype=object)

    # --- missing cells -----------------------------------------------------
    va, vb = vals[:, ia], vals[:, ib]
    both = np.isnan(va) & np.isnan(vb)
    one = np.isnan(va) ^ np.isnan(vb)
    dropped = [str(c) for c in cats[both]]
    if both.any():
        notes.append(f"dropped {len(dropped)} categories missing on both sides: {dropped[:10]}")
    if one.any():
        names = [str(c) for c in cats[one]]
        if missing == "raise":
            raise DataValueError(f"{cnt.variable} is missing on one side ({a!r} or {b!r}) for {names[:10]}")
        if missing == "drop":
            dropped += names
            notes.append(f"dropped {len(names)} categories missing on one side: {names[:10]}")
        else:
            notes.append(
                f"{len(names)} categories missing on one side counted as not observed there: {names[:10]}"
            )
    keep = ~both & ~(one if missing == "drop" else np.zeros_like(one))
    cats = cats[keep]
    ca = np.nan_to_num(va[keep], nan=0.0)
    cb = np.nan_to_num(vb[keep], nan=0.0)
    if cats.size == 0:
        raise DataValueError(f"no category of {over!r} has {cnt.variable} for {dim} {a!r} or {b!r}")
    na, nb = float(ca.sum()), float(cb.sum())
    can_infer = not (cnt.published and n is None)
    for lab, tot in ((a, na), (b, nb)):
        if not tot > 0 and can_infer:
            raise DataValueError(
                f"{dim}={lab!r} has no conversations in {cnt.variable} over {over!r} "
                f"at {cnt.geo or 'the data'}"
                " (all categories zero or missing)"
            )
    empty = (ca == 0) & (cb == 0)
    if empty.any():
        notes.append(
            f"{int(empty.sum())} categories are zero on both sides (reported; left out of the tests)"
        )

    alpha = 1.0 - ci_level
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    K = cats.size
    nan = np.full(K, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa, pb = ca / na, cb / nb
    if can_infer:
        sa_lo, sa_hi = wilson_interval(ca, na, z)
        sb_lo, sb_hi = wilson_interval(cb, nb, z)
        diff, d_lo, d_hi = _delta_diff(ca, na, cb, nb, z)
        ratio, r_lo, r_hi = _delta_ratio(ca, na, cb, nb, z)
        if method == "bootstrap":
            bt = _bootstrap(ca, na, cb, nb, alpha, n_boot, seed)
            (sa_lo, sa_hi), (sb_lo, sb_hi) = bt["share_a"], bt["share_b"]
            (d_lo, d_hi), (r_lo, r_hi) = bt["diff"], bt["ratio"]
            if not (float(na).is_integer() and float(nb).is_integer()):
                notes.append("bootstrap draws round the side totals to whole conversations")
        zstat, pval = _ztest(ca, na, cb, nb)
        zstat = np.where(empty, np.nan, zstat)
        pval = np.where(empty, np.nan, pval)
        p_holm, p_bh = _adjust(pval, "holm"), _adjust(pval, "fdr_bh")
        chi2, chi2_p, g, g_p, dof = _homogeneity(np.vstack([ca, cb]))
    else:
        diff = pb - pa
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where((pa <= 0) & (pb <= 0), np.nan, pb / pa)
        sa_lo = sa_hi = sb_lo = sb_hi = d_lo = d_hi = r_lo = r_hi = nan
        zstat = pval = p_holm = p_bh = nan
        chi2 = chi2_p = g = g_p = math.nan
        dof = 0
    table = pd.DataFrame(
        {
            "category": cats.astype(str),
            "count_a": ca if can_infer else nan,
            "count_b": cb if can_infer else nan,
            "share_a": pa,
            "share_a_lower": sa_lo,
            "share_a_upper": sa_hi,
            "share_b": pb,
            "share_b_lower": sb_lo,
            "share_b_upper": sb_hi,
            "diff": diff,
            "diff_lower": d_lo,
            "diff_upper": d_hi,
            "ratio": ratio,
            "ratio_lower": r_lo,
            "ratio_upper": r_hi,
            "statistic": zstat,
            "p_value": pval,
            "p_holm": p_holm,
            "p_bh": p_bh,
            "present_a": ca > 0,
            "present_b": cb > 0,
        },
        columns=_TABLE_COLUMNS,
    )
    if can_infer:
        one_side = [str(c) for c in cats[(ca > 0) ^ (cb > 0)]]
        if one_side:
            notes.append(f"{len(one_side)} categories observed on one side only: {one_side[:10]}")
    trend, t_chi2, t_p, t_df = _trend(cnt, dim, z, can_infer)
    return ShareComparison(
        dim=dim,
        over=over,
        a=a,
        b=b,
        geo=cnt.geo,
        variable=cnt.variable,
        method=method,
        ci_level=ci_level,
        n_a=na if can_infer else math.nan,
        n_b=nb if can_infer else math.nan,
        table=table,
        trend=trend,
        chi2=chi2,
        chi2_pvalue=chi2_p,
        gtest=g,
        gtest_pvalue=g_p,
        df=float(dof),
        trend_chi2=t_chi2,
        trend_pvalue=t_p,
        trend_df=t_df,
        published=cnt.published,
        dropped=tuple(dropped),
        notes=tuple(notes),
    )


def _trend(cnt: _Counts, dim: str, z: float, can_infer: bool) -> tuple[pd.DataFrame, float, float, float]:
    """Shares per level of ``dim`` (periods in date order) and changes between consecutive levels."""
    order = np.argsort(cnt.levels, kind="stable") if dim == PERIOD else np.arange(len(cnt.levels))
    levels = [cnt.levels[i] for i in order]
    vals = cnt.values[:, order]
    measured = ~np.isnan(vals).all(axis=1)
    vals = np.nan_to_num(vals[measured], nan=0.0)
    cats = np.array(cnt.categories, dtype=object)[measured].astype(str)
    K, L = vals.shape
    tot = vals.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = vals / tot
    lo = np.full((K, L), np.nan)
    hi = np.full((K, L), np.nan)
    ch = np.full((K, L), np.nan)
    ch_lo = np.full((K, L), np.nan)
    ch_hi = np.full((K, L), np.nan)
    ch_p = np.full((K, L), np.nan)
    ch[:, 1:] = share[:, 1:] - share[:, :-1]
    t_chi2 = t_p = t_df = math.nan
    ok = tot > 0
    if can_infer and ok.all():
        # each level's shares, and each consecutive change, vectorized over categories
        lo, hi = wilson_interval(vals, tot[None, :], z)
        _, dl, dh = _delta_diff(vals[:, :-1], tot[None, :-1], vals[:, 1:], tot[None, 1:], z)
        ch_lo[:, 1:], ch_hi[:, 1:] = dl, dh
        _, ch_p[:, 1:] = _ztest(vals[:, :-1], tot[None, :-1], vals[:, 1:], tot[None, 1:])
        t_chi2, t_p, _, _, dof = _homogeneity(vals.T)
        t_df = float(dof)
    frame = pd.DataFrame(
        {
            "category": np.repeat(cats, L),
            dim: np.tile(np.array(levels, dtype=object), K).astype(str),
            "count": vals.ravel() if can_infer else np.nan,
            "n": np.tile(tot, K) if can_infer else np.nan,
            "share": share.ravel(),
            "share_lower": lo.ravel(),
            "share_upper": hi.ravel(),
            "change": ch.ravel(),
            "change_lower": ch_lo.ravel(),
            "change_upper": ch_hi.ravel(),
            "change_p_value": ch_p.ravel(),
        }
    )
    return frame, float(t_chi2), float(t_p), float(t_df)


# ---------------------------------------------------------------------------
# Cost and usage
# ---------------------------------------------------------------------------
IDENTIFICATION_NOTE = (
    "The slope is a descriptive cross-category association between how much of a "
    "platform's traffic a task category takes and what a conversation in it costs. It "
    "does not identify a causal price elasticity of demand. Selection: which tasks are "
    "brought to the API at all depends on their value to firms, and categories below "
    "the release's reporting threshold are absent (and zero-usage categories cannot "
    "enter a log-log fit), so the sample is selected on the outcome. Composition: a "
    "category's cost index averages heterogeneous tasks, and at the SOC level it is a "
    "usage-weighted mean, so a change in the mix within a category moves both sides. "
    "Reverse causality: heavy users negotiate volume discounts, cache prompts and build "
    "longer agentic pipelines, so high usage can raise token counts (or lower prices) "
    "rather than the other way round. Omitted variables: task value, complexity and "
    "output length drive both cost and usage. Read a positive slope as 'costlier "
    "categories are used more', consistent with value mattering more than cost, not as "
    "'raising cost raises usage'."
)

_REGRESSORS = ("cost_index", "prompt_tokens_index", "completion_tokens_index")


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CostUsageResult(CoefficientResult):
    """Result of :meth:`CostUsage.fit`: a :class:`~econindex.results.CoefficientResult`.

    Coefficients and covariance are those of the weighted regression, so
    ``params``, ``bse``, ``pvalues``, ``conf_int``, ``to_frame``,
    ``to_markdown``, ``to_latex`` and :func:`econindex.compare` work as for
    every estimator. The log-cost coefficient is named ``log_cost_index``
    (``log_<regressor>`` in general; see :attr:`term`).

    Attributes
    ----------
    regression : RegressionResult
        The full regression (residuals, leverage, ``with_cov``).
    data : pandas.DataFrame
        One row per category used: ``category``, ``usage_count``,
        ``usage_share``, the regressors and controls in levels,
        ``log_usage_share``, the logged regressors, and ``weight``.
    dropped : pandas.DataFrame
        Categories left out, with a ``reason`` (zero usage, missing usage,
        missing cost index); never silently lost.
    platform, weights, regressor : str
        What was fitted.
    over : str
        The categories: ``"task"`` or ``"soc_major"``.
    notes : tuple of str
        Aggregation and dropping notes.
    identification : str
        What the association does and does not identify (:data:`IDENTIFICATION_NOTE`).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.simulate(seed=0, platforms=("claude_ai", "api"), n_countries=5, n_tasks=100)
    >>> res = CostUsage(over="task").fit(ds, platform="api")
    >>> res.term, res.nobs, list(res.to_frame()["term"])
    ('log_cost_index', 100, ['const', 'log_cost_index'])
    >>> lo, hi = res.ci(0.95)
    >>> bool(lo < res.slope < hi)
    True
    """

    regression: RegressionResult
    data: pd.DataFrame
    dropped: pd.DataFrame
    platform: str
    weights: str | None
    regressor: str
    over: str = "soc_major"
    notes: tuple[str, ...] = ()
    identification: str = IDENTIFICATION_NOTE

    @property
    def term(self) -> str:
        """Name of the main coefficient (``log_<regressor>``)."""
        return f"log_{self.regressor}"

    @property
    def slope(self) -> float:
        """Elasticity of the usage share with respect to the cost index (the :attr:`term` coefficient)."""
        return float(self.params[self.term])

    @property
    def se(self) -> float:
        """Standard error of :attr:`slope` under ``cov_type``."""
        return float(self.bse[self.term])

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of :attr:`slope`."""
        return float(self.pvalues[self.term])

    @property
    def rsquared(self) -> float:
        """(Weighted) R-squared of the regression."""
        return float(self.regression.rsquared)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of :attr:`slope` with coverage ``level``."""
        ci = self.conf_int(alpha=1.0 - level)
        j = list(self.names).index(self.term)
        return float(ci["lower"].iloc[j]), float(ci["upper"].iloc[j])

    def summary(self, alpha: float = 0.05) -> str:
        """The slope and its interval, then the coefficient table, the notes and the identification caveat."""
        lo, hi = self.ci(1.0 - alpha)
        lines = [
            f"Cost and usage on {self.platform!r} across {self.nobs} {self.over} categories "
            f"({'usage-weighted' if self.weights else 'unweighted'}, {self.cov_label})",
            f"  d log usage share / d log {self.regressor}: {self.slope:.4f} "
            f"(se {self.se:.4f}, {100 * (1 - alpha):g}% CI [{lo:.4f}, {hi:.4f}], p={self.pvalue:.3g})",
            f"  dropped {len(self.dropped)} categories",
            *(f"  note: {n}" for n in self.notes),
            super().summary(alpha),
            "What it identifies: " + self.identification,
        ]
        return "\n".join(lines)

    def plot(self, ax: Any = None, n_bins: int = 10) -> Any:
        """Binned scatter of log usage share on log cost with the fitted line (needs matplotlib)."""
        from econindex.plots._platforms import plot_cost_usage

        return plot_cost_usage(self, ax=ax, n_bins=n_bins)


@dataclass(frozen=True)
class CostUsage:
    """Log usage share on log API cost index across task categories.

    Fits ``log s_c = a + b log cost_c [+ ...] + e_c`` over categories ``c``
    (O*NET tasks or SOC major groups) of one platform, by weighted least
    squares with robust standard errors.

    What the association does and does not identify: the slope ``b`` is a
    descriptive cross-category association, not a price elasticity.
    **Selection**: which tasks reach the API reflects their value to firms,
    and categories under the reporting threshold or with zero usage are
    missing, so the sample is selected on the outcome. **Composition**: a
    category's cost index averages heterogeneous tasks (at SOC level, a
    usage-weighted mean of task indices), so mix shifts move both sides.
    **Reverse causality**: heavy users build long agentic pipelines and get
    volume discounts, so usage can drive token counts and effective prices.
    **Omitted variables**: task value and complexity raise both. A positive
    ``b`` says costlier categories are used more (value over cost), not that
    raising cost raises use. The same text is in :data:`IDENTIFICATION_NOTE`
    and each result's ``identification``.

    Parameters
    ----------
    cov_type : str
        Covariance type of the regression core (``"nonrobust"``, ``"HC0"``..``"HC3"``;
        ``"cluster"`` clusters tasks by SOC major group, CR1, with ``over="task"``).
    over : {"soc_major", "task"}
        Categories: O*NET tasks, or SOC major groups (counts summed; cost
        index the usage-weighted mean of its tasks' indices); the name of
        :func:`compare_shares`' and :func:`econindex.trend_table`'s option.
    weights : {None, "usage"}
        ``None`` (default): unweighted OLS. ``"usage"``: each category weighted
        by its conversation count (WLS), i.e. by ``exp`` of the dependent
        variable. Such weights depend on the regression error (which can
        bias WLS), and a few heavy categories dominate: on
        ``simulate(platforms=("claude_ai", "api"), n_tasks=300)`` over 40
        seeds the usage-weighted task slope has sd 0.60 and its 95% HC1
        interval covers the true 0.30 in 85% of seeds; unweighted, sd 0.18
        and coverage 97.5%. Use it to describe the traffic-weighted
        association, not to estimate the slope.
    controls : tuple of str
        Further task-level variables of the dataset entered in levels
        (aggregated like the cost index at SOC level).
    regressors : tuple of str
        Task-level indices entered in logs, the first being the main one:
        any of ``cost_index``, ``prompt_tokens_index``, ``completion_tokens_index``.
    max_missing : float
        Largest fraction of categories allowed to lack a regressor; more
        raises :class:`MissingCovariateError`, fewer are recorded in ``dropped``.
    level : deprecated spelling of ``over`` (``level=`` means the geographic level)

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from econindex.geography import geo_coords
    >>> rng = np.random.default_rng(0)
    >>> cost = np.exp(rng.normal(0, 0.5, 40))
    >>> counts = np.round(1000 * cost ** 0.8 * np.exp(rng.normal(0, 0.1, 40)))
    >>> ds = xr.Dataset(
    ...     {"task_count": (("geo", "task"), counts[None, :]), "cost_index": ("task", cost)},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]), "task": [f"t{i}" for i in range(40)],
    ...             "soc_major": ("task", ["15"] * 40)},
    ...     attrs={"platform": "api"},
    ... )
    >>> res = CostUsage(over="task").fit(ds, platform="api")
    >>> round(res.slope, 1), res.nobs
    (0.8, 40)
    """

    cov_type: str = "HC1"
    over: Literal["soc_major", "task"] = "soc_major"
    weights: Literal["usage"] | None = None
    controls: tuple[str, ...] = ()
    regressors: tuple[str, ...] = ("cost_index",)
    max_missing: float = 0.5
    level: str | None = None

    def __post_init__(self) -> None:
        if self.level is not None:
            warnings.warn(
                "CostUsage(level=) is deprecated (level= means the geographic level); use over=",
                DeprecationWarning,
                stacklevel=3,
            )
            object.__setattr__(self, "over", self.level)
            object.__setattr__(self, "level", None)
        check_option("cov_type", self.cov_type, COV_TYPES)
        check_option("over", self.over, ("soc_major", "task"))
        if self.cov_type == "cluster" and self.over != "task":
            raise OptionError("cov_type='cluster' clusters tasks by SOC major group: it needs over='task'")
        check_option("weights", self.weights, ("usage", None))
        if not self.regressors:
            raise OptionError("regressors must name at least one index, e.g. ('cost_index',)")
        for r in self.regressors:
            check_option("regressors", r, _REGRESSORS)
        if len(set(self.regressors)) != len(self.regressors):
            raise OptionError(f"regressors repeat a name: {self.regressors}")
        if not isinstance(self.controls, tuple) or not all(isinstance(c, str) for c in self.controls):
            raise OptionError(f"controls must be a tuple of variable names; got {self.controls!r}")
        if not (0.0 <= self.max_missing < 1.0):
            raise OptionError(f"max_missing={self.max_missing!r} must lie in [0, 1)")

    def fit(
        self,
        ds: xr.Dataset,
        platform: str | None = "api",
        *,
        geo: str = "GLOBAL",
        sel: Mapping[str, Any] | None = None,
    ) -> CostUsageResult:
        """Fit on the task counts of ``platform`` at ``geo``.

        Parameters
        ----------
        ds : xarray.Dataset
            Needs ``task_count`` (with the ``soc_major`` task coordinate for
            SOC level) and the regressors over ``task``; either may carry a
            ``platform`` dim.
        platform : str or None
            Platform label; ``None`` for a dataset without a ``platform`` dim.
            Without the dim, ``ds.attrs["platform"]`` must match when given.
        geo : str
            The geo whose counts are used (API data is global).
        sel : mapping, optional
            Labels for further dims (e.g. ``{"period": "2025-08-04"}``).

        Returns
        -------
        CostUsageResult
        """
        validate(ds, check_values=False)  # types, duplicate labels, dtypes: before any arithmetic
        if "task_count" not in ds.data_vars:
            raise SchemaError("CostUsage needs 'task_count' in the dataset")
        needed = list(self.regressors) + list(self.controls)
        absent = [v for v in needed if v not in ds.data_vars]
        if absent:
            raise MissingCovariateError(f"CostUsage needs {absent} over 'task'; the dataset lacks them")
        notes: list[str] = []

        def pick(da: xr.DataArray) -> xr.DataArray:
            if PLATFORM in da.dims:
                labels = [str(v) for v in da[PLATFORM].values]
                if platform is None or platform not in labels:
                    raise SchemaError(f"platform={platform!r} not among {da.name!r} platforms {labels}")
                da = da.sel({PLATFORM: platform}, drop=True)
            if GEO in da.dims:
                if geo not in set(map(str, da[GEO].values)):
                    raise SchemaError(f"geo {geo!r} not in the dataset")
                da = da.sel({GEO: geo}, drop=True)
            return _reduce_other_dims(
                da, {TASK}, {k: v for k, v in (sel or {}).items() if k in da.dims}, str(da.name)
            )

        if PLATFORM not in ds["task_count"].dims and platform is not None:
            attr = ds.attrs.get("platform")
            if attr not in (None, "", platform):
                raise SchemaError(
                    f"dataset has no 'platform' dim and attrs['platform']={attr!r} != {platform!r}"
                )
        counts = pick(ds["task_count"])
        if sel:
            extra = set(sel) - set(ds["task_count"].dims)
            if extra:
                raise OptionError(f"sel names dims {sorted(extra)} that 'task_count' does not have")
        tasks = np.array([str(t) for t in counts[TASK].values], dtype=object)
        special = np.isin(tasks, SPECIAL_CLUSTERS)
        n_t = np.asarray(counts.values, dtype=float)[~special]
        tasks = tasks[~special]
        cols = {v: np.asarray(pick(ds[v]).reindex({TASK: list(tasks)}).values, dtype=float) for v in needed}
        for v in self.regressors:
            bad = np.isfinite(cols[v]) & (cols[v] <= 0)
            if bad.any():
                raise DataValueError(
                    f"{v!r} is non-positive for tasks {list(tasks[bad][:5])} (log undefined)"
                )
        dropped: list[tuple[str, str]] = []
        clusters = None
        if self.over == "task":
            cats = tasks
            usage = n_t
            X_raw = cols
            if self.cov_type == "cluster":
                if "soc_major" not in counts.coords:
                    raise SchemaError("cov_type='cluster' needs the 'soc_major' coordinate on 'task'")
                clusters = np.array([str(s) for s in counts["soc_major"].values], dtype=object)[~special]
        else:
            if "soc_major" not in counts.coords:
                raise SchemaError("over='soc_major' needs the 'soc_major' coordinate on 'task'")
            soc = np.array([str(s) for s in counts["soc_major"].values], dtype=object)[~special]
            have = np.all([np.isfinite(cols[v]) for v in needed], axis=0)
            miss_t = tasks[~have & (np.nan_to_num(n_t) > 0)]
            if miss_t.size:
                lost = float(np.nansum(n_t[~have])) / max(float(np.nansum(n_t)), 1.0)
                notes.append(
                    f"{miss_t.size} used tasks ({lost:.1%} of conversations) lack {needed} and are left "
                    "out of their group's mean (their counts stay in the group's usage)"
                )
            cats, inv = np.unique(soc, return_inverse=True)
            w = np.where(have, np.nan_to_num(n_t), 0.0)
            usage = np.bincount(inv, weights=np.nan_to_num(n_t), minlength=cats.size)
            wsum = np.bincount(inv, weights=w, minlength=cats.size)
            X_raw = {}
            with np.errstate(invalid="ignore", divide="ignore"):
                for v in needed:
                    num = np.bincount(inv, weights=w * np.nan_to_num(cols[v]), minlength=cats.size)
                    X_raw[v] = np.where(wsum > 0, num / wsum, np.nan)
            all_nan = np.bincount(inv, weights=np.isnan(n_t).astype(float), minlength=cats.size)
            usage = np.where(all_nan == np.bincount(inv, minlength=cats.size), np.nan, usage)
        if cats.size == 0:
            raise DataValueError("no task category with counts on the chosen platform/geo")
        total = float(np.nansum(usage))
        if not total > 0:
            raise DataValueError(f"task_count is zero or missing for every category on platform {platform!r}")
        # categories without usage carry no information in a log-log fit: recorded first
        # (a zero-usage task also has no cost index in a release), then the cost check
        no_use = ~(np.nan_to_num(usage, nan=-1.0) > 0)
        dropped += [
            (str(c), "zero usage" if usage[i] == 0 else "missing usage")
            for i, c in zip(np.flatnonzero(no_use), cats[no_use], strict=True)
        ]
        miss_x = ~no_use & ~np.all([np.isfinite(X_raw[v]) for v in needed], axis=0)
        n_used = int((~no_use).sum())
        if n_used and miss_x.sum() > self.max_missing * n_used:
            raise MissingCovariateError(
                f"{int(miss_x.sum())} of {n_used} used {self.over} categories lack {needed} "
                f"(more than max_missing={self.max_missing}); e.g. {list(cats[miss_x][:5])}"
            )
        dropped += [(str(c), f"missing {'/'.join(needed)}") for c in cats[miss_x]]
        use = ~miss_x & ~no_use
        if dropped:
            notes.append(f"dropped {len(dropped)} categories (see .dropped)")
        share = usage / total
        k = 1 + len(needed)
        if int(use.sum()) <= k:
            raise EstimationError(f"only {int(use.sum())} usable categories for {k} coefficients")
        y = np.log(share[use])
        names = ["const"] + [f"log_{v}" for v in self.regressors] + list(self.controls)
        X = np.column_stack(
            [np.ones(int(use.sum()))]
            + [np.log(X_raw[v][use]) for v in self.regressors]
            + [X_raw[c][use] for c in self.controls]
        )
        wts = usage[use] if self.weights == "usage" else None
        reg = OLS(cov_type=self.cov_type).fit(
            y,
            X,
            weights=wts,
            names=tuple(names),
            obs_names=[str(c) for c in cats[use]],
            clusters=None if clusters is None else clusters[use],
            dep_var="log_usage_share",
        )
        data = pd.DataFrame(
            {"category": cats[use].astype(str), "usage_count": usage[use], "usage_share": share[use]}
        )
        for v in needed:
            data[v] = X_raw[v][use]
        data["log_usage_share"] = y
        for v in self.regressors:
            data[f"log_{v}"] = np.log(X_raw[v][use])
        data["weight"] = wts if wts is not None else 1.0
        drop_df = pd.DataFrame(dropped, columns=["category", "reason"])
        return CostUsageResult(
            **inference_fields(reg),
            over=self.over,
            model=reg.model,
            dep_var="log_usage_share",
            regression=reg,
            data=data,
            dropped=drop_df,
            platform=str(platform),
            weights=self.weights,
            regressor=self.regressors[0],
            notes=tuple(notes),
        )
