"""How estimates move when abuse-flagged traffic is removed (Utah, August 2025; Wyoming, November 2025).

Run: python examples/abuse_robustness.py
"""

from __future__ import annotations

import json

import econindex as ei
from econindex import robustness


def main() -> None:
    states = ei.datasets.load_us_states_2025_08()
    table = robustness.flag_sensitivity(ei.TaskMixAutomation(cov_type="HC1"), states, level="state_us")
    print("Task-mix automation slope across US states, with and without Utah:")
    print(table[["spec", "estimate", "std_error", "ci_lower", "ci_upper", "nobs"]].to_string(index=False))

    el = robustness.flag_sensitivity(ei.IncomeElasticity(cov_type="HC1"), states, level="state_us")
    print("State income elasticity, with and without Utah:")
    print(el[["spec", "estimate", "std_error", "nobs"]].to_string(index=False))

    panel = ei.datasets.load_us_state_panel()
    for drop in (None, ["WY"]):
        conv = ei.convergence(panel, level="state_us", start="2025-08-04", end="2025-11-13", exclude=drop)
        label = "without Wyoming" if drop else "all states"
        print(f"convergence beta Aug->Nov 2025, {label}: {conv.beta:.4f} (N = {conv.nobs})")

    # Simulated release with coordinated abuse injected into Utah: biased, then recovered.
    sim = ei.simulate(seed=11)
    truth = json.loads(sim.attrs["truth"])
    clean = robustness.exclude_flagged(sim)
    aui_all = ei.usage_index(sim, level="state_us").sel(geo="UT")
    aui_clean = ei.usage_index(clean, level="state_us").sel(geo="UT")
    print(f"simulated Utah AUI, all traffic: {float(aui_all):.3f}  flagged removed: {float(aui_clean):.3f}")
    all_fit = ei.IncomeElasticity().fit(sim, level="state_us")
    clean_fit = ei.IncomeElasticity().fit(clean, level="state_us")
    print(
        f"simulated state elasticity: truth {truth['state_elasticity']}, all traffic {all_fit.slope:.4f}, "
        f"flagged removed {clean_fit.slope:.4f}"
    )

    countries = ei.datasets.load_countries_2025_08()
    res = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    infl = robustness.influence(res)
    print("Most influential countries for the income elasticity (Cook's distance):")
    print(robustness.most_influential(infl, 5).to_string())


if __name__ == "__main__":
    main()
