"""Test files in the layouts of AEI releases 2, 4, 5 and 6, written from the facts in RELEASES.md.

No file of these releases is in ``../shared/data/aei/releases``; these
generators write small, deterministic files in their layouts (column sets,
labels, quoting, rounding, file names as RELEASES.md describes them), and
return the tables they wrote, so a test can compare what the reader holds
with what was written, cell by cell. ``benchmarks/bench_read_all.py`` calls
them at full size.
"""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "statements",
    "write_release_1",
    "write_release_2",
]

PATTERNS_R1 = ("directive", "feedback loop", "learning", "none", "task iteration", "validation")
BY_TASK_COLUMNS = ("feedback_loop", "directive", "task_iteration", "validation", "learning", "filtered")


def statements(n: int, *, offset: int = 0) -> list[str]:
    """``n`` real lower-cased O*NET statements (the vendored table, in its order)."""
    path = resources.files("econindex.datasets").joinpath("data/onet_task_soc_major.csv.gz")
    with path.open("rb") as raw, gzip.open(raw) as fh:
        texts = pd.read_csv(fh, dtype=str, keep_default_na=False)["task_text_lower"].tolist()
    if n + offset > len(texts):
        raise ValueError(f"at most {len(texts)} statements")
    return texts[offset : offset + n]


def _shares(rng: np.random.Generator, n: int, total: float) -> np.ndarray:
    w = rng.gamma(0.7, size=n)
    return w / w.sum() * total


