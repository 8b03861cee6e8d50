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
        if kind in ("HC2", "HC3"):
            full = fit.hat >= 1.0 - 1e-10
            if full.any():
                names = opts.get("obs_names")
                rows = [str(names[i]) if names is not None else f"row {i}" for i in np.flatnonzero(full)]
                raise EstimationError(f"{kind} is undefined: observations with leverage 1: {', '.join(rows)}")
        meat = sandwich.hc_meat(fit.wX, fit.wresid, fit.hat, "HC0" if kind == "HC1" else kind)
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
    label = f"cluster ({correction}, {g} clusters)"
    if correction == "CR1":
        meat = sandwich.cr1_meat(fit.wX, fit.wresid, codes, g)
        factor = g / (g - 1.0) * (nobs - 1.0) / df_resid
        cov = factor * _sandwich(fit, meat)
        df = _df(g - 1, k, use_t)
    else:
        power = 0.5 if correction == "CR2" else 1.0
        try:
            scores, A, idx, mask = sandwich.cluster_adjusted_scores(
                fit.wX, fit.wresid, fit.bread, codes, g, power
            )
        except np.linalg.LinAlgError as exc:
            raise EstimationError(f"{correction} is undefined: {exc}") from exc
        factor = 1.0 if correction == "CR2" else (g - 1.0) / g
        cov = factor * _sandwich(fit, scores.T @ scores)
        if correction == "CR2":
            df = sandwich.bell_mccaffrey_dof(fit.wX, fit.bread, A, idx, mask) if use_t else None
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
        {"cluster_correction": correction},
    )


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
    "HC2": _Entry("HC2", _DESCRIPTIONS["HC2"], (), _hc("HC2")),
    "HC3": _Entry("HC3", _DESCRIPTIONS["HC3"], (), _hc("HC3")),
    "cluster": _Entry(
        "cluster", "cluster-robust; see cluster_correction", ("clusters", "cluster_correction"), _cluster
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
