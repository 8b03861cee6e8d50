"""Speed and sampling quality of the Bayesian state models (issue 7 quality bars).

For each of StateUsageModel, StateTaskMixModel and StateAutomationModel on the
demo data (simulated 51 US states x 22 SOC major groups,
``econindex.bayes._demo.demo_states(0)``), fit with 4 chains x 1000 draws
(1000 tuning steps) and measure the wall time *including compilation* (each
model is compiled fresh: the in-process cache is cleared first), the process
CPU time, max R-hat, min bulk ESS and divergences. Bars: wall <= 60 s on a
2-core machine, R-hat <= 1.01, bulk ESS >= 1000, 0 divergences. Time ratios
are ``60 s / wall`` (>= 1 passes). In full mode a reference run of the task
mix model in the non-centered form (the naive parameterization) gives the ESS
per second the default is compared with.

Wall times depend on what else the machine runs: the detail column gives the
CPU time and the load average, and timings under load say little.

Run: ``.venv/bin/python benchmarks/bench_bayes.py [--quick]``; the last line is
``ratio: <60 s / wall of StateUsageModel>``.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Record, main

BUDGET_S = 60.0


def _fit(model: Any, ds: Any, draws: int, tune: int, chains: int) -> tuple[float, float, Any]:
    from econindex.bayes._base import clear_compiled_cache
    from econindex.errors import DiagnosticsWarning

    clear_compiled_cache()
    t0, c0 = time.perf_counter(), os.times()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticsWarning)
        res = model.fit(ds, draws=draws, tune=tune, chains=chains, seed=1)
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    return time.perf_counter() - t0, cpu, res


def run(quick: bool) -> list[Record]:
    from econindex.bayes import StateAutomationModel, StateTaskMixModel, StateUsageModel
    from econindex.bayes._demo import demo_states

    ds = demo_states(0)
    draws, tune, chains = (200, 200, 2) if quick else (1000, 1000, 4)
    # quick mode only keeps the script working: chains of 200 draws cannot meet the full bars
    ess_bar = 1000.0 if not quick else 100.0
    rhat_bar = 1.01 if not quick else 1.1
    records: list[Record] = []
    for model in (StateUsageModel(), StateTaskMixModel(), StateAutomationModel()):
        name = type(model).__name__
        load0 = os.getloadavg()[0]
        wall, cpu, res = _fit(model, ds, draws, tune, chains)
        diag = res.diagnose()
        detail = (
            f"cpu {cpu:.1f} s, load {load0:.1f}; R-hat {res.rhat_max:.4f}, bulk ESS {res.ess_bulk_min:.0f}, "
            f"tail ESS {res.ess_tail_min:.0f}, divergences {res.divergences}, "
            f"tree-depth hits {int(diag.loc['tree_depth_hits', 'value'])}, "
            f"E-BFMI {diag.loc['e_bfmi', 'value']:.2f}"
        )
        size = f"{chains}x{draws}"
        records.append(Record(f"{name} {size} incl. compile, demo 51 states", f"{BUDGET_S:.0f} s budget",
                              BUDGET_S / wall, 1.0, detail=f"wall {wall:.1f} s; {detail}"))
        records.append(Record(f"{name} {size} min bulk ESS / {ess_bar:.0f}", "ESS bar",
                              res.ess_bulk_min / ess_bar, 1.0))
        records.append(Record(f"{name} {size} max R-hat", "R-hat bar", res.rhat_max, rhat_bar,
                              better="lower"))
        records.append(Record(f"{name} {size} divergences", "0 divergences", float(res.divergences), 0.0,
                              better="lower"))
        if not quick and name == "StateTaskMixModel":
            ess_per_s = res.ess_bulk_min / wall
            nwall, _, nres = _fit(StateTaskMixModel(parameterization="noncentered"), ds, draws, tune, chains)
            naive = nres.ess_bulk_min / nwall
            records.append(Record(
                f"{name} min bulk ESS per second, default (centered) form",
                "non-centered form",
                ess_per_s / naive if naive > 0 else float("inf"),
                1.0,
                detail=f"centered {ess_per_s:.1f}/s vs non-centered {naive:.1f}/s "
                f"(ESS {nres.ess_bulk_min:.0f} in {nwall:.1f} s, {nres.divergences} divergences)",
            ))
    return records


if __name__ == "__main__":
    main(run)
