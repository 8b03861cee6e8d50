"""Reproduce the report's country income elasticity from the embedded real data.

The September 2025 AEI report: 1% higher GDP per working-age capita goes with
about 0.7% higher AI Usage Index across countries. This script fits it with
every covariance type, with a wild bootstrap, and with PPML on the counts,
and prints one publication table.

Run: python examples/country_elasticity.py
"""

from __future__ import annotations

import econindex as ei


def main() -> None:
    countries = ei.datasets.load_countries_2025_08()
    states = ei.datasets.load_us_states_2025_08()

    ols = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    print(ols.summary())
    print(f"country elasticity (OLS): {ols.slope:.4f}  R2: {ols.rsquared:.3f}  N: {ols.nobs}")

    for cov in ("nonrobust", "HC0", "HC1", "HC2", "HC3"):
        print(f"se[{cov}]: {ols.with_cov(cov).se:.6f}")

    boot = ei.IncomeElasticity(cov_type="HC1", bootstrap="wild", n_boot=2000, seed=1).fit(
        countries, level="country"
    )
    lo, hi = boot.ci(0.95)
    print(f"wild bootstrap 95% CI: [{lo:.4f}, {hi:.4f}]")

    ppml = ei.IncomeElasticity(cov_type="HC1", method="ppml").fit(countries, level="country")
    print(f"country elasticity (PPML): {ppml.slope:.4f}")

    state = ei.IncomeElasticity(cov_type="HC1").fit(states, level="state_us")
    print(f"state elasticity (OLS): {state.slope:.4f}  R2: {state.rsquared:.3f}  N: {state.nobs}")

    table = ei.compare([ols, ppml, state], names=["Countries OLS", "Countries PPML", "US states OLS"])
    print(table.to_markdown())


if __name__ == "__main__":
    main()
