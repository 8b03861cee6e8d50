"""The formula core (``ols`` / ``ppml`` with absorbed fixed effects) against pyfixest, linearmodels
and statsmodels.

pyfixest and linearmodels values come from ``tests/reference/formula_fixest.py`` (JSON committed
next to it, data included); statsmodels runs here (no fixed effects).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import econindex as ei
from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError
from econindex.formula import absorbed_dof, demean
from econindex.regression import model_frame, ols, ppml

REF = json.loads((Path(__file__).parent / "reference" / "formula_fixest.json").read_text())
SIM = pd.DataFrame(REF["data"])


def _kw(case: dict) -> dict:
    vcov = case.get("vcov")
    kw: dict = {}
    if isinstance(vcov, dict):
        kw["cluster"] = vcov["CRV1"]
    elif vcov == "iid":
        kw["cov_type"] = "nonrobust"
    if "weights" in case:
        kw["weights"] = case["weights"]
    return kw


@functools.cache
def _panel_cached() -> pd.DataFrame:
    return model_frame(ei.datasets.load_us_state_panel(), level="state_us").reset_index(drop=True)


def _panel() -> pd.DataFrame:
    return _panel_cached().copy()


@pytest.mark.parametrize("key", [k for k in REF["cases"] if k.startswith("sim/") and "/ppml/" not in k])
def test_ols_equals_pyfixest_feols(key):
    case = REF["cases"][key]
    res = ols(case["formula"], SIM, **_kw(case))
    assert list(res.names) == case["names"]
    np.testing.assert_allclose(res.params, case["params"], rtol=1e-8)
    np.testing.assert_allclose(res.bse, case["bse"], rtol=1e-8)
    assert res.nobs == case["nobs"] and float(res.df[0]) == case["df_t"]


@pytest.mark.parametrize("key", [k for k in REF["cases"] if "/ppml/" in k])
def test_ppml_equals_pyfixest_fepois(key):
    case = REF["cases"][key]
    res = ppml(case["formula"], SIM, **_kw(case))
    assert list(res.names) == case["names"]
    np.testing.assert_allclose(res.params, case["params"], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(res.bse, case["bse"], rtol=1e-7)  # pyfixest's bread is one IRLS step behind
    assert res.nobs == case["nobs"]
    if "separated" in key:
        n_sep = int(SIM["f1"].isin([3, 7]).sum())
        assert res.dropped_rows == {"fixed-effect group with zero outcome throughout": n_sep}
        assert res.nobs == 300 - n_sep


@pytest.mark.parametrize("key", [k for k in REF["cases"] if k.startswith("real/")])
def test_ols_equals_pyfixest_on_the_state_panel(key):
    case = REF["cases"][key]
    res = ols(case["formula"], _panel(), **_kw(case) or {})
    np.testing.assert_allclose(res.params, case["params"], rtol=1e-8)
    np.testing.assert_allclose(res.bse, case["bse"], rtol=1e-8)
    assert res.nobs == case["nobs"]


def test_division_period_effects_cluster_division_state_panel():
    case = REF["cases"]["real/state_panel/division_period_cluster_division"]
    res = ols(case["formula"], _panel(), cluster="census_division")
    np.testing.assert_allclose(res.bse, case["bse"], rtol=1e-8)
    assert res.cov_label == "cluster (CR1, 9 clusters)"  # census_division nested in itself counts once


def test_entity_and_time_effects_equal_linearmodels_panelols():
    case = REF["cases"]["linearmodels/panel/unadjusted"]
    rows = pd.DataFrame(case["rows"], columns=["f1", "f2"])
    sub = SIM.drop_duplicates(["f1", "f2"]).reset_index(drop=True)
    assert sub[["f1", "f2"]].to_numpy().tolist() == rows.to_numpy().tolist()
    sub = sub.assign(lx2=np.log(sub["x2"]))
    # linearmodels keeps singleton groups; so does drop_singletons=False
    res = ols("y ~ x1 + lx2 | f1 + f2", sub, cov_type="nonrobust", drop_singletons=False)
    np.testing.assert_allclose(res.params, case["params"], rtol=1e-8)
    np.testing.assert_allclose(res.bse, case["bse"], rtol=1e-8)
    assert res.df_resid == case["df_resid"]


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
def test_no_fixed_effects_equals_statsmodels_formula(cov_type):
    res = ols("y ~ x1 + log(x2) + C(g)", SIM, cov_type=cov_type)
    ref = smf.ols("y ~ x1 + np.log(x2) + C(g)", SIM).fit(cov_type=cov_type, use_t=True)
    order = [n.replace("log(", "np.log(") for n in res.names]  # statsmodels orders dummies first
    np.testing.assert_allclose(res.params, ref.params[order], rtol=1e-10)
    np.testing.assert_allclose(res.bse, ref.bse[order], rtol=1e-10)
    np.testing.assert_allclose(res.pvalues, ref.pvalues[order], rtol=1e-8)
    assert res.names[4] == "C(g)[T.c]"


def test_cluster_no_fe_equals_statsmodels():
    res = ols("y ~ x1 + log(x2)", SIM, cluster="cl")
    ref = smf.ols("y ~ x1 + np.log(x2)", SIM).fit(
        cov_type="cluster", cov_kwds={"groups": SIM["cl"]}, use_t=True
    )
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(res.conf_int(0.1).to_numpy(), ref.conf_int(0.1).to_numpy(), rtol=1e-10)


def test_model_frame_reproduces_income_elasticity():
    ds = ei.datasets.load_countries_2025_08()
    est = ei.IncomeElasticity().fit(ds, level="country")
    res = ols("log_usage_index ~ log_gdp_pc", model_frame(ds, level="country"))
    np.testing.assert_allclose(res.params["log_gdp_pc"], est.slope, rtol=1e-12)
    np.testing.assert_allclose(res.bse["log_gdp_pc"], est.se, rtol=1e-12)
    # a dataset is accepted directly
    direct = ols("log_usage_index ~ log_gdp_pc", ds, level="country")
    assert direct.params["log_gdp_pc"] == res.params["log_gdp_pc"]


def test_ppml_formula_matches_the_income_elasticity_ppml():
    ds = ei.datasets.load_countries_2025_08()
    res = ppml("usage_count ~ log_gdp_pc", ds, level="country", exposure="working_age_pop")
    assert round(float(res.params["log_gdp_pc"]), 6) == 0.715742
    assert round(float(res.bse["log_gdp_pc"]), 6) == 0.023157  # R sandwich HC1 / pyfixest hetero


def test_demean_one_fe_is_group_deviation_and_two_fe_is_projection():
    rng = np.random.default_rng(3)
    codes = np.column_stack([rng.integers(0, 7, 200), rng.integers(0, 5, 200)])
    x = rng.normal(size=200)
    w = rng.uniform(0.5, 2.0, 200)
    D = np.column_stack([np.eye(7)[codes[:, 0]], np.eye(5)[codes[:, 1]][:, 1:]])
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(D * sw[:, None], x * sw, rcond=None)[0]
    np.testing.assert_allclose(demean(x, codes, w), x - D @ beta, atol=1e-10)
    assert absorbed_dof([7, 5]) == 11


def test_dropped_rows_are_counted():
    df = SIM.copy()
    df.loc[:4, "x1"] = np.nan
    df.loc[5, "x2"] = -1.0  # log of a negative number
    res = ols("y ~ x1 + log(x2)", df)
    assert res.nobs == 300 - 6
    assert res.dropped_rows == {"missing value in x1": 5, "non-finite log(x2)": 1}


# ------------------------------------------------------------------ bad input: typed, naming the term
def test_formula_naming_a_missing_column():
    with pytest.raises(SchemaError, match="'x3'"):
        ols("y ~ x1 + x3", SIM)
    with pytest.raises(SchemaError, match="'region'"):
        ols("y ~ x1 | region", SIM)


def test_fixed_effect_absorbing_the_regressor():
    with pytest.raises(EstimationError, match=r"'log_gdp_pc' is absorbed by the fixed effect\(s\) geo"):
        ols("log_usage_index ~ log_gdp_pc | geo", _panel())


def test_cluster_variable_with_one_cluster():
    df = SIM.assign(one="a")
    with pytest.raises(EstimationError, match="'one' has 1 cluster"):
        ols("y ~ x1", df, cluster="one")


def test_negative_weights():
    df = SIM.assign(w=SIM["w"] - 1.0)
    with pytest.raises(DataValueError, match="weights 'w' are negative"):
        ols("y ~ x1", df, weights="w")


def test_malformed_formula():
    with pytest.raises(OptionError, match="more than one"):
        ols("y ~ x1 | f1 | f2", SIM)


# ------------------------------------------------------------------ result protocol on formula fits
def test_predict_with_one_fixed_effect_reproduces_fitted_values():
    res = ols("y ~ x1 + log(x2) | f1", SIM)
    np.testing.assert_allclose(res.predict(SIM), SIM["y"] - res.resid, atol=1e-9)
    pres = ppml("count ~ x1 | f1", SIM)
    np.testing.assert_allclose(pres.predict(SIM.loc[pres.row_index]), pres.fittedvalues, rtol=1e-8)


def test_robustness_tools_refuse_absorbed_fits():
    from econindex.robustness import influence

    with pytest.raises(OptionError, match="fixed effects"):
        influence(ols("y ~ x1 | f1", SIM))


def test_repr_is_short():
    res = ppml("count ~ x1 + log(x2) | f1", SIM)
    assert len(repr(res).splitlines()) <= 2 and "PPML" in repr(res)
