"""The PyMC rows of docs/bayes.md's brms table: StateUsageModel per grouping on the real states.

Fits ``StateUsageModel(grouping=g)`` to ``load_us_states_2025_08()`` with
4 chains x 1000 draws after 1000 tuning steps, sampler seeds 1, 2 and 3, and
prints one Markdown row per fit beside brms's row from
``tests/reference/brms_usage.json`` (written by ``tests/reference/brms_usage.R``).

    python benchmarks/brms_usage_table.py
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

import econindex as ei
from econindex.bayes import StateUsageModel
from econindex.errors import DiagnosticsWarning

LABELS = {"region_division": "region + division", "division": "division", "none": "none"}


def main() -> None:
    ref = json.loads((Path(__file__).resolve().parents[1] / "tests/reference/brms_usage.json").read_text())
    states = ei.datasets.load_us_states_2025_08()
    print("| grouping | fit | b mean | sd | 95% interval | diagnostics |")
    print("|---|---|--:|--:|:--|:--|")
    for grouping, label in LABELS.items():
        r = ref[grouping]
        interval = f"[{r['b_q025']:.3f}, {r['b_q975']:.3f}]"
        print(f"| {label} | brms | {r['b_mean']:.3f} | {r['b_sd']:.3f} | {interval} | |")
        for seed in (1, 2, 3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DiagnosticsWarning)
                res = StateUsageModel(grouping=grouping).fit(
                    states, draws=1000, tune=1000, chains=4, seed=seed
                )
            b = res.posterior["b"].values.ravel()
            lo, hi = np.quantile(b, [0.025, 0.975])
            d = res.diagnostics["value"]
            print(
                f"| {label} | PyMC seed {seed} | {b.mean():.3f} | {b.std():.3f} | [{lo:.3f}, {hi:.3f}] | "
                f"R-hat {d['r_hat']:.3f}, ESS {d['ess_bulk']:.0f} / {d['ess_tail']:.0f}, "
                f"{d['divergences']:.0f} div. |",
                flush=True,
            )


if __name__ == "__main__":
    main()
