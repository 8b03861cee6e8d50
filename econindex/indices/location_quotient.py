"""Specialization: location quotients of a geo's usage over SOC groups, tasks or request clusters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import OptionError, SchemaError
from econindex.indices._common import _bare, _divide, _labels, _request_labels, _require
from econindex.indices.shares import _kept_labels
from econindex.schema import (
    ANALYSIS_LEVELS,
    GEO,
    REQUEST,
    SOC_MAJOR_GROUPS,
    SPECIAL_CLUSTERS,
    TASK,
    check_option,
    geos_at_level,
)

__all__ = ["specialization", "top_specializations"]

_PARENT = {"country": "GLOBAL", "state_us": "USA"}


def _category_counts(ds: xr.Dataset, over: str, request_level: int) -> tuple[xr.DataArray, str]:
    if over == "request":
        if "request_count" not in ds.data_vars:
            raise SchemaError("specialization over='request' needs 'request_count'")
        return ds["request_count"].sel({REQUEST: _request_labels(ds, request_level)}), REQUEST
    counts = _require(ds, "task_count")
    if over == "task":
        return counts, TASK
    if "soc_major" not in ds.coords:
        raise SchemaError("specialization over='soc_major' needs the 'soc_major' coordinate on 'task'")
    # task -> SOC major group with xarray's groupby (min_count=1: a group with no observed
    # cell stays missing); a hand-written np.add.reduceat was only ~1.3x faster, not worth it
    soc = ds["soc_major"].sel({TASK: counts[TASK].values}).compute().astype(str)  # labels, never lazy
    summed = _bare(counts).assign_coords(soc_major=soc).groupby("soc_major").sum(min_count=1)
    return summed, "soc_major"


def specialization(
    ds: xr.Dataset,
    over: Literal["soc_major", "task", "request"] = "soc_major",
    *,
    level: str = "country",
    reference: str | xr.DataArray | None = None,
    request_level: int = 0,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Location quotient: a geo's share of usage in a category over the reference share.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``task_count`` (for ``over="task"`` or ``"soc_major"``, the
        latter aggregated with the ``soc_major`` coordinate) or ``request_count``.
    over : {"soc_major", "task", "request"}
        Categories.
    level : {"country", "state_us"}
        Located geos to compute it for.
    reference : None, "pooled", a geo label, or DataArray
        Reference shares. ``None``: the parent geo (``GLOBAL`` for countries,
        ``USA`` for states, as the release's ``*_pct_index``) if it is in
        ``ds``, else ``"pooled"`` (summed counts of all geos at ``level``,
        unlocated included). A geo label uses that geo's shares; a DataArray
        over the category dim is used as given.
    request_level : int, default 0
        Request hierarchy level for ``over="request"``.
    exclude : sequence of str, default ("none", "not_classified")
        Categories left out of shares (the release excludes them from its
        indices as not meaningful).

    Returns
    -------
    xarray.DataArray
        ``specialization`` over ``geo`` x category (plus extra dims): 1 means
        the category is as common as in the reference, 6 means six times as
        common. NaN where the reference share is zero. ``attrs["reference"]``
        says which reference was used.

    Examples
    --------
    >>> import xarray as xr
    >>> counts = [[30.0, 70.0], [20.0, 380.0], [90.0, 510.0]]
    >>> ds = xr.Dataset({"task_count": (("geo", "task"), counts)},
    ...                 coords={"geo": ["BRA", "USA", "GLOBAL"], "task": ["translate", "code"],
    ...                         "soc_major": ("task", ["27", "15"]),
    ...                         "geo_level": ("geo", ["country", "country", "global"])})
    >>> specialization(ds, "task").sel(geo="BRA").values.round(3).tolist()  # vs GLOBAL
    [2.0, 0.824]
    >>> round(specialization(ds, "soc_major", reference="pooled").sel(geo="BRA", soc_major="27").item(), 9)
    3.0
    """
    check_option("over", over, ("soc_major", "task", "request"))
    check_option("level", level, ANALYSIS_LEVELS)
    counts, dim = _category_counts(ds, over, request_level)
    drop = set(map(str, exclude))
    keep_cats = _kept_labels(counts, dim, drop)  # by the cluster, not its label ('none [level 2]')
    counts = counts.sel({dim: keep_cats})
    geos = geos_at_level(ds, level)
    share = _divide(counts.sel({GEO: geos}), counts.sel({GEO: geos}).sum(dim, skipna=True, min_count=1))

    all_geos = set(_labels(ds[GEO].values))
    if isinstance(reference, xr.DataArray):
        ref = reference
        ref_desc = "user-supplied shares"
    else:
        if reference is None:
            parent = _PARENT[level]
            reference = (
                parent if parent in all_geos and bool(counts.sel({GEO: parent}).notnull().any()) else "pooled"
            )
        if reference == "pooled":
            at_level = [
                g
                for g, lv in zip(_labels(ds[GEO].values), _labels(ds["geo_level"].values), strict=True)
                if lv == level
            ]
            pooled = counts.sel({GEO: at_level}).sum(GEO, skipna=True)
            ref = _divide(pooled, pooled.sum(dim))
            ref_desc = f"pooled counts of the {len(at_level)} geos at level {level!r}"
        else:
            if reference not in all_geos:
                raise SchemaError(f"reference geo {reference!r} is not in the dataset")
            rc = counts.sel({GEO: reference}).drop_vars(GEO)
            ref = _divide(rc, rc.sum(dim, skipna=True, min_count=1))
            ref_desc = f"shares of geo {reference!r}"
    ref = ref.drop_vars([c for c in ref.coords if c not in ref.dims], errors="ignore")
    lq = _divide(share, ref.where(ref > 0))
    lq.name = "specialization"
    lq.attrs = {
        "long_name": f"Location quotient over {over}",
        "units": "1",
        "over": over,
        "reference": ref_desc,
        "excluded": sorted(drop),
    }
    if over == "request":
        lq.attrs["request_level"] = int(request_level)
    if over != "request" and "task_cells_note" in ds.attrs:
        lq.attrs["caveat"] = str(ds.attrs["task_cells_note"])
    return lq


