"""read_aei / write_aei: layouts, facets, traps of the released files, round trips."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import econindex as ei
from econindex.errors import ReadError, UnknownLayoutError
from econindex.io.aei import read_aei, task_soc_major, write_aei

COLS = [
    "geo_id",
    "geography",
    "date_start",
    "date_end",
    "platform_and_product",
    "facet",
    "level",
    "variable",
    "cluster_name",
    "value",
]
CLAUDE = "Claude AI (Free and Pro)"
G = "GLOBAL"


def row(geo, geography, facet, variable, cluster, value, *, level=0, start="2025-08-04",
        end="2025-08-11", platform=CLAUDE):  # fmt: skip
    return [geo, geography, start, end, platform, facet, str(level), variable, cluster, str(value)]


def write_csv(path: Path, rows: list[list[str]], columns: list[str] = COLS) -> Path:
    df = pd.DataFrame(rows, columns=columns)
    df.to_csv(path, index=False)
    return path


def report(ds: xr.Dataset) -> dict:
    return json.loads(ds.attrs["ingest_report"])


def assert_accounted(ds: xr.Dataset) -> None:
    rep = report(ds)
    for f in rep["files"]:
        assert f["rows_kept"] + sum(f["rows_dropped"].values()) == f["rows_read"]
    assert rep["rows_kept"] + sum(rep["rows_dropped"].values()) == rep["rows_read"]


# --- the real slice -----------------------------------------------------------------------------------
@pytest.mark.realdata
def test_real_state_slice_every_row_accounted(shared_aei: Path) -> None:
    path = shared_aei / "us_state_tasks_collaboration_2025-08.csv"
    raw = pd.read_csv(path, keep_default_na=False, dtype=str)
    ds = read_aei(path)
    rep = report(ds)
    assert rep["rows_read"] == len(raw) == 4403
    assert_accounted(ds)
    # every one of the 447 task names maps to its SOC major group (PROVENANCE.md)
    assert ds.sizes["task"] == 447
    assert rep["tasks_without_soc_major"] == 0
    onet = pd.read_csv(shared_aei / "onet_task_statements.csv", dtype=str, keep_default_na=False)
    onet["t"] = onet["Task"].str.lower()
    groups = onet.groupby("t")["soc_major_group"].agg(set)
    assert all(s in groups[t] for t, s in zip(ds["task"].values, ds["soc_major"].values, strict=True))
    # task counts equal an independent pandas pivot of the raw rows
    tc = raw[raw.variable == "onet_task_count"].assign(
        task=lambda d: d.cluster_name.str.lower(), v=lambda d: d.value.astype(float)
    )
    ref = tc.pivot(index="geo_id", columns="task", values="v")
    got = ds["task_count"].sel(geo=ref.index.tolist(), task=ref.columns.tolist()).values
    np.testing.assert_array_equal(got, ref.to_numpy())
    # a missing cell is NaN, not zero; 44 states have task rows, 7 none
    assert int(ds["task_count"].notnull().any("task").sum()) == 44
    assert len(rep["geos_absent_by_variable"]["task_count"]) == 7
    # collaboration percentages come without counts: kept as shares in [0, 1]
    cp = raw[raw.variable == "collaboration_pct"]
    one = cp.iloc[0]
    assert ds["pattern_share_published"].sel(geo=one.geo_id, pattern=one.cluster_name) == pytest.approx(
        float(one.value) / 100, rel=1e-15
    )
    assert int(ds["pattern_share_published"].notnull().sum()) == len(cp)
    # onet_task_pct is derived from the counts it sits beside: dropped and counted
    assert sum(v for k, v in rep["rows_dropped"].items() if "onet_task_pct" in k) == len(
        raw[raw.variable == "onet_task_pct"]
    )


def test_vendored_slice_reads_like_the_shared_file() -> None:
    from econindex.datasets import data_path, load_us_state_task_slice

    ds = read_aei(str(data_path("us_state_tasks_collaboration_2025-08.csv.gz")))
    assert report(ds)["rows_read"] == len(load_us_state_task_slice())
    assert_accounted(ds)
    assert ds.attrs["date_start"] == "2025-08-04" and ds.attrs["platform"] == "claude_ai"


# --- traps ----------------------------------------------------------------------------------------------
def test_namibia_delaware_germany_and_none_labels(tmp_path: Path) -> None:
    rows = [
        row("NA", "country", "country", "usage_count", "NA", 300),
        row("DE", "country", "country", "usage_count", "DE", 9000),
        row("DE", "state_us", "state_us", "usage_count", "DE", 120),
        row("not_classified", "country", "country", "usage_count", "not_classified", 50),
        row("NA", "country", "onet_task", "onet_task_count", "none", 20),
        row("DE", "state_us", "collaboration", "collaboration_count", "none", 7),
        row("GLOBAL", "global", "global", "usage_count", "GLOBAL", 9350),
    ]
    ds = read_aei(write_csv(tmp_path / "aei_raw.csv", rows))
    assert ds["usage_count"].sel(geo="NAM") == 300
    assert ds["usage_count"].sel(geo="DEU") == 9000
    assert ds["usage_count"].sel(geo="DE") == 120
    assert ds["geo_level"].sel(geo="DE") == "state_us" and ds["geo_name"].sel(geo="DE") == "Delaware"
    assert not bool(ds["located"].sel(geo="not_classified"))
    # "none" is a label, never missing
    assert ds["task_count"].sel(geo="NAM", task="none") == 20
    assert ds["pattern_count"].sel(geo="DE", pattern="none") == 7
    assert_accounted(ds)


def test_none_and_NONE_collide_only_if_they_agree(tmp_path: Path) -> None:
    rows = [
        row("NA", "country", "onet_task", "onet_task_count", "none", 20),
        row("NA", "country", "onet_task", "onet_task_count", "NONE", 20),
    ]
    ds = read_aei(write_csv(tmp_path / "a.csv", rows))
    assert ds["task_count"].sel(geo="NAM", task="none") == 20
    assert report(ds)["rows_dropped"] == {"identical duplicate row": 1}


def test_missing_cell_is_nan_not_zero(tmp_path: Path) -> None:
    rows = [
        row("US", "country", "onet_task", "onet_task_count", "task a", 30),
        row("FR", "country", "onet_task", "onet_task_count", "task b", 0),
    ]
    ds = read_aei(write_csv(tmp_path / "a.csv", rows))
    assert np.isnan(ds["task_count"].sel(geo="USA", task="task b"))
    assert ds["task_count"].sel(geo="FRA", task="task b") == 0


def test_enriched_layout_iso3_and_names(tmp_path: Path) -> None:
    rows = [
        [*row("DEU", "country", "country", "usage_count", "DEU", 9000), "Germany"],
        [*row("DEU", "country", "country", "usage_per_capita_index", "DEU", 1.3), "Germany"],
        [*row("NAM", "country", "country", "usage_count", "NAM", 250), "Namibia"],
        [*row("CA", "state_us", "state_us", "usage_count", "CA", 5000), "California"],
    ]
    ds = read_aei(write_csv(tmp_path / "aei_enriched.csv", rows, [*COLS, "geo_name"]))
    assert ds.attrs["layouts"] == "enriched_long"
    assert ds["geo_name"].sel(geo="NAM") == "Namibia"
    assert "usage_index" not in ds  # derived where the count is given
    assert report(ds)["rows_dropped"] == {
        "derived variable (econindex recomputes it from the counts): usage_per_capita_index": 1
    }


def test_published_index_kept_where_no_count(tmp_path: Path) -> None:
    rows = [[*row("ISR", "country", "country", "usage_per_capita_index", "ISR", 7.004), "Israel"]]
    ds = read_aei(write_csv(tmp_path / "a.csv", rows, [*COLS, "geo_name"]))
    assert ds["usage_index"].sel(geo="ISR") == 7.004


def _api_rows() -> list[list[str]]:
    api = dict(platform="1P API")
    return [
        row("GLOBAL", "global", "onet_task", "onet_task_count", "Write code", 900, **api),
        row("GLOBAL", "global", "onet_task", "onet_task_count", "Edit text", 100, **api),
        row("GLOBAL", "global", "onet_task::cost", "cost_index", "Write code::index", 1.2, **api),
        row("GLOBAL", "global", "onet_task::cost", "cost_index", "Edit text::index", 0.4, **api),
        row(G, "global", "onet_task::prompt_tokens", "prompt_tokens_index", "Write code::index", 1.5, **api),
        row(G, "global", "onet_task::completion_tokens", "completion_tokens_index", "Edit text", 0.7, **api),
        row("GLOBAL", "global", "onet_task::cost", "cost_count", "Edit text::count", 100, **api),
    ]  # fmt: skip


def test_api_layout_cost_and_token_indices(tmp_path: Path) -> None:
    ds = read_aei(write_csv(tmp_path / "aei_raw_1p_api.csv", _api_rows()))
    assert ds.attrs["platform"] == "api"
    assert ds["cost_index"].sel(task="write code") == 1.2
    assert ds["cost_index"].dims == ("task",)
    assert ds["prompt_tokens_index"].sel(task="write code") == 1.5
    assert ds["completion_tokens_index"].sel(task="edit text") == 0.7
    rep = report(ds)
    assert any("cost_count" in k for k in rep["rows_dropped"])
    assert_accounted(ds)


def test_two_platforms_and_two_periods(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "aei_raw_claude_ai.csv", [
        row("GLOBAL", "global", "onet_task", "onet_task_count", "Write code", 500),
        row("US", "country", "country", "usage_count", "US", 800),
    ])  # fmt: skip
    b = write_csv(tmp_path / "aei_raw_1p_api.csv", _api_rows())
    ds = read_aei([a, b])
    assert list(ds["platform"].values) == ["api", "claude_ai"]
    assert ds["task_count"].sel(geo="GLOBAL", task="write code", platform="claude_ai") == 500
    assert ds["task_count"].sel(geo="GLOBAL", task="write code", platform="api") == 900
    assert ds["cost_index"].dims == ("task",)  # an API fact, given once
    c = write_csv(tmp_path / "aei_raw_claude_ai_nov.csv", [
        row("US", "country", "country", "usage_count", "US", 900, start="2025-11-13", end="2025-11-20"),
    ])  # fmt: skip
    panel = read_aei([a, c])
    assert list(panel["period"].values) == ["2025-08-04", "2025-11-13"]
    assert list(panel["date_end"].values) == ["2025-08-11", "2025-11-20"]
    assert panel["usage_count"].sel(geo="USA").values.tolist() == [800, 900]


def test_intersections_and_request_hierarchy(tmp_path: Path) -> None:
    tc, rc = "onet_task::collaboration", "request::collaboration"
    rows = [
        row(G, "global", tc, "onet_task_collaboration_pct", "Write code::directive", 60),
        row(G, "global", tc, "onet_task_collaboration_pct", "Write code::learning", 40),
        row(G, "global", tc, "onet_task_collaboration_count", "Write code::directive", 6),
        row("US", "country", tc, "onet_task_collaboration_count", "Write code::learning", 3),
        row("US", "country", tc, "onet_task_collaboration_pct", "Write code::learning", 100),
        row("GLOBAL", "global", "request", "request_count", "Fix bugs", 50, level=0),
        row("GLOBAL", "global", "request", "request_count", "Software", 80, level=1),
        row("GLOBAL", "global", "request", "request_count", "Technology", 90, level=2),
        row(G, "global", rc, "request_collaboration_pct", "Fix bugs::directive", 70),
        row(G, "global", rc, "request_collaboration_count", "Fix bugs::validation", 15),
    ]  # fmt: skip
    ds = read_aei(write_csv(tmp_path / "a.csv", rows))
    assert ds["task_pattern_share"].sel(task="write code", pattern="directive") == pytest.approx(0.6)
    assert ds["task_pattern_share"].dims == ("task", "pattern")
    assert ds["task_pattern_count"].sel(geo="USA", task="write code", pattern="learning") == 3
    assert dict(zip(ds["request"].values, ds["request_level"].values.tolist(), strict=True)) == {
        "Fix bugs": 0, "Software": 1, "Technology": 2,
    }  # fmt: skip
    assert ds["request_pattern_share"].sel(request="Fix bugs", pattern="directive") == pytest.approx(0.7)
    assert ds["request_pattern_count"].sel(geo="GLOBAL", request="Fix bugs", pattern="validation") == 15
    assert list(ds["mode"].values) == ["automation", "augmentation", "augmentation"]
    assert any("below the global level" in k for k in report(ds)["rows_dropped"])
    assert_accounted(ds)


def test_country_state_layout_reads_us_subdivisions(tmp_path: Path) -> None:
    rows = [
        row("US-CA", "country-state", "country-state", "usage_count", "US-CA", 5000),
        row("US-UT", "country-state", "country-state", "usage_count", "US-UT", 800),
        row("US-PR", "country-state", "country-state", "usage_count", "US-PR", 90),
        row("AO-LUA", "country-state", "country-state", "usage_count", "AO-LUA", 300),
        row("XX-not_classified", "country-state", "country-state", "usage_count", "XX-not_classified", 70),
        row("US", "country", "country", "usage_count", "US", 9000),
    ]
    ds = read_aei(write_csv(tmp_path / "aei_raw_2026.csv", rows))
    assert ds.attrs["layouts"] == "country_state_long"
    assert ds["usage_count"].sel(geo="CA") == 5000
    assert ds["geo_level"].sel(geo="UT") == "state_us"
    assert ds["geo_level"].sel(geo="PR") == "state_us" and ds["geo_name"].sel(geo="PR") == "Puerto Rico"
    # other countries' subdivisions at a level of their own, their country as parent
    assert ds["geo_level"].sel(geo="AO-LUA") == "subdivision" and ds["parent"].sel(geo="AO-LUA") == "AGO"
    assert ds["usage_count"].sel(geo="AO-LUA") == 300
    assert not ds["located"].sel(geo="not_classified_subdivision")
    assert report(ds)["rows_dropped"] == {}
    assert_accounted(ds)


def test_wide_schema_is_refused_saying_why(tmp_path: Path) -> None:
    p = tmp_path / "aei_wide_2026.csv"
    pd.DataFrame(
        {
            "geo_id": ["USA"],
            "geo_name": ["United States"],
            "usage_pct": [20.0],
            "usage_per_capita_index": [3.6],
        }
    ).to_csv(p, index=False)
    with pytest.raises(ReadError, match="wide AEI schema.*no conversation counts") as err:
        read_aei(p)
    assert not isinstance(err.value, UnknownLayoutError)
    assert "aei_wide_2026.csv" in str(err.value)


def test_unknown_layout_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "mystery.csv"
    p.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UnknownLayoutError, match="mystery.csv"):
        read_aei(p)


def test_release_folder(tmp_path: Path) -> None:
    rel = tmp_path / "release_2025_09_15" / "data"
    rel.mkdir(parents=True)
    write_csv(rel / "aei_raw_claude_ai.csv", [row("US", "country", "country", "usage_count", "US", 800)])
    write_csv(rel / "aei_raw_1p_api.csv", _api_rows())
    (rel / "notes.txt").write_text("not data")
    ds = read_aei(tmp_path / "release_2025_09_15")
    assert len(report(ds)["files"]) == 2


def test_task_soc_major_lookup() -> None:
    got = task_soc_major(["none", "not_classified", "no such task at all"])
    assert got.tolist() == ["none", "not_classified", "unknown"]


# --- writing --------------------------------------------------------------------------------------------
def small_dataset() -> xr.Dataset:
    from econindex.geography import geo_coords
    from econindex.schema import pattern_coords

    geos = ["GLOBAL", "DEU", "NAM", "not_classified", "CA", "DE"]
    levels = ["global", "country", "country", "country", "state_us", "state_us"]
    coords = geo_coords(geos, levels)
    tasks = ["write code", "edit text", "none"]
    pats = ["directive", "learning", "validation", "none"]
    coords.update(pattern_coords(pats))
    coords["task"] = tasks
    coords["soc_major"] = ("task", ["15", "27", "none"])
    usage = np.array([1000.0, 700, 200, 100, 60, 40])
    tc = np.array(
        [[600, 300, 100], [420, 210, 70], [120, 60, 20], [60, 30, 10], [30, 20, np.nan], [25, 10, 5]]
    )
    pc = np.array([[500, 300, 100, 100], [350, 210, 70, 70], [100, 60, 20, 20], [50, 30, 10, 10],
                   [30, 18, 6, 6], [20, 12, 4, 4]], dtype=float)  # fmt: skip
    pop = np.array([np.nan, 5.4e7, 1.6e6, np.nan, 2.6e7, 6.5e5])
    gdp = np.array([np.nan, 4.6e12, 1.2e10, np.nan, 4.1e12, 9.5e10])
    share = np.array([[0.6, 0.3, 0.1, 0.0], [0.2, 0.5, 0.2, 0.1], [np.nan] * 4])
    ds = xr.Dataset(
        {
            "usage_count": ("geo", usage),
            "task_count": (("geo", "task"), tc),
            "pattern_count": (("geo", "pattern"), pc),
            "working_age_pop": ("geo", pop),
            "gdp": ("geo", gdp),
            "task_pattern_share": (("task", "pattern"), share),
        },
        coords=coords,
        attrs={"date_start": "2025-08-04", "date_end": "2025-08-11", "platform": "claude_ai"},
    )
    return ei.validate(ds)


def test_write_then_read_returns_the_same_counts(tmp_path: Path) -> None:
    ds = small_dataset()
    back = read_aei(write_aei(ds, tmp_path / "aei_enriched.csv"))
    for var in ("usage_count", "task_count", "pattern_count"):
        got = back[var].transpose(*ds[var].dims).reindex_like(ds[var]).drop_vars("task_id", errors="ignore")
        xr.testing.assert_equal(got, ds[var])  # read_aei adds the task_id coordinate
    np.testing.assert_allclose(
        back["working_age_pop"].reindex_like(ds["working_age_pop"]), ds["working_age_pop"]
    )
    np.testing.assert_allclose(back["gdp"].reindex_like(ds["gdp"]), ds["gdp"], rtol=1e-12)
    np.testing.assert_allclose(
        back["task_pattern_share"].reindex_like(ds["task_pattern_share"]),
        ds["task_pattern_share"],
        rtol=1e-12,
    )
    assert dict(zip(back["task"].values, back["soc_major"].values, strict=True)) == {
        "write code": "15", "edit text": "27", "none": "none",
    }  # fmt: skip
    assert_accounted(back)


def test_written_file_has_release_variables(tmp_path: Path) -> None:
    ds = small_dataset()
    out = pd.read_csv(write_aei(ds, tmp_path / "x.csv"), keep_default_na=False, dtype={"value": float})
    assert list(out.columns[:10]) == COLS and "geo_name" in out.columns
    # ISO-3 ids, unlocated written as not_classified, Namibia stays NAM
    assert set(out.loc[out.geography == "country", "geo_id"]) == {"DEU", "NAM", "not_classified"}
    v = out.set_index(["geo_id", "geography", "variable", "cluster_name"])["value"]
    # percentages are 0..100 and computed from the counts (independent hand computation)
    assert v[("DEU", "country", "onet_task_pct", "write code")] == pytest.approx(100 * 420 / 700)
    assert v[("DEU", "country", "collaboration_pct", "learning")] == pytest.approx(100 * 210 / 700)
    auto_deu = 350 / (350 + 210 + 70)
    assert v[("DEU", "country", "automation_pct", "automation")] == pytest.approx(100 * auto_deu)
    assert v[("DEU", "country", "augmentation_pct", "augmentation")] == pytest.approx(100 * (1 - auto_deu))
    assert v[("GLOBAL", "global", "onet_task_collaboration_pct", "write code::directive")] == pytest.approx(
        60
    )
    # usage share includes the unlocated usage in the country total
    assert v[("DEU", "country", "usage_pct", "DEU")] == pytest.approx(100 * 700 / 1000)
    # the index: usage share (unlocated included) over population share (located)
    aui_deu = (700 / 1000) / (5.4e7 / (5.4e7 + 1.6e6))
    assert v[("DEU", "country", "usage_per_capita_index", "DEU")] == pytest.approx(aui_deu, rel=1e-12)
    assert v[("DEU", "country", "usage_per_capita", "DEU")] == pytest.approx(700 / 5.4e7)
    assert v[("DEU", "country", "gdp_per_working_age_capita", "DEU")] == pytest.approx(4.6e12 / 5.4e7)
    assert v[("DE", "state_us", "working_age_pop", "DE")] == 6.5e5


def test_write_countries_keeps_the_published_index(tmp_path: Path) -> None:
    ds = ei.datasets.load_countries_2025_08()
    out = pd.read_csv(write_aei(ds, tmp_path / "c.csv.gz"), keep_default_na=False, dtype={"value": float})
    idx = out[out.variable == "usage_per_capita_index"].set_index("geo_id")["value"]
    np.testing.assert_allclose(idx.reindex(ds["geo"].values), ds["usage_index"].values, rtol=1e-15)
    back = read_aei(tmp_path / "c.csv.gz")
    np.testing.assert_array_equal(back["usage_count"].reindex_like(ds["usage_count"]), ds["usage_count"])
    np.testing.assert_allclose(back["automation_share"].reindex_like(ds["automation_share"]),
                               ds["automation_share"], rtol=1e-12)  # fmt: skip


def test_simulated_release_round_trip(tmp_path: Path) -> None:
    ds = ei.simulate(seed=3, n_countries=12, n_tasks=40, n_requests=24, platforms=("claude_ai", "api"),
                     n_periods=2, task_pattern_count=True)  # fmt: skip
    back = read_aei(write_aei(ds, tmp_path / "sim.csv"))
    _assert_same_counts(ds, back)


def _assert_same_counts(ds: xr.Dataset, back: xr.Dataset) -> None:
    counts = [v for v in ei.schema.COUNT_VARIABLES if v in ds.data_vars]
    assert counts
    for var in counts:
        a = ds[var]
        b = back[var].transpose(*a.dims).reindex_like(a)
        np.testing.assert_array_equal(b.values, a.values, err_msg=var)
    for c in ("soc_major", "request_level", "parent_request"):
        if c in ds.coords:
            got = back[c].reindex({ds[c].dims[0]: ds[ds[c].dims[0]].values}).values
            assert got.tolist() == ds[c].values.tolist(), c
    assert_accounted(back)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    n_countries=st.integers(2, 15),
    n_tasks=st.integers(3, 60),
    n_requests=st.integers(24, 60),
    n_periods=st.integers(1, 2),
    api=st.booleans(),
)
def test_property_simulate_write_read_round_trip(tmp_path_factory, seed, n_countries, n_tasks, n_requests,
                                                 n_periods, api) -> None:  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = ei.simulate(seed=seed, n_countries=n_countries, n_tasks=n_tasks, n_requests=n_requests,
                         n_periods=n_periods, platforms=("claude_ai", "api") if api else ("claude_ai",),
                         task_pattern_count=bool(seed % 2))  # fmt: skip
    path = tmp_path_factory.mktemp("rt") / "aei_enriched_sim.csv"
    _assert_same_counts(ds, read_aei(write_aei(ds, path)))


def test_write_warns_about_variables_it_cannot_hold(tmp_path: Path) -> None:
    ds = ei.datasets.load_us_states_2025_08()
    with pytest.warns(UserWarning, match=r"\['median_hh_income', 'pct_bachelors_plus', 'pct_broadband'\]"):
        path = write_aei(ds, tmp_path / "states.csv")
    back = read_aei(path)
    np.testing.assert_array_equal(back["usage_count"].reindex_like(ds["usage_count"]), ds["usage_count"])
    # published index and automation figures (no pattern counts) survive as published figures
    np.testing.assert_allclose(
        back["automation_share"].reindex_like(ds["automation_share"]), ds["automation_share"], rtol=1e-12
    )
    np.testing.assert_allclose(
        back["expected_automation"].reindex_like(ds["expected_automation"]),
        ds["expected_automation"],
        rtol=1e-12,
    )


def test_same_release_twice_counts_identical_duplicates(tmp_path: Path) -> None:
    ds = small_dataset()
    a = write_aei(ds, tmp_path / "aei_enriched_a.csv")
    b = tmp_path / "aei_enriched_b.csv.gz"
    write_aei(ds, b)
    one, both = read_aei(a), read_aei([a, b])
    xr.testing.assert_equal(both["task_count"], one["task_count"])
    rep_one, rep_both = report(one), report(both)
    assert rep_both["rows_read"] == 2 * rep_one["rows_read"]
    raw = pd.read_csv(a, keep_default_na=False)
    n_meta = int(raw["variable"].isin(["task_soc_major", "request_parent"]).sum())  # labels, kept from both
    assert n_meta == 2
    assert rep_both["rows_dropped"]["identical duplicate row"] == rep_one["rows_kept"] - n_meta
    assert_accounted(both)


def test_padded_and_missing_value_cells(tmp_path: Path) -> None:
    """A padded number reads as the number; NA is Namibia as a geo and missing as a value."""
    rows = [
        row("NA", "country", "country", "usage_count", "NA", " 250 "),
        row("DE", "country", "country", "usage_count", "DE", "9000"),
        row("FR", "country", "country", "usage_count", "FR", "NA"),  # a missing cell, not Namibia
    ]
    ds = read_aei(write_csv(tmp_path / "aei_raw_padded.csv", rows))
    assert ds["usage_count"].sel(geo="NAM").item() == 250.0
    assert ds["usage_count"].sel(geo="DEU").item() == 9000.0
    assert "FRA" not in ds["geo"].values or np.isnan(ds["usage_count"].sel(geo="FRA").item())
    assert report(ds)["rows_dropped"] == {"missing value (empty or NaN cell; missing is not zero)": 1}
    assert_accounted(ds)
    fast = read_aei(write_csv(tmp_path / "aei_raw_plain.csv", [[*rows[0][:-1], "250"], *rows[1:]]))
    xr.testing.assert_identical(fast["usage_count"], ds["usage_count"])
