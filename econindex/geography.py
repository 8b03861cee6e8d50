"""Reference tables for places: US states with Census regions and divisions, ISO country codes.

These are facts (USPS codes, Census Bureau regions and divisions, ISO 3166)
used to label the ``geo`` dimension; they are shared by the readers, the
loaders and the simulator.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["US_STATES", "us_state_table", "iso_table", "iso2_to_iso3", "geo_coords"]

# code: (name, Census region, Census division). Source: US Census Bureau,
# "Census Regions and Divisions of the United States".
US_STATES: dict[str, tuple[str, str, str]] = {
    "CT": ("Connecticut", "Northeast", "New England"),
    "ME": ("Maine", "Northeast", "New England"),
    "MA": ("Massachusetts", "Northeast", "New England"),
    "NH": ("New Hampshire", "Northeast", "New England"),
    "RI": ("Rhode Island", "Northeast", "New England"),
    "VT": ("Vermont", "Northeast", "New England"),
    "NJ": ("New Jersey", "Northeast", "Middle Atlantic"),
    "NY": ("New York", "Northeast", "Middle Atlantic"),
    "PA": ("Pennsylvania", "Northeast", "Middle Atlantic"),
    "IL": ("Illinois", "Midwest", "East North Central"),
    "IN": ("Indiana", "Midwest", "East North Central"),
    "MI": ("Michigan", "Midwest", "East North Central"),
    "OH": ("Ohio", "Midwest", "East North Central"),
    "WI": ("Wisconsin", "Midwest", "East North Central"),
    "IA": ("Iowa", "Midwest", "West North Central"),
    "KS": ("Kansas", "Midwest", "West North Central"),
    "MN": ("Minnesota", "Midwest", "West North Central"),
    "MO": ("Missouri", "Midwest", "West North Central"),
    "NE": ("Nebraska", "Midwest", "West North Central"),
    "ND": ("North Dakota", "Midwest", "West North Central"),
    "SD": ("South Dakota", "Midwest", "West North Central"),
    "DE": ("Delaware", "South", "South Atlantic"),
    "DC": ("District of Columbia", "South", "South Atlantic"),
    "FL": ("Florida", "South", "South Atlantic"),
    "GA": ("Georgia", "South", "South Atlantic"),
    "MD": ("Maryland", "South", "South Atlantic"),
    "NC": ("North Carolina", "South", "South Atlantic"),
    "SC": ("South Carolina", "South", "South Atlantic"),
    "VA": ("Virginia", "South", "South Atlantic"),
    "WV": ("West Virginia", "South", "South Atlantic"),
    "AL": ("Alabama", "South", "East South Central"),
    "KY": ("Kentucky", "South", "East South Central"),
    "MS": ("Mississippi", "South", "East South Central"),
    "TN": ("Tennessee", "South", "East South Central"),
    "AR": ("Arkansas", "South", "West South Central"),
    "LA": ("Louisiana", "South", "West South Central"),
    "OK": ("Oklahoma", "South", "West South Central"),
    "TX": ("Texas", "South", "West South Central"),
    "AZ": ("Arizona", "West", "Mountain"),
    "CO": ("Colorado", "West", "Mountain"),
    "ID": ("Idaho", "West", "Mountain"),
    "MT": ("Montana", "West", "Mountain"),
    "NV": ("Nevada", "West", "Mountain"),
    "NM": ("New Mexico", "West", "Mountain"),
    "UT": ("Utah", "West", "Mountain"),
    "WY": ("Wyoming", "West", "Mountain"),
    "AK": ("Alaska", "West", "Pacific"),
    "CA": ("California", "West", "Pacific"),
    "HI": ("Hawaii", "West", "Pacific"),
    "OR": ("Oregon", "West", "Pacific"),
    "WA": ("Washington", "West", "Pacific"),
}


def us_state_table() -> pd.DataFrame:
    """US states (50 and DC) with name, Census region and division, indexed by USPS code.

    Examples
    --------
    >>> us_state_table().loc["UT", "census_division"]
    'Mountain'
    """
    df = pd.DataFrame.from_dict(
        US_STATES, orient="index", columns=["geo_name", "census_region", "census_division"]
    )
    df.index.name = "geo"
    return df.sort_index()


@lru_cache(maxsize=1)
def iso_table() -> pd.DataFrame:
    """ISO 3166 codes: columns ``iso_alpha_2``, ``iso_alpha_3``, ``country_name``.

    ``NA`` is Namibia, never missing.

    Examples
    --------
    >>> iso_table().set_index("iso_alpha_2").loc["NA", "iso_alpha_3"]
    'NAM'
    """
    path = resources.files("econindex.datasets").joinpath("data/iso_country_codes.csv")
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, keep_default_na=False, na_values=[], dtype=str)


def iso2_to_iso3(codes: Sequence[str]) -> np.ndarray:
    """Map ISO-2 country codes to ISO-3; unknown codes map to ``""``.

    Examples
    --------
    >>> iso2_to_iso3(["DE", "NA"]).tolist()
    ['DEU', 'NAM']
    """
    table = iso_table().set_index("iso_alpha_2")["iso_alpha_3"]
    return pd.Series(list(codes), dtype=object).map(table).fillna("").to_numpy(dtype=object)


@lru_cache(maxsize=1)
def _iso3_maps() -> tuple[dict[str, str], dict[str, str]]:
    """ISO-3 code -> country name and ISO-3 -> ISO-2, built once (1 ms a call otherwise)."""
    iso = iso_table()
    alpha3 = iso["iso_alpha_3"].tolist()
    return (
        dict(zip(alpha3, iso["country_name"].tolist(), strict=True)),
        dict(zip(alpha3, iso["iso_alpha_2"].tolist(), strict=True)),
    )


@lru_cache(maxsize=1)
def _iso2_iso3() -> dict[str, str]:
    iso = iso_table()
    return dict(zip(iso["iso_alpha_2"].tolist(), iso["iso_alpha_3"].tolist(), strict=True))


def geo_coords(geo_ids: Sequence[str], levels: Sequence[str], names: Sequence[str] | None = None) -> dict:
    """Build the standard ``geo`` coordinates for labels at the given levels.

    Returns a mapping usable as ``coords=`` of an ``xr.Dataset``: ``geo``,
    ``geo_level``, ``geo_name``, ``iso2``, ``parent``, ``located``,
    ``census_region`` and ``census_division`` (empty strings off US states).

    Examples
    --------
    >>> c = geo_coords(["USA", "UT"], ["country", "state_us"])
    >>> c["parent"][1].tolist(), c["census_division"][1].tolist()
    (['GLOBAL', 'USA'], ['', 'Mountain'])
    """
    from econindex.schema import UNLOCATED_LABELS

    ids = [str(g) for g in geo_ids]
    lv = [str(v) for v in levels]
    iso3_name, iso3_iso2 = _iso3_maps()
    unlocated = set(UNLOCATED_LABELS)
    out_names, iso2, parent, region, division = [], [], [], [], []
    for g, level in zip(ids, lv, strict=True):
        st = US_STATES.get(g) if level == "state_us" else None
        if level == "global":
            out_names.append("Global")
            parent.append("")
        elif level == "country":
            out_names.append(iso3_name.get(g, g))
            parent.append("GLOBAL")
        elif level == "subdivision":  # ISO 3166-2 code outside the US ('BR-SP'); its country is the parent
            out_names.append(g)
            parent.append(_iso2_iso3().get(g.partition("-")[0], "GLOBAL"))
        else:
            out_names.append(st[0] if st else g)
            parent.append("USA")
        iso2.append(iso3_iso2.get(g, "") if level == "country" else "")
        region.append(st[1] if st else "")
        division.append(st[2] if st else "")
    if names is not None:
        out_names = [str(n) if str(n) else d for n, d in zip(names, out_names, strict=True)]
    located = [g not in unlocated for g in ids]
    return {
        "geo": ids,
        "geo_level": ("geo", np.array(lv, dtype=object)),
        "geo_name": ("geo", np.array(out_names, dtype=object)),
        "iso2": ("geo", np.array(iso2, dtype=object)),
        "parent": ("geo", np.array(parent, dtype=object)),
        "located": ("geo", np.array(located, dtype=bool)),
        "census_region": ("geo", np.array(region, dtype=object)),
        "census_division": ("geo", np.array(division, dtype=object)),
    }
