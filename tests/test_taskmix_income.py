"""TaskMixIncome (issue 20): against pyfixest and statsmodels, on simulated truth, bad input, real states."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import xarray as xr

import econindex as ei
from econindex.errors import DataValueError, EstimationError, MissingCovariateError, OptionError, SchemaError
from econindex.taskmix_income import TaskMixIncome

REF = Path(__file__).parent / "reference"


@lru_cache(maxsize=4)
def _sim(seed: int = 1, shift: float = 0.25, n_countries: int = 120) -> xr.Dataset:
    return ei.simulate(
        seed=seed,
        n_tasks=200,
        n_requests=24,
        abuse_state=None,
        task_mix_income_shift=shift,
        n_countries=n_countries,
    )


def _group_counts(ds: xr.Dataset) -> tuple[pd.DataFrame, pd.Series]:
    """Countries x SOC group counts and ln GDP per capita, by pandas alone (the independent side)."""
    countries = [
        str(g)
        for g, lv, loc in zip(ds.geo.values, ds.geo_level.values, ds.located.values, strict=True)
        if lv == "country" and loc
    ]
    sub = ds.sel(geo=countries)
    tc = sub["task_count"].to_pandas()
    soc = pd.Series(ds["soc_major"].values, index=ds["task"].values)
    keep = soc[~soc.isin(["none", "not_classified"])]
    by_group = tc[keep.index].T.groupby(keep.values).sum().T
    lgdp = np.log(sub["gdp"].to_pandas() / sub["working_age_pop"].to_pandas())
    return by_group, lgdp


def test_ppml_equals_pyfixest_fepois() -> None:
    """Coefficients to 1e-6 and CRV1 clustered errors to 1e-4 of pyfixest's fepois (tests/reference)."""
    ref = json.loads((REF / "taskmix_income_fixest.json").read_text())
    ds = ei.simulate(**ref["case"])
    res = TaskMixIncome(reference=ref["reference"], cluster_correction="CR1", weighting="counts").fit(ds)
    ks = sorted(ref["coef"])
    assert sorted(res.params.index) == [f"soc_{k}" for k in ks]
    for k in ks:
        assert res.params[f"soc_{k}"] == pytest.approx(ref["coef"][k], abs=1e-6)
        assert res.params[f"soc_{k}"] == pytest.approx(ref["glm_coef"][k], abs=1e-6)
        assert res.bse[f"soc_{k}"] == pytest.approx(ref["se_crv1"][k], rel=1e-4)
    assert res.regression.nobs == ref["nobs"]
    assert res.reference == "15" and res.cov_label == "cluster (CR1, 60 clusters)"
    shares = TaskMixIncome(reference=ref["reference"]).fit(ds)  # weighting="places", the default
    for k in ks:
        assert shares.params[f"soc_{k}"] == pytest.approx(ref["shares_coef"][k], abs=1e-6)
        assert shares.bse[f"soc_{k}"] == pytest.approx(ref["shares_se_crv1"][k], rel=1e-4)


@pytest.mark.parametrize("cov_type", ["HC1", pytest.param("HC3", marks=pytest.mark.slow)])
def test_ols_equals_statsmodels_per_group(cov_type: str) -> None:
    ds = _sim(2, 0.25, 40)
    res = TaskMixIncome(method="ols", cov_type=cov_type).fit(ds)
    counts, lgdp = _group_counts(ds)
    shares = counts.div(counts.sum(axis=1), axis=0)
    for k in ("15", "25", "43", "53"):
        X = sm.add_constant(lgdp.reindex(shares.index).to_numpy())
        fit = sm.OLS(shares[k].to_numpy(), X).fit(cov_type=cov_type, use_t=True)
        assert res.params[f"soc_{k}"] == pytest.approx(fit.params[1], rel=1e-10)
        assert res.bse[f"soc_{k}"] == pytest.approx(fit.bse[1], rel=1e-10)
        lo, hi = res.conf_int().loc[f"soc_{k}"]
        assert (lo, hi) == pytest.approx(tuple(fit.conf_int()[1]), rel=1e-8)
    frame = res.to_frame()
    assert frame["n"].eq(40).all() and res.nobs_group["15"] == 40
    # log shares: statsmodels on log(count / classified total)
    lres = TaskMixIncome(method="ols", dependent="log_share").fit(ds)
    X = sm.add_constant(lgdp.reindex(shares.index).to_numpy())
    fit = sm.OLS(np.log(shares["15"].to_numpy()), X).fit(cov_type="HC1", use_t=True)
    assert lres.params["soc_15"] == pytest.approx(fit.params[1], rel=1e-10)


