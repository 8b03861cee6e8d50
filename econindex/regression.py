"""The regression core every estimator shares: OLS / WLS with a registry of covariance types.

:class:`OLS` is a frozen estimator configured with a covariance type;
:meth:`OLS.fit` takes NumPy arrays (the design includes the constant column)
and returns a frozen :class:`RegressionResult`. Every inferential quantity of
the result (``bse``, ``tvalues``, ``pvalues``, ``conf_int``, ``fvalue``)
derives from one stored covariance and the recorded degrees of freedom;
:meth:`RegressionResult.with_cov` returns a new result with another
covariance, never mutating.

Numbers agree with ``statsmodels`` ``OLS``/``WLS`` (with ``use_t=True``) to
1e-10 relative; see ``tests/test_regression.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import stats

from econindex import covariance
from econindex._kernels.ols import WLSArrays, check_inputs, has_constant, wls
from econindex.errors import OptionError
from econindex.results import CoefficientResult
from econindex.schema import check_option

__all__ = ["OLS", "RegressionResult"]


@dataclass(frozen=True, kw_only=True, eq=False)
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

    def with_cov(
        self,
        cov_type: str,
        *,
        clusters: Sequence[Any] | np.ndarray | None = None,
        cluster_correction: str | None = None,
        use_t: bool | None = None,
    ) -> RegressionResult:
        """A new result with another covariance type (the estimates are unchanged).

        Examples
        --------
        >>> X = np.column_stack([np.ones(6), np.arange(6.0)])
        >>> res = OLS().fit(np.array([0.1, 1.2, 1.9, 3.3, 3.8, 5.2]), X)
        >>> res.with_cov("HC3").cov_type, res.cov_type
        ('HC3', 'HC1')
        """
        clusters = self.clusters if clusters is None and cov_type == "cluster" else clusters
        if cov_type == "cluster" and cluster_correction is None:
            cluster_correction = self.cluster_correction or "CR1"
        est = _compute_cov(
            cov_type,
            self.arrays,
            nobs=self.nobs,
            df_resid=self.df_resid,
            use_t=self.use_t if use_t is None else use_t,
            clusters=None if clusters is None else np.asarray(clusters),
            cluster_correction=cluster_correction,
            obs_names=self.obs_names,
        )
        return replace(
            self,
            cov=est.cov,
            df=est.df,
            cov_type=est.cov_type,
            cov_label=est.label,
            cov_description=est.description,
            clusters=None if cov_type != "cluster" else np.asarray(clusters),
            cluster_correction=cluster_correction if cov_type == "cluster" else None,
            scale_factor=est.scale_factor,
            df_wald=est.df_wald,
        )


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
) -> covariance.CovEstimate:
    opts: dict[str, Any] = {"obs_names": obs_names}
    if cov_type == "cluster":
        opts.update(clusters=clusters, cluster_correction=cluster_correction or "CR1")
    else:
        if clusters is not None:
            raise OptionError(f"clusters= was given but cov_type={cov_type!r}; use cov_type='cluster'")
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
        clusters: Sequence[Any] | np.ndarray | None = None,
        dep_var: str = "y",
        level: str | None = None,
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
        clusters : sequence, optional
            Cluster labels; required for ``cov_type="cluster"``.
        dep_var, level : str
            Recorded on the result for display.

        Raises
        ------
        DataValueError
            NaN or infinite values (naming the rows), bad weights.
        EstimationError
            Too few observations, a constant or collinear regressor.
        OptionError
            ``clusters`` missing for (or given without) ``cov_type="cluster"``.

        Examples
        --------
        >>> X = np.column_stack([np.ones(8), np.arange(8.0)])
        >>> y = np.array([0.2, 0.9, 2.1, 2.8, 4.2, 5.1, 5.8, 7.1])
        >>> res = OLS(cov_type="cluster", cluster_correction="CR3").fit(
        ...     y, X, clusters=["a", "a", "b", "b", "c", "c", "d", "d"])
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
        if self.cov_type == "cluster" and clusters is None:
            raise OptionError("cov_type='cluster' needs clusters= (one label per observation)")
        arrays = wls(y_, X_, w_, names=names)
        nobs, k = X_.shape
        df_resid = nobs - k
        const_idx = has_constant(X_)
        ssr = float(arrays.wresid @ arrays.wresid)
        ww = np.ones(nobs) if w_ is None else w_
        if const_idx is not None:
            mean = float(np.average(y_, weights=ww))
            tss = float(ww @ (y_ - mean) ** 2)
        else:
            tss = float(ww @ y_**2)
        cl = None if clusters is None else np.asarray(clusters)
        est = _compute_cov(
            self.cov_type,
            arrays,
            nobs=nobs,
            df_resid=df_resid,
            use_t=self.use_t,
            clusters=cl,
            cluster_correction=self.cluster_correction if self.cov_type == "cluster" else None,
            obs_names=obs,
        )
        return RegressionResult(
            names=names,
            coef=arrays.params,
            cov=est.cov,
            df=est.df,
            nobs=nobs,
            cov_type=est.cov_type,
            cov_label=est.label,
            cov_description=est.description,
            level=level,
            model="OLS" if w_ is None else "WLS",
            dep_var=dep_var,
            X=X_,
            y=y_,
            weights=w_,
            obs_names=obs,
            resid=arrays.resid,
            fittedvalues=arrays.fitted,
            hat=arrays.hat,
            df_resid=df_resid,
            df_model=k - (1 if const_idx is not None else 0),
            ssr=ssr,
            centered_tss=tss,
            const_idx=const_idx,
            clusters=cl if self.cov_type == "cluster" else None,
            cluster_correction=self.cluster_correction if self.cov_type == "cluster" else None,
            scale_factor=est.scale_factor,
            df_wald=est.df_wald,
            arrays=arrays,
        )


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
