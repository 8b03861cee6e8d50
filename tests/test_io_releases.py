"""read_aei on releases 1, 2 and several releases at once (real release 1, generated release 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from release_files import BY_TASK_COLUMNS, write_release_1, write_release_2

from econindex.errors import ReadError
from econindex.io import read_aei

R1 = "release_2025_02_10"


def report(ds: xr.Dataset) -> dict:
    return json.loads(ds.attrs["ingest_report"])


def assert_accounted(ds: xr.Dataset, files: dict[str, int] | None = None) -> None:
    rep = report(ds)
    for f in rep["files"]:
        assert f["rows_kept"] + sum(f["rows_dropped"].values()) == f["rows_read"], f
        if files is not None and f["file"] in files:
            assert f["rows_read"] == files[f["file"]], f
    assert rep["rows_kept"] + sum(rep["rows_dropped"].values()) == rep["rows_read"]


def csv_rows(path: Path) -> int:
    return len(pd.read_csv(path, dtype=str, keep_default_na=False))


# --- release 1, real ---------------------------------------------------------------------------------
@pytest.mark.realdata
def test_real_release_1_every_row_and_the_report_baseline(shared_aei: Path) -> None:
    folder = shared_aei / "releases" / R1
    ds = read_aei(folder)
    rep = report(ds)
    sizes = {p.name: csv_rows(p) for p in folder.glob("*.csv")}
    assert {f["file"] for f in rep["files"]} == set(sizes)
    assert_accounted(ds, sizes)
    kinds = {f["file"]: f["layout"] for f in rep["files"]}
    assert kinds["SOC_Structure.csv"] == kinds["onet_task_statements.csv"] == "reference"
    assert ds.attrs["date_start"] == "2024-12-01" and "documentation" in ds.attrs["window_note"]
    # shares are the published pct / 100, cell by cell, not renormalized
    pat = pd.read_csv(folder / "automation_vs_augmentation.csv")
    got = ds["pattern_share_published"].sel(geo="GLOBAL", pattern=pat["interaction_type"].tolist())
    np.testing.assert_array_equal(got.values, pat["pct"].to_numpy() / 100)
    tasks = pd.read_csv(folder / "onet_task_mappings.csv", keep_default_na=False)
    got = ds["task_share_published"].sel(geo="GLOBAL", task=tasks["task_name"].tolist())
    np.testing.assert_array_equal(got.values, tasks["pct"].to_numpy() / 100)
    # the report's baseline: directive 26.8% with none in the base (22.56 / 84.21)
    p = ds["pattern_share_published"].sel(geo="GLOBAL")
    assert float(p.sel(pattern="directive") / p.sum()) == pytest.approx(0.268, abs=0.0005)
    # SOC major groups of report 1 (about 0.372, 0.093, 0.064, 0.059, 0.045)
    soc = ds["task_share_published"].sel(geo="GLOBAL").groupby(ds["soc_major"]).sum()
    for group, share in {"15": 0.372, "25": 0.093, "19": 0.064, "13": 0.059, "11": 0.045}.items():
        assert float(soc.sel(soc_major=group)) == pytest.approx(share, abs=0.003)
    # task ids and SOC groups against the release's own O*NET table
    onet = pd.read_csv(folder / "onet_task_statements.csv", dtype=str, keep_default_na=False)
    onet["t"] = onet["Task"].str.lower()
    ids = onet.assign(i=onet["Task ID"].astype(int)).groupby("t")["i"].min().astype(str)
    majors = onet.assign(m=onet["O*NET-SOC Code"].str[:2]).groupby("t")["m"].agg(set)
    labels = ds["task"].values.astype(str)
    known = labels != "none"
    assert (ds["task_id"].values[known] == ids.reindex(labels[known]).to_numpy()).all()
    assert ds["task_id"].sel(task="none") == ""
    assert all(s in majors[t] for t, s in zip(labels[known], ds["soc_major"].values[known], strict=True))


# --- release 2, generated -----------------------------------------------------------------------------
def test_release_2_round_trips_cell_by_cell(tmp_path: Path) -> None:
    folder = tmp_path / "release_2025_03_27"
    written = write_release_2(folder)
    ds = read_aei(folder)
    assert list(ds["period"].values) == ["2024-12-01", "2025-02-24"]
    assert_accounted(ds, {k: len(v) for k, v in written.items()})
    for name, period in (("automation_vs_augmentation_v1.csv", "2024-12-01"),
                         ("automation_vs_augmentation_v2.csv", "2025-02-24")):  # fmt: skip
        df = written[name]
        got = ds["pattern_share_published"].sel(
            geo="GLOBAL", period=period, pattern=df["interaction_type"].tolist()
        )
        np.testing.assert_array_equal(got.values, df["pct"].to_numpy() / 100)
    for name, period in (("task_pct_v1.csv", "2024-12-01"), ("task_pct_v2.csv", "2025-02-24")):
        df = written[name]
        got = ds["task_share_published"].sel(geo="GLOBAL", period=period, task=df["task_name"].tolist())
        np.testing.assert_array_equal(got.values, df["pct"].to_numpy() / 100)
        others = (
            ds["task_share_published"]
            .sel(geo="GLOBAL", period=period)
            .drop_sel(task=df["task_name"].tolist())
        )
        assert bool(others.isnull().all())  # a task absent from a release is NaN there, not zero
    # by-task ratios: underscored names -> canonical ones, 'filtered' -> not_classified
    by = written["automation_vs_augmentation_by_task.csv"]
    canon = {c: c.replace("_", " ") for c in BY_TASK_COLUMNS} | {"filtered": "not_classified"}
    tp = ds["task_pattern_share"].sel(period="2025-02-24")
    complete = by.dropna(subset=list(BY_TASK_COLUMNS), how="all")
    for col in BY_TASK_COLUMNS:
        np.testing.assert_array_equal(
            tp.sel(task=complete["task_name"].tolist(), pattern=canon[col]).values, complete[col].to_numpy()
        )
    assert bool(tp.sel(task=by["task_name"].iloc[3]).isnull().all())
    entry = next(f for f in report(ds)["files"] if f["file"] == "automation_vs_augmentation_by_task.csv")
    assert entry["rows_dropped"] == {"missing value (empty or NaN cell; missing is not zero)": 1}
    assert bool(ds["task_pattern_share"].sel(period="2024-12-01").isnull().all())  # release 1 has none
    assert (ds["soc_major"].sel(task="none") == "none") and (ds["task_id"].sel(task="none") == "")


def test_release_1_and_2_together_count_the_v1_copies_and_equal_each_alone(tmp_path: Path) -> None:
    write_release_1(tmp_path / R1, n_tasks=30)  # the same seed as release 2's _v1 copies
    write_release_2(tmp_path / "release_2025_03_27", n_tasks=60)
    both = read_aei(tmp_path)
    rep = report(both)
    assert_accounted(both)
    dup = {f["file"]: f["rows_dropped"] for f in rep["files"] if f["file"].endswith("_v1.csv")}
    assert dup == {
        "automation_vs_augmentation_v1.csv": {next(iter(dup["automation_vs_augmentation_v1.csv"])): 6},
        "task_pct_v1.csv": {next(iter(dup["task_pct_v1.csv"])): 30},
    }
    assert all("identical duplicate" in next(iter(d)) for d in dup.values())
    one = read_aei(tmp_path / R1)
    for var in one.data_vars:
        got = both[var].sel(period="2024-12-01").sel({d: one[d].values for d in one[var].dims})
        xr.testing.assert_equal(
            got.drop_vars(["period", "date_start", "date_end", "date_end_exclusive"]).reset_coords(drop=True),
            one[var].reset_coords(drop=True),
        )


def test_two_copies_of_a_release_that_disagree_are_refused(tmp_path: Path) -> None:
    write_release_1(tmp_path / R1, n_tasks=30)
    write_release_2(tmp_path / "release_2025_03_27", n_tasks=60)
    f = tmp_path / "release_2025_03_27" / "automation_vs_augmentation_v1.csv"
    df = pd.read_csv(f)
    df.loc[0, "pct"] += 1.0
    df.to_csv(f, index=False)
    with pytest.raises(ReadError, match="automation_vs_augmentation_v1.csv row 1 disagrees"):
        read_aei(tmp_path)
