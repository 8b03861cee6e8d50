"""Issue 17, estimators, helpers and procedures followed to the letter (docs/bad_input.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import plain_automation as plain
import pytest
import xarray as xr

import econindex as ei
from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.io.covariates import attach_covariates
from econindex.robustness import exclude_flagged

STATE_SLICE = "releases/release_2025_09_15/aei_raw_claude_ai_2025-08-04_to_2025-08-11_state_us.csv"


# --- estimators validate what they are given ---------------------------------------------------------
@pytest.fixture(scope="module")
def states() -> xr.Dataset:
    return ei.datasets.load_us_states_2025_08()


@pytest.mark.parametrize("estimator", [ei.TaskMixAutomation(), ei.IncomeElasticity()], ids=type)
def test_fit_refuses_what_is_not_a_dataset(estimator, states) -> None:
    with pytest.raises(SchemaError, match=r"expected an xarray.Dataset, got DataArray"):
        estimator.fit(states["usage_count"], level="state_us")
    with pytest.raises(SchemaError, match=r"expected an xarray.Dataset, got NoneType"):
        estimator.fit(None, level="state_us")


@pytest.mark.parametrize("estimator", [ei.TaskMixAutomation(), ei.IncomeElasticity()], ids=type)
def test_fit_refuses_string_gdp_and_duplicate_geos(estimator, states) -> None:
    with pytest.raises(SchemaError, match=r"variable 'gdp' has dtype <U\d+; expected a float dtype"):
        estimator.fit(states.assign(gdp=states["gdp"].astype(str)), level="state_us")
    with pytest.raises(SchemaError, match=r"duplicate geo labels: \['AK'\]"):
        estimator.fit(states.isel(geo=[0, 0, *range(1, 51)]), level="state_us")


def test_convergence_and_cost_usage_validate_first() -> None:
    panel = ei.datasets.load_us_state_panel()
    with pytest.raises(SchemaError, match=r"expected an xarray.Dataset, got DataArray"):
        ei.convergence(panel["usage_index"])
    with pytest.raises(SchemaError, match=r"duplicate geo labels: \['AK'\]"):
        ei.convergence(panel.isel(geo=[0, 0, *range(1, panel.sizes["geo"])]))
    with pytest.raises(SchemaError, match=r"expected an xarray.Dataset, got NoneType"):
        ei.CostUsage().fit(None)


# --- helpers -----------------------------------------------------------------------------------------------
def test_attach_covariates_with_string_values(states) -> None:
    base = states.drop_vars(["working_age_pop", "gdp"])
    pop = states["working_age_pop"].to_series()
    text = pop.astype(object)
    text.loc["UT"] = "lots"
    with pytest.raises(DataValueError, match=r"Series: non-numeric working_age_pop 'lots' for geo 'UT'"):
        attach_covariates(base, population=text)
    da = xr.DataArray(text.to_numpy(), dims="geo", coords={"geo": text.index.to_numpy()})
    with pytest.raises(DataValueError, match=r"DataArray: non-numeric working_age_pop 'lots' for geo 'UT'"):
        attach_covariates(base, population=da)
    # numbers written as text are numbers
    out = attach_covariates(base, population=pop.astype(str))
    assert float(out["working_age_pop"].sel(geo="UT")) == float(pop.loc["UT"])


def test_attach_covariates_csv_with_a_duplicated_geo(tmp_path: Path, states) -> None:
    base = states.drop_vars(["working_age_pop", "gdp"])
    pop = states["working_age_pop"].to_series()
    lines = ["state_code,working_age_pop", *[f"{g},{v}" for g, v in pop.items()], "UT,1"]
    (tmp_path / "pop.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(
        DataValueError, match=r"pop.csv: geo 'UT' is given more than once \(rows \[\d+, 52\]\)"
    ):
        attach_covariates(base, population=tmp_path / "pop.csv")


def test_attach_covariates_csv_without_a_key_column(tmp_path: Path, states) -> None:
    base = states.drop_vars(["working_age_pop", "gdp"])
    pop = states["working_age_pop"].to_series()
    (tmp_path / "nokey.csv").write_text("working_age_pop\n" + "\n".join(map(str, pop.to_numpy())) + "\n")
    with pytest.raises(SchemaError, match=r"nokey.csv: no key column for 'working_age_pop'"):
        attach_covariates(base, population=tmp_path / "nokey.csv", missing="drop")
    # keys of the wrong kind (ISO-3 for states) match nothing: an error, not every geo dropped
    wrong = pd.Series(pop.to_numpy(), index=[f"X{k:02d}" for k in range(len(pop))])
    with pytest.raises(SchemaError, match=r"none of the source's 51 keys .* is a geo of the dataset"):
        attach_covariates(base, population=wrong, missing="drop")


def test_exclude_flagged_with_a_mapping_of_counts(states) -> None:
    """{"UT": 5.0} removes five conversations (decided: a mapping gives counts); {"UT": True} drops Utah."""
    clean = exclude_flagged(states, flags={"UT": 5.0})
    assert clean.sizes["geo"] == 51
    assert float(clean["usage_count"].sel(geo="UT")) == float(states["usage_count"].sel(geo="UT")) - 5.0
    # the index at a fixed reference is proportional to usage (hand computation)
    ratio = (8340.0 - 5.0) / 8340.0
    assert float(clean["usage_index"].sel(geo="UT")) == pytest.approx(
        float(states["usage_index"].sel(geo="UT")) * ratio, rel=1e-12
    )
    assert json.loads(clean.attrs["flag_exclusion"])["removed"]["usage_count"] == {"UT": 5.0}
    assert "UT" not in exclude_flagged(states, flags={"UT": True})["geo"].values
    with pytest.raises(OptionError, match=r"flags as a mapping must map geos"):
        exclude_flagged(states, flags={"UT": "five"})
    with pytest.raises(DataValueError, match=r"not in the dataset"):
        exclude_flagged(states, flags={"ZZ": 5.0})


@pytest.mark.parametrize("values", [[], [np.nan, np.nan]], ids=["no geo", "all missing"])
def test_gini_of_nothing(values: list[float]) -> None:
    da = xr.DataArray(
        np.asarray(values, float), dims="geo", coords={"geo": [f"g{k}" for k in range(len(values))]}
    )
    with pytest.raises(DataValueError, match=r"need at least one observed value"):
        ei.gini(da)
    with pytest.raises(SchemaError, match=r"expected an xarray Dataset or DataArray, got list"):
        ei.gini(values)  # type: ignore[arg-type]


# --- the published sample rule --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[xr.Dataset, pd.DataFrame]:
    path = tmp_path_factory.mktemp("rel") / "aei_enriched_sim.csv"
    ei.write_aei(ei.simulate(seed=1), path)
    return ei.read_aei(path), pd.read_csv(path, keep_default_na=False, na_values=[""])


@pytest.mark.slow  # ~25 s: a full-size simulated release through the plain loops
def test_automation_on_a_release_uses_the_published_sample_rule(sim_release) -> None:
    back, rows = sim_release
    res = ei.TaskMixAutomation().fit(back, level="country")
    ref = plain.plain_fit(rows, level="country", min_conversations=plain.MIN_CONVERSATIONS["country"])
    assert res.nobs == ref["nobs"] == 115  # the released code's sample, not all 120 countries
    assert res.slope == pytest.approx(ref["slope"], abs=1e-8)
    assert res.partial_rsquared == pytest.approx(ref["partial_rsquared"], abs=1e-8)
    assert res.naive_se == pytest.approx(ref["naive_se"], abs=1e-8)
    small = res.excluded[res.excluded["reason"].str.contains("below min_count=200")]
    assert len(small) == 5
    assert (back["usage_count"].sel(geo=small.index.to_list()) < 200).all()
    assert "sample rule" in res.sources["sample"]
    # opting out gives every country with data
    assert ei.TaskMixAutomation(min_count=None).fit(back, level="country").nobs == 120


def test_sample_rule_not_applied_to_an_in_memory_simulation() -> None:
    ds = ei.simulate(seed=1, n_countries=40, n_tasks=100)
    assert ei.TaskMixAutomation().fit(ds, level="country").nobs == 40


@pytest.mark.parametrize("bad", [-1.0, "all", True, float("nan")])
def test_min_count_option_checked(bad: object) -> None:
    with pytest.raises(OptionError, match=r"min_count=.* must be a non-negative number, 'release' or None"):
        ei.TaskMixAutomation(min_count=bad)  # type: ignore[arg-type]


# --- specialization excludes clusters by identity -------------------------------------------------
def _hand_lq(path: Path, geo: str, cluster: str, level: int) -> float:
    """Location quotient from the raw rows with pandas: the geo's share of level-``level`` request
    conversations over the pooled share of all state rows, ``none``/``not_classified`` left out."""
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    r = df[(df["facet"] == "request") & (df["variable"] == "request_count") & (df["level"] == level)]
    r = r[~r["cluster_name"].isin(["none", "not_classified"])]
    mine = r[r["geo_id"] == geo]
    pooled = r.groupby("cluster_name")["value"].sum()
    share = float(mine.loc[mine["cluster_name"] == cluster, "value"].sum()) / float(mine["value"].sum())
    return share / (float(pooled.loc[cluster]) / float(pooled.sum()))


@pytest.fixture(scope="module")
def state_slice(shared_aei: Path) -> xr.Dataset:
    return ei.read_aei(shared_aei / STATE_SLICE)


def test_specialization_excludes_special_clusters_at_every_level(state_slice, shared_aei: Path) -> None:
    travel = "Help plan and organize events, schedules, and travel arrangements"
    lq = ei.specialization(state_slice, "request", level="state_us", request_level=2)
    assert "not_classified [level 2]" not in lq["request"].values
    assert float(lq.sel(geo="HI", request=travel)) == pytest.approx(
        _hand_lq(shared_aei / STATE_SLICE, "HI", travel, 2), rel=1e-12
    )
    assert float(lq.sel(geo="HI", request=travel)) == pytest.approx(1.9, abs=0.05)  # the report: about twice
    top = ei.top_specializations(state_slice, "UT", n=1, over="request", request_level=2)
    assert not top["category"].str.startswith(("not_classified", "none")).any()
    share = ei.request_share(state_slice, level="state_us", request_level=2)
    assert share.attrs["excluded"] == ["not_classified [level 2]"]
    np.testing.assert_allclose(share.sum("request").values, 1.0, rtol=1e-12)


def test_identity_strips_only_the_labels_own_level() -> None:
    counts = [[10.0, 5.0, 5.0, 80.0], [20.0, 10.0, 10.0, 60.0]]
    ds = xr.Dataset(
        {"request_count": (("geo", "request"), counts)},
        coords={
            "geo": ["CA", "TX"],
            "geo_level": ("geo", ["state_us", "state_us"]),
            "request": ["none [level 1]", "Plan trips", "none [level 7]", "Write code"],
            "request_level": ("request", [1, 1, 1, 1]),
        },
    )
    lq = ei.specialization(ds, "request", level="state_us", request_level=1)
    # 'none [level 1]' is the none cluster; 'none [level 7]' at level 1 is a cluster of that name
    assert list(lq["request"].values) == ["Plan trips", "none [level 7]", "Write code"]
    # hand computation: CA shares 5/90, 5/90, 80/90; pooled (CA + TX) 15/170, 15/170, 140/170
    np.testing.assert_allclose(
        lq.sel(geo="CA").values, [(5 / 90) / (15 / 170)] * 2 + [(80 / 90) / (140 / 170)]
    )


def test_compare_shares_excludes_special_request_clusters_at_every_level() -> None:
    counts = np.array([[[10.0, 30.0], [5.0, 5.0], [85.0, 65.0]]])  # geo x request x period
    ds = xr.Dataset(
        {
            "request_count": (("geo", "request", "period"), counts),
            "usage_count": (("geo", "period"), [[100.0, 100]]),
        },
        coords={
            "geo": ["GLOBAL"],
            "geo_level": ("geo", ["global"]),
            "geo_name": ("geo", ["Global"]),
            "request": ["none [level 1]", "Plan trips", "Write code"],
            "request_level": ("request", [1, 1, 1]),
            "period": ["2025-08-04", "2025-11-13"],
        },
    )
    res = ei.compare_shares(
        ds, dim="period", over="request", request_level=1, exclude=("none", "not_classified")
    )
    table = res.table.set_index("category")
    assert list(table.index) == ["Plan trips", "Write code"]
    # hand computation: Plan trips 5/90 then 5/70 of the clusters that are not 'none'
    assert table.loc["Plan trips", "diff"] == pytest.approx(5 / 70 - 5 / 90, rel=1e-12)
