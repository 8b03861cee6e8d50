"""Issue 17, reading: each bad input raises an EconIndexError naming the file, row or geo, or is
counted in the ingest report (docs/bad_input.md, "Issue 17" rows)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from econindex.errors import DataValueError, EconIndexError, ReadError, TooLargeError
from econindex.io import _assemble
from econindex.io.aei import read_aei

COLS = "geo_id,geography,date_start,date_end,platform_and_product,facet,level,variable,cluster_name,value"
W = "2025-08-04,2025-08-11,Claude AI (Free and Pro)"
GOOD = [
    f"US,country,{W},country,0,usage_count,US,1000",
    f"FR,country,{W},country,0,usage_count,FR,300",
    f"US,country,{W},onet_task,0,onet_task_count,write code,400",
]


def lines(*rows: str, header: str = COLS) -> str:
    return "\n".join([header, *rows]) + "\n"


def put(tmp_path: Path, text: str, name: str = "aei_raw.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def report(ds) -> dict:
    return json.loads(ds.attrs["ingest_report"])


# --- parsing -------------------------------------------------------------------------------------
def test_plain_file_named_gz(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"x.csv.gz: named .gz but not gzip-compressed"):
        read_aei(put(tmp_path, lines(*GOOD), "x.csv.gz"))


def test_broken_gzip(tmp_path: Path) -> None:
    p = tmp_path / "y.csv.gz"
    p.write_bytes(gzip.compress(lines(*GOOD).encode())[:30])
    with pytest.raises(ReadError, match=r"y.csv.gz: "):
        read_aei(p)


def test_real_gzip_still_reads(tmp_path: Path) -> None:
    p = tmp_path / "z.csv.gz"
    p.write_bytes(gzip.compress(lines(*GOOD).encode()))
    assert float(read_aei(p)["usage_count"].sel(geo="USA")) == 1000.0


def test_two_columns_named_value(tmp_path: Path) -> None:
    rows = [r + ",1" for r in GOOD]
    with pytest.raises(ReadError, match=r"dup.csv: column\(s\) \['value'\] appear twice"):
        read_aei(put(tmp_path, lines(*rows, header=COLS + ",value"), "dup.csv"))


def test_header_padded_with_spaces(tmp_path: Path) -> None:
    padded = ",".join(f"  {c} " for c in COLS.split(","))
    ds = read_aei(put(tmp_path, lines(*GOOD, header=padded)))
    assert ds["usage_count"].sel(geo="FRA").item() == 300.0
    assert report(ds)["rows_kept"] == 3


def test_one_cluster_name_longer_than_a_block(tmp_path: Path) -> None:
    huge = "x" * (5 << 20)  # 5 MB: more than pyarrow's block
    ds = read_aei(put(tmp_path, lines(*GOOD, f"US,country,{W},onet_task,0,onet_task_count,{huge},7")))
    assert ds.sizes["task"] == 2
    assert report(ds)["rows_kept"] == 4


@pytest.mark.parametrize("bad", [None, 42, 4.5, object()])
def test_read_aei_refuses_non_paths(bad: object) -> None:
    with pytest.raises(ReadError, match=r"read_aei: expected a file or folder path"):
        read_aei(bad)  # type: ignore[arg-type]


def test_read_aei_takes_bytes_paths(tmp_path: Path) -> None:
    p = put(tmp_path, lines(*GOOD))
    assert read_aei(os.fsencode(p))["usage_count"].sel(geo="USA").item() == 1000.0
    with pytest.raises(ReadError, match=r"no such file"):
        read_aei(b"/no/such/path.csv")


def test_symlink_out_of_the_release_folder_is_not_followed(tmp_path: Path) -> None:
    outside = put(tmp_path, lines(*GOOD), "secret.csv")
    folder = tmp_path / "release"
    folder.mkdir()
    put(folder, lines(*GOOD), "aei_raw_a.csv")
    (folder / "aei_raw_b.csv").symlink_to(outside)
    with pytest.raises(ReadError, match=r"aei_raw_b.csv is a symbolic link to a file outside the folder"):
        read_aei(folder)
    # a link inside the folder is fine
    (folder / "aei_raw_b.csv").unlink()
    (folder / "sub").mkdir()
    (folder / "sub" / "aei_raw_c.csv").symlink_to(folder / "aei_raw_a.csv")
    assert len(report(read_aei(folder))["files"]) == 2


def test_errors_quote_at_most_an_excerpt(tmp_path: Path) -> None:
    long = "q" * 10_000
    cases = [
        lines(*GOOD, header=",".join([long] * 20)),  # unknown layout: the header is quoted
        lines(*GOOD, f"DE,country,{W},country,0,usage_count,DE,{long}"),  # non-numeric value
        lines(*GOOD, f"DE,{long},{W},country,0,usage_count,DE,5"),  # unknown geography
        lines(*GOOD, f"DE,country,2025-08-04,2025-08-11,{long},country,0,usage_count,DE,5"),
    ]
    for k, text in enumerate(cases):
        with pytest.raises(EconIndexError) as err:
            read_aei(put(tmp_path, text, f"e{k}.csv"))
        assert len(str(err.value)) < 1000, (k, len(str(err.value)))


# --- fields trusted without checking ----------------------------------------------------------------
def test_variable_under_a_facet_it_does_not_belong_to(tmp_path: Path) -> None:
    text = lines(
        f"US,country,{W},mystery,0,mystery_count,yes,5",  # an unknown variable first
        *GOOD,
        f"DE,country,{W},mystery_facet,0,usage_count,DE,77",
        f"US,country,{W},collaboration,0,onet_task_count,write code,5",
    )
    ds = read_aei(put(tmp_path, text))
    assert "DEU" not in ds["geo"].values
    assert ds["task_count"].sel(geo="USA", task="write code").item() == 400.0
    rep = report(ds)
    assert rep["rows_dropped"] == {
        "variable not in the econindex data model: mystery_facet:usage_count": 1,
        "variable not in the econindex data model: collaboration:onet_task_count": 1,
        "variable not in the econindex data model: mystery:mystery_count": 1,
    }
    assert rep["rows_read"] == rep["rows_kept"] + sum(rep["rows_dropped"].values())


@pytest.mark.parametrize(
    ("window", "match"),
    [
        ("2025-08-11,2025-08-04", r"ends before it starts"),
        ("banana,2025-08-11", r"date_start 'banana' is not a date"),
        ("<script>,2025-08-11", r"date_start '<script>' is not a date"),
        ("2025-08-04,2025-13-45", r"date_end '2025-13-45' is not a date"),
    ],
)
def test_bad_date_window(tmp_path: Path, window: str, match: str) -> None:
    rows = [r.replace("2025-08-04,2025-08-11", window) for r in GOOD]
    with pytest.raises(DataValueError, match=match):
        read_aei(put(tmp_path, lines(*rows)))


@pytest.mark.parametrize("level", ["1.5", "-7", "one"])
def test_request_level_not_a_non_negative_integer(tmp_path: Path, level: str) -> None:
    text = lines(*GOOD, f"US,country,{W},request,{level},request_count,Write code,10")
    with pytest.raises(ReadError, match=r"level value\(s\) .* are not non-negative integers"):
        read_aei(put(tmp_path, text))


def test_country_row_under_geography_global(tmp_path: Path) -> None:
    text = lines(*GOOD, f"FR,global,{W},global,0,usage_count,FR,5000")
    with pytest.raises(DataValueError, match=r"geo_id 'FR' under geography 'global'"):
        read_aei(put(tmp_path, text))
    ok = read_aei(put(tmp_path, lines(*GOOD, f"GLOBAL,global,{W},global,0,usage_count,GLOBAL,5000"), "g.csv"))
    assert ok["usage_count"].sel(geo="GLOBAL").item() == 5000.0


def test_unknown_us_subdivision(tmp_path: Path) -> None:
    def row(code: str, value: int) -> str:
        return f"{code},country-state,{W},country-state,0,usage_count,{code},{value}"

    with pytest.raises(DataValueError, match=r"subdivision code 'US-ZZ' does not exist"):
        read_aei(put(tmp_path, lines(*GOOD, row("US-CA", 50), row("US-ZZ", 9))))
    # issue 15: US territories are state_us geos, other countries' subdivisions a level of their own
    ds = read_aei(put(tmp_path, lines(*GOOD, row("US-CA", 50), row("US-PR", 9), row("BR-SP", 8)), "t.csv"))
    assert report(ds)["rows_dropped"] == {}
    assert ds["geo_level"].sel(geo="PR").item() == "state_us"
    assert ds["geo_level"].sel(geo="BR-SP").item() == "subdivision"
    assert ds["usage_count"].sel(geo="CA").item() == 50.0


def test_request_with_two_parents(tmp_path: Path) -> None:
    text = lines(
        *GOOD,
        f"US,country,{W},request,0,request_count,Fix tests,10",
        f"GLOBAL,global,{W},econindex,0,request_parent,Fix tests::Debug code,1",
        f"GLOBAL,global,{W},econindex,0,request_parent,Fix tests::Write prose,1",
    )
    with pytest.raises(DataValueError, match=r"request cluster 'Fix tests' has several parents"):
        read_aei(put(tmp_path, text))


@pytest.mark.parametrize("code", ["99.7", "150", "-1"])
def test_soc_code_not_a_two_digit_group(tmp_path: Path, code: str) -> None:
    text = lines(*GOOD, f"GLOBAL,global,{W},econindex,0,task_soc_major,write code,{code}")
    with pytest.raises(DataValueError, match=r"task_soc_major .* in row 4 .* is not a two-digit SOC"):
        read_aei(put(tmp_path, text))
    ok = read_aei(
        put(tmp_path, lines(*GOOD, f"GLOBAL,global,{W},econindex,0,task_soc_major,write code,15"), "o.csv")
    )
    assert ok["soc_major"].sel(task="write code").item() == "15"


@pytest.mark.parametrize("var", ["usage_count", "onet_task_count"])
def test_non_integer_conversation_count(tmp_path: Path, var: str) -> None:
    facet, cluster = ("country", "DE") if var == "usage_count" else ("onet_task", "read code")
    text = lines(*GOOD, f"DE,country,{W},{facet},0,{var},{cluster},12.5")
    with pytest.raises(DataValueError, match=rf"{var} 12.5 in row 4 .* is not a whole number"):
        read_aei(put(tmp_path, text))


def test_counts_whose_sum_overflows(tmp_path: Path) -> None:
    text = lines(
        f"US,country,{W},country,0,usage_count,US,1e308",
        f"FR,country,{W},country,0,usage_count,FR,1e308",
    )
    with pytest.raises(DataValueError, match=r"'usage_count' sums to infinity"):
        read_aei(put(tmp_path, text))


# --- memory ---------------------------------------------------------------------------------------------
def test_dense_array_over_the_memory_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """51 states x many tasks, each task in one state: the dense geo x task array is ~51 x 8 bytes per
    row, about 4x the file; refused with the sizes named (the floor for small files set to 0 here)."""
    from econindex.geography import US_STATES

    states = sorted(US_STATES)
    rows = [f"{s},state_us,{W},state_us,0,usage_count,{s},100000" for s in states]
    rows += [f"{states[k % 51]},state_us,{W},onet_task,0,onet_task_count,task {k},1" for k in range(3000)]
    path = put(tmp_path, lines(*rows), "wide.csv")
    monkeypatch.setattr(_assemble, "_MEMORY_FLOOR", 0)
    with pytest.raises(
        TooLargeError, match=r"task_count would be a dense array of 153,000 cells .* over the bound of 3x"
    ):
        read_aei(path)
    monkeypatch.setattr(_assemble, "MEMORY_FACTOR", 6)
    assert read_aei(path).sizes["task"] == 3000


def test_real_state_slice_within_the_bound(monkeypatch: pytest.MonkeyPatch, shared_aei: Path) -> None:
    path = shared_aei / "releases/release_2025_09_15/aei_raw_claude_ai_2025-08-04_to_2025-08-11_state_us.csv"
    monkeypatch.setattr(_assemble, "_MEMORY_FLOOR", 0)
    ds = read_aei(path)
    assert sum(v.nbytes for v in ds.data_vars.values()) <= 3 * path.stat().st_size
    assert np.isfinite(ds["usage_count"]).sum() == 52


# --- request hierarchy ------------------------------------------------------------------------------------
def _deep_tree(n: int) -> str:
    """A chain of ``n`` nested nodes as JSON text (json.dumps itself cannot write 5,000 levels)."""
    return (
        "["
        + "".join(f'{{"name": "n{k}", "children": [' for k in range(n))
        + '{"name": "leaf"}'
        + "]}" * n
        + "]"
    )


@pytest.mark.parametrize(("depth", "match"), [(5000, "nested too deeply to read"), (150, "deeper than 100")])
def test_request_hierarchy_nested_thousands_deep(tmp_path: Path, depth: int, match: str) -> None:
    from econindex.io.hierarchy import read_request_hierarchy

    p = tmp_path / "request_hierarchy_tree_claude_ai.json"
    p.write_text(_deep_tree(depth))
    with pytest.raises(ReadError, match=rf"request_hierarchy_tree_claude_ai.json: .*{match}"):
        read_request_hierarchy(p)
    put(tmp_path, lines(*GOOD, f"US,country,{W},request,0,request_count,leaf,10"), "aei_raw_x.csv")
    with pytest.raises(ReadError, match=match):
        read_aei(tmp_path)  # the tree beside the CSV in a release folder


def test_request_hierarchy_fifty_deep_reads(tmp_path: Path) -> None:
    from econindex.io.hierarchy import read_request_hierarchy

    p = tmp_path / "request_hierarchy_tree_claude_ai.json"
    p.write_text(_deep_tree(50))
    table = read_request_hierarchy(p)
    assert len(table) == 51 and table["request_level"].max() == 50  # heights: the root is 50 above the leaf