@pytest.mark.slow
def test_ppml_recovers_simulated_loadings() -> None:
    """b_k = shift * (loading_k - loading_ref): the simulator's shares are normalized within each place."""
    ds = _sim()
    truth = json.loads(ds.attrs["truth"])
    load, shift = truth["soc_income_loading"], truth["task_mix_income_shift"]
    res = TaskMixIncome().fit(ds)
    f = res.to_frame()
    true = np.array([shift * (load[k] - load[res.reference]) for k in f["soc_major"]])
    inside = (f["ci_lower"] <= true) & (true <= f["ci_upper"])
    assert inside.sum() >= len(f) - 2, f.assign(truth=true)[~inside]
    assert np.all(np.abs(f["estimate"] - true) < 4 * f["std_error"])
    # another reference: b_k(ref 43) = b_k(ref 15) - b_43(ref 15), and share elasticities do not move
    alt = TaskMixIncome(reference="43").fit(ds)
    assert alt.params["soc_25"] == pytest.approx(res.params["soc_25"] - res.params["soc_43"], abs=1e-7)
    e1 = res.share_elasticities().set_index("soc_major")["estimate"]
    e2 = alt.share_elasticities().set_index("soc_major")["estimate"]
    assert np.allclose(e1, e2.reindex(e1.index), atol=1e-7)
    # the computer/math share falls with income (loading -1), the joint test sees the shift
    assert e1["15"] < 0 and res.share_elasticities().set_index("soc_major").loc["15", "ci_upper"] < 0
    assert res.joint.pvalue < 0.01 and res.wald is not None


@pytest.mark.slow
def test_joint_test_under_the_null_and_shares() -> None:
    ds = _sim(3, 0.0)
    res = TaskMixIncome().fit(ds)
    assert res.joint.pvalue > 0.05  # one seeded draw; the size over 200 releases is in benchmarks/
    sh = res.shares()
    # observed shares within each place add up to one; fitted shares too (the place effects)
    sums = sh.groupby("geo")[["share", "fitted_share"]].sum()
    assert np.allclose(sums, 1.0)
    counts, _ = _group_counts(ds)
    obs = sh.set_index(["geo", "soc_major"])["share"]
    hand = counts.div(counts.sum(axis=1), axis=0).stack()
    assert np.allclose(obs.reindex(hand.index), hand, atol=1e-12)
    xa = res.to_xarray()
    assert xa["share"].dims == ("geo", "soc_major") and xa.attrs["reference"] == "15"


def test_coverage_exclusions_and_absent_cells() -> None:
    ds = _sim(4, 0.25, 30).copy(deep=True)
    tc = ds["task_count"].values
    geos = list(map(str, ds.geo.values))
    soc = ds["soc_major"].values.astype(str)
    a, b, c = [g for g in geos if len(g) == 3 and g not in ("USA",)][:3]
    tc[geos.index(a), :] = np.nan  # no task counts at all
    cls = np.flatnonzero(~np.isin(soc, ["none", "not_classified"]))
    big = cls[np.argsort(-tc[geos.index(b), cls])]
    tc[geos.index(b), big[3:]] = np.nan  # suppressed cells: only the three largest tasks are published
    gone = np.flatnonzero(soc == "45")
    tc[geos.index(c), gone] = np.nan  # group 45 absent (not zero) in one place
    ds["task_count"] = (ds["task_count"].dims, tc)
    res = TaskMixIncome(min_coverage=0.5).fit(ds)
    assert res.excluded[a] == "no task counts"
    hand = np.nansum(tc[geos.index(b), cls]) / float(ds["usage_count"].sel(geo=b))
    assert res.coverage[b] == pytest.approx(hand, rel=1e-12) and hand < 0.5
    assert res.excluded[b].startswith("task data cover")
    assert c in res.geos and res.absent_cells["45"] == 1 and res.nobs_group["45"] == len(res.geos) - 1
    zero = TaskMixIncome(min_coverage=0.5, absent="zero").fit(ds)
    assert (
        zero.nobs_group["45"] == len(zero.geos)
        and zero.counts[zero.geos.index(c), zero.groups.index("45")] == 0
    )
    assert "55" in res.excluded_groups  # military: no task of the group in the data
    assert "none" in res.excluded_tasks and "Places left out" in res.summary()


