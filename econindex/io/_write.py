"""Writing a dataset as an enriched AEI long-format CSV (:func:`write_aei`).

Counts are written under their release names with the derived variables of
the enriched release, so that tools written for the published release can
read the file; ``read_aei(write_aei(ds))`` returns the same counts exactly.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import xarray as xr

from econindex.errors import DataValueError, SchemaError
from econindex.io._layouts import REQUIRED_COLUMNS
from econindex.io._specs import EXT_FACET, PLATFORMS
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CLASSIFIED_PATTERNS,
    UNLOCATED_LABELS,
    validate,
)

__all__ = ["write_aei"]


_PLATFORM_OUT = {v: k for k, v in PLATFORMS.items()}


def _label(arr: np.ndarray) -> np.ndarray:
    return np.asarray(arr, dtype=object).astype(str)


class _Writer:
    """Collects long-format row blocks (dictionary-encoded) and writes them once."""

    def __init__(self, ds: xr.Dataset) -> None:
        self.ds = ds
        self.blocks: list[pa.Table] = []
        geo = _label(ds["geo"].values)
        level = _label(ds["geo_level"].values)
        out_id = np.where(np.isin(geo, UNLOCATED_LABELS), "not_classified", geo)
        self.geo_id = out_id
        self.geography = np.where(level == "subdivision", "country-state", level)  # BR-SP etc.
        self.geo_name = _label(ds["geo_name"].values) if "geo_name" in ds.coords else geo
        if "period" in ds.dims:
            self.starts = _label(
                ds["date_start"].values if "date_start" in ds.coords else ds["period"].values
            )
            self.ends = (
                _label(ds["date_end"].values) if "date_end" in ds.coords else np.full(len(self.starts), "")
            )
        else:
            self.starts = np.array([str(ds.attrs.get("date_start", ""))])
            self.ends = np.array([str(ds.attrs.get("date_end", ""))])
        if "platform" in ds.dims:
            plats = _label(ds["platform"].values)
        else:
            plats = np.array([str(ds.attrs.get("platform", "claude_ai"))])
        self.platforms = np.array([_PLATFORM_OUT.get(p, p) for p in plats])

    def emit(
        self,
        da: xr.DataArray,
        facet: str,
        variable: str,
        cluster: str,
        scale: float = 1.0,
        geo_facet: bool = False,
    ) -> None:
        """Write the finite cells of ``da`` as rows; ``cluster`` says how to name them.

        ``cluster``: "geo" (the geo id), "task", "pattern", "request",
        "task::pattern", "request::pattern", "task::index", or a literal
        prefixed with "=".
        """
        core = [d for d in ("geo", "task", "request", "pattern") if d in da.dims]
        extra = [d for d in ("period", "platform") if d in da.dims]
        da = da.transpose(*core, *extra)
        vals = np.asarray(da.values, dtype=float)
        mask = np.isfinite(vals)
        if not mask.any():
            return
        idx: dict[str, np.ndarray] = dict(zip([*core, *extra], np.nonzero(mask), strict=True))
        n = int(mask.sum())
        zeros = np.zeros(n, dtype=np.int32)
        gi: np.ndarray = idx.get("geo", zeros)
        if "geo" not in core:
            glob = np.flatnonzero(_label(self.ds["geo"].values) == "GLOBAL")
            geo_ids, geographies, geo_names = np.array(["GLOBAL"]), np.array(["global"]), np.array(["Global"])
            if glob.size:
                geo_names = self.geo_name[glob[:1]]
            gi = zeros
        else:
            geo_ids, geographies, geo_names = self.geo_id, self.geography, self.geo_name
        pi = idx.get("period", zeros)
        fi = idx.get("platform", zeros)
        level_tab, level_idx = np.array(["0"]), zeros
        if cluster == "geo":
            ctab, ci = geo_ids, gi
        elif cluster.startswith("="):
            ctab, ci = np.array([cluster[1:]]), zeros
        else:
            parts = cluster.split("::")
            tabs = [
                _label(da[p].values) if p in ("task", "request", "pattern") else np.array([p]) for p in parts
            ]
            ids = [idx[p] if p in idx else zeros for p in parts]
            if len(tabs) == 1:
                ctab, ci = tabs[0], ids[0]
            else:
                ctab = np.char.add(
                    np.char.add(tabs[0][:, None].astype(str), "::"), tabs[1][None, :].astype(str)
                ).ravel()
                ci = ids[0].astype(np.int64) * len(tabs[1]) + ids[1]
            if "request" in parts and "request_level" in da.coords:
                lv = np.asarray(da["request_level"].values)
                level_tab, level_inv = np.unique(lv.astype(str), return_inverse=True)
                level_idx = np.asarray(level_inv[idx["request"]], dtype=np.int32)

        self._add(
            geo_ids,
            geographies,
            geo_names,
            gi,
            pi,
            fi,
            facet,
            variable,
            level_tab,
            level_idx,
            ctab,
            ci,
            vals[mask] * scale if scale != 1.0 else vals[mask],
        )

    def emit_rows(self, facet: str, variable: str, clusters: np.ndarray, values: np.ndarray) -> None:
        """Write metadata rows at ``GLOBAL`` (first period and platform) with the given cluster names."""
        n = len(clusters)
        if n == 0:
            return
        z = np.zeros(n, dtype=np.int32)
        self._add(
            np.array(["GLOBAL"]),
            np.array(["global"]),
            np.array(["Global"]),
            z,
            z,
            z,
            facet,
            variable,
            np.array(["0"]),
            z,
            np.asarray(clusters, dtype=object),
            np.arange(n),
            np.asarray(values, float),
        )

    def _add(
        self,
        geo_ids: np.ndarray,
        geographies: np.ndarray,
        geo_names: np.ndarray,
        gi: np.ndarray,
        pi: np.ndarray,
        fi: np.ndarray,
        facet: str,
        variable: str,
        level_tab: np.ndarray,
        level_idx: np.ndarray,
        ctab: np.ndarray,
        ci: np.ndarray,
        values: np.ndarray,
    ) -> None:
        def col(tab: np.ndarray, i: np.ndarray) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(
                pa.array(np.asarray(i, dtype=np.int32)), pa.array(np.asarray(tab, dtype=object).astype(str))
            )

        zeros = np.zeros(len(values), dtype=np.int32)
        self.blocks.append(
            pa.table(
                {
                    "geo_id": col(geo_ids, gi),
                    "geography": col(geographies, gi),
                    "date_start": col(self.starts, pi),
                    "date_end": col(self.ends, pi),
                    "platform_and_product": col(self.platforms, fi),
                    "facet": col(np.array([facet]), zeros),
                    "level": col(level_tab, level_idx),
                    "variable": col(np.array([variable]), zeros),
                    "cluster_name": col(ctab, ci),
                    "value": pa.array(np.asarray(values, dtype=float)),
                    "geo_name": col(geo_names, gi),
                }
            )
        )

    def write(self, path: Path) -> None:
        cols = [*REQUIRED_COLUMNS, "geo_name"]
        if not self.blocks:
            raise SchemaError("write_aei: the dataset has no variable the AEI format can hold")
        tables = [
            t.select(cols).cast(
                pa.schema([(c, pa.string()) if c != "value" else (c, pa.float64()) for c in cols])
            )
            for t in self.blocks
        ]
        table = pa.concat_tables(tables)
        opts = pacsv.WriteOptions(quoting_style="needed")
        if path.name.endswith(".gz"):
            with pa.CompressedOutputStream(str(path), "gzip") as out:
                pacsv.write_csv(table, out, write_options=opts)
        else:
            pacsv.write_csv(table, str(path), write_options=opts)


def _level_sum(da: xr.DataArray, ds: xr.Dataset) -> xr.DataArray:
    """Sum over the geos of each geo_level, broadcast back to every geo."""
    level = ds["geo_level"]
    totals = da.groupby(level).sum("geo", min_count=1)
    return totals.sel(geo_level=level).drop_vars("geo_level", errors="ignore")


def _usage_index(ds: xr.Dataset) -> xr.DataArray:
    """Release convention: usage share (incl. the unlocated geo) / working-age population share.

    Uses :func:`econindex.indices.usage_index` (``reference=None``, the release
    convention) per level; falls back to the same formula inline where that
    function refuses the data (e.g. a located geo without population).
    """
    out = xr.full_like(ds["usage_count"], np.nan)
    levels = set(map(str, ds["geo_level"].values)) & {"country", "state_us"}
    try:
        from econindex.indices import usage_index
    except ImportError:  # pragma: no cover - indices is part of the package
        usage_index = None  # type: ignore[assignment]
    for lv in sorted(levels):  # at most two levels
        try:
            if usage_index is None:
                raise SchemaError("econindex.indices unavailable")
            aui = usage_index(ds, level=lv, keep_all=True).drop_vars("eligible", errors="ignore")
            out = out.fillna(aui.reindex_like(out))
        except (SchemaError, DataValueError):
            inline = _usage_index_inline(ds)
            out = out.fillna(inline.where(ds["geo_level"] == lv))
    return out


def _usage_index_inline(ds: xr.Dataset) -> xr.DataArray:
    usage, pop = ds["usage_count"], ds["working_age_pop"]
    located = ds["located"] if "located" in ds.coords else xr.ones_like(usage, dtype=bool)
    usage_share = usage / _level_sum(usage, ds)
    pop_ok = pop.where(usage.notnull() & located)
    pop_share = pop_ok / _level_sum(pop_ok, ds)
    return (usage_share / pop_share).where(ds["geo_level"] != "global")


_WRITTEN = {
    "usage_count", "usage_index", "usage_share_published", "working_age_pop", "gdp", "task_count",
    "task_share_published", "pattern_count", "pattern_share_published", "automation_share",
    "expected_automation", "request_count", "request_share_published", "task_pattern_count",
    "task_pattern_share", "request_pattern_count", "request_pattern_share", "cost_index",
    "prompt_tokens_index", "completion_tokens_index", "flagged_count",
}  # fmt: skip


def write_aei(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` as an enriched AEI long-format CSV (``.csv`` or ``.csv.gz``).

    Counts are written under their release names (``usage_count``,
    ``onet_task_count``, ``collaboration_count``, ``request_count``,
    ``onet_task_collaboration_count``, ``request_collaboration_count``), with
    the derived variables of the enriched release: ``usage_pct``,
    ``usage_per_capita``, ``usage_per_capita_index``, ``working_age_pop``,
    ``gdp_per_working_age_capita``, ``onet_task_pct``, ``collaboration_pct``,
    ``request_pct``, ``automation_pct``/``augmentation_pct`` (facet
    ``collaboration_automation_augmentation``, classified base),
    ``onet_task_collaboration_pct`` and ``request_collaboration_pct`` for
    ``GLOBAL``, and the API ``cost_index``/token indices. Percentages are
    written as 0..100. Published figures without counts are written under
    the variable they came from. ``flagged_count`` and
    ``expected_automation_pct`` (facet ``econindex``) are econindex's own
    additions; tools written for the release ignore them.

    Parameters
    ----------
    ds : xarray.Dataset
        A canonical dataset (validated first).
    path : path
        Output file; ``.gz`` compresses.

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    ``usage_per_capita_index`` follows the release convention: a geo's share
    of usage at its level (the unlocated geo's usage included in the total)
    divided by its share of working-age population among the located geos of
    that level with usage and population. Where the dataset carries a
    published ``usage_index`` it is written instead (the release's own
    reference set). ``read_aei(write_aei(ds))`` returns the same counts
    exactly (values are written with round-trip precision).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import econindex as ei
    >>> from econindex.io import read_aei
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> p = write_aei(ds, pathlib.Path(tempfile.mkdtemp()) / "aei_enriched.csv")
    >>> back = read_aei(p)
    >>> bool((back["usage_count"].sel(geo=ds["geo"].values) == ds["usage_count"]).all())
    True
    """
    validate(ds)
    out = Path(path)
    w = _Writer(ds)
    level = ds["geo_level"]
    has = ds.data_vars.__contains__

    def per_level(da: xr.DataArray, variable: str, scale: float = 1.0) -> None:
        # the facet of a geo row is its geography; three levels, not a loop over geos
        for lv in ("global", "country", "state_us", "subdivision"):
            facet = "country-state" if lv == "subdivision" else lv
            w.emit(da.where(level == lv), facet, variable, "geo", scale)

    if has("usage_count"):
        u = ds["usage_count"]
        per_level(u, "usage_count")
        per_level(u / _level_sum(u, ds), "usage_pct", 100.0)
        if has("working_age_pop"):
            per_level(u / ds["working_age_pop"], "usage_per_capita")
    if has("usage_index"):
        per_level(ds["usage_index"], "usage_per_capita_index")
    elif has("usage_count") and has("working_age_pop"):
        per_level(_usage_index(ds), "usage_per_capita_index")
    if has("usage_share_published") and not has("usage_count"):
        per_level(ds["usage_share_published"], "usage_pct", 100.0)
    if has("working_age_pop"):
        per_level(ds["working_age_pop"], "working_age_pop")
        if has("gdp"):
            per_level(ds["gdp"] / ds["working_age_pop"], "gdp_per_working_age_capita")
            lost = ds["gdp"].notnull() & ds["working_age_pop"].isnull()
            if bool(lost.any()):
                warnings.warn(
                    "write_aei: gdp of geos without working_age_pop is not written "
                    "(the release format holds GDP per working-age capita)",
                    UserWarning,
                    stacklevel=2,
                )

    if has("task_count"):
        t = ds["task_count"]
        w.emit(t, "onet_task", "onet_task_count", "task")
        w.emit(t / t.sum("task", min_count=1), "onet_task", "onet_task_pct", "task", 100.0)
    elif has("task_share_published"):
        w.emit(ds["task_share_published"], "onet_task", "onet_task_pct", "task", 100.0)

    auto = None
    if has("pattern_count"):
        pcount = ds["pattern_count"]
        w.emit(pcount, "collaboration", "collaboration_count", "pattern")
        w.emit(
            pcount / pcount.sum("pattern", min_count=1),
            "collaboration",
            "collaboration_pct",
            "pattern",
            100.0,
        )
        classified = pcount.sel(pattern=[p for p in CLASSIFIED_PATTERNS if p in pcount["pattern"].values])
        autos = classified.sel(pattern=[p for p in AUTOMATION_PATTERNS if p in classified["pattern"].values])
        auto = autos.sum("pattern", min_count=1) / classified.sum("pattern", min_count=1)
    elif has("pattern_share_published"):
        sh = ds["pattern_share_published"]
        w.emit(sh, "collaboration", "collaboration_pct", "pattern", 100.0)
    if auto is None and has("automation_share"):
        auto = ds["automation_share"]
    if auto is not None:
        cf = "collaboration_automation_augmentation"
        w.emit(auto, cf, "automation_pct", "=automation", 100.0)
        w.emit(1.0 - auto, cf, "augmentation_pct", "=augmentation", 100.0)
    if has("expected_automation"):
        w.emit(
            ds["expected_automation"], EXT_FACET, "expected_automation_pct", "=expected_automation", 100.0
        )

    if has("request_count"):
        rc = ds["request_count"]
        w.emit(rc, "request", "request_count", "request")
        if "request_level" in rc.coords:
            lvl = rc["request_level"]
            tot = (
                rc.groupby(lvl).sum("request", min_count=1).sel(request_level=lvl).drop_vars("request_level")
            )
        else:
            tot = rc.sum("request", min_count=1)
        w.emit(rc / tot, "request", "request_pct", "request", 100.0)
    elif has("request_share_published"):
        w.emit(ds["request_share_published"], "request", "request_pct", "request", 100.0)

    for base, count_var, share_var in (
        ("onet_task", "task_pattern_count", "task_pattern_share"),
        ("request", "request_pattern_count", "request_pattern_share"),
    ):
        dim = "task" if base == "onet_task" else "request"
        facet = f"{base}::collaboration"
        if has(count_var):
            w.emit(ds[count_var], facet, f"{base}_collaboration_count", f"{dim}::pattern")
        share = None
        if has(share_var):
            share = ds[share_var]
        elif has(count_var) and "GLOBAL" in ds["geo"].values:
            g = ds[count_var].sel(geo="GLOBAL")
            share = g / g.sum("pattern", min_count=1)
        if share is not None:
            w.emit(share, facet, f"{base}_collaboration_pct", f"{dim}::pattern", 100.0)

    for var in ("cost_index", "prompt_tokens_index", "completion_tokens_index"):
        if has(var):
            w.emit(ds[var], f"onet_task::{var.removesuffix('_index')}", var, "task::index")
    if has("flagged_count"):
        fc = ds["flagged_count"]
        if "task" in fc.dims:
            w.emit(fc, EXT_FACET, "flagged_task_count", "task")
        else:
            w.emit(fc, EXT_FACET, "flagged_count", "geo")
    skipped = sorted(set(map(str, ds.data_vars)) - _WRITTEN)
    if skipped:
        warnings.warn(
            f"write_aei: variable(s) {skipped} have no place in the AEI long format and are not written",
            UserWarning,
            stacklevel=2,
        )
    if "soc_major" in ds.coords and "task" in ds.dims:
        soc = pd.Series(_label(ds["soc_major"].values))
        digit = soc.str.fullmatch(r"\d+").to_numpy()
        w.emit_rows(
            EXT_FACET,
            "task_soc_major",
            _label(ds["task"].values)[digit],
            soc[digit].astype(float).to_numpy(),
        )
    if "parent_request" in ds.coords and "request" in ds.dims:
        par = _label(ds["parent_request"].values)
        has_par = par != ""
        child = _label(ds["request"].values)[has_par]
        w.emit_rows(
            EXT_FACET,
            "request_parent",
            np.char.add(np.char.add(child, "::"), par[has_par]),
            np.ones(int(has_par.sum())),
        )
    w.write(out)
    return out


