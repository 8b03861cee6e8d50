"""ISO 3166-2 subdivision codes (``US-VA``, ``BR-SP``) as ``geo`` labels.

US subdivisions are checked exactly (the 50 states, DC, and the six
outlying areas of ISO 3166-2:US) and become ``state_us`` geos labelled by
their USPS code (``VA``, ``PR``). Other countries' subdivisions are checked
by pattern only: a known ISO 3166-1 alpha-2 (or alpha-3) prefix, a hyphen
and one to three letters or digits (``BR-SP``, ``GB-ENG``); the full ISO
3166-2 list is not vendored, so a well-formed code of a real country that
does not exist (``BR-ZZ``) passes. They become ``subdivision`` geos keeping
their code (prefix ISO-2) as label. ``XX-not_classified`` (and a bare
``not_classified``) is the unlocated subdivision usage,
``not_classified_subdivision``; ``US-not_classified`` is the US one,
``not_classified_us``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from econindex.errors import DataValueError
from econindex.geography import US_STATES, iso_table
from econindex.schema import UNLOCATED, UNLOCATED_SUBDIVISION

__all__ = ["US_TERRITORIES", "Subdivisions", "map_subdivisions"]

US_TERRITORIES: dict[str, str] = {
    "AS": "American Samoa",
    "GU": "Guam",
    "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico",
    "UM": "United States Minor Outlying Islands",
    "VI": "Virgin Islands, U.S.",
}
"""ISO 3166-2:US outlying areas (subdivisions of the US that are not states)."""

_UNLOCATED = ("not_classified", "NOT_CLASSIFIED", "unknown", "not_located")
_CODE = re.compile(r"^([A-Z]{2,3})-([A-Z0-9]{1,3})$")


@dataclass(frozen=True)
class Subdivisions:
    """Labels, levels, names and parents of subdivision codes (one entry per code)."""

    label: np.ndarray
    level: np.ndarray
    name: np.ndarray
    parent: np.ndarray


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """ISO-2 -> ISO-3 and ISO-3 -> ISO-2."""
    iso = iso_table()
    a2, a3 = iso["iso_alpha_2"].tolist(), iso["iso_alpha_3"].tolist()
    return dict(zip(a2, a3, strict=True)), dict(zip(a3, a2, strict=True))


def map_subdivisions(codes: np.ndarray, file: str) -> Subdivisions:
    """Map distinct ISO 3166-2 codes to geo labels; raise naming the code and file if one does not exist.

    Examples
    --------
    >>> s = map_subdivisions(["US-VA", "US-PR", "BR-SP", "XX-not_classified"], "f.csv")
    >>> s.label.tolist()
    ['VA', 'PR', 'BR-SP', 'not_classified_subdivision']
    >>> s.level.tolist()
    ['state_us', 'state_us', 'subdivision', 'subdivision']
    >>> map_subdivisions(["US-ZZ"], "f.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    econindex.errors.DataValueError: f.csv: subdivision code 'US-ZZ' does not exist (ISO 3166-2:US: ...
    """
    a2_to_a3, a3_to_a2 = _countries()
    n = len(codes)
    label = np.full(n, "", dtype=object)
    level = np.full(n, "", dtype=object)
    name = np.full(n, "", dtype=object)
    parent = np.full(n, "", dtype=object)
    for i, raw in enumerate(map(str, codes)):  # distinct codes (a few hundred), not rows
        code = raw.strip()
        prefix, _, sub = code.partition("-")
        if code in _UNLOCATED or (sub in _UNLOCATED and prefix not in ("US", "USA")):
            label[i], level[i], parent[i] = UNLOCATED_SUBDIVISION, "subdivision", "GLOBAL"
            name[i] = "Not classified (subdivision)"
            continue
        if prefix in ("US", "USA"):
            if sub in _UNLOCATED:
                label[i], level[i], parent[i] = UNLOCATED["state_us"], "state_us", "USA"
            elif sub in US_STATES or sub in US_TERRITORIES:
                label[i], level[i], parent[i] = sub, "state_us", "USA"
                name[i] = US_STATES[sub][0] if sub in US_STATES else US_TERRITORIES[sub]
            else:
                raise DataValueError(
                    f"{file}: subdivision code {code[:40]!r} does not exist (ISO 3166-2:US: the 50 states, "
                    f"DC and {', '.join(US_TERRITORIES)})"
                )
            continue
        m = _CODE.match(code)
        a2 = prefix if prefix in a2_to_a3 else a3_to_a2.get(prefix, "")
        if m is None or not a2:
            why = "unknown country prefix" if m is not None else "not of the form CC-XXX"
            raise DataValueError(
                f"{file}: subdivision code {code[:40]!r} does not exist ({why}; ISO 3166-2 codes are a "
                "known ISO 3166-1 country code, '-', and 1-3 letters or digits)"
            )
        label[i], level[i], parent[i] = f"{a2}-{m.group(2)}", "subdivision", a2_to_a3[a2]
    return Subdivisions(label=label, level=level, name=name, parent=parent)
