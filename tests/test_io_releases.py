"""read_aei on releases 1, 2 and several releases at once (real release 1, generated release 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from release_files import (
    BINS,
    BY_TASK_COLUMNS,
    NUMERIC,
    R45,
    STATS,
    write_release_1,
    write_release_2,
    write_release_6,
    write_release_45,
)

from econindex.errors import DataValueError, ReadError, SchemaError, UnknownLayoutError
from econindex.io import read_aei
from econindex.schema import require_counts

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
    assert list(ds["period"].values) == ["2024-12-01", "2025-02-01"]
    # RELEASES.md and the report summary give release 2 as "Feb - Mar 2025": months, first to last day
    assert list(ds["date_end"].values) == ["2025-01-31", "2025-03-31"]
    assert "period 2025-02-01" in ds.attrs["window_note"] and "RELEASES.md" in ds.attrs["window_note"]
    assert "Feb - Mar 2025" in ds.attrs["window_note"]
    assert_accounted(ds, {k: len(v) for k, v in written.items()})
    for name, period in (("automation_vs_augmentation_v1.csv", "2024-12-01"),
                         ("automation_vs_augmentation_v2.csv", "2025-02-01")):  # fmt: skip
        df = written[name]
        got = ds["pattern_share_published"].sel(
            geo="GLOBAL", period=period, pattern=df["interaction_type"].tolist()
        )
        np.testing.assert_array_equal(got.values, df["pct"].to_numpy() / 100)
    for name, period in (("task_pct_v1.csv", "2024-12-01"), ("task_pct_v2.csv", "2025-02-01")):
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
    tp = ds["task_pattern_share"].sel(period="2025-02-01")
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


# --- release 6, generated -----------------------------------------------------------------------------
_R6_OVERALL = {
    "usage_pct": ("usage_share_published", None, None),
    "usage_per_capita_index": ("usage_index", None, None),
    **{f"collaboration_{p}_pct": ("pattern_share_published", "pattern", p.replace("_", " "))
       for p in ("directive", "feedback_loop", "task_iteration", "learning", "validation", "none")},
    "collaboration_bucket_automation_pct": ("automation_share_published", None, None),
    "collaboration_bucket_augmentation_pct": ("augmentation_share_published", None, None),
    **{f"use_case_{u}_pct": ("use_case_share_published", "use_case", u)
       for u in ("work", "personal", "coursework")},
    "multitasking_pct": ("multitasking_share_published", "multitasking", "yes"),
    "human_only_ability_pct": ("human_only_ability_share_published", "human_only_ability", "yes"),
}  # fmt: skip


def _r6_geo(geo_id: str) -> str:
    return geo_id[3:] if geo_id.startswith("US-") else geo_id


def _cells(ds: xr.Dataset, var: str, **labels: list) -> np.ndarray:
    """Pointwise cells of ``ds[var]`` at the given label lists (vectorized indexing)."""
    idx = {d: xr.DataArray(np.asarray(v, dtype=object), dims="row") for d, v in labels.items()}
    return ds[var].sel(idx).values


def test_release_6_round_trips_cell_by_cell(tmp_path: Path) -> None:
    written = write_release_6(tmp_path / "release_2026_06_26", n_countries=5, n_states=4, n_tasks=6)
    ds = read_aei(tmp_path / "release_2026_06_26")
    assert_accounted(ds, {k: len(v) for k, v in written.items()})
    assert list(ds["period"].values) == ["2026-04-01", "2026-05-01"]
    assert list(ds["date_end"].values) == ["2026-05-01", "2026-06-01"]  # exclusive, as the file says
    assert bool(ds["date_end_exclusive"].all()) and "exclusive" in ds.attrs["date_end_note"]
    assert list(ds["platform"].values) == ["api", "claude_ai"]
    assert set(ds["geo_level"].values) == {"global", "country", "state_us", "subdivision"}
    assert ds["parent"].sel(geo="BR-SP") == "BRA" and ds["geo_level"].sel(geo="AK") == "state_us"
    n_kept = 0
    for name, df in written.items():
        platform = "claude_ai" if "claude_ai" in name else "api"
        df = df.assign(geo=df["geo_id"].map(_r6_geo), period=df["date_start"])
        common = {"period": df["period"], "platform": [platform] * len(df)}
        ov = df[df["category_name"] == "overall"]
        for metric, part in ov.groupby("metric_id"):
            if metric == "pct":
                continue
            var, dim, label = _R6_OVERALL.get(metric, (metric, None, None))
            if metric.startswith("artifact_"):
                var, dim, label = (
                    "artifact_share_published",
                    "artifact",
                    metric[len("artifact_") : -len("_pct")],
                )
            scale = 1.0 if metric.endswith("_mean") or metric.endswith("_index") else 100.0
            sel = {
                "geo": part["geo"].tolist(),
                "period": part["period"].tolist(),
                "platform": [platform] * len(part),
            }
            if dim:
                sel[dim] = [label] * len(part)
            np.testing.assert_array_equal(
                _cells(ds, var, **sel), part["value"].to_numpy() / scale, err_msg=metric
            )
            n_kept += len(part)
        tasks = df[(df["category_name"] == "onet") & (df["hierarchy_level"] == 0)]
        t = tasks[tasks["metric_id"] == "pct"]
        got = _cells(
            ds,
            "task_share_published",
            geo=t["geo"].tolist(),
            task=t["node_name"].str.lower().tolist(),
            period=t["period"].tolist(),
            platform=[platform] * len(t),
        )
        np.testing.assert_array_equal(got, t["value"].to_numpy() / 100)
        ids = ds["task_id"].sel(task=t["node_name"].str.lower().tolist()).values
        assert (ids == t["node_external_id"].astype(str).to_numpy()).all()
        g = tasks[tasks["metric_id"].str.startswith("collaboration_") & (tasks["geo"] == "GLOBAL")]
        pats = (
            g["metric_id"].str.removeprefix("collaboration_").str.removesuffix("_pct").str.replace("_", " ")
        )
        got = _cells(
            ds,
            "task_pattern_share",
            task=g["node_name"].str.lower().tolist(),
            pattern=pats.tolist(),
            period=g["period"].tolist(),
            platform=[platform] * len(g),
        )
        np.testing.assert_array_equal(got, g["value"].to_numpy() / 100)
        soc = df[(df["category_name"] == "soc_occupation") & (df["hierarchy_level"] == 1)]
        got = _cells(
            ds,
            "soc_share_published",
            geo=soc["geo"].tolist(),
            soc_group=soc["node_external_id"].tolist(),
            period=soc["period"].tolist(),
            platform=[platform] * len(soc),
        )
        np.testing.assert_array_equal(got, soc["value"].to_numpy() / 100)
        req = df[df["category_name"] == "request"]
        got = _cells(
            ds,
            "request_share_published",
            geo=req["geo"].tolist(),
            request=req["node_name"].tolist(),
            period=req["period"].tolist(),
            platform=[platform] * len(req),
        )
        np.testing.assert_array_equal(got, req["value"].to_numpy() / 100)
        n_kept += len(t) + len(g) + len(soc) + len(req)
        del common
    # every kept row is one non-NaN cell, and nothing else is (a missing row is NaN)
    assert sum(int(ds[v].notnull().sum()) for v in ds.data_vars) == n_kept == report(ds)["rows_kept"]
    assert ds["request_level"].sel(request="request cluster 2") == 2
    # estimators that need counts say that release 6 has none
    with pytest.raises(SchemaError, match="release 6.*no counts|no count"):
        require_counts(ds, "usage_count")


def test_release_6_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "r6"
    written = write_release_6(folder, n_countries=3, n_states=2, n_other=1, n_tasks=2, n_requests=1)
    name = "aei_claude_ai_2026-06-26.csv"
    df = written[name].copy()
    # an unknown metric_id and category are dropped and counted, never kept
    extra = df.iloc[[0, 0]].copy()
    extra["metric_id"] = ["mystery_metric_pct", "usage_pct"]
    extra["category_name"] = ["overall", "mystery_category"]
    pd.concat([df, extra]).to_csv(folder / name, index=False)
    rep = report(read_aei(folder / name))
    assert rep["rows_dropped"]["unknown metric_id (not in the release 6 layout): mystery_metric_pct"] == 1
    assert rep["rows_dropped"]["unknown category_name (not in the release 6 layout): mystery_category"] == 1
    # date_end before date_start
    bad = df.copy()
    bad.loc[bad["date_start"] == "2026-05-01", "date_end"] = "2026-04-15"
    bad.to_csv(folder / name, index=False)
    with pytest.raises(
        DataValueError, match=f"{name}: date_end 2026-04-15 is not after date_start 2026-05-01"
    ):
        read_aei(folder / name)
    # a subdivision code that does not exist
    for code, why in (("US-ZZ", "ISO 3166-2:US"), ("QQ-AB", "unknown country prefix"), ("BR-SPXX", "form")):
        bad = df.copy()
        bad.loc[bad["geo_level"] == "subregion", "geo_id"] = code
        bad.to_csv(folder / name, index=False)
        with pytest.raises(DataValueError, match=f"{name}: subdivision code '{code}' does not exist.*{why}"):
            read_aei(folder / name)
    # the platform comes from the file name
    df.to_csv(folder / "cadences.csv", index=False)
    with pytest.raises(ReadError, match="cadences.csv: a release 6 file names its platform"):
        read_aei(folder / "cadences.csv")


# --- releases 4 and 5, generated ------------------------------------------------------------------------
_R45_VARS = {
    "usage_count": ("usage_count", None),
    "onet_task_count": ("task_count", "task"),
    "collaboration_count": ("pattern_count", "pattern"),
    "request_count": ("request_count", "request"),
    **{
        f"{f}_count": (f"{f}_count", f)
        for f in ("use_case", "task_success", "multitasking", "human_only_ability")
    },
    **{f"{f}_histogram_count": (f"{f}_histogram_count", f"{f}_bin") for f in NUMERIC},
    **{f"{f}_{s}": (f"{f}_{s}", None) for f in NUMERIC for s in STATS},
}


def _r45_geo(geo_id: str, geography: str, iso: dict[str, str]) -> str:
    if geography == "country":
        return iso[geo_id]
    if geo_id == "XX-not_classified":
        return "not_classified_subdivision"
    return geo_id[3:] if geo_id.startswith("US-") else geo_id


@pytest.mark.parametrize("release", [4, 5])
def test_releases_4_and_5_round_trip_cell_by_cell(tmp_path: Path, release: int) -> None:
    from econindex.geography import iso_table

    iso = dict(zip(iso_table()["iso_alpha_2"], iso_table()["iso_alpha_3"], strict=True))
    folder = tmp_path / R45[release]["folder"]
    written = write_release_45(folder, release)
    ds = read_aei(folder)
    assert_accounted(ds, {k: len(v) for k, v in written.items()})
    assert ds.attrs["date_start"] == R45[release]["window"][0]
    assert list(ds["platform"].values) == ["api", "claude_ai"]  # the quoted release 5 label is Claude.ai
    if release == 5:
        assert {"GU", "PR", "VI"} <= set(ds["geo"].values)
        assert set(ds["geo_level"].sel(geo=["GU", "PR", "VI"]).values) == {"state_us"}
    assert ds["geo_level"].sel(geo="BR-SP") == "subdivision"
    kept = 0
    for name, df in written.items():
        platform = "claude_ai" if "claude_ai" in name else "api"
        df = df.assign(geo=[_r45_geo(g, k, iso) for g, k in zip(df["geo_id"], df["geography"], strict=True)])
        base = ~df["facet"].str.contains("::")
        for variable, part in df[base].groupby("variable"):
            if variable not in _R45_VARS:
                continue
            var, dim = _R45_VARS[variable]
            sel = {"geo": part["geo"].tolist(), "platform": [platform] * len(part)}
            if dim:
                lab = part["cluster_name"]
                sel[dim] = (lab.str.lower() if dim == "task" else lab).tolist()
            np.testing.assert_array_equal(_cells(ds, var, **sel), part["value"].to_numpy(), err_msg=variable)
            kept += len(part)
        mix = df[df["variable"] == "onet_task_collaboration_pct"]
        task, pattern = (
            mix["cluster_name"].str.rsplit("::", n=1).str[0],
            mix["cluster_name"].str.rsplit("::", n=1).str[1],
        )
        got = _cells(
            ds,
            "task_pattern_share",
            task=task.tolist(),
            pattern=pattern.tolist(),
            platform=[platform] * len(mix),
        )
        np.testing.assert_array_equal(got, mix["value"].to_numpy() * 0.01)  # the long reader scales by 0.01
        kept += len(mix)
        cost = df[df["variable"] == "cost_index"]
        kept += len(cost)
        # every published *_pct beside its counts is dropped and counted as derived
        derived = sum(v for k, v in report(ds)["rows_dropped"].items() if k.startswith("derived variable"))
        n_pct = sum(
            (~d["facet"].str.contains("::") & d["variable"].str.endswith("_pct")).sum()
            for d in written.values()
        )
        assert derived == n_pct
    assert report(ds)["rows_kept"] == kept
    # intersections of the primitives (global only) are dropped and counted under their facet
    dropped = report(ds)["rows_dropped"]
    n_tasks = ds.sizes["task"]
    assert (
        dropped["variable not in the econindex data model: onet_task::ai_autonomy:ai_autonomy_mean"]
        == 2 * n_tasks
    )
    n_use = len(R45[release]["use_case"])
    assert (
        dropped["variable not in the econindex data model: onet_task::use_case:onet_task_use_case_count"]
        == 2 * n_tasks * n_use
    )
    # histogram bins in numeric order
    assert list(ds["ai_autonomy_bin"].values) == list(BINS)


# --- several releases at once ---------------------------------------------------------------------------
def assert_same_as_alone(both: xr.Dataset, one: xr.Dataset) -> None:
    """Each variable of ``one`` equals ``both`` in one's periods and labels (and nothing else is there)."""
    periods = list(one["period"].values) if "period" in one.dims else [one.attrs["date_start"]]
    for var in one.data_vars:
        a, b = one[var], both[var]
        for p in periods:
            aa = a.sel(period=p) if "period" in a.dims else a
            bb = b.sel(period=p) if "period" in b.dims else b
            if "platform" in bb.dims and "platform" not in aa.dims:
                bb = bb.sel(platform=one.attrs["platform"])
            inside = bb.sel({d: aa[d].values for d in aa.dims}).transpose(*aa.dims)
            np.testing.assert_array_equal(inside.values, aa.values, err_msg=f"{var} in period {p}")
            if "period" in b.dims:  # the rest of the period holds nothing from elsewhere
                assert int(bb.notnull().sum()) == int(aa.notnull().sum()), (var, p)


