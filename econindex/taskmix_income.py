"""Task mix and income: how each SOC major group's share of a place's work moves with GDP per capita.

:class:`TaskMixIncome` is a frozen estimator; :meth:`TaskMixIncome.fit` takes a
canonical dataset with ``task_count`` (geo x task, the task coordinate
``soc_major``), ``usage_count``, ``gdp`` and ``working_age_pop`` and returns a
frozen :class:`TaskMixIncomeResult`. Two methods, both on the model core
(:func:`econindex.regression.ppml`, :func:`econindex.regression.ols`):

* ``method="ppml"`` (default): the conversations of group k in place g,
  ``E[n_gk] = exp(a_g + c_k + b_k ln y_g)``, a Poisson pseudo-likelihood with
  the place effects ``a_g`` absorbed and one reference group (``b_ref = 0``,
  named in the result). ``b_k`` is the elasticity of group k's share relative
  to the reference group's: ``d ln(s_k / s_ref) / d ln y``. The shares' adding
  up and zero cells are handled by the place effects. Errors are clustered by
  place (the group cells of one place share its draws).
* ``method="ols"``: the report's picture, each group's share (or log share,
  ``dependent="log_share"``) of the place's classified task conversations
  regressed on ``ln y`` across places, one regression per group.

Only tasks with a SOC major group enter (``none``, ``not_classified`` and
tasks of an unknown group are left out and counted). Task cells below a
release's privacy threshold are absent (NaN), not zero: every place's coverage
(classified task conversations over ``usage_count``) is reported, places below
``min_coverage`` are left out and named, and a group with no published cell in
a place is left out of that place (``absent="drop"``, counted per group) or
taken as a measured zero (``absent="zero"``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex import covariance
from econindex.errors import (
    DataValueError,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)
from econindex.regression import RegressionResult, ols, ppml
from econindex.results import CoefficientResult, HypothesisTest
from econindex.schema import (
    ANALYSIS_LEVELS,
    GEO,
    PERIOD,
    PLATFORM,
    SOC_MAJOR_GROUPS,
    check_option,
    excluded_geos,
    geos_at_level,
    validate,
)

__all__ = ["TaskMixIncome", "TaskMixIncomeResult", "REPORT_GROUPS"]

REPORT_GROUPS: tuple[str, ...] = ("25", "27", "43", "19", "15")
"""The groups of the report's figure (education, arts/design, office/admin, sciences) and computer/math."""


