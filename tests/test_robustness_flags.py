"""exclude_flagged, flag_sensitivity, leave_one_group_out: conservation, bad input, real and sim data."""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import econindex as ei
from econindex.errors import DataValueError, SchemaError
from econindex.robustness import (
    exclude_flagged,
    flag_sensitivity,
    flagged_geos,
    leave_one_group_out,
)
from econindex.robustness.flags import removed_traffic
from econindex.schema import pattern_coords

COUNTS = ("usage_count", "task_count", "pattern_count", "request_count", "flagged_count")


def _toy(rng: np.random.Generator, n_geo: int, n_task: int, by_task: bool, frac: float) -> xr.Dataset:
    """A small canonical dataset whose per-geo categories sum to usage, with flags <= usage."""
    geos = [f"G{i:02d}" for i in range(n_geo)]
    tasks = [f"task {j}" for j in range(n_task)]
    patterns = ["directive", "feedback loop", "learning", "task iteration", "validation", "none"]
    tc = rng.integers(0, 200, size=(n_geo, n_task)).astype(float)
    usage = tc.sum(axis=1)
    pmix = rng.dirichlet(np.ones(len(patterns)), size=n_geo)
    pc = usage[:, None] * pmix
    rc = usage[:, None] * rng.dirichlet(np.ones(3), size=n_geo)
    if by_task:
        flag = np.floor(tc * frac * rng.random((n_geo, n_task)))
        fdims: tuple[str, ...] = ("geo", "task")
    else:
        flag = np.floor(usage * frac * rng.random(n_geo))
        fdims = ("geo",)
    tps = rng.dirichlet(np.ones(len(patterns)), size=n_task)
    ds = xr.Dataset(
        {
            "usage_count": ("geo", usage),
            "task_count": (("geo", "task"), tc),
            "pattern_count": (("geo", "pattern"), pc),
            "request_count": (("geo", "request"), rc),
            "flagged_count": (fdims, flag),
            "task_pattern_share": (("task", "pattern"), tps),
            "working_age_pop": ("geo", rng.uniform(1e5, 1e7, n_geo)),
        },
        coords={
            "geo": geos,
            "geo_level": ("geo", ["country"] * n_geo),
            "geo_name": ("geo", geos),
            "task": tasks,
            "soc_major": ("task", ["15"] * n_task),
            "request": ["a", "b", "c"],
            **pattern_coords(patterns),
        },
    )
    return ei.validate(ds)


def _two_periods(ds: xr.Dataset, other: xr.Dataset) -> xr.Dataset:
    """Stack two toy releases along ``period`` (the global task x pattern mix stays period-free)."""
    both = xr.concat([ds.drop_vars("task_pattern_share"), other.drop_vars("task_pattern_share")],
                     dim=xr.DataArray(["2025-08-04", "2025-11-13"], dims="period", name="period"))
    both["task_pattern_share"] = ds["task_pattern_share"]
    return ei.validate(both)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_geo=st.integers(2, 8), n_task=st.integers(1, 6),
       by_task=st.booleans(), frac=st.floats(0.0, 1.0), periods=st.booleans())
def test_conservation_cleaned_plus_removed_is_original(seed: int, n_geo: int, n_task: int, by_task: bool,
                                                       frac: float, periods: bool) -> None:
    ds = _toy(np.random.default_rng(seed), n_geo, n_task, by_task, frac)
    if periods:
        ds = _two_periods(ds, _toy(np.random.default_rng(seed + 1), n_geo, n_task, by_task, frac))
    clean = exclude_flagged(ds)
    removed = removed_traffic(ds)
    for v in COUNTS:
        np.testing.assert_allclose(clean[v].values + removed[v].values, ds[v].values, rtol=1e-12, atol=1e-9)
        assert (clean[v].values >= -1e-9).all()
    # usage falls by exactly the flagged traffic, geo by geo
    flagged = ds["flagged_count"].sum("task") if by_task else ds["flagged_count"]
    expected = (ds["usage_count"] - flagged).transpose(*ds["usage_count"].dims)
    np.testing.assert_allclose(clean["usage_count"].values, expected.values, atol=1e-9)
    # every category still sums to the cleaned usage (consistency)
    for v, dim in (("task_count", "task"), ("pattern_count", "pattern")):
        total = clean[v].sum(dim).transpose(*clean["usage_count"].dims)
        np.testing.assert_allclose(total.values, clean["usage_count"].values, rtol=1e-9, atol=1e-6)
    if float(flagged.sum()) > 0:
        rec = json.loads(clean.attrs["flag_exclusion"])
        for v in ("usage_count", "task_count", "pattern_count"):
            totals = ds[v].sum([d for d in ds[v].dims if d != "geo"]) - clean[v].sum(
                [d for d in ds[v].dims if d != "geo"]
            )
            for g, amount in rec["removed"].get(v, {}).items():
                assert amount == pytest.approx(float(totals.sel(geo=g)), rel=1e-9, abs=1e-6)


