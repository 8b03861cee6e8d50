"""Coverage of StateTaskMixModel's posterior intervals across simulated releases (issue 18).

``econindex.simulate()`` draws each state's log SOC mix as a base mix plus an income gradient
(``task_mix_income_shift`` x the group's income loading) plus N(0, 0.2) deviations, and keeps only
the global mix in its truth. The truth-generating quantities the task-mix model estimates are the
states' shares and the national (conversation-weighted) mix; ``simulate_like_simulate(seed)`` draws
the task counts of simulate(seed)'s 51 states by that process, with those shares kept. The model is
misspecified on purpose: its state deviations are Dirichlet, simulate()'s logistic-normal with an
income gradient the model does not have.

For each release: the share of the 51 x 22 state-share cells (and of the 22 national shares) whose
central 50% / 90% posterior interval holds the truth.

Run: ``nice -n 10 python benchmarks/coverage_taskmix.py [--quick]``; ratio = mean 90% cell coverage
/ 0.9 (needs >= 0.95).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Record, main


def simulate_like_simulate(seed: int) -> tuple[Any, np.ndarray]:
    """simulate(seed)'s states and totals, task counts drawn as simulate() draws them; (dataset, shares).

    Base mix: the truth's ``claude_soc_share_clean``; income gradient: ``task_mix_income_shift``
    x ``soc_income_loading`` x centered ln GDP per working-age person; deviations N(0, 0.2).
    """
    import xarray as xr

    import econindex as ei
    from econindex.bayes._data import select_states, soc_group_counts

    ds = ei.simulate(seed=seed)
    truth = json.loads(ds.attrs["truth"])
    sub, _ = select_states(ds)
    counts, _ = soc_group_counts(sub)
    groups = [str(g) for g in counts["soc_major"].values]
    base = np.log([truth["claude_soc_share_clean"][g] for g in groups])
    loading = np.array([truth["soc_income_loading"][g] for g in groups])
    x = np.log(sub["gdp"].values / sub["working_age_pop"].values)
    rng = np.random.default_rng(100 + seed)
    eta = base + truth["task_mix_income_shift"] * (x - x.mean())[:, None] * loading
    eta = eta + rng.normal(0, 0.2, counts.shape)
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    totals = counts.sum("soc_major").values.astype(int)
    y = np.array([rng.multinomial(n, q) for n, q in zip(totals, p, strict=True)], float)
    keep = [c for c in ("census_region", "census_division", "geo_name") if c in sub.coords]
    task = xr.DataArray(y, dims=("geo", "task"), coords={"geo": sub["geo"].values, "task": groups})
    out = xr.Dataset({"task_count": task}).assign_coords(soc_major=("task", groups))
    out = out.assign_coords({c: ("geo", sub[c].values) for c in keep})
    out = out.assign_coords(geo_level=("geo", np.full(len(totals), "state_us")))
    return out, p


def coverage(res: Any, p_true: np.ndarray) -> dict[str, float]:
    """50% / 90% interval coverage of the state shares and the national mix, for one fit."""
    import xarray as xr

    share = res.posterior["share"]
    w = res.data["task_count"].values.sum(axis=1)
    nat = (share * xr.DataArray(w, dims="geo")).sum("geo") / w.sum()
    nat_true = (w[:, None] * p_true).sum(0) / w.sum()
    out: dict[str, float] = {}
    for name, da, truth in (("cells", share, p_true), ("national", nat, nat_true)):
        for level, (lo, hi) in (("50", (0.25, 0.75)), ("90", (0.05, 0.95))):
            q = da.quantile([lo, hi], dim=("chain", "draw")).values
            out[f"{name}{level}"] = float(((q[0] <= truth) & (truth <= q[1])).mean())
    return out


def run(quick: bool) -> list[Record]:
    from econindex.bayes import StateTaskMixModel
    from econindex.errors import DiagnosticsWarning

    seeds = [0] if quick else list(range(10))
    rows = []
    t0 = time.perf_counter()
    for seed in seeds:
        ds, p = simulate_like_simulate(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DiagnosticsWarning)
            res = StateTaskMixModel().fit(ds, draws=1000, tune=1000, chains=2, seed=1)
        c = coverage(res, p)
        rows.append(c)
        print(f"simulate({seed}): " + ", ".join(f"{k} {v:.3f}" for k, v in c.items())
              + f"; {res.diagnostics_text}", file=sys.stderr, flush=True)
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    worst90 = min(r["cells90"] for r in rows)
    # the bar: mean 90% coverage of the state-share cells within 5% of nominal (>= 0.855)
    return [Record(
        target=f"taskmix state-share 90% coverage, mean of {len(seeds)} releases",
        reference="nominal 0.9", ratio=mean["cells90"] / 0.9, threshold=0.95,
        detail="mean over releases: " + ", ".join(f"{k} {v:.3f}" for k, v in mean.items())
        + f"; worst release cells90 {worst90:.3f}; {time.perf_counter() - t0:.0f} s",
    )]


if __name__ == "__main__":
    main(run)
