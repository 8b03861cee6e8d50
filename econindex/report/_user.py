"""Sections of the report on a user's release (``econindex report --data``).

Each section computes what the release supports and records, in
:attr:`Context.cannot`, what it cannot compute and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex._report_render import Section, figure_to_png
from econindex.errors import EconIndexError
from econindex.report._context import (
    Context,
    HeadlineRow,
    fig,
    mark_geos,
    pair,
    share_table,
    significance,
    with_soc_names,
)

__all__ = ["user_sections"]


def _top_specializations(lq: xr.DataArray, counts: xr.DataArray | None, n: int = 3) -> pd.DataFrame:
    """Each geo's ``n`` highest location quotients, with the conversations behind them."""
    dim = next(d for d in lq.dims if d != "geo")
    rows = []
    for g in lq["geo"].values:
        s = lq.sel(geo=g).to_series().dropna().sort_values(ascending=False).head(n)
        for rank, (cat, v) in enumerate(s.items(), start=1):
            c = float(counts.sel({"geo": g, dim: cat})) if counts is not None else np.nan
            rows.append(
                {"geo": str(g), "rank": rank, dim: str(cat), "specialization": float(v), "conversations": c}
            )
    return pd.DataFrame(rows)


def _attempt(ctx: Context, sec: Section, what: str, compute: Callable[[], None]) -> None:
    """Run one estimate; bad or too little data becomes a stated "cannot compute", not an abort."""
    try:
        compute()
    except EconIndexError as exc:
        msg = f"{what}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        sec.paragraphs.append("Not computed: " + msg)
        ctx.cannot.append(msg)


