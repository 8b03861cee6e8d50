"""Read speed and memory of ``read_aei`` on a full-size synthetic release.

A synthetic release (``ei.simulate`` with 3,000 tasks: over one million long
rows once written by ``write_aei``) is read into a validated dataset and
compared with ``pyarrow.csv.read_csv`` merely parsing the same file.

The two are timed in turn, best of five each, so both see the same machine
state. Targets (issue 3): read time at most 2x the parse time; peak memory of the
read (resident-set growth, measured in a fresh process) under 3x the file size.

    python benchmarks/bench_read.py          # full size (about a minute)
    python benchmarks/bench_read.py --quick  # small release, seconds
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Record, best_times_interleaved, main, read_aei_memory_growth


def make_release(folder: Path, quick: bool) -> tuple[Path, int]:
    """Write a synthetic release with ``write_aei``; return its path and row count."""
    import econindex as ei
    from econindex.io.aei import write_aei

    n_tasks = 800 if quick else 3000
    ds = ei.simulate(seed=0, n_tasks=n_tasks, n_countries=60 if quick else 120)
    path = write_aei(ds, folder / ("aei_enriched_sim_quick.csv" if quick else "aei_enriched_sim_full.csv"))
    with path.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1
    return path, rows


def _tiny(folder: Path) -> Path:
    p = folder / "tiny.csv"
    p.write_text(
        "geo_id,geography,date_start,date_end,platform_and_product,facet,level,variable,cluster_name,value\n"
        "US,country,2025-08-04,2025-08-11,Claude AI (Free and Pro),country,0,usage_count,US,10\n"
    )
    return p


def run(quick: bool) -> list[Record]:
    import pyarrow.csv as pacsv

    from econindex.io.aei import read_aei

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        path, rows = make_release(folder, quick)
        t_write = time.perf_counter() - t0
        size = os.path.getsize(path)
        tiny = _tiny(folder)
        read_aei(tiny)  # warm-up (imports, xarray first use)
        best = best_times_interleaved(
            {"parse": lambda: pacsv.read_csv(path), "read": lambda: read_aei(path)}, repeat=5
        )
        t_parse, t_read = best["parse"], best["read"]
        grown = read_aei_memory_growth(path, tiny)
    detail = f"{rows:,} rows, {size / 1e6:.1f} MB"
    return [
        Record(
            target=f"read_aei, validated dataset ({detail})",
            reference=f"pyarrow.csv.read_csv parse only ({t_parse:.2f} s vs read_aei {t_read:.2f} s)",
            ratio=t_read / t_parse,
            threshold=2.0,
            better="lower",
            detail=f"write_aei took {t_write:.1f} s (incl. simulate)",
        ),
        Record(
            target=f"read_aei peak memory growth ({grown / 1e6:.0f} MB)",
            reference=f"file size ({size / 1e6:.0f} MB)",
            ratio=grown / size,
            threshold=3.0,
            better="lower",
            detail="resident-set growth in a fresh process after warm-up",
        ),
    ]


if __name__ == "__main__":
    main(run)
