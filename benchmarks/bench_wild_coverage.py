"""Size of tests with few clusters: the null-imposed wild cluster bootstrap against the CR1 t-test.

Part 1 (issue 16 acceptance): G = 9 clusters of heterogeneous sizes, the sizes of
the 9 Census divisions in states (9, 8, 7, 6, 5, 5, 4, 4, 3) times 10, so N = 510.
The regressor has a cluster component and a skewed (lognormal) idiosyncratic part,
the error a cluster effect whose spread grows with cluster size, plus noise. The
null ``beta = 0`` is true. For each of ``reps`` replications (5,000; 300 with
``--quick``) the two-sided 5% test rejects or not:

* CR1 t-test with the normal and with the t(G-1) reference (Stata's default);
* wild cluster bootstrap, null imposed (WCR), Rademacher, all 2^9 = 512 sign vectors;
* WCR with Webb weights (999 draws), and the unrestricted WCU (Rademacher, enumerated).

The claim: WCR rejects close to 5% where the CR1 t-test over-rejects.

Part 2 (speed): the fast algorithm (O(G k) per replicate, :mod:`econindex._kernels.wild`)
against a naive loop that builds each bootstrap sample, refits OLS and computes
the CR1 standard error (O(N k) per replicate), on N = 20,000, G = 40, k = 5,
B = 999 draws (the same draws for both; their t statistics agree to 1e-8).

Run: ``python benchmarks/bench_wild_coverage.py [--quick] [--reps N]``; the last
line is ``ratio: <WCR Rademacher rejection rate>``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Record, best_times_interleaved

SIZES = np.array([9, 8, 7, 6, 5, 5, 4, 4, 3]) * 10
METHODS = (
    "CR1 t-test, normal",
    "CR1 t-test, t(G-1)",
    "WCR Rademacher (enumerated)",
    "WCR Webb (999 draws)",
    "WCU Rademacher (enumerated)",
)
COVERAGE = "WCR inverted 95% CI covers 0"


def draw(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sample under the null: design (N, 2), response, cluster codes."""
    g = np.repeat(np.arange(len(SIZES)), SIZES)
    n = len(g)
    x = rng.normal(size=len(SIZES))[g] + rng.lognormal(0.0, 1.0, size=n)
    spread = (SIZES / SIZES.mean())[g]
    u = spread * rng.normal(size=len(SIZES))[g] + rng.normal(size=n) * (1.0 + 0.5 * np.abs(x - x.mean()))
    X = np.column_stack([np.ones(n), x])
    return X, 1.0 + u, g


def size_study(reps: int, seed: int = 20261201) -> dict[str, float]:
    """Rejection rates at 5% under the null, per method."""
    from econindex.wild import wild_bootstrap_test

    rng = np.random.default_rng(seed)
    rejects = dict.fromkeys((*METHODS, COVERAGE), 0)
    G = len(SIZES)
    crit_n, crit_t = stats.norm.ppf(0.975), stats.t.ppf(0.975, G - 1)
    kw = {"names": ["const", "x"], "term": "x"}
    for i in range(reps):
        X, y, g = draw(rng)
        wcr = wild_bootstrap_test(X, y, cluster=g, **kw)
        t = abs(wcr.t_stat)  # the CR1 t statistic (G/(G-1) (N-1)/(N-k) factor)
        rejects["CR1 t-test, normal"] += bool(t > crit_n)
        rejects["CR1 t-test, t(G-1)"] += bool(t > crit_t)
        rejects["WCR Rademacher (enumerated)"] += bool(wcr.pvalue <= 0.05)
        lo, hi = wcr.ci(0.95)  # test inversion: covers the truth exactly when the test does not reject
        rejects[COVERAGE] += bool(lo <= 0.0 <= hi)
        webb = wild_bootstrap_test(X, y, cluster=g, weights="webb", n_boot=999, seed=i, **kw)
        rejects["WCR Webb (999 draws)"] += bool(webb.pvalue <= 0.05)
        wcu = wild_bootstrap_test(X, y, cluster=g, impose_null=False, **kw)
        rejects["WCU Rademacher (enumerated)"] += bool(wcu.pvalue <= 0.05)
    return {k: v / reps for k, v in rejects.items()}


def naive_t_boot(X: np.ndarray, y: np.ndarray, g: np.ndarray, col: int, v: np.ndarray) -> np.ndarray:
    """Reference: for each draw build y*, refit OLS and compute the CR1 t (O(N k) per draw)."""
    n, k = X.shape
    G = int(g.max()) + 1
    ssc = G / (G - 1) * (n - 1) / (n - k)
    XtX_inv = np.linalg.inv(X.T @ X)
    R = np.zeros(k)
    R[col] = 1.0
    beta = XtX_inv @ (X.T @ y)
    beta_r = beta - XtX_inv @ R * (beta[col] / XtX_inv[col, col])  # beta_col = 0 imposed
    u_r = y - X @ beta_r
    out = np.empty(len(v))
    for b in range(len(v)):
        y_star = X @ beta_r + u_r * v[b][g]
        beta_star = XtX_inv @ (X.T @ y_star)
        resid = y_star - X @ beta_star
        scores = np.zeros((G, k))
        np.add.at(scores, g, X * resid[:, None])
        meat = scores.T @ scores
        se = np.sqrt(ssc * (XtX_inv @ meat @ XtX_inv)[col, col])
        out[b] = beta_star[col] / se
    return out


