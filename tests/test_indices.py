"""Tests of econindex.indices: usage index, shares, automation share, tiers, specialization, concentration.

References are independent of the code under test: published figures of the
AEI release (the vendored real data), hand computations on small made-up
datasets, and plain pandas/NumPy re-implementations written here.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import econindex as ei
from econindex.datasets import COUNTRY_REFERENCE_RATIO_2025_08, STATE_REFERENCE_RATIO_2025_08
from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.geography import geo_coords
from econindex.indices import (
    MIN_COUNT,
    RELEASE_EXCLUDED_COUNTRIES_2025_09,
    SOC_MAJOR_GROUPS,
    TIER_LABELS,
    automation_share,
    gini,
    lorenz_curve,
    pattern_share,
    request_share,
    specialization,
    task_share,
    tiers_categorical,
    top_k_share,
    top_specializations,
    usage_index,
    usage_tiers,
)
from econindex.schema import PATTERNS, pattern_coords


# ----------------------------------------------------------------------------- builders
def country_ds(usage, pop, geos=None, unlocated=None, global_usage=None):
    """Countries (plus optional unlocated usage and a GLOBAL row) with usage and population."""
    geos = list(geos or ["USA", "BRA", "IND", "ISR", "DEU"][: len(usage)])
    levels = ["country"] * len(geos)
    u, p = list(map(float, usage)), list(map(float, pop))
    if unlocated is not None:
        geos.append("not_classified")
        levels.append("country")
        u.append(float(unlocated))
        p.append(np.nan)
    if global_usage is not None:
        geos.append("GLOBAL")
        levels.append("global")
        u.append(float(global_usage))
        p.append(np.nan)
    return xr.Dataset(
        {"usage_count": ("geo", u), "working_age_pop": ("geo", p)},
        coords=geo_coords(geos, levels),
    )


# ----------------------------------------------------------------------------- usage index: real data
def test_country_index_reproduces_published_column_from_counts():
    ds = ei.datasets.load_countries_2025_08()
    ref = {"usage_count": COUNTRY_REFERENCE_RATIO_2025_08 * 1e9, "working_age_pop": 1e9}
    aui = usage_index(ds, "country", reference=ref)
    assert aui.sizes["geo"] == 114
    published = ds["usage_index"].sel(geo=aui["geo"])
    np.testing.assert_allclose(aui.values, published.values, rtol=1e-6)
    # the dataset attr route gives the same numbers
    xr.testing.assert_allclose(usage_index(ds, reference="published"), aui, rtol=1e-12)


def test_state_index_reproduces_published_column_both_ways():
    st = ei.datasets.load_us_states_2025_08()
    ref = {"usage_count": STATE_REFERENCE_RATIO_2025_08, "working_age_pop": 1.0}
    aui = usage_index(st, "state_us", reference=ref)
    assert aui.sizes["geo"] == 51
    np.testing.assert_allclose(aui.values, st["usage_index"].sel(geo=aui["geo"]).values, rtol=1e-6)
    # the release convention (reference = the states themselves) gives the published index too:
    # the published state ratio is that of the 51 states (PROVENANCE: 9.542474e-4)
    own = usage_index(st, "state_us")
    np.testing.assert_allclose(own.values, st["usage_index"].sel(geo=own["geo"]).values, rtol=1e-6)
    assert own.attrs["reference_ratio"] == pytest.approx(STATE_REFERENCE_RATIO_2025_08, rel=1e-6)


def test_country_release_convention_ratio_is_the_114_row_ratio():
    ds = ei.datasets.load_countries_2025_08()
    aui = usage_index(ds)  # reference = the 114 countries of the table (no unlocated geo in it)
    # PROVENANCE.md: the 114 rows alone give 2.1996e-4 conversations per working-age person
    assert aui.attrs["reference_ratio"] == pytest.approx(2.1996e-4, rel=5e-5)
    ratio = COUNTRY_REFERENCE_RATIO_2025_08 / aui.attrs["reference_ratio"]
    np.testing.assert_allclose(aui.values, ds["usage_index"].values * ratio, rtol=1e-6)


# ----------------------------------------------------------------------------- usage index: hand computations
def test_index_hand_computation_with_unlocated_usage():
    ds = country_ds([100, 300, 600], [10, 20, 70], unlocated=1000 - 1000 + 200)
    aui = usage_index(ds, min_count=0)
    U, P = 100 + 300 + 600 + 200, 10 + 20 + 70
    expected = np.array([100 / 10, 300 / 20, 600 / 70]) / (U / P)
    np.testing.assert_allclose(aui.values, expected, rtol=1e-14)
    assert list(aui["geo"].values) == ["USA", "BRA", "IND"]  # the unlocated geo is not indexed
    assert "not_classified" in aui.attrs["reference"]


def test_index_reference_list_and_mapping():
    ds = country_ds([100, 300, 600], [10, 20, 70], unlocated=50)
    by_list = usage_index(ds, reference=["USA", "BRA"], min_count=0)
    expected = np.array([100 / 10, 300 / 20, 600 / 70]) / (400 / 30)
    np.testing.assert_allclose(by_list.values, expected, rtol=1e-14)
    by_map = usage_index(ds, reference={"usage_count": 4.0, "working_age_pop": 0.3}, min_count=0)
    np.testing.assert_allclose(by_map.values, expected, rtol=1e-14)
    # an unlocated geo in the list adds usage only
    with_unloc = usage_index(ds, reference=["USA", "BRA", "not_classified"], min_count=0)
    np.testing.assert_allclose(with_unloc.values, np.array([10, 15, 600 / 70]) / (450 / 30), rtol=1e-14)


def test_index_reference_errors():
    ds = country_ds([100, 300], [10, 20])
    with pytest.raises(SchemaError, match="reference_ratio"):
        usage_index(ds, reference="published")
    with pytest.raises(OptionError, match="reference"):
        usage_index(ds, reference="global")
    with pytest.raises(SchemaError, match="'FRA'"):
        usage_index(ds, reference=["USA", "FRA"])
    with pytest.raises(OptionError, match="working_age_pop"):
        usage_index(ds, reference={"usage_count": 1.0})
    with pytest.raises(DataValueError, match="positive"):
        usage_index(ds, reference={"usage_count": 0.0, "working_age_pop": 1.0})
    with pytest.raises(OptionError, match="level"):
        usage_index(ds, level="county")


def test_index_needs_counts_and_points_at_published_variable():
    panel = ei.datasets.load_us_state_panel()
    with pytest.raises(SchemaError, match="published 'usage_index'"):
        usage_index(panel, "state_us")


def test_min_count_defaults_and_visible_removal():
    assert MIN_COUNT == {"country": 200, "state_us": 100}
    ds = country_ds([150, 250, 600], [10, 20, 70])
    aui = usage_index(ds)
    assert list(aui["geo"].values) == ["BRA", "IND"]
    assert aui.attrs["removed"] == ["USA"] and aui.attrs["below_min_count"] == ["USA"]
    assert aui.attrs["min_count"] == 200.0
    # the threshold decides what is reported, never the reference
    full = usage_index(ds, keep_all=True)
    np.testing.assert_allclose(full.sel(geo=["BRA", "IND"]).values, aui.values)
    assert full["eligible"].values.tolist() == [False, True, True]
    # explicit threshold
    assert usage_index(ds, min_count=100).sizes["geo"] == 3
    st = country_ds([150, 99], [1, 1], geos=["CA", "WY"])
    st = st.assign_coords(geo_level=("geo", ["state_us", "state_us"]))
    assert list(usage_index(st, "state_us")["geo"].values) == ["CA"]


def test_exclude_drops_from_result_and_release_reference():
    ds = country_ds([100, 300, 600], [10, 20, 70])
    aui = usage_index(ds, exclude=["IND", "CHN"], min_count=0)  # CHN is not in ds: ignored
    assert list(aui["geo"].values) == ["USA", "BRA"]
    np.testing.assert_allclose(aui.values, np.array([10, 15]) / (400 / 30))
    assert aui.attrs["excluded"] == ["IND"]
    # with an explicit reference, exclude only trims the output
    aui2 = usage_index(
        ds, exclude=["IND"], reference={"usage_count": 1.0, "working_age_pop": 1.0}, min_count=0
    )
    np.testing.assert_allclose(aui2.values, [10.0, 15.0])
    flagged = ds.assign_coords(abuse_flagged=("geo", [False, True, False]))
    assert list(usage_index(flagged, exclude="abuse_flagged", min_count=0)["geo"].values) == ["USA", "IND"]


def test_release_excluded_countries_constant():
    codes = RELEASE_EXCLUDED_COUNTRIES_2025_09
    assert len(codes) == 23 and len(set(codes)) == 23
    assert {"CHN", "RUS", "IRN", "PRK", "VEN"} <= set(codes)
    iso3 = set(ei.geography.iso_table()["iso_alpha_3"])
    assert set(codes) <= iso3
    # no published country of the Aug 2025 table is in the list (Claude is not offered there)
    ds = ei.datasets.load_countries_2025_08()
    assert not set(codes) & set(ds["geo"].values.tolist())
    assert usage_index(ds, exclude=codes).attrs["excluded"] == []


@pytest.mark.parametrize("bad", [0.0, np.nan])
def test_zero_or_missing_population_raises_naming_geo(bad):
    ds = country_ds([300, 300, 600], [10, bad, 70])
    with pytest.raises(DataValueError, match="'BRA'"):
        usage_index(ds)
    # excluding the geo is the documented way out
    assert usage_index(ds, exclude=["BRA"]).sizes["geo"] == 2


def test_zero_usage_is_zero_and_missing_usage_is_nan():
    ds = country_ds([0, 300, np.nan], [10, 20, 70])
    aui = usage_index(ds, keep_all=True)
    assert aui.sel(geo="USA").item() == 0.0
    assert np.isnan(aui.sel(geo="IND").item())
    assert aui.attrs["missing_usage"] == ["IND"]
    # the geo with missing usage does not dilute the reference population
    assert aui.sel(geo="BRA").item() == pytest.approx((300 / 20) / (300 / 30))


def test_index_with_period_dim_equals_per_period_computation():
    u = np.array([[100.0, 500.0], [300.0, 150.0], [600.0, 900.0]])
    ds = country_ds(u[:, 0], [10, 20, 70], unlocated=40)
    ds["usage_count"] = (("geo", "period"), np.vstack([u, [[40.0, 80.0]]]))
    ds = ds.assign_coords(period=["2025-08-04", "2025-11-13"])
    aui = usage_index(ds)
    assert aui.dims == ("geo", "period")
    for per in ds["period"].values:
        one = usage_index(ds.sel(period=per), keep_all=True)
        expect = one.where(one["eligible"])
        np.testing.assert_allclose(
            aui.sel(period=per).values, expect.sel(geo=aui["geo"]).values, equal_nan=True
        )
    # BRA is below 200 in the second period only: kept with a NaN cell; USA is below in the first only
    assert np.isnan(aui.sel(geo="BRA", period="2025-11-13").item())
    assert np.isnan(aui.sel(geo="USA", period="2025-08-04").item())


# ----------------------------------------------------------------------------- shares
def test_task_share_hand_computation_and_exclusions():
    tc = np.array([[5.0, 3.0, 2.0, 10.0], [0.0, 4.0, np.nan, 1.0]])
    ds = xr.Dataset(
        {"task_count": (("geo", "task"), tc)},
        coords={**geo_coords(["USA", "BRA"], ["country"] * 2), "task": ["a", "b", "none", "not_classified"]},
    )
    sh = task_share(ds)
    assert list(sh["task"].values) == ["a", "b"]
    np.testing.assert_allclose(sh.values, [[5 / 8, 3 / 8], [0.0, 1.0]])
    sh2 = task_share(ds, exclude=("not_classified",))
    np.testing.assert_allclose(sh2.sel(geo="USA").values, [0.5, 0.3, 0.2])
    assert np.isnan(sh2.sel(geo="BRA", task="none").item())  # missing stays missing
    np.testing.assert_allclose(sh2.sel(geo="BRA").sum().item(), 1.0)


def test_pattern_and_request_shares_sum_to_one():
    rng = np.random.default_rng(1)
    pc = rng.integers(0, 50, size=(4, len(PATTERNS))).astype(float)
    ds = xr.Dataset(
        {
            "pattern_count": (("geo", "pattern"), pc),
            "request_count": (("geo", "request"), rng.integers(1, 50, size=(4, 5)).astype(float)),
        },
        coords={
            **geo_coords(["USA", "BRA", "IND", "ISR"], ["country"] * 4),
            **pattern_coords(PATTERNS),
            "request": ["r0a", "r0b", "r0c", "r1a", "not_classified"],
            "request_level": ("request", [0, 0, 0, 1, 0]),
            "parent_request": ("request", ["r1a", "r1a", "r1a", "", ""]),
        },
    )
    ps = pattern_share(ds)
    assert set(ps["pattern"].values) == {
        "directive",
        "feedback loop",
        "learning",
        "task iteration",
        "validation",
    }
    np.testing.assert_allclose(ps.sum("pattern").values, 1.0)
    np.testing.assert_allclose(ps.values, pc[:, :5] / pc[:, :5].sum(1, keepdims=True))
    rs = request_share(ds, request_level=0)
    assert list(rs["request"].values) == ["r0a", "r0b", "r0c"]
    np.testing.assert_allclose(rs.sum("request").values, 1.0)
    assert request_share(ds, request_level=1).values.ravel().tolist() == [1.0] * 4
    with pytest.raises(OptionError, match="request_level=2"):
        request_share(ds, request_level=2)


def test_request_level_is_selected_once_for_shares_and_specialization():
    """request_share and specialization(over="request") pick the same clusters (one selection), and
    their location quotients equal a hand computation from the counts."""
    counts = np.array([[4.0, 6.0, 10.0, 2.0], [1.0, 9.0, 10.0, 8.0], [5.0, 15.0, 20.0, 10.0]])
    ds = xr.Dataset(
        {"request_count": (("geo", "request"), counts)},
        coords={
            **geo_coords(["GLOBAL", "BRA", "IND"], ["global", "country", "country"]),
            "request": ["leaf a", "leaf b", "top x", "leaf c"],
            "request_level": ("request", [0, 0, 2, 0]),
        },
    )
    rs = request_share(ds, request_level=0, level="country")
    lq = specialization(ds, "request", level="country", request_level=0)
    assert list(rs["request"].values) == list(lq["request"].values) == ["leaf a", "leaf b", "leaf c"]
    leaves = counts[:, [0, 1, 3]]
    share = leaves / leaves.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rs.values, share[1:], rtol=1e-15)
    np.testing.assert_allclose(lq.values, share[1:] / share[0], rtol=1e-15)  # reference: GLOBAL
    missing = r"request_level=1 has no clusters; levels present: \[0, 2\]"
    with pytest.raises(OptionError, match=missing):
        request_share(ds, request_level=1)
    with pytest.raises(OptionError, match=missing):
        specialization(ds, "request", request_level=1)


def test_shares_from_published_variable_are_renormalized():
    ds = xr.Dataset(
        {"task_share_published": (("geo", "task"), [[0.3, 0.2, 0.5]])},
        coords={**geo_coords(["USA"], ["country"]), "task": ["a", "b", "not_classified"]},
    )
    sh = task_share(ds)
    np.testing.assert_allclose(sh.values, [[0.6, 0.4]])
    assert "published" in sh.attrs["source"]


def test_shares_on_real_state_slice():
    df = ei.datasets.load_us_state_task_slice()
    coll = df[(df["facet"] == "collaboration") & (df["variable"] == "collaboration_pct")]
    wide = coll.pivot_table(index="geo_id", columns="cluster_name", values="value")
    ds = xr.Dataset(
        {"pattern_share_published": (("geo", "pattern"), wide.to_numpy() / 100.0)},
        coords={
            **geo_coords(list(wide.index), ["state_us"] * len(wide)),
            **pattern_coords(list(wide.columns)),
        },
    )
    sh = pattern_share(ds)
    np.testing.assert_allclose(sh.sum("pattern").values, 1.0)
    # independent pandas: renormalize the published percentages over the classified patterns
    ref = wide.div(wide.sum(axis=1), axis=0)
    np.testing.assert_allclose(sh.values, ref.to_numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- automation share
def _pattern_ds(counts, geos=("USA", "BRA")):
    return xr.Dataset(
        {"pattern_count": (("geo", "pattern"), np.asarray(counts, dtype=float))},
        coords={**geo_coords(list(geos), ["country"] * len(geos)), **pattern_coords(PATTERNS)},
    )


def test_automation_share_both_bases_match_hand_computation():
    # PATTERNS order: directive, feedback loop, learning, task iteration, validation, none, not_classified
    ds = _pattern_ds([[39, 10, 20, 17, 4, 7, 3], [10, 0, 30, 5, 5, 50, 0]])
    usa_auto, usa_aug, usa_all = 39 + 10, 20 + 17 + 4, 39 + 10 + 20 + 17 + 4 + 7 + 3
    bra_auto, bra_aug, bra_all = 10, 40, 100
    cls = automation_share(ds, "classified")
    allb = automation_share(ds, "all")
    np.testing.assert_allclose(cls.values, [usa_auto / (usa_auto + usa_aug), bra_auto / (bra_auto + bra_aug)])
    np.testing.assert_allclose(allb.values, [usa_auto / usa_all, bra_auto / bra_all])
    aug = automation_share(ds, "classified", mode="augmentation")
    np.testing.assert_allclose((aug + cls).values, 1.0)
    np.testing.assert_allclose(
        automation_share(ds, "all", mode="augmentation").values, [usa_aug / usa_all, bra_aug / bra_all]
    )
    assert cls.attrs["base"] == "classified" and allb.attrs["base"] == "all"
    assert cls.attrs["patterns"] == ["directive", "feedback loop"]


def test_automation_share_global_headline_figures():
    # a global pattern mix built to the headline shares of the Aug 2025 report:
    # automation 49.1% of all conversations, augmentation 47.0% -> 51.09% of classified ones
    ds = _pattern_ds([[391, 100, 200, 150, 120, 30, 9]], geos=["USA"])
    assert automation_share(ds, "all").item() == pytest.approx(0.491)
    assert automation_share(ds, "all", mode="augmentation").item() == pytest.approx(0.470)
    assert automation_share(ds, "classified").item() == pytest.approx(0.491 / 0.961)
    assert round(automation_share(ds, "classified").item(), 3) == 0.511


def test_automation_share_all_base_needs_unclassified_patterns():
    ds = xr.Dataset(
        {"pattern_count": (("geo", "pattern"), [[5.0, 5.0, 10.0]])},
        coords={
            **geo_coords(["USA"], ["country"]),
            **pattern_coords(["directive", "feedback loop", "learning"]),
        },
    )
    assert automation_share(ds).item() == 0.5
    with pytest.raises(SchemaError, match="none"):
        automation_share(ds, "all")
    with pytest.raises(OptionError):
        automation_share(ds, "everything")  # type: ignore[arg-type]


def test_automation_share_uses_published_variable_and_says_so():
    ds = ei.datasets.load_countries_2025_08()
    a = automation_share(ds)
    xr.testing.assert_equal(a.drop_attrs(), ds["automation_share"].drop_attrs().rename("automation_share"))
    assert "published" in a.attrs["source"]
    np.testing.assert_allclose(
        automation_share(ds, mode="augmentation").values, 1 - ds["automation_share"].values, equal_nan=True
    )
    with pytest.raises(SchemaError, match="'classified' base"):
        automation_share(ds, "all")


# ----------------------------------------------------------------------------- tiers
def test_tiers_match_pandas_qcut_on_real_countries():
    ds = ei.datasets.load_countries_2025_08()
    low = str(ds["geo"].values[int(np.argmin(ds["usage_count"].values))])
    ds = ds.assign(usage_count=ds["usage_count"].where(ds["geo"] != low, 150.0))  # one geo below 200
    aui = usage_index(ds, reference="published", keep_all=True)
    tiers = usage_tiers(aui)
    elig = aui["eligible"].values
    ref = pd.qcut(pd.Series(aui.values[elig]), 4, labels=list(TIER_LABELS[1:]))
    assert tiers.values[elig].tolist() == ref.astype(str).tolist()
    assert tiers.sel(geo=low).item() == "Minimal"
    assert tiers["tier_code"].sel(geo=low).item() == 0
    counts = pd.Series(tiers.values[elig]).value_counts()
    assert counts.min() >= 28 and counts.max() <= 29  # quartiles of 113 eligible geos
    cat = tiers_categorical(tiers)
    assert cat.ordered and list(cat.categories) == list(TIER_LABELS)
    geos = list(aui["geo"].values)
    assert cat.codes[geos.index("USA")] > cat.codes[geos.index(low)] == 0
    assert (pd.Series(cat) >= "Upper middle (50-75%)").sum() == (tiers["tier_code"] >= 3).sum()


def test_tiers_missing_and_period_dim():
    aui = xr.DataArray(
        [[0.1, 1.0], [0.5, 2.0], [np.nan, 3.0], [4.0, 4.0], [5.0, 0.5]],
        dims=("geo", "period"),
        coords={"geo": list("ABCDE"), "period": ["p1", "p2"]},
    )
    t = usage_tiers(aui)
    assert t.sel(geo="C", period="p1").item() == "No data"
    assert t["tier_code"].sel(geo="C", period="p1").item() == -1
    for per in ["p1", "p2"]:
        col = aui.sel(period=per).to_series().dropna()
        ref = pd.qcut(col, 4, labels=list(TIER_LABELS[1:])).astype(str)
        assert t.sel(period=per, geo=list(col.index)).values.tolist() == ref.tolist()
    with pytest.raises(OptionError):
        tiers_categorical(t)


# ----------------------------------------------------------------------------- specialization
def _task_ds():
    tasks = ["translate text", "teach english", "write code", "plan trips", "none", "not_classified"]
    soc = ["27", "25", "15", "39", "none", "not_classified"]
    counts = np.array(
        [
            [60.0, 20.0, 100.0, 20.0, 30.0, 10.0],  # BRA
            [10.0, 10.0, 300.0, 80.0, 50.0, 5.0],  # USA
            [5.0, 5.0, 80.0, 10.0, 0.0, 1.0],  # IND
            [100.0, 50.0, 600.0, 150.0, 90.0, 20.0],  # GLOBAL
        ]
    )
    return xr.Dataset(
        {"task_count": (("geo", "task"), counts)},
        coords={**geo_coords(["BRA", "USA", "IND", "GLOBAL"], ["country"] * 3 + ["global"]), "task": tasks,
                "soc_major": ("task", soc)},
    )  # fmt: skip


def test_specialization_location_quotient_against_pandas():
    ds = _task_ds()
    lq = specialization(ds, "task")
    assert lq.attrs["reference"] == "shares of geo 'GLOBAL'"
    df = ds["task_count"].to_pandas().drop(columns=["none", "not_classified"])
    share = df.div(df.sum(axis=1), axis=0)
    expected = share.loc[["BRA", "USA", "IND"]] / share.loc["GLOBAL"]
    np.testing.assert_allclose(lq.values, expected.to_numpy(), rtol=1e-13)
    # pooled reference: summed counts of the country geos
    pooled = df.loc[["BRA", "USA", "IND"]].sum()
    exp2 = share.loc[["BRA", "USA", "IND"]] / (pooled / pooled.sum())
    np.testing.assert_allclose(
        specialization(ds, "task", reference="pooled").values, exp2.to_numpy(), rtol=1e-13
    )


def test_specialization_soc_major_groupby_reference():
    ds = _task_ds()
    df = ds["task_count"].to_pandas().T
    df["soc"] = ds["soc_major"].values
    g = df.groupby("soc").sum().T.drop(columns=["none", "not_classified"])
    share = g.div(g.sum(axis=1), axis=0)
    expected = share.loc[["BRA", "USA", "IND"]] / share.loc["GLOBAL"]
    lq = specialization(ds, "soc_major")
    np.testing.assert_allclose(lq.to_pandas()[expected.columns].to_numpy(), expected.to_numpy(), rtol=1e-13)


def test_specialization_with_period_dim_and_missing_cells():
    ds = _task_ds()
    two = xr.concat([ds, ds.assign(task_count=ds["task_count"] * 2)], dim="period")
    two = two.assign_coords(period=["p1", "p2"])
    lq = specialization(two, "soc_major")
    assert set(lq.dims) == {"geo", "soc_major", "period"}
    xr.testing.assert_allclose(lq.sel(period="p1", drop=True), lq.sel(period="p2", drop=True))
    holed = ds.assign(
        task_count=ds["task_count"].where(~((ds["geo"] == "IND") & (ds["task"] == "plan trips")))
    )
    lq2 = specialization(holed, "soc_major")
    assert np.isnan(lq2.sel(geo="IND", soc_major="39").item())  # a missing cell is not a zero


def test_top_specializations_names_the_distinctive_group():
    ds = _task_ds()
    top = top_specializations(ds, "BRA", n=2)
    assert top["category"].tolist()[0] == "27"
    assert top["title"].tolist()[0] == SOC_MAJOR_GROUPS["27"]
    assert top["rank"].tolist() == [1, 2]
    assert top["specialization"].is_monotonic_decreasing
    row = top.iloc[0]
    assert row["specialization"] == pytest.approx((60 / 200) / (100 / 900))
    assert row["reference_share"] == pytest.approx(100 / 900)
    assert row["count"] == 60
    usa = top_specializations(ds, "USA", n=1, over="task")
    assert usa["category"].tolist() == ["plan trips"] and usa["title"].tolist() == ["plan trips"]
    assert top_specializations(ds, "IND", n=5, min_count=10).shape[0] == 2  # only cells >= 10 conversations
    with pytest.raises(SchemaError, match="'FRA'"):
        top_specializations(ds, "FRA")


def test_top_specializations_per_period():
    ds = _task_ds()
    swapped = ds["task_count"].copy(data=ds["task_count"].values[:, [1, 0, 2, 3, 4, 5]])
    two = xr.concat([ds, ds.assign(task_count=swapped)], dim="period").assign_coords(period=["p1", "p2"])
    top = top_specializations(two, "BRA", n=1)
    assert top["period"].tolist() == ["p1", "p2"]
    assert top["category"].tolist() == ["27", "25"]  # translation first, then teaching after the swap
    assert top["rank"].tolist() == [1, 1]


# ----------------------------------------------------------------------------- concentration
def _brute_gini(x):
    x = np.asarray(x, float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())


def test_gini_matches_pairwise_formula_and_published_state_figures():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=40)
    da = xr.DataArray(x, dims="geo", coords={"geo": [f"g{i}" for i in range(40)]})
    assert gini(da).item() == pytest.approx(_brute_gini(x), rel=1e-12)
    panel = ei.datasets.load_us_state_panel()
    g = gini(panel, level="state_us")
    # the later AEI report: the US-state Gini fell from 0.37 to 0.32 between the first two releases
    assert round(g.sel(period="2025-08-04").item(), 2) == 0.37
    assert round(g.sel(period="2025-11-13").item(), 2) == 0.32


def test_weighted_gini_is_usage_against_population():
    rng = np.random.default_rng(4)
    x, w = rng.lognormal(size=30), rng.integers(1, 20, size=30).astype(float)
    geos = [f"g{i}" for i in range(30)]
    da = xr.DataArray(x, dims="geo", coords={"geo": geos})
    wa = xr.DataArray(w, dims="geo", coords={"geo": geos})
    # replicating each point w times (integer weights) gives the same Gini as weighting it
    assert gini(da, weights=wa).item() == pytest.approx(_brute_gini(np.repeat(x, w.astype(int))), rel=1e-12)
    # from a dataset: per-capita usage weighted by population
    ds = country_ds([200, 900, 250, 4000, 300], [10, 90, 50, 100, 5])
    g = gini(ds, weights="working_age_pop").item()
    pc = np.array([20, 10, 5, 40, 60.0])
    assert g == pytest.approx(_brute_gini(np.repeat(pc, [10, 90, 50, 100, 5])), rel=1e-12)


def test_lorenz_curve_and_top_k():
    ds = country_ds([200, 900, 250, 4000, 300], [10, 90, 50, 100, 5])
    lc = lorenz_curve(ds, weights="working_age_pop")
    assert lc["geo"].values.tolist() == ["", "IND", "BRA", "USA", "ISR", "DEU"]
    np.testing.assert_allclose(lc["weight_share"].values, np.cumsum([0, 50, 90, 10, 100, 5]) / 255)
    np.testing.assert_allclose(lc["usage_share"].values, np.cumsum([0, 250, 900, 200, 4000, 300]) / 5650)
    # area under the curve gives the Gini
    area = np.trapezoid(lc["usage_share"].values, lc["weight_share"].values)
    assert 1 - 2 * area == pytest.approx(gini(ds, weights="working_age_pop").item(), rel=1e-12)
    top = top_k_share(ds, 2, weights="working_age_pop")
    assert top["usage_share"].item() == pytest.approx((300 + 4000) / 5650)
    assert top["weight_share"].item() == pytest.approx(105 / 255)
    assert top_k_share(ds, 1)["weight_share"].item() == pytest.approx(0.2)
    with pytest.raises(OptionError):
        top_k_share(ds, 0)


def test_concentration_skips_missing_values_per_period():
    panel = ei.datasets.load_us_state_panel()
    g = gini(panel, level="state_us")
    for per in panel["period"].values:
        x = panel["usage_index"].sel(period=per).dropna("geo").values
        assert g.sel(period=per).item() == pytest.approx(_brute_gini(x), rel=1e-12)
    t = top_k_share(panel, 5, level="state_us")
    assert t["usage_share"].dims == ("period",)


def test_concentration_of_all_zero_values_raises_naming_the_period():
    x = xr.DataArray(
        [[1.0, 2.0, 3.0], [0.0, 0.0, np.nan]],
        dims=("period", "geo"),
        coords={"period": ["2025-08", "2025-11"], "geo": ["A", "B", "C"]},
    )
    for fn in (gini, lorenz_curve, lambda v: top_k_share(v, 1)):
        with pytest.raises(DataValueError, match="every value is zero at period='2025-11'"):
            fn(x)
    assert gini(x.isel(period=[0])).item() == pytest.approx(_brute_gini(np.array([1.0, 2.0, 3.0])))


def test_all_functions_keep_labels_under_geo_permutation():
    ds = _task_ds()
    perm = ds.isel(geo=[3, 2, 0, 1])
    for fn in (task_share, lambda d: specialization(d, "soc_major")):
        a, b = fn(ds), fn(perm)
        xr.testing.assert_allclose(a.sortby("geo"), b.sortby("geo"))


@pytest.mark.parametrize("level", ["country", "state_us"])
def test_real_tables_index_is_positive_and_finite(level):
    ds = ei.datasets.load_countries_2025_08() if level == "country" else ei.datasets.load_us_states_2025_08()
    aui = usage_index(ds, level, reference="published")
    assert np.isfinite(aui.values).all() and (aui.values > 0).all()
    pairs = list(itertools.islice(itertools.combinations(aui["geo"].values, 2), 5))
    for a, b in pairs:
        ratio = (ds["usage_count"].sel(geo=a) / ds["working_age_pop"].sel(geo=a)) / (
            ds["usage_count"].sel(geo=b) / ds["working_age_pop"].sel(geo=b)
        )
        assert (aui.sel(geo=a) / aui.sel(geo=b)).item() == pytest.approx(ratio.item(), rel=1e-12)


def test_specialization_on_real_state_task_slice():
    from econindex.datasets import data_path

    ds = ei.read_aei(str(data_path("us_state_tasks_collaboration_2025-08.csv.gz")))
    lq = specialization(ds, "soc_major", level="state_us", reference="pooled")
    assert lq.sizes["geo"] == 51
    assert "caveat" in lq.attrs  # task cells below 15 conversations are absent: truncated mixes
    # identity of the pooled reference: the usage-weighted mean of the LQ over states is 1 per group
    counts = ds["task_count"].to_pandas().T
    counts["soc"] = ds["soc_major"].values
    by_soc = (
        counts.groupby("soc").sum(min_count=1).T.drop(columns=["none", "not_classified"], errors="ignore")
    )
    n_g = by_soc.sum(axis=1)
    lqp = lq.to_pandas().reindex(index=by_soc.index, columns=by_soc.columns)
    weighted = (lqp.fillna(0.0).mul(n_g, axis=0)).sum() / n_g.sum()
    np.testing.assert_allclose(weighted.to_numpy(), 1.0, rtol=1e-12)
    # a missing cell is missing, not a zero
    assert np.isnan(lqp.to_numpy()[by_soc.isna().to_numpy()]).all()


def test_every_function_runs_with_period_and_platform_dims():
    import warnings

    ds = ei.simulate(
        seed=2, n_countries=40, n_tasks=60, n_requests=30, n_periods=2, platforms=("claude_ai", "api")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aui = usage_index(ds, "country")
        assert set(aui.dims) == {"geo", "period", "platform"}
        # the API release has no geography: its slice is missing, not zero and not an error
        assert aui.sel(platform="api").isnull().all()
        for per in ds["period"].values:
            one = usage_index(ds.sel(period=per, platform="claude_ai"), "country", keep_all=True)
            np.testing.assert_allclose(
                aui.sel(period=per, platform="claude_ai").values,
                one.where(one["eligible"]).sel(geo=aui["geo"]).values,
                rtol=1e-14,
            )
        assert set(task_share(ds).dims) == {"geo", "task", "period", "platform"}
        assert set(automation_share(ds, "all").dims) == {"geo", "period", "platform"}
        assert set(specialization(ds).dims) == {"geo", "soc_major", "period", "platform"}
        g = gini(ds)
        assert g.sel(platform="claude_ai").notnull().all() and g.sel(platform="api").isnull().all()
        tiers = usage_tiers(usage_index(ds, "country", keep_all=True))
        assert (tiers.sel(platform="api") == "No data").all()
        top = top_specializations(ds, "USA", n=2)
        assert set(top["platform"]) == {"claude_ai"}  # the API slice has no finite quotient


def test_automation_share_from_published_pattern_shares_equals_counts() -> None:
    from econindex.schema import PATTERNS, pattern_coords

    counts = np.array([[30.0, 10, 20, 15, 5, 15, 5], [12.0, 3, 40, 25, 10, 6, 4]])
    shares = counts / counts.sum(axis=1, keepdims=True)
    coords = {"geo": ["FRA", "DEU"], **pattern_coords(PATTERNS)}
    by_counts = xr.Dataset({"pattern_count": (("geo", "pattern"), counts)}, coords=coords)
    by_shares = xr.Dataset({"pattern_share_published": (("geo", "pattern"), shares)}, coords=coords)
    for base in ("classified", "all"):
        a = automation_share(by_counts, base)
        b = automation_share(by_shares, base)
        np.testing.assert_allclose(a.values, b.values, rtol=1e-12)
        assert "published pattern shares" in b.attrs["source"]
    # by hand: (30 + 10) / (30 + 10 + 20 + 15 + 5) on the classified base
    assert float(automation_share(by_shares, "classified").sel(geo="FRA")) == pytest.approx(0.5)


def test_automation_share_from_the_real_state_slice(shared_aei) -> None:
    import pandas as pd

    ds = ei.read_aei(shared_aei / "us_state_tasks_collaboration_2025-08.csv")
    got = automation_share(ds, "classified")
    raw = pd.read_csv(shared_aei / "us_state_tasks_collaboration_2025-08.csv", keep_default_na=False)
    ut = raw[(raw.geo_id == "UT") & (raw.facet == "collaboration")].set_index("cluster_name")["value"]
    hand = (ut.get("directive", 0) + ut.get("feedback loop", 0)) / ut.sum()
    assert float(got.sel(geo="UT")) == pytest.approx(hand, rel=1e-12)


def test_indices_and_simulation_import_no_higher_layer():
    """Data flow one way (io/simulation -> indices -> estimators): read every import of the two packages."""
    import ast
    import pathlib

    root = pathlib.Path(ei.__file__).parent
    allowed = {
        "indices": {"econindex.errors", "econindex.schema", "econindex._kernels", "econindex.indices"},
        "simulation": {
            "econindex.errors", "econindex.schema", "econindex.geography", "econindex.datasets",
            "econindex.simulation",
        },
    }  # fmt: skip
    for package, ok in allowed.items():
        files = sorted((root / package).glob("*.py"))
        assert len(files) >= 6, package
        for f in files:
            for node in ast.walk(ast.parse(f.read_text())):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                for name in (n for n in names if n.split(".")[0] == "econindex"):
                    assert any(name == m or name.startswith(m + ".") for m in ok), f"{f.name} imports {name}"



def test_convergence_from_its_old_path_warns_and_is_the_estimator():
    import warnings

    import econindex as ei
    from econindex import indices

    with pytest.warns(DeprecationWarning, match="moved to econindex.beta_convergence"):
        old = indices.convergence
    assert old is ei.convergence
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
            indices.not_a_name  # noqa: B018


def test_plot_lorenz_label_is_the_sample_gini():
    # hand computation: sum_ij |x_i - x_j| / (2 n^2 mean) for x = (1, 2, 3, 10)
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from econindex.indices import lorenz_curve
    from econindex.plots._indices import plot_lorenz

    x = np.array([1.0, 2.0, 3.0, 10.0])
    hand = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    ax = plot_lorenz(lorenz_curve(xr.DataArray(x, dims="geo", coords={"geo": list("ABCD")})))
    labels = [line.get_label() for line in ax.get_lines()]
    assert f"Gini {hand:.3f}" in labels
