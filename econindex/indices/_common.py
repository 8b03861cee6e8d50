"""Helpers shared by the index modules: required variables, labels, level geos, safe division."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from econindex.errors import OptionError, SchemaError
from econindex.schema import GEO, REQUEST, geos_at_level


def _require(ds: xr.Dataset, name: str, hint: str = "") -> xr.DataArray:
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if name not in ds.data_vars:
        raise SchemaError(f"dataset has no {name!r} variable{hint}")
    return ds[name]


def _labels(values: Any) -> list[str]:
    return [str(v) for v in np.asarray(values).tolist()]


def _level_geos(ds: xr.Dataset, level: str | None) -> list[str]:
    if level is None:
        return _labels(ds[GEO].values)
    return geos_at_level(ds, level)


def _bare(da: xr.DataArray) -> xr.DataArray:
    """``da`` without its non-index coordinates (cheap arithmetic; see :func:`_with_geo_coords`)."""
    return da.drop_vars([c for c in da.coords if c not in da.dims])


def _divide(num: xr.DataArray, den: xr.DataArray | float) -> xr.DataArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _request_labels(ds: xr.Dataset, request_level: int) -> list[str]:
    """Labels of the request clusters at ``request_level`` of the hierarchy (0 = finest in the AEI release).

    The one selection of a request level, for shares and for specialization.

    Examples
    --------
    >>> ds = xr.Dataset(coords={"request": ["a", "b", "c"], "request_level": ("request", [0, 0, 1])})
    >>> _request_labels(ds, 0)
    ['a', 'b']
    """
    if "request_level" not in ds.coords:
        raise SchemaError("dimension 'request' lacks the 'request_level' coordinate")
    lv = np.asarray(ds["request_level"].values)
    at = _labels(ds[REQUEST].values[lv == request_level])
    if not at:
        raise OptionError(
            f"request_level={request_level!r} has no clusters; levels present: {sorted(set(lv.tolist()))}"
        )
    return at
