"""A researcher's own table as a validated dataset: :func:`from_frame`.

The table has one row per geo (or per geo and period) and columns named after
dataset variables; :func:`from_frame` maps the geo keys (ISO-3, ISO-2 or
names for countries; USPS codes or names for US states) to the dataset's
labels, attaches the coordinates the estimators need from
:mod:`econindex.geography`, and validates the result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.geography import US_STATES, geo_coords, iso_table
from econindex.schema import ANALYSIS_LEVELS, GEO, PERIOD, UNLOCATED, add_units, check_option, validate

__all__ = ["from_frame", "FRAME_VARIABLES", "FRAME_COORDINATES"]

FRAME_VARIABLES: tuple[str, ...] = (
    "usage_count",
    "flagged_count",
    "working_age_pop",
    "gdp",
    "gdp_per_working_age_capita",
    "usage_index",
    "automation_share",
    "expected_automation",
)
"""Columns :func:`from_frame` reads as variables over ``geo`` (and ``period``)."""

FRAME_COORDINATES: tuple[str, ...] = ("geo_name", "abuse_flagged", "date_start", "date_end")
"""Further columns read as coordinates (``geo_name``, ``abuse_flagged`` per geo;
``date_start``, ``date_end`` per period)."""

_HINTS = {
    "usage_per_capita_index": "usage_index",
    "automation_pct": "automation_share (a fraction: divide by 100)",
    "expected_automation_pct": "expected_automation (a fraction: divide by 100)",
    "gdp_total": "gdp",
    "gdp_per_capita": "gdp_per_working_age_capita",
    "population": "working_age_pop",
}


def _key(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _lookup(level: str) -> dict[str, str]:
    """Every accepted spelling of a geo at ``level`` (case-folded) -> its dataset label."""
    out: dict[str, str] = {}
    if level == "country":
        iso = iso_table()
        for a2, a3, name in iso[["iso_alpha_2", "iso_alpha_3", "country_name"]].itertuples(index=False):
            out[_key(name)] = a3
            out[_key(a2)] = a3
            out[_key(a3)] = a3
    else:
        for code, (name, _region, _division) in US_STATES.items():
            out[_key(name)] = code
            out[_key(code)] = code
    out[_key("not_classified")] = UNLOCATED[level]
    out[_key(UNLOCATED[level])] = UNLOCATED[level]
    return out


def _period_label(values: pd.Series) -> np.ndarray:
    """Period labels as strings; dates (datetime values or ISO date strings) as ``YYYY-MM-DD``."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    return np.array([str(v) for v in values], dtype=object)


def _numeric(frame: pd.DataFrame, col: str, rows: pd.Index) -> np.ndarray:
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = values.isna() & frame[col].notna()
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        raise DataValueError(
            f"column {col!r} is not numeric at row {rows[i]!r} (value {frame[col].iloc[i]!r})"
        )
    return values.to_numpy(dtype=float)


