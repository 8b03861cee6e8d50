"""Usage indices: the AI Usage Index (AUI), shares, tiers, specialization, concentration, convergence.

Every function takes the canonical dataset (see :mod:`econindex.schema`) and
returns labeled results: a quantity over ``geo`` is a DataArray over ``geo``,
one over ``geo`` x ``task`` keeps both dims, and an extra ``period`` or
``platform`` dimension flows through unchanged. The numerics are xarray
arithmetic (vectorized over all labeled dims) plus the NumPy kernels of
:mod:`econindex._kernels.shares` for the sorting-based concentration measures.

Nothing is filtered silently: thresholds (``min_count``) and exclusions
(``exclude``) are explicit arguments, and what they removed is recorded in the
result's ``attrs``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from econindex._kernels import shares as _k
from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError
from econindex.regression import OLS, RegressionResult
from econindex.results import CoefficientResult, inference_fields
from econindex.schema import (
    GEO,
    PATTERN,
    PATTERN_MODE,
    PERIOD,
    REQUEST,
    SOC_MAJOR_GROUPS,
    SPECIAL_CLUSTERS,
    TASK,
    UNLOCATED,
    check_option,
    first_bad_cell,
    geos_at_level,
    validate,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "MIN_COUNT",
    "RELEASE_EXCLUDED_COUNTRIES_2025_09",
    "SOC_MAJOR_GROUPS",
    "TIER_LABELS",
    "ConvergenceResult",
    "automation_share",
    "cluster_identity",
    "convergence",
    "gini",
    "lorenz_curve",
    "pattern_share",
    "request_share",
    "specialization",
    "task_share",
    "tiers_categorical",
    "top_k_share",
    "top_specializations",
    "usage_index",
    "usage_tiers",
]

MIN_COUNT: dict[str, int] = {"country": 200, "state_us": 100}
"""Minimum conversations for a geo to be reported, per level, as in the AEI release
(``MIN_OBSERVATIONS_COUNTRY = 200``, ``MIN_OBSERVATIONS_US_STATE = 100``; the release's
data documentation, "Minimum Observations")."""

RELEASE_EXCLUDED_COUNTRIES_2025_09: tuple[str, ...] = (
    "AFG", "BLR", "COD", "CAF", "CHN", "CUB", "ERI", "ETH", "HKG", "IRN", "PRK", "LBY",
    "MLI", "MMR", "MAC", "NIC", "RUS", "SDN", "SOM", "SSD", "SYR", "VEN", "YEM",
)  # fmt: skip
"""The 23 countries (ISO-3) the AEI release of 2025-09-15 lists as excluded: the constant
``EXCLUDED_COUNTRIES`` of its analysis code (``code/aei_analysis_functions_claude_ai.py``),
drawn on its maps as "Claude not available" (Anthropic's services are not offered there).
It is not applied unless passed explicitly:
``usage_index(ds, exclude=RELEASE_EXCLUDED_COUNTRIES_2025_09)``."""

TIER_LABELS: tuple[str, ...] = (
    "Minimal",
    "Emerging (bottom 25%)",
    "Lower middle (25-50%)",
    "Upper middle (50-75%)",
    "Leading (top 25%)",
)
"""Usage tiers from low to high, as the release names them; tier code 0..4 (the
release's ``usage_tier``): 0 below the reporting threshold, 1-4 quartiles among eligible geos."""

NO_DATA = "No data"
"""Tier label of a geo whose index is missing (tier code -1)."""

_INDEX_LEVELS = ("country", "state_us")
_PARENT = {"country": "GLOBAL", "state_us": "USA"}
Reference = None | str | Sequence[str] | Mapping[str, float]


# --------------------------------------------------------------------------- helpers
def _require(ds: xr.Dataset, name: str, hint: str = "") -> xr.DataArray:
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if name not in ds.data_vars:
        raise SchemaError(f"dataset has no {name!r} variable{hint}")
    return ds[name]


def _labels(values: Any) -> list[str]:
    return [str(v) for v in np.asarray(values).tolist()]


def _exclude_list(ds: xr.Dataset, exclude: Any, what: str = "exclude") -> list[str]:
    """Normalize ``exclude`` to the geo labels of ``ds`` it names (unknown labels are ignored)."""
    if exclude is None:
        return []
    if isinstance(exclude, str):
        if exclude == "abuse_flagged":
            if "abuse_flagged" not in ds.coords:
                raise SchemaError(f"{what}='abuse_flagged' needs the 'abuse_flagged' coordinate on 'geo'")
            flag = ds["abuse_flagged"]
            if flag.ndim > 1:
                flag = flag.any([d for d in flag.dims if d != GEO])
            return _labels(ds[GEO].values[np.asarray(flag.values, dtype=bool)])
        exclude = [exclude]
    present = set(_labels(ds[GEO].values))
    return [str(g) for g in exclude if str(g) in present]


def _bad_geos(mask: xr.DataArray) -> list[str]:
    if mask.ndim > 1:
        mask = mask.any([d for d in mask.dims if d != GEO])
    return _labels(mask[GEO].values[np.asarray(mask.values, dtype=bool)])


def _check_population(pop: xr.DataArray, where: str) -> None:
    bad = _bad_geos(~(pop > 0))  # NaN and zero both fail
    if bad:
        shown = ", ".join(repr(g) for g in bad[:10])
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        raise DataValueError(
            f"working_age_pop is zero or missing for geo {shown}{more} ({where}); "
            "fix the covariate or drop the geo with exclude=[...]"
        )


def _level_geos(ds: xr.Dataset, level: str | None) -> list[str]:
    if level is None:
        return _labels(ds[GEO].values)
    return geos_at_level(ds, level)


def _bare(da: xr.DataArray) -> xr.DataArray:
    """``da`` without its non-index coordinates (cheap arithmetic; see :func:`_with_geo_coords`)."""
    return da.drop_vars([c for c in da.coords if c not in da.dims])


def _with_geo_coords(da: xr.DataArray, ds: xr.Dataset) -> xr.DataArray:
    """Attach the coordinates of ``ds`` whose dims are all among ``da``'s (for the labels ``da`` has)."""
    pos = {
        d: ds.indexes[d].get_indexer(da.indexes[d]) for d in da.dims if d in ds.indexes and d in da.indexes
    }
    extra: dict[Hashable, Any] = {}
    for name, c in ds.coords.items():
        if name in da.coords or name in ds.dims or not set(c.dims) <= set(pos):
            continue
        values = np.asarray(c.values)
        for axis, d in enumerate(c.dims):
            values = np.take(values, pos[d], axis=axis)
        extra[name] = (c.dims, values)
    return da.assign_coords(extra)


def _divide(num: xr.DataArray, den: xr.DataArray | float) -> xr.DataArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


# --------------------------------------------------------------------------- usage index
def usage_index(
    ds: xr.Dataset,
    level: str = "country",
    reference: Reference = None,
    min_count: float | None = None,
    exclude: Sequence[str] | str | None = None,
    *,
    keep_all: bool = False,
) -> xr.DataArray:
    """AI Usage Index: a geo's share of usage divided by its share of the working-age population.

    Parameters
    ----------
    ds : xarray.Dataset
        Canonical dataset with ``usage_count`` and ``working_age_pop`` (either may
        also carry ``period``/``platform``; the index is computed per slice).
    level : {"country", "state_us"}
        Which geos to index.
    reference : None, "published", sequence of geo labels, or mapping
        What the shares are shares of.

        * ``None`` (the release convention): every geo of ``ds`` at ``level``
          (minus ``exclude``), with the usage that could not be located (the
          geo ``schema.UNLOCATED[level]``, ``located=False``) kept in the usage
          total, as the published index does. An index read from an enriched
          file and one recomputed from its counts agree.
        * ``"published"``: the release's own reference, ``ds.attrs["reference_ratio"]``
          (usage per working-age person of its reference set; see
          :data:`econindex.datasets.COUNTRY_REFERENCE_RATIO_2025_08`).
        * a sequence of geo labels: usage and population totals over those geos
          (an unlocated geo contributes usage only).
        * a mapping ``{"usage_count": U, "working_age_pop": P}`` of totals; only
          ``U / P`` matters.
    min_count : float, optional
        Reporting threshold in conversations (default :data:`MIN_COUNT`: 200
        for countries, 100 for US states, as in the release). It decides which
        geos are *reported*, never the reference.
    exclude : sequence of geo labels or "abuse_flagged", optional
        Geos to leave out of the result and, with ``reference=None``, of the
        reference set (an explicit reference is used as given). Labels absent
        from ``ds`` are ignored (so :data:`RELEASE_EXCLUDED_COUNTRIES_2025_09`
        can be passed to any country dataset). ``"abuse_flagged"`` uses the
        ``abuse_flagged`` coordinate (a geo flagged in any slice is excluded
        from all; select the slice first to exclude it there only).
    keep_all : bool, default False
        ``False``: return only geos meeting ``min_count`` (with extra dims, a geo
        is kept if it meets it in some slice and its other cells are NaN).
        ``True``: return every located geo with its index; the boolean
        coordinate ``eligible`` says which cells meet ``min_count``.

    Returns
    -------
    xarray.DataArray
        ``usage_index`` over ``geo`` (plus any extra dims) with the boolean
        coordinate ``eligible``. ``attrs`` record ``reference`` (what it was),
        ``reference_ratio`` (usage per person of the reference; a coordinate
        over the extra dims when it differs by period/platform),
        ``min_count``, ``below_min_count`` (geos removed by the threshold),
        ``missing_usage`` (geos whose usage is NaN) and ``excluded``.

    Raises
    ------
    DataValueError
        A returned or reference geo has zero or missing ``working_age_pop``
        (the message names it), or the reference usage is zero.
    SchemaError
        ``usage_count`` or ``working_age_pop`` is absent (a dataset that
        carries only the published ``usage_index`` has nothing to recompute),
        or ``reference="published"`` without ``attrs["reference_ratio"]``.

    Notes
    -----
    ``AUI_g = (u_g / U) / (p_g / P) = (u_g / p_g) / (U / P)`` with ``u`` usage,
    ``p`` working-age population and ``U``, ``P`` the reference totals. A geo
    with zero usage has index 0; missing usage gives NaN (and its population
    is left out of the reference, so it does not dilute the others). Over the
    located geos of the reference set, the population-weighted mean of the
    index is the located share of reference usage (exactly 1 when there is no
    unlocated usage).

    Examples
    --------
    >>> import econindex as ei
    >>> from econindex.datasets import COUNTRY_REFERENCE_RATIO_2025_08 as ratio
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> aui = usage_index(ds, reference={"usage_count": ratio, "working_age_pop": 1.0})
    >>> round(float(aui.sel(geo="ISR")), 3), round(float(ds["usage_index"].sel(geo="ISR")), 3)
    (7.004, 7.004)
    >>> aui.sizes["geo"], aui.attrs["below_min_count"]
    (114, [])
    """
    check_option("level", level, _INDEX_LEVELS)
    hint = (
        " (this dataset carries only the published 'usage_index'; use ds['usage_index'])"
        if "usage_index" in getattr(ds, "data_vars", {})
        else ""
    )
    # arithmetic on bare arrays (index coords only): merging the many geo coords at every
    # operation costs more than the arithmetic itself; they are put back at the end
    usage_all = _bare(_require(ds, "usage_count", hint))
    pop_all = _bare(_require(ds, "working_age_pop"))
    excluded = _exclude_list(ds, exclude)
    located = [g for g in geos_at_level(ds, level) if g not in set(excluded)]
    if not located:
        raise SchemaError(f"no located geo at level {level!r} is left after exclude={excluded}")
    u = usage_all.sel({GEO: located})
    p = pop_all.sel({GEO: located})
    _check_population(p, f"level {level!r}")

    unlocated = UNLOCATED[level]
    all_geos = set(_labels(ds[GEO].values))
    ratio: xr.DataArray | float
    if reference is None:
        U = u.sum(GEO, skipna=True, min_count=1)  # all-missing slice (e.g. API): NaN
        if unlocated in all_geos:
            U = U + usage_all.sel({GEO: unlocated}).fillna(0.0).drop_vars(GEO, errors="ignore")
        P = p.where(u.notnull()).sum(GEO, skipna=True)
        ratio = _divide(U, P)
        ref_desc = f"all geos at level {level!r} in the dataset" + (
            f", with the unlocated usage of {unlocated!r}" if unlocated in all_geos else ""
        )
        if excluded:
            ref_desc += f", without {len(excluded)} excluded geos"
        if bool((U <= 0).any()):
            raise DataValueError(f"reference usage total is zero at level {level!r}; the index is undefined")
    elif isinstance(reference, str):
        check_option("reference", reference, ("published",))
        if "reference_ratio" not in ds.attrs:
            raise SchemaError(
                "reference='published' needs ds.attrs['reference_ratio'] (usage per working-age person "
                "of the release's reference set); pass reference={'usage_count': U, 'working_age_pop': P}"
            )
        ratio = float(ds.attrs["reference_ratio"])
        if not ratio > 0:
            raise DataValueError(f"ds.attrs['reference_ratio'] must be positive, got {ratio}")
        ref_desc = f"published reference ratio {ratio:.7g} conversations per working-age person"
    elif isinstance(reference, Mapping):
        missing = {"usage_count", "working_age_pop"} - set(reference)
        if missing:
            raise OptionError(
                f"reference mapping lacks {sorted(missing)}; give {{'usage_count': U, 'working_age_pop': P}}"
            )
        Uf, Pf = float(reference["usage_count"]), float(reference["working_age_pop"])
        if not (Uf > 0 and Pf > 0 and math.isfinite(Uf) and math.isfinite(Pf)):
            raise DataValueError(f"reference totals must be positive and finite, got U={Uf}, P={Pf}")
        ratio = Uf / Pf
        ref_desc = f"explicit totals usage_count={Uf:.10g}, working_age_pop={Pf:.10g}"
    else:
        ref_geos = [str(g) for g in reference]
        unknown = [g for g in ref_geos if g not in all_geos]
        if unknown:
            raise SchemaError(f"reference geos {unknown[:10]} are not in the dataset")
        loc = (
            np.asarray(ds["located"].sel({GEO: ref_geos}).values, dtype=bool)
            if "located" in ds.coords
            else None
        )
        ref_loc = [g for i, g in enumerate(ref_geos) if loc is None or loc[i]]
        ru = usage_all.sel({GEO: ref_geos})
        rp = pop_all.sel({GEO: ref_loc})
        _check_population(rp, "reference set")
        U = ru.sum(GEO, skipna=True, min_count=1)
        P = rp.where(usage_all.sel({GEO: ref_loc}).notnull()).sum(GEO, skipna=True)
        if bool((U <= 0).any()):
            raise DataValueError("reference usage total is zero; the index is undefined")
        ratio = _divide(U, P)
        ref_desc = f"{len(ref_geos)} listed geos"

    aui = _divide(_divide(u, p), ratio)
    threshold = float(MIN_COUNT[level] if min_count is None else min_count)
    eligible = (u >= threshold).fillna(False).astype(bool)
    missing_usage = _bad_geos(u.isnull())
    below = _bad_geos(~eligible & u.notnull())
    aui = aui.assign_coords(eligible=eligible)
    removed: list[str] = []
    if not keep_all:
        keep = eligible.any([d for d in eligible.dims if d != GEO]) if eligible.ndim > 1 else eligible
        removed = _labels(aui[GEO].values[~np.asarray(keep.values, dtype=bool)])
        aui = aui.where(eligible).sel({GEO: [g for g in located if g not in set(removed)]})
        below = [g for g in below if g in set(removed)] if eligible.ndim == 1 else below
    aui = _with_geo_coords(aui, ds)
    aui.name = "usage_index"
    attrs: dict[str, Any] = {
        "long_name": "AI Usage Index (usage share / working-age population share)",
        "units": "1",
        "level": level,
        "reference": ref_desc,
        "min_count": threshold,
        "below_min_count": below,
        "missing_usage": missing_usage,
        "excluded": excluded,
        "removed": removed,
        "source": "counts (usage_count, working_age_pop)",
    }
    if isinstance(ratio, float):
        attrs["reference_ratio"] = ratio
    elif ratio.ndim == 0:
        attrs["reference_ratio"] = float(ratio)
    else:  # one ratio per period/platform: a coordinate on those dims
        aui = aui.assign_coords(reference_ratio=_bare(ratio))
    aui.attrs = attrs
    return aui


# --------------------------------------------------------------------------- shares
def _identity(counts: xr.DataArray, dim: str) -> list[str]:
    """The cluster each label of ``dim`` stands for, whatever its label.

    ``read_aei`` labels a request name used at several levels ``"<name> [level N]"`` above the
    lowest; the cluster is still ``<name>``. The suffix is removed only where ``N`` is the
    label's own ``request_level``, so a name that merely ends in such text is left alone.

    Examples
    --------
    >>> da = xr.DataArray([1, 2, 3], dims="request", coords={
    ...     "request": ["none", "none [level 2]", "x [level 9]"], "request_level": ("request", [0, 2, 2])})
    >>> _identity(da, "request")
    ['none', 'none', 'x [level 9]']
    """
    labels = _labels(counts[dim].values)
    if dim != REQUEST or "request_level" not in counts.coords:
        return labels
    return cluster_identity(labels, counts["request_level"].values)


def cluster_identity(labels: Sequence[str], levels: Any) -> list[str]:
    """Request cluster names of ``read_aei`` labels: ``"<name> [level N]"`` is ``<name>`` at level N.

    The suffix is removed only where ``N`` equals the label's own level.

    Examples
    --------
    >>> cluster_identity(["not_classified [level 2]", "a [level 1]"], [2, 2])
    ['not_classified', 'a [level 1]']
    """
    return [
        lab.removesuffix(f" [level {lv}]") if lab.endswith(f" [level {lv}]") else lab
        for lab, lv in zip(map(str, labels), _labels(levels), strict=True)
    ]  # one pass over the (few hundred) cluster labels


def _kept_labels(counts: xr.DataArray, dim: str, drop: set[str]) -> list[str]:
    """Labels of ``dim`` whose cluster (see :func:`_identity`) is not in ``drop``."""
    return [
        lab
        for lab, ident in zip(_labels(counts[dim].values), _identity(counts, dim), strict=True)
        if ident not in drop and lab not in drop
    ]


def _share(counts: xr.DataArray, dim: str, exclude: Sequence[str], name: str, long_name: str) -> xr.DataArray:
    drop = set(map(str, exclude))
    labels = _kept_labels(counts, dim, drop)
    kept = counts.sel({dim: labels})
    total = kept.sum(dim, skipna=True, min_count=1)
    out = _divide(kept, total)
    out.name = name
    out.attrs = {
        "long_name": long_name,
        "units": "1",
        "excluded": sorted(set(_labels(counts[dim].values)) - set(labels)),
    }
    return out


def _counts_or_published(ds: xr.Dataset, count: str, published: str, dim: str) -> tuple[xr.DataArray, str]:
    if count in ds.data_vars:
        return ds[count], f"counts ({count})"
    if published in ds.data_vars:
        return ds[published], f"published shares ({published}), renormalized after exclusions"
    raise SchemaError(f"dataset has neither {count!r} nor {published!r}; cannot compute shares over {dim!r}")


def task_share(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Share of each geo's conversations per O*NET task, after dropping ``exclude``.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``task_count`` (geo, task) or, failing that, the published
        ``task_share_published`` (renormalized after the exclusions; said in attrs).
    level : str, optional
        Keep only the located geos at this level; ``None`` keeps every geo.
    exclude : sequence of str, default ("none", "not_classified")
        Task labels left out of numerator and denominator.

    Returns
    -------
    xarray.DataArray
        ``task_share`` over ``geo`` x ``task`` (plus extra dims); each geo's
        shares sum to 1 over ``task`` (NaN where the geo has no classified task).
        Missing cells stay NaN and do not enter the total.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"task_count": (("geo", "task"), [[3.0, 1.0, 4.0]])},
    ...                 coords={"geo": ["USA"], "task": ["write code", "edit text", "none"]})
    >>> task_share(ds).sel(geo="USA").values.tolist()
    [0.75, 0.25]
    """
    counts, source = _counts_or_published(ds, "task_count", "task_share_published", TASK)
    counts = counts.sel({GEO: _level_geos(ds, level)})
    out = _share(counts, TASK, exclude, "task_share", "Share of conversations per O*NET task")
    out.attrs["source"] = source
    if "task_cells_note" in ds.attrs:
        out.attrs["caveat"] = str(ds.attrs["task_cells_note"])
    return out


def pattern_share(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Share of each geo's conversations per collaboration pattern, after dropping ``exclude``.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``pattern_count`` (geo, pattern) or ``pattern_share_published``.
    level : str, optional
        Keep only the located geos at this level; ``None`` keeps every geo.
    exclude : sequence of str, default ("none", "not_classified")
        Pattern labels left out; with the default the shares are over the five
        classified patterns.

    Returns
    -------
    xarray.DataArray
        ``pattern_share`` over ``geo`` x ``pattern`` (plus extra dims), summing
        to 1 over ``pattern``.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords
    >>> ds = xr.Dataset({"pattern_count": (("geo", "pattern"), [[6.0, 2.0, 2.0]])},
    ...                 coords={"geo": ["BRA"], **pattern_coords(["directive", "learning", "none"])})
    >>> pattern_share(ds).sel(geo="BRA").values.tolist()
    [0.75, 0.25]
    """
    counts, source = _counts_or_published(ds, "pattern_count", "pattern_share_published", PATTERN)
    counts = counts.sel({GEO: _level_geos(ds, level)})
    out = _share(
        counts, PATTERN, exclude, "pattern_share", "Share of conversations per collaboration pattern"
    )
    out.attrs["source"] = source
    return out


def request_share(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    request_level: int = 0,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Share of each geo's conversations per request cluster at one level of the hierarchy.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``request_count`` (geo, request) and the ``request_level``
        coordinate on ``request``.
    level : str, optional
        Keep only the located geos at this geo level; ``None`` keeps every geo.
    request_level : int, default 0
        Level of the request hierarchy (0 = finest in the AEI release).
    exclude : sequence of str, default ("none", "not_classified")
        Cluster names left out.

    Returns
    -------
    xarray.DataArray
        ``request_share`` over ``geo`` x ``request`` (the clusters at
        ``request_level``), summing to 1 over ``request``.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"request_count": (("geo", "request"), [[2.0, 6.0, 8.0]])},
    ...                 coords={"geo": ["IND"], "request": ["web apps", "debug", "software"],
    ...                         "request_level": ("request", [0, 0, 1])})
    >>> request_share(ds, request_level=0).sel(geo="IND").values.tolist()
    [0.25, 0.75]
    """
    counts = _require(ds, "request_count")
    if "request_level" not in ds.coords:
        raise SchemaError("dimension 'request' lacks the 'request_level' coordinate")
    lv = np.asarray(ds["request_level"].values)
    at = _labels(ds[REQUEST].values[lv == request_level])
    if not at:
        raise OptionError(
            f"request_level={request_level!r} has no clusters; levels present: {sorted(set(lv.tolist()))}"
        )
    counts = counts.sel({GEO: _level_geos(ds, level), REQUEST: at})
    out = _share(
        counts,
        REQUEST,
        exclude,
        "request_share",
        f"Share of conversations per request (level {request_level})",
    )
    out.attrs["request_level"] = int(request_level)
    out.attrs["source"] = "counts (request_count)"
    return out


def automation_share(
    ds: xr.Dataset,
    base: Literal["classified", "all"] = "classified",
    *,
    mode: Literal["automation", "augmentation"] = "automation",
    level: str | None = None,
) -> xr.DataArray:
    """Automation (or augmentation) share of each geo's conversations on an explicit base.

    Automation = directive + feedback loop; augmentation = learning + task
    iteration + validation.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``pattern_count`` (geo, pattern). Without it, a published
        ``automation_share`` variable (base in ``ds.attrs["automation_base"]``,
        ``"classified"`` if unset) is used, or else the published pattern
        shares (``pattern_share_published``, proportional to the counts within
        a geo); the result says which in ``attrs["source"]``.
    base : {"classified", "all"}
        ``"classified"`` divides by the five classified patterns; ``"all"`` by
        every conversation (all patterns including ``none`` and
        ``not_classified``, which must then be present). The AEI release uses
        both (Aug 2025, global: about 49.1% of all, 51.1% of classified).
    mode : {"automation", "augmentation"}
        Which share to return; on the classified base the two sum to 1.
    level : str, optional
        Keep only the located geos at this level.

    Returns
    -------
    xarray.DataArray
        ``automation_share`` (or ``augmentation_share``) over ``geo`` (plus extra
        dims), in [0, 1], with ``attrs["base"]`` and ``attrs["source"]``.

    Raises
    ------
    SchemaError
        ``base="all"`` without the ``none``/``not_classified`` patterns, or a
        published share on a base that cannot be converted.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords, PATTERNS
    >>> ds = xr.Dataset({"pattern_count": (("geo", "pattern"), [[30.0, 10, 20, 15, 5, 15, 5]])},
    ...                 coords={"geo": ["FRA"], **pattern_coords(PATTERNS)})
    >>> float(automation_share(ds, "classified")[0]), float(automation_share(ds, "all")[0])
    (0.5, 0.4)
    """
    check_option("base", base, ("classified", "all"))
    check_option("mode", mode, ("automation", "augmentation"))
    geos = _level_geos(ds, level)
    name = f"{mode}_share"
    use_shares = "pattern_count" not in ds.data_vars and "automation_share" not in ds.data_vars
    if use_shares and "pattern_share_published" not in ds.data_vars:
        raise SchemaError(
            "dataset has neither 'pattern_count', nor a published 'automation_share', nor published "
            "pattern shares ('pattern_share_published')"
        )
    if "pattern_count" not in ds.data_vars and not use_shares:
        pub_base = str(ds.attrs.get("automation_base", "classified"))
        if pub_base != base:
            raise SchemaError(
                f"the published automation_share is on the {pub_base!r} base and the dataset has no "
                f"pattern_count to recompute it on base={base!r}"
            )
        pub = ds["automation_share"].sel({GEO: geos})
        if mode == "augmentation":
            if base != "classified":
                raise SchemaError(
                    "augmentation on base='all' needs pattern_count (unclassified share unknown)"
                )
            pub = 1.0 - pub
        out = pub.copy()
        out.name = name
        out.attrs = {
            "long_name": f"{mode.capitalize()} share",
            "units": "1",
            "base": base,
            "source": "published automation_share (no pattern_count in the dataset)",
        }
        return out
    # published pattern shares are proportional to the counts within each geo, so the ratios agree
    source_var = "pattern_share_published" if use_shares else "pattern_count"
    counts = ds[source_var].sel({GEO: geos})
    present = _labels(counts[PATTERN].values)
    modes = np.array([PATTERN_MODE.get(p, "unclassified") for p in present])
    if base == "all":
        missing = [s for s in SPECIAL_CLUSTERS if s not in present]
        if missing:
            raise SchemaError(
                f"base='all' needs every conversation, but patterns {missing} are absent "
                "(the release removed them upstream?); use base='classified'"
            )
        den = counts.sum(PATTERN, skipna=True, min_count=1)
    else:
        den = counts.isel({PATTERN: np.flatnonzero(modes != "unclassified")}).sum(
            PATTERN, skipna=True, min_count=1
        )
    num = counts.isel({PATTERN: np.flatnonzero(modes == mode)}).sum(PATTERN, skipna=True, min_count=1)
    out = _divide(num, den)
    out.name = name
    out.attrs = {
        "long_name": f"{mode.capitalize()} share of {base} conversations",
        "units": "1",
        "base": base,
        "patterns": [p for p, m in zip(present, modes, strict=True) if m == mode],
        "source": "counts (pattern_count)"
        if not use_shares
        else "published pattern shares (pattern_share_published); suppressed cells count as absent",
    }
    return out


# --------------------------------------------------------------------------- tiers
def usage_tiers(aui: xr.DataArray, *, eligible: xr.DataArray | None = None) -> xr.DataArray:
    """Usage tiers: quartiles of the index among eligible geos, and "Minimal" below the threshold.

    Parameters
    ----------
    aui : xarray.DataArray
        Index over ``geo`` (e.g. ``usage_index(ds, keep_all=True)``; extra dims
        are tiered slice by slice).
    eligible : xarray.DataArray of bool, optional
        Which cells meet the reporting threshold; by default the ``eligible``
        coordinate of ``aui`` (set by :func:`usage_index`), else every
        non-missing cell. With the default ``usage_index`` output (eligible geos
        only) no geo is "Minimal": pass ``keep_all=True`` to tier every geo.

    Returns
    -------
    xarray.DataArray
        ``usage_tier``: labels from :data:`TIER_LABELS` (``"No data"`` where the
        index is missing), with the integer coordinate ``tier_code`` (0 Minimal,
        1-4 quartiles low to high, -1 no data, as the release's ``usage_tier``).
        :func:`tiers_categorical` turns it into an ordered
        :class:`pandas.Categorical`.

    Notes
    -----
    Cut points are the 25/50/75% quantiles (linear interpolation, as
    :func:`numpy.quantile`) of the eligible geos' index; bins are closed on the
    right, as :func:`pandas.qcut`.

    Examples
    --------
    >>> import xarray as xr
    >>> aui = xr.DataArray([0.1, 0.5, 1.0, 2.0, 4.0], dims="geo", coords={"geo": list("ABCDE"),
    ...                    "eligible": ("geo", [False, True, True, True, True])})
    >>> usage_tiers(aui).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Minimal', 'Emerging (bottom 25%)', 'Lower middle (25-50%)',
     'Upper middle (50-75%)', 'Leading (top 25%)']
    """
    if not isinstance(aui, xr.DataArray) or GEO not in aui.dims:
        raise SchemaError("usage_tiers expects a DataArray over 'geo' (the output of usage_index)")
    if eligible is None:
        eligible = aui.coords["eligible"] if "eligible" in aui.coords else aui.notnull()
    elig = eligible.fillna(False).astype(bool) & aui.notnull()
    vals = aui.where(elig)
    with warnings.catch_warnings():  # a slice with no eligible geo (e.g. API usage) has no quartiles
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        q = vals.quantile([0.25, 0.5, 0.75], dim=GEO, skipna=True)
    code = 1 + sum((aui > q.isel(quantile=i).drop_vars("quantile")).astype(int) for i in range(3))
    code = xr.where(elig, code, xr.where(aui.notnull(), 0, -1))
    labels = np.array([*TIER_LABELS, NO_DATA], dtype=object)
    tiers = xr.DataArray(labels[np.asarray(code.values)], dims=code.dims, coords=code.coords)
    tiers = tiers.assign_coords(tier_code=code.astype(int))
    tiers.name = "usage_tier"
    tiers.attrs = {
        "long_name": "Usage tier (quartiles of the usage index among eligible geos)",
        "labels": list(TIER_LABELS),
    }
    return tiers


def tiers_categorical(tiers: xr.DataArray) -> pd.Categorical:
    """The tiers of :func:`usage_tiers` (1-D) as an ordered :class:`pandas.Categorical` ("No data" -> NaN).

    Examples
    --------
    >>> import xarray as xr
    >>> t = usage_tiers(xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="geo", coords={"geo": list("ABCD")}))
    >>> c = tiers_categorical(t)
    >>> bool(c[3] > c[0]), c.categories[0]
    (True, 'Minimal')
    """
    if tiers.ndim != 1:
        raise OptionError("tiers_categorical needs a 1-D tier array; select one period/platform first")
    values = [v if v in TIER_LABELS else None for v in tiers.values.tolist()]
    return pd.Categorical(values, categories=list(TIER_LABELS), ordered=True)


# --------------------------------------------------------------------------- specialization
def _category_counts(ds: xr.Dataset, over: str, request_level: int) -> tuple[xr.DataArray, str]:
    if over == "request":
        if "request_count" not in ds.data_vars:
            raise SchemaError("specialization over='request' needs 'request_count'")
        if "request_level" not in ds.coords:
            raise SchemaError("dimension 'request' lacks the 'request_level' coordinate")
        lv = np.asarray(ds["request_level"].values)
        at = ds[REQUEST].values[lv == request_level]
        if at.size == 0:
            raise OptionError(f"request_level={request_level!r} has no clusters")
        return ds["request_count"].sel({REQUEST: at}), REQUEST
    counts = _require(ds, "task_count")
    if over == "task":
        return counts, TASK
    if "soc_major" not in ds.coords:
        raise SchemaError("specialization over='soc_major' needs the 'soc_major' coordinate on 'task'")
    # task -> SOC major group with xarray's groupby (min_count=1: a group with no observed
    # cell stays missing); a hand-written np.add.reduceat was only ~1.3x faster, not worth it
    soc = ds["soc_major"].sel({TASK: counts[TASK].values}).compute().astype(str)  # labels, never lazy
    summed = _bare(counts).assign_coords(soc_major=soc).groupby("soc_major").sum(min_count=1)
    return summed, "soc_major"


def specialization(
    ds: xr.Dataset,
    over: Literal["soc_major", "task", "request"] = "soc_major",
    *,
    level: str = "country",
    reference: str | xr.DataArray | None = None,
    request_level: int = 0,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Location quotient: a geo's share of usage in a category over the reference share.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``task_count`` (for ``over="task"`` or ``"soc_major"``, the
        latter aggregated with the ``soc_major`` coordinate) or ``request_count``.
    over : {"soc_major", "task", "request"}
        Categories.
    level : {"country", "state_us"}
        Located geos to compute it for.
    reference : None, "pooled", a geo label, or DataArray
        Reference shares. ``None``: the parent geo (``GLOBAL`` for countries,
        ``USA`` for states, as the release's ``*_pct_index``) if it is in
        ``ds``, else ``"pooled"`` (summed counts of all geos at ``level``,
        unlocated included). A geo label uses that geo's shares; a DataArray
        over the category dim is used as given.
    request_level : int, default 0
        Request hierarchy level for ``over="request"``.
    exclude : sequence of str, default ("none", "not_classified")
        Categories left out of shares (the release excludes them from its
        indices as not meaningful).

    Returns
    -------
    xarray.DataArray
        ``specialization`` over ``geo`` x category (plus extra dims): 1 means
        the category is as common as in the reference, 6 means six times as
        common. NaN where the reference share is zero. ``attrs["reference"]``
        says which reference was used.

    Examples
    --------
    >>> import xarray as xr
    >>> counts = [[30.0, 70.0], [20.0, 380.0], [90.0, 510.0]]
    >>> ds = xr.Dataset({"task_count": (("geo", "task"), counts)},
    ...                 coords={"geo": ["BRA", "USA", "GLOBAL"], "task": ["translate", "code"],
    ...                         "soc_major": ("task", ["27", "15"]),
    ...                         "geo_level": ("geo", ["country", "country", "global"])})
    >>> specialization(ds, "task").sel(geo="BRA").values.round(3).tolist()  # vs GLOBAL
    [2.0, 0.824]
    >>> round(specialization(ds, "soc_major", reference="pooled").sel(geo="BRA", soc_major="27").item(), 9)
    3.0
    """
    check_option("over", over, ("soc_major", "task", "request"))
    check_option("level", level, _INDEX_LEVELS)
    counts, dim = _category_counts(ds, over, request_level)
    drop = set(map(str, exclude))
    keep_cats = _kept_labels(counts, dim, drop)  # by the cluster, not its label ('none [level 2]')
    counts = counts.sel({dim: keep_cats})
    geos = geos_at_level(ds, level)
    share = _divide(counts.sel({GEO: geos}), counts.sel({GEO: geos}).sum(dim, skipna=True, min_count=1))

    all_geos = set(_labels(ds[GEO].values))
    if isinstance(reference, xr.DataArray):
        ref = reference
        ref_desc = "user-supplied shares"
    else:
        if reference is None:
            parent = _PARENT[level]
            reference = (
                parent if parent in all_geos and bool(counts.sel({GEO: parent}).notnull().any()) else "pooled"
            )
        if reference == "pooled":
            at_level = [
                g
                for g, lv in zip(_labels(ds[GEO].values), _labels(ds["geo_level"].values), strict=True)
                if lv == level
            ]
            pooled = counts.sel({GEO: at_level}).sum(GEO, skipna=True)
            ref = _divide(pooled, pooled.sum(dim))
            ref_desc = f"pooled counts of the {len(at_level)} geos at level {level!r}"
        else:
            if reference not in all_geos:
                raise SchemaError(f"reference geo {reference!r} is not in the dataset")
            rc = counts.sel({GEO: reference}).drop_vars(GEO)
            ref = _divide(rc, rc.sum(dim, skipna=True, min_count=1))
            ref_desc = f"shares of geo {reference!r}"
    ref = ref.drop_vars([c for c in ref.coords if c not in ref.dims], errors="ignore")
    lq = _divide(share, ref.where(ref > 0))
    lq.name = "specialization"
    lq.attrs = {
        "long_name": f"Location quotient over {over}",
        "units": "1",
        "over": over,
        "reference": ref_desc,
        "excluded": sorted(drop),
    }
    if over == "request":
        lq.attrs["request_level"] = int(request_level)
    if over != "request" and "task_cells_note" in ds.attrs:
        lq.attrs["caveat"] = str(ds.attrs["task_cells_note"])
    return lq


