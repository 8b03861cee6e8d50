"""The enterprise API platform: task mix shifted by cost, API pattern mix, cost and token indices."""

from __future__ import annotations

from typing import Any

import numpy as np

from econindex.schema import AUTOMATION_PATTERNS, CLASSIFIED_PATTERNS, PATTERNS
from econindex.simulation._design import _SOC, _SPECIAL_SHARE, _Design, _expected_soc, _request_levels
from econindex.simulation._random import _multinomial, _normalize, _rng

# API targets where the report gives them (15: 44%, 25: 4%, 27: 5%); the rest
# keep their Claude.ai proportions.
_API_SOC_TARGET = {"15": 0.44, "25": 0.04, "27": 0.05}


def _draw_api(
    seed: int,
    d: _Design,
    periods: list[dict[str, np.ndarray]],
    slope: float,
    ratio: float,
    cost_soc_sd: float,
) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]], dict[str, Any]]:
    crng = _rng(seed, "cost")
    k = len(d.tasks)
    kr = k - 2
    mu = crng.normal(0.0, cost_soc_sd, len(_SOC))
    ln_cost = mu[d.task_soc] + crng.normal(0.0, 0.5, kr)
    # API SOC shift: targets for three groups, Claude.ai proportions for the rest
    claude_soc = _expected_soc(d, d.task_weight)
    target = claude_soc.copy()
    fixed = np.array([s in _API_SOC_TARGET for s in _SOC])
    target[fixed] = [_API_SOC_TARGET[s] for s in np.asarray(_SOC)[fixed]]
    free = ~fixed & (claude_soc > 0)
    target[free] = claude_soc[free] / claude_soc[free].sum() * (1.0 - target[fixed].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(claude_soc > 0, np.log(target / claude_soc), 0.0)
    w_reg = d.task_weight[:kr] * np.exp(gamma[d.task_soc] + slope * ln_cost)
    w_reg = (1.0 - sum(_SPECIAL_SHARE)) * w_reg / w_reg.sum()
    p_api = np.concatenate([w_reg, _SPECIAL_SHARE])
    # token indices: the cost index is a mix of prompt and completion tokens
    ln_prompt = 0.8 * ln_cost + crng.normal(0.0, 0.2, kr)
    ln_compl = 0.6 * ln_cost + crng.normal(0.0, 0.3, kr)

    out = []
    for t, per in enumerate(periods):
        arng = _rng(seed, "api", t)
        n = float(arng.poisson(ratio * per["usage_count"][0]))
        task = _multinomial(arng, np.array(n), p_api)
        tpc = _multinomial(arng, task, d.pi_api)
        with np.errstate(invalid="ignore", divide="ignore"):
            tps = tpc / task[:, None]
        tps[task == 0] = np.nan
        leaf_p = _normalize(d.request_weight * np.exp(arng.normal(0.0, 0.5, d.request_weight.size)))
        leaves = _multinomial(arng, np.array(n), leaf_p)
        out.append(
            {
                "usage_count": np.array(n),
                "task_count": task,
                "pattern_count": tpc.sum(axis=0),
                "request_count": _request_levels(d, leaves[None, :])[0],
                "task_pattern_count": tpc,
                "task_pattern_share": tps,
            }
        )
    used = out[0]["task_count"][:kr] > 0

    def index(z: np.ndarray) -> np.ndarray:
        vals = np.full(k, np.nan)
        vals[:kr] = np.where(used, np.exp(z) / np.exp(np.sum(p_api[:kr] * z) / p_api[:kr].sum()), np.nan)
        return vals

    cost = {
        "cost_index": index(ln_cost),
        "prompt_tokens_index": index(ln_prompt),
        "completion_tokens_index": index(ln_compl),
    }
    soc_api = np.bincount(d.task_soc, weights=p_api[:kr], minlength=len(_SOC)) / p_api[:kr].sum()
    cls = [PATTERNS.index(c) for c in CLASSIFIED_PATTERNS]
    auto = [PATTERNS.index(c) for c in AUTOMATION_PATTERNS]
    api_mix = p_api @ d.pi_api
    truth = {
        "api_soc_share": dict(zip(_SOC, map(float, soc_api), strict=True)),
        "api_pattern_share": dict(zip(PATTERNS, map(float, api_mix), strict=True)),
        "api_automation_share_all": float(api_mix[auto].sum()),
        "api_automation_share_classified": float(api_mix[auto].sum() / api_mix[cls].sum()),
        "api_task_probabilities_note": "base_k * exp(gamma_soc + b ln cost_k), normalized",
        "cost_soc_log_mean": dict(zip(_SOC, map(float, mu), strict=True)),
        "prompt_tokens_on_cost": 0.8,
        "completion_tokens_on_cost": 0.6,
    }
    return cost, out, truth
