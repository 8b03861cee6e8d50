"""What the robustness tools need from a regression result, and how they get it.

Any econindex result that holds the shared :class:`econindex.regression.RegressionResult`
(the regression itself, an ``ElasticityResult``, an ``AutomationResult``, ...)
works, and so does a statsmodels ``RegressionResults``: :func:`design_of`
unwraps them into one small frozen record of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from econindex.errors import OptionError

from ._batch import BATCH_COV_TYPES, BatchFit, batch_wls

__all__ = ["RegressionLike", "EstimateLike", "Design", "design_of", "estimate_of"]


@runtime_checkable
class RegressionLike(Protocol):
    """The part of :class:`econindex.regression.RegressionResult` the robustness tools use."""

    @property
    def X(self) -> np.ndarray: ...
    @property
    def y(self) -> np.ndarray: ...
    @property
    def params(self) -> pd.Series: ...
    @property
    def cov_type(self) -> str: ...


@runtime_checkable
class EstimateLike(Protocol):
    """A fitted econindex estimate with a slope: ``slope``, ``se``, ``nobs`` and ``ci``."""

    @property
    def slope(self) -> float: ...
    @property
    def se(self) -> float: ...
    @property
    def nobs(self) -> int: ...


_WRAPPERS = ("regression", "result", "ols", "fit_result", "full", "_regression", "model_result")


@dataclass(frozen=True)
class Design:
    """Arrays of one fitted linear regression (weights ``None`` for OLS)."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    names: tuple[str, ...]
    obs_names: np.ndarray
    params: np.ndarray
    cov_type: str
    clusters: np.ndarray | None
    cluster_correction: str
    use_t: bool

    @property
    def nobs(self) -> int:
        return self.X.shape[0]

    @property
    def k(self) -> int:
        return self.X.shape[1]

    def term_index(self, term: str | None) -> int:
        """Column of ``term``; by default the first non-constant regressor."""
        if term is None:
            for j, nm in enumerate(self.names):
                if nm.lower() not in ("const", "intercept", "constant"):
                    return j
            return 0
        if term not in self.names:
            raise OptionError(f"term={term!r} is not in the regression; terms are {list(self.names)}")
        return self.names.index(term)

    def refit(self, mask: np.ndarray) -> BatchFit:
        """Refit on each row of the boolean ``mask`` (S, n) with this result's covariance."""
        mask = np.atleast_2d(mask)
        if self.cov_type in BATCH_COV_TYPES and (
            self.cov_type != "cluster" or self.cluster_correction == "CR1"
        ):
            return batch_wls(
                self.X, self.y, mask, weights=self.weights, cov_type=self.cov_type, clusters=self.clusters
            )
        return self._refit_loop(mask)

    def _refit_loop(self, mask: np.ndarray) -> BatchFit:
        # CR2/CR3 covariances have no batched form here; fall back to the shared regression core.
        from econindex.regression import OLS

        params, bse, nobs = [], [], []
        for row in mask:
            res = OLS(cov_type=self.cov_type, cluster_correction=self.cluster_correction).fit(
                self.y[row],
                self.X[row],
                weights=None if self.weights is None else self.weights[row],
                names=self.names,
                cluster=None if self.clusters is None else self.clusters[row],
            )
            params.append(np.asarray(res.params))
            bse.append(np.asarray(res.bse))
            nobs.append(int(res.nobs))
        nb = np.array(nobs)
        return BatchFit(
            params=np.array(params),
            bse=np.array(bse),
            nobs=nb,
            df_resid=(nb - self.k).astype(float),
            n_clusters=None,
            cov_type=(self.cov_type,) * len(nb),
        )


def _unwrap(result: Any) -> Any:
    seen = 0
    obj = result
    while seen < 4:
        # check plain attributes before "params" (a computed property on many results)
        if hasattr(obj, "X") and hasattr(obj, "y") and (hasattr(obj, "coef") or hasattr(obj, "params")):
            return obj
        if hasattr(obj, "model") and hasattr(getattr(obj, "model", None), "exog"):
            return obj  # statsmodels
        for attr in _WRAPPERS:
            inner = getattr(obj, attr, None)
            if inner is not None and inner is not obj and not callable(inner):
                obj = inner
                break
        else:
            break
        seen += 1
    raise OptionError(
        f"{type(result).__name__} exposes no regression: expected an econindex RegressionResult, a result "
        "with a '.regression' attribute holding one, or a statsmodels regression result"
    )


