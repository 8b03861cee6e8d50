"""The covariance registry against R ``sandwich`` (HC0-HC3, CR1 via ``vcovCL``) and ``clubSandwich``
(CR2 with Satterthwaite dof, CR3), for OLS, WLS and the PPML Poisson GLM.

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
    res = OLS(cov_type="cluster").fit(y, X, weights=w, clusters=cl)
    np.testing.assert_allclose(res.bse, R[case]["se_CR1"], rtol=1e-8)


@pytest.mark.parametrize("case", ["states_ols", "sim_ols"])
def test_cr2_and_its_dof_equal_clubsandwich(case):
    # unweighted only: with WLS weights clubSandwich's CR2 uses its own working-model target
    # (docs/regression.md); econindex's is Bell-McCaffrey on the whitened design
    y, X, w, cl = _design(case)
    res = OLS(cov_type="cluster", cluster_correction="CR2").fit(y, X, weights=w, clusters=cl)
    np.testing.assert_allclose(res.bse, R[case]["se_CR2"], rtol=1e-8)
    np.testing.assert_allclose(res.df, R[case]["df_CR2_satterthwaite"], rtol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_cr3_is_clubsandwich_times_g_minus_1_over_g(case):
    # econindex's CR3 is statsmodels' cluster jackknife: (G-1)/G times clubSandwich's CR3
    y, X, w, cl = _design(case)
    res = OLS(cov_type="cluster", cluster_correction="CR3").fit(y, X, weights=w, clusters=cl)
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
        clusters=np.asarray(d["cluster"]) if kind == "cluster" else None,
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
    if w is None:  # with weights clubSandwich's dof use its working-model target (docs/regression.md)
        np.testing.assert_allclose(res.df, R[case]["df_CR3_satterthwaite"], rtol=1e-6)
    assert res.cov_label.endswith("clubSandwich)")