def test_proportional_removal_keeps_mixes_and_task_removal_is_cell_by_cell() -> None:
    ds = _toy(np.random.default_rng(3), 4, 3, by_task=False, frac=0.5)
    clean = exclude_flagged(ds)
    share = ds["task_count"] / ds["usage_count"]
    np.testing.assert_allclose((clean["task_count"] / clean["usage_count"]).values, share.values, rtol=1e-12)
    dt = _toy(np.random.default_rng(3), 4, 3, by_task=True, frac=0.5)
    ct = exclude_flagged(dt)
    np.testing.assert_array_equal(
        ct["task_count"].values, dt["task_count"].values - dt["flagged_count"].values
    )


def test_no_flags_returns_an_equal_dataset() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    assert exclude_flagged(st_).identical(st_)
    ds = _toy(np.random.default_rng(0), 3, 2, by_task=False, frac=0.0)
    ds["flagged_count"] = ds["flagged_count"] * 0
    assert exclude_flagged(ds).identical(ds)


def test_removing_more_than_observed_names_the_geo() -> None:
    ds = _toy(np.random.default_rng(1), 3, 2, by_task=False, frac=0.2)
    flags = xr.DataArray([ds["usage_count"].sel(geo="G01").item() + 1], dims="geo", coords={"geo": ["G01"]})
    with pytest.raises(DataValueError, match="G01"):
        exclude_flagged(ds, flags)
    dt = _toy(np.random.default_rng(1), 3, 2, by_task=True, frac=0.2)
    too_much = dt["task_count"].copy()
    too_much.loc[{"geo": "G02", "task": "task 1"}] += 5
    with pytest.raises(DataValueError, match=r"G02.*task 1"):
        exclude_flagged(dt, too_much)
    with pytest.raises(DataValueError, match="negative"):
        exclude_flagged(ds, -ds["flagged_count"] - 1)
    with pytest.raises(DataValueError, match="XX"):
        exclude_flagged(ds, ["XX"])
    with pytest.raises(SchemaError, match="geo"):
        exclude_flagged(ds, xr.DataArray([1.0], dims="task"))


def test_mask_drops_geos_and_records_them() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    clean = exclude_flagged(st_, st_["abuse_flagged"])
    assert "UT" not in clean["geo"].values and clean.sizes["geo"] == 50
    rec = json.loads(clean.attrs["flag_exclusion"])
    assert rec["geos"] == ["UT"] and rec["removed"]["usage_count"] == {"UT": 8340.0}


def test_published_index_is_recomputed_and_unrecoverable_figures_blanked() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    ut = st_["usage_count"].sel(geo="UT").item()
    flags = xr.DataArray([0.25 * ut], dims="geo", coords={"geo": ["UT"]})
    clean = exclude_flagged(st_, flags)
    # index = usage / pop / reference ratio; recompute it independently from the cleaned count
    pop = st_["working_age_pop"].sel(geo="UT").item()
    expected = clean["usage_count"].sel(geo="UT").item() / pop / st_.attrs["reference_ratio"]
    assert clean["usage_index"].sel(geo="UT").item() == pytest.approx(expected, rel=1e-5)
    others = [g for g in st_["geo"].values if g != "UT"]
    xr.testing.assert_equal(clean["usage_index"].sel(geo=others), st_["usage_index"].sel(geo=others))
    rec = json.loads(clean.attrs["flag_exclusion"])
    assert "automation_share" in rec["derived"] and "usage_index" in rec["derived"]
    # task flags without pattern counts: the published automation share cannot be recomputed -> NaN
    ds = _toy(np.random.default_rng(5), 3, 2, by_task=True, frac=0.5).drop_vars("pattern_count")
    ds["automation_share"] = ("geo", [0.5, 0.6, 0.7])
    ds["flagged_count"] = ds["flagged_count"] * 0
    ds["flagged_count"].loc[{"geo": "G01", "task": "task 0"}] = 1.0
    out = exclude_flagged(ds)
    assert np.isnan(out["automation_share"].sel(geo="G01").item())
    assert out["automation_share"].sel(geo="G00").item() == 0.5
    assert "G01" in json.loads(out.attrs["flag_exclusion"])["derived"]["automation_share"]


