"""Release layouts of the AEI files: one small adapter per layout.

A layout decides two things about a file: whether it is one the reader can
use (and if not, says why), and how its ``(geography, geo_id)`` pairs map
to the canonical ``geo`` labels of :mod:`econindex.schema` (ISO-3 for
countries, USPS codes for US states, ``GLOBAL``, and the unlocated labels).
Everything else (facets, routing, assembly, the ingest report) is shared by
:mod:`econindex.io._long` and :mod:`econindex.io._assemble`, so a later release is added here
without touching the rest.

The mapping works on the *unique* ``(geography, geo_id)`` pairs of a file
(a few hundred), never on rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from econindex.errors import DataValueError, ReadError, UnknownLayoutError, excerpt
from econindex.geography import US_STATES, iso_table
from econindex.io._cadence import CADENCE_COLUMNS
from econindex.io._early import EARLY_HEADERS
from econindex.io._subdivisions import US_TERRITORIES, map_subdivisions
from econindex.schema import UNLOCATED

__all__ = [
    "REQUIRED_COLUMNS",
    "GeoMap",
    "Layout",
    "RawLong",
    "EnrichedLong",
    "CountryStateLong",
    "LAYOUTS",
    "detect_layout",
    "check_header",
]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "geo_id",
    "geography",
    "date_start",
    "date_end",
    "platform_and_product",
    "facet",
    "level",
    "variable",
    "cluster_name",
    "value",
)
"""Columns of the AEI long format (raw and enriched files)."""

KNOWN_GEOGRAPHIES = ("global", "country", "state_us", "country-state")
_UNLOCATED_IDS = ("not_classified", "NOT_CLASSIFIED", "unknown", "not_located")
_US_PREFIXES = ("US-", "USA-")


@dataclass(frozen=True)
class GeoMap:
    """Canonical labels for the unique ``(geography, geo_id)`` pairs of one file.

    ``label`` is ``""`` where the pair is dropped; ``drop_reason`` says why
    (an ingest-report reason), ``""`` where kept.
    """

    label: np.ndarray
    level: np.ndarray
    name: np.ndarray
    drop_reason: np.ndarray


def _lookup(keys: Sequence[str] | np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Position of each code in ``keys`` (-1 where absent), by a sorted search."""
    table = np.asarray(keys, dtype=str)
    order = np.argsort(table)
    values = np.asarray(codes, dtype=str)
    if table.size == 0 or values.size == 0:
        return np.full(values.size, -1, dtype=np.int64)
    at = np.clip(np.searchsorted(table[order], values), 0, table.size - 1)
    found = table[order][at] == values
    return np.where(found, order[at], -1)


