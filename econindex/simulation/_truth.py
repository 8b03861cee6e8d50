"""The true parameters of a simulated release, stored as JSON in ``ds.attrs["truth"]``."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

from econindex.schema import PATTERNS
from econindex.simulation._design import (
    _COUNTRY_CENTER,
    _SOC,
    _SOC_AUTOMATION,
    _SOC_INCOME_LOADING,
    _SOC_TREND_LOADING,
    _STATE_CENTER,
    _Design,
    _expected_soc,
)


def _truth(
    seed: int,
    d: _Design,
    params: dict[str, float],
    periods: list[dict[str, np.ndarray]],
    abuse_state: str | None,
    abuse: dict[str, Any],
    api_truth: dict[str, Any],
    cost_usage_slope: float,
    n_periods: int,
    platforms: tuple[str, ...],
    api_usage_ratio: float,
) -> dict[str, Any]:
    beta = params["convergence_rate"]
    loading = {s: float(v) for s, v in _SOC_INCOME_LOADING.items()}
    p0 = periods[0]
    kr = len(d.tasks) - 2
    usage = p0["usage_count"] - p0["flagged_count"]
    drawn = d.drawn
    claude_global = (usage[:, None] * p0["_probs"])[drawn]
    claude_soc = _expected_soc(d, claude_global.sum(axis=0))
    truth: dict[str, Any] = {
        "seed": seed,
        "simulated": True,
        **params,
        "convergence_beta": beta,
        "convergence_half_life_periods": float(np.log(0.5) / np.log(beta)) if 0 < beta < 1 else None,
        "country_income_center": _COUNTRY_CENTER,
        "state_income_center": _STATE_CENTER,
        "automation_equation": (
            "automation_share_classified = expected_automation + automation_slope * (usage_index - 1) + v;"
            " usage_index: default index of clean counts at the geo's level"
        ),
        "expected_automation_coef": 1.0,
        "expected_automation_definition": (
            "sum over tasks with a rate (not none/not_classified) of the geo's task share among them times"
            " the task's automation rate in task_pattern_share (automation / five classified patterns)"
        ),
        "soc_income_loading": loading,
        "soc_automation_mean": {s: float(v) for s, v in _SOC_AUTOMATION.items()},
        "claude_soc_share": dict(zip(_SOC, map(float, p0["_exp_soc"]), strict=True)),
        "claude_soc_share_clean": dict(zip(_SOC, map(float, claude_soc), strict=True)),
        "claude_soc_share_note": "expected Claude.ai SOC mix of GLOBAL among regular tasks in the first "
        "period: claude_soc_share with all traffic (as released, flagged included), "
        "claude_soc_share_clean without the flagged traffic; platform_soc_share_diff = api - all traffic",
        "claude_state_soc_share": {
            d.geos[g]: dict(zip(_SOC, map(float, _expected_soc(d, p0["_probs"][g])), strict=True))
            for g in d.state_idx
        },
        "claude_state_soc_share_note": "each state's true Claude.ai SOC mix among regular tasks in the "
        "first period (the multinomial probabilities its clean task counts are drawn from; the abuse "
        "state's released counts also hold its flagged traffic)",
        "abuse": {"geo": abuse_state, **abuse} if abuse_state is not None else {"geo": None},
        "abuse_periods": [0] if abuse_state is not None else [],
        "soc_trend_loading": dict(_SOC_TREND_LOADING),
        "claude_soc_share_by_period": [
            dict(zip(_SOC, map(float, per["_exp_soc"]), strict=True)) for per in periods
        ],
        "claude_pattern_share_by_period": [
            dict(zip(PATTERNS, map(float, per["_exp_pattern"]), strict=True)) for per in periods
        ],
        "by_period_note": "expected shares of GLOBAL (all traffic, flagged included) given the realized "
        "usage of each geo; lists follow the period order",
        "n_geo": len(d.geos),
        "n_tasks": kr,
        "n_requests_leaf": int(d.request_weight.size),
        "n_periods": n_periods,
        "platforms": list(platforms),
        "unlocated_us_share": params["unlocated_share"] / 2,
    }
    if "api" in platforms:
        truth["cost_usage_slope"] = float(cost_usage_slope)
        truth["cost_usage_level"] = "task (exact in expectation); soc_major approximately"
        truth["api_usage_ratio"] = float(api_usage_ratio)
        truth["platform_soc_share_diff"] = {
            s: api_truth["api_soc_share"][s] - truth["claude_soc_share"][s] for s in _SOC
        }
        truth.update(api_truth)
    else:
        truth["cost_usage_slope"] = float(cost_usage_slope)
    return truth


def true_state_soc_shares(ds: xr.Dataset, like: xr.DataArray | None = None) -> xr.DataArray:
    """Each US state's true Claude.ai SOC mix in a simulated release, over ``geo`` x ``soc_major``.

    The multinomial probabilities the state's regular-task counts were drawn
    from in the first period (``truth["claude_state_soc_share"]``). ``like``
    (an array over ``geo`` and ``soc_major``, e.g. a fit's ``task_count``)
    selects its cells, in its order.

    Examples
    --------
    >>> import econindex as ei
    >>> shares = true_state_soc_shares(ei.simulate(seed=0))
    >>> shares.dims, round(float(shares.sel(geo="CA").sum()), 12)
    (('geo', 'soc_major'), 1.0)
    """
    from econindex.errors import DataValueError

    try:
        shares = json.loads(ds.attrs["truth"])["claude_state_soc_share"]
    except (KeyError, TypeError, ValueError) as exc:
        raise DataValueError(
            "the dataset holds no true state SOC mix (attrs['truth']['claude_state_soc_share']): "
            "it is not a release drawn by econindex.simulate()"
        ) from exc
    geos = list(shares)
    groups = list(next(iter(shares.values()))) if shares else []
    out = xr.DataArray(
        np.array([[shares[g][k] for k in groups] for g in geos], dtype=float).reshape(len(geos), len(groups)),
        dims=("geo", "soc_major"),
        coords={"geo": np.array(geos, dtype=object), "soc_major": np.array(groups, dtype=object)},
        name="true_soc_share",
    )
    if like is None:
        return out
    return out.sel(geo=like["geo"].values, soc_major=[str(k) for k in like["soc_major"].values])
