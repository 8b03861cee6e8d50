"""from_frame: a researcher's table becomes a dataset the estimators accept, with the loaders' numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import econindex as ei
from econindex import datasets
from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.io.frame import from_frame


def _countries_frame() -> pd.DataFrame:
    """The vendored 114-country table as a researcher would hold it (per-capita GDP, no totals)."""
    raw = pd.read_csv(datasets.data_path("country_usage_2025-08.csv"), keep_default_na=False)
    return raw[["geo_id", "usage_count", "working_age_pop", "gdp_per_working_age_capita"]].rename(
        columns={"geo_id": "iso3"}
    )


def test_same_elasticity_as_the_embedded_countries() -> None:
    ds = ei.from_frame(_countries_frame(), geo="iso3", level="country")
    ref = datasets.load_countries_2025_08()
    mine = ei.IncomeElasticity().fit(ds, level="country")
    theirs = ei.IncomeElasticity().fit(ref, level="country")
    assert round(mine.slope, 4) == 0.6895  # the package's documented headline (docs/reproduce.md)
    assert mine.slope == pytest.approx(theirs.slope, rel=1e-12)
    assert mine.se == pytest.approx(theirs.se, rel=1e-10)
    np.testing.assert_allclose(ds["gdp"].values, ref["gdp"].sel(geo=ds["geo"].values).values, rtol=1e-15)
    for c in ("geo_level", "geo_name", "iso2", "parent", "located"):
        assert (ds[c].values == ref[c].sel(geo=ds["geo"].values).values).all(), c
    assert "gdp_per_working_age_capita" not in ds  # derived figures are never stored twice


def test_keys_iso2_names_and_states() -> None:
    df = pd.DataFrame({"c": ["de", " Namibia ", "NA", "USA"], "usage_count": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataValueError, match=r"duplicated geos.*'NAM'"):
        from_frame(df, geo="c", level="country")  # Namibia by name and by ISO-2
    ds = from_frame(df.iloc[[0, 1, 3]], geo="c", level="country")
    assert ds["geo"].values.tolist() == ["DEU", "NAM", "USA"]
    st = pd.DataFrame({"state": ["Utah", "ca", "District of Columbia"], "usage_index": [3.8, 1.5, 3.0]})
    s = from_frame(st, geo="state", level="state_us")
    assert s["geo"].values.tolist() == ["UT", "CA", "DC"]
    assert s["census_division"].values.tolist() == ["Mountain", "Pacific", "South Atlantic"]
    assert s["parent"].values.tolist() == ["USA"] * 3
    # DE is Delaware among states, Germany among countries
    assert (
        from_frame(pd.DataFrame({"g": ["DE"], "usage_count": [1.0]}), geo="g", level="state_us")[
            "geo_name"
        ].item()
        == "Delaware"
    )


def test_unlocated_geo_is_not_located() -> None:
    df = pd.DataFrame({"g": ["FRA", "not_classified"], "usage_count": [10.0, 5.0]})
    ds = from_frame(df, geo="g", level="country")
    assert ds["located"].values.tolist() == [True, False]
    assert ds["geo"].values.tolist() == ["FRA", "not_classified"]


def test_bad_input_names_geos_rows_and_columns() -> None:
    unknown = r"unknown country geos in column 'g': \['Atlantis', 'XX'\]"
    with pytest.raises(DataValueError, match=unknown):
        from_frame(
            pd.DataFrame({"g": ["FRA", "XX", "Atlantis"], "usage_count": 1.0}), geo="g", level="country"
        )
    with pytest.raises(
        SchemaError, match=r"unknown columns \['usage_per_capita_index', 'foo'\].*'usage_index'"
    ):
        from_frame(
            pd.DataFrame({"g": ["FRA"], "usage_per_capita_index": [1.0], "foo": [2.0]}),
            geo="g",
            level="country",
        )
    with pytest.raises(SchemaError, match="column 'geo' is not in the frame"):
        from_frame(pd.DataFrame({"g": ["FRA"]}), geo="geo", level="country")
    with pytest.raises(OptionError, match="level="):
        from_frame(pd.DataFrame({"g": ["FRA"]}), geo="g", level="global")
    with pytest.raises(DataValueError, match="not numeric at row 1"):
        from_frame(pd.DataFrame({"g": ["FRA", "DEU"], "gdp": [1.0, "n/a"]}), geo="g", level="country")
    with pytest.raises(DataValueError, match="negative at geo='DEU'"):
        from_frame(pd.DataFrame({"g": ["FRA", "DEU"], "usage_count": [1.0, -2.0]}), geo="g", level="country")
    with pytest.raises(DataValueError, match="exceeds 1 at geo='FRA'"):
        from_frame(pd.DataFrame({"g": ["FRA"], "automation_share": [49.1]}), geo="g", level="country")
    both = pd.DataFrame({"g": ["FRA"], "gdp": [3.0e12], "working_age_pop": [4.0e7],
                         "gdp_per_working_age_capita": [9.0e4]})  # fmt: skip
    with pytest.raises(DataValueError, match="disagree at geo 'FRA'"):
        from_frame(both, geo="g", level="country")
    both["gdp_per_working_age_capita"] = 3.0e12 / 4.0e7
    assert float(from_frame(both, geo="g", level="country")["gdp"].item()) == 3.0e12


def test_waves_become_periods_and_duplicates_are_named() -> None:
    df = pd.DataFrame(
        {
            "iso": ["USA", "FRA", "USA", "FRA"],
            "wave": pd.to_datetime(["2025-08-04", "2025-08-04", "2026-02-05", "2026-02-05"]),
            "date_end": ["2025-08-11", "2025-08-11", "2026-02-12", "2026-02-12"],
            "usage_index": [3.6, 1.0, 3.7, 1.1],
            "pct_broadband": [90.0, 88.0, 91.0, 89.0],
        }
    )
    ds = from_frame(df, geo="iso", level="country", period="wave", extra=["pct_broadband"])
    assert ds["period"].values.tolist() == ["2025-08-04", "2026-02-05"]
    assert ds["date_end"].values.tolist() == ["2025-08-11", "2026-02-12"]
    assert float(ds["usage_index"].sel(geo="FRA", period="2026-02-05")) == 1.1
    assert ds["pct_broadband"].dims == ("geo", "period")
    dup = pd.concat([df, df.iloc[[2]]], ignore_index=True)
    with pytest.raises(
        DataValueError, match=r"duplicated \(geo, period\) pairs.*\('USA', '2026-02-05'\).*rows \[2, 4\]"
    ):
        from_frame(dup, geo="iso", level="country", period="wave", extra=["pct_broadband"])
    with pytest.raises(SchemaError, match="unknown columns"):
        from_frame(df, geo="iso", level="country", period="wave")  # pct_broadband not declared


def test_per_capita_gdp_without_population_gives_the_elasticity() -> None:
    ref = datasets.load_countries_2025_08()
    pc = (ref["gdp"] / ref["working_age_pop"]).values
    df = pd.DataFrame({"iso3": ref["geo"].values, "usage_index": ref["usage_index"].values,
                       "gdp_per_working_age_capita": pc})  # fmt: skip
    ds = from_frame(df, geo="iso3", level="country")
    assert "gdp" not in ds and "gdp_per_working_age_capita" in ds
    res = ei.IncomeElasticity().fit(ds, level="country")
    published = ei.IncomeElasticity(index="published").fit(ref, level="country")
    assert res.index_source == "published"
    assert res.slope == pytest.approx(published.slope, rel=1e-10)
    # statsmodels OLS of ln index on ln GDP per capita, independently
    import statsmodels.api as sm

    fit = sm.OLS(np.log(ref["usage_index"].values), sm.add_constant(np.log(pc))).fit(cov_type="HC1")
    assert res.slope == pytest.approx(fit.params[1], rel=1e-10)
    assert res.se == pytest.approx(fit.bse[1], rel=1e-8)


def test_fit_periods_on_a_multi_wave_table() -> None:
    import statsmodels.api as sm

    one = _countries_frame()
    rng = np.random.default_rng(5)
    two = one.assign(usage_count=np.round(one["usage_count"] * rng.uniform(1.0, 2.0, len(one))))  # >= 200
    waves = pd.concat([one.assign(wave="2025-08-04"), two.assign(wave="2026-02-05")], ignore_index=True)
    ds = from_frame(waves, geo="iso3", level="country", period="wave")
    results = ei.IncomeElasticity().fit_periods(ds, level="country")
    assert list(results) == ["2025-08-04", "2026-02-05"]
    table = ei.periods_frame(results)
    assert table["slope"].round(4).tolist()[0] == 0.6895
    for period, frame in (("2025-08-04", one), ("2026-02-05", two)):
        single = ei.IncomeElasticity().fit(from_frame(frame, geo="iso3", level="country"), level="country")
        row = table.set_index("period").loc[period]
        assert row["slope"] == pytest.approx(single.slope, rel=1e-12)
        # statsmodels on the same columns: ln(usage/pop) differs from ln AUI by a constant only
        y = np.log(frame["usage_count"] / frame["working_age_pop"])
        fit = sm.OLS(y.to_numpy(), sm.add_constant(np.log(frame["gdp_per_working_age_capita"].to_numpy())))
        res = fit.fit(cov_type="HC1")
        assert row["slope"] == pytest.approx(res.params[1], rel=1e-10)
        assert row["se"] == pytest.approx(res.bse[1], rel=1e-8)
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(results[period].ci(), rel=1e-12)
        assert row["nobs"] == 114 and np.isnan(row["partial_rsquared"])
    assert table["rsquared"].iloc[0] == pytest.approx(0.709, abs=5e-4)


def test_fit_periods_on_the_published_state_panel() -> None:
    import statsmodels.api as sm

    panel = datasets.load_us_state_panel()
    with pytest.raises(DataValueError, match="period 2025-11-13: .*UT: missing usage_index"):
        ei.IncomeElasticity().fit_periods(panel, level="state_us")
    results = ei.IncomeElasticity(zeros="drop").fit_periods(panel, level="state_us")
    assert [r.nobs for r in results.values()] == [51, 50, 50, 50]
    assert all(r.index_source == "published" for r in results.values())
    last = panel.sel(period="2026-04-01").dropna("geo", subset=["usage_index"])
    x = np.log((last["gdp"] / last["working_age_pop"]).values)
    fit = sm.OLS(np.log(last["usage_index"].values), sm.add_constant(x)).fit(cov_type="HC1")
    assert results["2026-04-01"].slope == pytest.approx(fit.params[1], rel=1e-10)
    with pytest.raises(SchemaError, match="'period' dimension"):
        ei.IncomeElasticity().fit_periods(datasets.load_countries_2025_08(), level="country")


def test_task_mix_automation_from_an_analysts_table() -> None:
    # PROVENANCE.md: the FWL partial slope on this table is the report's -3.112 (partial R2 0.394, N = 111)
    raw = pd.read_csv(datasets.data_path("country_automation_2025-08.csv"), keep_default_na=False)
    df = pd.DataFrame(
        {
            "country": raw["geo_id"],
            "usage_index": raw["usage_per_capita_index"],
            "automation_share": raw["automation_pct"] / 100.0,
            "expected_automation": raw["expected_automation_pct"] / 100.0,
        }
    ).set_index("country")
    ds = from_frame(df, geo="country", level="country")  # the geo key may be the index
    res = ei.TaskMixAutomation().fit(ds, level="country")
    assert (round(res.slope, 3), round(res.partial_rsquared, 3), res.nobs) == (-3.112, 0.394, 111)
    ref = ei.TaskMixAutomation().fit(datasets.load_country_automation_2025_08(), level="country")
    assert res.slope == pytest.approx(ref.slope, rel=1e-12)


def test_state_table_gives_the_state_elasticity_and_utahs_flag() -> None:
    from econindex import robustness

    usage = pd.read_csv(datasets.data_path("us_state_usage_2025-08.csv"), keep_default_na=False)
    cov = datasets.load_us_state_covariates().reset_index()
    names = ei.geography.us_state_table()["geo_name"]
    df = usage[["geo_id", "usage_count"]].merge(cov, left_on="geo_id", right_on="geo").drop(columns="geo")
    df = df.assign(state=df["geo_id"].map(names), date_start="2025-08-04", date_end="2025-08-11")
    ds = from_frame(df.drop(columns="geo_id"), geo="state", level="state_us")  # keyed by state names
    ref = datasets.load_us_states_2025_08()
    mine = ei.IncomeElasticity().fit(ds, level="state_us")
    assert round(mine.slope, 3) == 1.768  # README: US-state income elasticity 1.768, N = 51
    assert mine.slope == pytest.approx(ei.IncomeElasticity().fit(ref, level="state_us").slope, rel=1e-12)
    # no abuse_flagged column: robustness matches the shipped list on the window (Utah, Aug 2025)
    assert "abuse_flagged" not in ds.coords and robustness.flagged_geos(ds) == ["UT"]
    assert ds.attrs["date_start"] == "2025-08-04"


def test_fit_periods_picks_a_platform() -> None:
    import xarray as xr

    one = _countries_frame()
    waves = pd.concat([one.assign(wave="2025-08-04"), one.assign(wave="2026-02-05")], ignore_index=True)
    claude = from_frame(waves, geo="iso3", level="country", period="wave")
    api = claude.assign(usage_count=claude["usage_count"] * (1.0 + claude["gdp"] / claude["gdp"].max()))
    both = xr.concat([claude, api], dim="platform").assign_coords(platform=["claude_ai", "api"])
    got = ei.IncomeElasticity().fit_periods(both, level="country", platform="claude_ai")
    assert [round(r.slope, 4) for r in got.values()] == [0.6895, 0.6895]
    other = ei.IncomeElasticity().fit_periods(both, level="country", platform="api")
    assert all(r.slope > 0.6895 for r in other.values())  # usage tilted towards rich countries
    with pytest.raises(OptionError, match="platform='web'"):
        ei.IncomeElasticity().fit_periods(both, level="country", platform="web")
    with pytest.raises(OptionError, match="no 'platform' dimension"):
        ei.IncomeElasticity().fit_periods(claude, level="country", platform="api")
