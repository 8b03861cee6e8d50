"""How shares move across releases: :func:`trend_table`.

One tidy table per question ("which collaboration patterns?", "which
occupations?") with one row per period and category, computed from the
counts where a release has them and from its published shares where it has
none (releases 1, 2 and 6). The base of every share is explicit and written in
the table's ``attrs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import norm

from econindex._kernels.proportions import wilson_interval
from econindex.errors import DataValueError, OptionError, SchemaError
from econindex.results import interval_alpha
from econindex.schema import (
    ANALYSIS_LEVELS,
    GEO,
    PATTERN,
    PATTERN_MODE,
    PERIOD,
    PLATFORM,
    SOC_MAJOR_GROUPS,
    TASK,
    check_option,
    geos_at_level,
)

__all__ = ["trend_table", "TREND_COLUMNS"]

Over = Literal[
    "pattern", "mode", "soc_major", "task", "use_case", "task_success", "multitasking", "human_only_ability"
]
Base = Literal["all", "classified"]

TREND_COLUMNS = (
    "period",
    "date_start",
    "date_end",
    "category",
    "label",
    "share",
    "ci_lower",
    "ci_upper",
    "count",
    "n",
    "source",
)
"""Columns of :func:`trend_table`, in order."""

_FACETS = ("use_case", "task_success", "multitasking", "human_only_ability")
"""Categorical economic-primitive facets of releases 4-6: ``{facet}_count`` / ``{facet}_share_published``."""
_OVER = ("pattern", "mode", "soc_major", "task", *_FACETS)
_UNCLASSIFIED = frozenset({"none", "not_classified", "unknown", "", "unclassified"})
"""Category labels that ``base="classified"`` leaves out (no pattern, no task, no SOC group)."""

_DEFAULT_BASE: dict[str, str] = {
    "pattern": "all",
    "mode": "all",
    "soc_major": "classified",
    "task": "classified",
    **{f: "classified" for f in _FACETS},
}

_BASE_TEXT: dict[tuple[str, str], str] = {
    ("pattern", "all"): "all conversations incl. none and not_classified",
    ("mode", "all"): "all conversations incl. none and not_classified (mode unclassified)",
    ("pattern", "classified"): "classified conversations (the five patterns; none, not_classified left out)",
    ("mode", "classified"): "classified conversations (automation + augmentation)",
    ("soc_major", "classified"): "conversations on tasks with a SOC major group (none, not_classified, "
    "unknown left out)",
    ("soc_major", "all"): "all task conversations incl. none, not_classified and tasks without a SOC group",
    ("task", "classified"): "conversations on O*NET tasks (none and not_classified left out)",
    ("task", "all"): "all task conversations incl. none and not_classified",
    **{
        (f, "classified"): f"conversations with a {f} label (none and not_classified left out)"
        for f in _FACETS
    },
    **{(f, "all"): "all conversations incl. none and not_classified" for f in _FACETS},
}

SOC_RULE = (
    "tasks are summed by the task coordinate 'soc_major': one SOC major group per O*NET task "
    "statement, the group with most occupations listing the statement (ties: smallest code)"
)


@dataclass(frozen=True)
class _Source:
    """Where one period's numbers come from: a variable, its category dim, and a grouping coordinate."""

    variable: str
    dim: str
    group: str | None
    counts: bool


def _candidates(over: str) -> tuple[_Source, ...]:
    if over in ("pattern", "mode"):
        group = "mode" if over == "mode" else None
        return (
            _Source("pattern_count", PATTERN, group, True),
            _Source("pattern_share_published", PATTERN, group, False),
        )
    if over == "soc_major":
        return (
            _Source("task_count", TASK, "soc_major", True),
            # release 6 publishes the groups' shares itself (its task cells are suppressed below a threshold)
            _Source("soc_share_published", "soc_group", None, False),
            _Source("task_share_published", TASK, "soc_major", False),
        )
    if over == "task":
        return (_Source("task_count", TASK, None, True), _Source("task_share_published", TASK, None, False))
    return (_Source(f"{over}_count", over, None, True), _Source(f"{over}_share_published", over, None, False))


