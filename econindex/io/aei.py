"""Read and write the Anthropic Economic Index long format.

:func:`read_aei` turns one CSV, several CSVs or a release folder (raw or
enriched, Claude.ai and 1P API) into the canonical :class:`xarray.Dataset`
of :mod:`econindex.schema`; :func:`write_aei` writes a dataset back as an
enriched AEI long file, derived variables included, so that tools written
for the published release can read it.

Reading is columnar: pyarrow parses every column as (dictionary-encoded)
text, so ``NA`` stays Namibia and ``none`` stays a label; the value column is
cast to float afterwards. Labels are mapped on the dictionaries (unique
values), rows are routed with integer codes, and each variable is built by
one scatter into a dense array. There is no Python loop over rows, geos or
tasks. Every input row is accounted for in ``ds.attrs["ingest_report"]``.
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import xarray as xr

from econindex.errors import DataValueError, ReadError, SchemaError, TooLargeError, excerpt
from econindex.geography import geo_coords
from econindex.io._ahead import ParseAhead
from econindex.io._cadence import is_cadence, read_cadence
from econindex.io._cadence import parse as cadence_parse
from econindex.io._dense import has_repeats, nan_array
from econindex.io._early import REFERENCE_HEADERS, early_role, read_early
from econindex.io._layouts import REQUIRED_COLUMNS, Layout, check_header, detect_layout
from econindex.io._onet import task_ids, task_soc_major
from econindex.io._releases import bin_start, check_windows, combine
from econindex.io.hierarchy import is_hierarchy_file, parents_for, read_request_hierarchy
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CATEGORICAL_FACETS,
    CLASSIFIED_PATTERNS,
    NUMERIC_FACETS,
    NUMERIC_STATS,
    PATTERNS,
    UNLOCATED_LABELS,
    add_units,
    pattern_coords,
    validate,
)

__all__ = ["read_aei", "write_aei", "task_soc_major", "PLATFORMS"]

PLATFORMS: dict[str, str] = {"Claude AI (Free and Pro)": "claude_ai", "1P API": "api"}
"""Release ``platform_and_product`` strings and their ``platform`` labels."""
_PLATFORM_OUT = {v: k for k, v in PLATFORMS.items()}

_DICT = pa.dictionary(pa.int32(), pa.string())
_GEO_LEVEL_ORDER = {"global": 0, "country": 1, "state_us": 2, "subdivision": 3}
_EXT_FACET = "econindex"  # facet of the variables econindex adds to the release format
_TWO_DIGITS = np.array([f"{k:02d}" for k in range(100)], dtype=object)  # SOC major group codes


# --- the facet/variable table ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    """How one release ``variable`` becomes a dataset variable."""

    target: str  # dataset variable; "" = derived from counts, dropped with `reason`
    dims: tuple[str, ...] = ()  # label dims parsed from cluster_name
    scale: float = 1.0  # 0.01 for *_pct
    geo: bool = True  # False: a global figure (only GLOBAL rows kept)
    count_var: str = ""  # derived (dropped) where this count variable is given for the same geo
    pct_group: str = ""  # sum <= 100 check: "geography" | "geo" | "geo_base" | "geo_level"
    reason: str = ""


_DERIVED = "derived variable (econindex recomputes it from the counts)"
SPECS: dict[str, _Spec] = {
    "usage_count": _Spec("usage_count"),
    "usage_pct": _Spec("usage_share_published", scale=0.01, count_var="usage_count", pct_group="geography"),
    "usage_per_capita_index": _Spec("usage_index", count_var="usage_count"),
    "usage_per_capita": _Spec("", reason=_DERIVED),
    "usage_tier": _Spec("", reason=_DERIVED),
    "working_age_pop": _Spec("working_age_pop"),
    "gdp_per_working_age_capita": _Spec("_gdp_per_capita"),
    "onet_task_count": _Spec("task_count", ("task",)),
    "onet_task_pct": _Spec(
        "task_share_published", ("task",), 0.01, count_var="onet_task_count", pct_group="geo"
    ),
    "onet_task_pct_index": _Spec("", reason=_DERIVED),
    "collaboration_count": _Spec("pattern_count", ("pattern",)),
    "collaboration_pct": _Spec(
        "pattern_share_published", ("pattern",), 0.01, count_var="collaboration_count", pct_group="geo"
    ),
    "collaboration_pct_index": _Spec("", reason=_DERIVED),
    "request_count": _Spec("request_count", ("request",)),
    "request_pct": _Spec(
        "request_share_published", ("request",), 0.01, count_var="request_count", pct_group="geo_level"
    ),
    "request_pct_index": _Spec("", reason=_DERIVED),
    "onet_task_collaboration_count": _Spec("task_pattern_count", ("task", "pattern")),
    "onet_task_collaboration_pct": _Spec(
        "task_pattern_share", ("task", "pattern"), 0.01, geo=False, pct_group="geo_base"
    ),
    "request_collaboration_count": _Spec("request_pattern_count", ("request", "pattern")),
    "request_collaboration_pct": _Spec(
        "request_pattern_share", ("request", "pattern"), 0.01, geo=False, pct_group="geo_base"
    ),
    "cost_index": _Spec("cost_index", ("task",), geo=False),
    "prompt_tokens_index": _Spec("prompt_tokens_index", ("task",), geo=False),
    "completion_tokens_index": _Spec("completion_tokens_index", ("task",), geo=False),
    "automation_pct": _Spec("automation_share", scale=0.01, count_var="collaboration_count"),
    "augmentation_pct": _Spec("", reason="derived variable (100 - automation_pct)"),
    "soc_pct": _Spec("", reason="derived variable (econindex recomputes it from task counts and soc_major)"),
    # econindex's own additions to the format (written by write_aei)
    "flagged_count": _Spec("flagged_count"),
    "flagged_task_count": _Spec("flagged_count", ("task",)),
    "expected_automation_pct": _Spec("expected_automation", scale=0.01),
}
"""Release variable -> dataset variable. Variables not listed are dropped and counted."""

_GEO_FACETS = ("global", "country", "state_us", "country-state")
_FACETS: dict[str, tuple[str, ...]] = {
    **{v: _GEO_FACETS for v in ("usage_count", "usage_pct", "usage_per_capita_index", "working_age_pop",
                                "gdp_per_working_age_capita")},
    **{v: ("onet_task",) for v in ("onet_task_count", "onet_task_pct")},
    **{v: ("collaboration",) for v in ("collaboration_count", "collaboration_pct")},
    **{v: ("request",) for v in ("request_count", "request_pct")},
    **{v: ("onet_task::collaboration",) for v in ("onet_task_collaboration_count",
                                                  "onet_task_collaboration_pct")},
    **{v: ("request::collaboration",) for v in ("request_collaboration_count",
                                                "request_collaboration_pct")},
    "cost_index": ("onet_task::cost",),
    "prompt_tokens_index": ("onet_task::prompt_tokens",),
    "completion_tokens_index": ("onet_task::completion_tokens",),
    "automation_pct": ("collaboration_automation_augmentation",),
    **{v: (_EXT_FACET,) for v in ("flagged_count", "flagged_task_count", "expected_automation_pct")},
}  # fmt: skip
"""The facet(s) each kept release variable belongs to; rows under another facet are dropped and
counted (``usage_count`` under facet ``collaboration`` is not a usage count)."""

# economic primitives (releases 4-5): a numeric facet's statistics keep the release's names over geo,
# its histogram is over '<facet>_bin' (bin ranges in cluster_name); a categorical facet's counts are
# over a dim named after it; a *_pct is kept (as a share) only where its counts are absent. The
# intersections 'onet_task::<facet>' / 'request::<facet>' are under other facets: dropped and counted.
_PRIMITIVE_SPECS: dict[str, _Spec] = {
    **{f"{f}_{s}": _Spec(f"{f}_{s}") for f in NUMERIC_FACETS for s in NUMERIC_STATS},
    **{f"{f}_histogram_count": _Spec(f"{f}_histogram_count", (f"{f}_bin",)) for f in NUMERIC_FACETS},
    **{f"{f}_histogram_pct": _Spec(f"{f}_histogram_share_published", (f"{f}_bin",), 0.01,
                                   count_var=f"{f}_histogram_count", pct_group="geo")
       for f in NUMERIC_FACETS},
    **{f"{f}_count": _Spec(f"{f}_count", (f,)) for f in CATEGORICAL_FACETS},
    **{f"{f}_pct": _Spec(f"{f}_share_published", (f,), 0.01, count_var=f"{f}_count", pct_group="geo")
       for f in CATEGORICAL_FACETS},
}  # fmt: skip
SPECS.update(_PRIMITIVE_SPECS)
_FACETS.update(
    {f"{f}_{s}": (f,) for f in NUMERIC_FACETS for s in (*NUMERIC_STATS, "histogram_count", "histogram_pct")}
)
_FACETS.update({f"{f}_{s}": (f,) for f in CATEGORICAL_FACETS for s in ("count", "pct")})

_WHOLE_COUNTS = frozenset(
    (
        "usage_count",
        "task_count",
        "pattern_count",
        "request_count",
        "task_pattern_count",
        "request_pattern_count",
    )
)
"""Dataset count variables read from the release: conversations, whole numbers."""

MEMORY_FACTOR = 3
"""The dense arrays ``read_aei`` builds stay within this multiple of the files' size (or
:data:`_MEMORY_FLOOR`, whichever is larger); beyond it reading raises :class:`TooLargeError`."""
_MEMORY_FLOOR = 64 << 20  # a small file may still fill tens of MB of dense cells

_META_VARIABLES = ("task_soc_major", "request_parent")
"""econindex metadata rows (facet ``econindex``): value = SOC major group code of the task in
``cluster_name``; ``cluster_name = "<request>::<parent request>"`` (value 1)."""

_SHARE_TARGETS = {
    "usage_share_published": ("1", "Published share of usage within the parent geography"),
    "request_share_published": ("1", "Published share of conversations per request cluster"),
}


# --- per-file reading --------------------------------------------------------------------------
@dataclass
class _Chunk:
    """Rows of one file routed to one dataset variable (codes local to the file)."""

    target: str
    rows: np.ndarray  # global row ids
    geo: np.ndarray  # local geo index (into _FileRows.geo_labels)
    labels: dict[str, tuple[np.ndarray, np.ndarray]]  # dim -> (label table, per-row index)
    period: np.ndarray
    platform: np.ndarray
    values: np.ndarray
    request_level: np.ndarray | None = None  # per label of the request table


@dataclass
class _FileRows:
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
    chunks: list[_Chunk] = field(default_factory=list)
    task_soc: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    request_parent: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    n_bytes: int = 0  # size of the file (the memory bound is a multiple of it)


class _Status:
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


def _codes(table: pa.Table, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary indices (int32, one per row) and the dictionary (object array) of a column."""
    indices, dictionary = _codes_arrow(table, col)
    return indices, _objects(dictionary)


