"""Wild (cluster) bootstrap test: against wildboottest, statsmodels and a hand enumeration.

Reference values come from ``tests/reference/wild_wildboottest.py`` (the
``wildboottest`` package, which pyfixest calls); its JSON stores each case's
data, so these tests need neither wildboottest nor numba. wildboottest counts
``|t*| > |t|`` strictly, econindex counts ties (``>=``); with full enumeration
the bootstrap t distributions are compared draw by draw after sorting.
"""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm

import econindex as ei
from econindex.errors import DataValueError, EstimationError, FewClustersWarning, OptionError
from econindex.wild import WildBootstrapResult, wild_bootstrap_test

REF = json.loads((Path(__file__).parent / "reference" / "wild_wildboottest.json").read_text())["cases"]
TOL_T = 1e-10  # t statistics (exact algebra)


def _mc_tol(p: float, b1: int, b2: int, z: float = 4.5) -> float:
    """Allowed |p1 - p2| for two independent Monte Carlo p-values with b1 and b2 draws."""
    return z * np.sqrt(p * (1 - p) * (1 / b1 + 1 / b2)) + 1e-12


def _check_enumerated_pvalue(res: WildBootstrapResult, ref: dict) -> None:
    """p from the reference draws with econindex's tie rule equals ours; wildboottest's strict p is
    ours less the tied draws, give or take the ties rounding puts above |t| (the v = +-1 draws)."""
    t_ref = np.asarray(ref["t_boot_sorted"])
    assert res.pvalue == np.mean(np.abs(t_ref) >= abs(ref["t_stat"]) * (1 - 1e-9))
    ties = np.sum(np.isclose(np.abs(res.t_boot), abs(res.t_stat), rtol=1e-9, atol=0))
    if res.impose_null:
        assert ties >= 2  # v = 1 reproduces the sample, v = -1 its mirror
    assert res.pvalue - ties / res.n_boot - 1e-12 <= ref["pvalue_strict"] <= res.pvalue + 1e-12


@pytest.fixture(scope="module")
def states() -> dict:
    case = REF["states"]
    return {
        "X": np.array(case["X"]),
        "y": np.array(case["y"]),
        "cluster": np.array(case["cluster"]),
        "names": case["names"],
        "ref": case,
    }


def test_states_design_is_the_elasticity_design(states: dict) -> None:
    st = ei.datasets.load_us_states_2025_08()
    res = ei.IncomeElasticity().fit(st, level="state_us")
    np.testing.assert_allclose(np.asarray(res.design), states["X"], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(res.y), states["y"], rtol=1e-12)
    division = np.asarray(st["census_division"].sel(geo=list(res.geos)).values).astype(str)
    assert division.tolist() == states["cluster"].tolist() and len(set(division)) == 9


@pytest.mark.parametrize("r", [0.0, 1.0, 1.5, 2.0])
def test_states_enumeration_equals_wildboottest(states: dict, r: float) -> None:
    ref = states["ref"][f"wcr_rademacher_r{r:g}"]
    res = wild_bootstrap_test(
        states["X"], states["y"], names=states["names"], term="log_gdp_pc", value=r, cluster=states["cluster"]
    )
    assert res.enumerated and ref["enumerated"] and res.n_boot == ref["B"] == 512 and res.n_distinct == 512
    assert res.t_stat == pytest.approx(ref["t_stat"], abs=TOL_T)
    np.testing.assert_allclose(np.sort(res.t_boot), ref["t_boot_sorted"], atol=1e-9)
    _check_enumerated_pvalue(res, ref)
    assert res.min_pvalue == 2 / 512
    # the stored draws give the same p-value at r as a fresh bootstrap at r (test inversion's p-function)
    if r:
        at_zero = wild_bootstrap_test(
            states["X"], states["y"], names=states["names"], term="log_gdp_pc", cluster=states["cluster"]
        )
        assert at_zero.pvalue_at(r) == res.pvalue


def test_states_unrestricted_equals_wildboottest(states: dict) -> None:
    ref = states["ref"]["wcu_rademacher_r0"]
    res = wild_bootstrap_test(
        states["X"],
        states["y"],
        names=states["names"],
        term="log_gdp_pc",
        cluster=states["cluster"],
        impose_null=False,
    )
    np.testing.assert_allclose(np.sort(res.t_boot), ref["t_boot_sorted"], atol=1e-9)
    _check_enumerated_pvalue(res, ref)
    assert res.method == "WCU, rademacher"


