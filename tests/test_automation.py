"""Tests of econindex.automation: hand computations, the plain reference, statsmodels, real data, truth."""

from __future__ import annotations

import json
from typing import Literal

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import plain_automation as plain
import pytest
import statsmodels.api as sm
import xarray as xr
from hypothesis import given, settings

import econindex as ei
from econindex.automation import (
    AutomationResult,
    TaskMixAutomation,
    expected_automation,
    periods_frame,
    task_automation_rate,
)
from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError
from econindex.schema import PATTERNS, pattern_coords
from econindex.simulation import simulate

CLASSIFIED = ["directive", "feedback loop", "learning", "task iteration", "validation"]


# --------------------------------------------------------------------------- synthetic data, known truth


def make_ds(
    seed: int = 0,
    n_geo: int = 80,
    n_task: int = 60,
    beta: float = -3.0,
    confound: float = 0.0,
    noise: float = 1.0,
) -> tuple[xr.Dataset, dict[str, float]]:
    """Countries with counts; automation (pp) = 100 * E_g + beta * usage_index + noise.

    ``confound`` > 0 makes high-usage geos do more of the high-automation tasks,
    so an uncontrolled regression picks up the task mix.
    """
    rng = np.random.default_rng(seed)
    tasks = [f"task {i:03d}" for i in range(n_task)] + ["none", "not_classified"]
    geos = [f"G{i:02d}" for i in range(n_geo)]
    # global task x pattern mix; task 0 has no classified share (no rate)
    mix = rng.dirichlet(np.ones(len(PATTERNS)) * 2.0, size=len(tasks))
    mix[0, :5] = 0.0
    mix[0, 5:] = 0.5
    rate = mix[:, :2].sum(1) / np.where(mix[:, :5].sum(1) > 0, mix[:, :5].sum(1), np.nan)
    usage_index = rng.lognormal(0.0, 0.6, n_geo)
    # task mix tilted towards high-rate tasks in high-usage geos when confounded
    tilt = np.nan_to_num(rate - np.nanmean(rate))
    logits = rng.normal(0, 1, (n_geo, len(tasks))) + confound * np.outer(np.log(usage_index), tilt) * 4
    w = np.exp(logits)
    w /= w.sum(1, keepdims=True)
    total = rng.integers(5_000, 50_000, n_geo).astype(float)
    task_count = np.round(w * total[:, None])
    rated = ~np.isnan(rate) & np.array([t not in ("none", "not_classified") for t in tasks])
    ww = np.where(rated, task_count, 0.0)
    e_true = (ww * np.nan_to_num(rate)).sum(1) / ww.sum(1)
    auto_pp = 100 * e_true + beta * usage_index + rng.normal(0, noise, n_geo)
    a = np.clip(auto_pp / 100, 0.01, 0.99)
    classified_total = np.round(total * 0.8)
    pc = np.zeros((n_geo, len(PATTERNS)))
    pc[:, 0] = np.round(classified_total * a * 0.7)
    pc[:, 1] = np.round(classified_total * a) - pc[:, 0]
    aug = classified_total - pc[:, 0] - pc[:, 1]
    pc[:, 2] = np.round(aug * 0.3)
    pc[:, 3] = np.round(aug * 0.5)
    pc[:, 4] = aug - pc[:, 2] - pc[:, 3]
    pc[:, 5] = np.round(total * 0.15)
    pc[:, 6] = total - pc[:, :6].sum(1)
    pop = rng.uniform(1e6, 5e7, n_geo)
    soc = [("15" if i % 3 == 0 else "43" if i % 3 == 1 else "25") for i in range(n_task)] + [
        "none",
        "not_classified",
    ]
    ds = xr.Dataset(
        {
            "usage_count": ("geo", total),
            "working_age_pop": ("geo", pop),
            "usage_index": ("geo", usage_index),
            "task_count": (("geo", "task"), task_count),
            "pattern_count": (("geo", "pattern"), pc),
            "task_pattern_share": (("task", "pattern"), mix),
            "gdp_pc_log": ("geo", np.log(usage_index) + rng.normal(0, 0.3, n_geo)),
        },
        coords={
            "geo": geos,
            "geo_level": ("geo", ["country"] * n_geo),
            "geo_name": ("geo", [f"Country {g}" for g in geos]),
            "located": ("geo", [True] * n_geo),
            "task": tasks,
            "soc_major": ("task", soc),
            **pattern_coords(PATTERNS),
        },
    )
    truth = {"automation_slope": beta}
    ds.attrs["truth"] = json.dumps(truth)
    return ds, truth