def from_frame(
    frame: pd.DataFrame,
    *,
    geo: str,
    level: str,
    period: str | None = None,
    extra: Sequence[str] = (),
    platform: str | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Turn a researcher's own table into a validated econindex dataset.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per geo, or per geo and period. Columns: the geo key, the
        period key, any of :data:`FRAME_VARIABLES`, any of
        :data:`FRAME_COORDINATES`, and the ``extra`` columns.
    geo : str
        Column holding the geo keys (or the name of the frame's index).
        Countries: ISO-3, ISO-2 or the English short name
        (``iso_country_codes.csv``); US states: USPS code or name. Case and
        surrounding spaces do not matter; ``not_classified`` is the unlocated
        geo of the level. ``NA`` is Namibia.
    level : {"country", "state_us"}
    period : str, optional
        Column holding the period (wave) keys. Datetime values become
        ``YYYY-MM-DD`` labels; other values are used as strings. Columns
        ``date_start``/``date_end`` (constant within a period) become the
        period's coordinates; without them ``date_start`` is the label.
    extra : sequence of str
        Further numeric columns kept as variables (e.g. controls such as
        ``pct_broadband``); any other column is refused.
    platform : str, optional
        Recorded in ``attrs["platform"]`` (``claude_ai`` or ``api``).
    attrs : mapping, optional
        Further dataset attributes (e.g. ``source``).

    Returns
    -------
    xarray.Dataset
        Variables over ``geo`` (x ``period``), with the geo coordinates of
        :func:`econindex.geography.geo_coords` (``geo_level``, ``geo_name``,
        ``iso2``, ``parent``, ``located``, ``census_region``,
        ``census_division``), ``abuse_flagged`` where the frame has that
        column; validated.

    Raises
    ------
    SchemaError
        The geo or period column is absent, or the frame has unknown columns
        (named, with the dataset name where a release's name was used).
    DataValueError
        Unknown geo keys (named), two rows for the same geo (and period), a
        non-numeric value, GDP inconsistent with GDP per capita, or a value
        :func:`econindex.schema.validate` refuses.

    Notes
    -----
    GDP is stored as the total ``gdp`` (the schema stores per-capita figures
    once, derived). With ``gdp_per_working_age_capita`` and
    ``working_age_pop`` columns, ``gdp = gdp_per_working_age_capita *
    working_age_pop``; with both ``gdp`` and the per-capita column, the two must
    agree to 1e-6 (relative) and only ``gdp`` is kept. Without a population
    column, ``gdp_per_working_age_capita`` is stored as is, which
    :class:`econindex.IncomeElasticity` uses directly with a published
    ``usage_index``. Shares (``automation_share``, ``expected_automation``)
    are fractions in [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"country": ["USA", "DE", "Namibia"], "usage_count": [9.0, 4.0, 1.0],
    ...                    "working_age_pop": [2e8, 5e7, 1.5e6],
    ...                    "gdp_per_working_age_capita": [1.3e5, 8.5e4, 8.0e3]})
    >>> ds = from_frame(df, geo="country", level="country")
    >>> ds["geo"].values.tolist(), ds["iso2"].values.tolist()
    (['USA', 'DEU', 'NAM'], ['US', 'DE', 'NA'])
    >>> float(ds["gdp"].sel(geo="NAM"))
    12000000000.0
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"from_frame expects a pandas.DataFrame, got {type(frame).__name__}")
    check_option("level", level, ANALYSIS_LEVELS)
    df = frame
    for key in (geo, period):
        if key is not None and key not in df.columns:
            if key in (df.index.names or []):
                df = df.reset_index()
            else:
                raise SchemaError(f"column {key!r} is not in the frame; columns: {list(frame.columns)}")
    extra = [str(c) for c in ([extra] if isinstance(extra, str) else extra)]
    clash = [c for c in extra if c in FRAME_VARIABLES or c in FRAME_COORDINATES]
    if clash:
        raise OptionError(f"extra= names columns that from_frame reads anyway: {clash}")
    known = {geo, *([period] if period else []), *FRAME_VARIABLES, *FRAME_COORDINATES, *extra}
    unknown = [str(c) for c in df.columns if c not in known]
    if unknown:
        hints = [f"{c!r} -> {_HINTS[c]!r}" for c in unknown if c in _HINTS]
        hint = f" (rename: {', '.join(hints)})" if hints else ""
        raise SchemaError(
            f"unknown columns {unknown}{hint}; from_frame reads {list(FRAME_VARIABLES)}, "
            f"coordinates {list(FRAME_COORDINATES)}, and the columns named in extra="
        )
    missing_extra = [c for c in extra if c not in df.columns]
    if missing_extra:
        raise SchemaError(f"extra= names columns not in the frame: {missing_extra}")
    if len(df) == 0:
        raise DataValueError("the frame has no rows")
    rows = df.index

    # geo keys -> labels
    table = _lookup(level)
    keys = df[geo]
    mapped = np.array([table.get(_key(k), "") for k in keys], dtype=object)
    bad = sorted({str(k) for k, m in zip(keys, mapped, strict=True) if not m})
    if bad:
        what = "ISO-3, ISO-2 or country names" if level == "country" else "USPS codes or state names"
        raise DataValueError(f"unknown {level} geos in column {geo!r}: {bad[:20]} (expected {what})")
    plabels = _period_label(df[period]) if period else None
    pair = pd.DataFrame({"geo": mapped, "period": plabels if plabels is not None else ""})
    dup = pair.duplicated(keep=False).to_numpy()
    if dup.any():
        shown = sorted({(g, p) if period else g for g, p in pair[dup].itertuples(index=False)})[:10]
        where = "(geo, period) pairs" if period else "geos"
        raise DataValueError(
            f"duplicated {where} in the frame: {shown} (rows {rows[dup].tolist()[:10]}); one row each"
        )
    geos = list(dict.fromkeys(mapped.tolist()))
    gpos = pd.Index(geos).get_indexer(mapped)
    periods: list[str] = sorted(set(plabels.tolist())) if plabels is not None else []
    ppos = pd.Index(periods).get_indexer(pd.Index(plabels)) if plabels is not None else np.empty(0, int)

    def grid(values: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        if not periods:
            out = np.full(len(geos), np.nan)
            out[gpos] = values
            return (GEO,), out
        out2 = np.full((len(geos), len(periods)), np.nan)
        out2[gpos, ppos] = values
        return (GEO, PERIOD), out2

    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for col in [c for c in FRAME_VARIABLES if c in df.columns] + extra:
        data[col] = grid(_numeric(df, col, rows))

    # GDP: one stored figure, the total (per-capita figures are derived, never stored twice)
    if "gdp_per_working_age_capita" in data and "working_age_pop" in data:
        pc = data.pop("gdp_per_working_age_capita")[1]
        pop = data["working_age_pop"][1]
        derived = pc * pop
        if "gdp" in data:
            given = data["gdp"][1]
            with np.errstate(invalid="ignore"):
                off = np.abs(given - derived) > 1e-6 * np.abs(given)
            if off.any():
                idx = np.argwhere(off)[0]
                raise DataValueError(
                    f"gdp and gdp_per_working_age_capita * working_age_pop disagree at geo {geos[idx[0]]!r}"
                    + (f", period {periods[idx[1]]!r}" if periods else "")
                    + f" ({given[tuple(idx)]:g} vs {derived[tuple(idx)]:g}); give one of them"
                )
            data["gdp"] = (data["gdp"][0], np.where(np.isnan(given), derived, given))
        else:
            data["gdp"] = (data["working_age_pop"][0], derived)

    names = None
    if "geo_name" in df.columns:
        first = pd.Series(df["geo_name"].astype(str).to_numpy(), index=mapped)
        names = first[~first.index.duplicated()].reindex(geos).tolist()
    coords: dict[str, Any] = geo_coords(geos, [level] * len(geos), names)
    if "abuse_flagged" in df.columns:
        flags = df["abuse_flagged"]
        if not pd.api.types.is_bool_dtype(flags):
            raise DataValueError("column 'abuse_flagged' must be boolean (True/False)")
        flag = np.zeros(len(geos), dtype=bool)
        np.logical_or.at(flag, gpos, flags.to_numpy(dtype=bool))
        coords["abuse_flagged"] = (GEO, flag)
    # without the column no abuse_flagged coordinate: robustness then matches its shipped list
    # (Utah in Aug 2025, ...) on the window, where a coordinate of False would be authoritative
    ds_attrs: dict[str, Any] = {
        "title": f"{level} table from a DataFrame (econindex.from_frame)",
        "source": "a researcher's own table (econindex.from_frame)",
        "files": "(DataFrame)",
        "ingest_report": json.dumps(
            {"files": "(DataFrame)", "rows_read": len(df), "rows_kept": len(df), "rows_dropped": {}}
        ),
    }
    if platform is not None:
        ds_attrs["platform"] = check_option("platform", platform, ("claude_ai", "api"))
    if periods:
        coords[PERIOD] = periods
        for c in ("date_start", "date_end"):
            if c in df.columns:
                per = pd.DataFrame({"p": plabels, "v": df[c].astype(str).to_numpy()}).drop_duplicates()
                if per["p"].duplicated().any():
                    p = per.loc[per["p"].duplicated(), "p"].iloc[0]
                    raise DataValueError(f"column {c!r} varies within period {p!r}; one value per period")
                coords[c] = (PERIOD, per.set_index("p")["v"].reindex(periods).to_numpy(dtype=object))
            elif c == "date_start":
                coords[c] = (PERIOD, np.array(periods, dtype=object))
    else:
        for c in ("date_start", "date_end"):
            if c in df.columns:
                vals = df[c].astype(str).unique()
                if len(vals) > 1:
                    raise DataValueError(f"column {c!r} has several values {list(vals)[:5]} but no period=")
                ds_attrs[c] = str(vals[0])
    ds_attrs.update(dict(attrs or {}))
    ds = xr.Dataset(data, coords=coords, attrs=ds_attrs)
    if "gdp_per_working_age_capita" in ds.data_vars:
        ds["gdp_per_working_age_capita"].attrs.update(
            units="USD per person", long_name="GDP per working-age capita (stored: no population given)"
        )
    return validate(add_units(ds))
