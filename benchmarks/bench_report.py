"""Wall time of ``econindex report`` on the embedded data, against its 60-second budget.

Full mode runs the default report (Bayesian models included) and the
``--no-bayes`` report, each in a fresh subprocess, so import and compilation
time count. Quick mode runs only ``--no-bayes``. The ratio is seconds over the
budget (lower is better; at most 1 passes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Record, main

BUDGET_SECONDS = 60.0


def _time_report(*flags: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MPLBACKEND": "Agg"}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "econindex.cli", "report", "--quiet", "--out", tmp, *flags],
            check=True,
            env=env,
            timeout=1200,
        )
        return time.perf_counter() - t0


def run(quick: bool) -> list[Record]:
    no_bayes = _time_report("--no-bayes")
    records = [
        Record(
            "econindex report --no-bayes (s / 60 s budget)",
            "60 s budget",
            no_bayes / BUDGET_SECONDS,
            1.0,
            better="lower",
            detail=f"{no_bayes:.1f} s",
        ),
    ]
    if not quick:
        full = _time_report()
        records.insert(
            0,
            Record(
                "econindex report, default with Bayesian models (s / 60 s budget)",
                "60 s budget",
                full / BUDGET_SECONDS,
                1.0,
                better="lower",
                detail=f"{full:.1f} s",
            ),
        )
    return records


if __name__ == "__main__":
    main(run)