def ds_to_rows(ds: xr.Dataset, level: str = "country") -> pd.DataFrame:
    """AEI long rows of a dataset (test stand-in for write_aei)."""
    rows = []
    share = ds["task_pattern_share"].to_pandas()
    for task in share.index:
        for pattern in share.columns:
            rows.append(
                (
                    "GLOBAL",
                    "global",
                    "onet_task::collaboration",
                    "onet_task_collaboration_pct",
                    f"{task}::{pattern}",
                    100 * share.loc[task, pattern],
                )
            )
    tc = ds["task_count"].to_pandas()
    for g in tc.index:
        for t in tc.columns:
            rows.append((g, level, "onet_task", "onet_task_count", t, tc.loc[g, t]))
    pc = ds["pattern_count"].to_pandas()
    for g in pc.index:
        for p in pc.columns:
            rows.append((g, level, "collaboration", "collaboration_count", p, pc.loc[g, p]))
        rows.append((g, level, level, "usage_per_capita_index", g, float(ds["usage_index"].sel(geo=g))))
    return pd.DataFrame(rows, columns=["geo_id", "geography", "facet", "variable", "cluster_name", "value"])


# --------------------------------------------------------------------------- step 1 and 2 by hand


def test_task_rate_by_hand() -> None:
    pats = [*CLASSIFIED, "none", "not_classified"]
    share = xr.DataArray(
        [
            [0.2, 0.1, 0.3, 0.2, 0.0, 0.1, 0.1],  # (0.3)/(0.8)
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.4],  # no classified share -> no rate
            [0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0],  # 0.5
            [0.1, 0.1, 0.1, 0.1, 0.1, 0.25, 0.25],  # not_classified task: left out
        ],
        dims=("task", "pattern"),
        coords={"task": ["a", "b", "c", "not_classified"], **pattern_coords(pats)},
    )
    rate = task_automation_rate(xr.Dataset({"task_pattern_share": share}))
    assert rate["task"].values.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(rate.values, [0.3 / 0.8, np.nan, 0.5], rtol=1e-14)


def test_task_rate_from_counts_matches_shares() -> None:
    ds, _ = make_ds(n_geo=10, n_task=12)
    counts = (
        (ds["task_pattern_share"] * 1000.0)
        .expand_dims(geo=["GLOBAL"])
        .assign_coords(geo_level=("geo", ["global"]))
    )
    alt = xr.Dataset({"task_pattern_count": counts})
    np.testing.assert_allclose(task_automation_rate(alt).values, task_automation_rate(ds).values, rtol=1e-12)


def test_expected_automation_by_hand() -> None:
    pats = CLASSIFIED
    share = xr.DataArray(
        [[0.6, 0.2, 0.2, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.1, 0.1, 0.2, 0.3, 0.3], [1, 0, 0, 0, 0]],
        dims=("task", "pattern"),
        coords={"task": ["a", "b", "c", "none"], **pattern_coords(pats)},
    )
    counts = xr.DataArray(
        [
            [10.0, 5.0, 30.0, 100.0],  # b has no rate, none excluded
            [np.nan, 7.0, np.nan, 3.0],  # only unrated tasks: uncovered
            [np.nan, np.nan, np.nan, np.nan],  # no task data
        ],
        dims=("geo", "task"),
        coords={"geo": ["X", "Y", "Z"], "task": ["a", "b", "c", "none"]},
    )
    e = expected_automation(xr.Dataset({"task_pattern_share": share, "task_count": counts}))
    want_x = (10 * 0.8 + 30 * 0.2) / 40
    np.testing.assert_allclose(e.values, [want_x, np.nan, np.nan], rtol=1e-14)


def test_expected_automation_vectorizes_over_period() -> None:
    ds, _ = make_ds(n_geo=6, n_task=10)
    two = xr.concat([ds, ds.assign(task_count=ds["task_count"] * 2 + 1)], dim="period")
    two = two.assign_coords(period=["2025-08-04", "2025-11-13"])
    e = expected_automation(two)
    assert set(e.dims) == {"geo", "period"}
    np.testing.assert_allclose(e.isel(period=0).values, expected_automation(ds).values, rtol=1e-12)


