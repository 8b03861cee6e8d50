"""Assembling the chunks of every long-format file (releases 3-5) into one dataset.

:func:`read_long` reads the files (each parsed up to two files ahead of its routing) and
:func:`assemble` builds each variable by one scatter into one NaN array of its
final shape over the union of the files' labels (geos in canonical order,
tasks, requests, patterns, periods, platforms), refusing arrays over
:data:`MEMORY_FACTOR` times the files' size and duplicate rows that disagree.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import DataValueError, ReadError, TooLargeError, excerpt
from econindex.geography import geo_coords
from econindex.io._ahead import ParseAhead
from econindex.io._csv import parse_long
from econindex.io._dense import has_repeats, nan_array
from econindex.io._ingest import build_ingest_report
from econindex.io._long import Chunk, FileRows, Status, read_file, used_codes
from econindex.io._onet import task_ids, task_soc_major
from econindex.io._releases import bin_start, check_windows
from econindex.io._specs import SHARE_TARGETS
from econindex.io.hierarchy import parents_for, read_request_hierarchy
from econindex.schema import (
    PATTERNS,
    UNLOCATED_LABELS,
    add_units,
    pattern_coords,
    validate,
)

__all__ = ["MEMORY_FACTOR", "assemble", "read_long"]


_GEO_LEVEL_ORDER = {"global": 0, "country": 1, "state_us": 2, "subdivision": 3}


MEMORY_FACTOR = 3


"""The dense arrays ``read_aei`` builds stay within this multiple of the files' size (or
:data:`_MEMORY_FLOOR`, whichever is larger); beyond it reading raises :class:`TooLargeError`."""


_MEMORY_FLOOR = 64 << 20  # a small file may still fill tens of MB of dense cells


def _union(tables: Sequence[np.ndarray]) -> np.ndarray:
    if not tables:
        return np.zeros(0, dtype=object)
    # pd.unique then an object sort: a third of np.unique's time on fixed-width text (long task
    # statements); the order is the same (code points)
    joined = np.concatenate([np.asarray(t, dtype=object) for t in tables])
    labels = np.asarray(pd.unique(joined), dtype=object)
    labels.sort()
    return labels


def _positions(target: pd.Index | np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Positions of ``labels`` in ``target`` (identity when they are the same table)."""
    # object indexes: pandas 3 would infer (and convert to) its string dtype, 3 ms a call
    target = target if isinstance(target, pd.Index) else pd.Index(target, dtype=object)
    if len(labels) == len(target) and (target.to_numpy() == labels).all():
        return np.arange(len(labels))
    return target.get_indexer(pd.Index(labels, dtype=object))


def read_long(
    paths: Sequence[Path],
    trees: Sequence[Path],
    *,
    check: bool = True,
    parse: Callable[[Path], Any] | None = None,
) -> xr.Dataset:
    """The long format of releases 3-5 (raw or enriched), every file at once.

    ``parse`` gives each file's parse (a :class:`ParseAhead`'s ``take``); by
    default the files are parsed up to two ahead of their routing.
    """
    if parse is None and len(paths) > 1:
        with ParseAhead([(p, parse_long) for p in paths]) as ahead:
            return read_long(paths, trees, check=check, parse=ahead.take)
    statuses: list[Status] = []
    files: list[FileRows] = []
    offset = 0
    for p in paths:
        fr = read_file(p, offset, statuses, parse or parse_long)
        files.append(fr)
        offset += fr.n_rows
    status = Status(offset)
    reasons: list[str] = [""]
    for fr, st in zip(files, statuses, strict=True):
        for r in st.reasons:
            if r not in reasons:
                reasons.append(r)
        remap = np.array([reasons.index(r) for r in st.reasons], dtype=np.int16)
        status.code[fr.offset : fr.offset + fr.n_rows] = remap[st.code]
    status.reasons = reasons
    ds = assemble(files, status, trees, check=check)
    if "period" in ds.dims:  # releases 3-5 give inclusive windows
        starts, ends = list(ds["date_start"].values), list(ds["date_end"].values)
        check_windows(starts, ends, [False] * len(starts), ", ".join(f.name for f in files))
    return ds


