"""Income elasticity of AI usage: ln(usage index) on ln(GDP per working-age capita).

:class:`IncomeElasticity` is a frozen estimator; :meth:`IncomeElasticity.fit`
takes a canonical dataset and a geo level and returns a frozen
:class:`ElasticityResult`. Two methods:

* ``method="ols"``: ``ln AUI_g = a + b ln(GDP_g / pop_g) + c' z_g + e_g`` by
  OLS/WLS with any covariance type of :mod:`econindex.covariance`, optional
  pairs or wild bootstrap.
* ``method="ppml"``: Poisson pseudo-maximum likelihood (Santos Silva and
  Tenreyro 2006) of the conversation counts, ``E[u_g] = pop_g exp(a + b
  ln(GDP_g/pop_g) + c' z_g)``, with ``ln pop_g`` as exposure. Zeros are valid
  observations and the estimator is consistent under heteroskedasticity of
  any form, where OLS on the log is not.

The index is the usage share over the working-age population share; a
constant reference ratio only moves the intercept, so the slope does not
depend on the reference set.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from econindex import covariance
from econindex._kernels import bootstrap as _boot
from econindex.errors import (
    DataValueError,
    EconIndexError,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)
from econindex.parallel import ReplicateChunk, map_replicates, replicate_chunks
from econindex.regression import OLS, PPML, RegressionResult
from econindex.results import CoefficientResult, inference_fields, interval_alpha
from econindex.schema import (
    ANALYSIS_LEVELS,
    GEO,
    PERIOD,
    PLATFORM,
    check_option,
    excluded_geos,
    geos_at_level,
    validate,
)

__all__ = ["IncomeElasticity", "ElasticityResult", "SLOPE"]

SLOPE = "log_gdp_pc"
"""Name of the elasticity coefficient (``ln`` GDP per working-age capita)."""

Method = Literal["ols", "ppml"]
Bootstrap = Literal["pairs", "wild"]
IndexSource = Literal["auto", "computed", "published"]

_CI_METHODS = ("analytic", "percentile", "studentized")


def _geo_list(values: Any) -> list[str]:
    return [str(v) for v in np.asarray(values).reshape(-1)]


def _positions(ds: xr.Dataset | xr.DataArray, geos: list[str]) -> np.ndarray:
    """Integer positions of ``geos`` on the ``geo`` dim (plain NumPy: label ``sel`` is slow here)."""
    where = {g: i for i, g in enumerate(_geo_list(ds[GEO].values))}
    return np.array([where[g] for g in geos], dtype=int)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ElasticityResult(CoefficientResult):
    """Frozen result of :class:`IncomeElasticity`.

    Attributes (beyond :class:`econindex.results.CoefficientResult`)
    ------------------------------------------------------------------
    method : ``"ols"`` or ``"ppml"``
    index_source : where the dependent variable came from (``"computed"`` from
        counts, ``"published"`` index, or ``"counts"`` for PPML)
    index_reference : description of the index's reference set
    geos : geos used, in order; dropped : mapping geo -> reason it was left out
    x : ln GDP per working-age capita of the used geos
    y : ln usage index (OLS) or conversations (PPML) of the used geos
    regression : the underlying :class:`~econindex.regression.RegressionResult` (OLS) or ``None``
    boot_params, boot_se : bootstrap replicates (B, k) or ``None``; boot_failed : singular replicates dropped
    bootstrap, wild_weights, n_boot, seed : the bootstrap configuration
    ci_level : default level of :meth:`ci`
    r2 : R-squared (OLS) or squared correlation of counts and fitted means (PPML)
    exposure : working-age population of the used geos (PPML), else ``None``
    design : the regressor matrix (constant, ln GDP per capita, controls) of the used geos
    options : the estimator options, for the record

    Examples
    --------
    >>> import econindex as ei
    >>> res = ei.IncomeElasticity().fit(ei.datasets.load_countries_2025_08(), level="country")
    >>> round(res.slope, 4), round(res.rsquared, 3), res.nobs
    (0.6895, 0.709, 114)
    """

    method: str
    index_source: str
    index_reference: str
    geos: tuple[str, ...]
    dropped: Mapping[str, str]
    x: np.ndarray
    y: np.ndarray
    fitted: np.ndarray
    regression: RegressionResult | None
    boot_params: np.ndarray | None = None
    boot_se: np.ndarray | None = None
    boot_failed: int = 0
    bootstrap: str | None = None
    wild_weights: str | None = None
    n_boot: int = 0
    seed: int | None = None
    ci_level: float = 0.95
    r2: float = float("nan")
    exposure: np.ndarray | None = None
    design: np.ndarray | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    # --- headline numbers ------------------------------------------------------
    @property
    def slope(self) -> float:
        """The income elasticity (coefficient of ln GDP per working-age capita)."""
        return float(self.params[SLOPE])

    @property
    def se(self) -> float:
        """Standard error of the slope (from the stored covariance)."""
        return float(self.bse[SLOPE])

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of slope = 0."""
        return float(self.pvalues[SLOPE])

    @property
    def rsquared(self) -> float:
        """R-squared (OLS; weighted for WLS) or, for PPML, ``corr(u, mu)^2``."""
        return self.r2

    @property
    def rsquared_note(self) -> str | None:
        """What :attr:`rsquared` is when it is not the OLS R-squared."""
        if self.method == "ppml":
            return "PPML R-squared: squared correlation of conversation counts and fitted means"
        return None

    @property
    def slope_mde(self) -> float:
        """Minimum detectable slope at 80% power, two-sided 5% (see :meth:`mde`)."""
        return float(self.mde()[SLOPE])

    @property
    def n_dropped(self) -> int:
        """Number of geos left out (reasons in :attr:`dropped`)."""
        return len(self.dropped)

    def ci(self, level: float | None = None, method: str | None = None) -> tuple[float, float]:
        """Confidence interval of the slope.

        Parameters
        ----------
        level : float, optional
            Coverage (default :attr:`ci_level`).
        method : {"analytic", "percentile", "studentized"}, optional
            ``analytic``: estimate +- quantile x SE from the stored covariance;
            ``percentile`` and ``studentized`` (bootstrap-t) need a bootstrap.
            Default: ``studentized`` when the fit was bootstrapped, else ``analytic``.

        Examples
        --------
        >>> import econindex as ei
        >>> ds = ei.datasets.load_countries_2025_08()
        >>> res = IncomeElasticity(bootstrap="wild", n_boot=500, seed=1).fit(ds, level="country")
        >>> lo, hi = res.ci()
        >>> bool(lo < res.slope < hi), [round(v, 2) for v in res.ci(method="analytic")]
        (True, [0.61, 0.77])
        """
        ci = self._intervals(self.ci_level if level is None else level, method)
        row = list(self.names).index(SLOPE)
        return float(ci[row, 0]), float(ci[row, 1])

    def _intervals(self, level: float, method: str | None) -> np.ndarray:
        if not 0.0 < level < 1.0:
            raise OptionError(f"level={level!r} must lie strictly between 0 and 1")
        if method is None:
            method = "studentized" if self.boot_params is not None else "analytic"
        check_option("method", method, _CI_METHODS)
        if method == "analytic":
            return CoefficientResult.conf_int(self, 1.0 - level).to_numpy()
        if self.boot_params is None or self.boot_se is None:
            raise OptionError(f"method={method!r} needs a bootstrap; fit with bootstrap='pairs' or 'wild'")
        if method == "percentile":
            return _boot.percentile_interval(self.boot_params, level)
        return _boot.studentized_interval(
            self.coef, self.bse.to_numpy(), self.boot_params, self.boot_se, level
        )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Intervals of every coefficient: bootstrap-t when bootstrapped, else analytic."""
        ci = self._intervals(1.0 - alpha, None)
        return pd.DataFrame({"lower": ci[:, 0], "upper": ci[:, 1]}, index=list(self.names))

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of ``coef = 0``: bootstrap-t (symmetric, the share of
        ``|t*| >= |t|``) when bootstrapped, so they come from the same inference as
        :meth:`conf_int`; else from the stored covariance."""
        if self.boot_params is None or self.boot_se is None:
            return super().pvalues
        t = self.coef / self.bse.to_numpy()
        tstar = (self.boot_params - self.coef[None, :]) / self.boot_se
        p = (np.abs(tstar) >= np.abs(t)[None, :]).mean(axis=0)
        return pd.Series(p, index=list(self.names), name="pvalues")

    def _extra_stats(self) -> dict[str, Any]:
        out = super()._extra_stats()
        if self.method == "ppml":
            out.pop("R-squared", None)
            out["corr(u, mu)^2"] = self.r2
        out["Index"] = self.index_source
        out["Dropped geos"] = self.n_dropped
        out["MDE 80% (slope)"] = self.slope_mde
        if self.bootstrap:
            kind = self.bootstrap + (f", {self.wild_weights}" if self.bootstrap == "wild" else "")
            failed = f", {self.boot_failed} singular replicates dropped" if self.boot_failed else ""
            out["Bootstrap"] = f"{kind}, B={self.n_boot}, studentized intervals and p-values{failed}"
        return out

    def with_cov(self, cov_type: str, **kwargs: Any) -> ElasticityResult:
        """A new OLS result with another covariance type (estimates unchanged, bootstrap dropped).

        Examples
        --------
        >>> import econindex as ei
        >>> st = ei.datasets.load_us_states_2025_08()
        >>> res = IncomeElasticity().fit(st, level="state_us")
        >>> res.with_cov("cluster", cluster=st["census_region"].values).cov_label
        'cluster (CR1, 4 clusters)'
        """
        if self.regression is None:
            raise OptionError("this result holds no regression to recompute the covariance of")
        reg = self.regression.with_cov(cov_type, **kwargs)
        return replace(
            self,
            cov=reg.cov,
            df=reg.df,
            cov_type=reg.cov_type,
            cov_label=reg.cov_label,
            cov_description=reg.cov_description,
            regression=reg,
            boot_params=None,
            boot_se=None,
            boot_failed=0,
            bootstrap=None,
            n_boot=0,
        )

    def to_xarray(self, alpha: float = 0.05) -> xr.Dataset:
        """Coefficients along ``stat`` (see base class) plus the data used, along ``geo``."""
        out = super().to_xarray(alpha)
        out = out.assign(
            log_gdp_pc_data=(GEO, self.x),
            dependent=(GEO, self.y),
            fitted=(GEO, self.fitted),
        ).assign_coords({GEO: list(self.geos)})
        out.attrs.update(
            method=self.method,
            index_source=self.index_source,
            dropped=json.dumps(dict(self.dropped)),
            rsquared=self.r2,
        )
        return out

    def plot(
        self, ax: Any = None, *, n_labels: int = 6, alpha: float | None = None, level: float | None = None
    ) -> Any:
        """Log-log scatter with the fitted line, its ``1 - alpha`` band and labels for the extremes.

        Needs matplotlib (extra ``plot``); returns the Axes. ``level=`` (the band's
        coverage) is the deprecated spelling of ``1 - alpha``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import econindex as ei
        >>> ax = IncomeElasticity().fit(ei.datasets.load_countries_2025_08(), level="country").plot()
        >>> ax.get_ylabel()
        'ln AI Usage Index'
        """
        from econindex.plots._elasticity import plot_elasticity

        if level is not None:
            warnings.warn(
                "plot(level=) is deprecated (level= means the geographic level); use alpha=1 - level",
                DeprecationWarning,
                stacklevel=2,
            )
        cover = (1.0 - level if level is not None else None) if alpha is None else alpha
        return plot_elasticity(self, ax=ax, n_labels=n_labels, alpha=cover)


