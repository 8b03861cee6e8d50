"""trend_table: shares across periods, checked against hand computations and published figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import econindex as ei
from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.geography import geo_coords
from econindex.schema import pattern_coords
from econindex.trends import TREND_COLUMNS, trend_table

RELEASE_1 = "releases/release_2025_02_10"
API_SLICE = "releases/release_2025_09_15/aei_raw_1p_api_2025-08-04_to_2025-08-11_first_499_rows.csv"
PATTERNS_6 = ["directive", "feedback loop", "learning", "task iteration", "validation", "none"]
# release 1's automation_vs_augmentation.csv, as published (percent)
RELEASE_1_PCT = [22.563272409918948, 12.036303266190515, 18.917648061953294, 25.47648663831153,
                 2.314220367546746, 2.9013020624347967]  # fmt: skip


def _wilson(k: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval written out from Wilson (1927), independent of the package."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _panel() -> xr.Dataset:
    """Two periods: the first with release 1's published pattern shares only, the second with counts."""
    shares = np.array([[*RELEASE_1_PCT, np.nan], [np.nan] * 7]) / 100.0
    counts = np.array([[np.nan] * 7, [600.0, 100.0, 50.0, 60.0, 40.0, 140.0, 10.0]])
    pats = [*PATTERNS_6, "not_classified"]
    return xr.Dataset(
        {
            "pattern_share_published": (("geo", "period", "pattern"), shares[None]),
            "pattern_count": (("geo", "period", "pattern"), counts[None]),
        },
        coords={
            **geo_coords(["GLOBAL"], ["global"]),
            **pattern_coords(pats),
            "period": ["2024-12-01", "2025-08-04"],
            "date_start": ("period", ["2024-12-01", "2025-08-04"]),
            "date_end": ("period", ["2025-01-31", "2025-08-11"]),
        },
    )


def test_published_shares_renormalized_with_none_in_base() -> None:
    t = trend_table(_panel(), "pattern")
    first = t[t["period"] == "2024-12-01"].set_index("category")
    # RELEASE.md: directive 22.56 / 84.21 = 26.8%, none in the base
    expected = 22.563272409918948 / sum(RELEASE_1_PCT)
    assert first.loc["directive", "share"] == pytest.approx(expected, rel=1e-12)
    assert first.loc["directive", "share"] == pytest.approx(0.268, abs=5e-4)
    assert "none" in first.index and first["share"].sum() == pytest.approx(1.0)
    assert first["ci_lower"].isna().all() and first["count"].isna().all()
    assert (first["source"] == "pattern_share_published").all()
    assert list(t.columns) == list(TREND_COLUMNS)
    assert t.attrs["base"].startswith("all conversations incl. none")


def test_counts_give_wilson_intervals_per_period() -> None:
    t = trend_table(_panel(), "pattern")
    second = t[t["period"] == "2025-08-04"].set_index("category")
    n = 1000.0
    assert second["n"].eq(n).all()
    assert second.loc["directive", "share"] == pytest.approx(0.6)
    lo, hi = _wilson(600.0, n)
    assert second.loc["directive", "ci_lower"] == pytest.approx(lo, rel=1e-10)
    assert second.loc["directive", "ci_upper"] == pytest.approx(hi, rel=1e-10)
    # a published value: Wilson 95% interval of 60/100 is [0.5020, 0.6906]
    k = trend_table(_small_counts([60.0, 40.0]), "pattern").set_index("category").loc["directive"]
    assert (round(k["ci_lower"], 4), round(k["ci_upper"], 4)) == (0.5020, 0.6906)
    assert t["period"].tolist() == sorted(t["period"].tolist())


def _small_counts(values: list[float], patterns: tuple[str, ...] = ("directive", "learning")) -> xr.Dataset:
    return xr.Dataset(
        {"pattern_count": (("geo", "pattern"), [values])},
        coords={**geo_coords(["GLOBAL"], ["global"]), **pattern_coords(list(patterns))},
        attrs={"date_start": "2025-08-04", "date_end": "2025-08-11", "platform": "claude_ai"},
    )


def test_classified_base_and_modes_by_hand() -> None:
    ds = _panel().isel(period=1)
    c = trend_table(ds, "pattern", base="classified").set_index("category")
    assert sorted(c.index) == sorted(PATTERNS_6[:5])
    assert c.loc["directive", "share"] == pytest.approx(600 / 850)
    assert c.loc["directive", "n"] == 850
    m = trend_table(ds, "mode").set_index("category")
    assert m.loc["automation", "share"] == pytest.approx(0.7)
    assert m.loc["augmentation", "share"] == pytest.approx(0.15)
    assert m.loc["unclassified", "share"] == pytest.approx(0.15)
    mc = trend_table(ds, "mode", base="classified").set_index("category")
    assert mc.loc["automation", "share"] == pytest.approx(700 / 850)
    assert trend_table(ds, "mode", base="classified").attrs["excluded"] == ["unclassified"]


