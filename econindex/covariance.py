"""Registry of covariance estimators for least-squares coefficients.

Canonical names only: ``"nonrobust"``, ``"HC0"``, ``"HC1"``, ``"HC2"``,
``"HC3"`` and ``"cluster"`` (with ``cluster_correction`` ``"CR1"``, ``"CR2"``
or ``"CR3"``). Each entry supplies the meat of the sandwich
``bread @ meat @ bread`` (``bread = inv(X' W X)``), its small-sample scale
factor, the degrees of freedom of its reference t distribution, and declares
the options it accepts. :func:`compute` is the single entry point.

What each name means (it differs between packages, so results print it):

========== ===============================================================
nonrobust  ``s^2 inv(X'WX)``, ``s^2 = SSR / (N - k)``; t(N - k)
HC0        White (1980): ``e_i^2``, no correction; t(N - k) by default
HC1        HC0 times ``N / (N - k)`` (Stata's ``robust``); t(N - k)
HC2        ``e_i^2 / (1 - h_i)`` (MacKinnon-White 1985); t(N - k)
HC3        ``e_i^2 / (1 - h_i)^2`` (jackknife-like; Long-Ervin 2000); t(N - k)
cluster    CR1: Liang-Zeger with ``G/(G-1) (N-1)/(N-k)`` as in Stata and
           statsmodels; t(G - 1).
           CR2: Bell-McCaffrey ``A_g = (I - H_gg)^{-1/2}``, no further
           factor; t with Bell-McCaffrey dof per coefficient.
           CR3: delete-one-cluster jackknife ``(G-1)/G sum_g (b_(g) - b)
           (b_(g) - b)'`` (statsmodels' ``cluster-crv3``); t(G - 1).
========== ===============================================================

``convention="clubSandwich"`` reproduces R clubSandwich's ``vcovCR`` and
``coef_test(test="Satterthwaite")``: CR3 without ``(G-1)/G`` and with
Satterthwaite dof, and CR2 (and the dof) on clubSandwich's working model
``target=`` (default ``"identity"``, its default for a weighted ``lm``;
``"inverse_weights"`` is its ``inverse_var=TRUE``). Without weights both
conventions give the same CR2. For PPML (option ``poisson``) clubSandwich
works in the response scale (weights ``1 / mu``) and its default target is the
variance function (``"inverse_weights"``: ``mu``), as ``vcovCR(glm)``; the
statsmodels convention's CR2 is the symmetric root on the whitened IRLS step,
1-3% apart from it on ``tests/reference/r_ppml_fe.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from econindex._kernels import sandwich
from econindex._kernels.ols import WLSArrays
from econindex.errors import EstimationError, OptionError
from econindex.schema import check_option

__all__ = [
    "CovType",
    "CovEstimate",
    "ClusterCorrection",
    "COV_TYPES",
    "CLUSTER_CORRECTIONS",
    "REGISTRY",
    "get",
    "compute",
    "describe",
]

CovType = Literal["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"]
ClusterCorrection = Literal["CR1", "CR2", "CR3"]
COV_TYPES: tuple[str, ...] = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
CLUSTER_CORRECTIONS: tuple[str, ...] = ("CR1", "CR2", "CR3")
CONVENTIONS: tuple[str, ...] = ("statsmodels", "clubSandwich")
"""``convention="clubSandwich"`` reproduces R clubSandwich's ``vcovCR``/``coef_test``: CR3 without
the ``(G-1)/G`` factor, Satterthwaite dof, and for WLS its CR2 working model (``target=``)."""


@dataclass(frozen=True)
class CovEstimate:
    """A covariance matrix with everything inference needs to use it.

    Attributes
    ----------
    cov : ndarray (k, k)
    cov_type : str
        Canonical registry name.
    label : str
        Short label for tables, e.g. ``"HC1"`` or ``"cluster (CR2, 9 clusters)"``.
    description : str
        What the estimator is, in words (shown in publication tables).
    scale_factor : float
        Small-sample factor already applied to ``bread @ meat @ bread``.
    df : ndarray (k,) or None
        Degrees of freedom of each coefficient's t reference distribution
        (``None`` when the normal is used).
    df_wald : float or None
        Denominator dof of the joint Wald F test.
    n_clusters : int or None
    """

    cov: np.ndarray
    cov_type: str
    label: str
    description: str
    scale_factor: float
    df: np.ndarray | None
    df_wald: float | None
    n_clusters: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


Compute = Callable[[WLSArrays, int, int, bool, Mapping[str, Any]], CovEstimate]


@dataclass(frozen=True)
class _Entry:
    name: str
    description: str
    options: tuple[str, ...]
    compute: Compute


def _sandwich(fit: WLSArrays, meat: np.ndarray) -> np.ndarray:
    c = fit.bread @ meat @ fit.bread
    return (c + c.T) / 2.0


def _df(value: float, k: int, use_t: bool) -> np.ndarray | None:
    return np.full(k, float(value)) if use_t else None


def _nonrobust(fit: WLSArrays, nobs: int, df_resid: int, use_t: bool, opts: Mapping[str, Any]) -> CovEstimate:
    k = fit.params.size
    fixed = opts.get("scale")
    scale = float(fit.wresid @ fit.wresid) / df_resid if fixed is None else float(fixed)
    return CovEstimate(
        scale * fit.bread,
        "nonrobust",
        "nonrobust" if fixed is None else "nonrobust (model-based)",
        _DESCRIPTIONS["nonrobust"] if fixed is None else _DESCRIPTIONS["nonrobust_glm"],
        1.0,
        _df(df_resid, k, use_t),
        float(df_resid) if use_t else None,
    )


def _hc(kind: str) -> Compute:
    def compute(
        fit: WLSArrays, nobs: int, df_resid: int, use_t: bool, opts: Mapping[str, Any]
    ) -> CovEstimate:
        k = fit.params.size
        hat = fit.hat
        if kind in ("HC2", "HC3"):
            absorbed = _absorbed_hat(fit, opts)
            if absorbed is not None:  # the effects' leverage too: HC2/HC3 of the dummy design
                D, Q = absorbed[0][:, k:], absorbed[1][k:, k:]
                hat = hat + np.einsum("ni,ij,nj->n", D, Q, D)
            full = hat >= 1.0 - 1e-10
            if full.any():
                names = opts.get("obs_names")
                rows = [str(names[i]) if names is not None else f"row {i}" for i in np.flatnonzero(full)]
                raise EstimationError(f"{kind} is undefined: observations with leverage 1: {', '.join(rows)}")
        meat = sandwich.hc_meat(fit.wX, fit.wresid, hat, "HC0" if kind == "HC1" else kind)
        factor = nobs / df_resid if kind == "HC1" else 1.0
        return CovEstimate(
            factor * _sandwich(fit, meat),
            kind,
            kind,
            _DESCRIPTIONS[kind],
            factor,
            _df(df_resid, k, use_t),
            float(df_resid) if use_t else None,
        )

    return compute


def _cluster(fit: WLSArrays, nobs: int, df_resid: int, use_t: bool, opts: Mapping[str, Any]) -> CovEstimate:
    clusters = opts.get("clusters")
    if clusters is None:
        raise OptionError("cov_type='cluster' needs clusters= (one label per observation)")
    clusters = np.asarray(clusters)
    if clusters.shape != (nobs,):
        raise OptionError(
            f"clusters has shape {clusters.shape}; expected ({nobs},), one label per observation"
        )
    correction = check_option(
        "cluster_correction", opts.get("cluster_correction") or "CR1", CLUSTER_CORRECTIONS
    )
    codes, labels = sandwich.cluster_codes(clusters)
    g = int(labels.size)
    k = fit.params.size
    if g < 2:
        raise EstimationError(f"cluster-robust covariance needs at least 2 clusters, got {g}")
    if opts.get("target") is not None and opts.get("convention") != "clubSandwich":
        raise OptionError("target= (the CR2 working model) is an option of convention='clubSandwich' only")
    label = f"cluster ({correction}, {g} clusters)"
    if correction == "CR1":
        meat = sandwich.cr1_meat(fit.wX, fit.wresid, codes, g)
        factor = g / (g - 1.0) * (nobs - 1.0) / df_resid
        cov = factor * _sandwich(fit, meat)
        df = _df(g - 1, k, use_t)
    else:
        conv = check_option("convention", opts.get("convention") or "statsmodels", CONVENTIONS)
        club = conv == "clubSandwich"
        # clubSandwich works in the response scale: PPML's weights there are 1 / Var(y) = 1 / mu, the
        # inverse of its IRLS working weights mu (log link), with the same whitened design and residuals
        poisson = bool(opts.get("poisson"))
        sqrt_w = 1.0 / fit.sqrt_w if poisson else fit.sqrt_w
        theta = _working_target(sqrt_w, opts, "inverse_weights" if poisson else "identity") if club else None
        if club:
            label = f"cluster ({correction}, {g} clusters, clubSandwich)"
        hat = _absorbed_hat(fit, opts)
        try:
            if theta is not None and correction == "CR2":
                # clubSandwich's A_g = V G^{-1/2} V on its working model (identity for WLS, the
                # variance function mu for PPML)
                scores, A, idx, mask = sandwich.target_adjusted_scores(
                    fit.wX, fit.wresid, fit.bread, sqrt_w, codes, g, theta, hat
                )
            else:
                scores, A, idx, mask = sandwich.cluster_adjusted_scores(
                    fit.wX, fit.wresid, fit.bread, codes, g, 0.5 if correction == "CR2" else 1.0, hat
                )
        except np.linalg.LinAlgError as exc:
            raise EstimationError(f"{correction} is undefined: {exc}") from exc
        factor = 1.0 if correction == "CR2" or club else (g - 1.0) / g
        cov = factor * _sandwich(fit, scores.T @ scores)
        if correction == "CR2" or club:
            # Satterthwaite (Bell-McCaffrey) dof with this estimator's adjustment matrices, as
            # clubSandwich's coef_test(test="Satterthwaite"), under its working model
            wtheta = None if theta is None else theta * sqrt_w**2
            df = sandwich.bell_mccaffrey_dof(fit.wX, fit.bread, A, idx, mask, wtheta, hat) if use_t else None
        else:
            df = _df(g - 1, k, use_t)
    return CovEstimate(
        cov,
        "cluster",
        label,
        _DESCRIPTIONS[correction],
        factor,
        df,
        float(g - 1) if use_t else None,
        g,
        {
            "cluster_correction": correction,
            "convention": opts.get("convention") or "statsmodels",
            "target": opts.get("target"),
        },
    )


MAX_ABSORBED_LEVELS = 5000
"""Most absorbed fixed-effect levels for which HC2/HC3/CR2/CR3 form the effects' projection."""


