"""Panel variables held as cells (econindex.io._cells): equal to the dense array under every indexer,
built once, copied before a write; a panel read with them equals the dense panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from release_files import write_release_1, write_release_6, write_release_45

import econindex.io._cells as cells_module
from econindex.explore import write_explorer
from econindex.io import read_aei
from econindex.io._cells import CellArray, cell_variable, gather_cells
from econindex.trends import trend_table


def _pair(dense: np.ndarray) -> tuple[xr.Variable, xr.Variable, CellArray]:
    dims = tuple(f"d{k}" for k in range(dense.ndim))
    filled = np.flatnonzero(~np.isnan(dense.reshape(-1)))
    cells = CellArray(dense.shape, filled, dense.reshape(-1)[filled])
    return cell_variable(dims, cells), xr.Variable(dims, dense), cells


@st.composite
def _array_and_indexers(draw: st.DrawFn) -> tuple[np.ndarray, dict]:
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)))
    size = int(np.prod(shape))
    values = draw(st.lists(st.floats(-1e6, 1e6) | st.just(np.nan), min_size=size, max_size=size))
    dense = np.array(values, dtype=np.float64).reshape(shape)
    indexers: dict = {}
    for k, n in enumerate(shape):
        kind = draw(st.sampled_from(["all", "int", "slice", "list", "none"] if n else ["all", "slice"]))
        if kind == "int":
            indexers[f"d{k}"] = draw(st.integers(-n, n - 1))
        elif kind == "slice":
            step = draw(st.sampled_from([None, 1, 2, -1, -2]))
            # a negative step from a start before -n: xarray's lazy indexing (of any backend's array,
            # as open_dataset's) returns elements where NumPy returns none, so it is not drawn
            low = -n - 1 if step is None or step > 0 else -n
            indexers[f"d{k}"] = slice(draw(st.integers(low, n + 1)), draw(st.integers(-n - 1, n + 1)), step)
        elif kind == "list":  # unsorted, repeated, negative
            indexers[f"d{k}"] = draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=6))
    return dense, indexers


@settings(max_examples=300, deadline=None)
@given(_array_and_indexers())
def test_cell_array_equals_the_dense_array_under_outer_indexing(case: tuple[np.ndarray, dict]) -> None:
    dense, indexers = case
    lazy, plain, _ = _pair(dense)
    np.testing.assert_array_equal(lazy.isel(indexers).values, plain.isel(indexers).values)


def test_cell_array_equals_the_dense_array_under_vectorized_indexing() -> None:
    rng = np.random.default_rng(0)
    dense = np.where(rng.random((6, 5, 4)) < 0.2, rng.normal(size=(6, 5, 4)), np.nan)
    lazy, plain, _ = _pair(dense)
    points = {
        "d0": xr.Variable("p", [5, 0, 0, 3]),
        "d1": xr.Variable("p", [1, 4, 4, 0]),
        "d2": xr.Variable(("p", "q"), rng.integers(0, 4, size=(4, 3))),
    }
    np.testing.assert_array_equal(lazy.isel(points).values, plain.isel(points).values)
    assert lazy.isel(points).dims == plain.isel(points).dims == ("p", "q")


def test_cell_variable_is_built_once_and_copied_before_a_write() -> None:
    dense = np.full((3, 4), np.nan)
    dense[0, 1], dense[2, 3] = 1.5, -2.0
    lazy, _, cells = _pair(dense)
    first = lazy.values
    np.testing.assert_array_equal(first, dense)
    cells.values[:] = 99.0  # the built array is held: the cells are not read again
    np.testing.assert_array_equal(lazy.values, dense)
    other = cell_variable(("d0", "d1"), CellArray((3, 4), np.array([1, 11]), np.array([1.5, -2.0])))
    other[0, 0] = 7.0
    assert other.values[0, 0] == 7.0 and other.values[0, 1] == 1.5


def test_gather_cells_places_each_block_and_declines_dense_or_overlapping_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cells_module, "_CELL_MIN_BYTES", 0)
    a = np.array([[np.nan, 1.0], [np.nan, np.nan]])
    b = np.array([[2.0], [np.nan]])
    # a's rows at 0 and 2 of 3, its columns at 1 and 2 of 4; b at rows 1 and 0, column 0
    where = [[np.array([0, 2]), np.array([1, 2])], [np.array([1, 0]), np.array([0])]]
    got = gather_cells((3, 4), [a, b], where)
    assert got is not None
    expected = np.full((3, 4), np.nan)
    expected[0, 2], expected[1, 0] = 1.0, 2.0
    np.testing.assert_array_equal(cell_variable(("r", "c"), got).values, expected)
    assert gather_cells((3, 4), [a, a], [where[0], where[0]]) is None  # two blocks fill one cell
    assert gather_cells((2, 2), [np.ones((2, 2))], [[np.arange(2), np.arange(2)]]) is None  # full


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("releases")
    write_release_1(root / "release_2025_02_10", n_tasks=30)
    write_release_45(root / "release_2026_01_15", 4)
    write_release_6(root / "release_2026_06_26")
    return root


def test_a_panel_with_cells_equals_the_dense_panel(
    releases: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cells_module, "_CELL_MIN_BYTES", 1 << 62)
    dense = read_aei(releases)
    monkeypatch.setattr(cells_module, "_CELL_MIN_BYTES", 0)
    panel = read_aei(releases)
    held = [v for v in panel.data_vars if not panel[v].variable._in_memory]
    assert {"task_count", "task_share_published", "request_count"} <= set(held)
    # a period's slice, built alone, equals the dense panel's
    for var in held:
        for p in panel["period"].values:
            np.testing.assert_array_equal(
                panel[var].sel(period=p).values, dense[var].sel(period=p).values, err_msg=f"{var} {p}"
            )
    assert held == [v for v in panel.data_vars if not panel[v].variable._in_memory]  # slices left it as cells
    on_cells = trend_table(panel, "soc_major", platform="claude_ai")
    assert on_cells.equals(trend_table(dense, "soc_major", platform="claude_ai"))
    # the explorer page, which selects geo by geo, is the same page
    write_explorer(panel, tmp_path / "cells.html")
    write_explorer(dense, tmp_path / "dense.html")
    assert (tmp_path / "cells.html").read_bytes() == (tmp_path / "dense.html").read_bytes()
    xr.testing.assert_identical(panel.load(), dense)
    assert all(panel[v].variable._in_memory for v in panel.data_vars)


def test_small_selections_are_looked_up_and_large_ones_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    dense = np.where(rng.random((40, 30, 3)) < 0.3, rng.normal(size=(40, 30, 3)), np.nan)
    lazy, plain, _ = _pair(dense)

    def refuse(*args: object) -> None:
        raise AssertionError("the other path was taken")

    with monkeypatch.context() as m:
        m.setattr(CellArray, "_scan", refuse)
        for ind in (
            {"d0": 7, "d1": 3, "d2": 1},
            {"d0": [9, 2, 9], "d1": 0},
            {"d0": 0, "d1": slice(5, 1, -1)},
        ):
            np.testing.assert_array_equal(lazy.isel(ind).values, plain.isel(ind).values)
    with monkeypatch.context() as m:
        m.setattr(CellArray, "_look_up", refuse)
        for ind in ({"d2": 1}, {"d0": slice(None, None, -3)}, {"d1": [29, 0, 4, 4]}):
            np.testing.assert_array_equal(lazy.isel(ind).values, plain.isel(ind).values)
