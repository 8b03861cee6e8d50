"""Routing the rows of one parsed long-format file (releases 3-5) into per-variable chunks.

Labels are mapped on the dictionaries (distinct values), rows are routed
with integer codes, and every row is either kept in a :class:`Chunk` or
dropped with a reason in the file's :class:`Status`. There is no Python loop
over rows, geos or tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from econindex.errors import DataValueError, ReadError, excerpt
from econindex.io._csv import as_objects, dictionary_codes, dictionary_codes_arrow, parse_long
from econindex.io._layouts import Layout, detect_layout
from econindex.io._specs import (
    DERIVED,
    FACETS,
    META_VARIABLES,
    PLATFORMS,
    SPECS,
    WHOLE_COUNTS,
    platform_label,
)
from econindex.schema import (
    PATTERNS,
)

__all__ = ["Chunk", "FileRows", "Status", "read_file", "used_codes"]


_TWO_DIGITS = np.array([f"{k:02d}" for k in range(100)], dtype=object)  # SOC major group codes


@dataclass
class Chunk:
    """Rows of one file routed to one dataset variable (codes local to the file)."""

    target: str
    rows: np.ndarray  # global row ids
    geo: np.ndarray  # local geo index (into FileRows.geo_labels)
    labels: dict[str, tuple[np.ndarray, np.ndarray]]  # dim -> (label table, per-row index)
    period: np.ndarray
    platform: np.ndarray
    values: np.ndarray
    request_level: np.ndarray | None = None  # per label of the request table


@dataclass
class FileRows:
    name: str
    layout: str
    n_rows: int
    offset: int
    geo_labels: np.ndarray
    geo_levels: np.ndarray
    geo_names: np.ndarray
    periods: np.ndarray  # labels (date_start) ; "" = no window
    period_end: np.ndarray
    platforms: np.ndarray
    chunks: list[Chunk] = field(default_factory=list)
    task_soc: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    request_parent: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    n_bytes: int = 0  # size of the file (the memory bound is a multiple of it)


class Status:
    """Per-row fate: 0 = kept, k > 0 = dropped for reason k."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int16)
        self.reasons: list[str] = [""]

    def drop(self, rows: np.ndarray, reason: str) -> None:
        if rows.size == 0:
            return
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.code[rows] = self.reasons.index(reason)


def _check_dates(name: str, starts: np.ndarray, ends: np.ndarray) -> None:
    """Refuse a date window whose ends are not ISO dates (``YYYY-MM-DD``) or that ends before it starts.

    Runs on the distinct windows (a few), never rows; an empty date is legitimate (no window).
    A Python loop over those few labels: pandas' date parsing costs ~30 ms of setup here.
    """
    for col, labels in (("date_start", starts), ("date_end", ends)):
        for text in map(str, labels):
            if text and not _is_iso_date(text):
                raise DataValueError(f"{name}: {col} {excerpt(text)} is not a date (YYYY-MM-DD)")
    for s, e in zip(map(str, starts), map(str, ends), strict=True):
        if s and e and s > e:  # ISO dates order as text
            raise DataValueError(f"{name}: date window starting {s!r} ends before it starts ({e!r})")


def _is_iso_date(text: str) -> bool:
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.replace("-", "").isdigit():
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def used_codes(codes: np.ndarray, size: int) -> np.ndarray:
    """Sorted distinct values of small non-negative integer codes (O(n), no sort)."""
    return np.flatnonzero(np.bincount(codes, minlength=size))


