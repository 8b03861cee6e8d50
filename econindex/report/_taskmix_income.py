"""The "Task mix and income" section: how the SOC mix of Claude use moves with GDP per capita.

Countries: the embedded data hold no country task mix, so the country panels come from a
simulated release (labelled so, with the simulator's truth beside the estimates). US states:
the real state slice of the August 2025 release (:func:`econindex.datasets.load_us_state_slice_2025_08`)
with the 2024 population and GDP tables; its task cells below 15 conversations are absent, so
only states whose task data cover enough of their traffic enter (named).
"""

from __future__ import annotations

import functools
import json

import pandas as pd

from econindex._report_render import Section
from econindex.report._context import Context, HeadlineRow, fig, interval_text, significance, soc_label

__all__ = ["taskmix_income_section"]

_PANELS = ("25", "27", "43", "19")
_SHOWN = (*_PANELS, "15")


def _table(res: object, truth: dict[str, float] | None = None) -> pd.DataFrame:
    e = res.share_elasticities().set_index("soc_major")  # type: ignore[attr-defined]
    rows = []
    for k in _SHOWN:
        if k not in e.index:
            continue
        row = {
            "SOC group": soc_label(k),
            "mean share": float(e.loc[k, "pooled_share"]),
            "share elasticity": float(e.loc[k, "estimate"]),
            "ci_lower": float(e.loc[k, "ci_lower"]),
            "ci_upper": float(e.loc[k, "ci_upper"]),
            "N places": int(e.loc[k, "n"]),
        }
        if truth is not None:
            row["true (simulated, at the mean shares)"] = truth[k]
        rows.append(row)
    return pd.DataFrame(rows)


def taskmix_income_section(ctx: Context) -> Section:
    """Four panels for countries (simulated) and for US states (real), the tables and the caveat."""
    import econindex as ei
    from econindex.datasets import load_us_state_covariates
    from econindex.plots._taskmix_income import plot_taskmix_income

    sec = Section(
        "taskmix_income",
        "Task mix and income",
        lead="As GDP per capita rises, does Claude use shift from computer and mathematical tasks toward "
        "education, arts and design, office support and the sciences?",
    )
    # --- countries: simulated (the embedded country table has no task mix) ---
    sim = ei.simulate(seed=ctx.config.seed, n_tasks=200, n_requests=24, abuse_state=None)
    truth = json.loads(sim.attrs["truth"])
    res_c = ei.TaskMixIncome(level="country").fit(sim)
    sh = res_c.share_elasticities()
    load = truth["soc_income_loading"]
    shift = truth["task_mix_income_shift"]
    sbar = dict(zip(sh["soc_major"], sh["pooled_share"], strict=True))
    mean_load = sum(sbar[k] * load[k] for k in sbar)
    true_e = {k: shift * (load[k] - mean_load) for k in sbar}
    sec.paragraphs.append(
        "Countries (SIMULATED DATA): the embedded country table has no task mix, so these panels come "
        f"from econindex.simulate(seed={ctx.config.seed}), whose group shares move with ln GDP per capita by "
        f"{shift} x a loading per group (computer and mathematical -1). The share elasticity of a group is "
        "d ln(share) / d ln(GDP per working-age capita) at the countries' mean shares, from PPML on each "
        "country's group shares with country effects absorbed and errors clustered by country; its true "
        "value is beside it."
    )
    sec.add_table(
        "taskmix_income_countries_simulated",
        _table(res_c, true_e),
        f"SIMULATED countries ({len(res_c.geos)}): share elasticities with 95% intervals and the truth; "
        f"joint test that the mix does not move with income p = {res_c.joint.pvalue:.3g}",
    )
    sec.figures.append(
        fig(
            functools.partial(
                plot_taskmix_income,
                res_c,
                _PANELS,
                title=f"SIMULATED countries ({len(res_c.geos)}): group shares vs ln GDP per capita",
            ),
            "taskmix_income_countries_simulated",
            "SIMULATED data: each group's share of a country's classified task conversations against ln GDP "
            "per working-age capita, the PPML fit and its 95% band",
        )
    )
    # --- US states: the real slice ---
    st = ei.datasets.load_us_state_slice_2025_08()
    cov = load_us_state_covariates()
    st = ei.attach_covariates(st, population=cov["working_age_pop"], gdp=cov["gdp"])
    res_s = ei.TaskMixIncome(level="state_us").fit(st)
    es = res_s.share_elasticities().set_index("soc_major")
    lo, hi = float(es.loc["15", "ci_lower"]), float(es.loc["15", "ci_upper"])
    est = float(es.loc["15", "estimate"])
    z = est / float(es.loc["15", "std_error"])
    from scipy import stats

    p = float(2 * stats.norm.sf(abs(z)))
    ctx.add(
        HeadlineRow(
            "taskmix_state_computer_math",
            "US states: elasticity of the computer and mathematical share w.r.t. GDP per capita (PPML)",
            est,
            res_s.cov_label,
            (lo, hi),
            len(res_s.geos),
            "not published (the report: too few conversations per state to say more)",
            p_value=p,
            note=significance(p, (lo, hi)),
        )
    )
    no_tasks = sorted(g for g, why in res_s.excluded.items() if why == "no task counts")
    low = sorted(g for g, why in res_s.excluded.items() if why != "no task counts")
    sec.paragraphs.append(
        f"US states (REAL DATA, Aug 2025 state slice): across {len(res_s.geos)} states the computer and "
        f"mathematical share changes by {est:.3f}% per 1% higher GDP per working-age capita (95% CI "
        f"{interval_text((lo, hi))}; {significance(p, (lo, hi))}). The joint test that no group's share "
        f"moves with income gives p = {res_s.joint.pvalue:.3g}."
    )
    sec.warnings.append(
        "Small cells: the release publishes a state's task cell only from 15 conversations up and folds the "
        "rest into not_classified, so a small state's task mix is truncated toward its largest tasks. States "
        f"whose classified task conversations cover less than {res_s.min_coverage:.0%} of their traffic are "
        f"left out: {', '.join(low) or 'none'}; without any task cell: {', '.join(no_tasks) or 'none'}. "
        "Groups with no published cell in a state are left out of that state."
    )
    sec.add_table(
        "taskmix_income_states",
        _table(res_s),
        f"US states ({len(res_s.geos)}, real data): share elasticities with 95% intervals (PPML, state "
        "effects absorbed, errors clustered by state)",
    )
    cover = res_s.coverage.rename("coverage").reset_index()
    cover["used"] = cover["geo"].isin(res_s.geos)
    sec.add_table(
        "taskmix_income_state_coverage",
        cover.sort_values("coverage", ascending=False, na_position="last"),
        "Share of each state's conversations that its published task cells assign to a SOC group",
        show=False,
    )
    sec.figures.append(
        fig(
            functools.partial(
                plot_taskmix_income,
                res_s,
                [g for g in _PANELS if g in res_s.groups],
                title=f"US states ({len(res_s.geos)}, REAL data, small cells absent): shares vs ln GDP pc",
            ),
            "taskmix_income_states",
            "Real US-state data (small cells absent): each group's share against ln GDP per working-age "
            "capita, the PPML fit and its 95% band",
        )
    )
    ctx.headline["taskmix_state_joint_p"] = float(res_s.joint.pvalue)
    ctx.headline["taskmix_country_simulated_joint_p"] = float(res_c.joint.pvalue)
    ctx.headline["taskmix_state_n"] = len(res_s.geos)
    return sec