def _codes_arrow(table: pa.Table, col: str) -> tuple[np.ndarray, pa.Array]:
    """Dictionary indices (int32, one per row) and the dictionary (pyarrow strings) of a column.

    ``combine_chunks`` unifies the blocks' dictionaries and concatenates the
    indices in one C++ pass (40% faster than unifying, then concatenating in NumPy).
    """
    arr = table.column(col)
    if arr.num_chunks == 0:
        return np.zeros(0, dtype=np.int32), pa.array([], type=pa.string())
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    combined = arr.combine_chunks()
    indices = combined.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return indices, combined.dictionary


def _first_line(path: Path) -> str:
    """The header line (at most 1 MB of it: a longer one is no AEI header)."""
    if path.suffix == ".gz":
        with path.open("rb") as raw:
            if raw.read(2) != b"\x1f\x8b":
                raise ReadError(f"{path.name}: named .gz but not gzip-compressed (rename it to .csv)")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
            return str(fh.readline(1 << 20))
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise ReadError(f"{path.name}: cannot decompress the file ({exc})") from exc


_NULL_VALUES = ["", "NaN", "nan", "NA", "null", "NULL"]
"""Cells of the ``value`` column read as missing (NaN), never as zero."""


def _csv_options(
    path: Path, columns: list[str], value_type: pa.DataType, block_size: int | None = None
) -> dict[str, Any]:
    types = {c: (value_type if c == "value" else _DICT) for c in columns}
    if block_size is None:
        # blocks of 1-16 MB: enough to keep the threads busy; with dictionary columns, smaller blocks
        # cost more than they gain (256 MB file: 0.29 s at 5 MB, 0.26 s at 8-16 MB, 0.30 s at 32 MB)
        block_size = int(min(max(path.stat().st_size // 16, 1 << 20), 16 << 20))
    return {
        # the header's own names, stripped (a padded header names the same columns)
        "read_options": pacsv.ReadOptions(block_size=block_size, column_names=columns, skip_rows=1),
        "convert_options": pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=_NULL_VALUES,
        ),
    }


def _parse(path: Path) -> tuple[pa.Table, np.ndarray]:
    """Parse one file: labels as dictionary columns, and the ``value`` column as floats.

    The fast path parses ``value`` straight to float64 with no per-row Python
    callback. Only when that fails (a malformed row, a non-numeric value) is
    the file parsed again, slowly, to say which row is wrong.
    """
    name = path.name
    try:
        if path.stat().st_size == 0:
            raise ReadError(f"{name}: the file is empty (0 bytes)")
        header = _first_line(path)
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: not a UTF-8 text file ({exc})") from exc
    if not header.strip():
        raise ReadError(f"{name}: the file is empty (no header line)")
    columns = [c.strip().strip('"').strip() for c in header.rstrip("\r\n").split(",")]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ReadError(
            f"{name}: column(s) [{', '.join(excerpt(c, 40) for c in repeated[:5])}] appear twice "
            "in the header"
        )
    check_header(columns, name)
    block_size = None
    try:
        try:
            table = pacsv.read_csv(path, **_csv_options(path, columns, pa.float64()))
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                raise
            # a row longer than a block (e.g. a 5 MB cluster_name): one block for the whole file
            block_size = int(min(max(path.stat().st_size + 1, 1 << 20), (1 << 31) - 1))
            table = pacsv.read_csv(path, **_csv_options(path, columns, pa.float64(), block_size))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError):
        table = _parse_diagnosing(path, columns, block_size)  # raises, or the values need the tolerant path
        values = _values(table, name)
    else:
        values = np.asarray(table.column("value").to_numpy(), dtype=float)
    if table.num_rows == 0:
        raise ReadError(f"{name}: the file has a header but no data rows")
    return table, values


def _parse_diagnosing(path: Path, columns: list[str], block_size: int | None = None) -> pa.Table:
    """Parse with ``value`` as text and a handler that records malformed rows (error path)."""
    name = path.name
    bad_rows: list[Any] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            **_csv_options(path, columns, pa.string(), block_size),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        # pyarrow's message quotes the offending row: an excerpt of it only
        raise ReadError(
            f"{name}: cannot parse the CSV (truncated or malformed?): {excerpt(exc, 200)}"
        ) from exc
    if bad_rows:
        first = bad_rows[0]
        number = first.number if first.number is not None else _find_line(path, first.text)
        where = f"line {number}" if number is not None else "a row"
        raise ReadError(
            f"{name}: {len(bad_rows)} malformed row(s) (truncated file?); {where} has "
            f"{first.actual_columns} of {first.expected_columns} columns: {excerpt(first.text, 120)}"
        )
    return table


def _find_line(path: Path, text: str) -> int | None:
    """Line number (1-based, header = 1) of the first line equal to ``text`` (error path only)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
        for number, line in enumerate(fh, start=1):
            if line.rstrip("\r\n") == text:
                return number
    return None


def _values(table: pa.Table, name: str) -> np.ndarray:
    """Floats of a text ``value`` column; whitespace tolerated, non-numeric text named (row, geo)."""
    col = table.column("value")
    try:
        return np.asarray(pc.cast(col, pa.float64()).to_numpy(), dtype=float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = col.to_numpy(zero_copy_only=False).astype(object)
    stripped = pd.Series(text, dtype=object).str.strip()
    num = pd.to_numeric(stripped, errors="coerce")
    empty = stripped.isin(_NULL_VALUES).to_numpy()
    bad = num.isna().to_numpy() & ~empty
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        geo = table.column("geo_id")[i].as_py()
        var = table.column("variable")[i].as_py()
        raise DataValueError(
            f"{name}: non-numeric value {excerpt(text[i])} in row {i + 1} (line {i + 2}; "
            f"geo_id={excerpt(geo)}, variable={excerpt(var)}); {int(bad.sum())} such row(s)"
        )
    return np.asarray(num.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _platform_label(text: str) -> str:
    """``platform`` label of a release's ``platform_and_product`` ("" if unknown).

    Later releases rename the Claude.ai product (e.g. adding Max); any
    ``Claude AI ...`` is Claude.ai and any ``... API`` the first-party API.
    """
    if text in PLATFORMS:
        return PLATFORMS[text]
    if text.startswith("Claude AI"):
        return "claude_ai"
    if text.endswith("API"):
        return "api"
    return ""


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


def _used(codes: np.ndarray, size: int) -> np.ndarray:
    """Sorted distinct values of small non-negative integer codes (O(n), no sort)."""
    return np.flatnonzero(np.bincount(codes, minlength=size))


def _compact(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes in use (sorted) and each code's position among them."""
    used = _used(codes, size)
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


def _objects(arr: pa.Array) -> np.ndarray:
    """A pyarrow string array as a NumPy object array of ``str``."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def _factorize(entries: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Distinct labels (object array, first-seen order) and each entry's code (pyarrow hashing)."""
    enc = entries.dictionary_encode()
    return _objects(enc.dictionary), enc.indices.to_numpy().astype(np.int64)


def _mixed_key(*parts: tuple[np.ndarray, int]) -> np.ndarray:
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    for arr, size in parts:
        key = key * max(int(size), 1) + arr.astype(np.int64)
    return key


def _read_file(
    path: Path, offset: int, status_parts: list[_Status], parse: Callable[[Path], Any] = _parse
) -> _FileRows:
    name = path.name
    table, values = parse(path)
    n = table.num_rows
    status = _Status(n)
    status_parts.append(status)

    geography_i, geography_d = _codes(table, "geography")
    geoid_i, geoid_d = _codes(table, "geo_id")
    var_i, var_d = _codes(table, "variable")
    clu_i, clu_arrow = _codes_arrow(table, "cluster_name")
    clu_d = _objects(clu_arrow)
    ds_i, ds_d = _codes(table, "date_start")
    de_i, de_d = _codes(table, "date_end")
    pl_i, pl_d = _codes(table, "platform_and_product")
    gname = _codes(table, "geo_name") if "geo_name" in table.column_names else None

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
    platforms = np.array([_platform_label(p) for p in pl_d], dtype=object)  # a few distinct values
    if (platforms == "").any():
        bad = pl_d[platforms == ""][0]
        raise ReadError(f"{name}: unknown platform_and_product {excerpt(bad)}; known: {list(PLATFORMS)}")

    fr = _FileRows(
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
            level_codes.append(_codes(table, "level"))
        return level_codes[0]

    facet_codes: list[tuple[np.ndarray, np.ndarray]] = []  # the facet column, decoded on first use

    def facet_table() -> tuple[np.ndarray, np.ndarray]:
        if not facet_codes:
            fi, fd = _codes(table, "facet")
            facet_codes.append((fi, np.array([str(f).strip() for f in fd], dtype=object)))
        return facet_codes[0]

    for var, rows in var_rows.items():
        if rows.size == 0:
            continue
        if var in _META_VARIABLES and rows.size:
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
                tasks = _objects(pc.utf8_lower(clu_arrow.take(pa.array(clu_i[rows]))))
                fr.task_soc.append((tasks, soc))
            else:
                # split only the dictionary entries these rows use (a few hundred of ~45,000)
                used_c, lp = _compact(clu_i[rows], len(clu_d))
                child, parent, okp = _split_last_arrow(clu_arrow.take(pa.array(used_c)))
                fr.request_parent.append((_objects(child)[okp], _objects(parent)[okp]))
                status.drop(rows[~okp[lp]], f"unparsable cluster_name (missing '::'): {var}")
            continue
        spec = SPECS.get(var)
        if spec is None:
            facet_i, facet_d = _codes(table, "facet")  # decoded only to name what is dropped
            facets = sorted({str(f).strip() for f in facet_d[_used(facet_i[rows], len(facet_d))]})
            status.drop(rows, f"variable not in the econindex data model: {'/'.join(facets)}:{var}")
            continue
        rows = rows[status.code[rows] == 0]
        if var in _FACETS:  # a variable under a facet it does not belong to is not that variable
            fac_i, fac_d = facet_table()
            off = ~np.isin(fac_d, _FACETS[var])[fac_i[rows]]
            for k in _used(fac_i[rows[off]], len(fac_d)):
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
        if spec.target in _WHOLE_COUNTS:
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
            status.drop(rows[derived], f"{_DERIVED}: {var}")
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
                strip = has_sep & pd.Index(_objects(cat)).isin(["index", "count", "mean"])
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
                nl_code = _used(idx.astype(np.int64) * len(lvl_d) + lv_rows, len(tab) * len(lvl_d))
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
        chunk = _Chunk(
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


# --- assembly across files ----------------------------------------------------------------------
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


def _expand_paths(path_or_paths: Any) -> tuple[list[Path], list[Path]]:
    """The CSV files to read, and the request-hierarchy JSON files beside or among them.

    Paths are ``str``, ``bytes`` or path-like; anything else is refused. Files found in a
    folder must lie inside it: a symbolic link out of the folder is refused, not followed.
    """

    def as_path(p: Any) -> Path:
        if isinstance(p, (str, bytes, os.PathLike)):
            return Path(os.fsdecode(p))
        raise ReadError(
            f"read_aei: expected a file or folder path (str or path-like) or a list of them; "
            f"got {type(p).__name__} {excerpt(p, 40)}"
        )

    if isinstance(path_or_paths, (str, bytes, os.PathLike)):
        items = [as_path(path_or_paths)]
    elif isinstance(path_or_paths, Iterable):
        items = [as_path(p) for p in path_or_paths]
    else:
        items = [as_path(path_or_paths)]
    out: list[Path] = []
    trees: list[Path] = []

    def inside(folder: Path, found: list[Path]) -> list[Path]:
        root = folder.resolve()
        for q in found:
            if not q.resolve().is_relative_to(root):
                raise ReadError(
                    f"{folder}: {q.relative_to(folder)} is a symbolic link to a file outside the folder; "
                    "econindex does not follow links out of a release folder (pass the file explicitly)"
                )
        return found

    for p in items:
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.name.endswith((".csv", ".csv.gz")))
            # per release folder: its aei_* files where it has any (releases 3-6), else every CSV
            # (releases 1-2 and their reference tables), so a folder of release folders reads them all
            aei = {q.parent for q in found if q.name.startswith("aei_")}
            found = inside(p, [q for q in found if q.parent not in aei or q.name.startswith("aei_")])
            if not found:
                raise ReadError(f"{p}: folder holds no .csv files")
            out += found
            trees += inside(p, sorted(q for q in p.rglob("*.json") if q.is_file() and is_hierarchy_file(q)))
        elif p.exists():
            (trees if p.suffix.lower() == ".json" else out).append(p)
        else:
            raise ReadError(f"{p}: no such file or folder")
    if not out:
        raise ReadError(f"read_aei: {trees[0]} but no CSV to read" if trees else "read_aei: no files given")
    return out, trees


def read_aei(path_or_paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> xr.Dataset:
    """Read AEI release files (releases 1 to 6, Claude.ai or 1P API) into a validated dataset.

    Parameters
    ----------
    path_or_paths : path, sequence of paths, or folder
        One CSV (``.csv`` or ``.csv.gz``), several, a release folder (its
        ``aei_*.csv`` files, searched recursively; every CSV of a folder that
        has none, as releases 1-2), or a folder of release folders. Each
        file's layout is detected from its header (releases 1-2: the wide
        global CSVs, ``econindex.io._early``; 3-5: the long format; 6:
        ``econindex.io._cadence``); several releases give one dataset with a
        ``period`` dimension, equal to the releases read one by one.

    Returns
    -------
    xarray.Dataset
        Dimensions ``geo`` and, where the files give them, ``task``,
        ``pattern``, ``request``; ``period`` when the files span several date
        windows and ``platform`` when they span Claude.ai and the 1P API.
        Counts (``usage_count``, ``task_count``, ``pattern_count``,
        ``request_count``, ``task_pattern_count``, ``request_pattern_count``)
        are kept as given; a percentage is kept (as a fraction, e.g.
        ``task_share_published``) only for geos where its count is absent;
        ``task_pattern_share``/``request_pattern_share`` come from the
        ``GLOBAL`` intersection percentages; API cost and token indices become
        ``cost_index``, ``prompt_tokens_index``, ``completion_tokens_index``.
        ``attrs["ingest_report"]`` (JSON) accounts for every row read: kept,
        or dropped with a reason; kept + dropped == read, per file. Later
        releases add the economic primitives and release 6's published
        shares (``docs/io.md`` has the table of releases and variables).

    Raises
    ------
    ReadError
        Empty, truncated or malformed file; missing required column; unknown
        ``geography``; the wide count-less schema; duplicate rows that
        disagree (e.g. two releases mixed without distinct date windows); a
        path that is not a path; a symbolic link out of a release folder
        (never followed); a ``level`` that is not a non-negative integer.
    UnknownLayoutError
        A file matching no known AEI layout (the message names the file).
    TooLargeError
        The dense arrays would exceed :data:`MEMORY_FACTOR` times the files'
        size (at least 64 MB); the message gives the sizes.
    DataValueError
        Non-numeric, negative or fractional count; unknown ISO or state code;
        a percentage facet summing to more than 100 within a geo; a date
        window that is not ``YYYY-MM-DD`` or ends before it starts; a geo
        other than ``GLOBAL`` under ``geography = global``; a request with
        two parents; counts whose sum overflows.

    Notes
    -----
    ``geography`` is part of every key (ISO-2 ``DE`` Germany vs state ``DE``
    Delaware); countries are labelled by ISO-3, states by USPS code, usage
    that could not be located by ``not_classified`` (countries) or
    ``not_classified_us`` (states). A cell absent from the file is NaN, never
    zero. Task statements are lower-cased and mapped to their SOC major
    group (``soc_major``; ``"unknown"`` where the vendored O*NET subset lacks
    them, counted in the report).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from econindex.io._layouts import REQUIRED_COLUMNS
    >>> csv = ",".join(REQUIRED_COLUMNS) + '''
    ... NA,country,2025-08-04,2025-08-11,Claude AI (Free and Pro),country,0,usage_count,NA,250
    ... DE,country,2025-08-04,2025-08-11,Claude AI (Free and Pro),country,0,usage_count,DE,9000
    ... DE,state_us,2025-08-04,2025-08-11,Claude AI (Free and Pro),state_us,0,usage_count,DE,400
    ... '''
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "aei_raw.csv"
    >>> _ = p.write_text(csv)
    >>> ds = read_aei(p)
    >>> ds["usage_count"].sel(geo=["NAM", "DEU", "DE"]).values.tolist()
    [250.0, 9000.0, 400.0]
    >>> json.loads(ds.attrs["ingest_report"])["rows_kept"]
    3
    """
    paths, trees = _expand_paths(path_or_paths)
    groups = _classify(paths)
    if list(groups) == ["long"]:
        return _read_long(groups["long"], trees)
    return _read_releases(groups, trees)


def _header_columns(path: Path) -> list[str]:
    header = _first_line(path) if path.stat().st_size else ""
    return [c.strip().strip('"').strip() for c in header.rstrip("\r\n").split(",")]


def _classify(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """Group files by layout family from their header.

    ``long`` (releases 3-5), ``early`` (releases 1-2), ``reference`` (the
    O*NET/SOC tables shipped with releases 1-2), ``cadence`` (release 6).
    Anything else is ``long``, whose reader refuses it naming the columns
    each layout expects.
    """
    groups: dict[str, list[Path]] = {}
    for p in paths:
        try:
            columns = _header_columns(p)
        except (ReadError, UnicodeDecodeError):
            columns = []  # the long reader says what is wrong with the file
        role = early_role(columns)
        kind = "long" if role is None else ("reference" if role == "reference" else "early")
        if is_cadence(columns):
            kind = "cadence"
        groups.setdefault(kind, []).append(p)
    return groups


def _read_releases(groups: dict[str, list[Path]], trees: Sequence[Path]) -> xr.Dataset:
    """Read each layout family with its adapter and combine them along ``period``."""
    reference = [(p, _reference_kind(p), _count_rows(p)) for p in groups.get("reference", [])]
    # every long and release 6 file is parsed one ahead of its routing (ParseAhead), so the routing's
    # one thread and pyarrow's parse threads overlap
    jobs = [(p, _parse) for p in groups.get("long", [])]
    jobs += [(p, cadence_parse) for p in groups.get("cadence", [])]
    with ParseAhead(jobs) as ahead:
        return _read_parts(groups, trees, reference, ahead)


def _read_parts(
    groups: dict[str, list[Path]],
    trees: Sequence[Path],
    reference: list[tuple[Path, str, int]],
    ahead: ParseAhead,
) -> xr.Dataset:
    parts: list[xr.Dataset] = []
    extra: list[dict[str, Any]] = []
    if "long" in groups:
        parts.append(_read_long(groups["long"], trees, parse=ahead.take))
    if "early" in groups:
        early, entries = read_early(groups["early"], reference)
        early.attrs["ingest_report"] = json.dumps({"files": entries})
        parts.append(validate(early))
    elif reference:
        extra = [
            {"file": p.name, "layout": "reference", "rows_read": n, "rows_kept": 0,
             "rows_dropped": {f"reference table ({kind}), not usage data": n}}
            for p, kind, n in reference
        ]  # fmt: skip
    if "cadence" in groups:
        parts.append(validate(read_cadence(groups["cadence"], parse=ahead.take)))
    if not parts:
        names = [p.name for p, _, _ in reference]
        raise ReadError(f"read_aei: {names} are reference tables (O*NET, SOC), not usage data")
    ds = combine(parts, extra)
    add_units(ds)
    # each part's values were checked above, on its own (smaller) arrays; the panel holds exactly those
    # cells (and NaN), so its values are not scanned again (700 MB at full size)
    return validate(ds, check_values=False)


def _reference_kind(path: Path) -> str:
    columns = set(_header_columns(path))
    return next(k for k, h in REFERENCE_HEADERS.items() if set(h) <= columns)


def _count_rows(path: Path) -> int:
    """Data rows of a CSV (quoted newlines respected)."""
    opts = pacsv.ConvertOptions(include_columns=[])
    return int(pacsv.read_csv(path, convert_options=opts).num_rows)


def _read_long(
    paths: Sequence[Path],
    trees: Sequence[Path],
    *,
    check: bool = True,
    parse: Callable[[Path], Any] | None = None,
) -> xr.Dataset:
    """The long format of releases 3-5 (raw or enriched), every file at once.

    ``parse`` gives each file's parse (a :class:`ParseAhead`'s ``take``); by
    default the files are parsed one ahead of their routing.
    """
    if parse is None and len(paths) > 1:
        with ParseAhead([(p, _parse) for p in paths]) as ahead:
            return _read_long(paths, trees, check=check, parse=ahead.take)
    statuses: list[_Status] = []
    files: list[_FileRows] = []
    offset = 0
    for p in paths:
        fr = _read_file(p, offset, statuses, parse or _parse)
        files.append(fr)
        offset += fr.n_rows
    status = _Status(offset)
    reasons: list[str] = [""]
    for fr, st in zip(files, statuses, strict=True):
        for r in st.reasons:
            if r not in reasons:
                reasons.append(r)
        remap = np.array([reasons.index(r) for r in st.reasons], dtype=np.int16)
        status.code[fr.offset : fr.offset + fr.n_rows] = remap[st.code]
    status.reasons = reasons
    ds = _assemble(files, status, trees, check=check)
    if "period" in ds.dims:  # releases 3-5 give inclusive windows
        starts, ends = list(ds["date_start"].values), list(ds["date_end"].values)
        check_windows(starts, ends, [False] * len(starts), ", ".join(f.name for f in files))
    return ds


def _assemble(
    files: list[_FileRows], status: _Status, trees: Sequence[Path] = (), *, check: bool = True
) -> xr.Dataset:
    names = [f.name for f in files]
    # periods
    used_periods = [
        {str(f.periods[k]) for c in f.chunks for k in _used(c.period, len(f.periods))} for f in files
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
        {str(f.platforms[p]) for f in files for c in f.chunks for p in _used(c.platform, len(f.platforms))}
    )
    has_period = len(all_periods) > 1
    has_platform = len(all_platforms) > 1

    geo_labels, geo_levels, geo_names = _geo_table(files)

    # dims of each target
    targets: dict[str, list[tuple[_FileRows, _Chunk]]] = {}
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
    for var, (units, long_name) in _SHARE_TARGETS.items():
        if var in ds.data_vars:
            ds[var].attrs.update(units=units, long_name=long_name)
    if "task_count" in ds.data_vars or "task_share_published" in ds.data_vars:
        ds.attrs["task_cells_note"] = (
            "task cells below the release's privacy threshold are absent (NaN): per-geo task mixes "
            "are truncated"
        )
    ds.attrs["ingest_report"] = _report(files, status, ds, n_unknown_soc, hierarchy_report)
    return validate(ds) if check else ds


_LABEL_DIMS = ("task", "request", "pattern")


def _geo_table(files: list[_FileRows]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    files: list[_FileRows],
    status: _Status,
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


def _locate(files: list[_FileRows], row: int) -> tuple[str, int]:
    for f in files:
        if f.offset <= row < f.offset + f.n_rows:
            return f.name, row - f.offset + 1
    return "?", row


def _report(
    files: list[_FileRows],
    status: _Status,
    ds: xr.Dataset,
    n_unknown_soc: int,
    hierarchy: dict[str, Any] | None = None,
) -> str:
    per_file = []
    tot_dropped: dict[str, int] = {}
    for f in files:
        codes = status.code[f.offset : f.offset + f.n_rows]
        counts = np.bincount(codes, minlength=len(status.reasons))
        dropped = {status.reasons[k]: int(counts[k]) for k in range(1, len(counts)) if counts[k]}
        for k, n in dropped.items():
            tot_dropped[k] = tot_dropped.get(k, 0) + n
        per_file.append(
            {
                "file": f.name,
                "layout": f.layout,
                "rows_read": f.n_rows,
                "rows_kept": int(counts[0]),
                "rows_dropped": dropped,
            }
        )
    missing: dict[str, list[str]] = {}
    geo_level = np.asarray(ds["geo_level"].values).astype(str)
    geo_ids = np.asarray(ds["geo"].values).astype(str)
    for var in ds.data_vars:
        da = ds[var]
        if "geo" not in da.dims:
            continue
        vals = np.moveaxis(np.asarray(da.values), da.dims.index("geo"), 0)
        has = np.isfinite(vals).reshape(vals.shape[0], -1).any(axis=1)
        at_levels = np.isin(geo_level, np.unique(geo_level[has]))
        absent = geo_ids[at_levels & ~has]
        if absent.size:
            missing[str(var)] = absent.tolist()
    report = {
        "files": per_file,
        "rows_read": int(sum(f.n_rows for f in files)),
        "rows_kept": int((status.code == 0).sum()),
        "rows_dropped": tot_dropped,
        "tasks_without_soc_major": n_unknown_soc,
        "geos_absent_by_variable": missing,
    }
    if hierarchy is not None:
        report["request_hierarchy"] = hierarchy
    return json.dumps(report)


# --- writing ---------------------------------------------------------------------------------------
def _label(arr: np.ndarray) -> np.ndarray:
    return np.asarray(arr, dtype=object).astype(str)


class _Writer:
    """Collects long-format row blocks (dictionary-encoded) and writes them once."""

    def __init__(self, ds: xr.Dataset) -> None:
        self.ds = ds
        self.blocks: list[pa.Table] = []
        geo = _label(ds["geo"].values)
        level = _label(ds["geo_level"].values)
        out_id = np.where(np.isin(geo, UNLOCATED_LABELS), "not_classified", geo)
        self.geo_id = out_id
        self.geography = np.where(level == "subdivision", "country-state", level)  # BR-SP etc.
        self.geo_name = _label(ds["geo_name"].values) if "geo_name" in ds.coords else geo
        if "period" in ds.dims:
            self.starts = _label(
                ds["date_start"].values if "date_start" in ds.coords else ds["period"].values
            )
            self.ends = (
                _label(ds["date_end"].values) if "date_end" in ds.coords else np.full(len(self.starts), "")
            )
        else:
            self.starts = np.array([str(ds.attrs.get("date_start", ""))])
            self.ends = np.array([str(ds.attrs.get("date_end", ""))])
        if "platform" in ds.dims:
            plats = _label(ds["platform"].values)
        else:
            plats = np.array([str(ds.attrs.get("platform", "claude_ai"))])
        self.platforms = np.array([_PLATFORM_OUT.get(p, p) for p in plats])

    def emit(
        self,
        da: xr.DataArray,
        facet: str,
        variable: str,
        cluster: str,
        scale: float = 1.0,
        geo_facet: bool = False,
    ) -> None:
        """Write the finite cells of ``da`` as rows; ``cluster`` says how to name them.

        ``cluster``: "geo" (the geo id), "task", "pattern", "request",
        "task::pattern", "request::pattern", "task::index", or a literal
        prefixed with "=".
        """
        core = [d for d in ("geo", "task", "request", "pattern") if d in da.dims]
        extra = [d for d in ("period", "platform") if d in da.dims]
        da = da.transpose(*core, *extra)
        vals = np.asarray(da.values, dtype=float)
        mask = np.isfinite(vals)
        if not mask.any():
            return
        idx: dict[str, np.ndarray] = dict(zip([*core, *extra], np.nonzero(mask), strict=True))
        n = int(mask.sum())
        zeros = np.zeros(n, dtype=np.int32)
        gi: np.ndarray = idx.get("geo", zeros)
        if "geo" not in core:
            glob = np.flatnonzero(_label(self.ds["geo"].values) == "GLOBAL")
            geo_ids, geographies, geo_names = np.array(["GLOBAL"]), np.array(["global"]), np.array(["Global"])
            if glob.size:
                geo_names = self.geo_name[glob[:1]]
            gi = zeros
        else:
            geo_ids, geographies, geo_names = self.geo_id, self.geography, self.geo_name
        pi = idx.get("period", zeros)
        fi = idx.get("platform", zeros)
        level_tab, level_idx = np.array(["0"]), zeros
        if cluster == "geo":
            ctab, ci = geo_ids, gi
        elif cluster.startswith("="):
            ctab, ci = np.array([cluster[1:]]), zeros
        else:
            parts = cluster.split("::")
            tabs = [
                _label(da[p].values) if p in ("task", "request", "pattern") else np.array([p]) for p in parts
            ]
            ids = [idx[p] if p in idx else zeros for p in parts]
            if len(tabs) == 1:
                ctab, ci = tabs[0], ids[0]
            else:
                ctab = np.char.add(
                    np.char.add(tabs[0][:, None].astype(str), "::"), tabs[1][None, :].astype(str)
                ).ravel()
                ci = ids[0].astype(np.int64) * len(tabs[1]) + ids[1]
            if "request" in parts and "request_level" in da.coords:
                lv = np.asarray(da["request_level"].values)
                level_tab, level_inv = np.unique(lv.astype(str), return_inverse=True)
                level_idx = np.asarray(level_inv[idx["request"]], dtype=np.int32)

        self._add(
            geo_ids,
            geographies,
            geo_names,
            gi,
            pi,
            fi,
            facet,
            variable,
            level_tab,
            level_idx,
            ctab,
            ci,
            vals[mask] * scale if scale != 1.0 else vals[mask],
        )

    def emit_rows(self, facet: str, variable: str, clusters: np.ndarray, values: np.ndarray) -> None:
        """Write metadata rows at ``GLOBAL`` (first period and platform) with the given cluster names."""
        n = len(clusters)
        if n == 0:
            return
        z = np.zeros(n, dtype=np.int32)
        self._add(
            np.array(["GLOBAL"]),
            np.array(["global"]),
            np.array(["Global"]),
            z,
            z,
            z,
            facet,
            variable,
            np.array(["0"]),
            z,
            np.asarray(clusters, dtype=object),
            np.arange(n),
            np.asarray(values, float),
        )

    def _add(
        self,
        geo_ids: np.ndarray,
        geographies: np.ndarray,
        geo_names: np.ndarray,
        gi: np.ndarray,
        pi: np.ndarray,
        fi: np.ndarray,
        facet: str,
        variable: str,
        level_tab: np.ndarray,
        level_idx: np.ndarray,
        ctab: np.ndarray,
        ci: np.ndarray,
        values: np.ndarray,
    ) -> None:
        def col(tab: np.ndarray, i: np.ndarray) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(
                pa.array(np.asarray(i, dtype=np.int32)), pa.array(np.asarray(tab, dtype=object).astype(str))
            )

        zeros = np.zeros(len(values), dtype=np.int32)
        self.blocks.append(
            pa.table(
                {
                    "geo_id": col(geo_ids, gi),
                    "geography": col(geographies, gi),
                    "date_start": col(self.starts, pi),
                    "date_end": col(self.ends, pi),
                    "platform_and_product": col(self.platforms, fi),
                    "facet": col(np.array([facet]), zeros),
                    "level": col(level_tab, level_idx),
                    "variable": col(np.array([variable]), zeros),
                    "cluster_name": col(ctab, ci),
                    "value": pa.array(np.asarray(values, dtype=float)),
                    "geo_name": col(geo_names, gi),
                }
            )
        )

    def write(self, path: Path) -> None:
        cols = [*REQUIRED_COLUMNS, "geo_name"]
        if not self.blocks:
            raise SchemaError("write_aei: the dataset has no variable the AEI format can hold")
        tables = [
            t.select(cols).cast(
                pa.schema([(c, pa.string()) if c != "value" else (c, pa.float64()) for c in cols])
            )
            for t in self.blocks
        ]
        table = pa.concat_tables(tables)
        opts = pacsv.WriteOptions(quoting_style="needed")
        if path.name.endswith(".gz"):
            with pa.CompressedOutputStream(str(path), "gzip") as out:
                pacsv.write_csv(table, out, write_options=opts)
        else:
            pacsv.write_csv(table, str(path), write_options=opts)


def _level_sum(da: xr.DataArray, ds: xr.Dataset) -> xr.DataArray:
    """Sum over the geos of each geo_level, broadcast back to every geo."""
    level = ds["geo_level"]
    totals = da.groupby(level).sum("geo", min_count=1)
    return totals.sel(geo_level=level).drop_vars("geo_level", errors="ignore")


def _usage_index(ds: xr.Dataset) -> xr.DataArray:
    """Release convention: usage share (incl. the unlocated geo) / working-age population share.

    Uses :func:`econindex.indices.usage_index` (``reference=None``, the release
    convention) per level; falls back to the same formula inline where that
    function refuses the data (e.g. a located geo without population).
    """
    out = xr.full_like(ds["usage_count"], np.nan)
    levels = set(map(str, ds["geo_level"].values)) & {"country", "state_us"}
    try:
        from econindex.indices import usage_index
    except ImportError:  # pragma: no cover - indices is part of the package
        usage_index = None  # type: ignore[assignment]
    for lv in sorted(levels):  # at most two levels
        try:
            if usage_index is None:
                raise SchemaError("econindex.indices unavailable")
            aui = usage_index(ds, level=lv, keep_all=True).drop_vars("eligible", errors="ignore")
            out = out.fillna(aui.reindex_like(out))
        except (SchemaError, DataValueError):
            inline = _usage_index_inline(ds)
            out = out.fillna(inline.where(ds["geo_level"] == lv))
    return out


def _usage_index_inline(ds: xr.Dataset) -> xr.DataArray:
    usage, pop = ds["usage_count"], ds["working_age_pop"]
    located = ds["located"] if "located" in ds.coords else xr.ones_like(usage, dtype=bool)
    usage_share = usage / _level_sum(usage, ds)
    pop_ok = pop.where(usage.notnull() & located)
    pop_share = pop_ok / _level_sum(pop_ok, ds)
    return (usage_share / pop_share).where(ds["geo_level"] != "global")


_WRITTEN = {
    "usage_count", "usage_index", "usage_share_published", "working_age_pop", "gdp", "task_count",
    "task_share_published", "pattern_count", "pattern_share_published", "automation_share",
    "expected_automation", "request_count", "request_share_published", "task_pattern_count",
    "task_pattern_share", "request_pattern_count", "request_pattern_share", "cost_index",
    "prompt_tokens_index", "completion_tokens_index", "flagged_count",
}  # fmt: skip


def write_aei(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` as an enriched AEI long-format CSV (``.csv`` or ``.csv.gz``).

    Counts are written under their release names (``usage_count``,
    ``onet_task_count``, ``collaboration_count``, ``request_count``,
    ``onet_task_collaboration_count``, ``request_collaboration_count``), with
    the derived variables of the enriched release: ``usage_pct``,
    ``usage_per_capita``, ``usage_per_capita_index``, ``working_age_pop``,
    ``gdp_per_working_age_capita``, ``onet_task_pct``, ``collaboration_pct``,
    ``request_pct``, ``automation_pct``/``augmentation_pct`` (facet
    ``collaboration_automation_augmentation``, classified base),
    ``onet_task_collaboration_pct`` and ``request_collaboration_pct`` for
    ``GLOBAL``, and the API ``cost_index``/token indices. Percentages are
    written as 0..100. Published figures without counts are written under
    the variable they came from. ``flagged_count`` and
    ``expected_automation_pct`` (facet ``econindex``) are econindex's own
    additions; tools written for the release ignore them.

    Parameters
    ----------
    ds : xarray.Dataset
        A canonical dataset (validated first).
    path : path
        Output file; ``.gz`` compresses.

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    ``usage_per_capita_index`` follows the release convention: a geo's share
    of usage at its level (the unlocated geo's usage included in the total)
    divided by its share of working-age population among the located geos of
    that level with usage and population. Where the dataset carries a
    published ``usage_index`` it is written instead (the release's own
    reference set). ``read_aei(write_aei(ds))`` returns the same counts
    exactly (values are written with round-trip precision).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import econindex as ei
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> p = write_aei(ds, pathlib.Path(tempfile.mkdtemp()) / "aei_enriched.csv")
    >>> back = read_aei(p)
    >>> bool((back["usage_count"].sel(geo=ds["geo"].values) == ds["usage_count"]).all())
    True
    """
    validate(ds)
    out = Path(path)
    w = _Writer(ds)
    level = ds["geo_level"]
    has = ds.data_vars.__contains__

    def per_level(da: xr.DataArray, variable: str, scale: float = 1.0) -> None:
        # the facet of a geo row is its geography; three levels, not a loop over geos
        for lv in ("global", "country", "state_us", "subdivision"):
            facet = "country-state" if lv == "subdivision" else lv
            w.emit(da.where(level == lv), facet, variable, "geo", scale)

    if has("usage_count"):
        u = ds["usage_count"]
        per_level(u, "usage_count")
        per_level(u / _level_sum(u, ds), "usage_pct", 100.0)
        if has("working_age_pop"):
            per_level(u / ds["working_age_pop"], "usage_per_capita")
    if has("usage_index"):
        per_level(ds["usage_index"], "usage_per_capita_index")
    elif has("usage_count") and has("working_age_pop"):
        per_level(_usage_index(ds), "usage_per_capita_index")
    if has("usage_share_published") and not has("usage_count"):
        per_level(ds["usage_share_published"], "usage_pct", 100.0)
    if has("working_age_pop"):
        per_level(ds["working_age_pop"], "working_age_pop")
        if has("gdp"):
            per_level(ds["gdp"] / ds["working_age_pop"], "gdp_per_working_age_capita")
            lost = ds["gdp"].notnull() & ds["working_age_pop"].isnull()
            if bool(lost.any()):
                warnings.warn(
                    "write_aei: gdp of geos without working_age_pop is not written "
                    "(the release format holds GDP per working-age capita)",
                    UserWarning,
                    stacklevel=2,
                )

    if has("task_count"):
        t = ds["task_count"]
        w.emit(t, "onet_task", "onet_task_count", "task")
        w.emit(t / t.sum("task", min_count=1), "onet_task", "onet_task_pct", "task", 100.0)
    elif has("task_share_published"):
        w.emit(ds["task_share_published"], "onet_task", "onet_task_pct", "task", 100.0)

    auto = None
    if has("pattern_count"):
        pcount = ds["pattern_count"]
        w.emit(pcount, "collaboration", "collaboration_count", "pattern")
        w.emit(
            pcount / pcount.sum("pattern", min_count=1),
            "collaboration",
            "collaboration_pct",
            "pattern",
            100.0,
        )
        classified = pcount.sel(pattern=[p for p in CLASSIFIED_PATTERNS if p in pcount["pattern"].values])
        autos = classified.sel(pattern=[p for p in AUTOMATION_PATTERNS if p in classified["pattern"].values])
        auto = autos.sum("pattern", min_count=1) / classified.sum("pattern", min_count=1)
    elif has("pattern_share_published"):
        sh = ds["pattern_share_published"]
        w.emit(sh, "collaboration", "collaboration_pct", "pattern", 100.0)
    if auto is None and has("automation_share"):
        auto = ds["automation_share"]
    if auto is not None:
        cf = "collaboration_automation_augmentation"
        w.emit(auto, cf, "automation_pct", "=automation", 100.0)
        w.emit(1.0 - auto, cf, "augmentation_pct", "=augmentation", 100.0)
    if has("expected_automation"):
        w.emit(
            ds["expected_automation"], _EXT_FACET, "expected_automation_pct", "=expected_automation", 100.0
        )

    if has("request_count"):
        rc = ds["request_count"]
        w.emit(rc, "request", "request_count", "request")
        if "request_level" in rc.coords:
            lvl = rc["request_level"]
            tot = (
                rc.groupby(lvl).sum("request", min_count=1).sel(request_level=lvl).drop_vars("request_level")
            )
        else:
            tot = rc.sum("request", min_count=1)
        w.emit(rc / tot, "request", "request_pct", "request", 100.0)
    elif has("request_share_published"):
        w.emit(ds["request_share_published"], "request", "request_pct", "request", 100.0)

    for base, count_var, share_var in (
        ("onet_task", "task_pattern_count", "task_pattern_share"),
        ("request", "request_pattern_count", "request_pattern_share"),
    ):
        dim = "task" if base == "onet_task" else "request"
        facet = f"{base}::collaboration"
        if has(count_var):
            w.emit(ds[count_var], facet, f"{base}_collaboration_count", f"{dim}::pattern")
        share = None
        if has(share_var):
            share = ds[share_var]
        elif has(count_var) and "GLOBAL" in ds["geo"].values:
            g = ds[count_var].sel(geo="GLOBAL")
            share = g / g.sum("pattern", min_count=1)
        if share is not None:
            w.emit(share, facet, f"{base}_collaboration_pct", f"{dim}::pattern", 100.0)

    for var in ("cost_index", "prompt_tokens_index", "completion_tokens_index"):
        if has(var):
            w.emit(ds[var], f"onet_task::{var.removesuffix('_index')}", var, "task::index")
    if has("flagged_count"):
        fc = ds["flagged_count"]
        if "task" in fc.dims:
            w.emit(fc, _EXT_FACET, "flagged_task_count", "task")
        else:
            w.emit(fc, _EXT_FACET, "flagged_count", "geo")
    skipped = sorted(set(map(str, ds.data_vars)) - _WRITTEN)
    if skipped:
        warnings.warn(
            f"write_aei: variable(s) {skipped} have no place in the AEI long format and are not written",
            UserWarning,
            stacklevel=2,
        )
    if "soc_major" in ds.coords and "task" in ds.dims:
        soc = pd.Series(_label(ds["soc_major"].values))
        digit = soc.str.fullmatch(r"\d+").to_numpy()
        w.emit_rows(
            _EXT_FACET,
            "task_soc_major",
            _label(ds["task"].values)[digit],
            soc[digit].astype(float).to_numpy(),
        )
    if "parent_request" in ds.coords and "request" in ds.dims:
        par = _label(ds["parent_request"].values)
        has_par = par != ""
        child = _label(ds["request"].values)[has_par]
        w.emit_rows(
            _EXT_FACET,
            "request_parent",
            np.char.add(np.char.add(child, "::"), par[has_par]),
            np.ones(int(has_par.sum())),
        )
    w.write(out)
    return out
