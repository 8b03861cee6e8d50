"""Which files a ``read_aei`` call reads, and which layout family each belongs to (from its header)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv

from econindex.errors import ReadError, excerpt
from econindex.io._cadence import is_cadence
from econindex.io._csv import header_columns
from econindex.io._early import REFERENCE_HEADERS, early_role
from econindex.io.hierarchy import is_hierarchy_file

__all__ = ["classify", "count_rows", "expand_paths", "reference_kind"]


def expand_paths(path_or_paths: Any) -> tuple[list[Path], list[Path]]:
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


def classify(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """Group files by layout family from their header.

    ``long`` (releases 3-5), ``early`` (releases 1-2), ``reference`` (the
    O*NET/SOC tables shipped with releases 1-2), ``cadence`` (release 6).
    Anything else is ``long``, whose reader refuses it naming the columns
    each layout expects.
    """
    groups: dict[str, list[Path]] = {}
    for p in paths:
        try:
            columns = header_columns(p)
        except (ReadError, UnicodeDecodeError):
            columns = []  # the long reader says what is wrong with the file
        role = early_role(columns)
        kind = "long" if role is None else ("reference" if role == "reference" else "early")
        if is_cadence(columns):
            kind = "cadence"
        groups.setdefault(kind, []).append(p)
    return groups


def reference_kind(path: Path) -> str:
    columns = set(header_columns(path))
    return next(k for k, h in REFERENCE_HEADERS.items() if set(h) <= columns)


def count_rows(path: Path) -> int:
    """Data rows of a CSV (quoted newlines respected)."""
    opts = pacsv.ConvertOptions(include_columns=[])
    return int(pacsv.read_csv(path, convert_options=opts).num_rows)