def assemble(
    files: list[FileRows], status: Status, trees: Sequence[Path] = (), *, check: bool = True
) -> xr.Dataset:
    names = [f.name for f in files]
    # periods
    used_periods = [
        {str(f.periods[k]) for c in f.chunks for k in used_codes(c.period, len(f.periods))} for f in files
    ]
    all_periods = sorted(set().union(*used_periods)) if used_periods else []
    if len(files) > 1 and "" in all_periods:
        raise ReadError(
            f"files {names} are mixed but some rows have no date window (empty date_start); "
            "files from different releases need distinct date windows (period)"
        )
    ends: dict[str, str] = {}
    for f in files:
        for s, e in zip(f.periods, f.period_end, strict=True):
            if str(s) in all_periods and e:
                if ends.setdefault(str(s), str(e)) != str(e):
                    raise ReadError(f"date window starting {s!r} ends on both {ends[str(s)]!r} and {e!r}")
    all_platforms = sorted(
        {
            str(f.platforms[p])
            for f in files
            for c in f.chunks
            for p in used_codes(c.platform, len(f.platforms))
        }
    )
    has_period = len(all_periods) > 1
    has_platform = len(all_platforms) > 1

    geo_labels, geo_levels, geo_names = _geo_table(files)

    # dims of each target
    targets: dict[str, list[tuple[FileRows, Chunk]]] = {}
    for f in files:
        for c in f.chunks:
            targets.setdefault(c.target, []).append((f, c))
    if not targets:
        raise ReadError(f"{names}: no row maps to an econindex variable (see the ingest report reasons)")
    dim_labels: dict[str, np.ndarray] = {}
    # task, request, pattern, then the economic-primitive dims (use_case, ai_autonomy_bin, ...)
    extra = {d for pairs in targets.values() for _, c in pairs for d in c.labels} - set(_LABEL_DIMS)
    label_dims = (*_LABEL_DIMS, *sorted(extra))
    for dim in label_dims:
        tabs = [c.labels[dim][0] for pairs in targets.values() for _, c in pairs if dim in c.labels]
        if tabs:
            dim_labels[dim] = _union(tabs)
            if dim.endswith("_bin"):  # histogram bins '[1.0, 2.0)' in numeric order
                dim_labels[dim] = np.array(sorted(dim_labels[dim], key=bin_start), dtype=object)
    if "pattern" in dim_labels:
        present = set(map(str, dim_labels["pattern"]))
        dim_labels["pattern"] = np.array([p for p in PATTERNS if p in present], dtype=object)
    request_level = None
    if "request" in dim_labels:
        request_level = np.full(len(dim_labels["request"]), -1, dtype=np.int64)
        # the request facet's own level wins over the level column of intersection rows
        ranked = sorted(targets.items(), key=lambda kv: kv[0] in ("request_count", "request_share_published"))
        for _, pairs in ranked:
            for _, c in pairs:
                if c.request_level is not None:
                    request_level[_positions(dim_labels["request"], c.labels["request"][0])] = c.request_level

    data_vars: dict[str, Any] = {}
    row_cells: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    # hash each label table once, not once per variable
    dim_index = {d: pd.Index(labels, dtype=object) for d, labels in dim_labels.items()}
    period_index = pd.Index(all_periods, dtype=object)
    platform_index = pd.Index(all_platforms, dtype=object)
    geo_of_file = [_positions(pd.Index(geo_labels, dtype=object), f.geo_labels) for f in files]
    period_of_file = [_positions(period_index, f.periods) for f in files]
    platform_of_file = [_positions(platform_index, f.platforms) for f in files]
    file_no = {id(f): k for k, f in enumerate(files)}
    file_bytes = sum(f.n_bytes for f in files)
    budget, dense_bytes = max(MEMORY_FACTOR * file_bytes, _MEMORY_FLOOR), 0
    for target, pairs in targets.items():
        spec_dims = next(iter(pairs))[1].labels.keys()
        geo_less = target in (
            "task_pattern_share",
            "request_pattern_share",
            "cost_index",
            "prompt_tokens_index",
            "completion_tokens_index",
        )
        dims: list[str] = ([] if geo_less else ["geo"]) + [d for d in label_dims if d in spec_dims]
        if has_period:
            dims.append("period")
        if has_platform:
            dims.append("platform")
        sizes: dict[str, int] = {
            "geo": len(geo_labels),
            "period": len(all_periods),
            "platform": len(all_platforms),
            **{d: len(dim_labels[d]) for d in label_dims if d in dim_labels},
        }
        shape = tuple(sizes[d] for d in dims)
        idx_parts: dict[str, list[np.ndarray]] = {d: [] for d in dims}
        vals, rows = [], []
        for f, c in pairs:
            if "geo" in dims:
                idx_parts["geo"].append(geo_of_file[file_no[id(f)]][c.geo])
            for d in label_dims:
                if d in dims:
                    tab, i = c.labels[d]
                    idx_parts[d].append(_positions(dim_index[d], tab)[i])
            if has_period:
                idx_parts["period"].append(period_of_file[file_no[id(f)]][c.period])
            if has_platform:
                idx_parts["platform"].append(platform_of_file[file_no[id(f)]][c.platform])
            vals.append(c.values)
            rows.append(c.rows)
        v = np.concatenate(vals)
        r = np.concatenate(rows)
        if dims:
            lin = np.ravel_multi_index(tuple(np.concatenate(idx_parts[d]) for d in dims), shape)
        else:
            lin = np.zeros(v.size, dtype=np.int64)
        size = int(np.prod(shape, dtype=np.float64)) if shape else 1
        dense_bytes += 8 * size  # float64 cells
        if dense_bytes > budget:
            cells = dict(zip(dims, shape, strict=True))
            raise TooLargeError(
                f"{names}: {target} would be a dense array of {size:,.0f} cells {cells}; the dataset would "
                f"need {dense_bytes / 1e6:,.1f} MB for {file_bytes / 1e6:,.1f} MB of files, over the bound "
                f"of {MEMORY_FACTOR}x the file size ({budget / 1e6:,.1f} MB). Read fewer files, or subset "
                "the release (geos, tasks) before reading"
            )
        if has_repeats(lin, size):
            keep = _resolve_duplicates(
                target,
                lin,
                v,
                r,
                files,
                status,
                dims,
                shape,
                geo_labels,
                dim_labels,
                all_periods,
                all_platforms,
            )
            lin, v, r = lin[keep], v[keep], r[keep]
        arr = nan_array(size)
        arr[lin] = v
        data_vars[target] = (tuple(dims), arr.reshape(shape))
        row_cells[target] = (lin, r)

    # total GDP from GDP per working-age capita
    if "_gdp_per_capita" in data_vars:
        dims, gpc = data_vars.pop("_gdp_per_capita")
        lin, r = row_cells["_gdp_per_capita"]
        if "working_age_pop" in data_vars and data_vars["working_age_pop"][0] == dims:
            pop = data_vars["working_age_pop"][1]
            data_vars["gdp"] = (dims, gpc * pop)
            no_pop = np.isnan(pop.ravel()[lin])
        else:
            no_pop = np.ones(lin.size, dtype=bool)
        status.drop(r[no_pop], "gdp_per_working_age_capita without working_age_pop (no total GDP)")

    for var in _COLLAPSIBLE:
        if var in data_vars:
            data_vars[var] = _collapse(*data_vars[var])

    coords: dict[str, Any] = geo_coords(list(geo_labels), list(geo_levels), list(geo_names))
    n_unknown_soc = 0
    hierarchy_report: dict[str, Any] | None = None
    if "task" in dim_labels:
        # the files' own SOC rows (written by write_aei) first; the vendored table for the rest
        soc = np.full(len(dim_labels["task"]), "", dtype=object)
        given = [pd.Series(codes, index=tasks) for f in files for tasks, codes in f.task_soc]
        if given:
            known = pd.concat(given)
            known = known[~known.index.duplicated(keep="first") & (known != "")]
            soc = known.reindex(dim_labels["task"]).fillna("").to_numpy(dtype=object)
        rest = soc == ""
        if rest.any():
            soc[rest] = task_soc_major(dim_labels["task"][rest])
        n_unknown_soc = int((soc == "unknown").sum())
        coords["task"] = dim_labels["task"]
        coords["soc_major"] = ("task", soc)
        coords["task_id"] = ("task", task_ids(dim_labels["task"]))
    if "pattern" in dim_labels:
        coords.update(pattern_coords(dim_labels["pattern"]))
    for dim in label_dims[len(_LABEL_DIMS) :]:
        if dim in dim_labels:
            coords[dim] = np.asarray(dim_labels[dim], dtype=object)
    if "request" in dim_labels and request_level is not None:
        coords["request"] = dim_labels["request"]
        coords["request_level"] = ("request", request_level)
        parents = pd.Series("", index=pd.Index(dim_labels["request"]), dtype=object)
        links = [pd.Series(par, index=ch, dtype=object) for f in files for ch, par in f.request_parent]
        if links:
            link = pd.concat(links)
            twice = link[link.index.duplicated(keep=False)]
            n_par = twice.groupby(level=0).nunique()
            if (n_par > 1).any():
                child = str(n_par.index[n_par > 1][0])
                raise DataValueError(
                    f"{names}: request cluster {excerpt(child)} has several parents in the request_parent "
                    f"rows: {', '.join(excerpt(p) for p in sorted(set(twice.loc[[child]]))[:3])}"
                )
            link = link[~link.index.duplicated(keep="first")]
            parents = link.reindex(parents.index).fillna("").astype(object)
        parent_values = parents.to_numpy(dtype=object)
        if trees:
            hierarchy = pd.concat([read_request_hierarchy(t) for t in trees], ignore_index=True)
            # the Claude.ai and API trees may place one cluster differently: the first file wins
            n_parents = hierarchy.groupby(["request", "request_level"])["parent_request"].nunique()
            hierarchy = hierarchy.drop_duplicates(["request", "request_level"])
            from_tree, uncovered = parents_for(dim_labels["request"], request_level, hierarchy)
            parent_values = np.where(parent_values == "", from_tree, parent_values)
            hierarchy_report = {
                "files": [t.name for t in trees],
                "clusters_in_hierarchy": len(hierarchy),
                "requests_below_top_without_parent": uncovered,
                "clusters_placed_differently_across_files": int((n_parents > 1).sum()),
            }
        coords["parent_request"] = ("request", parent_values)
    attrs: dict[str, Any] = {
        "source": "Anthropic Economic Index release files (CC-BY), read by econindex.read_aei",
        "files": ", ".join(names),
        "layouts": ", ".join(sorted({f.layout for f in files})),
    }
    if has_period:
        coords["period"] = np.array(all_periods, dtype=object)
        coords["date_start"] = ("period", np.array(all_periods, dtype=object))
        coords["date_end"] = ("period", np.array([ends.get(p, "") for p in all_periods], dtype=object))
    elif all_periods and all_periods[0]:
        attrs["date_start"] = all_periods[0]
        attrs["date_end"] = ends.get(all_periods[0], "")
    if has_platform:
        coords["platform"] = np.array(all_platforms, dtype=object)
    elif all_platforms:
        attrs["platform"] = all_platforms[0]
    if "automation_share" in data_vars:
        attrs["automation_base"] = "classified (as published in the release)"

    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    add_units(ds)
    for var, (units, long_name) in SHARE_TARGETS.items():
        if var in ds.data_vars:
            ds[var].attrs.update(units=units, long_name=long_name)
    if "task_count" in ds.data_vars or "task_share_published" in ds.data_vars:
        ds.attrs["task_cells_note"] = (
            "task cells below the release's privacy threshold are absent (NaN): per-geo task mixes "
            "are truncated"
        )
    ds.attrs["ingest_report"] = build_ingest_report(files, status, ds, n_unknown_soc, hierarchy_report)
    return validate(ds) if check else ds


