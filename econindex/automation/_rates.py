"""Steps 1 and 2 of the task-mix control: per-task automation rates from the global task x pattern
mix (:func:`task_automation_rate`) and a geo's expected automation from its task mix
(:func:`expected_automation`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from econindex.errors import SchemaError
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CLASSIFIED_PATTERNS,
    GEO,
    PATTERN,
    SPECIAL_CLUSTERS,
    TASK,
    geos_at_level,
)

# --------------------------------------------------------------------------- step 1


def _task_pattern_mix(ds: xr.Dataset) -> tuple[xr.DataArray, str]:
    """The global task x pattern mix (shares or counts; rates are ratios, so scale is irrelevant)."""
    if "task_pattern_share" in ds.data_vars:
        return ds["task_pattern_share"], "task_pattern_share"
    if "task_pattern_count" in ds.data_vars:
        counts = ds["task_pattern_count"]
        if "geo_level" in counts.coords and bool((counts["geo_level"] == "global").any()):
            glob = counts.isel({GEO: np.flatnonzero(counts["geo_level"].values == "global")})
            return glob.sum(GEO, min_count=1), "task_pattern_count (global geo)"
        return counts.sum(GEO, min_count=1), "task_pattern_count (summed over geos)"
    raise SchemaError(
        "automation rates need 'task_pattern_share' (task, pattern) or 'task_pattern_count' "
        "(geo, task, pattern); the dataset has neither"
    )


def task_automation_rate(ds: xr.Dataset) -> xr.DataArray:
    """Per-task automation rate from the global task x collaboration-pattern mix (step 1).

    Parameters
    ----------
    ds : xarray.Dataset
        A dataset with ``task_pattern_share`` (task, pattern), or failing that
        ``task_pattern_count`` (the ``GLOBAL`` geo if present, else summed over
        geos). Extra dims (``period``, ``platform``) are kept.

    Returns
    -------
    xarray.DataArray
        ``automation_rate`` over ``task`` (and any extra dims), in [0, 1]; NaN
        for tasks whose classified share is zero or missing. The
        ``not_classified`` task is left out of the ``task`` dim.

    Raises
    ------
    SchemaError
        The dataset has no task x pattern variable, or no automation or
        classified patterns.

    Notes
    -----
    With :math:`s_{tp}` the share of pattern :math:`p` within task :math:`t`,

    .. math:: r_t = \\frac{s_{t,\\mathrm{directive}} + s_{t,\\mathrm{feedback\\ loop}}}
                          {\\sum_{p \\in \\mathrm{classified}} s_{tp}}

    over the five classified patterns (directive, feedback loop, learning, task
    iteration, validation). A missing (NaN) cell counts as absent: a task's
    denominator is the sum of its non-missing classified cells, and a task with
    no positive classified cell has no rate.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords
    >>> pats = ["directive", "feedback loop", "learning", "task iteration", "validation", "none"]
    >>> share = xr.DataArray([[0.3, 0.1, 0.2, 0.2, 0.0, 0.2], [0, 0, 0, 0, 0, 1.0]],
    ...                      dims=("task", "pattern"),
    ...                      coords={"task": ["write code", "chat"], **pattern_coords(pats)})
    >>> rate = task_automation_rate(xr.Dataset({"task_pattern_share": share}))
    >>> rate.round(3).values.tolist()
    [0.5, nan]
    """
    mix, source = _task_pattern_mix(ds)
    if PATTERN not in mix.dims or TASK not in mix.dims:
        raise SchemaError(f"{source} must have dims 'task' and 'pattern'; it has {mix.dims}")
    labels = [str(p) for p in mix[PATTERN].values]
    auto = [p for p in AUTOMATION_PATTERNS if p in labels]
    classified = [p for p in CLASSIFIED_PATTERNS if p in labels]
    if not auto or not classified:
        raise SchemaError(
            f"{source} has patterns {labels}; automation rates need the automation patterns "
            f"{list(AUTOMATION_PATTERNS)} and the classified patterns {list(CLASSIFIED_PATTERNS)}"
        )
    pats = mix.indexes[PATTERN]
    num = mix.isel({PATTERN: pats.get_indexer(auto)}).sum(PATTERN, skipna=True)
    den = mix.isel({PATTERN: pats.get_indexer(classified)}).sum(PATTERN, skipna=True)
    rate = (num / den.where(den > 0)).drop_vars(["mode"], errors="ignore")
    tasks = rate.indexes[TASK]
    if "not_classified" in tasks:
        rate = rate.isel({TASK: np.flatnonzero(tasks != "not_classified")})
    rate.name = "automation_rate"
    rate.attrs = {
        "units": "1",
        "long_name": "Automation share of classified conversations within the task (global mix)",
        "source": source,
    }
    return rate


# --------------------------------------------------------------------------- step 2


def _task_weights(ds: xr.Dataset) -> tuple[xr.DataArray, str]:
    for name in ("task_count", "task_share_published"):
        if name in ds.data_vars:
            return ds[name], name
    raise SchemaError(
        "expected automation needs the geo's task mix: 'task_count' (geo, task) or "
        "'task_share_published'; the dataset has neither"
    )


def _expected_parts(
    ds: xr.Dataset, rate: xr.DataArray | None = None
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, xr.DataArray, str]:
    """(expected, covered weight, has task data, rate, weight source), vectorized over geo."""
    w, wsource = _task_weights(ds)
    r = task_automation_rate(ds) if rate is None else rate
    tasks = w.indexes[TASK]
    if not r.indexes[TASK].equals(tasks):
        r = r.reindex({TASK: tasks})
    # none / not_classified never count: give them no rate instead of copying the weights without them
    special = tasks.isin(SPECIAL_CLUSTERS)
    if special.any():
        r = r.where(xr.DataArray(~special, dims=TASK))
    # one task index object for both operands, so xarray's alignment is a no-op
    r = r.assign_coords({TASK: w[TASK]})
    # a missing cell carries no weight; a task without a rate gets no weight
    w0 = w.fillna(0.0)
    has_rate = r.notnull().astype(float)
    covered = xr.dot(w0, has_rate, dim=TASK)
    num = xr.dot(w0, r.fillna(0.0), dim=TASK)
    expected = (num / covered.where(covered > 0)).rename("expected_automation")
    has_tasks = w.isel({TASK: np.flatnonzero(~special)}).notnull().any(TASK)
    return expected, covered, has_tasks, r, wsource


def expected_automation(
    ds: xr.Dataset,
    *,
    level: str | None = None,
    rate: xr.DataArray | None = None,
) -> xr.DataArray:
    """Expected automation share of each geo from its task mix (step 2).

    Parameters
    ----------
    ds : xarray.Dataset
        A dataset with the geo task mix ``task_count`` (geo, task) (or
        ``task_share_published``) and the global task x pattern mix (see
        :func:`task_automation_rate`).
    level : {"country", "state_us", "global"}, optional
        Keep only the located geos of this level; all geos by default.
    rate : xarray.DataArray, optional
        Per-task rates to use instead of :func:`task_automation_rate` of ``ds``.

    Returns
    -------
    xarray.DataArray
        ``expected_automation`` over ``geo`` (and any extra dims), in [0, 1];
        NaN for a geo without task data or whose tasks have no rate.

    Notes
    -----
    With :math:`w_{gt}` the conversations of geo :math:`g` on task :math:`t`
    and :math:`R` the tasks that have a rate (``none`` and ``not_classified``
    excluded),

    .. math:: E_g = \\frac{\\sum_{t \\in R} w_{gt} r_t}{\\sum_{t \\in R} w_{gt}}

    computed for all geos at once as a matrix product over ``task``
    (:func:`xarray.dot`). Missing task cells count as zero weight, since a
    suppressed cell carries no conversations we can attribute.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords
    >>> pats = ["directive", "feedback loop", "learning", "task iteration", "validation"]
    >>> share = xr.DataArray([[0.5, 0.3, 0.1, 0.1, 0.0], [0.1, 0.1, 0.4, 0.2, 0.2]],
    ...                      dims=("task", "pattern"),
    ...                      coords={"task": ["a", "b"], **pattern_coords(pats)})
    >>> counts = xr.DataArray([[30.0, 10.0], [10.0, 30.0]], dims=("geo", "task"),
    ...                       coords={"geo": ["X", "Y"], "task": ["a", "b"]})
    >>> ds = xr.Dataset({"task_pattern_share": share, "task_count": counts})
    >>> expected_automation(ds).round(3).values.tolist()
    [0.65, 0.35]
    """
    if rate is None:
        rate = task_automation_rate(ds)  # from the whole dataset: a GLOBAL geo may carry the mix
    if level is not None:
        ds = ds.sel({GEO: geos_at_level(ds, level)})
    expected, _, _, _, wsource = _expected_parts(ds, rate)
    expected.attrs = {
        "units": "1",
        "long_name": "Expected automation share from the task mix",
        "weights": wsource,
    }
    return expected
