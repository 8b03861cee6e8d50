"""Shared helpers of the benchmark scripts.

Every benchmark measures a reference and econindex in the same run and reports
a ratio (reference time / econindex time, so bigger is better, unless the
record says otherwise). Each script exposes ``run(quick: bool) -> list[Record]``
and, when run directly, prints its records and ends with a line
``ratio: <value>`` for its main target.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Record:
    target: str  # what is measured, e.g. "10k pairs bootstrap, N=114"
    reference: str  # what it is compared with, e.g. "statsmodels OLS loop"
    ratio: float  # measured ratio (see `better`)
    threshold: float  # required ratio
    better: str = "higher"  # "higher": ratio >= threshold passes; "lower": ratio <= threshold passes
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.ratio >= self.threshold if self.better == "higher" else self.ratio <= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def best_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls of ``fn`` (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def best_times_interleaved(fns: dict[str, Callable[[], Any]], repeat: int = 5) -> dict[str, float]:
    """Best wall time of each of ``fns``, called in turn ``repeat`` times (seconds).

    Interleaving puts the target and its reference under the same machine
    state (allocator, page cache, a noisy neighbour) in every round, so their
    ratio is steadier than that of two separate best-of-n runs.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


_READ_MEMORY_CHILD = r"""
import json, sys
import econindex.io.aei as aei

def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(key)

aei.read_aei(sys.argv[2])  # warm-up: imports and xarray's first-use machinery, on a small input
before = status("VmRSS")
try:  # reset the high-water mark (Linux >= 4.0); ru_maxrss would include the parent's peak
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
ds = aei.read_aei(sys.argv[1])
print(json.dumps({"before": before, "peak": status("VmHWM")}))
"""


def read_aei_memory_growth(target: Any, warmup: Any) -> int:
    """Resident-set growth (bytes) of ``read_aei(target)`` in a fresh process, after a warm-up read."""
    child = subprocess.run(
        [sys.executable, "-c", _READ_MEMORY_CHILD, str(target), str(warmup)],
        capture_output=True,
        text=True,
        check=True,
    )
    mem = json.loads(child.stdout.strip().splitlines()[-1])
    return max(int(mem["peak"]) - int(mem["before"]), 0)


def main(run: Callable[[bool], list[Record]]) -> None:
    """Command-line entry of a benchmark script: ``--quick`` for the CI mode."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds (CI mode)")
    args = parser.parse_args()
    records = run(args.quick)
    for r in records:
        status = "PASS" if r.passed else "FAIL"
        need = (">=" if r.better == "higher" else "<=") + f" {r.threshold:g}"
        print(f"{status}  {r.target}  vs {r.reference}: ratio {r.ratio:.3g} (need {need}) {r.detail}")
    print(f"ratio: {records[0].ratio:.6g}")
