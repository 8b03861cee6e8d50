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
    "ANALYSIS_LEVELS",
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
    "SOC_GROUP",
    "CATEGORICAL_FACETS",
    "NUMERIC_FACETS",
    "NUMERIC_STATS",
    "PRIMITIVE_VARIABLES",
    "require_counts",
    "UNLOCATED",
    "UNLOCATED_SUBDIVISION",
    "UNLOCATED_LABELS",
    "Level",
    "validate",
    "check_option",
    "excluded_geos",
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

ANALYSIS_LEVELS: tuple[str, ...] = ("country", "state_us")
"""The geo levels the indices and estimators take a cross-section of (``level=``); subdivisions
outside the US are read and kept, but no index or estimator takes them as a level."""

UNLOCATED: dict[str, str] = {"country": "not_classified", "state_us": "not_classified_us"}
"""Geo label of the usage that could not be located, per level (global, country, state_us)."""

UNLOCATED_SUBDIVISION = "not_classified_subdivision"
"""Geo label of subdivision usage that could not be located (``XX-not_classified``, releases 4-6)."""

UNLOCATED_LABELS: tuple[str, ...] = (*UNLOCATED.values(), UNLOCATED_SUBDIVISION)
"""Every unlocated geo label (``located=False``)."""

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

SOC_GROUP = "soc_group"
"""Dimension of SOC major groups (``15``) where a release gives shares per group (release 6);
``soc_major`` is the name of the task coordinate holding the same codes."""

CATEGORICAL_FACETS: tuple[str, ...] = ("use_case", "task_success", "multitasking", "human_only_ability")
"""Economic-primitive facets with categories (releases 4-6): each is a dimension of its own."""

NUMERIC_FACETS: tuple[str, ...] = (
    "ai_autonomy",
    "human_education_years",
    "ai_education_years",
    "human_only_time",
    "human_with_ai_time",
)
"""Economic-primitive facets with a number per conversation (releases 4-6)."""

NUMERIC_STATS: tuple[str, ...] = (
    "mean", "median", "stdev", "count",
    "mean_ci_lower", "mean_ci_upper", "median_ci_lower", "median_ci_upper",
)  # fmt: skip
"""Per-geo statistics of a numeric facet, as releases 4-5 name them (``ai_autonomy_mean``)."""

PRIMITIVE_VARIABLES: dict[str, tuple[str, ...]] = {
    **{f"{f}_{s}": (GEO,) for f in NUMERIC_FACETS for s in NUMERIC_STATS},
    **{f"{f}_histogram_count": (GEO, f"{f}_bin") for f in NUMERIC_FACETS},
    **{f"{f}_count": (GEO, f) for f in CATEGORICAL_FACETS},
}
"""Economic primitives (releases 4-5; release 6 gives the means): numeric facets over ``geo``
(histograms over ``<facet>_bin``), categorical facets as counts over ``geo`` x ``<facet>``."""

SHARE_VARIABLES: dict[str, tuple[str, ...]] = {
    "task_pattern_share": (TASK, PATTERN),
    "request_pattern_share": (REQUEST, PATTERN),
    "task_share_published": (GEO, TASK),
    "pattern_share_published": (GEO, PATTERN),
    "usage_share_published": (GEO,),
    "request_share_published": (GEO, REQUEST),
    "soc_share_published": (GEO, SOC_GROUP),
    "automation_share_published": (GEO,),
    "augmentation_share_published": (GEO,),
    "artifact_share_published": (GEO, "artifact"),
    **{f"{f}_share_published": (GEO, f) for f in CATEGORICAL_FACETS},
    **{f"{f}_histogram_share_published": (GEO, f"{f}_bin") for f in NUMERIC_FACETS},
}
"""Shares in [0, 1] that a release gives without counts (kept only where the counts are absent)."""

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
    "usage_share_published": ("1", "Published share of usage within the parent geography"),
    "request_share_published": ("1", "Published share of conversations per request cluster"),
    "soc_share_published": ("1", "Published share of conversations per SOC major group"),
    "automation_share_published": ("1", "Published automation share of all conversations (release 6)"),
    "augmentation_share_published": ("1", "Published augmentation share of all conversations (release 6)"),
    "artifact_share_published": ("1", "Published share of conversations per artifact kind (release 6)"),
    **{f"{f}_share_published": ("1", f"Published share of conversations per {f} category")
       for f in CATEGORICAL_FACETS},
    **{f"{f}_count": ("conversations", f"Conversations per {f} category") for f in CATEGORICAL_FACETS},
    **{f"{f}_histogram_count": ("conversations", f"Conversations per {f} bin") for f in NUMERIC_FACETS},
    **{f"{f}_histogram_share_published": ("1", f"Published share of conversations per {f} bin")
       for f in NUMERIC_FACETS},
    **{f"{f}_count": ("conversations", f"Conversations with a {f} value") for f in NUMERIC_FACETS},
}  # fmt: skip

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


