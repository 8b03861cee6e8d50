"""Task-mix controlled automation regression: econindex vs the plain pandas-loop implementation.

A full-size simulated release (about 250 geos x 2,000 tasks, over 1 million
rows) is written with ``write_aei``. econindex reads it back with ``read_aei``
and the timed part is the estimator from that dataset to the result
(``TaskMixAutomation().fit``: usage index, task rates, expected automation as a
matrix product over tasks, the regression). The reference is
``tests/plain_automation.py`` on the same rows (pandas filters and Python loops
over tasks and geos, written from the three published steps). Both must give
the same slope, partial R-squared and N (to 1e-8); the record says so.

In ``--quick`` mode the release is small and the loop runs once.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _common import Record, best_time, main  # noqa: E402


def run(quick: bool) -> list[Record]:
    import plain_automation as plain

    from econindex.automation import TaskMixAutomation
    from econindex.io.aei import read_aei, write_aei
    from econindex.simulation import simulate

    n_countries, n_tasks = (40, 200) if quick else (200, 2000)
    ds = simulate(seed=0, n_countries=n_countries, n_tasks=n_tasks)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "release.csv"
        write_aei(ds, path)
        back = read_aei(path)
        rows = pd.read_csv(path, keep_default_na=False, na_values=[""])
    n_rows = len(rows)
    n_geo = int((back["geo_level"] != "global").sum())

    est = TaskMixAutomation()
    res = est.fit(back, level="country")
    t_fast = best_time(lambda: est.fit(back, level="country"), repeat=3 if quick else 5)

    t0 = time.perf_counter()
    # the published sample rule, as TaskMixAutomation applies by default to a release read from files
    ref = plain.plain_fit(rows, level="country", min_conversations=200)
    t_plain = time.perf_counter() - t0

    diff = max(abs(res.slope - ref["slope"]), abs(res.partial_rsquared - ref["partial_rsquared"]))
    same = res.nobs == ref["nobs"] and diff <= 1e-8
    detail = (
        f"{n_rows:,} rows, {n_geo} geos x {back.sizes['task']} tasks; econindex {t_fast * 1e3:.1f} ms "
        f"(best of several), plain loop {t_plain:.2f} s (measured in full, once); slope "
        f"{res.slope:.6f} vs {ref['slope']:.6f}, partial R2 {res.partial_rsquared:.6f} vs "
        f"{ref['partial_rsquared']:.6f}, N {res.nobs} vs {ref['nobs']}"
        + (" [quick mode: too small for the ratio to mean much]" if quick else "")
    )
    return [
        Record(
            target=f"TaskMixAutomation.fit, simulated release ({n_rows:,} rows)",
            reference="plain pandas loops over tasks and geos (tests/plain_automation.py)",
            ratio=t_plain / t_fast if same else 0.0,
            threshold=1.0 if quick else 50.0,
            detail=detail,
        ),
        Record(
            target="identical numbers: max |difference| of slope and partial R2 (N must match)",
            reference="plain pandas loops",
            ratio=diff if res.nobs == ref["nobs"] else float("inf"),
            threshold=1e-8,
            better="lower",
        ),
    ]


if __name__ == "__main__":
    main(run)
