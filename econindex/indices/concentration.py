"""Concentration of the usage index across geos: Gini coefficient, Lorenz curve, top-k share.

The sorting-based numerics are the NumPy kernels of :mod:`econindex._kernels.shares`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from econindex._kernels import shares as _k
from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.indices._common import _require
from econindex.indices.usage import usage_index
from econindex.schema import GEO, first_bad_cell, geos_at_level

__all__ = ["gini", "lorenz_curve", "top_k_share"]


def _values_weights(
    x: xr.Dataset | xr.DataArray, weights: str | xr.DataArray | None, level: str | None
) -> tuple[xr.DataArray, xr.DataArray, str]:
    """The per-geo values (the index) and weights for the concentration measures."""
    if isinstance(x, xr.Dataset):
        lvl = level or "country"
        if "usage_count" in x.data_vars:
            vals = usage_index(x, lvl, keep_all=True)
            vals = vals.where(vals["eligible"])
            src = "usage_index recomputed from counts (eligible geos)"
        elif "usage_index" in x.data_vars:
            vals = x["usage_index"].sel({GEO: geos_at_level(x, lvl)})
            src = "published usage_index"
        else:
            raise SchemaError("dataset has neither 'usage_count' nor 'usage_index'")
        if isinstance(weights, str):
            w = _require(x, weights).sel({GEO: vals[GEO].values})
        elif weights is None:
            w = xr.ones_like(vals[GEO], dtype=float)
        else:
            w = weights
    elif isinstance(x, xr.DataArray):
        if GEO not in x.dims:
            raise SchemaError("expected a DataArray over 'geo'")
        vals, src = x, str(x.name or "values")
        if isinstance(weights, str):
            raise OptionError("weights given by name need a Dataset; pass a DataArray of weights")
        w = xr.ones_like(x[GEO], dtype=float) if weights is None else weights
    else:
        raise SchemaError(f"expected an xarray Dataset or DataArray, got {type(x).__name__}")
    if w is not None and bool((w < 0).any()):
        raise DataValueError("concentration weights must be non-negative")
    vals, w = xr.broadcast(vals, w.reindex({GEO: vals[GEO].values}))
    if bool((vals < 0).any()):
        raise DataValueError("concentration measures need non-negative values")
    # every observed value zero: no distribution to measure (a Gini would be 0/0)
    observed = (vals.notnull() & (w > 0)).any(GEO)
    if not bool(observed.any()):  # no geo at all, or none observed: nothing to measure (not 1.0, not NaN)
        raise DataValueError(
            f"concentration measures need at least one observed value; got {vals.sizes[GEO]} geo(s), "
            f"none with a value and a positive weight ({src})"
        )
    empty = observed & ((vals.fillna(0.0) * w.fillna(0.0)).sum(GEO) == 0)
    if bool(empty.any()):
        where = f" at {first_bad_cell(empty, np.asarray(empty.values))}" if empty.dims else ""
        raise DataValueError(f"concentration measures are undefined when every value is zero{where} ({src})")
    return vals.transpose(..., GEO), w.transpose(..., GEO), src


def gini(
    x: xr.Dataset | xr.DataArray,
    *,
    weights: str | xr.DataArray | None = None,
    level: str | None = None,
) -> xr.DataArray:
    """Gini coefficient of the usage index across geos (0 = usage proportional to population).

    Parameters
    ----------
    x : xarray.Dataset or DataArray
        A DataArray of the index over ``geo``, or a dataset (the index is
        recomputed from counts with the release's threshold, or the published
        ``usage_index`` is used when there are no counts).
    weights : None, variable name, or DataArray
        ``None`` (default): every geo counts once, the convention of the AEI
        reports (e.g. the US-state Gini of 0.37 in Aug 2025). ``"working_age_pop"``
        weights geos by population: the Gini of usage relative to population
        (the area between the Lorenz curve of usage against population and
        the diagonal).
    level : str, optional
        Geo level when ``x`` is a dataset (default ``"country"``).

    Returns
    -------
    xarray.DataArray
        ``gini`` with the extra dims of ``x`` (a scalar for a single release).
        Missing values are left out.

    Examples
    --------
    >>> import econindex as ei
    >>> panel = ei.datasets.load_us_state_panel()
    >>> gini(panel, level="state_us").round(2).values.tolist()
    [0.37, 0.32, 0.29, 0.28]
    """
    vals, w, src = _values_weights(x, weights, level)
    g = xr.apply_ufunc(_k.gini, vals, w, input_core_dims=[[GEO], [GEO]])
    g.name = "gini"
    g.attrs = {"long_name": "Gini coefficient of the usage index", "weights": str(weights), "source": src}
    return g


def lorenz_curve(
    x: xr.Dataset | xr.DataArray,
    *,
    weights: str | xr.DataArray | None = None,
    level: str | None = None,
) -> xr.Dataset:
    """Lorenz curve points of the usage index across geos, sorted from lowest to highest.

    Parameters
    ----------
    x, weights, level
        As for :func:`gini`.

    Returns
    -------
    xarray.Dataset
        Over a ``point`` dim of ``n + 1`` points starting at (0, 0):
        ``weight_share`` (cumulative share of geos, or of population when
        weighted) and ``usage_share`` (cumulative share of index x weight,
        i.e. of usage when weighted by population), plus ``geo`` (the geo added
        at each point, "" at the origin), with the extra dims of ``x``.

    Examples
    --------
    >>> import xarray as xr
    >>> lc = lorenz_curve(xr.DataArray([3.0, 1.0], dims="geo", coords={"geo": ["A", "B"]}))
    >>> lc["usage_share"].values.tolist(), lc["geo"].values.tolist()
    ([0.0, 0.25, 1.0], ['', 'B', 'A'])
    """
    vals, w, src = _values_weights(x, weights, level)
    P, L, order = _k.lorenz_points(vals.values, w.values)
    labels = np.concatenate([np.array([""], dtype=object), np.asarray(vals[GEO].values, dtype=object)])
    geo_at = labels[np.concatenate([np.full((*order.shape[:-1], 1), -1), order], axis=-1) + 1]
    dims = (*vals.dims[:-1], "point")
    coords = {d: vals[d] for d in vals.dims[:-1] if d in vals.coords}
    out = xr.Dataset(
        {"weight_share": (dims, P), "usage_share": (dims, L), "geo": (dims, geo_at)},
        coords={**coords, "point": np.arange(P.shape[-1])},
        attrs={"weights": str(weights), "source": src},
    )
    return out


def top_k_share(
    x: xr.Dataset | xr.DataArray,
    k: int = 10,
    *,
    weights: str | xr.DataArray | None = None,
    level: str | None = None,
) -> xr.Dataset:
    """Share held by the ``k`` geos with the highest usage index.

    Parameters
    ----------
    x, weights, level
        As for :func:`gini`; weight by ``"working_age_pop"`` to get shares of
        usage and of population.
    k : int, default 10
        How many top geos.

    Returns
    -------
    xarray.Dataset
        ``usage_share`` (share of index x weight, i.e. of usage when weighted
        by population) and ``weight_share`` (share of the weight: of geos, or of
        population) of the top ``k``, with the extra dims of ``x``.

    Examples
    --------
    >>> import xarray as xr
    >>> aui = xr.DataArray([4.0, 1.0, 0.5], dims="geo", coords={"geo": ["ISR", "USA", "IND"]})
    >>> pop = xr.DataArray([1.0, 3.0, 16.0], dims="geo", coords={"geo": ["ISR", "USA", "IND"]})
    >>> r = top_k_share(aui, 1, weights=pop)
    >>> round(float(r["usage_share"]), 4), float(r["weight_share"])
    (0.2667, 0.05)
    """
    if not (isinstance(k, int | np.integer) and k >= 1):
        raise OptionError(f"k={k!r} must be a positive integer")
    vals, w, src = _values_weights(x, weights, level)
    m, ws = _k.top_k_share(vals.values, w.values, int(k))
    dims = vals.dims[:-1]
    coords = {d: vals[d] for d in dims if d in vals.coords}
    return xr.Dataset(
        {"usage_share": (dims, m), "weight_share": (dims, ws)},
        coords=coords,
        attrs={"k": int(k), "weights": str(weights), "source": src},
    )
