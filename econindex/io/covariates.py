"""Attach working-age population and GDP to a dataset.

Sources are CSV files in the layouts of the project's ``shared/data/aei``
folder (countries keyed by ``iso_alpha_3``, US states by ``state_code``, DC
included), or any pandas Series/DataFrame or xarray DataArray keyed by the
``geo`` labels of the dataset (ISO-3 for countries, USPS codes for states).
Several sources may be given as a list (e.g. the country and the state
tables). Covariates are needed by the located geos at the country and
US-state levels; ``GLOBAL`` and the unlocated geos get NaN.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import DataValueError, MissingCovariateError, SchemaError, excerpt
from econindex.schema import add_units, check_option, validate

__all__ = ["attach_covariates", "read_covariate"]

Source = str | os.PathLike[str] | pd.Series | pd.DataFrame | xr.DataArray
_KEYS = ("iso_alpha_3", "state_code", "geo", "geo_id")
_VALUE_COLUMNS = {
    "working_age_pop": ("working_age_pop", "population", "value"),
    "gdp": ("gdp_total", "gdp", "value"),
}


def read_covariate(
    source: Source | Sequence[Source], variable: Literal["working_age_pop", "gdp"]
) -> pd.Series:
    """Read one covariate into a float Series indexed by geo label.

    Parameters
    ----------
    source : path, pandas or xarray object, or a list of them
        A CSV path (key column ``iso_alpha_3``, ``state_code``, ``geo`` or
        ``geo_id``; value column ``working_age_pop``/``gdp_total`` or
        ``gdp``), a Series indexed by geo, a DataFrame with such a key column
        or index and value column, a DataArray over ``geo``, or a list of
        these (concatenated; a geo given twice with different values raises).
    variable : {"working_age_pop", "gdp"}
        Which covariate (decides the value column looked for).

    Returns
    -------
    pandas.Series
        Float values indexed by geo label (``NaN`` where the source has none).

    Examples
    --------
    >>> s = read_covariate(pd.Series({"UT": 2.2e6, "DC": 4.9e5}), "working_age_pop")
    >>> s.loc["DC"]
    np.float64(490000.0)
    """
    check_option("variable", variable, tuple(_VALUE_COLUMNS))
    if isinstance(source, (list, tuple)):
        parts = [read_covariate(s, variable) for s in source]
        if not parts:
            raise SchemaError(f"{variable}: empty list of sources")
        both = pd.concat(parts)
        dup = both.index[both.index.duplicated()]
        for g in dup.unique():
            vals = both.loc[[g]].dropna().unique()
            if len(vals) > 1:
                raise DataValueError(
                    f"{variable}: geo {g!r} has different values in the sources: {list(vals)}"
                )
        return both[~both.index.duplicated(keep="first")]
    if isinstance(source, xr.DataArray):
        if "geo" not in source.dims or source.ndim != 1:
            raise SchemaError(
                f"{variable}: a DataArray source must be 1-d over 'geo', got dims {source.dims}"
            )
        series = pd.Series(np.asarray(source.values, dtype=object), index=source["geo"].values.astype(str))
        return _numeric(series, variable, "DataArray")
    if isinstance(source, pd.Series):
        return _numeric(source.set_axis(source.index.astype(str)), variable, "Series")
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, variable, "DataFrame")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise SchemaError(f"{variable}: no such covariate file {path}")
        df = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
        return _from_frame(df, variable, path.name, file=True)
    raise SchemaError(f"{variable}: unsupported source type {type(source).__name__}")


def _numeric(raw: pd.Series, variable: str, where: str) -> pd.Series:
    """Float values of one source, indexed by geo; a text value or a geo given twice is named."""
    index = pd.Index(np.asarray(raw.index, dtype=object).astype(str), dtype=object)
    raw = raw.reset_index(drop=True)
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValueError(
            f"{where}: non-numeric {variable} {excerpt(raw.iloc[i])} for geo {excerpt(index[i])}"
        )
    if index.has_duplicates:
        dup = str(index[index.duplicated()][0])
        rows = [int(k) + 1 for k in np.flatnonzero(index == dup)[:3]]
        raise DataValueError(f"{where}: geo {excerpt(dup)} is given more than once (rows {rows})")
    return pd.Series(num.to_numpy(dtype=float), index=index)


def _from_frame(df: pd.DataFrame, variable: str, where: str, *, file: bool = False) -> pd.Series:
    key = next((k for k in _KEYS if k in df.columns), None)
    if key is None and (file or isinstance(df.index, pd.RangeIndex)):
        # row numbers are no geos: without a key every geo would be "missing"
        raise SchemaError(
            f"{where}: no key column for {variable!r} (looked for {list(_KEYS)}); "
            f"columns are {[excerpt(c, 30) for c in df.columns[:10]]}"
        )
    value = next((c for c in _VALUE_COLUMNS[variable] if c in df.columns), None)
    if value is None and df.shape[1] == 1:
        value = df.columns[0]
    if value is None:
        raise SchemaError(
            f"{where}: no column for {variable!r} (looked for {list(_VALUE_COLUMNS[variable])}); "
            f"columns are {list(df.columns)}"
        )
    keys = df[key] if key is not None else pd.Series(df.index, index=df.index)
    return _numeric(pd.Series(df[value].to_numpy(), index=keys.astype(str).to_numpy()), variable, where)


def attach_covariates(
    ds: xr.Dataset,
    population: Source | Sequence[Source] | None = None,
    gdp: Source | Sequence[Source] | None = None,
    *,
    missing: Literal["raise", "drop"] = "raise",
) -> xr.Dataset:
    """Attach ``working_age_pop`` and total ``gdp`` (USD) to the geos of ``ds``.

    Parameters
    ----------
    ds : xarray.Dataset
        A canonical dataset.
    population, gdp : source or list of sources, optional
        See :func:`read_covariate`. ``None`` leaves that variable as it is.
    missing : {"raise", "drop"}
        What to do with located country/state geos that have no value:
        ``"raise"`` a :class:`MissingCovariateError` listing them, or
        ``"drop"`` them from the dataset and record them in
        ``ds.attrs["covariates_dropped"]`` (JSON: variable -> geos).

    Returns
    -------
    xarray.Dataset
        A new validated dataset with the variables attached (``NaN`` for
        ``GLOBAL`` and the unlocated geos).

    Raises
    ------
    DataValueError
        A population or GDP that is zero, negative or not finite (the message
        names the geo).
    MissingCovariateError
        Located geos without a value (with ``missing="raise"``); all are listed.

    Examples
    --------
    >>> import econindex as ei
    >>> from econindex.datasets import data_path
    >>> ds = ei.datasets.load_us_states_2025_08().drop_vars(["working_age_pop", "gdp"])
    >>> out = attach_covariates(ds, population=data_path("working_age_pop_2024_us_state.csv"),
    ...                         gdp=data_path("gdp_2024_us_state.csv"))
    >>> int(out["working_age_pop"].sel(geo="DC")) > 0, out["gdp"].attrs["units"]
    (True, 'USD')
    """
    check_option("missing", missing, ("raise", "drop"))
    if "geo" not in ds.dims or "geo_level" not in ds.coords:
        raise SchemaError("attach_covariates needs a dataset with a 'geo' dimension and 'geo_level'")
    geos = ds["geo"].values.astype(str)
    located = ds["located"].values.astype(bool) if "located" in ds.coords else np.ones(len(geos), bool)
    needs = located & np.isin(ds["geo_level"].values.astype(str), ["country", "state_us"])
    out = ds.copy()
    dropped: dict[str, list[str]] = {}
    for var, src in (("working_age_pop", population), ("gdp", gdp)):
        if src is None:
            continue
        series = read_covariate(src, var)  # type: ignore[arg-type]
        if needs.any() and len(series) and not series.index.isin(geos[needs]).any():
            raise SchemaError(
                f"{var}: none of the source's {len(series)} keys (e.g. {excerpt(series.index[0], 30)}) is a "
                f"geo of the dataset (e.g. {excerpt(geos[needs][0], 30)}); are the keys ISO-3 / USPS codes?"
            )
        values = series.reindex(pd.Index(geos)).to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = needs & np.isfinite(values) & (values <= 0)
        bad |= needs & np.isinf(values)
        if bad.any():
            names = [f"{g} ({v:g})" for g, v in zip(geos[bad], values[bad], strict=True)]
            raise DataValueError(f"{var} must be positive and finite; invalid for geo(s): {', '.join(names)}")
        absent = needs & np.isnan(values)
        if absent.any():
            if missing == "raise":
                raise MissingCovariateError(
                    f"{var} is missing for {int(absent.sum())} geo(s): {', '.join(geos[absent])} "
                    "(pass missing='drop' to drop them, recorded in attrs['covariates_dropped'])"
                )
            dropped[var] = list(geos[absent])
        values = np.where(needs, values, np.nan)
        out[var] = ("geo", values)
        out[var].attrs = {}
    if dropped:
        drop = sorted(set().union(*dropped.values()))
        out = out.drop_sel(geo=drop)
        previous = json.loads(ds.attrs.get("covariates_dropped", "{}"))
        for var, gs in dropped.items():
            previous[var] = sorted(set(previous.get(var, [])) | set(gs))
        out.attrs["covariates_dropped"] = json.dumps(previous)
    return validate(add_units(out))