def test_soc_major_from_counts_and_published() -> None:
    tasks = ["write code", "debug code", "teach", "none", "odd task"]
    soc = ["15", "15", "25", "none", "unknown"]
    counts = np.array([[[30.0, np.nan], [10.0, np.nan], [40.0, np.nan], [15.0, np.nan], [5.0, np.nan]]])
    pub = np.array([[[np.nan, 0.5], [np.nan, 0.1], [np.nan, 0.2], [np.nan, 0.2], [np.nan, np.nan]]])
    ds = xr.Dataset(
        {"task_count": (("geo", "task", "period"), counts),
         "task_share_published": (("geo", "task", "period"), pub)},
        coords={**geo_coords(["GLOBAL"], ["global"]), "task": tasks, "soc_major": ("task", soc),
                "period": ["2025-08-04", "2026-04-01"]},
    )  # fmt: skip
    t = trend_table(ds, "soc_major")
    a = t[t["period"] == "2025-08-04"].set_index("category")
    assert a.loc["15", "share"] == pytest.approx(40 / 80) and a.loc["25", "share"] == pytest.approx(0.5)
    assert a.loc["15", "label"] == "Computer and Mathematical"
    b = t[t["period"] == "2026-04-01"].set_index("category")
    assert b.loc["15", "share"] == pytest.approx(0.6 / 0.8)
    assert sorted(t.attrs["excluded"]) == ["none", "unknown"]
    allb = trend_table(ds, "soc_major", base="all")
    assert allb[allb["period"] == "2025-08-04"].set_index("category").loc["15", "share"] == pytest.approx(0.4)
    task = trend_table(ds, "task").set_index(["period", "category"])
    assert task.loc[("2025-08-04", "teach"), "share"] == pytest.approx(40 / 85)


def test_release_6_soc_groups_and_use_cases() -> None:
    ds = xr.Dataset(
        {
            "soc_share_published": (("geo", "soc_group"), [[0.40, 0.10, 0.50]]),
            "use_case_count": (("geo", "use_case"), [[50.0, 30.0, 20.0, 100.0]]),
        },
        coords={**geo_coords(["GLOBAL"], ["global"]), "soc_group": ["15", "25", "27"],
                "use_case": ["work", "coursework", "personal", "not_classified"]},
        attrs={"date_start": "2026-04-01", "date_end": "2026-05-01"},
    )  # fmt: skip
    s = trend_table(ds, "soc_major").set_index("category")
    assert s.loc["27", "share"] == pytest.approx(0.5) and s["ci_lower"].isna().all()
    u = trend_table(ds, "use_case").set_index("category")
    assert u.loc["work", "share"] == pytest.approx(0.5) and "not_classified" not in u.index
    assert u.loc["work", "ci_lower"] == pytest.approx(_wilson(50, 100)[0], rel=1e-10)


def test_bad_input_is_named() -> None:
    ds = _panel()
    with pytest.raises(SchemaError, match="'USA' is not in the dataset"):
        trend_table(ds, "pattern", geo="USA")
    with pytest.raises(OptionError, match="over="):
        trend_table(ds, "occupation")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="task_count"):
        trend_table(ds, "soc_major")
    two = xr.concat([_small_counts([1.0, 2.0]), _small_counts([3.0, 4.0])], dim="platform")
    two = two.assign_coords(platform=["claude_ai", "api"])
    with pytest.raises(OptionError, match="platform="):
        trend_table(two, "pattern")
    api = trend_table(two, "pattern", platform="api").set_index("category")
    assert api.loc["directive", "share"] == pytest.approx(3 / 7)
    with pytest.raises(OptionError, match="holds platform 'claude_ai'"):
        trend_table(_small_counts([1.0, 2.0]), "pattern", platform="api")
    with pytest.raises(DataValueError, match="sums to zero"):
        trend_table(_small_counts([0.0, 0.0]), "pattern")


