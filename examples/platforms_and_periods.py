"""Compare Claude.ai with the enterprise API, and periods with each other, on a simulated release.

Runs in a few seconds and prints the key numbers:

1. the SOC major-group mix of the two platforms (difference with 95% CIs,
   Holm-adjusted p-values) and the test that the two mixes are equal;
2. the automation share of each platform (collaboration-pattern mode);
3. the collaboration-pattern trend across three periods on Claude.ai;
4. the cost-usage association across API tasks and SOC groups, next to the
   simulator's true slope.

Usage::

    python examples/platforms_and_periods.py [--seed 0] [--plot out.png]
"""

from __future__ import annotations

import argparse
import json

import econindex as ei
from econindex.platforms import CostUsage, compare_shares

SOC_NAMES = {
    "15": "Computer and mathematical",
    "25": "Educational instruction and library",
    "27": "Arts, design, entertainment, media",
    "13": "Business and financial operations",
    "11": "Management",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="write a dumbbell + cost-usage figure here")
    args = parser.parse_args()

    ds = ei.simulate(
        seed=args.seed,
        platforms=("claude_ai", "api"),
        n_periods=3,
        n_countries=40,
        n_tasks=600,
        abuse_state=None,
    )
    truth = json.loads(ds.attrs["truth"])
    first = str(ds["period"].values[0])

    # 1. platform mix over SOC major groups (first period, GLOBAL)
    soc = compare_shares(
        ds, dim="platform", over="soc_major", exclude=("none", "not_classified"), sel={"period": first}
    )
    print(f"== SOC mix, api vs claude_ai ({first}; n = {soc.n_b:,.0f} vs {soc.n_a:,.0f} conversations)")
    t = soc.to_frame().set_index("category")
    for code, name in SOC_NAMES.items():
        r = t.loc[code]
        true = truth["platform_soc_share_diff"][code]
        print(
            f"  {name[:36]:<37} claude_ai {r.share_a:6.1%}  api {r.share_b:6.1%}  "
            f"diff {r['diff']:+.2%} [{r.diff_lower:+.2%}, {r.diff_upper:+.2%}] (true {true:+.2%}) "
            f"p_holm {r.p_holm:.2g}"
        )
    print(
        f"  equal mixes: chi2 = {soc.chi2:,.0f} (df {soc.df:g}), G = {soc.gtest:,.0f}, "
        f"p = {soc.chi2_pvalue:.3g}"
    )

    # 2. automation vs augmentation by platform
    mode = compare_shares(ds, dim="platform", over="mode", sel={"period": first}).to_frame()
    mode = mode.set_index("category")
    print("== Collaboration mode by platform (all conversations)")
    for m in ("automation", "augmentation"):
        r = mode.loc[m]
        print(
            f"  {m:<13} claude_ai {r.share_a:6.1%}  api {r.share_b:6.1%} "
            f"[{r.share_b_lower:.1%}, {r.share_b_upper:.1%}]"
        )
    print(f"  true API automation share: {truth['api_automation_share_all']:.1%}")

    # 3. pattern trend across periods on Claude.ai
    trend = compare_shares(ds, dim="period", over="pattern", sel={"platform": "claude_ai"})
    print(
        f"== Patterns across periods on claude_ai: {trend.a} -> {trend.b}; "
        f"homogeneity across all periods chi2 = {trend.trend_chi2:.1f} (df {trend.trend_df:g}, "
        f"p = {trend.trend_pvalue:.3g})"
    )
    d = trend.to_frame().set_index("category")
    for p in ("directive", "learning", "task iteration"):
        r = d.loc[p]
        print(
            f"  {p:<15} {r.share_a:6.1%} -> {r.share_b:6.1%}  change {r['diff']:+.2%} "
            f"[{r.diff_lower:+.2%}, {r.diff_upper:+.2%}]"
        )

    # 4. cost and usage on the API
    api_first = ds.sel(period=first)
    print(f"== Cost and usage on the API (true task-level slope {truth['cost_usage_slope']})")
    for est in (
        CostUsage(over="task"),
        CostUsage(over="task", weights="usage"),
        CostUsage(over="soc_major", weights="usage"),
    ):
        fit = est.fit(api_first, platform="api")
        over, weights = est.over, est.weights
        lo, hi = fit.ci()
        print(
            f"  {over:<9} weights={weights!s:<5}  slope {fit.slope:+.3f} (se {fit.se:.3f}, "
            f"95% CI [{lo:+.3f}, {hi:+.3f}], N = {fit.nobs}, dropped {len(fit.dropped)})"
        )

    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(13, 5))
        soc.plot(ax=axes[0], top=10)
        CostUsage(over="task", weights=None).fit(api_first).plot(ax=axes[1])
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"figure written to {args.plot}")


if __name__ == "__main__":
    main()
