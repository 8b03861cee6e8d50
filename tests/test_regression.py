"""OLS/WLS core against statsmodels, influence kernels against refits, result exports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.outliers_influence import OLSInfluence

from econindex._kernels.influence import leverage, loo_params
from econindex._kernels.ols import batched_wls
from econindex.errors import DataValueError, EconIndexError, EstimationError, OptionError
from econindex.regression import OLS, RegressionResult
from econindex.results import FRAME_COLUMNS, compare, latex_escape

REF = json.loads((Path(__file__).parent / "reference" / "statsmodels_reference.json").read_text())
RTOL_PARAMS = 1e-10
RTOL_SE = 1e-10
RTOL_P = 1e-8


def _close(a, b, rtol):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0)


def _compare_sm(ours: RegressionResult, sm_res, *, rtol=1e-10, p_rtol=1e-8):
    _close(ours.params, sm_res.params, rtol)
    _close(ours.bse, sm_res.bse, rtol)
    _close(ours.tvalues, sm_res.tvalues, rtol)
    # p-values near 0 lose relative precision in the tails of t; compare with a floor
    np.testing.assert_allclose(ours.pvalues, sm_res.pvalues, rtol=p_rtol, atol=1e-300)
    # R-squared is 1 - SSR/TSS: near 0 its relative error is one ulp of 1.0 over R-squared
    np.testing.assert_allclose(ours.rsquared, sm_res.rsquared, rtol=rtol, atol=1e-14)
    np.testing.assert_allclose(ours.rsquared_adj, sm_res.rsquared_adj, rtol=rtol, atol=1e-14)
    np.testing.assert_allclose(ours.fvalue, np.squeeze(sm_res.fvalue), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(ours.f_pvalue, np.squeeze(sm_res.f_pvalue), rtol=p_rtol, atol=1e-300)
    _close(ours.conf_int().to_numpy(), np.asarray(sm_res.conf_int()), rtol)
    _close(ours.resid, sm_res.resid, 1e-8)


# --------------------------------------------------------------- random designs (hypothesis)
@st.composite
def designs(draw):
    n = draw(st.integers(8, 60))
    k = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k)) * rng.uniform(0.1, 10, size=k)])
    scale = 1 + np.abs(X[:, 1]) * draw(st.floats(0, 2))
    y = X @ rng.normal(size=k + 1) + rng.standard_t(5, size=n) * scale
    w = rng.uniform(0.2, 5, size=n) if draw(st.booleans()) else None
    g = rng.integers(0, draw(st.integers(2, 8)), size=n)
    return X, y, w, g


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.sampled_from(["nonrobust", "HC0", "HC1", "HC2", "HC3"]))
def test_matches_statsmodels_random_designs(design, cov_type):
    X, y, w, _ = design
    n, k = X.shape
    model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
    ref = model.fit(cov_type=cov_type, use_t=True)
    Xw = X * np.sqrt(np.ones(n) if w is None else w)[:, None]
    hat = np.einsum("ij,jk,ik->i", Xw, np.linalg.pinv(Xw.T @ Xw), Xw)
    if cov_type in ("HC2", "HC3") and hat.max() > 1 - 1e-8:
        return
    ours = OLS(cov_type=cov_type).fit(y, X, weights=w)
    _compare_sm(ours, ref)
    assert ours.nobs == n and ours.df_resid == n - k and ours.df_model == k - 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.sampled_from([("cluster", "CR1"), ("cluster-crv3", "CR3")]))
def test_cluster_matches_statsmodels(design, spec):
    X, y, w, g = design
    if len(np.unique(g)) <= X.shape[1]:
        return  # fewer clusters than coefficients: the cluster covariance is singular
    sm_type, corr = spec
    model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
    try:
        ref = model.fit(cov_type=sm_type, cov_kwds={"groups": g}, use_t=True)
    except (np.linalg.LinAlgError, ValueError):
        return  # a delete-one-cluster design is singular: statsmodels cannot compute CR3 either
    try:
        ours = OLS(cov_type="cluster", cluster_correction=corr).fit(y, X, weights=w, cluster=g)
    except EstimationError:
        assert corr == "CR3"
        return
    if not np.all(np.isfinite(ref.bse)):
        return
    _compare_sm(ours, ref, rtol=1e-9)
    assert ours.df is not None and np.all(ours.df == len(np.unique(g)) - 1)


def test_cluster_labels_may_be_strings():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(40), rng.normal(size=40)])
    y = X @ [1.0, 0.5] + rng.normal(size=40)
    g = np.array(list("abcde") * 8)
    a = OLS(cov_type="cluster").fit(y, X, cluster=g)
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(g)[0]}, use_t=True)
    _close(a.bse, ref.bse, 1e-10)
    assert a.cov_label == "cluster (CR1, 5 clusters)"


def test_no_constant_uses_uncentered_r2_like_statsmodels():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, -1.0] + rng.normal(size=30)
    _compare_sm(OLS(cov_type="HC1").fit(y, X), sm.OLS(y, X).fit(cov_type="HC1", use_t=True))


def test_normal_reference_when_use_t_false():
    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(25), rng.normal(size=25)])
    y = X @ [0.0, 1.0] + rng.normal(size=25)
    ours = OLS(cov_type="HC3", use_t=False).fit(y, X)
    ref = sm.OLS(y, X).fit(cov_type="HC3", use_t=False)
    _close(ours.pvalues, ref.pvalues, 1e-8)
    _close(ours.conf_int().to_numpy(), np.asarray(ref.conf_int()), 1e-10)
    assert not ours.use_t


# --------------------------------------------------------------- committed reference (real data)
@pytest.mark.parametrize("key", sorted(k for k in REF["cases"] if "/ppml/" not in k))
def test_real_data_reference(key):
    from econindex.datasets import load_countries_2025_08, load_us_states_2025_08

    name, model, cov = key.split("/")
    ds = load_countries_2025_08() if name == "countries" else load_us_states_2025_08()
    x = np.log(ds["gdp"].values / ds["working_age_pop"].values)
    y = np.log(ds["usage_index"].values)
    X = np.column_stack([np.ones_like(x), x])
    w = ds["working_age_pop"].values if model == "wls_pop" else None
    if cov.startswith("cluster"):
        res = OLS(cov_type="cluster", cluster_correction=cov.split("_")[1]).fit(
            y, X, weights=w, cluster=ds["census_division"].values
        )
    else:
        res = OLS(cov_type=cov).fit(y, X, weights=w)
    ref = REF["cases"][key]
    _close(res.params, ref["params"], RTOL_PARAMS)
    _close(res.bse, ref["bse"], RTOL_SE)
    _close(res.tvalues, ref["tvalues"], RTOL_SE)
    np.testing.assert_allclose(res.pvalues, ref["pvalues"], rtol=RTOL_P)
    _close(res.conf_int()["lower"], ref["ci_lower"], RTOL_P)
    _close(res.conf_int()["upper"], ref["ci_upper"], RTOL_P)
    _close(res.rsquared, ref["rsquared"], 1e-10)
    _close(res.rsquared_adj, ref["rsquared_adj"], 1e-10)
    _close(res.fvalue, ref["fvalue"], 1e-10)
    np.testing.assert_allclose(res.f_pvalue, ref["f_pvalue"], rtol=RTOL_P)
    assert res.nobs == ref["nobs"]


# --------------------------------------------------------------- influence kernels
def _refit_loo(X, y, w):
    n = len(y)
    out = np.empty((n, X.shape[1]))
    for i in range(n):
        keep = np.arange(n) != i
        m = sm.OLS(y[keep], X[keep]) if w is None else sm.WLS(y[keep], X[keep], weights=w[keep])
        out[i] = m.fit().params
    return out


@pytest.mark.parametrize("weighted", [False, True])
def test_loo_params_equal_explicit_refits(weighted):
    rng = np.random.default_rng(6)
    X = np.column_stack([np.ones(30), rng.normal(size=(30, 2))])
    y = X @ [1.0, 2.0, -1.0] + rng.normal(size=30)
    w = rng.uniform(0.5, 2, 30) if weighted else None
    _close(loo_params(X, y, w), _refit_loo(X, y, w), 1e-9)


def test_leverage_and_dfbeta_match_statsmodels_influence():
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(40), rng.normal(size=40), rng.exponential(size=40)])
    y = X @ [1.0, 0.3, 0.2] + rng.normal(size=40)
    infl = OLSInfluence(sm.OLS(y, X).fit())
    _close(leverage(X), infl.hat_matrix_diag, 1e-10)
    b = sm.OLS(y, X).fit().params
    # statsmodels' dfbeta is b - b_(i)
    _close(b[None, :] - loo_params(X, y), infl.dfbeta, 1e-9)
    assert leverage(X).sum() == pytest.approx(3.0, rel=1e-12)


def test_result_hat_equals_leverage_weighted():
    rng = np.random.default_rng(8)
    X = np.column_stack([np.ones(20), rng.normal(size=20)])
    w = rng.uniform(0.5, 3, 20)
    y = X @ [1.0, 1.0] + rng.normal(size=20)
    res = OLS().fit(y, X, weights=w)
    Xw = X * np.sqrt(w)[:, None]
    ref = np.diag(Xw @ np.linalg.inv(Xw.T @ Xw) @ Xw.T)  # hat matrix of the whitened design
    _close(res.hat, ref, 1e-10)
    _close(leverage(X, w), ref, 1e-10)


def test_batched_wls_equals_individual_wls():
    rng = np.random.default_rng(9)
    X = np.column_stack([np.ones(25), rng.normal(size=25) + 5.0, rng.normal(size=25)])
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=25)
    W = rng.uniform(0, 3, size=(6, 25))
    b, inv = batched_wls(y, X, W)
    for j in range(6):
        ref = sm.WLS(y, X, weights=W[j]).fit()
        _close(b[j], ref.params, 1e-9)
        _close(inv[j], ref.normalized_cov_params, 1e-8)


# --------------------------------------------------------------- immutability, with_cov
def test_with_cov_returns_new_result_equal_to_direct_fit():
    rng = np.random.default_rng(10)
    X = np.column_stack([np.ones(50), rng.normal(size=50)])
    y = X @ [1.0, 1.0] + rng.normal(size=50) * (1 + np.abs(X[:, 1]))
    res = OLS(cov_type="HC1").fit(y, X)
    alt = res.with_cov("HC3")
    assert res.cov_type == "HC1" and alt.cov_type == "HC3"
    _close(alt.bse, OLS(cov_type="HC3").fit(y, X).bse, 1e-14)
    g = np.arange(50) % 7
    cl = res.with_cov("cluster", cluster=g, cluster_correction="CR2")
    assert cl.cov_label == "cluster (CR2, 7 clusters)"
    with pytest.raises(AttributeError):
        res.coef = np.zeros(2)  # type: ignore[misc]


def test_mde_is_quantile_sum_times_se():
    from scipy import stats

    rng = np.random.default_rng(11)
    X = np.column_stack([np.ones(30), rng.normal(size=30)])
    res = OLS(use_t=False).fit(X @ [0.0, 1.0] + rng.normal(size=30), X)
    _close(res.mde()["x"], (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * res.bse["x"], 1e-12)
    res_t = OLS().fit(X @ [0.0, 1.0] + rng.normal(size=30), X)
    _close(res_t.mde()["x"], (stats.t.ppf(0.975, 28) + stats.t.ppf(0.8, 28)) * res_t.bse["x"], 1e-12)


# --------------------------------------------------------------- bad input
def _xy(n=20):
    rng = np.random.default_rng(12)
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    return X, X @ [1.0, 1.0] + rng.normal(size=n)


def test_bad_inputs_raise_econindex_errors_naming_the_problem():
    X, y = _xy()
    names = [f"g{i}" for i in range(20)]
    y_nan = y.copy()
    y_nan[3] = np.nan
    with pytest.raises(DataValueError, match="g3"):
        OLS().fit(y_nan, X, obs_names=names)
    X_inf = X.copy()
    X_inf[5, 1] = np.inf
    with pytest.raises(DataValueError, match=r"x.*g5"):
        OLS().fit(y, X_inf, obs_names=names)
    with pytest.raises(EstimationError, match="at least 3"):
        OLS().fit(y[:2], X[:2])
    X_const = np.column_stack([X, np.full(20, 2.0)])
    with pytest.raises(EstimationError, match="x2.*constant"):
        OLS().fit(y, X_const)
    X_col = np.column_stack([X, 3 * X[:, 1]])
    with pytest.raises(EstimationError, match="rank-deficient"):
        OLS().fit(y, X_col)
    w = np.ones(20)
    w[4] = -1
    with pytest.raises(DataValueError, match="negative at g4"):
        OLS().fit(y, X, weights=w, obs_names=names)
    with pytest.raises(DataValueError, match="all zero"):
        OLS().fit(y, X, weights=np.zeros(20))
    with pytest.raises(OptionError, match="'nonrobust', 'HC0'"):
        OLS(cov_type="robust")
    with pytest.raises(OptionError, match="needs cluster="):
        OLS(cov_type="cluster").fit(y, X)
    with pytest.raises(OptionError, match="cluster"):
        OLS(cov_type="HC1").fit(y, X, cluster=np.arange(20) % 3)
    with pytest.raises(OptionError):
        OLS(cluster_correction="CR9")
    assert issubclass(OptionError, EconIndexError)


# --------------------------------------------------------------- exports
def test_exports_have_one_shape_each():
    X, y = _xy(40)
    res = OLS(cov_type="HC2").fit(y, X, names=("const", "ln_gdp_pc"), level="country")
    frame = res.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    _close(frame["std_error"], res.bse, 0)
    _close(frame["ci_lower"], res.conf_int()["lower"], 0)
    xa = res.to_xarray()
    assert list(xa["stat"].values) == [
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_lower",
        "ci_upper",
    ]
    assert xa.attrs["cov_type"] == "HC2" and xa.attrs["level"] == "country" and xa.attrs["nobs"] == 40
    assert float(xa["ln_gdp_pc"].sel(stat="p_value")) == pytest.approx(float(res.pvalues["ln_gdp_pc"]))
    tex = res.to_latex()
    assert r"\toprule" in tex and r"ln\_gdp\_pc" in tex and "ln_gdp_pc" not in tex.replace(r"ln\_gdp\_pc", "")
    assert "| ln_gdp_pc |" in res.to_markdown()
    assert "ln_gdp_pc" in res.summary() and "HC2" in res.summary()
    assert "<table" in res._repr_html_()


def test_latex_escape_all_specials():
    assert latex_escape("a_b&c%d$e#f{g}h~i^j\\") == (
        r"a\_b\&c\%d\$e\#f\{g\}h\textasciitilde{}i\textasciicircum{}j\textbackslash{}"
    )


def test_compare_table_rows_and_se_type_notes():
    X, y = _xy(60)
    a = OLS(cov_type="HC1").fit(y, X, names=("const", "x_1"))
    b = OLS(cov_type="nonrobust").fit(y, X, names=("const", "x_1"))
    t = compare([a, b], names=["robust", "classical"])
    assert list(t.frame.columns) == ["robust", "classical"]
    assert t.frame.loc["x_1 (se)", "robust"] == f"({a.bse['x_1']:.3f})"
    assert list(t.frame.loc["SE type"]) == ["HC1", "nonrobust"]
    assert list(t.frame.loc["N"]) == ["60", "60"]
    assert any("N/(N-k)" in n for n in t.notes)
    tex = t.to_latex()
    assert r"x\_1" in tex and r"\bottomrule" in tex
    assert "| SE type | HC1 | nonrobust |" in t.to_markdown()
    assert "<table" in t.to_html()
    with pytest.raises(OptionError):
        compare([a, b], names=["same", "same"])
    with pytest.raises(OptionError):
        compare([])


def test_fit_clusters_is_a_deprecated_spelling_of_cluster():
    from econindex.regression import PPML

    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(30), rng.normal(size=30)])
    y = X @ [1.0, 0.5] + rng.normal(size=30)
    g = np.arange(30) % 5
    new = OLS(cov_type="cluster").fit(y, X, cluster=g)
    with pytest.warns(DeprecationWarning, match="use cluster="):
        old = OLS(cov_type="cluster").fit(y, X, clusters=g)
    np.testing.assert_array_equal(old.bse, new.bse)
    with pytest.warns(DeprecationWarning), pytest.raises(OptionError, match="cluster= only"):
        OLS(cov_type="cluster").fit(y, X, cluster=g, clusters=g)
    counts = rng.poisson(np.exp(X @ [0.5, 0.3]))
    with pytest.warns(DeprecationWarning, match="use cluster="):
        old_p = PPML(cov_type="cluster").fit(counts, X, clusters=g)
    np.testing.assert_array_equal(old_p.bse, PPML(cov_type="cluster").fit(counts, X, cluster=g).bse)