def excluded_geos(ds: xr.Dataset, exclude: Any, *, what: str = "exclude") -> list[str]:
    """The geo labels of ``ds`` that an estimator's ``exclude=`` option names.

    ``exclude`` is ``None`` (nothing), ``"abuse_flagged"`` (the geos of the
    ``abuse_flagged`` coordinate, flagged in any period or platform), one geo
    label or a list of them; labels that are not geos of ``ds`` (say, countries
    when the fit is over states) exclude nothing. The one implementation behind
    every ``exclude=`` of the indices and estimators.

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_us_states_2025_08()
    >>> excluded_geos(ds, "abuse_flagged"), excluded_geos(ds, ["UT", "FR"])
    (['UT'], ['UT'])
    """
    if exclude is None:
        return []
    if isinstance(exclude, str):
        if exclude == "abuse_flagged":
            if "abuse_flagged" not in ds.coords:
                raise SchemaError(f"{what}='abuse_flagged' needs the 'abuse_flagged' coordinate on 'geo'")
            flag = ds["abuse_flagged"]
            if flag.ndim > 1:
                flag = flag.any([d for d in flag.dims if d != GEO])
            return [str(g) for g in ds[GEO].values[np.asarray(flag.values, dtype=bool)].tolist()]
        exclude = [exclude]
    present = {str(g) for g in ds[GEO].values.tolist()}
    return [str(g) for g in exclude if str(g) in present]


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


def validate(ds: xr.Dataset, *, check_values: bool = True) -> xr.Dataset:
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
    check_values : bool, default True
        ``False`` checks the structure only (type, dims, coordinates, unique
        labels, dtypes), as estimators do at the start of ``fit``, and leaves
        the values (signs, ranges, count sums) to the reader that built ``ds``.

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

    specs = {
        **COUNT_VARIABLES, **COVARIATES, **SHARE_VARIABLES, **PUBLISHED_VARIABLES, **TASK_VARIABLES,
        **PRIMITIVE_VARIABLES,
    }  # fmt: skip
    for name, core in specs.items():
        if name not in ds.data_vars:
            continue
        var = ds[name]
        _dims_ok(var, core, name)
        if not np.issubdtype(var.dtype, np.floating):
            raise SchemaError(f"variable {name!r} has dtype {var.dtype}; expected a float dtype")
        if not check_values:
            continue
        values = np.asarray(var.values)
        # NaN-ignoring min and max in two passes without a temporary (datasets of several releases
        # hold hundreds of MB of mostly-NaN cells); the offending cell is located only on error
        flat = values.reshape(-1)
        lo = float(np.fmin.reduce(flat)) if flat.size else np.nan
        hi = float(np.fmax.reduce(flat)) if flat.size else np.nan
        if np.isinf(lo) or np.isinf(hi):
            raise DataValueError(f"variable {name!r} is infinite at {first_bad_cell(var, np.isinf(values))}")
        if lo < 0:
            with np.errstate(invalid="ignore"):
                neg = values < 0
            raise DataValueError(f"variable {name!r} is negative at {first_bad_cell(var, neg)}")
        may_overflow = hi > np.finfo(np.float64).max / max(flat.size, 1)  # else the sum is finite
        if (name in COUNT_VARIABLES or name in COVARIATES) and may_overflow:
            with np.errstate(over="ignore"):
                grand = float(np.nansum(values, dtype=np.float64))
            if not np.isfinite(grand):  # e.g. two counts of 1e308: every share and index would be 0
                raise DataValueError(
                    f"variable {name!r} sums to infinity (largest value {hi:.3g}); "
                    "counts this large overflow float64"
                )
        if (name in SHARE_VARIABLES or name in ("automation_share", "expected_automation")) and hi > 1 + 1e-9:
            with np.errstate(invalid="ignore"):
                big = values > 1 + 1e-9
            raise DataValueError(f"share {name!r} exceeds 1 at {first_bad_cell(var, big)}")

    if check_values and "usage_count" in ds.data_vars:
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
            nan = np.isnan(values)  # a boolean mask, not a float copy as nansum makes
            with np.errstate(invalid="ignore"):
                total = np.add.reduce(values, axis=0, where=~nan, initial=0.0)
                total[nan.all(axis=0)] = np.nan
                excess = total - usage.values > 1e-6 * np.maximum(1.0, np.asarray(usage.values))
            if excess.any():
                where = first_bad_cell(usage.copy(data=total - usage.values), excess)
                raise DataValueError(f"{name} summed over its categories exceeds usage_count at {where}")
    return ds


def require_counts(ds: xr.Dataset, name: str) -> xr.DataArray:
    """The count variable ``name`` of ``ds``, or a :class:`SchemaError` saying why it is absent.

    A dataset read from release 6 (shares and means only) has no counts at
    all; the message says so, and names the published shares it does have.

    Examples
    --------
    >>> import econindex as ei
    >>> require_counts(ei.datasets.load_countries_2025_08(), "usage_count").dims
    ('geo',)
    """
    if name in ds.data_vars:
        return ds[name]
    shares = sorted(str(v) for v in ds.data_vars if str(v).endswith("_share_published") or v == "usage_index")
    if "release_6" in str(ds.attrs.get("layouts", "")):
        raise SchemaError(
            f"{name!r} is not in the dataset: release 6 (2026-06-26) publishes shares and means only, "
            f"no counts (has: {shares}); estimators that need counts cannot use it, those that work "
            "from published shares can"
        )
    raise SchemaError(f"dataset has no count variable {name!r} (variables: {sorted(map(str, ds.data_vars))})")


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
