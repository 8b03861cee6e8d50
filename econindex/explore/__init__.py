"""The interactive explorer: one self-contained HTML page to look up any place, occupation or request.

:func:`write_explorer` writes ``explore.html``: type part of a name or code
(a country, a US state, a SOC major group, an O*NET task or a request
cluster) and the page shows its profile. For a place: the usage index with
its rank and tier, its top specializations (SOC groups and request clusters
at each level of the hierarchy, each with its conversation count so that a
tiny cell looks tiny), its collaboration mix against the reference mix, its
automation share and, where a dataset has several periods, the trend. For a
category: where it is most over-represented, again with counts.

Every number is computed here, in Python, by :mod:`econindex.indices`
(:func:`~econindex.indices.usage_index`, :func:`~econindex.indices.usage_tiers`,
:func:`~econindex.indices.specialization`, :func:`~econindex.indices.pattern_share`,
:func:`~econindex.indices.automation_share`); the page's script only searches
and displays them. The page needs no network: data, script and style are
inside it, the data as JSON escaped so that no label can close the script
element that holds it.

Deep links open a profile directly: ``explore.html#geo=HI``, ``#soc=15``,
``#task=<task label>``, ``#request=<cluster label>`` (URL-encoded).

Examples
--------
>>> import econindex as ei
>>> from econindex.explore import explorer_data
>>> data = explorer_data({"states": ei.datasets.load_us_states_2025_08()})
>>> hi = data["profiles"]["geo:HI"]
>>> hi["name"], hi["sections"]["usage"]["of"]
('Hawaii', 51)
"""

from __future__ import annotations

import html
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import EconIndexError, OptionError, SchemaError
from econindex.indices import (
    automation_share,
    pattern_share,
    specialization,
    usage_index,
    usage_tiers,
)
from econindex.indices.location_quotient import (
    _category_counts,  # the one task -> SOC / request-level count aggregation (see specialization)
)
from econindex.schema import (
    ANALYSIS_LEVELS,
    GEO,
    PATTERN,
    PATTERN_MODE,
    PERIOD,
    PLATFORM,
    REQUEST,
    SOC_MAJOR_GROUPS,
    TASK,
)

__all__ = [
    "embedded_datasets",
    "explorer_data",
    "read_release",
    "render_explorer",
    "with_embedded_covariates",
    "write_explorer",
]

_LEVELS = (*ANALYSIS_LEVELS, "global")
_LEVEL_NAMES = {"country": "countries", "state_us": "US states", "global": "global"}
Datasets = xr.Dataset | Sequence[xr.Dataset] | Mapping[str, xr.Dataset]


# --------------------------------------------------------------------------- inputs
def embedded_datasets() -> dict[str, xr.Dataset]:
    """The real data the package ships, in the order the explorer prefers their figures.

    The US-state slice of the September 2025 release (usage, collaboration,
    task and request-cluster counts of every state, with the 2024 working-age
    population attached: its usage index agrees with the published one to
    4e-5 and its automation shares with the published ones exactly), the
    114-country table (usage index, automation) and the four-release
    US-state panel of the published index (for trends).

    Examples
    --------
    >>> sorted(embedded_datasets())
    ['countries', 'us_state_panel', 'us_state_slice']
    """
    from econindex import datasets as d

    return {
        "us_state_slice": _state_request_slice(),
        "countries": d.load_countries_2025_08(),
        "us_state_panel": d.load_us_state_panel(),
    }


def _state_request_slice() -> xr.Dataset:
    """The release-3 US-state file (requests, tasks, collaboration) with population attached."""
    from econindex.datasets import load_us_state_slice_2025_08

    ds = load_us_state_slice_2025_08()
    title = ds.attrs.get("title", "AEI release 2025-09-15, US states, Claude.ai (raw file)")
    ds = ds.assign_attrs(title=title)
    return with_embedded_covariates(ds)