def _write_all(root: Path) -> dict[str, Path]:
    write_release_1(root / R1, n_tasks=30)
    write_release_2(root / "release_2025_03_27", n_tasks=60)
    for r in (4, 5):
        write_release_45(root / R45[r]["folder"], r)
    write_release_6(root / "release_2026_06_26")
    return {p.name: p for p in root.iterdir()}


@pytest.mark.slow
def test_several_releases_equal_each_alone_period_by_period(tmp_path: Path) -> None:
    folders = _write_all(tmp_path)
    both = read_aei(tmp_path)
    starts = ["2024-12-01", "2025-02-01", "2025-11-13", "2026-02-05", "2026-04-01", "2026-05-01"]
    assert list(both["period"].values) == starts
    assert list(both["date_end_exclusive"].values) == [False] * 4 + [True] * 2
    assert_accounted(both)
    assert report(both)["rows_read"] == sum(report(read_aei(p))["rows_read"] for p in folders.values())
    for name in sorted(folders):
        if name == "release_2025_03_27":  # its _v1 copies of release 1 are counted as duplicates
            continue
        assert_same_as_alone(both, read_aei(folders[name]))
    # a list of release folders is the same as their parent folder
    listed = read_aei([folders[n] for n in sorted(folders)])
    xr.testing.assert_identical(listed.drop_attrs(), both.drop_attrs())
    # tasks line up across periods: one label, one task_id
    t = both["task"].values[both["task_id"].values != ""][0]
    assert both["task_id"].sel(task=t) != ""