def test_flagged_geos_sources() -> None:
    assert flagged_geos(ei.datasets.load_us_states_2025_08(), "state_us") == ["UT"]
    assert flagged_geos(ei.datasets.load_us_state_panel(), "state_us") == ["UT", "WY"]
    assert flagged_geos(ei.datasets.load_countries_2025_08(), "country") == []


@pytest.fixture(scope="module")
def sim_pair() -> tuple[xr.Dataset, xr.Dataset]:
    kw = {"seed": 0, "n_tasks": 60, "n_requests": 30, "abuse_share": 0.9}
    return ei.simulate(**kw), ei.simulate(abuse_state=None, **kw)


def test_simulated_abuse_biases_and_exclusion_recovers(sim_pair: tuple[xr.Dataset, xr.Dataset]) -> None:
    dirty, truth_ds = sim_pair
    truth = json.loads(dirty.attrs["truth"])
    clean = exclude_flagged(dirty)
    # counts: what remains is exactly the clean release
    assert clean["usage_count"].sel(geo="UT").item() == truth["abuse"]["clean_usage"]
    np.testing.assert_array_equal(clean["usage_count"].values, truth_ds["usage_count"].values)
    # Utah's usage index: biased with all traffic, recovered after exclusion
    idx = {
        k: ei.usage_index(d, level="state_us").sel(geo="UT").item()
        for k, d in (("all", dirty), ("clean", clean), ("truth", truth_ds))
    }
    assert idx["all"] > 3 * idx["truth"]
    assert idx["clean"] == pytest.approx(idx["truth"], rel=1e-12)
    # state elasticity: biased with all traffic, recovered (and covering the true 1.8) after exclusion
    est = {
        k: ei.IncomeElasticity().fit(d, level="state_us")
        for k, d in (("all", dirty), ("clean", clean), ("truth", truth_ds))
    }
    assert est["clean"].slope == pytest.approx(est["truth"].slope, rel=1e-10)
    assert abs(est["all"].slope - est["clean"].slope) > 0.05
    lo, hi = est["clean"].ci()
    assert lo < truth["state_elasticity"] < hi
    table = flag_sensitivity(ei.IncomeElasticity(), dirty, level="state_us")
    assert table["spec"].tolist() == ["all traffic", "flagged removed", "drop UT"]
    assert table.loc[1, "estimate"] == pytest.approx(est["clean"].slope, rel=1e-10)


def test_flag_sensitivity_task_mix_automation_flips_sign_on_real_states() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    tab = flag_sensitivity(ei.TaskMixAutomation(units="fraction"), st_, level="state_us")
    assert tab["spec"].tolist() == ["all traffic", "flagged removed", "drop UT"]
    assert tab.loc[0, "estimate"] > 0 > tab.loc[2, "estimate"]
    assert tab["sign_change"].tolist() == [False, True, True]
    # independent reference: statsmodels on the published columns without Utah
    d = st_[["automation_share", "expected_automation", "usage_index"]].to_dataframe().dropna().drop("UT")
    ref = sm.OLS(d["automation_share"], sm.add_constant(d[["usage_index", "expected_automation"]])).fit(
        cov_type="HC1"
    )
    assert tab.loc[2, "estimate"] == pytest.approx(ref.params["usage_index"], rel=1e-8)
    assert tab.loc[2, "nobs"] == ref.nobs
    change = tab.loc[2, "estimate"] - tab.loc[0, "estimate"]
    assert tab.loc[2, "change_from_baseline"] == pytest.approx(change)


