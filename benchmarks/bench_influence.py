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
with HC1 errors vs the loop with HC1. Each target and its reference are
timed interleaved (best of ``repeat`` rounds), so a noisy neighbour hits both.

``--quick`` uses fewer repeats and N = 300 for the simulated design.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Record, best_times_interleaved, main

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


def _influence_record(label: str, res: Any, repeat: int) -> tuple[Record, dict[str, float]]:
    from econindex.robustness import influence

    reg = res.regression if hasattr(res, "regression") else res
    X, y = reg.X, reg.y
    n, k = X.shape
    ref_params, ref_sigma2 = _refit_loop(X, y)
    infl = influence(res)
    err_b = float(np.max(np.abs(infl["loo_params"].values - ref_params)))
    err_s = float(np.max(np.abs(infl["loo_sigma"].values - np.sqrt(ref_sigma2))))
    err = max(err_b, err_s)
    t = best_times_interleaved({"closed": lambda: influence(res), "loop": lambda: _refit_loop(X, y)}, repeat)
    record = Record(
        target=f"influence() incl. labelled Dataset, {label}, N={n}, k={k}",
        reference=LOOP,
        ratio=t["loop"] / t["closed"],
        threshold=50.0,
        detail=f"closed {t['closed'] * 1e3:.3f} ms, loop {t['loop'] * 1e3:.1f} ms, "
        f"max |LOO params, sigma diff| {err:.1e}" + (" (equal to 1e-10)" if err < 1e-10 else " (NOT EQUAL)"),
    )
    return record, t


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

    repeat = 5 if quick else 15
    countries = ei.IncomeElasticity(cov_type="HC1").fit(ei.datasets.load_countries_2025_08(), level="country")
    states = ei.IncomeElasticity(cov_type="HC1").fit(ei.datasets.load_us_states_2025_08(), level="state_us")
    rec_c, _ = _influence_record("114 countries' income elasticity", countries, repeat)
    rec_s, _ = _influence_record("51 US states' income elasticity", states, repeat)
    rec_sim, _ = _influence_record("simulated heteroskedastic", _simulated(300 if quick else 1000, 4), 3)

    X, y = countries.regression.X, countries.regression.y
    n = len(y)
    t = best_times_interleaved(
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
