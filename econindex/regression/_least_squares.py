"""OLS / WLS on arrays: :class:`OLS`, its frozen :class:`RegressionResult`, and the one covariance
step every fit (least squares, PPML, formulas) goes through.

Numbers agree with ``statsmodels`` ``OLS``/``WLS`` (with ``use_t=True``) to
1e-10 relative; see ``tests/test_regression.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from econindex import covariance
from econindex import formula as formula_mod
from econindex._kernels.ols import WLSArrays, check_inputs, has_constant, wls
from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError
from econindex.regression._frame import _as_frame
from econindex.results import CoefficientResult
from econindex.schema import check_option


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RegressionResult(CoefficientResult):
    """Frozen result of a least-squares fit.

    Attributes (beyond :class:`econindex.results.CoefficientResult`)
    ------------------------------------------------------------------
    X, y, weights : the data (weights ``None`` for OLS)
    obs_names : labels of the observations (geos), or ``None``
    resid, fittedvalues : unweighted residuals ``y - X b`` and fitted values
    hat : leverages of the whitened design
    df_resid : ``N - k``; df_model : ``k - 1`` with a constant, else ``k``
    ssr : weighted sum of squared residuals; centered_tss : weighted (centred if a constant)
    clusters : cluster labels or ``None``; cluster_correction : ``"CR1"`` .. ``"CR3"`` or ``None``
    scale_factor : small-sample factor applied to the sandwich
    df_wald : denominator dof of the joint F test (``None``: chi-square)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=50)
    >>> X = np.column_stack([np.ones(50), x])
    >>> res = OLS(cov_type="HC3").fit(1 + 2 * x + rng.normal(size=50), X)
    >>> res.names, res.cov_type, res.nobs
    (('const', 'x'), 'HC3', 50)
    >>> bool(abs(res.params["x"] - 2) < 3 * res.bse["x"])
    True
    """

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    obs_names: np.ndarray | None
    resid: np.ndarray
    fittedvalues: np.ndarray
    hat: np.ndarray
    df_resid: int
    df_model: int
    ssr: float
    centered_tss: float
    const_idx: int | None
    clusters: np.ndarray | None
    cluster_correction: str | None
    scale_factor: float
    df_wald: float | None
    arrays: WLSArrays
    fe_names: tuple[str, ...] = ()
    fe_codes: np.ndarray | None = None
    absorbed_df: int = 0
    formula: str | None = None
    dropped_rows: Mapping[str, int] = field(default_factory=dict)
    spec: Any = None
    row_index: np.ndarray | None = None
    response: np.ndarray | None = None
    fixed_scale: float | None = None
    fe_levels: tuple[Any, ...] | None = None
    raw_X: np.ndarray | None = None
    deviance: float | None = None
    offset: np.ndarray | None = None

    @property
    def rsquared(self) -> float:
        """``1 - SSR / TSS`` (TSS centred when the model has a constant, weighted for WLS)."""
        return 1.0 - self.ssr / self.centered_tss

    @property
    def rsquared_adj(self) -> float:
        """``1 - (N - c)/(N - k) (1 - R2)`` where ``c`` is 1 with a constant, else 0."""
        c = 1 if self.const_idx is not None else 0
        return 1.0 - (self.nobs - c) / self.df_resid * (1.0 - self.rsquared)

    @property
    def wald_matrix(self) -> np.ndarray:
        """Restriction matrix of the overall F test: every coefficient but the constant."""
        k = len(self.names)
        keep = [j for j in range(k) if j != self.const_idx]
        return np.eye(k)[keep]

    def _wald(self) -> tuple[float, int]:
        """Wald statistic / rank and the rank of the restricted covariance (statsmodels' convention:
        a pseudo-inverse and the numerical rank when the covariance is singular, e.g. with fewer
        clusters than coefficients)."""
        R = self.wald_matrix
        if R.shape[0] == 0:
            return float("nan"), 0
        rb = R @ self.coef
        v = R @ self.cov @ R.T
        rank = int(np.linalg.matrix_rank(v))
        if rank == 0:
            return float("nan"), 0
        stat = float(rb @ (np.linalg.solve(v, rb) if rank == R.shape[0] else np.linalg.pinv(v) @ rb))
        return stat / rank, rank

    @property
    def fvalue(self) -> float:
        """Wald F statistic that every non-constant coefficient is zero, with the stored covariance.

        With ``nonrobust`` covariance this is the classical ``(ESS/df_model)/(SSR/df_resid)``.
        A singular restricted covariance (e.g. fewer clusters than coefficients) is
        handled as statsmodels does: pseudo-inverse, numerator dof = its rank.
        """
        return self._wald()[0]

    @property
    def f_pvalue(self) -> float:
        """p-value of :attr:`fvalue` (F with ``df_wald`` denominator dof, or chi-square / q)."""
        f, q = self._wald()
        if q == 0:
            return float("nan")
        if self.df_wald is None:
            return float(stats.chi2.sf(f * q, q))
        return float(stats.f.sf(f, q, self.df_wald))

    @property
    def scale(self) -> float:
        """Residual variance ``SSR / df_resid``."""
        return self.ssr / self.df_resid

    def _extra_stats(self) -> dict[str, Any]:
        out = super()._extra_stats()
        out["Adj. R-squared"] = self.rsquared_adj
        out["F"] = self.fvalue
        out["Prob (F)"] = self.f_pvalue
        return out

    @property
    def rsquared_within(self) -> float:
        """R-squared of the demeaned (within) regression; equals :attr:`rsquared` without fixed effects."""
        if not self.fe_names:
            return self.rsquared
        wy = self.arrays.sqrt_w * self.y
        return 1.0 - self.ssr / float(wy @ wy)

    def _cov_df_resid(self, cov_type: str, clusters: np.ndarray | None) -> int:
        """Residual dof used by ``cov_type``: fixed effects nested in the clusters count as one."""
        if cov_type != "cluster" or self.fe_codes is None or not self.fe_names or clusters is None:
            return self.df_resid
        nested = [bool(v) for v in formula_mod.nested_in(self.fe_codes, clusters)]
        levels = [int(self.fe_codes[:, j].max()) + 1 for j in range(self.fe_codes.shape[1])]
        k = len(self.names)
        return self.nobs - k - formula_mod.absorbed_dof(levels, nested)

    def with_cov(
        self,
        cov_type: str,
        *,
        cluster: Sequence[Any] | np.ndarray | None = None,
        cluster_correction: str | None = None,
        use_t: bool | None = None,
        clusters: Sequence[Any] | np.ndarray | None = None,
        convention: str | None = None,
        target: str | Sequence[float] | np.ndarray | None = None,
    ) -> RegressionResult:
        """A new result with another covariance type (the estimates are unchanged).

        Parameters
        ----------
        cov_type : a name of :mod:`econindex.covariance`
        cluster : labels (one per observation) for ``cov_type="cluster"``; default the fit's
        cluster_correction : ``"CR1"``, ``"CR2"`` or ``"CR3"``
        use_t : t (default: as the fit) or normal reference distribution
        clusters : deprecated spelling of ``cluster``
        convention : ``"clubSandwich"`` reproduces R clubSandwich's ``vcovCR``: CR3 without
            ``(G-1)/G``, Satterthwaite dof, and CR2 with weights on its working model
        target : clubSandwich's CR2 working model (``convention="clubSandwich"`` only):
            ``"identity"`` (default, as ``vcovCR(lm(weights=))``), ``"inverse_weights"``
            (``inverse_var=TRUE``) or one variance per observation

        Examples
        --------
        >>> X = np.column_stack([np.ones(6), np.arange(6.0)])
        >>> res = OLS().fit(np.array([0.1, 1.2, 1.9, 3.3, 3.8, 5.2]), X)
        >>> res.with_cov("HC3").cov_type, res.cov_type
        ('HC3', 'HC1')
        """
        cluster = cluster_argument(cluster, clusters, stacklevel=2)
        cl = self.clusters if cluster is None and cov_type == "cluster" else cluster
        if cov_type == "cluster" and cluster_correction is None:
            cluster_correction = self.cluster_correction or "CR1"
        cl_arr = None if cl is None else np.asarray(cl)
        est = _compute_cov(
            cov_type,
            self.arrays,
            nobs=self.nobs,
            df_resid=self._cov_df_resid(cov_type, cl_arr),
            use_t=self.use_t if use_t is None else use_t,
            clusters=cl_arr,
            cluster_correction=cluster_correction,
            obs_names=self.obs_names,
            scale=self.fixed_scale,
            convention=convention,
            target=target,
            absorbed=self.fe_codes if self.fe_names else None,
        )
        return replace(
            self,
            cov=est.cov,
            df=est.df,
            cov_type=est.cov_type,
            cov_label=est.label,
            cov_description=est.description,
            clusters=None if cov_type != "cluster" else cl_arr,
            cluster_correction=cluster_correction if cov_type == "cluster" else None,
            scale_factor=est.scale_factor,
            df_wald=est.df_wald,
        )

    def predict(self, data: Any = None) -> np.ndarray:
        """Fitted values of the model (``data=None``) or predictions for new rows.

        New data need the formula's columns; with absorbed fixed effects, one fixed
        effect is supported (its estimated level is added; an unseen level raises).

        Examples
        --------
        >>> import pandas as pd
        >>> from econindex.regression import ols
        >>> df = pd.DataFrame({"y": [1.0, 2.9, 5.1, 7.0], "x": [0.0, 1.0, 2.0, 3.0]})
        >>> res = ols("y ~ x", df)
        >>> res.predict(pd.DataFrame({"x": [4.0]})).round(3).tolist()
        [9.05]
        """
        if data is None:
            return np.asarray(self.fittedvalues)
        return self._linear_prediction(data)

    def _linear_prediction(self, data: Any) -> np.ndarray:
        if self.spec is None:
            Xn = np.asarray(data, dtype=float)
            if Xn.ndim == 1:
                Xn = Xn[None, :]
            if Xn.shape[1] != len(self.names):
                raise DataValueError(f"new design has {Xn.shape[1]} columns; the fit has {len(self.names)}")
            return Xn @ self.coef
        frame = _as_frame(data, None)
        missing = [n for n in self._required if n not in frame.columns]
        if missing:
            raise SchemaError(f"predict: new data lack column(s) {missing} that the formula uses")
        Xn = np.asarray(self.spec.get_model_matrix(frame), dtype=float)
        names = [str(c) for c in self.spec.column_names]
        if self.fe_names and "Intercept" in names:
            j = names.index("Intercept")
            Xn = np.delete(Xn, j, axis=1)
        eta = Xn @ self.coef
        if self.fe_names:
            if len(self.fe_names) > 1:
                raise OptionError("predict on new data supports at most one absorbed fixed effect")
            fe = self.fe_names[0]
            if fe not in frame.columns:
                raise SchemaError(f"predict: new data lack the fixed effect column {fe!r}")
            assert self.response is not None and self.row_index is not None and self.fe_levels is not None
            effect = self._fe_effects()
            lookup = dict(zip(self.fe_levels, effect, strict=True))
            vals = frame[fe].to_numpy()
            unseen = [v for v in vals if v not in lookup]
            if unseen:
                raise DataValueError(
                    f"predict: level(s) {sorted(set(map(str, unseen)))[:10]} of {fe!r} were not in the fit"
                )
            eta = eta + np.array([lookup[v] for v in vals])
        return eta

    @property
    def _required(self) -> list[str]:
        return sorted(set(getattr(self.spec, "required_variables", set())))

    def _fe_effects(self) -> np.ndarray:
        """Estimated levels of the (single) absorbed fixed effect: weighted group means of y - X b."""
        assert self.response is not None and self.fe_codes is not None
        raw_X = self.raw_X if self.raw_X is not None else self.X
        part = self.response - raw_X @ self.coef
        c = self.fe_codes[:, 0]
        w = np.ones(part.size) if self.weights is None else self.weights
        return np.bincount(c, weights=w * part) / np.bincount(c, weights=w)

    def wild_bootstrap_test(
        self,
        term: str,
        value: float = 0.0,
        n_boot: int = 9999,
        weights: str = "rademacher",
        seed: int | None = None,
        impose_null: bool = True,
        *,
        alpha: float = 0.05,
    ) -> Any:
        """Wild (cluster) bootstrap test of ``term = value`` (:func:`econindex.wild.wild_bootstrap_test`).

        Runs on the design the fit used (demeaned when fixed effects are absorbed), with the
        fit's regression weights, clusters (when ``cov_type="cluster"``) and absorbed degrees
        of freedom. ``impose_null=True`` is the restricted (WCR) bootstrap of Roodman et al. (2019).
        """
        if self.model.startswith("PPML"):
            raise OptionError("wild_bootstrap_test is defined for least-squares fits, not PPML")
        if term not in self.names:
            raise OptionError(f"term={term!r} is not a coefficient; choose one of {list(self.names)}")
        from econindex import wild

        return wild.wild_bootstrap_test(
            self.X,
            self.y,
            names=list(self.names),
            term=term,
            value=value,
            regression_weights=self.weights,
            cluster=self.clusters,
            n_boot=n_boot,
            weights=weights,
            seed=seed,
            impose_null=impose_null,
            absorbed_df=self.absorbed_df,
            alpha=alpha,
            fe_codes=self.fe_codes,  # re-projects effects not nested in the clusters (= one-hot bootstrap)
        )

    def __repr__(self) -> str:
        fe = f" | {' + '.join(self.fe_names)}" if self.fe_names else ""
        head = self.formula or f"{self.dep_var} ~ {' + '.join(self.names)}{fe}"
        terms = ", ".join(
            f"{n}={c:.4g} ({s:.3g})" for n, c, s in zip(self.names[:4], self.coef, self.bse, strict=False)
        )
        more = f", +{len(self.names) - 4} more" if len(self.names) > 4 else ""
        return f"<{self.model} {head}; N={self.nobs}, {self.cov_label}>\n  {terms}{more}"



def _compute_cov(
    cov_type: str,
    arrays: WLSArrays,
    *,
    nobs: int,
    df_resid: int,
    use_t: bool,
    clusters: np.ndarray | None,
    cluster_correction: str | None,
    obs_names: np.ndarray | None,
    scale: float | None = None,
    convention: str | None = None,
    target: Any = None,
    absorbed: np.ndarray | None = None,
) -> covariance.CovEstimate:
    opts: dict[str, Any] = {"obs_names": obs_names}
    if cov_type in ("HC2", "HC3") or (cov_type == "cluster" and cluster_correction in ("CR2", "CR3")):
        opts["absorbed"] = absorbed  # the absorbed effects enter the hat matrix these use
    if cov_type == "cluster":
        opts.update(
            clusters=clusters,
            cluster_correction=cluster_correction or "CR1",
            convention=convention,
            target=target,
            poisson=scale is not None,  # a fixed dispersion: PPML, whose clubSandwich working model differs
        )
    else:
        if clusters is not None:
            raise OptionError(f"cluster= was given but cov_type={cov_type!r}; use cov_type='cluster'")
    if cov_type == "nonrobust" and scale is not None:
        opts["scale"] = scale
    return covariance.compute(cov_type, arrays, nobs=nobs, df_resid=df_resid, use_t=use_t, **opts)




@dataclass(frozen=True)
class OLS:
    """Ordinary / weighted least squares with a covariance type from :mod:`econindex.covariance`.

    Parameters
    ----------
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        Covariance estimator (default ``"HC1"``).
    cluster_correction : {"CR1", "CR2", "CR3"}
        Small-sample correction of ``cov_type="cluster"`` (default ``"CR1"``,
        statsmodels' and Stata's). Ignored otherwise.
    use_t : bool
        Use t reference distributions (dof ``N - k``; ``G - 1`` for CR1/CR3;
        Bell-McCaffrey for CR2). ``False`` uses the normal. Default ``True``
        (statsmodels' default only for ``nonrobust``; pass ``use_t=True`` to it
        to compare robust types).

    Notes
    -----
    The coefficients solve ``min_b sum_i w_i (y_i - x_i' b)^2`` by a QR
    factorisation of ``sqrt(w) X``. With ``bread = inv(X'WX)``, the
    covariance is ``c * bread @ meat @ bread`` with the meat and factor ``c``
    of the chosen type; see :mod:`econindex.covariance`.

    Examples
    --------
    >>> X = np.column_stack([np.ones(5), [1.0, 2.0, 3.0, 4.0, 5.0]])
    >>> res = OLS(cov_type="nonrobust").fit(np.array([2.1, 3.9, 6.2, 7.8, 10.1]), X, names=("const", "x"))
    >>> round(float(res.params["x"]), 4), round(res.rsquared, 4)
    (1.99, 0.9973)
    """

    cov_type: str = "HC1"
    cluster_correction: str = "CR1"
    use_t: bool = True

    def __post_init__(self) -> None:
        check_option("cov_type", self.cov_type, covariance.COV_TYPES)
        check_option("cluster_correction", self.cluster_correction, covariance.CLUSTER_CORRECTIONS)
        if not isinstance(self.use_t, bool):
            raise OptionError(f"use_t={self.use_t!r} must be True or False")

    def fit(
        self,
        y: np.ndarray,
        X: np.ndarray,
        *,
        weights: np.ndarray | None = None,
        names: Sequence[str] | None = None,
        obs_names: Sequence[Any] | np.ndarray | None = None,
        cluster: Sequence[Any] | np.ndarray | None = None,
        dep_var: str = "y",
        level: str | None = None,
        clusters: Sequence[Any] | np.ndarray | None = None,
    ) -> RegressionResult:
        """Fit by least squares and return a frozen :class:`RegressionResult`.

        Parameters
        ----------
        y : array (N,)
        X : array (N, k)
            Design including the constant column.
        weights : array (N,), optional
            WLS weights (non-negative, not all zero).
        names : sequence of str, optional
            Coefficient names (default ``("const", "x")`` for two columns with the
            constant first, else ``const``, ``x1``, ``x2``, ... like statsmodels).
        obs_names : sequence, optional
            Observation labels (geos) used in error messages and kept on the result.
        cluster : sequence, optional
            Cluster labels, one per observation; required for ``cov_type="cluster"``.
        dep_var, level : str
            Recorded on the result for display.
        clusters : deprecated spelling of ``cluster`` (warns)

        Raises
        ------
        DataValueError
            NaN or infinite values (naming the rows), bad weights.
        EstimationError
            Too few observations, a constant or collinear regressor.
        OptionError
            ``cluster`` missing for (or given without) ``cov_type="cluster"``.

        Examples
        --------
        >>> X = np.column_stack([np.ones(8), np.arange(8.0)])
        >>> y = np.array([0.2, 0.9, 2.1, 2.8, 4.2, 5.1, 5.8, 7.1])
        >>> res = OLS(cov_type="cluster", cluster_correction="CR3").fit(
        ...     y, X, cluster=["a", "a", "b", "b", "c", "c", "d", "d"])
        >>> res.cov_label, res.df.tolist()
        ('cluster (CR3, 4 clusters)', [3.0, 3.0])
        """
        Xa = np.asarray(X, dtype=float)
        if Xa.ndim == 1:
            Xa = Xa[:, None]
        if names is None:
            names = _default_names(Xa)
        names = tuple(str(n) for n in names)
        obs = None if obs_names is None else np.asarray(obs_names)
        y_, X_, w_ = check_inputs(y, Xa, weights, names=names, obs_names=obs)
        clusters = cluster_argument(cluster, clusters, stacklevel=2)
        if self.cov_type == "cluster" and clusters is None:
            raise OptionError("cov_type='cluster' needs cluster= (one label per observation)")
        arrays = wls(y_, X_, w_, names=names)
        return _finish(
            arrays,
            y=y_,
            X=X_,
            w=w_,
            names=names,
            obs=obs,
            cov_type=self.cov_type,
            cluster_correction=self.cluster_correction,
            clusters=None if clusters is None else np.asarray(clusters),
            use_t=self.use_t,
            dep_var=dep_var,
            level=level,
            model="OLS" if w_ is None else "WLS",
        )



def cluster_argument(cluster: Any, clusters: Any, *, stacklevel: int = 2) -> Any:
    """``cluster=``, or its deprecated spelling ``clusters=`` (with a :class:`DeprecationWarning`)."""
    if clusters is None:
        return cluster
    warnings.warn("clusters= is deprecated; use cluster=", DeprecationWarning, stacklevel=stacklevel + 1)
    if cluster is not None:
        raise OptionError("give cluster= only (clusters= is its deprecated spelling)")
    return clusters


def _default_names(X: np.ndarray) -> tuple[str, ...]:
    """``("const", "x")`` for a constant plus one regressor, else statsmodels-like ``const``, ``x1``, ..."""
    c = has_constant(X) if X.shape[0] else None
    if X.shape[1] == 2 and c == 0:
        return ("const", "x")
    c = has_constant(X) if X.shape[0] else None
    out, i = [], 1
    for j in range(X.shape[1]):
        if j == c:
            out.append("const")
        else:
            out.append(f"x{i}")
            i += 1
    return tuple(out)



def _finish(
    arrays: WLSArrays,
    *,
    y: np.ndarray,
    X: np.ndarray,
    w: np.ndarray | None,
    names: tuple[str, ...],
    obs: np.ndarray | None,
    cov_type: str,
    cluster_correction: str,
    clusters: np.ndarray | None,
    use_t: bool,
    dep_var: str,
    level: str | None,
    model: str,
    absorbed: int = 0,
    design: formula_mod.Design | None = None,
    response: np.ndarray | None = None,
    raw_X: np.ndarray | None = None,
    fixed_scale: float | None = None,
    ssr: float | None = None,
    tss: float | None = None,
    cls: type[RegressionResult] | None = None,
    extra_fields: Mapping[str, Any] | None = None,
) -> RegressionResult:
    nobs, k = X.shape
    df_resid = nobs - k - absorbed
    if df_resid <= 0:
        raise EstimationError(
            f"{nobs} observations for {k} coefficients and {absorbed} absorbed fixed-effect "
            "levels: no residual dof"
        )
    const_idx = has_constant(X) if design is None or not design.fe_names else None
    if ssr is None:
        ssr = float(arrays.wresid @ arrays.wresid)
    if tss is None:
        yy = y if response is None else response
        ww = np.ones(nobs) if w is None else w
        if const_idx is not None or (design is not None and design.fe_names):
            mean = float(np.average(yy, weights=ww))
            tss = float(ww @ (yy - mean) ** 2)
        else:
            tss = float(ww @ yy**2)
    fe_codes = None if design is None or not design.fe_names else design.fe_codes
    base = (cls or RegressionResult)(
        **dict(extra_fields or {}),
        names=names,
        coef=arrays.params,
        cov=np.zeros((k, k)),
        df=None,
        nobs=nobs,
        cov_type=cov_type,
        cov_label="",
        cov_description="",
        level=level,
        model=model,
        dep_var=dep_var,
        X=X,
        y=y,
        weights=w,
        obs_names=obs,
        resid=arrays.resid,
        fittedvalues=(y if response is None else response) - arrays.resid
        if fixed_scale is None
        else arrays.fitted,
        hat=arrays.hat,
        df_resid=df_resid,
        df_model=k - (1 if const_idx is not None else 0),
        ssr=ssr,
        centered_tss=tss,
        const_idx=const_idx,
        clusters=None,
        cluster_correction=None,
        scale_factor=1.0,
        df_wald=None,
        arrays=arrays,
        fe_names=() if design is None else design.fe_names,
        fe_codes=fe_codes,
        absorbed_df=absorbed,
        formula=None if design is None else design.formula,
        dropped_rows={} if design is None else dict(design.dropped),
        spec=None if design is None else design.spec,
        row_index=None if design is None else design.index,
        response=response,
        fixed_scale=fixed_scale,
        raw_X=raw_X,
        fe_levels=None if design is None or len(design.fe_names) != 1 else design.levels(0),
    )
    return base.with_cov(cov_type, cluster=clusters, cluster_correction=cluster_correction, use_t=use_t)
