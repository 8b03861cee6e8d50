"""Assembling the simulated draws into one labeled canonical dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from econindex.geography import geo_coords
from econindex.schema import PATTERNS, SPECIAL_CLUSTERS, pattern_coords
from econindex.simulation._design import _SOC, _Design


def _assemble(
    d: _Design,
    periods: list[dict[str, np.ndarray]],
    api: list[dict[str, np.ndarray]],
    cost: dict[str, np.ndarray],
    platforms: tuple[str, ...],
    dates: list[tuple[str, str]],
    with_tpc: bool,
    flagged_by_task: bool,
) -> xr.Dataset:
    n_geo = len(d.geos)
    multi_t = len(periods) > 1
    multi_p = len(platforms) > 1
    core = {
        "usage_count": ("geo",),
        "task_count": ("geo", "task"),
        "pattern_count": ("geo", "pattern"),
        "request_count": ("geo", "request"),
        "flagged_count": ("geo", "task") if flagged_by_task else ("geo",),
    }
    if with_tpc:
        core["task_pattern_count"] = ("geo", "task", "pattern")
    data_vars: dict[str, Any] = {}
    for name, dims in core.items():
        per_t = []
        for t, per in enumerate(periods):
            claude = per["flagged_task_count" if name == "flagged_count" and flagged_by_task else name]
            if name == "task_pattern_count":
                full = np.full((n_geo, *claude.shape), np.nan)
                full[0] = claude
                claude = full
            if multi_p:
                api_arr = np.full_like(claude, np.nan)
                if name == "flagged_count":
                    api_arr[0] = 0.0
                else:
                    api_arr[0] = api[t][name]
                claude = np.stack([claude, api_arr], axis=-1)
            per_t.append(claude)
        arr = np.stack(per_t, axis=-2 if multi_p else -1) if multi_t else per_t[0]
        data_vars[name] = (
            (*dims, *(("period",) if multi_t else ()), *(("platform",) if multi_p else ())),
            arr,
        )
    # global per-task pattern mix
    per_t = []
    for t, per in enumerate(periods):
        s = per["task_pattern_share"]
        if multi_p:
            s = np.stack([s, api[t]["task_pattern_share"]], axis=-1)
        per_t.append(s)
    arr = np.stack(per_t, axis=-2 if multi_p else -1) if multi_t else per_t[0]
    data_vars["task_pattern_share"] = (
        ("task", "pattern", *(("period",) if multi_t else ()), *(("platform",) if multi_p else ())),
        arr,
    )
    data_vars["working_age_pop"] = ("geo", d.pop)
    data_vars["gdp"] = ("geo", d.gdp)
    for name, vals in cost.items():
        data_vars[name] = ("task", vals)

    coords: dict[str, Any] = geo_coords(d.geos, d.levels)
    coords["abuse_flagged"] = ("geo", np.zeros(n_geo, dtype=bool))
    coords["task"] = np.array(d.tasks, dtype=object)
    coords["soc_major"] = (
        "task",
        np.array([_SOC[s] for s in d.task_soc] + list(SPECIAL_CLUSTERS), dtype=object),
    )
    coords.update(pattern_coords(PATTERNS))
    coords["request"] = np.array(d.requests, dtype=object)
    coords["request_level"] = ("request", d.request_level)
    coords["parent_request"] = ("request", np.array(d.request_parent, dtype=object))
    if multi_t:
        coords["period"] = np.array([a for a, _ in dates], dtype=object)
        coords["date_start"] = ("period", np.array([a for a, _ in dates], dtype=object))
        coords["date_end"] = ("period", np.array([b for _, b in dates], dtype=object))
    if multi_p:
        coords["platform"] = np.array(platforms, dtype=object)
    ds = xr.Dataset(data_vars, coords=coords)
    flagged = ds["flagged_count"]
    for dim in ("task", "period", "platform"):
        if dim in flagged.dims:
            flagged = flagged.max(dim)
    # the abuse geo itself (aggregates also carry its flagged traffic but are not flagged)
    abuse_geo = [g for g, lv in zip(d.geos, d.levels, strict=True) if lv != "global" and g != "USA"]
    mask = (flagged > 0) & ds["geo"].isin(abuse_geo)
    ds = ds.assign_coords(abuse_flagged=("geo", np.asarray(mask.values, dtype=bool)))
    return ds
