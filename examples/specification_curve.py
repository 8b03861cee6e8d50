"""A specification curve for the country income elasticity.

Re-estimates the elasticity over every combination of analyst choices
(minimum conversations, reference set, weights, covariance type, level or log
index) in one batched solve, and prints how the estimate is distributed. Many
combinations give the same estimate (on these data the ``flagged`` and
``exclusion`` switches change nothing, and neighbouring thresholds can select
the same countries), so the distinct specifications are counted too.

Run: python examples/specification_curve.py
"""

from __future__ import annotations

import econindex as ei
from econindex import robustness


def main() -> None:
    countries = ei.datasets.load_countries_2025_08()
    curve = robustness.specification_curve(countries, level="country")
    table = curve.to_frame()
    stats = curve.distinct_summary()
    print(f"specifications: {len(table)}")
    print(
        f"distinct specifications: {stats['n_distinct']}; switches that change nothing: "
        f"{', '.join(stats['inert_choices']) or 'none'}"
    )
    print(
        "share of distinct specifications with the baseline's sign and significance: "
        f"{stats['share_same_sign_and_significance']:.3f}"
    )
    log_specs = table[table["outcome"] == "log_index"]
    print(
        f"log-index specifications: {len(log_specs)}; elasticity from {log_specs['estimate'].min():.4f} "
        f"to {log_specs['estimate'].max():.4f}, median {log_specs['estimate'].median():.4f}"
    )
    print(f"share of specifications significant at 5%: {(table['p_value'] < 0.05).mean():.3f}")
    baseline = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    print(f"baseline (OLS, HC1, all 114 countries): {baseline.slope:.4f}")


if __name__ == "__main__":
    main()
