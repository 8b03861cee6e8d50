"""Scale test: a dask-backed panel of many releases, indices and expected automation chunk-wise.

Full mode: 10 releases x 250 geos x 20,000 tasks x 7 patterns, chunked along
``period``. Each configuration runs in a fresh subprocess so that its peak
resident memory (``ru_maxrss``) is its own. Targets: peak memory under 4 GB
for 10 releases, and time growing linearly with the number of releases (the
fitted exponent of time on releases, printed, close to 1).

The reference of the ratio is the in-memory size of the task counts alone
(releases x geos x tasks x 8 bytes): a non-chunked computation would need at
least that, several times over.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Record, main

CHILD = r"""
import json, resource, sys, time
import numpy as np, dask, dask.array as da, xarray as xr
import econindex as ei
from econindex.geography import geo_coords, iso_table, US_STATES
from econindex.schema import pattern_coords, PATTERNS

n_periods, n_geos, n_tasks = (int(v) for v in sys.argv[1:4])
dask.config.set(scheduler="threads", num_workers=2)
iso3 = [c for c in iso_table()["iso_alpha_3"].tolist()][: n_geos - len(US_STATES)]
states = sorted(US_STATES)
geos = iso3 + states
levels = ["country"] * len(iso3) + ["state_us"] * len(states)
coords = geo_coords(geos, levels)
tasks = [f"task {i:05d}" for i in range(n_tasks)] + ["none", "not_classified"]
soc = np.array([f"{11 + 2 * (i % 22)}" for i in range(n_tasks)] + ["none", "not_classified"], dtype=object)
coords.update(pattern_coords(PATTERNS))
coords["task"] = tasks
coords["soc_major"] = ("task", soc)
coords["period"] = [f"2025-{1 + i:02d}-01" for i in range(n_periods)]
nt = len(tasks)
rs = da.random.RandomState(0)
task_count = rs.poisson(5.0, size=(len(geos), nt, n_periods), chunks=(len(geos), nt, 1)).astype("f8")
pattern_count = rs.poisson(50.0, size=(len(geos), 7, n_periods), chunks=(len(geos), 7, 1)).astype("f8")
mix = np.random.default_rng(1).dirichlet(np.ones(7), size=nt)
ds = xr.Dataset(
    {
        "task_count": (("geo", "task", "period"), task_count),
        "pattern_count": (("geo", "pattern", "period"), pattern_count),
        "usage_count": (("geo", "period"), task_count.sum(axis=1)),
        "working_age_pop": ("geo", np.random.default_rng(2).uniform(1e5, 1e8, len(geos))),
        "task_pattern_share": (("task", "pattern"), mix),
    },
    coords=coords,
)
t0 = time.perf_counter()
out = {
    "aui_country": ei.usage_index(ds, level="country", min_count=0),
    "aui_state": ei.usage_index(ds, level="state_us", min_count=0),
    "pattern_share": ei.pattern_share(ds),
    "automation_share": ei.automation_share(ds),
    "expected_automation": ei.expected_automation(ds, level="country"),
}
lazy = all(hasattr(v.data, "dask") for v in out.values())
task_share = ei.task_share(ds)
lazy = lazy and hasattr(task_share.data, "dask")
computed = dask.compute(*[v.data for v in out.values()], task_share.max(dim=("geo", "task")).data)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "lazy": bool(lazy),
                  "finite": bool(all(np.isfinite(np.asarray(c)).any() for c in computed))}))
"""


def _child(n_periods: int, n_geos: int, n_tasks: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(n_periods), str(n_geos), str(n_tasks)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Record]:
    n_geos, n_tasks = (120, 2_000) if quick else (250, 20_000)
    periods = [1, 2, 4] if quick else [2, 4, 6, 8, 10]
    t0 = time.perf_counter()
    rows = {p: _child(p, n_geos, n_tasks) for p in periods}
    secs = np.array([rows[p]["seconds"] for p in periods])
    exponent = float(np.polyfit(np.log(periods), np.log(secs), 1)[0])
    biggest = rows[periods[-1]]
    peak_gb = biggest["peak_bytes"] / 1e9
    dense_gb = periods[-1] * n_geos * (n_tasks + 2) * 8 / 1e9
    by_releases = dict(zip(periods, np.round(secs, 2).tolist(), strict=True))
    detail = (
        f"{periods[-1]} releases x {n_geos} geos x {n_tasks} tasks x 7 patterns: peak {peak_gb:.2f} GB, "
        f"lazy={biggest['lazy']}, seconds by releases {by_releases}, "
        f"total {time.perf_counter() - t0:.0f} s"
    )
    print(f"time ~ releases^{exponent:.2f}")
    return [
        Record("peak memory, dask panel (GB)", "4 GB limit", peak_gb, 4.0, better="lower", detail=detail),
        Record("time exponent in releases", "linear (1.0)", exponent, 1.3, better="lower"),
        Record("dense task counts / peak memory", "in-memory task_count", dense_gb / peak_gb, 0.0),
    ]


if __name__ == "__main__":
    main(run)
