"""Release 6 (2026-06-26, "Cadences"): shares and means only, one file per platform.

Columns ``date_start, date_end, geo_id, geo_level, category_name,
hierarchy_level, metric_id, value, node_name, node_external_id``; the
platform is in the file name (``aei_claude_ai_*``, ``aei_1p_api_*``). Two
calendar months are two periods; ``date_end`` is exclusive (the first day
after the window) and is stored as the file gives it, with the
``date_end_exclusive`` coordinate set.

What becomes what (:data:`OVERALL_METRICS`, :func:`_node_target`):

- node ``Overall`` (category ``overall``): ``usage_pct`` ->
  ``usage_share_published`` (a subregion's share of its country),
  ``usage_per_capita_index`` -> ``usage_index``,
  ``collaboration_{pattern}_pct`` -> ``pattern_share_published``,
  ``collaboration_bucket_{automation,augmentation}_pct`` ->
  ``automation_share_published`` / ``augmentation_share_published`` (base: all
  conversations), ``use_case_{work,personal,coursework}_pct`` ->
  ``use_case_share_published`` (geo x use_case), ``multitasking_pct`` /
  ``human_only_ability_pct`` -> ``multitasking_share_published`` /
  ``human_only_ability_share_published`` under the category ``yes`` (the one
  share the release gives), the means under the names of releases 4-5
  (``ai_autonomy_mean``, ...), ``artifact_{kind}_pct`` ->
  ``artifact_share_published`` (geo x artifact);
- ``onet`` level 0 (tasks): ``pct`` -> ``task_share_published``, the task
  labelled by its lower-cased statement with ``task_id`` =
  ``node_external_id``; its ``collaboration_*_pct`` at ``GLOBAL`` ->
  ``task_pattern_share``;
- ``soc_occupation`` level 1 (major groups): ``pct`` ->
  ``soc_share_published`` over geo x ``soc_group`` (2-digit code);
- ``request`` levels 0-2: ``pct`` -> ``request_share_published``.

Dropped and counted, by reason: O*NET DWA/IWA/GWA levels (1-3), detailed
SOC occupations, other metrics of a node, task pattern mixes below
``GLOBAL``, unknown ``category_name`` or ``metric_id``. The release has no
counts: a missing row is a suppressed cell (NaN), and estimators that need
counts refuse it (see :func:`econindex.schema.require_counts`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import xarray as xr

from econindex.errors import DataValueError, ReadError
from econindex.geography import geo_coords, iso_table
from econindex.io._dense import nan_array
from econindex.io._onet import task_soc_major
from econindex.io._subdivisions import map_subdivisions
from econindex.schema import PATTERNS, add_units, pattern_coords

__all__ = ["CADENCE_COLUMNS", "OVERALL_METRICS", "is_cadence", "parse", "platform_of", "read_cadence"]

CADENCE_COLUMNS: tuple[str, ...] = (
    "date_start",
    "date_end",
    "geo_id",
    "geo_level",
    "category_name",
    "hierarchy_level",
    "metric_id",
    "value",
    "node_name",
    "node_external_id",
)
"""Columns of a release 6 file."""

_PATTERN = {"directive": "directive", "feedback_loop": "feedback loop", "task_iteration": "task iteration",
            "learning": "learning", "validation": "validation", "none": "none"}  # fmt: skip
_MEANS = ("ai_autonomy_mean", "ai_education_years_mean", "human_education_years_mean",
          "human_only_time_mean", "human_with_ai_time_mean")  # fmt: skip
_ARTIFACT = re.compile(r"^artifact_(.+)_pct$")


@dataclass(frozen=True)
class _Target:
    var: str
    fixed_dim: str = ""  # label dim whose label comes from the metric name (pattern, use_case, ...)
    label: str = ""
    scale: float = 1.0
    node_dim: str = ""  # label dim whose label comes from the node (task, soc_group, request)
    global_only: bool = False  # a global figure without a geo dim (task_pattern_share)


def _overall_target(metric: str) -> _Target | str:
    """Target of a metric of the ``Overall`` node, or the drop reason."""
    if metric == "usage_pct":
        return _Target("usage_share_published", scale=0.01)
    if metric == "usage_per_capita_index":
        return _Target("usage_index")
    if metric in _MEANS:
        return _Target(metric)
    if metric == "pct":
        return "share of the Overall node (100% by definition)"
    m = re.fullmatch(r"collaboration_bucket_(automation|augmentation)_pct", metric)
    if m:
        return _Target(f"{m.group(1)}_share_published", scale=0.01)
    m = re.fullmatch(r"collaboration_(\w+)_pct", metric)
    if m and m.group(1) in _PATTERN:
        return _Target("pattern_share_published", "pattern", _PATTERN[m.group(1)], 0.01)
    m = re.fullmatch(r"use_case_(work|personal|coursework)_pct", metric)
    if m:
        return _Target("use_case_share_published", "use_case", m.group(1), 0.01)
    if metric in ("multitasking_pct", "human_only_ability_pct"):
        facet = metric.removesuffix("_pct")
        return _Target(f"{facet}_share_published", facet, "yes", 0.01)
    m = _ARTIFACT.fullmatch(metric)
    if m:
        return _Target("artifact_share_published", "artifact", m.group(1), 0.01)
    return f"unknown metric_id (not in the release 6 layout): {metric}"


OVERALL_METRICS = (
    "usage_pct", "usage_per_capita_index", *_MEANS,
    *(f"collaboration_{p}_pct" for p in _PATTERN),
    "collaboration_bucket_automation_pct", "collaboration_bucket_augmentation_pct",
    "use_case_work_pct", "use_case_personal_pct", "use_case_coursework_pct",
    "multitasking_pct", "human_only_ability_pct",
)  # fmt: skip
"""Release 6 metrics of the Overall node besides the 32 ``artifact_*_pct``."""


def _node_target(category: str, level: str, metric: str) -> _Target | str:
    """Target of a (category, hierarchy level, metric) of release 6, or the drop reason."""
    if category == "overall":
        return _overall_target(metric)
    known = metric == "pct" or isinstance(_overall_target(metric), _Target)
    if not known:
        return f"unknown metric_id (not in the release 6 layout): {metric}"
    if category == "onet":
        if level != "0":
            return "O*NET DWA/IWA/GWA level (hierarchy_level 1-3; no dimension for it in econindex)"
        if metric == "pct":
            return _Target("task_share_published", scale=0.01, node_dim="task")
        m = re.fullmatch(r"collaboration_(\w+)_pct", metric)
        if m and m.group(1) in _PATTERN:
            return _Target(
                "task_pattern_share", "pattern", _PATTERN[m.group(1)], 0.01, "task", global_only=True
            )
    elif category == "soc_occupation":
        if level != "1":
            return "detailed SOC occupation (hierarchy_level 0; econindex keeps the major groups)"
        if metric == "pct":
            return _Target("soc_share_published", scale=0.01, node_dim="soc_group")
    elif category == "request":
        if metric == "pct":
            return _Target("request_share_published", scale=0.01, node_dim="request")
    else:
        return f"unknown category_name (not in the release 6 layout): {category}"
    return f"metric of a {category} node other than its share (econindex keeps node shares): {metric}"


def is_cadence(columns: Sequence[str]) -> bool:
    """Whether a header is release 6's.

    Examples
    --------
    >>> is_cadence(list(CADENCE_COLUMNS)), is_cadence(["geo_id", "value"])
    (True, False)
    """
    return {c.strip() for c in columns} == set(CADENCE_COLUMNS)


def platform_of(path: Path) -> str:
    """``claude_ai`` or ``api`` from a release 6 file name (the files have no platform column)."""
    name = path.name.lower()
    if "claude_ai" in name:
        return "claude_ai"
    if "1p_api" in name or "_api_" in name:
        return "api"
    raise ReadError(
        f"{path.name}: a release 6 file names its platform ('aei_claude_ai_*' or 'aei_1p_api_*'); "
        "this name gives none"
    )


def parse(path: Path) -> pa.Table:
    """Parse one release 6 file (labels as dictionary columns, ``value`` as floats)."""
    # the long format's parse options (imported here: econindex.io._csv imports the layouts, which
    # import this module)
    from econindex.io._csv import DICTIONARY, NULL_VALUES

    types = {c: (pa.float64() if c == "value" else DICTIONARY) for c in CADENCE_COLUMNS}
    opts = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False,
        null_values=NULL_VALUES,
    )  # fmt: skip
    size = path.stat().st_size
    read = pacsv.ReadOptions(block_size=int(min(max(size // 16, 1 << 20), 16 << 20)))
    try:
        table = pacsv.read_csv(path, read_options=read, convert_options=opts)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise ReadError(
            f"{path.name}: cannot parse the release 6 CSV (malformed row or value?): {exc}"
        ) from exc
    if table.num_rows == 0:
        raise ReadError(f"{path.name}: the file has a header but no data rows")
    return table


def _codes(table: pa.Table, col: str) -> tuple[np.ndarray, np.ndarray]:
    arr = table.column(col).combine_chunks()
    idx = arr.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return idx, np.array([str(x).strip() for x in arr.dictionary.to_pylist()], dtype=object)


@dataclass
class _Cells:
    """Rows of one file routed to one dataset variable; label codes local to the file."""

    target: _Target
    rows: np.ndarray
    geo: np.ndarray  # into _File.geos
    period: np.ndarray  # into _File.starts
    node: np.ndarray | None  # into _File.node_labels[target.node_dim]
    values: np.ndarray


@dataclass
class _File:
    name: str
    platform: str
    n_rows: int
    status: np.ndarray  # 0 kept, k > 0: dropped for reasons[k]
    geos: pd.DataFrame
    starts: np.ndarray
    ends: np.ndarray
    reasons: list[str] = field(default_factory=lambda: [""])
    cells: list[_Cells] = field(default_factory=list)
    node_labels: dict[str, np.ndarray] = field(default_factory=dict)
    task_ids: dict[str, str] = field(default_factory=dict)
    request_levels: dict[str, int] = field(default_factory=dict)
    request_lowest: dict[str, int] = field(default_factory=dict)  # finest level of each request name

    def drop(self, rows: np.ndarray, reason: str) -> None:
        if rows.size:
            if reason not in self.reasons:
                self.reasons.append(reason)
            self.status[rows] = self.reasons.index(reason)


def _geos(table: pa.Table, name: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Per-row geo index and the file's geo table (label, level, name, parent)."""
    lv_i, lv_d = _codes(table, "geo_level")
    id_i, id_d = _codes(table, "geo_id")
    pair = lv_i * len(id_d) + id_i
    used = np.flatnonzero(np.bincount(pair, minlength=len(lv_d) * len(id_d)))
    position = np.zeros(len(lv_d) * len(id_d), dtype=np.int64)
    position[used] = np.arange(used.size)
    lv, gid = lv_d[used // len(id_d)], id_d[used % len(id_d)]
    label = np.full(used.size, "", dtype=object)
    level, names, parent = label.copy(), label.copy(), label.copy()
    bad = ~np.isin(lv, ["global", "country", "subregion"])
    if bad.any():
        raise ReadError(
            f"{name}: unknown geo_level {lv[bad][0]!r}; release 6 has 'global', 'country', 'subregion'"
        )
    g = lv == "global"
    label[g], level[g] = "GLOBAL", "global"
    c = lv == "country"
    if c.any():
        known = set(iso_table()["iso_alpha_3"])
        unknown = sorted({x for x in gid[c] if x not in known})
        if unknown:
            raise DataValueError(
                f"{name}: unknown ISO-3 country code(s) {unknown[:10]} in geo_level 'country'"
            )
        label[c], level[c], parent[c] = gid[c], "country", "GLOBAL"
    s = lv == "subregion"
    if s.any():
        sub = map_subdivisions(gid[s], name)
        label[s], level[s], names[s], parent[s] = sub.label, sub.level, sub.name, sub.parent
    table_ = pd.DataFrame({"label": label, "level": level, "name": names, "parent": parent})
    return position[pair], table_


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _windows(table: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row window code, and the windows' starts and (exclusive) ends; checks each window."""
    ds_i, ds_d = _codes(table, "date_start")
    de_i, de_d = _codes(table, "date_end")
    pair = ds_i * len(de_d) + de_i
    used = np.flatnonzero(np.bincount(pair, minlength=len(ds_d) * len(de_d)))
    starts, ends = ds_d[used // len(de_d)], de_d[used % len(de_d)]
    for s, e in zip(starts, ends, strict=True):
        if not (_DATE.match(s) and _DATE.match(e)):
            raise DataValueError(f"{name}: date window {s!r}..{e!r} is not YYYY-MM-DD")
        if e <= s:
            raise DataValueError(
                f"{name}: date_end {e} is not after date_start {s} (a release 6 window ends, exclusive, "
                "on the first day after it)"
            )
    if len(set(starts)) != len(starts):
        raise ReadError(f"{name}: the date window starting {starts[0]!r} has several date_end values")
    position = np.zeros(len(ds_d) * len(de_d), dtype=np.int64)
    position[used] = np.arange(used.size)
    return position[pair], starts, ends


def _node_labels(f: _File, table: pa.Table, dim: str, rows: np.ndarray, level: str) -> np.ndarray:
    """Per-row index into ``f.node_labels[dim]`` for node rows of one (category, level)."""
    node_i, node_d = _codes(table, "node_name")
    ext_i, ext_d = _codes(table, "node_external_id")
    if dim == "soc_group":
        ok = np.array([bool(re.fullmatch(r"\d{2}(-\d{4}(\.\d{2})?)?", e)) for e in ext_d])
        used = np.unique(ext_i[rows])
        if not ok[used].all():
            raise DataValueError(
                f"{f.name}: SOC major group id {ext_d[used][~ok[used]][0]!r} is not a SOC code"
            )
        labels = np.array([e[:2] for e in ext_d], dtype=object)
        codes = ext_i[rows]
    elif dim == "task":
        labels = np.char.lower(node_d.astype(str)).astype(object)
        codes = node_i[rows]
        pairs = np.unique(codes * len(ext_d) + ext_i[rows])
        for t, e in zip(labels[pairs // len(ext_d)], ext_d[pairs % len(ext_d)], strict=True):
            f.task_ids.setdefault(str(t), str(e) if e != "-" else "")
    else:  # request: the name; a name used at several levels keeps it at its finest, "[level k]" above
        k = int(level)
        codes = node_i[rows]
        lowest = f.request_lowest
        labels = np.array(
            [n if lowest.get(n, k) == k else f"{n} [level {k}]" for n in map(str, node_d)], dtype=object
        )
        for n in labels[np.unique(codes)]:
            f.request_levels[str(n)] = k
    table_ = f.node_labels.get(dim)
    merged = labels if table_ is None else np.concatenate([table_, labels])
    offset = 0 if table_ is None else len(table_)
    f.node_labels[dim] = merged
    return codes + offset


def _read_one(path: Path, parse: Callable[[Path], pa.Table] = parse) -> tuple[_File, pa.Table]:
    name = path.name
    table = parse(path)
    n = table.num_rows
    row_geo, geos = _geos(table, name)
    row_window, starts, ends = _windows(table, name)
    f = _File(name, platform_of(path), n, np.zeros(n, dtype=np.int16), geos, starts, ends)
    values = np.asarray(table.column("value").to_numpy(), dtype=float)
    cat_i, cat_d = _codes(table, "category_name")
    lvl_i, lvl_d = _codes(table, "hierarchy_level")
    met_i, met_d = _codes(table, "metric_id")
    n_lm = len(lvl_d) * len(met_d)
    key = cat_i * n_lm + lvl_i * len(met_d) + met_i
    order = np.argsort(key, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(key, minlength=len(cat_d) * n_lm))])
    is_global = (geos["level"].to_numpy() == "global")[row_geo]
    req = np.flatnonzero(cat_d == "request")
    if req.size:  # the finest level of each request name (a name may sit at several levels)
        rows = np.flatnonzero(np.isin(cat_i, req))
        node_i, node_d = _codes(table, "node_name")
        pairs = np.unique(node_i[rows] * len(lvl_d) + lvl_i[rows])
        lv = pd.to_numeric(pd.Series(lvl_d), errors="coerce")
        if lv.isna().any():
            raise ReadError(
                f"{name}: non-integer hierarchy_level value(s) {list(lvl_d[lv.isna().to_numpy()])[:5]}"
            )
        frame = pd.DataFrame(
            {"n": node_d[pairs // len(lvl_d)], "k": lv.to_numpy()[pairs % len(lvl_d)].astype(int)}
        )
        f.request_lowest = {str(k): int(v) for k, v in frame.groupby("n")["k"].min().items()}
    for combo in np.flatnonzero(np.diff(bounds)):  # a few hundred (category, level, metric) combinations
        rows = order[bounds[combo] : bounds[combo + 1]]
        cat, lvl, met = cat_d[combo // n_lm], lvl_d[(combo % n_lm) // len(met_d)], met_d[combo % len(met_d)]
        target = _node_target(cat, lvl, met)
        if isinstance(target, str):
            f.drop(rows, target)
            continue
        v = values[rows]
        miss = np.isnan(v)
        f.drop(rows[miss], "missing value (empty or NaN cell; missing is not zero)")
        rows, v = rows[~miss], v[~miss]
        with np.errstate(invalid="ignore"):
            bad = (v < 0) | np.isinf(v) | ((v > 100.0) & (target.scale == 0.01))
        if bad.any():
            i = int(rows[np.flatnonzero(bad)[0]])
            raise DataValueError(
                f"{name}: value {values[i]!r} of {met!r} in row {i + 1} (line {i + 2}; geo_id "
                f"{table.column('geo_id')[i].as_py()!r}) is {'negative' if values[i] < 0 else 'out of range'}"
            )
        if target.global_only:
            off = ~is_global[rows]
            f.drop(
                rows[off], f"task pattern mix below the global level (econindex keeps the global mix): {met}"
            )
            rows, v = rows[~off], v[~off]
        if rows.size == 0:
            continue
        node = _node_labels(f, table, target.node_dim, rows, lvl) if target.node_dim else None
        values_ = v / 100.0 if target.scale == 0.01 else v  # pct / 100, correctly rounded
        f.cells.append(_Cells(target, rows, row_geo[rows], row_window[rows], node, values_))
    return f, table


def _dims(t: _Target, platforms: bool) -> tuple[str, ...]:
    core = ("task", "pattern") if t.global_only else ("geo", *(d for d in (t.node_dim, t.fixed_dim) if d))
    return (*core, "period", *(("platform",) if platforms else ()))


def read_cadence(paths: Sequence[Path], parse: Callable[[Path], pa.Table] = parse) -> xr.Dataset:
    """Read release 6 files (one per platform) into a dataset with a ``period`` (and ``platform``) dim.

    Raises
    ------
    ReadError
        Malformed file, unknown ``geo_level``, a platform the file name does
        not give, or two files that disagree on a cell.
    DataValueError
        A window whose ``date_end`` is not after its ``date_start``, an
        unknown ISO-3 or subdivision code, a negative or out-of-range value.
    """
    files = [_read_one(p, parse)[0] for p in paths]
    geo_all = pd.concat([f.geos for f in files], ignore_index=True)
    geo_all = geo_all[geo_all["label"] != ""].drop_duplicates("label")
    win = pd.DataFrame({"start": np.concatenate([f.starts for f in files]),
                        "end": np.concatenate([f.ends for f in files])}).drop_duplicates()  # fmt: skip
    if win["start"].duplicated().any():
        s = win.loc[win["start"].duplicated(), "start"].iloc[0]
        raise ReadError(f"{[f.name for f in files]}: the window starting {s} ends on two dates")
    win = win.sort_values("start")
    platforms = sorted({f.platform for f in files})
    many = len(platforms) > 1
    index = {
        "geo": pd.Index(geo_all["label"]),
        "period": pd.Index(win["start"]),
        "platform": pd.Index(platforms),
    }
    used: dict[str, list[np.ndarray]] = {}
    for f in files:
        for c in f.cells:
            if c.node is not None:
                labels = f.node_labels[c.target.node_dim][np.unique(c.node)]
                used.setdefault(c.target.node_dim, []).append(labels.astype(str))
    for d, tabs in used.items():
        index[d] = pd.Index(np.unique(np.concatenate(tabs)).astype(object))
    fixed: dict[str, set[str]] = {}
    for f in files:
        for c in f.cells:
            if c.target.fixed_dim:
                fixed.setdefault(c.target.fixed_dim, set()).add(c.target.label)
    for d, labs in fixed.items():
        index[d] = pd.Index([p for p in PATTERNS if p in labs] if d == "pattern" else sorted(labs))

    by_var: dict[str, list[tuple[int, _Cells]]] = {}
    for k, f in enumerate(files):
        for c in f.cells:
            by_var.setdefault(c.target.var, []).append((k, c))
    data_vars = {}
    for var, cells in by_var.items():
        dims = _dims(cells[0][1].target, many)
        shape = tuple(len(index[d]) for d in dims)
        lins, vals, owners = [], [], []
        for k, c in cells:
            f = files[k]
            idx = {
                "geo": _map(index["geo"], f.geos["label"].to_numpy(dtype=object), c.geo),
                "period": _map(index["period"], f.starts, c.period),
                "platform": np.full(c.rows.size, index["platform"].get_loc(f.platform)),
            }
            if c.target.node_dim:
                assert c.node is not None
                idx[c.target.node_dim] = _map(
                    index[c.target.node_dim], f.node_labels[c.target.node_dim], c.node
                )
            if c.target.fixed_dim:
                idx[c.target.fixed_dim] = np.full(
                    c.rows.size, index[c.target.fixed_dim].get_loc(c.target.label)
                )
            lins.append(np.ravel_multi_index(tuple(idx[d] for d in dims), shape))
            vals.append(c.values)
            owners.append(np.stack([np.full(c.rows.size, k), c.rows]))
        lin, v, own = np.concatenate(lins), np.concatenate(vals), np.concatenate(owners, axis=1)
        lin, v = _dedupe(var, lin, v, own, files)
        arr = nan_array(int(np.prod(shape)))
        arr[lin] = v
        data_vars[var] = (dims, arr.reshape(shape))

    geo_labels = index["geo"].to_numpy(dtype=object)
    coords: dict = geo_coords(list(geo_labels), list(geo_all["level"]), list(geo_all["name"]))
    coords["parent"] = ("geo", geo_all["parent"].to_numpy(dtype=object))
    starts = win["start"].to_numpy(dtype=object)
    coords.update(
        period=starts,
        date_start=("period", starts),
        date_end=("period", win["end"].to_numpy(dtype=object)),
        date_end_exclusive=("period", np.ones(len(starts), dtype=bool)),
    )
    if many:
        coords["platform"] = np.array(platforms, dtype=object)
    for d in ("use_case", "artifact", "soc_group", "multitasking", "human_only_ability"):
        if d in index:
            coords[d] = index[d].to_numpy(dtype=object)
    if "pattern" in index:
        coords.update(pattern_coords(list(index["pattern"])))
    if "task" in index:
        tasks = index["task"].to_numpy(dtype=object)
        ids = {t: e for f in files for t, e in f.task_ids.items()}
        tid = np.array([ids.get(str(t), "") for t in tasks], dtype=object)
        coords.update(task=tasks, soc_major=("task", task_soc_major(tasks)), task_id=("task", tid))
    if "request" in index:
        reqs = index["request"].to_numpy(dtype=object)
        lv = {t: k for f in files for t, k in f.request_levels.items()}
        coords.update(request=reqs, request_level=("request", np.array([lv.get(str(r), -1) for r in reqs])),
                      parent_request=("request", np.full(len(reqs), "", dtype=object)))  # fmt: skip
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(
        source="Anthropic Economic Index release 2026-06-26 (CC-BY), read by econindex.read_aei",
        files=", ".join(f.name for f in files),
        layouts="release_6_cadence",
        date_end_note=(
            "release 6: date_end is exclusive (the first day after the window), stored as the file gives it "
            "(coordinate date_end_exclusive)"
        ),
        counts_note=(
            "release 6 publishes shares and means only (rounded to 2 decimals), no counts: estimators that "
            "need counts cannot use it"
        ),
    )
    if not many:
        ds.attrs["platform"] = platforms[0]
    add_units(ds)
    ds.attrs["ingest_report"] = json.dumps({"files": [_entry(f) for f in files]})
    return ds


def _map(target: pd.Index, local_labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Global positions of per-row local codes (the local label table is mapped once)."""
    return target.get_indexer(pd.Index(local_labels))[codes]


def _dedupe(
    var: str, lin: np.ndarray, v: np.ndarray, own: np.ndarray, files: list[_File]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the first of identical rows for one cell (later ones counted); raise where they differ."""
    if np.bincount(lin).max(initial=0) <= 1:
        return lin, v
    order = np.lexsort((own[1], own[0], lin))
    ls, vs = lin[order], v[order]
    same = np.concatenate([[False], ls[1:] == ls[:-1]])
    differ = same & np.concatenate([[False], vs[1:] != vs[:-1]])
    if differ.any():
        j = int(np.flatnonzero(differ)[0])
        (ka, ra), (kb, rb) = own[:, order[j - 1]], own[:, order[j]]
        raise ReadError(
            f"rows disagree on one cell of {var}: {files[ka].name} row {ra + 1} has {vs[j - 1]!r}, "
            f"{files[kb].name} row {rb + 1} has {vs[j]!r}"
        )
    for k, r in own[:, order[same]].T:
        files[k].drop(np.array([r]), "identical duplicate row")
    keep = np.ones(lin.size, dtype=bool)
    keep[order[same]] = False
    return lin[keep], v[keep]


def _entry(f: _File) -> dict:
    counts = np.bincount(f.status, minlength=len(f.reasons))
    return {
        "file": f.name,
        "layout": "release_6_cadence",
        "rows_read": f.n_rows,
        "rows_kept": int(counts[0]),
        "rows_dropped": {f.reasons[k]: int(counts[k]) for k in range(1, len(counts)) if counts[k]},
    }