def _absorbed_hat(fit: WLSArrays, opts: Mapping[str, Any]) -> sandwich.Hat | None:
    """``(U, K)`` of the full model's hat matrix when fixed effects were absorbed (option ``absorbed``:
    the (N, n_fe) integer codes), else ``None``.

    HC2/HC3 and CR2/CR3 depend on the hat matrix, and the within design's alone is not the
    model's: with ``U = [wX, sqrt(w) D]`` and ``K = blockdiag(bread, pinv(D'WD))``
    (``D`` the effects' dummies), ``U K U'`` is the hat matrix of the regression with the
    effects entered as dummies, so the estimators equal those of the dummy design.
    """
    codes = opts.get("absorbed")
    if codes is None:
        return None
    codes = np.asarray(codes)
    codes = codes[:, None] if codes.ndim == 1 else codes
    n_levels = [int(c.max()) + 1 for c in codes.T]
    if sum(n_levels) > MAX_ABSORBED_LEVELS:
        raise EstimationError(
            f"HC2/HC3/CR2/CR3 with {sum(n_levels)} absorbed fixed-effect levels (more than "
            f"{MAX_ABSORBED_LEVELS}) are not available; use HC1 or CR1"
        )
    D = np.hstack([np.eye(m)[c] for c, m in zip(codes.T, n_levels, strict=True)]) * fit.sqrt_w[:, None]
    k = fit.bread.shape[0]
    K = np.zeros((k + D.shape[1], k + D.shape[1]))
    K[:k, :k] = fit.bread
    K[k:, k:] = np.linalg.pinv(D.T @ D)
    return np.hstack([fit.wX, D]), K


