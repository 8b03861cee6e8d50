"""econindex.io._ahead.ParseAhead: order, look-ahead bound and errors of the background parser."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from econindex.io._ahead import ParseAhead


def _jobs(n: int, started: list[str], gate: threading.Event | None = None, fail: str | None = None):
    def parse(path: Path) -> str:
        started.append(path.name)
        if gate is not None:
            gate.wait(5)
        if path.name == fail:
            raise ValueError(f"cannot parse {path.name}")
        return path.name.upper()

    return [(Path(f"f{k}"), parse) for k in range(n)]


def test_results_come_in_file_order_and_the_parser_stays_at_most_depth_ahead() -> None:
    started: list[str] = []
    jobs = _jobs(6, started)
    with ParseAhead(jobs, depth=2) as ahead:
        out = []
        for k, (path, _) in enumerate(jobs):
            out.append(ahead.take(path))
            # the next two files are being parsed (or are parsed), no further one
            assert set(ahead._futures) == {j for j in (k + 1, k + 2) if j < len(jobs)}
    assert out == ["F0", "F1", "F2", "F3", "F4", "F5"]
    assert started == [f"f{k}" for k in range(6)]  # parsed once each, in order


def test_a_parse_error_is_raised_where_its_file_is_taken() -> None:
    started: list[str] = []
    jobs = _jobs(4, started, fail="f2")
    with ParseAhead(jobs) as ahead:
        assert ahead.take(jobs[0][0]) == "F0"
        assert ahead.take(jobs[1][0]) == "F1"
        with pytest.raises(ValueError, match="cannot parse f2"):
            ahead.take(jobs[2][0])
        assert ahead.take(jobs[3][0]) == "F3"


def test_close_cancels_jobs_not_started() -> None:
    started: list[str] = []
    gate = threading.Event()
    jobs = _jobs(5, started, gate)
    ahead = ParseAhead(jobs, depth=2)
    gate.set()
    ahead.close()
    # at most the two submitted jobs ran; none of the others was started
    assert set(started) <= {"f0", "f1"}
