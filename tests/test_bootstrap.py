"""Batched bootstrap kernels against explicit statsmodels loops on the same draws, and coverage."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from econindex._kernels import bootstrap as boot
from econindex.elasticity import IncomeElasticity


def _data(n=40, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    y = 1 + 0.7 * x + rng.normal(size=n) * np.exp(0.5 * x)
    w = rng.uniform(0.5, 2, n) if weighted else None
    return X, y, w


@pytest.mark.parametrize("weighted", [False, True])
def test_pairs_bootstrap_equals_statsmodels_loop_on_same_resamples(weighted):
    X, y, w = _data(weighted=weighted)
    n = len(y)
    draws = boot.pairs_bootstrap(y, X, w, n_boot=30, rng=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    counts = np.stack([np.bincount(row, minlength=n) for row in rng.integers(0, n, size=(30, n))])
    for b in range(30):
        idx = np.repeat(np.arange(n), counts[b])
        model = sm.OLS(y[idx], X[idx]) if w is None else sm.WLS(y[idx], X[idx], weights=w[idx])
        ref = model.fit(cov_type="HC1")
        np.testing.assert_allclose(draws.params[b], ref.params, rtol=1e-9)
        np.testing.assert_allclose(draws.se[b], ref.bse, rtol=1e-8)
    assert draws.n_failed == 0


@pytest.mark.parametrize(("kind", "se_kind"), [("rademacher", "HC1"), ("webb", "HC3")])
def test_wild_bootstrap_equals_statsmodels_loop_on_same_multipliers(kind, se_kind):
    X, y, w = _data(weighted=True)
    n = len(y)
    draws = boot.wild_bootstrap(
        y, X, w, n_boot=25, rng=np.random.default_rng(3), weights=kind, se_kind=se_kind
    )
    V = boot.wild_weights(np.random.default_rng(3), (25, n), kind)
    fit = sm.WLS(y, X, weights=w).fit()
    Xw = X * np.sqrt(w)[:, None]
    h = np.diag(Xw @ np.linalg.inv(Xw.T @ Xw) @ Xw.T)
    e_tilde = fit.resid / np.sqrt(1 - h)
    for b in range(25):
        ystar = fit.fittedvalues + V[b] * e_tilde
        ref = sm.WLS(ystar, X, weights=w).fit(cov_type=se_kind)
        np.testing.assert_allclose(draws.params[b], ref.params, rtol=1e-9)
        np.testing.assert_allclose(draws.se[b], ref.bse, rtol=1e-8)


def test_wild_cluster_bootstrap_flips_whole_clusters_and_uses_cr1():
    X, y, _ = _data(n=48)
    g = np.repeat(np.arange(8), 6)
    draws = boot.wild_bootstrap(y, X, None, n_boot=10, rng=np.random.default_rng(1), clusters=g)
    V = boot.wild_weights(np.random.default_rng(1), (10, 8), "rademacher")[:, g]
    fit = sm.OLS(y, X).fit()
    h = fit.get_influence().hat_matrix_diag
    for b in range(10):
        ystar = fit.fittedvalues + V[b] * fit.resid / np.sqrt(1 - h)
        ref = sm.OLS(ystar, X).fit(cov_type="cluster", cov_kwds={"groups": g})
        np.testing.assert_allclose(draws.params[b], ref.params, rtol=1e-9)
        np.testing.assert_allclose(draws.se[b], ref.bse, rtol=1e-8)


def test_pairs_cluster_bootstrap_resamples_whole_clusters():
    X, y, _ = _data(n=48)
    g = np.repeat(np.arange(8), 6)
    draws = boot.pairs_bootstrap(y, X, None, n_boot=10, rng=np.random.default_rng(2), clusters=g)
    rows = np.random.default_rng(2).integers(0, 8, size=(10, 8))
    gcounts = np.stack([np.bincount(r, minlength=8) for r in rows])
    for b in range(10):
        idx = np.concatenate([np.flatnonzero(g == c) for c in range(8) for _ in range(gcounts[b, c])])
        ids = np.concatenate([np.full(6, k) for k in range(8)])  # each drawn copy is its own cluster
        ref = sm.OLS(y[idx], X[idx]).fit(cov_type="cluster", cov_kwds={"groups": ids})
        np.testing.assert_allclose(draws.params[b], ref.params, rtol=1e-9)
        np.testing.assert_allclose(draws.se[b], ref.bse, rtol=1e-8)


def test_webb_and_rademacher_moments():
    rng = np.random.default_rng(0)
    r = boot.wild_weights(rng, (100_000,), "rademacher")
    wbb = boot.wild_weights(rng, (100_000,), "webb")
    assert set(np.unique(r)) == {-1.0, 1.0}
    assert len(np.unique(wbb)) == 6
    np.testing.assert_allclose(np.sort(np.unique(wbb) ** 2), np.repeat([0.5, 1.0, 1.5], 2))
    assert abs(wbb.mean()) < 0.01 and abs(wbb.var() - 1) < 0.01


def test_intervals_by_hand():
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(1000, 2))
    dse = np.abs(rng.normal(size=(1000, 2))) + 0.5
    pct = boot.percentile_interval(draws, 0.9)
    np.testing.assert_allclose(pct, np.quantile(draws, [0.05, 0.95], axis=0).T)
    est, se = np.array([0.1, -0.2]), np.array([0.3, 0.4])
    t = (draws - est) / dse
    st = boot.studentized_interval(est, se, draws, dse, 0.9)
    lo = est - np.quantile(t, 0.95, axis=0) * se
    hi = est - np.quantile(t, 0.05, axis=0) * se
    np.testing.assert_allclose(st, np.column_stack([lo, hi]))


def test_seed_reproducibility_and_difference():
    from econindex.datasets import load_countries_2025_08

    ds = load_countries_2025_08()
    a = IncomeElasticity(bootstrap="pairs", n_boot=300, seed=7).fit(ds, level="country")
    b = IncomeElasticity(bootstrap="pairs", n_boot=300, seed=7).fit(ds, level="country")
    c = IncomeElasticity(bootstrap="pairs", n_boot=300, seed=8).fit(ds, level="country")
    assert a.boot_params is not None and b.boot_params is not None and c.boot_params is not None
    np.testing.assert_array_equal(a.boot_params, b.boot_params)
    assert a.ci() == b.ci() and a.ci() != c.ci()


def _coverage(reps, n=111, seed=123):
    """Share of 95% intervals covering the true slope: HC3 and wild bootstrap-t.

    Same design as ``benchmarks/bench_coverage.py``: ln GDP per capita ~ N(9.7, 1.2^2),
    error SD 0.1 + 0.6 |x - 9.7| (heteroskedastic, largest where leverage is).
    """
    from econindex.regression import OLS

    rng = np.random.default_rng(seed)
    hits = {"nonrobust": 0, "HC3": 0, "wild": 0}
    for _ in range(reps):
        x = rng.normal(9.7, 1.2, size=n)
        X = np.column_stack([np.ones(n), x])
        y = -7 + 0.7 * x + rng.normal(size=n) * (0.1 + 0.6 * np.abs(x - 9.7))
        res = OLS(cov_type="HC3").fit(y, X)
        lo, hi = res.conf_int().loc["x"].to_numpy()
        hits["HC3"] += int(lo <= 0.7 <= hi)
        lo, hi = res.with_cov("nonrobust").conf_int().loc["x"].to_numpy()
        hits["nonrobust"] += int(lo <= 0.7 <= hi)
        d = boot.wild_bootstrap(y, X, None, n_boot=199, rng=rng, se_kind="HC3")
        ci = boot.studentized_interval(res.coef, res.bse.to_numpy(), d.params, d.se, 0.95)
        hits["wild"] += int(ci[1, 0] <= 0.7 <= ci[1, 1])
    return {k: v / reps for k, v in hits.items()}


@pytest.mark.slow
def test_coverage_hc3_and_wild_near_nominal_nonrobust_below():
    cov = _coverage(300)
    # 300 reps: Monte Carlo SE of a 95% coverage is about 1.3 points; allow about 2.5 SE
    assert 0.92 <= cov["HC3"] <= 0.98, cov
    assert 0.92 <= cov["wild"] <= 0.98, cov
    assert cov["nonrobust"] < 0.88, cov  # classical SEs under-cover under this heteroskedasticity


def test_one_blas_thread_changes_no_bit_and_is_restored(monkeypatch):
    # the kernels run their (B, N) products on one BLAS thread (econindex/_kernels/threads.py);
    # the draws must be those of the default thread count, bit for bit
    import contextlib

    from threadpoolctl import threadpool_info

    from econindex._kernels.threads import one_blas_thread

    X, y, w = _data(n=114, weighted=True)
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    with one_blas_thread():
        assert all(lib["num_threads"] == 1 for lib in threadpool_info() if lib["user_api"] == "blas")
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before
    limited = boot.pairs_bootstrap(y, X, w, n_boot=5000, rng=np.random.default_rng(9))
    wild = boot.wild_bootstrap(y, X, w, n_boot=5000, rng=np.random.default_rng(9))
    monkeypatch.setattr(boot, "one_blas_thread", contextlib.nullcontext)
    free = boot.pairs_bootstrap(y, X, w, n_boot=5000, rng=np.random.default_rng(9))
    wild_free = boot.wild_bootstrap(y, X, w, n_boot=5000, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(limited.params, free.params)
    np.testing.assert_array_equal(limited.se, free.se)
    np.testing.assert_array_equal(wild.params, wild_free.params)
    np.testing.assert_array_equal(wild.se, wild_free.se)
