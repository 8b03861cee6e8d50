"""Several releases in one dataset: each release layout is read by its own adapter, then combined.

:func:`combine` puts the datasets of the adapters (releases 1-2, the long
format of releases 3-5, release 6) side by side along ``period`` (and
``platform``): labels are the union of the parts' labels (outer join, NaN
where a part has no cell; a large variable the parts fill sparsely is held as
its cells, :mod:`econindex.io._cells`), coordinates on ``geo``/``task``/``pattern``/
``request`` take the first non-empty value across the parts in period order,
and the ingest reports are concatenated file by file. A dataset read from
several releases therefore equals the datasets read one by one, period by
period. Two releases whose windows overlap are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import ReadError
from econindex.io._cells import cell_variable, gather_cells
from econindex.io._dense import nan_array
from econindex.schema import PATTERNS

__all__ = ["combine", "check_windows", "periodic"]

_LABEL_DIMS = ("geo", "task", "pattern", "request")
_PERIOD_COORDS = ("date_start", "date_end", "date_end_exclusive")


def periodic(ds: xr.Dataset, *, platform: bool) -> xr.Dataset:
    """``ds`` with an explicit ``period`` dimension (and ``platform`` if asked), from its attrs."""
    if "period" not in ds.dims:
        start = str(ds.attrs.get("date_start", ""))
        if not start:
            raise ReadError(
                f"{ds.attrs.get('files', '?')}: no date window, cannot be combined with other releases"
            )
        ds = ds.expand_dims(period=[start])
        ds = ds.assign_coords(
            date_start=("period", np.array([start], dtype=object)),
            date_end=("period", np.array([str(ds.attrs.get("date_end", ""))], dtype=object)),
        )
    if "date_end_exclusive" not in ds.coords:
        ds = ds.assign_coords(date_end_exclusive=("period", np.zeros(ds.sizes["period"], dtype=bool)))
    if platform and "platform" not in ds.dims:
        ds = ds.expand_dims(platform=[str(ds.attrs.get("platform", "claude_ai"))])
    for key in ("date_start", "date_end", "platform"):
        ds.attrs.pop(key, None)
    return ds


def check_windows(starts: Sequence[str], ends: Sequence[str], exclusive: Sequence[bool], where: str) -> None:
    """Raise :class:`ReadError` if two date windows overlap.

    A window is ``[date_start, date_end]``, or ``[date_start, date_end)``
    where ``date_end`` is exclusive (release 6).

    Examples
    --------
    >>> check_windows(["2026-04-01", "2026-05-01"], ["2026-05-01", "2026-06-01"], [True, True], "x")
    >>> check_windows(["2025-08-04", "2025-08-08"], ["2025-08-11", "2025-08-15"], [False] * 2, "x")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    econindex.errors.ReadError: x: release windows overlap: 2025-08-04..2025-08-11 and ...
    """
    order = np.argsort(np.asarray(starts, dtype=str), kind="stable")
    for a, b in pairwise(order):
        end_a = str(ends[a]) or str(starts[a])
        overlap = str(starts[b]) < end_a if exclusive[a] else str(starts[b]) <= end_a
        if overlap:
            raise ReadError(
                f"{where}: release windows overlap: {starts[a]}..{ends[a]} and {starts[b]}..{ends[b]} "
                "(each release must have its own window; read one of them at a time)"
            )


def _first_non_empty(series: list[pd.Series]) -> pd.Series:
    """Per label, the first value that is not empty ("" or NaN) across ``series`` (labels unique in each)."""
    labels = pd.unique(np.concatenate([np.asarray(s.index, dtype=object) for s in series]))
    index = pd.Index(labels, dtype=object)
    out = np.full(len(labels), None, dtype=object)
    for s in reversed(series):  # earlier series overwrite later ones
        values = np.asarray(s.to_numpy(), dtype=object)
        keep = np.array([v is not None and v == v and v != "" for v in values], dtype=bool)
        out[index.get_indexer(pd.Index(np.asarray(s.index, dtype=object), dtype=object))[keep]] = values[keep]
    kind = series[0].dtype
    result = pd.Series(out, index=index, dtype=object)
    return result.astype(bool) if pd.api.types.is_bool_dtype(kind) and not result.isna().any() else result


def _merge_reports(parts: Sequence[xr.Dataset], ds: xr.Dataset, extra: Sequence[dict]) -> str:
    reps = [json.loads(p.attrs["ingest_report"]) for p in parts]
    files = [f for r in reps for f in r["files"]] + list(extra)
    dropped: dict[str, int] = {}
    for f in files:
        for k, n in f["rows_dropped"].items():
            dropped[k] = dropped.get(k, 0) + int(n)
    absent: dict[str, list[str]] = {}
    for r in reps:
        for var, geos in r.get("geos_absent_by_variable", {}).items():
            absent.setdefault(var, [])
            absent[var] += [g for g in geos if g not in absent[var]]
    report: dict[str, Any] = {
        "files": files,
        "rows_read": sum(int(f["rows_read"]) for f in files),
        "rows_kept": sum(int(f["rows_kept"]) for f in files),
        "rows_dropped": dropped,
        "tasks_without_soc_major": int((np.asarray(ds["soc_major"].values) == "unknown").sum())
        if "soc_major" in ds.coords
        else 0,
        "geos_absent_by_variable": absent,
    }
    for r in reps:
        for key, value in r.items():
            if key not in report:
                report[key] = value
    return json.dumps(report)


def combine(parts: Sequence[xr.Dataset], extra_entries: Sequence[dict] = ()) -> xr.Dataset:
    """One dataset from the datasets of several adapters (each with its own ingest report).

    ``extra_entries`` are ingest-report entries of files that gave no data
    (reference tables). The result has a ``period`` dimension when the parts
    span several windows (else ``attrs['date_start']``), likewise
    ``platform``; it is not validated here.
    """
    platforms = set()
    for p in parts:
        platforms |= (
            set(map(str, p["platform"].values))
            if "platform" in p.dims
            else {str(p.attrs.get("platform", ""))}
        )
    want_platform = len(platforms - {""}) > 1
    ready = [periodic(p, platform=want_platform) for p in parts]
    names = [str(p.attrs.get("files", "")) for p in parts]
    seen: dict[str, str] = {}
    for p, n in zip(ready, names, strict=True):
        for per in map(str, p["period"].values):
            if per in seen:
                raise ReadError(
                    f"release window starting {per} is given twice, by {seen[per]} and by {n} "
                    "(two releases with the same window, or one release read twice in different layouts)"
                )
            seen[per] = n
    starts = [str(s) for p in ready for s in p["date_start"].values]
    ends = [str(s) for p in ready for s in p["date_end"].values]
    excl = [bool(s) for p in ready for s in p["date_end_exclusive"].values]
    check_windows(starts, ends, excl, "; ".join(names))

    coord_values: dict[str, tuple[str, list[pd.Series]]] = {}
    stripped = []
    order = np.argsort([str(p["period"].values[0]) for p in ready], kind="stable")
    for k in order:
        p = ready[k]
        drop = []
        for name, c in p.coords.items():
            if name in p.dims or name in _PERIOD_COORDS or len(c.dims) != 1 or c.dims[0] not in _LABEL_DIMS:
                continue
            dim = c.dims[0]
            coord_values.setdefault(str(name), (dim, []))[1].append(
                pd.Series(np.asarray(c.values), index=pd.Index(p[dim].values))
            )
            drop.append(name)
        stripped.append(p.drop_vars(drop))
    labels = _union_labels(stripped, coord_values)
    coords: dict[str, Any] = {d: v for d, v in labels.items()}
    for name, (dim, series) in coord_values.items():
        values = _first_non_empty(series).reindex(pd.Index(labels[dim], dtype=object))
        fill: Any = False if values.dtype == bool or name == "located" else ""
        arr = values.where(values.notna(), fill).to_numpy()
        coords[name] = (dim, arr.astype(bool) if name == "located" else arr)
    windows = pd.concat(
        [
            pd.DataFrame({c: np.asarray(p[c].values) for c in _PERIOD_COORDS}, index=p["period"].values)
            for p in stripped
        ]
    ).reindex(labels["period"])
    for c in _PERIOD_COORDS:
        coords[c] = ("period", windows[c].to_numpy(dtype=bool if c == "date_end_exclusive" else object))
    ds = xr.Dataset(_scatter(stripped, labels), coords=coords)
    attrs: dict[str, Any] = {
        "source": "Anthropic Economic Index release files (CC-BY), read by econindex.read_aei",
        "files": ", ".join(n for n in names if n),
        "layouts": ", ".join(
            sorted({lay.strip() for p in parts for lay in str(p.attrs.get("layouts", "")).split(",")} - {""})
        ),
    }
    for p in parts:
        for key, value in p.attrs.items():
            if key not in attrs and key not in ("ingest_report", "date_start", "date_end", "platform"):
                attrs[key] = value
    if ds.sizes["period"] == 1:
        attrs["date_start"] = str(ds["date_start"].values[0])
        attrs["date_end"] = str(ds["date_end"].values[0])
        ds = ds.isel(period=0, drop=True)
        ds = ds.drop_vars([c for c in _PERIOD_COORDS if c in ds.coords])
    if not want_platform and platforms - {""}:
        attrs["platform"] = sorted(platforms - {""})[0]
    ds.attrs = attrs
    ds.attrs["ingest_report"] = _merge_reports(parts, ds, extra_entries)
    return ds


def bin_start(label: str) -> float:
    """Lower bound of a histogram bin label such as ``[1.0, 2.0)`` (``inf`` if there is none).

    Examples
    --------
    >>> sorted(["[10.0, 20.0)", "[2.0, 5.0)"], key=bin_start)
    ['[2.0, 5.0)', '[10.0, 20.0)']
    """
    m = re.search(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", str(label))
    return float(m.group()) if m else float("inf")


def _union_labels(
    parts: Sequence[xr.Dataset], coord_values: dict[str, tuple[str, list[pd.Series]]]
) -> dict[str, np.ndarray]:
    """Union of every dimension's labels across the parts, in canonical order."""
    dims = list(dict.fromkeys(d for p in parts for d in p.dims))
    out: dict[str, np.ndarray] = {}
    for d in dims:
        labs = pd.unique(
            np.concatenate([np.asarray(p[d].values, dtype=object) for p in parts if d in p.dims])
        )
        if d == "pattern":
            present = set(map(str, labs))
            labs = np.array([p for p in PATTERNS if p in present], dtype=object)
        elif str(d).endswith("_bin"):
            labs = np.array(sorted(labs, key=bin_start), dtype=object)
        elif d == "geo":
            level = _first_non_empty(coord_values["geo_level"][1]).reindex(pd.Index(labs, dtype=object))
            located = (
                _first_non_empty(coord_values["located"][1]).reindex(pd.Index(labs, dtype=object))
                if "located" in coord_values
                else pd.Series(True, index=labs)
            )
            rank = np.array([_LEVEL_RANK.get(str(v), 9) for v in level.to_numpy()])
            labs = labs[np.lexsort((labs.astype(str), ~located.fillna(True).to_numpy(dtype=bool), rank))]
        else:
            labs = np.sort(labs.astype(str)).astype(object)
        out[str(d)] = np.asarray(labs, dtype=object)
    return out


