"""One test per bad input of issue 3 (see docs/bad_input.md): each raises an EconIndexError
subclass naming the file, row or geo, or is counted in the ingest report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import econindex as ei
from econindex.errors import DataValueError, EconIndexError, MissingCovariateError, ReadError
from econindex.io.aei import read_aei
from econindex.io.covariates import attach_covariates

COLS = "geo_id,geography,date_start,date_end,platform_and_product,facet,level,variable,cluster_name,value"
W = "2025-08-04,2025-08-11,Claude AI (Free and Pro)"


def lines(*rows: str) -> str:
    return "\n".join([COLS, *rows]) + "\n"


def put(tmp_path: Path, text: str, name: str = "aei_raw.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = [
    f"US,country,{W},country,0,usage_count,US,1000",
    f"FR,country,{W},country,0,usage_count,FR,300",
    f"US,country,{W},onet_task,0,onet_task_count,write code,400",
]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"empty.csv: the file is empty"):
        read_aei(put(tmp_path, "", "empty.csv"))
    with pytest.raises(ReadError, match=r"header.csv: the file has a header but no data rows"):
        read_aei(put(tmp_path, COLS + "\n", "header.csv"))


def test_truncated_file(tmp_path: Path) -> None:
    text = lines(*GOOD)
    cut = text[: text.rindex("write code") + 3]  # the last line stops mid-field
    with pytest.raises(
        ReadError, match=r"cut.csv: 1 malformed row\(s\) \(truncated file\?\); line 4 has 9 of 10"
    ):
        read_aei(put(tmp_path, cut, "cut.csv"))


def test_truncated_inside_a_quoted_field(tmp_path: Path) -> None:
    text = lines(*GOOD, f'US,country,{W},onet_task,0,onet_task_count,"write, and edit')
    with pytest.raises(ReadError, match=r"q.csv: "):
        read_aei(put(tmp_path, text, "q.csv"))


def test_missing_required_column(tmp_path: Path) -> None:
    text = "\n".join(
        [COLS.replace(",cluster_name", ""), *[",".join(r.split(",")[:8] + r.split(",")[9:]) for r in GOOD]]
    )
    with pytest.raises(ReadError, match=r"nocol.csv: missing required column\(s\) \['cluster_name'\]"):
        read_aei(put(tmp_path, text, "nocol.csv"))


def test_unknown_geography(tmp_path: Path) -> None:
    text = lines(*GOOD, f"06037,county,{W},county,0,usage_count,06037,5")
    with pytest.raises(ReadError, match=r"unknown geography 'county' in row 4 \(line 5\)"):
        read_aei(put(tmp_path, text))


def test_non_numeric_value(tmp_path: Path) -> None:
    text = lines(*GOOD, f"DE,country,{W},country,0,usage_count,DE,12O0")
    with pytest.raises(DataValueError, match=r"aei_raw.csv: non-numeric value '12O0' in row 4 .*geo_id='DE'"):
        read_aei(put(tmp_path, text))


def test_negative_count(tmp_path: Path) -> None:
    text = lines(*GOOD, f"DE,country,{W},country,0,usage_count,DE,-5")
    with pytest.raises(DataValueError, match=r"negative value -5.0 for 'usage_count' in row 4 .*geo_id='DE'"):
        read_aei(put(tmp_path, text))


def test_empty_value_cell_is_counted_not_zero(tmp_path: Path) -> None:
    ds = read_aei(put(tmp_path, lines(*GOOD, f"DE,country,{W},country,0,usage_count,DE,")))
    rep = json.loads(ds.attrs["ingest_report"])
    assert rep["rows_dropped"] == {"missing value (empty or NaN cell; missing is not zero)": 1}
    assert "DEU" not in ds["geo"].values


def test_duplicate_rows_that_disagree(tmp_path: Path) -> None:
    text = lines(*GOOD, f"US,country,{W},country,0,usage_count,US,1001")
    with pytest.raises(
        ReadError, match=r"duplicate rows disagree for usage_count at geo='USA'.*row 1 has 1000.0"
    ):
        read_aei(put(tmp_path, text))


def test_identical_duplicates_are_counted(tmp_path: Path) -> None:
    ds = read_aei(put(tmp_path, lines(*GOOD, GOOD[0], GOOD[0])))
    rep = json.loads(ds.attrs["ingest_report"])
    assert rep["rows_dropped"] == {"identical duplicate row": 2}
    assert rep["rows_kept"] == 3 and rep["rows_read"] == 5
    assert ds["usage_count"].sel(geo="USA") == 1000


def test_percentages_over_100_within_a_geo(tmp_path: Path) -> None:
    text = lines(
        f"US,country,{W},collaboration,0,collaboration_pct,directive,60",
        f"US,country,{W},collaboration,0,collaboration_pct,learning,55",
    )
    with pytest.raises(DataValueError, match=r"collaboration_pct sums to 115 .* within geo 'USA'"):
        read_aei(put(tmp_path, text))


def test_percentages_under_100_are_legitimate(tmp_path: Path) -> None:
    text = lines(
        f"US,country,{W},collaboration,0,collaboration_pct,directive,60",
        f"US,country,{W},collaboration,0,collaboration_pct,learning,30.004",
        f"FR,country,{W},collaboration,0,collaboration_pct,directive,50.004",  # rounding: 100.008 is fine
        f"FR,country,{W},collaboration,0,collaboration_pct,learning,50.004",
    )
    ds = read_aei(put(tmp_path, text))
    assert float(ds["pattern_share_published"].sel(geo="USA").sum()) == pytest.approx(0.90004)


def test_geo_in_one_facet_absent_from_another(tmp_path: Path) -> None:
    ds = read_aei(put(tmp_path, lines(*GOOD)))
    assert np.isnan(ds["task_count"].sel(geo="FRA", task="write code"))
    rep = json.loads(ds.attrs["ingest_report"])
    assert rep["geos_absent_by_variable"] == {"task_count": ["FRA"]}


def test_zero_population(tmp_path: Path) -> None:
    ds = read_aei(put(tmp_path, lines(*GOOD)))
    with pytest.raises(DataValueError, match=r"working_age_pop must be positive.*FRA \(0\)"):
        attach_covariates(ds, population=pd.Series({"USA": 2.2e8, "FRA": 0.0}))


def test_missing_population(tmp_path: Path) -> None:
    ds = read_aei(put(tmp_path, lines(*GOOD)))
    with pytest.raises(MissingCovariateError, match=r"working_age_pop is missing for 1 geo\(s\): FRA"):
        attach_covariates(ds, population=pd.Series({"USA": 2.2e8, "FRA": np.nan}))


def test_unknown_iso_code(tmp_path: Path) -> None:
    text = lines(*GOOD, f"XQ,country,{W},country,0,usage_count,XQ,50")
    with pytest.raises(DataValueError, match=r"aei_raw.csv: unknown ISO-2 country code\(s\) \['XQ'\]"):
        read_aei(put(tmp_path, text))


def test_unknown_state_code(tmp_path: Path) -> None:
    text = lines(*GOOD, f"PR,state_us,{W},state_us,0,usage_count,PR,50")
    with pytest.raises(DataValueError, match=r"unknown US state code\(s\) \['PR'\]"):
        read_aei(put(tmp_path, text))


def test_two_releases_mixed_without_a_period(tmp_path: Path) -> None:
    a = put(tmp_path, lines(*GOOD), "aei_raw_release_a.csv")
    b_rows = [r.replace("1000", "1450") for r in GOOD]  # a later release, same window label
    b = put(tmp_path, lines(*b_rows), "aei_raw_release_b.csv")
    with pytest.raises(ReadError, match=r"two releases mixed without distinct date windows") as err:
        read_aei([a, b])
    assert "aei_raw_release_a.csv" in str(err.value) and "aei_raw_release_b.csv" in str(err.value)


def test_files_without_dates_cannot_be_mixed(tmp_path: Path) -> None:
    a = put(tmp_path, lines(*GOOD), "a.csv")
    b = put(tmp_path, lines(*[r.replace(W, ",,Claude AI (Free and Pro)") for r in GOOD[:1]]), "b.csv")
    with pytest.raises(ReadError, match=r"no date window"):
        read_aei([a, b])


def test_every_bad_input_error_is_an_econindex_error() -> None:
    for cls in (ReadError, DataValueError, MissingCovariateError):
        assert issubclass(cls, EconIndexError)
    assert ei.UnknownLayoutError.__mro__[1] is ReadError


def test_unknown_platform(tmp_path: Path) -> None:
    text = lines(*GOOD, "US,country,2025-08-04,2025-08-11,Claude Desktop,country,0,usage_count,US,1000")
    with pytest.raises(ReadError, match=r"unknown platform_and_product 'Claude Desktop'"):
        read_aei(put(tmp_path, text))
    renamed = lines(
        *[
            r.replace("Claude AI (Free and Pro)", "Claude AI (Free, Pro and Max)".replace(",", ""))
            for r in GOOD
        ]
    )
    assert read_aei(put(tmp_path, renamed, "later.csv")).attrs["platform"] == "claude_ai"