# --------------------------------------------------------------------------- plain reference


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_plain_loop(seed: int) -> None:
    ds, _ = make_ds(seed=seed, n_geo=40, n_task=30)
    res = TaskMixAutomation(expected_source="counts").fit(ds, level="country")
    ref = plain.plain_fit(ds_to_rows(ds))
    assert res.nobs == ref["nobs"]
    assert res.slope == pytest.approx(ref["slope"], abs=1e-8)
    assert res.partial_rsquared == pytest.approx(ref["partial_rsquared"], abs=1e-8)
    assert res.naive_se == pytest.approx(ref["naive_se"], abs=1e-8)
    assert res.n_tasks_rated == ref["n_tasks_rated"]


def test_equals_plain_loop_after_write_read(tmp_path) -> None:
    """Same input rows (written by write_aei): the estimator on read_aei's dataset equals the plain loops."""
    ds = simulate(seed=3, n_countries=40, n_tasks=120)
    path = tmp_path / "release.csv"
    ei.write_aei(ds, path)
    back = ei.read_aei(path)
    rows = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for level in ("country", "state_us"):
        res = TaskMixAutomation().fit(back, level=level)  # the release's sample rule by default
        ref = plain.plain_fit(rows, level=level, min_conversations=plain.MIN_CONVERSATIONS[level])
        assert res.nobs == ref["nobs"]
        assert res.slope == pytest.approx(ref["slope"], abs=1e-8)
        assert res.partial_rsquared == pytest.approx(ref["partial_rsquared"], abs=1e-8)
        assert res.naive_se == pytest.approx(ref["naive_se"], abs=1e-8)
        assert res.n_tasks_rated == ref["n_tasks_rated"]


# --------------------------------------------------------------------------- statsmodels reference


@pytest.mark.parametrize("cov_type", ["HC1", "HC0", "HC3", "nonrobust"])
def test_full_regression_matches_statsmodels(cov_type: str) -> None:
    ds, _ = make_ds(seed=5)
    res = TaskMixAutomation(cov_type=cov_type, expected_source="counts").fit(ds)
    t = res.table
    X = sm.add_constant(np.column_stack([t["usage"], t["expected"]]))
    ref = sm.OLS(t["actual"].to_numpy(), X).fit(cov_type=cov_type)
    assert res.slope == pytest.approx(float(ref.params[1]), rel=1e-10, abs=1e-12)
    assert res.se == pytest.approx(float(ref.bse[1]), rel=1e-10)
    # the naive residual-on-residual regression: same slope, different SE
    ry = sm.OLS(t["actual"].to_numpy(), sm.add_constant(t["expected"].to_numpy())).fit().resid
    rx = sm.OLS(t["usage"].to_numpy(), sm.add_constant(t["expected"].to_numpy())).fit().resid
    naive = sm.OLS(ry, sm.add_constant(rx)).fit()
    assert float(naive.params[1]) == pytest.approx(res.slope, rel=1e-10)
    assert res.naive_se == pytest.approx(float(naive.bse[1]), rel=1e-10)
    assert res.partial_rsquared == pytest.approx(float(naive.rsquared), rel=1e-10)


def test_nonrobust_naive_dof_relation() -> None:
    ds, _ = make_ds(seed=6, n_geo=30)
    res = TaskMixAutomation(cov_type="nonrobust", expected_source="counts").fit(ds)
    # same SSR, divided by n-2 (naive) vs n-3 (full): SE ratio sqrt((n-2)/(n-3))
    n = res.nobs
    assert res.se / res.naive_se == pytest.approx(np.sqrt((n - 2) / (n - 3)), rel=1e-10)


# --------------------------------------------------------------------------- real data


def test_real_countries_reproduce_report() -> None:
    ds = ei.datasets.load_country_automation_2025_08()
    res = TaskMixAutomation().fit(ds, level="country")
    assert res.nobs == 111
    assert round(res.slope, 3) == -3.112
    assert round(res.partial_rsquared, 3) == 0.394
    assert "published expected_automation" in res.sources["expected_automation"]
    assert "published usage_index" in res.sources["usage"]
    # robust interval wider than the naive residual-on-residual one
    lo, hi = res.ci()
    nlo, nhi = res.naive_ci()
    assert hi - lo > nhi - nlo
    assert res.width_ratio > 1.5
    assert "interval width, reported / naive" in res.summary()


