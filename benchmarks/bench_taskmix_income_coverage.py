"""Coverage of TaskMixIncome's PPML intervals and size of its joint test, on simulated releases.

For each of ``reps`` simulated releases (200 in full mode, 12 with ``--quick``;
``econindex.simulate(seed=s, n_tasks=200, abuse_state=None)``, 120 countries),
:class:`econindex.TaskMixIncome` (PPML, place effects absorbed, errors clustered by
country, reference group 15) is fitted at the country level and

* (with ``weighting="places"``, the default, and ``"counts"``, on the same releases)
  every 95% interval of ``b_k`` is checked against the truth
  ``task_mix_income_shift * (loading_k - loading_15)`` (the simulator draws group shares
  ``base_k exp(shift * loading_k * (ln y - 11) + eta_gk)``, normalized within the place, so
  only differences from the reference are identified): coverage over all 21 groups and reps,
  and the worst group;
* with ``task_mix_income_shift=0`` (the same seeds) the joint Wald test that every ``b_k = 0``
  rejects at 5%: chi-square(21) as the result reports it.

Records: coverage (threshold 0.93, better higher) and the null rejection rate
(threshold 0.075, better lower). Run ``nice -n 10 python benchmarks/bench_taskmix_income_coverage.py
[--quick] [--reps N]``; the last line is ``ratio: <coverage>``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small dense problems: threads only contend

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Record

REF = "15"


def one(seed: int, shift: float, weighting: str = "places") -> dict[str, np.ndarray | float]:
    """Coverage per group (CR1 as fitted, and CR2), the joint tests' p-values, estimates - truth."""
    import econindex as ei

    ds = ei.simulate(seed=seed, n_tasks=200, abuse_state=None, task_mix_income_shift=shift)
    truth = json.loads(ds.attrs["truth"])
    load = truth["soc_income_loading"]
    res = ei.TaskMixIncome(reference=REF, weighting=weighting).fit(ds)
    frame = res.to_frame()
    true = np.array([shift * (load[k] - load[REF]) for k in frame["soc_major"]])
    est = frame["estimate"].to_numpy()
    out: dict[str, np.ndarray | float] = {"err": est - true, "p_score": res.joint.pvalue}
    out["p_wald"] = res.wald.pvalue if res.wald is not None else float("nan")
    reg = res.regression
    idx = [list(reg.names).index(f"b_{k}") for k in frame["soc_major"]]
    for corr in ("CR1", "CR2"):
        r2 = reg.with_cov("cluster", cluster_correction=corr)
        se = np.sqrt(np.diag(r2.cov)[idx])
        out[corr] = np.abs(est - true) <= 1.959963984540054 * se
    return out


def _summary(alt: list[dict], null: list[dict], tag: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for corr in ("CR1", "CR2"):
        C = np.array([a[corr] for a in alt], dtype=float)
        out[f"{tag}coverage_{corr}"] = float(C.mean())
        out[f"{tag}coverage_{corr}_worst_group"] = float(C.mean(axis=0).min())
        out[f"{tag}coverage_{corr}_mc_se"] = float(np.sqrt(C.mean() * (1 - C.mean()) / C.size))
    out[f"{tag}mean_bias_max_abs"] = float(np.abs(np.mean([a["err"] for a in alt], axis=0)).max())
    for kind in ("score", "wald"):
        out[f"{tag}null_rejection_{kind}"] = float(np.mean([n[f"p_{kind}"] < 0.05 for n in null]))
        out[f"{tag}power_{kind}"] = float(np.mean([a[f"p_{kind}"] < 0.05 for a in alt]))
    return out


def study(reps: int, seed0: int = 20261201, log: Path | None = None) -> dict[str, float]:
    """Both weightings on the same releases: ``places`` (the default) and ``counts`` (prefix ``counts_``)."""
    runs: dict[str, tuple[list, list]] = {"places": ([], []), "counts": ([], [])}
    for i in range(reps):
        for w, (alt, null) in runs.items():
            alt.append(one(seed0 + i, 0.25, w))
            null.append(one(seed0 + i, 0.0, w))
        if log is not None:  # progress, one line per release: coverage (CR1) and the null p-value
            a, n = runs["places"][0][-1], runs["places"][1][-1]
            ac, nc = runs["counts"][0][-1], runs["counts"][1][-1]
            with log.open("a") as fh:
                fh.write(
                    f"{i} {float(np.mean(a['CR1'])):.4f} {float(n['p_score']):.4f} "
                    f"{float(np.mean(ac['CR1'])):.4f} {float(nc['p_score']):.4f}\n"
                )
    out: dict[str, float] = {"reps": reps, "null_rejection_mc_se": float(np.sqrt(0.05 * 0.95 / reps))}
    out.update(_summary(*runs["places"], ""))
    out.update(_summary(*runs["counts"], "counts_"))
    return out


def run(quick: bool, reps: int | None = None, log: Path | None = None) -> list[Record]:
    n = reps or (12 if quick else 200)
    t0 = time.perf_counter()
    s = study(n, log=log)
    took = time.perf_counter() - t0
    detail = (
        f"{n} releases x 21 groups; CR1 {s['coverage_CR1']:.4f} "
        f"(worst group {s['coverage_CR1_worst_group']:.3f}), "
        f"CR2 {s['coverage_CR2']:.4f} (worst {s['coverage_CR2_worst_group']:.3f}), MC se "
        f"{s['coverage_CR1_mc_se']:.4f}; max |mean bias| {s['mean_bias_max_abs']:.4f}; with "
        f"weighting='counts': CR1 {s['counts_coverage_CR1']:.4f}, CR2 {s['counts_coverage_CR2']:.4f}; "
        f"{took:.0f} s"
    )
    print(json.dumps(s))
    return [
        Record(
            target=f"TaskMixIncome PPML 95% intervals (CR1) cover the simulated b_k ({n} releases)",
            reference="nominal 0.95",
            ratio=s["coverage_CR1"],
            threshold=0.93,
            better="higher",
            detail=detail,
        ),
        Record(
            target=f"joint score test (sign-flip bootstrap): 5% rejection under the null ({n} releases)",
            reference="nominal 0.05",
            ratio=s["null_rejection_score"],
            threshold=0.075,
            better="lower",
            detail=f"MC se {s['null_rejection_mc_se']:.4f}; power at shift 0.25 {s['power_score']:.3f}; "
            f"Wald chi2 rejects {s['null_rejection_wald']:.3f} under the null; weighting='counts': "
            f"score {s['counts_null_rejection_score']:.3f}, Wald {s['counts_null_rejection_wald']:.3f}",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--log", type=Path, default=None, help="append one progress line per release")
    args = parser.parse_args()
    records = run(args.quick, args.reps, args.log)
    for r in records:
        print(
            f"{'PASS' if r.passed else 'FAIL'}  {r.target}: {r.ratio:.4g} "
            f"(need {r.better} {r.threshold:g}) {r.detail}"
        )
    print(f"ratio: {records[0].ratio:.6g}")