def with_embedded_covariates(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the embedded 2024 working-age population and GDP, if it has no population.

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_us_states_2025_08()
    >>> with_embedded_covariates(ds) is ds  # already has working_age_pop
    True
    """
    if "working_age_pop" in ds.data_vars:
        return ds
    from econindex import datasets as d
    from econindex.io.covariates import attach_covariates

    cov = pd.concat([d.load_country_covariates(), d.load_us_state_covariates()])
    cov = cov[~cov.index.duplicated()]
    return attach_covariates(ds, population=cov["working_age_pop"], gdp=cov["gdp"], missing="drop")


def read_release(paths: str | Path | Sequence[str | Path]) -> xr.Dataset:
    """Read one or several AEI release paths (``read_aei``) and attach the embedded covariates.

    What ``econindex explore --data ...`` explores. Several releases become
    one dataset with a ``period`` dimension, whose profiles then carry trends.
    """
    from econindex.io.aei import read_aei

    items = [paths] if isinstance(paths, str | Path) else list(paths)
    return with_embedded_covariates(read_aei(items[0] if len(items) == 1 else items))


def _as_mapping(data: Datasets | None) -> dict[str, xr.Dataset]:
    if data is None:
        return embedded_datasets()
    if isinstance(data, xr.Dataset):
        return {str(data.attrs.get("title", "dataset")): data}
    out: dict[str, Any]
    if isinstance(data, Mapping):
        out = {str(k): v for k, v in data.items()}
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        out = {f"{i}: {getattr(d, 'attrs', {}).get('title', 'dataset')}": d for i, d in enumerate(data)}
    else:
        raise SchemaError(f"write_explorer expects a Dataset, a list or a dict of Datasets, got {type(data)}")
    for name, ds in out.items():
        if not isinstance(ds, xr.Dataset):
            raise SchemaError(f"dataset {name!r} is a {type(ds).__name__}, not an xarray.Dataset")
    if not out:
        raise SchemaError("write_explorer got no dataset")
    return out


# --------------------------------------------------------------------------- small helpers
def _num(x: Any) -> float | None:
    """A JSON-ready number: 6 significant digits, None for missing (presentation only)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return float(f"{v:.6g}") if math.isfinite(v) else None


def _labels(values: Any) -> list[str]:
    return [str(v) for v in np.asarray(values).tolist()]


def _coord(ds: xr.Dataset, name: str, dim: str) -> list[str]:
    if name in ds.coords and ds[name].dims == (dim,):
        return _labels(ds[name].values)
    return _labels(ds[dim].values)


def _levels(ds: xr.Dataset) -> list[str]:
    if "geo_level" not in ds.coords:
        return []
    present = set(_labels(ds["geo_level"].values))
    return [lv for lv in _LEVELS if lv in present]


def _level_geos(ds: xr.Dataset, level: str) -> list[str]:
    lv = np.asarray(ds["geo_level"].values).astype(str) == level
    if "located" in ds.coords:
        lv &= np.asarray(ds["located"].values, dtype=bool)
    return _labels(ds[GEO].values[lv])


def _window(ds: xr.Dataset) -> str:
    start, end = ds.attrs.get("date_start"), ds.attrs.get("date_end")
    if start and str(start) in str(ds.attrs.get("title", "")):
        return ""  # the title already says it
    if PERIOD in ds.dims:
        p = _labels(ds[PERIOD].values)
        return f"{len(p)} periods, {p[0]} to {p[-1]}"
    return f"{start} to {end}" if start and end else ""


def _ranks(values: pd.Series) -> pd.Series:
    """Rank 1 = highest, among the non-missing values (ties share the better rank)."""
    return values.rank(ascending=False, method="min")


def _current(ds: xr.Dataset, notes: list[str]) -> tuple[xr.Dataset, xr.Dataset]:
    """(full, current): one platform, and the last period as the current slice."""
    if PLATFORM in ds.dims:
        plats = _labels(ds[PLATFORM].values)
        pick = "claude_ai" if "claude_ai" in plats else plats[0]
        ds = ds.sel({PLATFORM: pick})
        notes.append(f"platform {pick!r} of {plats}")
    cur = ds
    if PERIOD in ds.dims:
        last = _labels(ds[PERIOD].values)[-1]
        cur = ds.sel({PERIOD: last})
        notes.append(
            f"a figure a profile takes from this dataset is its last period's ({last}); trends show all"
        )
    return ds, cur


# --------------------------------------------------------------------------- sections
def _usage(ds: xr.Dataset, level: str) -> tuple[xr.DataArray, xr.DataArray, str] | None:
    """(index, eligible, how) at ``level`` from counts (package convention) or the published index."""
    if "usage_count" in ds.data_vars and "working_age_pop" in ds.data_vars:
        ref = "published" if "reference_ratio" in ds.attrs else None
        aui = usage_index(ds, level, reference=ref, keep_all=True)
        how = (
            "usage_index from counts, against the release's published reference"
            if ref
            else "usage_index from counts (reference: " + str(aui.attrs["reference"]) + ")"
        )
        return aui, aui["eligible"], how
    if "usage_index" in ds.data_vars:
        aui = ds["usage_index"].sel({GEO: _level_geos(ds, level)})
        return aui, aui.notnull(), "published usage index"
    return None


def _usage_rows(aui: xr.DataArray, eligible: xr.DataArray, counts: xr.DataArray | None) -> pd.DataFrame:
    tiers = usage_tiers(aui, eligible=eligible)
    df = pd.DataFrame(
        {
            "value": np.asarray(aui.values, dtype=float),
            "eligible": np.asarray(eligible.values, dtype=bool),
            "tier": np.asarray(tiers.values, dtype=object),
            "tier_code": np.asarray(tiers["tier_code"].values, dtype=int),
        },
        index=_labels(aui[GEO].values),
    )
    df["rank"] = _ranks(df["value"].where(df["eligible"]))
    if counts is not None:
        df["count"] = np.asarray(counts.sel({GEO: df.index.tolist()}).values, dtype=float)
    return df


def _automation_of(ds: xr.Dataset, level: str | None = None) -> xr.DataArray:
    """``automation_share``; where a geo (or period) has no pattern counts, from its published shares."""
    auto = automation_share(ds, level=level)
    if "pattern_count" in ds.data_vars and "pattern_share_published" in ds.data_vars:
        published = automation_share(ds.drop_vars("pattern_count"), level=level)
        auto = auto.fillna(published).assign_attrs(
            auto.attrs, source=f"{auto.attrs['source']}; published pattern shares where there are no counts"
        )
    return auto


def _mix_of(ds: xr.Dataset, level: str | None = None) -> xr.DataArray:
    """``pattern_share``; a geo (or period) without pattern counts gets its published shares, whole."""
    share = pattern_share(ds, level=level)
    if "pattern_count" in ds.data_vars and "pattern_share_published" in ds.data_vars:
        published = pattern_share(ds.drop_vars("pattern_count"), level=level)
        share = share.where(share.notnull().any(PATTERN), published).assign_attrs(
            share.attrs, source=f"{share.attrs['source']}; published pattern shares where there are no counts"
        )
    return share


def _pooled(ds: xr.Dataset, var: str, geos: list[str]) -> xr.Dataset:
    """A one-geo dataset holding ``var`` summed over ``geos`` (the reference mix of a level)."""
    pooled = ds[var].sel({GEO: geos}).sum(GEO, min_count=1).expand_dims({GEO: ["pooled"]})
    keep = [c for c in ds[var].coords if c not in (GEO,) and GEO not in ds[var][c].dims]
    return xr.Dataset({var: pooled}, coords={c: ds[var][c] for c in keep})


def _reference_geo(ds: xr.Dataset, level: str) -> str | None:
    parent = {"country": "GLOBAL", "state_us": "USA"}.get(level)
    return parent if parent in set(_labels(ds[GEO].values)) else None


def _mix_source(ds: xr.Dataset) -> str | None:
    for var in ("pattern_count", "pattern_share_published"):
        if var in ds.data_vars:
            return var
    return None


def _spec_tables(ds: xr.Dataset, level: str) -> list[tuple[str, str, int | None, xr.DataArray, xr.DataArray]]:
    """(key, over, request_level, location quotient, counts) for every category set the data has."""
    out: list[tuple[str, str, int | None, xr.DataArray, xr.DataArray]] = []
    plan: list[tuple[str, int | None]] = []
    if "task_count" in ds.data_vars:
        if "soc_major" in ds.coords:
            plan.append(("soc_major", None))
        plan.append(("task", None))
    if "request_count" in ds.data_vars and "request_level" in ds.coords:
        plan += [("request", int(lv)) for lv in sorted(set(np.asarray(ds["request_level"].values).tolist()))]
    geos = _level_geos(ds, level)
    for over, rl in plan:
        lq = specialization(ds, over, level=level, request_level=rl or 0)  # type: ignore[arg-type]
        counts, dim = _category_counts(ds, over, rl or 0)
        counts = counts.sel({GEO: geos, dim: lq[dim].values})
        key = over if rl is None else f"request:{rl}"
        out.append((key, over, rl, lq.sel({GEO: geos}).transpose(GEO, dim), counts.transpose(GEO, dim)))
    return out


class _Builder:
    """Collects entities and their profile sections; the first dataset to give a section keeps it."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.profiles: dict[str, dict[str, Any]] = {}
        self.sources: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []  # what a specialization table is over (shared by rows)

    def entity(self, kind: str, key: str, name: str, **extra: Any) -> dict[str, Any]:
        pid = f"{kind}:{key}"
        prof = self.profiles.get(pid)
        if prof is None:
            prof = {"kind": kind, "key": key, "name": name, "sections": {}, **extra}
            self.profiles[pid] = prof
        else:
            for k, v in extra.items():
                prof.setdefault(k, v)
        return prof

    def section(self, prof: dict[str, Any], name: str, src: int, body: dict[str, Any]) -> None:
        if name not in prof["sections"]:
            prof["sections"][name] = {"source": src, **body}

    # ---------------------------------------------------------------- one dataset
    def add(self, name: str, ds: xr.Dataset) -> None:
        notes: list[str] = []
        full, cur = _current(ds, notes)
        src = len(self.sources)
        self.sources.append(
            {
                "name": name,
                "title": str(ds.attrs.get("title", name)),
                "window": _window(ds),
                "files": str(ds.attrs.get("files", "")),
                "notes": notes,
            }
        )
        for level in _levels(cur):
            self._geos(cur, level)
            self._automation(cur, level, src)
            self._mix(cur, level, src)
            if level in ANALYSIS_LEVELS:
                self._usage(cur, level, src, notes)
                self._specializations(cur, level, src)
            if PERIOD in full.dims and full.sizes[PERIOD] > 1:
                self._trends(full, level, src, notes)

    def _geos(self, ds: xr.Dataset, level: str) -> None:
        names = _coord(ds, "geo_name", GEO)
        labels = _labels(ds[GEO].values)
        at = set(_level_geos(ds, level))
        for g, n in zip(labels, names, strict=True):
            if g in at:
                self.entity("geo", g, n, level=level, level_name=_LEVEL_NAMES[level])

    def _usage(self, ds: xr.Dataset, level: str, src: int, notes: list[str]) -> None:
        try:
            got = _usage(ds, level)
        except EconIndexError as exc:  # said on the page, never dropped silently
            notes.append(f"usage index for {_LEVEL_NAMES[level]} not computed: {exc}")
            return
        if got is None:
            return
        aui, eligible, how = got
        counts = ds["usage_count"] if "usage_count" in ds.data_vars else None
        df = _usage_rows(aui, eligible, counts)
        n_elig = int(df["eligible"].sum())
        for g, row in df.iterrows():
            prof = self.profiles[f"geo:{g}"]
            self.section(
                prof,
                "usage",
                src,
                {
                    "value": _num(row["value"]),
                    "rank": _num(row["rank"]),
                    "of": n_elig,
                    "tier": str(row["tier"]),
                    "tier_code": int(row["tier_code"]),
                    "eligible": bool(row["eligible"]),
                    "count": _num(row.get("count")),
                    "how": how,
                    "min_count": _num(aui.attrs.get("min_count")),
                },
            )

    def _automation(self, ds: xr.Dataset, level: str, src: int) -> None:
        if not ({"pattern_count", "automation_share", "pattern_share_published"} & set(ds.data_vars)):
            return
        auto = _automation_of(ds, level)
        ref_value: float | None = None
        ref_label = ""
        var = _mix_source(ds)
        ref_geo = _reference_geo(ds, level)
        if ref_geo is not None and var is not None:
            ref_value = _num(_automation_of(ds.sel({GEO: [ref_geo]}))[0])
            ref_label = f"{ref_geo} (the dataset's own aggregate)"
        elif var == "pattern_count" and level in ANALYSIS_LEVELS:
            ref_value = _num(automation_share(_pooled(ds, var, _level_geos(ds, level)))[0])
            ref_label = f"all {_LEVEL_NAMES[level]} in the dataset, pooled"
        s = pd.Series(np.asarray(auto.values, dtype=float), index=_labels(auto[GEO].values))
        ranks = _ranks(s)
        for g, v in s.items():
            if not math.isfinite(v):
                continue
            self.section(
                self.profiles[f"geo:{g}"],
                "automation",
                src,
                {
                    "value": _num(v),
                    "rank": _num(ranks.loc[str(g)]),
                    "of": int(s.notna().sum()),
                    "reference": ref_value,
                    "reference_label": ref_label,
                    "base": str(auto.attrs.get("base", "")),
                    "how": str(auto.attrs.get("source", "")),
                },
            )

    def _mix(self, ds: xr.Dataset, level: str, src: int) -> None:
        var = _mix_source(ds)
        if var is None:
            return
        geos = _level_geos(ds, level)
        share = _mix_of(ds, level)
        ref_geo = _reference_geo(ds, level)
        pats = _labels(share[PATTERN].values)
        refv = np.full(len(pats), np.nan)
        ref_label = ""
        if ref_geo is not None:
            refv = np.asarray(_mix_of(ds.sel({GEO: [ref_geo]}))[0].sel({PATTERN: pats}).values, float)
            ref_label = f"{ref_geo} (the dataset's own aggregate)"
        elif level in ANALYSIS_LEVELS:
            refv = np.asarray(pattern_share(_pooled(ds, var, geos))[0].sel({PATTERN: pats}).values, float)
            ref_label = f"all {_LEVEL_NAMES[level]} in the dataset, pooled"
        vals = np.asarray(share.transpose(GEO, PATTERN).values, dtype=float)
        counts = (
            np.asarray(ds["pattern_count"].sel({GEO: geos, PATTERN: pats}).transpose(GEO, PATTERN).values)
            if var == "pattern_count"
            else np.full(vals.shape, np.nan)
        )
        for i, g in enumerate(_labels(share[GEO].values)):
            if not np.isfinite(vals[i]).any():
                continue
            rows = [
                {
                    "pattern": p,
                    "mode": PATTERN_MODE.get(p, "unclassified"),
                    "share": _num(vals[i, j]),
                    "reference": _num(refv[j]),
                    "count": _num(counts[i, j]),
                }
                for j, p in enumerate(pats)
            ]
            self.section(
                self.profiles[f"geo:{g}"],
                "mix",
                src,
                {"rows": rows, "reference_label": ref_label, "how": str(share.attrs.get("source", ""))},
            )

    def _specializations(self, ds: xr.Dataset, level: str, src: int) -> None:
        task_soc = (
            dict(zip(_labels(ds[TASK].values), _coord(ds, "soc_major", TASK), strict=True))
            if "soc_major" in ds.coords and TASK in ds.dims
            else {}
        )
        for key, over, rl, lq, counts in _spec_tables(ds, level):
            dim = lq.dims[1]
            cats = _labels(lq[dim].values)
            geos = _labels(lq[GEO].values)
            L = np.asarray(lq.values, dtype=float)
            C = np.asarray(counts.values, dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
                warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)  # a category no geo has
                share = C / np.nansum(C, axis=1, keepdims=True)
                # the reference share each quotient was divided by (the same for every geo)
                ref = np.nanmax(np.where(np.isfinite(L) & (L > 0), share / L, np.nan), axis=0)
            pooled = np.nansum(C, axis=0)
            kind = {"soc_major": "soc", "task": "task", "request": "request"}[over]
            label = {"soc_major": "SOC major groups", "task": "O*NET tasks"}.get(
                over, f"request clusters, level {rl}"
            )
            table = len(self.tables)
            self.tables.append(
                {
                    "columns": ["kind", "key", "count", "share", "reference_share", "specialization"],
                    "over": over,
                    "request_level": rl,
                    "label": label,
                    "reference": str(lq.attrs.get("reference", "")),
                    "caveat": str(lq.attrs.get("caveat", "")),
                    "max_count": _num(np.nanmax(C)) if np.isfinite(C).any() else None,
                    "places": _LEVEL_NAMES[level],
                }
            )
            self._category_entities(ds, kind, cats, task_soc)
            # a place's most over-represented categories (cells the release published)
            for i, g in enumerate(geos):
                ok = np.flatnonzero(np.isfinite(L[i]) & np.isfinite(C[i]) & (C[i] > 0))
                if ok.size == 0:
                    continue
                order = ok[np.lexsort((-C[i, ok], -L[i, ok]))][: self.top]  # ties: larger cell first
                rows = [
                    [kind, cats[j], _num(C[i, j]), _num(share[i, j]), _num(ref[j]), _num(L[i, j])]
                    for j in order
                ]
                self.section(
                    self.profiles[f"geo:{g}"],
                    f"spec:{key}",
                    src,
                    {"table": table, "rows": rows, "cells": int(ok.size), "total": _num(np.nansum(C[i]))},
                )
            # a category's places, most over-represented first
            for j, c in enumerate(cats):
                ok = np.flatnonzero(np.isfinite(L[:, j]) & np.isfinite(C[:, j]) & (C[:, j] > 0))
                order = ok[np.lexsort((-C[ok, j], -L[ok, j]))][: self.top]
                rows = [
                    ["geo", geos[i], _num(C[i, j]), _num(share[i, j]), _num(ref[j]), _num(L[i, j])]
                    for i in order
                ]
                prof = self.profiles[f"{kind}:{c}"]
                self.section(
                    prof,
                    f"places:{level}",
                    src,
                    {
                        "table": table,
                        "rows": rows,
                        "cells": int(ok.size),
                        "pooled_count": _num(pooled[j]),
                        "reference_share": _num(ref[j]),
                    },
                )
            if over == "task":
                self._soc_tasks(cats, task_soc, pooled, src)

    def _category_entities(
        self, ds: xr.Dataset, kind: str, cats: list[str], task_soc: dict[str, str]
    ) -> None:
        if kind == "soc":
            for c in cats:
                self.entity("soc", c, SOC_MAJOR_GROUPS.get(c, c), code=c)
        elif kind == "task":
            for c in cats:
                soc = task_soc.get(c, "")
                self.entity("task", c, c, soc=soc, soc_name=SOC_MAJOR_GROUPS.get(soc, soc))
        else:
            labels = _labels(ds[REQUEST].values)
            lvl = dict(zip(labels, _coord(ds, "request_level", REQUEST), strict=True))
            parent = (
                dict(zip(labels, _coord(ds, "parent_request", REQUEST), strict=True))
                if "parent_request" in ds.coords
                else {}
            )
            for c in cats:
                self.entity("request", c, c, request_level=int(lvl[c]), parent=parent.get(c, ""))

    def _soc_tasks(self, cats: list[str], task_soc: dict[str, str], pooled: np.ndarray, src: int) -> None:
        by_soc: dict[str, list[int]] = {}
        for j, c in enumerate(cats):
            by_soc.setdefault(task_soc.get(c, ""), []).append(j)
        for soc, idx in by_soc.items():
            prof = self.profiles.get(f"soc:{soc}")
            if prof is None:
                continue
            order = sorted(idx, key=lambda j: -pooled[j])[: self.top * 2]
            rows = [[cats[j], _num(pooled[j])] for j in order]
            self.section(prof, "tasks", src, {"rows": rows, "n_tasks": len(idx)})

    def _trends(self, ds: xr.Dataset, level: str, src: int, notes: list[str]) -> None:
        """Per period: the usage index (rank, tier) and the automation share, where the data have them."""
        periods = _labels(ds[PERIOD].values)
        cols: dict[str, np.ndarray] = {}
        how: list[str] = []
        geos: list[str] = []
        got = None
        if level in ANALYSIS_LEVELS:
            try:
                got = _usage(ds, level)
            except EconIndexError as exc:
                notes.append(f"usage index trend for {_LEVEL_NAMES[level]} not computed: {exc}")
        if got is not None:
            aui, eligible, how_u = got
            aui, eligible = aui.transpose(GEO, PERIOD), eligible.transpose(GEO, PERIOD)
            tiers = usage_tiers(aui, eligible=eligible).transpose(GEO, PERIOD)
            V = np.asarray(aui.values, dtype=float)
            E = np.asarray(eligible.values, dtype=bool)
            cols["value"] = V
            cols["rank"] = pd.DataFrame(np.where(E, V, np.nan)).rank(ascending=False, method="min").to_numpy()
            cols["of"] = np.broadcast_to(E.sum(axis=0), V.shape)
            cols["tier"] = np.asarray(tiers.values, dtype=object)
            geos = _labels(aui[GEO].values)
            how.append(how_u)
        if {"pattern_count", "automation_share", "pattern_share_published"} & set(ds.data_vars):
            auto = _automation_of(ds, level).transpose(GEO, PERIOD)
            a_geos = _labels(auto[GEO].values)
            geos = geos or a_geos
            A = np.asarray(auto.reindex({GEO: geos}).values, dtype=float)
            if np.isfinite(A).any():
                cols["automation"] = A
                how.append(f"automation share: {auto.attrs.get('source', '')}")
        if not cols:
            return
        flag = ds["abuse_flagged"] if "abuse_flagged" in ds.coords else None
        F = (
            np.asarray(flag.reindex({GEO: geos}).transpose(GEO, PERIOD).values, dtype=bool)
            if flag is not None and set(flag.dims) == {GEO, PERIOD}
            else np.zeros((len(geos), len(periods)), dtype=bool)
        )
        for i, g in enumerate(geos):
            rows = []
            for k, p in enumerate(periods):
                row: dict[str, Any] = {"period": p, "flagged": bool(F[i, k])}
                for c, M in cols.items():
                    row[c] = str(M[i, k]) if c == "tier" else int(M[i, k]) if c == "of" else _num(M[i, k])
                rows.append(row)
            self.section(self.profiles[f"geo:{g}"], "trend", src, {"rows": rows, "how": "; ".join(how)})


# --------------------------------------------------------------------------- payload and page
def explorer_data(data: Datasets | None = None, *, top: int = 8) -> dict[str, Any]:
    """The explorer's content as a JSON-ready dict: a search index and one profile per entity.

    Parameters
    ----------
    data : Dataset, list or dict of Datasets, optional
        What to explore; default :func:`embedded_datasets`. With several
        datasets, each section of a profile (usage, automation, mix, each set
        of specializations, trend) comes from the first dataset that has it,
        and names that dataset.
    top : int, default 8
        How many specializations (or places) a profile lists per category set.

    Returns
    -------
    dict
        ``{"sources": [...], "tables": [...], "profiles": {"geo:HI": {...},
        "soc:15": {...}, ...}}``; kinds are ``geo``, ``soc``, ``task``,
        ``request``. A specialization section's ``rows`` are ``[kind, key,
        count, share, reference_share, specialization]``; its ``table``
        indexes ``tables`` (what the rows are over, and the reference).

    Examples
    --------
    >>> import econindex as ei
    >>> d = explorer_data(ei.datasets.load_countries_2025_08())
    >>> isr = d["profiles"]["geo:ISR"]["sections"]["usage"]
    >>> round(isr["value"], 3), isr["rank"], isr["tier"]
    (7.004, 1.0, 'Leading (top 25%)')
    """
    if not (isinstance(top, int) and top >= 1):
        raise OptionError(f"top={top!r} must be a positive integer")
    b = _Builder(top)
    for name, ds in _as_mapping(data).items():
        b.add(name, ds)
    from econindex.datasets import ABUSE_EXCLUSIONS

    for a in ABUSE_EXCLUSIONS:  # what the reports say about a place's traffic, on its profile
        prof = b.profiles.get(f"geo:{a.geo}")
        if prof is not None and prof.get("level") == a.level:
            when = f"window starting {a.period_start}" if a.period_start else "release not specified"
            prof.setdefault("flags", []).append(f"Abuse-flagged ({when}): {a.note} Source: {a.source}.")
    return {"sources": b.sources, "tables": b.tables, "profiles": b.profiles}


def _json_for_script(payload: Any) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&``, U+2028, U+2029 escaped.

    Examples
    --------
    >>> print(_json_for_script({"name": "</script><b>"}))
    {"name":"\\u003c/script\\u003e\\u003cb\\u003e"}
    """
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(ch, esc)
    return text