def _compact(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes in use (sorted) and each code's position among them."""
    used = used_codes(codes, size)
    position = np.zeros(size, dtype=np.int64)
    position[used] = np.arange(used.size)
    return used, position[codes]


def _split_last_arrow(labels: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """Split ``"<base>::<category>"`` on the last ``::``; ok=False where there is none.

    Semantics of ``str.rpartition("::")``, on pyarrow's ``split_pattern``
    kernel: 10 ms against 51 ms for a Python ``rpartition`` loop over the
    45,000 distinct labels of a full-size release. Runs over dictionary
    entries (distinct labels), never rows.

    Examples
    --------
    >>> base, cat, ok = _split_last_arrow(pa.array(["a::b::c", "x"]))
    >>> base.to_pylist(), cat.to_pylist(), ok.tolist()
    (['a::b', ''], ['c', 'x'], [True, False])
    """
    parts = pc.split_pattern(labels, "::", max_splits=1, reverse=True)
    offsets = parts.offsets.to_numpy()
    ok = np.diff(offsets) == 2
    flat = parts.flatten()
    base = pc.if_else(pa.array(ok), flat.take(pa.array(offsets[:-1])), "")
    cat = flat.take(pa.array(offsets[1:] - 1))
    return base, cat, ok


def _factorize(entries: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Distinct labels (object array, first-seen order) and each entry's code (pyarrow hashing)."""
    enc = entries.dictionary_encode()
    return as_objects(enc.dictionary), enc.indices.to_numpy().astype(np.int64)


def _mixed_key(*parts: tuple[np.ndarray, int]) -> np.ndarray:
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    for arr, size in parts:
        key = key * max(int(size), 1) + arr.astype(np.int64)
    return key


def read_file(
    path: Path, offset: int, status_parts: list[Status], parse: Callable[[Path], Any] = parse_long
) -> FileRows:
    name = path.name
    table, values = parse(path)
    n = table.num_rows
    status = Status(n)
    status_parts.append(status)

    geography_i, geography_d = dictionary_codes(table, "geography")
    geoid_i, geoid_d = dictionary_codes(table, "geo_id")
    var_i, var_d = dictionary_codes(table, "variable")
    clu_i, clu_arrow = dictionary_codes_arrow(table, "cluster_name")
    clu_d = as_objects(clu_arrow)
    ds_i, ds_d = dictionary_codes(table, "date_start")
    de_i, de_d = dictionary_codes(table, "date_end")
    pl_i, pl_d = dictionary_codes(table, "platform_and_product")
    gname = dictionary_codes(table, "geo_name") if "geo_name" in table.column_names else None

    # geography values
    geography_d = np.array([str(g).strip() for g in geography_d], dtype=object)
    known = {"global", "country", "state_us", "country-state"}
    unknown = [g for g in geography_d if g not in known]
    if unknown:
        code = int(np.flatnonzero(geography_d == unknown[0])[0])
        row = int(np.flatnonzero(geography_i == code)[0])
        raise ReadError(
            f"{name}: unknown geography {excerpt(unknown[0])} in row {row + 1} (line {row + 2}); "
            "valid: 'global', 'country', 'state_us' (and 'country-state' in later releases)"
        )

    # unique (geography, geo_id) pairs -> canonical geo labels (through the layout adapter)
    n_gid = max(len(geoid_d), 1)
    pair_dtype = np.int32 if len(geography_d) * n_gid < 2**31 else np.int64  # int32: half the traffic
    pair = geography_i.astype(pair_dtype) * n_gid + geoid_i
    used = np.flatnonzero(np.bincount(pair, minlength=len(geography_d) * n_gid))
    pg, pid = geography_d[used // n_gid], geoid_d[used % n_gid]
    layout: Layout = detect_layout(table.column_names, list(geography_d), list(pid[pg == "country"]))
    names = None
    if gname is not None:
        name_of_pair = np.zeros(len(geography_d) * n_gid, dtype=np.int32)
        name_of_pair[pair] = gname[0]
        names = gname[1][name_of_pair[used]] if len(gname[1]) else np.full(len(used), "", dtype=object)
    gm = layout.map_geos(pg, pid, names if names is not None else np.full(len(used), "", dtype=object), name)
    kept_pairs = gm.label != ""
    geo_labels, first = np.unique(gm.label[kept_pairs].astype(str), return_index=True)
    geo_levels = gm.level[kept_pairs][first]
    geo_names = gm.name[kept_pairs][first]
    pair_geo = np.full(len(geography_d) * n_gid, -1, dtype=np.int32)
    pair_geo[used[kept_pairs]] = np.searchsorted(geo_labels, gm.label[kept_pairs].astype(str))
    row_geo = pair_geo[pair]
    for reason in set(gm.drop_reason[~kept_pairs]):
        bad_pairs = used[~kept_pairs][gm.drop_reason[~kept_pairs] == reason]
        lookup = np.zeros(len(geography_d) * n_gid, dtype=bool)
        lookup[bad_pairs] = True
        status.drop(np.flatnonzero(lookup[pair]) + 0, reason)

    # periods and platforms
    ds_d = np.array([str(d).strip() for d in ds_d], dtype=object)
    de_d = np.array([str(d).strip() for d in de_d], dtype=object)
    if len(ds_d) == 1 and len(de_d) == 1:  # one window: no pass over the rows
        se = np.zeros(1, dtype=np.int64)
    else:
        se = np.flatnonzero(np.bincount(ds_i.astype(np.int64) * max(len(de_d), 1) + de_i))
    starts, ends = se // max(len(de_d), 1), se % max(len(de_d), 1)
    if len(np.unique(starts)) != len(starts):
        s = ds_d[starts[np.flatnonzero(np.diff(np.sort(starts)) == 0)[0]]]
        raise ReadError(f"{name}: date window starting {s!r} has several date_end values")
    _check_dates(name, ds_d[starts], de_d[ends])
    period_end = np.full(len(ds_d), "", dtype=object)
    period_end[starts] = de_d[ends]
    pl_d = np.array([str(p).strip() for p in pl_d], dtype=object)
    platforms = np.array([platform_label(p) for p in pl_d], dtype=object)  # a few distinct values
    if (platforms == "").any():
        bad = pl_d[platforms == ""][0]
        raise ReadError(f"{name}: unknown platform_and_product {excerpt(bad)}; known: {list(PLATFORMS)}")

    fr = FileRows(
        name=name,
        layout=layout.name,
        n_rows=n,
        offset=offset,
        geo_labels=geo_labels.astype(object),
        geo_levels=geo_levels,
        geo_names=geo_names,
        periods=ds_d,
        period_end=period_end,
        platforms=platforms,
        n_bytes=path.stat().st_size,
    )

    # route rows by variable
    var_d = np.array([str(v).strip() for v in var_d], dtype=object)
    # a stable radix sort on small integer codes
    order = np.argsort(var_i.astype(np.int16) if len(var_d) < 2**15 else var_i, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(var_i, minlength=len(var_d)))])
    var_rows = {str(var_d[k]): order[bounds[k] : bounds[k + 1]] for k in range(len(var_d))}
    n_geo = len(geo_labels)
    key_size = n_geo * len(ds_d) * len(pl_d)

    # (geo, period, platform) cell of every row, built once (-1 geo: the row is already dropped)
    if len(ds_d) == 1 and len(pl_d) == 1:
        row_key = row_geo
    else:
        row_key = _mixed_key((row_geo, n_geo), (ds_i, len(ds_d)), (pl_i, len(pl_d)))

    def key_of(rows: np.ndarray) -> np.ndarray:
        return row_key[rows]

    has_count: dict[str, np.ndarray] = {}
    for cvar in {s.count_var for s in SPECS.values() if s.count_var}:
        mask = np.zeros(max(key_size, 1), dtype=bool)
        rows = var_rows.get(cvar, np.zeros(0, dtype=np.int64))
        rows = rows[row_geo[rows] >= 0]
        mask[key_of(rows)] = True
        has_count[cvar] = mask

    levels_int: np.ndarray | None = None
    level_codes: list[tuple[np.ndarray, np.ndarray]] = []  # the level column, decoded on first use

    def level() -> tuple[np.ndarray, np.ndarray]:
        if not level_codes:
            level_codes.append(dictionary_codes(table, "level"))
        return level_codes[0]

    facet_codes: list[tuple[np.ndarray, np.ndarray]] = []  # the facet column, decoded on first use

    def facet_table() -> tuple[np.ndarray, np.ndarray]:
        if not facet_codes:
            fi, fd = dictionary_codes(table, "facet")
            facet_codes.append((fi, np.array([str(f).strip() for f in fd], dtype=object)))
        return facet_codes[0]

    for var, rows in var_rows.items():
        if rows.size == 0:
            continue
        if var in META_VARIABLES and rows.size:
            # econindex's metadata rows: SOC major group of a task, parent of a request cluster
            if var == "task_soc_major":
                soc_value = values[rows]
                fine = np.isfinite(soc_value) & (soc_value >= 0) & (soc_value < 100)
                fine &= soc_value == np.floor(np.where(fine, soc_value, 0.0))
                if not fine.all():  # 99.7 is not SOC group 99
                    i = int(rows[np.flatnonzero(~fine)[0]])
                    raise DataValueError(
                        f"{name}: task_soc_major {float(values[i])!r} in row {i + 1} (line {i + 2}) is not "
                        "a two-digit SOC major group code"
                    )
                soc = np.full(rows.size, "", dtype=object)
                soc[fine] = _TWO_DIGITS[soc_value[fine].astype(np.int64)]
                tasks = as_objects(pc.utf8_lower(clu_arrow.take(pa.array(clu_i[rows]))))
                fr.task_soc.append((tasks, soc))
            else:
                # split only the dictionary entries these rows use (a few hundred of ~45,000)
                used_c, lp = _compact(clu_i[rows], len(clu_d))
                child, parent, okp = _split_last_arrow(clu_arrow.take(pa.array(used_c)))
                fr.request_parent.append((as_objects(child)[okp], as_objects(parent)[okp]))
                status.drop(rows[~okp[lp]], f"unparsable cluster_name (missing '::'): {var}")
            continue
        spec = SPECS.get(var)
        if spec is None:
            facet_i, facet_d = dictionary_codes(table, "facet")  # decoded only to name what is dropped
            facets = sorted({str(f).strip() for f in facet_d[used_codes(facet_i[rows], len(facet_d))]})
            status.drop(rows, f"variable not in the econindex data model: {'/'.join(facets)}:{var}")
            continue
        rows = rows[status.code[rows] == 0]
        if var in FACETS:  # a variable under a facet it does not belong to is not that variable
            fac_i, fac_d = facet_table()
            off = ~np.isin(fac_d, FACETS[var])[fac_i[rows]]
            for k in used_codes(fac_i[rows[off]], len(fac_d)):
                status.drop(
                    rows[off][fac_i[rows[off]] == k],
                    f"variable not in the econindex data model: {fac_d[k]}:{var}",
                )
            rows = rows[~off]
        v = values[rows]
        miss = np.isnan(v)
        if miss.any():
            status.drop(rows[miss], "missing value (empty or NaN cell; missing is not zero)")
            rows, v = rows[~miss], v[~miss]
        bad = np.isinf(v) | (v < 0)
        if bad.any():
            i = int(rows[np.flatnonzero(bad)[0]])
            raise DataValueError(
                f"{name}: {'negative' if values[i] < 0 else 'infinite'} value {float(values[i])!r} for "
                f"{var!r} in row {i + 1} (line {i + 2}; geo_id={geoid_d[geoid_i[i]]!r}, "
                f"cluster_name={excerpt(clu_d[clu_i[i]])})"
            )
        if spec.target in WHOLE_COUNTS:
            frac = v != np.floor(v)
            if frac.any():
                i = int(rows[np.flatnonzero(frac)[0]])
                raise DataValueError(
                    f"{name}: {var} {float(values[i])!r} in row {i + 1} (line {i + 2}; "
                    f"geo_id={excerpt(geoid_d[geoid_i[i]])}) is not a whole number of conversations"
                )
        if not spec.target:
            status.drop(rows, f"{spec.reason}: {var}")
            continue
        if spec.count_var:
            derived = has_count[spec.count_var][key_of(rows)]
            status.drop(rows[derived], f"{DERIVED}: {var}")
            rows, v = rows[~derived], v[~derived]
        if not spec.geo:
            off = gm.level[np.searchsorted(used, pair[rows])] != "global"
            status.drop(rows[off], f"below the global level (econindex keeps the global figure): {var}")
            rows, v = rows[~off], v[~off]
        if rows.size == 0:
            continue
        labels: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        local = clu_i[rows]
        ok = np.ones(rows.size, dtype=bool)
        base_idx = np.zeros(rows.size, dtype=np.int64)
        if spec.dims:
            # string work only on the dictionary entries these rows use, on pyarrow's kernels
            used_c, lp = _compact(local, len(clu_d))
            sub = clu_arrow.take(pa.array(used_c))
            parts: dict[str, pa.Array]
            if len(spec.dims) == 2:
                base, cat, has_sep = _split_last_arrow(sub)
                ok &= has_sep[lp]
                parts = {spec.dims[0]: base, spec.dims[1]: cat}
            elif spec.target in ("cost_index", "prompt_tokens_index", "completion_tokens_index"):
                base, cat, has_sep = _split_last_arrow(sub)
                strip = has_sep & pd.Index(as_objects(cat)).isin(["index", "count", "mean"])
                parts = {"task": pc.if_else(pa.array(strip), base, sub)}
            else:
                parts = {spec.dims[0]: sub}
            for dim, entries in parts.items():
                if dim in ("task", "pattern"):
                    # simple case mapping; equal to str.lower on all 19,530 O*NET statements (ASCII)
                    entries = pc.utf8_lower(entries)
                uniq, codes = _factorize(entries)
                if dim == "pattern":
                    ok &= pd.Index(uniq).isin(PATTERNS)[codes[lp]]
                labels[dim] = (uniq, codes[lp])
            if not ok.all():
                status.drop(rows[~ok], f"unparsable cluster_name (unknown pattern or missing '::'): {var}")
                rows, v, base_idx = rows[ok], v[ok], base_idx[ok]
                labels = {d: (t, i[ok]) for d, (t, i) in labels.items()}
            # keep only the labels these rows use
            for dim, (tab, li) in list(labels.items()):
                used_lab, kept_li = _compact(li, len(tab))
                labels[dim] = (tab[used_lab], kept_li)
            if len(spec.dims) == 2:
                base_idx = labels[spec.dims[0]][1]
            if "request" in spec.dims:
                lvl_i, lvl_d = level()
                if levels_int is None:
                    lv = pd.to_numeric(pd.Series(lvl_d, dtype=object), errors="coerce")
                    not_int = (lv.isna() | (lv != np.floor(lv)) | (lv < 0)).to_numpy()
                    if not_int.any():  # 1.5 is not level 1, -7 no level at all
                        shown = "[" + ", ".join(excerpt(x, 20) for x in lvl_d[not_int][:5]) + "]"
                        raise ReadError(f"{name}: level value(s) {shown} are not non-negative integers")
                    levels_int = lv.to_numpy(dtype=np.int64)
                tab, idx = labels["request"]
                req_level = np.zeros(len(tab), dtype=np.int64)
                req_level[idx] = levels_int[lvl_i[rows]]
                # a name used at two levels: keep per-(name, level) labels apart
                lv_rows = lvl_i[rows]
                nl_code = used_codes(idx.astype(np.int64) * len(lvl_d) + lv_rows, len(tab) * len(lvl_d))
                pair_nl = np.stack([nl_code // len(lvl_d), levels_int[nl_code % len(lvl_d)]])
                if pair_nl.shape[1] != len(tab):
                    nl = pd.DataFrame({"name": tab[pair_nl[0]], "level": pair_nl[1]})
                    low = nl.groupby("name")["level"].transform("min")
                    nl["label"] = nl["name"].where(
                        nl["level"] == low, nl["name"] + " [level " + nl["level"].astype(str) + "]"
                    )
                    key = pd.MultiIndex.from_arrays([tab[idx], levels_int[lvl_i[rows]]])
                    lab_rows = nl.set_index(["name", "level"])["label"].reindex(key).to_numpy(dtype=object)
                    uniq, inv = np.unique(lab_rows.astype(str), return_inverse=True)
                    lvl_of = nl.set_index("label")["level"].reindex(uniq).to_numpy(dtype=np.int64)
                    labels["request"] = (uniq.astype(object), inv)
                    req_level = lvl_of
        if rows.size == 0:
            continue
        if spec.pct_group:
            _check_pct(
                name,
                var,
                spec.pct_group,
                rows,
                v,
                row_geo,
                geography_i,
                ds_i,
                pl_i,
                level()[0] if spec.pct_group == "geo_level" else None,
                base_idx,
                geo_labels,
                geography_d,
            )
        chunk = Chunk(
            target=spec.target,
            rows=rows + offset,
            geo=row_geo[rows],
            labels=labels,
            period=ds_i[rows],
            platform=pl_i[rows],
            values=v * spec.scale if spec.scale != 1.0 else v,
            request_level=req_level if "request" in spec.dims else None,
        )
        fr.chunks.append(chunk)
    return fr


def _check_pct(
    name: str,
    var: str,
    group: str,
    rows: np.ndarray,
    v: np.ndarray,
    row_geo: np.ndarray,
    geography_i: np.ndarray,
    ds_i: np.ndarray,
    pl_i: np.ndarray,
    lvl_i: np.ndarray | None,
    base_idx: np.ndarray,
    geo_labels: np.ndarray,
    geography_d: np.ndarray,
) -> None:
    """Raise if a percentage facet sums to more than 100 within a group beyond rounding.

    Tolerance: 0.01 plus half a unit of the second decimal per summed cell
    (releases round percentages); sums below 100 are legitimate (suppressed cells).
    """
    parts: list[np.ndarray] = []
    if group == "geography":
        parts.append(geography_i[rows])
    else:
        parts.append(row_geo[rows])
    if group == "geo_base":
        parts.append(base_idx)
    if group == "geo_level" and lvl_i is not None:
        parts.append(lvl_i[rows])
    parts += [ds_i[rows], pl_i[rows]]
    sizes = [int(p.max()) + 1 if p.size else 1 for p in parts]
    key = _mixed_key(*zip(parts, sizes, strict=True))
    total = int(np.prod(sizes, dtype=np.float64))
    if total <= 4 * key.size + 1_000_000:  # dense groups: O(n) without a sort
        inv, n_groups = key, total
    else:
        _, inv = np.unique(key, return_inverse=True)
        n_groups = int(inv.max()) + 1
    sums = np.bincount(inv, weights=v, minlength=n_groups)
    counts = np.bincount(inv, minlength=n_groups)
    excess = sums - 100.0 > 0.01 + 0.005 * counts
    if excess.any():
        g = int(np.flatnonzero(excess)[0])
        row = int(rows[np.flatnonzero(inv == g)[0]])
        where = (
            f"geography {str(geography_d[geography_i[row]])!r}"
            if group == "geography"
            else f"geo {str(geo_labels[row_geo[row]])!r}"
        )
        raise DataValueError(
            f"{name}: {var} sums to {sums[g]:.4g} (> 100 beyond rounding) within {where} "
            f"(first row {row + 1}); sums below 100 are legitimate, above are not"
        )


