"""Tests of StateTaskMixModel (issue 18): the Dirichlet-multinomial likelihood, its conjugate shares,
convergence at the issue's bars, and recovery of a known truth drawn as ``econindex.simulate`` draws it.

The sampling tests are ``slow``; the fast ones check the likelihood and the conjugate draws against
scipy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("pymc")

import econindex as ei
from econindex.bayes import StateTaskMixModel
from econindex.bayes._data import hierarchy, select_states
from econindex.bayes._demo import demo_states
from econindex.bayes.taskmix import conjugate_shares
from econindex.errors import DiagnosticsWarning, OptionError
from econindex.simulation import true_state_soc_shares

pytestmark = pytest.mark.bayes


def _fit(model: StateTaskMixModel, ds: xr.Dataset, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticsWarning)
        return model.fit(ds, **kw)


def test_likelihood_option() -> None:
    assert StateTaskMixModel().likelihood == "dirichlet_multinomial"
    with pytest.raises(OptionError, match="likelihood"):
        StateTaskMixModel(likelihood="multinomial")


@pytest.mark.slow
def test_dirichlet_multinomial_loglik_matches_scipy() -> None:
    """The model's log density differences between two points equal scipy's DM logpmf differences."""
    from scipy import stats

    ds = demo_states(0, n_groups=4, scale=0.01)
    model = StateTaskMixModel(parameterization="noncentered").build(ds)
    counts = np.asarray(model["task_count_observed"].get_value())
    region = np.asarray(model["region_of_state"].get_value())
    logp = model.compile_logp(vars=[model.potentials[0]], jacobian=False)
    k, r = counts.shape[1], int(region.max()) + 1
    rng = np.random.default_rng(4)
    values = []
    for _ in range(2):
        pt0 = model.initial_point()
        mix = rng.normal(0, 1, k)
        z = rng.normal(0, 1, (r, k))
        pt0["mix_zerosum__"] = mix[:-1]
        pt0["region_deviation_z_zerosum__"] = z[:-1, :-1]
        pt0["sigma_region_log__"] = np.log(0.3)
        pt0["sigma_state_log__"] = np.log(rng.uniform(0.2, 1.0))
        # the model's own zero-sum values at this point, then scipy's DM on them
        outs = model.replace_rvs_by_values([model["mix"], model["region_deviation"], model["sigma_state"]])
        fn = model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore")
        m, rho, s = fn(pt0)
        eta = m + rho[region]
        p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
        ref = sum(
            stats.dirichlet_multinomial.logpmf(c, k / s**2 * q, int(c.sum()))
            for c, q in zip(counts, p, strict=True)
        )
        values.append((float(logp(pt0)), float(ref)))
    (a1, r1), (a2, r2) = values
    # the model drops the multinomial coefficient, constant in the parameters
    assert abs((a1 - a2) - (r1 - r2)) < 1e-6 * max(1.0, abs(r1 - r2))
    assert abs(r1 - r2) > 1.0  # the two points differ, so the check has teeth


def test_conjugate_shares_are_dirichlet() -> None:
    """Moments of the log-scale Gamma draws equal the Dirichlet's, also for tiny shapes."""
    from scipy import stats

    rng = np.random.default_rng(0)
    alpha_prior = np.array([0.3, 0.02, 1.7, 0.005])
    counts = np.array([[3.0, 0.0, 11.0, 0.0]])
    n = 200_000
    kappa = np.full(n, alpha_prior.sum())
    logp = np.broadcast_to(np.log(alpha_prior / alpha_prior.sum()), (n, 1, 4))
    s = np.exp(conjugate_shares(logp, kappa, counts, rng))[:, 0, :]
    post = alpha_prior + counts[0]
    np.testing.assert_allclose(s.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(s.mean(axis=0), stats.dirichlet.mean(post), atol=3e-3)
    np.testing.assert_allclose(s.var(axis=0), stats.dirichlet.var(post), rtol=0.05, atol=1e-6)
    assert np.isfinite(conjugate_shares(logp[:10], kappa[:10] * 1e-3, counts * 0, rng)).all()


@pytest.mark.slow
def test_converges_on_simulate_at_the_issue_bars() -> None:
    """simulate(0), sampler seed 1, 4 x 1000 draws: issue 18's bars (benchmarks/bench_bayes.py runs all)."""
    res = _fit(StateTaskMixModel(), ei.simulate(seed=0), draws=1000, tune=1000, chains=4, seed=1)
    d = res.diagnostics["value"]
    assert d["r_hat"] <= 1.01 and d["ess_bulk"] >= 1000 and d["ess_tail"] >= 1000, res.diagnostics_text
    assert d["divergences"] == 0 and d["tree_depth_hits"] < 40
    assert res.converged
    # the shares are conjugate draws given the chain: they mix at least as well as the parameters
    import arviz as az

    share_ess = az.ess(res.posterior[["share"]])["share"]
    assert float(share_ess.min()) >= 1000
    assert "Dirichlet-multinomial" in " ".join(res.notes)


@pytest.mark.slow
def test_state_shares_cover_the_truth() -> None:
    """Posterior state shares and the national mix against simulate()'s own truth of each state's mix.

    The data are logistic-normal (sd 0.2 plus an income gradient), not Dirichlet: the model is
    misspecified in the family of the state deviations, and its intervals must still hold the truth
    at about their nominal rate.
    """
    ds = ei.simulate(seed=0)
    res = _fit(StateTaskMixModel(), ds, draws=500, tune=500, chains=2, seed=3, exclude="flagged")
    assert "UT" not in res.data["geo"].values  # the abuse state: its counts hold flagged traffic
    p_true = true_state_soc_shares(ds, like=res.data["task_count"]).values
    share = res.posterior["share"]
    q = share.quantile([0.05, 0.95], dim=("chain", "draw")).values
    inside = (q[0] <= p_true) & (p_true <= q[1])
    assert 0.85 <= inside.mean() <= 0.97, inside.mean()
    mean = share.mean(("chain", "draw")).values
    # posterior means are closer to the truth than the raw shares are (pooling helps, on average)
    counts = res.data["task_count"].values
    raw = counts / counts.sum(axis=1, keepdims=True)
    assert np.abs(mean - p_true).sum() < np.abs(raw - p_true).sum()
    # the national (conversation-weighted) mix: within its 90% interval for most groups
    w = counts.sum(axis=1)
    nat_true = (w[:, None] * p_true).sum(0) / w.sum()
    nat = (share * xr.DataArray(w, dims="geo")).sum("geo") / w.sum()
    nq = nat.quantile([0.05, 0.95], dim=("chain", "draw")).values
    assert ((nq[0] <= nat_true) & (nat_true <= nq[1])).mean() >= 0.8


@pytest.mark.slow
def test_logistic_normal_form_uses_both_cell_forms() -> None:
    """The Poisson (logistic-normal) option still fits and puts every state's own mix back in order."""
    demo = demo_states(0)
    res = _fit(StateTaskMixModel(likelihood="logistic_normal"), demo, draws=300, tune=400, chains=2, seed=0)
    centered, _ = res.model._econindex_forms
    assert centered.any() and (~centered).any()
    counts = res.data["task_count"]
    observed = counts / counts.sum("soc_major")
    share = res.posterior["share"].mean(("chain", "draw"))
    assert float(np.abs(share - observed).max()) < 0.08
    hier = hierarchy(select_states(demo)[0])
    assert len(hier.regions) == 4