@lru_cache(maxsize=2)
def _iso_lookup(code_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Country codes of one length and their ISO-3 codes (built once)."""
    iso = iso_table()
    key = "iso_alpha_2" if code_length == 2 else "iso_alpha_3"
    return iso[key].to_numpy(dtype=str), iso["iso_alpha_3"].to_numpy(dtype=object)


_US_STATE_CODES = np.array(sorted(US_STATES), dtype=str)


class Layout:
    """Base adapter: the AEI long format with the geo conventions of a release.

    Subclasses set :attr:`name`, :attr:`description` and
    :attr:`country_code_length` and may override :meth:`map_geos`.
    """

    name = "long"
    description = "AEI long format"
    country_code_length = 3

    def map_geos(self, geography: np.ndarray, geo_id: np.ndarray, geo_name: np.ndarray, file: str) -> GeoMap:
        """Map unique ``(geography, geo_id)`` pairs to canonical geo labels.

        Raises :class:`DataValueError` naming the code and the file for an
        unknown country or state code.
        """
        geography = np.asarray(geography, dtype=object)
        geo_id = np.asarray(geo_id, dtype=object)
        n = len(geo_id)
        label = np.full(n, "", dtype=object)
        level = np.full(n, "", dtype=object)
        reason = np.full(n, "", dtype=object)
        # NumPy on the few hundred distinct pairs: pandas' string conversions cost ~10x here
        ids = geo_id.astype(str).astype(object)

        unlocated = _lookup(_UNLOCATED_IDS, ids) >= 0
        is_global = geography == "global"
        is_country = geography == "country"
        is_state = geography == "state_us"

        # global: the one world row; a country code under geography 'global' is not the world
        not_world = is_global & (ids != "GLOBAL")
        if not_world.any():
            raise DataValueError(
                f"{file}: geo_id {excerpt(ids[not_world][0])} under geography 'global' (only 'GLOBAL' is)"
            )
        label[is_global] = "GLOBAL"
        level[is_global] = "global"
        # unlocated usage at country / state level
        m = is_country & unlocated
        label[m], level[m] = UNLOCATED["country"], "country"
        m = is_state & unlocated
        label[m], level[m] = UNLOCATED["state_us"], "state_us"
        # countries
        m = is_country & ~unlocated
        if m.any():
            label[m] = self._country_labels(ids[m], file)
            level[m] = "country"
        # US states
        m = is_state & ~unlocated
        if m.any():
            codes = ids[m]
            bad = _lookup(_US_STATE_CODES, codes) < 0
            if bad.any():
                raise DataValueError(
                    f"{file}: unknown US state code(s) {sorted(set(codes[bad]))[:10]} in geography 'state_us'"
                )
            label[m], level[m] = codes, "state_us"
        rest = ~(is_global | is_country | is_state)
        if rest.any():
            self._map_other(geography, ids, rest, label, level, reason, file)
        names = np.asarray(geo_name, dtype=object) if geo_name is not None else np.full(n, "", dtype=object)
        territory = (level == "state_us") & np.isin(label, list(US_TERRITORIES)) & (names == "")
        if territory.any():  # the US_STATES table knows the 50 states and DC only
            names = names.copy()
            names[territory] = [US_TERRITORIES[t] for t in label[territory]]
        return GeoMap(label=label, level=level, name=names, drop_reason=reason)

    def _country_labels(self, codes: np.ndarray, file: str) -> np.ndarray:
        keys, iso3 = _iso_lookup(self.country_code_length)
        pos = _lookup(keys, codes)
        out = np.where(pos >= 0, iso3[pos], "").astype(object)
        bad = pos < 0
        if bad.any():
            kind = "ISO-2" if self.country_code_length == 2 else "ISO-3"
            raise DataValueError(
                f"{file}: unknown {kind} country code(s) {sorted(set(codes[bad]))[:10]} "
                f"in geography 'country' ({self.description})"
            )
        return out

    def _map_other(
        self,
        geography: np.ndarray,
        ids: np.ndarray,
        mask: np.ndarray,
        label: np.ndarray,
        level: np.ndarray,
        reason: np.ndarray,
        file: str,
    ) -> None:
        bad = sorted(set(map(str, geography[mask])))
        raise ReadError(
            f"{file}: unknown geography {bad}; this layout ({self.description}) knows "
            "'global', 'country' and 'state_us'"
        )


class RawLong(Layout):
    """Raw AEI file (``aei_raw_*``): ISO-2 country codes, no ``geo_name`` column."""

    name = "raw_long"
    description = "raw AEI long file (ISO-2 country codes)"
    country_code_length = 2


class EnrichedLong(Layout):
    """Enriched AEI file (``aei_enriched_*``): ISO-3 codes, ``geo_name``, derived variables."""

    name = "enriched_long"
    description = "enriched AEI long file (ISO-3 country codes, geo_name)"
    country_code_length = 3


class CountryStateLong(Layout):
    """Later releases: ISO 3166-2 subdivisions (``geography = 'country-state'``) worldwide.

    US subdivisions (``US-CA`` raw, ``USA-CA`` enriched, and the territories
    ``US-PR``, ``US-GU``, ``US-VI``, ...) are read as the ``state_us`` geos
    they are; other countries' subdivisions (``BR-SP``) at the
    ``subdivision`` level, their country as ``parent``; ``XX-not_classified``
    is the unlocated subdivision usage. A code that does not exist raises,
    naming the code and the file (:func:`econindex.io._subdivisions.map_subdivisions`).
    """

    name = "country_state_long"
    description = "AEI long file with ISO 3166-2 'country-state' subdivisions"

    def __init__(self, country_code_length: int) -> None:
        self.country_code_length = country_code_length

    def _map_other(
        self,
        geography: np.ndarray,
        ids: np.ndarray,
        mask: np.ndarray,
        label: np.ndarray,
        level: np.ndarray,
        reason: np.ndarray,
        file: str,
    ) -> None:
        cs = mask & (geography == "country-state")
        other = mask & ~cs
        if other.any():
            super()._map_other(geography, ids, other, label, level, reason, file)
        sub = map_subdivisions(ids[cs], file)
        label[cs], level[cs] = sub.label, sub.level


def _is_wide(columns: Sequence[str]) -> bool:
    cols = set(columns)
    long_cols = {"facet", "variable", "value", "cluster_name"}
    has_geo = bool(cols & {"geo_id", "geography", "geo_name", "iso_alpha_3", "country"})
    metric = [c for c in cols if c.endswith(("_pct", "_index", "_share"))]
    return has_geo and not (cols & long_cols) and len(metric) >= 2


ALL_LAYOUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "long": REQUIRED_COLUMNS,
    "release_6": CADENCE_COLUMNS,
    **{f"release_1_2_{role}": cols for role, cols in EARLY_HEADERS.items()},
}
"""The columns each release layout expects (an unknown header is refused naming them all)."""
LAYOUT_NAMES: dict[str, str] = {
    "long": "AEI long format (releases 3-5)",
    "release_6": "release 6 layout",
    "release_1_2_pattern": "release 1-2 pattern file (automation_vs_augmentation*.csv)",
    "release_1_2_task": "release 1-2 task file (onet_task_mappings.csv, task_pct_v*.csv)",
    "release_1_2_task_pattern": "release 1-2 by-task file (automation_vs_augmentation_by_task.csv)",
}


def check_header(columns: Sequence[str], file: str) -> None:
    """Refuse a file whose columns are not the AEI long format, saying what it is.

    Raises
    ------
    ReadError
        The wide count-less schema (recognized, refused), or long-format
        columns missing (named).
    UnknownLayoutError
        Nothing in the header matches a known AEI layout.
    """
    cols = [c.strip() for c in columns]
    if _is_wide(cols):
        raise ReadError(
            f"{file}: this is the wide AEI schema (one row per geo, published percentages and "
            "indices as columns, no conversation counts). econindex cannot recover counts, task or "
            "pattern mixes per geo from it; read the long-format release files (facet/variable/value) "
            "instead."
        )
    if not [c for c in REQUIRED_COLUMNS if c not in cols]:
        return
    # the layout whose columns the header comes closest to: name what it lacks
    best = max(ALL_LAYOUT_COLUMNS.items(), key=lambda kv: (len(set(kv[1]) & set(cols)), kv[0] == "long"))
    name, expected = best
    present = [c for c in expected if c in cols]
    if len(present) >= max(2, len(expected) // 2) and not (name == "long" and len(present) < 4):
        missing = [c for c in expected if c not in cols]
        raise ReadError(f"{file}: missing required column(s) {missing} of the {LAYOUT_NAMES[name]}")
    expected_text = "; ".join(f"{LAYOUT_NAMES[k]}: {list(v)}" for k, v in ALL_LAYOUT_COLUMNS.items())
    raise UnknownLayoutError(
        f"{file}: unknown layout; header [{', '.join(excerpt(c, 40) for c in cols[:12])}"
        f"{', ...' if len(cols) > 12 else ''}] matches no known AEI release layout (expected columns: "
        f"{expected_text})"
    )


def detect_layout(columns: Sequence[str], geographies: Sequence[str], country_ids: Sequence[str]) -> Layout:
    """Pick the adapter for a file from its header, geography values and country codes.

    Examples
    --------
    >>> cols = ["geo_id", "geography", "date_start", "date_end", "platform_and_product",
    ...         "facet", "level", "variable", "cluster_name", "value"]
    >>> detect_layout(cols, ["country"], ["DE"]).name
    'raw_long'
    >>> detect_layout([*cols, "geo_name"], ["country"], ["DEU"]).name
    'enriched_long'
    """
    enriched = "geo_name" in columns
    located = [c for c in country_ids if c not in _UNLOCATED_IDS]
    if located:
        lengths = {len(c) for c in located}
        if lengths == {2}:
            code_len = 2
        elif lengths == {3}:
            code_len = 3
        else:
            code_len = 3 if enriched else 2
    else:
        code_len = 3 if enriched else 2
    if "country-state" in set(geographies):
        return CountryStateLong(code_len)
    return EnrichedLong() if code_len == 3 else RawLong()


LAYOUTS: tuple[type[Layout], ...] = (RawLong, EnrichedLong, CountryStateLong)
"""The long-format adapters (the wide schema is recognized by :func:`check_header` and refused)."""
