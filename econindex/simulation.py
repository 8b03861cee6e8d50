"""Synthetic AEI releases with known true parameters.

:func:`simulate` draws a complete canonical dataset (see :mod:`econindex.schema`):
countries and US states with populations and GDP, usage from a log-log income
model, task mixes that shift with income, collaboration patterns whose
automation share falls with the usage index once the task mix is fixed,
hierarchical request clusters, coordinated abusive traffic injected into one
named geo, optional successive periods whose indices converge, and an optional
enterprise API platform with cost and token indices. Every true parameter is
stored as JSON in ``ds.attrs["truth"]`` so estimators can be checked against it.

All numerics are vectorized NumPy (no loops over geos or tasks; the only
Python loop is over periods). Each component draws from its own
:class:`numpy.random.SeedSequence` child, so the same seed gives the same
dataset, and adding periods or the API platform leaves the first period's
Claude.ai data unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.datasets import data_path, load_us_state_covariates
from econindex.errors import OptionError
from econindex.geography import US_STATES, geo_coords, iso_table
from econindex.schema import (
    AUTOMATION_PATTERNS,
    CLASSIFIED_PATTERNS,
    PATTERNS,
    SPECIAL_CLUSTERS,
    UNLOCATED,
    add_units,
    pattern_coords,
    validate,
)
from econindex.schema import SOC_MAJOR_GROUPS as _ALL_SOC_GROUPS

__all__ = ["simulate", "SOC_MAJOR_GROUPS"]

SOC_MAJOR_GROUPS: dict[str, str] = {k: v for k, v in _ALL_SOC_GROUPS.items() if k != "55"}
"""The 22 SOC 2018 major groups with O*NET tasks (code -> title); 55, military, has none."""

_SOC = tuple(SOC_MAJOR_GROUPS)

# Claude.ai share of classified-task conversations per SOC group at the
# income centre (roughly the shape of the Aug 2025 release; normalized below).
_CLAUDE_SOC_SHARE = np.array(
    [0.045, 0.060, 0.360, 0.040, 0.060, 0.020, 0.020, 0.120, 0.080, 0.030, 0.008,
     0.004, 0.005, 0.002, 0.015, 0.020, 0.065, 0.003, 0.005, 0.010, 0.010, 0.018]
)  # fmt: skip
# API targets where the report gives them (15: 44%, 25: 4%, 27: 5%); the rest
# keep their Claude.ai proportions.
_API_SOC_TARGET = {"15": 0.44, "25": 0.04, "27": 0.05}
# How each group's log share moves with log GDP per capita (times task_mix_income_shift).
_SOC_INCOME_LOADING = dict.fromkeys(_SOC, 0.0) | {
    "15": -1.0, "11": 0.5, "13": 0.5, "19": 0.6, "23": 0.4, "25": 0.2, "27": 0.3, "29": 0.4,
}  # fmt: skip
# Mean automation rate (automation / classified) of a task in each group.
_SOC_AUTOMATION = dict.fromkeys(_SOC, 0.5) | {
    "15": 0.56, "43": 0.62, "13": 0.52, "25": 0.30, "19": 0.38, "27": 0.45, "21": 0.35,
    "29": 0.40, "23": 0.45, "41": 0.58, "11": 0.50,
}  # fmt: skip
# Per-period trend of SOC log shares (times soc_trend): education and sciences grow,
# management and business shrink (the report's change between early and August 2025).
_SOC_TREND_LOADING = {"25": 1.0, "19": 1.0, "11": -1.0, "13": -1.0}
# Share of conversations whose task is "none" / "not_classified".
_SPECIAL_SHARE = (0.03, 0.05)
_COUNTRY_CENTER = 9.6  # ln GDP per working-age capita at the centre of the country model
_STATE_CENTER = float(np.log(1.05e5))
_MIX_CENTER = 11.0  # ln GDP per capita at which a geo has the base task mix (usage-weighted centre)

_VERBS = (
    "analyze", "prepare", "review", "develop", "maintain", "coordinate", "evaluate", "design",
    "monitor", "document", "test", "plan", "explain", "write", "inspect", "calculate",
)  # fmt: skip
_OBJECTS = (
    "records", "reports", "procedures", "systems", "materials", "schedules", "budgets",
    "programs", "equipment", "policies", "data", "plans", "specifications", "accounts",
)  # fmt: skip

_STREAMS = {"geo": 0, "usage": 1, "tasks": 2, "patterns": 3, "requests": 4, "abuse": 5, "api": 6, "cost": 7}


def _rng(seed: int, stream: str, period: int = 0) -> np.random.Generator:
    """Independent generator per component and period (stable under size/option changes elsewhere)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAMS[stream], period)))


def _normalize(w: np.ndarray) -> np.ndarray:
    return w / w.sum(axis=-1, keepdims=True)


def _logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p: float | np.ndarray) -> Any:
    return np.log(p) - np.log1p(-np.asarray(p))


