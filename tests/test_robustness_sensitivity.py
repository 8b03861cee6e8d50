"""Omitted-variable sensitivity, the specification curve, and the robustness plots."""

from __future__ import annotations

import time

import matplotlib
import numpy as np
import pytest
import statsmodels.api as sm

import econindex as ei
from econindex.errors import DataValueError, OptionError
from econindex.regression import OLS
from econindex.robustness import omitted_variable_sensitivity, specification_curve
from econindex.robustness.sensitivity import bias_adjusted, robustness_value

matplotlib.use("Agg")


def test_robustness_value_matches_cinelli_hazlett_darfur() -> None:
    # Cinelli and Hazlett (2020), section 6: t = 4.18, df = 783 gives partial R2 2.19%, RV 13.9%, RV_a 7.6%
    t, dof = 4.18445, 783
    assert t**2 / (t**2 + dof) == pytest.approx(0.0219, abs=5e-5)
    assert robustness_value(t, dof) == pytest.approx(0.139, abs=5e-4)
    assert robustness_value(t, dof, alpha=0.05) == pytest.approx(0.076, abs=5e-4)
    assert robustness_value(1.0, 100, alpha=0.05) == 0.0  # already insignificant


def test_omitted_variable_bias_formula_is_exact_for_ols() -> None:
    """With the true confounder's partial R2s, the adjustment reproduces the long regression exactly."""
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    z = 0.5 * x + rng.normal(size=n)
    d = 0.8 * z + 0.3 * x + rng.normal(size=n)
    y = 1.0 * d + 1.5 * z - 0.4 * x + rng.normal(size=n)
    short = sm.OLS(y, sm.add_constant(np.column_stack([d, x]))).fit()
    long = sm.OLS(y, sm.add_constant(np.column_stack([d, x, z]))).fit()
    t_z = long.tvalues[3]
    r2yz = t_z**2 / (t_z**2 + long.df_resid)
    aux = sm.OLS(d, sm.add_constant(np.column_stack([x, z]))).fit()
    r2dz = aux.tvalues[2] ** 2 / (aux.tvalues[2] ** 2 + aux.df_resid)
    adj, adj_se = bias_adjusted(short.params[1], short.bse[1], short.df_resid, r2dz, r2yz)
    assert adj == pytest.approx(long.params[1], rel=1e-10)
    assert adj_se == pytest.approx(long.bse[1], rel=1e-10)
    # the result object gives the same partial R2 and RV as the t-statistic formulas
    res = OLS(cov_type="HC1").fit(y, sm.add_constant(np.column_stack([d, x])), names=("const", "d", "x"))
    ovb = omitted_variable_sensitivity(res, treatment="d", benchmark="x", kd=[1, 2])
    assert ovb.estimate == pytest.approx(short.params[1], rel=1e-12)
    assert ovb.se == pytest.approx(short.bse[1], rel=1e-10)  # classical, whatever the cov type
    assert ovb.partial_r2 == pytest.approx(short.tvalues[1] ** 2 / (short.tvalues[1] ** 2 + short.df_resid))
    assert ovb.rv_q == pytest.approx(robustness_value(short.tvalues[1], short.df_resid))
    # benchmark: partial R2 of the control with the treatment, from the auxiliary regression
    aux_x = sm.OLS(d, sm.add_constant(x)).fit()
    r2dx = aux_x.tvalues[1] ** 2 / (aux_x.tvalues[1] ** 2 + aux_x.df_resid)
    row = ovb.bounds.iloc[0]
    assert row["r2dxj_x"] == pytest.approx(r2dx, rel=1e-10)
    assert row["r2dz_x"] == pytest.approx(r2dx / (1 - r2dx), rel=1e-10)
    assert ovb.bounds["r2dz_x"].iloc[1] == pytest.approx(2 * r2dx / (1 - r2dx), rel=1e-10)
    assert abs(ovb.bounds["adjusted_estimate"].iloc[1]) < abs(ovb.bounds["adjusted_estimate"].iloc[0])
    assert "robustness value" in ovb.summary() and len(ovb.to_frame()) == 3


def test_ovb_on_the_real_automation_slope_benchmarks_expected_automation() -> None:
    countries = ei.datasets.load_countries_2025_08()
    auto = ei.TaskMixAutomation(units="fraction").fit(countries, level="country")
    ovb = omitted_variable_sensitivity(auto, benchmark="expected_automation", kd=[1, 2, 3])
    assert ovb.treatment == "usage_index"
    assert ovb.partial_r2 == pytest.approx(auto.partial_rsquared, rel=1e-10)
    assert 0 < ovb.rv_qa < ovb.rv_q < 1
    with pytest.raises(OptionError, match="benchmark"):
        omitted_variable_sensitivity(auto, benchmark="nope")
    with pytest.raises(DataValueError):
        omitted_variable_sensitivity(auto, benchmark="expected_automation", kd=10)


@pytest.fixture(scope="module")
def countries() -> object:
    return ei.datasets.load_countries_2025_08()


