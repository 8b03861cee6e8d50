"""Platform comparison: vectorized intervals vs per-category statsmodels calls and a replicate loop.

Two records on the task mix of the two platforms of a simulated release
(``simulate(platforms=("claude_ai", "api"))``, GLOBAL, every O*NET task):

1. ``compare_shares(..., over="task")`` with delta-method intervals, the
   per-category z tests and Holm/BH adjustment, against the obvious reference:
   a loop over tasks calling ``statsmodels``' ``confint_proportions_2indep``
   (difference, Wald; ratio, log), ``proportion_confint`` (Wilson, both sides)
   and ``proportions_ztest``, then ``multipletests``. Both must agree to 1e-9.
2. The multinomial bootstrap of the same comparison (``method="bootstrap"``,
   one vectorized draw per side), against a loop over replicates drawing one
   multinomial sample per side per replicate and taking the same four
   percentile intervals. Timing only (the draws differ). Both are bound by
   NumPy's binomial sampler (the multinomial draws K conditional binomials per
   replicate either way), so the gain is modest; the record guards against a
   regression.

``--quick`` uses a small release and fewer replicates.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import Record, best_time, main  # noqa: E402


def _statsmodels_loop(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        proportion_confint,
        proportions_ztest,
    )

    na, nb = ca.sum(), cb.sum()
    out = np.full((ca.size, 9), np.nan)
    for k in range(ca.size):
        if ca[k] + cb[k] == 0:
            continue
        out[k, 0:2] = confint_proportions_2indep(cb[k], nb, ca[k], na, method="wald", compare="diff")
        if ca[k] > 0 and cb[k] > 0:
            out[k, 2:4] = confint_proportions_2indep(cb[k], nb, ca[k], na, method="log", compare="ratio")
        out[k, 4:6] = proportion_confint(ca[k], na, method="wilson")
        out[k, 6:8] = proportion_confint(cb[k], nb, method="wilson")
        out[k, 8] = proportions_ztest([cb[k], ca[k]], [nb, na])[1]
    ok = np.isfinite(out[:, 8])
    multipletests(out[ok, 8], method="holm")
    multipletests(out[ok, 8], method="fdr_bh")
    return out


def _boot_loop(ca: np.ndarray, cb: np.ndarray, n_boot: int) -> list[np.ndarray]:
    """The same four percentile intervals, one multinomial draw per side per replicate."""
    rng = np.random.default_rng(0)
    na, nb = int(ca.sum()), int(cb.sum())
    pa, pb = ca / na, cb / nb
    qa = np.empty((n_boot, ca.size))
    qb = np.empty((n_boot, ca.size))
    for r in range(n_boot):
        qa[r] = rng.multinomial(na, pa) / na
        qb[r] = rng.multinomial(nb, pb) / nb
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = qb / qa
    q = [2.5, 97.5]
    rq = np.percentile(np.where(np.isnan(ratio), np.inf, ratio), q, axis=0, method="nearest")
    return [np.percentile(x, q, axis=0) for x in (qa, qb, qb - qa)] + [rq]


def run(quick: bool) -> list[Record]:
    from econindex.platforms import compare_shares
    from econindex.simulation import simulate

    n_tasks, n_boot = (300, 300) if quick else (2000, 2000)
    ds = simulate(seed=0, platforms=("claude_ai", "api"), n_countries=20, n_tasks=n_tasks)
    res = compare_shares(ds, over="task")
    t_fast = best_time(lambda: compare_shares(ds, over="task"), repeat=3)
    counts = ds["task_count"].sel(geo="GLOBAL")
    ca = counts.sel(platform="claude_ai").values.astype(float)
    cb = counts.sel(platform="api").values.astype(float)
    t0 = time.perf_counter()
    ref = _statsmodels_loop(ca, cb)
    t_ref = time.perf_counter() - t0
    t = res.table
    mine = t[
        [
            "diff_lower",
            "diff_upper",
            "ratio_lower",
            "ratio_upper",
            "share_a_lower",
            "share_a_upper",
            "share_b_lower",
            "share_b_upper",
            "p_value",
        ]
    ].to_numpy()
    # categories with no conversation on either side are reported (zero shares, degenerate
    # intervals) but have no test; the reference loop skips them, so compare the others
    seen = (ca + cb) > 0
    same = bool(np.allclose(mine[seen], ref[seen], rtol=1e-9, atol=1e-12, equal_nan=True))
    rec1 = Record(
        target=f"compare_shares delta intervals + tests, {ca.size} tasks",
        reference="statsmodels per-category loop (confint_proportions_2indep, proportion_confint, "
        "proportions_ztest, multipletests)",
        ratio=t_ref / t_fast if same else 0.0,
        threshold=20.0,
        detail=f"econindex {t_fast * 1e3:.1f} ms, statsmodels loop {t_ref * 1e3:.0f} ms; "
        f"identical to 1e-9: {same}",
    )
    t_boot = best_time(lambda: compare_shares(ds, over="task", method="bootstrap", n_boot=n_boot), repeat=2)
    t0 = time.perf_counter()
    _boot_loop(ca, cb, n_boot)
    t_loop = time.perf_counter() - t0
    rec2 = Record(
        target=f"compare_shares multinomial bootstrap, {ca.size} tasks x {n_boot} replicates",
        reference="loop over replicates, one multinomial draw per side each, same four intervals",
        ratio=t_loop / t_boot,
        threshold=0.75,
        detail=f"econindex {t_boot * 1e3:.0f} ms (whole comparison), loop {t_loop * 1e3:.0f} ms",
    )
    return [rec1, rec2]


if __name__ == "__main__":
    main(run)