def design_of(result: Any) -> Design:
    """Unwrap ``result`` into a :class:`Design`.

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> X = sm.add_constant(np.arange(6.0)); y = np.array([1.0, 3, 2, 5, 4, 6])
    >>> d = design_of(sm.OLS(y, X).fit(cov_type="HC1"))
    >>> d.names, d.cov_type, d.nobs
    (('const', 'x1'), 'HC1', 6)
    """
    obj = _unwrap(result)
    if int(getattr(obj, "absorbed_df", 0) or 0) > 0:
        raise OptionError(
            "the robustness refits do not re-absorb fixed effects; refit with the effects as dummies "
            "(C(name) in the formula) to use them"
        )
    if str(getattr(obj, "model", "")).startswith("PPML"):
        raise OptionError(
            "the least-squares robustness tools (refits, influence) do not apply to a PPML fit; "
            "use an OLS result"
        )
    if hasattr(obj, "model") and hasattr(obj.model, "exog") and not hasattr(obj, "X"):
        return _design_statsmodels(obj)
    X = np.asarray(obj.X, dtype=float)
    y = np.asarray(obj.y, dtype=float).ravel()
    w = getattr(obj, "weights", None)
    w = None if w is None else np.asarray(w, dtype=float)
    if w is not None and bool(np.all(w == 1.0)):
        w = None
    params = obj.coef if hasattr(obj, "coef") else obj.params
    raw_names: Any = getattr(obj, "names", None) or getattr(params, "index", None) or range(X.shape[1])
    names = tuple(str(n) for n in raw_names)
    obs = getattr(obj, "obs_names", None)
    obs_arr = np.asarray(obs if obs is not None else np.arange(X.shape[0])).astype(str)
    cov_type = str(getattr(obj, "cov_type", "nonrobust"))
    clusters = getattr(obj, "clusters", None)
    correction = str(getattr(obj, "cluster_correction", None) or "CR1")
    if cov_type.upper() in ("CR1", "CR2", "CR3"):
        correction, cov_type = cov_type.upper(), "cluster"
    d = Design(
        X=X,
        y=y,
        weights=w,
        names=names,
        obs_names=obs_arr,
        params=np.asarray(params, dtype=float),
        cov_type=cov_type,
        clusters=None if clusters is None else np.asarray(clusters),
        cluster_correction=correction,
        use_t=False,
    )
    return _with_use_t(d, obj)


def _design_statsmodels(res: Any) -> Design:
    model = res.model
    X = np.asarray(model.exog, dtype=float)
    y = np.asarray(model.endog, dtype=float)
    w = getattr(model, "weights", None)
    w = None if w is None or np.ndim(w) == 0 or np.allclose(w, 1.0) else np.asarray(w, dtype=float)
    rows = getattr(model.data, "row_labels", None)
    obs = np.asarray(rows if rows is not None else np.arange(X.shape[0])).astype(str)
    cov_type = str(res.cov_type)
    clusters = None
    if cov_type == "cluster":
        clusters = np.asarray(res.cov_kwds.get("groups"))
    return Design(
        X=X,
        y=y,
        weights=w,
        names=tuple(model.exog_names),
        obs_names=obs,
        params=np.asarray(res.params, dtype=float),
        cov_type=cov_type,
        clusters=clusters,
        cluster_correction="CR1",
        use_t=bool(res.use_t),
    )


def _with_use_t(d: Design, obj: Any) -> Design:
    """Whether the result's p-values use Student t: match them against a refit of the full sample."""
    if hasattr(obj, "df") and hasattr(obj, "coef"):  # econindex CoefficientResult: df None means normal
        return Design(**{**d.__dict__, "use_t": obj.df is not None})
    pv = getattr(obj, "pvalues", None)
    use_t = d.cov_type == "nonrobust"
    if pv is not None:
        try:
            full = d.refit(np.ones((1, d.nobs), bool))
            p_t = full.pvalues(True)[0]
            p_z = full.pvalues(False)[0]
            p = np.asarray(pv, dtype=float)
            use_t = bool(np.nansum(np.abs(p - p_t)) <= np.nansum(np.abs(p - p_z)))
        except Exception:  # pragma: no cover - the guess is only a default
            pass
    return Design(**{**d.__dict__, "use_t": use_t})


def estimate_of(result: Any, level: float = 0.95) -> dict[str, float]:
    """``estimate, std_error, ci_lower, ci_upper, nobs`` of an econindex estimate (slope) or regression."""
    slope = next((getattr(result, a) for a in ("slope", "beta", "estimate") if hasattr(result, a)), None)
    se_ = next((getattr(result, a) for a in ("se", "std_error") if hasattr(result, a)), None)
    if slope is not None and se_ is not None and np.isscalar(slope):
        est, se = float(np.asarray(slope, dtype=float)), float(np.asarray(se_, dtype=float))
        lo, hi = _ci_of(result, level, est, se)
        nobs = float(np.asarray(result.nobs, dtype=float).item())
        return {"estimate": est, "std_error": se, "ci_lower": lo, "ci_upper": hi, "nobs": nobs}
    d = design_of(result)
    j = d.term_index(None)
    fit = d.refit(np.ones((1, d.nobs), bool))
    est, se = float(fit.params[0, j]), float(fit.bse[0, j])
    from scipy import stats

    q = stats.t.ppf(0.5 + level / 2, fit.df_resid[0]) if d.use_t else stats.norm.ppf(0.5 + level / 2)
    return {
        "estimate": est,
        "std_error": se,
        "ci_lower": est - q * se,
        "ci_upper": est + q * se,
        "nobs": float(d.nobs),
    }


def _ci_of(result: Any, level: float, est: float, se: float) -> tuple[float, float]:
    # every econindex result takes the coverage first: ``ci(0.95)``
    ci = getattr(result, "ci", None)
    if callable(ci):
        lo, hi = ci(level)
        return float(lo), float(hi)
    from scipy import stats

    q = float(stats.norm.ppf(0.5 + level / 2))
    return est - q * se, est + q * se

