"""The model frame: the tidy table of a dataset that formulas run on (one row per geo and period)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import OptionError, SchemaError


def _geo_frame(ds: xr.Dataset, level: str) -> pd.DataFrame:
    """One period slice (no ``period`` dim): the tidy frame of the located geos at ``level``."""
    from econindex.indices import usage_index as _usage_index
    from econindex.schema import GEO, geos_at_level

    geos = geos_at_level(ds, level)
    sub = ds.sel({GEO: geos})
    cols: dict[str, Any] = {"geo": np.asarray(geos, dtype=object)}
    for name, coord in sub.coords.items():
        if coord.dims == (GEO,) and name != GEO:
            cols[str(name)] = coord.values
    for name, var in sub.data_vars.items():
        if var.dims == (GEO,):
            cols[str(name)] = np.asarray(var.values)
    if "usage_count" in ds.data_vars and "working_age_pop" in ds.data_vars:
        if "usage_index" in cols:
            cols["usage_index_published"] = cols["usage_index"]
        aui = _usage_index(ds, level=level, keep_all=True)
        cols["usage_index"] = np.asarray(aui.sel({GEO: geos}).values, dtype=float)
    if "usage_index" in cols:
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["log_usage_index"] = np.where(cols["usage_index"] > 0, np.log(cols["usage_index"]), np.nan)
    if "gdp" in cols and "working_age_pop" in cols:
        with np.errstate(divide="ignore", invalid="ignore"):
            gpc = np.asarray(cols["gdp"], dtype=float) / np.asarray(cols["working_age_pop"], dtype=float)
            cols["gdp_per_working_age_capita"] = gpc
            cols["log_gdp_pc"] = np.where(gpc > 0, np.log(gpc), np.nan)
    if "automation_share" not in cols or "expected_automation" not in cols:
        from econindex import automation as _auto

        est = _auto.TaskMixAutomation()
        if "automation_share" not in cols:
            try:
                share, _ = est._actual(ds)
                cols["automation_share"] = np.asarray(share.sel({GEO: geos}).values, dtype=float)
            except (SchemaError, OptionError):
                pass
        if "expected_automation" not in cols:
            try:
                e = _auto.expected_automation(ds)
                cols["expected_automation"] = np.asarray(e.sel({GEO: geos}).values, dtype=float)
            except (SchemaError, OptionError, KeyError):
                pass
    return pd.DataFrame(cols, index=pd.Index(geos, name="geo"))


def model_frame(ds: xr.Dataset, level: str = "country", *, platform: str | None = None) -> pd.DataFrame:
    """The tidy frame of a dataset that formulas run on: one row per geo (and period).

    Columns: the geo coordinates (``geo_name``, ``census_region``,
    ``census_division``, ...), every variable over ``geo`` (and ``period``),
    and the derived columns the estimators use: ``usage_index`` (computed from
    ``usage_count`` and ``working_age_pop`` when the counts exist, as
    :class:`~econindex.IncomeElasticity` does; the published one is then
    ``usage_index_published``), ``log_usage_index``,
    ``gdp_per_working_age_capita``, ``log_gdp_pc``, ``automation_share`` and
    ``expected_automation`` (fractions, as stored). With a ``period`` dimension
    the frame stacks the periods with a ``period`` column.

    Parameters
    ----------
    ds : econindex dataset
    level : ``"country"`` or ``"state_us"``
    platform : select one platform when the dataset has a ``platform`` dimension

    Examples
    --------
    >>> import econindex as ei
    >>> mf = model_frame(ei.datasets.load_countries_2025_08(), level="country")
    >>> fit = ei.regression.ols("log_usage_index ~ log_gdp_pc", mf)
    >>> mf.shape[0], round(float(fit.params["log_gdp_pc"]), 4)
    (114, 0.6895)
    """
    from econindex.schema import PERIOD, PLATFORM

    if not isinstance(ds, xr.Dataset):
        raise OptionError(f"model_frame takes an econindex dataset (xarray.Dataset), got {type(ds).__name__}")
    if PLATFORM in ds.dims:
        if platform is None:
            raise OptionError(
                f"the dataset has a platform dimension {list(map(str, ds[PLATFORM].values))}; pass platform="
            )
        ds = ds.sel({PLATFORM: platform})
    if PERIOD not in ds.dims:
        return _geo_frame(ds, level)
    parts = []
    for p in ds[PERIOD].values:
        part = _geo_frame(ds.sel({PERIOD: p}), level)
        part.insert(1, "period", str(p))
        parts.append(part)
    out = pd.concat(parts)
    out.index = pd.MultiIndex.from_arrays([out["geo"], out["period"]], names=["geo", "period"])
    return out


def _as_frame(data: Any, level: str | None) -> pd.DataFrame:
    """A DataFrame from ``data`` (a DataFrame, or an econindex dataset through :func:`model_frame`)."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, xr.Dataset):
        return model_frame(data, level=level or "country")
    raise OptionError(f"data must be a pandas DataFrame or an econindex dataset, got {type(data).__name__}")
