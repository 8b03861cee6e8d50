"""A Bayesian hierarchical model of US-state usage, with diagnostics, beside the OLS elasticity.

Partial pooling across states (division effects pooled within Census regions)
gives the state income elasticity with honest uncertainty, with and without
Utah's abusive traffic. The task-mix controlled automation slope is fitted to
the 43 states with published automation percentages (Beta likelihood). With
expected automation as a logit offset (coefficient fixed at 1) the slope is
positive; with its coefficient free, as in the frequentist regression, it turns
negative without Utah, like ``TaskMixAutomation``.

Run: python examples/bayes_state_model.py   (about a minute on 2 cores)
"""

from __future__ import annotations

import econindex as ei
from econindex import bayes


def main() -> None:
    states = ei.datasets.load_us_states_2025_08()
    for label, exclude in (("all states", None), ("without Utah", ["UT"])):
        post = bayes.StateUsageModel().fit(states, draws=1000, tune=1000, chains=2, seed=1, exclude=exclude)
        lo, hi = post.elasticity_interval(0.9)
        data = states if exclude is None else states.drop_sel(geo=exclude)
        ols = ei.IncomeElasticity(cov_type="HC1").fit(data, level="state_us")
        print(
            f"{label}: Bayesian elasticity {post.elasticity:.4f} (90% interval {lo:.4f} to {hi:.4f}); "
            f"OLS {ols.slope:.4f}; {post.diagnostics_text}"
        )
        diag = post.diagnose()
        print(
            f"{label}: diagnostics passed: {bool(diag['passed'].all())}; "
            f"max R-hat {post.rhat_max:.4f}; min bulk ESS {post.ess_bulk_min:.0f}; "
            f"divergences {post.divergences}"
        )

    for expected in ("offset", "covariate"):
        auto = bayes.StateAutomationModel(expected=expected).fit(
            states, draws=1000, tune=1000, chains=2, seed=2, exclude=["UT"]
        )
        lo, hi = auto.slope_interval(0.9)
        print(
            f"automation slope without Utah, expected automation as {expected} "
            f"(logit scale, per SD of the index): {auto.slope:.4f} (90% interval {lo:.4f} to {hi:.4f}); "
            f"{auto.diagnostics_text}"
        )


if __name__ == "__main__":
    main()
