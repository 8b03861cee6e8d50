"""Releases 1 and 2 (2025-02-10, 2025-03-27): small wide CSVs, global Claude.ai figures only.

Three data files, recognized by their header:

- ``interaction_type,pct`` (``automation_vs_augmentation[_v1,_v2].csv``):
  ``pattern_share_published`` (geo ``GLOBAL`` x pattern);
- ``task_name,pct`` (``onet_task_mappings.csv``, ``task_pct_v1/v2.csv``):
  ``task_share_published`` (``GLOBAL`` x task);
- ``task_name,feedback_loop,...,filtered``
  (``automation_vs_augmentation_by_task.csv``): ``task_pattern_share`` (task x pattern).

Percentages become fractions (``pct / 100``) exactly as published, never
renormalized: release 1's six patterns sum to 0.842 because the rest of the
conversations were filtered out of the classification. The by-task ratios
are stored as they are; their ``filtered`` column (the task's conversations
filtered out of the pattern classification) is the pattern
``not_classified``, so each task's row keeps the release's sum.

The files carry no dates. Each file's window comes from the release's
documentation (``RELEASES.md``'s release table and the report summaries, which
both give months, not days): unversioned and ``_v1`` files are release 1
(report 1, Claude.ai Free and Pro conversations of Dec 2024 - Jan 2025, the
window 2024-12-01..2025-01-31), ``_v2`` files and the by-task file release 2
(report 2, the Claude 3.7 Sonnet report, Claude.ai conversations of Feb - Mar
2025, the window 2025-02-01..2025-03-31). Release 2 re-ships
release 1's files as ``_v1``: read beside release 1, the second copy's rows
are identical duplicates and are counted as such.

``SOC_Structure.csv`` and ``onet_task_statements.csv`` are O*NET/SOC
reference tables shipped with these releases: their rows are counted in the
ingest report as reference rows, not data (task IDs and SOC groups come from
the vendored copy of the same O*NET 20.1 table, :mod:`econindex.io._onet`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import DataValueError, ReadError
from econindex.geography import geo_coords
from econindex.io._dense import nan_array
from econindex.io._onet import task_ids, task_soc_major
from econindex.schema import PATTERNS, add_units, pattern_coords

__all__ = ["EARLY_HEADERS", "REFERENCE_HEADERS", "EARLY_WINDOWS", "early_role", "read_early"]

EARLY_HEADERS: dict[str, tuple[str, ...]] = {
    "pattern": ("interaction_type", "pct"),
    "task": ("task_name", "pct"),
    "task_pattern": ("task_name", "feedback_loop", "directive", "task_iteration", "validation", "learning",
                     "filtered"),
}  # fmt: skip
"""Header of each release 1-2 data file (column order free)."""

REFERENCE_HEADERS: dict[str, tuple[str, ...]] = {
    "O*NET 20.1 task statements": ("O*NET-SOC Code", "Task ID", "Task"),
    "SOC structure": ("Major Group", "Minor Group", "Broad Occupation", "Detailed Occupation"),
}
"""Columns that identify the reference tables shipped with releases 1-2."""


@dataclass(frozen=True)
class Window:
    """A release window as its documentation gives it (the files carry no dates)."""

    release: int
    date_start: str
    date_end: str  # inclusive
    source: str


EARLY_WINDOWS: dict[int, Window] = {
    1: Window(1, "2024-12-01", "2025-01-31",
              "report 1 (2025-02-10): Claude.ai Free and Pro conversations, Dec 2024 - Jan 2025 "
              "(RELEASES.md release table; the report summary's 'Dec 2024 - Jan 2025'); the documented "
              "months, first to last day"),
    2: Window(2, "2025-02-01", "2025-03-31",
              "report 2 (2025-03-27, Claude 3.7 Sonnet): Claude.ai conversations, Feb - Mar 2025 "
              "(RELEASES.md release table; the report summary's 'Feb - Mar 2025'); the documented "
              "months, first to last day"),
}  # fmt: skip
"""Windows of releases 1 and 2, from their documentation (not from the files): the release table of
``RELEASES.md`` and the report summaries give months only, so a window runs from the first day of its
first month to the last day of its last month."""

_PATTERN_ALIASES = {"filtered": "not_classified"}
_DUPLICATE = "identical duplicate row (the same release file read twice, e.g. release 2's _v1 copy)"


def early_role(columns: Sequence[str]) -> str | None:
    """Role of a file from its header: a data role, ``"reference"``, or ``None`` (not release 1-2).

    Examples
    --------
    >>> early_role(["interaction_type", "pct"]), early_role(["a", "b"])
    ('pattern', None)
    """
    cols = {c.strip() for c in columns}
    for role, header in EARLY_HEADERS.items():
        if cols == set(header):
            return role
    if any(set(h) <= cols for h in REFERENCE_HEADERS.values()):
        return "reference"
    return None


def release_of(path: Path) -> int:
    """Release (1 or 2) of a release 1-2 file, from its name (documented convention)."""
    stem = path.name.lower()
    return 2 if ("_v2" in stem or "by_task" in stem) else 1


def _canonical_pattern(label: str) -> str:
    p = label.strip().lower().replace("_", " ")
    return _PATTERN_ALIASES.get(p.replace(" ", "_"), p if p != "not classified" else "not_classified")


@dataclass
class _Cells:
    """Cells of one file: (variable, period, geo, task, pattern) -> value, with the row of each."""

    var: str
    period: str
    task: np.ndarray
    pattern: np.ndarray
    value: np.ndarray
    row: np.ndarray  # 0-based data row of the file


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path.name}: cannot parse the CSV: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _numbers(df: pd.DataFrame, col: str, name: str) -> np.ndarray:
    text = df[col].str.strip()
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(num) & ~text.isin(["", "NaN", "nan", "NA"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValueError(f"{name}: non-numeric {col} {df[col].iloc[i]!r} in row {i + 1} (line {i + 2})")
    return num


def _check_range(name: str, col: str, v: np.ndarray, hi: float) -> None:
    with np.errstate(invalid="ignore"):
        bad = (v < 0) | (v > hi) | np.isinf(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValueError(f"{name}: {col} {v[i]!r} in row {i + 1} (line {i + 2}) is outside [0, {hi:g}]")


def read_early(
    paths: Sequence[Path], reference: Sequence[tuple[Path, str, int]] = ()
) -> tuple[xr.Dataset, list[dict]]:
    """Read release 1-2 files into one dataset with a ``period`` dimension, and their report entries.

    ``reference`` lists the reference tables found beside them (path, kind,
    number of rows); their rows are reported as reference rows.
    """
    cells: list[_Cells] = []
    entries: list[dict] = []
    for path in paths:
        df = _read_csv(path)
        role = early_role(list(df.columns))
        name = path.name
        n = len(df)
        if n == 0:
            raise ReadError(f"{name}: the file has a header but no data rows")
        window = EARLY_WINDOWS[release_of(path)]
        dropped: dict[str, int] = {}
        rows = np.arange(n)
        if role in ("pattern", "task"):
            v = _numbers(df, "pct", name)
            _check_range(name, "pct", v, 100.0)
            key = "interaction_type" if role == "pattern" else "task_name"
            labels = df[key].to_numpy(dtype=object).astype(str)
            if role == "pattern":
                labels = np.array([_canonical_pattern(x) for x in labels], dtype=object)
                known = np.isin(labels, PATTERNS)
                if not known.all():
                    dropped["unknown collaboration pattern (not in the econindex data model)"] = int(
                        (~known).sum()
                    )
            else:
                labels = np.char.lower(np.char.strip(labels.astype(str))).astype(object)
                known = np.ones(n, dtype=bool)
            miss = np.isnan(v) & known
            if miss.any():
                dropped["missing value (empty or NaN cell; missing is not zero)"] = int(miss.sum())
            ok = known & ~miss
            total = float(v[ok].sum())
            if total - 100.0 > 0.01 + 0.005 * int(ok.sum()):
                raise DataValueError(f"{name}: pct sums to {total:.6g} (> 100 beyond rounding)")
            empty = np.full(int(ok.sum()), "", dtype=object)
            cells.append(
                _Cells(
                    "pattern_share_published" if role == "pattern" else "task_share_published",
                    window.date_start,
                    empty if role == "pattern" else labels[ok],
                    labels[ok] if role == "pattern" else empty,
                    v[ok] / 100.0,
                    rows[ok],
                )
            )
        elif role == "task_pattern":
            tasks = np.char.lower(np.char.strip(df["task_name"].to_numpy(dtype=str))).astype(object)
            cols = [c for c in EARLY_HEADERS["task_pattern"] if c != "task_name"]
            vals = np.column_stack([_numbers(df, c, name) for c in cols])
            for j, c in enumerate(cols):
                _check_range(name, c, vals[:, j], 1.0 + 1e-9)
            miss = np.isnan(vals).all(axis=1)
            if miss.any():
                dropped["missing value (empty or NaN cell; missing is not zero)"] = int(miss.sum())
            pats = np.array([_canonical_pattern(c) for c in cols], dtype=object)
            r, k = np.nonzero(~np.isnan(vals))
            cells.append(_Cells("task_pattern_share", window.date_start, tasks[r], pats[k], vals[r, k], r))
        else:  # pragma: no cover - the caller routes only release 1-2 data files here
            raise ReadError(f"{name}: not a release 1-2 data file")
        entries.append(
            {"file": name, "layout": f"release_{window.release}_wide", "rows_read": n, "rows_kept": 0,
             "rows_dropped": dropped, "window_from_documentation": window.source}
        )  # fmt: skip
    ds = _assemble(cells, entries, [p.name for p in paths])
    for path, kind, n in reference:
        entries.append(
            {"file": path.name, "layout": "reference", "rows_read": n, "rows_kept": 0,
             "rows_dropped": {f"reference table ({kind}), not usage data": n}}
        )  # fmt: skip
    return ds, entries


def _assemble(cells: list[_Cells], entries: list[dict], names: list[str]) -> xr.Dataset:
    periods = sorted({c.period for c in cells})
    tasks = np.array(sorted({t for c in cells for t in c.task if t}), dtype=object)
    present = {p for c in cells for p in c.pattern if p}
    patterns = np.array([p for p in PATTERNS if p in present], dtype=object)
    t_index, p_index, per_index = pd.Index(tasks), pd.Index(patterns), pd.Index(periods)
    data_vars = {}
    kept = [np.zeros(e["rows_read"], dtype=bool) for e in entries]
    dup = [np.zeros(e["rows_read"], dtype=bool) for e in entries]
    for var, dims in (
        ("pattern_share_published", ("geo", "pattern", "period")),
        ("task_share_published", ("geo", "task", "period")),
        ("task_pattern_share", ("task", "pattern", "period")),
    ):
        mine = [(k, c) for k, c in enumerate(cells) if c.var == var]
        if not mine:
            continue
        shape = tuple({"geo": 1, "task": len(tasks), "pattern": len(patterns), "period": len(periods)}[d]
                      for d in dims)  # fmt: skip
        arr = nan_array(shape)
        for k, c in mine:  # a handful of files
            idx = {
                "geo": np.zeros(c.value.size, dtype=np.int64),
                "period": np.full(c.value.size, per_index.get_loc(c.period), dtype=np.int64),
            }
            if "task" in dims:
                idx["task"] = t_index.get_indexer(c.task)
            if "pattern" in dims:
                idx["pattern"] = p_index.get_indexer(c.pattern)
            lin = np.ravel_multi_index(tuple(idx[d] for d in dims), shape)
            if np.unique(lin).size != lin.size:
                raise ReadError(f"{entries[k]['file']}: the same {dims[1]} appears in two rows")
            flat = arr.reshape(-1)
            seen = ~np.isnan(flat[lin])
            if seen.any():
                j = int(np.flatnonzero(seen)[0])
                if not np.array_equal(flat[lin[seen]], c.value[seen]):
                    raise ReadError(
                        f"{entries[k]['file']} row {int(c.row[j]) + 1} disagrees with a file read before it "
                        f"for {var} in period {c.period}: two files of the same release window differ"
                    )
                dup[k][np.unique(c.row[seen])] = True
            flat[lin[~seen]] = c.value[~seen]
            kept[k][c.row[~seen]] = True
        data_vars[var] = (dims, arr)
    for e, kp, dp in zip(entries, kept, dup, strict=True):
        dp &= ~kp
        if dp.any():
            e["rows_dropped"][_DUPLICATE] = int(dp.sum())
        e["rows_kept"] = int(kp.sum())
        if e["rows_kept"] + sum(e["rows_dropped"].values()) != e["rows_read"]:  # pragma: no cover
            raise ReadError(f"{e['file']}: ingest accounting failed")
    windows = {w.date_start: w for w in EARLY_WINDOWS.values()}
    coords = geo_coords(["GLOBAL"], ["global"])
    coords.update(
        period=np.array(periods, dtype=object),
        date_start=("period", np.array(periods, dtype=object)),
        date_end=("period", np.array([windows[p].date_end for p in periods], dtype=object)),
        date_end_exclusive=("period", np.zeros(len(periods), dtype=bool)),
    )
    if tasks.size:
        coords.update(
            task=tasks, soc_major=("task", task_soc_major(tasks)), task_id=("task", task_ids(tasks))
        )
    if patterns.size:
        coords.update(pattern_coords(patterns))
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(
        source="Anthropic Economic Index releases 2025-02-10, 2025-03-27 (CC-BY), read by econindex.read_aei",
        files=", ".join(names),
        layouts="release_1_2_wide",
        platform="claude_ai",
        window_note="; ".join(
            f"period {p}: window from the release documentation, not the file ({windows[p].source})"
            for p in periods
        ),
        share_base=(
            "pattern_share_published and task_share_published are the published pct / 100, not "
            "renormalized (release 1's patterns sum to 0.842: the rest was filtered out); "
            "task_pattern_share's pattern 'not_classified' is the release's 'filtered' column"
        ),
    )
    return add_units(ds)
