"""The ``econindex`` command: version, bad ``--out`` checked before any analysis, ``--data`` reading.

The checks of ``--out`` and the version run in-process (fast); the report
runs end to end are in test_report.py.
"""

from __future__ import annotations

import json
from importlib import metadata

import pandas as pd
import pytest

import econindex as ei
from econindex.cli import main
from econindex.errors import UnknownLayoutError
from econindex.report import read_release


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("econindex: error:") and "Traceback" not in err
    return lines[0]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"econindex {metadata.version('econindex')}"


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_out_that_is_a_file_is_refused_before_the_analysis(tmp_path, capsys, monkeypatch, where):
    existing = tmp_path / "report.txt"
    existing.write_text("keep me")
    out = existing if where == "file" else existing / "sub" / "r"

    def must_not_run(*args, **kwargs):  # the analysis must not start
        raise AssertionError("the analysis ran before --out was checked")

    monkeypatch.setattr("econindex.report.run_report", must_not_run)
    assert main(["report", "--no-bayes", "--out", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "report.txt" in line and "not a folder" in line
    assert existing.read_text() == "keep me"


def test_several_data_paths_parse():
    from econindex.cli import build_parser

    args = build_parser().parse_args(["report", "--data", "a", "b", "c", "--no-bayes"])
    assert [str(p) for p in args.data] == ["a", "b", "c"] and args.bayes is False


_ROWS = """\
NA,country,2025-08-04,2025-08-11,Claude AI (Free and Pro),country,0,usage_count,NA,250
DE,country,2025-08-04,2025-08-11,Claude AI (Free and Pro),country,0,usage_count,DE,9000
DE,state_us,2025-08-04,2025-08-11,Claude AI (Free and Pro),state_us,0,usage_count,DE,400
"""


@pytest.fixture(scope="module")
def small_release(tmp_path_factory):
    """A three-row release in the long layout (the read_aei docstring's example)."""
    from econindex.io._layouts import REQUIRED_COLUMNS

    folder = tmp_path_factory.mktemp("release")
    path = folder / "aei_small.csv"
    path.write_text(",".join(REQUIRED_COLUMNS) + "\n" + _ROWS)
    return folder, path


def test_unknown_layout_file_is_skipped_when_something_readable_remains(small_release, tmp_path):
    _, path = small_release
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "aei_small.csv").write_bytes(path.read_bytes())
    (mixed / "aei_notes.csv").write_text("name,comment\nx,this is not an AEI file\n")
    ds, skipped = read_release((mixed,))
    assert [p for p, _ in skipped] == [str(mixed / "aei_notes.csv")]
    assert "unknown layout" in skipped[0][1]
    alone = ei.read_aei(path)
    assert ds["usage_count"].equals(alone["usage_count"])  # the readable file is read as on its own
    rep = json.loads(ds.attrs["ingest_report"])
    assert rep["rows_read"] == 3
    assert ds["usage_count"].sel(geo=["NAM", "DEU", "DE"]).values.tolist() == [250.0, 9000.0, 400.0]


def test_a_folder_with_nothing_readable_is_one_error(tmp_path, capsys):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "aei_notes.csv").write_text("name,comment\nx,y\n")
    with pytest.raises(UnknownLayoutError, match="aei_notes.csv"):
        read_release((folder,))
    assert main(["report", "--no-bayes", "--quiet", "--data", str(folder), "--out", str(tmp_path / "r")]) == 2
    assert "aei_notes.csv" in _one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "r" / "report.html").exists()


def test_missing_data_path_is_one_error(tmp_path, capsys):
    assert main(["report", "--no-bayes", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "r")]) == 2
    assert "nope" in _one_error_line(capsys.readouterr().err)


@pytest.mark.slow
def test_report_notes_the_skipped_file_in_the_ingest_table(small_release, tmp_path):
    _, path = small_release
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "aei_small.csv").write_bytes(path.read_bytes())
    (mixed / "aei_notes.csv").write_text("name,comment\nx,y\n")
    assert main(["report", "--no-bayes", "--quiet", "--data", str(mixed), "--out", str(tmp_path / "r")]) == 0
    ingest = pd.read_csv(tmp_path / "r" / "tables" / "ingest_report.csv", keep_default_na=False)
    skipped = ingest[ingest["dataset"] == "skipped"]
    assert skipped["file"].str.endswith("aei_notes.csv").all() and len(skipped) == 1
    assert skipped["rows_dropped"].str.contains("unknown layout").all()
    page = (tmp_path / "r" / "report.html").read_text()
    assert "aei_notes.csv" in page and "skipped" in page


@pytest.mark.slow
def test_report_on_a_folder_of_releases_1_to_6(tmp_path):
    from release_files import write_release_1, write_release_2, write_release_6, write_release_45

    root = tmp_path / "releases"
    write_release_1(root / "release_2025_02_10", n_tasks=30)
    write_release_2(root / "release_2025_03_27", n_tasks=60)
    write_release_45(root / "release_2026_01_15", 4)
    write_release_45(root / "release_2026_03_24", 5)
    write_release_6(root / "release_2026_06_26")
    out = tmp_path / "r"
    assert main(["report", "--no-bayes", "--quiet", "--data", str(root), "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "Trends across releases" in page
    trend = pd.read_csv(out / "tables" / "trend_pattern.csv")
    assert [c for c in trend.columns if c.startswith("share ")] == [
        f"share {p}"
        for p in ("2024-12-01", "2025-02-01", "2025-11-13", "2026-02-05", "2026-04-01", "2026-05-01")
    ]
    # the latest windows are release 6's (shares only): places and platforms are taken in release 5's
    scope = "window starting 2026-02-05 (the latest with usage counts; the 2 later ones have none)"
    assert scope in page
    assert len(pd.read_csv(out / "tables" / "usage_index_country.csv")) > 0
    assert "Window starting 2026-02-05." in page
    assert (out / "tables" / "platform_shares_soc_major.csv").exists()
    # the other countries' subdivisions of releases 4-6 are named as not taken as a level
    assert "subdivisions outside the US" in page
    assert not (out / "tables" / "usage_index_subdivision.csv").exists()


def test_level_choices_are_the_analysis_levels():
    from econindex.cli import build_parser
    from econindex.schema import ANALYSIS_LEVELS

    for level in ANALYSIS_LEVELS:
        assert build_parser().parse_args(["report", "--level", level]).level == level
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--level", "subdivision"])
