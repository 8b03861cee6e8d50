"""Batched least squares on many subsets / outcomes / weightings at once (NumPy only).

Robustness checks refit one small regression hundreds of times: without each
geo, without each region, over a grid of specifications. A Python loop of
statsmodels fits costs about a millisecond each; solving the fits together
costs microseconds each (``benchmarks/bench_influence.py`` and
``bench_speccurve.py``). The solve is :func:`econindex._kernels.ols.batched_wls`
and the covariances :func:`econindex.covariance.batch_sandwich` (the registry's
formulas, batched), so the numbers are those of the regression core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from econindex._kernels.ols import batched_wls
from econindex._kernels.sandwich import cluster_codes
from econindex._kernels.threads import one_blas_thread
from econindex.covariance import BATCH_COV_TYPES, batch_sandwich
from econindex.errors import EstimationError, OptionError
from econindex.results import two_sided_pvalue

__all__ = ["BatchFit", "batch_wls", "BATCH_COV_TYPES"]


@dataclass(frozen=True)
class BatchFit:
    """Results of ``S`` weighted least-squares fits (arrays with a leading spec axis)."""

    params: np.ndarray  # (S, k)
    bse: np.ndarray  # (S, k)
    nobs: np.ndarray  # (S,)
    df_resid: np.ndarray  # (S,)
    n_clusters: np.ndarray | None  # (S,) for cluster covariances
    cov_type: tuple[str, ...]  # (S,)

    def tvalues(self) -> np.ndarray:
        """``params / bse``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.params / self.bse

    def pvalues(self, use_t: bool | np.ndarray = False) -> np.ndarray:
        """Two-sided p-values: Student t with ``df_resid`` (or clusters - 1) where ``use_t``, else normal."""
        t = self.tvalues()
        df = self.df_resid.astype(float)
        if self.n_clusters is not None:
            is_cl = np.array([c == "cluster" for c in self.cov_type])
            df = np.where(is_cl, self.n_clusters - 1.0, df)
        use = np.broadcast_to(np.asarray(use_t, dtype=bool), df.shape)
        return np.where(use[:, None], two_sided_pvalue(t, df[:, None]), two_sided_pvalue(t, None))


def batch_wls(
    X: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    cov_type: str | tuple[str, ...] = "HC1",
    clusters: np.ndarray | None = None,
) -> BatchFit:
    """Fit ``S`` WLS regressions that share a design ``X`` but differ in sample, outcome and weights.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        Design including the constant column.
    y : ndarray, shape (n,) or (S, n)
        Outcome(s); rows of a 2-D ``y`` belong to the specs.
    mask : ndarray of bool, shape (S, n)
        Which observations each spec uses.
    weights : ndarray, shape (n,) or (S, n), optional
        WLS weights (statsmodels' ``weights``: inverse variances).
    cov_type : str or tuple of str
        One covariance type for all specs or one per spec, among
        ``nonrobust``, ``HC0``..``HC3`` and ``cluster`` (CR1 as statsmodels).
    clusters : ndarray, shape (n,), optional
        Cluster labels, required by ``cluster``.

    Returns
    -------
    BatchFit

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(5), np.arange(5.0)])
    >>> y = 1 + 2 * np.arange(5.0)
    >>> fit = batch_wls(X, y, np.ones((2, 5), bool), cov_type="HC1")
    >>> np.round(fit.params, 8).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    X = np.asarray(X, dtype=float)
    n, k = X.shape
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2 or mask.shape[1] != n:
        raise OptionError(f"mask must have shape (S, {n}); got {mask.shape}")
    S = mask.shape[0]
    Y = np.broadcast_to(np.asarray(y, dtype=float), (S, n))
    W = np.ones((S, n)) if weights is None else np.broadcast_to(np.asarray(weights, dtype=float), (S, n))
    types = (cov_type,) * S if isinstance(cov_type, str) else tuple(cov_type)
    if len(types) != S:
        raise OptionError(f"cov_type has {len(types)} entries for {S} specs")
    for t in set(types):
        if t not in BATCH_COV_TYPES:
            raise OptionError(f"cov_type={t!r} is not valid here; choose one of {BATCH_COV_TYPES}")
    M = mask & np.isfinite(Y) & np.isfinite(W)
    Mw = np.where(M, W, 0.0)
    Yz = np.where(M, Y, 0.0)
    nobs = M.sum(axis=1)
    if (nobs <= k).any():
        bad = int(np.argmax(nobs <= k))
        raise EstimationError(f"spec {bad} has {int(nobs[bad])} observations for {k} parameters")
    with one_blas_thread():  # skinny (S, n) products: see econindex/_kernels/threads.py
        params, Ainv = batched_wls(Yz, X, Mw, det_tol=0.0)
        with np.errstate(invalid="ignore"):
            cond = np.where(np.isfinite(Ainv).all(axis=(1, 2)), np.linalg.cond(np.nan_to_num(Ainv)), np.inf)
        singular = ~np.isfinite(params).all(axis=1) | ~np.isfinite(cond) | (cond > 1e14)
        if singular.any():
            bad = int(np.argmax(singular))
            raise EstimationError(f"spec {bad} has a singular design (condition number {cond[bad]:.3g})")
        resid = np.where(M, Yz - params @ X.T, 0.0)  # (S, n)
        t_arr = np.array(types)
        cov = np.empty((S, k, k))
        n_clusters = None
        codes, g = (None, 0)
        if (t_arr == "cluster").any():
            if clusters is None:
                raise OptionError("cov_type='cluster' needs clusters")
            arr = np.asarray(clusters)
            if arr.shape != (n,):
                raise OptionError(f"clusters must have shape ({n},); got {arr.shape}")
            codes, labels = cluster_codes(arr.astype(str))
            g = int(labels.size)
            n_clusters = np.full(S, np.nan)
        for kind in set(types):
            sel = t_arr == kind
            c, _, ncl = batch_sandwich(
                kind,
                X,
                resid[sel],
                M[sel].astype(float),
                np.where(M[sel], W[sel], 0.0),
                Ainv[sel],
                codes=codes,
                n_groups=g,
            )
            cov[sel] = c
            if ncl is not None and n_clusters is not None:
                n_clusters[sel] = ncl
        bse = np.sqrt(np.clip(np.einsum("skk->sk", cov), 0.0, None))
    return BatchFit(
        params=params,
        bse=bse,
        nobs=nobs,
        df_resid=(nobs - k).astype(float),
        n_clusters=n_clusters,
        cov_type=types,
    )