@dataclass(frozen=True)
class _Design:
    """Everything that does not change across periods."""

    geos: list[str]
    levels: list[str]
    country_idx: np.ndarray  # located countries (incl. USA), positions in geos
    usa: int
    unl_country: int
    state_idx: np.ndarray
    unl_state: int
    pop: np.ndarray
    gdp: np.ndarray
    x: np.ndarray  # ln GDP per capita (NaN off located geos)
    u: np.ndarray  # persistent usage residual
    tasks: list[str]
    task_soc: np.ndarray  # group index (0..21) per regular task
    task_weight: np.ndarray  # base task probabilities within the Claude.ai mix, length K (incl. specials)
    pi: np.ndarray  # true (K, 7) pattern mix per task (Claude.ai, first period)
    pi_parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # its logits (auto, directive, aug, q)
    pi_api: np.ndarray
    requests: list[str]
    request_level: np.ndarray
    request_parent: list[str]
    leaf_to_mid: np.ndarray
    mid_to_top: np.ndarray
    request_weight: np.ndarray
    request_top_of_leaf: np.ndarray


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


# --- options --------------------------------------------------------------------------------------


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


# --- fixed design -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _onet_pool() -> tuple[tuple[str, ...], ...]:
    """Real lower-cased O*NET task statements per SOC group (the vendored subset; empty if absent)."""
    try:
        with data_path("onet_task_soc_major.csv.gz").open("rb") as fh:
            df = pd.read_csv(fh, compression="gzip", dtype=str, keep_default_na=False, na_values=[])
    except (FileNotFoundError, OSError):
        return tuple(() for _ in _SOC)
    df = df[~df["task_text_lower"].isin(SPECIAL_CLUSTERS) & ~df["task_text_lower"].str.contains("::")]
    groups = df.groupby("soc_major_group")["task_text_lower"]
    return tuple(tuple(sorted(set(groups.get_group(s)))) if s in groups.groups else () for s in _SOC)


