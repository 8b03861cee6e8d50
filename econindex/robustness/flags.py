"""Remove abuse-flagged traffic consistently, and refit estimators with and without it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.results import interval_alpha
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CLASSIFIED_PATTERNS,
    GEO,
    PATTERN,
    PERIOD,
    PLATFORM,
    TASK,
    geos_at_level,
    validate,
)

from ._design import estimate_of

__all__ = ["exclude_flagged", "removed_traffic", "flagged_geos", "flag_sensitivity", "leave_one_group_out"]

# Count variables from which flagged traffic is removed (besides usage_count itself).
_GEO_COUNTS = ("task_count", "pattern_count", "request_count", "task_pattern_count", "request_pattern_count")
_DERIVED = (
    "usage_index",
    "automation_share",
    "expected_automation",
    "task_share_published",
    "pattern_share_published",
)
_FLAG_DIMS = {GEO, TASK, PERIOD, PLATFORM}


def _where(da: xr.DataArray, bad: np.ndarray) -> str:
    idx = np.argwhere(np.asarray(bad))[0]
    return ", ".join(f"{d}={str(da[d].values[i])!r}" for d, i in zip(da.dims, idx, strict=True))


def _as_flags(ds: xr.Dataset, flags: Any) -> tuple[str, xr.DataArray | None]:
    """Classify ``flags`` as ("counts", DataArray), ("mask", bool DataArray) or ("none", None)."""
    if flags is None:
        if "flagged_count" not in ds.data_vars:
            return "none", None
        return "counts", ds["flagged_count"]
    if isinstance(flags, str):
        flags = [flags]
    if isinstance(flags, Mapping):
        # {"UT": 5.0} is five flagged conversations of Utah, not "drop Utah"; {"UT": True} drops it
        vals = list(flags.values())
        if vals and all(isinstance(v, (bool, np.bool_)) for v in vals):
            flags = pd.Series(vals, index=[str(g) for g in flags], dtype=bool)
        elif all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in vals
        ):
            flags = pd.Series(vals, index=[str(g) for g in flags], dtype=float)
        else:
            raise OptionError(
                "flags as a mapping must map geos to flagged conversation counts (numbers) or to "
                f"True/False (drop the geo); got values {[type(v).__name__ for v in vals[:5]]}"
            )
    if isinstance(flags, np.ndarray) and flags.dtype == bool:
        if flags.shape != (ds.sizes[GEO],):
            raise SchemaError(
                f"a boolean mask must have one value per geo ({ds.sizes[GEO]}); got shape {flags.shape}"
            )
        flags = xr.DataArray(flags, dims=GEO, coords={GEO: ds[GEO].values})
    if isinstance(flags, pd.Series):
        flags = xr.DataArray.from_series(flags.rename_axis(GEO))
    if isinstance(flags, xr.DataArray):
        if GEO not in flags.dims:
            raise SchemaError(f"flags must have a 'geo' dimension; got dims {flags.dims}")
        extra = set(flags.dims) - _FLAG_DIMS
        if extra:
            raise SchemaError(
                f"flags has unexpected dims {sorted(map(str, extra))}; allowed: {sorted(_FLAG_DIMS)}"
            )
        unknown = [str(g) for g in flags[GEO].values if g not in ds.indexes[GEO]]
        if unknown:
            raise DataValueError(f"flags name geos not in the dataset: {unknown[:10]}")
        if flags.dtype == bool:
            return "mask", flags.reindex({GEO: ds[GEO].values}, fill_value=False)
        if not np.issubdtype(flags.dtype, np.number):
            raise SchemaError(f"flags must be numeric counts or a boolean mask; got dtype {flags.dtype}")
        return "counts", flags.astype(float)
    if isinstance(flags, Iterable):
        names = [str(g) for g in flags]
        unknown = [g for g in names if g not in ds.indexes[GEO]]
        if unknown:
            raise DataValueError(f"flags name geos not in the dataset: {unknown}")
        mask = xr.DataArray(
            np.isin(ds[GEO].values.astype(str), names), dims=GEO, coords={GEO: ds[GEO].values}
        )
        return "mask", mask
    raise OptionError(
        f"flags={type(flags).__name__} is not valid; give a DataArray of flagged counts, a boolean "
        "mask over geo, a list of geos to drop, or None (use ds.flagged_count)"
    )


def _totals(da: xr.DataArray) -> dict[str, float]:
    tot = da.sum([d for d in da.dims if d != GEO], min_count=1) if da.ndim > 1 else da
    vals = np.asarray(tot.values, float)
    return {str(g): float(v) for g, v in zip(tot[GEO].values, vals, strict=True) if np.isfinite(v) and v != 0}


def removed_traffic(ds: xr.Dataset, flags: Any = None) -> xr.Dataset:
    """The counts :func:`exclude_flagged` removes, one variable per count variable of ``ds``.

    ``exclude_flagged(ds, flags)[v] + removed_traffic(ds, flags)[v] == ds[v]`` for
    every count variable ``v`` (for a mask over ``geo``, the removed counts are
    the dropped geos' whole counts, zero elsewhere; NaN stays NaN).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_us_states_2025_08()
    >>> float(removed_traffic(ds, ["UT"])["usage_count"].sel(geo="UT"))
    8340.0
    """
    kind, fl = _as_flags(ds, flags)
    removed, _ = _removal(ds, kind, fl, own=flags is None)
    return removed


def _removal(
    ds: xr.Dataset, kind: str, fl: xr.DataArray | None, own: bool = False
) -> tuple[xr.Dataset, dict[str, Any]]:
    counts = [v for v in ("usage_count", *_GEO_COUNTS, "flagged_count") if v in ds.data_vars]
    info: dict[str, Any] = {}
    if kind == "none" or fl is None:
        return xr.Dataset({v: xr.zeros_like(ds[v]).where(ds[v].notnull()) for v in counts}), info
    if kind == "mask":
        masked: dict[str, xr.DataArray] = {}
        for v in counts:
            if set(fl.dims) <= set(ds[v].dims):  # cells of a geo (x period) mask that the variable has
                masked[v] = ds[v].where(fl.broadcast_like(ds[v]), 0.0).where(ds[v].notnull())
            else:
                masked[v] = xr.zeros_like(ds[v]).where(ds[v].notnull())
        return xr.Dataset(masked), info
    # counts
    if "usage_count" not in ds.data_vars:
        raise SchemaError("flagged counts can only be removed from a dataset with 'usage_count'")
    fl = fl.reindex({GEO: ds[GEO].values}, fill_value=0.0)
    isnull = fl.isnull().any([d for d in fl.dims if d != GEO]) if fl.ndim > 1 else fl.isnull()
    missing = [str(g) for g in fl[GEO].values[np.asarray(isnull.values, bool)]]
    if missing:
        info["flags_missing"] = missing
    fl = fl.fillna(0.0)
    if (np.asarray(fl.values) < 0).any():
        raise DataValueError(f"flagged counts are negative at {_where(fl, np.asarray(fl.values) < 0)}")
    usage = ds["usage_count"]
    for d in set(fl.dims) - {TASK} - set(usage.dims):
        raise SchemaError(f"flags has dim {d!r} that 'usage_count' lacks")
    for d in (PERIOD, PLATFORM):
        if d in usage.dims and d not in fl.dims:
            raise SchemaError(f"'usage_count' has dim {d!r}; give flags over {d!r} too")
    by_task = TASK in fl.dims
    flt_checked: xr.DataArray | None = None
    if by_task:
        if "task_count" not in ds.data_vars:
            raise SchemaError("flags over 'task' need 'task_count' in the dataset")
        tc = ds["task_count"]
        flt = fl.reindex({TASK: tc[TASK].values}, fill_value=0.0).broadcast_like(tc)
        unknown = [str(t) for t in fl[TASK].values if t not in tc.indexes[TASK]]
        if unknown:
            raise DataValueError(f"flags name tasks not in the dataset: {unknown[:5]}")
        with np.errstate(invalid="ignore"):
            over_t = (flt.values > tc.values * (1 + 1e-12)) | (~np.isfinite(tc.values) & (flt.values > 0))
        if over_t.any():
            raise DataValueError(
                f"flagged traffic exceeds task_count at {_where(tc, over_t)}: "
                "cannot remove more than was observed"
            )
        flt_checked = flt
    total = fl.sum(TASK) if TASK in fl.dims else fl
    total = total.broadcast_like(usage)
    u = usage.values
    f = np.asarray(total.transpose(*usage.dims).values)
    with np.errstate(invalid="ignore"):
        over = (f > u * (1 + 1e-12)) | (~np.isfinite(u) & (f > 0))
    if over.any():
        where = _where(usage, over)
        raise DataValueError(
            f"flagged traffic exceeds usage_count at {where}: cannot remove more than was observed"
        )
    frac = xr.where(usage > 0, total / usage, 0.0)
    out: dict[str, xr.DataArray] = {"usage_count": total.where(usage.notnull())}
    info["allocation"] = {"usage_count": "flagged counts"}
    if by_task:
        tc = ds["task_count"]
        flt = cast(xr.DataArray, flt_checked)
        out["task_count"] = flt.where(tc.notnull())
        info["allocation"]["task_count"] = "flagged counts by task"
        tshare = xr.where(tc > 0, flt / tc, 0.0)
        if "task_pattern_count" in ds.data_vars:
            tpc = ds["task_pattern_count"]
            out["task_pattern_count"] = (tpc * tshare).where(tpc.notnull())
            info["allocation"]["task_pattern_count"] = "each task's flagged share of its own pattern mix"
        if "pattern_count" in ds.data_vars:
            pc = ds["pattern_count"]
            how = []
            if "task_pattern_share" in ds.data_vars:
                tps = ds["task_pattern_share"].reindex({TASK: tc[TASK].values})
                has_mix = tps.notnull().any(PATTERN)
                unalloc = flt.where(~has_mix, 0.0).sum(TASK)
                if float(unalloc.sum()) > 0:
                    info["pattern_unallocated"] = _totals(unalloc)
                rp = (flt * tps.fillna(0.0)).sum(TASK)
                how.append("flagged task counts x global task_pattern_share")
            else:
                rp = pc * frac
                how.append("proportional to the geo's pattern mix")
            if "task_pattern_count" in out:
                # geos with their own task x pattern counts use them; the others keep the rule above
                tpc = ds["task_pattern_count"]
                own_mix = tpc.notnull().any([TASK, PATTERN])
                rp = xr.where(own_mix, out["task_pattern_count"].sum(TASK), rp)
                how.insert(0, "sum over tasks of the removed task x pattern counts where the geo has them")
            info["allocation"]["pattern_count"] = "; else ".join(how)
            rp = rp.broadcast_like(pc).transpose(*pc.dims)
            rp, capped = _cap_to_observed(rp, pc.fillna(0.0))
            if capped:
                info["pattern_capped"] = capped
            out["pattern_count"] = rp.where(pc.notnull())
    for v in _GEO_COUNTS:
        if v in ds.data_vars and v not in out:
            out[v] = (ds[v] * frac).where(ds[v].notnull())
            info["allocation"][v] = "proportional to the geo's mix (shares unchanged)"
    if "flagged_count" in ds.data_vars:
        fc = ds["flagged_count"]
        if own:
            out["flagged_count"] = fc.where(fc.notnull())
            info["allocation"]["flagged_count"] = "all removed"
        else:
            out["flagged_count"] = xr.zeros_like(fc).where(fc.notnull())
            info["allocation"]["flagged_count"] = "kept (flags given by the user)"
    return xr.Dataset({k: v.transpose(*ds[k].dims) for k, v in out.items()}), info


def _cap_to_observed(alloc: xr.DataArray, observed: xr.DataArray) -> tuple[xr.DataArray, list[str]]:
    """Cap an allocation of removed counts over ``pattern`` at the observed counts.

    An allocation from the global task x pattern mix can ask more of a
    pattern than the geo has; the excess is moved to the geo's other
    patterns in proportion to what remains in them (water-filling), so the
    total removed is unchanged whenever the geo has enough pattern counts.
    """
    over = (alloc - observed).clip(min=0.0)
    capped_geos = over.sum(PATTERN) > 1e-9 * (1 + observed.sum(PATTERN))
    if not bool(capped_geos.any()):
        return alloc, []
    r = xr.where(alloc > observed, observed, alloc)
    excess = over.sum(PATTERN)
    for _ in range(len(observed[PATTERN])):  # at most one pass per pattern saturates it
        room = (observed - r).clip(min=0.0)
        total_room = room.sum(PATTERN)
        take = xr.where(total_room > 0, excess.clip(max=total_room) / total_room, 0.0)
        r = r + room * take
        excess = (excess - (room * take).sum(PATTERN)).clip(min=0.0)
        if float(excess.max()) <= 1e-9:
            break
    if float(excess.max()) > 1e-6:
        where = _where(excess, np.asarray(excess.values) > 1e-6)
        raise DataValueError(f"flagged traffic exceeds the pattern counts at {where}")
    hit = capped_geos.any([d for d in capped_geos.dims if d != GEO]) if capped_geos.ndim > 1 else capped_geos
    geos = [str(g) for g in np.asarray(hit[GEO].values)[np.asarray(hit.values, bool)]]
    return r.transpose(*alloc.dims), geos


def exclude_flagged(ds: xr.Dataset, flags: Any = None) -> xr.Dataset:
    """Remove flagged (abusive or coordinated) traffic from every count of ``ds``, consistently.

    Parameters
    ----------
    ds : xarray.Dataset
        A canonical econindex dataset.
    flags : None, DataArray, pandas.Series, or list of geos
        * ``None``: the dataset's ``flagged_count`` (geo, or geo x task); a
          dataset without it is returned unchanged (equal, attrs included).
        * numeric DataArray over ``geo`` (optionally ``task``, ``period``,
          ``platform``): flagged conversations to remove.
        * a mapping ``{geo: n}``: ``n`` flagged conversations of that geo to
          remove (``{"UT": 5.0}`` removes five, it does not drop Utah);
          ``{geo: True}`` drops the geo.
        * boolean DataArray (or NumPy array) over ``geo``, or a list of geo
          labels: drop those geos entirely. A boolean mask over ``geo`` x ``period``
          sets those geo-period cells to NaN (a geo cannot be dropped from
          one period only).

    Returns
    -------
    xarray.Dataset
        The cleaned dataset, validated. ``attrs["flag_exclusion"]`` (JSON)
        records the source of the flags, how they were allocated, the
        conversations removed per variable and geo, and what happened to
        each derived variable.

    Raises
    ------
    DataValueError
        Flags exceed the observed count (the message names the geo, and the
        task), are negative, or name unknown geos.
    SchemaError
        Flags have dims the counts lack, or task flags without ``task_count``.

    Notes
    -----
    Flagged counts :math:`f_g` over geo only are removed from ``usage_count``
    exactly, and from every other count of the geo (task, pattern, request,
    task x pattern, request x pattern) in proportion, i.e. each is scaled by
    :math:`1 - f_g/U_g`: without knowing what the flagged traffic was about,
    the geo's mixes are left unchanged. Flags by task are removed from
    ``task_count`` cell by cell; their pattern counts follow each task's own
    pattern mix (``task_pattern_count``) or else the global
    ``task_pattern_share`` (capped at the geo's observed pattern counts,
    the excess moved to its other patterns, and recorded); requests stay
    proportional.

    Derived figures are never patched: ``usage_index`` is recomputed from the
    cleaned counts with the dataset's reference held fixed (the index is
    proportional to usage at a fixed reference, so it is rescaled by
    cleaned/original usage); ``automation_share`` is recomputed from
    ``pattern_count`` where it exists, kept where the removal was
    proportional (the mix is unchanged by construction), and set to NaN
    otherwise; ``expected_automation`` is recomputed from the cleaned task
    mix, kept under proportional removal, NaN otherwise. Each decision is
    recorded.

    Examples
    --------
    >>> import econindex as ei
    >>> st = ei.datasets.load_us_states_2025_08()
    >>> clean = exclude_flagged(st, ["UT"])
    >>> "UT" in clean.geo.values, clean.sizes["geo"]
    (False, 50)
    >>> flags = xr.DataArray([4170.0], dims="geo", coords={"geo": ["UT"]})
    >>> half = exclude_flagged(st, flags)
    >>> float(half["usage_count"].sel(geo="UT")), round(float(half["usage_index"].sel(geo="UT")
    ...     / st["usage_index"].sel(geo="UT")), 6)
    (4170.0, 0.5)
    >>> exclude_flagged(st).identical(st)
    True
    """
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    kind, fl = _as_flags(ds, flags)
    source = "flagged_count" if flags is None else ("mask" if kind == "mask" else "user counts")
    if kind == "none" or fl is None or not bool(np.asarray(fl.fillna(0).values, dtype=float).any()):
        return ds.copy()
    removed, info = _removal(ds, kind, fl, own=flags is None)
    record: dict[str, Any] = {"source": source, **info}
    if kind == "mask":
        clean = _apply_mask(ds, fl, record)
    else:
        clean = ds.copy()
        for v in removed.data_vars:
            clean[v] = (ds[v] - removed[v]).clip(min=0.0).where(ds[v].notnull())
            clean[v].attrs = dict(ds[v].attrs)
        record["removed"] = {v: _totals(removed[v]) for v in removed.data_vars if _totals(removed[v])}
        record["geos"] = sorted(record["removed"].get("usage_count", {}))
        _update_derived(ds, clean, removed, by_task=TASK in fl.dims, record=record)
    clean.attrs = {**ds.attrs, "flag_exclusion": json.dumps(record, sort_keys=True)}
    return validate(clean)


def _apply_mask(ds: xr.Dataset, mask: xr.DataArray, record: dict[str, Any]) -> xr.Dataset:
    if mask.dims == (GEO,):
        drop = [str(g) for g in ds[GEO].values[np.asarray(mask.values, bool)]]
        record["method"] = "drop geos"
        record["geos"] = drop
        record["removed"] = {
            v: _totals(ds[v].sel({GEO: drop}))
            for v in ds.data_vars
            if GEO in ds[v].dims and v in ("usage_count", *_GEO_COUNTS, "flagged_count")
        }
        return ds.sel({GEO: ~np.asarray(mask.values, bool)})
    record["method"] = "set cells to NaN"
    cells = mask.to_series()
    record["cells"] = [list(map(str, i)) if isinstance(i, tuple) else str(i) for i in cells[cells].index]
    record["geos"] = sorted({c[0] if isinstance(c, list) else c for c in record["cells"]})
    out = ds.copy()
    affected = []
    for v in ds.data_vars:
        if set(mask.dims) <= set(ds[v].dims):
            out[v] = ds[v].where(~mask)
            out[v].attrs = dict(ds[v].attrs)
            affected.append(v)
    record["variables_set_nan"] = affected
    return out


def _update_derived(
    ds: xr.Dataset, clean: xr.Dataset, removed: xr.Dataset, *, by_task: bool, record: dict[str, Any]
) -> None:
    touched = removed["usage_count"] > 0
    if touched.ndim > 1:
        touched_geo = touched.any([d for d in touched.dims if d != GEO])
    else:
        touched_geo = touched
    geos = [str(g) for g in ds[GEO].values[np.asarray(touched_geo.values, bool)]]
    derived: dict[str, str] = {}
    if "usage_index" in ds.data_vars:
        ratio = xr.where(ds["usage_count"] > 0, clean["usage_count"] / ds["usage_count"], 1.0)
        clean["usage_index"] = (ds["usage_index"] * ratio).transpose(*ds["usage_index"].dims)
        clean["usage_index"].attrs = dict(ds["usage_index"].attrs)
        derived["usage_index"] = "recomputed from cleaned usage_count, reference held fixed"
    if "automation_share" in ds.data_vars:
        if "pattern_count" in ds.data_vars:
            base = str(ds.attrs.get("automation_base", "classified"))
            pc = clean["pattern_count"]
            num = pc.sel({PATTERN: [p for p in AUTOMATION_PATTERNS if p in pc[PATTERN].values]}).sum(PATTERN)
            if base == "all":
                den = pc.sum(PATTERN)
            else:
                classified = [p for p in CLASSIFIED_PATTERNS if p in pc[PATTERN].values]
                den = pc.sel({PATTERN: classified}).sum(PATTERN)
            new = (num / den.where(den > 0)).broadcast_like(ds["automation_share"])
            clean["automation_share"] = xr.where(touched_geo, new, ds["automation_share"]).transpose(
                *ds["automation_share"].dims
            )
            derived["automation_share"] = f"recomputed from cleaned pattern_count ({base} base) for {geos}"
        elif not by_task:
            derived["automation_share"] = "kept: proportional removal leaves the pattern mix unchanged"
        else:
            clean["automation_share"] = ds["automation_share"].where(~touched_geo)
            derived["automation_share"] = f"set to NaN for {geos}: cannot be recomputed without pattern_count"
        clean["automation_share"].attrs = dict(ds["automation_share"].attrs)
    if "expected_automation" in ds.data_vars:
        if not by_task:
            derived["expected_automation"] = "kept: proportional removal leaves the task mix unchanged"
        else:
            try:
                from econindex.automation import expected_automation

                new = expected_automation(clean).broadcast_like(ds["expected_automation"])
                clean["expected_automation"] = xr.where(touched_geo, new, ds["expected_automation"])
                derived["expected_automation"] = f"recomputed from the cleaned task mix for {geos}"
            except Exception as exc:  # the recomputation needs the task x pattern mix
                clean["expected_automation"] = ds["expected_automation"].where(~touched_geo)
                derived["expected_automation"] = f"set to NaN for {geos}: cannot be recomputed ({exc})"
            clean["expected_automation"] = clean["expected_automation"].transpose(
                *ds["expected_automation"].dims
            )
            clean["expected_automation"].attrs = dict(ds["expected_automation"].attrs)
    for v in ("task_share_published", "pattern_share_published"):
        if v in ds.data_vars:
            if by_task:
                clean[v] = ds[v].where(~touched_geo)
                derived[v] = f"set to NaN for {geos}: published shares cannot be recomputed"
            else:
                derived[v] = "kept: proportional removal leaves shares unchanged"
    for v in ("task_pattern_share", "request_pattern_share"):
        if v in ds.data_vars:
            derived[v] = "kept: global mix given without counts"
    record["derived"] = derived


# --- which geos are flagged ---------------------------------------------------


def flagged_geos(ds: xr.Dataset, level: str | None = None) -> list[str]:
    """Geos whose traffic is flagged: ``flagged_count > 0``, else the ``abuse_flagged`` coordinate
    (authoritative when present, even if it flags nothing), else the shipped
    :data:`econindex.datasets.ABUSE_EXCLUSIONS` present in ``ds`` for its release window
    (``ds.attrs["date_start"]``, when set).

    Examples
    --------
    >>> import econindex as ei
    >>> flagged_geos(ei.datasets.load_us_states_2025_08(), "state_us")
    ['UT']
    >>> flagged_geos(ei.datasets.load_us_state_panel(), "state_us")
    ['UT', 'WY']
    """
    geos = ds[GEO].values.astype(str)
    keep = np.ones(len(geos), bool)
    if level is not None:
        keep = np.isin(geos, geos_at_level(ds, level, located_only=False))
    if "flagged_count" in ds.data_vars:
        fc = ds["flagged_count"]
        tot = fc.sum([d for d in fc.dims if d != GEO]) if fc.ndim > 1 else fc
        hit = np.asarray(tot.fillna(0).values) > 0
        if hit.any():
            return [str(g) for g in geos[hit & keep]]
    if "abuse_flagged" in ds.coords:
        # the dataset's own flags are authoritative, also when they flag nothing (e.g. after
        # exclude_flagged): the shipped list names geos of other releases (Wyoming, Nov 2025)
        af = ds["abuse_flagged"]
        hit = np.asarray((af.any([d for d in af.dims if d != GEO]) if af.ndim > 1 else af).values, bool)
        return [str(g) for g in geos[hit & keep]]
    from econindex.datasets import ABUSE_EXCLUSIONS

    start = ds.attrs.get("date_start")
    named = {
        a.geo
        for a in ABUSE_EXCLUSIONS
        if (level is None or a.level == level)
        and (start is None or a.period_start is None or a.period_start == start)
    }
    return [str(g) for g in geos[keep & np.isin(geos, list(named))]]


def _flag_mask(ds: xr.Dataset, geos: Sequence[str]) -> xr.DataArray:
    """Mask for 'flagged traffic removed' when there are no flagged counts."""
    if "abuse_flagged" in ds.coords and ds["abuse_flagged"].ndim > 1:
        af = ds["abuse_flagged"]
        return af.where(af[GEO].isin(list(geos)), False).astype(bool).reset_coords(drop=True)
    return xr.DataArray(
        np.isin(ds[GEO].values.astype(str), list(geos)), dims=GEO, coords={GEO: ds[GEO].values}
    )


# --- refitting estimators ---------------------------------------------------------


def _fit(estimator: Any, ds: xr.Dataset, level: str, fit_kwargs: dict[str, Any]) -> Any:
    if hasattr(estimator, "fit"):
        return estimator.fit(ds, level=level, **fit_kwargs)
    if callable(estimator):
        return estimator(ds, level=level, **fit_kwargs)
    raise OptionError(f"estimator {type(estimator).__name__} has no .fit(ds, level=...) and is not callable")


def _row(spec: str, dropped: str, res: Any, ci_level: float) -> dict[str, Any]:
    est = estimate_of(res, ci_level)
    p = getattr(res, "p_value", np.nan)
    pv = float(p) if isinstance(p, int | float | np.floating) else np.nan
    return {"spec": spec, "dropped": dropped, **est, "p_value": pv}


def flag_sensitivity(
    estimator: Any,
    ds: xr.Dataset,
    *,
    level: str,
    geos: Sequence[str] | None = None,
    alpha: float = 0.05,
    ci_level: float | None = None,
    **fit_kwargs: Any,
) -> pd.DataFrame:
    """Fit ``estimator`` with all traffic, without the flagged traffic, and without each flagged geo.

    Parameters
    ----------
    estimator
        Any econindex estimator with ``.fit(ds, level=...)`` whose result has
        ``slope``, ``se``, ``ci`` and ``nobs`` (``IncomeElasticity``,
        ``TaskMixAutomation``, ...), or a function ``f(ds, level=...)``
        returning such a result (e.g. ``econindex.convergence``).
    ds : xarray.Dataset
    level : {"country", "state_us"}
    geos : sequence of str, optional
        Flagged geos; default :func:`flagged_geos` (``flagged_count``, else
        the ``abuse_flagged`` coordinate, else the shipped exclusions).
    alpha : float
        Intervals have coverage ``1 - alpha`` (``ci_level=`` is the deprecated spelling).
    **fit_kwargs
        Passed to ``fit``.

    Returns
    -------
    pandas.DataFrame
        One row per specification (``all traffic``, ``flagged removed``,
        ``drop <geo>``) with ``spec, dropped, estimate, std_error, ci_lower,
        ci_upper, nobs, p_value, change_from_baseline, sign_change``.
        "flagged removed" uses :func:`exclude_flagged` with ``flagged_count``
        where the dataset has it, and otherwise drops the flagged geos (or
        blanks the flagged geo-period cells of a panel). Plot it with
        :func:`econindex.plots._robustness.plot_flag_sensitivity`.

    Examples
    --------
    >>> import econindex as ei
    >>> st = ei.datasets.load_us_states_2025_08()
    >>> tab = flag_sensitivity(ei.TaskMixAutomation(units="fraction"), st, level="state_us")
    >>> tab["spec"].tolist()
    ['all traffic', 'flagged removed', 'drop UT']
    >>> bool(tab["sign_change"].iloc[1])
    True
    """
    ci_level = 1.0 - interval_alpha(alpha, ci_level, "flag_sensitivity")
    flagged = list(geos) if geos is not None else flagged_geos(ds, level)
    if not flagged:
        raise DataValueError(
            f"no flagged geos at level {level!r}: no flagged_count, abuse_flagged or shipped exclusions"
        )
    rows = [_row("all traffic", "", _fit(estimator, ds, level, fit_kwargs), ci_level)]
    if "flagged_count" in ds.data_vars and geos is None:
        clean = exclude_flagged(ds)
    else:
        clean = exclude_flagged(ds, _flag_mask(ds, flagged))
    res = _fit(estimator, clean, level, fit_kwargs)
    rows.append(_row("flagged removed", ",".join(flagged), res, ci_level))
    for g in flagged:  # one refit per flagged geo: a handful at most
        res = _fit(estimator, exclude_flagged(ds, [g]), level, fit_kwargs)
        rows.append(_row(f"drop {g}", g, res, ci_level))
    tab = pd.DataFrame(rows)
    base = tab["estimate"].iloc[0]
    tab["change_from_baseline"] = tab["estimate"] - base
    tab["sign_change"] = np.sign(tab["estimate"]) != np.sign(base)
    tab.attrs.update(estimator=type(estimator).__name__, level=level, ci_level=ci_level)
    return tab


def leave_one_group_out(
    estimator: Any,
    ds: xr.Dataset,
    *,
    level: str,
    by: str = "census_region",
    alpha: float = 0.05,
    ci_level: float | None = None,
    **fit_kwargs: Any,
) -> pd.DataFrame:
    """Refit ``estimator`` leaving out each group of geos (a coordinate on ``geo``).

    Parameters
    ----------
    estimator, ds, level, alpha, fit_kwargs
        As :func:`flag_sensitivity`.
    by : str
        A coordinate over ``geo`` naming each geo's group: ``census_region``,
        ``census_division``, ``sample_gdp_tercile``, ...

    Returns
    -------
    pandas.DataFrame
        ``spec`` (``all`` or ``drop <group>``), ``dropped`` (the group),
        ``n_dropped``, ``estimate, std_error, ci_lower, ci_upper, nobs``,
        ``change_from_baseline``, plus ``jackknife_se`` (same on every row):
        :math:`\\sqrt{\\frac{G-1}{G}\\sum_g(\\hat\\beta_{(g)}-\\bar\\beta)^2}`.

    Examples
    --------
    >>> import econindex as ei
    >>> st = ei.datasets.load_us_states_2025_08()
    >>> tab = leave_one_group_out(ei.TaskMixAutomation(units="fraction"), st, level="state_us")
    >>> tab["dropped"].tolist()
    ['', 'Midwest', 'Northeast', 'South', 'West']
    """
    ci_level = 1.0 - interval_alpha(alpha, ci_level, "leave_one_group_out")
    if by not in ds.coords or ds[by].dims != (GEO,):
        coords = [c for c in ds.coords if ds[c].dims == (GEO,)]
        raise SchemaError(f"by={by!r} is not a coordinate over geo; available: {coords}")
    at_level = geos_at_level(ds, level, located_only=False)
    labels = pd.Series(ds[by].values.astype(str), index=ds[GEO].values.astype(str))
    groups = sorted({g for g in labels.reindex(at_level) if g not in ("", "nan")})
    if len(groups) < 2:
        raise DataValueError(f"coordinate {by!r} has fewer than 2 groups at level {level!r}: {groups}")
    rows = [{**_row("all", "", _fit(estimator, ds, level, fit_kwargs), ci_level), "n_dropped": 0}]
    for g in groups:  # a handful of groups; each refit is a full estimator fit
        drop = [s for s in at_level if labels[s] == g]
        res = _fit(estimator, exclude_flagged(ds, drop), level, fit_kwargs)
        rows.append({**_row(f"drop {g}", g, res, ci_level), "n_dropped": len(drop)})
    tab = pd.DataFrame(rows)
    tab["change_from_baseline"] = tab["estimate"] - tab["estimate"].iloc[0]
    loo = tab["estimate"].iloc[1:].to_numpy()
    G = len(loo)
    tab["jackknife_se"] = float(np.sqrt((G - 1) / G * ((loo - loo.mean()) ** 2).sum()))
    tab.attrs.update(by=by, level=level, estimator=type(estimator).__name__)
    return tab