@dataclass(frozen=True)
class IncomeElasticity:
    """Income elasticity of AI usage across geos (countries or US states).

    Parameters
    ----------
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        Covariance type (default ``"HC1"``). PPML supports ``nonrobust`` and
        HC0-HC1 (statsmodels' GLM sandwich) and cluster CR1.
    weights : None, "working_age_pop" or a variable name
        WLS weights (PPML: variance weights).
    controls : tuple of str
        Extra regressors: variables over ``geo`` in the dataset, entered as is.
    bootstrap : None, "pairs" or "wild"
        Bootstrap the OLS coefficients; intervals become bootstrap-t. Replicate
        standard errors use the fit's HC type (HC1 for ``nonrobust``), or CR1
        with ``clusters`` (then whole clusters are resampled or flipped).
        Replicates whose resampled design is singular are dropped and counted
        in ``result.boot_failed`` (more than 10% raises ``EstimationError``).
    wild_weights : {"rademacher", "webb"}
    n_boot : int
        Bootstrap replicates (default 2000).
    seed : int, optional
        Seed of the bootstrap (``numpy.random.default_rng``); same seed, same draws.
    alpha : float
        Default interval width: intervals have coverage ``1 - alpha`` (0.05).
    ci_level : float, optional
        Deprecated spelling (``alpha = 1 - ci_level``; warns).
    method : {"ols", "ppml"}
    zeros : {"raise", "drop"}
        What to do with geos whose usage is zero or missing, or whose GDP,
        population, weight or control is missing or not positive where a log
        needs it: raise an error naming them (default) or drop them and record
        why in ``result.dropped``. PPML keeps zero usage (it is data there).
    index : {"auto", "computed", "published"}
        Dependent variable of the OLS fit: the index computed from
        ``usage_count`` and ``working_age_pop`` with
        :func:`econindex.indices.usage_index` (``"computed"``), the dataset's
        published ``usage_index`` (``"published"``), or ``"auto"``: computed when
        counts and population exist, else published. Recorded in the result.
    reference, min_count, exclude
        Passed to :func:`econindex.indices.usage_index` (reference set, reporting
        threshold, excluded geos or ``"abuse_flagged"``). ``exclude`` also applies
        to the published index and to PPML; ``min_count`` applies to PPML only
        when given.
    cluster : str, optional (``clusters=`` is its deprecated spelling)
        Name of a geo coordinate (e.g. ``"census_division"``) giving the clusters
        of ``cov_type="cluster"`` (and of the bootstrap, which then resamples or
        flips whole clusters).
    cluster_correction : {"CR1", "CR2", "CR3"}
    fixed_effects : tuple of str
        Geo coordinates (``"census_division"``) and/or ``"period"`` whose levels are
        absorbed (:func:`econindex.regression.ols`, fixest's degrees of freedom). With
        ``"period"`` the dataset's periods are pooled (one row per geo and period).
        A control that is a non-numeric coordinate enters as dummies ``C(name)``.

    Notes
    -----
    OLS: ``ln AUI_g = a + b ln(GDP_g/pop_g) + c'z_g + e_g``; ``b`` is the
    elasticity. Because ``AUI_g = (u_g/pop_g)/(U/P)``, a different reference
    ``U/P`` only shifts ``a``.

    PPML: ``E[u_g | x_g] = exp(ln pop_g + a + b ln(GDP_g/pop_g) + c'z_g)``,
    solved by statsmodels' ``GLM(Poisson)`` with ``offset=ln pop``; the score
    equations need no log of ``u``, so zeros are kept.

    The minimum detectable effect of the slope at 80% power for a two-sided 5%
    test is ``(q_0.975 + q_0.80) * se`` with quantiles of the reference
    distribution (t with the recorded dof, or normal).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> res = IncomeElasticity(cov_type="HC3").fit(ds, level="country")
    >>> round(res.slope, 4), res.cov_type, res.index_source
    (0.6895, 'HC3', 'computed')
    >>> ppml = IncomeElasticity(method="ppml").fit(ds, level="country")
    >>> 0.5 < ppml.slope < 1.0
    True
    """

    cov_type: str = "HC1"
    weights: str | None = None
    controls: tuple[str, ...] = ()
    bootstrap: str | None = None
    wild_weights: str = "rademacher"
    n_boot: int = 2000
    seed: int | None = None
    alpha: float = 0.05
    method: str = "ols"
    zeros: str = "raise"
    index: str = "auto"
    reference: Any = None
    min_count: float | None = None
    exclude: Sequence[str] | str | None = None
    clusters: str | None = None
    cluster_correction: str = "CR1"
    cluster: str | None = None
    fixed_effects: tuple[str, ...] = ()
    ci_level: float | None = None

    def __post_init__(self) -> None:
        if self.ci_level is not None:
            object.__setattr__(self, "alpha", interval_alpha(self.alpha, self.ci_level, "IncomeElasticity"))
            object.__setattr__(self, "ci_level", None)
        if self.clusters is not None:
            warnings.warn(
                "IncomeElasticity(clusters=) is deprecated; use cluster=", DeprecationWarning, stacklevel=3
            )
            if self.cluster is not None and self.cluster != self.clusters:
                raise OptionError("give cluster= only (clusters= is its deprecated spelling)")
            object.__setattr__(self, "cluster", self.clusters)
            object.__setattr__(self, "clusters", None)
        fe = (self.fixed_effects,) if isinstance(self.fixed_effects, str) else tuple(self.fixed_effects)
        object.__setattr__(self, "fixed_effects", fe)
        if fe and self.method == "ppml":
            raise OptionError(
                "fixed_effects= applies to method='ols'; use econindex.regression.ppml() with effects"
            )
        if fe and self.bootstrap is not None:
            raise OptionError(
                "bootstrap= is not available with fixed_effects=; use result.regression.wild_bootstrap_test()"
            )
        check_option("cov_type", self.cov_type, covariance.COV_TYPES)
        check_option("cluster_correction", self.cluster_correction, covariance.CLUSTER_CORRECTIONS)
        check_option("bootstrap", self.bootstrap, (None, "pairs", "wild"))
        check_option("wild_weights", self.wild_weights, ("rademacher", "webb"))
        check_option("method", self.method, ("ols", "ppml"))
        check_option("zeros", self.zeros, ("raise", "drop"))
        check_option("index", self.index, ("auto", "computed", "published"))
        if self.exclude is not None and not isinstance(self.exclude, str):
            object.__setattr__(self, "exclude", tuple(str(g) for g in self.exclude))
        if isinstance(self.reference, list):
            object.__setattr__(self, "reference", tuple(self.reference))
        if isinstance(self.controls, str):
            object.__setattr__(self, "controls", (self.controls,))
        else:
            object.__setattr__(self, "controls", tuple(self.controls))
        for c in self.controls:
            if not isinstance(c, str):
                raise OptionError(f"controls must be variable names, got {c!r}")
        if SLOPE in self.controls or "const" in self.controls:
            raise OptionError(f"controls may not be named {SLOPE!r} or 'const'")
        if not (isinstance(self.n_boot, int) and self.n_boot >= 2):
            raise OptionError(f"n_boot={self.n_boot!r} must be an integer >= 2")
        interval_alpha(self.alpha, None, "IncomeElasticity")
        if self.seed is not None and not isinstance(self.seed, int | np.integer):
            raise OptionError(f"seed={self.seed!r} must be an integer or None")
        if self.cov_type == "cluster" and self.cluster is None:
            raise OptionError("cov_type='cluster' needs cluster= (a geo coordinate, e.g. 'census_division')")
        if self.method == "ppml":
            if self.bootstrap is not None:
                raise OptionError("bootstrap is available for method='ols' only")
            if self.index != "auto":
                raise OptionError("index= applies to method='ols'; PPML always models usage_count")
        if self.min_count is not None and not (
            isinstance(self.min_count, int | float) and self.min_count >= 0
        ):
            raise OptionError(f"min_count={self.min_count!r} must be a non-negative number")

    # ------------------------------------------------------------------ fit
    def fit(self, ds: xr.Dataset, level: str = "country", *, client: Any = None) -> ElasticityResult:
        """Estimate the elasticity on the located geos of ``ds`` at ``level``.

        Parameters
        ----------
        ds : xarray.Dataset
            Canonical dataset with ``gdp`` and ``working_age_pop`` and either
            ``usage_count`` or a published ``usage_index``.
        level : {"country", "state_us"}
        client : dask.distributed.Client or concurrent.futures.Executor, optional
            Where to run the bootstrap replicates (see :mod:`econindex.parallel`).
            The replicates are split into seeded chunks before scheduling, so
            the result for a seed is identical with or without a client.

        Returns
        -------
        ElasticityResult

        Raises
        ------
        MissingCovariateError
            GDP or population is missing for some geos (named) and ``zeros="raise"``.
        DataValueError
            Zero or missing usage, non-positive GDP/population, bad weights or
            controls (geos named) and ``zeros="raise"``; negative weights always.
        EstimationError
            Too few geos for the parameters, or a constant/collinear regressor.
        SchemaError
            Required variables or the cluster coordinate are absent.

        Examples
        --------
        >>> import econindex as ei
        >>> st = ei.datasets.load_us_states_2025_08()
        >>> res = IncomeElasticity(exclude="abuse_flagged").fit(st, level="state_us")
        >>> res.nobs, "UT" in res.geos, round(res.slope, 2)
        (50, False, 1.75)
        """
        validate(ds, check_values=False)  # types, duplicate labels, dtypes: before any arithmetic
        check_option("level", level, ANALYSIS_LEVELS)
        # a table without totals (econindex.from_frame) gives GDP per working-age capita as is;
        # OLS on a published index then needs no population
        per_capita = "gdp" not in ds.data_vars and "gdp_per_working_age_capita" in ds.data_vars
        for v in ("gdp", "working_age_pop"):
            if v not in ds.data_vars and not (per_capita and (v == "gdp" or self.method == "ols")):
                raise SchemaError(f"dataset lacks {v!r}, needed for GDP per working-age capita")
        dropped = set(excluded_geos(ds, self.exclude))
        geos = [g for g in geos_at_level(ds, level) if g not in dropped]
        if not geos:
            raise EstimationError(f"no geo at level {level!r} is left after exclude={self.exclude!r}")
        if self.method == "ppml":
            return self._fit_ppml(ds, level, geos)
        if self.fixed_effects or self._categorical(ds):
            return self._fit_formula(ds, level, geos)
        return self._fit_ols(ds, level, geos, client)

    def fit_periods(
        self, ds: xr.Dataset, level: str = "country", *, platform: str | None = None, client: Any = None
    ) -> dict[str, ElasticityResult]:
        """One elasticity per ``period`` (release window), to see the slope move.

        Each period is fitted by :meth:`fit` on ``ds.sel(period=p)``; variables
        without a ``period`` dim (2024 covariates, say) enter every period. The
        dependent variable follows ``index=`` in each period (a published
        ``usage_index`` where a period has no counts). ``platform`` selects one
        platform of a dataset that has both. Tabulate the results, slopes
        with their intervals, with :func:`econindex.periods_frame`.

        Raises
        ------
        SchemaError
            The dataset has no ``period`` dimension.
        EconIndexError
            Whatever :meth:`fit` raises, with the period named; geos absent in
            a period raise unless ``zeros="drop"`` (then ``result.dropped``).

        Examples
        --------
        >>> import econindex as ei
        >>> panel = ei.datasets.load_us_state_panel()
        >>> res = IncomeElasticity(zeros="drop").fit_periods(panel, level="state_us")
        >>> [(p, r.nobs, round(r.slope, 2)) for p, r in res.items()][:2]
        [('2025-08-04', 51, 1.77), ('2025-11-13', 50, 1.8)]
        """
        if PERIOD not in ds.dims:
            raise SchemaError("fit_periods needs a dataset with a 'period' dimension")
        if platform is not None:
            if PLATFORM not in ds.dims:
                raise OptionError(f"platform={platform!r} given but the dataset has no 'platform' dimension")
            ds = ds.sel({PLATFORM: check_option("platform", platform, [str(v) for v in ds[PLATFORM].values])})
        out: dict[str, ElasticityResult] = {}
        for p in ds[PERIOD].values:
            try:
                out[str(p)] = self.fit(ds.sel({PERIOD: p}), level=level, client=client)
            except EconIndexError as exc:
                raise type(exc)(f"period {p}: {exc}") from exc
        return out

    # ------------------------------------------------------------------ helpers
    def _geo_var(self, ds: xr.Dataset, name: str, geos: list[str], what: str) -> np.ndarray:
        if name not in ds.data_vars and name not in ds.coords:
            raise SchemaError(f"{what} {name!r} is not a variable of the dataset")
        var = ds[name]
        extra = [d for d in var.dims if d != GEO]
        if GEO not in var.dims or extra:
            raise SchemaError(
                f"{what} {name!r} must have the single dim 'geo', has {var.dims}; "
                "select one slice first, e.g. ds.sel(period=...) or ds.sel(platform=...)"
            )
        return np.asarray(var.values, dtype=float)[_positions(ds, geos)]

    def _collect(
        self, ds: xr.Dataset, geos: list[str], problems: dict[str, list[str]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """log GDP per capita, population, control matrix, weights, clusters; record problems."""
        per_capita = "gdp" not in ds.data_vars and "gdp_per_working_age_capita" in ds.data_vars
        gdp = self._geo_var(ds, "gdp_per_working_age_capita" if per_capita else "gdp", geos, "covariate")
        if per_capita and "working_age_pop" not in ds.data_vars:
            pop = np.ones(len(geos))  # gdp / pop below is then the per-capita figure given
        else:
            pop = self._geo_var(ds, "working_age_pop", geos, "covariate")
            gdp = gdp * pop if per_capita else gdp
        for i, g in enumerate(geos):
            if not np.isfinite(gdp[i]):
                problems.setdefault(g, []).append("missing gdp")
            elif gdp[i] <= 0:
                problems.setdefault(g, []).append("non-positive gdp under the log")
            if not np.isfinite(pop[i]):
                problems.setdefault(g, []).append("missing working_age_pop")
            elif pop[i] <= 0:
                problems.setdefault(g, []).append("non-positive working_age_pop under the log")
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log(gdp / pop)
        Z = (
            np.column_stack([self._geo_var(ds, c, geos, "control") for c in self.controls])
            if self.controls
            else None
        )
        if Z is not None:
            bad = ~np.isfinite(Z)
            for i, j in zip(*np.nonzero(bad), strict=True):
                problems.setdefault(geos[i], []).append(f"missing or infinite control {self.controls[j]!r}")
        w = None
        if self.weights is not None:
            w = self._geo_var(ds, self.weights, geos, "weights variable")
            neg = np.flatnonzero(w < 0)
            if neg.size:
                raise DataValueError(
                    f"weights {self.weights!r} are negative at {', '.join(geos[i] for i in neg[:10])}"
                )
            for j in np.flatnonzero(~np.isfinite(w)):
                problems.setdefault(geos[int(j)], []).append(f"missing weight {self.weights!r}")
        cl = None
        if self.cluster is not None:
            if self.cluster not in ds.coords and self.cluster not in ds.data_vars:
                raise SchemaError(f"clusters={self.cluster!r} is not a coordinate of the dataset")
            cl = np.asarray(ds[self.cluster].values).astype(str)[_positions(ds, geos)]
            for j in np.flatnonzero(np.isin(cl, ["", "nan", "None"])):
                problems.setdefault(geos[int(j)], []).append(f"no cluster label in {self.cluster!r}")
        return x, pop, (np.empty((len(geos), 0)) if Z is None else Z), w, cl

    def _resolve(self, problems: dict[str, list[str]]) -> dict[str, str]:
        """Raise on problems (``zeros='raise'``) or return them as drop reasons."""
        if not problems:
            return {}
        if self.zeros == "raise":
            listed = "; ".join(f"{g}: {', '.join(r)}" for g, r in list(problems.items())[:15])
            more = f" (+{len(problems) - 15} more)" if len(problems) > 15 else ""
            hint = " Pass zeros='drop' to leave them out (recorded in result.dropped)."
            reasons = {r for rs in problems.values() for r in rs}
            cls: type[DataValueError] = (
                MissingCovariateError
                if reasons
                and all(r.startswith("missing gdp") or r.startswith("missing working") for r in reasons)
                else DataValueError
            )
            raise cls(f"{len(problems)} geos cannot enter the regression: {listed}{more}.{hint}")
        return {g: "; ".join(r) for g, r in problems.items()}

    def _dependent(
        self, ds: xr.Dataset, level: str, geos: list[str], problems: dict[str, list[str]]
    ) -> tuple[np.ndarray, str, str, dict[str, str]]:
        """ln index, its source, a reference description, and geos below the reporting threshold."""
        has_counts = "usage_count" in ds.data_vars and "working_age_pop" in ds.data_vars
        source = self.index
        if source == "auto":
            source = "computed" if has_counts else "published"
        below: dict[str, str] = {}
        if source == "computed":
            if not has_counts:
                raise SchemaError("index='computed' needs 'usage_count' and 'working_age_pop'")
            from econindex.indices import usage_index

            usage = self._geo_var(ds, "usage_count", geos, "variable")
            for i, g in enumerate(geos):
                if not np.isfinite(usage[i]):
                    problems.setdefault(g, []).append("missing usage_count")
                elif usage[i] <= 0:
                    problems.setdefault(g, []).append("zero usage (log of 0)")
            aui = usage_index(
                ds,
                level=level,
                reference=self.reference,
                min_count=self.min_count,
                exclude=self.exclude,
                keep_all=True,
            )
            pos = _positions(aui, geos)
            values = np.asarray(aui.values, dtype=float)[pos]
            eligible = np.asarray(aui["eligible"].values, dtype=bool)[pos]
            threshold = aui.attrs.get("min_count")
            for i, g in enumerate(geos):
                if not eligible[i] and g not in problems:
                    below[g] = f"below min_count={threshold:g} conversations ({usage[i]:g})"
            ref = str(aui.attrs.get("reference", ""))
        else:
            if "usage_index" not in ds.data_vars:
                raise SchemaError("index='published' needs the published 'usage_index' variable")
            values = self._geo_var(ds, "usage_index", geos, "variable")
            for i, g in enumerate(geos):
                if not np.isfinite(values[i]):
                    problems.setdefault(g, []).append("missing usage_index")
                elif values[i] <= 0:
                    problems.setdefault(g, []).append("zero usage_index (log of 0)")
            ref = "published index (the release's reference set)"
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log(values)
        return y, source, ref, below

    def _categorical(self, ds: xr.Dataset) -> tuple[str, ...]:
        """Controls that are non-numeric geo coordinates (entered as dummies)."""
        out = []
        for c in self.controls:
            if c in ds.coords and ds[c].dtype.kind in "OUS":
                out.append(c)
        return tuple(out)

    def _pieces(
        self, ds: xr.Dataset, level: str, geos: list[str], cat: tuple[str, ...]
    ) -> tuple[pd.DataFrame, dict[str, str], str, str]:
        """Used rows of one cross-section as a frame (y, slope, controls, effects, weights, cluster)."""
        problems: dict[str, list[str]] = {}
        y, source, ref, below = self._dependent(ds, level, geos, problems)
        num = tuple(c for c in self.controls if c not in cat)
        est = replace(self, controls=num, fixed_effects=())
        x, _pop, Z, w, cl = est._collect(ds, geos, problems)
        labels: dict[str, np.ndarray] = {}
        for name in (*cat, *(f for f in self.fixed_effects if f != PERIOD)):
            if name not in ds.coords or ds[name].dims != (GEO,):
                raise SchemaError(
                    f"{name!r} is not a coordinate on 'geo' (needed by fixed effects / categorical controls)"
                )
            vals = np.asarray(ds[name].values).astype(str)[_positions(ds, geos)]
            for j in np.flatnonzero(np.isin(vals, ["", "nan", "None"])):
                problems.setdefault(geos[int(j)], []).append(f"no label in {name!r}")
            labels[name] = vals
        dropped = self._resolve(problems)
        dropped.update(below)
        keep = np.array([g not in dropped for g in geos])
        frame = pd.DataFrame({"log_usage_index": y, SLOPE: x}, index=pd.Index(geos, name=GEO))
        for jc, c in enumerate(num):
            frame[c] = Z[:, jc]
        for name, vals in labels.items():
            frame[name] = vals
        if w is not None:
            frame["_weights"] = w
        if cl is not None:
            frame["_cluster"] = cl
        return frame[keep], dropped, source, ref

    def _fit_formula(self, ds: xr.Dataset, level: str, geos: list[str]) -> ElasticityResult:
        """Controls with dummies and/or absorbed effects: the frame goes to the core's :func:`ols`."""
        from econindex.regression import ols

        cat = self._categorical(ds)
        if PERIOD in self.fixed_effects:
            if PERIOD not in ds.dims:
                raise OptionError("fixed_effects includes 'period' but the dataset has no period dimension")
            parts, dropped = [], {}
            for p in ds[PERIOD].values:
                part, drop, source, ref = self._pieces(ds.sel({PERIOD: p}), level, geos, cat)
                parts.append(part.assign(period=str(p)))
                dropped.update({f"{g}@{p}": r for g, r in drop.items()})
            frame = pd.concat(parts)
            obs = np.array([f"{g}@{p}" for g, p in zip(frame.index, frame[PERIOD], strict=True)])
        else:
            frame, dropped, source, ref = self._pieces(ds, level, geos, cat)
            obs = np.asarray(frame.index)
        num = [c for c in self.controls if c not in cat]
        rhs = " + ".join([SLOPE, *num, *(f"C({c})" for c in cat)])
        fe = f" | {' + '.join(self.fixed_effects)}" if self.fixed_effects else ""
        frame = frame.reset_index()
        reg = ols(
            f"log_usage_index ~ {rhs}{fe}",
            frame,
            weights="_weights" if self.weights is not None else None,
            cov_type=self.cov_type,
            cluster="_cluster" if self.cov_type == "cluster" else None,
            cluster_correction=self.cluster_correction,
            level=level,
        )
        reg = replace(reg, obs_names=obs[reg.row_index] if reg.row_index is not None else obs)
        return ElasticityResult(
            **inference_fields(reg),
            level=level,
            model=("WLS" if self.weights is not None else "OLS") + " income elasticity",
            dep_var="log_usage_index",
            method="ols",
            index_source=source,
            index_reference=ref,
            geos=tuple(str(g) for g in np.asarray(frame[GEO])[reg.row_index]),
            dropped=MappingProxyType(dropped),
            x=np.asarray(frame[SLOPE])[reg.row_index],
            design=reg.X,
            y=reg.response if reg.response is not None else reg.y,
            fitted=reg.fittedvalues,
            regression=reg,
            ci_level=1.0 - float(self.alpha),
            r2=reg.rsquared,
            options=self._options(),
        )

    def _fit_ols(self, ds: xr.Dataset, level: str, geos: list[str], client: Any = None) -> ElasticityResult:
        problems: dict[str, list[str]] = {}
        y, source, ref, below = self._dependent(ds, level, geos, problems)
        x, _pop, Z, w, cl = self._collect(ds, geos, problems)
        dropped = self._resolve(problems)
        dropped.update(below)
        keep = np.array([g not in dropped for g in geos])
        used = [g for g, k in zip(geos, keep, strict=True) if k]
        names = ("const", SLOPE, *self.controls)
        X = np.column_stack([np.ones(int(keep.sum())), x[keep], Z[keep]])
        yk = y[keep]
        wk = None if w is None else w[keep]
        ck = None if cl is None else cl[keep]
        model = OLS(cov_type=self.cov_type, cluster_correction=self.cluster_correction)
        reg = model.fit(
            yk,
            X,
            weights=wk,
            names=names,
            obs_names=np.array(used),
            cluster=ck if self.cov_type == "cluster" else None,
            dep_var="log_usage_index",
            level=level,
        )
        boot_params = boot_se = None
        boot_failed = 0
        if self.bootstrap is not None:
            # replicate SEs of the fit's own type (CR1 when clusters are resampled or flipped)
            se_kind = self.cov_type
            bclusters = ck if self.cluster is not None else None
            job = partial(
                _bootstrap_chunk,
                kind=self.bootstrap,
                y=yk,
                X=X,
                w=wk,
                clusters=bclusters,
                se_kind=se_kind,
                wild_weights=self.wild_weights,
            )
            parts = map_replicates(
                job, replicate_chunks(self.n_boot, seed=self.seed, chunk_size=2500), client=client
            )
            draws = _boot.BootDraws(
                np.concatenate([p.params for p in parts]),
                np.concatenate([p.se for p in parts]),
                sum(p.n_failed for p in parts),
            )
            if draws.params.shape[0] < 0.9 * self.n_boot:
                raise EstimationError(
                    f"{draws.n_failed} of {self.n_boot} bootstrap replicates had a singular design; "
                    "too few geos or too little variation for the bootstrap"
                )
            boot_params, boot_se, boot_failed = draws.params, draws.se, draws.n_failed
        return ElasticityResult(
            **inference_fields(reg),
            level=level,
            model=("WLS" if wk is not None else "OLS") + " income elasticity",
            dep_var="log_usage_index",
            method="ols",
            index_source=source,
            index_reference=ref,
            geos=tuple(used),
            dropped=MappingProxyType(dropped),
            x=x[keep],
            design=X,
            y=yk,
            fitted=reg.fittedvalues,
            regression=reg,
            boot_params=boot_params,
            boot_se=boot_se,
            boot_failed=boot_failed,
            bootstrap=self.bootstrap,
            wild_weights=self.wild_weights if self.bootstrap == "wild" else None,
            n_boot=self.n_boot if self.bootstrap else 0,
            seed=self.seed,
            ci_level=1.0 - float(self.alpha),
            r2=reg.rsquared,
            options=self._options(),
        )

    def _fit_ppml(self, ds: xr.Dataset, level: str, geos: list[str]) -> ElasticityResult:
        problems: dict[str, list[str]] = {}
        if "usage_count" not in ds.data_vars:
            raise SchemaError("method='ppml' needs 'usage_count' (conversation counts)")
        u = self._geo_var(ds, "usage_count", geos, "variable")
        for i, g in enumerate(geos):
            if not np.isfinite(u[i]):
                problems.setdefault(g, []).append("missing usage_count")
        x, pop, Z, w, cl = self._collect(ds, geos, problems)
        dropped = self._resolve(problems)
        if self.min_count is not None:
            for i, g in enumerate(geos):
                if g not in dropped and u[i] < self.min_count:
                    dropped[g] = f"below min_count={self.min_count:g} conversations ({u[i]:g})"
        keep = np.array([g not in dropped for g in geos])
        used = [g for g, k in zip(geos, keep, strict=True) if k]
        names = ("const", SLOPE, *self.controls)
        X = np.column_stack([np.ones(int(keep.sum())), x[keep], Z[keep]])
        uk = u[keep]
        wk = None if w is None else w[keep]
        reg = PPML(cov_type=self.cov_type, cluster_correction=self.cluster_correction).fit(
            uk,
            X,
            offset=np.log(pop[keep]),
            weights=wk,
            names=names,
            obs_names=np.array(used),
            cluster=None if cl is None or self.cov_type != "cluster" else cl[keep],
            dep_var="usage_count",
            level=level,
        )
        mu = reg.fittedvalues
        r2 = float(np.corrcoef(uk, mu)[0, 1] ** 2)
        return ElasticityResult(
            **inference_fields(reg),
            level=level,
            model="PPML income elasticity",
            dep_var="usage_count",
            method="ppml",
            index_source="counts",
            index_reference="offset ln(working_age_pop); reference ratio absorbed by the constant",
            geos=tuple(used),
            dropped=MappingProxyType(dropped),
            x=x[keep],
            design=X,
            y=uk,
            fitted=mu,
            regression=reg,
            ci_level=1.0 - float(self.alpha),
            r2=r2,
            exposure=pop[keep],
            options=self._options(),
        )

    def _options(self) -> dict[str, Any]:
        out = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            out[k] = v if isinstance(v, str | int | float | bool | tuple | type(None)) else repr(v)
        return out


def _bootstrap_chunk(
    chunk: ReplicateChunk,
    *,
    kind: str,
    y: np.ndarray,
    X: np.ndarray,
    w: np.ndarray | None,
    clusters: np.ndarray | None,
    se_kind: str,
    wild_weights: str,
) -> _boot.BootDraws:
    """One seeded block of bootstrap replicates (module level, so dask workers can import it)."""
    rng = np.random.default_rng(chunk.seed)
    if kind == "pairs":
        return _boot.pairs_bootstrap(y, X, w, n_boot=chunk.size, rng=rng, clusters=clusters, se_kind=se_kind)
    return _boot.wild_bootstrap(
        y, X, w, n_boot=chunk.size, rng=rng, weights=wild_weights, clusters=clusters, se_kind=se_kind
    )
