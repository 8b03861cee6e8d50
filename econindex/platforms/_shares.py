"""Compare the share of each category between two platforms or two periods: :func:`compare_shares`
and its :class:`ShareComparison`.
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
from econindex.errors import (
    DataValueError,
    OptionError,
)
from econindex.platforms._counts import _as_list, _Counts, _extract
from econindex.platforms._inference import (
    _adjust,
    _bootstrap,
    _delta_diff,
    _delta_ratio,
    _homogeneity,
    _ztest,
)
from econindex.results import interval_alpha
from econindex.schema import (
    PERIOD,
    PLATFORM,
    check_option,
)

CompareDim = Literal["platform", "period"]
Over = Literal["soc_major", "task", "pattern", "mode", "request"]
Method = Literal["delta", "bootstrap"]
Missing = Literal["absent", "drop", "raise"]

_DIMS: tuple[str, ...] = (PLATFORM, PERIOD)
_OVERS: tuple[str, ...] = ("soc_major", "task", "pattern", "mode", "request")
_METHODS: tuple[str, ...] = ("delta", "bootstrap")
_MISSING: tuple[str, ...] = ("absent", "drop", "raise")

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
    ci_level = 1.0 - interval_alpha(alpha, ci_level, "compare_shares")
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
