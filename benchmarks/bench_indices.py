"""Benchmark: every index and share on a full-size simulated release, vs a pandas groupby implementation.

The simulated release (``ei.simulate``) has about 200 geos x 2,000 tasks x 7
patterns x 3 periods. econindex computes the usage index at both geo levels,
task / pattern / request shares, the automation share on both bases, and SOC
specialization at both levels, straight from the labeled dataset. The
reference computes the same numbers with a straightforward pandas groupby
implementation on the long tables (the AEI files' own layout, built once
outside the timing). Both must agree (checked to 1e-13 relative: the sums are
the same, but pandas' groupby adds with compensated summation, so the last
bit can differ), and econindex must finish all of them in under 1 second.

Run ``python benchmarks/bench_indices.py`` (full size) or ``--quick`` (small).
The last line printed is ``ratio: <pandas time / econindex time>``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from _common import Record, best_time, main

import econindex as ei
from econindex import indices as I
from econindex.schema import SPECIAL_CLUSTERS

LEVELS = ("country", "state_us")


def econindex_all(ds: xr.Dataset) -> dict[str, xr.DataArray]:
    """All indices and shares computed by econindex."""
    out: dict[str, xr.DataArray] = {}
    for lv in LEVELS:
        out[f"usage_index/{lv}"] = I.usage_index(ds, lv, keep_all=True)
        out[f"specialization/{lv}"] = I.specialization(ds, "soc_major", level=lv)
    out["task_share"] = I.task_share(ds)
    out["pattern_share"] = I.pattern_share(ds)
    out["request_share"] = I.request_share(ds, request_level=0)
    out["automation_share/classified"] = I.automation_share(ds, "classified")
    out["automation_share/all"] = I.automation_share(ds, "all")
    return out


def long_tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """The long (tidy) tables a pandas analysis starts from (built outside the timing)."""
    geo = pd.DataFrame(
        {
            "geo": ds["geo"].values.astype(str),
            "geo_level": ds["geo_level"].values.astype(str),
            "located": ds["located"].values.astype(bool),
            "working_age_pop": ds["working_age_pop"].values,
        }
    )
    usage = ds["usage_count"].to_dataframe().reset_index()[["geo", "period", "usage_count"]]
    tasks = ds["task_count"].to_dataframe().reset_index()[["geo", "task", "period", "task_count"]]
    tasks["soc_major"] = tasks["task"].map(dict(zip(ds["task"].values, ds["soc_major"].values, strict=True)))
    pats = ds["pattern_count"].to_dataframe().reset_index()[["geo", "pattern", "period", "pattern_count"]]
    pats["mode"] = pats["pattern"].map(dict(zip(ds["pattern"].values, ds["mode"].values, strict=True)))
    reqs = ds["request_count"].to_dataframe().reset_index()[["geo", "request", "period", "request_count"]]
    reqs["request_level"] = reqs["request"].map(
        dict(zip(ds["request"].values, ds["request_level"].values, strict=True))
    )
    return {
        "geo": geo,
        "usage": usage.merge(geo, on="geo"),
        "tasks": tasks,
        "patterns": pats,
        "requests": reqs,
    }


def _share(df: pd.DataFrame, cat: str, value: str) -> pd.Series:
    df = df[~df[cat].isin(SPECIAL_CLUSTERS)]
    total = df.groupby(["geo", "period"])[value].transform("sum")
    return (df[value] / total).set_axis(pd.MultiIndex.from_frame(df[["geo", cat, "period"]]))


def pandas_all(t: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """The same numbers with plain pandas groupby operations."""
    out: dict[str, pd.Series] = {}
    u = t["usage"]
    for lv in LEVELS:
        at = u[u["geo_level"] == lv]
        U = at.groupby("period")["usage_count"].sum()  # located + unlocated usage
        loc = at[at["located"]]
        P = loc[loc["usage_count"].notna()].groupby("period")["working_age_pop"].sum()
        ratio = loc["period"].map(U / P)
        aui = (loc["usage_count"] / loc["working_age_pop"]) / ratio
        out[f"usage_index/{lv}"] = aui.set_axis(pd.MultiIndex.from_frame(loc[["geo", "period"]]))
        # SOC specialization: geo share of classified tasks in each group over the parent geo's share
        parent = "GLOBAL" if lv == "country" else "USA"
        tk = t["tasks"].merge(t["geo"][["geo", "geo_level", "located"]], on="geo")
        tk = tk[~tk["soc_major"].isin(SPECIAL_CLUSTERS)]
        g = tk.groupby(["geo", "period", "soc_major"])["task_count"].sum(min_count=1).reset_index()
        g["share"] = g["task_count"] / g.groupby(["geo", "period"])["task_count"].transform("sum")
        ref = g[g["geo"] == parent].set_index(["period", "soc_major"])["share"]
        keep = set(loc["geo"])
        mine = g[g["geo"].isin(keep)]
        r = ref.reindex(pd.MultiIndex.from_frame(mine[["period", "soc_major"]])).to_numpy()
        lq = mine["share"].to_numpy() / np.where(r > 0, r, np.nan)
        idx = pd.MultiIndex.from_frame(mine[["geo", "soc_major", "period"]])
        out[f"specialization/{lv}"] = pd.Series(lq, index=idx)
    out["task_share"] = _share(t["tasks"], "task", "task_count")
    out["pattern_share"] = _share(t["patterns"], "pattern", "pattern_count")
    rq = t["requests"]
    out["request_share"] = _share(rq[rq["request_level"] == 0], "request", "request_count")
    p = t["patterns"]
    auto = p[p["mode"] == "automation"].groupby(["geo", "period"])["pattern_count"].sum(min_count=1)
    cls = p[p["mode"] != "unclassified"].groupby(["geo", "period"])["pattern_count"].sum(min_count=1)
    allp = p.groupby(["geo", "period"])["pattern_count"].sum(min_count=1)
    out["automation_share/classified"] = auto / cls
    out["automation_share/all"] = auto / allp
    return out


def compare(ours: dict[str, xr.DataArray], ref: dict[str, pd.Series]) -> dict[str, float]:
    """Max relative difference per quantity (NaN patterns must agree exactly)."""
    diffs: dict[str, float] = {}
    for key, da in ours.items():
        r = ref[key]
        names = list(r.index.names) if r.index.nlevels > 1 else [da.dims[0], "period"]
        mine = da.drop_vars([c for c in da.coords if c not in da.dims]).to_series()
        mine = mine.reorder_levels(names) if mine.index.nlevels > 1 else mine
        r = r.reindex(mine.index)
        a, b = mine.to_numpy(float), r.to_numpy(float)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            raise AssertionError(f"{key}: missing values differ between econindex and pandas")
        ok = ~np.isnan(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300)
        diffs[key] = float(rel.max()) if rel.size else 0.0
        if diffs[key] > 1e-13:
            raise AssertionError(f"{key}: econindex and pandas differ by {diffs[key]:.3g} (relative)")
    return diffs


def run(quick: bool) -> list[Record]:
    if quick:
        ds = ei.simulate(seed=0, n_countries=30, n_tasks=200, n_requests=60, n_periods=3)
    else:
        ds = ei.simulate(seed=0, n_countries=150, n_tasks=2000, n_periods=3)
    n = ds.sizes
    size = f"{n['geo']} geos x {n['task']} tasks x {n['pattern']} patterns x {n['period']} periods"
    tables = long_tables(ds)
    ours = econindex_all(ds)
    ref = pandas_all(tables)
    diffs = compare(ours, ref)
    exact = sum(v == 0.0 for v in diffs.values())
    t_ei = best_time(lambda: econindex_all(ds), repeat=3)
    t_pd = best_time(lambda: pandas_all(tables), repeat=3)
    detail = (
        f"[{size}] econindex {t_ei:.3f}s, pandas {t_pd:.3f}s; {exact}/{len(diffs)} quantities bitwise equal, "
        f"max rel diff {max(diffs.values()):.2g}"
    )
    records = [
        Record(
            target=f"all indices and shares ({size})",
            reference="pandas groupby on the long tables",
            ratio=t_pd / t_ei,
            threshold=1.0,
            detail=detail,
        ),
        Record(
            target="econindex wall time for all indices and shares (s)",
            reference="1 second budget",
            ratio=t_ei,
            threshold=1.0 if not quick else 5.0,
            better="lower",
            detail=size,
        ),
    ]
    return records


if __name__ == "__main__":
    main(run)
