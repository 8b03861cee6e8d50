"""Step 3: :class:`TaskMixAutomation`, the regression of automation on usage controlling for the
task mix (one cross-section, or the periods pooled with period effects).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from econindex._kernels.ols import wls
from econindex.automation._rates import (
    _expected_parts,
    _task_weights,
    task_automation_rate,
)
from econindex.automation._result import AutomationResult
from econindex.covariance import CLUSTER_CORRECTIONS, COV_TYPES
from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError
from econindex.regression import OLS, RegressionResult
from econindex.schema import (
    ANALYSIS_LEVELS,
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
        cluster=clusters,
        level=level,
        dep_var=dep_var,
    )


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
        check_option("level", level, ANALYSIS_LEVELS)
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
        >>> from econindex.automation import periods_frame
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
    columns = {c: np.concatenate([d.columns.get(c, np.zeros(len(d.obs))) for d in designs]) for c in names}
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
