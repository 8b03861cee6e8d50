"""Turn a canonical dataset into the per-state arrays the Bayesian models need, with checks.

Every check names the offending states; nothing is dropped silently (each
exclusion becomes a note on the result).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import DataValueError, EstimationError, MissingCovariateError, SchemaError
from econindex.schema import SPECIAL_CLUSTERS, UNLOCATED, geos_at_level

LEVEL = "state_us"
MIN_STATES = 3
Exclude = str | Sequence[str] | None


def select_states(ds: xr.Dataset, exclude: Exclude = None) -> tuple[xr.Dataset, list[str]]:
    """Located US states of ``ds`` minus ``exclude`` ("flagged" = the ``abuse_flagged`` coordinate)."""
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    notes: list[str] = []
    geos = geos_at_level(ds, LEVEL)
    unloc = UNLOCATED[LEVEL]
    if unloc in ds.indexes.get("geo", pd.Index([])) and "usage_count" in ds:
        n = float(ds["usage_count"].sel(geo=unloc))
        notes.append(f"unlocated usage ({unloc}: {n:.0f} conversations) is not a state and is not modelled")
    if exclude is not None:
        if isinstance(exclude, str) and exclude == "flagged":
            if "abuse_flagged" not in ds.coords:
                raise SchemaError("exclude='flagged' needs the 'abuse_flagged' coordinate on 'geo'")
            flagged = ds["abuse_flagged"].sel(geo=geos).values.astype(bool)
            drop = [g for g, f in zip(geos, flagged, strict=True) if f]
        else:
            drop = [exclude] if isinstance(exclude, str) else [str(g) for g in exclude]
            unknown = [g for g in drop if g not in geos]
            if unknown:
                raise DataValueError(f"exclude names geos that are not located US states here: {unknown}")
        geos = [g for g in geos if g not in drop]
        if drop:
            notes.append(f"excluded before fitting: {', '.join(drop)}")
    if len(geos) < MIN_STATES:
        raise EstimationError(
            f"at least {MIN_STATES} located US states (geo_level 'state_us') are needed for a hierarchical "
            f"state model; got {len(geos)}: {list(geos)}"
        )
    return ds.sel(geo=geos), notes


def require(sub: xr.Dataset, names: Sequence[str], *, covariate: bool) -> None:
    """Raise unless every state has a finite value of each variable in ``names`` (naming the states)."""
    for name in names:
        if name not in sub.data_vars:
            err = MissingCovariateError if covariate else SchemaError
            raise err(f"dataset has no variable {name!r}, which this model needs")
        values = np.asarray(sub[name].values, float)
        bad = ~np.isfinite(values)
        if bad.any():
            states = [str(g) for g in sub["geo"].values[bad]]
            err2 = MissingCovariateError if covariate else DataValueError
            raise err2(f"{name!r} is missing for states {states}; supply it or pass exclude={states!r}")
    for name in ("working_age_pop", "gdp"):
        if name in names:
            zero = np.asarray(sub[name].values, float) <= 0
            if zero.any():
                states = [str(g) for g in sub["geo"].values[zero]]
                raise DataValueError(f"{name!r} must be positive; it is zero for states {states}")


def require_some_counts(values: np.ndarray, name: str) -> None:
    """Raise :class:`DataValueError` when every state's count of ``name`` is zero (nothing to model)."""
    if not (np.asarray(values, float) > 0).any():
        raise DataValueError(f"{name!r} is zero for every state: there are no conversations to model")


def _labels(sub: xr.Dataset, coord: str, needed_by: str) -> np.ndarray:
    if coord not in sub.coords:
        raise SchemaError(
            f"{needed_by} needs the {coord!r} coordinate on 'geo' (Census regions and divisions of the "
            "states; econindex.geography.geo_coords adds them)"
        )
    vals = np.asarray(sub[coord].values).astype(str)
    empty = (vals == "") | (vals == "nan") | (vals == "None")
    if empty.any():
        raise SchemaError(
            f"{coord!r} is empty for states {[str(g) for g in sub['geo'].values[empty]]}, "
            f"which {needed_by} needs"
        )
    return vals


@dataclass(frozen=True)
class Hierarchy:
    """Index arrays of the Census hierarchy of the states in a fit."""

    regions: list[str]
    divisions: list[str]
    region_of_state: np.ndarray
    division_of_state: np.ndarray
    region_of_division: np.ndarray


def hierarchy(sub: xr.Dataset, *, needed_by: str = "the state models", required: bool = True) -> Hierarchy:
    """Census regions and divisions of the states of ``sub`` as integer codes.

    With ``required=False`` (a model without group effects) missing labels
    give an empty hierarchy instead of an error.
    """
    if not required and not {"census_region", "census_division"} <= set(sub.coords):
        n = sub.sizes["geo"]
        return Hierarchy([], [], np.zeros(n, int), np.zeros(n, int), np.zeros(0, int))
    reg = _labels(sub, "census_region", needed_by)
    div = _labels(sub, "census_division", needed_by)
    regions, ri = np.unique(reg, return_inverse=True)
    divisions, di = np.unique(div, return_inverse=True)
    rod = np.zeros(len(divisions), dtype=int)
    rod[di] = ri  # each division lies in one region (Census definition)
    if not np.array_equal(rod[di], ri):
        raise SchemaError("a census_division spans two census_regions; the hierarchy must nest")
    return Hierarchy(list(regions), list(divisions), ri.astype(int), di.astype(int), rod)


def soc_group_counts(sub: xr.Dataset) -> tuple[xr.DataArray, list[str]]:
    """``task_count`` summed to SOC major groups per state (special tasks set aside, with a note)."""
    if "task_count" not in sub.data_vars:
        raise SchemaError("dataset has no 'task_count' variable (geo, task), which StateTaskMixModel needs")
    if "soc_major" not in sub.coords:
        raise SchemaError("'task' lacks the 'soc_major' coordinate mapping tasks to SOC major groups")
    tc = sub["task_count"]
    extra = [d for d in tc.dims if d not in ("geo", "task")]
    if extra:
        raise SchemaError(f"task_count has extra dims {extra}; select one period/platform first")
    notes: list[str] = []
    soc = np.asarray(sub["soc_major"].values).astype(str)
    special = np.isin(soc, list(SPECIAL_CLUSTERS)) | (soc == "")
    if special.any():
        n_special = float(tc.isel(task=np.flatnonzero(special)).sum())
        notes.append(
            f"{n_special:.0f} conversations in tasks without a SOC group (none/not_classified) "
            "are not modelled"
        )
    tc = tc.isel(task=np.flatnonzero(~special))
    n_missing = int(tc.isnull().sum())
    if n_missing:
        notes.append(
            f"{n_missing} (state, task) cells are missing (suppressed, not zero); they are left out, so "
            "the model describes the mix of the reported cells"
        )
    grouped = tc.fillna(0.0).groupby(tc["soc_major"].astype(str)).sum("task")
    grouped = grouped.rename({"soc_major": "soc_major"}).transpose("geo", "soc_major")
    vals = np.asarray(grouped.values)
    if (np.abs(vals - np.round(vals)) > 1e-6).any():
        raise DataValueError("task_count must hold whole conversation counts for the multinomial model")
    return grouped, notes
