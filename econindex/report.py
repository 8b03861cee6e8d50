"""``econindex report``: the whole analysis on the embedded data or a user's release.

The report is a list of sections (:class:`econindex._report_render.Section`),
each computed by one function below from the library's public estimators;
rendering to HTML or Markdown lives in :mod:`econindex._report_render`. Every
table is also written as CSV next to the page, and the headline numbers are
written to ``headline.json`` so that tests and scripts can check the page
against the library.

Examples
--------
>>> cfg = ReportConfig(out=Path("r"), bayes=False)
>>> cfg.format, cfg.bayes
('html', False)
"""

from __future__ import annotations

import json
import platform as _platform
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex._report_render import Figure, Progress, Section, figure_to_png, render_html, render_markdown
from econindex.errors import EconIndexError

__all__ = ["ReportConfig", "run_report", "build_sections"]


@dataclass(frozen=True)
class ReportConfig:
    """Options of ``econindex report`` (see ``econindex report --help``)."""

    data: Path | None = None
    out: Path = Path("econindex-report")
    format: str = "html"
    level: str | None = None
    bayes: bool = True
    exclude_flagged: bool = False
    seed: int = 0
    quiet: bool = False
    argv: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Context:
    config: ReportConfig
    progress: Progress
    headline: dict[str, Any] = field(default_factory=dict)
    ingest: dict[str, Any] = field(default_factory=dict)


def _fig(make: Callable[[], Any], name: str, caption: str) -> Figure:
    return figure_to_png(make(), name, caption)


def _ci_text(lo: float, hi: float) -> str:
    return f"[{lo:.3f}, {hi:.3f}]"


# --- sections on the embedded real data ---------------------------------------------------


def _section_usage_index(ctx: _Context, countries: xr.Dataset, states: xr.Dataset) -> Section:
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
    names_c = countries["geo_name"].to_series()
    names_s = states["geo_name"].to_series()

    def top_bottom(s: pd.Series, names: pd.Series, n: int = 5) -> pd.DataFrame:
        lookup = names.to_dict()
        rows = [("top", g, lookup[g], v) for g, v in s.head(n).items()]
        rows += [("bottom", g, lookup[g], v) for g, v in s.tail(n).items()]
        return pd.DataFrame(rows, columns=["end", "geo", "name", "usage_index"])

    ctx.headline["aui_top_country"] = str(sc.index[0])
    ctx.headline["aui_top_country_value"] = float(sc.iloc[0])
    ctx.headline["aui_top_state"] = str(ss.index[0])
    ctx.headline["aui_top_state_value"] = float(ss.iloc[0])
    sec = Section("usage_index", "AI Usage Index")
    sec.paragraphs.append(
        "The AI Usage Index (AUI) of a place is its share of conversations divided by its share of the "
        "working-age population; above 1 means more use than its population alone predicts. Indices are "
        "recomputed from counts with the release's reference totals, and equal the published column to 1e-6."
    )
    sec.tables["aui_countries_top_bottom"] = top_bottom(sc, names_c)
    sec.tables["aui_states_top_bottom"] = top_bottom(ss, names_s)
    sec.figures.append(
        _fig(
            lambda: plot_ranked_bar(aui_c, top=20, label="AUI"),
            "aui_countries",
            "AUI by country, 20 highest and 20 lowest (dashed line: parity)",
        )
    )
    sec.figures.append(
        _fig(
            lambda: plot_state_tile_map(aui_s, label="AUI"),
            "aui_states_map",
            "AUI of US states, tile-grid map",
        )
    )
    return sec


