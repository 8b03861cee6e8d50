"""Tests of econindex.bayes: bad input, diagnostics, recovery of known truth, SBC, real data.

Sampling tests are marked ``slow`` and use short chains; they share the
in-process cache of nutpie-compiled models, so each model structure compiles
once per session.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("pymc")
pytest.importorskip("arviz")

import arviz as az

import econindex as ei
from econindex.bayes import (
    StateAutomationModel,
    StateTaskMixModel,
    StateUsageModel,
    diagnose,
)
from econindex.bayes._base import warn_if_failed
from econindex.bayes._data import soc_group_counts
from econindex.bayes._demo import demo_states
from econindex.errors import (
    DataValueError,
    DiagnosticsWarning,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)

pytestmark = pytest.mark.bayes

SHORT = {"draws": 300, "tune": 400, "chains": 2}


@pytest.fixture(scope="module")
def demo() -> xr.Dataset:
    return demo_states(0)


@pytest.fixture(scope="module")
def states() -> xr.Dataset:
    return ei.datasets.load_us_states_2025_08()


def _quiet_fit(model, ds, **kw):
    """Fit, returning the result and the DiagnosticsWarnings raised (short chains may warn)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", DiagnosticsWarning)
        res = model.fit(ds, **kw)
    return res, [w for w in rec if issubclass(w.category, DiagnosticsWarning)]


# --- packaging ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_package_imports_without_pymc() -> None:
    code = (
        "import sys; sys.modules['pymc'] = None; sys.modules['nutpie'] = None\n"
        "import econindex as ei\n"
        "ds = ei.datasets.load_us_states_2025_08(); assert ds.sizes['geo'] == 51\n"
        "try:\n    import econindex.bayes\nexcept ImportError as e:\n    print('ERR', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ERR" in out.stdout and "'bayes' extra" in out.stdout


# --- options and bad input (no sampling) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (StateUsageModel, {"parameterization": "half"}),
        (StateUsageModel, {"state_effect": "student"}),
        (StateUsageModel, {"prior_b_sd": 0.0}),
        (StateTaskMixModel, {"parameterization": "x"}),
        (StateAutomationModel, {"likelihood": "poisson"}),
    ],
)
def test_bad_options(cls, kwargs) -> None:
    with pytest.raises(OptionError):
        cls(**kwargs)


def test_bad_sampler(demo) -> None:
    with pytest.raises(OptionError, match="sampler"):
        StateUsageModel().fit(demo, sampler="gibbs")
    with pytest.raises(OptionError, match="draws"):
        StateUsageModel().fit(demo, draws=0)


def test_missing_covariates_named(states) -> None:
    ds = states.copy()
    ds["gdp"] = ds["gdp"].where(~ds["geo"].isin(["VT", "WY"]))
    with pytest.raises(MissingCovariateError, match=r"\['VT', 'WY'\]"):
        StateUsageModel().build(ds)
    ds2 = states.copy()
    ds2["working_age_pop"] = ds2["working_age_pop"].where(ds2["geo"] != "DC")
    with pytest.raises(MissingCovariateError, match="DC"):
        StateUsageModel().fit(ds2)


def test_too_few_states(states, demo) -> None:
    with pytest.raises(EstimationError, match="at least 3"):
        StateUsageModel().build(states.isel(geo=[0, 1]))
    with pytest.raises(EstimationError):
        StateTaskMixModel().build(demo.isel(geo=[0, 1]))
    with pytest.raises(EstimationError):
        StateAutomationModel().build(demo.isel(geo=[3, 4]))


def test_single_state_named(states) -> None:
    with pytest.raises(EstimationError, match=r"got 1: \['AL'\]"):
        StateUsageModel().build(states.sel(geo=["AL"]))


