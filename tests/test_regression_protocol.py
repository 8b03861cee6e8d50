"""One result protocol for every frequentist result: tests, compare, reprs, option names, presets.

References: statsmodels (t_test / wald_test), pyfixest (tests/reference/formula_fixest.json) and
wildboottest (tests/reference/wild_wildboottest.json, 51 states x 9 divisions enumerated exactly).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import econindex as ei
from econindex.beta_convergence import convergence
from econindex.regression import model_frame, ols, ppml
from econindex.results import CoefficientResult, compare

REFDIR = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def states():
    return ei.datasets.load_us_states_2025_08()


@pytest.fixture(scope="module")
def states_frame(states):
    return model_frame(states, level="state_us").dropna(subset=["pct_bachelors_plus", "pct_broadband"])


FORMULA = "log_usage_index ~ log_gdp_pc + pct_bachelors_plus + pct_broadband"


def test_t_test_and_wald_test_equal_statsmodels(states_frame):
    res = ols(FORMULA, states_frame)
    ref = smf.ols(FORMULA, states_frame).fit(cov_type="HC1", use_t=True)
    t = res.t_test("log_gdp_pc - 2*pct_broadband = 1")
    rt = ref.t_test("log_gdp_pc - 2*pct_broadband = 1")
    np.testing.assert_allclose(t.statistic, float(np.squeeze(rt.tvalue)), rtol=1e-10)
    np.testing.assert_allclose(t.pvalue, float(np.squeeze(rt.pvalue)), rtol=1e-8)
    w = res.wald_test(["pct_bachelors_plus", "pct_broadband"])
    rw = ref.wald_test("pct_bachelors_plus = 0, pct_broadband = 0", scalar=True)
    np.testing.assert_allclose(w.statistic, rw.statistic, rtol=1e-10)
    np.testing.assert_allclose(w.pvalue, rw.pvalue, rtol=1e-8)
    assert (w.distribution, w.df_num, w.df_denom) == ("F", 2, ref.df_resid)


def test_t_test_agrees_with_the_printed_p_value(states):
    res = ei.IncomeElasticity().fit(states, level="state_us")
    assert res.t_test("log_gdp_pc").pvalue == pytest.approx(res.pvalue, rel=1e-12)
    ppml_res = ei.IncomeElasticity(method="ppml").fit(ei.datasets.load_countries_2025_08(), level="country")
    t = ppml_res.t_test({"log_gdp_pc": 1.0}, value=0.0)
    assert t.distribution == "normal" and t.pvalue == pytest.approx(ppml_res.pvalue, rel=1e-12)


def test_every_result_is_a_coefficient_result_and_compares(states):
    panel = ei.datasets.load_us_state_panel()
    results = [
        ei.IncomeElasticity().fit(states, level="state_us"),
        convergence(panel, level="state_us"),
        ppml("usage_count ~ log_gdp_pc", ei.datasets.load_countries_2025_08(), exposure="working_age_pop"),
        ols("log_usage_index ~ log_gdp_pc | census_region", states, level="state_us"),
    ]
    assert all(isinstance(r, CoefficientResult) for r in results)
    table = compare(results, terms=["log_gdp_pc"])
    assert table.frame.loc["N"].tolist() == ["51", str(results[1].nobs), "114", "51"]
    conv = results[1]
    np.testing.assert_allclose(conv.params["ln_aui_start"], conv.beta, rtol=1e-15)
    np.testing.assert_allclose(conv.conf_int(0.05).loc["ln_aui_start"].tolist(), conv.ci(0.95), rtol=1e-12)


def test_reprs_are_short(states):
    for r in (
        ei.IncomeElasticity(method="ppml").fit(ei.datasets.load_countries_2025_08(), level="country"),
        convergence(ei.datasets.load_us_state_panel(), level="state_us"),
        ols(FORMULA, model_frame(states, level="state_us")),
    ):
        assert 1 <= len(repr(r).splitlines()) <= 2


def test_wild_bootstrap_test_on_a_result_equals_wildboottest(states):
    ref = json.loads((REFDIR / "wild_wildboottest.json").read_text())["cases"]["states"]
    res = ei.IncomeElasticity(cov_type="cluster", cluster="census_division").fit(states, level="state_us")
    assert list(res.geos) == ref["geos"]
    for r in (0.0, 1.0, 1.5, 2.0):
        case = ref[f"wcr_rademacher_r{r:g}"]
        wb = res.wild_bootstrap_test("log_gdp_pc", value=r, seed=1)
        assert wb.enumerated and wb.n_boot == case["B"] == 512
        np.testing.assert_allclose(wb.t_stat, case["t_stat"], rtol=1e-8)
        # wildboottest counts |t*| > |t| strictly; the draw equal to t itself (and its mirror) differ
        assert abs(wb.pvalue - case["pvalue_strict"]) <= 2 / 512 + 1e-12


def test_fixed_effects_preset_equals_pyfixest():
    ref = json.loads((REFDIR / "formula_fixest.json").read_text())["cases"]
    case = ref["real/state_panel/division_period_cluster_division"]
    panel = ei.datasets.load_us_state_panel()
    res = ei.IncomeElasticity(
        fixed_effects=("census_division", "period"),
        cov_type="cluster",
        cluster="census_division",
        zeros="drop",
    ).fit(panel, level="state_us")
    np.testing.assert_allclose(res.slope, case["params"][0], rtol=1e-8)
    np.testing.assert_allclose(res.se, case["bse"][0], rtol=1e-8)
    assert res.nobs == case["nobs"]


def test_categorical_control_equals_statsmodels(states):
    res = ei.IncomeElasticity(controls=("census_region",)).fit(states, level="state_us")
    mf = model_frame(states, level="state_us")
    ref = smf.ols("log_usage_index ~ log_gdp_pc + C(census_region)", mf).fit(cov_type="HC1", use_t=True)
    np.testing.assert_allclose(res.slope, ref.params["log_gdp_pc"], rtol=1e-10)
    np.testing.assert_allclose(res.se, ref.bse["log_gdp_pc"], rtol=1e-10)


def test_old_option_names_warn(states):
    with pytest.warns(DeprecationWarning, match="cluster="):
        est = ei.IncomeElasticity(cov_type="cluster", clusters="census_region")
    new = ei.IncomeElasticity(cov_type="cluster", cluster="census_region")
    assert est.fit(states, level="state_us").se == new.fit(states, level="state_us").se
    reg = new.fit(states, level="state_us").regression
    with pytest.warns(DeprecationWarning, match="cluster="):
        reg.with_cov("cluster", clusters=np.asarray(states["census_division"].values))


def test_task_mix_automation_fixed_effects_equal_statsmodels(states):
    res = ei.TaskMixAutomation(fixed_effects=("census_region",)).fit(states, level="state_us")
    mf = model_frame(states, level="state_us").loc[list(res.regression.obs_names)]
    mf = mf.assign(a=100 * mf["automation_share"], e=100 * mf["expected_automation"])
    ref = smf.ols("a ~ usage_index + e + C(census_region)", mf).fit(cov_type="HC1", use_t=True)
    np.testing.assert_allclose(res.slope, ref.params["usage_index"], rtol=1e-10)
    np.testing.assert_allclose(res.se, ref.bse["usage_index"], rtol=1e-10)


def _automation_panel():
    import sys

    import xarray as xr

    sys.path.insert(0, str(Path(__file__).parent))
    from test_automation import make_ds

    parts = [make_ds(seed=s, n_geo=40, n_task=30)[0] for s in (1, 2, 3)]
    panel = xr.concat(parts, dim="period", data_vars="all")
    panel = panel.assign_coords(period=["2025-08-04", "2025-11-03", "2026-02-02"])
    return panel.assign_coords(block=("geo", np.array(list("ABCD"))[np.arange(40) % 4]))


def _pooled_frame(panel):
    mf = model_frame(panel, level="country")
    mf = mf.drop(columns=["geo", "period"]).reset_index()
    return mf.assign(a=100 * mf["automation_share"], e=100 * mf["expected_automation"])


EFFECTS = [
    (("period", "block"), {"cov_type": "HC1"}),
    (("period",), {"cov_type": "cluster", "cluster": "block"}),
]


@pytest.mark.parametrize("effects, cov", EFFECTS)
def test_task_mix_automation_period_effects_equal_statsmodels_dummies(effects, cov):
    panel = _automation_panel()
    res = ei.TaskMixAutomation(expected_source="counts", fixed_effects=effects, **cov).fit(panel)
    assert res.nobs == 120 and res.period is None and "pooled" in res.sources["period"]
    assert res.regression.obs_names[0] == "G00@2025-08-04"
    mf = _pooled_frame(panel)
    rhs = " + ".join(f"C({e})" for e in effects)
    fit = smf.ols(f"a ~ usage_index_published + e + {rhs}", mf)
    if cov["cov_type"] == "HC1":
        ref = fit.fit(cov_type="HC1", use_t=True)
    else:
        ref = fit.fit(cov_type="cluster", cov_kwds={"groups": mf["block"].astype("category").cat.codes})
    np.testing.assert_allclose(res.slope, ref.params["usage_index_published"], rtol=1e-10)
    np.testing.assert_allclose(res.se, ref.bse["usage_index_published"], rtol=1e-10)
    with pytest.raises(ei.errors.OptionError, match="pools every period"):
        ei.TaskMixAutomation(expected_source="counts", fixed_effects=("period",)).fit(
            panel, period="2025-08-04"
        )
    with pytest.raises(ei.errors.OptionError, match="no period dimension"):
        ei.TaskMixAutomation(expected_source="counts", fixed_effects=("period",)).fit(panel.isel(period=0))


def test_convergence_clustered_equals_statsmodels():
    import statsmodels.api as sm

    panel = ei.datasets.load_us_state_panel()
    res = convergence(panel, level="state_us", cluster="census_division")
    X = res.regression.X
    groups = np.asarray(panel["census_division"].sel(geo=list(res.geos)).values)
    ref = sm.OLS(res.regression.y, X).fit(
        cov_type="cluster", cov_kwds={"groups": np.unique(groups, return_inverse=True)[1]}, use_t=True
    )
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse, rtol=1e-10)
    assert res.cov_label == "cluster (CR1, 9 clusters)"


def test_bootstrapped_p_values_come_from_the_bootstrap_like_the_intervals():
    ds = ei.datasets.load_countries_2025_08()
    res = ei.IncomeElasticity(bootstrap="wild", n_boot=999, seed=4).fit(ds, level="country")
    t = res.coef / res.bse.to_numpy()
    tstar = (res.boot_params - res.coef) / res.boot_se
    np.testing.assert_allclose(res.pvalues, (np.abs(tstar) >= np.abs(t)).mean(axis=0))
    assert "studentized intervals and p-values" in res.summary()
    # a hypothesis value outside the bootstrap-t interval is rejected by the bootstrap-t distribution
    lo, hi = res.ci(0.95)
    assert lo < res.slope < hi and res.pvalue < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("effects, cov", EFFECTS)
def test_task_mix_automation_period_effects_equal_pyfixest(effects, cov):
    pf = pytest.importorskip("pyfixest")
    panel = _automation_panel()
    res = ei.TaskMixAutomation(expected_source="counts", fixed_effects=effects, **cov).fit(panel)
    vcov = "hetero" if cov["cov_type"] == "HC1" else {"CRV1": "block"}
    ref = pf.feols(f"a ~ usage_index_published + e | {' + '.join(effects)}", _pooled_frame(panel), vcov=vcov)
    np.testing.assert_allclose(res.slope, ref.coef()["usage_index_published"], rtol=1e-10)
    np.testing.assert_allclose(res.se, ref.se()["usage_index_published"], rtol=1e-10)


def test_interval_width_is_alpha_everywhere(states):
    from econindex.results import interval_alpha
    from econindex.robustness.flags import flag_sensitivity

    assert interval_alpha(0.1, None, "f") == 0.1
    with pytest.warns(DeprecationWarning, match=r"f\(ci_level=\) is deprecated"):
        assert interval_alpha(0.05, 0.9, "f") == pytest.approx(0.1)
    with pytest.raises(ei.errors.OptionError, match="alpha=1.5"):
        interval_alpha(1.5, None, "f")
    est = ei.IncomeElasticity()
    new = flag_sensitivity(est, states, level="state_us", alpha=0.1)
    with pytest.warns(DeprecationWarning, match="use alpha="):
        old = flag_sensitivity(est, states, level="state_us", ci_level=0.9)
    pd.testing.assert_frame_equal(new, old)
    wide = flag_sensitivity(est, states, level="state_us")
    assert (new["ci_upper"] < wide["ci_upper"]).all()  # 90% intervals inside the default 95%


@pytest.mark.slow
def test_cr3_against_pyfixest_crv3(states_frame):
    # pyfixest's CRV3 has no (G-1)/G factor (as clubSandwich's CR3); without its ssc it is
    # econindex's CR3 times sqrt(G/(G-1)) (docs/regression.md)
    pf = pytest.importorskip("pyfixest")
    mf = states_frame.reset_index(drop=True)
    for fe in ("", " | census_region"):
        res = ols(f"log_usage_index ~ log_gdp_pc{fe}", mf).with_cov(
            "cluster", cluster=mf["census_division"].to_numpy(), cluster_correction="CR3"
        )
        ref = pf.feols(
            f"log_usage_index ~ log_gdp_pc{fe}",
            mf,
            vcov={"CRV3": "census_division"},
            ssc=pf.ssc(adj=False, cluster_adj=False),
        )
        np.testing.assert_allclose(res.bse["log_gdp_pc"] * np.sqrt(9 / 8), ref.se()["log_gdp_pc"], rtol=1e-8)
