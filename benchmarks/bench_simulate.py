"""Speed of ``econindex.simulate``: a full-size release, and the default every test uses.

Targets (issue 3): a full-size synthetic release (over one million long rows
once written by ``write_aei``) is made "fast (seconds)"; here that means
faster than ``pyarrow.csv.read_csv`` merely parsing the written release
(ratio = parse time / simulate time >= 1). The default ``simulate()``, which
every helper's tests call, must take under one second (ratio = 1 s / time).

    python benchmarks/bench_simulate.py          # full size (about 30 s, mostly writing the CSV)
    python benchmarks/bench_simulate.py --quick  # small release, seconds
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

try:
    from benchmarks._common import Record, best_time, main
except ImportError:  # run as a script from the benchmarks folder
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import Record, best_time, main  # type: ignore[no-redef]


def _sizes(quick: bool) -> dict:
    if quick:
        return {"n_countries": 40, "n_tasks": 200, "n_requests": 60}
    return {"n_countries": 150, "n_tasks": 3000, "n_periods": 2, "usage_per_capita": 6e-4}


def run(quick: bool) -> list[Record]:
    import pyarrow.csv as pacsv

    import econindex as ei
    from econindex.io.aei import write_aei

    sizes = _sizes(quick)
    ei.simulate(seed=0, n_tasks=30)  # warm-up: imports, lazily loaded tables
    t_sim = best_time(lambda: ei.simulate(seed=0, **sizes), repeat=2 if quick else 3)
    ds = ei.simulate(seed=0, **sizes)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_aei(ds, Path(tmp) / "aei_enriched_sim.csv")
        with path.open("rb") as fh:
            rows = sum(1 for _ in fh) - 1
        t_parse = best_time(lambda: pacsv.read_csv(path), repeat=2 if quick else 3)
    t_default = best_time(lambda: ei.simulate(seed=0), repeat=3)
    desc = ", ".join(f"{k}={v}" for k, v in sizes.items())
    return [
        Record(
            target=f"simulate({desc}): {rows:,} long rows when written",
            reference="pyarrow.csv.read_csv parsing the written release",
            ratio=t_parse / t_sim,
            threshold=1.0,
            detail=f"simulate {t_sim:.2f} s, parse {t_parse:.2f} s",
        ),
        Record(
            target="default simulate(seed=0) (174 geos x 2,002 tasks)",
            reference="1 s budget",
            ratio=1.0 / t_default,
            threshold=1.0,
            detail=f"{t_default:.3f} s",
        ),
    ]


if __name__ == "__main__":
    main(run)
