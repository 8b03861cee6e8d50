"""Sections of the report on the embedded real data (AEI release of September 2025, Aug 2025 window)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex._report_render import Section
from econindex.report._context import (
    Context,
    HeadlineRow,
    fig,
    interval_text,
    mark_geos,
    pair,
    share_table,
    significance,
)

__all__ = [
    "usage_index_section",
    "elasticity_section",
    "automation_section",
    "convergence_section",
    "robustness_section",
    "bayes_section",
    "simulated_section",
]


def usage_index_section(ctx: Context, countries: xr.Dataset, states: xr.Dataset) -> Section:
    """AUI of countries and states, recomputed from counts with the release's reference totals."""
    import econindex as ei
    from econindex.datasets import COUNTRY_REFERENCE_RATIO_2025_08, STATE_REFERENCE_RATIO_2025_08
    from econindex.plots._maps import plot_ranked_bar, plot_state_tile_map

    aui_c = ei.usage_index(
        countries,
        level="country",
        reference={"usage_count": COUNTRY_REFERENCE_RATIO_2025_08, "working_age_pop": 1.0},
    )
    aui_s = ei.usage_index(
        states,
        level="state_us",
        reference={"usage_count": STATE_REFERENCE_RATIO_2025_08, "working_age_pop": 1.0},
    )
    sc = aui_c.to_series().dropna().sort_values(ascending=False)
    ss = aui_s.to_series().dropna().sort_values(ascending=False)

    def top_bottom(s: pd.Series, ds: xr.Dataset, n: int = 5) -> pd.DataFrame:
        names = ds["geo_name"].to_series().to_dict()
        counts = ds["usage_count"].to_series().to_dict()
        rows = [("top", g, names[g], counts[g], v) for g, v in s.head(n).items()]
        rows += [("bottom", g, names[g], counts[g], v) for g, v in s.tail(n).items()]
        return pd.DataFrame(rows, columns=["end", "geo", "name", "conversations", "usage_index"])

    ctx.headline["aui_top_country"] = str(sc.index[0])
    ctx.headline["aui_top_country_value"] = float(sc.iloc[0])
    ctx.headline["aui_top_state"] = str(ss.index[0])
    ctx.headline["aui_top_state_value"] = float(ss.iloc[0])
    sec = Section(
        "usage_index",
        "AI Usage Index",
        lead="Where Claude.ai is used more, or less, than working-age population alone predicts (Aug 2025).",
    )
    sec.paragraphs.append(
        "The AI Usage Index (AUI) of a place is its share of conversations divided by its share of the "
        "working-age population; above 1 means more use than its population alone predicts. Indices are "
        "recomputed from counts with the release's reference totals, and equal the published column to 1e-6."
    )
    sec.add_table(
        "aui_countries_top_bottom",
        top_bottom(sc, countries),
        f"The 5 highest and 5 lowest AUI among the {len(sc)} countries with at least 200 conversations.",
    )
    sec.add_table(
        "aui_states_top_bottom",
        top_bottom(ss, states),
        f"The 5 highest and 5 lowest AUI among the {len(ss)} US states and DC.",
    )
    sec.add_table(
        "aui_countries",
        pd.DataFrame({"geo": sc.index, "usage_index": sc.to_numpy()}),
        "AUI of every country (ranked)",
        show=False,
    )
    sec.figures.append(
        fig(
            lambda: plot_ranked_bar(aui_c, top=20, label="AUI"),
            "aui_countries",
            f"AUI of the 20 highest and 20 lowest of {len(sc)} countries (dashed line: parity, AUI = 1)",
        )
    )
    sec.figures.append(
        fig(
            lambda: plot_state_tile_map(aui_s, label="AUI"),
            "aui_states_map",
            f"AUI of the {len(ss)} US states and DC, tile-grid map",
        )
    )
    return sec


