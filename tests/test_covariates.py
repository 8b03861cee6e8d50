"""attach_covariates: real CSV layouts, pandas/xarray sources, missing and invalid values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import econindex as ei
from econindex.datasets import data_path, load_country_covariates, load_us_state_covariates
from econindex.errors import DataValueError, MissingCovariateError, SchemaError
from econindex.io.covariates import attach_covariates, read_covariate


def _bare(ds: xr.Dataset) -> xr.Dataset:
    return ds.drop_vars(["working_age_pop", "gdp"])


@pytest.mark.realdata
def test_us_states_from_the_shared_csvs(shared_aei: Path) -> None:
    ds = _bare(ei.datasets.load_us_states_2025_08())
    out = attach_covariates(
        ds,
        population=shared_aei / "working_age_pop_2024_us_state.csv",
        gdp=shared_aei / "gdp_2024_us_state.csv",
    )
    # independent reference: the raw CSVs read with pandas
    pop = pd.read_csv(shared_aei / "working_age_pop_2024_us_state.csv").set_index("state_code")[
        "working_age_pop"
    ]
    gdp = pd.read_csv(shared_aei / "gdp_2024_us_state.csv").set_index("state_code")["gdp_total"]
    geos = out["geo"].values
    np.testing.assert_array_equal(out["working_age_pop"].values, pop.reindex(geos).to_numpy(float))
    np.testing.assert_array_equal(out["gdp"].values, gdp.reindex(geos).to_numpy(float))
    assert out["working_age_pop"].sel(geo="DC") > 0  # DC included
    assert out["working_age_pop"].attrs["units"] == "persons"


def test_countries_from_the_vendored_csvs() -> None:
    ds = _bare(ei.datasets.load_countries_2025_08())
    out = attach_covariates(
        ds, population=data_path("working_age_pop_2024_country.csv"), gdp=data_path("gdp_2024_country.csv")
    )
    ref = load_country_covariates().reindex(out["geo"].values)
    np.testing.assert_array_equal(out["working_age_pop"].values, ref["working_age_pop"].to_numpy())
    np.testing.assert_array_equal(out["gdp"].values, ref["gdp"].to_numpy())
    # the CSV's ISO-2 column holds "NA" (Namibia): never read as missing
    assert read_covariate(data_path("working_age_pop_2024_country.csv"), "working_age_pop")["NAM"] > 0


def test_several_sources_for_a_mixed_dataset(tmp_path: Path) -> None:
    from econindex.io.aei import read_aei

    cols = "geo_id,geography,date_start,date_end,platform_and_product,facet,level,variable,cluster_name,value"
    w = "2025-08-04,2025-08-11,Claude AI (Free and Pro)"
    p = tmp_path / "a.csv"
    p.write_text(
        "\n".join(
            [
                cols,
                f"GLOBAL,global,{w},global,0,usage_count,GLOBAL,900",
                f"DE,country,{w},country,0,usage_count,DE,600",
                f"DE,state_us,{w},state_us,0,usage_count,DE,40",
                f"not_classified,country,{w},country,0,usage_count,not_classified,10",
            ]
        )
        + "\n"
    )
    ds = read_aei(p)
    out = attach_covariates(
        ds,
        population=[
            data_path("working_age_pop_2024_country.csv"),
            data_path("working_age_pop_2024_us_state.csv"),
        ],
    )
    assert out["working_age_pop"].sel(geo="DEU") == load_country_covariates().loc["DEU", "working_age_pop"]
    assert out["working_age_pop"].sel(geo="DE") == load_us_state_covariates().loc["DE", "working_age_pop"]
    assert np.isnan(out["working_age_pop"].sel(geo="GLOBAL"))
    assert np.isnan(out["working_age_pop"].sel(geo="not_classified"))


def test_pandas_and_xarray_sources_agree() -> None:
    ds = _bare(ei.datasets.load_us_states_2025_08())
    cov = load_us_state_covariates()
    a = attach_covariates(ds, population=cov["working_age_pop"], gdp=cov[["gdp"]])
    b = attach_covariates(
        ds,
        population=xr.DataArray(cov["working_age_pop"].to_numpy(), dims="geo", coords={"geo": cov.index}),
        gdp=cov.reset_index().rename(columns={"geo": "state_code"}),
    )
    xr.testing.assert_identical(a, b)


def test_missing_lists_every_geo_and_drop_records_them() -> None:
    ds = _bare(ei.datasets.load_us_states_2025_08())
    pop = load_us_state_covariates()["working_age_pop"].drop(["UT", "WY", "DC"])
    with pytest.raises(MissingCovariateError, match=r"missing for 3 geo\(s\): DC, UT, WY"):
        attach_covariates(ds, population=pop)
    out = attach_covariates(ds, population=pop, missing="drop")
    assert out.sizes["geo"] == 48
    assert json.loads(out.attrs["covariates_dropped"]) == {"working_age_pop": ["DC", "UT", "WY"]}


def test_zero_negative_or_infinite_values_name_the_geo() -> None:
    ds = _bare(ei.datasets.load_us_states_2025_08())
    pop = load_us_state_covariates()["working_age_pop"].copy()
    pop["VT"] = 0.0
    with pytest.raises(DataValueError, match=r"invalid for geo\(s\): VT \(0\)"):
        attach_covariates(ds, population=pop)
    gdp = load_us_state_covariates()["gdp"].copy()
    gdp["ME"] = -1.0
    with pytest.raises(DataValueError, match=r"gdp must be positive.*ME \(-1\)"):
        attach_covariates(ds, gdp=gdp)


def test_conflicting_sources_and_bad_columns(tmp_path: Path) -> None:
    with pytest.raises(DataValueError, match="'UT' has different values"):
        read_covariate([pd.Series({"UT": 1.0}), pd.Series({"UT": 2.0})], "working_age_pop")
    p = tmp_path / "pop.csv"
    p.write_text("state_code,people\nUT,1\nCA,x\n")
    with pytest.raises(SchemaError, match="no column for 'working_age_pop'"):
        read_covariate(p, "working_age_pop")
    p.write_text("state_code,working_age_pop\nUT,1\nCA,x\n")
    with pytest.raises(DataValueError, match="non-numeric working_age_pop 'x' for geo 'CA'"):
        read_covariate(p, "working_age_pop")
    with pytest.raises(ei.OptionError, match="missing='ignore'"):
        attach_covariates(ei.datasets.load_us_states_2025_08(), missing="ignore")  # type: ignore[arg-type]