@pytest.mark.realdata
def test_real_countries_from_shared_csv(shared_aei) -> None:
    df = pd.read_csv(shared_aei / "country_automation_2025-08.csv", keep_default_na=False, na_values=[""])
    y = df["automation_pct"].to_numpy()
    e = sm.add_constant(df["expected_automation_pct"].to_numpy())
    ry = sm.OLS(y, e).fit().resid
    rx = sm.OLS(df["usage_per_capita_index"].to_numpy(), e).fit().resid
    ref = sm.OLS(ry, sm.add_constant(rx)).fit()
    res = TaskMixAutomation().fit(ei.datasets.load_country_automation_2025_08(), level="country")
    assert res.slope == pytest.approx(float(ref.params[1]), rel=1e-9)
    assert res.partial_rsquared == pytest.approx(float(ref.rsquared), rel=1e-9)


def test_real_states_utah_flips_sign() -> None:
    ds = ei.datasets.load_us_states_2025_08()
    with_ut = TaskMixAutomation().fit(ds, level="state_us")
    clean = ds.sel(geo=~ds["abuse_flagged"].values)
    without = TaskMixAutomation().fit(clean, level="state_us")
    assert with_ut.nobs == 43 and without.nobs == 42
    assert with_ut.slope > 0 > without.slope
    assert "UT" in with_ut.table.index and "UT" not in without.table.index
    # the 8 states without automation figures are named, not lost
    assert len(with_ut.excluded) == 8 and "WY" in with_ut.excluded.index


def test_real_states_with_acs_controls() -> None:
    ds = ei.datasets.load_us_states_2025_08()
    res = TaskMixAutomation(controls=("pct_bachelors_plus",)).fit(ds, level="state_us")
    t = res.table
    X = sm.add_constant(np.column_stack([t["usage"], t["expected"], t["pct_bachelors_plus"]]))
    ref = sm.OLS(t["actual"].to_numpy(), X).fit(cov_type="HC1")
    assert res.slope == pytest.approx(float(ref.params[1]), rel=1e-10)
    assert res.se == pytest.approx(float(ref.bse[1]), rel=1e-10)


# --------------------------------------------------------------------------- known truth


def test_recovers_known_slope_within_interval() -> None:
    ds, truth = make_ds(seed=11, n_geo=150, beta=-3.0, noise=1.0)
    res = TaskMixAutomation(expected_source="counts").fit(ds)
    lo, hi = res.ci()
    assert lo <= truth["automation_slope"] <= hi


def test_control_removes_task_mix_bias() -> None:
    ds, _ = make_ds(seed=4, n_geo=200, beta=0.0, confound=1.0, noise=0.5)
    controlled = TaskMixAutomation(expected_source="counts").fit(ds)
    uncontrolled = TaskMixAutomation(task_control="none").fit(ds)
    lo, hi = controlled.ci()
    assert lo <= 0.0 <= hi
    ulo, _ = uncontrolled.ci()
    assert ulo > 0.0  # biased upwards: high-usage geos do high-automation tasks


@pytest.mark.parametrize("seed", [0, 1])
def test_simulate_truth_recovered(seed: int) -> None:
    ds = simulate(seed=seed, n_tasks=300)
    truth = json.loads(ds.attrs["truth"])
    res = TaskMixAutomation().fit(ds, level="country")
    assert res.sources["expected_automation"].startswith("task mix")
    assert res.sources["usage"].startswith("econindex.usage_index")
    lo, hi = res.ci()
    # truth is a share per unit of the index; the slope is in percentage points
    assert lo <= 100 * truth["automation_slope"] <= hi
    assert res.nobs == truth.get("n_countries", res.nobs)


def test_simulate_control_matters() -> None:
    """No true usage effect, task mix shifting with income: only the controlled slope is unbiased."""
    ds = simulate(seed=0, n_tasks=300, automation_slope=0.0, task_mix_income_shift=1.0)
    controlled = TaskMixAutomation().fit(ds, level="country")
    uncontrolled = TaskMixAutomation(task_control="none").fit(ds, level="country")
    lo, hi = controlled.ci()
    assert lo <= 0.0 <= hi
    _, uhi = uncontrolled.ci()
    assert uhi < 0.0