def test_spec_curve_reproduces_the_headline_elasticity(countries: object) -> None:
    sc = specification_curve(
        countries,
        min_count=[200],
        reference=["published"],
        weights=[None],
        cov_type=["HC1"],
        outcome=["log_index"],
        flagged=[False],
        exclusions={"none": []},
    )
    row = sc.table.iloc[0]
    # independent reference: statsmodels on the published index column
    ds = countries
    x = np.log(ds["gdp"].values / ds["working_age_pop"].values)  # type: ignore[index]
    ref = sm.OLS(np.log(ds["usage_index"].values), sm.add_constant(x)).fit(cov_type="HC1")  # type: ignore[index]
    # the published index is rounded, hence 1e-5
    assert row["estimate"] == pytest.approx(ref.params[1], rel=1e-5)
    assert row["std_error"] == pytest.approx(ref.bse[1], rel=1e-4)
    assert row["nobs"] == 114


def test_spec_curve_rows_equal_statsmodels_fits(countries: object) -> None:
    ds = countries
    sc = specification_curve(ds, cov_type=["nonrobust", "HC0", "HC3"])
    u = ds["usage_count"].values  # type: ignore[index]
    p = ds["working_age_pop"].values  # type: ignore[index]
    x = np.log(ds["gdp"].values / p)  # type: ignore[index]
    ratio = ds.attrs["reference_ratio"]  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    for i in rng.choice(len(sc.table), 12, replace=False):
        r = sc.table.iloc[i]
        keep = u >= r["min_count"]
        if r["exclusion"] == "abuse" or r["flagged"]:
            keep &= ds["geo"].values != "SYC"  # type: ignore[index]
        ref_ratio = ratio if r["reference"] == "published" else u[keep].sum() / p[keep].sum()
        idx = u / p / ref_ratio
        yv = np.log(idx) if r["outcome"] == "log_index" else idx
        w = p if r["weights"] == "working_age_pop" else np.ones_like(p)
        model = sm.WLS(yv[keep], sm.add_constant(x[keep]), weights=w[keep])
        fit = model.fit(cov_type=r["cov_type"], use_t=True)
        assert r["estimate"] == pytest.approx(fit.params[1], rel=1e-10)
        assert r["std_error"] == pytest.approx(fit.bse[1], rel=1e-9)
        assert r["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-7)
        assert r["nobs"] == keep.sum()


def test_spec_curve_500_specs_is_fast_and_plots(countries: object) -> None:
    t0 = time.perf_counter()
    sc = specification_curve(countries, cov_type=["nonrobust", "HC0", "HC1", "HC2", "HC3"])
    elapsed = time.perf_counter() - t0
    assert len(sc.table) >= 500
    assert elapsed < 5.0
    assert "specifications" in sc.summary()
    ax = sc.plot()
    assert len(ax.figure.axes) == 2
    with pytest.raises(OptionError, match="outcome"):
        specification_curve(countries, outcome=["cubic"])


def test_spec_curve_removes_flagged_traffic_on_simulated_data() -> None:
    ds = ei.simulate(seed=0, n_tasks=40, n_requests=30, abuse_share=0.9)
    sc = specification_curve(
        ds,
        level="state_us",
        min_count=[100],
        reference=["sample"],
        weights=[None],
        cov_type=["HC1"],
        outcome=["log_index"],
        exclusions={"none": []},
    )
    clean = ei.robustness.exclude_flagged(ds)
    direct = ei.IncomeElasticity(cov_type="HC1").fit(clean, level="state_us")
    with_flags = sc.table.set_index("flagged")["estimate"]
    assert with_flags[True] == pytest.approx(direct.slope, rel=1e-8)
    assert with_flags[False] != pytest.approx(with_flags[True], abs=1e-3)


def test_flag_sensitivity_and_influence_plots() -> None:
    from econindex.plots._robustness import plot_flag_sensitivity, plot_influence
    from econindex.robustness import flag_sensitivity, influence

    st_ = ei.datasets.load_us_states_2025_08()
    tab = flag_sensitivity(ei.TaskMixAutomation(units="fraction"), st_, level="state_us")
    ax = plot_flag_sensitivity(tab)
    assert [t.get_text() for t in ax.get_yticklabels()] == tab["spec"].tolist()
    auto = ei.TaskMixAutomation(units="fraction").fit(st_, level="state_us")
    ax2 = plot_influence(influence(auto), label=1)
    assert [t.get_text() for t in ax2.texts] == ["UT"]


def test_estimator_curve_loops_any_estimator() -> None:
    from econindex.robustness import estimator_curve

    st_ = ei.datasets.load_us_states_2025_08()
    grid = {
        "units": ["fraction"],
        "usage": ["index", "log_index"],
        "cov_type": ["HC1", "HC3"],
        "flagged": [False, True],
        "exclude": [(), ("DC",)],
    }
    sc = estimator_curve(ei.TaskMixAutomation, st_, level="state_us", grid=grid)
    assert len(sc.table) == 16
    row = sc.table.query("usage == 'log_index' and cov_type == 'HC3' and flagged and exclude == \"('DC',)\"")
    direct = ei.TaskMixAutomation(units="fraction", usage="log_index", cov_type="HC3").fit(
        st_.drop_sel(geo=["UT", "DC"]), level="state_us"
    )
    assert row["estimate"].item() == pytest.approx(direct.slope, rel=1e-12)
    assert row["std_error"].item() == pytest.approx(direct.se, rel=1e-12)
    ax = sc.plot()
    assert len(ax.figure.axes) == 2
