"""The AI Usage Index (AUI): a geo's share of usage over its share of the working-age population."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.indices._common import _bare, _divide, _labels, _require
from econindex.schema import ANALYSIS_LEVELS, GEO, UNLOCATED, check_option, excluded_geos, geos_at_level

__all__ = ["MIN_COUNT", "RELEASE_EXCLUDED_COUNTRIES_2025_09", "usage_index"]


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


Reference = None | str | Sequence[str] | Mapping[str, float]


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
    check_option("level", level, ANALYSIS_LEVELS)
    hint = (
        " (this dataset carries only the published 'usage_index'; use ds['usage_index'])"
        if "usage_index" in getattr(ds, "data_vars", {})
        else ""
    )
    # arithmetic on bare arrays (index coords only): merging the many geo coords at every
    # operation costs more than the arithmetic itself; they are put back at the end
    usage_all = _bare(_require(ds, "usage_count", hint))
    pop_all = _bare(_require(ds, "working_age_pop"))
    excluded = excluded_geos(ds, exclude)
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