@pytest.mark.parametrize("cls", [StateUsageModel, StateTaskMixModel, StateAutomationModel])
def test_single_state_refused_by_every_model(demo, cls) -> None:
    with pytest.raises(EstimationError, match=r"at least 3 .*got 1: \['WY'\]"):
        cls().build(demo.sel(geo=["WY"]))


def test_state_without_counts_named(demo) -> None:
    """A state whose counts are missing (not zero) is refused, naming the state and the variable."""
    ds = demo.copy()
    ds["pattern_count"] = ds["pattern_count"].where(ds["geo"] != "VT")
    with pytest.raises(DataValueError, match=r"pattern_count is missing for states \['VT'\]"):
        StateAutomationModel(likelihood="binomial").build(ds)
    ds = demo.copy()
    ds["usage_count"] = ds["usage_count"].where(ds["geo"] != "VT")
    with pytest.raises(DataValueError, match=r"'usage_count' is missing for states \['VT'\]"):
        StateUsageModel().build(ds)
    with pytest.raises(SchemaError, match="usage_count"):
        StateUsageModel().build(demo.drop_vars("usage_count"))
    with pytest.raises(SchemaError, match="pattern_count"):
        StateAutomationModel(likelihood="binomial").build(demo.drop_vars("pattern_count"))


def test_bad_input_errors_are_econindex_errors() -> None:
    from econindex.errors import EconIndexError

    for err in (DataValueError, EstimationError, MissingCovariateError, OptionError, SchemaError):
        assert issubclass(err, EconIndexError)


def test_all_zero_counts_refused(demo) -> None:
    ds = demo.copy()
    ds["usage_count"] = ds["usage_count"] * 0.0
    with pytest.raises(DataValueError, match="usage_count.*zero for every state"):
        StateUsageModel().build(ds)
    ds["task_count"] = ds["task_count"] * 0.0
    with pytest.raises(DataValueError, match="task_count.*zero for every state"):
        StateTaskMixModel().build(ds)
    ds["pattern_count"] = ds["pattern_count"] * 0.0
    with pytest.raises(DataValueError, match="pattern_count.*zero for every state"):
        StateAutomationModel().build(ds)


def test_groupings_need_divisions_named(states) -> None:
    ds = states.drop_vars("census_division")
    for grouping in ("region_division", "division"):
        with pytest.raises(SchemaError, match=rf"grouping='{grouping}'.*census_division"):
            StateUsageModel(grouping=grouping).build(ds)
    divisions = np.where(states["geo"] == "OH", "", states["census_division"])
    blank = states.assign_coords(census_division=("geo", divisions))
    with pytest.raises(SchemaError, match=r"\['OH'\]"):
        StateUsageModel(grouping="division").build(blank)
    # no group effects: no divisions needed
    model = StateUsageModel(grouping="none").build(ds)
    assert {v.name for v in model.free_RVs} == {"a", "b_std", "dispersion"}
    with pytest.raises(OptionError, match="grouping"):
        StateUsageModel(grouping="state")


def test_diagnostics_line_names_failures() -> None:
    from econindex.bayes._base import diagnostics_line

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 500)) + np.array([0.0, 0.0, 0.0, 3.0])[:, None]
    table = diagnose(az.from_dict(posterior={"x": x}, sample_stats={"diverging": np.zeros((4, 500), bool)}))
    line = diagnostics_line(table, 4, 500)
    assert line.startswith("MCMC DIAGNOSTICS FAILED (4x500 draws): r_hat = ") and "\n" not in line
    good = diagnose(az.from_dict(posterior={"x": rng.normal(size=(4, 500))}))
    assert diagnostics_line(good, 4, 500).startswith("MCMC diagnostics passed (4x500 draws): R-hat 1.0")