def test_states_t_stat_is_statsmodels_cr1(states: dict) -> None:
    fit = sm.OLS(states["y"], states["X"]).fit(
        cov_type="cluster", cov_kwds={"groups": np.unique(states["cluster"], return_inverse=True)[1]}
    )
    res = wild_bootstrap_test(
        states["X"], states["y"], names=states["names"], term="log_gdp_pc", cluster=states["cluster"]
    )
    assert res.estimate == pytest.approx(fit.params[1], rel=1e-12)
    assert res.std_error == pytest.approx(fit.bse[1], rel=1e-10)
    assert res.t_stat == pytest.approx(fit.tvalues[1], rel=1e-10)


def test_states_webb_within_monte_carlo_error(states: dict) -> None:
    ref = states["ref"]["wcr_webb_r1.5"]
    res = wild_bootstrap_test(
        states["X"],
        states["y"],
        names=states["names"],
        term="log_gdp_pc",
        value=1.5,
        cluster=states["cluster"],
        weights="webb",
        seed=7,
    )
    assert not res.enumerated and res.n_boot == 9999
    assert res.t_stat == pytest.approx(ref["t_stat"], abs=TOL_T)
    assert abs(res.pvalue - ref["pvalue_strict"]) < _mc_tol(ref["pvalue_strict"], res.n_boot, ref["B"])


def test_states_heteroskedastic_within_monte_carlo_error(states: dict) -> None:
    ref = states["ref"]["hc_rademacher_r1.5"]
    res = wild_bootstrap_test(
        states["X"], states["y"], names=states["names"], term="log_gdp_pc", value=1.5, seed=3
    )
    assert res.n_clusters is None and not res.enumerated
    # wildboottest's HC factor is (N-1)/(N-k); econindex uses HC1's N/(N-k) (statsmodels, boottest)
    assert res.t_stat == pytest.approx(ref["t_stat"] * np.sqrt(50 / 51), rel=1e-10)
    assert abs(res.pvalue - ref["pvalue_strict"]) < _mc_tol(ref["pvalue_strict"], res.n_boot, ref["B"])


def test_heteroskedastic_simulated_design() -> None:
    case = REF["hetero"]
    X, y = np.array(case["X"]), np.array(case["y"])
    ref = case["hc_rademacher_r0"]
    res = wild_bootstrap_test(X, y, names=case["names"], term="x", seed=11)
    hc1 = sm.OLS(y, X).fit(cov_type="HC1")
    assert res.t_stat == pytest.approx(hc1.tvalues[1], rel=1e-10)
    assert abs(res.pvalue - ref["pvalue_strict"]) < _mc_tol(ref["pvalue_strict"], res.n_boot, ref["B"])
    assert res.n_distinct == res.n_boot == 9999


@pytest.mark.parametrize("impose_null", [True, False])
def test_sampled_clusters_within_monte_carlo_error(impose_null: bool) -> None:
    case = REF["clusters20"]
    X, y, g = np.array(case["X"]), np.array(case["y"]), np.array(case["cluster"])
    ref = case["wcr_rademacher_r0" if impose_null else "wcu_rademacher_r0"]
    res = wild_bootstrap_test(X, y, names=case["names"], term="x", cluster=g, seed=5, impose_null=impose_null)
    assert not res.enumerated and res.n_clusters == 20
    assert res.t_stat == pytest.approx(ref["t_stat"], abs=TOL_T)
    assert abs(res.pvalue - ref["pvalue_strict"]) < _mc_tol(ref["pvalue_strict"], res.n_boot, ref["B"])
    again = wild_bootstrap_test(
        X, y, names=case["names"], term="x", cluster=g, seed=5, impose_null=impose_null
    )
    np.testing.assert_array_equal(again.t_boot, res.t_boot)  # same seed, same draws