def _periods(ds: xr.Dataset) -> list[tuple[str, str, str]]:
    """(label, date_start, date_end) of every period, in date order; one pseudo-period without the dim."""
    if PERIOD not in ds.dims:
        start = str(ds.attrs.get("date_start", ""))
        end = str(ds.attrs.get("date_end", ""))
        return [(start or "all", start, end)]
    labels = [str(p) for p in ds[PERIOD].values]
    starts = [str(v) for v in ds["date_start"].values] if "date_start" in ds.coords else labels
    ends = [str(v) for v in ds["date_end"].values] if "date_end" in ds.coords else [""] * len(labels)
    return sorted(zip(labels, starts, ends, strict=True), key=lambda t: (t[1], t[0]))


def _platform_selector(ds: xr.Dataset, platform: str | None) -> dict[str, str]:
    if PLATFORM in ds.dims:
        labels = [str(p) for p in ds[PLATFORM].values]
        if platform is None:
            if len(labels) == 1:
                return {PLATFORM: labels[0]}
            raise OptionError(
                f"the dataset has platforms {labels}; shares of different platforms are not "
                "comparable, choose one with platform=..."
            )
        check_option("platform", platform, labels)
        return {PLATFORM: platform}
    if platform is not None:
        have = ds.attrs.get("platform")
        if have is not None and str(have) != platform:
            raise OptionError(f"platform={platform!r} but the dataset holds platform {str(have)!r} only")
    return {}


def _slice(ds: xr.Dataset, src: _Source, geo: str | list[str], sel: dict[str, str]) -> xr.DataArray | None:
    """The 1-D series of ``src`` over its categories at ``geo`` (a list: summed) and ``sel``, or None."""
    if src.variable not in ds.data_vars:
        return None
    da = ds[src.variable]
    if src.dim not in da.dims:
        raise SchemaError(f"variable {src.variable!r} lacks its category dim {src.dim!r} (dims {da.dims})")
    if GEO in da.dims and isinstance(geo, list):
        if not src.counts:
            raise OptionError(f"published shares ({src.variable!r}) cannot be summed over geos; pass geo=")
        da = da.sel({GEO: geo}).sum(GEO, skipna=True, min_count=1)
    elif GEO in da.dims:
        da = da.sel({GEO: geo}, drop=True)
    da = da.sel({k: v for k, v in sel.items() if k in da.dims}, drop=True)
    extra = [d for d in da.dims if d != src.dim]
    if extra:
        raise SchemaError(
            f"variable {src.variable!r} also varies over {extra}; trend_table handles geo, period, platform"
        )
    if not bool(np.isfinite(np.asarray(da.values, dtype=float)).any()):
        return None
    if src.group is not None:
        if src.group not in da.coords:
            raise SchemaError(f"over needs the {src.group!r} coordinate on {src.dim!r} for {src.variable!r}")
        # xarray's groupby; min_count=1 keeps a group whose cells are all missing missing (not zero)
        da = da.groupby(da[src.group].astype(str)).sum(skipna=True, min_count=1)
        da = da.rename({src.group: "category"})
    else:
        da = da.rename({src.dim: "category"})
    return da


def _label(over: str, category: str) -> str:
    if over == "soc_major":
        return SOC_MAJOR_GROUPS.get(category, category)
    if over == "pattern":
        return PATTERN_MODE.get(category, "unclassified")
    return category