# --------------------------------------------------------------------------- options and bookkeeping


def test_uncovered_geo_raises_or_is_recorded() -> None:
    ds, _ = make_ds(seed=2, n_geo=20, n_task=10)
    tc = ds["task_count"].copy()
    rated = task_automation_rate(ds).notnull().reindex(task=ds["task"]).fillna(False)
    tc.loc[{"geo": "G03"}] = xr.where(rated, 0.0, 5.0).values
    bad = ds.assign(task_count=tc)
    with pytest.raises(DataValueError, match="G03"):
        TaskMixAutomation(expected_source="counts").fit(bad)
    res = TaskMixAutomation(expected_source="counts", on_uncovered="record").fit(bad)
    assert res.nobs == 19 and "cover no task" in str(res.excluded.loc["G03", "reason"])


def test_missing_data_geos_are_named() -> None:
    ds, _ = make_ds(seed=2, n_geo=20, n_task=10)
    tc = ds["task_count"].copy()
    tc.loc[{"geo": "G01"}] = np.nan
    pc = ds["pattern_count"].copy()
    pc.loc[{"geo": "G02"}] = np.nan
    res = TaskMixAutomation(expected_source="counts").fit(ds.assign(task_count=tc, pattern_count=pc))
    assert res.nobs == 18
    assert res.excluded.loc["G01", "reason"] == "no task data"
    assert res.excluded.loc["G02", "reason"] == "no automation data"


def test_min_count_excludes_and_names() -> None:
    ds, _ = make_ds(seed=2, n_geo=20)
    cut = float(np.sort(ds["usage_count"].values)[3])
    res = TaskMixAutomation(min_count=cut, expected_source="counts").fit(ds)
    assert res.nobs == 17
    assert all("min_count" in r for r in res.excluded["reason"])


def test_log_index_and_base_all() -> None:
    ds, _ = make_ds(seed=8)
    res = TaskMixAutomation(usage="log_index", base="all", expected_source="counts").fit(ds)
    pc = ds["pattern_count"]
    auto = pc.sel(pattern=["directive", "feedback loop"]).sum("pattern")
    actual_all = (100 * auto / pc.sum("pattern")).to_pandas()
    np.testing.assert_allclose(res.table["actual"], actual_all.loc[res.table.index], rtol=1e-12)
    np.testing.assert_allclose(res.table["usage"], np.log(ds["usage_index"].to_pandas().loc[res.table.index]))
    assert res.term == "log_usage_index"


def test_soc_major_control_matches_statsmodels() -> None:
    ds, _ = make_ds(seed=9)
    res = TaskMixAutomation(task_control="soc_major").fit(ds)
    w = ds["task_count"].drop_sel(task=["none", "not_classified"])
    by = w.groupby("soc_major").sum("task")
    shares = pd.DataFrame((by / by.sum("soc_major")).transpose("geo", "soc_major").to_pandas())
    ref_group = shares.mean().idxmax()
    Z = shares.drop(columns=ref_group)
    X = sm.add_constant(np.column_stack([ds["usage_index"].values, Z.to_numpy()]))
    y = res.table["actual"].to_numpy()
    ref = sm.OLS(y, X).fit(cov_type="HC1")
    assert res.slope == pytest.approx(float(ref.params[1]), rel=1e-10)
    assert res.se == pytest.approx(float(ref.bse[1]), rel=1e-10)
    assert [n for n in res.params.index if n.startswith("soc_")] == [f"soc_{c}" for c in Z.columns]


def test_published_base_mismatch_raises() -> None:
    ds = ei.datasets.load_country_automation_2025_08()
    with pytest.raises(OptionError, match="classified"):
        TaskMixAutomation(base="all").fit(ds)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"usage": "levels"},
        {"base": "some"},
        {"cov_type": "HC9"},
        {"task_control": "x"},
        {"on_uncovered": "ignore"},
        {"min_count": -1},
        {"alpha": 1.5},
        {"cov_type": "cluster"},
    ],
)
def test_bad_options(kwargs: dict) -> None:
    with pytest.raises(OptionError):
        TaskMixAutomation(**kwargs)