@pytest.mark.slow
def test_zero_conversations_is_valid(demo) -> None:
    ds = demo.copy()
    ds["usage_count"] = ds["usage_count"].where(ds["geo"] != "WY", 0.0)
    model = StateUsageModel().build(ds)
    logp = model.compile_logp()(model.initial_point())
    assert np.isfinite(logp)
    _, notes, _ = StateUsageModel()._inputs(ds, None)
    assert any("WY" in n and "zero" in n for n in notes)
    # a state without task conversations is also valid for the task mix
    ds["task_count"] = ds["task_count"].where(ds["geo"] != "WY", 0.0)
    m2 = StateTaskMixModel().build(ds)
    assert np.isfinite(m2.compile_logp()(m2.initial_point()))


def test_exclusions(states) -> None:
    data, notes, _ = StateUsageModel()._inputs(states, "flagged")
    assert "UT" not in data["geo"].values and data.sizes["geo"] == 50
    assert any("UT" in n for n in notes)
    with pytest.raises(DataValueError, match="XX"):
        StateUsageModel().build(states, exclude=["XX"])


def test_missing_usage_count_named(states) -> None:
    ds = states.copy()
    ds["usage_count"] = ds["usage_count"].where(ds["geo"] != "ME")
    with pytest.raises(DataValueError, match="ME"):
        StateUsageModel().build(ds)


def test_automation_share_form_notes_absent_states(states) -> None:
    model = StateAutomationModel()
    data, notes, like = model._inputs(states, None)
    assert like == "beta" and data.sizes["geo"] == 43
    absent = sorted(set(states["geo"].values) - set(data["geo"].values))
    assert len(absent) == 8 and any(all(g in n for g in absent) for n in notes)
    ds = states.copy()
    ds["expected_automation"] = ds["expected_automation"].where(ds["geo"] != "AL")
    with pytest.raises(MissingCovariateError, match="AL"):
        model.build(ds)


def test_soc_group_counts_against_pandas(demo) -> None:
    counts, notes = soc_group_counts(demo)
    df = demo["task_count"].to_dataframe().reset_index()
    df["soc"] = df["task"].map(dict(zip(demo["task"].values, demo["soc_major"].values, strict=True)))
    ref = df[df["soc"] != "none"].pivot_table(index="geo", columns="soc", values="task_count", aggfunc="sum")
    np.testing.assert_allclose(counts.sel(geo=ref.index, soc_major=ref.columns).values, ref.values)
    assert any("none" in n for n in notes)


def test_expected_automation_is_the_package_function_by_hand() -> None:
    """The automation model's E_s is econindex.automation.expected_automation: the none task is left out."""
    from econindex.automation import expected_automation
    from econindex.schema import pattern_coords

    pats = ["directive", "feedback loop", "learning", "task iteration", "validation", "none"]
    tps = np.array(
        [[0.3, 0.1, 0.4, 0.0, 0.0, 0.2], [0.1, 0.1, 0.2, 0.0, 0.0, 0.6], [0.5, 0.0, 0.0, 0.0, 0.0, 0.5]]
    )
    geos = ["AL", "AK", "AZ", "AR"]
    ds = xr.Dataset(
        {
            "task_count": (
                ("geo", "task"),
                np.array([[10.0, 30.0, 60.0], [5.0, 0.0, 5.0], [1, 1, 1], [2, 2, 0]]),
            ),
            "task_pattern_share": (("task", "pattern"), tps),
            "pattern_count": (("geo", "pattern"), np.full((4, 6), 10.0)),
            "usage_count": ("geo", [100.0, 10.0, 3.0, 4.0]),
            "working_age_pop": ("geo", [1e6, 2e5, 1e5, 1e5]),
        },
        coords={
            **ei.geography.geo_coords(geos, ["state_us"] * 4),
            "task": ["t1", "t2", "none"],
            "soc_major": ("task", ["11", "13", "none"]),
            **pattern_coords(pats),
        },
    )
    data, notes, _ = StateAutomationModel()._inputs(ds, None)
    r1, r2 = 0.4 / 0.8, 0.2 / 0.4  # automation / classified within each task; the none task has no rate
    by_hand = [(10 * r1 + 30 * r2) / 40, r1, (r1 + r2) / 2, (r1 + r2) / 2]
    np.testing.assert_allclose(data["expected_automation"].values, by_hand)
    np.testing.assert_allclose(data["expected_automation"].values, expected_automation(ds).values)
    assert any("task_count" in n for n in notes)


