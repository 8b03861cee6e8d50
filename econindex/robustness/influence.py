"""Influence of single geos and small sets of geos on a regression, in closed form.

``influence`` gives the classical case-deletion diagnostics; ``jackknife``
refits without each geo (or group of geos); ``dropping_a_little_data`` is
Broderick, Giordano and Meager's approximate maximum influence perturbation;
``breakdown`` removes the most influential geos one at a time until the
estimate loses its sign or its significance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats
from xarray.indexes import PandasIndex

from econindex._kernels.influence import loo_delta
from econindex._kernels.ols import wls
from econindex.errors import EstimationError, OptionError
from econindex.schema import check_option

from ._design import Design, design_of

__all__ = [
    "influence",
    "most_influential",
    "influence_table",
    "loo_params",
    "jackknife",
    "JackknifeResult",
    "dropping_a_little_data",
    "breakdown",
    "BreakdownResult",
]


def _closed_form(X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> dict[str, np.ndarray]:
    """Leverage and leave-one-out quantities of a WLS fit from the core's one factorisation.

    The fit is :func:`econindex._kernels.ols.wls` and ``b - b_(i)`` is
    :func:`econindex._kernels.influence.loo_delta` (Sherman-Morrison on the same QR).
    """
    try:
        fit = wls(y, X, w)
    except EstimationError as exc:
        raise EstimationError(f"the design is singular; influence is undefined ({exc})") from exc
    h = fit.hat
    e = fit.wresid  # whitened residuals
    n, k = X.shape
    if np.any(h > 1 - 1e-10):
        bad = int(np.argmax(h))
        raise EstimationError(f"observation {bad} has leverage 1: leaving it out makes the design singular")
    dfbeta = loo_delta(fit)
    s2 = e @ e / (n - k)
    s2_loo = ((n - k) * s2 - e**2 / (1 - h)) / (n - k - 1)
    return {
        "beta": fit.params,
        "xtx_inv": fit.bread,
        "h": h,
        "e": e,
        "dfbeta": dfbeta,
        "s2": s2,
        "s2_loo": s2_loo,
    }


def loo_params(result: Any) -> pd.DataFrame:
    """Leave-one-out coefficients of a regression result, one row per observation (closed form).

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> X = sm.add_constant(np.arange(5.0)); y = np.array([0.0, 1, 4, 3, 5])
    >>> lo = loo_params(sm.OLS(y, X).fit())
    >>> bool(np.allclose(lo.iloc[0], sm.OLS(y[1:], X[1:]).fit().params))
    True
    """
    d = design_of(result)
    cf = _closed_form(d.X, d.y, d.weights)
    return pd.DataFrame(
        cf["beta"] - cf["dfbeta"],
        index=pd.Index(d.obs_names, name="geo"),
        columns=pd.Index(d.names, name="term"),
    )


def influence(result: Any) -> xr.Dataset:
    """Case-deletion diagnostics of a regression, one value per geo, in closed form.

    Parameters
    ----------
    result
        An econindex regression result (or an estimator result holding one in
        ``.regression``), or a statsmodels regression result.

    Returns
    -------
    xarray.Dataset
        Over ``geo`` (and ``term`` for the coefficient measures): ``leverage``,
        ``resid`` (whitened), ``student_resid_internal``, ``student_resid``
        (external), ``cooks_distance``, ``dffits``, ``dfbeta``
        (:math:`\\hat\\beta - \\hat\\beta_{(i)}`), ``dfbetas``, ``loo_params``
        and ``loo_sigma``. ``attrs`` hold ``most_influential`` (JSON list of
        geos by Cook's distance, largest first), the usual cut-offs and the
        regression's ``cov_type``.

    Notes
    -----
    With whitened design :math:`\\tilde X = W^{1/2}X`, residuals :math:`e`,
    leverage :math:`h_i = \\tilde x_i'(\\tilde X'\\tilde X)^{-1}\\tilde x_i` and
    :math:`s^2 = e'e/(n-k)`:

    * :math:`\\hat\\beta - \\hat\\beta_{(i)} = (\\tilde X'\\tilde X)^{-1}\\tilde x_i e_i/(1-h_i)`
      (Sherman-Morrison; exact, not a one-step approximation),
    * :math:`s_{(i)}^2 = ((n-k)s^2 - e_i^2/(1-h_i))/(n-k-1)`,
    * internally studentized :math:`r_i = e_i/(s\\sqrt{1-h_i})`, externally
      :math:`t_i = e_i/(s_{(i)}\\sqrt{1-h_i})`,
    * Cook's :math:`D_i = r_i^2 h_i/(k(1-h_i))`,
      :math:`\\mathrm{DFFITS}_i = t_i\\sqrt{h_i/(1-h_i)}`,
      :math:`\\mathrm{DFBETAS}_{ij} = \\mathrm{DFBETA}_{ij}/(s_{(i)}\\sqrt{[(X'X)^{-1}]_{jj}})`,

    as in statsmodels' ``OLSInfluence`` (which loops over observations for
    the leave-one-out ones). The measures do not depend on the covariance type.

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> x = np.array([0.0, 1, 2, 3, 10]); y = np.array([0.1, 0.9, 2.2, 2.8, 4.0])
    >>> res = sm.OLS(y, sm.add_constant(x)).fit()
    >>> infl = influence(res)
    >>> json.loads(infl.attrs["most_influential"])[0]
    '4'
    """
    d = design_of(result)
    cf = _closed_form(d.X, d.y, d.weights)
    n, k = d.X.shape
    h, e = cf["h"], cf["e"]
    s = np.sqrt(cf["s2"])
    s_loo = np.sqrt(cf["s2_loo"])
    one_minus_h = 1 - h
    sqrt_1mh = np.sqrt(one_minus_h)
    r_int = e / (s * sqrt_1mh)
    r_ext = e / (s_loo * sqrt_1mh)
    cooks = r_int**2 * h / (k * one_minus_h)
    dffits = r_ext * np.sqrt(h / one_minus_h)
    dfbetas = cf["dfbeta"] / (s_loo[:, None] * np.sqrt(np.diag(cf["xtx_inv"]))[None, :])
    geo = d.obs_names
    order = np.argsort(-cooks, kind="stable")
    g, gt = ("geo",), ("geo", "term")
    return _labelled(
        {
            "leverage": (g, h),
            "resid": (g, e),
            "student_resid_internal": (g, r_int),
            "student_resid": (g, r_ext),
            "cooks_distance": (g, cooks),
            "cooks_pvalue": (g, special.fdtrc(k, n - k, cooks)),  # = stats.f.sf, without its overhead
            "dffits": (g, dffits),
            "dfbeta": (gt, cf["dfbeta"], {"long_name": "params - params without the geo"}),
            "dfbetas": (gt, dfbetas),
            "loo_params": (gt, cf["beta"][None, :] - cf["dfbeta"]),
            "loo_sigma": (g, s_loo),
        },
        {"geo": geo, "term": d.names},
        {
            "most_influential": json.dumps(geo[order[:10]].astype(str).tolist()),
            "cooks_threshold": 4.0 / n,
            "dffits_threshold": 2 * np.sqrt(k / n),
            "dfbetas_threshold": 2 / np.sqrt(n),
            "cov_type": d.cov_type,
            "nobs": n,
            "weighted": int(d.weights is not None),
        },
    )


def _labelled(
    data: Mapping[str, tuple[Any, ...]], coords: Mapping[str, Any], attrs: dict[str, Any]
) -> xr.Dataset:
    """An ``xr.Dataset`` from ready NumPy arrays, each dimension indexed by ``coords[dim]`` (labels as str).

    Equal (``identical``) to ``xr.Dataset(data, coords={dim: pd.Index(labels, dtype=object)},
    attrs=attrs)``, which ``tests/test_robustness_influence.py`` checks, without the
    constructor's merge and alignment of already-aligned arrays: 0.16 ms instead of 0.36
    ms for influence()'s 11 variables on the 114 countries, more than half of the call
    (``benchmarks/bench_influence.py``). The shapes are checked here instead.
    """
    indexes: dict[str, PandasIndex] = {}
    variables: dict[str, xr.Variable] = {}
    sizes: dict[str, int] = {}
    for dim, labels in coords.items():
        # an object Index of str labels, named: PandasIndex's own cast and copy would change nothing
        index = PandasIndex(
            pd.Index(np.asarray(labels, dtype=object), dtype=object, name=dim), dim, fastpath=True
        )
        indexes[dim] = index
        variables.update(index.create_variables())
        sizes[dim] = len(index.index)
    for name, (dims, values, *rest) in data.items():
        shape = tuple(sizes[dim] for dim in dims)
        if values.shape != shape:  # pragma: no cover - a programming error, not bad input
            raise ValueError(f"{name} has shape {values.shape}, expected {shape} over {dims}")
        variables[name] = xr.Variable(dims, values, rest[0] if rest else None, fastpath=True)
    construct = getattr(xr.Dataset, "_construct_direct", None)
    if construct is None:  # pragma: no cover - xarray without its (private, long-stable) fast path
        return xr.Dataset(
            {k: v for k, v in variables.items() if k not in indexes},
            coords=xr.Coordinates({dim: variables[dim] for dim in indexes}, indexes=indexes),
            attrs=attrs,
        )
    return construct(variables, set(indexes), sizes, attrs, indexes)


def most_influential(
    infl: xr.Dataset, n: int = 5, *, by: str = "cooks_distance", term: str | None = None
) -> pd.DataFrame:
    """The ``n`` most influential geos of an :func:`influence` dataset, as a table.

    ``by`` is a variable over ``geo`` (ranked by absolute value) or
    ``"dfbeta"``/``"dfbetas"`` with a ``term``.

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> x = np.array([0.0, 1, 2, 3, 10]); y = np.array([0.1, 0.9, 2.2, 2.8, 4.0])
    >>> most_influential(influence(sm.OLS(y, sm.add_constant(x)).fit()), 1).index.tolist()
    ['4']
    """
    if by not in infl.data_vars:
        raise OptionError(f"by={by!r} is not an influence measure; choose one of {list(infl.data_vars)}")
    score = infl[by]
    if "term" in score.dims:
        if term is None:
            raise OptionError(f"by={by!r} needs a term; terms are {list(map(str, infl['term'].values))}")
        score = score.sel(term=term)
    order = np.argsort(-np.abs(score.values), kind="stable")[:n]
    cols = ["leverage", "student_resid", "cooks_distance", "dffits"]
    df = infl[cols].isel(geo=order).to_dataframe()[cols]
    if term is not None:
        df[f"dfbeta[{term}]"] = infl["dfbeta"].sel(term=term).values[order]
        df[f"loo[{term}]"] = infl["loo_params"].sel(term=term).values[order]
    return df


def influence_table(results: Mapping[str, Any], *, terms: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Influence of each geo on several estimates, side by side (one column group per result).

    Parameters
    ----------
    results : mapping of name to result
        Regression results (see :func:`influence`), e.g.
        ``{"income elasticity": ..., "automation slope": ...}``.
    terms : mapping of name to term, optional
        The coefficient of each result; default its first non-constant regressor.

    Returns
    -------
    pandas.DataFrame
        Index ``geo`` (the union; NaN where a geo is not in a regression),
        columns ``(name, measure)`` with measures ``estimate_without`` (the
        leave-one-out coefficient), ``change`` (:math:`\\hat\beta_{(i)}-\\hat\beta`),
        ``cooks_distance`` and ``rank`` (1 = largest absolute change). ``attrs``
        name the most influential geo of each result.

    Examples
    --------
    >>> import econindex as ei
    >>> c = ei.datasets.load_countries_2025_08()
    >>> tab = influence_table({"elasticity": ei.IncomeElasticity().fit(c, level="country")})
    >>> tab.attrs["most_influential"]["elasticity"] == tab[("elasticity", "rank")].idxmin()
    True
    """
    parts = {}
    top: dict[str, str] = {}
    for name, res in results.items():  # a handful of results
        d = design_of(res)
        term = d.names[d.term_index((terms or {}).get(name))]
        infl = influence(res)
        change = -infl["dfbeta"].sel(term=term).to_series()
        frame = pd.DataFrame(
            {
                "estimate_without": infl["loo_params"].sel(term=term).to_series(),
                "change": change,
                "cooks_distance": infl["cooks_distance"].to_series(),
                "rank": change.abs().rank(ascending=False, method="first").astype(int),
            }
        )
        parts[name] = frame
        top[name] = str(change.abs().idxmax())
    out = pd.concat(parts, axis=1)
    out.index.name = "geo"
    out.attrs["most_influential"] = top
    return out