TARGETS: tuple[str, ...] = ("identity", "inverse_weights")
"""Named working-model targets of ``convention="clubSandwich"`` (or pass one variance per observation)."""


def _working_target(sqrt_w: np.ndarray, opts: Mapping[str, Any], default: str) -> np.ndarray:
    """clubSandwich's working variances ``Theta = diag(target)`` in the original scale.

    ``"identity"``: clubSandwich's default for ``lm`` (``target = 1``, i.e.
    homoskedastic errors, whatever the weights); ``"inverse_weights"``: its
    ``inverse_var=TRUE`` (``target = 1 / w``), and its default for a ``glm`` (the
    variance function: ``mu`` for PPML, whose response-scale weights are
    ``1 / mu``); or one positive variance per observation. ``default`` names
    the one taken without ``target=``.
    """
    n = sqrt_w.size
    zero = np.flatnonzero(sqrt_w == 0)
    if zero.size:
        names = opts.get("obs_names")
        rows = [str(names[i]) if names is not None else f"row {i}" for i in zero[:10]]
        raise EstimationError(
            f"convention='clubSandwich' needs positive weights; zero at {', '.join(rows)}"
        )
    target = opts.get("target")
    if target is None or isinstance(target, str):
        name = check_option("target", target or default, TARGETS)
        return np.ones(n) if name == "identity" else 1.0 / sqrt_w**2
    theta = np.asarray(target, dtype=float).reshape(-1)
    if theta.shape != (n,) or not np.all(np.isfinite(theta) & (theta > 0)):
        raise OptionError(
            f"target must be 'identity', 'inverse_weights' or {n} positive finite variances, "
            f"one per observation; got shape {theta.shape}"
        )
    return theta


