"""Closed-form influence with its labelled output vs refitting without each observation.

econindex: :func:`econindex.robustness.influence` (leverage, studentized
residuals, Cook's distance and its p-value, DFFITS, DFBETA(S), leave-one-out
coefficients and residual scale, all from one factorisation, returned as a
labelled ``xarray.Dataset``). Reference: the loop a researcher writes by
hand, a ``statsmodels.OLS`` refit without each observation keeping its
coefficients and residual variance (what the leave-one-out measures need;
``OLSInfluence`` loops the same way). The loop fits without a robust
covariance: the measures do not depend on it, and a loop fitting HC1 as the
regression did would only be slower (the jackknife record below keeps HC1
on both sides). The loop builds no labelled output. Three designs:

* the 114 countries' income elasticity (the issue's target, first record),
* the 51 US states' income elasticity,
* a simulated heteroskedastic design with N = 1,000 and 4 regressors.

Each record checks that the leave-one-out coefficients and residual scales
equal the loop's to 1e-10 and says so. Also measured on the countries:
``OLSInfluence.summary_frame()`` (like for like: the same measures, also
labelled), the NumPy closed form alone, and the batched jackknife refits
with HC1 errors vs the loop with HC1. The machine is shared, so the three
influence records time the loop as N times its fastest refit, interleaved with
the influence() calls (``_refit_and_call``: a lower bound of the loop, so the
ratio can only understate the speed-up), and print beside it the ratio of the
whole loop and the call timed in equal windows (``_best_interleaved``), as
the other records are timed.

``--quick`` uses fewer repeats and N = 300 for the simulated design.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Record, main

LOOP = "statsmodels OLS refit loop (params and sigma without each observation)"


def _refit_loop(X: np.ndarray, y: np.ndarray, cov_type: str = "nonrobust") -> tuple[np.ndarray, np.ndarray]:
    import statsmodels.api as sm

    n = len(y)
    params = np.empty((n, X.shape[1]))
    sigma2 = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        fit = sm.OLS(y[keep], X[keep]).fit(cov_type=cov_type)
        params[i] = fit.params
        sigma2[i] = fit.mse_resid
    return params, sigma2


def _refit_and_call(X: np.ndarray, y: np.ndarray, fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """Best time of one refit of the loop (a different observation left out each round) and of ``fn``.

    Interleaved, one of each per round: on the shared machine a short call is seldom
    uninterrupted, so both are timed on equally short spans. ``n`` times the fastest refit
    is a lower bound of the loop's cost (the loop can only be slower), so the ratio can
    only understate the speed-up.
    """
    import statsmodels.api as sm

    n = len(y)
    best_fit = best_fn = float("inf")
    for r in range(rounds):
        i = r % n
        t0 = time.perf_counter()
        keep = np.arange(n) != i
        fit = sm.OLS(y[keep], X[keep]).fit()
        _ = fit.params, fit.mse_resid
        t1 = time.perf_counter()
        fn()
        t2 = time.perf_counter()
        best_fit, best_fn = min(best_fit, t1 - t0), min(best_fn, t2 - t1)
    return n * best_fit, best_fn


def _influence_record(label: str, res: Any, rounds: int, repeat: int) -> Record:
    from econindex.robustness import influence

    reg = res.regression if hasattr(res, "regression") else res
    X, y = reg.X, reg.y
    n, k = X.shape
    ref_params, ref_sigma2 = _refit_loop(X, y)
    infl = influence(res)
    err_b = float(np.max(np.abs(infl["loo_params"].values - ref_params)))
    err_s = float(np.max(np.abs(infl["loo_sigma"].values - np.sqrt(ref_sigma2))))
    err = max(err_b, err_s)
    t_loop, t_closed = _refit_and_call(X, y, lambda: influence(res), rounds)
    whole = _best_interleaved({"closed": lambda: influence(res), "loop": lambda: _refit_loop(X, y)}, repeat)
    return Record(
        target=f"influence() incl. labelled Dataset, {label}, N={n}, k={k}",
        reference=LOOP + ", timed as N x its fastest refit",
        ratio=t_loop / t_closed,
        threshold=50.0,
        detail=f"closed {t_closed * 1e3:.3f} ms, loop >= {t_loop * 1e3:.1f} ms; whole loop timed in equal "
        f"windows: {whole['loop'] / whole['closed']:.0f}x; max |LOO params, sigma diff| {err:.1e}"
        + (" (equal to 1e-10)" if err < 1e-10 else " (NOT EQUAL)"),
    )


def _best_interleaved(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Best wall time per call of each of ``fns`` over ``repeat`` interleaved rounds, in equal windows.

    In each round every function is timed over a window about as long as the slowest
    one's call (a call of 0.3 ms is repeated back to back about as many times as fit in
    a 20-70 ms refit loop), so on the shared machine both sides are exposed to the same
    interruptions; the best window over the rounds, per call, is kept. (Timing a short call
    alone would let it pick an uninterrupted run that the long loop never gets; CPU clocks
    count the hypervisor's stolen time on this VM, so they do not help.)
    """
    first = {}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        fn()
        first[name] = time.perf_counter() - t0
    longest = max(first.values())
    reps = {name: max(1, round(longest / max(t, 1e-9))) for name, t in first.items()}
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(reps[name]):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / reps[name])
    return best