@dataclass(frozen=True)
class JackknifeResult:
    """Leave-one-out (or leave-one-group-out) refits and the jackknife standard errors."""

    table: pd.DataFrame  # one row per dropped unit and term
    params: pd.Series  # full-sample estimates
    se: pd.Series  # jackknife standard errors
    bias: pd.Series  # jackknife bias estimate
    by: str

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: ``dropped, term, estimate, std_error, nobs, change_from_baseline``."""
        return self.table.copy()


def jackknife(result: Any, *, groups: Any = None, by: str = "geo") -> JackknifeResult:
    """Refit without each geo (or each group of geos) and form jackknife standard errors.

    Parameters
    ----------
    result
        A regression result (see :func:`influence`).
    groups : array-like or mapping, optional
        Group label per observation (aligned with the result's observations,
        or a mapping/Series from geo to group, e.g. a ``census_region`` or
        income-tercile coordinate). Default: each geo is its own group.
    by : str
        Name of the grouping for the table.

    Returns
    -------
    JackknifeResult
        The jackknife variance is :math:`\\frac{G-1}{G}\\sum_g(\\hat\\beta_{(g)}-\\bar\\beta)^2`.
        Each refit keeps the result's covariance type for its own standard errors.

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> rng = np.random.default_rng(0); x = rng.normal(size=30); y = 1 + 2 * x + rng.normal(size=30)
    >>> jk = jackknife(sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3"))
    >>> bool(abs(jk.se["x1"] / jk.table.query("term == 'x1'")["std_error"].median() - 1) < 0.5)
    True
    """
    d = design_of(result)
    n = d.nobs
    if groups is None:
        labels = d.obs_names
        mask = ~np.eye(n, dtype=bool)
        uniq = labels
    else:
        labels = _align_groups(groups, d)
        uniq = np.array(sorted(set(labels.tolist())), dtype=object)
        if len(uniq) < 2:
            raise EstimationError(f"jackknife by {by!r} needs at least 2 groups; got {list(uniq)}")
        mask = labels[None, :] != uniq[:, None]
    fit = d.refit(mask)
    G = len(uniq)
    mean = fit.params.mean(axis=0)
    var = (G - 1) / G * ((fit.params - mean) ** 2).sum(axis=0)
    rows = pd.DataFrame(
        {
            "dropped": np.repeat(np.asarray(uniq, dtype=str), d.k),
            "term": np.tile(d.names, G),
            "estimate": fit.params.ravel(),
            "std_error": fit.bse.ravel(),
            "nobs": np.repeat(fit.nobs, d.k),
            "change_from_baseline": (fit.params - d.params[None, :]).ravel(),
        }
    )
    names = pd.Index(d.names, name="term")
    return JackknifeResult(
        table=rows,
        params=pd.Series(d.params, index=names),
        se=pd.Series(np.sqrt(var), index=names),
        bias=pd.Series((G - 1) * (mean - d.params), index=names),
        by=by,
    )


def _align_groups(groups: Any, d: Design) -> np.ndarray:
    if isinstance(groups, xr.DataArray):
        groups = groups.to_series()
    if isinstance(groups, dict):
        groups = pd.Series(groups)
    if isinstance(groups, pd.Series):
        missing = [g for g in d.obs_names if g not in groups.index]
        if missing:
            raise EstimationError(f"groups has no label for geos {missing[:10]}")
        return groups.reindex(d.obs_names).astype(str).to_numpy(dtype=object)
    arr = np.asarray(groups).astype(str).astype(object)
    if arr.shape != (d.nobs,):
        raise OptionError(f"groups must have one label per observation ({d.nobs}); got shape {arr.shape}")
    return arr


def _crit(d: Design, df: np.ndarray | float, alpha: float) -> np.ndarray:
    if d.use_t:
        return np.asarray(stats.t.ppf(1 - alpha / 2, df))
    return np.full(np.shape(df), stats.norm.ppf(1 - alpha / 2))


Target = Literal["sign", "significance", "significant_opposite"]


def dropping_a_little_data(
    result: Any,
    *,
    term: str | None = None,
    alpha: float = 0.05,
    max_fraction: float = 0.5,
    approximation: Literal["dfbeta", "linear"] = "dfbeta",
) -> pd.DataFrame:
    """Approximate maximum influence perturbation (Broderick, Giordano and Meager 2023).

    The smallest fraction of geos whose removal changes the sign of the
    estimate, its significance, or makes it significant with the opposite
    sign, found from the first-order influence of each geo and checked by
    actually refitting without the geos it names.

    Parameters
    ----------
    result
        A regression result (see :func:`influence`).
    term : str, optional
        The coefficient; default the first non-constant regressor.
    alpha : float
        Significance level.
    max_fraction : float
        Largest fraction of geos to consider removing.
    approximation : {"dfbeta", "linear"}
        Influence score of each geo: ``"linear"`` is Broderick, Giordano and
        Meager's first-order (infinitesimal jackknife) score
        :math:`\\psi_i`; ``"dfbeta"`` (default) the exact leave-one-out change
        :math:`\\psi_i/(1-h_i)` from :func:`influence`, which is exact for one
        geo and does not understate high-leverage geos as the linear score does.

    Returns
    -------
    pandas.DataFrame
        One row per target (``sign``, ``significance``, ``significant_opposite``):
        ``n_dropped`` and ``fraction`` from the approximation (NaN where no set
        within ``max_fraction`` suffices), ``geos`` removed, the approximate
        estimate, the refit ``refit_estimate``, ``refit_se``, ``refit_pvalue``,
        whether the refit achieved the target (``achieved``), and
        ``n_dropped_refit``: the smallest number (removing geos in the same
        order) at which a refit achieves it.

    Notes
    -----
    The first-order influence of geo :math:`i` on :math:`\\hat\\beta_j` is
    :math:`\\psi_i = [(X'WX)^{-1}x_i w_i e_i]_j` (or its exact leave-one-out
    version); dropping a set :math:`S` moves the estimate by about
    :math:`-\\sum_{i\\in S}\\psi_i`. Sorting
    :math:`\\psi` in the direction of the estimate, the approximation drops
    geos until :math:`\\hat\\beta - \\sum\\psi` crosses the target: zero for the sign,
    :math:`\\pm z_{1-\\alpha/2}\\,\\mathrm{se}` for significance (holding the standard
    error fixed). The refit column says whether that held.

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> rng = np.random.default_rng(1); x = rng.normal(size=60); y = 0.3 * x + rng.normal(size=60)
    >>> amip = dropping_a_little_data(sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1"))
    >>> bool(amip.loc["sign", "achieved"])
    True
    """
    d = design_of(result)
    j = d.term_index(term)
    n = d.nobs
    cf = _closed_form(d.X, d.y, d.weights)
    sw = np.ones(n) if d.weights is None else np.sqrt(d.weights)
    check_option("approximation", approximation, ("dfbeta", "linear"))
    psi = ((d.X * sw[:, None]) @ cf["xtx_inv"])[:, j] * cf["e"]  # first-order effect of each geo
    if approximation == "dfbeta":
        psi = cf["dfbeta"][:, j]  # exact leave-one-out change, psi / (1 - h)
    full = d.refit(np.ones((1, n), bool))
    beta, se = float(full.params[0, j]), float(full.bse[0, j])
    pval = float(full.pvalues(d.use_t)[0, j])
    crit = float(_crit(d, full.df_resid[0], alpha))
    sgn = 1.0 if beta >= 0 else -1.0
    significant = pval < alpha
    # target thresholds for the (signed) estimate sgn * beta_new
    targets: dict[str, float] = {
        "sign": 0.0,
        "significance": crit * se if significant else -np.inf,
        "significant_opposite": -crit * se,
    }
    order = np.argsort(-sgn * psi, kind="stable")
    path = sgn * beta - np.cumsum(sgn * psi[order])  # signed approximate estimate after k removals
    kmax = max(1, int(np.floor(max_fraction * n)))
    rows = []
    for name, thr in targets.items():
        if name == "significance" and not significant:
            # gain significance: push the estimate away from zero
            order_t = np.argsort(sgn * psi, kind="stable")
            path_t = sgn * beta - np.cumsum(sgn * psi[order_t])
            hit = np.flatnonzero(path_t[:kmax] > crit * se)
        else:
            order_t, path_t = order, path
            hit = np.flatnonzero(path_t[:kmax] < thr)
        k = int(hit[0]) + 1 if hit.size else None
        rows.append(_amip_row(d, j, name, k, order_t, path_t, sgn, alpha, significant, kmax))
    out = pd.DataFrame(rows).set_index("target")
    out.attrs.update(
        estimate=beta, std_error=se, pvalue=pval, nobs=n, term=d.names[j], approximation=approximation
    )
    return out


def _achieved(
    name: str, sgn: float, beta: np.ndarray, p: np.ndarray, alpha: float, significant: bool
) -> np.ndarray:
    flipped = sgn * beta < 0
    if name == "sign":
        return flipped
    if name == "significance":
        return (p >= alpha) if significant else (p < alpha)
    return flipped & (p < alpha)


def _amip_row(
    d: Design,
    j: int,
    name: str,
    k: int | None,
    order: np.ndarray,
    path: np.ndarray,
    sgn: float,
    alpha: float,
    significant: bool,
    kmax: int,
) -> dict[str, Any]:
    n = d.nobs
    # refit every prefix of the influence ordering up to kmax in one batch
    masks = np.ones((kmax, n), bool)
    for i in range(kmax):  # kmax <= n/2 small masks; the fits themselves are batched
        masks[i, order[: i + 1]] = False
    try:
        fit = d.refit(masks)
        b = fit.params[:, j]
        p = fit.pvalues(d.use_t)[:, j]
        ok = _achieved(name, sgn, b, p, alpha, significant)
    except EstimationError:
        fit, b, p, ok = None, np.full(kmax, np.nan), np.full(kmax, np.nan), np.zeros(kmax, bool)
    k_refit = int(np.argmax(ok)) + 1 if ok.any() else None
    row: dict[str, Any] = {
        "target": name,
        "n_dropped": k if k is not None else np.nan,
        "fraction": k / n if k is not None else np.nan,
    }
    if k is None or fit is None:
        row.update(
            geos=[],
            approx_estimate=np.nan,
            refit_estimate=np.nan,
            refit_se=np.nan,
            refit_pvalue=np.nan,
            achieved=False,
        )
    else:
        row.update(
            geos=[str(g) for g in d.obs_names[order[:k]]],
            approx_estimate=sgn * path[k - 1],
            refit_estimate=float(b[k - 1]),
            refit_se=float(fit.bse[k - 1, j]),
            refit_pvalue=float(p[k - 1]),
            achieved=bool(ok[k - 1]),
        )
    row["n_dropped_refit"] = k_refit if k_refit is not None else np.nan
    return row


@dataclass(frozen=True)
class BreakdownResult:
    """How many of the most influential geos must go before an estimate breaks down."""

    n_sign: int | None  # removals until the sign flips (None: not within max_remove)
    n_insignificant: int | None  # removals until p >= alpha (0 if already insignificant)
    path: pd.DataFrame  # k, removed geo, estimate, std_error, p_value after k removals
    term: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """The removal path as a tidy table."""
        return self.path.copy()


def breakdown(
    result: Any,
    *,
    term: str | None = None,
    alpha: float = 0.05,
    max_remove: int | None = None,
    rank: Literal["dfbeta"] = "dfbeta",
) -> BreakdownResult:
    """Smallest number of most influential geos whose removal flips the sign or kills significance.

    At each step the geo whose exact leave-one-out change (DFBETA, in the
    direction of the estimate) is largest in the remaining sample is
    removed, and the regression is refitted with its covariance type.

    Parameters
    ----------
    result
        A regression result (see :func:`influence`).
    term : str, optional
        Coefficient; default the first non-constant regressor.
    alpha : float
        Significance level for "insignificant".
    max_remove : int, optional
        At most this many removals (default: half the sample, at least
        ``k + 2`` observations kept).
    rank : {"dfbeta"}
        Ranking rule (exact leave-one-out change, recomputed each step).

    Examples
    --------
    >>> import numpy as np, statsmodels.api as sm
    >>> rng = np.random.default_rng(2); x = rng.normal(size=40); y = 0.5 * x + rng.normal(size=40)
    >>> br = breakdown(sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1"))
    >>> br.n_insignificant <= br.n_sign
    True
    """
    check_option("rank", rank, ("dfbeta",))
    d = design_of(result)
    j = d.term_index(term)
    n, k = d.X.shape
    kmax = (n - k - 2) if max_remove is None else min(max_remove, n - k - 2)
    kmax = max(0, min(kmax, n // 2 if max_remove is None else kmax))
    keep = np.ones(n, bool)
    removed: list[int] = []
    sgn = 1.0 if d.params[j] >= 0 else -1.0
    for _ in range(kmax):  # sequential by nature: each step re-ranks the remaining sample
        idx = np.flatnonzero(keep)
        cf = _closed_form(d.X[idx], d.y[idx], None if d.weights is None else d.weights[idx])
        i = idx[int(np.argmax(sgn * cf["dfbeta"][:, j]))]
        keep[i] = False
        removed.append(int(i))
    masks = np.ones((len(removed) + 1, n), bool)
    for s in range(1, len(removed) + 1):
        masks[s, removed[:s]] = False
    fit = d.refit(masks)
    b, se = fit.params[:, j], fit.bse[:, j]
    p = fit.pvalues(d.use_t)[:, j]
    path = pd.DataFrame(
        {
            "k": np.arange(len(removed) + 1),
            "removed": ["", *[str(d.obs_names[i]) for i in removed]],
            "estimate": b,
            "std_error": se,
            "p_value": p,
            "nobs": fit.nobs,
        }
    )
    flips = np.flatnonzero(sgn * b < 0)
    insig = np.flatnonzero(p >= alpha)
    return BreakdownResult(
        n_sign=int(flips[0]) if flips.size else None,
        n_insignificant=int(insig[0]) if insig.size else None,
        path=path,
        term=d.names[j],
        alpha=alpha,
    )
