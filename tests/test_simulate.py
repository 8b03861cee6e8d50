"""Tests of econindex.simulate: determinism, schema, hierarchy, and recovery of the true parameters.

Recovery is checked against statsmodels fits written here from the raw counts
(not against econindex's own estimators), on a few fixed seeds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econindex.errors import OptionError
from econindex.geography import US_STATES
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CLASSIFIED_PATTERNS,
    PATTERNS,
    SPECIAL_CLUSTERS,
    UNLOCATED,
    validate,
)
from econindex.simulation import SOC_MAJOR_GROUPS, simulate

SOC_CODES = ["11", "13", "15", "17", "19", "21", "23", "25", "27", "29", "31",
             "33", "35", "37", "39", "41", "43", "45", "47", "49", "51", "53"]  # fmt: skip
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def ds0() -> xr.Dataset:
    return simulate(seed=0)


@pytest.fixture(scope="module")
def seeds() -> list[xr.Dataset]:
    return [simulate(seed=s, n_requests=24) for s in SEEDS]


def truth(ds: xr.Dataset) -> dict:
    return json.loads(ds.attrs["truth"])


def located(ds: xr.Dataset, level: str) -> list[str]:
    mask = (ds["geo_level"].values == level) & ds["located"].values
    return [str(g) for g in ds["geo"].values[mask]]


def clean_usage(ds: xr.Dataset) -> xr.DataArray:
    return ds["usage_count"] - ds["flagged_count"]


def aui(usage: xr.DataArray, ds: xr.Dataset, level: str) -> xr.DataArray:
    """Hand-written usage index: located geos, unlocated usage kept in the usage total."""
    geos = located(ds, level)
    u = usage.sel(geo=geos)
    p = ds["working_age_pop"].sel(geo=geos)
    total = u.sum("geo") + usage.sel(geo=UNLOCATED[level])
    return (u / p) / (total / p.sum("geo"))


def hc1(y: np.ndarray, x: np.ndarray) -> sm.regression.linear_model.RegressionResultsWrapper:
    return sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1")


def automation_parts(ds: xr.Dataset, pattern_count: xr.DataArray, task_count: xr.DataArray):
    """(actual automation share on the classified base, expected automation from the task mix)."""
    tps = ds["task_pattern_share"]
    rate = tps.sel(pattern=list(AUTOMATION_PATTERNS)).sum("pattern") / tps.sel(
        pattern=list(CLASSIFIED_PATTERNS)
    ).sum("pattern")
    rated = (~ds["task"].isin(list(SPECIAL_CLUSTERS))) & rate.notnull()
    w = task_count.where(rated, 0.0)
    expected = (w * rate.fillna(0.0)).sum("task") / w.sum("task")
    actual = pattern_count.sel(pattern=list(AUTOMATION_PATTERNS)).sum("pattern") / pattern_count.sel(
        pattern=list(CLASSIFIED_PATTERNS)
    ).sum("pattern")
    return actual, expected


# --- determinism ------------------------------------------------------------------------------------


def test_same_seed_identical_different_seed_differs(ds0: xr.Dataset) -> None:
    xr.testing.assert_identical(simulate(seed=0), ds0)
    other = simulate(seed=1)
    assert not np.array_equal(other["usage_count"].values, ds0["usage_count"].values)
    assert other.attrs["truth"] != ds0.attrs["truth"]


def test_first_period_unchanged_by_periods_and_platforms(ds0: xr.Dataset) -> None:
    big = simulate(seed=0, n_periods=2, platforms=("claude_ai", "api"))
    first = big.sel(period=big["period"].values[0], platform="claude_ai")
    for v in ("usage_count", "task_count", "pattern_count", "request_count", "flagged_count"):
        np.testing.assert_array_equal(first[v].values, ds0[v].values)


# --- schema and layout ------------------------------------------------------------------------------


def test_validates_with_units_and_attrs(ds0: xr.Dataset) -> None:
    assert validate(ds0) is ds0
    assert ds0["usage_count"].attrs["units"] == "conversations"
    assert ds0.attrs["source"] == "simulated (econindex.simulate, seed=0)"
    assert ds0.attrs["simulated"] == 1
    report = json.loads(ds0.attrs["ingest_report"])
    assert report["rows_read"] == report["rows_kept"] == 0
    t = truth(ds0)
    for key in ("country_elasticity", "state_elasticity", "automation_slope", "convergence_beta",
                "cost_usage_slope", "abuse", "task_mix_income_shift"):  # fmt: skip
        assert key in t
    assert (t["country_elasticity"], t["state_elasticity"], t["automation_slope"]) == (0.7, 1.8, -0.03)


def test_geos(ds0: xr.Dataset) -> None:
    geos = [str(g) for g in ds0["geo"].values]
    assert geos[0] == "GLOBAL" and ds0["geo_level"].values[0] == "global"
    countries = located(ds0, "country")
    assert len(countries) == 120 and "USA" in countries
    assert all(len(c) == 3 and c.isupper() for c in countries)
    assert sorted(located(ds0, "state_us")) == sorted(US_STATES)
    for level, label in UNLOCATED.items():
        g = ds0.sel(geo=label)
        assert g["geo_level"].item() == level and not bool(g["located"])
    assert ds0["census_division"].sel(geo="UT").item() == "Mountain"
    assert ds0["census_region"].sel(geo="MA").item() == "Northeast"
    assert ds0["abuse_flagged"].sel(geo="UT").item()
    assert int(ds0["abuse_flagged"].sum()) == 1
    # covariates look real
    c = ds0.sel(geo=countries)
    pc = (c["gdp"] / c["working_age_pop"]).values
    assert pc.min() >= 800 and pc.max() <= 1.5e5 and pc.max() / pc.min() > 30
    s = ds0.sel(geo=located(ds0, "state_us"))
    spc = (s["gdp"] / s["working_age_pop"]).values
    assert spc.min() >= 5e4 and spc.max() <= 2.5e5
    assert np.isnan(ds0["working_age_pop"].sel(geo=["GLOBAL", *UNLOCATED.values()])).all()
    # some small countries fall below the release's 200-conversation threshold, most do not
    below = int((c["usage_count"] < 200).sum())
    assert 1 <= below <= 20


def test_usage_hierarchy(ds0: xr.Dataset) -> None:
    u = ds0["usage_count"]
    states = located(ds0, "state_us")
    countries = located(ds0, "country")
    assert u.sel(geo="USA") == u.sel(geo=states).sum() + u.sel(geo=UNLOCATED["state_us"])
    assert u.sel(geo="GLOBAL") == u.sel(geo=countries).sum() + u.sel(geo=UNLOCATED["country"])
    np.testing.assert_array_equal(ds0["task_count"].sum("task").values, u.values)
    np.testing.assert_array_equal(ds0["pattern_count"].sum("pattern").values, u.values)
    np.testing.assert_array_equal(ds0["usage_count"].values, np.round(ds0["usage_count"].values))


def test_tasks_and_patterns(ds0: xr.Dataset) -> None:
    tasks = [str(t) for t in ds0["task"].values]
    assert len(tasks) == 2002 and tasks[-2:] == list(SPECIAL_CLUSTERS)
    assert all(t == t.lower() and "::" not in t for t in tasks)
    assert len(set(tasks)) == len(tasks)
    soc = [str(s) for s in ds0["soc_major"].values]
    assert sorted(set(soc[:-2])) == SOC_CODES == sorted(SOC_MAJOR_GROUPS)
    assert soc[-2:] == list(SPECIAL_CLUSTERS)
    assert [str(p) for p in ds0["pattern"].values] == list(PATTERNS)
    assert ds0["mode"].sel(pattern="directive").item() == "automation"
    tps = ds0["task_pattern_share"]
    np.testing.assert_allclose(tps.sum("pattern").dropna("task").values, 1.0, rtol=1e-12)


def test_tasks_are_real_onet_statements_with_their_soc_group(ds0: xr.Dataset) -> None:
    import pandas as pd

    from econindex.datasets import data_path

    with data_path("onet_task_soc_major.csv.gz").open("rb") as fh:
        onet = pd.read_csv(fh, compression="gzip", dtype=str, keep_default_na=False)
    table = dict(zip(onet["task_text_lower"], onet["soc_major_group"], strict=True))
    regular = ds0.drop_sel(task=list(SPECIAL_CLUSTERS))
    pairs = zip(map(str, regular["task"].values), map(str, regular["soc_major"].values), strict=True)
    assert all(table.get(t) == s for t, s in pairs)
    # beyond the vendored subset, synthetic statements fill in
    big = simulate(seed=0, n_tasks=3000, n_countries=5, n_requests=5)
    labels = [str(t) for t in big["task"].values]
    assert len(set(labels)) == 3002
    assert sum("synthetic task" in t for t in labels) == 3000 - len(table)


def test_request_hierarchy(ds0: xr.Dataset) -> None:
    rc = ds0["request_count"]
    level = ds0["request_level"]
    assert sorted(set(level.values.tolist())) == [0, 1, 2]
    parent = ds0["parent_request"]
    # the release's convention: level 0 is the finest, the top level (2) has no parent
    assert (parent.where(level == 2, drop=True) == "").all()
    assert (parent.where(level < 2, drop=True) != "").all()
    assert (level == 0).sum() > (level == 1).sum() > (level == 2).sum()
    for lv in (0, 1, 2):  # every level covers all conversations
        np.testing.assert_array_equal(rc.where(level == lv).sum("request").values, ds0["usage_count"].values)
    for lv in (0, 1):  # children sum to parents
        children = rc.where(level == lv, drop=True)
        by_parent = children.groupby(parent.where(level == lv, drop=True).rename("parent")).sum()
        parents = rc.sel(request=by_parent["parent"].values)
        np.testing.assert_array_equal(by_parent.transpose("geo", "parent").values, parents.values)


def test_task_pattern_count_option() -> None:
    ds = simulate(seed=3, n_tasks=200, task_pattern_count=True)
    tpc = ds["task_pattern_count"]
    assert np.isnan(tpc.sel(geo="USA")).all()
    g = tpc.sel(geo="GLOBAL")
    np.testing.assert_array_equal(g.sum("pattern").values, ds["task_count"].sel(geo="GLOBAL").values)
    np.testing.assert_allclose((g / g.sum("pattern")).values, ds["task_pattern_share"].values, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"platforms": ("api",)},
        {"platforms": ("claude_ai", "web")},
        {"abuse_state": "XX"},
        {"abuse_state": "USA"},
        {"abuse_share": 1.0},
        {"n_countries": 0},
        {"n_countries": 10_000},
        {"n_requests": 2.5},
        {"start_date": "Aug 2025"},
        {"country_elasticity": float("nan")},
        {"automation_noise": -0.1},
        {"abuse_state": 5},
    ],
)
def test_bad_options(kwargs: dict) -> None:
    with pytest.raises(OptionError):
        simulate(seed=0, n_tasks=30, **kwargs)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    n_countries=st.integers(1, 40),
    n_tasks=st.integers(1, 60),
    n_requests=st.integers(1, 40),
    n_periods=st.integers(1, 3),
    api=st.booleans(),
)
def test_any_size_is_valid_and_consistent(
    seed: int, n_countries: int, n_tasks: int, n_requests: int, n_periods: int, api: bool
) -> None:
    ds = simulate(
        seed, n_countries=n_countries, n_tasks=n_tasks, n_requests=n_requests, n_periods=n_periods,
        platforms=("claude_ai", "api") if api else ("claude_ai",),
    )  # fmt: skip
    validate(ds)
    assert ds.sizes["task"] == n_tasks + 2
    u = ds["usage_count"]
    np.testing.assert_array_equal(ds["task_count"].sum("task", min_count=1).values, u.values)
    np.testing.assert_array_equal(ds["pattern_count"].sum("pattern", min_count=1).values, u.values)
    us = u.sel(geo=located(ds, "state_us")).sum("geo") + u.sel(geo=UNLOCATED["state_us"])
    if api:
        us = us.sel(platform="claude_ai")
        u = u.sel(platform="claude_ai")
    np.testing.assert_array_equal(us.values, u.sel(geo="USA").values)


# --- recovery of the true parameters -----------------------------------------------------------------


@pytest.mark.parametrize(("level", "key", "min_count"), [("country", "country_elasticity", 200),
                                                          ("state_us", "state_elasticity", 100)])  # fmt: skip
def test_income_elasticity_recovered(seeds: list[xr.Dataset], level: str, key: str, min_count: int) -> None:
    est, ses = [], []
    for ds in seeds:
        usage = clean_usage(ds)
        a = aui(usage, ds, level)
        keep = usage.sel(geo=a["geo"]) >= min_count
        sub = ds.sel(geo=a["geo"].values[keep.values])
        x = np.log((sub["gdp"] / sub["working_age_pop"]).values)
        res = hc1(np.log(a.values[keep.values]), x)
        est.append(res.params[1])
        ses.append(res.bse[1])
        assert abs(res.params[1] - truth(ds)[key]) < 3 * res.bse[1]
    # pooled over seeds: the mean estimate is within 2.5 standard errors of its mean
    assert abs(np.mean(est) - truth(seeds[0])[key]) < 2.5 * np.mean(ses) / np.sqrt(len(seeds))


def test_automation_slope_recovered_with_task_mix_control(seeds: list[xr.Dataset]) -> None:
    est, ses, coef_e = [], [], []
    for ds in seeds:
        a = aui(clean_usage(ds), ds, "country")
        keep = (ds["usage_count"].sel(geo=a["geo"]) >= 200).values
        sub = ds.sel(geo=a["geo"].values[keep])
        actual, expected = automation_parts(ds, sub["pattern_count"], sub["task_count"])
        res = hc1(actual.values, np.column_stack([a.values[keep], expected.values]))
        est.append(res.params[1])
        ses.append(res.bse[1])
        coef_e.append(res.params[2])
        assert abs(res.params[1] - truth(ds)["automation_slope"]) < 3 * res.bse[1]
    assert abs(np.mean(est) - (-0.03)) < 2.5 * np.mean(ses) / np.sqrt(len(seeds))
    assert abs(np.mean(coef_e) - 1.0) < 0.3  # expected automation enters one for one


def test_task_mix_shifts_with_income(ds0: xr.Dataset) -> None:
    countries = [g for g in located(ds0, "country") if ds0["usage_count"].sel(geo=g) >= 1000]
    sub = ds0.sel(geo=countries)
    comp = sub["task_count"].where(sub["soc_major"] == "15").sum("task") / sub["usage_count"]
    res = hc1(np.log(comp.values), np.log((sub["gdp"] / sub["working_age_pop"]).values))
    assert res.params[1] < 0 and res.pvalues[1] < 0.01


def test_abuse_biases_utah_and_removal_restores_truth(seeds: list[xr.Dataset]) -> None:
    for ds in seeds:
        t = truth(ds)["abuse"]
        fc = ds["flagged_count"]
        # flagged traffic sits in Utah and in the aggregates that contain it; zero elsewhere
        nonzero = sorted(str(g) for g in fc["geo"].values[fc.values > 0])
        assert nonzero == ["GLOBAL", "USA", "UT"]
        assert float(fc.sel(geo="UT")) == t["flagged"] > 0
        assert float(clean_usage(ds).sel(geo="UT")) == t["clean_usage"]
        share = float(fc.sel(geo="UT") / ds["usage_count"].sel(geo="UT"))
        assert share == pytest.approx(0.7, abs=0.01)
        a_all = aui(ds["usage_count"], ds, "state_us").sel(geo="UT")
        a_clean = aui(clean_usage(ds), ds, "state_us").sel(geo="UT")
        assert float(a_all) > 2.5 * float(a_clean)
        # the exact flagged decomposition in truth sums to the flagged count
        assert (
            sum(t["tasks"].values())
            == sum(t["patterns"].values())
            == sum(t["requests"].values())
            == t["flagged"]
        )
        assert t["patterns"]["directive"] > 0.8 * t["flagged"]


def test_abuse_biases_state_automation_and_exact_removal_recovers(seeds: list[xr.Dataset]) -> None:
    bias = []
    for ds in seeds:
        t = truth(ds)["abuse"]
        states = located(ds, "state_us")
        # remove the flagged traffic exactly (from truth) in Utah
        pc = ds["pattern_count"].sel(geo=states).copy()
        tc = ds["task_count"].sel(geo=states).copy()
        pc.loc[{"geo": "UT"}] = pc.sel(geo="UT") - xr.DataArray(
            [t["patterns"][p] for p in PATTERNS], dims="pattern", coords={"pattern": list(PATTERNS)}
        )
        for task, n in t["tasks"].items():
            tc.loc[{"geo": "UT", "task": task}] = tc.sel(geo="UT", task=task) - n
        np.testing.assert_array_equal(pc.sum("pattern").values, clean_usage(ds).sel(geo=states).values)
        a_clean = aui(clean_usage(ds), ds, "state_us")
        actual, expected = automation_parts(ds, pc, tc)
        # Utah's clean automation follows the equation (its expected automation is in truth)
        assert float(expected.sel(geo="UT")) == pytest.approx(t["expected_automation_clean"], rel=1e-12)
        actual_all, expected_all = automation_parts(ds, ds["pattern_count"].sel(geo=["UT"]),
                                                    ds["task_count"].sel(geo=["UT"]))  # fmt: skip
        resid_all = float(actual_all[0] - expected_all[0])
        resid_clean = float(actual.sel(geo="UT") - expected.sel(geo="UT"))
        assert resid_all > resid_clean + 0.05  # flagged traffic is mostly directive beyond its task mix
        clean = hc1(actual.values, np.column_stack([a_clean.values, expected.values]))
        a_all = aui(ds["usage_count"], ds, "state_us")
        act2, exp2 = automation_parts(
            ds, ds["pattern_count"].sel(geo=states), ds["task_count"].sel(geo=states)
        )
        dirty = hc1(act2.values, np.column_stack([a_all.values, exp2.values]))
        bias.append(dirty.params[1] - clean.params[1])
        assert abs(clean.params[1] - truth(ds)["automation_slope"]) < 3 * clean.bse[1]
    assert np.mean(bias) > 0  # with all traffic the state slope is pulled up (toward the sign flip)


def test_convergence_beta_recovered() -> None:
    for seed in (0, 1):
        ds = simulate(seed=seed, n_periods=3, n_tasks=50, n_requests=10)
        beta = truth(ds)["convergence_beta"]
        assert beta == 0.77
        assert list(ds["period"].values) == ["2025-08-04", "2025-11-03", "2026-02-02"]
        assert ds["date_end"].values[0] == "2025-08-11"
        usage = clean_usage(ds)
        for level, min_count in (("country", 200), ("state_us", 100)):
            a = aui(usage, ds, level)
            u = usage.sel(geo=a["geo"])
            p0, p1 = ds["period"].values[1], ds["period"].values[2]
            keep = ((u.sel(period=p0) >= min_count) & (u.sel(period=p1) >= min_count)).values
            res = hc1(np.log(a.sel(period=p1).values[keep]), np.log(a.sel(period=p0).values[keep]))
            assert abs(res.params[1] - beta) < 3 * res.bse[1]
            assert res.bse[1] < 0.1


def test_cost_usage_slope_recovered() -> None:
    est = []
    for seed in SEEDS:
        ds = simulate(seed=seed, platforms=("claude_ai", "api"), n_requests=10)
        api = ds["task_count"].sel(geo="GLOBAL", platform="api")
        cost = ds["cost_index"]
        keep = (api > 0) & cost.notnull()
        share = api.where(keep, drop=True) / api.sum()
        res = hc1(np.log(share.values), np.log(cost.where(keep, drop=True).values))
        est.append(res.params[1])
        assert abs(res.params[1] - truth(ds)["cost_usage_slope"]) < 3 * res.bse[1]
    assert abs(np.mean(est) - 0.3) < 0.1


def test_api_platform(ds0: xr.Dataset) -> None:
    ds = simulate(seed=0, platforms=("claude_ai", "api"))
    t = truth(ds)
    api = ds.sel(platform="api")
    assert float(api["usage_count"].sel(geo="GLOBAL")) > 0
    assert np.isnan(api["usage_count"].drop_sel(geo="GLOBAL")).all()
    assert np.isnan(api["task_count"].drop_sel(geo="GLOBAL")).all()
    assert float(api["flagged_count"].sel(geo="GLOBAL")) == 0.0
    for v in ("cost_index", "prompt_tokens_index", "completion_tokens_index"):
        assert ds[v].dims == ("task",)
        assert np.isnan(ds[v].sel(task=list(SPECIAL_CLUSTERS))).all()
        assert (ds[v].dropna("task") > 0).all()
    # API: more computer/math, less education and arts; mostly automation
    soc = api["task_count"].sel(geo="GLOBAL").groupby(ds["soc_major"]).sum()
    regular = soc.drop_sel(soc_major=list(SPECIAL_CLUSTERS))
    share = regular / regular.sum()
    claude = (
        ds0["task_count"]
        .sel(geo="GLOBAL")
        .groupby(ds0["soc_major"])
        .sum()
        .drop_sel(soc_major=list(SPECIAL_CLUSTERS))
    )
    claude_share = claude / claude.sum()
    assert share.sel(soc_major="15") > claude_share.sel(soc_major="15") + 0.03
    assert share.sel(soc_major="25") < claude_share.sel(soc_major="25") - 0.03
    assert share.sel(soc_major="27") < claude_share.sel(soc_major="27")
    # empirical shares agree with the true probabilities within multinomial error
    n = float(regular.sum())
    for code in ("15", "25", "27", "43"):
        p = t["api_soc_share"][code]
        assert abs(float(share.sel(soc_major=code)) - p) < 4 * np.sqrt(p * (1 - p) / n)
    nc = float(claude.sum())
    for code in ("15", "25", "27", "43"):
        p = t["claude_soc_share"][code]
        assert abs(float(claude_share.sel(soc_major=code)) - p) < 4 * np.sqrt(p * (1 - p) / nc)
        diff = float(share.sel(soc_major=code) - claude_share.sel(soc_major=code))
        assert diff == pytest.approx(t["platform_soc_share_diff"][code], abs=0.01)
    pc = api["pattern_count"].sel(geo="GLOBAL")
    auto_all = float(pc.sel(pattern=list(AUTOMATION_PATTERNS)).sum() / pc.sum())
    assert auto_all == pytest.approx(t["api_automation_share_all"], abs=0.01)
    assert 0.72 < auto_all < 0.82
    assert t["platform_soc_share_diff"]["15"] > 0


def test_period_trends_match_truth() -> None:
    ds = simulate(seed=4, n_periods=3, soc_trend=0.2, directive_trend=0.3, n_requests=10)
    t = truth(ds)
    soc_truth = t["claude_soc_share_by_period"]
    pat_truth = t["claude_pattern_share_by_period"]
    assert soc_truth[2]["25"] > soc_truth[0]["25"] + 0.02 and soc_truth[2]["11"] < soc_truth[0]["11"]
    assert pat_truth[2]["directive"] > pat_truth[0]["directive"] + 0.02
    g = ds.sel(geo="GLOBAL")
    soc = g["task_count"].groupby(ds["soc_major"]).sum().drop_sel(soc_major=list(SPECIAL_CLUSTERS))
    share = soc / soc.sum("soc_major")
    pshare = g["pattern_count"] / g["pattern_count"].sum("pattern")
    for i, period in enumerate(ds["period"].values):
        n = float(soc.sel(period=period).sum())
        for code in ("15", "25", "19", "11"):
            p = soc_truth[i][code]
            # GLOBAL is a sum of independent multinomials: variance at most the pooled multinomial's
            assert abs(float(share.sel(period=period, soc_major=code)) - p) < 4 * np.sqrt(p * (1 - p) / n)
        n = float(g["usage_count"].sel(period=period))
        for pat in PATTERNS:
            p = pat_truth[i][pat]
            assert abs(float(pshare.sel(period=period, pattern=pat)) - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_flagged_by_task_option() -> None:
    plain = simulate(seed=2, n_tasks=100, n_requests=10)
    by_task = simulate(seed=2, n_tasks=100, n_requests=10, flagged_by_task=True)
    assert by_task["flagged_count"].dims == ("geo", "task")
    np.testing.assert_array_equal(by_task["flagged_count"].sum("task").values, plain["flagged_count"].values)
    t = truth(plain)["abuse"]
    got = by_task["flagged_count"].sel(geo="UT")
    assert {k: float(got.sel(task=k)) for k in t["tasks"]} == t["tasks"]
    assert by_task["abuse_flagged"].sel(geo="UT").item()


def test_abuse_in_a_country_or_none() -> None:
    ds = simulate(seed=0, n_tasks=40, n_requests=10, abuse_state=None)
    assert float(ds["flagged_count"].sum()) == 0 and not ds["abuse_flagged"].any()
    country = located(ds, "country")[5]
    ds = simulate(seed=0, n_tasks=40, n_requests=10, abuse_state=country)
    nonzero = sorted(str(g) for g in ds["geo"].values[ds["flagged_count"].values > 0])
    assert nonzero == sorted(["GLOBAL", country])
    assert ds["abuse_flagged"].sel(geo=country).item()


def test_full_size_release_has_over_a_million_long_rows() -> None:
    ds = simulate(seed=0, n_countries=150, n_tasks=3000, n_periods=2, usage_per_capita=6e-4)
    # nonzero cells of the count facets, two long rows each (count and percentage)
    cells = sum(
        int((ds[v] > 0).sum()) for v in ("usage_count", "task_count", "pattern_count", "request_count")
    )
    assert 2 * cells > 1_000_000



def test_design_helpers_match_independent_references() -> None:
    """The one definition of the directly drawn geos and of SOC shares (used by the Claude.ai draw,
    the API draw and the truth) agree with references built from the labels and with pandas."""
    import pandas as pd

    from econindex.simulation._design import _design, _expected_soc

    d = _design(4, 30, 200, 48, 0.35, 0.25)
    pairs = enumerate(zip(d.geos, d.levels, strict=True))
    leaf = [i for i, (g, lv) in pairs if lv != "global" and g != "USA"]
    assert sorted(d.drawn.tolist()) == leaf and len(set(d.drawn.tolist())) == len(leaf)
    mass = np.random.default_rng(0).gamma(2.0, size=len(d.tasks))
    by_soc = pd.Series(mass[: d.task_soc.size]).groupby(d.task_soc).sum()
    ref = (by_soc / by_soc.sum()).reindex(range(len(SOC_MAJOR_GROUPS)), fill_value=0.0).to_numpy()
    np.testing.assert_allclose(_expected_soc(d, mass), ref, rtol=1e-13)
    ds = simulate(seed=4, n_countries=30, n_tasks=200, n_requests=48, platforms=("claude_ai", "api"))
    tr = truth(ds)
    for key in ("claude_soc_share", "claude_soc_share_clean", "api_soc_share"):
        assert sum(tr[key].values()) == pytest.approx(1.0, abs=1e-12), key



def test_state_soc_truth_is_what_the_state_counts_are_drawn_from():
    ds = simulate(seed=3)
    truth = json.loads(ds.attrs["truth"])
    states = truth["claude_state_soc_share"]
    assert sorted(states) == sorted(US_STATES)
    abuse = truth["abuse"]["geo"]
    soc = ds["soc_major"].values
    groups_all = list(SOC_MAJOR_GROUPS)
    regular = np.isin(soc, groups_all)
    for geo, mix in states.items():
        assert sum(mix.values()) == pytest.approx(1.0, abs=1e-12)
        if geo == abuse:
            continue
        counts = ds["task_count"].sel(geo=geo).values[regular]
        n = counts.sum()
        groups = soc[regular]
        emp = np.array([counts[groups == k].sum() / n for k in groups_all])
        p = np.array([mix[k] for k in groups_all])
        # multinomial sampling error only: within 5 standard errors in every group
        assert np.all(np.abs(emp - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12), geo


def test_true_state_soc_shares_is_the_truth_as_a_labelled_array():
    from econindex.errors import DataValueError
    from econindex.simulation import true_state_soc_shares

    ds = simulate(seed=3)
    states = json.loads(ds.attrs["truth"])["claude_state_soc_share"]
    shares = true_state_soc_shares(ds)
    assert shares.dims == ("geo", "soc_major")
    assert sorted(map(str, shares["geo"].values)) == sorted(US_STATES)
    assert list(map(str, shares["soc_major"].values)) == list(SOC_MAJOR_GROUPS)
    for geo in ("CA", "TX", "VT"):
        for k in ("15", "25", "43"):
            assert float(shares.sel(geo=geo, soc_major=k)) == states[geo][k]
    # like=: the cells of an array over geo x soc_major, in its order
    like = xr.DataArray(
        np.zeros((2, 3)), dims=("geo", "soc_major"), coords={"geo": ["VT", "CA"], "soc_major": [43, 15, 25]}
    )
    picked = true_state_soc_shares(ds, like=like)
    assert picked.shape == (2, 3)
    assert float(picked[0, 0]) == states["VT"]["43"] and float(picked[1, 2]) == states["CA"]["25"]
    # a real release has no truth: a typed error saying so
    real = ds.copy()
    real.attrs = {k: v for k, v in ds.attrs.items() if k != "truth"}
    with pytest.raises(DataValueError, match="econindex.simulate"):
        true_state_soc_shares(real)
