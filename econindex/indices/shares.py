"""Shares of each geo's conversations over tasks, collaboration patterns and request clusters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import xarray as xr

from econindex.errors import SchemaError
from econindex.indices._common import _divide, _labels, _level_geos, _request_labels, _require
from econindex.schema import GEO, PATTERN, REQUEST, SPECIAL_CLUSTERS, TASK

__all__ = ["cluster_identity", "pattern_share", "request_share", "task_share"]


def _identity(counts: xr.DataArray, dim: str) -> list[str]:
    """The cluster each label of ``dim`` stands for, whatever its label.

    ``read_aei`` labels a request name used at several levels ``"<name> [level N]"`` above the
    lowest; the cluster is still ``<name>``. The suffix is removed only where ``N`` is the
    label's own ``request_level``, so a name that merely ends in such text is left alone.

    Examples
    --------
    >>> da = xr.DataArray([1, 2, 3], dims="request", coords={
    ...     "request": ["none", "none [level 2]", "x [level 9]"], "request_level": ("request", [0, 2, 2])})
    >>> _identity(da, "request")
    ['none', 'none', 'x [level 9]']
    """
    labels = _labels(counts[dim].values)
    if dim != REQUEST or "request_level" not in counts.coords:
        return labels
    return cluster_identity(labels, counts["request_level"].values)


def cluster_identity(labels: Sequence[str], levels: Any) -> list[str]:
    """Request cluster names of ``read_aei`` labels: ``"<name> [level N]"`` is ``<name>`` at level N.

    The suffix is removed only where ``N`` equals the label's own level.

    Examples
    --------
    >>> cluster_identity(["not_classified [level 2]", "a [level 1]"], [2, 2])
    ['not_classified', 'a [level 1]']
    """
    return [
        lab.removesuffix(f" [level {lv}]") if lab.endswith(f" [level {lv}]") else lab
        for lab, lv in zip(map(str, labels), _labels(levels), strict=True)
    ]  # one pass over the (few hundred) cluster labels


def _kept_labels(counts: xr.DataArray, dim: str, drop: set[str]) -> list[str]:
    """Labels of ``dim`` whose cluster (see :func:`_identity`) is not in ``drop``."""
    return [
        lab
        for lab, ident in zip(_labels(counts[dim].values), _identity(counts, dim), strict=True)
        if ident not in drop and lab not in drop
    ]


def _share(counts: xr.DataArray, dim: str, exclude: Sequence[str], name: str, long_name: str) -> xr.DataArray:
    drop = set(map(str, exclude))
    labels = _kept_labels(counts, dim, drop)
    kept = counts.sel({dim: labels})
    total = kept.sum(dim, skipna=True, min_count=1)
    out = _divide(kept, total)
    out.name = name
    out.attrs = {
        "long_name": long_name,
        "units": "1",
        "excluded": sorted(set(_labels(counts[dim].values)) - set(labels)),
    }
    return out


def _counts_or_published(ds: xr.Dataset, count: str, published: str, dim: str) -> tuple[xr.DataArray, str]:
    if count in ds.data_vars:
        return ds[count], f"counts ({count})"
    if published in ds.data_vars:
        return ds[published], f"published shares ({published}), renormalized after exclusions"
    raise SchemaError(f"dataset has neither {count!r} nor {published!r}; cannot compute shares over {dim!r}")


def task_share(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Share of each geo's conversations per O*NET task, after dropping ``exclude``.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``task_count`` (geo, task) or, failing that, the published
        ``task_share_published`` (renormalized after the exclusions; said in attrs).
    level : str, optional
        Keep only the located geos at this level; ``None`` keeps every geo.
    exclude : sequence of str, default ("none", "not_classified")
        Task labels left out of numerator and denominator.

    Returns
    -------
    xarray.DataArray
        ``task_share`` over ``geo`` x ``task`` (plus extra dims); each geo's
        shares sum to 1 over ``task`` (NaN where the geo has no classified task).
        Missing cells stay NaN and do not enter the total.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"task_count": (("geo", "task"), [[3.0, 1.0, 4.0]])},
    ...                 coords={"geo": ["USA"], "task": ["write code", "edit text", "none"]})
    >>> task_share(ds).sel(geo="USA").values.tolist()
    [0.75, 0.25]
    """
    counts, source = _counts_or_published(ds, "task_count", "task_share_published", TASK)
    counts = counts.sel({GEO: _level_geos(ds, level)})
    out = _share(counts, TASK, exclude, "task_share", "Share of conversations per O*NET task")
    out.attrs["source"] = source
    if "task_cells_note" in ds.attrs:
        out.attrs["caveat"] = str(ds.attrs["task_cells_note"])
    return out


def pattern_share(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Share of each geo's conversations per collaboration pattern, after dropping ``exclude``.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``pattern_count`` (geo, pattern) or ``pattern_share_published``.
    level : str, optional
        Keep only the located geos at this level; ``None`` keeps every geo.
    exclude : sequence of str, default ("none", "not_classified")
        Pattern labels left out; with the default the shares are over the five
        classified patterns.

    Returns
    -------
    xarray.DataArray
        ``pattern_share`` over ``geo`` x ``pattern`` (plus extra dims), summing
        to 1 over ``pattern``.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords
    >>> ds = xr.Dataset({"pattern_count": (("geo", "pattern"), [[6.0, 2.0, 2.0]])},
    ...                 coords={"geo": ["BRA"], **pattern_coords(["directive", "learning", "none"])})
    >>> pattern_share(ds).sel(geo="BRA").values.tolist()
    [0.75, 0.25]
    """
    counts, source = _counts_or_published(ds, "pattern_count", "pattern_share_published", PATTERN)
    counts = counts.sel({GEO: _level_geos(ds, level)})
    out = _share(
        counts, PATTERN, exclude, "pattern_share", "Share of conversations per collaboration pattern"
    )
    out.attrs["source"] = source
    return out


def request_share(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    request_level: int = 0,
    exclude: Sequence[str] = SPECIAL_CLUSTERS,
) -> xr.DataArray:
    """Share of each geo's conversations per request cluster at one level of the hierarchy.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``request_count`` (geo, request) and the ``request_level``
        coordinate on ``request``.
    level : str, optional
        Keep only the located geos at this geo level; ``None`` keeps every geo.
    request_level : int, default 0
        Level of the request hierarchy (0 = finest in the AEI release).
    exclude : sequence of str, default ("none", "not_classified")
        Cluster names left out.

    Returns
    -------
    xarray.DataArray
        ``request_share`` over ``geo`` x ``request`` (the clusters at
        ``request_level``), summing to 1 over ``request``.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"request_count": (("geo", "request"), [[2.0, 6.0, 8.0]])},
    ...                 coords={"geo": ["IND"], "request": ["web apps", "debug", "software"],
    ...                         "request_level": ("request", [0, 0, 1])})
    >>> request_share(ds, request_level=0).sel(geo="IND").values.tolist()
    [0.25, 0.75]
    """
    counts = _require(ds, "request_count")
    counts = counts.sel({GEO: _level_geos(ds, level), REQUEST: _request_labels(ds, request_level)})
    out = _share(
        counts,
        REQUEST,
        exclude,
        "request_share",
        f"Share of conversations per request (level {request_level})",
    )
    out.attrs["request_level"] = int(request_level)
    out.attrs["source"] = "counts (request_count)"
    return out
