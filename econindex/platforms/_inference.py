"""NumPy kernels of share comparisons (no labels): delta-method intervals of differences and
log ratios, two-proportion z tests, the multinomial bootstrap, Holm/BH adjustment, homogeneity tests.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def _delta_diff(ca: np.ndarray, na: float, cb: np.ndarray, nb: float, z: float) -> tuple[np.ndarray, ...]:
    """Difference ``pb - pa`` and its Wald (delta-method) interval.

    Under multinomial sampling on each side the marginal share of a category is
    binomial, so ``Var(pb - pa) = pa (1 - pa) / na + pb (1 - pb) / nb``.
    """
    pa, pb = ca / na, cb / nb
    diff = pb - pa
    se = np.sqrt(pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb)
    return diff, diff - z * se, diff + z * se


def _delta_ratio(ca: np.ndarray, na: float, cb: np.ndarray, nb: float, z: float) -> tuple[np.ndarray, ...]:
    """Ratio ``pb / pa`` and its delta-method interval on the log scale.

    ``Var(log pb - log pa) = (1 - pa) / (na pa) + (1 - pb) / (nb pb)``; the
    interval is undefined (NaN) where either share is zero.
    """
    pa, pb = ca / na, cb / nb
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pb / pa
        se = np.sqrt((1.0 - pa) / ca + (1.0 - pb) / cb)
        lo = np.exp(np.log(ratio) - z * se)
        hi = np.exp(np.log(ratio) + z * se)
    bad = (ca <= 0) | (cb <= 0)
    lo = np.where(bad, np.nan, lo)
    hi = np.where(bad, np.nan, hi)
    ratio = np.where((ca <= 0) & (cb <= 0), np.nan, ratio)
    return ratio, lo, hi


def _ztest(ca: np.ndarray, na: float, cb: np.ndarray, nb: float) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test of ``pa == pb`` per category (two-sided)."""
    pa, pb = ca / na, cb / nb
    pool = (ca + cb) / (na + nb)
    se0 = np.sqrt(pool * (1.0 - pool) * (1.0 / na + 1.0 / nb))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.where(se0 > 0, (pb - pa) / se0, 0.0)
    pval = np.where(se0 > 0, 2.0 * stats.norm.sf(np.abs(zstat)), 1.0)
    return zstat, pval


def _bootstrap(
    ca: np.ndarray, na: float, cb: np.ndarray, nb: float, alpha: float, n_boot: int, seed: int | None
) -> dict[str, np.ndarray]:
    """Percentile intervals from multinomial resampling of the counts on each side.

    One vectorized draw of shape ``(n_boot, K)`` per side (NumPy's multinomial
    sampler); no Python loop over replicates or categories.
    """
    rng = np.random.default_rng(seed)
    ia, ib = round(na), round(nb)
    qa = rng.multinomial(ia, ca / ca.sum(), size=n_boot) / ia
    qb = rng.multinomial(ib, cb / cb.sum(), size=n_boot) / ib
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = qb / qa
    out = {
        "share_a": np.percentile(qa, q, axis=0),
        "share_b": np.percentile(qb, q, axis=0),
        "diff": np.percentile(qb - qa, q, axis=0),
    }
    # a replicate with a zero share gives an infinite or undefined ratio; a
    # ratio interval is only reported where both observed counts are positive
    # "nearest" avoids interpolating between infinite replicates (inf - inf)
    r = np.percentile(np.where(np.isnan(ratio), np.inf, ratio), q, axis=0, method="nearest")
    bad = (ca <= 0) | (cb <= 0)
    out["ratio"] = np.where(bad[None, :], np.nan, r)
    return out


def _adjust(pvals: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values (statsmodels ``multipletests``), NaN where ``pvals`` is NaN."""
    from statsmodels.stats.multitest import multipletests

    out = np.full(pvals.shape, np.nan)
    ok = np.isfinite(pvals)
    if not ok.any():
        return out
    if method == "holm":
        # Hand-written: statsmodels' Holm branch calls gc.collect() on every
        # call (about 0.15 s in a large process, 50x the rest of compare_shares);
        # same step-down formula, checked against multipletests in the tests.
        p = pvals[ok]
        m = p.size
        order = np.argsort(p, kind="stable")
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
        res = np.empty(m)
        res[order] = adj
        out[ok] = res
    else:
        out[ok] = multipletests(pvals[ok], method=method)[1]
    return out


def _homogeneity(table: np.ndarray) -> tuple[float, float, float, float, int]:
    """Chi-square and G test of equal distributions across the rows of ``table`` (levels x categories).

    Columns that are zero in every row carry no information and are left out.
    Returns ``(chi2, chi2_p, g, g_p, df)``; with fewer than two non-empty
    categories the statistics are 0 with p-value 1 (nothing to compare).
    """
    keep = table.sum(axis=0) > 0
    t = table[:, keep]
    if t.shape[1] < 2:
        return 0.0, 1.0, 0.0, 1.0, 0
    chi = stats.chi2_contingency(t, correction=False)
    g = stats.chi2_contingency(t, correction=False, lambda_="log-likelihood")
    return float(chi.statistic), float(chi.pvalue), float(g.statistic), float(g.pvalue), int(chi.dof)
