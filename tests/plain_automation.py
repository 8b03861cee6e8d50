"""A deliberately plain reference implementation of the published automation procedure.

Written from the three steps of issue 6 with pandas and Python loops over tasks
and geos, sharing no code with :mod:`econindex.automation`. It reads AEI long
rows (``geo_id, geography, facet, variable, cluster_name, value``), so tests and
the benchmark can feed it the very rows ``write_aei`` wrote.

1. Task rate = (directive + feedback loop) / (five classified patterns), from
   the global ``onet_task::collaboration`` rows; no rate where the classified
   share is zero; the ``not_classified`` task left out.
2. Expected automation of a geo = mean of the task rates weighted by the geo's
   task counts, over tasks that have a rate (``none``/``not_classified`` out).
3. Actual automation (classified base) regressed on the usage index controlling
   for expected automation: Frisch-Waugh-Lovell, residual on residual.

The sample (issue 17): geos with at least 200 conversations (countries) or 100 (US
states), the release's "minimum observations" rule (``MIN_OBSERVATIONS_COUNTRY``,
``MIN_OBSERVATIONS_US_STATE`` in its analysis code), read from the geo's own
``usage_count`` row; pass ``min_conversations`` to apply it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

AUTOMATION = ("directive", "feedback loop")
CLASSIFIED = ("directive", "feedback loop", "learning", "task iteration", "validation")
SPECIAL = ("none", "not_classified")
MIN_CONVERSATIONS = {"country": 200.0, "state_us": 100.0}


def _pick(rows: pd.DataFrame, facet: str, candidates: Iterable[str]) -> pd.DataFrame:
    sub = rows[rows["facet"] == facet]
    for var in candidates:
        hit = sub[sub["variable"] == var]
        if len(hit):
            return hit
    raise KeyError(f"no rows of facet {facet!r} with a variable in {list(candidates)}")


def task_rates(rows: pd.DataFrame) -> dict[str, float]:
    """Step 1, one task at a time."""
    glob = rows[rows["geography"] == "global"]
    tp = _pick(
        glob, "onet_task::collaboration", ("onet_task_collaboration_count", "onet_task_collaboration_pct")
    )
    cells: dict[str, dict[str, float]] = {}
    for name, value in zip(tp["cluster_name"], tp["value"], strict=True):
        task, pattern = str(name).rsplit("::", 1)
        if value != value:  # NaN: a missing cell is absent
            continue
        cells.setdefault(task, {})[pattern] = cells.get(task, {}).get(pattern, 0.0) + float(value)
    rates: dict[str, float] = {}
    for task, pats in cells.items():
        if task == "not_classified":
            continue
        den = 0.0
        for p in CLASSIFIED:
            den += pats.get(p, 0.0)
        if den <= 0:
            continue
        num = 0.0
        for p in AUTOMATION:
            num += pats.get(p, 0.0)
        rates[task] = num / den
    return rates


def expected_automation(rows: pd.DataFrame, level: str, rates: dict[str, float]) -> dict[str, float]:
    """Step 2, one geo and one task at a time."""
    geo_rows = rows[rows["geography"] == level]
    tasks = _pick(geo_rows, "onet_task", ("onet_task_count", "onet_task_pct"))
    out: dict[str, float] = {}
    for geo in sorted(set(tasks["geo_id"])):
        mine = tasks[tasks["geo_id"] == geo]
        num = 0.0
        den = 0.0
        for task, w in zip(mine["cluster_name"], mine["value"], strict=True):
            task = str(task)
            if task in SPECIAL or task not in rates or w != w:
                continue
            num += float(w) * rates[task]
            den += float(w)
        if den > 0:
            out[geo] = num / den
    return out


def actual_automation(rows: pd.DataFrame, level: str, base: str = "classified") -> dict[str, float]:
    """The geo's automation share from its collaboration rows."""
    geo_rows = rows[rows["geography"] == level]
    coll = _pick(geo_rows, "collaboration", ("collaboration_count", "collaboration_pct"))
    out: dict[str, float] = {}
    for geo in sorted(set(coll["geo_id"])):
        mine = coll[coll["geo_id"] == geo]
        num = 0.0
        den = 0.0
        for pattern, v in zip(mine["cluster_name"], mine["value"], strict=True):
            if v != v:
                continue
            if pattern in AUTOMATION:
                num += float(v)
            if base == "all" or pattern in CLASSIFIED:
                den += float(v)
        if den > 0:
            out[geo] = num / den
    return out


def usage_index(rows: pd.DataFrame, level: str) -> dict[str, float]:
    """The published usage index rows of the geos."""
    geo_rows = rows[(rows["geography"] == level) & (rows["facet"] == level)]
    hit = geo_rows[geo_rows["variable"] == "usage_per_capita_index"]
    return {str(g): float(v) for g, v in zip(hit["geo_id"], hit["value"], strict=True) if v == v}


def _residuals(y: list[float], x: list[float]) -> list[float]:
    n = len(y)
    my = sum(y) / n
    mx = sum(x) / n
    sxy = 0.0
    sxx = 0.0
    for i in range(n):
        sxy += (x[i] - mx) * (y[i] - my)
        sxx += (x[i] - mx) ** 2
    b = sxy / sxx
    a = my - b * mx
    return [y[i] - a - b * x[i] for i in range(n)]


def conversations(rows: pd.DataFrame, level: str) -> dict[str, float]:
    """Each geo's ``usage_count`` row, one geo at a time."""
    out: dict[str, float] = {}
    for g, f, var, v in zip(rows["geo_id"], rows["facet"], rows["variable"], rows["value"], strict=True):
        if f == level and var == "usage_count" and v == v:
            out[str(g)] = float(v)
    return out


def fwl(
    actual: dict[str, float],
    usage: dict[str, float],
    expected: dict[str, float],
    scale: float = 100.0,
    sample: set[str] | None = None,
) -> dict[str, float]:
    """Step 3: residualize both on expected automation, regress residual on residual."""
    geos = [g for g in sorted(actual) if g in usage and g in expected and not g.startswith("not_classified")]
    if sample is not None:
        geos = [g for g in geos if g in sample]
    y = [actual[g] * scale for g in geos]
    x = [usage[g] for g in geos]
    e = [expected[g] * scale for g in geos]
    ry = _residuals(y, e)
    rx = _residuals(x, e)
    sxy = sum(a * b for a, b in zip(rx, ry, strict=True))
    sxx = sum(a * a for a in rx)
    syy = sum(a * a for a in ry)
    slope = sxy / sxx
    n = len(geos)
    resid = [ry[i] - slope * rx[i] for i in range(n)]
    naive_se = math.sqrt(sum(r * r for r in resid) / (n - 2) / sxx)
    return {"slope": slope, "partial_rsquared": sxy * sxy / (sxx * syy), "nobs": n, "naive_se": naive_se}


def plain_fit(
    rows: pd.DataFrame,
    level: str = "country",
    base: str = "classified",
    usage: dict[str, float] | None = None,
    min_conversations: float | None = None,
) -> dict[str, float]:
    """The whole published procedure on AEI long rows (usage index from the rows unless given);
    with ``min_conversations``, only geos with at least that many conversations."""
    rates = task_rates(rows)
    expected = expected_automation(rows, level, rates)
    actual = actual_automation(rows, level, base)
    u = usage_index(rows, level) if usage is None else usage
    sample = None
    if min_conversations is not None:
        sample = {g for g, n in conversations(rows, level).items() if n >= min_conversations}
    out = fwl(actual, u, expected, sample=sample)
    out["n_tasks_rated"] = len([t for t in rates if t not in SPECIAL])
    return out