def _without(ds: xr.Dataset, dropped: list[str]) -> str:
    if not dropped:
        return "flagged traffic removed"
    names = ds["geo_name"].to_series().to_dict() if "geo_name" in ds.coords else {}
    return "without " + ", ".join(str(names.get(g, g)) for g in dropped)


def _elasticity_points(res: Any, geos: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    names = list(res.geos)
    x, y = np.asarray(res.x, float), np.asarray(res.y, float)
    return {g: (float(x[names.index(g)]), float(y[names.index(g)])) for g in geos if g in names}


def elasticity_section(
    ctx: Context, countries: xr.Dataset, states: xr.Dataset, states_clean: xr.Dataset
) -> Section:
    """Income elasticities: OLS (HC1, wild bootstrap) and PPML across countries, OLS across states."""
    import econindex as ei

    seed = ctx.config.seed
    ols_c = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    wild = ei.IncomeElasticity(cov_type="HC1", bootstrap="wild", n_boot=2000, seed=seed).fit(
        countries, level="country"
    )
    ppml_c = ei.IncomeElasticity(cov_type="HC1", method="ppml").fit(countries, level="country")
    ols_s = ei.IncomeElasticity(cov_type="HC1").fit(states, level="state_us")
    ols_s_clean = ei.IncomeElasticity(cov_type="HC1").fit(states_clean, level="state_us")
    wild_ci = pair(wild.ci(0.95))
    ctx.headline["elasticity_country_wild_ci"] = list(wild_ci)
    dropped = sorted(set(ols_s.geos) - set(ols_s_clean.geos))
    without = _without(states, dropped)
    specs = [
        ("elasticity_country", "Country income elasticity (OLS)", ols_c, "about 0.7 (0.6895 in the data)"),
        ("elasticity_country_ppml", "Country income elasticity (PPML)", ppml_c, "not published"),
        ("elasticity_state", "US-state income elasticity (OLS)", ols_s, "about 1.8"),
        (
            "elasticity_state_no_utah",
            f"US-state income elasticity (OLS), {without}",
            ols_s_clean,
            "not published",
        ),
    ]
    for key, label, res, published in specs:
        ci = pair(res.ci(0.95))
        ctx.add(
            HeadlineRow(
                key,
                label,
                float(res.slope),
                res.cov_label,
                ci,
                int(res.nobs),
                published,
                p_value=float(res.pvalue),
                note=significance(float(res.pvalue), ci),
            )
        )
        if key == "elasticity_country":
            ctx.add(
                HeadlineRow(
                    "elasticity_country_wild",
                    "Country income elasticity, wild bootstrap-t interval",
                    float(res.slope),
                    "wild bootstrap-t (HC1, 2,000 draws)",
                    wild_ci,
                    int(res.nobs),
                    "not published",
                    note="same estimate; bootstrap interval",
                )
            )
    ctx.headline["elasticity_country_rsquared"] = float(ols_c.rsquared)
    sec = Section(
        "elasticity",
        "Income elasticities",
        lead="How much more places with higher income use Claude, per 1% of GDP per working-age person.",
    )
    lo, hi = ols_c.ci(0.95)
    sec.paragraphs.append(
        f"Across {ols_c.nobs} countries, 1% higher GDP per working-age capita goes with "
        f"{ols_c.slope:.4f}% higher AUI (OLS, HC1 95% CI {interval_text((lo, hi))}, R² {ols_c.rsquared:.3f}; "
        f"wild bootstrap-t 95% CI {interval_text(wild_ci)}; the published report: about 0.7). "
        f"Across {ols_s.nobs} US states and DC the elasticity is {ols_s.slope:.3f} (published: about 1.8) "
        f"with a lower R² ({ols_s.rsquared:.3f}); {without} it is {ols_s_clean.slope:.3f}. PPML (Poisson "
        f"pseudo-maximum likelihood on the counts, which weights large countries more) gives "
        f"{ppml_c.slope:.3f} across countries."
    )
    tables = []
    for name, res in zip(
        ["countries_ols", "countries_ppml", "states_ols", "states_ols_no_utah"],
        [ols_c, ppml_c, ols_s, ols_s_clean],
        strict=True,
    ):
        lo_, hi_ = res.ci(0.95)
        tables.append(
            {
                "model": name,
                "slope": res.slope,
                "std_error": res.se,
                "se_type": res.cov_label,
                "ci_lower": lo_,
                "ci_upper": hi_,
                "p_value": res.pvalue,
                "nobs": res.nobs,
                "rsquared": getattr(res, "rsquared", np.nan),
            }
        )
    sec.add_table(
        "elasticities",
        pd.DataFrame(tables),
        f"Income elasticities: {ols_c.nobs} countries, {ols_s.nobs} US states and DC, and "
        f"{ols_s_clean.nobs} states {without}.",
    )
    sec.add_table(
        "elasticities_coefficients",
        pd.concat(
            [
                r.to_frame().assign(model=n)
                for n, r in zip(
                    ["countries_ols", "countries_ppml", "states_ols", "states_ols_no_utah"],
                    [ols_c, ppml_c, ols_s, ols_s_clean],
                    strict=True,
                )
            ],
            ignore_index=True,
        ),
        "Every coefficient of the four fits",
        show=False,
    )
    sec.figures.append(
        fig(
            lambda: ols_c.plot(),
            "elasticity_countries",
            f"ln AUI against ln GDP per working-age capita, {ols_c.nobs} countries, OLS fit and 95% band",
        )
    )

    def state_plot() -> Any:
        ax = ols_s.plot()
        return mark_geos(ax, _elasticity_points(ols_s, ("UT", "DC")), "Utah and DC")

    sec.figures.append(
        fig(
            state_plot,
            "elasticity_states",
            f"ln AUI against ln GDP per working-age capita, {ols_s.nobs} US states and DC; Utah (abusive "
            "traffic in Aug 2025) and DC (highest AUI and income) ringed",
        )
    )
    return sec


def _automation_points(res: Any, geos: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    t = res.table
    return {
        g: (float(t.loc[g, "resid_usage"]), float(t.loc[g, "resid_automation"])) for g in geos if g in t.index
    }


def automation_section(
    ctx: Context, auto_countries: xr.Dataset, states: xr.Dataset, states_clean: xr.Dataset
) -> Section:
    """Task-mix controlled automation slopes across countries and states (with and without Utah)."""
    import matplotlib.pyplot as plt

    import econindex as ei

    est = ei.TaskMixAutomation(cov_type="HC1")
    res = est.fit(auto_countries, level="country")
    res_s = est.fit(states, level="state_us")
    res_s_clean = est.fit(states_clean, level="state_us")
    lo, hi = res.ci()
    dropped = sorted(set(res_s.table.index) - set(res_s_clean.table.index))
    without = _without(states, dropped)
    for key, label, r, published in (
        (
            "automation_slope",
            "Automation slope, countries (points per unit AUI)",
            res,
            "-3.112 (N = 111, partial R² 0.394)",
        ),
        (
            "automation_slope_states",
            "Automation slope, US states (points per unit AUI)",
            res_s,
            "not published",
        ),
        (
            "automation_slope_states_no_utah",
            f"Automation slope, US states {without}",
            res_s_clean,
            "not published",
        ),
    ):
        ci = pair(r.ci())
        ctx.add(
            HeadlineRow(
                key,
                label,
                float(r.slope),
                r.cov_label,
                ci,
                int(r.nobs),
                published,
                p_value=float(r.pvalue),
                note=significance(float(r.pvalue), ci),
            )
        )
    ctx.headline.update(
        automation_partial_rsquared=float(res.partial_rsquared),
        automation_nobs=int(res.nobs),
        automation_ci=[float(lo), float(hi)],
    )
    sec = Section(
        "automation",
        "Task-mix controlled automation",
        lead="Whether places that use Claude more automate more, once what they use it for is held fixed.",
    )
    s_ci = res_s.ci()
    c_ci = res_s_clean.ci()
    sec.paragraphs.append(
        f"Holding each country's task mix fixed (expected automation from its tasks), one more unit of the "
        f"usage index goes with {res.slope:.3f} percentage points of automation (N = {res.nobs}, partial R² "
        f"{res.partial_rsquared:.3f}, HC1 95% CI {interval_text((lo, hi))}, "
        f"{significance(float(res.pvalue), (lo, hi))}; the published report: -3.112, 0.394, 111). The "
        f"robust interval is {res.width_ratio:.2f} times as wide as the naive residual-on-residual one."
    )
    sec.paragraphs.append(
        f"Across {res_s.nobs} US states (those with task and pattern data) the slope is {res_s.slope:+.3f} "
        f"(95% CI {interval_text(s_ci)}) with Utah's August 2025 traffic in the sample: "
        f"{significance(float(res_s.pvalue), s_ci)}. {without[0].upper() + without[1:]} it is "
        f"{res_s_clean.slope:+.3f} (95% CI {interval_text(c_ci)}, N = {res_s_clean.nobs}), "
        f"{significance(float(res_s_clean.pvalue), c_ci)}."
    )
    rows = []
    for name, r in zip(["countries", "states", "states_no_utah"], [res, res_s, res_s_clean], strict=True):
        lo_, hi_ = r.ci()
        rows.append(
            {
                "sample": name,
                "slope": r.slope,
                "std_error": r.se,
                "se_type": r.cov_label,
                "ci_lower": lo_,
                "ci_upper": hi_,
                "p_value": r.pvalue,
                "partial_rsquared": r.partial_rsquared,
                "nobs": r.nobs,
            }
        )
    sec.add_table(
        "automation",
        pd.DataFrame(rows),
        f"Automation slopes: {res.nobs} countries with at least 200 conversations, {res_s.nobs} US "
        f"states, and {res_s_clean.nobs} states {without}.",
    )
    sec.figures.append(
        fig(
            lambda: res.plot(),
            "automation_partial",
            f"Partial regression across {res.nobs} countries: automation against usage index, "
            "task mix held fixed",
        )
    )

    def states_plot() -> Any:
        fig_, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
        res_s.plot(ax=axes[0])
        mark_geos(axes[0], _automation_points(res_s, ("UT", "DC")), "Utah and DC")
        axes[0].set_title(f"{res_s.nobs} states, Utah included")
        res_s_clean.plot(ax=axes[1])
        mark_geos(axes[1], _automation_points(res_s_clean, ("DC",)), "DC")
        axes[1].set_title(f"{res_s_clean.nobs} states, {without}")
        return fig_

    sec.figures.append(
        fig(
            states_plot,
            "automation_partial_states",
            "Partial regression across US states, with Utah (left) and without it (right); "
            "Utah and DC ringed",
        )
    )
    return sec


def convergence_section(ctx: Context, panel: xr.Dataset) -> Section:
    """Beta convergence of the state indices between the panel's windows."""
    import econindex as ei

    rows = []
    results = {}
    periods = [str(p) for p in panel["period"].values]
    windows = list(itertools.pairwise(periods))
    if len(periods) > 2:
        windows.append((periods[1], periods[-1]))
    for start, end in windows:
        for weights in (None, "working_age_pop"):
            for drop_wy in (False, True):
                r = ei.convergence(
                    panel,
                    level="state_us",
                    start=start,
                    end=end,
                    weights=weights,
                    exclude=["WY"] if drop_wy else None,
                )
                results[(start, end, weights, drop_wy)] = r
                lo, hi = r.ci()
                rows.append(
                    {
                        "start": start,
                        "end": end,
                        "weights": weights or "none",
                        "without_wyoming": drop_wy,
                        "beta": r.beta,
                        "std_error": r.se,
                        "ci_lower": lo,
                        "ci_upper": hi,
                        "half_life_quarters": r.half_life_quarters,
                        "nobs": r.nobs,
                    }
                )
    table = pd.DataFrame(rows)
    first = results[(windows[0][0], windows[0][1], None, False)]
    first_w = results[(windows[0][0], windows[0][1], "working_age_pop", False)]
    ci = pair(first.ci())
    long_key = (periods[1], periods[-1], None, False)
    long_ = results.get(long_key)
    long_w = results.get((periods[1], periods[-1], "working_age_pop", False))
    why = (
        "not reproduced with the four-release panel: the published report does not say which windows it "
        f"used; Aug→Nov 2025 gives {first.beta:.3f} (OLS) and {first_w.beta:.3f} (weighted)"
    )
    if long_ is not None and long_w is not None:
        why += (
            f"; the pair of windows closest to the published figures, {periods[1]} → {periods[-1]}, gives "
            f"{long_.beta:.3f} (OLS) and {long_w.beta:.3f} (weighted)"
        )
    ctx.add(
        HeadlineRow(
            "convergence_beta_first",
            f"Convergence beta, states {windows[0][0]} → {windows[0][1]} (OLS)",
            float(first.beta),
            first.cov_type,
            ci,
            int(first.nobs),
            "about 0.77 (OLS), 0.76 (weighted)",
            p_value=None,
            note=why,
        )
    )
    sec = Section(
        "convergence",
        "Convergence across releases (US states)",
        lead="Whether states with low usage catch up with high-usage states between releases.",
    )
    sec.paragraphs.append(
        "ln AUI at the end of each window regressed on ln AUI at its start (HC1 errors), OLS and "
        "working-age-population weighted, with and without Wyoming (whose November 2025 spike the later "
        "reports name as abusive). A beta below 1 means the states' indices converge."
    )
    sec.paragraphs.append(f'Against the published "about 0.77": {why}.')
    sec.add_table(
        "convergence",
        table,
        f"Convergence beta between pairs of the panel's windows ({first.nobs} US states and DC observed in "
        "both windows of the first pair).",
    )
    sec.figures.append(
        fig(
            first.plot,
            "convergence",
            f"ln AUI {windows[0][1]} against {windows[0][0]}, {first.nobs} US states and DC "
            "(Wyoming included)",
        )
    )
    return sec


def robustness_section(ctx: Context, countries: xr.Dataset, states: xr.Dataset) -> Section:
    """Flag sensitivity, influence and the specification curve (distinct specifications)."""
    import econindex as ei
    from econindex import robustness as rb

    sens = rb.flag_sensitivity(ei.TaskMixAutomation(cov_type="HC1"), states, level="state_us")
    sens_el = rb.flag_sensitivity(ei.IncomeElasticity(cov_type="HC1"), states, level="state_us")
    res = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    infl = rb.influence(res)
    top = rb.most_influential(infl, 5)
    curve = rb.specification_curve(countries, level="country")
    stats = curve.distinct_summary()
    distinct = curve.distinct_curve()
    n_distinct = int(stats["n_distinct"])
    inert = stats["inert_choices"]
    share = float(stats["share_same_sign_and_significance"])
    ctx.headline["spec_curve_n"] = int(stats["n_specs"])
    ctx.headline["spec_curve_n_distinct"] = n_distinct
    ctx.headline["spec_curve_inert_choices"] = inert
    ctx.headline["spec_curve_share_as_baseline"] = share
    sec = Section(
        "robustness",
        "Robustness",
        lead="How far the headline estimates move under flagged traffic, single influential places and other "
        "defensible analysis choices.",
    )
    sec.paragraphs.append(
        "Flag sensitivity refits each estimator with all traffic, without the flagged traffic and without "
        "each flagged geo (Utah in August 2025). Influence diagnostics are closed form."
    )
    dropped = (
        f" The switches {', '.join(inert)} change nothing on these data (the embedded country table "
        "has no flagged traffic and no excluded country), so they are dropped."
        if inert
        else ""
    )
    sec.paragraphs.append(
        f"The specification curve re-estimates the country elasticity over {stats['n_specs']} "
        f"combinations of analyst choices, which give {n_distinct} distinct (estimate, SE) pairs.{dropped} "
        f"{share:.0%} of the distinct specifications have the baseline's sign and significance (positive, "
        "significant at 5%)."
    )
    sec.preformatted.append(curve.summary())
    sec.add_table(
        "flag_sensitivity_automation_states",
        sens,
        f"Automation slope across US states with and without the flagged geos ({len(sens)} fits).",
    )
    sec.add_table(
        "flag_sensitivity_elasticity_states",
        sens_el,
        f"Income elasticity across US states with and without the flagged geos ({len(sens_el)} fits).",
    )
    sec.add_table(
        "most_influential_countries",
        top.reset_index(),
        f"The 5 countries (of {res.nobs}) with the largest Cook's distance on the country elasticity.",
    )
    sec.add_table(
        "specification_curve",
        curve.to_frame(),
        "Every combination of choices of the country elasticity",
        show=False,
    )
    sec.add_table(
        "specification_curve_distinct",
        distinct.to_frame(),
        f"The {n_distinct} distinct specifications of the country elasticity over {res.nobs} countries "
        "(n_specs: combinations giving the same estimate)",
        show=False,
    )
    sec.figures.append(
        fig(
            lambda: distinct.plot(),
            "specification_curve",
            f"Specification curve of the country income elasticity: {n_distinct} distinct "
            f"specifications of {stats['n_specs']}, sorted by estimate, with the choices of each below",
        )
    )
    return sec


def bayes_section(ctx: Context, states: xr.Dataset) -> Section:
    """The Bayesian hierarchical state usage model, with its diagnostics beside the estimate."""
    from econindex import bayes

    seed = ctx.config.seed
    model = bayes.StateUsageModel()
    # 4 x 1000, the bars of docs/bayes.md: after the one compile, sampling costs about 2 s more than 2 x 500
    # did, and 2 x 500 failed R-hat (1.012) on the embedded states
    post = model.fit(states, draws=1000, tune=1000, chains=4, seed=seed)
    lo, hi = post.elasticity_interval(0.95)
    lo90, hi90 = post.elasticity_interval(0.9)
    diag = post.diagnostics  # the bayes result's protocol: table, converged, one-line text
    converged = bool(post.converged)
    diag_text = str(post.diagnostics_text)
    rhat = float(post.rhat_max)
    ess = float(post.ess_bulk_min)
    ess_tail = float(post.ess_tail_min)
    flag = "" if converged else diag_text
    sd = float(post.posterior["b"].std())
    ctx.add(
        HeadlineRow(
            "bayes_state_elasticity",
            "Bayesian US-state income elasticity (posterior mean)",
            float(post.elasticity),
            f"posterior sd {sd:.3f}",
            (lo, hi),
            int(states.sizes["geo"]),
            "not published",
            note=f"R-hat {rhat:.3f}, bulk ESS {ess:.0f}, tail ESS {ess_tail:.0f}",
            diagnostics=flag,
            interval="95% posterior",
        )
    )
    ctx.headline.update(
        bayes_state_elasticity_90=[float(lo90), float(hi90)],
        bayes_state_elasticity_rhat=rhat,
        bayes_state_elasticity_ess_bulk=ess,
        bayes_state_elasticity_ess_tail=ess_tail,
        bayes_state_elasticity_converged=converged,
    )
    sec = Section(
        "bayes",
        "Bayesian hierarchical model of US-state usage",
        lead="The state income elasticity with states partially pooled within Census divisions and regions.",
    )
    if flag:
        sec.warnings.append(flag)
    sec.paragraphs.append(
        f"Conversations of each state ~ NegativeBinomial(working-age population x exp(a + b ln GDP per "
        f"capita + division + state effects)), with divisions pooled within Census regions. Posterior mean "
        f"of the state income elasticity b: {post.elasticity:.3f} (95% interval {interval_text((lo, hi))}; "
        f"90% {interval_text((lo90, hi90))}); R-hat {rhat:.3f}, bulk ESS {ess:.0f}; "
        f"{'diagnostics passed' if converged else 'diagnostics failed'} (4 chains x 1000 draws after 1000 "
        "tuning steps)."
    )
    sec.add_table(
        "bayes_diagnostics",
        diag.reset_index(),
        "MCMC diagnostics of the state usage model over its free parameters (pass/fail per check).",
    )
    sec.figures.append(
        fig(
            post.plot_forest,
            "bayes_forest",
            "Posterior means and 90% intervals of the model's global parameters (intercept, "
            "elasticity b, dispersion and the group-effect scales)",
        )
    )
    return sec


def simulated_section(ctx: Context) -> Section:
    """A simulated release: estimates next to the truth, platforms and the cost-usage slope."""
    import econindex as ei

    sim = ei.simulate(seed=ctx.config.seed, platforms=("claude_ai", "api"))
    truth = json.loads(sim.attrs["truth"])
    claude = sim.sel(platform="claude_ai", drop=True)
    clean = ei.robustness.exclude_flagged(claude)
    el_c = ei.IncomeElasticity(cov_type="HC1").fit(clean, level="country")
    el_s_all = ei.IncomeElasticity(cov_type="HC1").fit(claude, level="state_us")
    el_s = ei.IncomeElasticity(cov_type="HC1").fit(clean, level="state_us")
    auto = ei.TaskMixAutomation(cov_type="HC1").fit(clean, level="country")
    shares = ei.automation_share(clean, base="all")
    glob = float(shares.sel(geo="GLOBAL")) if "GLOBAL" in shares["geo"].values else float("nan")
    rows = [
        ("country elasticity", truth.get("country_elasticity"), el_c.slope, *el_c.ci(0.95)),
        (
            "state elasticity (flagged traffic removed)",
            truth.get("state_elasticity"),
            el_s.slope,
            *el_s.ci(0.95),
        ),
        ("state elasticity (all traffic)", truth.get("state_elasticity"), el_s_all.slope, *el_s_all.ci(0.95)),
        (
            "automation slope (points per unit index)",
            100 * float(truth.get("automation_slope", np.nan)),
            auto.slope,
            *auto.ci(),
        ),
    ]
    table = pd.DataFrame(rows, columns=["parameter", "truth", "estimate", "ci_lower", "ci_upper"])
    table["truth_in_interval"] = (table["ci_lower"] <= table["truth"]) & (table["truth"] <= table["ci_upper"])
    sec = Section(
        "simulated",
        "Simulated release: estimates next to the truth",
        lead="The estimators on a synthetic release whose true parameters are known.",
        simulated=True,
    )
    sec.paragraphs.append(
        f"A synthetic release from econindex.simulate(seed={ctx.config.seed}) with an injected abusive "
        "state; "
        f"the global automation share (all conversations) is {glob:.3f}."
    )
    sec.add_table(
        "simulated_truth_vs_estimates",
        table,
        f"True parameters and estimates (95% intervals) on the simulated release: "
        f"{el_c.nobs} countries, {el_s.nobs} states.",
    )
    if "platform" in sim.dims:
        comp = ei.compare_shares(sim, dim="platform", over="soc_major", exclude=("none", "not_classified"))
        cost = ei.CostUsage(cov_type="HC1", over="task").fit(sim, platform="api")
        ctx.headline["cost_usage_slope"] = float(cost.slope)
        sec.add_table(
            "platform_shares_soc_major",
            share_table(comp),
            "Shares of conversations by SOC major group, Claude.ai against the API (simulated release).",
        )
        sec.add_table(
            "cost_usage",
            pd.DataFrame(
                [
                    {
                        "term": "ln cost_index",
                        "truth": truth.get("cost_usage_slope"),
                        "estimate": cost.slope,
                        "std_error": cost.se,
                        "ci_lower": cost.ci(0.95)[0],
                        "ci_upper": cost.ci(0.95)[1],
                    }
                ]
            ),
            "Cost-usage slope across API tasks (simulated release), HC1.",
        )
    return sec