def test_convergence_with_and_without_wyoming_spike() -> None:
    panel = ei.datasets.load_us_state_panel()
    tab = flag_sensitivity(ei.convergence, panel, level="state_us")
    direct = ei.convergence(panel.drop_sel(geo="WY"), level="state_us")
    row = tab.set_index("spec").loc["drop WY"]
    assert row["estimate"] == pytest.approx(direct.beta, rel=1e-12)
    assert row["nobs"] == direct.nobs
    base = tab.set_index("spec").loc["all traffic"]
    assert base["estimate"] == pytest.approx(ei.convergence(panel, level="state_us").beta, rel=1e-12)
    assert row["estimate"] != pytest.approx(base["estimate"], abs=1e-3)
    # the flagged cells (Wyoming in Nov 2025) are blanked, which drops Wyoming from the pair of periods
    assert tab.set_index("spec").loc["flagged removed", "estimate"] == pytest.approx(direct.beta, rel=1e-12)


def test_leave_one_group_out_matches_direct_refits() -> None:
    st_ = ei.datasets.load_us_states_2025_08()
    est = ei.TaskMixAutomation(units="fraction")
    tab = leave_one_group_out(est, st_, level="state_us", by="census_region")
    for region in ("South", "West"):
        keep = st_["census_region"].values != region
        direct = est.fit(st_.isel(geo=keep), level="state_us")
        row = tab.set_index("dropped").loc[region]
        assert row["estimate"] == pytest.approx(direct.slope, rel=1e-12)
        assert row["n_dropped"] == int((~keep).sum())
    loo = tab["estimate"].to_numpy()[1:]
    g = len(loo)
    jk = np.sqrt((g - 1) / g * ((loo - loo.mean()) ** 2).sum())
    assert tab["jackknife_se"].iloc[0] == pytest.approx(jk)
    with pytest.raises(SchemaError, match="nonexistent"):
        leave_one_group_out(est, st_, level="state_us", by="nonexistent")


def test_task_flags_on_simulated_release_clean_tasks_exactly_and_fix_the_automation_sign() -> None:
    kw = {"seed": 1, "n_tasks": 40, "n_requests": 30, "task_pattern_count": True}
    dirty = ei.simulate(flagged_by_task=True, **kw)
    truth_ds = ei.simulate(abuse_state=None, **kw)
    assert dirty["flagged_count"].dims == ("geo", "task")
    clean = exclude_flagged(dirty)
    for v in ("usage_count", "task_count"):
        np.testing.assert_array_equal(clean[v].values, truth_ds[v].values)
    # pattern counts remain consistent with usage for every geo (validate passed) and are conserved
    removed = removed_traffic(dirty)
    np.testing.assert_allclose(
        clean["pattern_count"].values + removed["pattern_count"].values,
        dirty["pattern_count"].values,
        rtol=1e-12,
    )
    tab = flag_sensitivity(ei.TaskMixAutomation(units="fraction"), dirty, level="state_us")
    slope = json.loads(dirty.attrs["truth"])["automation_slope"]
    assert tab.loc[0, "estimate"] > 0 > slope  # abuse (90 % directive) flips the state slope
    assert tab.loc[1, "estimate"] < 0


def test_leave_one_income_tercile_out_on_real_countries() -> None:
    c = ei.datasets.load_countries_2025_08()
    est = ei.IncomeElasticity(cov_type="HC3")
    tab = leave_one_group_out(est, c, level="country", by="sample_gdp_tercile")
    assert sorted(tab["dropped"].iloc[1:]) == ["High", "Low", "Mid"]
    keep = c["sample_gdp_tercile"].values != "Low"
    sub = c.isel(geo=keep)
    x = np.log(sub["gdp"].values / sub["working_age_pop"].values)
    ref = sm.OLS(np.log(sub["usage_index"].values), sm.add_constant(x)).fit(cov_type="HC3")
    row = tab.set_index("dropped").loc["Low"]
    assert row["estimate"] == pytest.approx(ref.params[1], rel=1e-8)
    assert row["n_dropped"] == int((~keep).sum())


def test_flagged_geos_trusts_the_dataset_flags_after_cleaning() -> None:
    from econindex.robustness import exclude_flagged, flagged_geos

    states = ei.datasets.load_us_states_2025_08()
    clean = exclude_flagged(states, flags=states["abuse_flagged"])
    # Wyoming is named abusive for November 2025, not for this August 2025 table
    assert flagged_geos(clean, "state_us") == []
    bare = states.drop_vars("abuse_flagged")
    assert flagged_geos(bare, "state_us") == ["UT"]  # shipped list, matched on the release window
