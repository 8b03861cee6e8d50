"""One period of Claude.ai data: usage, task mixes, abusive traffic, collaboration patterns, requests."""

from __future__ import annotations

from typing import Any

import numpy as np

from econindex.schema import AUTOMATION_PATTERNS, CLASSIFIED_PATTERNS, PATTERNS
from econindex.simulation._design import (
    _COUNTRY_CENTER,
    _MIX_CENTER,
    _SOC,
    _SOC_INCOME_LOADING,
    _SOC_TREND_LOADING,
    _STATE_CENTER,
    _Design,
    _expected_soc,
    _pattern_mix,
    _request_levels,
)
from econindex.simulation._random import _multinomial, _normalize, _rng


def _aui(
    counts: np.ndarray, pop: np.ndarray, located: np.ndarray, unlocated: int
) -> tuple[np.ndarray, float]:
    """Default usage index of the located geos (unlocated usage kept in the usage total)."""
    ratio = (counts[located].sum() + counts[unlocated]) / pop[located].sum()
    return counts[located] / pop[located] / ratio, float(ratio)


def _draw_claude(
    seed: int,
    t: int,
    d: _Design,
    p: dict[str, float],
    prev_ln_aui: np.ndarray | None,
    ref_ratio: float,
    abuse_pos: int | None,
) -> dict[str, Any]:
    n_geo = len(d.geos)
    ci, si = d.country_idx, d.state_idx
    rng = _rng(seed, "usage", t)
    noise_c = rng.normal(0.0, p["convergence_noise"], n_geo)
    # --- usage (clean) ---
    if prev_ln_aui is None:
        ln_c = np.log(p["usage_per_capita"]) + p["country_elasticity"] * (d.x[ci] - _COUNTRY_CENTER) + d.u[ci]
        ln_s = p["state_elasticity"] * (d.x[si] - _STATE_CENTER) + d.u[si]
    else:
        ln_c = np.log(ref_ratio) + p["convergence_rate"] * prev_ln_aui[ci] + noise_c[ci]
        ln_s = p["convergence_rate"] * prev_ln_aui[si] + noise_c[si]
    usage = np.zeros(n_geo)
    mu_c = d.pop[ci] * np.exp(ln_c)
    usage[ci] = rng.poisson(mu_c)
    usage[d.unl_country] = rng.poisson(p["unlocated_share"] / (1 - p["unlocated_share"]) * mu_c.sum())
    ws = np.append(
        _normalize(d.pop[si] * np.exp(ln_s)) * (1 - p["unlocated_share"] / 2), p["unlocated_share"] / 2
    )
    split = _multinomial(rng, usage[d.usa], ws)
    usage[si], usage[d.unl_state] = split[:-1], split[-1]
    usage[0] = usage[ci].sum() + usage[d.unl_country]

    # realized clean indices (the ones the automation equation and the next period use)
    aui = np.full(n_geo, np.nan)
    aui[ci], ratio_c = _aui(usage, d.pop, ci, d.unl_country)
    aui[si], ratio_s = _aui(usage, d.pop, si, d.unl_state)
    ln_aui = np.full(n_geo, np.nan)
    ln_aui[ci] = np.log(np.maximum(usage[ci], 0.5) / d.pop[ci] / ratio_c)
    ln_aui[si] = np.log(np.maximum(usage[si], 0.5) / d.pop[si] / ratio_s)

    # --- tasks ---
    trng = _rng(seed, "tasks", t)
    drawn = d.drawn
    k = len(d.tasks)
    loading = np.array([_SOC_INCOME_LOADING[s] for s in _SOC])
    eta = trng.normal(0.0, 0.2, (n_geo, len(_SOC)))
    xg = np.where(np.isfinite(d.x), d.x - _MIX_CENTER, 0.0)  # unlocated geos get the centre mix
    trend = np.array([_SOC_TREND_LOADING.get(s, 0.0) for s in _SOC]) * p["soc_trend"] * t
    log_soc = p["task_mix_income_shift"] * xg[:, None] * loading[None, :] + eta + trend[None, :]
    logw = np.zeros((n_geo, k))
    logw[:, : k - 2] = log_soc[:, d.task_soc]
    probs = _normalize(d.task_weight[None, :] * np.exp(logw))
    task = np.zeros((n_geo, k))
    task[drawn] = _multinomial(trng, usage[drawn], probs[drawn])

    # --- abuse: flagged traffic in one geo ---
    flagged = np.zeros(n_geo)
    flagged_task = np.zeros((n_geo, k))
    abuse: dict[str, Any] = {}
    arng = _rng(seed, "abuse", t)
    fl_task = np.zeros(k)
    fl_pat = np.zeros(len(PATTERNS))
    fl_req = np.zeros(d.request_weight.size)
    if abuse_pos is not None:
        share = p["abuse_share"]
        f = float(np.round(usage[abuse_pos] * share / (1.0 - share)))
        # a narrow campaign in moderately used computer/math tasks: the flagged traffic is a large
        # part, not all, of their global traffic, so the task-mix control absorbs part of its
        # automation (as with Utah in Aug 2025: 73% actual vs 58% expected)
        comp = np.flatnonzero(d.task_soc == _SOC.index("15"))
        pool = comp if comp.size else np.arange(k - 2)
        lo, hi = np.quantile(d.task_weight[pool], [0.5, 0.75])
        band = pool[(d.task_weight[pool] >= lo) & (d.task_weight[pool] <= hi)]
        pool = band if band.size >= 3 else pool
        a_tasks = arng.choice(pool, size=min(3, pool.size), replace=False)
        fl_task[a_tasks] = _multinomial(
            arng, np.array(f), _normalize(np.array([0.5, 0.3, 0.2][: a_tasks.size]))
        )
        abuse_mix = np.array([0.9, 0.06, 0.0, 0.02, 0.0, 0.02, 0.0])
        fl_tp = _multinomial(arng, fl_task, np.broadcast_to(abuse_mix, (k, len(PATTERNS))))
        fl_pat[:] = fl_tp.sum(axis=0)
        a_req = arng.choice(fl_req.size, size=min(2, fl_req.size), replace=False)
        fl_req[a_req] = _multinomial(arng, np.array(f), _normalize(np.array([0.7, 0.3][: a_req.size])))
        flagged[abuse_pos] = f
        abuse = {
            "geo": d.geos[abuse_pos],
            "flagged": f,
            "share": share,
            "clean_usage": float(usage[abuse_pos]),
            "tasks": {d.tasks[i]: float(fl_task[i]) for i in a_tasks},
            "patterns": dict(zip(PATTERNS, map(float, fl_pat), strict=True)),
            "requests": {d.requests[-fl_req.size + i]: float(fl_req[i]) for i in a_req},
        }

    def aggregate(arr: np.ndarray) -> np.ndarray:
        """Fill USA (states + unlocated US) and GLOBAL (countries + unlocated) rows."""
        arr[d.usa] = arr[si[0] : si[-1] + 1].sum(axis=0) + arr[d.unl_state]
        arr[0] = arr[ci[0] : ci[-1] + 1].sum(axis=0) + arr[d.unl_country]
        return arr

    def add_flagged(arr: np.ndarray, add: Any, pos: int) -> None:
        """Add flagged traffic to geo ``pos`` and to its aggregates (USA for a state, and GLOBAL)."""
        arr[pos] += add
        if pos in si:
            arr[d.usa] += add
        arr[0] += add

    task = aggregate(task)
    # global task x pattern counts: clean traffic from the true mix, plus the flagged traffic
    prng = _rng(seed, "patterns", t)
    la, ld, za, lq = d.pi_parts
    pi_t = d.pi if p["directive_trend"] == 0 else _pattern_mix(la, ld + p["directive_trend"] * t, za, lq)
    tpc = _multinomial(prng, task[0], pi_t)
    usage_all = usage.copy()
    task_all = task.copy()
    if abuse_pos is not None:
        for arr, add in ((usage_all, flagged[abuse_pos]), (task_all, fl_task)):
            add_flagged(arr, add, abuse_pos)
        flagged = aggregate(flagged)
        flagged_task[abuse_pos] = fl_task
        flagged_task = aggregate(flagged_task)
        if abuse_pos in ci:
            flagged[0] = flagged[ci].sum()
        tpc = tpc + fl_tp
    with np.errstate(invalid="ignore", divide="ignore"):
        tps = tpc / task_all[0][:, None]
    tps[task_all[0] == 0] = np.nan

    # --- patterns: automation equation ---
    auto_cols = [PATTERNS.index(c) for c in AUTOMATION_PATTERNS]
    cls_cols = [PATTERNS.index(c) for c in CLASSIFIED_PATTERNS]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = tps[:, auto_cols].sum(axis=1) / tps[:, cls_cols].sum(axis=1)
    rated = np.isfinite(rate)
    rated[k - 2 :] = False
    rated_counts = task[:, rated]
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = rated_counts @ rate[rated] / rated_counts.sum(axis=1)
    v = prng.normal(0.0, p["automation_noise"], n_geo)
    target = np.full(n_geo, np.nan)
    target[ci] = expected[ci] + p["automation_slope"] * (aui[ci] - 1.0) + v[ci]
    us_dev = p["automation_slope"] * (aui[d.usa] - 1.0) + v[d.usa]
    target[si] = expected[si] + p["automation_slope"] * (aui[si] - 1.0) + v[si] + us_dev
    target[d.unl_country] = expected[d.unl_country]
    target[d.unl_state] = expected[d.unl_state]
    target = np.clip(np.nan_to_num(target, nan=0.5), 0.01, 0.99)
    # within-mode splits and the unclassified share follow the task mix
    tps0 = np.nan_to_num(tps)
    with np.errstate(invalid="ignore", divide="ignore"):
        mix = _normalize(task @ tps0 + 1e-12)
    auto_mix = _normalize(mix[:, auto_cols] + 1e-12)
    aug_cols = [PATTERNS.index(c) for c in CLASSIFIED_PATTERNS if c not in AUTOMATION_PATTERNS]
    aug_mix = _normalize(mix[:, aug_cols] + 1e-12)
    q = mix[:, len(CLASSIFIED_PATTERNS) :]
    cls_share = 1.0 - q.sum(axis=1, keepdims=True)
    pat_p = np.concatenate(
        [cls_share * target[:, None] * auto_mix, cls_share * (1 - target[:, None]) * aug_mix, q], axis=1
    )
    pattern = np.zeros((n_geo, len(PATTERNS)))
    pattern[drawn] = _multinomial(prng, usage[drawn], pat_p[drawn])
    pattern = aggregate(pattern)

    # --- requests: leaves with a geo tilt by top-level area ---
    rrng = _rng(seed, "requests", t)
    top_of_leaf = d.request_top_of_leaf
    tilt = rrng.normal(0.0, 0.3, (n_geo, int(top_of_leaf.max()) + 1))
    leaf_p = _normalize(d.request_weight[None, :] * np.exp(tilt[:, top_of_leaf]))
    leaves = np.zeros((n_geo, d.request_weight.size))
    leaves[drawn] = _multinomial(rrng, usage[drawn], leaf_p[drawn])
    leaves = aggregate(leaves)

    pattern_all, leaves_all = pattern.copy(), leaves.copy()
    if abuse_pos is not None:
        for arr, add in ((pattern_all, fl_pat), (leaves_all, fl_req)):
            add_flagged(arr, add, abuse_pos)
        abuse["expected_automation_clean"] = float(expected[abuse_pos])
    return {
        "usage_count": usage_all,
        "task_count": task_all,
        "pattern_count": pattern_all,
        "request_count": _request_levels(d, leaves_all),
        "flagged_count": flagged,
        "flagged_task_count": flagged_task,
        "task_pattern_count": tpc,
        "task_pattern_share": tps,
        "_ln_aui": ln_aui,
        "_ref_ratio": np.array(ratio_c),
        "_aui": aui,
        "_expected": expected,
        "_probs": probs,
        "_exp_soc": _expected_soc(d, (usage[drawn, None] * probs[drawn]).sum(axis=0) + fl_task),
        "_exp_pattern": ((usage[drawn, None] * pat_p[drawn]).sum(axis=0) + fl_pat) / usage_all[0],
        "_abuse": abuse,  # type: ignore[dict-item]
    }