def test_bad_input_is_typed_and_named() -> None:
    ds = _sim(4, 0.25, 30).copy(deep=True)
    geos = list(map(str, ds.geo.values))
    g = next(x for x in geos if len(x) == 3 and x != "USA")
    gdp = ds["gdp"].values.copy()
    gdp[geos.index(g)] = np.nan
    no_gdp = ds.assign(gdp=("geo", gdp))
    with pytest.raises(MissingCovariateError, match=g):
        TaskMixIncome().fit(no_gdp)
    dropped = TaskMixIncome(missing="drop").fit(no_gdp)
    assert dropped.excluded[g] == "GDP or working-age population missing" and g not in dropped.geos
    tc = ds["task_count"].values.copy()
    tc[:, ds["soc_major"].values.astype(str) == "45"] = 0.0
    no45 = ds.assign(task_count=(ds["task_count"].dims, tc))
    with pytest.raises(DataValueError, match="45"):
        TaskMixIncome(groups=("15", "25", "45")).fit(no45)
    assert TaskMixIncome().fit(no45).excluded_groups["45"] == "no conversations"
    with pytest.raises(SchemaError, match="task_count"):
        TaskMixIncome().fit(ds.drop_vars("task_count"))
    with pytest.raises(OptionError, match="method"):
        TaskMixIncome(method="logit")
    with pytest.raises(OptionError, match="not SOC"):
        TaskMixIncome(groups=("15", "99"))
    with pytest.raises(EstimationError):
        TaskMixIncome(exclude=[x for x in geos if len(x) == 3][:-2]).fit(ds)


@pytest.mark.slow
def test_subset_of_groups_and_plot() -> None:
    """With a subset of groups the slopes relative to the reference are unchanged in expectation
    (shares within the subset); the plot draws one panel per group."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ds = _sim(1, 0.25, 120)
    res = TaskMixIncome(groups=("15", "25", "27", "43", "19")).fit(ds)
    full = TaskMixIncome().fit(ds)
    for k in ("25", "27", "43", "19"):
        assert abs(res.params[f"soc_{k}"] - full.params[f"soc_{k}"]) < 2 * full.bse[f"soc_{k}"]
    fig = res.plot()
    assert len([a for a in fig.axes if a.get_visible()]) == 5
    curve = res.share_curve("15", np.array([8.0, 11.0]))
    assert curve["share"].iloc[0] > curve["share"].iloc[1]
    assert (curve["lower"] < curve["share"]).all() and (curve["share"] < curve["upper"]).all()


@pytest.mark.slow
def test_real_state_slice_computer_math_share_falls() -> None:
    """The real Aug 2025 state slice: the computer/math share elasticity (docs/reproduce.md)."""
    from econindex.datasets import load_us_state_covariates

    ds = ei.datasets.load_us_state_slice_2025_08()
    cov = load_us_state_covariates()
    ds = ei.attach_covariates(ds, population=cov["working_age_pop"], gdp=cov["gdp"])
    res = TaskMixIncome(level="state_us").fit(ds)
    e = res.share_elasticities().set_index("soc_major").loc["15"]
    assert e["ci_upper"] < 0  # falls with income, distinguishable from zero
    assert {"AK", "ND", "SD", "WY"} <= {g for g, why in res.excluded.items() if why == "no task counts"}
    # the OLS picture agrees in sign (share on ln GDP per capita, HC1)
    ols = TaskMixIncome(level="state_us", method="ols").fit(ds)
    assert ols.conf_int().loc["soc_15", "upper"] < 0
    assert len(res.geos) == ols.nobs_group["15"]


@pytest.mark.slow
def test_report_section_labels_simulated_countries_and_real_states() -> None:
    pytest.importorskip("matplotlib")
    from econindex._report_render import Progress
    from econindex.report._context import Context, ReportConfig
    from econindex.report._taskmix_income import taskmix_income_section

    ctx = Context(config=ReportConfig(out=Path("unused"), bayes=False), progress=Progress(quiet=True))
    sec = taskmix_income_section(ctx)
    assert "SIMULATED" in sec.paragraphs[0] and "REAL DATA" in sec.paragraphs[1]
    assert any("15 conversations" in w for w in sec.warnings)  # the small-cell caveat
    assert len(sec.figures) == 2
    row = ctx.rows[0]
    assert row.ci is not None and row.ci[0] <= row.estimate <= row.ci[1] and row.nobs == 26
    table = sec.tables["taskmix_income_countries_simulated"]
    # simulated: every shown group's interval against the truth at the pooled shares
    inside = (table["ci_lower"] <= table.iloc[:, -1]) & (table.iloc[:, -1] <= table["ci_upper"])
    assert inside.sum() >= 3