def test_missing_variables_raise_schema_errors() -> None:
    ds, _ = make_ds(n_geo=10, n_task=5)
    with pytest.raises(SchemaError, match="task_pattern_share"):
        TaskMixAutomation(expected_source="counts").fit(ds.drop_vars("task_pattern_share"))
    with pytest.raises(SchemaError, match="not a variable"):
        TaskMixAutomation(controls=("nope",), expected_source="counts").fit(ds)


def test_too_few_geos() -> None:
    ds, _ = make_ds(n_geo=3, n_task=5)
    with pytest.raises(EstimationError):
        TaskMixAutomation(expected_source="counts").fit(ds)


def test_periods_and_platforms() -> None:
    a, _ = make_ds(seed=1, beta=-3.0)
    b, _ = make_ds(seed=2, beta=1.0)
    panel = xr.concat([a, b], dim="period", data_vars="all")
    panel = panel.assign_coords(period=["2025-08-04", "2026-01-15"])
    with pytest.raises(OptionError, match="fit_periods"):
        TaskMixAutomation(expected_source="counts").fit(panel)
    results = TaskMixAutomation(expected_source="counts").fit_periods(panel)
    frame = periods_frame(results)
    assert frame["period"].tolist() == ["2025-08-04", "2026-01-15"]
    single_a = TaskMixAutomation(expected_source="counts").fit(a)
    assert frame["slope"].iloc[0] == pytest.approx(single_a.slope, rel=1e-12)
    assert frame["slope"].iloc[0] < 0 < frame["slope"].iloc[1]
    plat = xr.concat([a, b], dim="platform", data_vars="all").assign_coords(platform=["claude_ai", "api"])
    api = TaskMixAutomation(expected_source="counts").fit(plat, platform="api")
    assert api.platform == "api"
    assert api.slope == pytest.approx(TaskMixAutomation(expected_source="counts").fit(b).slope, rel=1e-12)


def test_exports_agree() -> None:
    ds, _ = make_ds(seed=3)
    res = TaskMixAutomation(expected_source="counts").fit(ds)
    assert isinstance(res, AutomationResult)
    frame = res.to_frame()
    assert frame.columns.tolist() == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_lower",
        "ci_upper",
    ]
    row = frame.set_index("term").loc["usage_index"]
    assert row["estimate"] == pytest.approx(res.slope, rel=1e-10)
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(res.ci())
    xd = res.to_xarray()
    assert float(xd["usage_index"].sel(stat="std_error")) == pytest.approx(res.se, rel=1e-12)
    assert xd.attrs["nobs"] == res.nobs and xd.sizes["geo"] == res.nobs
    np.testing.assert_allclose(xd["resid_usage"].values, res.table["resid_usage"].to_numpy())
    with pytest.raises(AttributeError):
        res.slope = 0.0  # type: ignore[misc]
    h3 = res.with_cov("HC3")
    assert h3.slope == res.slope and h3.cov_type == "HC3" and h3.se != res.se
    assert h3.se == pytest.approx(TaskMixAutomation(cov_type="HC3", expected_source="counts").fit(ds).se)
    table = ei.compare([res, h3], names=["HC1", "HC3"])
    assert table.frame.loc["N"].tolist() == [str(res.nobs)] * 2
    assert "usage_index" in res.to_markdown()


def test_plot_smoke() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ds = ei.datasets.load_country_automation_2025_08()
    res = TaskMixAutomation().fit(ds)
    ax = res.plot(label_extremes=4)
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) == 4
    big = res.table["resid_usage"].abs().idxmax()
    assert big in labels


def test_expected_level_uses_global_task_pattern_counts() -> None:
    ds = simulate(seed=2, n_countries=30, n_tasks=100, task_pattern_count=True)
    # the GLOBAL geo's task x pattern counts give the same rates as the global shares
    counts_only = ds.drop_vars("task_pattern_share")
    e_counts = expected_automation(counts_only, level="country")
    e_shares = expected_automation(ds, level="country")
    np.testing.assert_allclose(e_counts.values, e_shares.values, rtol=1e-10)
    assert e_counts.sizes["geo"] == 30


