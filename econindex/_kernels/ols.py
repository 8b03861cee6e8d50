"""NumPy kernels for ordinary and weighted least squares.

No xarray and no labels here: arrays in, arrays out. The public wrapper is
:class:`econindex.regression.OLS`.

Why hand-written: a single fit is as fast as statsmodels' (about 0.1-0.2 ms
for N = 114 either way), but statsmodels builds a model, a data handler and a
result object per fit, which dominates when thousands of fits are needed
(bootstrap, leave-one-out): :func:`batched_wls` solves all of them with one
matrix product (38-47x faster than a statsmodels loop for 10,000 pairs-bootstrap
replicates on the shared 2-core machine, ``benchmarks/bench_bootstrap.py``), and the registry needs the
whitened pieces (design, residuals, bread, leverages) that this kernel keeps.
The numbers are checked against statsmodels to 1e-10 in ``tests/test_regression.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from econindex.errors import DataValueError, EstimationError

__all__ = ["WLSArrays", "check_inputs", "wls", "batched_wls", "has_constant"]

RANK_TOL = 1e-10
"""Relative tolerance on the diagonal of R (from the QR of the whitened design)
below which a column counts as linearly dependent on the others."""


class WLSArrays(NamedTuple):
    """The pieces of one weighted least-squares fit (all in the original, not whitened, scale
    unless prefixed with ``w``)."""

    params: np.ndarray  # (k,)
    fitted: np.ndarray  # (N,)  X @ params
    resid: np.ndarray  # (N,)  y - fitted
    wX: np.ndarray  # (N, k) sqrt(w) * X
    wresid: np.ndarray  # (N,) sqrt(w) * resid
    bread: np.ndarray  # (k, k) inv(X' W X)
    hat: np.ndarray  # (N,) diagonal of the whitened hat matrix
    sqrt_w: np.ndarray  # (N,)


def _labels(obs_names: np.ndarray | None, idx: np.ndarray, limit: int = 10) -> str:
    idx = np.asarray(idx)
    shown = [str(obs_names[i]) if obs_names is not None else f"row {int(i)}" for i in idx[:limit]]
    more = f" (+{len(idx) - limit} more)" if len(idx) > limit else ""
    return ", ".join(shown) + more


def check_inputs(
    y: np.ndarray,
    X: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    names: tuple[str, ...] | None = None,
    obs_names: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate and coerce regression inputs; raise naming the offending rows, columns or argument.

    Returns float64 copies ``(y, X, weights)``; ``X`` is 2-D.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if y.ndim != 1:
        raise DataValueError(f"y must be one-dimensional, got shape {y.shape}")
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise DataValueError(f"X must be (N, k) with N = len(y) = {y.shape[0]}, got shape {X.shape}")
    n, k = X.shape
    if names is not None and len(names) != k:
        raise DataValueError(f"names has {len(names)} entries but X has {k} columns")
    if obs_names is not None and len(obs_names) != n:
        raise DataValueError(f"obs_names has {len(obs_names)} entries but there are {n} observations")
    bad_y = ~np.isfinite(y)
    if bad_y.any():
        raise DataValueError(f"y is NaN or infinite at {_labels(obs_names, np.flatnonzero(bad_y))}")
    bad_x = ~np.isfinite(X)
    if bad_x.any():
        rows, cols = np.nonzero(bad_x)
        col = names[cols[0]] if names is not None else f"column {cols[0]}"
        raise DataValueError(f"X ({col}) is NaN or infinite at {_labels(obs_names, np.unique(rows))}")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if w.shape[0] != n:
            raise DataValueError(f"weights has {w.shape[0]} entries but there are {n} observations")
        bad_w = ~np.isfinite(w)
        if bad_w.any():
            raise DataValueError(
                f"weights are NaN or infinite at {_labels(obs_names, np.flatnonzero(bad_w))}"
            )
        if (w < 0).any():
            raise DataValueError(f"weights are negative at {_labels(obs_names, np.flatnonzero(w < 0))}")
        if not (w > 0).any():
            raise DataValueError("weights are all zero")
    n_eff = n if w is None else int((w > 0).sum())
    if n_eff < k + 1:
        raise EstimationError(
            f"{n_eff} observations (with positive weight) for {k} parameters; need at least {k + 1}"
        )
    return y, X, w


def has_constant(X: np.ndarray) -> int | None:
    """Index of the first non-zero constant column of ``X``, or ``None``.

    Examples
    --------
    >>> has_constant(np.array([[1.0, 2.0], [1.0, 3.0]]))
    0
    """
    X = np.asarray(X)
    const = (np.ptp(X, axis=0) == 0) & (X[0] != 0)
    idx = np.flatnonzero(const)
    return int(idx[0]) if idx.size else None


def wls(
    y: np.ndarray,
    X: np.ndarray,
    w: np.ndarray | None = None,
    *,
    names: tuple[str, ...] | None = None,
) -> WLSArrays:
    """Weighted least squares by the QR factorisation of the whitened design.

    Minimises ``sum(w * (y - X b)**2)``; ``w=None`` is OLS. Inputs must already be
    finite (see :func:`check_inputs`).

    Raises
    ------
    EstimationError
        The design is rank-deficient (names the dependent column) or a
        regressor other than the constant is constant.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> wls(np.array([1.0, 3.0, 5.0, 7.0]), X).params.round(12)
    array([1., 2.])
    """
    n, k = X.shape
    sqrt_w = np.ones(n) if w is None else np.sqrt(w)
    wX = X * sqrt_w[:, None]
    wy = y * sqrt_w
    used = X if w is None else X[sqrt_w > 0]
    # constant columns (np.ptp(used, axis=0) == 0 for finite X, at a quarter of its cost)
    const_cols = np.flatnonzero((used == used[0]).all(axis=0))
    if const_cols.size > 1 or (const_cols.size == 1 and k > 1 and not np.any(X[:, const_cols[0]] != 0)):
        bad = names[const_cols[-1]] if names is not None else f"column {const_cols[-1]}"
        raise EstimationError(f"regressor {bad!r} is constant (collinear with the intercept or all zero)")
    q, r = np.linalg.qr(wX)
    diag = np.abs(np.diag(r))
    scale = np.linalg.norm(wX, axis=0)
    dep = diag <= RANK_TOL * np.maximum(scale, 1e-300)
    if dep.any():
        j = int(np.flatnonzero(dep)[0])
        bad = names[j] if names is not None else f"column {j}"
        raise EstimationError(
            f"design matrix is rank-deficient: regressor {bad!r} is a linear combination of the others"
        )
    # numpy's LAPACK solve on the triangular R (no pivoting happens: R is already
    # upper-triangular); measured faster than scipy.linalg.solve_triangular for small k
    r_inv = np.linalg.solve(r, np.eye(k))
    params = r_inv @ (q.T @ wy)
    bread = r_inv @ r_inv.T
    fitted = X @ params
    resid = y - fitted
    hat = np.einsum("ij,ij->i", q, q)
    return WLSArrays(params, fitted, resid, wX, resid * sqrt_w, bread, hat, sqrt_w)


def batched_wls(
    y: np.ndarray, X: np.ndarray, W: np.ndarray, *, det_tol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``B`` weighted least-squares problems sharing ``X`` at once.

    Parameters
    ----------
    y : ndarray, shape (N,) or (B, N)
        Response, shared or one per replicate.
    X : ndarray, shape (N, k)
    W : ndarray, shape (B, N)
        Non-negative observation weights per replicate (pairs-bootstrap
        resampling counts times the model weights).

    Returns
    -------
    params : ndarray, shape (B, k)
    xtwx_inv : ndarray, shape (B, k, k)
        ``inv(X' W_b X)``; NaN rows where a replicate's design is singular.

    Notes
    -----
    Forms the normal equations ``X' W_b X`` with one ``einsum`` over the
    replicates and solves them with a batched Cholesky-free ``solve``. The
    normal equations square the condition number, which is harmless for the
    well-conditioned designs of the bootstrap (two to a few regressors, centred
    internally) and 50-100x faster than refitting with statsmodels.

    Examples
    --------
    >>> X = np.column_stack([np.ones(5), np.arange(5.0)])
    >>> b, _ = batched_wls(1 + 2 * np.arange(5.0), X, np.ones((3, 5)))
    >>> b.round(10)
    array([[1., 2.],
           [1., 2.],
           [1., 2.]])
    """
    X = np.asarray(X, dtype=float)
    W = np.asarray(W, dtype=float)
    y = np.asarray(y, dtype=float)
    # centre the columns to improve conditioning of the normal equations
    mu = X.mean(axis=0)
    const = (np.ptp(X, axis=0) == 0) & (X[0] != 0)
    Xc = np.where(const, X, X - mu) if const.any() else X
    k = X.shape[1]
    # one BLAS matmul for all B normal equations: (B, N) @ (N, k*k)
    xx = (Xc[:, :, None] * Xc[:, None, :]).reshape(X.shape[0], k * k)
    xtwx = (W @ xx).reshape(-1, k, k)
    if y.ndim == 1:
        xtwy = W @ (Xc * y[:, None])
    else:
        xtwy = np.einsum("bn,ni,bn->bi", W, Xc, y, optimize=True)
    inv = _batched_inv(xtwx, det_tol)
    bc = np.einsum("bij,bj->bi", inv, xtwy)
    # undo the centring: X b = Xc bc  =>  b_j = bc_j (non-constant), b_c = bc_c - sum mu_j bc_j
    b = bc.copy()
    if const.any():
        c = int(np.flatnonzero(const)[0])
        nonconst = ~const
        b[:, c] = (bc[:, c] * X[0, c] - bc[:, nonconst] @ mu[nonconst]) / X[0, c]
        T = np.eye(k)
        T[c, nonconst] = -mu[nonconst] / X[0, c]
        # Xc = X @ T^{-1}-ish: with b = T bc, inv(X'WX) = T inv(Xc'WXc) T'
        inv = T @ inv @ T.T
    return b, inv


def _batched_inv(A: np.ndarray, det_tol: float = 1e-10) -> np.ndarray:
    """Inverses of a batch of symmetric PSD matrices; NaN where a matrix is (near) singular
    (determinant of its unit-diagonal scaling at most ``det_tol``)."""
    scale = np.sqrt(np.einsum("bii->bi", A))
    ok = (scale > 0).all(axis=1)
    s = np.where(ok[:, None], scale, 1.0)
    R = A / (s[:, :, None] * s[:, None, :])  # unit diagonal: conditioning is judged scale-free
    ok &= np.linalg.det(R) > det_tol
    out = np.full_like(A, np.nan)
    if ok.any():
        out[ok] = np.linalg.inv(R[ok]) / (s[ok][:, :, None] * s[ok][:, None, :])
    return out
