""":func:`simulate`: check the options, draw the design and each period, assemble, record the truth."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import xarray as xr

from econindex.errors import OptionError
from econindex.geography import iso_table
from econindex.schema import UNLOCATED, add_units, validate
from econindex.simulation._api import _draw_api
from econindex.simulation._assemble import _assemble
from econindex.simulation._claude import _draw_claude
from econindex.simulation._design import _design
from econindex.simulation._truth import _truth

__all__ = ["simulate"]

def simulate(
    seed: int = 0,
    *,
    n_countries: int = 120,
    n_tasks: int = 2000,
    n_requests: int = 240,
    n_periods: int = 1,
    platforms: Sequence[str] = ("claude_ai",),
    country_elasticity: float = 0.7,
    state_elasticity: float = 1.8,
    usage_per_capita: float = 3.0e-4,
    country_usage_noise: float = 0.35,
    state_usage_noise: float = 0.25,
    unlocated_share: float = 0.02,
    automation_slope: float = -0.03,
    automation_noise: float = 0.02,
    abuse_state: str | None = "UT",
    abuse_share: float = 0.7,
    task_mix_income_shift: float = 0.25,
    convergence_rate: float = 0.77,
    convergence_noise: float = 0.1,
    usage_growth: float = 1.15,
    cost_usage_slope: float = 0.3,
    api_usage_ratio: float = 0.8,
    cost_soc_sd: float = 0.0,
    soc_trend: float = 0.0,
    directive_trend: float = 0.0,
    start_date: str = "2025-08-04",
    task_pattern_count: bool = False,
    flagged_by_task: bool = False,
) -> xr.Dataset:
    """Draw a synthetic AEI release with known true parameters.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same seed (and options) gives an
        identical dataset.
    n_countries : int
        Located countries, real ISO-3 codes sampled from
        :func:`econindex.geography.iso_table`; ``"USA"`` is always one of them.
    n_tasks : int
        Regular O*NET-like tasks (synthetic lower-case statements) in the 22
        SOC major groups; ``"none"`` and ``"not_classified"`` are added.
    n_requests : int
        Leaf (level 2) request clusters; level 1 has ``n_requests // 5`` and
        level 0 ``n_requests // 24`` clusters (at least one each).
    n_periods : int
        Number of successive releases (quarterly windows of 7 days starting
        at ``start_date``); with more than one a ``period`` dimension is added.
    platforms : sequence of str
        ``("claude_ai",)`` or ``("claude_ai", "api")``; with the API a
        ``platform`` dimension is added (API data exist for ``GLOBAL`` only).
    country_elasticity, state_elasticity : float
        True slopes of ln usage per capita (equivalently ln AUI) on ln GDP per
        working-age capita across countries and across US states.
    usage_per_capita : float
        Conversations per working-age person at the centre of the country
        income distribution (sets the scale of all counts).
    country_usage_noise, state_usage_noise : float
        Standard deviation of the log-normal usage residual (on top of the
        Poisson/multinomial sampling noise).
    unlocated_share : float
        Share of country-level usage that could not be located (the
        ``not_classified`` geo); half of it is used for ``not_classified_us``
        within the US.
    automation_slope : float
        True partial slope of the automation share (classified base, a share
        in [0, 1]) on the usage index, holding expected automation from the
        task mix fixed (the report's -3.112 points per unit is -0.031).
    automation_noise : float
        Standard deviation of the geo-level automation residual.
    abuse_state : str or None
        Geo (a US state code, or a sampled country's ISO-3 code) that receives
        coordinated abusive traffic in the first period; ``None`` for none.
    abuse_share : float
        Flagged share of the abuse geo's total (all-traffic) conversations,
        in [0, 1).
    task_mix_income_shift : float
        Strength of the income shift of task mixes: the log share of SOC group
        g moves by ``task_mix_income_shift * loading_g`` per unit of ln GDP per
        capita (loading -1 for computer and mathematical tasks; loadings in truth).
    convergence_rate : float
        The convergence coefficient beta per period step:
        ``ln AUI[t+1] = beta * ln AUI[t] + noise`` (the index converges toward
        1 when beta < 1; half-life ``ln 0.5 / ln beta`` periods).
    convergence_noise : float
        Standard deviation of the noise of that recursion.
    usage_growth : float
        Growth factor of usage per capita per period.
    cost_usage_slope : float
        True slope of ln(API usage share of a task) on ln(cost_index) across
        tasks (see Notes for the SOC-group level).
    api_usage_ratio : float
        Expected API conversations relative to global Claude.ai conversations.
    cost_soc_sd : float
        Standard deviation of a SOC-group component of ln cost (0: task costs
        are independent across tasks; see Notes).
    soc_trend : float
        Per-period change of the log share of education and sciences (up) and
        management and business (down); 0 keeps task mixes stable over periods.
    directive_trend : float
        Per-period change of the logit of the directive share within
        automation, for every task.
    start_date : str
        ``date_start`` of the first window (ISO date).
    task_pattern_count : bool
        Also return ``task_pattern_count`` for ``GLOBAL`` (NaN elsewhere).
    flagged_by_task : bool
        Give ``flagged_count`` over (``geo``, ``task``) instead of ``geo``.

    Returns
    -------
    xarray.Dataset
        A validated canonical dataset; ``attrs["truth"]`` is a JSON string of
        every true parameter, ``attrs["simulated"] == 1``.

    Notes
    -----
    **Geos.** ``GLOBAL``; the countries (sorted) and ``not_classified``; the
    51 US states (real codes, Census regions and divisions) and
    ``not_classified_us``. Countries' ``working_age_pop`` and ``gdp`` are
    drawn log-normal (GDP per working-age capita about 1e3..1.5e5 USD);
    states take the real 2024 Census and BEA figures jittered by about 10%
    (GDP per capita clipped to 5e4..2.5e5). The ``USA`` row is the sum of its
    states. Covariates are NaN for ``GLOBAL`` and the unlocated geos.

    **Usage.** For a located country with working-age population P and GDP
    per capita y, ``usage ~ Poisson(P * usage_per_capita * exp(e_c (ln y - 9.6)
    + u))`` with ``u ~ N(0, country_usage_noise)``. The US total is split
    multinomially over the states and ``not_classified_us`` with weights
    ``P_s exp(e_s (ln y_s - ln 1.05e5) + u_s)``, so USA = states + unlocated
    exactly; ``GLOBAL`` = countries + ``not_classified``. Hence OLS of
    ln AUI on ln GDP per capita recovers ``e_c`` and ``e_s``.

    **Tasks.** Task labels are real lower-cased O*NET statements with their
    SOC major group (the vendored subset of 2,556; synthetic statements beyond
    it), allocated to groups in proportion to that subset. Each geo's task mix
    is multinomial with probabilities
    ``base_k * exp(shift * loading_soc(k) * (ln y - 11) + eta_{g,soc})``
    (``eta`` ~ N(0, 0.2) geo x group specialization); ``USA`` and ``GLOBAL``
    are sums. ``task_pattern_share`` is the realized global pattern mix per
    task (all traffic), NaN for a task nobody used.

    **Automation.** With ``r_k`` the automation rate of task k in
    ``task_pattern_share`` (automation over the five classified patterns) and
    ``s_gk`` the geo's share of conversations among tasks with a rate (all
    tasks but ``none``/``not_classified``), expected automation is
    ``E_g = sum_k s_gk r_k``. The geo's automation share of classified
    conversations has mean ``A_g = E_g + automation_slope * (AUI_g - 1) +
    v_g`` (clipped to [0.01, 0.99]); states add their country's deviation
    ``automation_slope * (AUI_USA - 1) + v_USA`` so that the USA aggregate
    follows the country equation. AUI is the default ``usage_index`` of the
    clean (unflagged) counts at the geo's level: shares of all located geos
    at that level, unlocated usage kept in the usage total. Pattern counts
    are multinomial, so the regression of the realized automation share on
    ``E_g`` and the AUI recovers ``automation_slope`` (and a coefficient of 1
    on ``E_g``).

    **Abuse.** In the first period ``F = abuse_share / (1 - abuse_share)``
    times the abuse geo's clean usage is added to its ``usage_count``,
    concentrated in three computer/math tasks and two request clusters, 90%
    ``directive``. ``flagged_count`` is F at the abuse geo and at every
    aggregate containing it (``USA`` for a state, ``GLOBAL``), so subtracting
    ``flagged_count`` from ``usage_count`` restores the clean hierarchy; it is
    0 (measured) elsewhere. The exact flagged task, pattern and request
    counts are in ``truth["abuse"]``.

    **Periods.** In period t+1, each located geo's expected log index is
    ``beta * ln AUI_t + N(0, convergence_noise)`` where ``AUI_t`` is the
    realized clean index (zero counts get 0.5); the elasticities hold in the
    first period only. ``soc_trend`` and ``directive_trend`` move the task and
    pattern mixes across periods; the expected GLOBAL shares of each period
    are in ``truth["claude_soc_share_by_period"]`` and
    ``truth["claude_pattern_share_by_period"]``.

    **API.** Only ``GLOBAL`` has API data (NaN for other geos on ``api``). The
    API's task probabilities are ``base_k * exp(gamma_soc + b ln cost_k)``
    normalized, with ``gamma`` chosen so the SOC mix is near 44% computer
    and mathematical, 4% education, 5% arts and media; ``ln cost_k =
    mu_soc + w_k`` with ``mu ~ N(0, 0.3)``, ``w ~ N(0, 0.5)`` independent of
    everything else, so the task-level log-log regression recovers ``b``
    exactly in expectation and the SOC-group regression approximately (with
    wide intervals: only 22 groups). Task automation rates on the API are
    shifted up (logit +1.9) so about 77% of API conversations are
    automation. ``cost_index`` (normalized to an API-usage-weighted mean of
    1), ``prompt_tokens_index`` and ``completion_tokens_index`` are over
    ``task`` only (API facts, platform-independent dims; NaN for the special
    tasks and for tasks without API usage). The exact expected platform mixes
    by SOC group are in ``truth["platforms"]``.

    Examples
    --------
    >>> import json
    >>> ds = simulate(seed=0)
    >>> ds.sizes["geo"], ds.sizes["task"], ds.sizes["pattern"]
    (174, 2002, 7)
    >>> truth = json.loads(ds.attrs["truth"])
    >>> truth["country_elasticity"], truth["abuse"]["geo"]
    (0.7, 'UT')
    >>> bool(ds["usage_count"].sel(geo="USA") >= ds["usage_count"].sel(geo=["UT", "CA"]).sum())
    True
    """
    for name, value in (
        ("country_elasticity", country_elasticity), ("state_elasticity", state_elasticity),
        ("automation_slope", automation_slope), ("task_mix_income_shift", task_mix_income_shift),
        ("convergence_rate", convergence_rate), ("cost_usage_slope", cost_usage_slope),
        ("soc_trend", soc_trend), ("directive_trend", directive_trend),
    ):  # fmt: skip
        if not np.isfinite(float(value)):
            raise OptionError(f"{name}={value!r} must be a finite number")
    for name, value in (
        ("country_usage_noise", country_usage_noise), ("state_usage_noise", state_usage_noise),
        ("automation_noise", automation_noise), ("convergence_noise", convergence_noise),
        ("cost_soc_sd", cost_soc_sd),
    ):  # fmt: skip
        if not np.isfinite(float(value)) or value < 0:
            raise OptionError(f"{name}={value!r} must be a non-negative number")
    opts = _check_options(
        n_countries=n_countries, n_tasks=n_tasks, n_requests=n_requests, n_periods=n_periods,
        platforms=platforms, abuse_share=abuse_share, unlocated_share=unlocated_share,
        usage_per_capita=usage_per_capita, usage_growth=usage_growth, api_usage_ratio=api_usage_ratio,
        start_date=start_date,
    )  # fmt: skip
    platforms = tuple(platforms)
    d = _design(seed, n_countries, n_tasks, n_requests, country_usage_noise, state_usage_noise)
    abuse_pos = None
    if abuse_state is not None:
        if (
            not isinstance(abuse_state, str)
            or abuse_state not in d.geos
            or abuse_state in ("GLOBAL", "USA", *UNLOCATED.values())
        ):
            raise OptionError(
                f"abuse_state={abuse_state!r} is not a US state code (e.g. 'UT') or the ISO-3 code of "
                f"a simulated country other than 'USA' (or None for no abuse)"
            )
        abuse_pos = d.geos.index(abuse_state)

    params = {
        "country_elasticity": float(country_elasticity),
        "state_elasticity": float(state_elasticity),
        "usage_per_capita": float(usage_per_capita),
        "unlocated_share": float(unlocated_share),
        "automation_slope": float(automation_slope),
        "automation_noise": float(automation_noise),
        "task_mix_income_shift": float(task_mix_income_shift),
        "soc_trend": float(soc_trend),
        "directive_trend": float(directive_trend),
        "convergence_rate": float(convergence_rate),
        "convergence_noise": float(convergence_noise),
        "usage_growth": float(usage_growth),
        "abuse_share": float(abuse_share),
    }

    periods: list[dict[str, np.ndarray]] = []
    prev_ln_aui: np.ndarray | None = None
    ref_ratio = usage_per_capita
    abuse_truth: dict[str, Any] = {}
    for t in range(n_periods):
        draw = _draw_claude(seed, t, d, params, prev_ln_aui, ref_ratio, abuse_pos if t == 0 else None)
        if t == 0 and abuse_pos is not None:
            abuse_truth = draw.pop("_abuse")  # type: ignore[assignment]
        prev_ln_aui = draw["_ln_aui"]
        ref_ratio = float(draw["_ref_ratio"]) * usage_growth
        periods.append(draw)

    api: list[dict[str, np.ndarray]] = []
    cost: dict[str, np.ndarray] = {}
    api_truth: dict[str, Any] = {}
    if "api" in platforms:
        cost, api, api_truth = _draw_api(seed, d, periods, cost_usage_slope, api_usage_ratio, cost_soc_sd)

    ds = _assemble(d, periods, api, cost, platforms, opts["dates"], task_pattern_count, flagged_by_task)
    truth = _truth(
        seed, d, params, periods, abuse_state, abuse_truth, api_truth, cost_usage_slope,
        n_periods, platforms, api_usage_ratio,
    )  # fmt: skip
    ds.attrs.update(
        {
            "title": f"Simulated AEI release (seed={seed})",
            "source": f"simulated (econindex.simulate, seed={seed})",
            "files": "",
            "release": "simulated",
            "platform": ", ".join(platforms),
            "date_start": opts["dates"][0][0],
            "date_end": opts["dates"][0][1],
            "automation_base": "classified",
            "simulated": 1,
            "truth": json.dumps(truth, sort_keys=True),
            "ingest_report": json.dumps({"files": "", "rows_read": 0, "rows_kept": 0, "rows_dropped": {}}),
        }
    )
    return validate(add_units(ds))


def _check_options(**kw: Any) -> dict[str, Any]:
    for name in ("n_countries", "n_tasks", "n_requests", "n_periods"):
        v = kw[name]
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < 1:
            raise OptionError(f"{name}={v!r} must be a positive integer")
    n_iso = len(iso_table())
    if kw["n_countries"] > n_iso:
        raise OptionError(f"n_countries={kw['n_countries']} exceeds the {n_iso} ISO countries available")
    plats = tuple(kw["platforms"])
    if plats not in (("claude_ai",), ("claude_ai", "api")):
        raise OptionError(f"platforms={plats!r} is not valid; choose ('claude_ai',) or ('claude_ai', 'api')")
    for name, lo, hi in (("abuse_share", 0.0, 1.0), ("unlocated_share", 0.0, 0.5)):
        v = float(kw[name])
        if not lo <= v < hi:
            raise OptionError(f"{name}={v!r} must lie in [{lo}, {hi})")
    for name in ("usage_per_capita", "usage_growth", "api_usage_ratio"):
        v = float(kw[name])
        if not np.isfinite(v) or v <= 0:
            raise OptionError(f"{name}={v!r} must be positive")
    try:
        start = date.fromisoformat(kw["start_date"])
    except (TypeError, ValueError) as exc:
        raise OptionError(f"start_date={kw['start_date']!r} is not an ISO date (YYYY-MM-DD)") from exc
    dates = [
        ((start + timedelta(days=91 * t)).isoformat(), (start + timedelta(days=91 * t + 7)).isoformat())
        for t in range(kw["n_periods"])
    ]
    return {"dates": dates}