def top_specializations(
    ds: xr.Dataset,
    geo: str,
    n: int = 5,
    over: Literal["soc_major", "task", "request"] = "soc_major",
    *,
    reference: str | xr.DataArray | None = None,
    request_level: int = 0,
    min_count: float = 0.0,
) -> pd.DataFrame:
    """The ``n`` categories most over-represented in ``geo`` relative to the reference.

    Parameters
    ----------
    ds : xarray.Dataset
        As for :func:`specialization`.
    geo : str
        Geo label; its ``geo_level`` sets the level.
    n : int, default 5
        How many categories.
    over, reference, request_level
        As for :func:`specialization`.
    min_count : float, default 0
        Skip categories with fewer conversations in ``geo`` (a location
        quotient of a tiny cell is noise).

    Returns
    -------
    pandas.DataFrame
        Columns (any extra dims first, then) ``rank, category, title, count,
        share, reference_share, specialization``, sorted by rank; ``title`` is
        the SOC major group title for ``over="soc_major"`` and the category
        itself otherwise.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"task_count": (("geo", "task"), [[40.0, 60.0], [60.0, 340.0]])},
    ...                 coords={"geo": ["BRA", "USA"], "task": ["translate text", "write code"],
    ...                         "soc_major": ("task", ["27", "15"]),
    ...                         "geo_level": ("geo", ["country", "country"])})
    >>> top_specializations(ds, "BRA", n=1, over="soc_major")[["category", "title"]].values.tolist()
    [['27', 'Arts, Design, Entertainment, Sports, and Media']]
    """
    if geo not in set(_labels(ds[GEO].values)):
        raise SchemaError(f"geo {geo!r} is not in the dataset")
    if n < 1:
        raise OptionError(f"n={n!r} must be a positive integer")
    level = str(ds["geo_level"].sel({GEO: geo}).item())
    lq = specialization(ds, over, level=level, reference=reference, request_level=request_level)
    counts, dim = _category_counts(ds, over, request_level)
    c = counts.sel({GEO: geo, dim: lq[dim].values})
    tot = c.sum(dim, skipna=True, min_count=1)
    frame = xr.Dataset(
        {
            "count": c,
            "share": _divide(c, tot),
            "specialization": lq.sel({GEO: geo}),
        }
    )
    frame["reference_share"] = _divide(frame["share"], frame["specialization"])
    df = frame.drop_vars([v for v in frame.coords if v not in frame.dims]).to_dataframe().reset_index()
    df = df.rename(columns={dim: "category"})
    df = df[np.isfinite(df["specialization"]) & (df["count"].fillna(0) >= min_count)]
    extra = [str(d) for d in lq.dims if d not in (GEO, dim)]
    df = df.sort_values([*extra, "specialization"], ascending=[True] * len(extra) + [False], kind="stable")
    df = df.groupby(extra, sort=False).head(n) if extra else df.head(n)
    df["rank"] = (
        df.groupby(extra, sort=False).cumcount() if extra else pd.Series(range(len(df)), index=df.index)
    ) + 1
    df["category"] = df["category"].astype(str)
    df["title"] = (
        df["category"].map(SOC_MAJOR_GROUPS).fillna(df["category"]) if over == "soc_major" else df["category"]
    )
    cols = [*extra, "rank", "category", "title", "count", "share", "reference_share", "specialization"]
    return df[cols].reset_index(drop=True)