def test_overlapping_release_windows_are_refused(tmp_path: Path) -> None:
    write_release_45(tmp_path / "a", 4)
    late = write_release_45(tmp_path / "b", 5)
    for name, df in late.items():  # release 5's files moved into release 4's week
        df.assign(date_start="2025-11-17", date_end="2025-11-24").to_csv(tmp_path / "b" / name, index=False)
    with pytest.raises(
        ReadError, match="release windows overlap: 2025-11-13..2025-11-20 and 2025-11-17..2025-11-24"
    ):
        read_aei(tmp_path)


def test_a_file_matching_no_layout_names_the_columns_each_layout_expects(tmp_path: Path) -> None:
    p = tmp_path / "mystery.csv"
    p.write_text("alpha,beta\n1,2\n")
    with pytest.raises(UnknownLayoutError) as err:
        read_aei(p)
    msg = str(err.value)
    assert "mystery.csv" in msg
    for col in ("facet", "metric_id", "node_external_id", "interaction_type", "task_name", "filtered"):
        assert col in msg, col
    q = tmp_path / "aei_claude_ai_2026-06-26.csv"  # release 6 without node_name
    q.write_text(
        "date_start,date_end,geo_id,geo_level,category_name,hierarchy_level,metric_id,value,node_external_id\n"
    )
    with pytest.raises(
        ReadError, match=r"missing required column\(s\) \['node_name'\] of the release 6 layout"
    ):
        read_aei(q)