def _scatter(parts: Sequence[xr.Dataset], labels: dict[str, np.ndarray]) -> dict[str, Any]:
    """Each variable on the union labels: each part's block written at its labels' positions.

    A large variable that the parts fill sparsely (the task and request cells)
    is held as its filled cells (:mod:`econindex.io._cells`); the others are
    dense arrays, NaN where no part has a cell.
    """
    index = {d: pd.Index(v, dtype=object) for d, v in labels.items()}
    out: dict[str, Any] = {}
    for name in dict.fromkeys(str(v) for p in parts for v in p.data_vars):
        # Variables, not DataArrays: building a DataArray attaches every coordinate (0.4 s a panel)
        holders = [p.variables[name] for p in parts if name in p.data_vars]
        owners = [p for p in parts if name in p.data_vars]
        dims = holders[0].dims
        for var in holders[1:]:
            if set(var.dims) != set(dims):
                raise ReadError(f"variable {name!r} has dims {dims} in one release and {var.dims} in another")
        shape = tuple(len(labels[str(d)]) for d in dims)
        blocks = [var.transpose(*dims).values for var in holders]
        where = [
            [index[str(d)].get_indexer(pd.Index(p.indexes[d], dtype=object)) for d in dims] for p in owners
        ]
        cells = gather_cells(shape, blocks, where)
        if cells is not None:
            out[name] = cell_variable(dims, cells, dict(holders[0].attrs))
            continue
        arr = nan_array(shape)
        for b, pos in zip(blocks, where, strict=True):
            arr[_block(pos)] = b
        out[name] = xr.Variable(dims, arr, attrs=dict(holders[0].attrs))
    return out


def _block(pos: list[np.ndarray]) -> tuple[Any, ...]:
    """Index of a part's block in a union array: slices for the trailing dims whose positions are
    runs (period, platform), open-mesh arrays for the others (a plain ``np.ix_`` over every dim
    scatters element by element).

    Examples
    --------
    >>> a = np.zeros((3, 4))
    >>> a[_block([np.array([0, 2]), np.array([1, 2])])] = 1
    >>> float(a.sum()), float(a[1].sum())
    (4.0, 0.0)
    """
    runs = [p.size > 0 and bool((np.diff(p) == 1).all()) for p in pos]
    k = len(pos)
    while k > 0 and runs[k - 1]:
        k -= 1
    tail = tuple(slice(int(p[0]), int(p[-1]) + 1) for p in pos[k:])
    return (np.ix_(*pos[:k]) if k else ()) + tail


_LEVEL_RANK = {"global": 0, "country": 1, "state_us": 2, "subdivision": 3}
