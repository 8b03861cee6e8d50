"""The ingest report of the long-format reader: every row of every file, kept or dropped with a reason."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

from econindex.io._long import FileRows, Status

__all__ = ["build_ingest_report"]


def build_ingest_report(
    files: list[FileRows],
    status: Status,
    ds: xr.Dataset,
    n_unknown_soc: int,
    hierarchy: dict[str, Any] | None = None,
) -> str:
    per_file = []
    tot_dropped: dict[str, int] = {}
    for f in files:
        codes = status.code[f.offset : f.offset + f.n_rows]
        counts = np.bincount(codes, minlength=len(status.reasons))
        dropped = {status.reasons[k]: int(counts[k]) for k in range(1, len(counts)) if counts[k]}
        for k, n in dropped.items():
            tot_dropped[k] = tot_dropped.get(k, 0) + n
        per_file.append(
            {
                "file": f.name,
                "layout": f.layout,
                "rows_read": f.n_rows,
                "rows_kept": int(counts[0]),
                "rows_dropped": dropped,
            }
        )
    missing: dict[str, list[str]] = {}
    geo_level = np.asarray(ds["geo_level"].values).astype(str)
    geo_ids = np.asarray(ds["geo"].values).astype(str)
    for var in ds.data_vars:
        da = ds[var]
        if "geo" not in da.dims:
            continue
        vals = np.moveaxis(np.asarray(da.values), da.dims.index("geo"), 0)
        has = np.isfinite(vals).reshape(vals.shape[0], -1).any(axis=1)
        at_levels = np.isin(geo_level, np.unique(geo_level[has]))
        absent = geo_ids[at_levels & ~has]
        if absent.size:
            missing[str(var)] = absent.tolist()
    report = {
        "files": per_file,
        "rows_read": int(sum(f.n_rows for f in files)),
        "rows_kept": int((status.code == 0).sum()),
        "rows_dropped": tot_dropped,
        "tasks_without_soc_major": n_unknown_soc,
        "geos_absent_by_variable": missing,
    }
    if hierarchy is not None:
        report["request_hierarchy"] = hierarchy
    return json.dumps(report)


