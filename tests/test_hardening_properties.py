"""Issue 17: random row perturbations of a valid release and of the real US-state slice.

Whatever is done to the rows (deleted, duplicated, a cell replaced by something hostile, a row
cut short or lengthened), ``read_aei`` either raises an EconIndexError or accounts for every
row it read: rows_read equals the data rows of the file and kept + dropped == read, per file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import econindex as ei
from econindex.errors import EconIndexError

HOSTILE = [
    "", "NaN", "NA", "-5", "0", "12.5", "1e308", "inf", "banana", "<script>alert(1)</script>", "1.5", "-7",
    "US-ZZ", "GLOBAL", "not_classified", "none", "   ", "=cmd()", "x::y", "2025-13-45", "2025-08-11",
    "country", "state_us", "global", "request", "collaboration", "onet_task", "usage_count", "directive",
]  # fmt: skip

_op = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10**9)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**9)),
    st.tuples(st.just("set"), st.integers(0, 10**9), st.integers(0, 10), st.sampled_from(HOSTILE)),
    st.tuples(st.just("text"), st.integers(0, 10**9), st.integers(0, 10), st.text(max_size=12)),
    st.tuples(st.just("cut"), st.integers(0, 10**9), st.integers(1, 9)),
    st.tuples(st.just("extend"), st.integers(0, 10**9)),
)


def _perturb(rows: list[list[str]], ops: list[tuple]) -> list[list[str]]:
    rows = [list(r) for r in rows]
    for op in ops:
        if not rows:
            break
        i = op[1] % len(rows)
        if op[0] == "delete" and len(rows) > 1:
            rows.pop(i)
        elif op[0] == "duplicate":
            rows.insert(i, list(rows[i]))
        elif op[0] in ("set", "text"):
            rows[i][op[2] % len(rows[i])] = op[3]
        elif op[0] == "cut":
            rows[i] = rows[i][: op[2]]
        elif op[0] == "extend":
            rows[i] = [*rows[i], "extra"]
    return rows


def _check(tmp: Path, header: list[str], rows: list[list[str]], name: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path = tmp / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    try:
        ds = ei.read_aei(path)
    except EconIndexError:
        return  # a typed error is an accepted answer
    rep = json.loads(ds.attrs["ingest_report"])
    assert rep["rows_read"] == len(rows)
    assert rep["rows_read"] == rep["rows_kept"] + sum(rep["rows_dropped"].values())
    for f in rep["files"]:
        assert f["rows_read"] == f["rows_kept"] + sum(f["rows_dropped"].values())


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    return table[0], table[1:]


@pytest.fixture(scope="module")
def simulated_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[list[str]]]:
    ds = ei.simulate(seed=2, n_countries=6, n_tasks=8, n_requests=6)
    path = ei.write_aei(ds, tmp_path_factory.mktemp("sim") / "aei_enriched_sim.csv")
    return _rows(path)


_RELEASE_3 = "releases/release_2025_09_15/aei_raw_claude_ai_2025-08-04_to_2025-08-11"


@pytest.fixture(scope="module")
def state_slice(shared_aei: Path) -> tuple[list[str], list[list[str]]]:
    return _rows(shared_aei / f"{_RELEASE_3}_state_us.csv")


@pytest.fixture(scope="module")
def first_rows(shared_aei: Path) -> tuple[list[str], list[list[str]]]:
    return _rows(shared_aei / f"{_RELEASE_3}_first_999_rows.csv")


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(_SETTINGS, max_examples=5)
@given(ops=st.lists(_op, min_size=1, max_size=4))
def test_every_row_of_the_perturbed_real_first_rows_is_accounted_for(
    first_rows, tmp_path_factory, ops
) -> None:
    """The fast one (~1 s idle): the first 999 rows of the real release 3 Claude.ai file."""
    header, rows = first_rows
    _check(tmp_path_factory.mktemp("f"), header, _perturb(rows, ops), "aei_raw_first_rows.csv")


@pytest.mark.slow  # ~20 s: simulating and writing the release, 25 reads
@_SETTINGS
@given(ops=st.lists(_op, min_size=1, max_size=4))
def test_every_row_of_a_perturbed_release_is_accounted_for(simulated_release, tmp_path_factory, ops) -> None:
    header, rows = simulated_release
    _check(tmp_path_factory.mktemp("p"), header, _perturb(rows, ops), "aei_enriched_sim.csv")


@settings(_SETTINGS, max_examples=5)  # ~2 s: 5 reads of the 9,000-row slice
@given(ops=st.lists(_op, min_size=1, max_size=3))
def test_every_row_of_the_perturbed_real_slice_is_accounted_for(state_slice, tmp_path_factory, ops) -> None:
    header, rows = state_slice
    _check(tmp_path_factory.mktemp("r"), header, _perturb(rows, ops), "aei_raw_state_us.csv")
