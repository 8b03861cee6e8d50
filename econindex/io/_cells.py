"""Mostly-empty panel variables held as their filled cells, built as dense arrays when used.

A panel of several releases is the outer join of the releases' labels: on the
six full-size releases 846 geos (release 6's 652 subregions among them) x
3,000 tasks x 7 periods x 2 platforms, so ``task_count`` would be a 284 MB
array of which 3.6% is filled, ``task_share_published`` 284 MB at 0.3%.
Allocating and NaN-filling those arrays was the largest cost of reading the
releases (0.2-0.6 s of a 2.2-2.6 s read, as the memory's pages are faulted in).

:class:`CellArray` keeps such a variable as the flat positions and values of
its filled cells and builds the dense float64 array (NaN elsewhere) only when
it is used, through xarray's lazy-indexing machinery, as ``xarray.open_dataset``
does for a file: a selection (``ds.task_count.sel(period=p)``) builds only its
own slice, and ``.values``, arithmetic or ``ds.load()`` build the whole array
once, after which it is held in memory like any other variable.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

from econindex.io._dense import has_repeats, nan_array

__all__ = ["CellArray", "cell_variable", "gather_cells"]

_CELL_MIN_BYTES = 32 << 20  # below this a dense array costs less than the bookkeeping
_CELL_MAX_FILLED = 0.25  # above this fraction the cells (16 bytes each) approach the dense array


def gather_cells(
    shape: tuple[int, ...], blocks: Sequence[np.ndarray], where: Sequence[Sequence[np.ndarray]]
) -> CellArray | None:
    """``blocks`` as one :class:`CellArray` of ``shape``, block ``k``'s labels along dim ``d`` sitting at
    positions ``where[k][d]``; None where a dense array is the better holder (under 32 MB, or over a
    quarter filled: a cell takes 16 bytes, a dense one 8) or two blocks fill one cell.

    Examples
    --------
    >>> block = np.full((1000, 1000), np.nan)
    >>> block[0, :3] = 1.0, 2.0, 3.0
    >>> cells = gather_cells((1000, 5000), [block], [[np.arange(1000), np.arange(1000) + 10]])
    >>> cells.positions.tolist(), cells.values.tolist()
    ([10, 11, 12], [1.0, 2.0, 3.0])
    >>> gather_cells((10, 10), [block], [[np.arange(1000), np.arange(1000)]]) is None  # small
    True
    """
    size = int(np.prod(shape, dtype=np.int64))
    if 8 * size < _CELL_MIN_BYTES:
        return None
    filled = [np.flatnonzero(~np.isnan(np.asarray(b, dtype=np.float64).reshape(-1))) for b in blocks]
    if sum(f.size for f in filled) > _CELL_MAX_FILLED * size:
        return None
    positions = np.concatenate(
        [
            np.ravel_multi_index(
                tuple(w[c] for w, c in zip(ws, np.unravel_index(f, b.shape), strict=True)), shape
            )
            for b, f, ws in zip(blocks, filled, where, strict=True)
        ]
    )
    if has_repeats(positions, size):
        return None
    values = np.concatenate([np.asarray(b).reshape(-1)[f] for b, f in zip(blocks, filled, strict=True)])
    return CellArray(shape, positions, values)


class CellArray(BackendArray):
    """A float64 array of ``shape``: ``values`` at the flat (C-order) ``positions``, NaN elsewhere.

    Examples
    --------
    >>> a = CellArray((2, 3), np.array([1, 5]), np.array([10.0, 20.0]))
    >>> key = indexing.BasicIndexer((slice(None), slice(None)))
    >>> a[key].tolist()
    [[nan, 10.0, nan], [nan, nan, 20.0]]
    >>> a[indexing.OuterIndexer((1, np.array([2, 0, 2])))].tolist()
    [20.0, nan, 20.0]
    """

    __slots__ = ("_by_position", "dtype", "positions", "shape", "values")

    def __init__(self, shape: tuple[int, ...], positions: np.ndarray, values: np.ndarray) -> None:
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(np.float64)
        self.positions = np.asarray(positions, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.float64)
        self._by_position: tuple[np.ndarray, np.ndarray] | None = None

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        if isinstance(key, indexing.BasicIndexer | indexing.OuterIndexer):
            # built directly: xarray's decomposition of these keys fails on an empty slice with a
            # negative step (IndexError in _decompose_slice), and _build takes them as they are
            return self._build(key.tuple)
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._build
        )

    def _build(self, key: tuple[Any, ...]) -> np.ndarray:
        """The block selected by ``key`` (per dim an integer, a slice or an integer array)."""
        if all(isinstance(k, slice) and k == slice(None) for k in key):
            out = nan_array(self.shape)
            out.reshape(-1)[self.positions] = self.values
            return out
        # per dim the labels chosen, ascending and once each; a take restores order and repeats
        chosen, kept, takes = [], [], []
        for k, n in zip(key, self.shape, strict=True):
            if isinstance(k, slice | int | np.integer):
                picked = np.arange(n)[k]
            else:
                picked = np.asarray(k, dtype=np.int64)
                picked = np.where(picked < 0, picked + n, picked)
            if picked.ndim == 0:  # an integer: the dim is dropped
                chosen.append(picked.reshape(1))
                kept.append(False)
                continue
            unique, inverse = np.unique(picked, return_inverse=True)
            chosen.append(unique)
            kept.append(True)
            ordered = unique.size == picked.size and bool((np.diff(picked) > 0).all())
            takes.append(None if ordered else inverse)
        out_shape = tuple(c.size for c, keep in zip(chosen, kept, strict=True) if keep)
        n_out = int(np.prod(out_shape, dtype=np.int64))
        if 8 * n_out < self.positions.size:
            out = self._look_up(chosen).reshape(out_shape)
        else:
            out = self._scan(chosen, kept, out_shape)
        for axis, take in enumerate(takes):
            if take is not None:
                out = np.take(out, take, axis=axis)
        return out

    def _look_up(self, chosen: list[np.ndarray]) -> np.ndarray:
        """A small block: each of its cells looked up among the positions (sorted once, on first use)."""
        if self._by_position is None:
            order = np.argsort(self.positions, kind="stable")
            self._by_position = self.positions[order], self.values[order]
        positions, values = self._by_position
        wanted = np.ravel_multi_index(np.ix_(*chosen), self.shape).reshape(-1)
        at = np.minimum(np.searchsorted(positions, wanted), positions.size - 1)  # called with cells only
        hit = positions[at] == wanted
        out = np.full(wanted.size, np.nan)
        out[hit] = values[at[hit]]
        return out

    def _scan(self, chosen: list[np.ndarray], kept: list[bool], out_shape: tuple[int, ...]) -> np.ndarray:
        """A large block: every cell's labels mapped to the block's positions (-1: not in it)."""
        mapped = []
        for labels, n, c in zip(
            chosen, self.shape, np.unravel_index(self.positions, self.shape), strict=True
        ):
            where = np.full(n, -1, dtype=np.int64)
            where[labels] = np.arange(labels.size)
            mapped.append(where[c])
        keep = np.ones(self.positions.size, dtype=bool)
        for m in mapped:
            keep &= m >= 0
        out = nan_array(out_shape)
        inside = tuple(m[keep] for m, k in zip(mapped, kept, strict=True) if k)
        flat = (
            np.ravel_multi_index(inside, out_shape) if inside else np.zeros(int(keep.sum()), dtype=np.int64)
        )
        out.reshape(-1)[flat] = self.values[keep]
        return out


def cell_variable(
    dims: Sequence[Hashable], array: CellArray, attrs: dict[str, Any] | None = None
) -> xr.Variable:
    """A variable over ``dims`` whose data is ``array``, built when used and then kept in memory.

    The wrappers are those ``xarray.open_dataset`` puts around a file's
    variables: lazy indexing, a copy before the first in-place write, and the
    whole array held once it has been built.
    """
    lazy: Any = indexing.LazilyIndexedArray(array)  # xarray's stubs type the wrappers' input as a duck array
    return xr.Variable(dims, indexing.MemoryCachedArray(indexing.CopyOnWriteArray(lazy)), attrs=attrs)