def write_release_1(
    folder: Path, *, n_tasks: int = 40, seed: int = 1, suffix: str = ""
) -> dict[str, pd.DataFrame]:
    """Release 1's two data files (``suffix="_v1"``: release 2's copies of them, ``task_pct_v1``)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pat = pd.DataFrame({"interaction_type": PATTERNS_R1, "pct": _shares(rng, 6, 84.2)})
    task = pd.DataFrame(
        {"task_name": [*statements(n_tasks - 1), "none"], "pct": _shares(rng, n_tasks, 100.0)}
    )
    out = {
        f"automation_vs_augmentation{suffix}.csv": pat,
        ("task_pct_v1.csv" if suffix else "onet_task_mappings.csv"): task,
    }
    for name, df in out.items():
        df.to_csv(folder / name, index=False)
    return out


def write_release_2(
    folder: Path, *, n_tasks: int = 60, v1_tasks: int | None = None, seed: int = 2
) -> dict[str, pd.DataFrame]:
    """Release 2 (``release_2025_03_27``): the ``_v1`` copies of release 1, ``_v2`` files, by-task ratios.

    ``automation_vs_augmentation_v2.csv`` (``interaction_type,pct``),
    ``task_pct_v2.csv`` (``task_name,pct``, here ``n_tasks`` rows; 3,365 in
    the release) and ``automation_vs_augmentation_by_task.csv`` (ratios, the
    underscored pattern names and ``filtered``; one task fewer than
    ``task_pct_v2``, as in the release's 3,364 rows).
    """
    rng = np.random.default_rng(seed)
    v1 = max(n_tasks // 2, 2) if v1_tasks is None else v1_tasks  # = write_release_1(n_tasks=v1)
    out = write_release_1(folder, n_tasks=v1, seed=1, suffix="_v1")
    pat = pd.DataFrame({"interaction_type": PATTERNS_R1, "pct": _shares(rng, 6, 91.7)})
    tasks = [*statements(n_tasks - 1, offset=20), "none"]
    task = pd.DataFrame({"task_name": tasks, "pct": _shares(rng, n_tasks, 100.0)})
    ratios = rng.dirichlet(np.ones(len(BY_TASK_COLUMNS)), size=n_tasks - 1)
    by_task = pd.DataFrame(ratios, columns=list(BY_TASK_COLUMNS))
    by_task.insert(0, "task_name", tasks[:-1])
    by_task.iloc[3, 1:] = np.nan  # a task whose ratios are all missing: dropped and counted
    v2 = {
        "automation_vs_augmentation_v2.csv": pat,
        "task_pct_v2.csv": task,
        "automation_vs_augmentation_by_task.csv": by_task,
    }
    for name, df in v2.items():
        df.to_csv(folder / name, index=False)
    return {**out, **v2}


# --- release 6 ("Cadences") ---------------------------------------------------------------------------
CADENCE_COLUMNS = ("date_start", "date_end", "geo_id", "geo_level", "category_name", "hierarchy_level",
                   "metric_id", "value", "node_name", "node_external_id")  # fmt: skip
R6_WINDOWS = (("2026-04-01", "2026-05-01"), ("2026-05-01", "2026-06-01"))
R6_PATTERNS = ("directive", "feedback_loop", "task_iteration", "learning", "validation", "none")
R6_MEANS = ("ai_autonomy_mean", "ai_education_years_mean", "human_education_years_mean",
            "human_only_time_mean", "human_with_ai_time_mean")  # fmt: skip
R6_ARTIFACTS = tuple(
    f"{a}_or_{b}" for a, b in [("analysis", "summary"), ("code", "script"), ("document", "report"),
    ("email", "message"), ("explanation", "answer"), ("plan", "schedule"), ("table", "dataset"),
    ("image", "diagram"), ("presentation", "slides"), ("story", "poem"), ("translation", "edit"),
    ("recipe", "instructions"), ("advice", "guidance"), ("list", "outline"), ("review", "feedback"),
    ("lesson", "quiz"), ("essay", "article"), ("resume", "letter"), ("query", "formula"),
    ("design", "mockup"),
    ("legal", "contract"), ("medical", "note"), ("financial", "model"), ("research", "citation"),
    ("game", "puzzle"), ("music", "lyrics"), ("website", "page"), ("config", "infrastructure"),
    ("test", "check"), ("data", "cleaning"), ("prompt", "template"), ("other", "artifact")]
)  # fmt: skip
R6_OVERALL_METRICS = (
    "usage_pct", "usage_per_capita_index", "pct",
    *(f"collaboration_{p}_pct" for p in R6_PATTERNS),
    "collaboration_bucket_automation_pct", "collaboration_bucket_augmentation_pct",
    "use_case_work_pct", "use_case_personal_pct", "use_case_coursework_pct",
    "multitasking_pct", "human_only_ability_pct", *R6_MEANS,
    *(f"artifact_{a}_pct" for a in R6_ARTIFACTS),
)  # fmt: skip
"""The 53 metrics of release 6."""
R6_SUBREGIONS = ("BR-SP", "BR-RJ", "GB-ENG", "IN-KA", "DE-BY", "CA-ON")


def _r6_geos(n_countries: int, n_states: int, n_other: int) -> list[tuple[str, str]]:
    from econindex.geography import US_STATES, iso_table

    iso = iso_table()["iso_alpha_3"].tolist()
    countries = ["USA", *[c for c in iso if c != "USA"][: n_countries - 1]]
    states = [f"US-{s}" for s in sorted(US_STATES)][:n_states]
    more = (f"{cc}-{k:02d}" for cc in ("FR", "IT", "ES", "MX", "JP", "CN", "PL") for k in range(1, 100))
    other = [*R6_SUBREGIONS, *more][:n_other]
    return [("GLOBAL", "global"), *((c, "country") for c in countries),
            *((s, "subregion") for s in [*states, *other])]  # fmt: skip


def write_release_6(
    folder: Path,
    *,
    n_countries: int = 8,
    n_states: int = 6,
    n_other: int = 3,
    n_tasks: int = 12,
    n_requests: int = 4,
    suppress: float = 0.05,
    seed: int = 6,
) -> dict[str, pd.DataFrame]:
    """Release 6 (``release_2026_06_26``): a file per platform, the 53 metrics, values rounded to 2 decimals.

    Per geo and window: the Overall node's metrics (``usage_per_capita_index``
    only for countries and US states), ``pct`` of every O*NET task (level 0,
    numeric Task ID) and of DWA/IWA/GWA nodes (levels 1-3), of detailed SOC
    occupations (level 0, ``15-1252.00``) and major groups (level 1, ``15``),
    and of request clusters (levels 0-2, UUID ids); every task's
    ``collaboration_*_pct`` and ``ai_autonomy_mean`` (a node metric the
    reader drops). A fraction ``suppress`` of rows is left out (a missing row
    is a suppressed cell). Full size: ``n_countries=121``, 652 subregions.
    """
    from econindex.io._onet import task_ids

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    geos = _r6_geos(n_countries, n_states, n_other)
    tasks = statements(n_tasks, offset=100)
    tids = task_ids(tasks)
    socs = [("15-1252.00", "Software Developers", 0), ("25-2021.00", "Elementary School Teachers", 0),
            ("15", "Computer and Mathematical", 1), ("25", "Educational Instruction and Library", 1),
            ("13", "Business and Financial Operations", 1)]  # fmt: skip
    onet_up = [(f"4.A.{k}.a", f"work activity {k}", 1 + k % 3) for k in range(6)]
    reqs = [(f"{k:08x}-0000-4000-8000-{seed:012x}", f"request cluster {k}", k % 3) for k in range(n_requests)]
    out = {}
    for platform in ("claude_ai", "1p_api"):
        blocks = []
        for start, end in R6_WINDOWS:
            for geo, level in geos:
                us_state = level == "subregion" and geo.startswith("US-")
                for metric in R6_OVERALL_METRICS:
                    if metric == "usage_per_capita_index" and level not in ("country",) and not us_state:
                        continue
                    value = (
                        rng.uniform(0.5, 5)
                        if metric.endswith("_mean") or "index" in metric
                        else rng.uniform(0, 40)
                    )
                    blocks.append((start, end, geo, level, "overall", 0, metric, value, "Overall", "-"))
                for t, i in zip(tasks, tids, strict=True):
                    blocks.append(
                        (start, end, geo, level, "onet", 0, "pct", rng.uniform(0, 5), t.capitalize(), i)
                    )
                    for p in R6_PATTERNS:
                        blocks.append((start, end, geo, level, "onet", 0, f"collaboration_{p}_pct",
                                       rng.uniform(0, 30), t.capitalize(), i))  # fmt: skip
                    blocks.append((start, end, geo, level, "onet", 0, "ai_autonomy_mean", rng.uniform(1, 5),
                                   t.capitalize(), i))  # fmt: skip
                for ext, name, lv in onet_up:
                    blocks.append((start, end, geo, level, "onet", lv, "pct", rng.uniform(0, 20), name, ext))
                for ext, name, lv in socs:
                    blocks.append(
                        (start, end, geo, level, "soc_occupation", lv, "pct", rng.uniform(0, 30), name, ext)
                    )
                for ext, name, lv in reqs:
                    blocks.append(
                        (start, end, geo, level, "request", lv, "pct", rng.uniform(0, 30), name, ext)
                    )
        df = pd.DataFrame(blocks, columns=list(CADENCE_COLUMNS))
        df["value"] = df["value"].round(2)
        df = df[rng.random(len(df)) >= suppress].reset_index(drop=True)
        name = f"aei_{platform}_2026-06-26.csv"
        df.to_csv(folder / name, index=False)
        out[name] = df
    return out


# --- releases 4 and 5 ("economic primitives") -----------------------------------------------------------
LONG_COLUMNS = ("geo_id", "geography", "date_start", "date_end", "platform_and_product", "facet", "level",
                "variable", "cluster_name", "value")  # fmt: skip
R45 = {
    4: {"folder": "release_2026_01_15", "window": ("2025-11-13", "2025-11-20"),
        "claude": "Claude AI (Free and Pro)",
        "use_case": ("work", "coursework", "personal", "not_classified"),
        "territories": ()},
    5: {"folder": "release_2026_03_24", "window": ("2026-02-05", "2026-02-12"),
        "claude": "Claude AI (Free, Pro, and Max)",
        "use_case": ("work", "coursework", "personal", "not_classified", "none"),
        "territories": ("GU", "PR", "VI")},
}  # fmt: skip
CATEGORIES = {
    "task_success": ("yes", "partial", "no"),
    "multitasking": ("yes", "no"),
    "human_only_ability": ("yes", "no"),
}
NUMERIC = (
    "human_only_time",
    "human_with_ai_time",
    "ai_autonomy",
    "human_education_years",
    "ai_education_years",
)
STATS = (
    "mean",
    "median",
    "stdev",
    "count",
    "mean_ci_lower",
    "mean_ci_upper",
    "median_ci_lower",
    "median_ci_upper",
)
BINS = ("[0.0, 1.0)", "[1.0, 2.0)", "[2.0, 5.0)", "[5.0, 10.0)", "[10.0, 20.0)")
R45_OTHER = ("BR-SP", "GB-ENG", "IN-KA", "DE-BY", "AO-LUA", "CA-ON")


def write_release_45(
    folder: Path,
    release: int,
    *,
    n_countries: int = 5,
    n_states: int = 4,
    n_other: int = 3,
    n_tasks: int = 6,
    n_requests: int = 3,
    seed: int = 45,
) -> dict[str, pd.DataFrame]:
    """Release 4 or 5: the long format (raw only) with country-state geos and the economic primitives.

    One Claude.ai file and one 1P API file. Geos: ``GLOBAL``, ISO-2 countries,
    ``country-state`` US states (release 5 adds ``US-GU``, ``US-PR``,
    ``US-VI``), other countries' subdivisions and ``XX-not_classified``. Per
    geo: usage, task, collaboration and request counts with their ``*_pct``
    (count / sum x 100), the categorical primitives (counts and pct), the
    numeric ones (statistics and histogram counts / pct, bin ranges in
    ``cluster_name``); at ``GLOBAL`` the ``onet_task::collaboration`` mix and
    two primitive intersections (``onet_task::use_case`` counts and
    ``onet_task::ai_autonomy`` means under the base facet's variable name),
    which the reader drops and counts; the API file adds
    ``onet_task::cost``. Release 5 rounds a third of the values to 4 decimals
    and quotes its Claude.ai label (it holds commas).
    """
    from econindex.geography import iso_table

    spec = R45[release]
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + release)
    start, end = spec["window"]
    iso2 = [c for c in iso_table()["iso_alpha_2"].tolist() if c not in ("US", "NA")]
    countries = ["US", "NA", *iso2[: max(n_countries - 2, 0)]][:n_countries]
    from econindex.geography import US_STATES

    states = [f"US-{s}" for s in sorted(US_STATES)][:n_states] + [f"US-{t}" for t in spec["territories"]]
    subs = [*states, *R45_OTHER[:n_other], "XX-not_classified"]
    tasks = [*statements(n_tasks, offset=200), "none"]
    patterns = (
        "directive",
        "feedback loop",
        "task iteration",
        "learning",
        "validation",
        "none",
        "not_classified",
    )
    requests = [(f"request cluster {k}", k % 3) for k in range(n_requests)]
    out = {}
    for platform, label in (("claude_ai", spec["claude"]), ("1p_api", "1P API")):
        rows: list[tuple] = []

        def put(geo: str, geography: str, facet: str, variable: str, cluster: str, value: float,
                level: int = 0, rows: list[tuple] = rows, label: str = label) -> None:  # fmt: skip
            rows.append((geo, geography, start, end, label, facet, level, variable, cluster, value))

        def counts_and_pct(
            geo: str, geography: str, facet: str, prefix: str, labels: list[str], level: int = 0
        ):
            c = rng.integers(15, 400, size=len(labels)).astype(float)
            for lab, v in zip(labels, c, strict=True):
                put(geo, geography, facet, f"{prefix}_count", lab, v, level)
            for lab, v in zip(labels, c / c.sum() * 100, strict=True):
                put(geo, geography, facet, f"{prefix}_pct", lab, v, level)

        geos = [("GLOBAL", "global", "global"), *((c, "country", "country") for c in countries),
                *((s, "country-state", "country-state") for s in subs)]  # fmt: skip
        bound = 400 * (len(tasks) + n_requests + 10)  # above every facet's total
        usage = (bound + rng.integers(5_000, 50_000, size=len(geos))).astype(float)
        for (geo, geography, facet), u in zip(geos, usage, strict=True):
            put(geo, geography, facet, "usage_count", geo, u)
            put(geo, geography, facet, "usage_pct", geo, rng.uniform(0, 10))
            counts_and_pct(geo, geography, "onet_task", "onet_task", tasks)
            counts_and_pct(geo, geography, "collaboration", "collaboration", list(patterns))
            for lv in (0, 1, 2):
                counts_and_pct(geo, geography, "request", "request", [r for r, k in requests if k == lv], lv)
            counts_and_pct(geo, geography, "use_case", "use_case", list(spec["use_case"]))
            for facet, cats in CATEGORIES.items():
                counts_and_pct(geo, geography, facet, facet, list(cats))
            for facet in NUMERIC:
                for stat in STATS:
                    value = float(rng.integers(15, 400)) if stat == "count" else rng.uniform(0.5, 15)
                    put(geo, geography, facet, f"{facet}_{stat}", "", value)
                counts_and_pct(geo, geography, facet, f"{facet}_histogram", list(BINS))
        for t in tasks:
            mix = rng.dirichlet(np.ones(len(patterns))) * 100
            for p, v in zip(patterns, mix, strict=True):
                put(
                    "GLOBAL",
                    "global",
                    "onet_task::collaboration",
                    "onet_task_collaboration_pct",
                    f"{t}::{p}",
                    v,
                )
            for u in spec["use_case"]:
                put("GLOBAL", "global", "onet_task::use_case", "onet_task_use_case_count", f"{t}::{u}",
                    float(rng.integers(15, 90)))  # fmt: skip
            put("GLOBAL", "global", "onet_task::ai_autonomy", "ai_autonomy_mean", t, rng.uniform(1, 5))
            if platform == "1p_api":
                put("GLOBAL", "global", "onet_task::cost", "cost_index", f"{t}::index", rng.uniform(0.2, 3))
        df = pd.DataFrame(rows, columns=list(LONG_COLUMNS))
        if release == 5:  # mixed rounding: some values to 4 decimals, others full floats
            third = (np.arange(len(df)) % 3 == 0) & ~df["variable"].str.endswith("_count")
            df.loc[third, "value"] = df.loc[third, "value"].round(4)
        name = f"aei_raw_{platform}_{start}_to_{end}.csv"
        df.to_csv(folder / name, index=False)
        out[name] = df
    return out