def _section_elasticity(
    ctx: _Context, countries: xr.Dataset, states: xr.Dataset, states_clean: xr.Dataset
) -> Section:
    import econindex as ei

    seed = ctx.config.seed
    ols_c = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    wild = ei.IncomeElasticity(cov_type="HC1", bootstrap="wild", n_boot=2000, seed=seed).fit(
        countries, level="country"
    )
    ctx.headline["elasticity_country_wild_ci"] = [float(v) for v in wild.ci(0.95)]
    ppml_c = ei.IncomeElasticity(cov_type="HC1", method="ppml").fit(countries, level="country")
    ols_s = ei.IncomeElasticity(cov_type="HC1").fit(states, level="state_us")
    ols_s_clean = ei.IncomeElasticity(cov_type="HC1").fit(states_clean, level="state_us")
    table = ei.compare(
        [ols_c, ppml_c, ols_s, ols_s_clean],
        names=["Countries OLS", "Countries PPML", "States OLS", "States OLS, no Utah"],
    )
    for key, res in (
        ("country", ols_c),
        ("country_ppml", ppml_c),
        ("state", ols_s),
        ("state_no_utah", ols_s_clean),
    ):
        lo, hi = res.ci(0.95)
        ctx.headline[f"elasticity_{key}"] = float(res.slope)
        ctx.headline[f"elasticity_{key}_ci"] = [float(lo), float(hi)]
        ctx.headline[f"elasticity_{key}_nobs"] = int(res.nobs)
    ctx.headline["elasticity_country_rsquared"] = float(ols_c.rsquared)
    sec = Section("elasticity", "Income elasticities")
    lo, hi = ols_c.ci(0.95)
    sec.paragraphs.append(
        f"Across {ols_c.nobs} countries, 1% higher GDP per working-age capita goes with "
        f"{ols_c.slope:.4f}% higher AUI (OLS, HC1 95% CI {_ci_text(lo, hi)}, R² {ols_c.rsquared:.3f}; "
        f"wild bootstrap-t 95% CI {_ci_text(*wild.ci(0.95))}; the report: about 0.7). "
        f"Across {ols_s.nobs} US states the elasticity is {ols_s.slope:.3f} (report: about 1.8) "
        f"with a lower R² ({ols_s.rsquared:.3f}). PPML (Poisson pseudo-maximum "
        f"likelihood on the counts) gives {ppml_c.slope:.3f} across countries."
    )
    sec.blocks.append((table.to_html(), table.to_markdown()))
    sec.tables["elasticities"] = pd.concat(
        [
            r.to_frame().assign(model=n)
            for n, r in zip(
                ["countries_ols", "countries_ppml", "states_ols", "states_ols_no_utah"],
                [ols_c, ppml_c, ols_s, ols_s_clean],
                strict=True,
            )
        ],
        ignore_index=True,
    )
    sec.figures.append(
        _fig(
            lambda: ols_c.plot(),
            "elasticity_countries",
            "ln AUI against ln GDP per working-age capita, countries, OLS fit and 95% band",
        )
    )
    sec.figures.append(
        _fig(
            lambda: ols_s.plot(),
            "elasticity_states",
            "ln AUI against ln GDP per working-age capita, US states",
        )
    )
    return sec


def _section_automation(
    ctx: _Context, auto_countries: xr.Dataset, states: xr.Dataset, states_clean: xr.Dataset
) -> Section:
    import econindex as ei

    est = ei.TaskMixAutomation(cov_type="HC1")
    res = est.fit(auto_countries, level="country")
    res_s = est.fit(states, level="state_us")
    res_s_clean = est.fit(states_clean, level="state_us")
    lo, hi = res.ci()
    ctx.headline.update(
        automation_slope=float(res.slope),
        automation_partial_rsquared=float(res.partial_rsquared),
        automation_nobs=int(res.nobs),
        automation_ci=[float(lo), float(hi)],
        automation_slope_states=float(res_s.slope),
        automation_slope_states_no_utah=float(res_s_clean.slope),
    )
    sec = Section("automation", "Task-mix controlled automation")
    sec.paragraphs.append(
        f"Holding each country's task mix fixed (expected automation from its tasks), one more unit of the "
        f"usage index goes with {res.slope:.3f} percentage points of automation (N = {res.nobs}, partial R² "
        f"{res.partial_rsquared:.3f}, HC1 95% CI {_ci_text(lo, hi)}; the report: -3.112, 0.394, 111). The "
        f"robust interval is {res.width_ratio:.2f} times as wide as the naive residual-on-residual one. "
        f"Across US states the slope is {res_s.slope:.3f} with Utah and {res_s_clean.slope:.3f} without "
        f"Utah's abusive traffic (N = {res_s.nobs} and {res_s_clean.nobs})."
    )
    sec.tables["automation"] = pd.concat(
        [
            r.to_frame().assign(model=n)
            for n, r in zip(["countries", "states", "states_no_utah"], [res, res_s, res_s_clean], strict=True)
        ],
        ignore_index=True,
    )
    sec.figures.append(
        _fig(
            lambda: res.plot(),
            "automation_partial",
            "Partial regression: automation against usage index, task mix held fixed",
        )
    )
    sec.figures.append(
        _fig(
            lambda: res_s.plot(),
            "automation_partial_states",
            "Partial regression across US states (Utah included)",
        )
    )
    return sec