# --- real release 3 slices -------------------------------------------------------------------------------
@pytest.mark.realdata
def test_real_release_3_pcts_equal_the_ones_recomputed_from_the_counts(shared_aei: Path) -> None:
    folder = shared_aei / "releases" / "release_2025_09_15"
    for path in sorted(folder.glob("*.csv")):
        raw = pd.read_csv(path, keep_default_na=False, dtype=str)
        ds = read_aei(path)
        assert_accounted(ds, {path.name: len(raw)})
        raw["v"] = raw["value"].astype(float)
        key = ["geo_id", "geography", "facet", "level"]
        cnt = raw[raw["variable"].str.endswith("_count")].assign(base=lambda d: d["variable"].str[:-6])
        pct = raw[raw["variable"].str.endswith("_pct")].assign(base=lambda d: d["variable"].str[:-4])
        m = pct.merge(cnt[[*key, "base", "cluster_name", "v"]], on=[*key, "base", "cluster_name"],
                      suffixes=("", "_count"))  # fmt: skip
        assert len(m) == len(pct)  # every pct has its count
        # within each (geo, facet, level) group the implied total count / pct x 100 is one number;
        # where the slice holds the whole group it is the sum of the group's counts
        m["total"] = m["v_count"] / m["v"] * 100
        usage = m["base"] == "usage"
        m["geo"] = m["geo_id"]
        m.loc[usage, "geo_id"] = "*"  # usage_pct is a share of the geography's usage
        spread = m.groupby([*key, "base"])["total"].agg(lambda t: t.max() / t.min() - 1)
        assert spread.max() < 1e-12, path.name
        if "state_us" in path.name:  # the whole state slice: recompute from the dataset's counts
            tc = ds["task_count"]
            share = (tc / tc.sum("task") * 100).to_series().dropna()
            t = m[m["base"] == "onet_task"]
            got = share.loc[list(zip(t["geo_id"], t["cluster_name"].str.lower(), strict=True))].to_numpy()
            np.testing.assert_allclose(got, t["v"].to_numpy(), rtol=1e-12)
            u = ds["usage_count"].where(ds["geo_level"] == "state_us", drop=True)
            su = m[usage]
            geos = su["geo"].replace({"not_classified": "not_classified_us"}).tolist()
            recomputed = (u / u.sum() * 100).sel(geo=geos)
            np.testing.assert_allclose(recomputed.values, su["v"].to_numpy(), rtol=1e-12)