def _tasks(n_tasks: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """SOC group of each task and its label: real statements first, synthetic ones if a group runs out.

    Tasks are allocated to groups in proportion to the vendored O*NET subset
    (largest remainders, so every group gets one from 22 tasks up).
    """
    pool = _onet_pool()
    sizes = np.array([len(p) for p in pool], dtype=float)
    weights = sizes if sizes.sum() > 0 else np.ones(len(_SOC))
    exact = n_tasks * weights / weights.sum()
    alloc = np.floor(exact).astype(np.int64)
    alloc[np.argsort(alloc - exact, kind="stable")[: n_tasks - int(alloc.sum())]] += 1
    task_soc = np.repeat(np.arange(len(_SOC)), alloc)
    labels: list[str] = []
    synthetic = 0
    for g, n in enumerate(alloc):  # 22 groups
        real = [pool[g][i] for i in rng.permutation(len(pool[g]))[:n]]
        extra = n - len(real)
        verbs = np.asarray(_VERBS)[rng.integers(0, len(_VERBS), extra)]
        objs = np.asarray(_OBJECTS)[rng.integers(0, len(_OBJECTS), extra)]
        title = SOC_MAJOR_GROUPS[_SOC[g]].lower().replace(",", "")
        labels += real
        labels += [f"{v} {o} in {title} work (synthetic task {synthetic + i + 1:05d})"
                   for i, (v, o) in enumerate(zip(verbs, objs, strict=True))]  # fmt: skip
        synthetic += extra
    return task_soc, labels


def _design(seed: int, n_countries: int, n_tasks: int, n_requests: int, sd_c: float, sd_s: float) -> _Design:
    rng = _rng(seed, "geo")
    iso = iso_table()
    others = np.array(sorted(set(iso["iso_alpha_3"]) - {"USA"}))
    picked = rng.choice(others, size=n_countries - 1, replace=False) if n_countries > 1 else np.array([])
    countries = sorted([*map(str, picked), "USA"])
    states = sorted(US_STATES)
    geos = ["GLOBAL", *countries, UNLOCATED["country"], *states, UNLOCATED["state_us"]]
    levels = ["global"] + ["country"] * (len(countries) + 1) + ["state_us"] * (len(states) + 1)
    n_geo = len(geos)
    country_idx = np.arange(1, 1 + len(countries))
    usa = 1 + countries.index("USA")
    unl_country = 1 + len(countries)
    state_idx = np.arange(unl_country + 1, unl_country + 1 + len(states))
    unl_state = n_geo - 1

    pop = np.full(n_geo, np.nan)
    gdp_pc = np.full(n_geo, np.nan)
    nc = len(country_idx)
    # countries: working-age population log-normal (median ~7M), GDP per capita ~ real spread
    pop[country_idx] = np.exp(np.clip(rng.normal(np.log(9e6), 1.4, nc), np.log(6e4), np.log(1.0e9)))
    gdp_pc[country_idx] = np.exp(np.clip(rng.normal(_COUNTRY_CENTER, 1.1, nc), np.log(900.0), np.log(1.5e5)))
    ns = len(state_idx)
    # states: the real 2024 figures (Census, BEA) jittered by ~10%, so each state keeps its size
    real = load_us_state_covariates().reindex(states)
    real_pc = real["gdp"].to_numpy(float) / real["working_age_pop"].to_numpy(float)
    pop[state_idx] = real["working_age_pop"].to_numpy(float) * np.exp(rng.normal(0.0, 0.1, ns))
    gdp_pc[state_idx] = np.exp(
        np.clip(np.log(real_pc) + rng.normal(0.0, 0.1, ns), np.log(5e4), np.log(2.5e5))
    )
    gdp = pop * gdp_pc
    pop[usa] = pop[state_idx].sum()
    gdp[usa] = gdp[state_idx].sum()
    x = np.log(gdp / pop)
    u = np.zeros(n_geo)
    u[country_idx] = rng.normal(0.0, sd_c, nc)
    u[state_idx] = rng.normal(0.0, sd_s, ns)

    # tasks: real O*NET statements where the vendored subset has enough, synthetic beyond
    trng = _rng(seed, "tasks", 10_000)
    task_soc, labels = _tasks(n_tasks, trng)
    w = np.exp(trng.normal(0.0, 1.0, n_tasks))
    soc_total = np.bincount(task_soc, weights=w, minlength=len(_SOC))
    soc_share = _normalize(_CLAUDE_SOC_SHARE * (soc_total > 0))
    task_weight = np.concatenate(
        [(1.0 - sum(_SPECIAL_SHARE)) * soc_share[task_soc] * w / soc_total[task_soc], _SPECIAL_SHARE]
    )

    # true pattern mix per task (Claude.ai and API)
    k_all = n_tasks + 2
    soc_auto = np.array([_SOC_AUTOMATION[s] for s in _SOC])
    base_r = np.concatenate([soc_auto[task_soc], [0.5, 0.5]])
    z_r = trng.normal(0.0, 0.6, k_all)
    z_d = trng.normal(0.0, 0.3, k_all)
    z_aug = trng.normal(0.0, 0.25, (k_all, 3))
    z_q = trng.normal(0.0, 0.3, k_all)
    pi_parts = (_logit(base_r) + z_r, _logit(0.72) + z_d, z_aug, _logit(0.08) + z_q)
    pi = _pattern_mix(*pi_parts)
    pi_api = _pattern_mix(_logit(base_r) + z_r + 1.9, _logit(0.72) + z_d + 0.6, z_aug, _logit(0.11) + z_q)

    # request hierarchy in the release's convention: level 2 (top), 1 (mid), 0 (leaves, the finest)
    rrng = _rng(seed, "requests", 10_000)
    n_top = max(1, n_requests // 24)
    n_mid = max(1, n_requests // 5)
    mid_to_top = np.arange(n_mid) % n_top
    leaf_to_mid = np.arange(n_requests) % n_mid
    top_names = [f"request area {i + 1:02d}" for i in range(n_top)]
    mid_names = [f"request area {mid_to_top[j] + 1:02d} topic {j + 1:03d}" for j in range(n_mid)]
    leaf_names = [f"{mid_names[leaf_to_mid[i]]} cluster {i + 1:04d}" for i in range(n_requests)]
    requests = top_names + mid_names + leaf_names
    request_level = np.concatenate([np.full(n_top, 2), np.ones(n_mid), np.zeros(n_requests)]).astype(np.int64)
    request_parent = [""] * n_top + [top_names[i] for i in mid_to_top] + [mid_names[j] for j in leaf_to_mid]
    request_weight = _normalize(np.exp(rrng.normal(0.0, 1.0, n_requests)))

    return _Design(
        geos=geos, levels=levels, country_idx=country_idx, usa=usa, unl_country=unl_country,
        state_idx=state_idx, unl_state=unl_state, pop=pop, gdp=gdp, x=x, u=u,
        tasks=[*labels, *SPECIAL_CLUSTERS],
        task_soc=task_soc, task_weight=task_weight, pi=pi, pi_parts=pi_parts, pi_api=pi_api,
        requests=requests,
        request_level=request_level, request_parent=request_parent, leaf_to_mid=leaf_to_mid,
        mid_to_top=mid_to_top, request_weight=request_weight, request_top_of_leaf=mid_to_top[leaf_to_mid],
    )  # fmt: skip


def _pattern_mix(
    logit_auto: np.ndarray, logit_dir: np.ndarray, z_aug: np.ndarray, logit_q: np.ndarray
) -> np.ndarray:
    """(K, 7) pattern probabilities in schema.PATTERNS order from per-task parameters."""
    r = _logistic(logit_auto)
    dshare = _logistic(logit_dir)
    aug = _normalize(np.array([0.45, 0.35, 0.20]) * np.exp(z_aug))
    q = _logistic(logit_q)
    none_frac = 0.4  # of the unclassified part
    cls = (1.0 - q)[:, None]
    out = np.concatenate(
        [
            cls * (r * dshare)[:, None],
            cls * (r * (1.0 - dshare))[:, None],
            cls * (1.0 - r)[:, None] * aug,
            (q * none_frac)[:, None],
            (q * (1.0 - none_frac))[:, None],
        ],
        axis=1,
    )
    return _normalize(out)


# --- one period of Claude.ai data -------------------------------------------------------------------


def _multinomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Row-wise multinomial draws (float64 result)."""
    p = np.clip(p, 0.0, None)
    p = p / p.sum(axis=-1, keepdims=True)
    return rng.multinomial(np.asarray(n, dtype=np.int64), p).astype(np.float64)


def _aui(
    counts: np.ndarray, pop: np.ndarray, located: np.ndarray, unlocated: int
) -> tuple[np.ndarray, float]:
    """Default usage index of the located geos (unlocated usage kept in the usage total)."""
    ratio = (counts[located].sum() + counts[unlocated]) / pop[located].sum()
    return counts[located] / pop[located] / ratio, float(ratio)


def _draw_claude(
    seed: int,
    t: int,
    d: _Design,
    p: dict[str, float],
    prev_ln_aui: np.ndarray | None,
    ref_ratio: float,
    abuse_pos: int | None,
) -> dict[str, Any]:
    n_geo = len(d.geos)
    ci, si = d.country_idx, d.state_idx
    rng = _rng(seed, "usage", t)
    noise_c = rng.normal(0.0, p["convergence_noise"], n_geo)
    # --- usage (clean) ---
    if prev_ln_aui is None:
        ln_c = np.log(p["usage_per_capita"]) + p["country_elasticity"] * (d.x[ci] - _COUNTRY_CENTER) + d.u[ci]
        ln_s = p["state_elasticity"] * (d.x[si] - _STATE_CENTER) + d.u[si]
    else:
        ln_c = np.log(ref_ratio) + p["convergence_rate"] * prev_ln_aui[ci] + noise_c[ci]
        ln_s = p["convergence_rate"] * prev_ln_aui[si] + noise_c[si]
    usage = np.zeros(n_geo)
    mu_c = d.pop[ci] * np.exp(ln_c)
    usage[ci] = rng.poisson(mu_c)
    usage[d.unl_country] = rng.poisson(p["unlocated_share"] / (1 - p["unlocated_share"]) * mu_c.sum())
    ws = np.append(
        _normalize(d.pop[si] * np.exp(ln_s)) * (1 - p["unlocated_share"] / 2), p["unlocated_share"] / 2
    )
    split = _multinomial(rng, usage[d.usa], ws)
    usage[si], usage[d.unl_state] = split[:-1], split[-1]
    usage[0] = usage[ci].sum() + usage[d.unl_country]

    # realized clean indices (the ones the automation equation and the next period use)
    aui = np.full(n_geo, np.nan)
    aui[ci], ratio_c = _aui(usage, d.pop, ci, d.unl_country)
    aui[si], _ = _aui(usage, d.pop, si, d.unl_state)
    ln_aui = np.full(n_geo, np.nan)
    ln_aui[ci] = np.log(np.maximum(usage[ci], 0.5) / d.pop[ci] / ratio_c)
    ratio_s = (usage[si].sum() + usage[d.unl_state]) / d.pop[si].sum()
    ln_aui[si] = np.log(np.maximum(usage[si], 0.5) / d.pop[si] / ratio_s)

    # --- tasks ---
    trng = _rng(seed, "tasks", t)
    drawn = np.concatenate([ci[ci != d.usa], [d.unl_country], si, [d.unl_state]])  # geos drawn directly
    k = len(d.tasks)
    loading = np.array([_SOC_INCOME_LOADING[s] for s in _SOC])
    eta = trng.normal(0.0, 0.2, (n_geo, len(_SOC)))
    xg = np.where(np.isfinite(d.x), d.x - _MIX_CENTER, 0.0)  # unlocated geos get the centre mix
    trend = np.array([_SOC_TREND_LOADING.get(s, 0.0) for s in _SOC]) * p["soc_trend"] * t
    log_soc = p["task_mix_income_shift"] * xg[:, None] * loading[None, :] + eta + trend[None, :]
    logw = np.zeros((n_geo, k))
    logw[:, : k - 2] = log_soc[:, d.task_soc]
    probs = _normalize(d.task_weight[None, :] * np.exp(logw))
    task = np.zeros((n_geo, k))
    task[drawn] = _multinomial(trng, usage[drawn], probs[drawn])

    # --- abuse: flagged traffic in one geo ---
    flagged = np.zeros(n_geo)
    flagged_task = np.zeros((n_geo, k))
    abuse: dict[str, Any] = {}
    arng = _rng(seed, "abuse", t)
    fl_task = np.zeros(k)
    fl_pat = np.zeros(len(PATTERNS))
    fl_req = np.zeros(d.request_weight.size)
    if abuse_pos is not None:
        share = p["abuse_share"]
        f = float(np.round(usage[abuse_pos] * share / (1.0 - share)))
        # a narrow campaign in moderately used computer/math tasks: the flagged traffic is a large
        # part, not all, of their global traffic, so the task-mix control absorbs part of its
        # automation (as with Utah in Aug 2025: 73% actual vs 58% expected)
        comp = np.flatnonzero(d.task_soc == _SOC.index("15"))
        pool = comp if comp.size else np.arange(k - 2)
        lo, hi = np.quantile(d.task_weight[pool], [0.5, 0.75])
        band = pool[(d.task_weight[pool] >= lo) & (d.task_weight[pool] <= hi)]
        pool = band if band.size >= 3 else pool
        a_tasks = arng.choice(pool, size=min(3, pool.size), replace=False)
        fl_task[a_tasks] = _multinomial(
            arng, np.array(f), _normalize(np.array([0.5, 0.3, 0.2][: a_tasks.size]))
        )
        abuse_mix = np.array([0.9, 0.06, 0.0, 0.02, 0.0, 0.02, 0.0])
        fl_tp = _multinomial(arng, fl_task, np.broadcast_to(abuse_mix, (k, len(PATTERNS))))
        fl_pat[:] = fl_tp.sum(axis=0)
        a_req = arng.choice(fl_req.size, size=min(2, fl_req.size), replace=False)
        fl_req[a_req] = _multinomial(arng, np.array(f), _normalize(np.array([0.7, 0.3][: a_req.size])))
        flagged[abuse_pos] = f
        abuse = {
            "geo": d.geos[abuse_pos],
            "flagged": f,
            "share": share,
            "clean_usage": float(usage[abuse_pos]),
            "tasks": {d.tasks[i]: float(fl_task[i]) for i in a_tasks},
            "patterns": dict(zip(PATTERNS, map(float, fl_pat), strict=True)),
            "requests": {d.requests[-fl_req.size + i]: float(fl_req[i]) for i in a_req},
        }

    def aggregate(arr: np.ndarray) -> np.ndarray:
        """Fill USA (states + unlocated US) and GLOBAL (countries + unlocated) rows."""
        arr[d.usa] = arr[si[0] : si[-1] + 1].sum(axis=0) + arr[d.unl_state]
        arr[0] = arr[ci[0] : ci[-1] + 1].sum(axis=0) + arr[d.unl_country]
        return arr

    task = aggregate(task)
    # global task x pattern counts: clean traffic from the true mix, plus the flagged traffic
    prng = _rng(seed, "patterns", t)
    la, ld, za, lq = d.pi_parts
    pi_t = d.pi if p["directive_trend"] == 0 else _pattern_mix(la, ld + p["directive_trend"] * t, za, lq)
    tpc = _multinomial(prng, task[0], pi_t)
    usage_all = usage.copy()
    task_all = task.copy()
    if abuse_pos is not None:
        for arr, add in ((usage_all, flagged[abuse_pos]), (task_all, fl_task)):
            arr[abuse_pos] += add
            if abuse_pos in si:
                arr[d.usa] += add
            arr[0] += add
        flagged = aggregate(flagged)
        flagged_task[abuse_pos] = fl_task
        flagged_task = aggregate(flagged_task)
        if abuse_pos in ci:
            flagged[0] = flagged[ci].sum()
        tpc = tpc + fl_tp
    with np.errstate(invalid="ignore", divide="ignore"):
        tps = tpc / task_all[0][:, None]
    tps[task_all[0] == 0] = np.nan

    # --- patterns: automation equation ---
    auto_cols = [PATTERNS.index(c) for c in AUTOMATION_PATTERNS]
    cls_cols = [PATTERNS.index(c) for c in CLASSIFIED_PATTERNS]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = tps[:, auto_cols].sum(axis=1) / tps[:, cls_cols].sum(axis=1)
    rated = np.isfinite(rate)
    rated[k - 2 :] = False
    rated_counts = task[:, rated]
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = rated_counts @ rate[rated] / rated_counts.sum(axis=1)
    v = prng.normal(0.0, p["automation_noise"], n_geo)
    target = np.full(n_geo, np.nan)
    target[ci] = expected[ci] + p["automation_slope"] * (aui[ci] - 1.0) + v[ci]
    us_dev = p["automation_slope"] * (aui[d.usa] - 1.0) + v[d.usa]
    target[si] = expected[si] + p["automation_slope"] * (aui[si] - 1.0) + v[si] + us_dev
    target[d.unl_country] = expected[d.unl_country]
    target[d.unl_state] = expected[d.unl_state]
    target = np.clip(np.nan_to_num(target, nan=0.5), 0.01, 0.99)
    # within-mode splits and the unclassified share follow the task mix
    tps0 = np.nan_to_num(tps)
    with np.errstate(invalid="ignore", divide="ignore"):
        mix = _normalize(task @ tps0 + 1e-12)
    auto_mix = _normalize(mix[:, auto_cols] + 1e-12)
    aug_cols = [PATTERNS.index(c) for c in CLASSIFIED_PATTERNS if c not in AUTOMATION_PATTERNS]
    aug_mix = _normalize(mix[:, aug_cols] + 1e-12)
    q = mix[:, len(CLASSIFIED_PATTERNS) :]
    cls_share = 1.0 - q.sum(axis=1, keepdims=True)
    pat_p = np.concatenate(
        [cls_share * target[:, None] * auto_mix, cls_share * (1 - target[:, None]) * aug_mix, q], axis=1
    )
    pattern = np.zeros((n_geo, len(PATTERNS)))
    pattern[drawn] = _multinomial(prng, usage[drawn], pat_p[drawn])
    pattern = aggregate(pattern)

    # --- requests: leaves with a geo tilt by top-level area ---
    rrng = _rng(seed, "requests", t)
    top_of_leaf = d.request_top_of_leaf
    tilt = rrng.normal(0.0, 0.3, (n_geo, int(top_of_leaf.max()) + 1))
    leaf_p = _normalize(d.request_weight[None, :] * np.exp(tilt[:, top_of_leaf]))
    leaves = np.zeros((n_geo, d.request_weight.size))
    leaves[drawn] = _multinomial(rrng, usage[drawn], leaf_p[drawn])
    leaves = aggregate(leaves)

    pattern_all, leaves_all = pattern.copy(), leaves.copy()
    if abuse_pos is not None:
        for arr, add in ((pattern_all, fl_pat), (leaves_all, fl_req)):
            arr[abuse_pos] += add
            if abuse_pos in si:
                arr[d.usa] += add
            arr[0] += add
        abuse["expected_automation_clean"] = float(expected[abuse_pos])
    return {
        "usage_count": usage_all,
        "task_count": task_all,
        "pattern_count": pattern_all,
        "request_count": _request_levels(d, leaves_all),
        "flagged_count": flagged,
        "flagged_task_count": flagged_task,
        "task_pattern_count": tpc,
        "task_pattern_share": tps,
        "_ln_aui": ln_aui,
        "_ref_ratio": np.array(ratio_c),
        "_aui": aui,
        "_expected": expected,
        "_probs": probs,
        "_exp_soc": _expected_soc(d, (usage[drawn, None] * probs[drawn]).sum(axis=0) + fl_task),
        "_exp_pattern": ((usage[drawn, None] * pat_p[drawn]).sum(axis=0) + fl_pat) / usage_all[0],
        "_abuse": abuse,  # type: ignore[dict-item]
    }


def _expected_soc(d: _Design, task_mass: np.ndarray) -> np.ndarray:
    """SOC-group shares of the regular tasks from expected conversations per task."""
    kr = d.task_soc.size
    soc = np.bincount(d.task_soc, weights=task_mass[:kr], minlength=len(_SOC))
    return soc / soc.sum()


def _request_levels(d: _Design, leaves: np.ndarray) -> np.ndarray:
    """Stack top, mid and leaf request counts (children sum to parents exactly)."""
    n_mid = d.mid_to_top.size
    n_top = int(d.mid_to_top.max()) + 1
    to_mid = np.zeros((d.leaf_to_mid.size, n_mid))
    to_mid[np.arange(d.leaf_to_mid.size), d.leaf_to_mid] = 1.0
    to_top = np.zeros((n_mid, n_top))
    to_top[np.arange(n_mid), d.mid_to_top] = 1.0
    mid = leaves @ to_mid
    return np.concatenate([mid @ to_top, mid, leaves], axis=-1)


# --- the API platform -------------------------------------------------------------------------------


def _draw_api(
    seed: int,
    d: _Design,
    periods: list[dict[str, np.ndarray]],
    slope: float,
    ratio: float,
    cost_soc_sd: float,
) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]], dict[str, Any]]:
    crng = _rng(seed, "cost")
    k = len(d.tasks)
    kr = k - 2
    mu = crng.normal(0.0, cost_soc_sd, len(_SOC))
    ln_cost = mu[d.task_soc] + crng.normal(0.0, 0.5, kr)
    # API SOC shift: targets for three groups, Claude.ai proportions for the rest
    claude_soc = np.bincount(d.task_soc, weights=d.task_weight[:kr], minlength=len(_SOC))
    claude_soc = claude_soc / claude_soc.sum()
    target = claude_soc.copy()
    fixed = np.array([s in _API_SOC_TARGET for s in _SOC])
    target[fixed] = [_API_SOC_TARGET[s] for s in np.asarray(_SOC)[fixed]]
    free = ~fixed & (claude_soc > 0)
    target[free] = claude_soc[free] / claude_soc[free].sum() * (1.0 - target[fixed].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(claude_soc > 0, np.log(target / claude_soc), 0.0)
    w_reg = d.task_weight[:kr] * np.exp(gamma[d.task_soc] + slope * ln_cost)
    w_reg = (1.0 - sum(_SPECIAL_SHARE)) * w_reg / w_reg.sum()
    p_api = np.concatenate([w_reg, _SPECIAL_SHARE])
    # token indices: the cost index is a mix of prompt and completion tokens
    ln_prompt = 0.8 * ln_cost + crng.normal(0.0, 0.2, kr)
    ln_compl = 0.6 * ln_cost + crng.normal(0.0, 0.3, kr)

    out = []
    for t, per in enumerate(periods):
        arng = _rng(seed, "api", t)
        n = float(arng.poisson(ratio * per["usage_count"][0]))
        task = _multinomial(arng, np.array(n), p_api)
        tpc = _multinomial(arng, task, d.pi_api)
        with np.errstate(invalid="ignore", divide="ignore"):
            tps = tpc / task[:, None]
        tps[task == 0] = np.nan
        leaf_p = _normalize(d.request_weight * np.exp(arng.normal(0.0, 0.5, d.request_weight.size)))
        leaves = _multinomial(arng, np.array(n), leaf_p)
        out.append(
            {
                "usage_count": np.array(n),
                "task_count": task,
                "pattern_count": tpc.sum(axis=0),
                "request_count": _request_levels(d, leaves[None, :])[0],
                "task_pattern_count": tpc,
                "task_pattern_share": tps,
            }
        )
    used = out[0]["task_count"][:kr] > 0

    def index(z: np.ndarray) -> np.ndarray:
        vals = np.full(k, np.nan)
        vals[:kr] = np.where(used, np.exp(z) / np.exp(np.sum(p_api[:kr] * z) / p_api[:kr].sum()), np.nan)
        return vals

    cost = {
        "cost_index": index(ln_cost),
        "prompt_tokens_index": index(ln_prompt),
        "completion_tokens_index": index(ln_compl),
    }
    soc_api = np.bincount(d.task_soc, weights=p_api[:kr], minlength=len(_SOC)) / p_api[:kr].sum()
    cls = [PATTERNS.index(c) for c in CLASSIFIED_PATTERNS]
    auto = [PATTERNS.index(c) for c in AUTOMATION_PATTERNS]
    api_mix = p_api @ d.pi_api
    truth = {
        "api_soc_share": dict(zip(_SOC, map(float, soc_api), strict=True)),
        "api_pattern_share": dict(zip(PATTERNS, map(float, api_mix), strict=True)),
        "api_automation_share_all": float(api_mix[auto].sum()),
        "api_automation_share_classified": float(api_mix[auto].sum() / api_mix[cls].sum()),
        "api_task_probabilities_note": "base_k * exp(gamma_soc + b ln cost_k), normalized",
        "cost_soc_log_mean": dict(zip(_SOC, map(float, mu), strict=True)),
        "prompt_tokens_on_cost": 0.8,
        "completion_tokens_on_cost": 0.6,
    }
    return cost, out, truth


# --- assembling the dataset -------------------------------------------------------------------------


def _assemble(
    d: _Design,
    periods: list[dict[str, np.ndarray]],
    api: list[dict[str, np.ndarray]],
    cost: dict[str, np.ndarray],
    platforms: tuple[str, ...],
    dates: list[tuple[str, str]],
    with_tpc: bool,
    flagged_by_task: bool,
) -> xr.Dataset:
    n_geo = len(d.geos)
    multi_t = len(periods) > 1
    multi_p = len(platforms) > 1
    core = {
        "usage_count": ("geo",),
        "task_count": ("geo", "task"),
        "pattern_count": ("geo", "pattern"),
        "request_count": ("geo", "request"),
        "flagged_count": ("geo", "task") if flagged_by_task else ("geo",),
    }
    if with_tpc:
        core["task_pattern_count"] = ("geo", "task", "pattern")
    data_vars: dict[str, Any] = {}
    for name, dims in core.items():
        per_t = []
        for t, per in enumerate(periods):
            claude = per["flagged_task_count" if name == "flagged_count" and flagged_by_task else name]
            if name == "task_pattern_count":
                full = np.full((n_geo, *claude.shape), np.nan)
                full[0] = claude
                claude = full
            if multi_p:
                api_arr = np.full_like(claude, np.nan)
                if name == "flagged_count":
                    api_arr[0] = 0.0
                else:
                    api_arr[0] = api[t][name]
                claude = np.stack([claude, api_arr], axis=-1)
            per_t.append(claude)
        arr = np.stack(per_t, axis=-2 if multi_p else -1) if multi_t else per_t[0]
        data_vars[name] = (
            (*dims, *(("period",) if multi_t else ()), *(("platform",) if multi_p else ())),
            arr,
        )
    # global per-task pattern mix
    per_t = []
    for t, per in enumerate(periods):
        s = per["task_pattern_share"]
        if multi_p:
            s = np.stack([s, api[t]["task_pattern_share"]], axis=-1)
        per_t.append(s)
    arr = np.stack(per_t, axis=-2 if multi_p else -1) if multi_t else per_t[0]
    data_vars["task_pattern_share"] = (
        ("task", "pattern", *(("period",) if multi_t else ()), *(("platform",) if multi_p else ())),
        arr,
    )
    data_vars["working_age_pop"] = ("geo", d.pop)
    data_vars["gdp"] = ("geo", d.gdp)
    for name, vals in cost.items():
        data_vars[name] = ("task", vals)

    coords: dict[str, Any] = geo_coords(d.geos, d.levels)
    coords["abuse_flagged"] = ("geo", np.zeros(n_geo, dtype=bool))
    coords["task"] = np.array(d.tasks, dtype=object)
    coords["soc_major"] = (
        "task",
        np.array([_SOC[s] for s in d.task_soc] + list(SPECIAL_CLUSTERS), dtype=object),
    )
    coords.update(pattern_coords(PATTERNS))
    coords["request"] = np.array(d.requests, dtype=object)
    coords["request_level"] = ("request", d.request_level)
    coords["parent_request"] = ("request", np.array(d.request_parent, dtype=object))
    if multi_t:
        coords["period"] = np.array([a for a, _ in dates], dtype=object)
        coords["date_start"] = ("period", np.array([a for a, _ in dates], dtype=object))
        coords["date_end"] = ("period", np.array([b for _, b in dates], dtype=object))
    if multi_p:
        coords["platform"] = np.array(platforms, dtype=object)
    ds = xr.Dataset(data_vars, coords=coords)
    flagged = ds["flagged_count"]
    for dim in ("task", "period", "platform"):
        if dim in flagged.dims:
            flagged = flagged.max(dim)
    # the abuse geo itself (aggregates also carry its flagged traffic but are not flagged)
    abuse_geo = [g for g, lv in zip(d.geos, d.levels, strict=True) if lv != "global" and g != "USA"]
    mask = (flagged > 0) & ds["geo"].isin(abuse_geo)
    ds = ds.assign_coords(abuse_flagged=("geo", np.asarray(mask.values, dtype=bool)))
    return ds


def _truth(
    seed: int,
    d: _Design,
    params: dict[str, float],
    periods: list[dict[str, np.ndarray]],
    abuse_state: str | None,
    abuse: dict[str, Any],
    api_truth: dict[str, Any],
    cost_usage_slope: float,
    n_periods: int,
    platforms: tuple[str, ...],
    api_usage_ratio: float,
) -> dict[str, Any]:
    beta = params["convergence_rate"]
    loading = {s: float(v) for s, v in _SOC_INCOME_LOADING.items()}
    p0 = periods[0]
    kr = len(d.tasks) - 2
    usage = p0["usage_count"] - p0["flagged_count"]
    drawn = np.r_[d.country_idx[d.country_idx != d.usa], d.unl_country, d.state_idx, d.unl_state]
    claude_global = (usage[:, None] * p0["_probs"])[drawn]
    claude_soc = np.bincount(d.task_soc, weights=claude_global[:, :kr].sum(axis=0), minlength=len(_SOC))
    claude_soc = claude_soc / claude_soc.sum()
    truth: dict[str, Any] = {
        "seed": seed,
        "simulated": True,
        **params,
        "convergence_beta": beta,
        "convergence_half_life_periods": float(np.log(0.5) / np.log(beta)) if 0 < beta < 1 else None,
        "country_income_center": _COUNTRY_CENTER,
        "state_income_center": _STATE_CENTER,
        "automation_equation": (
            "automation_share_classified = expected_automation + automation_slope * (usage_index - 1) + v;"
            " usage_index: default index of clean counts at the geo's level"
        ),
        "expected_automation_coef": 1.0,
        "expected_automation_definition": (
            "sum over tasks with a rate (not none/not_classified) of the geo's task share among them times"
            " the task's automation rate in task_pattern_share (automation / five classified patterns)"
        ),
        "soc_income_loading": loading,
        "soc_automation_mean": {s: float(v) for s, v in _SOC_AUTOMATION.items()},
        "claude_soc_share": dict(zip(_SOC, map(float, p0["_exp_soc"]), strict=True)),
        "claude_soc_share_clean": dict(zip(_SOC, map(float, claude_soc), strict=True)),
        "claude_soc_share_note": "expected Claude.ai SOC mix of GLOBAL among regular tasks in the first "
        "period: claude_soc_share with all traffic (as released, flagged included), "
        "claude_soc_share_clean without the flagged traffic; platform_soc_share_diff = api - all traffic",
        "abuse": {"geo": abuse_state, **abuse} if abuse_state is not None else {"geo": None},
        "abuse_periods": [0] if abuse_state is not None else [],
        "soc_trend_loading": dict(_SOC_TREND_LOADING),
        "claude_soc_share_by_period": [
            dict(zip(_SOC, map(float, per["_exp_soc"]), strict=True)) for per in periods
        ],
        "claude_pattern_share_by_period": [
            dict(zip(PATTERNS, map(float, per["_exp_pattern"]), strict=True)) for per in periods
        ],
        "by_period_note": "expected shares of GLOBAL (all traffic, flagged included) given the realized "
        "usage of each geo; lists follow the period order",
        "n_geo": len(d.geos),
        "n_tasks": kr,
        "n_requests_leaf": int(d.request_weight.size),
        "n_periods": n_periods,
        "platforms": list(platforms),
        "unlocated_us_share": params["unlocated_share"] / 2,
    }
    if "api" in platforms:
        truth["cost_usage_slope"] = float(cost_usage_slope)
        truth["cost_usage_level"] = "task (exact in expectation); soc_major approximately"
        truth["api_usage_ratio"] = float(api_usage_ratio)
        truth["platform_soc_share_diff"] = {
            s: api_truth["api_soc_share"][s] - truth["claude_soc_share"][s] for s in _SOC
        }
        truth.update(api_truth)
    else:
        truth["cost_usage_slope"] = float(cost_usage_slope)
    return truth
