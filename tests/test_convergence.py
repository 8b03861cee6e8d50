"""Tests of econindex.beta_convergence: statsmodels reference, real panel, simulated known beta."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
import xarray as xr

import econindex as ei
from econindex.beta_convergence import ConvergenceResult, convergence
from econindex.errors import EstimationError, OptionError, SchemaError
from econindex.geography import geo_coords
from econindex.indices import usage_index

PERIODS = ["2025-08-04", "2025-11-13", "2026-02-05", "2026-04-01"]


@pytest.fixture(scope="module")
def panel() -> xr.Dataset:
    return ei.datasets.load_us_state_panel()


def _statsmodels_fit(panel, start, end, drop=(), weighted=False, cov_type="HC1"):
    u = panel["usage_index"].to_pandas()
    d = u[[start, end]].dropna().drop(index=list(drop), errors="ignore")
    X = sm.add_constant(np.log(d[start].to_numpy()))
    y = np.log(d[end].to_numpy())
    if weighted:
        w = panel["working_age_pop"].to_pandas().loc[d.index].to_numpy()
        return sm.WLS(y, X, weights=w).fit(cov_type=cov_type, use_t=True), list(d.index)
    return sm.OLS(y, X).fit(cov_type=cov_type, use_t=True), list(d.index)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cov_type", ["HC1", "HC3", "nonrobust"])
def test_matches_statsmodels_on_real_panel(panel, weighted, cov_type):
    res = convergence(panel, weights="working_age_pop" if weighted else None, cov_type=cov_type)
    ref, geos = _statsmodels_fit(panel, PERIODS[0], PERIODS[1], weighted=weighted, cov_type=cov_type)
    assert res.nobs == 50 and list(res.geos) == geos
    assert res.beta == pytest.approx(ref.params[1], rel=1e-10)
    assert res.intercept == pytest.approx(ref.params[0], rel=1e-10)
    assert res.se == pytest.approx(ref.bse[1], rel=1e-10)
    assert res.pvalue == pytest.approx(ref.pvalues[1], rel=1e-8)
    np.testing.assert_allclose(res.ci(), ref.conf_int()[1], rtol=1e-8)
    assert res.rsquared == pytest.approx(ref.rsquared, rel=1e-10)
    frame = res.to_frame()
    assert frame["term"].tolist() == ["const", "ln_aui_start"]
    np.testing.assert_allclose(frame["std_error"], ref.bse, rtol=1e-10)


def test_real_panel_names_utah_and_wyoming(panel):
    res = convergence(panel)
    assert res.dropped == {"UT": "missing in 2025-11-13"}  # Utah was dropped as abusive after Aug 2025
    clean = convergence(panel, exclude="abuse_flagged")
    assert clean.dropped == {"UT": "excluded (abuse_flagged)", "WY": "excluded (abuse_flagged)"}
    assert clean.nobs == 49
    ref, _ = _statsmodels_fit(panel, PERIODS[0], PERIODS[1], drop=["WY"])
    assert clean.beta == pytest.approx(ref.params[1], rel=1e-10)
    # Wyoming's spike (0.39 -> 2.07) is a large positive residual: dropping it raises beta
    assert clean.beta > res.beta
    by_list = convergence(panel, exclude=["WY"])
    assert by_list.beta == pytest.approx(clean.beta, rel=1e-12)
    assert by_list.dropped["WY"] == "excluded (exclude=)"


def test_real_panel_beta_below_one_in_every_window(panel):
    # The later report finds about 0.77 (OLS) and 0.76 (population weighted); the windows it used are
    # not stated. Every pair of consecutive releases shows convergence (beta < 1) with and without WY.
    for a, b in itertools.pairwise(PERIODS):
        for w in (None, "working_age_pop"):
            for ex in (None, "abuse_flagged"):
                r = convergence(panel, start=a, end=b, weights=w, exclude=ex)
                assert 0.6 < r.beta < 1.0, (a, b, w, ex, r.beta)
                assert r.half_life > 0 and r.quarterly_rate > 0


def test_time_step_rate_and_half_life(panel):
    res = convergence(panel, start=PERIODS[0], end=PERIODS[1])
    days = (np.datetime64("2025-11-13") - np.datetime64("2025-08-04")).astype(int)
    assert days == 101
    assert res.step_quarters == pytest.approx(101 / (365.25 / 4))
    assert res.half_life == pytest.approx(math.log(0.5) / math.log(res.beta))
    assert res.half_life_quarters == pytest.approx(res.half_life * res.step_quarters)
    assert res.quarterly_rate == pytest.approx(-math.log(res.beta) / res.step_quarters)
    # beta per step = exp(-rate * step)
    assert math.exp(-res.quarterly_rate * res.step_quarters) == pytest.approx(res.beta)
    long = convergence(panel, start=PERIODS[0], end=PERIODS[3])
    assert long.step_quarters == pytest.approx(240 / (365.25 / 4))
    assert convergence(panel, start=PERIODS[2]).end == PERIODS[3]


def test_result_is_frozen_and_prints(panel):
    res = convergence(panel)
    assert isinstance(res, ConvergenceResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.beta = 0.5  # type: ignore[misc]
    text = res.summary()
    assert "beta" in text and "half-life" in text and "UT: missing" in text
    assert str(res) == text


def _sim_panel(beta: float, n: int = 400, seed: int = 0, noise: float = 0.05) -> tuple[xr.Dataset, float]:
    """Counts in two periods whose log index follows ln a1 = c + beta ln a0 + e (known beta)."""
    rng = np.random.default_rng(seed)
    pop = rng.uniform(1e5, 1e7, size=n)
    ln_a0 = rng.normal(0.0, 0.6, size=n)
    ln_a1 = 0.1 + beta * ln_a0 + rng.normal(0.0, noise, size=n)
    # usage proportional to index x population; large counts so the threshold never binds
    scale = 1e-2
    u = np.column_stack([np.exp(ln_a0), np.exp(ln_a1)]) * pop[:, None] * scale
    geos = [f"S{i:03d}" for i in range(n)]
    ds = xr.Dataset(
        {"usage_count": (("geo", "period"), u), "working_age_pop": ("geo", pop)},
        coords={**geo_coords(geos, ["state_us"] * n), "period": ["2025-01-01", "2025-04-02"]},
    )
    return ds, beta


@pytest.mark.parametrize("beta", [0.6, 0.9])
def test_recovers_known_beta_from_counts(beta):
    ds, truth = _sim_panel(beta)
    res = convergence(ds, level="state_us")
    assert "recomputed from counts" in res.source
    # the reference renormalization only shifts the intercept: the slope is the true beta
    assert abs(res.beta - truth) < 4 * res.se
    assert res.se < 0.02
    assert res.step_quarters == pytest.approx(91 / (365.25 / 4))
    resw = convergence(ds, level="state_us", weights="working_age_pop")
    assert abs(resw.beta - truth) < 4 * resw.se


def test_counts_path_equals_published_path():
    ds, _ = _sim_panel(0.8, n=60, seed=2)
    aui = usage_index(ds, "state_us", keep_all=True)
    pub = ds.drop_vars(["usage_count"]).assign(usage_index=aui.drop_vars("eligible"))
    a = convergence(ds, level="state_us")
    b = convergence(pub, level="state_us")
    assert a.beta == pytest.approx(b.beta, rel=1e-12) and a.se == pytest.approx(b.se, rel=1e-12)
    assert b.source == "published usage_index"


def test_threshold_zero_and_missing_are_named():
    ds, _ = _sim_panel(0.8, n=30, seed=3)
    u = ds["usage_count"].values.copy()
    u[0, 0] = 50.0  # below the state threshold of 100 in the start period
    u[1, 1] = 0.0  # zero usage: log undefined
    u[2, 0] = np.nan
    ds = ds.assign(usage_count=(("geo", "period"), u))
    res = convergence(ds, level="state_us")
    assert res.dropped == {
        "S000": "below min_count",
        "S001": "below min_count",  # zero usage is below the threshold first
        "S002": "missing in 2025-01-01",
    }
    assert res.nobs == 27
    low = convergence(ds, level="state_us", min_count=0)
    assert "S000" in low.geos and low.dropped["S001"] == "zero index (log undefined)"


def test_errors(panel):
    with pytest.raises(SchemaError, match="period"):
        convergence(panel.isel(period=0))
    with pytest.raises(OptionError, match="start"):
        convergence(panel, start="2024-01-01")
    with pytest.raises(OptionError, match="end"):
        convergence(panel, end="2030-01-01")
    with pytest.raises(OptionError, match="last period"):
        convergence(panel, start=PERIODS[-1])
    with pytest.raises(OptionError, match="different"):
        convergence(panel, start=PERIODS[0], end=PERIODS[0])
    with pytest.raises(OptionError, match="cov_type"):
        convergence(panel, cov_type="HC9")
    two = xr.concat([panel, panel], dim="platform").assign_coords(platform=["claude_ai", "api"])
    with pytest.raises(OptionError, match="platform"):
        convergence(two)
    assert convergence(two.sel(platform="api")).nobs == 50
    tiny = panel.isel(geo=[0, 1])
    with pytest.raises(EstimationError, match="at least 3"):
        convergence(tiny)


def test_plot_runs(panel):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = convergence(panel).plot()
    assert ax.get_xlabel().startswith("ln")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_recovers_simulated_convergence_beta_and_abuse_matters():
    import json

    ds = ei.simulate(seed=1, n_countries=150, n_tasks=40, n_requests=20, n_periods=2)
    truth = json.loads(ds.attrs["truth"])["convergence_beta"]
    countries = convergence(ds, level="country")
    assert abs(countries.beta - truth) < 4 * countries.se
    assert all(r == "below min_count" for r in countries.dropped.values())
    # the simulated abusive state (UT) drags the state slope; excluding it recovers the truth
    states = convergence(ds, level="state_us", exclude="abuse_flagged")
    assert states.dropped == {"UT": "excluded (abuse_flagged)"}
    assert abs(states.beta - truth) < 4 * states.se
    assert states.half_life == pytest.approx(math.log(0.5) / math.log(states.beta))


def test_to_xarray_carries_convergence_figures(panel):
    res = convergence(panel, exclude="abuse_flagged")
    x = res.to_xarray()
    assert x.attrs["half_life"] == res.half_life and x.attrs["start"] == "2025-08-04"
    assert x.attrs["dropped"] == ["UT: excluded (abuse_flagged)", "WY: excluded (abuse_flagged)"]
    frame = res.to_frame()
    est = frame.set_index("term")["estimate"]
    assert est["ln_aui_start"] == res.beta and est["const"] == res.intercept
