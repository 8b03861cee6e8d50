"""influence, jackknife, dropping-a-little-data, breakdown and the batched refit kernel.

References: explicit refits (numpy lstsq / statsmodels) and statsmodels' OLSInfluence.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import econindex as ei
from econindex.regression import OLS
from econindex.robustness import (
    breakdown,
    dropping_a_little_data,
    influence,
    jackknife,
    loo_params,
    most_influential,
)
from econindex.robustness._batch import batch_wls


def _design(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1)) * rng.uniform(0.5, 3, k - 1)])
    y = X @ rng.normal(size=k) + rng.standard_t(4, size=n) * (1 + np.abs(X[:, -1]))
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(8, 60), k=st.integers(2, 5), weighted=st.booleans())
def test_closed_form_loo_equals_refitting(seed: int, n: int, k: int, weighted: bool) -> None:
    X, y, w = _design(seed, n, k)
    weights = w if weighted else None
    res = OLS(cov_type="HC1").fit(y, X, weights=weights)
    loo = loo_params(res).to_numpy()
    sw = np.sqrt(w) if weighted else np.ones(n)
    for i in range(n):  # the reference: an explicit refit without observation i
        keep = np.arange(n) != i
        ref = np.linalg.lstsq(X[keep] * sw[keep, None], y[keep] * sw[keep], rcond=None)[0]
        np.testing.assert_allclose(loo[i], ref, rtol=1e-10, atol=1e-10 * (1 + np.abs(ref).max()))


def _check_vs_statsmodels(res_econ: object, sm_res: object) -> None:
    infl = influence(res_econ)
    oi = sm_res.get_influence()  # type: ignore[attr-defined]
    pairs = {
        "leverage": oi.hat_matrix_diag,
        "student_resid": oi.resid_studentized_external,
        "student_resid_internal": oi.resid_studentized_internal,
        "cooks_distance": oi.cooks_distance[0],
        "cooks_pvalue": oi.cooks_distance[1],
        "dffits": oi.dffits[0],
        "dfbeta": oi.dfbeta,
        "dfbetas": oi.dfbetas,
        "loo_sigma": np.sqrt(oi.sigma2_not_obsi),
    }
    for name, ref in pairs.items():
        np.testing.assert_allclose(infl[name].values, np.asarray(ref), rtol=1e-10, atol=1e-12, err_msg=name)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(10, 50), k=st.integers(2, 4))
def test_influence_equals_statsmodels_olsinfluence(seed: int, n: int, k: int) -> None:
    X, y, _ = _design(seed, n, k)
    _check_vs_statsmodels(OLS(cov_type="HC3").fit(y, X), sm.OLS(y, X).fit())


@pytest.mark.parametrize("weighted", [False, True])
def test_influence_dataset_equals_explicit_refits(weighted: bool) -> None:
    # every variable of influence() from its definition, with a statsmodels refit without each
    # observation for the leave-one-out ones (the weighted case has no OLSInfluence reference)
    n, k = 35, 3
    X, y, w = _design(21, n, k)
    ww = w if weighted else np.ones(n)
    res = OLS(cov_type="HC1").fit(
        y, X, weights=w if weighted else None, obs_names=[f"g{i}" for i in range(n)]
    )
    infl = influence(res)
    full = sm.WLS(y, X, weights=ww).fit()
    sw = np.sqrt(ww)
    A = (X * ww[:, None]).T @ X
    A_inv = np.linalg.inv(A)
    h = ww * np.einsum("ij,jk,ik->i", X, A_inv, X)
    e = sw * (y - X @ full.params)
    s = np.sqrt(full.mse_resid)
    ref: dict[str, np.ndarray] = {
        name: np.empty(n) for name in ("loo_sigma", "student_resid", "dffits", "cooks")
    }
    ref.update({name: np.empty((n, k)) for name in ("loo_params", "dfbeta", "dfbetas")})
    for i in range(n):
        keep = np.arange(n) != i
        fit = sm.WLS(y[keep], X[keep], weights=ww[keep]).fit()
        s_i = np.sqrt(fit.mse_resid)
        d = full.params - fit.params
        x_i = X[i]
        # the deleted residual over its standard error (prediction of observation i from the refit)
        pred_var = 1 + ww[i] * x_i @ np.linalg.inv((X[keep] * ww[keep, None]).T @ X[keep]) @ x_i
        ref["student_resid"][i] = sw[i] * (y[i] - x_i @ fit.params) / (s_i * np.sqrt(pred_var))
        ref["dffits"][i] = sw[i] * x_i @ d / (s_i * np.sqrt(h[i]))
        ref["cooks"][i] = d @ A @ d / (k * s**2)
        ref["loo_sigma"][i] = s_i
        ref["loo_params"][i] = fit.params
        ref["dfbeta"][i] = d
        ref["dfbetas"][i] = d / (s_i * np.sqrt(np.diag(A_inv)))
    pairs = {
        "leverage": h,
        "resid": e,
        "student_resid_internal": e / (s * np.sqrt(1 - h)),
        "student_resid": ref["student_resid"],
        "cooks_distance": ref["cooks"],
        "cooks_pvalue": stats.f.sf(ref["cooks"], k, n - k),
        "dffits": ref["dffits"],
        "dfbeta": ref["dfbeta"],
        "dfbetas": ref["dfbetas"],
        "loo_params": ref["loo_params"],
        "loo_sigma": ref["loo_sigma"],
    }
    assert set(infl.data_vars) == set(pairs)
    for name, value in pairs.items():
        np.testing.assert_allclose(infl[name].values, value, rtol=1e-10, atol=1e-12, err_msg=name)
    assert infl.attrs["weighted"] == int(weighted) and infl.attrs["nobs"] == n
    assert infl.attrs["cooks_threshold"] == pytest.approx(4 / n)
    assert infl.attrs["dffits_threshold"] == pytest.approx(2 * np.sqrt(k / n))
    assert infl.attrs["dfbetas_threshold"] == pytest.approx(2 / np.sqrt(n))
    top = [f"g{i}" for i in np.argsort(-ref["cooks"], kind="stable")[:10]]
    assert json.loads(infl.attrs["most_influential"]) == top


@pytest.fixture(scope="module")
def countries() -> object:
    return ei.datasets.load_countries_2025_08()


def test_real_country_elasticity_influence_matches_statsmodels(countries: object) -> None:
    res = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    reg = res.regression
    ref = sm.OLS(reg.y, reg.X).fit()
    assert res.nobs == 114
    _check_vs_statsmodels(res, ref)  # the result itself is accepted (its .regression is used)
    infl = influence(res)
    named = json.loads(infl.attrs["most_influential"])
    assert named[0] == str(reg.obs_names[int(np.argmax(ref.get_influence().cooks_distance[0]))])
    top = most_influential(infl, 3, term="log_gdp_pc")
    assert top.index[0] == named[0] and list(top.columns)[-1] == "loo[log_gdp_pc]"


def test_influence_is_an_ordinary_labelled_dataset(countries: object) -> None:
    # influence() builds its Dataset without xarray's merging constructor: the result must be the
    # one that constructor gives, and label selection, alignment and tidy frames must work on it
    res = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    reg = res.regression
    infl = influence(res)
    geo = [str(g) for g in reg.obs_names]
    ref = xr.Dataset(
        {name: (v.dims, v.values, v.attrs) for name, v in infl.data_vars.items()},
        coords={"geo": pd.Index(geo, dtype=object), "term": pd.Index(list(reg.names), dtype=object)},
        attrs=dict(infl.attrs),
    )
    assert infl.identical(ref)
    assert dict(infl.sizes) == {"geo": 114, "term": 2}
    assert infl["dfbeta"].attrs["long_name"] == "params - params without the geo"
    assert list(infl.indexes["geo"]) == geo and list(infl.indexes["term"]) == list(reg.names)
    assert infl["leverage"].sel(geo=geo[5]).item() == infl["leverage"].values[5]
    assert infl["loo_params"].sel(geo=geo[7], term="log_gdp_pc").item() == infl["loo_params"].values[7, 1]
    other = xr.DataArray([1.0, 2.0], coords={"geo": [geo[3], "nowhere"]}, dims="geo")
    summed = infl["cooks_distance"] + other  # inner join on the geo labels
    assert summed["geo"].values.tolist() == [geo[3]]
    assert summed.item() == pytest.approx(infl["cooks_distance"].values[3] + 1.0)
    frame = infl[["leverage", "cooks_distance"]].to_dataframe()
    assert frame.index.tolist() == geo
    np.testing.assert_array_equal(frame["leverage"].to_numpy(), infl["leverage"].values)


def test_real_country_automation_influence_is_tabulated(countries: object) -> None:
    auto = ei.TaskMixAutomation(units="fraction").fit(countries, level="country")
    infl = influence(auto)
    reg = auto.regression
    loo = infl["loo_params"].sel(term="usage_index").values
    # the most influential country by DFBETA on the usage slope, checked by refitting without it
    i = int(np.argmax(np.abs(infl["dfbeta"].sel(term="usage_index").values)))
    keep = np.arange(reg.nobs) != i
    ref = sm.OLS(reg.y[keep], reg.X[keep]).fit().params[1]
    assert loo[i] == pytest.approx(ref, rel=1e-10)
    tab = most_influential(infl, 5, by="dfbeta", term="usage_index")
    assert tab.index[0] == str(reg.obs_names[i])


def test_jackknife_matches_explicit_refits() -> None:
    X, y, _ = _design(4, 30, 3)
    res = OLS(cov_type="HC2").fit(y, X, obs_names=[f"g{i}" for i in range(30)])
    jk = jackknife(res)
    fits = [sm.OLS(np.delete(y, i), np.delete(X, i, 0)).fit(cov_type="HC2") for i in range(30)]
    refs = np.array([f.params for f in fits])
    ref_se = np.array([f.bse for f in fits])
    np.testing.assert_allclose(jk.table["estimate"].to_numpy().reshape(30, 3), refs, rtol=1e-10)
    np.testing.assert_allclose(jk.table["std_error"].to_numpy().reshape(30, 3), ref_se, rtol=1e-9)
    var = 29 / 30 * ((refs - refs.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(jk.se.to_numpy(), np.sqrt(var), rtol=1e-10)
    # by group
    groups = np.repeat(["a", "b", "c"], 10)
    jg = jackknife(res, groups=groups, by="letter")
    drop_b = jg.table.query("dropped == 'b'")["estimate"].to_numpy()
    keep = groups != "b"
    np.testing.assert_allclose(drop_b, sm.OLS(y[keep], X[keep]).fit().params, rtol=1e-10)


def test_jackknife_by_census_division_on_real_states() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    res = ei.IncomeElasticity(cov_type="HC1").fit(st_, level="state_us")
    division = st_["census_division"].to_series()
    jg = jackknife(res, groups=division, by="census_division")
    assert set(jg.table["dropped"]) == set(division.unique())
    row = jg.table.query("dropped == 'Mountain' and term == 'log_gdp_pc'")
    keep = division.reindex(res.regression.obs_names).to_numpy() != "Mountain"
    ref = sm.OLS(res.regression.y[keep], res.regression.X[keep]).fit(cov_type="HC1")
    assert row["estimate"].item() == pytest.approx(ref.params[1], rel=1e-10)
    assert row["std_error"].item() == pytest.approx(ref.bse[1], rel=1e-9)


def test_amip_finds_the_single_geo_that_drives_the_sign() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = -0.05 * x + rng.normal(scale=0.5, size=40)
    x = np.append(x, 8.0)
    y = np.append(y, 12.0)  # one far point drives a positive slope
    X = np.column_stack([np.ones(41), x])
    res = OLS(cov_type="HC1").fit(y, X, obs_names=[*(f"g{i}" for i in range(40)), "OUT"])
    amip = dropping_a_little_data(res)
    assert amip.loc["sign", "geos"][0] == "OUT"
    # checked by refitting without the named geos
    k = int(amip.loc["sign", "n_dropped"])
    keep = ~np.isin(res.obs_names, amip.loc["sign", "geos"])
    ref = sm.OLS(y[keep], X[keep]).fit()
    assert amip.loc["sign", "refit_estimate"] == pytest.approx(ref.params[1], rel=1e-10)
    assert amip.loc["sign", "achieved"] == bool(ref.params[1] < 0)
    assert amip.loc["sign", "fraction"] == pytest.approx(k / 41)


def test_amip_real_country_elasticity_is_robust(countries: object) -> None:
    res = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    amip = dropping_a_little_data(res)
    # the elasticity's sign survives dropping any small set of countries
    assert np.isnan(amip.loc["sign", "n_dropped"]) or amip.loc["sign", "fraction"] > 0.1


def test_breakdown_path_matches_refits() -> None:
    X, y, _ = _design(11, 40, 2)
    y = y + 0.6 * X[:, 1]
    res = OLS(cov_type="HC1").fit(y, X)
    br = breakdown(res)
    p = br.path
    for kk in (1, 3, 5):
        drop = [int(g) for g in p["removed"].iloc[1 : kk + 1]]
        keep = ~np.isin(np.arange(40), drop)
        ref = sm.OLS(y[keep], X[keep]).fit(cov_type="HC1", use_t=True)
        assert p["estimate"].iloc[kk] == pytest.approx(ref.params[1], rel=1e-10)
        assert p["p_value"].iloc[kk] == pytest.approx(ref.pvalues[1], rel=1e-8)
    sign0 = np.sign(p["estimate"].iloc[0])
    if br.n_sign is not None:
        assert np.sign(p["estimate"].iloc[br.n_sign]) != sign0
        assert (np.sign(p["estimate"].iloc[: br.n_sign]) == sign0).all()
    if br.n_insignificant is not None:
        assert p["p_value"].iloc[br.n_insignificant] >= 0.05
        assert (p["p_value"].iloc[: br.n_insignificant] < 0.05).all()


def test_breakdown_real_state_automation_slope() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    auto = ei.TaskMixAutomation(units="fraction").fit(st_, level="state_us")
    br = breakdown(auto)
    # the positive all-traffic slope is driven by Utah: the first removal is Utah and flips the sign
    assert br.path["removed"].iloc[1] == "UT"
    assert br.n_sign == 1


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"])
def test_batch_wls_equals_statsmodels(cov_type: str) -> None:
    X, y, w = _design(7, 50, 3)
    rng = np.random.default_rng(1)
    mask = rng.random((6, 50)) > 0.25
    groups = rng.integers(0, 7, 50)
    fit = batch_wls(X, y, mask, weights=w, cov_type=cov_type, clusters=groups)
    for s in range(6):
        m = mask[s]
        kw = {"cov_kwds": {"groups": groups[m]}} if cov_type == "cluster" else {}
        ref = sm.WLS(y[m], X[m], weights=w[m]).fit(cov_type=cov_type, **kw)
        np.testing.assert_allclose(fit.params[s], ref.params, rtol=1e-10)
        np.testing.assert_allclose(fit.bse[s], ref.bse, rtol=1e-9)
        np.testing.assert_allclose(fit.pvalues(ref.use_t)[s], ref.pvalues, rtol=1e-8)


def test_influence_rejects_objects_without_a_regression() -> None:
    with pytest.raises(ei.EconIndexError, match="no regression"):
        influence(object())


def test_closed_form_agrees_with_the_shared_kernels() -> None:
    from econindex._kernels.influence import leverage
    from econindex._kernels.influence import loo_params as kernel_loo

    X, y, w = _design(3, 25, 3)
    res = OLS(cov_type="HC1").fit(y, X, weights=w)
    infl = influence(res)
    np.testing.assert_allclose(infl["leverage"].values, leverage(X, w), rtol=1e-10)
    np.testing.assert_allclose(infl["loo_params"].values, kernel_loo(X, y, w), rtol=1e-10)


def test_influence_table_of_elasticity_and_automation_slope(countries: object) -> None:
    from econindex.robustness import influence_table

    e = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    a = ei.TaskMixAutomation(units="fraction").fit(countries, level="country")
    tab = influence_table({"elasticity": e, "automation": a})
    assert len(tab) == 114  # union of the 114 and the automation sample
    for name, res in (("elasticity", e), ("automation", a)):
        reg = res.regression
        col = tab[name].dropna()
        assert len(col) == reg.nobs
        g = tab.attrs["most_influential"][name]
        i = list(reg.obs_names).index(g)
        keep = np.arange(reg.nobs) != i
        ref = sm.OLS(reg.y[keep], reg.X[keep]).fit().params[1]
        assert col.loc[g, "estimate_without"] == pytest.approx(ref, rel=1e-10)
        assert col.loc[g, "rank"] == 1
        assert col["change"].abs().max() == pytest.approx(abs(ref - reg.params.iloc[1]), rel=1e-8)


def test_amip_linear_scores_are_the_first_order_influence() -> None:
    X, y, _ = _design(5, 60, 2)
    y = y + 0.25 * X[:, 1]
    res = OLS(cov_type="HC1").fit(y, X)
    amip = dropping_a_little_data(res, approximation="linear", max_fraction=0.9)
    # independent first-order scores: (X'X)^-1 x_i e_i
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    psi = (X @ np.linalg.inv(X.T @ X))[:, 1] * (y - X @ b)
    row = amip.loc["sign"]
    assert not np.isnan(row["n_dropped"])
    drop = np.array([int(g) for g in row["geos"]])
    assert row["approx_estimate"] == pytest.approx(b[1] - psi[drop].sum(), rel=1e-10)
    assert np.sign(row["approx_estimate"]) != np.sign(b[1])
    # minimal: one fewer of the same ordering does not cross zero in the approximation
    assert np.sign(b[1] - psi[drop[:-1]].sum()) == np.sign(b[1])