_DESCRIPTIONS: dict[str, str] = {
    "nonrobust": "classical OLS standard errors s^2 (X'X)^-1, s^2 = SSR/(N-k); homoskedastic errors",
    "nonrobust_glm": "model-based inverse information (dispersion fixed at 1; valid only if Var(y) = E(y))",
    "HC0": "heteroskedasticity-robust (White 1980), no small-sample correction",
    "HC1": "heteroskedasticity-robust (White) times N/(N-k); Stata's 'robust'",
    "HC2": "heteroskedasticity-robust with e^2/(1-h) (MacKinnon-White 1985)",
    "HC3": "heteroskedasticity-robust with e^2/(1-h)^2 (MacKinnon-White 1985; Long-Ervin 2000)",
    "CR1": "cluster-robust (Liang-Zeger) times G/(G-1)*(N-1)/(N-k), t(G-1); Stata's vce(cluster)",
    "CR2": "cluster-robust with Bell-McCaffrey (I-H_gg)^-1/2 adjustment and Bell-McCaffrey dof",
    "CR3": "cluster jackknife (G-1)/G * sum (b_(g)-b)(b_(g)-b)', t(G-1)",
}

REGISTRY: dict[str, _Entry] = {
    "nonrobust": _Entry("nonrobust", _DESCRIPTIONS["nonrobust"], ("scale",), _nonrobust),
    "HC0": _Entry("HC0", _DESCRIPTIONS["HC0"], (), _hc("HC0")),
    "HC1": _Entry("HC1", _DESCRIPTIONS["HC1"], (), _hc("HC1")),
    "HC2": _Entry("HC2", _DESCRIPTIONS["HC2"], ("absorbed",), _hc("HC2")),
    "HC3": _Entry("HC3", _DESCRIPTIONS["HC3"], ("absorbed",), _hc("HC3")),
    "cluster": _Entry(
        "cluster",
        "cluster-robust; see cluster_correction",
        ("clusters", "cluster_correction", "convention", "target", "absorbed", "poisson"),
        _cluster,
    ),
}
"""Canonical name -> entry (description, accepted options, compute function)."""


def get(name: str) -> _Entry:
    """The registry entry for ``name``; an unknown name raises :class:`OptionError` listing valid ones.

    Examples
    --------
    >>> get("HC1").name
    'HC1'
    >>> get("robust")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    econindex.errors.OptionError: cov_type='robust' is not valid; choose one of 'nonrobust', 'HC0', ...
    """
    check_option("cov_type", name, COV_TYPES)
    return REGISTRY[name]


def describe(cov_type: str, cluster_correction: str | None = None) -> str:
    """One sentence saying exactly what ``cov_type`` means.

    Examples
    --------
    >>> describe("HC1")
    "heteroskedasticity-robust (White) times N/(N-k); Stata's 'robust'"
    """
    if cov_type == "cluster":
        return _DESCRIPTIONS[cluster_correction or "CR1"]
    get(cov_type)
    return _DESCRIPTIONS[cov_type]


def compute(
    name: str,
    fit: WLSArrays,
    *,
    nobs: int,
    df_resid: int,
    use_t: bool = True,
    **options: Any,
) -> CovEstimate:
    """Covariance of the coefficients of ``fit`` by the registry entry ``name``.

    Options not declared by the entry raise :class:`OptionError` (``obs_names``
    is always accepted, for error messages).

    Examples
    --------
    >>> from econindex._kernels.ols import wls
    >>> X = np.column_stack([np.ones(5), np.arange(5.0)])
    >>> est = compute("HC1", wls(np.array([0.0, 1.2, 1.9, 3.1, 4.0]), X), nobs=5, df_resid=3)
    >>> est.label, round(est.scale_factor, 4)
    ('HC1', 1.6667)
    """
    entry = get(name)
    given = {k for k, v in options.items() if v is not None and k != "obs_names"}
    extra = sorted(given - set(entry.options))
    if extra:
        accepted = ", ".join(entry.options) or "none"
        raise OptionError(f"cov_type={name!r} does not take option(s) {extra}; it accepts: {accepted}")
    return entry.compute(fit, nobs, df_resid, use_t, options)