def test_prior_predictive_shapes(demo) -> None:
    pp = StateUsageModel().prior_predictive(demo, draws=200, seed=3)
    y = pp.prior_predictive["usage_count"]
    assert y.sizes["geo"] == 51 and y.sizes["draw"] == 200
    # prior on a is centered on the observed usage per person: median predicted total near observed
    tot = y.sum("geo").median().item()
    assert 0.2 < tot / float(demo["usage_count"].sum()) < 5


# --- diagnostics table ---------------------------------------------------------------------------


def test_diagnose_passes_on_iid_draws() -> None:
    rng = np.random.default_rng(0)
    idata = az.from_dict(
        posterior={"x": rng.normal(size=(4, 1000)), "y": rng.normal(size=(4, 1000, 3))},
        sample_stats={
            "diverging": np.zeros((4, 1000), bool),
            "energy": rng.normal(size=(4, 1000)),
            "maxdepth_reached": np.zeros((4, 1000), bool),
        },
    )
    table = diagnose(idata)
    assert list(table.index) == ["r_hat", "ess_bulk", "ess_tail", "divergences", "tree_depth_hits", "e_bfmi"]
    assert table["passed"].all()
    # iid draws: ESS near the number of draws (independent reference: 4000)
    assert table.loc["ess_bulk", "value"] > 3000


def test_diagnose_fails_and_warns_with_numbers() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 500)) + np.array([0.0, 0.0, 0.0, 3.0])[:, None]  # one chain elsewhere
    walk = np.cumsum(rng.normal(size=(4, 500)), axis=1)  # strongly autocorrelated energy
    div = np.zeros((4, 500), bool)
    div[0, :7] = True
    idata = az.from_dict(posterior={"x": x}, sample_stats={"diverging": div, "energy": walk})
    table = diagnose(idata)
    assert not table.loc["r_hat", "passed"] and table.loc["r_hat", "value"] > 1.1
    assert table.loc["divergences", "value"] == 7 and not table.loc["divergences", "passed"]
    assert not table.loc["e_bfmi", "passed"]
    assert "target_accept" in table.loc["divergences", "hint"]
    with pytest.warns(DiagnosticsWarning, match=r"divergences = 7 .*target_accept"):
        warn_if_failed(table, "Demo")


# --- sampling: demo data, recovery ---------------------------------------------------------------


@pytest.mark.slow
def test_usage_recovery_on_simulate() -> None:
    """90% intervals of b cover the simulated state elasticity over seeds (simulate; Utah excluded)."""
    covered = []
    for seed in range(3):
        ds = ei.simulate(seed=seed, n_countries=20, n_tasks=60, n_requests=20)
        truth = json.loads(ds.attrs["truth"])["state_elasticity"]
        res, _ = _quiet_fit(StateUsageModel(), ds, seed=seed, exclude="flagged", **SHORT)
        lo, hi = res.elasticity_interval(0.9)
        covered.append(lo <= truth <= hi)
        assert res.divergences <= 5
    assert sum(covered) >= 2, covered


