"""NumPy kernels for concentration measures (Gini, Lorenz curve, top-k share).

Every kernel works along the last axis of its inputs and broadcasts over the
leading ones, so the xarray layer in :mod:`econindex.indices` moves the ``geo``
dimension last and calls them once for all periods/platforms (no Python loop
over slices or geos). Missing values are handled by giving them zero weight:
a zero-weight point adds no width to the Lorenz curve, so it changes nothing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["clean_weights", "lorenz_points", "gini", "top_k_share"]

FloatArray = NDArray[np.float64]


def clean_weights(values: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Zero the weight (and value) of points whose value or weight is missing.

    Examples
    --------
    >>> v, w = clean_weights(np.array([1.0, np.nan]), np.array([2.0, 3.0]))
    >>> v.tolist(), w.tolist()
    ([1.0, 0.0], [2.0, 0.0])
    """
    values = np.asarray(values, dtype=float)
    weights = np.broadcast_to(np.asarray(weights, dtype=float), values.shape)
    ok = np.isfinite(values) & np.isfinite(weights)
    return np.where(ok, values, 0.0), np.where(ok, weights, 0.0)


def lorenz_points(values: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """Lorenz curve points along the last axis, sorted by ascending value.

    Returns the cumulative weight share ``P`` and cumulative mass share ``L``
    (mass = value x weight), each with a leading 0 (``n + 1`` points), and the
    sort order. Slices with no weight or no mass give NaN.

    Examples
    --------
    >>> P, L, order = lorenz_points(np.array([3.0, 1.0]), np.array([1.0, 1.0]))
    >>> P.tolist(), L.tolist(), order.tolist()
    ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0], [1, 0])
    """
    v, w = clean_weights(values, weights)
    order = np.argsort(v, axis=-1, kind="stable")
    v = np.take_along_axis(v, order, axis=-1)
    w = np.take_along_axis(w, order, axis=-1)
    cw = np.cumsum(w, axis=-1)
    cm = np.cumsum(v * w, axis=-1)
    zero = np.zeros((*v.shape[:-1], 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        P = np.concatenate([zero, cw / cw[..., -1:]], axis=-1)
        L = np.concatenate([zero, cm / cm[..., -1:]], axis=-1)
    return P, L, order


def gini(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted Gini coefficient along the last axis: ``1 - sum (P_i - P_{i-1}) (L_i + L_{i-1})``.

    With equal weights this is the usual sample Gini ``sum_ij |x_i - x_j| / (2 n^2 mean)``.

    Examples
    --------
    >>> float(gini(np.array([1.0, 1.0, 1.0]), np.ones(3)))
    0.0
    >>> round(float(gini(np.array([0.0, 0.0, 1.0]), np.ones(3))), 6)
    0.666667
    """
    P, L, _ = lorenz_points(values, weights)
    return lorenz_gini(P, L)


def lorenz_gini(P: FloatArray, L: FloatArray) -> FloatArray:
    """Gini coefficient of a Lorenz curve given by its points ``(P, L)`` along the last axis.

    Examples
    --------
    >>> float(lorenz_gini(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.0, 1.0])))
    0.5
    """
    area = np.sum(np.diff(P, axis=-1) * (L[..., 1:] + L[..., :-1]), axis=-1)
    return np.asarray(1.0 - area, dtype=float)


def top_k_share(values: FloatArray, weights: FloatArray, k: int) -> tuple[FloatArray, FloatArray]:
    """Share of the mass (value x weight) and of the weight held by the ``k`` highest values.

    Examples
    --------
    >>> m, w = top_k_share(np.array([1.0, 3.0, 2.0]), np.ones(3), 1)
    >>> float(m), round(float(w), 4)
    (0.5, 0.3333)
    """
    v, w = clean_weights(values, weights)
    # missing points (zero weight) must not be counted among the top k
    key = np.where(w > 0, v, -np.inf)
    order = np.argsort(-key, axis=-1, kind="stable")[..., :k]
    vk = np.take_along_axis(v, order, axis=-1)
    wk = np.take_along_axis(w, order, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mass = np.sum(vk * wk, axis=-1) / np.sum(v * w, axis=-1)
        weight = np.sum(wk, axis=-1) / np.sum(w, axis=-1)
    return np.asarray(mass, dtype=float), np.asarray(weight, dtype=float)
