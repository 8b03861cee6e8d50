"""Shared fixtures: the real data folder (skipped where absent) and simulated data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent

# tests/reference/*.py generate the committed reference JSON with pyfixest, R inputs, etc.; they are
# scripts, not tests, and their libraries need not be installed where the tests run
collect_ignore_glob = ["reference/*.py"]
_CANDIDATES = [
    Path(os.environ["ECONINDEX_SHARED_AEI"]) if "ECONINDEX_SHARED_AEI" in os.environ else None,
    _HERE.parent.parent / "shared" / "data" / "aei",
]


def _shared_aei() -> Path | None:
    for p in _CANDIDATES:
        if p is not None and (p / "PROVENANCE.md").exists():
            return p
    return None


@pytest.fixture(scope="session")
def shared_aei() -> Path:
    """Path to ../shared/data/aei; the test is skipped where the folder is absent."""
    p = _shared_aei()
    if p is None:
        pytest.skip("real data folder ../shared/data/aei is absent (set ECONINDEX_SHARED_AEI)")
    return p
