"""The covariance registry against R ``sandwich`` (HC0-HC3, CR1 via ``vcovCL``) and ``clubSandwich``
(CR2 with Satterthwaite dof, CR3; with weights under ``convention="clubSandwich"`` and each of its
working-model targets), for OLS, WLS and the PPML Poisson GLM.

Values: ``tests/reference/r_sandwich.R`` on ``r_sandwich_inputs.json`` (both committed with their
output ``r_sandwich.json``; R is not needed to run these tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from econindex.regression import OLS, PPML

HERE = Path(__file__).parent / "reference"
R = json.loads((HERE / "r_sandwich.json").read_text())
D = json.loads((HERE / "r_sandwich_inputs.json").read_text())


def _design(name: str):
    if name.startswith("states"):
        d = D["states"]
        X = np.column_stack([np.ones(len(d["x"])), d["x"]])
    else:
        d = D["sim"]
        X = np.column_stack([np.ones(len(d["x1"])), d["x1"], d["x2"]])
    w = np.asarray(d["w"]) if name.endswith("wls") else None
    return np.asarray(d["y"]), X, w, np.asarray(d["cluster"])


CASES = ["states_ols", "states_wls", "sim_ols", "sim_wls"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
def test_hc_types_equal_r_sandwich(case, kind):
    y, X, w, _ = _design(case)
    res = OLS(cov_type=kind).fit(y, X, weights=w)
    np.testing.assert_allclose(res.coef, R[case]["params"], rtol=1e-10)
    key = "se_const" if kind == "nonrobust" else f"se_{kind}"
    np.testing.assert_allclose(res.bse, R[case][key], rtol=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_cr1_equals_sandwich_vcovcl_hc1(case):
    y, X, w, cl = _design(case)
    res = OLS(cov_type="cluster").fit(y, X, weights=w, cluster=cl)
    np.testing.assert_allclose(res.bse, R[case]["se_CR1"], rtol=1e-8)


@pytest.mark.parametrize("case", ["states_ols", "sim_ols"])
def test_cr2_and_its_dof_equal_clubsandwich(case):
    # unweighted only: with WLS weights clubSandwich's CR2 uses its own working-model target
    # (docs/regression.md); econindex's is Bell-McCaffrey on the whitened design
    y, X, w, cl = _design(case)
    res = OLS(cov_type="cluster", cluster_correction="CR2").fit(y, X, weights=w, cluster=cl)
    np.testing.assert_allclose(res.bse, R[case]["se_CR2"], rtol=1e-8)
    np.testing.assert_allclose(res.df, R[case]["df_CR2_satterthwaite"], rtol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_cr3_is_clubsandwich_times_g_minus_1_over_g(case):
    # econindex's CR3 is statsmodels' cluster jackknife: (G-1)/G times clubSandwich's CR3
    y, X, w, cl = _design(case)
    res = OLS(cov_type="cluster", cluster_correction="CR3").fit(y, X, weights=w, cluster=cl)
    g = R[case]["G"]
    np.testing.assert_allclose(res.bse, np.asarray(R[case]["se_CR3"]) * np.sqrt((g - 1) / g), rtol=1e-8)


@pytest.mark.parametrize("kind", ["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"])
def test_ppml_equals_r_glm_sandwich(kind):
    d = D["countries"]
    X = np.column_stack([np.ones(len(d["x"])), d["x"]])
    res = PPML(cov_type=kind).fit(
        np.asarray(d["u"]),
        X,
        offset=np.log(d["pop"]),
        cluster=np.asarray(d["cluster"]) if kind == "cluster" else None,
    )
    ref = R["countries_ppml"]
    np.testing.assert_allclose(res.coef, ref["params"], rtol=1e-8)
    key = {"nonrobust": "se_const", "cluster": "se_CR1"}.get(kind, f"se_{kind}")
    np.testing.assert_allclose(res.bse, ref[key], rtol=1e-7)
    if kind == "HC1":
        assert round(float(res.bse.iloc[1]), 6) == 0.023157


@pytest.mark.parametrize("case", CASES)
def test_convention_clubsandwich_reproduces_its_cr3_and_dof(case):
    y, X, w, cl = _design(case)
    res = OLS().fit(y, X, weights=w).with_cov(
        "cluster", cluster=cl, cluster_correction="CR3", convention="clubSandwich"
    )
    np.testing.assert_allclose(res.bse, R[case]["se_CR3"], rtol=1e-8)
    # dof on clubSandwich's working model (target = 1 for WLS, its default)
    np.testing.assert_allclose(res.df, R[case]["df_CR3_satterthwaite"], rtol=1e-8)
    assert res.cov_label.endswith("clubSandwich)")


# (target=, R vcovCR argument, key suffix in r_sandwich.json)
TARGETS = [(None, "default", ""), ("inverse_weights", "inverse_var = TRUE", "_inverse_var")]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("target", TARGETS, ids=[t[1] for t in TARGETS])
def test_convention_clubsandwich_reproduces_its_weighted_cr2(case, target):
    # vcovCR(lm(y ~ x, weights = w), cluster, type = "CR2") and coef_test(..., "Satterthwaite"):
    # its working model is target = 1 unless inverse_var = TRUE (docs/regression.md)
    y, X, w, cl = _design(case)
    res = OLS().fit(y, X, weights=w).with_cov(
        "cluster", cluster=cl, cluster_correction="CR2", convention="clubSandwich", target=target[0]
    )
    dkey = "df_CR2" + (target[2] or "_satterthwaite")
    np.testing.assert_allclose(res.bse, R[case]["se_CR2" + target[2]], rtol=1e-8)
    np.testing.assert_allclose(res.df, R[case][dkey], rtol=1e-8)
    if not target[2]:
        np.testing.assert_allclose(res.pvalues, R[case]["p_CR2_satterthwaite"], rtol=1e-7)


@pytest.mark.parametrize("case", CASES)
def test_convention_clubsandwich_cr3_and_array_target(case):
    y, X, w, cl = _design(case)
    fit = OLS().fit(y, X, weights=w)
    cr3 = fit.with_cov(
        "cluster", cluster=cl, cluster_correction="CR3", convention="clubSandwich", target="inverse_weights"
    )
    np.testing.assert_allclose(cr3.bse, R[case]["se_CR3_inverse_var"], rtol=1e-8)
    np.testing.assert_allclose(cr3.df, R[case]["df_CR3_inverse_var"], rtol=1e-8)
    tg = np.asarray(R[case]["target_123"], dtype=float)
    cr2 = fit.with_cov("cluster", cluster=cl, cluster_correction="CR2", convention="clubSandwich", target=tg)
    np.testing.assert_allclose(cr2.bse, R[case]["se_CR2_target_123"], rtol=1e-8)
    np.testing.assert_allclose(cr2.df, R[case]["df_CR2_target_123"], rtol=1e-8)


def test_weighted_cr2_conventions_differ_on_the_states():
    # the 51 states weighted by working-age population, 9 Census divisions: econindex's default
    # (whitened Bell-McCaffrey) is neither of clubSandwich's working models
    y, X, w, cl = _design("states_wls")
    fit = OLS().fit(y, X, weights=w)
    own = fit.with_cov("cluster", cluster=cl, cluster_correction="CR2")
    club = fit.with_cov("cluster", cluster=cl, cluster_correction="CR2", convention="clubSandwich")
    ref = R["states_wls"]
    assert abs(own.bse.iloc[1] / ref["se_CR2"][1] - 1) > 0.05
    assert abs(own.bse.iloc[1] / ref["se_CR2_inverse_var"][1] - 1) > 0.01
    np.testing.assert_allclose(club.bse, ref["se_CR2"], rtol=1e-8)


def test_target_needs_the_clubsandwich_convention_and_valid_values():
    from econindex.errors import EstimationError, OptionError

    y, X, w, cl = _design("states_wls")
    fit = OLS().fit(y, X, weights=w)
    with pytest.raises(OptionError, match="convention='clubSandwich' only"):
        fit.with_cov("cluster", cluster=cl, cluster_correction="CR2", target="identity")
    club = {"cluster": cl, "cluster_correction": "CR2", "convention": "clubSandwich"}
    with pytest.raises(OptionError, match="target='unit' is not valid"):
        fit.with_cov("cluster", target="unit", **club)
    with pytest.raises(OptionError, match="51 positive finite variances"):
        fit.with_cov("cluster", target=[1.0, 2.0], **club)
    w0 = w.copy()
    w0[3] = 0.0
    with pytest.raises(EstimationError, match="positive weights; zero at row 3"):
        OLS().fit(y, X, weights=w0).with_cov(
            "cluster", cluster=cl, cluster_correction="CR2", convention="clubSandwich"
        )