def _term(group: str) -> str:
    return f"soc_{group}"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class TaskMixIncomeResult(CoefficientResult):
    """Frozen result of :class:`TaskMixIncome`.

    Coefficients are named ``soc_<code>``: for PPML the elasticity of group
    ``code``'s share relative to the reference group's (the reference has none),
    for OLS each group's slope on ln GDP per working-age capita.

    Attributes (beyond :class:`econindex.results.CoefficientResult`)
    ------------------------------------------------------------------
    method : ``"ppml"`` or ``"ols"``; dependent : ``"group_share"`` or ``"count"`` (PPML, see
        ``weighting``), ``"share"`` or ``"log_share"`` (OLS)
    groups : the SOC groups modelled; reference : the PPML reference group (``None`` for OLS)
    geos : places used; x : their ln GDP per working-age capita
    counts : (place, group) conversations used (NaN where absent and dropped)
    fitted_counts : the fit's means (PPML) or the share fit times the classified total (OLS)
    coverage : pandas Series over every place at the level: classified task conversations / usage_count
    excluded : place -> why it was left out; excluded_groups : group -> why
    absent_cells : group -> number of used places where that group had no published task cell
    excluded_tasks : conversations on tasks without a SOC group (``none``, ``not_classified``, unknown)
    nobs_group : places used per group; regression : the core fit (PPML) or the stacked OLS fit
    regressions : group -> its OLS fit (OLS only)
    joint : the joint Wald test that no group's share moves with income
    min_coverage, options : the estimator options

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.simulate(seed=1, n_countries=40, n_tasks=100, n_requests=24, abuse_state=None)
    >>> res = ei.TaskMixIncome().fit(ds)
    >>> res.reference, res.method, res.nobs_group["15"]
    ('15', 'ppml', 40)
    """

    method: str
    dependent: str
    groups: tuple[str, ...]
    reference: str | None
    geos: tuple[str, ...]
    x: np.ndarray
    counts: np.ndarray
    fitted_counts: np.ndarray
    coverage: pd.Series
    excluded: Mapping[str, str]
    excluded_groups: Mapping[str, str]
    absent_cells: Mapping[str, int]
    excluded_tasks: Mapping[str, float]
    nobs_group: Mapping[str, int]
    regression: RegressionResult
    joint: HypothesisTest
    regressions: Mapping[str, RegressionResult] = field(default_factory=dict)
    wald: HypothesisTest | None = None
    min_coverage: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)

    # --- tests across groups ---------------------------------------------------------------------
    def wald_test(self, hypothesis: Any, value: Any = None) -> HypothesisTest:
        """Joint Wald test of restrictions on the ``soc_<code>`` coefficients.

        PPML: from the fit's covariance. OLS: from the stacked fit of all groups clustered by
        place (the per-group regressions alone carry no covariance across groups).
        """
        if self.method == "ols":
            return self.regression.wald_test(hypothesis, value)
        return super().wald_test(hypothesis, value)

    def t_test(self, hypothesis: Any, value: Any = None) -> HypothesisTest:
        """t test of one linear restriction (OLS restrictions across groups use the stacked fit)."""
        if self.method == "ols":
            return self.regression.t_test(hypothesis, value)
        return super().t_test(hypothesis, value)

    # --- shares ----------------------------------------------------------------------------------
    def _share(self, counts: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return counts / np.nansum(counts, axis=1, keepdims=True)

    def shares(self) -> pd.DataFrame:
        """Observed and fitted shares per place and group (a tidy table).

        Columns ``geo, soc_major, log_gdp_pc, count, share, fitted_share``. For PPML the
        shares are of the modelled groups' conversations; for OLS of all classified ones.
        """
        obs = self._share(self.counts) if self.method == "ppml" else self._ols_shares()
        fit = self._share(self.fitted_counts) if self.method == "ppml" else self._ols_fitted()
        n_g, n_k = self.counts.shape
        return pd.DataFrame(
            {
                "geo": np.repeat(np.asarray(self.geos, dtype=object), n_k),
                "soc_major": np.tile(np.asarray(self.groups, dtype=object), n_g),
                "log_gdp_pc": np.repeat(self.x, n_k),
                "count": self.counts.ravel(),
                "share": obs.ravel(),
                "fitted_share": fit.ravel(),
            }
        )

    def _ols_shares(self) -> np.ndarray:
        tot = np.asarray(self.options.get("classified_total"), dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.counts / tot[:, None]

    def _ols_fitted(self) -> np.ndarray:
        out = np.full(self.counts.shape, np.nan)
        for j, k in enumerate(self.groups):
            reg = self.regressions.get(k)
            if reg is None:
                continue
            pred = reg.coef[0] + reg.coef[1] * self.x
            out[:, j] = np.exp(pred) if self.dependent == "log_share" else pred
        return out

    def share_curve(self, group: str, grid: np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
        """Fitted share of ``group`` along ln GDP per capita values ``grid``, with a pointwise band.

        PPML: ``s_k(x) = exp(c_k + b_k x) / sum_j exp(c_j + b_j x)`` with a delta-method band
        from the fit's covariance (group effects and slopes). OLS: the group's line (exp of
        it for log shares) with its band.
        """
        from scipy import stats

        grid = np.asarray(grid, dtype=float)
        q = float(stats.norm.ppf(1 - alpha / 2))
        if group not in self.groups:
            raise OptionError(f"group={group!r} was not modelled; groups are {list(self.groups)}")
        if self.method == "ols":
            reg = self.regressions[group]
            X = np.column_stack([np.ones(grid.size), grid])
            fit = X @ reg.coef
            se = np.sqrt(np.einsum("gi,ij,gj->g", X, reg.cov, X))
            qq = q if reg.df is None else float(stats.t.ppf(1 - alpha / 2, reg.df[1]))
            lo, hi = fit - qq * se, fit + qq * se
            if self.dependent == "log_share":
                fit, lo, hi = np.exp(fit), np.exp(lo), np.exp(hi)
            return pd.DataFrame({"log_gdp_pc": grid, "share": fit, "lower": lo, "upper": hi})
        names = list(self.regression.names)
        coef = self.regression.coef
        cov = self.regression.cov
        K = len(self.groups)
        # eta_j(x) = c_j + b_j x (reference: 0); share = softmax over the modelled groups
        eta = np.zeros((grid.size, K))
        J = np.zeros((grid.size, K, len(names)))  # d eta_j / d theta
        for j, k in enumerate(self.groups):
            if k == self.reference:
                continue
            ic, ib = names.index(f"g_{k}"), names.index(f"b_{k}")
            eta[:, j] = coef[ic] + coef[ib] * grid
            J[:, j, ic] = 1.0
            J[:, j, ib] = grid
        eta -= eta.max(axis=1, keepdims=True)
        s = np.exp(eta)
        s /= s.sum(axis=1, keepdims=True)
        jj = self.groups.index(group)
        # d ln s_k = d eta_k - sum_j s_j d eta_j ; d s_k = s_k d ln s_k
        grad = s[:, jj, None] * (J[:, jj, :] - np.einsum("gj,gjp->gp", s, J))
        se = np.sqrt(np.einsum("gp,pq,gq->g", grad, cov, grad))
        sk = s[:, jj]
        return pd.DataFrame({"log_gdp_pc": grid, "share": sk, "lower": sk - q * se, "upper": sk + q * se})

    def share_elasticities(self, alpha: float = 0.05) -> pd.DataFrame:
        """Elasticity of every modelled group's share (the reference's too) at the pooled shares.

        PPML: ``e_k = b_k - sum_j sbar_j b_j`` (``b_ref = 0``), ``sbar`` the pooled shares of the
        places used (the mean of their shares with ``weighting="places"``), taken as fixed; its
        variance ``A V A'`` from the fit's covariance. It does not depend on the choice of
        reference. OLS with ``dependent="log_share"``: the slopes themselves.

        Examples
        --------
        >>> import econindex as ei
        >>> ds = ei.simulate(seed=1, n_countries=40, n_tasks=100, n_requests=24, abuse_state=None)
        >>> res = ei.TaskMixIncome().fit(ds)
        >>> e = res.share_elasticities().set_index("soc_major")
        >>> bool(e.loc["15", "ci_upper"] < 0)
        True
        """
        from scipy import stats

        q = float(stats.norm.ppf(1 - alpha / 2))
        if self.method == "ols":
            if self.dependent != "log_share":
                raise OptionError("share elasticities need method='ppml' or dependent='log_share'")
            f = self.to_frame(alpha)
            return f[["soc_major", "title", "estimate", "std_error", "ci_lower", "ci_upper", "n"]]
        K = len(self.groups)
        if self.options.get("weighting") == "counts":
            total = np.nansum(self.counts, axis=0)
        else:  # every place weighs the same: the mean of the places' shares
            total = np.nanmean(self._share(self.counts), axis=0)
        sbar = total / total.sum()
        B = np.zeros((K, len(self.names)))  # b_full = B @ coef
        for j, k in enumerate(self.groups):
            if k != self.reference:
                B[j, list(self.names).index(_term(k))] = 1.0
        A = (np.eye(K) - sbar[None, :]) @ B
        est = A @ self.coef
        se = np.sqrt(np.einsum("ip,pq,iq->i", A, self.cov, A))
        return pd.DataFrame(
            {
                "soc_major": list(self.groups),
                "title": [SOC_MAJOR_GROUPS.get(k, k) for k in self.groups],
                "pooled_share": sbar,
                "estimate": est,
                "std_error": se,
                "ci_lower": est - q * se,
                "ci_upper": est + q * se,
                "n": [int(self.nobs_group[k]) for k in self.groups],
            }
        )

    # --- exports ---------------------------------------------------------------------------------
    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy table of the coefficients with the group, its title and N (places) per group."""
        out = super().to_frame(alpha)
        codes = [t.removeprefix("soc_") for t in out["term"]]
        out.insert(1, "soc_major", codes)
        out.insert(2, "title", [SOC_MAJOR_GROUPS.get(k, k) for k in codes])
        out["n"] = [int(self.nobs_group[k]) for k in codes]
        out.attrs.update(reference=self.reference or "", method=self.method, dependent=self.dependent)
        return out

    def to_xarray(self, alpha: float = 0.05) -> xr.Dataset:
        """Coefficients along ``stat`` plus the places' data: counts, shares, fitted shares, coverage."""
        out = super().to_xarray(alpha)
        sh = self.shares()
        obs = sh["share"].to_numpy().reshape(self.counts.shape)
        fit = sh["fitted_share"].to_numpy().reshape(self.counts.shape)
        out = out.assign(
            log_gdp_pc=(GEO, self.x),
            count=((GEO, "soc_major"), self.counts),
            share=((GEO, "soc_major"), obs),
            fitted_share=((GEO, "soc_major"), fit),
            coverage=(GEO, self.coverage.reindex(list(self.geos)).to_numpy(dtype=float)),
        ).assign_coords({GEO: list(self.geos), "soc_major": list(self.groups)})
        out.attrs.update(
            method=self.method,
            dependent=self.dependent,
            reference=self.reference or "",
            excluded=json.dumps(dict(self.excluded)),
            excluded_groups=json.dumps(dict(self.excluded_groups)),
            joint_statistic=float(self.joint.statistic),
            joint_pvalue=float(self.joint.pvalue),
            min_coverage=float(self.min_coverage),
        )
        return out

    def _extra_stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Places": len(self.geos), "Groups": len(self.groups)}
        if self.reference is not None:
            out["Reference group"] = f"{self.reference} {SOC_MAJOR_GROUPS.get(self.reference, '')}".strip()
        out["Joint test (no move with income)"] = (
            f"{self.joint.distribution}, q = {self.joint.df_num}: {self.joint.statistic:.4g}, "
            f"p = {self.joint.pvalue:.4g}"
        )
        if self.wald is not None:
            out["Clustered Wald chi2 (over-rejects)"] = (
                f"{self.wald.statistic:.4g}, p = {self.wald.pvalue:.4g}"
            )
        out["Min coverage"] = self.min_coverage
        out["Places left out"] = len(self.excluded)
        if self.excluded_groups:
            out["Groups left out"] = ", ".join(self.excluded_groups)
        out["Tasks left out (conversations)"] = ", ".join(
            f"{k}: {v:,.0f}" for k, v in self.excluded_tasks.items()
        )
        return out

    def summary(self, alpha: float = 0.05) -> str:
        """Text table of the coefficients, the joint test and what was left out."""
        lines = [super().summary(alpha)]
        if self.excluded:
            shown = "; ".join(f"{g}: {why}" for g, why in list(self.excluded.items())[:20])
            more = f" (+{len(self.excluded) - 20} more)" if len(self.excluded) > 20 else ""
            lines.append(f"Places left out: {shown}{more}")
        absent = {k: v for k, v in self.absent_cells.items() if v}
        if absent:
            lines.append(
                "Places without a published cell of a group (left out of that group): "
                + ", ".join(f"{k}: {v}" for k, v in absent.items())
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        ref = f", reference {self.reference}" if self.reference else ""
        return (
            f"<TaskMixIncome {self.method.upper()} ({self.dependent}); {len(self.geos)} places x "
            f"{len(self.groups)} groups{ref}, {self.cov_label}; joint p={self.joint.pvalue:.3g}>"
        )

    def plot(self, groups: Sequence[str] | None = None, *, alpha: float = 0.05, n_labels: int = 4) -> Any:
        """The report's panels: each group's share against ln GDP per capita, fit, band, extremes labelled.

        Needs matplotlib; returns the Figure. ``groups`` default: the :data:`REPORT_GROUPS` modelled.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import econindex as ei
        >>> ds = ei.simulate(seed=1, n_countries=40, n_tasks=100, n_requests=24, abuse_state=None)
        >>> res = ei.TaskMixIncome().fit(ds)
        >>> len(res.plot(["15", "25"]).axes)  # doctest: +SKIP
        2
        """
        from econindex.plots._taskmix_income import plot_taskmix_income

        return plot_taskmix_income(self, groups=groups, alpha=alpha, n_labels=n_labels)


@dataclass(frozen=True)
class TaskMixIncome:
    """How the SOC mix of a place's classified task conversations moves with GDP per working-age capita.

    Parameters
    ----------
    level : {"country", "state_us"}
    groups : sequence of SOC major codes, optional
        Groups to model (default: every group with conversations; groups without any are left
        out and named). A group given here without conversations raises.
    method : {"ppml", "ols"}
    cov_type : a name of :mod:`econindex.covariance`
        PPML: ``"HC1"`` (default) and ``"cluster"`` mean errors clustered by place (CR1; by the
        ``cluster`` coordinate when given); other types are unclustered. OLS: the type of each
        per-group regression (``"cluster"`` with ``cluster=``).
    cluster : str, optional
        A geo coordinate (e.g. ``"census_division"``) whose values cluster the places.
    min_coverage : float
        Places whose classified task conversations cover less than this share of their
        ``usage_count`` are left out and named (default 0.2).
    reference : str, optional
        PPML reference group (default: the group with the most conversations).
    dependent : {"share", "log_share"}
        OLS dependent variable.
    absent : {"drop", "zero"}
        A group with no published task cell in a place: left out of that place (default) or a zero.
    exclude : sequence of geos or ``"abuse_flagged"``, optional
    missing : {"raise", "drop"}
        Places without GDP or population: raise :class:`MissingCovariateError` naming them, or
        leave them out and name them in ``result.excluded``.
    cluster_correction : {"CR1", "CR2", "CR3"}
        Small-sample correction of the clustered errors (PPML).
    n_boot, seed : draws and seed of the joint test's sign-flip bootstrap.
    weighting : {"places", "counts"}
        PPML response: each place's group shares (``"places"``, default: every place weighs the
        same) or its conversation counts (``"counts"``: places weigh by their traffic, as
        ``pyfixest.fepois`` on the counts). Both estimate the same mean model, the place effect
        taking up the place's size; with counts a few large places carry the fit, clustered errors
        understate the uncertainty (coverage 0.90 of nominal 0.95 in
        ``benchmarks/bench_taskmix_income_coverage.py``) and the joint test over-rejects.

    Notes
    -----
    PPML: ``E[n_gk] = exp(a_g + c_k + b_k ln y_g)``, ``c_ref = b_ref = 0`` (with ``weighting="places"``
    the response is ``n_gk / n_g``, the same model with ``a_g`` shifted by ``-ln n_g``); the joint test
    of ``b_k = 0`` for every ``k != ref`` is a score test with a sign-flip cluster bootstrap.
    OLS: ``s_gk = a_k + b_k ln y_g + e_gk`` per group; the joint test sums the groups' squared
    score t statistics with a sign-flip bootstrap by place (the stacked fit's clustered Wald F,
    ``result.wald``, over-rejects with 21 restrictions).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.simulate(seed=1, n_countries=40, n_tasks=100, n_requests=24, abuse_state=None)
    >>> res = TaskMixIncome().fit(ds)
    >>> res.joint.pvalue < 0.01, res.cov_label
    (True, 'cluster (CR1, 40 clusters)')
    """

    level: str = "country"
    groups: tuple[str, ...] | None = None
    method: str = "ppml"
    cov_type: str = "HC1"
    cluster: str | None = None
    min_coverage: float = 0.2
    reference: str | None = None
    dependent: str = "share"
    absent: str = "drop"
    exclude: Sequence[str] | str | None = None
    missing: str = "raise"
    cluster_correction: str = "CR1"
    n_boot: int = 999
    seed: int | None = 0
    weighting: str = "places"

    def __post_init__(self) -> None:
        check_option("level", self.level, ANALYSIS_LEVELS)
        check_option("method", self.method, ("ppml", "ols"))
        check_option("cov_type", self.cov_type, covariance.COV_TYPES)
        check_option("dependent", self.dependent, ("share", "log_share"))
        check_option("absent", self.absent, ("drop", "zero"))
        check_option("missing", self.missing, ("raise", "drop"))
        check_option("weighting", self.weighting, ("counts", "places"))
        check_option("cluster_correction", self.cluster_correction, covariance.CLUSTER_CORRECTIONS)
        if self.groups is not None:
            gs = (self.groups,) if isinstance(self.groups, str) else tuple(str(g) for g in self.groups)
            unknown = [g for g in gs if g not in SOC_MAJOR_GROUPS]
            if unknown:
                valid = list(SOC_MAJOR_GROUPS)
                raise OptionError(f"groups {unknown} are not SOC major group codes; valid: {valid}")
            if len(set(gs)) != len(gs) or len(gs) < 2:
                raise OptionError(f"groups={gs!r} must be at least two distinct SOC major codes")
            object.__setattr__(self, "groups", gs)
        if self.reference is not None and self.reference not in SOC_MAJOR_GROUPS:
            raise OptionError(f"reference={self.reference!r} is not a SOC major group code")
        if self.reference is not None and self.method == "ols":
            raise OptionError("reference= applies to method='ppml' (OLS fits every group)")
        if self.dependent != "share" and self.method == "ppml":
            raise OptionError("dependent= applies to method='ols' (PPML models the counts)")
        if not (isinstance(self.min_coverage, int | float) and 0.0 <= float(self.min_coverage) <= 1.0):
            raise OptionError(f"min_coverage={self.min_coverage!r} must lie in [0, 1]")
        if self.cov_type == "cluster" and self.method == "ols" and self.cluster is None:
            raise OptionError("cov_type='cluster' with method='ols' needs cluster= (a geo coordinate)")
        if self.exclude is not None and not isinstance(self.exclude, str):
            object.__setattr__(self, "exclude", tuple(str(g) for g in self.exclude))
        if not (isinstance(self.n_boot, int) and self.n_boot >= 99):
            raise OptionError(f"n_boot={self.n_boot!r} must be an integer >= 99")
        if self.seed is not None and not isinstance(self.seed, int | np.integer):
            raise OptionError(f"seed={self.seed!r} must be an integer or None")

    # ------------------------------------------------------------------ data
    def _prepare(self, ds: xr.Dataset) -> dict[str, Any]:
        if not isinstance(ds, xr.Dataset):
            raise OptionError(f"fit takes an econindex dataset (xarray.Dataset), got {type(ds).__name__}")
        validate(ds, check_values=False)
        for dim in (PERIOD, PLATFORM):
            if dim in ds.dims:
                raise OptionError(f"the dataset has a {dim!r} dimension; select one, e.g. ds.sel({dim}=...)")
        for v in ("task_count", "usage_count", "gdp", "working_age_pop"):
            if v not in ds.data_vars:
                raise SchemaError(f"TaskMixIncome needs {v!r}; the dataset lacks it")
        if "soc_major" not in ds.coords or ds["soc_major"].dims != ("task",):
            raise SchemaError("task_count needs the 'soc_major' coordinate on 'task'")
        geos = geos_at_level(ds, self.level)
        excluded: dict[str, str] = {}
        for g in excluded_geos(ds, self.exclude):
            if g in geos:
                excluded[g] = "excluded (exclude=)"
        geos = [g for g in geos if g not in excluded]
        sub = ds.sel({GEO: geos})
        gdp = np.asarray(sub["gdp"].values, dtype=float)
        pop = np.asarray(sub["working_age_pop"].values, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.log(gdp / pop)
        bad = ~np.isfinite(x)
        if bad.any():
            named = [g for g, b in zip(geos, bad, strict=True) if b]
            if self.missing == "raise":
                raise MissingCovariateError(
                    f"GDP or working-age population is missing or not positive for {len(named)} place(s): "
                    f"{named[:20]}; attach them or pass missing='drop'"
                )
            for g in named:
                excluded[g] = "GDP or working-age population missing"
        tc = np.asarray(sub["task_count"].transpose(GEO, "task").values, dtype=float)
        usage = np.asarray(sub["usage_count"].values, dtype=float)
        soc = np.asarray(ds["soc_major"].values).astype(str)
        classified = np.isin(soc, list(SOC_MAJOR_GROUPS))
        excluded_tasks: dict[str, float] = {}
        for label in sorted(set(soc[~classified])):
            excluded_tasks[label] = float(np.nansum(tc[:, soc == label]))
        cls_tc = tc[:, classified]
        cls_soc = soc[classified]
        any_cell = np.isfinite(tc).any(axis=1)
        cls_total = np.where(np.isfinite(cls_tc).any(axis=1), np.nansum(cls_tc, axis=1), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            cover = cls_total / usage
        coverage = pd.Series(cover, index=pd.Index(geos, name=GEO), name="coverage")
        for i, g in enumerate(geos):
            if g in excluded:
                continue
            if not any_cell[i]:
                excluded[g] = "no task counts"
            elif not np.isfinite(usage[i]) or usage[i] <= 0:
                excluded[g] = "usage_count missing or zero"
            elif not np.isfinite(cls_total[i]) or cls_total[i] <= 0:
                excluded[g] = "no classified task conversations"
            elif cover[i] < self.min_coverage:
                excluded[g] = f"task data cover {cover[i]:.1%} < min_coverage {self.min_coverage:.0%}"
        keep = np.array([g not in excluded for g in geos])
        if keep.sum() < 3:
            raise EstimationError(
                f"{int(keep.sum())} place(s) left at level {self.level!r} after exclusions "
                f"({excluded}); need 3"
            )
        universe = list(self.groups) if self.groups is not None else [k for k in SOC_MAJOR_GROUPS]
        counts = np.full((int(keep.sum()), len(universe)), np.nan)
        for j, k in enumerate(universe):
            cols = cls_tc[keep][:, cls_soc == k]
            if cols.shape[1]:
                present = np.isfinite(cols).any(axis=1)
                counts[:, j] = np.where(present, np.nansum(cols, axis=1), np.nan)
        if self.absent == "zero":
            counts = np.where(np.isnan(counts), 0.0, counts)
        totals = np.nansum(counts, axis=0)
        places = np.isfinite(counts).sum(axis=0)
        excluded_groups: dict[str, str] = {}
        for j, k in enumerate(universe):
            if totals[j] <= 0 or places[j] < 3:
                why = "no task of this group in the data" if not (cls_soc == k).any() else "no conversations"
                if totals[j] > 0:
                    why = f"a published cell in {int(places[j])} place(s) only (a slope needs 3)"
                if self.groups is not None:
                    raise DataValueError(
                        f"SOC group {k} ({SOC_MAJOR_GROUPS[k]}) cannot be estimated on the places used "
                        f"({why}); leave it out of groups="
                    )
                excluded_groups[k] = why
        use = [j for j, k in enumerate(universe) if k not in excluded_groups]
        if len(use) < 2:
            raise EstimationError(f"fewer than two SOC groups with conversations: {excluded_groups}")
        groups = tuple(universe[j] for j in use)
        counts = counts[:, use]
        kept = [g for g, k in zip(geos, keep, strict=True) if k]
        cells = np.isfinite(counts).sum(axis=1)
        few = (cells < 2) | (np.nansum(counts, axis=1) <= 0)
        if few.any():  # a place needs two groups with a cell (and a conversation) to say anything on the mix
            for g in np.asarray(kept, dtype=object)[few]:
                excluded[str(g)] = "fewer than two SOC groups with a published cell"
            pos = np.flatnonzero(keep)
            keep[pos[few]] = False
            counts = counts[~few]
            kept = [g for g, f in zip(kept, few, strict=True) if not f]
        return {
            "geos": kept,
            "x": x[keep],
            "counts": counts,
            "classified_total": cls_total[keep],
            "coverage": coverage,
            "excluded": excluded,
            "excluded_groups": excluded_groups,
            "excluded_tasks": excluded_tasks,
            "groups": groups,
            "cluster": None if self.cluster is None else self._cluster_values(sub, kept),
        }

    def _cluster_values(self, sub: xr.Dataset, kept: list[str]) -> np.ndarray:
        if self.cluster not in sub.coords or sub[self.cluster].dims != (GEO,):
            raise SchemaError(f"cluster={self.cluster!r} is not a coordinate on 'geo'")
        return np.asarray(sub[self.cluster].sel({GEO: kept}).values)

    # ------------------------------------------------------------------ fit
    def fit(self, ds: xr.Dataset) -> TaskMixIncomeResult:
        """Estimate the income elasticities of the task mix on the places of ``ds`` at ``level``.

        Raises
        ------
        SchemaError
            ``task_count``, ``usage_count``, ``gdp``, ``working_age_pop`` or ``soc_major`` absent.
        MissingCovariateError
            GDP or population missing for some places (named), with ``missing="raise"``.
        DataValueError
            A group given in ``groups=`` has no conversations in any place used.
        EstimationError
            Fewer than three places or two groups left.
        """
        d = self._prepare(ds)
        if self.method == "ppml":
            return self._fit_ppml(d)
        return self._fit_ols(d)

    def _long(self, d: dict[str, Any], ref: str | None) -> pd.DataFrame:
        """One row per (place, group) cell used: count, share, place, group, ln y and the design columns."""
        counts = d["counts"]
        n_g, n_k = counts.shape
        gi = np.repeat(np.arange(n_g), n_k)
        ki = np.tile(np.arange(n_k), n_g)
        y = counts.ravel()
        ok = np.isfinite(y)
        gi, ki, y = gi[ok], ki[ok], y[ok]
        x = d["x"][gi]
        frame: dict[str, Any] = {
            "count": y,
            "share": y / d["classified_total"][gi],
            # the PPML response: counts, or shares of the modelled groups (every place weighs the same)
            "y": y if self.weighting == "counts" else y / np.nansum(counts, axis=1)[gi],
            "place": np.asarray(d["geos"], dtype=object)[gi],
            "group": np.asarray(d["groups"], dtype=object)[ki],
            "log_gdp_pc": x,
            "cluster": (np.asarray(d["geos"], dtype=object) if d["cluster"] is None else d["cluster"])[gi],
        }
        for j, k in enumerate(d["groups"]):
            if k == ref:
                continue
            ind = (ki == j).astype(float)
            frame[f"g_{k}"] = ind
            frame[f"b_{k}"] = ind * x
        return pd.DataFrame(frame)

    def _fit_ppml(self, d: dict[str, Any]) -> TaskMixIncomeResult:
        groups: tuple[str, ...] = d["groups"]
        totals = np.nansum(d["counts"], axis=0)
        ref = self.reference if self.reference is not None else groups[int(np.argmax(totals))]
        if ref not in groups:
            raise OptionError(f"reference={ref!r} is not among the modelled groups {list(groups)}")
        frame = self._long(d, ref)
        others = [k for k in groups if k != ref]
        rhs = " + ".join([f"g_{k}" for k in others] + [f"b_{k}" for k in others])
        formula = f"y ~ {rhs} | place"
        clustered = self.cov_type in ("HC1", "cluster")
        reg = ppml(
            formula,
            frame,
            cov_type="cluster" if clustered else self.cov_type,
            cluster="cluster" if clustered else None,
            cluster_correction=self.cluster_correction,
        )
        if reg.dropped_rows:
            raise EstimationError(
                f"the PPML fit left out cells ({dict(reg.dropped_rows)}); check places with a single group"
            )
        names = list(reg.names)
        idx = [names.index(f"b_{k}") for k in others]
        mu = np.full(d["counts"].shape, np.nan)
        gpos = {g: i for i, g in enumerate(d["geos"])}
        kpos = {k: j for j, k in enumerate(groups)}
        rows = np.array([gpos[g] for g in frame["place"]])
        cols = np.array([kpos[k] for k in frame["group"]])
        scale = 1.0 if self.weighting == "counts" else np.nansum(d["counts"], axis=1)[rows]
        mu[rows, cols] = reg.fittedvalues * scale
        nobs_group = {k: int(np.isfinite(d["counts"][:, j]).sum()) for j, k in enumerate(groups)}
        terms = tuple(_term(k) for k in others)
        coef = reg.coef[idx]
        cov = reg.cov[np.ix_(idx, idx)]
        wald = self._wald(reg, others, terms)
        joint = self._score_test(frame, others, wald)
        dep = "count" if self.weighting == "counts" else "group_share"
        res = self._result(d, reg, terms, coef, cov, None, joint, ref, mu, nobs_group, dep, {})
        object.__setattr__(res, "wald", wald)
        return res

    def _flip(self, C: np.ndarray, A: np.ndarray) -> tuple[float, float]:
        """``S' A S`` with ``S`` the sum of the clusters' score rows ``C`` and its sign-flip p-value."""
        S = C.sum(axis=0)
        stat = float(S @ A @ S)
        rng = np.random.default_rng(self.seed)
        v = rng.choice(np.array([-1.0, 1.0]), size=(self.n_boot, C.shape[0]))
        T = v @ C
        s_boot = np.einsum("bi,ij,bj->b", T, A, T)
        return stat, float((1 + np.sum(s_boot >= stat)) / (self.n_boot + 1))

    def _ols_joint(
        self, frame: pd.DataFrame, dep: str, groups: tuple[str, ...], wald: HypothesisTest
    ) -> HypothesisTest:
        """OLS joint test of no slope: the per-group score t statistics, squared and summed, sign-flipped.

        Under the null each group's share is a constant; the score of its slope at a place is
        ``(x_g - xbar_k)(s_gk - sbar_k)`` (means over the places with the group). The statistic
        ``sum_k (sum_g c_gk)^2 / sum_g c_gk^2`` and its sign-flip bootstrap by cluster keep the
        size that the stacked clustered Wald F (``result.wald``) loses with 21 restrictions.
        """
        f = frame.copy()
        f["xc"] = f["log_gdp_pc"] - f.groupby("group")["log_gdp_pc"].transform("mean")
        f["yc"] = f[dep] - f.groupby("group")[dep].transform("mean")
        cl = pd.factorize(f["cluster"])[0]
        gi = pd.Categorical(f["group"], categories=list(groups)).codes
        C = np.zeros((int(cl.max()) + 1, len(groups)))
        np.add.at(C, (cl, gi), (f["xc"] * f["yc"]).to_numpy(dtype=float))
        ss = (C**2).sum(axis=0)
        stat, p = self._flip(C, np.diag(np.where(ss > 0, 1.0 / np.where(ss > 0, ss, 1.0), 0.0)))
        return HypothesisTest(
            hypothesis=wald.hypothesis,
            estimate=wald.estimate,
            std_error=wald.std_error,
            statistic=stat,
            pvalue=p,
            distribution=f"score, sign-flip bootstrap (B={self.n_boot})",
            df_num=len(groups),
            df_denom=None,
            cov_label=f"per-group score t; {C.shape[0]} clusters' scores flipped (Rademacher)",
        )

    @staticmethod
    def _wald(reg: RegressionResult, others: list[str], terms: tuple[str, ...]) -> HypothesisTest:
        idx = [list(reg.names).index(f"b_{k}") for k in others]
        base = CoefficientResult(
            names=terms, coef=reg.coef[idx], cov=reg.cov[np.ix_(idx, idx)], df=None, nobs=reg.nobs,
            cov_type=reg.cov_type, cov_label=reg.cov_label, cov_description=reg.cov_description,
        )  # fmt: skip
        return base.wald_test(list(terms))

    def _score_test(self, frame: pd.DataFrame, others: list[str], wald: HypothesisTest) -> HypothesisTest:
        """Joint test that every ``b_k = 0``: a score statistic with a sign-flip cluster bootstrap p-value.

        The model is fitted under the null (place and group effects only, on the core ppml); the
        slopes' scores with the group effects partialled out are summed by cluster (``C``, G x q,
        ``S = C' 1``) and the statistic is ``S' I^-1 S`` with ``I`` the Poisson information of the
        slopes given the group effects (the non-robust score statistic). Its reference distribution
        flips the sign of each cluster's scores (Rademacher ``v``, ``n_boot`` draws, seeded):
        ``(C'v)' I^-1 (C'v)``, the wild score bootstrap of Kline and Santos (2012) with the null
        imposed, valid under any dependence within places and any overdispersion. The
        cluster-robust Wald chi-square (kept as ``result.wald``) is not used: PPML weights places by
        their counts, a few large places carry most of the information, and a 21 x 21 clustered
        covariance from them is so poorly estimated that the Wald test rejects a true null almost
        always (``benchmarks/bench_taskmix_income_coverage.py``).
        """
        from econindex import formula as formula_mod

        gcols = [f"g_{k}" for k in others]
        bcols = [f"b_{k}" for k in others]
        null = ppml("y ~ " + " + ".join(gcols) + " | place", frame, cov_type="HC0")
        mu0 = np.asarray(null.fittedvalues, dtype=float)
        codes = pd.factorize(frame["place"])[0][:, None]
        X = frame[gcols + bcols].to_numpy(dtype=float)
        Xd = formula_mod.demean(X, codes, mu0)
        resid = frame["y"].to_numpy(dtype=float) - mu0
        q = len(bcols)
        H = (Xd * mu0[:, None]).T @ Xd
        scores = Xd * resid[:, None]
        part = scores[:, q:] - scores[:, :q] @ np.linalg.solve(H[:q, :q], H[q:, :q].T)
        cl = pd.factorize(frame["cluster"])[0]
        C = np.zeros((int(cl.max()) + 1, q))
        np.add.at(C, cl, part)
        # the Poisson information of the slopes given the group effects weights the score statistic
        info = H[q:, q:] - H[q:, :q] @ np.linalg.solve(H[:q, :q], H[:q, q:])
        A = np.linalg.inv(info)
        stat, p = self._flip(C, A)
        return HypothesisTest(
            hypothesis=wald.hypothesis,
            estimate=wald.estimate,
            std_error=wald.std_error,
            statistic=stat,
            pvalue=p,
            distribution=f"score, sign-flip bootstrap (B={self.n_boot})",
            df_num=q,
            df_denom=None,
            cov_label=f"Poisson information; {C.shape[0]} clusters' scores flipped (Rademacher)",
        )

    def _fit_ols(self, d: dict[str, Any]) -> TaskMixIncomeResult:
        groups: tuple[str, ...] = d["groups"]
        frame = self._long(d, None)
        dep = "share"
        if self.dependent == "log_share":
            frame = frame[frame["share"] > 0].copy()
            frame["log_share"] = np.log(frame["share"])
            dep = "log_share"
        kw: dict[str, Any] = {"cov_type": self.cov_type}
        if self.cov_type == "cluster":
            kw["cluster"] = "cluster"
        regs: dict[str, RegressionResult] = {}
        for k in groups:
            part = frame[frame["group"] == k].set_index("place")
            if len(part) < 3:
                raise EstimationError(f"SOC group {k}: {len(part)} place(s) with a share; need 3 for OLS")
            regs[k] = ols(f"{dep} ~ log_gdp_pc", part, **kw)
        terms = tuple(_term(k) for k in groups)
        coef = np.array([regs[k].params["log_gdp_pc"] for k in groups])
        var = np.array([regs[k].cov[1, 1] for k in groups])
        dfs = [regs[k].df for k in groups]
        df = (
            None
            if any(v is None for v in dfs)
            else np.array([v[1] for v in dfs if v is not None], dtype=float)
        )
        # the stacked fit of every group, clustered by place: covariances across groups for joint tests
        stack = frame.copy()
        for k in groups:
            ind = (stack["group"] == k).to_numpy(float)
            stack[f"const_{k}"] = ind
            stack[_term(k)] = ind * stack["log_gdp_pc"].to_numpy()
        rhs = " + ".join([f"const_{k}" for k in groups] + list(terms))
        stacked = ols(f"{dep} ~ 0 + {rhs}", stack, cluster="cluster")
        totals = np.nansum(d["counts"], axis=0)
        drop = groups[int(np.argmax(totals))]  # shares add up: one slope is implied by the others
        wald = stacked.wald_test([t for t in terms if t != _term(drop)])
        joint = self._ols_joint(frame, dep, groups, wald)
        nobs_group = {k: int(regs[k].nobs) for k in groups}
        first = regs[groups[0]]
        cov = np.diag(var)
        fitted = np.full(d["counts"].shape, np.nan)
        for j, k in enumerate(groups):
            pred = regs[k].coef[0] + regs[k].coef[1] * d["x"]
            fitted[:, j] = (np.exp(pred) if dep == "log_share" else pred) * d["classified_total"]
        res = self._result(d, stacked, terms, coef, cov, df, joint, None, fitted, nobs_group, dep, regs)
        object.__setattr__(res, "wald", wald)
        object.__setattr__(res, "cov_type", first.cov_type)
        object.__setattr__(res, "cov_label", first.cov_label)
        object.__setattr__(res, "cov_description", first.cov_description + " (per-group regressions)")
        return res

    def _result(
        self,
        d: dict[str, Any],
        reg: RegressionResult,
        terms: tuple[str, ...],
        coef: np.ndarray,
        cov: np.ndarray,
        df: np.ndarray | None,
        joint: HypothesisTest,
        ref: str | None,
        fitted: np.ndarray,
        nobs_group: dict[str, int],
        dep: str,
        regs: dict[str, RegressionResult],
    ) -> TaskMixIncomeResult:
        groups: tuple[str, ...] = d["groups"]
        absent = {k: int(np.isnan(d["counts"][:, j]).sum()) for j, k in enumerate(groups)}
        return TaskMixIncomeResult(
            names=terms,
            coef=np.asarray(coef, dtype=float),
            cov=np.asarray(cov, dtype=float),
            df=df,
            nobs=len(d["geos"]),
            cov_type=reg.cov_type,
            cov_label=reg.cov_label,
            cov_description=reg.cov_description,
            level=self.level,
            model=f"TaskMixIncome ({self.method.upper()})",
            dep_var={
                "count": "conversations per place and SOC group",
                "group_share": "share of the modelled groups' conversations per place and SOC group",
            }.get(dep, f"{dep} of SOC group"),
            method=self.method,
            dependent=dep,
            groups=groups,
            reference=ref,
            geos=tuple(d["geos"]),
            x=np.asarray(d["x"], dtype=float),
            counts=d["counts"],
            fitted_counts=fitted,
            coverage=d["coverage"],
            excluded=dict(d["excluded"]),
            excluded_groups=dict(d["excluded_groups"]),
            absent_cells=absent,
            excluded_tasks=dict(d["excluded_tasks"]),
            nobs_group=nobs_group,
            regression=reg,
            joint=joint,
            regressions=regs,
            min_coverage=float(self.min_coverage),
            options={
                "level": self.level,
                "method": self.method,
                "cov_type": self.cov_type,
                "cluster": self.cluster,
                "absent": self.absent,
                "weighting": self.weighting,
                "classified_total": np.asarray(d["classified_total"], dtype=float),
            },
        )