def trend_table(
    ds: xr.Dataset,
    over: Over = "pattern",
    *,
    geo: str = "GLOBAL",
    level: str | None = None,
    platform: str | None = None,
    base: Base | None = None,
    alpha: float = 0.05,
    ci_level: float | None = None,
) -> pd.DataFrame:
    """Shares of each category per period: how the mix of patterns, occupations or tasks moves.

    Parameters
    ----------
    ds : xarray.Dataset
        One release, or several read together (a ``period`` dimension).
    over : {"pattern", "mode", "soc_major", "task", "use_case", "task_success", "multitasking", \
"human_only_ability"}
        The categories: collaboration patterns; their modes (automation,
        augmentation, unclassified); SOC major groups of the tasks; O*NET
        tasks; the categorical economic primitives of releases 4-6 (use case,
        task success, multitasking, human-only ability).
    geo : str, default "GLOBAL"
        The geo whose mix is tabulated (releases 1-2 have ``GLOBAL`` only).
    level : {"country", "state_us"}, optional
        Instead of one geo, the sum of the counts of the located geos at this
        level (e.g. every US state of release 3's state slice, which has no
        ``GLOBAL`` row); counts only, published shares cannot be summed.
    platform : str, optional
        ``claude_ai`` or ``api``; needed when the dataset has both.
    base : {"all", "classified"}, optional
        ``"all"``: every conversation of the facet, ``none`` and
        ``not_classified`` included (default for ``pattern`` and ``mode``, the
        report's base of "directive 27%" and "automation 77%");
        ``"classified"``: those labels (and tasks without a SOC group) left
        out (default for every other ``over``).
    alpha : float, default 0.05
        The Wilson intervals have coverage ``1 - alpha``.
    ci_level : float, optional
        Deprecated spelling (``alpha = 1 - ci_level``; warns).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TREND_COLUMNS`: ``period`` (label), ``date_start``,
        ``date_end``, ``category``, ``label`` (SOC title for ``soc_major``, the
        mode for ``pattern``, the O*NET Task ID for ``task``), ``share`` (in [0, 1], summing to 1 within a
        period), ``ci_lower``/``ci_upper`` (NaN without counts), ``count`` and
        ``n`` (the base total; NaN without counts) and ``source`` (the
        variable used). Rows in period order, then by share. ``attrs``:
        ``over``, ``geo``, ``platform``, ``base`` (what the shares are of),
        ``interval``, ``sources`` (per period), ``excluded`` (labels left out of
        the base), ``notes``.

    Raises
    ------
    SchemaError
        No variable for ``over`` in any period at ``geo``, or ``geo`` unknown.
    OptionError
        An invalid option, or ``platform=`` needed and missing.
    DataValueError
        A period's base total is zero.

    Notes
    -----
    A period uses counts when the count variable (``pattern_count``,
    ``task_count``, ``use_case_count``) has a value there, else the published
    shares (``pattern_share_published``; for ``soc_major`` release 6's
    ``soc_share_published``, else ``task_share_published`` summed by group;
    ``use_case_share_published``). Within a period,
    ``share_k = v_k / sum_j v_j`` over the categories in the base, missing
    cells left out of numerator and denominator (a missing cell is not a
    zero). Published shares are renormalized the same way: release 1's
    pattern percentages sum to 84.2 (the rest are filtered conversations), so
    directive is 22.56 / 84.21 = 0.268 on the base "all".

    ``soc_major`` sums tasks by the task coordinate ``soc_major`` (one group
    per O*NET statement: the group with most occupations listing it, ties to
    the smallest code). On release 1 this gives SOC 15 0.373 (the report:
    37.2%, which counts a statement once in every group it belongs to and gives
    0.372; both rules agree to 0.002 on every group the report names).

    Intervals (counts only): Wilson score intervals for each share, each share
    treated as marginally binomial with ``n`` = the period's base total
    (:func:`econindex._kernels.proportions.wilson_interval`, equal to
    statsmodels' ``proportion_confint(method="wilson")``).
    They capture sampling error of the conversations only, not classifier
    error or suppressed cells, and are pointwise, not simultaneous.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.geography import geo_coords
    >>> from econindex.schema import pattern_coords
    >>> ds = xr.Dataset(
    ...     {"pattern_count": (("geo", "pattern"), [[60.0, 20.0, 20.0]])},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]),
    ...             **pattern_coords(["directive", "learning", "none"])},
    ...     attrs={"date_start": "2025-08-04", "date_end": "2025-08-11"},
    ... )
    >>> t = trend_table(ds, "mode")
    >>> t[["category", "share"]].values.tolist()
    [['automation', 0.6], ['augmentation', 0.2], ['unclassified', 0.2]]
    >>> t.attrs["base_kind"], t.attrs["interval"]
    ('all', 'Wilson score, 95% (z = 1.9600), per share; counts only')
    """
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    check_option("over", over, _OVER)
    base_kind = _DEFAULT_BASE[over] if base is None else check_option("base", base, ("all", "classified"))
    ci_level = 1.0 - interval_alpha(alpha, ci_level, "trend_table")
    where: str | list[str] = geo
    geo_text = geo
    if level is not None:
        where = geos_at_level(ds, check_option("level", level, ANALYSIS_LEVELS))
        geo_text = f"sum of the {len(where)} located {level} geos"
    elif GEO in ds.dims and geo not in {str(g) for g in ds[GEO].values}:
        raise SchemaError(f"geo {geo!r} is not in the dataset; geos: {sorted(map(str, ds[GEO].values))[:10]}")
    sel = _platform_selector(ds, platform)
    candidates = _candidates(over)
    if not any(c.variable in ds.data_vars for c in candidates):
        names = [c.variable for c in candidates]
        raise SchemaError(f"trend_table over={over!r} needs one of {names} in the dataset")

    rows: list[pd.DataFrame] = []
    sources: dict[str, str] = {}
    excluded: set[str] = set()
    notes: list[str] = []
    for label, start, end in _periods(ds):
        psel = {**sel, PERIOD: label} if PERIOD in ds.dims else sel
        found = next(((c, s) for c in candidates if (s := _slice(ds, c, where, psel)) is not None), None)
        if found is None:
            notes.append(f"period {label}: no {over} data at {geo_text!r}")
            continue
        src, series = found
        cats = np.array([str(c) for c in series["category"].values], dtype=object)
        values = np.asarray(series.values, dtype=float)
        keep = np.isfinite(values)
        if base_kind == "classified":
            out = np.isin(cats, list(_UNCLASSIFIED))
            excluded.update(cats[out & keep].tolist())
            keep &= ~out
        cats, values = cats[keep], values[keep]
        if over == "task" and "task_id" in series.coords:  # the O*NET Task ID lines tasks up across releases
            labels = np.asarray(series["task_id"].values, dtype=object)[keep].astype(str)
        else:
            labels = np.array([_label(over, c) for c in cats], dtype=object)
        total = float(values.sum())
        if not total > 0:
            raise DataValueError(f"period {label}: {src.variable} at {geo_text!r} sums to zero over the base")
        share = values / total
        lo = hi = np.full(share.shape, np.nan)
        if src.counts:
            z = float(norm.ppf(0.5 + float(ci_level) / 2.0))
            lo, hi = wilson_interval(values, total, z)
        sources[label] = src.variable + (f" summed by {src.group}" if src.group else "")
        frame = pd.DataFrame(
            {
                "period": label,
                "date_start": start,
                "date_end": end,
                "category": cats.astype(str),
                "label": labels,
                "share": share,
                "ci_lower": np.asarray(lo, dtype=float),
                "ci_upper": np.asarray(hi, dtype=float),
                "count": values if src.counts else np.nan,
                "n": total if src.counts else np.nan,
                "source": src.variable,
            }
        )
        rows.append(frame.sort_values("share", ascending=False, kind="stable"))
    if not rows:
        raise SchemaError(f"no period of the dataset has {over} data at {geo_text!r}: {'; '.join(notes)}")
    table = pd.concat(rows, ignore_index=True)[list(TREND_COLUMNS)]
    if over == "soc_major":
        notes.append(SOC_RULE)
    if over in ("soc_major", "task") and "task_cells_note" in ds.attrs:
        notes.append(str(ds.attrs["task_cells_note"]))
    if any("_published" in s for s in sources.values()):
        notes.append("published shares have no counts behind them: no intervals for those periods")
    z = float(norm.ppf(0.5 + float(ci_level) / 2.0))
    table.attrs = {
        "over": over,
        "geo": geo_text,
        "platform": platform or str(sel.get(PLATFORM, ds.attrs.get("platform", ""))),
        "base": _BASE_TEXT[(over, base_kind)],
        "base_kind": base_kind,
        "interval": f"Wilson score, {float(ci_level):.0%} (z = {z:.4f}), per share; counts only",
        "sources": json.dumps(sources),
        "excluded": sorted(excluded),
        "notes": notes,
    }
    return table