def speed(quick: bool) -> tuple[float, float, float, float]:
    """(naive seconds, fast seconds, ratio, max |t* difference|) on the same draws."""
    from econindex._kernels import wild as kern

    n, G, k, B = (4000, 40, 5, 199) if quick else (20_000, 40, 5, 999)
    rng = np.random.default_rng(1)
    g = rng.integers(0, G, size=n)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    y = X @ np.r_[1.0, np.zeros(k - 1)] + rng.normal(size=G)[g] + rng.normal(size=n)
    codes = np.vstack(list(kern.weight_chunks("rademacher", G, B, np.random.default_rng(2), False)))
    v = kern.WEIGHT_POINTS["rademacher"][codes]

    def fast() -> np.ndarray:
        design = kern.prepare(X, y, 1, g, G)
        draws = kern.bootstrap_draws(design, iter([codes]), "rademacher", True)
        return kern.t_boot(draws, design.estimate, design.ssc)

    diff = float(np.max(np.abs(fast() - naive_t_boot(X, y, g, 1, v))))
    times = best_times_interleaved({"naive": lambda: naive_t_boot(X, y, g, 1, v), "fast": fast}, repeat=3)
    return times["naive"], times["fast"], times["naive"] / times["fast"], diff


def run(quick: bool, reps: int | None = None) -> list[Record]:
    reps = reps or (300 if quick else 5000)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # G = 9 must not warn: its bound 2/512 is below 1%
        rates = size_study(reps)
    elapsed = time.perf_counter() - t0
    mc = np.sqrt(0.05 * 0.95 / reps)
    print(
        f"Rejection rates of a true null at 5%, G={len(SIZES)} clusters of sizes {SIZES.tolist()}, "
        f"{reps} replications ({elapsed:.0f} s)"
    )
    for k in METHODS:
        print(f"  {k:<30s} {100 * rates[k]:5.1f}%")
    print(f"  {COVERAGE}: {100 * rates[COVERAGE]:.1f}% (1 - WCR rejection rate by construction)")
    print(f"  (Monte Carlo SE of a 5% rate: {100 * mc:.2f} points)")
    naive, fast, ratio, diff = speed(quick)
    print(
        f"\nSpeed: naive loop {naive:.3f} s, fast algorithm {fast:.4f} s, ratio {ratio:.0f}x "
        f"(max |t* difference| {diff:.1e})"
    )
    # Acceptance: WCR within 2.5 MC SE of 5% (plus 0.5 points for the discreteness of 512 draws);
    # the CR1 t(G-1) test over-rejects by more than 2.5 MC SE.
    band = 0.005 + 2.5 * float(mc)
    wcr = rates["WCR Rademacher (enumerated)"]
    return [
        Record(
            "WCR Rademacher rejection rate, G=9",
            f"<= 5% + {100 * band:.1f} pts",
            wcr,
            0.05 + band,
            better="lower",
            detail=f"{reps} replications",
        ),
        Record(
            "WCR Webb rejection rate, G=9",
            f"<= 5% + {100 * band:.1f} pts",
            rates["WCR Webb (999 draws)"],
            0.05 + band,
            better="lower",
        ),
        Record(
            "CR1 t(G-1) rejection rate, G=9 (over-rejects)",
            f">= 5% + {250 * mc:.1f} pts",
            rates["CR1 t-test, t(G-1)"],
            0.05 + 2.5 * float(mc),
        ),
        Record(
            "wild bootstrap fast algorithm vs naive refit loop",
            "naive loop (same draws)",
            ratio,
            20.0,
            detail=f"max |t* diff| {diff:.1e}",
        ),
        Record("fast vs naive t* agreement", "1e-8", diff, 1e-8, better="lower"),
        Record(
            "|inverted CI coverage - (1 - WCR rejection)|",
            "0 (test inversion)",
            abs(rates[COVERAGE] - (1.0 - wcr)),
            1e-12,
            better="lower",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="300 replications (seconds)")
    parser.add_argument("--reps", type=int, default=None)
    args = parser.parse_args()
    records = run(args.quick, args.reps)
    for r in records:
        status = "PASS" if r.passed else "FAIL"
        op = ">=" if r.better == "higher" else "<="
        print(f"{status}  {r.target}  vs {r.reference}: {r.ratio:.4g} ({op} {r.threshold:g}) {r.detail}")
    print(f"ratio: {records[0].ratio:.6g}")