def test_absorbed_fixed_effects_equal_one_hot() -> None:
    """Demeaned design + absorbed_df = wildboottest on one-hot columns (effects nested in clusters)."""
    case = REF["fe_nested"]
    g = np.array(case["cluster"])
    cols = np.column_stack([case["x"], case["z"], case["y"]])
    means = np.array([cols[g == j].mean(axis=0) for j in range(9)])
    dm = cols - means[g]
    ref = case["wcr_rademacher_r0"]
    res = wild_bootstrap_test(dm[:, :2], dm[:, 2], names=["x", "z"], term="x", cluster=g, absorbed_df=9)
    assert res.t_stat == pytest.approx(ref["t_stat"], abs=TOL_T)
    np.testing.assert_allclose(np.sort(res.t_boot), ref["t_boot_sorted"], atol=1e-9)
    _check_enumerated_pvalue(res, ref)


@pytest.mark.parametrize("impose_null", [True, False])
def test_two_way_effects_not_nested_equal_one_hot(impose_null: bool) -> None:
    """Cluster effects (nested) + period effects (crossing the clusters), demeaned by the core's
    demean with fe_codes given = wildboottest on the one-hot design, draw by draw."""
    from econindex.formula import demean

    case = REF["fe_twoway"]
    g, period = np.array(case["cluster"]), np.array(case["period"])
    fe = np.column_stack([g, period])
    dm = demean(np.column_stack([case["x"], case["z"], case["y"]]), fe)
    ref = case["wcr_rademacher_r0" if impose_null else "wcu_rademacher_r0"]
    kw = {"names": ["x", "z"], "term": "x", "cluster": g, "absorbed_df": 12, "impose_null": impose_null}
    res = wild_bootstrap_test(dm[:, :2], dm[:, 2], fe_codes=fe, **kw)
    assert res.t_stat == pytest.approx(ref["t_stat"], abs=1e-9)
    np.testing.assert_allclose(np.sort(res.t_boot), ref["t_boot_sorted"], atol=1e-8)
    _check_enumerated_pvalue(res, ref)
    # without fe_codes the period effects are not re-projected: a different (inexact) bootstrap
    plain = wild_bootstrap_test(dm[:, :2], dm[:, 2], **kw)
    assert plain.t_stat == res.t_stat
    assert np.max(np.abs(np.sort(plain.t_boot) - ref["t_boot_sorted"])) > 1e-3


def test_nested_effects_need_no_projection() -> None:
    case = REF["fe_nested"]
    g = np.array(case["cluster"])
    cols = np.column_stack([case["x"], case["z"], case["y"]])
    dm = cols - np.array([cols[g == j].mean(axis=0) for j in range(9)])[g]
    kw = {"names": ["x", "z"], "term": "x", "cluster": g, "absorbed_df": 9}
    a = wild_bootstrap_test(dm[:, :2], dm[:, 2], fe_codes=g, **kw)
    b = wild_bootstrap_test(dm[:, :2], dm[:, 2], **kw)
    np.testing.assert_array_equal(a.t_boot, b.t_boot)


def test_heteroskedastic_with_absorbed_effect_by_hand() -> None:
    """No clusters, one absorbed effect, N = 9: all 2^9 sign vectors, each refitted with dummies (HC1)."""
    from econindex.formula import demean

    rng = np.random.default_rng(8)
    f = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    x = rng.normal(size=9)
    y = 0.4 * x + f + rng.normal(size=9) * (1 + np.abs(x))
    w = rng.uniform(0.5, 2.0, size=9)
    D = np.eye(3)[f]
    Xfull = np.column_stack([x, D])
    dm = demean(np.column_stack([x, y]), f[:, None], w)
    res = wild_bootstrap_test(
        dm[:, :1], dm[:, 1], names=["x"], term="x", value=0.2, regression_weights=w, fe_codes=f, absorbed_df=3
    )
    beta_r = np.r_[0.2, [np.average(y[f == j] - 0.2 * x[f == j], weights=w[f == j]) for j in range(3)]]
    u_r = y - Xfull @ beta_r
    t_hand = []
    for signs in itertools.product([-1.0, 1.0], repeat=9):
        fit = sm.WLS(Xfull @ beta_r + u_r * np.array(signs), Xfull, weights=w).fit(cov_type="HC1")
        t_hand.append((fit.params[0] - 0.2) / fit.bse[0])
    fit0 = sm.WLS(y, Xfull, weights=w).fit(cov_type="HC1")
    assert res.enumerated and res.n_boot == 512
    assert res.t_stat == pytest.approx((fit0.params[0] - 0.2) / fit0.bse[0], rel=1e-9)
    np.testing.assert_allclose(np.sort(res.t_boot), np.sort(t_hand), rtol=1e-8, atol=1e-10)