@pytest.mark.slow
def test_usage_fit_outputs_and_predictive(demo) -> None:
    res, _ = _quiet_fit(StateUsageModel(), demo, seed=2, **SHORT)
    truth = json.loads(demo.attrs["truth"])
    lo, hi = res.elasticity_interval(0.95)
    assert lo < truth["state_elasticity"] < hi
    assert set(res.to_frame().index) >= {"a", "b", "dispersion"}
    text = res.summary()
    assert isinstance(text, str) and res.diagnostics_text in text and "e_bfmi" in text
    first = "MCMC diagnostics passed" if res.converged else "MCMC DIAGNOSTICS FAILED"
    assert res.diagnostics_text.startswith(first)
    assert list(res.diagnostics.index)[:2] == ["r_hat", "ess_bulk"]
    assert repr(res).startswith("<UsagePosterior StateUsageModel: b = ") and "\n" not in repr(res)
    # labeled with the dataset's coordinates
    assert list(res.idata.posterior["mu"]["geo"].values) == list(demo["geo"].values)
    aui = res.aui(0.9)
    assert (aui["lower"] <= aui["median"]).all() and (aui["median"] <= aui["upper"]).all()
    # large states are pinned by their own counts: posterior AUI close to the observed one
    big = int(np.argmax(demo["usage_count"].values))
    assert abs(float(aui["mean"][big] / aui["observed"][big]) - 1) < 0.05
    pp = res.posterior_predictive(seed=1).posterior_predictive["usage_count"]
    ratio = pp.mean(("chain", "draw")).sum() / demo["usage_count"].sum()
    assert 0.8 < float(ratio) < 1.25
    new = res.predict_new(5e5, 5e5 * 9e4, division="Mountain")
    assert new["usage_count"].sizes == {"chain": 2, "draw": 300} and (new["usage_count"] >= 0).all()
    assert res.to_xarray()["b"].sizes["draw"] == 300
    assert np.isfinite(res.rhat_max) and res.ess_bulk_min > 0 and res.divergences >= 0
    assert "StateUsageModel" in str(res)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = res.plot_forest()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(res.var_names)


@pytest.mark.slow
def test_fit_warns_when_diagnostics_fail(demo) -> None:
    """Far too short chains: fit must warn with the numbers, never return silently."""
    with pytest.warns(DiagnosticsWarning, match=r"ess_bulk = \d+"):
        res = StateUsageModel().fit(demo, draws=30, tune=30, chains=2, seed=0)
    assert not res.converged and res.ess_bulk_min < 200


def test_usage_lognormal_form_builds(demo) -> None:
    for form in ("centered", "noncentered"):
        model = StateUsageModel(state_effect="lognormal", parameterization=form).build(demo)
        names = {v.name for v in model.free_RVs}
        assert "sigma_state" in names and "dispersion" not in names
        assert ("log_rate" in names) == (form == "centered")
        assert "rate" in model.named_vars and model.observed_RVs[0].owner.op.name == "poisson"


@pytest.mark.slow
def test_automation_recovery_binomial() -> None:
    """90% intervals of c cover the demo truth (per sd of the usage index) over seeds."""
    covered = []
    for seed in range(3):
        ds = demo_states(seed)
        truth = json.loads(ds.attrs["truth"])["automation_slope"]
        res, _ = _quiet_fit(StateAutomationModel(), ds, seed=seed, **SHORT)
        assert res.likelihood == "binomial"
        # the demo's slope is per sd of its usage index, which is the model's scale
        lo, hi = res.slope_interval(0.9)
        covered.append(lo <= truth <= hi)
    assert sum(covered) >= 2, covered