def _asset(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def render_explorer(data: Datasets | None = None, *, top: int = 8, title: str = "econindex explorer") -> str:
    """The explorer page as one HTML string (see :func:`write_explorer`).

    Examples
    --------
    >>> import econindex as ei
    >>> page = render_explorer(ei.datasets.load_countries_2025_08())
    >>> 'id="profile"' in page, "http" in page.split("<script")[0]
    (True, False)
    """
    payload = explorer_data(data, top=top)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_asset('page.css')}</style>\n</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1>\n"
        '<p class="lede">Type a country, US state, occupation group (SOC), task or request cluster.</p>\n'
        '<input id="search" type="search" autocomplete="off" spellcheck="false" '
        'placeholder="e.g. Hawaii, CA, Computer, 15, travel" aria-label="Search">\n'
        '<ul id="results" role="listbox"></ul></header>\n'
        '<main id="profile" aria-live="polite"></main>\n'
        '<footer id="sources"></footer>\n'
        f'<script type="application/json" id="explorer-data">{_json_for_script(payload)}</script>\n'
        f"<script>\n{_asset('page.js')}</script>\n</body></html>\n"
    )


def write_explorer(
    data: Datasets | None = None,
    path: str | Path = "explore.html",
    *,
    top: int = 8,
    title: str = "econindex explorer",
) -> Path:
    """Write the self-contained explorer page (no network, no CDN) and return its path.

    Parameters
    ----------
    data : Dataset, list or dict of Datasets, optional
        What to explore (default: the embedded real data, :func:`embedded_datasets`).
    path : str or Path, default "explore.html"
        File to write; a folder gets ``explore.html`` inside it (created if needed).
    top : int, default 8
        Rows per specialization list.
    title : str
        Page title.

    Returns
    -------
    pathlib.Path
        The page. Open ``<path>#geo=HI`` for Hawaii, ``#soc=15`` for
        Computer and Mathematical occupations.

    Examples
    --------
    >>> import tempfile, econindex as ei
    >>> out = write_explorer(ei.datasets.load_us_states_2025_08(), tempfile.mkdtemp())
    >>> out.name, out.stat().st_size > 10_000
    ('explore.html', True)
    """
    out = Path(path)
    if out.is_dir() or out.suffix == "":
        out = out / "explore.html"
    page = render_explorer(data, top=top, title=title)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
