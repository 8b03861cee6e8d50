"""Names of the dimensions, coordinates and variables of an econindex dataset, and ``validate``.

The canonical dataset is an :class:`xarray.Dataset` with named dimensions
(``geo``, ``task``, ``pattern``, ``request``, optionally ``period`` and
``platform``). Counts are the primary variables; shares and indices are derived
from them. Missing is ``NaN``; a zero is a measured zero.

Geo labels
----------
The ``geo`` index holds the enriched-release ``geo_id``: ISO-3 codes for
countries, USPS codes for US states (two letters, so they never collide with
ISO-3), ``GLOBAL`` for the world. Usage that could not be located is kept as
its own geo (:data:`UNLOCATED`), with ``located=False``, because the published
index keeps it in the usage total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar, get_args

import numpy as np
import xarray as xr

from econindex.errors import DataValueError, OptionError, SchemaError

__all__ = [
    "GEO",
    "TASK",
    "PATTERN",
    "REQUEST",
    "PERIOD",
    "PLATFORM",
    "DIMS",
    "COUNT_VARIABLES",
    "PATTERNS",
    "AUTOMATION_PATTERNS",
    "AUGMENTATION_PATTERNS",
    "CLASSIFIED_PATTERNS",
    "SOC_MAJOR_GROUPS",
    "SPECIAL_CLUSTERS",
    "GEO_LEVELS",
    "UNLOCATED",
    "Level",
    "validate",
    "check_option",
    "geos_at_level",
    "located_geos",
]

# --- dimensions -------------------------------------------------------------
GEO = "geo"
TASK = "task"
PATTERN = "pattern"
REQUEST = "request"
PERIOD = "period"
PLATFORM = "platform"
DIMS = (GEO, TASK, PATTERN, REQUEST, PERIOD, PLATFORM)

# --- coordinates --------------------------------------------------------------
GEO_COORDS = ("geo_level", "geo_name", "iso2", "parent", "located")
"""Coordinates on ``geo``: level, display name, ISO-2 (countries; "" otherwise),
parent geo (``GLOBAL`` for countries, ``USA`` for states) and ``located``
(False for the unlocated ``not_classified`` usage). US states also carry
``census_region`` and ``census_division``."""
TASK_COORDS = ("soc_major",)
PATTERN_COORDS = ("mode",)
REQUEST_COORDS = ("request_level", "parent_request")
PERIOD_COORDS = ("date_start", "date_end")

Level = Literal["global", "country", "state_us", "subdivision"]
GEO_LEVELS: tuple[str, ...] = get_args(Level)
"""``subdivision``: an ISO 3166-2 subdivision outside the US (``BR-SP``), from releases 4-6; US
subdivisions (states, DC, territories) are ``state_us``."""

UNLOCATED: dict[str, str] = {
    "country": "not_classified",
    "state_us": "not_classified_us",
    "subdivision": "not_classified_subdivision",
}
"""Geo label of the usage that could not be located, per level."""

# --- variables ----------------------------------------------------------------
COUNT_VARIABLES: dict[str, tuple[str, ...]] = {
    "usage_count": (GEO,),
    "task_count": (GEO, TASK),
    "pattern_count": (GEO, PATTERN),
    "request_count": (GEO, REQUEST),
    "task_pattern_count": (GEO, TASK, PATTERN),
    "request_pattern_count": (GEO, REQUEST, PATTERN),
    "flagged_count": (GEO,),
}
"""Count variables and their core dims (``period``/``platform`` may be added;
``flagged_count`` may also carry ``task``)."""

COVARIATES: dict[str, tuple[str, ...]] = {
    "working_age_pop": (GEO,),
    "gdp": (GEO,),
}

SHARE_VARIABLES: dict[str, tuple[str, ...]] = {
    "task_pattern_share": (TASK, PATTERN),
    "request_pattern_share": (REQUEST, PATTERN),
    "task_share_published": (GEO, TASK),
    "pattern_share_published": (GEO, PATTERN),
}
"""Shares in [0, 1] that a release gives without counts."""

PUBLISHED_VARIABLES: dict[str, tuple[str, ...]] = {
    "usage_index": (GEO,),
    "automation_share": (GEO,),
    "expected_automation": (GEO,),
}
"""Published derived figures stored where a source gives them without counts
(shares in [0, 1], index dimensionless)."""

TASK_VARIABLES: dict[str, tuple[str, ...]] = {
    "cost_index": (TASK,),
    "prompt_tokens_index": (TASK,),
    "completion_tokens_index": (TASK,),
}

UNITS: dict[str, tuple[str, str]] = {
    "usage_count": ("conversations", "Conversations"),
    "task_count": ("conversations", "Conversations per O*NET task"),
    "pattern_count": ("conversations", "Conversations per collaboration pattern"),
    "request_count": ("conversations", "Conversations per request cluster"),
    "task_pattern_count": ("conversations", "Conversations per task and collaboration pattern"),
    "request_pattern_count": ("conversations", "Conversations per request cluster and pattern"),
    "flagged_count": ("conversations", "Conversations flagged as abusive or coordinated"),
    "working_age_pop": ("persons", "Population aged 15-64"),
    "gdp": ("USD", "Gross domestic product"),
    "task_pattern_share": ("1", "Global collaboration-pattern mix within each task"),
    "request_pattern_share": ("1", "Global collaboration-pattern mix within each request"),
    "task_share_published": ("1", "Published share of conversations per task"),
    "pattern_share_published": ("1", "Published share of conversations per pattern"),
    "usage_index": ("1", "AI Usage Index (published)"),
    "automation_share": ("1", "Automation share of classified conversations (published)"),
    "expected_automation": ("1", "Expected automation share from the task mix (published)"),
    "cost_index": ("1", "API cost index"),
    "prompt_tokens_index": ("1", "API prompt-token index"),
    "completion_tokens_index": ("1", "API completion-token index"),
}

# --- collaboration patterns ---------------------------------------------------
AUTOMATION_PATTERNS = ("directive", "feedback loop")
AUGMENTATION_PATTERNS = ("learning", "task iteration", "validation")
CLASSIFIED_PATTERNS = AUTOMATION_PATTERNS + AUGMENTATION_PATTERNS
SPECIAL_CLUSTERS = ("none", "not_classified")
PATTERNS = CLASSIFIED_PATTERNS + SPECIAL_CLUSTERS
PATTERN_MODE: dict[str, str] = {
    **{p: "automation" for p in AUTOMATION_PATTERNS},
    **{p: "augmentation" for p in AUGMENTATION_PATTERNS},
    **{p: "unclassified" for p in SPECIAL_CLUSTERS},
}

# --- occupations ---------------------------------------------------------------
SOC_MAJOR_GROUPS: dict[str, str] = {
    "11": "Management",
    "13": "Business and Financial Operations",
    "15": "Computer and Mathematical",
    "17": "Architecture and Engineering",
    "19": "Life, Physical, and Social Science",
    "21": "Community and Social Service",
    "23": "Legal",
    "25": "Educational Instruction and Library",
    "27": "Arts, Design, Entertainment, Sports, and Media",
    "29": "Healthcare Practitioners and Technical",
    "31": "Healthcare Support",
    "33": "Protective Service",
    "35": "Food Preparation and Serving Related",
    "37": "Building and Grounds Cleaning and Maintenance",
    "39": "Personal Care and Service",
    "41": "Sales and Related",
    "43": "Office and Administrative Support",
    "45": "Farming, Fishing, and Forestry",
    "47": "Construction and Extraction",
    "49": "Installation, Maintenance, and Repair",
    "51": "Production",
    "53": "Transportation and Material Moving",
    "55": "Military Specific",
}
"""SOC 2018 major groups, code -> title (55, military, has no O*NET tasks)."""

_T = TypeVar("_T")


def check_option(name: str, value: _T, allowed: Iterable[Any]) -> _T:
    """Raise :class:`OptionError` listing the valid values unless ``value`` is one of them.

    Examples
    --------
    >>> check_option("cov_type", "HC1", ("HC0", "HC1"))
    'HC1'
    """
    allowed = tuple(allowed)
    if value not in allowed:
        valid = ", ".join(repr(a) for a in allowed)
        raise OptionError(f"{name}={value!r} is not valid; choose one of {valid}")
    return value


def geos_at_level(ds: xr.Dataset, level: str, *, located_only: bool = True) -> list[str]:
    """Geo labels of ``ds`` at ``level`` (located ones only by default).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_us_states_2025_08()
    >>> len(geos_at_level(ds, "state_us"))
    51
    """
    check_option("level", level, GEO_LEVELS)
    if "geo_level" not in ds.coords:
        raise SchemaError("dataset has no 'geo_level' coordinate on 'geo'")
    mask = ds["geo_level"].values == level
    if located_only and "located" in ds.coords:
        mask &= ds["located"].values.astype(bool)
    geos = [str(g) for g in ds[GEO].values[mask]]
    if not geos:
        present = sorted(set(map(str, ds["geo_level"].values)))
        raise SchemaError(f"dataset has no geo at level {level!r}; levels present: {present}")
    return geos


def located_geos(ds: xr.Dataset, level: str) -> xr.Dataset:
    """Subset ``ds`` to the located geos at ``level``."""
    return ds.sel({GEO: geos_at_level(ds, level)})


def _dims_ok(var: xr.DataArray, core: tuple[str, ...], name: str) -> None:
    extra_allowed = {PERIOD, PLATFORM}
    if name == "flagged_count":
        extra_allowed = extra_allowed | {TASK}
    missing = [d for d in core if d not in var.dims]
    extra = [d for d in var.dims if d not in core and d not in extra_allowed]
    if missing or extra:
        raise SchemaError(
            f"variable {name!r} has dims {var.dims}; expected {core} (plus optional 'period'/'platform')"
        )


def first_bad_cell(var: xr.DataArray, bad: np.ndarray) -> str:
    """Describe the first offending cell of ``var`` (where ``bad``) by its labels.

    Examples
    --------
    >>> da = xr.DataArray([1.0, -2.0], dims="geo", coords={"geo": ["USA", "UT"]})
    >>> first_bad_cell(da, da.values < 0)
    "geo='UT'"
    """
    idx = np.argwhere(bad)[0]
    labels = {d: np.asarray(var[d].values)[i] for d, i in zip(var.dims, idx, strict=True) if d in var.coords}
    # NumPy scalars (np.str_ labels) as plain Python values, so messages read geo='UT'
    return ", ".join(f"{d}={(v.item() if isinstance(v, np.generic) else v)!r}" for d, v in labels.items())


def validate(ds: xr.Dataset) -> xr.Dataset:
    """Check that ``ds`` is a canonical econindex dataset; return it unchanged or raise.

    Checks: the ``geo`` dim and its coordinates; known variables have the right
    dims and a floating dtype; counts and covariates are finite or NaN and
    non-negative; shares lie in [0, 1]; pattern labels are known and carry
    their ``mode``; per-geo task and pattern counts do not exceed
    ``usage_count``.

    Parameters
    ----------
    ds : xarray.Dataset
        The dataset to check.

    Returns
    -------
    xarray.Dataset
        ``ds`` itself.

    Raises
    ------
    SchemaError
        A dimension, coordinate or variable is missing or has the wrong shape.
    DataValueError
        A value is negative, infinite or out of range; the message names the
        variable and the geo.

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> validate(ds) is ds
    True
    """
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if GEO not in ds.dims:
        raise SchemaError("dataset has no 'geo' dimension")
    for c in ("geo_level", "geo_name"):
        if c not in ds.coords:
            raise SchemaError(f"dataset lacks the {c!r} coordinate on 'geo'")
    levels = set(map(str, np.unique(ds["geo_level"].values)))
    unknown = levels - set(GEO_LEVELS)
    if unknown:
        raise SchemaError(f"unknown geo_level values {sorted(unknown)}; valid: {list(GEO_LEVELS)}")
    if ds.indexes[GEO].has_duplicates:
        dup = ds.indexes[GEO][ds.indexes[GEO].duplicated()].tolist()
        raise SchemaError(f"duplicate geo labels: {dup[:10]}")
    if PATTERN in ds.dims:
        bad = [p for p in map(str, ds[PATTERN].values) if p not in PATTERN_MODE]
        if bad:
            raise SchemaError(f"unknown collaboration patterns {bad}; valid: {list(PATTERNS)}")
        if "mode" not in ds.coords:
            raise SchemaError("dimension 'pattern' lacks the 'mode' coordinate")

    specs = {**COUNT_VARIABLES, **COVARIATES, **SHARE_VARIABLES, **PUBLISHED_VARIABLES, **TASK_VARIABLES}
    for name, core in specs.items():
        if name not in ds.data_vars:
            continue
        var = ds[name]
        _dims_ok(var, core, name)
        if not np.issubdtype(var.dtype, np.floating):
            raise SchemaError(f"variable {name!r} has dtype {var.dtype}; expected a float dtype")
        values = np.asarray(var.values)
        if np.isinf(values).any():
            raise DataValueError(f"variable {name!r} is infinite at {first_bad_cell(var, np.isinf(values))}")
        with np.errstate(invalid="ignore"):
            neg = values < 0
        if neg.any():
            raise DataValueError(f"variable {name!r} is negative at {first_bad_cell(var, neg)}")
        if name in COUNT_VARIABLES or name in COVARIATES:
            with np.errstate(over="ignore"):
                grand = float(np.nansum(values, dtype=np.float64))
            if not np.isfinite(grand):  # e.g. two counts of 1e308: every share and index would be 0
                raise DataValueError(
                    f"variable {name!r} sums to infinity (largest value {float(np.nanmax(values)):.3g}); "
                    "counts this large overflow float64"
                )
        if name in SHARE_VARIABLES or name in ("automation_share", "expected_automation"):
            with np.errstate(invalid="ignore"):
                big = values > 1 + 1e-9
            if big.any():
                raise DataValueError(f"share {name!r} exceeds 1 at {first_bad_cell(var, big)}")

    if "usage_count" in ds.data_vars:
        usage = ds["usage_count"]
        for name in ("task_count", "pattern_count", "flagged_count"):
            if name not in ds.data_vars:
                continue
            var = ds[name]
            summed = [d for d in var.dims if d not in usage.dims]
            if not set(usage.dims) <= set(var.dims):
                continue
            # on the NumPy arrays: xarray's min_count sums and aligned subtraction cost 3x as much
            values = np.asarray(var.transpose(*summed, *usage.dims).values, dtype=float)
            values = values.reshape(-1, *np.shape(usage.values))
            with np.errstate(invalid="ignore"):
                total = np.where(np.isnan(values).all(axis=0), np.nan, np.nansum(values, axis=0))
                excess = total - usage.values > 1e-6 * np.maximum(1.0, np.asarray(usage.values))
            if excess.any():
                where = first_bad_cell(usage.copy(data=total - usage.values), excess)
                raise DataValueError(f"{name} summed over its categories exceeds usage_count at {where}")
    return ds


def add_units(ds: xr.Dataset, names: Mapping[str, tuple[str, str]] | None = None) -> xr.Dataset:
    """Attach ``units`` and ``long_name`` attrs to the known variables of ``ds`` (in place) and return it."""
    for name, (units, long_name) in (names or UNITS).items():
        if name in ds.data_vars:
            ds[name].attrs.setdefault("units", units)
            ds[name].attrs.setdefault("long_name", long_name)
    return ds


def pattern_coords(patterns: Iterable[str]) -> dict[str, Any]:
    """Coordinates for a ``pattern`` dimension with the given labels (mode attached)."""
    labels = list(patterns)
    return {PATTERN: labels, "mode": (PATTERN, [PATTERN_MODE[p] for p in labels])}