@pytest.mark.slow
def test_taskmix_recovers_global_mix(demo) -> None:
    res, _ = _quiet_fit(StateTaskMixModel(), demo, seed=0, **SHORT)
    truth = json.loads(demo.attrs["truth"])["taskmix"]["global"]
    groups = list(res.idata.posterior["soc_major"].values)
    est = res.idata.posterior["mix"].mean(("chain", "draw")).values
    ref = np.array([truth[g] for g in groups])
    # the global log-mix is identified up to the zero-sum constraint the truth also satisfies
    assert np.corrcoef(est, ref)[0, 1] > 0.98
    lq = res.location_quotients(0.9)
    assert lq["mean"].dims == ("geo", "soc_major")
    # the usage-weighted mean of LQ over states is 1 per group by construction
    w = res.data["task_count"].sum("soc_major")
    np.testing.assert_allclose((lq["mean"] * w).sum("geo") / w.sum(), 1.0, atol=0.02)
    assert any("none" in n for n in res.notes)
    # every state (centered or not) gets back its own mix: posterior shares track the observed ones,
    # which would fail if the centered/non-centered pieces were put back in the wrong state order
    counts = res.data["task_count"]
    observed = counts / counts.sum("soc_major")
    share = res.posterior["share"].mean(("chain", "draw"))
    np.testing.assert_allclose(share.sum("soc_major"), 1.0, atol=1e-9)
    err = np.abs(share - observed).max("soc_major")
    assert float(err.max()) < 0.08
    # the default Dirichlet-multinomial form; the Poisson form's two cell forms are exercised in
    # tests/test_bayes_taskmix.py::test_logistic_normal_form_uses_both_cell_forms
    assert res.config.likelihood == "dirichlet_multinomial"


@pytest.mark.slow
def test_pymc_sampler_fallback(demo) -> None:
    res, _ = _quiet_fit(StateAutomationModel(), demo, seed=0, draws=150, tune=150, chains=2, sampler="pymc")
    assert res.idata.posterior.attrs["sampler"] == "pymc"
    assert abs(res.slope - json.loads(demo.attrs["truth"])["automation_slope"]) < 0.15


@pytest.mark.slow
def test_sbc_reduced() -> None:
    """Reduced simulation-based calibration of StateUsageModel (benchmarks/sbc.py runs 100 per model)."""
    from scipy import stats

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks"))
    import sbc

    ranks, n_ranks, _ = sbc.run_sbc("usage", 20, seed=11, draws=150, tune=200, thin=2)
    for name, r in ranks.items():
        assert r.shape == (20,) and r.min() >= 0 and r.max() <= n_ranks
        counts = np.histogram(r, bins=4, range=(0, n_ranks + 1))[0]
        assert stats.chisquare(counts).pvalue > 0.001, (name, counts)


# --- real data ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.realdata
def test_real_usage_vs_frequentist(states) -> None:
    """Posterior mean of b on the real states lies near the OLS state elasticity (with, without Utah)."""
    for exclude in (None, ["UT"]):
        ols = ei.IncomeElasticity().fit(
            states if exclude is None else states.drop_sel(geo=exclude), level="state_us"
        )
        res, _ = _quiet_fit(StateUsageModel(), states, seed=5, exclude=exclude, **SHORT)
        # the models differ (NB on counts, pooled divisions vs OLS of log index) but target the
        # same elasticity: agree within two OLS standard errors
        assert abs(res.elasticity - ols.slope) < 2 * ols.se, (exclude, res.elasticity, ols.slope, ols.se)


@pytest.mark.slow
@pytest.mark.realdata
def test_real_automation_share_form(states) -> None:
    res, _ = _quiet_fit(StateAutomationModel(), states, seed=1, **SHORT)
    assert res.likelihood == "beta" and res.data.sizes["geo"] == 43
    share = res.automation_share()
    # the intercept carries the level: fitted and observed shares agree on average
    assert abs(float(share["mean"].mean() - share["observed"].mean())) < 0.02
    # 90% posterior predictive intervals of the Beta likelihood hold about 90% of the observed shares
    pp = res.posterior_predictive(seed=2).posterior_predictive["automation_share"]
    q = pp.quantile([0.05, 0.95], dim=("chain", "draw"))
    obs = res.data["automation_share"]
    inside = (obs >= q.sel(quantile=0.05)) & (obs <= q.sel(quantile=0.95))
    assert 0.75 <= float(inside.mean()) <= 1.0
    res2, _ = _quiet_fit(
        StateAutomationModel(likelihood="logitnormal"), states, seed=1, exclude=["UT"], **SHORT
    )
    assert res2.data.sizes["geo"] == 42 and np.isfinite(res2.slope)