def _section_convergence(ctx: _Context, panel: xr.Dataset) -> Section:
    import econindex as ei

    rows = []
    results = {}
    for start, end in (
        ("2025-08-04", "2025-11-13"),
        ("2025-11-13", "2026-02-05"),
        ("2026-02-05", "2026-04-01"),
    ):
        for weights in (None, "working_age_pop"):
            for drop_wy in (False, True):
                exclude = ["WY"] if drop_wy else None
                r = ei.convergence(
                    panel, level="state_us", start=start, end=end, weights=weights, exclude=exclude
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
    ctx.headline["convergence_beta_first"] = float(table.iloc[0]["beta"])
    sec = Section("convergence", "Convergence across releases (US states)")
    sec.paragraphs.append(
        "ln AUI at the end of each window regressed on ln AUI at its start (HC1 errors), OLS and "
        "working-age-population weighted, with and without Wyoming (whose November 2025 spike the later "
        "reports name as abusive). A beta below 1 means the states' indices converge."
    )
    sec.tables["convergence"] = table
    first = results[("2025-08-04", "2025-11-13", None, False)]
    sec.figures.append(_fig(first.plot, "convergence", "ln AUI Nov 2025 against Aug 2025, US states"))
    return sec


def _section_robustness(ctx: _Context, countries: xr.Dataset, states: xr.Dataset) -> Section:
    import econindex as ei
    from econindex import robustness as rb

    sens = rb.flag_sensitivity(ei.TaskMixAutomation(cov_type="HC1"), states, level="state_us")
    sens_el = rb.flag_sensitivity(ei.IncomeElasticity(cov_type="HC1"), states, level="state_us")
    res = ei.IncomeElasticity(cov_type="HC1").fit(countries, level="country")
    infl = rb.influence(res)
    top = rb.most_influential(infl, 5)
    curve = rb.specification_curve(countries, level="country")
    spec_table = curve.to_frame()
    ctx.headline["spec_curve_n"] = len(spec_table)
    sec = Section("robustness", "Robustness")
    sec.paragraphs.append(
        "Flag sensitivity refits each estimator with all traffic, without the flagged traffic and without "
        "each flagged geo (Utah in August 2025). Influence diagnostics are closed form; the specification "
        f"curve re-estimates the country elasticity over {len(spec_table)} combinations of analyst choices."
    )
    sec.tables["flag_sensitivity_automation_states"] = sens
    sec.tables["flag_sensitivity_elasticity_states"] = sens_el
    sec.tables["most_influential_countries"] = top.reset_index()
    sec.tables["specification_curve"] = spec_table
    sec.figures.append(
        _fig(
            lambda: curve.plot(),
            "specification_curve",
            "Specification curve of the country income elasticity",
        )
    )
    return sec


def _section_bayes(ctx: _Context, states: xr.Dataset) -> Section:
    from econindex import bayes

    seed = ctx.config.seed
    model = bayes.StateUsageModel()
    post = model.fit(states, draws=500, tune=500, chains=2, seed=seed)
    lo, hi = post.elasticity_interval(0.9)
    ctx.headline["bayes_state_elasticity"] = float(post.elasticity)
    ctx.headline["bayes_state_elasticity_90"] = [float(lo), float(hi)]
    sec = Section("bayes", "Bayesian hierarchical model of US-state usage")
    sec.paragraphs.append(
        f"Conversations of each state ~ NegativeBinomial(working-age population x exp(a + b ln GDP per "
        f"capita + division + state effects)), with divisions pooled within Census regions. Posterior mean "
        f"of the state income elasticity b: {post.elasticity:.3f} (90% interval {_ci_text(lo, hi)}); "
        f"2 chains x 500 draws for the report (use more for publication)."
    )
    sec.tables["bayes_diagnostics"] = post.diagnose().reset_index()
    sec.figures.append(_fig(post.plot_forest, "bayes_forest", "State effects, 90% intervals"))
    return sec


def _section_simulated(ctx: _Context) -> Section:
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
    sec = Section("simulated", "Simulated release: estimates next to the truth", simulated=True)
    sec.paragraphs.append(
        f"A synthetic release from <code>econindex.simulate(seed={ctx.config.seed})</code> with an injected "
        f"abusive state; the global automation share (all conversations) is {glob:.3f}."
    )
    sec.tables["simulated_truth_vs_estimates"] = table
    sec.tables.update(_platform_tables(ctx, sim))
    return sec


def _platform_tables(ctx: _Context, sim: xr.Dataset) -> dict[str, pd.DataFrame]:
    import econindex as ei

    if "platform" not in sim.dims:
        return {}
    comp = ei.compare_shares(sim, dim="platform", over="soc_major", exclude=("none", "not_classified"))
    cost = ei.CostUsage(cov_type="HC1", level="task").fit(sim, platform="api")
    truth = json.loads(sim.attrs["truth"])
    ctx.headline["cost_usage_slope"] = float(cost.slope)
    cost_row = pd.DataFrame(
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
    )
    return {"platform_shares_soc_major": comp.to_frame(), "cost_usage": cost_row}


def _section_ingest(ctx: _Context, datasets: dict[str, xr.Dataset]) -> Section:
    rows = []
    for name, ds in datasets.items():
        rep = json.loads(ds.attrs.get("ingest_report", "{}") or "{}")
        rows.append(
            {
                "dataset": name,
                "source": ds.attrs.get("source", ""),
                "files": ds.attrs.get("files", rep.get("files", "")),
                "rows_read": rep.get("rows_read"),
                "rows_kept": rep.get("rows_kept"),
                "rows_dropped": json.dumps(rep.get("rows_dropped", {})),
            }
        )
    sec = Section("ingest", "Data and ingest report")
    sec.paragraphs.append("Every input row is accounted for: kept, or dropped with a reason.")
    sec.tables["ingest_report"] = pd.DataFrame(rows)
    return sec


def _section_versions(ctx: _Context) -> Section:
    rows = [{"package": "python", "version": _platform.python_version()}]
    for pkg in (
        "econindex",
        "numpy",
        "scipy",
        "pandas",
        "xarray",
        "statsmodels",
        "linearmodels",
        "pymc",
        "arviz",
        "nutpie",
        "matplotlib",
    ):
        try:
            rows.append({"package": pkg, "version": metadata.version(pkg)})
        except metadata.PackageNotFoundError:
            rows.append({"package": pkg, "version": "not installed"})
    argv = " ".join(shlex.quote(a) for a in ctx.config.argv)
    sec = Section("reproduce", "Versions and how to reproduce")
    sec.preformatted.append(f"econindex {argv}".strip())
    sec.tables["versions"] = pd.DataFrame(rows)
    return sec


def _section_headline(ctx: _Context, simulated: bool) -> Section:
    h = ctx.headline
    rows = []

    def add(name: str, key: str, published: str) -> None:
        if key in h:
            ci = h.get(f"{key}_ci")
            rows.append(
                {
                    "figure": name,
                    "estimate": h[key],
                    "ci_95": _ci_text(*ci) if ci else "",
                    "published": published,
                }
            )

    add("Country income elasticity (OLS, HC1)", "elasticity_country", "about 0.7 (0.6895 in the data)")
    add("Country income elasticity (PPML)", "elasticity_country_ppml", "")
    add("US-state income elasticity (OLS, HC1)", "elasticity_state", "about 1.8")
    add("US-state income elasticity without Utah", "elasticity_state_no_utah", "")
    add("Automation slope, countries (points per unit AUI)", "automation_slope", "-3.112 (N = 111)")
    add("Automation slope, US states", "automation_slope_states", "flips sign (Utah)")
    add("Automation slope, US states without Utah", "automation_slope_states_no_utah", "")
    add("Convergence beta, states Aug→Nov 2025 (OLS)", "convergence_beta_first", "about 0.77")
    add("Bayesian state elasticity (posterior mean)", "bayes_state_elasticity", "")
    sec = Section("headline", "Headline numbers", simulated=simulated)
    if "aui_top_country" in h:
        sec.paragraphs.append(
            f"Highest AUI: {h['aui_top_country']} ({h['aui_top_country_value']:.2f}) among countries, "
            f"{h['aui_top_state']} ({h['aui_top_state_value']:.2f}) among US states."
        )
    sec.tables["headline"] = pd.DataFrame(rows)
    return sec


# --- a user's release ----------------------------------------------------------------------


def _user_sections(ctx: _Context, ds: xr.Dataset) -> list[Section]:
    import econindex as ei
    from econindex.plots._maps import plot_ranked_bar
    from econindex.robustness import exclude_flagged
    from econindex.schema import GEO_LEVELS

    sections: list[Section] = []
    if ctx.config.exclude_flagged and "flagged_count" in ds:
        ds = exclude_flagged(ds)
    # cross-sections of places: Claude.ai traffic (API data have no geography) in the latest window
    geo_ds, scope = ds, []
    if "platform" in geo_ds.dims:
        geo_ds = geo_ds.sel(
            platform="claude_ai" if "claude_ai" in geo_ds["platform"] else geo_ds["platform"][0]
        )
        scope.append(f"platform {geo_ds['platform'].item()}")
        geo_ds = geo_ds.drop_vars("platform")
    if "period" in geo_ds.dims:
        geo_ds = geo_ds.isel(period=-1)
        scope.append(f"window starting {geo_ds['period'].item()}")
        geo_ds = geo_ds.drop_vars("period")
    levels = (
        [ctx.config.level]
        if ctx.config.level
        else [lv for lv in GEO_LEVELS[1:] if (geo_ds["geo_level"] == lv).any()]
    )
    for level in levels:
        label = "countries" if level == "country" else "US states"
        sec = Section(f"release_{level}", f"Your release: {label}")
        if scope:
            sec.paragraphs.append("Cross-sections use " + " and ".join(scope) + ".")
        if "usage_count" in geo_ds:
            with ctx.progress.step(f"usage index and elasticity ({label})"):
                aui = ei.usage_index(geo_ds, level=level)
                sec.tables[f"usage_index_{level}"] = aui.to_series().rename("usage_index").reset_index()
                bar = plot_ranked_bar(aui, top=20, label="AUI")
                sec.figures.append(figure_to_png(bar, f"aui_{level}", f"AUI, {label}"))
                if "gdp" in geo_ds and "working_age_pop" in geo_ds:
                    el = ei.IncomeElasticity(cov_type="HC1", zeros="drop").fit(geo_ds, level=level)
                    ctx.headline[f"elasticity_{level}"] = float(el.slope)
                    sec.preformatted.append(el.summary())
                    sec.figures.append(_fig(el.plot, f"elasticity_{level}", f"Income elasticity, {label}"))
                else:
                    sec.paragraphs.append("No GDP or population for these geos: elasticities skipped.")
        else:
            sec.paragraphs.append(
                "The release has no usage counts for these geos: the usage index and the income "
                "elasticity cannot be computed from it."
            )
        if any(v in geo_ds for v in ("pattern_count", "pattern_share_published", "automation_share")):
            share = ei.automation_share(geo_ds, base="classified", level=level)
            sec.tables[f"automation_share_{level}"] = (
                share.to_series().rename("automation_share").reset_index()
            )
            sec.paragraphs.append(f"Automation shares (classified base) from {share.attrs['source']}.")
        if "task_count" in geo_ds and "soc_major" in geo_ds.coords:
            lq = ei.specialization(geo_ds, over="soc_major", level=level)
            sec.tables[f"specialization_soc_major_{level}"] = (
                lq.to_series().rename("specialization").reset_index()
            )
            if geo_ds.attrs.get("task_cells_note"):
                sec.paragraphs.append(str(geo_ds.attrs["task_cells_note"]))
        if "pattern_count" in geo_ds and ("task_pattern_share" in geo_ds or "expected_automation" in geo_ds):
            with ctx.progress.step(f"automation regression ({label})"):
                auto = ei.TaskMixAutomation(cov_type="HC1", on_uncovered="record").fit(geo_ds, level=level)
                ctx.headline[f"automation_slope_{level}"] = float(auto.slope)
                sec.preformatted.append(auto.summary())
                sec.figures.append(_fig(auto.plot, f"automation_{level}", f"Partial regression, {label}"))
        sections.append(sec)
    if "platform" in ds.dims and ds.sizes["platform"] > 1:
        sec = Section("platforms", "Platforms")
        window = {"period": str(ds["period"].values[-1])} if "period" in ds.dims else None
        comp = ei.compare_shares(
            ds, dim="platform", over="soc_major", exclude=("none", "not_classified"), sel=window
        )
        if window:
            sec.paragraphs.append(f"Window starting {window['period']}.")
        sec.tables["platform_shares_soc_major"] = comp.to_frame()
        sections.append(sec)
    return sections


# --- orchestration -------------------------------------------------------------------------


def build_sections(
    config: ReportConfig, progress: Progress | None = None
) -> tuple[list[Section], dict[str, Any]]:
    """Compute every section of the report; returns the sections and the headline numbers."""
    import econindex as ei

    progress = progress or Progress(quiet=True)
    ctx = _Context(config=config, progress=progress)
    if config.data is not None:
        with progress.step(f"reading {config.data}"):
            ds = ei.read_aei(config.data)
            if "working_age_pop" not in ds:
                ds = _attach_embedded_covariates(ds)
        body = _user_sections(ctx, ds)
        return [
            _section_headline(ctx, simulated=False),
            *body,
            _section_ingest(ctx, {"release": ds}),
            _section_versions(ctx),
        ], ctx.headline

    with progress.step("loading the embedded real data"):
        countries = ei.datasets.load_countries_2025_08()
        auto_countries = ei.datasets.load_country_automation_2025_08()
        states = ei.datasets.load_us_states_2025_08()
        panel = ei.datasets.load_us_state_panel()
        # the state table without its abuse-flagged geos (Utah in Aug 2025), from the dataset's own
        # flags; with --exclude-flagged it is the table every section uses
        states_clean = ei.robustness.exclude_flagged(states, flags=states["abuse_flagged"])
        states_all = states  # flag sensitivity always shows both, so it needs the flagged rows
        if config.exclude_flagged:
            states = states_clean
            panel = ei.robustness.exclude_flagged(panel, flags=panel["abuse_flagged"])
    sections: list[Section] = []
    steps: list[tuple[str, Callable[[], Section]]] = [
        ("usage indices", lambda: _section_usage_index(ctx, countries, states)),
        ("income elasticities", lambda: _section_elasticity(ctx, countries, states, states_clean)),
        ("automation regressions", lambda: _section_automation(ctx, auto_countries, states, states_clean)),
        ("convergence", lambda: _section_convergence(ctx, panel)),
        ("robustness", lambda: _section_robustness(ctx, countries, states_all)),
    ]
    if config.bayes:
        steps.append(("Bayesian state model", lambda: _section_bayes(ctx, states)))
    steps.append(("simulated release (platforms, truth)", lambda: _section_simulated(ctx)))
    for label, make in steps:
        with progress.step(label):
            sections.append(make())
    datasets = {
        "countries": countries,
        "country_automation": auto_countries,
        "us_states": states,
        "us_state_panel": panel,
    }
    return [
        _section_headline(ctx, simulated=False),
        *sections,
        _section_ingest(ctx, datasets),
        _section_versions(ctx),
    ], ctx.headline


def _attach_embedded_covariates(ds: xr.Dataset) -> xr.Dataset:
    """Attach the embedded 2024 population and GDP tables to a release that lacks them."""
    import econindex as ei

    pop = pd.concat([ei.datasets.load_country_covariates(), ei.datasets.load_us_state_covariates()])
    pop = pop[~pop.index.duplicated()]
    return ei.attach_covariates(ds, population=pop["working_age_pop"], gdp=pop["gdp"], missing="drop")


def run_report(config: ReportConfig) -> Path:
    """Run the analysis and write the report; returns the path of the page.

    Writes ``report.html`` (or ``report.md`` with PNG figures), one CSV per
    table under ``tables/``, and ``headline.json``.
    """
    if config.format not in ("html", "markdown"):
        raise EconIndexError(f"format={config.format!r} is not valid; choose 'html' or 'markdown'")
    if config.data is not None and not Path(config.data).exists():
        raise FileNotFoundError(f"--data {config.data}: no such file or folder")
    t0 = time.perf_counter()
    progress = Progress(quiet=config.quiet)
    sections, headline = build_sections(config, progress)
    out = Path(config.out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    for sec in sections:
        for name, df in sec.tables.items():
            df.to_csv(out / "tables" / f"{name}.csv", index=False)
    headline["elapsed_seconds"] = time.perf_counter() - t0
    (out / "headline.json").write_text(json.dumps(headline, indent=2))
    title = "econindex report" + (f": {config.data}" if config.data else ": embedded AEI data (Aug 2025)")
    if config.format == "html":
        path = out / "report.html"
        path.write_text(render_html(title, sections), encoding="utf-8")
    else:
        path = out / "report.md"
        path.write_text(render_markdown(title, sections, out / "figures"), encoding="utf-8")
    return path
