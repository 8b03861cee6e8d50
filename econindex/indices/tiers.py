"""Usage tiers: quartiles of the usage index among the geos that meet the reporting threshold."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import OptionError, SchemaError
from econindex.schema import GEO

__all__ = ["NO_DATA", "TIER_LABELS", "tiers_categorical", "usage_tiers"]


TIER_LABELS: tuple[str, ...] = (
    "Minimal",
    "Emerging (bottom 25%)",
    "Lower middle (25-50%)",
    "Upper middle (50-75%)",
    "Leading (top 25%)",
)
"""Usage tiers from low to high, as the release names them; tier code 0..4 (the
release's ``usage_tier``): 0 below the reporting threshold, 1-4 quartiles among eligible geos."""

NO_DATA = "No data"
"""Tier label of a geo whose index is missing (tier code -1)."""


def usage_tiers(aui: xr.DataArray, *, eligible: xr.DataArray | None = None) -> xr.DataArray:
    """Usage tiers: quartiles of the index among eligible geos, and "Minimal" below the threshold.

    Parameters
    ----------
    aui : xarray.DataArray
        Index over ``geo`` (e.g. ``usage_index(ds, keep_all=True)``; extra dims
        are tiered slice by slice).
    eligible : xarray.DataArray of bool, optional
        Which cells meet the reporting threshold; by default the ``eligible``
        coordinate of ``aui`` (set by :func:`usage_index`), else every
        non-missing cell. With the default ``usage_index`` output (eligible geos
        only) no geo is "Minimal": pass ``keep_all=True`` to tier every geo.

    Returns
    -------
    xarray.DataArray
        ``usage_tier``: labels from :data:`TIER_LABELS` (``"No data"`` where the
        index is missing), with the integer coordinate ``tier_code`` (0 Minimal,
        1-4 quartiles low to high, -1 no data, as the release's ``usage_tier``).
        :func:`tiers_categorical` turns it into an ordered
        :class:`pandas.Categorical`.

    Notes
    -----
    Cut points are the 25/50/75% quantiles (linear interpolation, as
    :func:`numpy.quantile`) of the eligible geos' index; bins are closed on the
    right, as :func:`pandas.qcut`.

    Examples
    --------
    >>> import xarray as xr
    >>> aui = xr.DataArray([0.1, 0.5, 1.0, 2.0, 4.0], dims="geo", coords={"geo": list("ABCDE"),
    ...                    "eligible": ("geo", [False, True, True, True, True])})
    >>> usage_tiers(aui).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Minimal', 'Emerging (bottom 25%)', 'Lower middle (25-50%)',
     'Upper middle (50-75%)', 'Leading (top 25%)']
    """
    if not isinstance(aui, xr.DataArray) or GEO not in aui.dims:
        raise SchemaError("usage_tiers expects a DataArray over 'geo' (the output of usage_index)")
    if eligible is None:
        eligible = aui.coords["eligible"] if "eligible" in aui.coords else aui.notnull()
    elig = eligible.fillna(False).astype(bool) & aui.notnull()
    vals = aui.where(elig)
    with warnings.catch_warnings():  # a slice with no eligible geo (e.g. API usage) has no quartiles
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        q = vals.quantile([0.25, 0.5, 0.75], dim=GEO, skipna=True)
    code = 1 + sum((aui > q.isel(quantile=i).drop_vars("quantile")).astype(int) for i in range(3))
    code = xr.where(elig, code, xr.where(aui.notnull(), 0, -1))
    labels = np.array([*TIER_LABELS, NO_DATA], dtype=object)
    tiers = xr.DataArray(labels[np.asarray(code.values)], dims=code.dims, coords=code.coords)
    tiers = tiers.assign_coords(tier_code=code.astype(int))
    tiers.name = "usage_tier"
    tiers.attrs = {
        "long_name": "Usage tier (quartiles of the usage index among eligible geos)",
        "labels": list(TIER_LABELS),
    }
    return tiers


def tiers_categorical(tiers: xr.DataArray) -> pd.Categorical:
    """The tiers of :func:`usage_tiers` (1-D) as an ordered :class:`pandas.Categorical` ("No data" -> NaN).

    Examples
    --------
    >>> import xarray as xr
    >>> t = usage_tiers(xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="geo", coords={"geo": list("ABCD")}))
    >>> c = tiers_categorical(t)
    >>> bool(c[3] > c[0]), c.categories[0]
    (True, 'Minimal')
    """
    if tiers.ndim != 1:
        raise OptionError("tiers_categorical needs a 1-D tier array; select one period/platform first")
    values = [v if v in TIER_LABELS else None for v in tiers.values.tolist()]
    return pd.Categorical(values, categories=list(TIER_LABELS), ordered=True)
