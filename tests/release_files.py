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


def write_release_2(folder: Path, *, n_tasks: int = 60, seed: int = 2) -> dict[str, pd.DataFrame]:
    """Release 2 (``release_2025_03_27``): the ``_v1`` copies of release 1, ``_v2`` files, by-task ratios.

    ``automation_vs_augmentation_v2.csv`` (``interaction_type,pct``),
    ``task_pct_v2.csv`` (``task_name,pct``, here ``n_tasks`` rows; 3,365 in
    the release) and ``automation_vs_augmentation_by_task.csv`` (ratios, the
    underscored pattern names and ``filtered``; one task fewer than
    ``task_pct_v2``, as in the release's 3,364 rows).
    """
    rng = np.random.default_rng(seed)
    out = write_release_1(folder, n_tasks=max(n_tasks // 2, 2), seed=1, suffix="_v1")
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
    other = [*R6_SUBREGIONS, *[f"FR-{k:02d}" for k in range(1, 96)]][:n_other]
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