def _simulated(n: int, k: int) -> Any:
    from econindex.regression import OLS

    rng = np.random.default_rng(16)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1)) * rng.uniform(0.5, 3, k - 1)])
    y = X @ rng.normal(size=k) + rng.standard_t(5, size=n) * (1 + np.abs(X[:, 1]))
    return OLS(cov_type="HC1").fit(y, X, obs_names=[f"sim{i:04d}" for i in range(n)])


def run(quick: bool) -> list[Record]:
    import statsmodels.api as sm

    import econindex as ei
    from econindex.robustness import influence, jackknife
    from econindex.robustness.influence import _closed_form

    repeat = 3 if quick else 15
    countries = ei.IncomeElasticity(cov_type="HC1").fit(ei.datasets.load_countries_2025_08(), level="country")
    states = ei.IncomeElasticity(cov_type="HC1").fit(ei.datasets.load_us_states_2025_08(), level="state_us")
    rounds = 60 if quick else 400
    rec_c = _influence_record("114 countries' income elasticity", countries, rounds, repeat)
    rec_s = _influence_record("51 US states' income elasticity", states, rounds, repeat)
    sim = _simulated(300 if quick else 1000, 4)
    rec_sim = _influence_record("simulated heteroskedastic", sim, rounds // 4, 3)

    X, y = countries.regression.X, countries.regression.y
    n = len(y)
    t = _best_interleaved(
        {
            "closed": lambda: influence(countries),
            "kernel": lambda: _closed_form(X, y, None),
            "loop": lambda: _refit_loop(X, y),
            "olsinfluence": lambda: sm.OLS(y, X).fit().get_influence().summary_frame(),
            "jackknife": lambda: jackknife(countries),
            "loop_hc1": lambda: _refit_loop(X, y, "HC1"),
        },
        repeat,
    )
    return [
        rec_c,
        rec_s,
        rec_sim,
        Record(
            target=f"influence() incl. labelled Dataset, N={n}",
            reference="statsmodels OLSInfluence.summary_frame()",
            ratio=t["olsinfluence"] / t["closed"],
            threshold=50.0,
            detail=f"closed {t['closed'] * 1e3:.3f} ms, OLSInfluence {t['olsinfluence'] * 1e3:.1f} ms",
        ),
        Record(
            # the NumPy closed form alone, without the labels (for the diagnosis: what the Dataset costs)
            target=f"closed-form influence kernel (NumPy, no labels), N={n}",
            reference=LOOP,
            ratio=t["loop"] / t["kernel"],
            threshold=50.0,
            detail=f"kernel {t['kernel'] * 1e3:.3f} ms, loop {t['loop'] * 1e3:.1f} ms",
        ),
        Record(
            target=f"batched jackknife refits with HC1 errors, N={n}",
            reference="statsmodels OLS(cov_type='HC1') refit loop",
            ratio=t["loop_hc1"] / t["jackknife"],
            threshold=10.0,
            detail=f"batched {t['jackknife'] * 1e3:.2f} ms, loop {t['loop_hc1'] * 1e3:.1f} ms",
        ),
    ]


if __name__ == "__main__":
    main(run)
