"""A formula fit with two absorbed fixed effects on 200,000 rows: econindex vs pyfixest.

econindex: :func:`econindex.regression.ols` on ``y ~ x1 + x2 | f1 + f2`` (1,000 and 50 levels),
HC1 errors. Reference: ``pyfixest.feols`` with the same formula and ``vcov="hetero"`` on the same
frame, timed in the same run (its numba kernels warmed up first). The target is econindex's time
under 2x pyfixest's (the ratio printed is econindex time / pyfixest time, lower is better); the
record also checks the coefficients agree to 1e-8. A PPML record times
``ppml("count ~ x:C(group) + C(group) | place", cluster="place")`` on 2,000 rows (issue 20's
TaskMixIncome shape) against ``pyfixest.fepois``.

``--quick`` uses 50,000 rows.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Record, best_time, main


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f1 = rng.integers(0, 1000, n)
    f2 = rng.integers(0, 50, n)
    x1 = rng.normal(size=n) + 0.1 * (f1 % 7)
    x2 = rng.normal(size=n)
    y = 0.5 * x1 - 0.3 * x2 + np.sin(f1) + 0.02 * f2 + rng.normal(size=n)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "f1": f1, "f2": f2})


def _task_frame(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    place = np.repeat(np.arange(200), 10)
    group = np.tile(np.arange(10), 200)
    x = rng.normal(size=200)[place] + rng.normal(size=place.size)  # varies within place
    count = rng.poisson(
        np.exp(1.0 + 0.2 * group / 10 + 0.3 * x * (group % 3) + rng.normal(size=200)[place] * 0.3)
    )
    return pd.DataFrame({"count": count.astype(float), "x": x, "group": group, "place": place})


def run(quick: bool) -> list[Record]:
    import pyfixest as pf

    from econindex.regression import ols, ppml

    warnings.filterwarnings("ignore")
    n = 50_000 if quick else 200_000
    df = _frame(n)
    fml = "y ~ x1 + x2 | f1 + f2"
    pf.feols(fml, df.iloc[:2000], vcov="hetero")  # warm up numba
    ours = ols(fml, df)
    ref = pf.feols(fml, df, vcov="hetero", fixef_tol=1e-10)
    err = float(np.max(np.abs(ours.coef - ref.coef().to_numpy())))
    repeat = 2 if quick else 3
    t_ours = best_time(lambda: ols(fml, df), repeat=repeat)
    t_ref = best_time(lambda: pf.feols(fml, df, vcov="hetero"), repeat=repeat)

    tf = _task_frame()
    pfml = "count ~ x:C(group) + C(group) | place"
    pf.fepois(pfml, tf, vcov={"CRV1": "place"})
    pours = ppml(pfml, tf, cluster="place")
    pref = pf.fepois(pfml, tf, vcov={"CRV1": "place"}, iwls_tol=1e-12, fixef_tol=1e-12)
    perr = float(np.max(np.abs(pours.coef - pref.coef().to_numpy())))
    t_p = best_time(lambda: ppml(pfml, tf, cluster="place"), repeat=repeat)
    t_pref = best_time(lambda: pf.fepois(pfml, tf, vcov={"CRV1": "place"}), repeat=repeat)
    return [
        Record(
            target=f"ols() with two absorbed effects (1000 + 50 levels), N={n:,}",
            reference="pyfixest.feols, same formula, vcov='hetero'",
            ratio=t_ours / t_ref,
            threshold=2.0,
            better="lower",
            detail=f"econindex {t_ours:.3f} s, pyfixest {t_ref:.3f} s, max |coef diff| {err:.1e}"
            + (" (equal to 1e-8)" if err < 1e-8 else " (NOT EQUAL)"),
        ),
        Record(
            target=f"ppml() count ~ x:C(group) + C(group) | place, cluster=place, N={len(tf):,}",
            reference="pyfixest.fepois, same formula, CRV1",
            ratio=t_p / t_pref,
            threshold=2.0,
            better="lower",
            detail=f"econindex {t_p * 1e3:.1f} ms, pyfixest {t_pref * 1e3:.1f} ms, |coef diff| {perr:.1e}",
        ),
    ]


if __name__ == "__main__":
    main(run)
