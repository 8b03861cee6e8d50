"""Closed-form leverage and leave-one-out coefficients.

Why hand-written: statsmodels' ``OLSInfluence.dfbeta`` computes the same
quantities, but only after building an influence object from a fitted
results instance (and its ``params_not_obsi`` refits N models). The closed
forms below are one QR plus an ``einsum``: 0.09 ms for the 114 countries
against 23 ms for 114 statsmodels refits (``benchmarks/bench_bootstrap.py``);
``tests/test_regression.py`` checks them against explicit refits and
statsmodels' ``dfbeta``.
"""

from __future__ import annotations

import numpy as np

from econindex._kernels.ols import WLSArrays, check_inputs, wls

__all__ = ["leverage", "loo_params", "loo_delta"]


def loo_delta(fit: WLSArrays) -> np.ndarray:
    """``b - b_(i)`` for every observation ``i`` of a fit, shape (N, k); NaN rows where ``h_i = 1``.

    ``inv(X'WX) x_i w_i e_i / (1 - h_i)`` (Belsley, Kuh and Welsch 1980, eq. 2.1) from the
    fit's one QR factorisation.
    """
    one_minus_h = 1.0 - fit.hat
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(one_minus_h > 1e-12, fit.wresid / one_minus_h, np.nan)
    return (fit.wX * scale[:, None]) @ fit.bread  # bread symmetric


def leverage(X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Diagonal of the (weighted) hat matrix, ``h_i = w_i x_i' inv(X'WX) x_i``.

    Parameters
    ----------
    X : ndarray, shape (N, k)
        Design including the constant column.
    w : ndarray, shape (N,), optional
        Non-negative weights (WLS); ``None`` is OLS.

    Returns
    -------
    ndarray, shape (N,)
        Leverages in [0, 1]; they sum to ``k``.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 6.0]])
    >>> h = leverage(X)
    >>> round(float(h.sum()), 12), int(h.argmax())
    (2.0, 3)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    n = X.shape[0]
    sqrt_w = np.ones(n) if w is None else np.sqrt(np.asarray(w, dtype=float))
    q, _ = np.linalg.qr(X * sqrt_w[:, None])
    return np.einsum("ij,ij->i", q, q)


def loo_params(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Coefficients when each observation in turn is left out, shape (N, k).

    Uses ``b_(i) = b - inv(X'WX) x_i w_i e_i / (1 - h_i)`` (e.g. Belsley, Kuh
    and Welsch 1980, eq. 2.1), so all N refits cost one factorisation.

    Parameters
    ----------
    X : ndarray, shape (N, k)
    y : ndarray, shape (N,)
    w : ndarray, shape (N,), optional

    Returns
    -------
    ndarray, shape (N, k)
        Row ``i`` holds the coefficients fitted without observation ``i``; a row
        is NaN where dropping the observation leaves a singular design
        (leverage 1).

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> y = np.array([0.0, 1.0, 2.0, 9.0])
    >>> b = loo_params(X, y)
    >>> b[3].round(10)  # without the outlier the line is y = x
    array([0., 1.])
    """
    y, X, w = check_inputs(y, X, w)
    fit = wls(y, X, w)
    return fit.params[None, :] - loo_delta(fit)
