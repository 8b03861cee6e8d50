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