def test_real_api_slice_automation_and_augmentation(shared_aei) -> None:
    ds = ei.read_aei(shared_aei / API_SLICE)
    t = trend_table(ds, "mode", platform="api").set_index("category")
    # RELEASES.md: 77.4% automation, 12.4% augmentation of all conversations (the report's 77% and 12%)
    assert t.loc["automation", "share"] == pytest.approx(0.774, abs=5e-4)
    assert t.loc["augmentation", "share"] == pytest.approx(0.124, abs=5e-4)
    raw = pd.read_csv(shared_aei / API_SLICE, keep_default_na=False)
    glob = raw[(raw["geo_id"] == "GLOBAL") & (raw["facet"] == "collaboration")].set_index("cluster_name")
    counts = glob.loc[glob["variable"] == "collaboration_count", "value"].astype(float)
    assert t.loc["automation", "n"] == counts.sum()
    assert t.loc["automation", "share"] == pytest.approx(
        (counts["directive"] + counts["feedback loop"]) / counts.sum(), rel=1e-12
    )
    # the published percentages in the same file agree
    pct = glob.loc[glob["variable"] == "collaboration_pct", "value"].astype(float)
    published = (pct["directive"] + pct["feedback loop"]) / 100
    assert t.loc["automation", "share"] == pytest.approx(published, abs=1e-12)


def _release_1_soc_by_hand(folder) -> pd.Series:
    """SOC shares of release 1 from the raw files: one group per statement, the one with most occupations."""
    tasks = pd.read_csv(folder / "onet_task_mappings.csv", keep_default_na=False)
    st = pd.read_csv(folder / "onet_task_statements.csv", keep_default_na=False, dtype=str)
    st = st.assign(key=st["Task"].str.lower(), soc=st["O*NET-SOC Code"].str[:2])
    per = st.groupby(["key", "soc"]).size().rename("n").reset_index()
    per = per.sort_values(["key", "n", "soc"], ascending=[True, False, True]).drop_duplicates("key")
    soc = tasks.merge(per, left_on="task_name", right_on="key", how="inner")
    return soc.groupby("soc")["pct"].sum() / soc["pct"].sum()


def test_real_release_1_baseline(shared_aei) -> None:
    ds = ei.read_aei(shared_aei / RELEASE_1)
    pat = trend_table(ds, "pattern").set_index("category")
    assert pat.loc["directive", "share"] == pytest.approx(0.268, abs=5e-4)
    soc = trend_table(ds, "soc_major").set_index("category")["share"]
    # the report's baseline (issue 15), to 0.003
    for code, published in {"15": 0.372, "25": 0.093, "19": 0.064, "13": 0.059, "11": 0.045}.items():
        assert soc[code] == pytest.approx(published, abs=3e-3), code
    hand = _release_1_soc_by_hand(shared_aei / RELEASE_1)
    pd.testing.assert_series_equal(soc.sort_index(), hand.reindex(soc.index).sort_index(),
                                   check_names=False, rtol=1e-10)  # fmt: skip


@pytest.mark.slow  # matplotlib's import; the doctest of plot_trend_table runs in the fast suite
def test_plot_trend_table() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from econindex.plots import plot_trend_table

    ax = plot_trend_table(trend_table(_panel(), "pattern"), top=3)
    assert len(ax.get_lines()) == 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-12-01", "2025-08-04"]


def test_level_sums_the_real_state_slice(shared_aei) -> None:
    st = ei.datasets.load_us_state_slice_2025_08()
    t = trend_table(st, "pattern", level="state_us").set_index("category")
    raw = pd.read_csv(
        shared_aei / "releases/release_2025_09_15/aei_raw_claude_ai_2025-08-04_to_2025-08-11_state_us.csv",
        keep_default_na=False,
    )
    cells = raw[(raw["variable"] == "collaboration_count") & (raw["geo_id"] != "not_classified")]
    by_pattern = cells.groupby("cluster_name")["value"].sum()
    assert t.loc["directive", "share"] == pytest.approx(by_pattern["directive"] / by_pattern.sum(), rel=1e-12)
    assert t.loc["directive", "n"] == by_pattern.sum() == 208198  # the 51 states' conversations
    assert t.attrs["geo"] == "sum of the 51 located state_us geos"
    soc = trend_table(st, "soc_major", level="state_us")
    assert any("threshold" in n for n in soc.attrs["notes"])  # truncated task cells are labelled
    pub = xr.Dataset(
        {"pattern_share_published": (("geo", "pattern"), [[0.6, 0.4], [0.5, 0.5]])},
        coords={**geo_coords(["FRA", "DEU"], ["country"] * 2), **pattern_coords(["directive", "learning"])},
    )
    with pytest.raises(OptionError, match="cannot be summed"):
        trend_table(pub, "pattern", level="country")


