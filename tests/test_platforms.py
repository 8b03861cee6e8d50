"""Tests of econindex.platforms: compare_shares and CostUsage.

References: hand computation, statsmodels (two-proportion intervals and
tests, multiple-testing, WLS), scipy (chi-square), and simulation with known
truth (coverage, null rejection rates).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

import econindex as ei
from econindex._kernels.proportions import wilson_interval
from econindex.errors import (
    DataValueError,
    EconIndexError,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)
from econindex.geography import geo_coords
from econindex.platforms import (
    IDENTIFICATION_NOTE,
    CostUsage,
    ShareComparison,
    compare_shares,
)
from econindex.platforms._inference import _adjust, _delta_diff, _delta_ratio, _homogeneity, _ztest
from econindex.schema import pattern_coords

TASKS = ["write code", "debug code", "teach math", "grade essays", "draw logos", "none", "not_classified"]
SOC = ["15", "15", "25", "25", "27", "none", "not_classified"]
PATTERNS = [
    "directive",
    "feedback loop",
    "learning",
    "task iteration",
    "validation",
    "none",
    "not_classified",
]


def make_ds(
    task: np.ndarray,
    *,
    dim: str = "platform",
    labels: tuple[str, ...] = ("claude_ai", "api"),
    pattern: np.ndarray | None = None,
    cost: np.ndarray | None = None,
) -> xr.Dataset:
    """GLOBAL-only dataset: ``task`` is (n_tasks, n_levels) counts along ``dim``."""
    coords = {
        **geo_coords(["GLOBAL"], ["global"]),
        "task": TASKS,
        "soc_major": ("task", SOC),
        dim: list(labels),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "task_count": (("geo", "task", dim), np.asarray(task, dtype=float)[None])
    }
    if pattern is not None:
        coords.update(pattern_coords(PATTERNS))
        data["pattern_count"] = (("geo", "pattern", dim), np.asarray(pattern, dtype=float)[None])
    if cost is not None:
        data["cost_index"] = (("task",), np.asarray(cost, dtype=float))
    if dim == "period":
        coords["date_start"] = ("period", list(labels))
    return xr.Dataset(data, coords=coords)


TASK_COUNTS = np.array([[300, 440], [60, 40], [90, 30], [30, 10], [80, 50], [40, 60], [400, 370]])
PATTERN_COUNTS = np.array([[270, 600], [60, 170], [200, 50], [250, 40], [50, 30], [100, 60], [70, 50]])


@pytest.fixture
def ds() -> xr.Dataset:
    return make_ds(TASK_COUNTS, pattern=PATTERN_COUNTS)


# --------------------------------------------------------------------------- hand computation
def test_soc_major_shares_match_hand_computation(ds: xr.Dataset) -> None:
    res = compare_shares(ds, dim="platform", over="soc_major", exclude=("none", "not_classified"))
    assert isinstance(res, ShareComparison)
    assert (res.a, res.b) == ("claude_ai", "api")
    t = res.to_frame().set_index("category")
    # by hand: 15 = tasks 0+1, 25 = tasks 2+3, 27 = task 4
    ca = np.array([300 + 60, 90 + 30, 80.0])
    cb = np.array([440 + 40, 30 + 10, 50.0])
    assert list(t.index) == ["15", "25", "27"]
    np.testing.assert_allclose(t["count_a"], ca)
    np.testing.assert_allclose(t["share_a"], ca / ca.sum(), rtol=1e-12)
    np.testing.assert_allclose(t["share_b"], cb / cb.sum(), rtol=1e-12)
    np.testing.assert_allclose(t["diff"], cb / cb.sum() - ca / ca.sum(), rtol=1e-12)
    np.testing.assert_allclose(t["ratio"], (cb / cb.sum()) / (ca / ca.sum()), rtol=1e-12)
    assert res.n_a == ca.sum() and res.n_b == cb.sum()
    # chi-square and G by hand
    obs = np.vstack([ca, cb])
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / obs.sum()
    chi2 = ((obs - exp) ** 2 / exp).sum()
    g = 2 * (obs * np.log(obs / exp)).sum()
    assert res.chi2 == pytest.approx(chi2, rel=1e-10)
    assert res.gtest == pytest.approx(g, rel=1e-10)
    assert res.df == 2
    x = res.to_xarray()
    np.testing.assert_allclose(x["diff"].values, t["diff"].to_numpy())
    assert x.attrs["a"] == "claude_ai" and x.attrs["chi2"] == res.chi2
    assert res.to_frame().attrs["dim"] == "platform"
    assert res.chi2_pvalue == pytest.approx(stats.chi2.sf(chi2, 2), rel=1e-10)


def test_intervals_match_statsmodels(ds: xr.Dataset) -> None:
    res = compare_shares(ds, dim="platform", over="pattern", alpha=0.1)
    t = res.to_frame()
    na, nb = PATTERN_COUNTS.sum(0)
    for i, row in enumerate(t.itertuples(index=False)):
        ca, cb = PATTERN_COUNTS[i]
        lo, hi = confint_proportions_2indep(cb, nb, ca, na, method="wald", compare="diff", alpha=0.1)
        assert (row.diff_lower, row.diff_upper) == pytest.approx((lo, hi), rel=1e-9, abs=1e-12)
        lo, hi = confint_proportions_2indep(cb, nb, ca, na, method="log", compare="ratio", alpha=0.1)
        assert (row.ratio_lower, row.ratio_upper) == pytest.approx((lo, hi), rel=1e-9)
        lo, hi = proportion_confint(ca, na, alpha=0.1, method="wilson")
        assert (row.share_a_lower, row.share_a_upper) == pytest.approx((lo, hi), rel=1e-9)
        z, p = proportions_ztest([cb, ca], [nb, na])
        assert row.statistic == pytest.approx(z, rel=1e-9)
        assert row.p_value == pytest.approx(p, rel=1e-8)


def test_adjusted_pvalues_holm_and_bh_by_hand(ds: xr.Dataset) -> None:
    t = compare_shares(ds, dim="platform", over="task").to_frame()
    p = t["p_value"].to_numpy()
    m = p.size
    order = np.argsort(p)
    holm = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    bh = np.minimum(1, np.minimum.accumulate(m / np.arange(m, 0, -1) * p[order][::-1])[::-1])
    expect_holm, expect_bh = np.empty(m), np.empty(m)
    expect_holm[order], expect_bh[order] = holm, bh
    np.testing.assert_allclose(t["p_holm"], expect_holm, rtol=1e-10)
    np.testing.assert_allclose(t["p_bh"], expect_bh, rtol=1e-10)
    from statsmodels.stats.multitest import multipletests

    np.testing.assert_allclose(t["p_holm"], multipletests(p, method="holm")[1], rtol=1e-12)
    np.testing.assert_allclose(t["p_bh"], multipletests(p, method="fdr_bh")[1], rtol=1e-12)


def test_mode_sums_patterns_by_mode(ds: xr.Dataset) -> None:
    t = compare_shares(ds, over="mode").to_frame().set_index("category")
    auto_b = PATTERN_COUNTS[:2, 1].sum() / PATTERN_COUNTS[:, 1].sum()
    assert t.loc["automation", "share_b"] == pytest.approx(auto_b)
    assert set(t.index) == {"automation", "augmentation", "unclassified"}


# --------------------------------------------------------------------------- self comparison, one side
def test_self_comparison_zero_difference_and_unit_pvalues(ds: xr.Dataset) -> None:
    one = ds.sel(platform=["claude_ai"])
    twin = xr.concat([one, one.assign_coords(platform=["copy"])], dim="platform")
    for over in ("soc_major", "task", "pattern"):
        res = compare_shares(twin, over=over, a="claude_ai", b="copy")
        t = res.to_frame()
        np.testing.assert_array_equal(t["diff"], 0.0)
        np.testing.assert_allclose(t["ratio"], 1.0)
        np.testing.assert_array_equal(t[["p_value", "p_holm", "p_bh"]].to_numpy(), 1.0)
        assert res.chi2 == 0 and res.gtest == pytest.approx(0, abs=1e-12)
        assert res.chi2_pvalue == 1 and res.gtest_pvalue == pytest.approx(1)
    # and a == b on the same dataset
    res = compare_shares(ds, over="task", a="api", b="api")
    assert (res.table["diff"] == 0).all() and (res.table["p_value"] == 1).all()


def test_category_on_one_side_only_is_reported(ds: xr.Dataset) -> None:
    counts = TASK_COUNTS.astype(float).copy()
    counts[4, 0] = 0.0  # draw logos: API only
    counts[2, 1] = np.nan  # teach math: missing on the API
    d = make_ds(counts)
    res = compare_shares(d, over="task")
    t = res.to_frame().set_index("category")
    assert len(t) == len(TASKS)
    assert not t.loc["draw logos", "present_a"] and t.loc["draw logos", "present_b"]
    logos = t.index.get_loc("draw logos")
    assert t.loc["draw logos", "share_a"] == 0 and np.isinf(t["ratio"].to_numpy()[logos])
    assert not t.loc["teach math", "present_b"] and t.loc["teach math", "share_b"] == 0
    assert np.isfinite(t["diff_lower"].to_numpy()[logos])
    assert any("one side only" in n for n in res.notes)
    # drop: the category leaves both sides and is listed
    res = compare_shares(d, over="task", missing="drop")
    assert "teach math" not in set(res.table["category"]) and res.dropped == ("teach math",)
    with pytest.raises(DataValueError, match="teach math"):
        compare_shares(d, over="task", missing="raise")


def test_category_zero_on_both_sides_is_reported_outside_the_tests() -> None:
    counts = TASK_COUNTS.astype(float).copy()
    counts[3] = 0.0
    res = compare_shares(make_ds(counts), over="task")
    row = res.table.set_index("category").loc["grade essays"]
    assert row["share_a"] == 0 and row["diff"] == 0 and np.isnan(row["p_holm"])
    assert res.df == len(TASKS) - 2


# --------------------------------------------------------------------------- simulation
def _sim_ds(rng: np.random.Generator, pa: np.ndarray, pb: np.ndarray, na: int, nb: int) -> xr.Dataset:
    counts = np.column_stack([rng.multinomial(na, pa), rng.multinomial(nb, pb)])
    return make_ds(counts)


PA = np.array([0.30, 0.10, 0.12, 0.08, 0.05, 0.05, 0.30])
PB = np.array([0.40, 0.05, 0.04, 0.02, 0.05, 0.09, 0.35])


def test_delta_intervals_cover_true_differences() -> None:
    # the interval kernels, vectorized over 4000 simulated pairs of multinomial samples
    rng = np.random.default_rng(11)
    R, na, nb = 4000, 2000, 1500
    ca, cb = rng.multinomial(na, PA, size=R).astype(float), rng.multinomial(nb, PB, size=R).astype(float)
    z = stats.norm.ppf(0.975)
    _, lo, hi = _delta_diff(ca, na, cb, nb, z)
    cov_d = ((lo <= PB - PA) & (PB - PA <= hi)).mean(axis=0)
    _, lo, hi = _delta_ratio(ca, na, cb, nb, z)
    cov_r = ((lo <= PB / PA) & (PB / PA <= hi)).mean(axis=0)
    lo, hi = wilson_interval(ca, na, z)
    cov_s = ((lo <= PA) & (PA <= hi)).mean(axis=0)
    # sd of a 95% coverage estimate over 4000 draws is 0.0034
    for cov in (cov_d, cov_r, cov_s):
        assert np.all(np.abs(cov - 0.95) < 0.015), cov
    # end to end through the dataset, fewer draws
    reps = 60
    hit = np.zeros(len(TASKS))
    base = make_ds(TASK_COUNTS)
    for _ in range(reps):
        counts = np.column_stack([rng.multinomial(na, PA), rng.multinomial(nb, PB)])
        t = compare_shares(base.copy(data={"task_count": counts[None].astype(float)}), over="task").table
        hit += (t["diff_lower"] <= PB - PA) & (PB - PA <= t["diff_upper"])
    assert 0.9 <= hit.sum() / (reps * len(TASKS)) <= 0.99


def test_bootstrap_intervals_cover_and_agree_with_delta() -> None:
    rng = np.random.default_rng(5)
    reps = 60
    hit = np.zeros(len(TASKS))
    base = make_ds(TASK_COUNTS)
    for i in range(reps):
        counts = np.column_stack([rng.multinomial(3000, PA), rng.multinomial(2000, PB)]).astype(float)
        d = base.copy(data={"task_count": counts[None]})
        boot = compare_shares(d, over="task", method="bootstrap", n_boot=800, seed=i).table
        hit += (boot["diff_lower"] <= PB - PA) & (PB - PA <= boot["diff_upper"])
    assert np.all(hit / reps >= 0.85), hit / reps
    # on one large sample the two methods give nearly the same diff intervals
    d = _sim_ds(rng, PA, PB, 20000, 20000)
    delta = compare_shares(d, over="task").table
    boot = compare_shares(d, over="task", method="bootstrap", n_boot=4000, seed=1).table
    width = delta["diff_upper"] - delta["diff_lower"]
    np.testing.assert_allclose(boot["diff_lower"], delta["diff_lower"], atol=0.08 * width.max())
    np.testing.assert_allclose(boot["diff_upper"], delta["diff_upper"], atol=0.08 * width.max())


def test_bootstrap_is_reproducible_with_seed(ds: xr.Dataset) -> None:
    r1 = compare_shares(ds, over="pattern", method="bootstrap", n_boot=500, seed=3).table
    r2 = compare_shares(ds, over="pattern", method="bootstrap", n_boot=500, seed=3).table
    pd.testing.assert_frame_equal(r1, r2)


def test_null_rejection_rates_are_nominal() -> None:
    rng = np.random.default_rng(2024)
    R, na, nb = 4000, 1500, 1000
    ca, cb = rng.multinomial(na, PA, size=R).astype(float), rng.multinomial(nb, PA, size=R).astype(float)
    # per-category z tests, vectorized over draws
    _, p = _ztest(ca, na, cb, nb)
    assert np.all(np.abs((p < 0.05).mean(axis=0) - 0.05) < 0.015)
    reps = 400
    chi = np.array([_homogeneity(np.vstack([ca[r], cb[r]]))[1] for r in range(reps)])
    g = np.array([_homogeneity(np.vstack([ca[r], cb[r]]))[3] for r in range(reps)])
    holm_any = np.array([(_adjust(p[r], "holm") < 0.05).any() for r in range(reps)])
    bh_any = np.array([(_adjust(p[r], "fdr_bh") < 0.05).any() for r in range(reps)])
    # sd of a 5% rate over 400 draws is 0.011
    assert 0.025 <= (chi < 0.05).mean() <= 0.08
    assert 0.025 <= (g < 0.05).mean() <= 0.08
    # Holm controls the family-wise error rate at 5%; under the global null so does BH
    assert (holm_any).mean() <= 0.075 and (bh_any).mean() <= 0.075
    # end to end: the public function agrees with the kernels on a few draws
    base = make_ds(TASK_COUNTS)
    for r in range(5):
        counts = np.column_stack([ca[r], cb[r]])
        res = compare_shares(base.copy(data={"task_count": counts[None]}), over="task")
        np.testing.assert_allclose(res.table["p_value"], p[r], rtol=1e-12)
        assert res.chi2_pvalue == pytest.approx(chi[r], rel=1e-12)


# --------------------------------------------------------------------------- periods and trends
def test_period_trend_table() -> None:
    counts = np.array(
        [[100, 120, 150], [50, 60, 40], [30, 30, 45], [20, 10, 5], [0, 10, 20], [5, 5, 5], [40, 40, 40]],
        dtype=float,
    )
    labels = ("2025-08-04", "2025-01-15", "2025-03-27")  # deliberately unsorted
    d = make_ds(counts, dim="period", labels=labels)
    res = compare_shares(d, dim="period", over="task")
    assert (res.a, res.b) == ("2025-01-15", "2025-08-04")  # earliest vs latest
    tr = res.trend
    assert list(dict.fromkeys(tr["period"])) == sorted(labels)
    ordered = counts[:, [1, 2, 0]]
    share = ordered / ordered.sum(0)
    got = tr.pivot(index="category", columns="period", values="share").loc[TASKS, sorted(labels)]
    np.testing.assert_allclose(got.to_numpy(), share, rtol=1e-12)
    change = tr.pivot(index="category", columns="period", values="change").loc[TASKS, sorted(labels)]
    np.testing.assert_allclose(change.to_numpy()[:, 1:], np.diff(share, axis=1), rtol=1e-12)
    assert change.iloc[:, 0].isna().all()
    ref = stats.chi2_contingency(ordered, correction=False)
    assert res.trend_chi2 == pytest.approx(ref.statistic) and res.trend_df == ref.dof
    # the pairwise comparison of consecutive periods reproduces the trend's change interval
    pair = compare_shares(d, dim="period", over="task", a="2025-01-15", b="2025-03-27").table
    row = tr[(tr["period"] == "2025-03-27")].set_index("category").loc[TASKS]
    np.testing.assert_allclose(row["change_lower"], pair["diff_lower"], rtol=1e-12)
    np.testing.assert_allclose(row["change_p_value"], pair["p_value"], rtol=1e-12)


def test_platform_comparison_in_a_panel_needs_sel() -> None:
    base = make_ds(TASK_COUNTS)
    panel = xr.concat([base, base.assign(task_count=base.task_count * 2)], dim="period")
    panel = panel.assign_coords(period=["2025-01-15", "2025-08-04"])
    with pytest.raises(SchemaError, match="period"):
        compare_shares(panel, dim="platform", over="task")
    res = compare_shares(panel, dim="platform", over="task", sel={"period": "2025-08-04"})
    assert res.n_a == 2 * TASK_COUNTS[:, 0].sum()


def test_published_shares_without_counts() -> None:
    shares = TASK_COUNTS / TASK_COUNTS.sum(0)
    d = make_ds(shares).rename({"task_count": "task_share_published"})
    with pytest.warns(UserWarning, match="published"):
        res = compare_shares(d, over="task")
    assert res.published and res.table["diff_lower"].isna().all() and np.isnan(res.chi2)
    np.testing.assert_allclose(res.table["diff"], shares[:, 1] - shares[:, 0], rtol=1e-12)
    # with an explicit n the intervals are those of the counts share * n
    n = {"claude_ai": 1000.0, "api": 1000.0}
    res_n = compare_shares(d, over="task", n=n)
    ref = compare_shares(make_ds(shares * 1000.0), over="task")
    np.testing.assert_allclose(res_n.table["diff_lower"], ref.table["diff_lower"], rtol=1e-10)
    with pytest.raises(OptionError, match="n="):
        compare_shares(make_ds(TASK_COUNTS), over="task", n=100.0)


# --------------------------------------------------------------------------- bad input
def test_bad_input_raises_named_errors(ds: xr.Dataset) -> None:
    with pytest.raises(EstimationError, match="only one platform"):
        compare_shares(ds.sel(platform=["api"]), over="task")
    with pytest.raises(SchemaError, match="'period'"):
        compare_shares(ds, dim="period")
    one_period = make_ds(TASK_COUNTS[:, :1], dim="period", labels=("2025-08-04",))
    with pytest.raises(EstimationError, match="only one period"):
        compare_shares(one_period, dim="period")
    zero = make_ds(np.column_stack([TASK_COUNTS[:, 0], np.zeros(len(TASKS))]))
    with pytest.raises(DataValueError, match="api"):
        compare_shares(zero, over="task")
    with pytest.raises(OptionError, match="over"):
        compare_shares(ds, over="occupation")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="bogus"):
        compare_shares(ds, over="task", exclude=("bogus",))
    # the special clusters may be absent from a release: excluding them is not an error
    no_special = ds.sel(task=TASKS[:5])
    assert len(compare_shares(no_special, over="task", exclude=("none", "not_classified")).table) == 5
    with pytest.raises(OptionError, match="b='web'"):
        compare_shares(ds, over="task", b="web")
    with pytest.raises(SchemaError, match="request_count"):
        compare_shares(ds, over="request")
    with pytest.raises(SchemaError, match="USA"):
        compare_shares(ds, geo="USA")
    with pytest.raises(OptionError, match="n_boot"):
        compare_shares(ds, method="bootstrap", n_boot=10)
    with pytest.raises(OptionError, match="a= and b="):
        compare_shares(ds, sel={"platform": "api"})
    assert issubclass(OptionError, EconIndexError)


def test_request_level_and_geo_level() -> None:
    reqs = ["code", "code/web", "code/data", "writing", "writing/essay"]
    counts = np.array(
        [[[50, 80], [30, 60], [20, 20], [40, 10], [40, 10]], [[10, 0], [5, 0], [5, 0], [20, 0], [20, 0]]],
        dtype=float,
    )
    d = xr.Dataset(
        {"request_count": (("geo", "request", "platform"), counts)},
        coords={
            **geo_coords(["USA", "DEU"], ["country", "country"]),
            "request": reqs,
            "request_level": ("request", [1, 0, 0, 1, 0]),
            "parent_request": ("request", ["", "code", "code", "", "writing"]),
            "platform": ["claude_ai", "api"],
        },
    )
    res = compare_shares(d, over="request", level="country")
    t = res.table.set_index("category")
    assert list(t.index) == ["code", "writing"]
    assert t.loc["code", "count_a"] == 60 and t.loc["writing", "count_b"] == 10
    fine = compare_shares(d, over="request", geo="USA", request_level=0).table
    assert list(fine["category"]) == ["code/web", "code/data", "writing/essay"]


# --------------------------------------------------------------------------- plots
def test_plots_draw(ds: xr.Dataset) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = compare_shares(ds, over="soc_major")
    ax = res.plot()
    assert len(ax.get_yticklabels()) == len(res.table)
    trend = compare_shares(
        make_ds(TASK_COUNTS, dim="period", labels=("2025-01-15", "2025-08-04")), dim="period", over="task"
    )
    assert trend.plot_trend().get_xlabel() == "period"
    assert "Share comparison" in res.summary()
    plt.close("all")


# --------------------------------------------------------------------------- CostUsage
def cost_ds(
    rng: np.random.Generator, n_tasks: int = 60, slope: float = 0.6, sigma: float = 0.3, n_soc: int = 12
) -> tuple[xr.Dataset, float]:
    tasks = [f"task {i}" for i in range(n_tasks)] + ["none", "not_classified"]
    soc = [f"{11 + 2 * (i % n_soc)}" for i in range(n_tasks)] + ["none", "not_classified"]
    cost = np.exp(rng.normal(0, 0.6, n_tasks))
    mu = np.exp(2.0 + slope * np.log(cost) + rng.normal(0, sigma, n_tasks))
    mu = 200_000 * mu / mu.sum()
    counts = np.concatenate([rng.poisson(mu), [3000, 5000]]).astype(float)
    both = np.column_stack([rng.poisson(np.full(n_tasks + 2, 500.0)), counts]).astype(float)
    d = xr.Dataset(
        {
            "task_count": (("geo", "task", "platform"), both[None]),
            "cost_index": ("task", np.concatenate([cost, [np.nan, np.nan]])),
        },
        coords={
            **geo_coords(["GLOBAL"], ["global"]),
            "task": tasks,
            "soc_major": ("task", soc),
            "platform": ["claude_ai", "api"],
        },
        attrs={"truth": json.dumps({"cost_usage_slope": slope})},
    )
    return d, slope


def test_cost_usage_matches_statsmodels_wls() -> None:
    d, _ = cost_ds(np.random.default_rng(1))
    res = CostUsage(cov_type="HC1", over="task", weights="usage").fit(d, platform="api")
    api = d.task_count.sel(geo="GLOBAL", platform="api").to_pandas().drop(["none", "not_classified"])
    cost = d.cost_index.to_pandas().loc[api.index]
    y = np.log(api / api.sum())
    X = sm.add_constant(np.log(cost).rename("log_cost_index"))
    ref = sm.WLS(y, X, weights=api).fit(cov_type="HC1")
    assert res.slope == pytest.approx(ref.params["log_cost_index"], rel=1e-10)
    assert res.se == pytest.approx(ref.bse["log_cost_index"], rel=1e-8)
    assert res.nobs == 60 and len(res.dropped) == 0
    unw = CostUsage(cov_type="HC3", over="task", weights=None).fit(d, platform="api")
    ref = sm.OLS(y, X).fit(cov_type="HC3")
    assert unw.slope == pytest.approx(ref.params["log_cost_index"], rel=1e-10)
    assert unw.se == pytest.approx(ref.bse["log_cost_index"], rel=1e-8)
    coefs = res.to_frame()
    assert list(coefs["term"]) == ["const", "log_cost_index"]


def test_cost_usage_token_regressors_and_controls_match_statsmodels() -> None:
    rng = np.random.default_rng(7)
    d, _ = cost_ds(rng)
    k = d.sizes["task"]
    prompt = np.exp(0.8 * np.log(d.cost_index.values) + rng.normal(0, 0.2, k))
    ctrl = rng.normal(0, 1, k)
    d = d.assign(prompt_tokens_index=("task", prompt), novelty=("task", ctrl))
    res = CostUsage(
        over="task", regressors=("cost_index", "prompt_tokens_index"), controls=("novelty",), cov_type="HC2"
    ).fit(d)
    keep = slice(0, k - 2)
    api = d.task_count.sel(geo="GLOBAL", platform="api").values[keep]
    X = np.column_stack([np.ones(k - 2), np.log(d.cost_index.values[keep]), np.log(prompt[keep]), ctrl[keep]])
    ref = sm.OLS(np.log(api / api.sum()), X).fit(cov_type="HC2")
    np.testing.assert_allclose(res.params.to_numpy(), ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse, rtol=1e-8)
    assert list(res.names) == ["const", "log_cost_index", "log_prompt_tokens_index", "novelty"]


def test_cost_usage_soc_level_notes_tasks_without_cost() -> None:
    d, _ = cost_ds(np.random.default_rng(9))
    cost = d.cost_index.values.copy()
    cost[[0, 12]] = np.nan  # both in SOC group "11"
    res = CostUsage(over="soc_major").fit(d.assign(cost_index=("task", cost)))
    assert res.nobs == 12 and any("2 used tasks" in n for n in res.notes)
    api = d.task_count.sel(geo="GLOBAL", platform="api").values
    row = res.data.set_index("category").loc["11"]
    members = [i for i in range(60) if i % 12 == 0]
    assert row["usage_count"] == api[members].sum()  # counts kept
    have = [i for i in members if i not in (0, 12)]
    assert row["cost_index"] == pytest.approx(np.average(cost[have], weights=api[have]))


def test_cost_usage_soc_aggregation_is_usage_weighted_mean() -> None:
    d, _ = cost_ds(np.random.default_rng(2))
    res = CostUsage(over="soc_major").fit(d, platform="api")
    df = pd.DataFrame(
        {
            "n": d.task_count.sel(geo="GLOBAL", platform="api").values,
            "c": d.cost_index.values,
            "soc": d.soc_major.values,
        }
    ).iloc[:-2]
    grp = df.assign(nc=df.n * df.c).groupby("soc")[["n", "nc"]].sum()
    data = res.data.set_index("category")
    np.testing.assert_allclose(data.loc[grp.index, "cost_index"], grp.nc / grp.n, rtol=1e-12)
    np.testing.assert_allclose(data.loc[grp.index, "usage_count"], grp.n)
    assert res.nobs == 12


def test_cost_usage_intervals_cover_true_slope() -> None:
    hits, reps = 0, 40
    for seed in range(reps):
        d, slope = cost_ds(np.random.default_rng(100 + seed))
        lo, hi = CostUsage(over="task").fit(d).ci(0.95)
        hits += lo <= slope <= hi
    # robust SEs with 60 observations: coverage near 95% (sd ~ 0.035 over 40 seeds)
    assert hits / reps >= 0.85


def test_cost_usage_bad_input() -> None:
    d, _ = cost_ds(np.random.default_rng(3))
    cost = d.cost_index.values.copy()
    cost[[0, 1]] = np.nan
    res = CostUsage(over="task").fit(d.assign(cost_index=("task", cost)))
    assert set(res.dropped["category"]) == {"task 0", "task 1"} and res.nobs == 58
    cost[:40] = np.nan
    with pytest.raises(MissingCovariateError, match="40 of 60"):
        CostUsage(over="task").fit(d.assign(cost_index=("task", cost)))
    cost = d.cost_index.values.copy()
    cost[5] = 0.0
    with pytest.raises(DataValueError, match="task 5"):
        CostUsage(over="task").fit(d.assign(cost_index=("task", cost)))
    with pytest.raises(MissingCovariateError, match="prompt_tokens_index"):
        CostUsage(regressors=("cost_index", "prompt_tokens_index")).fit(d)
    with pytest.raises(SchemaError, match="web"):
        CostUsage().fit(d, platform="web")
    with pytest.raises(OptionError, match="cov_type"):
        CostUsage(cov_type="HC9")
    with pytest.raises(OptionError, match="regressors"):
        CostUsage(regressors=("price",))
    counts = d.task_count.values.copy()
    counts[0, 7, 1] = 0.0
    res = CostUsage(over="task").fit(d.assign(task_count=(d.task_count.dims, counts)))
    assert res.dropped.set_index("category").loc["task 7", "reason"] == "zero usage"


def test_cost_usage_docstring_and_plot() -> None:
    assert "does not identify" in (CostUsage.__doc__ or "")
    for word in ("Selection", "Composition", "Reverse causality"):
        assert word in (CostUsage.__doc__ or "") and word.lower() in IDENTIFICATION_NOTE.lower()
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d, _ = cost_ds(np.random.default_rng(4))
    res = CostUsage(over="task").fit(d)
    ax = res.plot(n_bins=8)
    assert ax.get_xlabel() == "log cost_index"
    assert "does not identify" in res.summary()
    plt.close("all")


# --------------------------------------------------------------------------- simulated releases
def _simulated(seed: int) -> xr.Dataset:
    import econindex as ei

    # no abusive traffic: the simulator's true platform mix is that of clean traffic
    return ei.simulate(
        seed=seed, platforms=("claude_ai", "api"), n_countries=10, n_tasks=300, abuse_state=None
    )


def test_simulated_platform_differences_are_covered() -> None:
    hits, n, auto_hits = 0, 0, 0
    seeds = range(6)
    for seed in seeds:
        d = _simulated(seed)
        truth = json.loads(d.attrs["truth"])
        t = compare_shares(d, over="soc_major", exclude=("none", "not_classified")).table
        true_diff = np.array([truth["platform_soc_share_diff"][c] for c in t["category"]])
        hits += int(((t["diff_lower"] <= true_diff) & (true_diff <= t["diff_upper"])).sum())
        n += len(t)
        mode = compare_shares(d, over="mode").table.set_index("category").loc["automation"]
        auto = truth["api_automation_share_all"]
        auto_hits += bool(mode["share_b_lower"] <= auto <= mode["share_b_upper"])
    # 132 intervals at 95%: the coverage estimate has sd 0.019
    assert hits / n >= 0.89, hits / n
    assert auto_hits >= len(seeds) - 1


def test_cost_usage_covers_simulated_slope() -> None:
    hits, seeds = 0, range(15)
    slopes = []
    for seed in seeds:
        d = _simulated(seed)
        slope = json.loads(d.attrs["truth"])["cost_usage_slope"]
        # unweighted: the simulator's task-level equation has a homoskedastic error
        # (log base weight), so OLS is the efficient, unbiased estimator there
        res = CostUsage(over="task").fit(d)  # default: unweighted
        lo, hi = res.ci(0.95)
        hits += lo <= slope <= hi
        slopes.append(res.slope)
        assert len(res.dropped) == 0 or set(res.dropped["reason"]) <= {"zero usage", "missing usage"}
    assert hits >= 13, hits
    assert abs(np.mean(slopes) - 0.3) < 3 * np.std(slopes) / np.sqrt(len(slopes))


def test_read_aei_round_trip_gives_the_same_comparison(tmp_path) -> None:
    import econindex as ei

    d = _simulated(1)
    ei.write_aei(d, tmp_path / "release.csv")
    back = ei.read_aei(tmp_path / "release.csv")
    r1 = compare_shares(d, over="soc_major").table.set_index("category")
    r2 = compare_shares(back, over="soc_major").table.set_index("category").loc[r1.index]
    np.testing.assert_allclose(r2["diff"], r1["diff"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r2["p_holm"], r1["p_holm"], rtol=1e-9)
    assert CostUsage(over="task").fit(back).slope == pytest.approx(CostUsage(over="task").fit(d).slope)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 5000), min_size=len(TASKS), max_size=len(TASKS)),
    st.lists(st.integers(0, 5000), min_size=len(TASKS), max_size=len(TASKS)),
)
def test_properties_of_any_comparison(ca: list[int], cb: list[int]) -> None:
    if sum(ca) == 0 or sum(cb) == 0:
        return
    res = compare_shares(make_ds(np.column_stack([ca, cb])), over="task")
    t = res.table
    assert t["share_a"].sum() == pytest.approx(1) and t["share_b"].sum() == pytest.approx(1)
    assert t["diff"].sum() == pytest.approx(0, abs=1e-12)
    ok = t["p_value"].notna()
    assert ((t.loc[ok, "p_holm"] >= t.loc[ok, "p_value"] - 1e-15) & (t.loc[ok, "p_holm"] <= 1)).all()
    assert (t.loc[ok, "p_bh"] <= t.loc[ok, "p_holm"] + 1e-12).all()
    assert ((t["diff_lower"] <= t["diff"] + 1e-15) & (t["diff"] <= t["diff_upper"] + 1e-15)).all()
    assert list(t["present_a"]) == [c > 0 for c in ca]
    twin = compare_shares(make_ds(np.column_stack([ca, ca])), over="task")
    assert (twin.table["diff"] == 0).all() and twin.chi2_pvalue == 1
    assert (twin.table["p_value"].dropna() == 1).all()


def test_cost_usage_level_is_a_deprecated_spelling_of_over() -> None:
    d = ei.simulate(seed=3, platforms=("claude_ai", "api"), n_countries=4, n_tasks=60)
    with pytest.warns(DeprecationWarning, match="use over="):
        old = CostUsage(level="task")
    assert old.over == "task" and old.level is None
    new = CostUsage(over="task").fit(d, platform="api")
    assert old.fit(d, platform="api").slope == new.slope and new.over == "task"
    with pytest.warns(DeprecationWarning), pytest.raises(OptionError, match="over="):
        CostUsage(level="geo")


def test_compare_shares_ci_level_is_a_deprecated_spelling_of_alpha() -> None:
    ds = ei.simulate(seed=3, platforms=("claude_ai", "api"), n_countries=4, n_tasks=60)
    new = compare_shares(ds, dim="platform", over="soc_major", alpha=0.1)
    with pytest.warns(DeprecationWarning, match="use alpha="):
        old = compare_shares(ds, dim="platform", over="soc_major", ci_level=0.9)
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    assert new.ci_level == pytest.approx(0.9)
    with pytest.raises(OptionError, match="alpha"):
        compare_shares(ds, dim="platform", over="soc_major", alpha=1.5)
