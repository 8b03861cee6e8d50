"""Extracting category counts from a dataset for :func:`compare_shares` (and the task counts of
:class:`CostUsage`): the count variable of each category set, geo selection, other dims reduced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from econindex.errors import (
    EstimationError,
    OptionError,
    SchemaError,
)
from econindex.indices import cluster_identity
from econindex.schema import (
    GEO,
    PATTERN,
    REQUEST,
    SPECIAL_CLUSTERS,
    TASK,
)

# over -> (count variable, published-share fallback, core dim, grouping coordinate or None)
_SOURCES: dict[str, tuple[str, str | None, str, str | None]] = {
    "soc_major": ("task_count", "task_share_published", TASK, "soc_major"),
    "task": ("task_count", "task_share_published", TASK, None),
    "pattern": ("pattern_count", "pattern_share_published", PATTERN, None),
    "mode": ("pattern_count", "pattern_share_published", PATTERN, "mode"),
    "request": ("request_count", None, REQUEST, None),
}


@dataclass(frozen=True)
class _Counts:
    values: np.ndarray  # (K categories, L levels); NaN = not measured
    categories: list[str]
    levels: list[str]
    variable: str
    published: bool
    geo: str
    notes: list[str]


def _as_list(x: str | Sequence[str]) -> list[str]:
    return [x] if isinstance(x, str) else [str(v) for v in x]


def _select_geo(
    da: xr.DataArray, ds: xr.Dataset, geo: str | Sequence[str] | None, level: str | None, notes: list[str]
) -> tuple[xr.DataArray, str]:
    if GEO not in da.dims:
        return da, ""
    if level is not None:
        if geo is not None:
            raise OptionError("pass either geo= or level=, not both")
        from econindex.schema import geos_at_level

        geos = geos_at_level(ds, level)
        sub = da.sel({GEO: geos})
        if bool(sub.isnull().any()):
            notes.append(f"some cells are missing at level {level!r}; the sum over its geos skips them")
        return sub.sum(GEO, skipna=True, min_count=1), f"sum over {len(geos)} {level} geos"
    geos = _as_list("GLOBAL" if geo is None else geo)
    present = {str(g) for g in ds[GEO].values}
    unknown = [g for g in geos if g not in present]
    if unknown:
        hint = " (pass level= to sum over the geos of a level)" if geo is None else ""
        raise SchemaError(f"geo {unknown} not in the dataset{hint}; first geos: {sorted(present)[:8]}")
    if len(geos) == 1:
        return da.sel({GEO: geos[0]}, drop=True), geos[0]
    sub = da.sel({GEO: geos})
    if bool(sub.isnull().any()):
        notes.append("some cells are missing in the selected geos; the sum skips them")
    return sub.sum(GEO, skipna=True, min_count=1), "+".join(geos)


def _reduce_other_dims(
    da: xr.DataArray, keep: set[str], sel: Mapping[str, Any] | None, name: str
) -> xr.DataArray:
    sel = dict(sel or {})
    for d in list(da.dims):
        if d in keep:
            continue
        if d in sel:
            try:
                da = da.sel({d: sel.pop(d)}, drop=True)
            except KeyError as exc:
                raise SchemaError(f"sel: label {exc} not found on dim {d!r} of {name!r}") from None
        elif da.sizes[d] == 1:
            da = da.isel({d: 0}, drop=True)
        else:
            labels = [str(v) for v in da[d].values][:6]
            raise SchemaError(
                f"variable {name!r} also varies over {d!r} ({da.sizes[d]} labels, e.g. {labels}); "
                f"pick one with sel={{{d!r}: ...}}"
            )
    if sel:
        raise OptionError(f"sel names dims {sorted(sel)} that {name!r} does not have")
    return da


def _extract(
    ds: xr.Dataset,
    dim: str,
    over: str,
    *,
    geo: str | Sequence[str] | None,
    level: str | None,
    sel: Mapping[str, Any] | None,
    request_level: int | None,
    exclude: Sequence[str],
    n: float | Mapping[str, float] | None,
) -> _Counts:
    count_var, share_var, core, group = _SOURCES[over]
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if dim not in ds.dims:
        raise SchemaError(
            f"dataset has no {dim!r} dimension; comparing {dim}s needs at least two {dim} labels"
        )
    if ds.sizes[dim] < 2:
        only = [str(v) for v in ds[dim].values]
        raise EstimationError(f"dataset has only one {dim} ({only}); comparing needs at least two")
    notes: list[str] = []
    published = False
    if count_var in ds.data_vars:
        da = ds[count_var]
        if n is not None:
            raise OptionError(f"n= is only for datasets with published shares; {count_var!r} has counts")
    elif share_var is not None and share_var in ds.data_vars:
        da = ds[share_var]
        published = True
        notes.append(
            f"{count_var!r} is absent: shares come from the published {share_var!r}"
            + (
                " and counts are share x the n= given"
                if n is not None
                else "; intervals and tests need counts and are not reported (pass n=)"
            )
        )
    else:
        alt = f" or {share_var!r}" if share_var else ""
        raise SchemaError(f"comparing shares over {over!r} needs {count_var!r}{alt} in the dataset")
    name = str(da.name)
    if sel and dim in sel:
        raise OptionError(f"sel= cannot fix the compared dim {dim!r}; choose its levels with a= and b=")
    if published and GEO in da.dims and (level is not None or not isinstance(geo, str | None)):
        raise OptionError(f"published shares ({name!r}) cannot be summed over geos; pick one geo")
    if dim not in da.dims:
        raise SchemaError(f"variable {name!r} does not vary over {dim!r} (dims {da.dims})")
    da, geo_label = _select_geo(da, ds, geo, level, notes)
    if over == "request":
        if "request_level" not in da.coords:
            raise SchemaError("dimension 'request' lacks the 'request_level' coordinate")
        lv = np.asarray(da["request_level"].values)
        if request_level is None:  # the coarsest level (AEI: level 0 is the finest, 2 the top)
            request_level = int(lv.max())
        mask = lv == request_level
        if not mask.any():
            raise SchemaError(
                f"no request cluster at request_level={request_level}; levels: {sorted(set(lv))}"
            )
        da = da.isel({REQUEST: np.flatnonzero(mask)})
        notes.append(f"request clusters at request_level={request_level}")
    elif request_level is not None:
        raise OptionError("request_level= applies to over='request' only")
    da = _reduce_other_dims(da, {core, dim}, sel, name)
    if group is not None:
        if group not in da.coords:
            raise SchemaError(f"over={over!r} needs the {group!r} coordinate on {core!r}")
        da = da.groupby(group).sum(skipna=True, min_count=1)
        da = da.rename({group: "category"})
    else:
        da = da.rename({core: "category"})
    da = da.transpose("category", dim)
    cats = [str(c) for c in da["category"].values]
    levels = [str(v) for v in da[dim].values]
    vals = np.asarray(da.values, dtype=float)
    if exclude:
        # the special clusters may be absent (some releases remove them upstream); other
        # unknown labels are likely typos
        # a request cluster is excluded by its name at every level ('none [level 2]' is none)
        names = (
            cluster_identity(cats, da["request_level"].values)
            if over == "request" and "request_level" in da.coords
            else cats
        )
        unknown = [e for e in exclude if e not in cats and e not in names and e not in SPECIAL_CLUSTERS]
        if unknown:
            raise OptionError(f"exclude names categories not in {over!r}: {unknown}")
        drop = set(exclude)
        keep = np.array([c not in drop and m not in drop for c, m in zip(cats, names, strict=True)])
        vals = vals[keep]
        cats = [c for c, k in zip(cats, keep, strict=True) if k]
        notes.append(f"excluded {list(exclude)}")
    if published:
        if n is None:
            sizes = np.full(len(levels), np.nan)
        elif isinstance(n, Mapping):
            missing = [lv for lv in levels if lv not in n]
            if missing:
                raise OptionError(f"n= lacks the {dim} labels {missing}")
            sizes = np.array([float(n[lv]) for lv in levels])
        else:
            sizes = np.full(len(levels), float(n))
        if n is not None and not (np.isfinite(sizes).all() and (sizes > 0).all()):
            raise OptionError(f"n= must be positive and finite; got {n!r}")
        sums = np.nansum(vals, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            vals = vals / np.where(sums > 0, sums, np.nan) * np.where(np.isnan(sizes), 1.0, sizes)
    return _Counts(vals, cats, levels, name, published, geo_label, notes)
