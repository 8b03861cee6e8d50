"""Batched least squares on many subsets / outcomes / weightings at once (NumPy only).

Robustness checks refit one small regression hundreds of times: without each
geo, without each region, over a grid of specifications. A Python loop of
statsmodels fits costs about a millisecond each; stacking the fits into
``(S, k, k)`` arrays and solving them together costs microseconds each
(measured in ``benchmarks/bench_influence.py`` and ``bench_speccurve.py``),
which is why this hand-written kernel exists. Numbers equal statsmodels'
WLS with the same covariance type to 1e-10 (``tests/test_robustness_batch.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from econindex.errors import EstimationError, OptionError

__all__ = ["BatchFit", "batch_wls", "BATCH_COV_TYPES"]

BATCH_COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")


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
        t = np.abs(self.tvalues())
        df = self.df_resid.astype(float)
        if self.n_clusters is not None:
            is_cl = np.array([c == "cluster" for c in self.cov_type])
            df = np.where(is_cl, self.n_clusters - 1.0, df)
        use = np.broadcast_to(np.asarray(use_t, dtype=bool), df.shape)
        p_t = 2 * stats.t.sf(t, df[:, None])
        p_z = 2 * stats.norm.sf(t)
        return np.where(use[:, None], p_t, p_z)


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
    A = np.einsum("sn,nk,nl->skl", Mw, X, X)
    rhs = np.einsum("sn,nk->sk", Mw * Yz, X)
    try:
        Ainv = np.linalg.inv(A)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - singular designs are caught per spec below
        raise EstimationError(f"a spec has a singular design: {exc}") from exc
    cond = np.linalg.cond(A)
    if (~np.isfinite(cond) | (cond > 1e14)).any():
        bad = int(np.argmax(~np.isfinite(cond) | (cond > 1e14)))
        raise EstimationError(f"spec {bad} has a singular design (condition number {cond[bad]:.3g})")
    params = np.einsum("skl,sl->sk", Ainv, rhs)
    resid = np.where(M, Yz - params @ X.T, 0.0)  # (S, n)
    df_resid = (nobs - k).astype(float)
    t_arr = np.array(types)
    cov = np.empty((S, k, k))
    n_clusters = None

    sel = t_arr == "nonrobust"
    if sel.any():
        s2 = (Mw[sel] * resid[sel] ** 2).sum(axis=1) / df_resid[sel]
        cov[sel] = s2[:, None, None] * Ainv[sel]
    hc = np.isin(t_arr, ("HC0", "HC1", "HC2", "HC3"))
    if hc.any():
        u2 = (Mw[hc] * resid[hc]) ** 2  # w^2 e^2 (statsmodels: wresid^2 on whitened X)
        lev = Mw[hc] * np.einsum("nk,skl,nl->sn", X, Ainv[hc], X)
        kind = t_arr[hc]
        with np.errstate(divide="ignore", invalid="ignore"):
            u2 = np.where((kind == "HC2")[:, None], u2 / (1 - lev), u2)
            u2 = np.where((kind == "HC3")[:, None], u2 / (1 - lev) ** 2, u2)
        u2 = np.where(M[hc], u2, 0.0)
        # whitened residual^2 times whitened x x' = w^2 e^2 x x'
        meat = np.einsum("sn,nk,nl->skl", u2, X, X)
        c = Ainv[hc] @ meat @ Ainv[hc]
        scale = np.where(kind == "HC1", nobs[hc] / df_resid[hc], 1.0)
        cov[hc] = c * scale[:, None, None]
    cl = t_arr == "cluster"
    if cl.any():
        if clusters is None:
            raise OptionError("cov_type='cluster' needs clusters")
        codes, uniq = _codes(clusters, n)
        G = len(uniq)
        onehot = np.zeros((n, G))
        onehot[np.arange(n), codes] = 1.0
        score = (Mw[cl] * resid[cl])[:, :, None] * X[None, :, :]  # (s, n, k)
        gsc = np.einsum("snk,ng->sgk", score, onehot)
        meat = np.einsum("sgk,sgl->skl", gsc, gsc)
        g_s = (np.einsum("sn,ng->sg", M[cl].astype(float), onehot) > 0).sum(axis=1)
        nc = nobs[cl]
        scale = g_s / (g_s - 1.0) * (nc - 1.0) / (nc - k)
        cov[cl] = (Ainv[cl] @ meat @ Ainv[cl]) * scale[:, None, None]
        n_clusters = np.full(S, np.nan)
        n_clusters[cl] = g_s
    bse = np.sqrt(np.clip(np.einsum("skk->sk", cov), 0.0, None))
    return BatchFit(
        params=params, bse=bse, nobs=nobs, df_resid=df_resid, n_clusters=n_clusters, cov_type=types
    )


def _codes(labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise OptionError(f"clusters must have shape ({n},); got {arr.shape}")
    uniq, codes = np.unique(arr.astype(str), return_inverse=True)
    return codes, uniq
