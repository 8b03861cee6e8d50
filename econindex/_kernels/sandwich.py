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
    "target_adjusted_scores",
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


Hat = tuple[np.ndarray, np.ndarray]
"""``(U, K)`` with the whitened hat matrix ``H = U K U'``: by default ``(wX, bread)``; with
absorbed fixed effects ``U = [wX, sqrt(w) D]`` and ``K = blockdiag(bread, pinv(D'WD))``
(the within design and the effects' projection, orthogonal by Frisch-Waugh-Lovell)."""


def _pad(a: np.ndarray, idx: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rows of ``a`` (N, p) per cluster, padded with zeros: (G, m, p)."""
    return np.where(mask[:, :, None], a[np.where(mask, idx, 0)], 0.0)


def _cluster_blocks(
    wX: np.ndarray, bread: np.ndarray, idx: np.ndarray, mask: np.ndarray, hat: Hat | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Padded per-cluster designs (G, m, k) and ``I - H_gg`` (G, m, m)."""
    Xg = _pad(wX, idx, mask)
    U, K = (wX, bread) if hat is None else hat
    Ug = Xg if hat is None else _pad(U, idx, mask)
    H = np.einsum("gik,kl,gjl->gij", Ug, K, Ug)
    eye = np.eye(idx.shape[1])
    return Xg, eye[None] - H


def _inv_power(M: np.ndarray, power: float, generalized: bool = False) -> np.ndarray:
    """``M ** -power`` of a batch of symmetric positive-semidefinite matrices via ``eigh``.

    ``generalized=True`` takes the Moore-Penrose power (eigenvalues below 1e-12 get 0),
    as clubSandwich's ``Sym_power`` does: with fixed effects nested in the clusters each
    cluster's ``I - H_gg`` is singular along its own effects, where its residuals have
    no component (Pustejovsky and Tipton 2018, Theorem 2: the adjustment then equals the
    one of the within design). Otherwise a singular block is an error.
    """
    vals, vecs = np.linalg.eigh(M)
    small = vals <= 1e-12
    if small.any() and not generalized:
        raise np.linalg.LinAlgError(
            "I - H_gg is singular for a cluster (a cluster fits its residuals exactly)"
        )
    powered = np.where(small, 0.0, np.where(small, 1.0, vals) ** -power)
    return np.einsum("gij,gj,gkj->gik", vecs, powered, vecs)


def cluster_adjusted_scores(
    wX: np.ndarray,
    wresid: np.ndarray,
    bread: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    power: float,
    hat: Hat | None = None,
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
    Xg, IminusH = _cluster_blocks(wX, bread, idx, mask, hat)
    A = _inv_power(IminusH, power, generalized=hat is not None)
    eg = np.where(mask, wresid[np.where(mask, idx, 0)], 0.0)
    scores = np.einsum("gik,gij,gj->gk", Xg, A, eg)
    return scores, A, idx, mask


def target_adjusted_scores(
    wX: np.ndarray,
    wresid: np.ndarray,
    bread: np.ndarray,
    sqrt_w: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    target: np.ndarray,
    hat: Hat | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CR2 scores with R clubSandwich's working-model adjustment (Pustejovsky and Tipton 2018).

    In the original (not whitened) scale, with ``H = X bread X' W``, the working
    model ``Var(e) = Theta = diag(target)``, ``V_g = Theta_g^{1/2}`` and
    ``G_g = V_g [(I - H) Theta (I - H)']_gg V_g``, the adjustment is
    ``A_g = V_g G_g^{-1/2} V_g`` and the score ``X_g' W_g A_g e_g``
    (``vcovCR(type="CR2", target=...)``; its default for a weighted ``lm`` is
    ``target = 1``, ``inverse_var=TRUE`` is ``target = 1 / w``). Returned in the
    whitened scale of :func:`cluster_adjusted_scores` (``A`` becomes
    ``sqrt(W_g) A_g sqrt(W_g)^{-1}``), so :func:`bell_mccaffrey_dof` applies.
    Without weights and with ``target = 1`` this is :func:`cluster_adjusted_scores`
    with ``power=0.5``. Weights must be positive.
    """
    idx, mask = padded_clusters(codes, n_groups)
    take = np.where(mask, idx, 0)
    Xg, IminusH = _cluster_blocks(wX, bread, idx, mask, hat)  # whitened: I - U K U'
    tw = np.where(mask, (target * sqrt_w**2)[take], 0.0)  # whitened target w * theta
    U, K = (wX, bread) if hat is None else hat
    Ug = Xg if hat is None else _pad(U, idx, mask)
    omega = K @ (U.T @ (U * (target * sqrt_w**2)[:, None])) @ K
    # [(I - H~) Theta~ (I - H~)]_gg = Theta~ - H~ Theta~ - Theta~ H~ + X~_g Omega X~_g'
    eye = np.eye(idx.shape[1])
    H = eye[None] - IminusH
    S = tw[:, :, None] * eye[None] - H * tw[:, None, :] - tw[:, :, None] * H
    S = S + np.einsum("gik,kl,gjl->gij", Ug, omega, Ug)
    v = np.where(mask, np.sqrt(target)[take], 1.0)  # V_g
    d = np.where(mask, sqrt_w[take], 1.0)  # sqrt(W_g)
    r = v / d  # original-scale G_g = R S R with R = V / sqrt(W)
    Gm = np.where(mask[:, :, None] & mask[:, None, :], r[:, :, None] * S * r[:, None, :], eye[None])
    root = _inv_power(Gm, 0.5, generalized=hat is not None)
    A = (d * v)[:, :, None] * root * (v / d)[:, None, :]
    eg = np.where(mask, wresid[take], 0.0)
    scores = np.einsum("gik,gij,gj->gk", Xg, A, eg)
    return scores, A, idx, mask


def bell_mccaffrey_dof(
    wX: np.ndarray,
    bread: np.ndarray,
    A: np.ndarray,
    idx: np.ndarray,
    mask: np.ndarray,
    target: np.ndarray | None = None,
    hat: Hat | None = None,
) -> np.ndarray:
    """Satterthwaite (Bell-McCaffrey) degrees of freedom of each coefficient's t-statistic, shape (k,).

    Coefficient ``j``'s variance is ``sum_g (c_g' e_g)^2`` with
    ``c_g = A_g' X_g bread[:, j]`` (whitened scale). Under the working model
    ``Var(e) = (I - H) Theta (I - H)``, ``Theta = diag(target)`` (default the
    identity: inverse-variance weights), let ``P_gh = c_g' [(I - H) Theta (I - H)]_gh c_h``;
    the dof is ``tr(P)**2 / tr(P**2)`` (Bell and McCaffrey 2002; Imbens and Kolesar 2016,
    eq. 8; clubSandwich's ``coef_test(test="Satterthwaite")`` with its ``target``).
    ``target`` is in the whitened scale (``w * theta``); ``hat`` gives ``H`` (see :data:`Hat`).
    """
    n_groups, _ = idx.shape
    take = np.where(mask, idx, 0)
    Xg = _pad(wX, idx, mask)
    C = np.einsum("gji,gjk,kl->lgi", A, Xg, bread)  # (k, G, m): c_g for each coefficient
    U, K = (wX, bread) if hat is None else hat
    Ug = Xg if hat is None else _pad(U, idx, mask)
    if target is None:
        tw = mask.astype(float)
        omega = K
    else:
        tw = np.where(mask, target[take], 0.0)
        omega = K @ (U.T @ (U * target[:, None])) @ K
    F1 = np.einsum("lgi,gip->lgp", C, Ug)  # c_g' U_g
    F2 = np.einsum("lgi,gi,gip->lgp", C, tw, Ug)  # c_g' Theta_g U_g
    cross = np.einsum("lgp,pq,lhq->lgh", F1, K, F2)
    P = np.einsum("lgp,pq,lhq->lgh", F1, omega, F1) - cross - np.swapaxes(cross, 1, 2)
    diag = np.arange(n_groups)
    P[:, diag, diag] += np.einsum("lgi,gi->lg", C**2, tw)
    tr = np.einsum("lgg->l", P)
    tr2 = np.einsum("lgh,lhg->l", P, P)
    return np.asarray(tr**2 / tr2)
