"""Covariance registry: names and options, and CR2/CR3 against independent constructions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from econindex import covariance
from econindex._kernels.ols import wls
from econindex.errors import EstimationError, OptionError
from econindex.regression import OLS


def _design(n=36, g=6, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.exponential(size=n)])
    y = X @ [1.0, 0.5, -0.3] + rng.normal(size=n) * (1 + X[:, 2])
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    clusters = np.repeat(np.arange(g), n // g)
    return X, y, w, clusters


# --------------------------------------------------------------- registry
def test_registry_has_canonical_names_only():
    assert tuple(covariance.REGISTRY) == covariance.COV_TYPES
    assert set(covariance.COV_TYPES) == {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}


def test_unknown_name_lists_valid_ones():
    with pytest.raises(OptionError) as exc:
        covariance.get("robust")
    for name in covariance.COV_TYPES:
        assert repr(name) in str(exc.value)


def test_entries_reject_undeclared_options():
    X, y, _, g = _design()
    fit = wls(y, X)
    with pytest.raises(OptionError, match="does not take"):
        covariance.compute("HC1", fit, nobs=36, df_resid=33, clusters=g)
    with pytest.raises(OptionError, match="cluster_correction"):
        covariance.compute("cluster", fit, nobs=36, df_resid=33, clusters=g, cluster_correction="CR7")
    assert covariance.get("cluster").options == (
        "clusters",
        "cluster_correction",
        "convention",
        "target",
        "absorbed",
        "poisson",  # a PPML fit: clubSandwich's CR2 working model is its variance function
    )
    assert covariance.get("nonrobust").options == ("scale",)  # fixed dispersion (GLM)
    assert covariance.get("HC3").options == ("absorbed",)  # absorbed effects enter the leverages


def test_descriptions_say_what_each_type_means():
    assert "N/(N-k)" in covariance.describe("HC1")
    assert "(1-h)^2" in covariance.describe("HC3")
    assert "Bell-McCaffrey" in covariance.describe("cluster", "CR2")
    assert "jackknife" in covariance.describe("cluster", "CR3")


def test_one_cluster_is_an_error():
    X, y, _, _ = _design()
    with pytest.raises(EstimationError, match="at least 2 clusters"):
        OLS(cov_type="cluster").fit(y, X, cluster=np.zeros(36))


def test_hc3_with_leverage_one_names_the_observation():
    X = np.column_stack([np.ones(6), [0.0, 0, 0, 0, 0, 1], [1.0, 2, 3, 4, 5, 6]])
    y = np.arange(6.0) ** 1.5
    with pytest.raises(EstimationError, match="leverage 1: g5"):
        OLS(cov_type="HC3").fit(y, X, obs_names=[f"g{i}" for i in range(6)])


# --------------------------------------------------------------- CR2 / CR3
@pytest.mark.parametrize("weighted", [False, True])
def test_cr2_with_singleton_clusters_is_hc2(weighted):
    X, y, w, _ = _design(weighted=weighted)
    cr2 = OLS(cov_type="cluster", cluster_correction="CR2").fit(y, X, weights=w, cluster=np.arange(36))
    hc2 = sm.WLS(y, X, weights=1.0 if w is None else w).fit(cov_type="HC2")
    np.testing.assert_allclose(cr2.cov, hc2.cov_params(), rtol=1e-10)


def test_cr3_with_singleton_clusters_is_scaled_hc3():
    X, y, w, _ = _design(weighted=True)
    cr3 = OLS(cov_type="cluster", cluster_correction="CR3").fit(y, X, weights=w, cluster=np.arange(36))
    hc3 = sm.WLS(y, X, weights=w).fit(cov_type="HC3")
    np.testing.assert_allclose(cr3.cov, hc3.cov_params() * 35 / 36, rtol=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_cr3_is_the_delete_one_cluster_jackknife(weighted):
    X, y, w, g = _design(weighted=weighted)
    res = OLS(cov_type="cluster", cluster_correction="CR3").fit(y, X, weights=w, cluster=g)
    ww = np.ones(36) if w is None else w
    b = sm.WLS(y, X, weights=ww).fit().params
    deltas = []
    for c in np.unique(g):
        keep = g != c
        deltas.append(sm.WLS(y[keep], X[keep], weights=ww[keep]).fit().params - b)
    D = np.array(deltas)
    G = len(deltas)
    np.testing.assert_allclose(res.cov, (G - 1) / G * D.T @ D, rtol=1e-9)


@pytest.mark.parametrize("cov", [("HC2", None), ("cluster", "CR2")])
def test_hc2_and_cr2_are_unbiased_under_homoskedasticity(cov):
    """E[cov] = sigma^2 inv(X'X) exactly for iid errors: the estimators are quadratic in
    the residuals, and E[e e'] = I gives E[cov] = sum_i cov(y = unit vector i)."""
    X, _, _, g = _design(n=24, g=6, seed=2)
    n = X.shape[0]
    total = np.zeros((3, 3))
    for i in range(n):
        y = np.zeros(n)
        y[i] = 1.0
        r = OLS(cov_type=cov[0], cluster_correction=cov[1] or "CR1").fit(
            y, X, cluster=g if cov[0] == "cluster" else None
        )
        total += r.cov
    np.testing.assert_allclose(total, np.linalg.inv(X.T @ X), rtol=1e-9)


def _bm_dof_bruteforce(X, w, clusters, j):
    """Bell-McCaffrey dof from explicit N x N matrices and a loop over clusters."""
    sw = np.sqrt(np.ones(len(X)) if w is None else w)
    Xw = X * sw[:, None]
    bread = np.linalg.inv(Xw.T @ Xw)
    H = Xw @ bread @ Xw.T
    M = np.eye(len(X)) - H
    labels = np.unique(clusters)
    cols = []
    for c in labels:
        idx = np.flatnonzero(clusters == c)
        vals, vecs = np.linalg.eigh(M[np.ix_(idx, idx)])
        A = vecs @ np.diag(vals**-0.5) @ vecs.T
        cols.append(M[:, idx] @ A @ Xw[idx] @ bread[:, j])
    Gm = np.column_stack(cols)
    lam = np.linalg.eigvalsh(Gm.T @ Gm)
    return lam.sum() ** 2 / (lam**2).sum()


@pytest.mark.parametrize("weighted", [False, True])
def test_bell_mccaffrey_dof_matches_bruteforce(weighted):
    X, y, w, _ = _design(n=40, weighted=weighted)
    g = np.array([0] * 4 + [1] * 12 + [2] * 6 + [3] * 10 + [4] * 8)  # unequal sizes
    res = OLS(cov_type="cluster", cluster_correction="CR2").fit(y, X, weights=w, cluster=g)
    expected = [_bm_dof_bruteforce(X, w, g, j) for j in range(3)]
    assert res.df is not None
    np.testing.assert_allclose(res.df, expected, rtol=1e-9)
    assert np.all(res.df < 4)  # never more than G - 1 for a single coefficient


def test_cr2_bm_dof_drive_pvalues():
    from scipy import stats

    X, y, _, g = _design()
    res = OLS(cov_type="cluster", cluster_correction="CR2").fit(y, X, cluster=g)
    t = res.tvalues.to_numpy()
    np.testing.assert_allclose(res.pvalues, 2 * stats.t.sf(np.abs(t), res.df), rtol=1e-12)


def _absorbed_case(weighted):
    """Two non-nested effects (one nested in neither the clusters nor the other) and 8 clusters."""
    rng = np.random.default_rng(11)
    n = 96
    fe1 = rng.integers(0, 4, n)
    fe2 = rng.integers(0, 6, n)
    g = rng.integers(0, 8, n)
    x = rng.normal(size=n) + 0.3 * fe1
    z = rng.normal(size=n)
    y = 1 + 0.5 * x - 0.2 * z + 0.4 * fe1 - 0.1 * fe2 + rng.normal(size=n) * (1 + 0.5 * (g % 3))
    df = pd.DataFrame({"y": y, "x": x, "z": z, "f1": fe1, "f2": fe2, "w": rng.uniform(0.5, 2, n)})
    return df, g, ("w" if weighted else None)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "cov", [("HC2", None), ("HC3", None), ("cluster", "CR2"), ("cluster", "CR3")], ids=str
)
@pytest.mark.parametrize("convention", [None, "clubSandwich"])
def test_absorbed_effects_give_the_dummy_design_estimator(weighted, cov, convention):
    # HC2/HC3/CR2/CR3 depend on the hat matrix: with absorbed effects they must be those of the
    # regression with the effects as dummies (checked against R/statsmodels elsewhere)
    from econindex.regression import ols

    if convention and cov[0] != "cluster":
        pytest.skip("convention= is a cluster option")
    df, g, w = _absorbed_case(weighted)
    kw = {"cluster": g, "cluster_correction": cov[1], "convention": convention} if cov[1] else {}
    a = ols("y ~ x + z | f1 + f2", df, weights=w).with_cov(cov[0], **kw)
    b = ols("y ~ x + z + C(f1) + C(f2)", df, weights=w).with_cov(cov[0], **kw)
    np.testing.assert_allclose(a.bse[["x", "z"]], b.bse[["x", "z"]], rtol=1e-9)
    if cov[1]:
        np.testing.assert_allclose(a.df, np.asarray(b.df)[1:3], rtol=1e-8)


def test_absorbed_cr3_is_the_delete_one_cluster_jackknife():
    from econindex.regression import ols

    df, g, _ = _absorbed_case(False)
    res = ols("y ~ x + z | f1 + f2", df).with_cov("cluster", cluster=g, cluster_correction="CR3")
    b = res.params[["x", "z"]].to_numpy()
    G = 8
    drops = [ols("y ~ x + z + C(f1) + C(f2)", df[g != c]).params[["x", "z"]].to_numpy() - b for c in range(G)]
    jack = (G - 1) / G * sum(np.outer(d, d) for d in drops)
    np.testing.assert_allclose(res.cov[:2, :2], jack, rtol=1e-8)


def test_cr2_cr3_with_fixed_effects_nested_in_the_clusters():
    """Each cluster's I - H_gg is singular along its own effect: the Moore-Penrose power
    (clubSandwich's) gives R clubSandwich's CR2 on the dummy design (unweighted, and both
    weighted working models), and CR3 equals the explicit delete-one-cluster jackknife."""
    import json
    from pathlib import Path

    from econindex.regression import ols

    ref_dir = Path(__file__).parent / "reference"
    ref = json.loads((ref_dir / "r_nested_fe.json").read_text())
    df = pd.read_csv(ref_dir / "r_nested_fe_input.csv")
    df["g"] = df["g"].astype(str)
    cl = df["g"].to_numpy()
    terms = ["x", "z"]
    fit = ols("y ~ x + z | g", df, cov_type="cluster", cluster=cl, cluster_correction="CR2")
    np.testing.assert_allclose(fit.bse[terms].to_numpy(), ref["cr2"], rtol=1e-8)
    fitw = ols("y ~ x + z | g", df, weights=df["w"].to_numpy(), cov_type="HC1")
    for target, key in (("identity", "cr2_weighted"), ("inverse_weights", "cr2_weighted_inverse_var")):
        club = fitw.with_cov("cluster", cluster=cl, cluster_correction="CR2", convention="clubSandwich",
                             target=target)
        np.testing.assert_allclose(club.bse[terms].to_numpy(), ref[key], rtol=1e-8)
    for w in (None, df["w"].to_numpy()):
        cr3 = ols("y ~ x + z | g", df, weights=w, cov_type="cluster", cluster=cl, cluster_correction="CR3")
        b = cr3.params[terms].to_numpy()
        deltas = []
        for g in np.unique(cl):
            keep = cl != g
            sub = ols("y ~ x + z | g", df[keep], weights=None if w is None else w[keep])
            deltas.append(sub.params[terms].to_numpy() - b)
        d = np.array(deltas)
        n_g = len(deltas)
        np.testing.assert_allclose(cr3.bse[terms].to_numpy(), np.sqrt(np.diag((n_g - 1) / n_g * d.T @ d)),
                                   rtol=1e-8)