@pytest.mark.slow  # about 7 s: writes and reads three releases
def test_releases_1_4_and_6_in_one_panel(tmp_path) -> None:
    # files in the layouts of releases 1, 4 and 6 (the io generators), read together: each period
    # takes its numbers from what its release has, and equals the written cells by hand
    from release_files import write_release_1, write_release_6, write_release_45

    r1 = write_release_1(tmp_path / "r1")
    r4 = write_release_45(tmp_path / "r4", 4)
    r6 = write_release_6(tmp_path / "r6")
    panel = ei.read_aei([tmp_path / "r1", tmp_path / "r4", tmp_path / "r6"])
    assert panel["period"].values.tolist() == ["2024-12-01", "2025-11-13", "2026-04-01", "2026-05-01"]
    pat = trend_table(panel, "pattern", platform="claude_ai")
    src = json.loads(pat.attrs["sources"])
    published = "pattern_share_published"
    assert src == {"2024-12-01": published, "2025-11-13": "pattern_count",
                   "2026-04-01": published, "2026-05-01": published}  # fmt: skip
    first = r1["automation_vs_augmentation.csv"].set_index("interaction_type")["pct"]
    got = pat[pat["period"] == "2024-12-01"].set_index("category")["share"]
    assert got["directive"] == pytest.approx(first["directive"] / first.sum(), rel=1e-12)
    cad = r6["aei_claude_ai_2026-06-26.csv"]
    cell = cad[
        (cad["geo_id"] == "GLOBAL")
        & (cad["date_start"] == "2026-04-01")
        & (cad["category_name"] == "overall")
    ]
    collab = cell[cell["metric_id"].str.fullmatch(r"collaboration_(?!bucket).*_pct")].set_index("metric_id")[
        "value"
    ]
    got6 = pat[pat["period"] == "2026-04-01"].set_index("category")["share"]
    assert got6["feedback loop"] == pytest.approx(
        collab["collaboration_feedback_loop_pct"] / collab.sum(), rel=1e-12
    )
    soc = trend_table(panel, "soc_major", platform="claude_ai")
    assert json.loads(soc.attrs["sources"])["2026-04-01"] == "soc_share_published"
    groups = cad[(cad["geo_id"] == "GLOBAL") & (cad["date_start"] == "2026-04-01")
                 & (cad["category_name"] == "soc_occupation") & (cad["hierarchy_level"] == 1)
                 & (cad["metric_id"] == "pct")].set_index("node_external_id")["value"]  # fmt: skip
    got_soc = soc[soc["period"] == "2026-04-01"].set_index("category")["share"]
    pd.testing.assert_series_equal(got_soc.sort_index(), (groups / groups.sum()).sort_index(),
                                   check_names=False, check_index_type=False, rtol=1e-12)  # fmt: skip
    use = trend_table(panel, "use_case", platform="claude_ai")
    raw = r4["aei_raw_claude_ai_2025-11-13_to_2025-11-20.csv"]
    uc = raw[(raw["geo_id"] == "GLOBAL") & (raw["variable"] == "use_case_count")].set_index("cluster_name")[
        "value"
    ]
    uc = uc.drop("not_classified")
    got_uc = use[use["period"] == "2025-11-13"].set_index("category")
    assert got_uc.loc["work", "share"] == pytest.approx(uc["work"] / uc.sum(), rel=1e-12)
    assert got_uc.loc["work", "ci_lower"] == pytest.approx(_wilson(uc["work"], uc.sum())[0], rel=1e-10)


@given(
    counts=st.lists(st.integers(min_value=0, max_value=10**6), min_size=7, max_size=7).filter(
        lambda c: sum(c[:5]) > 0
    ),
    scale=st.integers(min_value=1, max_value=50),
)
@settings(max_examples=10, deadline=None)
def test_shares_sum_to_one_and_ignore_scale(counts: list[int], scale: int) -> None:
    pats = [*PATTERNS_6, "not_classified"]
    ds = _small_counts([float(c) for c in counts], tuple(pats))
    for base in ("all", "classified"):
        t = trend_table(ds, "pattern", base=base)
        assert t["share"].sum() == pytest.approx(1.0, abs=1e-12)
        assert ((t["ci_lower"] <= t["share"] + 1e-12) & (t["share"] <= t["ci_upper"] + 1e-12)).all()
        scaled = _small_counts([float(c * scale) for c in counts], tuple(pats))
        big = trend_table(scaled, "pattern", base=base)
        np.testing.assert_allclose(big["share"].to_numpy(), t["share"].to_numpy(), rtol=1e-12)
        assert (big["ci_upper"] - big["ci_lower"] <= t["ci_upper"] - t["ci_lower"] + 1e-12).all()
