"""The request hierarchy JSON: flattening, matching to request labels, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import econindex as ei
from econindex.errors import DataValueError, ReadError, UnknownLayoutError
from econindex.io.aei import read_aei, write_aei
from econindex.io.hierarchy import parents_for, read_request_hierarchy


def _tree_from(ds: xr.Dataset) -> list[dict]:
    """The simulated truth (request, request_level, parent_request) as a nested name/children tree."""
    names = [str(r) for r in ds["request"].values]
    parent = dict(zip(names, map(str, ds["parent_request"].values), strict=True))
    kids: dict[str, list[str]] = {}
    for name in names:
        kids.setdefault(parent[name], []).append(name)

    def node(name: str) -> dict:
        out: dict = {"name": name, "description": f"about {name}"}
        if kids.get(name):
            out["children"] = [node(k) for k in kids[name]]
        return out

    return [node(top) for top in kids[""]]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, xr.Dataset]:
    """A written release without econindex's own parent rows, plus the tree JSON beside it."""
    truth = ei.simulate(seed=3, n_countries=12, n_tasks=60, n_requests=48)
    folder = tmp_path_factory.mktemp("release")
    path = write_aei(truth, folder / "aei_enriched_claude_ai_sim.csv")
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = rows[rows["variable"] != "request_parent"]  # a real release has no such rows
    rows.to_csv(path, index=False)
    (folder / "request_hierarchy_tree_claude_ai.json").write_text(json.dumps(_tree_from(truth)))
    return folder, truth


def test_release_folder_fills_parent_request_with_the_truth(release: tuple[Path, xr.Dataset]) -> None:
    folder, truth = release
    ds = read_aei(folder)
    got = pd.Series(ds["parent_request"].values, index=ds["request"].values)
    want = pd.Series(truth["parent_request"].values, index=truth["request"].values)
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    report = json.loads(ds.attrs["ingest_report"])
    assert report["request_hierarchy"]["files"] == ["request_hierarchy_tree_claude_ai.json"]
    assert report["request_hierarchy"]["clusters_in_hierarchy"] == truth.sizes["request"]
    assert report["request_hierarchy"]["requests_below_top_without_parent"] == 0


def test_without_the_json_parents_are_empty_and_the_csv_alone_reads(release: tuple[Path, xr.Dataset]) -> None:
    folder, _ = release
    ds = read_aei(folder / "aei_enriched_claude_ai_sim.csv")
    assert (ds["parent_request"].values == "").all()
    assert "request_hierarchy" not in json.loads(ds.attrs["ingest_report"])


def test_explicit_json_path_and_uncovered_clusters_are_counted(
    release: tuple[Path, xr.Dataset], tmp_path: Path
) -> None:
    folder, truth = release
    tree = _tree_from(truth)
    dropped_top = tree.pop()  # its mid-level children (and their leaves) lose their parents
    mids = dropped_top["children"]
    n_lost = 1 + len(mids) + sum(len(c.get("children", [])) for c in mids)
    json_path = tmp_path / "request_hierarchy_tree_claude_ai.json"
    json_path.write_text(json.dumps({"children": tree}))
    ds = read_aei([folder / "aei_enriched_claude_ai_sim.csv", json_path])
    report = json.loads(ds.attrs["ingest_report"])["request_hierarchy"]
    assert report["clusters_in_hierarchy"] == truth.sizes["request"] - n_lost
    # the dropped top cluster itself is top-level: not counted as missing a parent
    assert report["requests_below_top_without_parent"] == n_lost - 1


def test_levels_are_heights_unless_given() -> None:
    tree = {"name": "A", "children": [{"name": "B", "children": [{"name": "C"}]}, {"name": "D"}]}
    heights = read_request_hierarchy(_write(tree)).set_index("request")["request_level"].to_dict()
    assert heights == {"A": 2, "B": 1, "C": 0, "D": 0}
    given = [{"title": "A", "level": 2, "subclusters": [{"title": "D", "level": 0}]}]
    assert read_request_hierarchy(_write(given))["request_level"].tolist() == [2, 0]


def test_a_name_at_two_levels_matches_the_disambiguated_label() -> None:
    # read_aei labels a name used at two levels "<name> [level k]" above the lowest
    requests = np.array(["Code", "Code [level 1]", "Top"], dtype=object)
    levels = np.array([0, 1, 2])
    tree = pd.DataFrame(
        {
            "request": ["Top", "Code", "Code"],
            "request_level": [2, 1, 0],
            "parent_request": ["", "Top", "Code"],
            "description": ["", "", ""],
        }
    )
    parents, uncovered = parents_for(requests, levels, tree)
    assert parents.tolist() == ["Code [level 1]", "Top", ""]
    assert uncovered == 0


def _write(doc: object, name: str = "request_hierarchy_tree_x.json") -> Path:
    import tempfile

    p = Path(tempfile.mkdtemp()) / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return p


@pytest.mark.parametrize(
    ("doc", "error", "match"),
    [
        ("{not json", ReadError, "cannot read the request hierarchy as JSON"),
        (["a", "b"], UnknownLayoutError, "is not an object"),
        ({"rows": 3}, UnknownLayoutError, "not a request-hierarchy tree"),
        ([{"children": []}], UnknownLayoutError, "has no name"),
        ([{"name": "A", "level": "top"}], DataValueError, "non-integer level"),
        (
            [{"name": "A", "children": [{"name": "X"}]}, {"name": "B", "children": [{"name": "X"}]}],
            DataValueError,
            "several parents",
        ),
        ([], ReadError, "no clusters"),
    ],
)
def test_bad_hierarchy_files_name_the_file(doc: object, error: type[Exception], match: str) -> None:
    path = _write(doc)
    with pytest.raises(error, match=match) as info:
        read_request_hierarchy(path)
    assert path.name in str(info.value)


def test_a_json_without_a_csv_is_refused(tmp_path: Path) -> None:
    path = _write([{"name": "A"}])
    with pytest.raises(ReadError, match="no CSV"):
        read_aei(path)


def test_two_trees_first_wins_and_disagreements_are_counted(
    release: tuple[Path, xr.Dataset], tmp_path: Path
) -> None:
    folder, truth = release
    tree = _tree_from(truth)
    moved = json.loads(json.dumps(tree))
    leaf = moved[0]["children"][0]["children"].pop(0)  # one leaf under another mid cluster
    moved[-1]["children"][0].setdefault("children", []).append(leaf)
    first = tmp_path / "request_hierarchy_tree_claude_ai.json"
    second = tmp_path / "request_hierarchy_tree_1p_api.json"
    first.write_text(json.dumps(tree))
    second.write_text(json.dumps(moved))
    ds = read_aei([folder / "aei_enriched_claude_ai_sim.csv", first, second])
    report = json.loads(ds.attrs["ingest_report"])["request_hierarchy"]
    assert report["clusters_placed_differently_across_files"] == 1
    got = dict(zip(ds["request"].values, ds["parent_request"].values, strict=True))
    assert got[leaf["name"]] == tree[0]["children"][0]["name"]
