"""to_netcdf / open_dataset (engine h5netcdf) round trips are lossless: values, coords, attrs,
and the ingest report JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xarray as xr

import econindex as ei
from econindex.io.aei import read_aei

pytest.importorskip("h5netcdf")


def _roundtrip(ds: xr.Dataset, path: Path) -> xr.Dataset:
    ds.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as back:
        return back.load()


def _assert_lossless(ds: xr.Dataset, back: xr.Dataset) -> None:
    xr.testing.assert_identical(back, ds)
    assert back.attrs == ds.attrs
    for name in ds.variables:
        assert back[name].attrs == ds[name].attrs, name
        assert back[name].dtype.kind == ds[name].dtype.kind or {
            back[name].dtype.kind,
            ds[name].dtype.kind,
        } <= {
            "U",
            "O",
        }, name
    assert json.loads(back.attrs["ingest_report"]) == json.loads(ds.attrs["ingest_report"])


@pytest.mark.realdata
def test_read_aei_output_round_trips(shared_aei: Path, tmp_path: Path) -> None:
    ds = read_aei(shared_aei / "us_state_tasks_collaboration_2025-08.csv")
    _assert_lossless(ds, _roundtrip(ds, tmp_path / "slice.nc"))


def test_countries_with_bool_and_string_coords_round_trip(tmp_path: Path) -> None:
    ds = ei.datasets.load_countries_2025_08()
    back = _roundtrip(ds, tmp_path / "countries.nc")
    _assert_lossless(ds, back)
    assert back["located"].dtype == bool and back["abuse_flagged"].dtype == bool
    assert back["iso2"].sel(geo="DEU") == "DE"


def test_panel_with_period_round_trips(tmp_path: Path) -> None:
    ds = ei.datasets.load_us_state_panel()
    _assert_lossless(ds, _roundtrip(ds, tmp_path / "panel.nc"))


def test_simulated_release_with_all_dims_round_trips(tmp_path: Path) -> None:
    ds = ei.simulate(
        seed=2, n_countries=8, n_tasks=30, n_requests=24, n_periods=2, platforms=("claude_ai", "api")
    )
    back = _roundtrip(ds, tmp_path / "sim.nc")
    _assert_lossless(ds, back)
    assert json.loads(back.attrs["truth"]) == json.loads(ds.attrs["truth"])