@given(
    w=hnp.arrays(
        np.float64, (4, 6), elements=st.one_of(st.just(np.nan), st.floats(0, 1e4, allow_subnormal=False))
    ),
    r=hnp.arrays(np.float64, 6, elements=st.one_of(st.just(np.nan), st.floats(0, 1))),
)
@settings(max_examples=60, deadline=None)
def test_expected_matches_loop_and_is_a_mean(w: np.ndarray, r: np.ndarray) -> None:
    tasks = [f"t{i}" for i in range(6)]
    rate = xr.DataArray(r, dims="task", coords={"task": tasks})
    counts = xr.DataArray(w, dims=("geo", "task"), coords={"geo": list("ABCD"), "task": tasks})
    got = expected_automation(xr.Dataset({"task_count": counts}), rate=rate).values
    for g in range(4):
        num = den = 0.0
        for t in range(6):
            if np.isnan(r[t]) or np.isnan(w[g, t]):
                continue
            num += w[g, t] * r[t]
            den += w[g, t]
        if den > 0:
            assert got[g] == pytest.approx(num / den, rel=1e-9, abs=1e-12)
            used = r[~np.isnan(r) & ~np.isnan(w[g]) & (np.nan_to_num(w[g]) > 0)]
            assert used.min() - 1e-12 <= got[g] <= used.max() + 1e-12
        else:
            assert np.isnan(got[g])


def test_simulated_periods_and_platforms() -> None:
    ds = simulate(seed=1, n_countries=60, n_tasks=150, n_periods=2, platforms=("claude_ai", "api"))
    results = TaskMixAutomation().fit_periods(ds, level="country", platform="claude_ai")
    frame = periods_frame(results)
    assert len(frame) == 2 and (frame["nobs"] == 60).all()
    first = TaskMixAutomation().fit(ds.isel(period=0), level="country", platform="claude_ai")
    assert frame["slope"].iloc[0] == pytest.approx(first.slope, rel=1e-12)
    # the API has data for GLOBAL only: no country can enter, and the error names the reasons
    with pytest.raises(EstimationError, match="no automation data"):
        TaskMixAutomation().fit(ds, level="country", platform="api", period=str(ds["period"].values[0]))


def test_cluster_covariance_matches_statsmodels() -> None:
    ds = ei.datasets.load_us_states_2025_08()
    res = TaskMixAutomation(cov_type="cluster", cluster="census_division").fit(ds, level="state_us")
    t = res.table
    division = pd.Series(ds["census_division"].values, index=ds["geo"].values)
    groups = pd.factorize(division.loc[t.index].to_numpy())[0]
    X = sm.add_constant(np.column_stack([t["usage"], t["expected"]]))
    ref = sm.OLS(t["actual"].to_numpy(), X).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert res.se == pytest.approx(float(ref.bse[1]), rel=1e-10)
    with pytest.raises(SchemaError, match="nope"):
        TaskMixAutomation(cov_type="cluster", cluster="nope").fit(ds, level="state_us")


@pytest.mark.parametrize("base", ["classified", "all"])
def test_actual_share_agrees_with_indices(base: Literal["classified", "all"]) -> None:
    from econindex.indices import automation_share

    ds = simulate(seed=4, n_countries=30, n_tasks=80)
    res = TaskMixAutomation(base=base).fit(ds, level="state_us")
    ref = automation_share(ds, base=base, level="state_us").to_pandas()
    np.testing.assert_allclose(res.table["actual"] / 100, ref.loc[res.table.index], rtol=1e-12)


def test_public_names() -> None:
    assert ei.TaskMixAutomation is TaskMixAutomation
    assert ei.AutomationResult is AutomationResult
    assert ei.expected_automation is expected_automation
    assert ei.task_automation_rate is task_automation_rate


def test_real_usage_table_names_the_countries_without_automation() -> None:
    # the 114-country usage table: 4 countries lack automation figures, and Palestine (in the
    # automation table) is not among its rows, so 110 enter and the 4 are named
    res = TaskMixAutomation().fit(ei.datasets.load_countries_2025_08(), level="country")
    assert res.nobs == 110
    assert sorted(res.excluded.index) == ["BHR", "LUX", "MLT", "PRI"]
    assert set(res.excluded["reason"]) == {"no automation data; no expected automation"}