@pytest.mark.realdata
def test_real_api_slice_has_the_reports_automation_and_augmentation(shared_aei: Path) -> None:
    path = (
        shared_aei
        / "releases"
        / "release_2025_09_15"
        / "aei_raw_1p_api_2025-08-04_to_2025-08-11_first_499_rows.csv"
    )
    pc = read_aei(path)["pattern_count"].sel(geo="GLOBAL")
    total = float(pc.sum())  # all conversations: none and not_classified in the base
    assert float(pc.sel(pattern=["directive", "feedback loop"]).sum()) / total == pytest.approx(
        0.774, abs=5e-4
    )
    assert float(pc.sel(pattern=["learning", "task iteration", "validation"]).sum()) / total == pytest.approx(
        0.124, abs=5e-4
    )


@pytest.mark.slow
@pytest.mark.realdata
def test_real_releases_folder_every_row_of_every_file(shared_aei: Path) -> None:
    root = shared_aei / "releases"
    ds = read_aei(root)
    sizes = {p.name: csv_rows(p) for p in root.rglob("*.csv")}
    rep = report(ds)
    assert sorted(f["file"] for f in rep["files"]) == sorted(sizes)
    assert_accounted(ds, sizes)
    assert list(ds["period"].values) == ["2024-12-01", "2025-08-04"]
    assert_same_as_alone(ds, read_aei(root / R1))