def _scope(ds: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
    """The cross-section the level sections use: Claude.ai traffic in the latest window with usage counts."""
    geo_ds, scope = ds, []
    if "platform" in geo_ds.dims:
        geo_ds = geo_ds.sel(
            platform="claude_ai" if "claude_ai" in geo_ds["platform"] else geo_ds["platform"][0]
        )
        scope.append(f"platform {geo_ds['platform'].item()}")
        geo_ds = geo_ds.drop_vars("platform")
    if "period" in geo_ds.dims:
        # the latest window with usage counts (release 6, later than every other, publishes shares only)
        n_periods = geo_ds.sizes["period"]
        latest = n_periods - 1
        if "usage_count" in geo_ds and "period" in geo_ds["usage_count"].dims:
            usage = geo_ds["usage_count"]
            counted = usage.notnull().any([d for d in usage.dims if d != "period"]).transpose("period")
            with_counts = np.flatnonzero(counted.values)
            latest = int(with_counts[-1]) if with_counts.size else latest
        geo_ds = geo_ds.isel(period=latest)
        later = n_periods - 1 - latest
        note = f" (the latest with usage counts; the {later} later ones have none)" if later else ""
        scope.append(f"window starting {geo_ds['period'].item()}{note}")
        geo_ds = geo_ds.drop_vars("period")
    return geo_ds, scope


def _level_section(ctx: Context, geo_ds: xr.Dataset, level: str, scope: list[str]) -> Section:
    import econindex as ei
    from econindex.plots._maps import plot_ranked_bar

    label = "countries" if level == "country" else "US states"
    located = (
        int(((geo_ds["geo_level"] == level) & geo_ds["located"]).sum()) if "located" in geo_ds.coords else 0
    )
    sec = Section(
        f"release_{level}",
        f"Your release: {label}",
        lead=f"What the release says about its {located} located {label}: usage, income and automation.",
    )
    if scope:
        sec.paragraphs.append("Cross-sections use " + " and ".join(scope) + ".")
    if "usage_count" in geo_ds:
        with ctx.progress.step(f"usage index and elasticity ({label})"):
            aui = ei.usage_index(geo_ds, level=level)
            s = aui.to_series().rename("usage_index").dropna().sort_values(ascending=False)
            sec.add_table(
                f"usage_index_{level}",
                s.reset_index(),
                f"AUI of the {len(s)} {label} with usage counts (reference: these {label}), ranked.",
            )
            bar = plot_ranked_bar(aui, top=20, label="AUI")
            sec.figures.append(
                figure_to_png(bar, f"aui_{level}", f"AUI of the {len(s)} {label}, highest and lowest")
            )
            if "gdp" in geo_ds and "working_age_pop" in geo_ds:

                def elasticity() -> None:
                    el = ei.IncomeElasticity(cov_type="HC1", zeros="drop").fit(geo_ds, level=level)
                    ci = pair(el.ci(0.95))
                    ctx.add(
                        HeadlineRow(
                            f"elasticity_{level}",
                            f"Income elasticity, {label} (OLS)",
                            float(el.slope),
                            el.cov_label,
                            ci,
                            int(el.nobs),
                            "the release's report: about 0.7 (countries), 1.8 (US states)",
                            p_value=float(el.pvalue),
                            note=significance(float(el.pvalue), ci),
                        )
                    )
                    sec.preformatted.append(el.summary())

                    def el_plot(el: Any = el) -> Any:
                        ax = el.plot()
                        names = list(el.geos)
                        pts = {
                            g: (float(el.x[names.index(g)]), float(el.y[names.index(g)]))
                            for g in ("UT", "DC")
                            if g in names
                        }
                        return mark_geos(ax, pts, "Utah and DC") if pts else ax

                    sec.figures.append(
                        fig(
                            el_plot,
                            f"elasticity_{level}",
                            f"ln AUI against ln GDP per working-age capita, {el.nobs} {label}",
                        )
                    )

                _attempt(ctx, sec, f"Income elasticity ({label})", elasticity)
            else:
                msg = f"Income elasticity ({label}): no GDP or population for these geos."
                sec.paragraphs.append(msg)
                ctx.cannot.append(msg)
    else:
        msg = (
            f"Usage index and income elasticity ({label}): the release has no usage counts for these geos, "
            "and the index is a ratio of counts."
        )
        sec.paragraphs.append(msg)
        ctx.cannot.append(msg)
    if any(v in geo_ds for v in ("pattern_count", "pattern_share_published", "automation_share")):
        share = ei.automation_share(geo_ds, base="classified", level=level)
        s = share.to_series().rename("automation_share").dropna()
        sec.add_table(
            f"automation_share_{level}",
            s.reset_index(),
            f"Automation share (directive + feedback loop, classified base) of {len(s)} {label}.",
        )
        sec.paragraphs.append(
            f"Automation shares (classified base) from {share.attrs.get('source', 'the release')}."
        )
    if "task_count" in geo_ds and "soc_major" in geo_ds.coords:
        lq = ei.specialization(geo_ds, over="soc_major", level=level)
        sec.add_table(
            f"specialization_soc_major_{level}",
            with_soc_names(lq.to_series().rename("specialization").reset_index()),
            f"Specialization (location quotient) of {label} in each SOC major group.",
            show=False,
        )
        cnt = (
            geo_ds["task_count"].groupby("soc_major").sum()
            if "soc_major" in geo_ds["task_count"].coords
            else None
        )
        top = _top_specializations(lq, cnt)
        sec.add_table(
            f"top_soc_major_{level}",
            with_soc_names(top),
            f"The 3 SOC major groups each of the {label} is most specialized in, with the conversations "
            "behind them (tiny counts make noisy quotients).",
        )
        if geo_ds.attrs.get("task_cells_note"):
            sec.paragraphs.append(str(geo_ds.attrs["task_cells_note"]))
    if "request_count" in geo_ds and "request_level" in geo_ds.coords:
        top_level = int(geo_ds["request_level"].max())
        lq = ei.specialization(geo_ds, over="request", level=level, request_level=top_level)
        top = _top_specializations(lq, geo_ds["request_count"])
        sec.add_table(
            f"top_requests_{level}",
            top,
            f"The 3 request clusters (level {top_level}, the coarsest) each of the {label} is most "
            "specialized in, with conversations.",
        )
    auto_inputs = "task_pattern_share" in geo_ds or "expected_automation" in geo_ds
    if "pattern_count" in geo_ds and auto_inputs:

        def automation() -> None:
            auto = ei.TaskMixAutomation(cov_type="HC1", on_uncovered="record").fit(geo_ds, level=level)
            ci = pair(auto.ci())
            ctx.add(
                HeadlineRow(
                    f"automation_slope_{level}",
                    f"Automation slope, {label} (points per unit AUI)",
                    float(auto.slope),
                    auto.cov_label,
                    ci,
                    int(auto.nobs),
                    "countries: -3.112 (N = 111)",
                    p_value=float(auto.pvalue),
                    note=significance(float(auto.pvalue), ci),
                )
            )
            sec.preformatted.append(auto.summary())
            sec.figures.append(
                fig(auto.plot, f"automation_{level}", f"Partial regression, {auto.nobs} {label}")
            )

        with ctx.progress.step(f"automation regression ({label})"):
            _attempt(ctx, sec, f"Task-mix automation slope ({label})", automation)
    else:
        missing = (
            "pattern counts"
            if "pattern_count" not in geo_ds
            else "task-by-pattern shares (task_pattern_share, from the release's GLOBAL intersection rows)"
        )
        msg = (
            f"Task-mix automation slope ({label}): the release has no {missing}, which the task-mix "
            "control needs."
        )
        sec.paragraphs.append(msg)
        ctx.cannot.append(msg)
    return sec


def _platform_window(ds: xr.Dataset) -> dict[str, str] | None:
    """The latest window with task counts on every platform: ``{"period": ...}``, ``{}`` for a dataset
    without periods, None where no window has them (release 6 publishes shares only)."""
    if "period" not in ds.dims:
        return {}
    if "task_count" not in ds:
        return None
    counts = ds["task_count"]
    counted = counts.notnull().any([d for d in counts.dims if d not in ("period", "platform")])
    both = counted.all("platform") if "platform" in counted.dims else counted
    periods = [
        str(p) for p, ok in zip(ds["period"].values, both.transpose("period").values, strict=True) if ok
    ]
    return {"period": periods[-1]} if periods else None


def _platform_section(ctx: Context, ds: xr.Dataset) -> Section | None:
    """Claude.ai against the API by SOC major group, in the latest window with counts on both."""
    import econindex as ei

    window = _platform_window(ds)
    if window is None:
        ctx.cannot.append("Platforms: no release window has task counts for both Claude.ai and the API.")
        return None
    sec = Section("platforms", "Platforms", lead="How use differs between Claude.ai and the API.")
    comp = ei.compare_shares(
        ds, dim="platform", over="soc_major", exclude=("none", "not_classified"), sel=window or None
    )
    if window:
        sec.paragraphs.append(f"Window starting {window['period']}.")
    sec.add_table(
        "platform_shares_soc_major",
        share_table(comp),
        "Shares of conversations by SOC major group on each platform.",
    )
    return sec


def user_sections(ctx: Context, ds: xr.Dataset) -> list[Section]:
    """One section per geo level the release has, plus platforms where it has two."""
    from econindex.robustness import exclude_flagged
    from econindex.schema import ANALYSIS_LEVELS

    sections: list[Section] = []
    if ctx.config.exclude_flagged and "flagged_count" in ds:
        ds = exclude_flagged(ds)
    geo_ds, scope = _scope(ds)
    present = set(map(str, geo_ds["geo_level"].values))
    levels = [ctx.config.level] if ctx.config.level else [lv for lv in ANALYSIS_LEVELS if lv in present]
    for level in levels:
        sections.append(_level_section(ctx, geo_ds, level, scope))
    if not levels:
        ctx.cannot.append("Cross-sections of places: the release has no country or US-state rows.")
    if "subdivision" in present:
        n_sub = int((geo_ds["geo_level"] == "subdivision").sum())
        ctx.cannot.append(
            f"Cross-sections of the {n_sub} subdivisions outside the US (releases 4-6): they are in the "
            "dataset, but the indices and estimators take countries and US states."
        )
    if "platform" in ds.dims and ds.sizes["platform"] > 1:
        platforms = _platform_section(ctx, ds)
        if platforms is not None:
            sections.append(platforms)
    ctx.cannot.append(
        "The Bayesian state models run on the embedded data only (econindex report without --data)."
    )
    return sections