BATCH_COV_TYPES: tuple[str, ...] = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
"""Covariance types :func:`batch_sandwich` computes for many fits at once (cluster: CR1)."""


def batch_sandwich(
    kind: str,
    X: np.ndarray,
    resid: np.ndarray,
    mult: np.ndarray,
    w: np.ndarray,
    bread: np.ndarray,
    *,
    codes: np.ndarray | None = None,
    n_groups: int = 0,
    cluster_mult: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Covariances of ``S`` least-squares fits sharing the design ``X``: the registry's formulas, batched.

    The same estimators as :func:`compute` (nonrobust, HC0-HC3, cluster CR1 with
    statsmodels' ``G/(G-1) (N-1)/(N-k)``), for fits that differ in which rows
    they use and how often (``mult``: 0/1 subsample masks, or pairs-bootstrap
    multiplicities) and in their residuals.

    Parameters
    ----------
    kind : a name in :data:`BATCH_COV_TYPES`
    X : (N, k) unwhitened design
    resid : (S, N) unweighted residuals ``y - X b_s``
    mult : (S, N) multiplicity of each row in each fit (0 = not used)
    w : (N,) or (S, N) model (WLS) weights
    bread : (S, k, k) or (k, k) ``inv(X' diag(mult * w) X)``
    codes, n_groups : cluster codes 0..G-1 of the rows (``kind="cluster"``)
    cluster_mult : (S, G) how often each cluster enters each fit (default: 1 where any of its rows does)

    Returns
    -------
    cov : (S, k, k); nobs : (S,) ``sum(mult)``; n_clusters : (S,) or None

    Examples
    --------
    >>> X = np.column_stack([np.ones(5), np.arange(5.0)])
    >>> e = np.array([[0.1, -0.2, 0.3, -0.1, -0.1]])
    >>> from econindex._kernels.ols import wls
    >>> fit = wls(X @ [1.0, 2.0] + e[0], X)
    >>> cov, _, _ = batch_sandwich("HC1", X, fit.resid[None], np.ones((1, 5)), np.ones(5), fit.bread)
    >>> bool(np.allclose(cov[0], compute("HC1", fit, nobs=5, df_resid=3).cov))
    True
    """
    check_option("cov_type", kind, BATCH_COV_TYPES)
    n, k = X.shape
    mult = np.asarray(mult, dtype=float)
    W = np.broadcast_to(np.asarray(w, dtype=float), mult.shape)
    bread = np.broadcast_to(bread, (mult.shape[0], k, k))
    nobs = mult.sum(axis=1)
    df_resid = nobs - k
    n_clusters = None
    if kind == "nonrobust":
        s2 = (mult * W * resid**2).sum(axis=1) / df_resid
        return s2[:, None, None] * bread, nobs, None
    if kind == "cluster":
        if codes is None:
            raise OptionError("cov_type='cluster' needs cluster codes")
        onehot = np.eye(n_groups)[codes]  # (N, G)
        used = mult @ onehot  # rows of each cluster in each fit
        cm = (used > 0).astype(float) if cluster_mult is None else np.asarray(cluster_mult, dtype=float)
        per_copy = np.where(cm[:, codes] > 0, mult / np.maximum(cm[:, codes], 1.0), 0.0)
        scores = np.einsum("bn,ni,ng->bgi", per_copy * W * resid, X, onehot, optimize=True)
        meat = np.einsum("bg,bgi,bgj->bij", cm, scores, scores)
        g = cm.sum(axis=1)
        factor = g / (g - 1.0) * (nobs - 1.0) / df_resid
        n_clusters = g
    else:
        omega = mult * (W * resid) ** 2
        if kind in ("HC2", "HC3"):
            lev = W * np.einsum("nk,skl,nl->sn", X, bread, X)
            with np.errstate(divide="ignore", invalid="ignore"):
                omega = omega / (1.0 - lev) ** (1 if kind == "HC2" else 2)
            omega = np.where(mult > 0, omega, 0.0)
        xx = (X[:, :, None] * X[:, None, :]).reshape(n, k * k)
        meat = (omega @ xx).reshape(-1, k, k)
        factor = nobs / df_resid if kind == "HC1" else np.ones_like(nobs)
    cov = bread @ meat @ bread
    return factor[:, None, None] * (cov + np.swapaxes(cov, 1, 2)) / 2.0, nobs, n_clusters
