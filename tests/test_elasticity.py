"""IncomeElasticity: real-data acceptance, statsmodels equality, PPML, simulation recovery, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import xarray as xr

import econindex as ei
from econindex.elasticity import SLOPE, ElasticityResult, IncomeElasticity
from econindex.errors import (
    DataValueError,
    EconIndexError,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)
from econindex.results import FRAME_COLUMNS, compare

REF = json.loads((Path(__file__).parent / "reference" / "statsmodels_reference.json").read_text())


@pytest.fixture(scope="module")
def countries() -> xr.Dataset:
    return ei.datasets.load_countries_2025_08()


@pytest.fixture(scope="module")
def states() -> xr.Dataset:
    return ei.datasets.load_us_states_2025_08()


@pytest.fixture(scope="module")
def sim() -> xr.Dataset:
    return ei.simulate(seed=0)


def _xy(ds):
    x = np.log(ds["gdp"].values / ds["working_age_pop"].values)
    return sm.add_constant(x), np.log(ds["usage_index"].values)


# --------------------------------------------------------------- real-data acceptance
def test_country_headline_slope_and_r2(countries):
    res = IncomeElasticity().fit(countries, level="country")
    assert round(res.slope, 4) == 0.6895
    assert round(res.rsquared, 3) == 0.709
    assert res.nobs == 114 and res.n_dropped == 0
    assert res.index_source == "computed"


def test_published_and_computed_index_give_the_same_slope(countries):
    computed = IncomeElasticity().fit(countries, level="country")
    published = IncomeElasticity(index="published").fit(countries, level="country")
    release_ref = IncomeElasticity(reference="published").fit(countries, level="country")
    assert published.index_source == "published"
    np.testing.assert_allclose(computed.slope, published.slope, rtol=1e-10)
    np.testing.assert_allclose(release_ref.slope, published.slope, rtol=1e-10)
    # the release's reference ratio reproduces the published intercept too
    np.testing.assert_allclose(release_ref.params["const"], published.params["const"], rtol=1e-6)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("level", ["country", "state_us"])
def test_every_cov_type_equals_statsmodels_on_real_data(countries, states, cov_type, level):
    ds = countries if level == "country" else states
    res = IncomeElasticity(cov_type=cov_type, index="published").fit(ds, level=level)
    X, y = _xy(ds)
    ref = sm.OLS(y, X).fit(cov_type=cov_type, use_t=True)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(res.pvalues, ref.pvalues, rtol=1e-8)
    np.testing.assert_allclose(res.rsquared, ref.rsquared, rtol=1e-10)
    np.testing.assert_allclose(res.ci(), ref.conf_int()[1], rtol=1e-10)
    key = f"{'countries' if level == 'country' else 'states'}/ols/{cov_type}"
    np.testing.assert_allclose(res.bse, REF["cases"][key]["bse"], rtol=1e-10)


@pytest.mark.parametrize("corr", ["CR1", "CR3"])
def test_state_cluster_by_division_equals_statsmodels(states, corr):
    res = IncomeElasticity(cov_type="cluster", cluster="census_division", cluster_correction=corr).fit(
        states, level="state_us"
    )
    key = f"states/ols/cluster_{corr}"
    np.testing.assert_allclose(res.bse, REF["cases"][key]["bse"], rtol=1e-10)
    np.testing.assert_allclose(res.pvalues, REF["cases"][key]["pvalues"], rtol=1e-8)
    assert res.cov_label == f"cluster ({corr}, 9 clusters)"


def test_state_elasticity_close_to_report(states):
    res = IncomeElasticity(index="published").fit(states, level="state_us")
    assert res.nobs == 51
    assert 1.6 < res.slope < 2.0
    assert (
        res.rsquared < IncomeElasticity().fit(ei.datasets.load_countries_2025_08(), level="country").rsquared
    )


def test_wls_population_weights_equal_statsmodels(countries):
    res = IncomeElasticity(weights="working_age_pop", index="published").fit(countries, level="country")
    np.testing.assert_allclose(res.params, REF["cases"]["countries/wls_pop/HC1"]["params"], rtol=1e-10)
    np.testing.assert_allclose(res.bse, REF["cases"]["countries/wls_pop/HC1"]["bse"], rtol=1e-10)
    assert res.model.startswith("WLS")


def test_controls_enter_the_design(states):
    res = IncomeElasticity(controls=("pct_bachelors_plus",), zeros="drop").fit(states, level="state_us")
    assert res.names == ("const", SLOPE, "pct_bachelors_plus")
    assert res.nobs == 43 and res.n_dropped == 8
    assert all("pct_bachelors_plus" in r for r in res.dropped.values())
    keep = np.isin(states["geo"].values, list(res.geos))
    sub = states.sel(geo=keep)
    X = np.column_stack(
        [
            np.ones(43),
            np.log(sub["gdp"].values / sub["working_age_pop"].values),
            sub["pct_bachelors_plus"].values,
        ]
    )
    y = np.log(sub["usage_count"].values / sub["working_age_pop"].values)
    ref = sm.OLS(y, X).fit(cov_type="HC1", use_t=True)
    np.testing.assert_allclose(res.params.iloc[1:], ref.params[1:], rtol=1e-10)
    np.testing.assert_allclose(res.bse.iloc[1:], ref.bse[1:], rtol=1e-10)


# --------------------------------------------------------------- PPML
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_ppml_equals_statsmodels_glm(countries, cov_type):
    res = IncomeElasticity(method="ppml", cov_type=cov_type).fit(countries, level="country")
    ref = REF["cases"][f"countries/ppml/{cov_type}"]
    np.testing.assert_allclose(res.params, ref["params"], rtol=1e-8)
    np.testing.assert_allclose(res.bse, ref["bse"], rtol=1e-8)
    assert res.method == "ppml" and res.index_source == "counts"


def test_ppml_hc1_is_hc0_times_n_over_n_minus_k(countries):
    # statsmodels' GLM ignores the HC flavour (its "HC1" is HC0); R sandwich::vcovHC(type="HC1")
    # and pyfixest fepois(vcov="hetero") scale HC0 by N/(N-k): 0.023157 on the 114 countries.
    res = IncomeElasticity(method="ppml", cov_type="HC1").fit(countries, level="country")
    hc0 = REF["cases"]["countries/ppml/HC0"]
    np.testing.assert_allclose(res.bse, np.asarray(hc0["bse"]) * np.sqrt(114 / 112), rtol=1e-8)
    assert round(res.se, 6) == 0.023157 and round(res.slope, 6) == 0.715742


def test_ppml_solves_poisson_scores_and_hc0_by_hand(countries):
    res = IncomeElasticity(method="ppml", cov_type="HC0").fit(countries, level="country")
    u = countries["usage_count"].values
    pop = countries["working_age_pop"].values
    X = np.column_stack([np.ones(114), np.log(countries["gdp"].values / pop)])
    mu = pop * np.exp(X @ res.coef)
    score = X.T @ (u - mu)
    assert np.max(np.abs(score / (X.T @ u))) < 1e-8  # first-order conditions hold
    bread = np.linalg.inv(X.T @ (X * mu[:, None]))
    meat = X.T @ (X * ((u - mu) ** 2)[:, None])
    np.testing.assert_allclose(res.cov, bread @ meat @ bread, rtol=1e-6)


def test_ppml_keeps_zero_usage_while_ols_must_raise_or_drop(countries):
    ds = countries.copy()
    ds["usage_count"] = ds["usage_count"].where(ds["geo"] != "TZA", 0.0)
    ppml = IncomeElasticity(method="ppml").fit(ds, level="country")
    assert ppml.nobs == 114 and "TZA" in ppml.geos
    with pytest.raises(DataValueError, match="TZA: zero usage"):
        IncomeElasticity().fit(ds, level="country")
    dropped = IncomeElasticity(zeros="drop").fit(ds, level="country")
    assert dropped.nobs == 113 and "zero usage" in dropped.dropped["TZA"]


def test_ppml_option_errors():
    with pytest.raises(OptionError, match="bootstrap"):
        IncomeElasticity(method="ppml", bootstrap="pairs")


# --------------------------------------------------------------- simulation recovery
@pytest.mark.parametrize(
    ("level", "key"), [("country", "country_elasticity"), ("state_us", "state_elasticity")]
)
@pytest.mark.parametrize("method", ["ols", "ppml"])
def test_recovers_simulated_elasticity(sim, level, key, method):
    truth = json.loads(sim.attrs["truth"])[key]
    opts: dict[str, Any] = {"zeros": "drop"} if method == "ols" else {}
    res = IncomeElasticity(method=method, cov_type="HC1", **opts).fit(sim, level=level)
    lo, hi = res.ci(0.99)
    assert lo <= truth <= hi, (method, level, res.slope, (lo, hi), truth)


def test_simulated_dropped_geos_are_recorded_with_reasons(sim):
    res = IncomeElasticity(zeros="drop").fit(sim, level="country")
    located = ei.schema.geos_at_level(sim, "country")
    assert set(res.geos) | set(res.dropped) == set(located)
    assert not set(res.geos) & set(res.dropped)
    assert all(isinstance(r, str) and r for r in res.dropped.values())


# --------------------------------------------------------------- bootstrap through the estimator
def test_bootstrap_intervals_bracket_estimate_and_differ_by_kind(countries):
    pairs = IncomeElasticity(bootstrap="pairs", n_boot=999, seed=1).fit(countries, level="country")
    wild = IncomeElasticity(bootstrap="wild", wild_weights="webb", n_boot=999, seed=1).fit(
        countries, level="country"
    )
    for r in (pairs, wild):
        lo, hi = r.ci()
        assert lo < r.slope < hi
        a_lo, a_hi = r.ci(method="analytic")
        # bootstrap and analytic intervals agree to within a fifth of their width here
        assert abs(lo - a_lo) < 0.2 * (a_hi - a_lo) and abs(hi - a_hi) < 0.2 * (a_hi - a_lo)
        assert r.boot_params is not None and r.boot_params.shape == (999, 2)
    assert "wild, webb" in wild.summary()
    with pytest.raises(OptionError, match="needs a bootstrap"):
        IncomeElasticity().fit(countries, level="country").ci(method="percentile")


def test_cluster_bootstrap_by_division(states):
    res = IncomeElasticity(
        cov_type="cluster",
        cluster="census_division",
        bootstrap="wild",
        wild_weights="webb",
        n_boot=499,
        seed=3,
    ).fit(states, level="state_us")
    lo, hi = res.ci()
    assert lo < res.slope < hi


# --------------------------------------------------------------- result object
def test_result_exports_and_immutability(countries):
    res = IncomeElasticity(cov_type="HC3").fit(countries, level="country")
    assert isinstance(res, ElasticityResult)
    assert list(res.params.index) == ["const", SLOPE]
    assert res.se == pytest.approx(float(res.bse[SLOPE]))
    frame = res.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    xa = res.to_xarray()
    assert xa.attrs["cov_type"] == "HC3" and xa.attrs["level"] == "country" and xa.attrs["nobs"] == 114
    assert float(xa[SLOPE].sel(stat="estimate")) == pytest.approx(res.slope)
    assert xa["dependent"].sizes["geo"] == 114
    assert r"log\_gdp\_pc" in res.to_latex()
    assert "log_gdp_pc" in res.to_markdown() and "<table" in res._repr_html_()
    text = res.summary()
    assert "HC3" in text and "MDE" in text and "Index" in text
    with pytest.raises(AttributeError):
        res.nobs = 3  # type: ignore[misc]
    alt = res.with_cov("HC1")
    assert alt.cov_type == "HC1" and res.cov_type == "HC3" and alt.slope == res.slope


def test_mde_uses_t_quantiles(countries):
    from scipy import stats

    res = IncomeElasticity().fit(countries, level="country")
    q = stats.t.ppf(0.975, 112) + stats.t.ppf(0.8, 112)
    assert res.slope_mde == pytest.approx(q * res.se, rel=1e-12)


def test_compare_country_state_ols_ppml(countries, states):
    a = IncomeElasticity().fit(countries, level="country")
    b = IncomeElasticity(method="ppml").fit(countries, level="country")
    c = IncomeElasticity(cov_type="cluster", cluster="census_division", cluster_correction="CR2").fit(
        states, level="state_us"
    )
    t = compare([a, b, c], names=["Countries OLS", "Countries PPML", "States OLS"], terms=[SLOPE])
    assert list(t.frame.loc["SE type"]) == ["HC1", "HC1", "cluster (CR2, 9 clusters)"]  # same labels as OLS
    assert any(n.startswith("PPML R-squared") for n in t.notes)
    assert list(t.frame.loc["N"]) == ["114", "114", "51"]
    assert t.frame.loc["R-squared", "Countries OLS"] == f"{a.rsquared:.3f}"
    assert any("Bell-McCaffrey" in n for n in t.notes)
    assert "Countries PPML" in t.to_latex() and r"\toprule" in t.to_latex()


def test_plot_runs_with_agg(countries):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = IncomeElasticity().fit(countries, level="country")
    ax = res.plot(n_labels=4)
    labels = {t.get_text() for t in ax.texts}
    richest, poorest = res.geos[int(np.argmax(res.x))], res.geos[int(np.argmin(res.x))]
    assert {richest, poorest} <= labels and len(labels) == 4  # extremes of income are labelled
    assert len(ax.collections) >= 2  # scatter and band
    plt.close("all")
    ax = IncomeElasticity(method="ppml").fit(countries, level="country").plot()
    plt.close("all")


# --------------------------------------------------------------- bad input
def test_missing_gdp_and_population_name_geos(countries):
    ds = countries.copy()
    ds["gdp"] = ds["gdp"].where(ds["geo"] != "FRA")
    ds["working_age_pop"] = ds["working_age_pop"].where(ds["geo"] != "DEU")
    with pytest.raises(EconIndexError, match="FRA: missing gdp") as exc:
        IncomeElasticity(index="published").fit(ds, level="country")
    assert "DEU: missing working_age_pop" in str(exc.value)
    ds2 = countries.copy()
    ds2["gdp"] = ds2["gdp"].where(ds2["geo"] != "FRA")
    with pytest.raises(MissingCovariateError, match="FRA"):
        IncomeElasticity().fit(ds2, level="country")
    res = IncomeElasticity(zeros="drop", index="published").fit(ds, level="country")
    assert res.nobs == 112 and set(res.dropped) == {"FRA", "DEU"}


def test_non_positive_under_log_and_bad_weights(countries):
    ds = countries.copy()
    ds["gdp"] = ds["gdp"].where(ds["geo"] != "ITA", 0.0)
    with pytest.raises(DataValueError, match="ITA: non-positive gdp"):
        IncomeElasticity().fit(ds, level="country")
    ds = countries.copy()
    ds["wt"] = ds["working_age_pop"].where(ds["geo"] != "ESP", -1.0)
    with pytest.raises(DataValueError, match="negative at ESP"):
        IncomeElasticity(weights="wt").fit(ds, level="country")
    ds["wt"] = ds["working_age_pop"] * 0.0
    with pytest.raises(DataValueError, match="all zero"):
        IncomeElasticity(weights="wt").fit(ds, level="country")
    ds["wt"] = ds["working_age_pop"].where(ds["geo"] != "ESP")
    with pytest.raises(DataValueError, match="ESP: missing weight"):
        IncomeElasticity(weights="wt").fit(ds, level="country")


def test_constant_control_and_too_few_geos(countries):
    ds = countries.copy()
    ds["flat"] = ("geo", np.full(114, 3.0))
    with pytest.raises(EstimationError, match="flat"):
        IncomeElasticity(controls=("flat",)).fit(ds, level="country")
    ds["inf"] = ("geo", np.where(ds["geo"] == "USA", np.inf, 1.0) + np.arange(114.0))
    with pytest.raises(DataValueError, match="USA: missing or infinite control"):
        IncomeElasticity(controls=("inf",)).fit(ds, level="country")
    keep = ["USA", "FRA"]
    with pytest.raises(EstimationError, match="need at least 3"):
        IncomeElasticity(
            index="published", exclude=[g for g in countries["geo"].values if g not in keep]
        ).fit(countries, level="country")


def test_option_validation():
    with pytest.raises(OptionError, match="'HC1'"):
        IncomeElasticity(cov_type="robust")
    with pytest.raises(OptionError, match="cluster="):
        IncomeElasticity(cov_type="cluster")
    with pytest.raises(OptionError, match="n_boot"):
        IncomeElasticity(n_boot=1)
    with pytest.raises(OptionError, match="zeros"):
        IncomeElasticity(zeros="keep")
    with pytest.raises(OptionError, match="wild_weights"):
        IncomeElasticity(wild_weights="mammen")
    with pytest.raises(OptionError, match="alpha"):
        IncomeElasticity(alpha=95)
    with pytest.warns(DeprecationWarning, match="use alpha="), pytest.raises(OptionError, match="ci_level"):
        IncomeElasticity(ci_level=95)
    with pytest.warns(DeprecationWarning, match="use alpha="):
        assert IncomeElasticity(ci_level=0.9).alpha == pytest.approx(0.1)
    with pytest.raises(OptionError, match="level"):
        IncomeElasticity().fit(ei.datasets.load_countries_2025_08(), level="city")
    with pytest.raises(SchemaError, match="not a variable"):
        IncomeElasticity(controls=("nope",)).fit(ei.datasets.load_countries_2025_08(), level="country")


def test_exclude_abuse_flagged_removes_utah(states):
    res = IncomeElasticity(exclude="abuse_flagged").fit(states, level="state_us")
    assert res.nobs == 50 and "UT" not in res.geos
    pub = IncomeElasticity(index="published", exclude=["UT"]).fit(states, level="state_us")
    np.testing.assert_allclose(res.slope, pub.slope, rtol=1e-10)


def test_panel_variables_need_a_slice_first():
    panel = ei.datasets.load_us_state_panel()
    with pytest.raises(SchemaError, match="select one slice"):
        IncomeElasticity(index="published").fit(panel, level="state_us")
    res = IncomeElasticity(index="published", zeros="drop").fit(
        panel.sel(period="2025-11-13"), level="state_us"
    )
    assert "UT" in res.dropped and res.nobs == 50


def test_estimator_is_hashable_and_result_dropped_is_read_only(countries):
    est = IncomeElasticity(exclude=["USA"])
    assert hash(est) == hash(IncomeElasticity(exclude=("USA",)))
    res = est.fit(countries, level="country")
    assert "USA" not in res.geos
    with pytest.raises(TypeError):
        res.dropped["X"] = "y"  # type: ignore[index]


def test_to_frame_matches_ci_for_bootstrap(countries):
    r = IncomeElasticity(bootstrap="wild", n_boot=500, seed=2).fit(countries, level="country")
    f = r.to_frame().set_index("term")
    assert (f.loc[SLOPE, "ci_lower"], f.loc[SLOPE, "ci_upper"]) == pytest.approx(r.ci())
    assert isinstance(r.params, pd.Series)