def top_specializations(
    ds: xr.Dataset,
    geo: str,
    n: int = 5,
    over: Literal["soc_major", "task", "request"] = "soc_major",
    *,
    reference: str | xr.DataArray | None = None,
    request_level: int = 0,
    min_count: float = 0.0,
) -> pd.DataFrame:
    """The ``n`` categories most over-represented in ``geo`` relative to the reference.

    Parameters
    ----------
    ds : xarray.Dataset
        As for :func:`specialization`.
    geo : str
        Geo label; its ``geo_level`` sets the level.
    n : int, default 5
        How many categories.
    over, reference, request_level
        As for :func:`specialization`.
    min_count : float, default 0
        Skip categories with fewer conversations in ``geo`` (a location
        quotient of a tiny cell is noise).

    Returns
    -------
    pandas.DataFrame
        Columns (any extra dims first, then) ``rank, category, title, count,
        share, reference_share, specialization``, sorted by rank; ``title`` is
        the SOC major group title for ``over="soc_major"`` and the category
        itself otherwise.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"task_count": (("geo", "task"), [[40.0, 60.0], [60.0, 340.0]])},
    ...                 coords={"geo": ["BRA", "USA"], "task": ["translate text", "write code"],
    ...                         "soc_major": ("task", ["27", "15"]),
    ...                         "geo_level": ("geo", ["country", "country"])})
    >>> top_specializations(ds, "BRA", n=1, over="soc_major")[["category", "title"]].values.tolist()
    [['27', 'Arts, Design, Entertainment, Sports, and Media']]
    """
    if geo not in set(_labels(ds[GEO].values)):
        raise SchemaError(f"geo {geo!r} is not in the dataset")
    if n < 1:
        raise OptionError(f"n={n!r} must be a positive integer")
    level = str(ds["geo_level"].sel({GEO: geo}).item())
    lq = specialization(ds, over, level=level, reference=reference, request_level=request_level)
    counts, dim = _category_counts(ds, over, request_level)
    c = counts.sel({GEO: geo, dim: lq[dim].values})
    tot = c.sum(dim, skipna=True, min_count=1)
    frame = xr.Dataset(
        {
            "count": c,
            "share": _divide(c, tot),
            "specialization": lq.sel({GEO: geo}),
        }
    )
    frame["reference_share"] = _divide(frame["share"], frame["specialization"])
    df = frame.drop_vars([v for v in frame.coords if v not in frame.dims]).to_dataframe().reset_index()
    df = df.rename(columns={dim: "category"})
    df = df[np.isfinite(df["specialization"]) & (df["count"].fillna(0) >= min_count)]
    extra = [str(d) for d in lq.dims if d not in (GEO, dim)]
    df = df.sort_values([*extra, "specialization"], ascending=[True] * len(extra) + [False], kind="stable")
    df = df.groupby(extra, sort=False).head(n) if extra else df.head(n)
    df["rank"] = (
        df.groupby(extra, sort=False).cumcount() if extra else pd.Series(range(len(df)), index=df.index)
    ) + 1
    df["category"] = df["category"].astype(str)
    df["title"] = (
        df["category"].map(SOC_MAJOR_GROUPS).fillna(df["category"]) if over == "soc_major" else df["category"]
    )
    cols = [*extra, "rank", "category", "title", "count", "share", "reference_share", "specialization"]
    return df[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- concentration
def _values_weights(
    x: xr.Dataset | xr.DataArray, weights: str | xr.DataArray | None, level: str | None
) -> tuple[xr.DataArray, xr.DataArray, str]:
    """The per-geo values (the index) and weights for the concentration measures."""
    if isinstance(x, xr.Dataset):
        lvl = level or "country"
        if "usage_count" in x.data_vars:
            vals = usage_index(x, lvl, keep_all=True)
            vals = vals.where(vals["eligible"])
            src = "usage_index recomputed from counts (eligible geos)"
        elif "usage_index" in x.data_vars:
            vals = x["usage_index"].sel({GEO: geos_at_level(x, lvl)})
            src = "published usage_index"
        else:
            raise SchemaError("dataset has neither 'usage_count' nor 'usage_index'")
        if isinstance(weights, str):
            w = _require(x, weights).sel({GEO: vals[GEO].values})
        elif weights is None:
            w = xr.ones_like(vals[GEO], dtype=float)
        else:
            w = weights
    elif isinstance(x, xr.DataArray):
        if GEO not in x.dims:
            raise SchemaError("expected a DataArray over 'geo'")
        vals, src = x, str(x.name or "values")
        if isinstance(weights, str):
            raise OptionError("weights given by name need a Dataset; pass a DataArray of weights")
        w = xr.ones_like(x[GEO], dtype=float) if weights is None else weights
    else:
        raise SchemaError(f"expected an xarray Dataset or DataArray, got {type(x).__name__}")
    if w is not None and bool((w < 0).any()):
        raise DataValueError("concentration weights must be non-negative")
    vals, w = xr.broadcast(vals, w.reindex({GEO: vals[GEO].values}))
    if bool((vals < 0).any()):
        raise DataValueError("concentration measures need non-negative values")
    # every observed value zero: no distribution to measure (a Gini would be 0/0)
    observed = (vals.notnull() & (w > 0)).any(GEO)
    if not bool(observed.any()):  # no geo at all, or none observed: nothing to measure (not 1.0, not NaN)
        raise DataValueError(
            f"concentration measures need at least one observed value; got {vals.sizes[GEO]} geo(s), "
            f"none with a value and a positive weight ({src})"
        )
    empty = observed & ((vals.fillna(0.0) * w.fillna(0.0)).sum(GEO) == 0)
    if bool(empty.any()):
        where = f" at {first_bad_cell(empty, np.asarray(empty.values))}" if empty.dims else ""
        raise DataValueError(f"concentration measures are undefined when every value is zero{where} ({src})")
    return vals.transpose(..., GEO), w.transpose(..., GEO), src


def gini(
    x: xr.Dataset | xr.DataArray,
    *,
    weights: str | xr.DataArray | None = None,
    level: str | None = None,
) -> xr.DataArray:
    """Gini coefficient of the usage index across geos (0 = usage proportional to population).

    Parameters
    ----------
    x : xarray.Dataset or DataArray
        A DataArray of the index over ``geo``, or a dataset (the index is
        recomputed from counts with the release's threshold, or the published
        ``usage_index`` is used when there are no counts).
    weights : None, variable name, or DataArray
        ``None`` (default): every geo counts once, the convention of the AEI
        reports (e.g. the US-state Gini of 0.37 in Aug 2025). ``"working_age_pop"``
        weights geos by population: the Gini of usage relative to population
        (the area between the Lorenz curve of usage against population and
        the diagonal).
    level : str, optional
        Geo level when ``x`` is a dataset (default ``"country"``).

    Returns
    -------
    xarray.DataArray
        ``gini`` with the extra dims of ``x`` (a scalar for a single release).
        Missing values are left out.

    Examples
    --------
    >>> import econindex as ei
    >>> panel = ei.datasets.load_us_state_panel()
    >>> gini(panel, level="state_us").round(2).values.tolist()
    [0.37, 0.32, 0.29, 0.28]
    """
    vals, w, src = _values_weights(x, weights, level)
    g = xr.apply_ufunc(_k.gini, vals, w, input_core_dims=[[GEO], [GEO]])
    g.name = "gini"
    g.attrs = {"long_name": "Gini coefficient of the usage index", "weights": str(weights), "source": src}
    return g


def lorenz_curve(
    x: xr.Dataset | xr.DataArray,
    *,
    weights: str | xr.DataArray | None = None,
    level: str | None = None,
) -> xr.Dataset:
    """Lorenz curve points of the usage index across geos, sorted from lowest to highest.

    Parameters
    ----------
    x, weights, level
        As for :func:`gini`.

    Returns
    -------
    xarray.Dataset
        Over a ``point`` dim of ``n + 1`` points starting at (0, 0):
        ``weight_share`` (cumulative share of geos, or of population when
        weighted) and ``usage_share`` (cumulative share of index x weight,
        i.e. of usage when weighted by population), plus ``geo`` (the geo added
        at each point, "" at the origin), with the extra dims of ``x``.

    Examples
    --------
    >>> import xarray as xr
    >>> lc = lorenz_curve(xr.DataArray([3.0, 1.0], dims="geo", coords={"geo": ["A", "B"]}))
    >>> lc["usage_share"].values.tolist(), lc["geo"].values.tolist()
    ([0.0, 0.25, 1.0], ['', 'B', 'A'])
    """
    vals, w, src = _values_weights(x, weights, level)
    P, L, order = _k.lorenz_points(vals.values, w.values)
    labels = np.concatenate([np.array([""], dtype=object), np.asarray(vals[GEO].values, dtype=object)])
    geo_at = labels[np.concatenate([np.full((*order.shape[:-1], 1), -1), order], axis=-1) + 1]
    dims = (*vals.dims[:-1], "point")
    coords = {d: vals[d] for d in vals.dims[:-1] if d in vals.coords}
    out = xr.Dataset(
        {"weight_share": (dims, P), "usage_share": (dims, L), "geo": (dims, geo_at)},
        coords={**coords, "point": np.arange(P.shape[-1])},
        attrs={"weights": str(weights), "source": src},
    )
    return out


def top_k_share(
    x: xr.Dataset | xr.DataArray,
    k: int = 10,
    *,
    weights: str | xr.DataArray | None = None,
    level: str | None = None,
) -> xr.Dataset:
    """Share held by the ``k`` geos with the highest usage index.

    Parameters
    ----------
    x, weights, level
        As for :func:`gini`; weight by ``"working_age_pop"`` to get shares of
        usage and of population.
    k : int, default 10
        How many top geos.

    Returns
    -------
    xarray.Dataset
        ``usage_share`` (share of index x weight, i.e. of usage when weighted
        by population) and ``weight_share`` (share of the weight: of geos, or of
        population) of the top ``k``, with the extra dims of ``x``.

    Examples
    --------
    >>> import xarray as xr
    >>> aui = xr.DataArray([4.0, 1.0, 0.5], dims="geo", coords={"geo": ["ISR", "USA", "IND"]})
    >>> pop = xr.DataArray([1.0, 3.0, 16.0], dims="geo", coords={"geo": ["ISR", "USA", "IND"]})
    >>> r = top_k_share(aui, 1, weights=pop)
    >>> round(float(r["usage_share"]), 4), float(r["weight_share"])
    (0.2667, 0.05)
    """
    if not (isinstance(k, int | np.integer) and k >= 1):
        raise OptionError(f"k={k!r} must be a positive integer")
    vals, w, src = _values_weights(x, weights, level)
    m, ws = _k.top_k_share(vals.values, w.values, int(k))
    dims = vals.dims[:-1]
    coords = {d: vals[d] for d in dims if d in vals.coords}
    return xr.Dataset(
        {"usage_share": (dims, m), "weight_share": (dims, ws)},
        coords=coords,
        attrs={"k": int(k), "weights": str(weights), "source": src},
    )


# --------------------------------------------------------------------------- convergence
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ConvergenceResult(CoefficientResult):
    """Beta convergence of the usage index between two periods (frozen).

    A :class:`~econindex.results.CoefficientResult` (coefficients ``const`` and
    ``ln_aui_start``, the regression's covariance), so ``params``, ``bse``,
    ``conf_int``, ``wald_test``, ``t_test``, ``to_latex`` and
    :func:`~econindex.compare` work as for every other result.
    ``beta`` is the slope of ln AUI(end) on ln AUI(start); ``beta < 1`` means
    geos with a low index catch up. ``quarterly_rate = -ln(beta) / step_quarters``
    and ``half_life = ln(0.5) / ln(beta)`` (in period steps; ``half_life_quarters``
    in quarters).
    """

    start: str
    end: str
    weights: str | None
    beta: float
    se: float
    pvalue: float
    intercept: float
    r2: float
    step_quarters: float
    half_life: float
    half_life_quarters: float
    quarterly_rate: float
    geos: tuple[str, ...]
    dropped: dict[str, str] = field(hash=False)
    source: str
    regression: RegressionResult = field(repr=False, compare=False, hash=False)
    x: np.ndarray = field(repr=False, compare=False, hash=False)
    y: np.ndarray = field(repr=False, compare=False, hash=False)

    @property
    def rsquared(self) -> float:
        """R-squared of the regression."""
        return self.r2

    def predict(self, x: Any = None) -> np.ndarray:
        """Fitted ln AUI(end) (``x=None``) or ``a + beta * x`` for given ln AUI(start) values."""
        if x is None:
            return np.asarray(self.regression.fittedvalues)
        return self.intercept + self.beta * np.asarray(x, dtype=float)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Interval of ``beta`` at coverage ``level``, from the regression's covariance."""
        bounds = np.asarray(self.regression.conf_int(alpha=1.0 - level))[1]
        return float(bounds[0]), float(bounds[1])

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy coefficient table of the regression (``term, estimate, std_error, statistic, p_value,
        ci_lower, ci_upper``), from :meth:`econindex.regression.RegressionResult.to_frame`."""
        return self.regression.to_frame(alpha)

    def to_xarray(self, alpha: float = 0.05) -> xr.Dataset:
        """Coefficients along a ``stat`` dim (the regression's export); convergence figures in attrs."""
        out = self.regression.to_xarray(alpha)
        out.attrs.update(
            start=self.start,
            end=self.end,
            step_quarters=self.step_quarters,
            half_life=self.half_life,
            half_life_quarters=self.half_life_quarters,
            quarterly_rate=self.quarterly_rate,
            dropped=[f"{g}: {r}" for g, r in self.dropped.items()],
        )
        return out

    def summary(self, alpha: float = 0.05) -> str:
        """Plain-text summary: the convergence figures, then the coefficient table."""
        w = "OLS" if self.weights is None else f"WLS (weights: {self.weights})"
        lines = [
            f"Convergence of the usage index, level {self.level!r}: {self.start} -> {self.end}",
            f"ln AUI(end) = a + beta ln AUI(start); {w}, cov_type={self.cov_type}, N={self.nobs}",
            f"  beta        {self.beta:9.4f}  (se {self.se:.4f}, "
            f"95% CI {self.ci()[0]:.4f} .. {self.ci()[1]:.4f})",
            f"  R-squared   {self.rsquared:9.4f}",
            f"  step        {self.step_quarters:9.4f} quarters between period starts",
            f"  quarterly convergence rate  {self.quarterly_rate:.4f}  (-ln(beta) / step)",
            f"  half-life   {self.half_life:.3f} periods = {self.half_life_quarters:.3f} quarters",
            f"  data: {self.source}",
        ]
        if self.dropped:
            lines.append(
                f"  dropped ({len(self.dropped)}): " + "; ".join(f"{g}: {r}" for g, r in self.dropped.items())
            )
        return "\n".join(lines) + "\n" + CoefficientResult.summary(self, alpha)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax: Axes | None = None) -> Axes:
        """Scatter of ln AUI(end) on ln AUI(start) with the fitted line (needs matplotlib)."""
        from econindex.plots._indices import plot_convergence

        return plot_convergence(self, ax=ax)


def _period_start(ds: xr.Dataset, label: str) -> np.datetime64:
    raw = ds["date_start"].sel({PERIOD: label}).item() if "date_start" in ds.coords else label
    try:
        return np.datetime64(str(raw)[:10], "D")
    except ValueError as exc:
        raise SchemaError(f"period {label!r} has no parseable start date ({raw!r})") from exc


def convergence(
    ds: xr.Dataset,
    level: str = "state_us",
    start: str | None = None,
    end: str | None = None,
    weights: str | None = None,
    cov_type: str = "HC1",
    *,
    exclude: Sequence[str] | str | None = None,
    min_count: float | None = None,
    cluster: str | None = None,
    cluster_correction: str = "CR1",
) -> ConvergenceResult:
    """Beta convergence: regress ln AUI(end) on ln AUI(start) across geos present in both periods.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with a ``period`` dimension and either counts (``usage_count``,
        ``working_age_pop``: the index is recomputed per period with
        :func:`usage_index` and its release convention) or the published
        ``usage_index`` (as in :func:`econindex.datasets.load_us_state_panel`).
    level : {"country", "state_us"}
        Geo level.
    start, end : str, optional
        Period labels; default the first two periods (``end`` defaults to the
        period after ``start``).
    weights : None or str
        ``None``: OLS; a variable name such as ``"working_age_pop"``: WLS with
        that variable (its value in the start period if it has one).
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        Covariance of the estimates (``cluster=`` with the default means ``"cluster"``).
    cluster : str, optional
        Geo coordinate (e.g. ``"census_division"``) whose values are the clusters.
    cluster_correction : {"CR1", "CR2", "CR3"}
    exclude : sequence of geo labels or "abuse_flagged", optional
        Geos to leave out (``"abuse_flagged"`` drops geos flagged in the start
        or end period, e.g. Wyoming's November 2025 spike).
    min_count : float, optional
        Reporting threshold when the index is recomputed from counts.

    Returns
    -------
    ConvergenceResult
        With ``beta``, ``se``, ``ci``, ``half_life``, ``quarterly_rate``, and
        ``dropped`` naming every geo left out and why.

    Notes
    -----
    The time step is measured between the periods' start dates, in quarters of
    365.25 / 4 days: ``step_quarters``. Per step ``beta = exp(-lambda * step)``,
    so the quarterly convergence rate is ``lambda = -ln(beta) / step`` and the
    half-life ``ln(0.5) / ln(beta)`` steps (``x step_quarters`` quarters). With
    ``beta >= 1`` there is no convergence (half-life infinite, rate <= 0).

    Examples
    --------
    >>> import econindex as ei
    >>> panel = ei.datasets.load_us_state_panel()
    >>> res = convergence(panel, start="2025-08-04", end="2025-11-13")
    >>> res.nobs, round(res.beta, 3), sorted(res.dropped)
    (50, 0.815, ['UT'])
    """
    validate(ds, check_values=False)  # types, duplicate labels, dtypes: before any arithmetic
    check_option("level", level, _INDEX_LEVELS)
    check_option("cov_type", cov_type, ("nonrobust", "HC0", "HC1", "HC2", "HC3"))
    if PERIOD not in ds.dims:
        raise SchemaError("convergence needs a dataset with a 'period' dimension")
    periods = _labels(ds[PERIOD].values)
    if len(periods) < 2:
        raise EstimationError(f"convergence needs two periods; the dataset has {periods}")
    start = periods[0] if start is None else str(start)
    for name, lab in (("start", start),):
        if lab not in periods:
            raise OptionError(f"{name}={lab!r} is not a period; periods: {periods}")
    if end is None:
        i = periods.index(start)
        if i + 1 >= len(periods):
            raise OptionError(f"start={start!r} is the last period; give end=")
        end = periods[i + 1]
    end = str(end)
    if end not in periods:
        raise OptionError(f"end={end!r} is not a period; periods: {periods}")
    if end == start:
        raise OptionError("start and end must be different periods")

    sub = ds.sel({PERIOD: [start, end]})
    if "usage_count" in sub.data_vars:
        aui = usage_index(sub, level, keep_all=True, min_count=min_count)
        src = "usage_index recomputed from counts (release convention)"
        below = ~aui["eligible"] & aui.notnull()
    elif "usage_index" in sub.data_vars:
        aui = sub["usage_index"].sel({GEO: geos_at_level(sub, level)})
        src = "published usage_index"
        below = xr.zeros_like(aui, dtype=bool)
    else:
        raise SchemaError("dataset has neither 'usage_count' nor 'usage_index'")
    other = [d for d in aui.dims if d not in (GEO, PERIOD)]
    if other:
        raise OptionError(f"convergence works on one slice; select a single value of {other} first")
    aui = aui.transpose(GEO, PERIOD)
    geos = _labels(aui[GEO].values)
    excl = set(_exclude_list(sub, exclude))
    exclude_desc = "abuse_flagged" if exclude == "abuse_flagged" else "exclude="
    vals = np.asarray(aui.values, dtype=float)
    below_v = np.asarray(below.transpose(GEO, PERIOD).values, dtype=bool)
    w_v: np.ndarray | None = None
    if weights is not None:
        wv = _require(sub, weights).sel({GEO: geos})
        if PERIOD in wv.dims:
            wv = wv.sel({PERIOD: start})
        w_v = np.asarray(wv.values, dtype=float)
    nan = np.isnan(vals)
    with np.errstate(invalid="ignore"):
        nonpos = vals <= 0
    reasons = [  # in order of precedence; a geo is named once, with its first reason
        (np.isin(geos, list(excl)), np.full(len(geos), f"excluded ({exclude_desc})", dtype=object)),
        (
            nan.any(axis=1),
            np.where(
                nan[:, 0] & nan[:, 1],
                f"missing in {start}, {end}",
                np.where(nan[:, 0], f"missing in {start}", f"missing in {end}"),
            ),
        ),
        (below_v.any(axis=1), np.full(len(geos), "below min_count", dtype=object)),
        (nonpos.any(axis=1), np.full(len(geos), "zero index (log undefined)", dtype=object)),
    ]
    if w_v is not None:
        reasons.append(
            (~(np.isfinite(w_v) & (w_v > 0)), np.full(len(geos), f"missing or zero weight {weights!r}"))
        )
    why = np.full(len(geos), "", dtype=object)
    for mask, text in reversed(reasons):
        why = np.where(mask, text, why)
    keep = why == ""
    dropped = {g: str(r) for g, r in zip(geos, why, strict=True) if r}
    n = int(keep.sum())
    if n < 3:
        raise EstimationError(
            f"convergence needs at least 3 geos in both periods; {n} left (dropped: {dropped})"
        )
    x = np.log(vals[keep, 0])
    y = np.log(vals[keep, 1])
    X = np.column_stack([np.ones(n), x])
    kept = [g for g, k in zip(geos, keep, strict=True) if k]
    if cluster is not None and cov_type == "HC1":
        cov_type = "cluster"
    clusters = None
    if cov_type == "cluster":
        if cluster is None or cluster not in ds.coords or ds[cluster].dims != (GEO,):
            raise OptionError(f"cov_type='cluster' needs cluster= (a coordinate on 'geo'); got {cluster!r}")
        clusters = np.asarray(ds[cluster].sel({GEO: kept}).values).astype(str)
    reg = OLS(cov_type=cov_type, cluster_correction=cluster_correction).fit(
        y,
        X,
        clusters=clusters,
        weights=None if w_v is None else w_v[keep],
        names=("const", "ln_aui_start"),
        obs_names=kept,
        dep_var="ln_aui_end",
        level=level,
    )
    params = pd.Series(reg.params)
    bse = pd.Series(reg.bse)
    beta = float(params.iloc[1])
    step = float((_period_start(ds, end) - _period_start(ds, start)) / np.timedelta64(1, "D")) / (365.25 / 4)
    if beta > 0:
        rate = -math.log(beta) / step
        half = math.log(0.5) / math.log(beta) if beta < 1 else math.inf
    else:
        rate, half = math.nan, math.nan
    return ConvergenceResult(
        **inference_fields(reg),
        level=level,
        model="OLS convergence",
        dep_var="ln_aui_end",
        start=start,
        end=end,
        weights=weights,
        beta=beta,
        se=float(bse.iloc[1]),
        pvalue=float(pd.Series(reg.pvalues).iloc[1]),
        intercept=float(params.iloc[0]),
        r2=float(reg.rsquared),
        step_quarters=step,
        half_life=half,
        half_life_quarters=half * step,
        quarterly_rate=rate,
        geos=tuple(kept),
        dropped=dropped,
        source=src,
        regression=reg,
        x=x,
        y=y,
    )
