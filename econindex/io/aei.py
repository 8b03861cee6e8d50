"""Read and write the Anthropic Economic Index release files.

:func:`read_aei` turns one CSV, several CSVs, a release folder or a folder of
release folders (releases 1 to 6, Claude.ai and 1P API) into the canonical
:class:`xarray.Dataset` of :mod:`econindex.schema`; :func:`write_aei` writes a
dataset back as an enriched AEI long file. Every input row is accounted for
in ``ds.attrs["ingest_report"]``.

The pieces, one module each: :mod:`econindex.io._paths` (which files, which
layout family), :mod:`econindex.io._csv` (parsing a long CSV),
:mod:`econindex.io._specs` (release variable -> dataset variable),
:mod:`econindex.io._long` (routing one file's rows), :mod:`econindex.io._assemble`
(the long files into one dataset), :mod:`econindex.io._ingest` (its ingest
report), :mod:`econindex.io._early` (releases 1-2), :mod:`econindex.io._cadence`
(release 6), :mod:`econindex.io._releases` (several releases into one panel)
and :mod:`econindex.io._write` (writing).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from econindex.errors import ReadError
from econindex.io._ahead import ParseAhead
from econindex.io._assemble import MEMORY_FACTOR as MEMORY_FACTOR
from econindex.io._assemble import read_long
from econindex.io._cadence import parse as cadence_parse
from econindex.io._cadence import read_cadence
from econindex.io._csv import parse_long
from econindex.io._early import read_early
from econindex.io._onet import task_soc_major
from econindex.io._paths import classify, count_rows, expand_paths, reference_kind
from econindex.io._releases import combine
from econindex.io._specs import PLATFORMS
from econindex.io._write import write_aei
from econindex.schema import (
    add_units,
    validate,
)

__all__ = ["read_aei", "write_aei", "task_soc_major", "PLATFORMS"]


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
        In a panel of several releases, large variables that the releases
        fill sparsely (the task and request cells) are held as their cells
        and built as dense arrays when first used (``ds.load()`` builds them
        all), as ``xarray.open_dataset`` does for a file.

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
    paths, trees = expand_paths(path_or_paths)
    groups = classify(paths)
    if list(groups) == ["long"]:
        return read_long(groups["long"], trees)
    return _read_releases(groups, trees)


def _read_releases(groups: dict[str, list[Path]], trees: Sequence[Path]) -> xr.Dataset:
    """Read each layout family with its adapter and combine them along ``period``."""
    # every long and release 6 file is parsed up to two ahead of its routing (ParseAhead), so the routing's
    # one thread and pyarrow's parse threads overlap; the first parse starts before anything else
    jobs = [(p, parse_long) for p in groups.get("long", [])]
    jobs += [(p, cadence_parse) for p in groups.get("cadence", [])]
    with ParseAhead(jobs) as ahead:
        return _read_parts(groups, trees, ahead)


def _read_parts(groups: dict[str, list[Path]], trees: Sequence[Path], ahead: ParseAhead) -> xr.Dataset:
    reference = [(p, reference_kind(p), count_rows(p)) for p in groups.get("reference", [])]
    extra: list[dict[str, Any]] = []
    early = None
    if "early" in groups:  # small files, read while the first large one is parsed
        early, entries = read_early(groups["early"], reference)
        early.attrs["ingest_report"] = json.dumps({"files": entries})
        early = validate(early)
    elif reference:
        extra = [
            {"file": p.name, "layout": "reference", "rows_read": n, "rows_kept": 0,
             "rows_dropped": {f"reference table ({kind}), not usage data": n}}
            for p, kind, n in reference
        ]  # fmt: skip
    parts: list[xr.Dataset] = []
    if "long" in groups:
        parts.append(read_long(groups["long"], trees, parse=ahead.take))
    if early is not None:
        parts.append(early)
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