def test_hand_enumeration_three_clusters() -> None:
    """G = 3: all 8 sign vectors by hand, each bootstrap sample refitted by statsmodels (CR1)."""
    rng = np.random.default_rng(42)
    g = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    x = rng.normal(size=12)
    X = np.column_stack([np.ones(12), x])
    y = 0.5 + 0.8 * x + rng.normal(size=12)
    with pytest.warns(FewClustersWarning, match="cannot go below 0.25"):
        res = wild_bootstrap_test(X, y, names=["const", "x"], term="x", value=0.3, cluster=g)
    # restricted fit: regress y - 0.3 x on the constant
    beta_r = np.array([np.mean(y - 0.3 * x), 0.3])
    u_r = y - X @ beta_r
    t_hand = []
    for signs in itertools.product([-1.0, 1.0], repeat=3):
        y_star = X @ beta_r + u_r * np.array(signs)[g]
        fit = sm.OLS(y_star, X).fit(cov_type="cluster", cov_kwds={"groups": g})
        t_hand.append((fit.params[1] - 0.3) / fit.bse[1])
    t0 = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    t_obs = (t0.params[1] - 0.3) / t0.bse[1]
    assert res.enumerated and res.n_boot == res.n_distinct == 8
    np.testing.assert_allclose(np.sort(res.t_boot), np.sort(t_hand), rtol=1e-10)
    assert res.t_stat == pytest.approx(t_obs, rel=1e-10)
    expected = np.mean(np.abs(t_hand) >= abs(t_obs) * (1 - 1e-9))
    assert res.pvalue == expected and res.pvalue >= 0.25
    assert res.min_pvalue == 0.25


def test_webb_enumerates_six_to_the_g() -> None:
    rng = np.random.default_rng(3)
    g = np.repeat([0, 1, 2], [5, 6, 7])
    X = np.column_stack([np.ones(18), rng.normal(size=18)])
    y = X @ [0.0, 1.0] + rng.normal(size=18)
    with pytest.warns(FewClustersWarning, match="cannot go below 0.02778"):
        res = wild_bootstrap_test(X, y, names=["c", "x"], term="x", value=1.0, cluster=g, weights="webb")
    assert res.enumerated and res.n_boot == 216 and res.n_distinct == 216
    # the six constant vectors (all equal weights) reproduce |t|: p >= 6/216
    assert np.sum(np.isclose(np.abs(res.t_boot), abs(res.t_stat), rtol=1e-9)) >= 6


def test_wls_t_stat_is_statsmodels_wls_cr1(states: dict) -> None:
    w = np.linspace(1.0, 3.0, len(states["y"]))
    codes = np.unique(states["cluster"], return_inverse=True)[1]
    fit = sm.WLS(states["y"], states["X"], weights=w).fit(cov_type="cluster", cov_kwds={"groups": codes})
    res = wild_bootstrap_test(
        states["X"],
        states["y"],
        names=states["names"],
        term="log_gdp_pc",
        value=1.0,
        regression_weights=w,
        cluster=states["cluster"],
    )
    assert res.estimate == pytest.approx(fit.params[1], rel=1e-12)
    assert res.t_stat == pytest.approx((fit.params[1] - 1.0) / fit.bse[1], rel=1e-10)


def test_ci_is_the_inverted_test(states: dict) -> None:
    res = wild_bootstrap_test(
        states["X"], states["y"], names=states["names"], term="log_gdp_pc", cluster=states["cluster"]
    )
    lo, hi = res.ci(0.95)
    assert lo < res.estimate < hi
    eps = 1e-6 * res.std_error
    for end, inward in ((lo, +1), (hi, -1)):
        assert res.pvalue_at(end + inward * eps) > 0.05 >= res.pvalue_at(end - inward * eps)
        # a fresh bootstrap at the end agrees (the p-function is not an approximation)
        fresh = wild_bootstrap_test(
            states["X"],
            states["y"],
            names=states["names"],
            term="log_gdp_pc",
            value=end - inward * eps,
            cluster=states["cluster"],
        )
        assert fresh.pvalue <= 0.05
    frame = res.conf_int()
    assert frame.loc["log_gdp_pc", "lower"] == lo and frame.loc["log_gdp_pc", "upper"] == hi