@pytest.mark.slow
@pytest.mark.realdata
def test_real_taskmix_truncation_stated() -> None:
    from econindex.datasets import data_path

    ds = ei.read_aei(str(data_path("us_state_tasks_collaboration_2025-08.csv.gz")))
    res, _ = _quiet_fit(StateTaskMixModel(), ds, seed=0, truncation=15, **SHORT)
    assert any("TRUNCATED" in n and "15" in n for n in res.notes)
    spec = res.specializations(0.9)
    assert {"geo", "soc_major", "raw", "mean", "lower", "upper", "survives"} <= set(spec.columns)
    # pooling shrinks: posterior LQ of the most extreme raw cells is closer to 1 than the raw LQ
    top = spec.head(10)
    assert (np.abs(np.log(top["mean"])) <= np.abs(np.log(top["raw"])) + 1e-9).mean() >= 0.8


def test_taskmix_forms_chosen_from_the_data() -> None:
    """Region deviations: centered where regions differ (demo truth sd 0.25), non-centered where not."""
    rng = np.random.default_rng(3)
    regions = np.repeat(np.arange(4), 12)
    base = rng.normal(0, 1, 8)
    for reg_sd, expected in ((0.0, "noncentered"), (0.5, "centered")):
        reg = rng.normal(0, reg_sd, (4, 8))
        eta = base + reg[regions] + rng.normal(0, 0.2, (48, 8))
        p = np.exp(eta) / np.exp(eta).sum(1, keepdims=True)
        counts = np.array([rng.multinomial(5000, q) for q in p]).astype(float)
        counts[0] = 0.0  # a state without task conversations: never centered
        mask, form = StateTaskMixModel().forms(counts, regions)
        assert form == expected
        assert not mask[0].any()
        # a cell is centered when its count pins its log-rate (1/(n+0.5) < sd^2): big cells yes, tiny no
        assert mask[counts > 2000].all() and not mask[(counts < 5) & (counts.sum(1, keepdims=True) > 0)].any()
    forced, _ = StateTaskMixModel(parameterization="centered").forms(counts, regions)
    assert forced[1:].all() and not forced[0].any()


def test_poisson_form_equals_the_multinomial() -> None:
    """Integrating the flat state level out of the Poisson form gives the multinomial (Baker 1994)."""
    from scipy import integrate, stats

    y = np.array([7.0, 1.0, 0.0, 12.0])
    n = int(y.sum())

    def log_marginal(eta: np.ndarray) -> float:
        def f(level: float) -> float:
            theta = level + eta
            return float(np.exp(np.sum(y * theta - np.exp(theta)) - 20.0))

        return float(np.log(integrate.quad(f, -20, 20, points=[np.log(n)], limit=200)[0]) + 20.0)

    eta1, eta2 = np.array([0.1, -1.0, 0.3, 0.9]), np.array([-0.5, 0.2, 0.0, 0.4])
    p1, p2 = np.exp(eta1) / np.exp(eta1).sum(), np.exp(eta2) / np.exp(eta2).sum()
    ref = stats.multinomial.logpmf(y, n, p1) - stats.multinomial.logpmf(y, n, p2)
    assert abs((log_marginal(eta1) - log_marginal(eta2)) - ref) < 1e-6


def test_automation_expected_covariate(demo) -> None:
    model = StateAutomationModel(expected="covariate").build(demo)
    assert "g" in {v.name for v in model.free_RVs}
    with pytest.raises(OptionError, match="expected"):
        StateAutomationModel(expected="free")


def test_schema_error_without_task_counts(states) -> None:
    with pytest.raises(SchemaError, match="task_count"):
        StateTaskMixModel().build(states)


# --- convergence bars and the brms reference ---------------------------------------------------


