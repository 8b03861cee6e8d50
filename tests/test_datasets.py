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
