"""The fixed design: geos and covariates, tasks and SOC groups, true pattern mixes, request hierarchy.

Everything here is drawn once per seed and does not change across periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from econindex.datasets import data_path, load_us_state_covariates
from econindex.geography import US_STATES, iso_table
from econindex.schema import SOC_MAJOR_GROUPS as _ALL_SOC_GROUPS
from econindex.schema import SPECIAL_CLUSTERS, UNLOCATED
from econindex.simulation._random import _logistic, _logit, _normalize, _rng

SOC_MAJOR_GROUPS: dict[str, str] = {k: v for k, v in _ALL_SOC_GROUPS.items() if k != "55"}
"""The 22 SOC 2018 major groups with O*NET tasks (code -> title); 55, military, has none."""

_SOC = tuple(SOC_MAJOR_GROUPS)

# Claude.ai share of classified-task conversations per SOC group at the
# income centre (roughly the shape of the Aug 2025 release; normalized below).
_CLAUDE_SOC_SHARE = np.array(
    [0.045, 0.060, 0.360, 0.040, 0.060, 0.020, 0.020, 0.120, 0.080, 0.030, 0.008,
     0.004, 0.005, 0.002, 0.015, 0.020, 0.065, 0.003, 0.005, 0.010, 0.010, 0.018]
)  # fmt: skip


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

    @property
    def drawn(self) -> np.ndarray:
        """Positions of the geos drawn directly: located countries but USA, the unlocated geos, states.

        ``USA`` (states + ``not_classified_us``) and ``GLOBAL`` (countries + ``not_classified``) are sums.
        """
        countries = self.country_idx[self.country_idx != self.usa]
        return np.concatenate([countries, [self.unl_country], self.state_idx, [self.unl_state]])


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