def _brms_reference() -> dict:
    from pathlib import Path

    path = Path(__file__).resolve().parent / "reference" / "brms_usage.json"
    if not path.exists():
        pytest.skip("tests/reference/brms_usage.json not generated (Rscript tests/reference/brms_usage.R)")
    return json.loads(path.read_text())


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("grouping", ["region_division", "division", "none"])
def test_usage_matches_brms(states, grouping) -> None:
    """Same likelihood and priors as brms (tests/reference/brms_usage.R): the posterior of b agrees."""
    ref = _brms_reference()[grouping]
    res = StateUsageModel(grouping=grouping).fit(states, draws=1000, tune=1000, chains=4, seed=3)
    b = res.posterior["b"].values.ravel()
    # Monte Carlo error of the two means is about sd / sqrt(ESS) ~ 0.01; the models differ only in the
    # zero-sum (PyMC) against iid (brms) region effects, which the intercept absorbs
    assert abs(b.mean() - ref["b_mean"]) < 0.04
    assert abs(b.std() / ref["b_sd"] - 1) < 0.08
    lo, hi = np.quantile(b, [0.025, 0.975])
    assert abs(lo - ref["b_q025"]) < 0.08 and abs(hi - ref["b_q975"]) < 0.08
    assert res.converged, res.diagnostics_text


@pytest.mark.slow
def test_convergence_bars_on_simulate() -> None:
    """The issue's bars on simulate(seed=0): R-hat <= 1.01, bulk/tail ESS >= 1000, no divergences.

    A subset of benchmarks/bench_bayes.py (which runs 10 releases x 2 seeds and the real states).
    """
    ds = ei.simulate(seed=0)
    for model, kw in ((StateUsageModel(), {"exclude": "flagged"}), (StateAutomationModel(), {})):
        res, _ = _quiet_fit(model, ds, draws=1000, tune=1000, chains=4, seed=1, **kw)
        d = res.diagnostics["value"]
        assert d["r_hat"] <= 1.01 and d["ess_bulk"] >= 1000 and d["ess_tail"] >= 1000, res.diagnostics_text
        assert d["divergences"] == 0 and d["tree_depth_hits"] <= 40, res.diagnostics_text


def _posterior_result(draws: np.ndarray) -> Any:
    """A BayesResult around hand-made draws of one parameter ``b`` (chains x draws)."""
    from econindex.bayes._base import BayesResult

    idata = az.from_dict(posterior={"b": draws})
    data = xr.Dataset(coords={"geo": [f"S{i}" for i in range(51)]})
    return BayesResult(idata=idata, model_name="StateUsageModel", config=None, data=data, var_names=("b",))


def test_compare_shows_posterior_beside_frequentist_and_flags_failed_diagnostics():
    rng = np.random.default_rng(3)
    good = _posterior_result(rng.normal(1.7, 0.33, size=(4, 1000)))
    # four chains stuck at four different values: R-hat far above 1.01
    bad = _posterior_result(rng.normal(0.0, 0.01, size=(4, 1000)) + np.arange(4.0)[:, None])
    freq = ei.IncomeElasticity().fit(ei.datasets.load_us_states_2025_08(), level="state_us")
    table = ei.compare([freq, good, bad], names=["OLS", "Bayes", "stuck"])
    draws = np.asarray(good.posterior["b"].values).ravel()
    assert table.frame.loc["b", "Bayes"] == f"{draws.mean():.3f}"
    assert table.frame.loc["b (se)", "Bayes"] == f"({draws.std(ddof=1):.3f})"
    assert table.frame.loc["b", "OLS"] == ""
    assert table.frame.loc["N", "Bayes"] == "51"
    assert table.frame.loc["SE type", "Bayes"] == "posterior sd"
    assert table.frame.loc["MCMC diagnostics"].tolist() == ["", "passed", "FAILED"]
    assert any(n.startswith("stuck (StateUsageModel)") and "r_hat" in n for n in table.notes)