_LABEL_DIMS = ("task", "request", "pattern")


def _geo_table(files: list[FileRows]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, levels and names of the geos any file's kept rows use, in canonical order.

    Order: global, countries, US states; unlocated last within a level; then
    by label. A label named in several files takes the largest name (a
    non-empty one over ``""``); a label at two levels is an error.
    """
    parts = []
    for f in files:  # a handful of files
        used = np.zeros(len(f.geo_labels), dtype=bool)
        for c in f.chunks:
            used[c.geo] = True
        parts.append((f.geo_labels[used], f.geo_levels[used], f.geo_names[used]))
    if not parts:
        empty = np.zeros(0, dtype=object)
        return empty, empty.copy(), empty.copy()
    label = np.concatenate([p[0] for p in parts]).astype(str)
    level = np.concatenate([p[1] for p in parts]).astype(str)
    name = np.concatenate([p[2] for p in parts]).astype(object)
    name[pd.isna(name)] = ""
    name = name.astype(str)
    uniq, inv = np.unique(label, return_inverse=True)
    level_of = np.full(uniq.size, "", dtype=object)
    level_of[inv] = level
    clash = level_of[inv] != level
    if clash.any():
        raise ReadError(f"geo label(s) {sorted(set(label[clash]))[:5]} appear at two levels")
    by_name = np.lexsort((name, inv))  # within each label, names ascending: the last is the largest
    name_of = np.full(uniq.size, "", dtype=object)
    name_of[inv[by_name]] = name[by_name]
    level_rank = np.full(uniq.size, len(_GEO_LEVEL_ORDER), dtype=np.int64)
    for lvl, rank in _GEO_LEVEL_ORDER.items():  # three levels
        level_rank[level_of == lvl] = rank
    unlocated = np.isin(uniq, UNLOCATED_LABELS)
    order = np.lexsort((uniq, unlocated, level_rank))
    return uniq[order].astype(object), level_of[order], name_of[order]


_COLLAPSIBLE = ("working_age_pop", "gdp", "cost_index", "prompt_tokens_index", "completion_tokens_index")


def _collapse(dims: tuple[str, ...], arr: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Drop ``period``/``platform`` from a covariate or API index that does not vary along them.

    A figure given in only one slice, or identically in several, is one figure;
    one that differs across slices keeps the dim.
    """
    for dim in ("platform", "period"):
        if dim not in dims:
            continue
        ax = dims.index(dim)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            hi, lo = np.nanmax(arr, axis=ax), np.nanmin(arr, axis=ax)
        if np.array_equal(hi, lo, equal_nan=True):
            arr, dims = hi, tuple(d for d in dims if d != dim)
    return dims, arr


def _resolve_duplicates(
    target: str,
    lin: np.ndarray,
    v: np.ndarray,
    r: np.ndarray,
    files: list[FileRows],
    status: Status,
    dims: list[str],
    shape: tuple[int, ...],
    geo_labels: np.ndarray,
    dim_labels: dict[str, np.ndarray],
    periods: list[str],
    platforms: list[str],
) -> np.ndarray:
    """Keep the first of identical duplicate rows (others counted); raise on disagreeing ones."""
    order = np.lexsort((r, lin))
    ls, vs = lin[order], v[order]
    same_cell = np.concatenate([[False], ls[1:] == ls[:-1]])
    disagree = same_cell & np.concatenate([[False], vs[1:] != vs[:-1]])
    if disagree.any():
        j = int(np.flatnonzero(disagree)[0])
        cell = np.unravel_index(int(ls[j]), shape)
        labels: dict[str, Any] = {"period": periods, "platform": platforms, "geo": geo_labels, **dim_labels}
        where = ", ".join(f"{d}={labels[d][i]!r}" for d, i in zip(dims, cell, strict=True))
        ra, rb = int(r[order][j - 1]), int(r[order][j])
        fa, fb = _locate(files, ra), _locate(files, rb)
        hint = (
            " These files look like two releases mixed without distinct date windows: each release "
            "needs its own date_start (period)."
            if fa[0] != fb[0]
            else ""
        )
        raise ReadError(
            f"duplicate rows disagree for {target} at {where}: {fa[0]} row {fa[1]} has {float(vs[j - 1])!r}, "
            f"{fb[0]} row {fb[1]} has {float(vs[j])!r}.{hint}"
        )
    status.drop(r[order][same_cell], "identical duplicate row")
    keep = np.ones(lin.size, dtype=bool)
    keep[order[same_cell]] = False
    return keep


def _locate(files: list[FileRows], row: int) -> tuple[str, int]:
    for f in files:
        if f.offset <= row < f.offset + f.n_rows:
            return f.name, row - f.offset + 1
    return "?", row


