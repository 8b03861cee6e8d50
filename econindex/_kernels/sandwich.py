"""NumPy kernels for the "meat" of sandwich covariance estimators.

Every function takes the whitened design ``wX`` (``sqrt(w) * X``), the
whitened residuals ``wresid`` and, where needed, the bread
``inv(X' W X)`` and the leverages, and returns a (k, k) meat ``M`` such that
``cov = bread @ M @ bread``. Small-sample scale factors are applied by the
registry in :mod:`econindex.covariance`, not here.

Why hand-written: statsmodels has no CR2 (Bell-McCaffrey) estimator and
computes its CR3 by refitting once per cluster; the padded, batched
per-cluster algebra below does all clusters in one call. HC0-HC3 and CR1 are
a few lines and are checked against statsmodels to 1e-10.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "hc_meat",
    "cluster_codes",
    "cluster_scores",
    "cr1_meat",
    "padded_clusters",
    "cluster_adjusted_scores",
    "bell_mccaffrey_dof",
]


def hc_meat(wX: np.ndarray, wresid: np.ndarray, hat: np.ndarray, kind: str) -> np.ndarray:
    """Meat ``X' diag(omega) X`` of HC0 (also HC1), HC2 or HC3.

    ``omega`` is ``e**2`` (HC0/HC1), ``e**2 / (1 - h)`` (HC2) or
    ``e**2 / (1 - h)**2`` (HC3).

    Examples
    --------
    >>> X = np.column_stack([np.ones(3), [0.0, 1.0, 2.0]])
    >>> hc_meat(X, np.array([1.0, -2.0, 1.0]), np.zeros(3), "HC0")
    array([[6., 6.],
           [6., 8.]])
    """
    e2 = wresid**2
    if kind == "HC2":
        e2 = e2 / (1.0 - hat)
    elif kind == "HC3":
        e2 = e2 / (1.0 - hat) ** 2
    return (wX * e2[:, None]).T @ wX


def cluster_codes(clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes ``0..G-1`` and the sorted unique labels of ``clusters``."""
    labels, codes = np.unique(np.asarray(clusters), return_inverse=True)
    return codes.reshape(-1), labels


def cluster_scores(wX: np.ndarray, wresid: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per-cluster score sums ``X_g' e_g``, shape (G, k), via one ``bincount``-like ``add.at``."""
    scores = np.zeros((n_groups, wX.shape[1]))
    np.add.at(scores, codes, wX * wresid[:, None])
    return scores


def cr1_meat(wX: np.ndarray, wresid: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Meat ``sum_g X_g' e_g e_g' X_g`` of the CR0/CR1 cluster-robust estimator."""
    s = cluster_scores(wX, wresid, codes, n_groups)
    return s.T @ s


def padded_clusters(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Index matrix (G, m) of the observations of each cluster, padded with -1, and its mask."""
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=n_groups)
    m = int(sizes.max())
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(codes.size) - np.repeat(starts, sizes)
    idx = np.full((n_groups, m), -1)
    idx[codes[order], pos] = order
    return idx, idx >= 0


def _cluster_blocks(
    wX: np.ndarray, bread: np.ndarray, idx: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Padded per-cluster designs (G, m, k) and ``I - H_gg`` (G, m, m)."""
    Xg = np.where(mask[:, :, None], wX[np.where(mask, idx, 0)], 0.0)
    H = np.einsum("gik,kl,gjl->gij", Xg, bread, Xg)
    eye = np.eye(idx.shape[1])
    return Xg, eye[None] - H


def _inv_power(M: np.ndarray, power: float) -> np.ndarray:
    """``M ** -power`` of a batch of symmetric positive-definite matrices via ``eigh``."""
    vals, vecs = np.linalg.eigh(M)
    if (vals <= 1e-12).any():
        raise np.linalg.LinAlgError(
            "I - H_gg is singular for a cluster (a cluster fits its residuals exactly)"
        )
    return np.einsum("gij,gj,gkj->gik", vecs, vals**-power, vecs)


def cluster_adjusted_scores(
    wX: np.ndarray,
    wresid: np.ndarray,
    bread: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    power: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores ``X_g' A_g e_g`` with ``A_g = (I - H_gg)^{-power}``, all clusters in one batch.

    ``power=0.5`` gives the CR2 (Bell-McCaffrey) adjustment, ``power=1`` the
    CR3 one (``bread @ scores[g]`` is then ``b - b_(g)``, the change of the
    coefficients when cluster ``g`` is deleted).

    Returns
    -------
    scores : (G, k)
    A : (G, m, m) the adjustment matrices (padded with identity)
    idx, mask : (G, m) padded observation indices and their mask

    Raises
    ------
    numpy.linalg.LinAlgError
        ``I - H_gg`` is singular for some cluster.
    """
    idx, mask = padded_clusters(codes, n_groups)
    Xg, IminusH = _cluster_blocks(wX, bread, idx, mask)
    A = _inv_power(IminusH, power)
    eg = np.where(mask, wresid[np.where(mask, idx, 0)], 0.0)
    scores = np.einsum("gik,gij,gj->gk", Xg, A, eg)
    return scores, A, idx, mask


def bell_mccaffrey_dof(
    wX: np.ndarray, bread: np.ndarray, A: np.ndarray, idx: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """Bell-McCaffrey degrees of freedom of each coefficient's CR2 t-statistic, shape (k,).

    For coefficient ``j`` let ``G_j`` be the N x G matrix whose column ``g`` is
    ``(I - H)[:, g] A_g X_g bread[:, j]``; the dof is
    ``tr(G_j' G_j)**2 / tr((G_j' G_j)**2)`` (Bell and McCaffrey 2002; Imbens and
    Kolesar 2016, eq. 8), the Satterthwaite approximation under homoskedastic
    errors of the whitened model.
    """
    n, _ = wX.shape
    n_groups = idx.shape[0]
    Xg = np.where(mask[:, :, None], wX[np.where(mask, idx, 0)], 0.0)
    Z = np.einsum("gij,gjk,kl->gil", A, Xg, bread)  # (G, m, k): A_g X_g bread
    # D_j: (N, G) with D_j[i, g] = Z[g, pos(i), j] for i in cluster g
    rows = idx[mask]
    grp = np.repeat(np.arange(n_groups), mask.sum(axis=1))
    zj = Z[mask]  # (N, k) in the order of `rows`
    D = np.zeros((wX.shape[1], n, n_groups))
    D[:, rows, grp] = zj.T
    # M = I - H; G_j' G_j = D_j' M D_j because M is symmetric and idempotent
    XD = np.einsum("ni,jng->jig", wX, D)  # X' D_j  (k_j, k, G)
    GtG = np.einsum("jng,jnh->jgh", D, D) - np.einsum("jig,il,jlh->jgh", XD, bread, XD)
    tr = np.einsum("jgg->j", GtG)
    tr2 = np.einsum("jgh,jhg->j", GtG, GtG)
    return np.asarray(tr**2 / tr2)
