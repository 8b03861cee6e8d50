"""The vendored real data equal the shared originals and carry the documented facts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import econindex as ei
from econindex import datasets
from econindex.errors import DataValueError, SchemaError


def test_vendored_files_equal_shared(shared_aei):
    for name in [
        "country_usage_2025-08.csv",
        "country_automation_2025-08.csv",
        "us_state_usage_2025-08.csv",
        "us_state_aui_automation_2025-08.csv",
        "us_state_index_panel.csv",
        "working_age_pop_2024_us_state.csv",
        "gdp_2024_us_state.csv",
    ]:
        original = (shared_aei / name).read_bytes()
        assert datasets.data_path(name).read_bytes() == original, name
    slice_ = datasets.load_us_state_task_slice()
    raw = pd.read_csv(
        shared_aei / "us_state_tasks_collaboration_2025-08.csv",
        keep_default_na=False,
        na_values=[""],
        dtype={"cluster_name": str},
    )
    pd.testing.assert_frame_equal(slice_, raw)


def test_countries_match_published_reference_ratio():
    ds = datasets.load_countries_2025_08()
    assert ds.sizes["geo"] == 114
    ratio = ds["usage_count"] / ds["working_age_pop"] / ds["usage_index"]
    # PROVENANCE.md: 2.608628e-4 for every row, to 7 significant digits
    np.testing.assert_allclose(ratio.values, datasets.COUNTRY_REFERENCE_RATIO_2025_08, rtol=5e-7)
    # the 114 rows alone have a smaller ratio (PROVENANCE.md: 2.1996e-4)
    own = float(ds["usage_count"].sum() / ds["working_age_pop"].sum())
    assert own == pytest.approx(2.1996e-4, rel=1e-4)
    assert int(ds["automation_share"].notnull().sum()) == 110  # PSE is not among the 114
    auto = datasets.load_country_automation_2025_08()
    assert auto.sizes["geo"] == 111
    assert int(auto["automation_share"].notnull().sum()) == 111
    shared = sorted(set(ds["geo"].values) & set(auto["geo"].values))
    np.testing.assert_allclose(
        ds["usage_index"].sel(geo=shared), auto["usage_index"].sel(geo=shared), rtol=1e-12
    )


def test_gdp_per_capita_round_trips(shared_aei):
    raw = pd.read_csv(shared_aei / "country_usage_2025-08.csv", keep_default_na=False)
    ds = datasets.load_countries_2025_08()
    pc = (ds["gdp"] / ds["working_age_pop"]).values
    np.testing.assert_allclose(pc, raw["gdp_per_working_age_capita"].to_numpy(), rtol=1e-14)


def test_states_and_utah():
    st = datasets.load_us_states_2025_08()
    assert st.sizes["geo"] == 51
    assert int(st["usage_count"].sum()) == 208198
    assert int(st["usage_count"].sel(geo="UT")) == 8340
    ratio = st["usage_count"] / st["working_age_pop"] / st["usage_index"]
    np.testing.assert_allclose(ratio.values, datasets.STATE_REFERENCE_RATIO_2025_08, rtol=5e-7)
    assert bool(st["abuse_flagged"].sel(geo="UT"))
    assert int(st["abuse_flagged"].sum()) == 1
    assert int(st["automation_share"].notnull().sum()) == 43
    assert float(st["automation_share"].sel(geo="UT")) == pytest.approx(0.73, abs=0.01)
    assert str(st["census_division"].sel(geo="DC").item()) == "South Atlantic"


def test_panel_periods_and_flags():
    p = datasets.load_us_state_panel()
    assert list(p["period"].values) == ["2025-08-04", "2025-11-13", "2026-02-05", "2026-04-01"]
    present = p["usage_index"].notnull().sum("geo").values.tolist()
    assert present == [51, 50, 50, 50]
    flagged = p["abuse_flagged"].to_series()
    assert sorted(flagged[flagged].index.tolist()) == [("UT", "2025-08-04"), ("WY", "2025-11-13")]


def test_namibia_is_not_missing():
    cov = datasets.load_country_covariates()
    assert "NAM" in cov.index
    assert ei.geography.iso2_to_iso3(["NA"]).tolist() == ["NAM"]


def test_validate_rejects_negative_count_naming_geo():
    ds = datasets.load_countries_2025_08().copy(deep=True)
    ds["usage_count"].loc[{"geo": "DEU"}] = -1.0
    with pytest.raises(DataValueError, match="usage_count.*DEU"):
        ei.validate(ds)


def test_validate_rejects_missing_geo_dim():
    import xarray as xr

    with pytest.raises(SchemaError, match="no 'geo' dimension"):
        ei.validate(xr.Dataset({"usage_count": ("x", [1.0])}))


def test_validate_rejects_share_above_one():
    ds = datasets.load_countries_2025_08().copy(deep=True)
    ds["automation_share"].loc[{"geo": "USA"}] = 1.5
    with pytest.raises(DataValueError, match="automation_share.*USA"):
        ei.validate(ds)


def test_validate_rejects_int_counts():
    ds = datasets.load_countries_2025_08().copy(deep=True)
    ds["usage_count"] = ds["usage_count"].astype(int)
    with pytest.raises(SchemaError, match="dtype"):
        ei.validate(ds)


# --- the real release files vendored for trends and state specializations (issue 15) ---------------


def _gunzip(name: str) -> bytes:
    import gzip

    return gzip.decompress(datasets.data_path(name).read_bytes())


def test_vendored_release_files_are_the_published_bytes(shared_aei):
    releases = shared_aei / "releases"
    state = releases / "release_2025_09_15" / "aei_raw_claude_ai_2025-08-04_to_2025-08-11_state_us.csv"
    assert _gunzip(datasets.US_STATE_SLICE_2025_08) == state.read_bytes()
    first = releases / "release_2025_02_10"
    for vendored in datasets.RELEASE_2025_02_FILES:
        name = vendored.split("/")[-1].removesuffix(".gz")
        got = _gunzip(vendored) if vendored.endswith(".gz") else datasets.data_path(vendored).read_bytes()
        assert got == (first / name).read_bytes(), name


def test_vendored_data_stay_under_the_budget():
    # PROVENANCE.md: under 1 MB in total for everything vendored (the `du -cb` of the data folder)
    from pathlib import Path

    folder = Path(str(datasets.data_path("PROVENANCE.md"))).parent
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert total < 1_000_000, total


def test_release_2025_02_is_the_trend_baseline():
    import json

    ds = datasets.load_release_2025_02()
    report = json.loads(ds.attrs["ingest_report"])
    assert report["rows_read"] == 6 + 3514 and report["rows_kept"] == report["rows_read"]
    pattern = ei.trend_table(ds, "pattern").set_index("category")["share"]
    assert pattern["directive"] == pytest.approx(22.563272409918948 / 84.20923, rel=1e-6)  # RELEASES.md 26.8%
    soc = ei.trend_table(ds, "soc_major").set_index("category")["share"]
    for code, published in {"15": 0.372, "25": 0.093, "19": 0.064, "13": 0.059, "11": 0.045}.items():
        assert soc[code] == pytest.approx(published, abs=3e-3), code


@pytest.mark.slow
def test_release_2025_02_equals_the_shared_folder(shared_aei):
    # the shared folder is read with its own 3.6 MB O*NET table; the embedded one with the vendored ids
    soc = ei.trend_table(datasets.load_release_2025_02(), "soc_major")
    full = ei.trend_table(ei.read_aei(shared_aei / "releases" / "release_2025_02_10"), "soc_major")
    pd.testing.assert_series_equal(
        soc.set_index("category")["share"], full.set_index("category")["share"], rtol=1e-12
    )


def test_us_state_slice_is_the_real_release(shared_aei):
    import json

    ds = datasets.load_us_state_slice_2025_08()
    report = json.loads(ds.attrs["ingest_report"])
    assert report["rows_read"] == 17488
    assert report["rows_kept"] + sum(report["rows_dropped"].values()) == 17488
    assert ds.sizes["geo"] == 52 and not bool(ds["located"].sel(geo="not_classified_us"))
    raw = pd.read_csv(
        shared_aei / "releases" / "release_2025_09_15" / datasets.US_STATE_SLICE_2025_08.removesuffix(".gz"),
        keep_default_na=False,
    )
    usage = raw[raw["variable"] == "usage_count"].set_index("geo_id")["value"].astype(float)
    assert float(ds["usage_count"].sel(geo="CA")) == usage["CA"] == 52617.0
    # the analyst's published state automation shares (classified base) are these bytes' counts
    table = datasets.load_us_states_2025_08()
    published = table["automation_share"].dropna("geo")
    mine = ei.automation_share(ds, "classified").sel(geo=published["geo"].values)
    np.testing.assert_allclose(mine.values, published.values, rtol=0, atol=1e-12)
    assert float(mine.sel(geo="UT")) == pytest.approx(0.73, abs=0.005)  # Utah's abusive traffic: 73%
