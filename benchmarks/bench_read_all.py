"""Read speed and memory of ``read_aei`` on a folder of all six releases at full size.

The folder (written to a temporary directory, never committed) holds one
release folder per release, in its own layout, about four million rows in
all: releases 1 and 2 (wide global CSVs), release 3 (``ei.simulate`` with
3,000 tasks written by ``write_aei``, about a million rows), releases 4 and 5
(long files with country-state geos and the economic primitives, written by
``tests/release_files.py``) and release 6 (one file per platform, 121
countries and 652 subregions, two months). ``read_aei(folder)`` returns one
validated dataset with a ``period`` dimension; it is compared with
``pyarrow.csv.read_csv`` merely parsing the same files.

The two are timed in turn, best of three, so both see the same machine
state. The panel's task and request cells are built dense only when used
(``econindex.io._cells``); the time of a read followed by ``ds.load()``,
which builds every variable, is printed beside the ratio. Targets (issue 15):
read time at most 2x the parse time; peak memory of the read (resident-set
growth, measured in a fresh process) under 3x the files' size.

    python benchmarks/bench_read_all.py          # full size (a few minutes)
    python benchmarks/bench_read_all.py --quick  # small releases, seconds
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from _common import Record, best_time, best_times_interleaved, main, read_aei_memory_growth  # noqa: E402


def make_releases(root: Path, quick: bool) -> list[Path]:
    """Write the six release folders under ``root``; return the CSV files written."""
    from release_files import write_release_1, write_release_2, write_release_6, write_release_45

    import econindex as ei
    from econindex.io.aei import write_aei

    n1 = 300 if quick else 2500
    write_release_1(root / "release_2025_02_10", n_tasks=n1)
    write_release_2(root / "release_2025_03_27", n_tasks=300 if quick else 2300, v1_tasks=n1)
    r3 = root / "release_2025_09_15"
    r3.mkdir()
    sim = ei.simulate(seed=0, n_tasks=300 if quick else 3000, n_countries=40 if quick else 120)
    write_aei(sim, r3 / "aei_enriched_claude_ai_2025-08-04_to_2025-08-11.csv")
    for release, folder in ((4, "release_2026_01_15"), (5, "release_2026_03_24")):
        write_release_45(
            root / folder,
            release,
            n_countries=20 if quick else 110,
            n_states=51,
            n_other=6,
            n_tasks=100 if quick else 1100,
            n_requests=30 if quick else 300,
        )
    write_release_6(
        root / "release_2026_06_26",
        n_countries=20 if quick else 121,
        n_states=51,
        n_other=20 if quick else 601,
        n_tasks=5 if quick else 36,
        n_requests=5 if quick else 20,
    )
    return sorted(root.rglob("*.csv"))


def run(quick: bool) -> list[Record]:
    import pyarrow.csv as pacsv

    from econindex.io.aei import read_aei

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "releases"
        small = Path(tmp) / "small"
        t0 = time.perf_counter()
        files = make_releases(root, quick)
        t_write = time.perf_counter() - t0
        make_releases(small, True)
        size = sum(f.stat().st_size for f in files)
        rows = sum(pacsv.read_csv(f).num_rows for f in files)
        ds = read_aei(root)  # warm-up, and the check that the folder reads
        n_periods = ds.sizes["period"]

        def parse() -> None:
            for f in files:
                pacsv.read_csv(f)

        best = best_times_interleaved({"parse": parse, "read": lambda: read_aei(root)}, repeat=3)
        t_parse, t_read = best["parse"], best["read"]
        # what a lazy read leaves for later: every variable built dense (informational)
        t_load = best_time(lambda: read_aei(root).load(), repeat=2)
        grown = read_aei_memory_growth(root, small)
    detail = f"{rows:,} rows in {len(files)} files, {size / 1e6:.0f} MB, {n_periods} periods"
    return [
        Record(
            target=f"read_aei, six releases in one dataset ({detail})",
            reference=f"pyarrow.csv.read_csv parse only ({t_parse:.2f} s vs read_aei {t_read:.2f} s)",
            ratio=t_read / t_parse,
            threshold=2.0,
            better="lower",
            detail=f"read then ds.load() (every variable built dense) {t_load:.2f} s, "
            f"{t_load / t_parse:.2f}x; writing the releases took {t_write:.0f} s",
        ),
        Record(
            target=f"read_aei (six releases) peak memory growth ({grown / 1e6:.0f} MB)",
            reference=f"files' size ({size / 1e6:.0f} MB)",
            ratio=grown / size,
            threshold=3.0,
            better="lower",
            detail="resident-set growth in a fresh process after warm-up",
        ),
    ]


if __name__ == "__main__":
    main(run)