def test_unrestricted_ci_is_the_bootstrap_t_quantile(states: dict) -> None:
    """WCU: p(r) = share of |t*| >= |b - r| / se, so the ends are b -+ c se, c from the sorted |t*|."""
    res = wild_bootstrap_test(
        states["X"],
        states["y"],
        names=states["names"],
        term="log_gdp_pc",
        cluster=states["cluster"],
        impose_null=False,
    )
    a = np.sort(np.abs(res.t_boot))[::-1]
    c = a[int(np.floor(0.05 * len(a)))]  # the smallest |t| whose share of |t*| >= |t| is <= 5%
    lo, hi = res.ci(0.95)
    assert lo == pytest.approx(res.estimate - c * res.std_error, abs=1e-7 * res.std_error)
    assert hi == pytest.approx(res.estimate + c * res.std_error, abs=1e-7 * res.std_error)


def test_unbounded_ci_when_p_cannot_reach_alpha() -> None:
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(4), 5)
    X = np.column_stack([np.ones(20), rng.normal(size=20)])
    y = rng.normal(size=20)
    with pytest.warns(FewClustersWarning):
        res = wild_bootstrap_test(X, y, names=["c", "x"], term="x", cluster=g)
    assert res.min_pvalue == 0.125 and res.ci(0.95) == (-np.inf, np.inf)


def test_equal_tailed_pvalue(states: dict) -> None:
    res = wild_bootstrap_test(
        states["X"],
        states["y"],
        names=states["names"],
        term="log_gdp_pc",
        value=1.5,
        cluster=states["cluster"],
        pvalue_type="equal-tailed",
    )
    tb, t = res.t_boot, res.t_stat
    expected = 2 * min(np.mean(tb <= t * (1 + 1e-9)), np.mean(tb >= t * (1 - 1e-9)))
    assert res.pvalue == res.pvalue_equal_tailed == pytest.approx(expected)
    assert res.pvalue_symmetric == pytest.approx(np.mean(np.abs(tb) >= abs(t) * (1 - 1e-9)))


def test_summary_and_repr(states: dict) -> None:
    res = wild_bootstrap_test(
        states["X"],
        states["y"],
        names=states["names"],
        term="log_gdp_pc",
        value=1.5,
        cluster=states["cluster"],
    )
    text = res.summary()
    assert "9 clusters" in text and "all 512 weight vectors" in text and f"{res.pvalue:.4f}" in text
    assert repr(res).startswith("WildBootstrapResult(log_gdp_pc=1.5") and "enumerated" in repr(res)


def test_bad_options_raise_typed_errors(states: dict) -> None:
    kw = {"names": states["names"], "cluster": states["cluster"]}
    X, y = states["X"], states["y"]
    with pytest.raises(OptionError, match="weights='mammen'"):
        wild_bootstrap_test(X, y, term="log_gdp_pc", weights="mammen", **kw)
    with pytest.raises(OptionError, match="term 'gdp'"):
        wild_bootstrap_test(X, y, term="gdp", **kw)
    with pytest.raises(EstimationError, match="single cluster"):
        wild_bootstrap_test(X, y, names=states["names"], term="log_gdp_pc", cluster=np.zeros(len(y)))
    w = np.ones(len(y))
    w[7] = -1.0
    with pytest.raises(DataValueError, match="row 7"):
        wild_bootstrap_test(X, y, term="log_gdp_pc", regression_weights=w, **kw)
    with pytest.raises(OptionError, match="pvalue_type"):
        wild_bootstrap_test(X, y, term="log_gdp_pc", pvalue_type="left", **kw)
    with pytest.raises(DataValueError, match="cluster"):
        wild_bootstrap_test(X, y, term="log_gdp_pc", names=states["names"], cluster=states["cluster"][:-1])
    with pytest.raises(EstimationError, match="singular"):
        wild_bootstrap_test(np.column_stack([X, 2 * X[:, 1]]), y, names=["a", "b", "c"], term="b")
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(DataValueError, match="row 3"):
        wild_bootstrap_test(X, y_bad, term="log_gdp_pc", **kw)


def test_no_warning_with_nine_clusters(states: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        wild_bootstrap_test(
            states["X"], states["y"], names=states["names"], term="log_gdp_pc", cluster=states["cluster"]
        )


def test_regression_result_method_on_the_states(states: dict) -> None:
    """fit.wild_bootstrap_test on the 51 states x 9 divisions = wildboottest's 512 enumerated draws."""
    from econindex.regression import model_frame, ols

    st = ei.datasets.load_us_states_2025_08()
    frame = model_frame(st, level="state_us")
    fit = ols("log_usage_index ~ log_gdp_pc", frame, cov_type="cluster", cluster="census_division")
    res = fit.wild_bootstrap_test("log_gdp_pc", value=1.5)
    ref = states["ref"]["wcr_rademacher_r1.5"]
    assert res.enumerated and res.n_clusters == 9
    assert res.t_stat == pytest.approx(ref["t_stat"], abs=1e-9)
    np.testing.assert_allclose(np.sort(res.t_boot), ref["t_boot_sorted"], atol=1e-8)
    _check_enumerated_pvalue(res, ref)


def test_regression_result_method_equals_pyfixest_with_two_way_effects() -> None:
    """ols('y ~ x | unit + period', cluster='unit') = pyfixest's Feols.wildboottest (one-hot effects)."""
    import pandas as pd

    from econindex.regression import ols

    case = REF["pyfixest_panel"]
    fit = ols(case["formula"], pd.DataFrame(case["data"]), cov_type="cluster", cluster="unit")
    res = fit.wild_bootstrap_test("x")
    assert res.enumerated and res.n_boot == case["B"] == 4096
    assert res.t_stat == pytest.approx(case["t_stat"], abs=1e-9)
    np.testing.assert_allclose(np.sort(res.t_boot), case["t_boot_sorted"], atol=1e-8)
    _check_enumerated_pvalue(res, case)


def test_invariances(states: dict) -> None:
    """Relabelled clusters, rescaled y and a shifted null (y - c x tested at value - c) change nothing."""
    X, y, cl = states["X"], states["y"], states["cluster"]
    kw = {"names": states["names"], "term": "log_gdp_pc"}
    base = wild_bootstrap_test(X, y, value=1.5, cluster=cl, **kw)
    mapping = dict(zip(sorted(set(cl)), [7, 2, 8, 0, 5, 1, 6, 3, 4], strict=True))  # another order
    relabelled = wild_bootstrap_test(X, y, value=1.5, cluster=[mapping[c] for c in cl], **kw)
    scaled = wild_bootstrap_test(X, 3.0 * y, value=4.5, cluster=cl, **kw)
    shifted = wild_bootstrap_test(X, y - 0.5 * X[:, 1], value=1.0, cluster=cl, **kw)
    for other in (relabelled, scaled, shifted):
        assert other.t_stat == pytest.approx(base.t_stat, rel=1e-9)
        np.testing.assert_allclose(np.sort(other.t_boot), np.sort(base.t_boot), rtol=1e-8, atol=1e-10)
        assert other.pvalue == base.pvalue


def test_regression_result_method_wls_two_way_effects() -> None:
    """Weighted, unit (nested) + period (not nested) effects: the projection must use both effects."""
    import pandas as pd

    from econindex.regression import ols

    case = REF["wls_twoway"]
    fit = ols(case["formula"], pd.DataFrame(case["data"]), weights="w", cov_type="cluster", cluster="unit")
    res = fit.wild_bootstrap_test("x")
    assert res.enumerated and res.n_boot == case["B"] == 256
    assert res.t_stat == pytest.approx(case["t_stat"], abs=1e-9)
    np.testing.assert_allclose(np.sort(res.t_boot), case["t_boot_sorted"], atol=1e-8)
    _check_enumerated_pvalue(res, case)
