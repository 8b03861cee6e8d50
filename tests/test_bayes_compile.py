"""The cacheable nutpie compilation (econindex.bayes._compile) against nutpie's own and scipy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("pymc")
nutpie = pytest.importorskip("nutpie")
scipy_special = pytest.importorskip("scipy.special")

import pymc as pm  # noqa: E402
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402

from econindex.bayes import _compile  # noqa: E402

pytestmark = pytest.mark.bayes


def test_digamma_equals_scipy() -> None:
    positive = np.concatenate([np.geomspace(1e-300, 1e300, 601), np.linspace(0.01, 60.0, 1201)])
    negative = np.linspace(-9.7, -0.01, 997)
    negative = negative[np.abs(negative - np.round(negative)) > 1e-6]
    for x, tol in ((positive, 1e-15), (negative, 1e-12)):
        ours = np.array([_compile.digamma(v) for v in x])
        ref = scipy_special.digamma(x)
        assert np.all(np.abs(ours - ref) <= tol * np.maximum(np.abs(ref), 1.0))
    # poles and non-finite input as scipy has them
    for v in (0.0, -1.0, -3.0, np.nan, np.inf, -np.inf):
        np.testing.assert_equal(_compile.digamma(v), scipy_special.digamma(v))


def test_psi_in_a_numba_graph_is_cacheable_and_exact() -> None:
    from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key

    x = pt.dvector("x")
    fn = pytensor.function([x], [pt.psi(x), pt.grad(pt.gammaln(x).sum(), x)], mode="NUMBA")
    values = np.array([0.3, 1.0, 2.5, 17.0, 400.0])
    psi, grad = fn(values)
    np.testing.assert_allclose(psi, scipy_special.digamma(values), rtol=1e-15)
    np.testing.assert_allclose(grad, scipy_special.digamma(values), rtol=1e-15)
    node = next(n for n in pytensor.function([x], pt.psi(x), mode="NUMBA").maker.fgraph.apply_nodes)
    assert numba_funcify_and_cache_key(node.op, node=node)[1] is not None
    # single precision: float32 out, as PyTensor's own implementation gives
    x32 = pt.fvector("x32")
    out32 = pytensor.function([x32], pt.psi(x32), mode="NUMBA")(values.astype("float32"))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, scipy_special.digamma(values.astype("float32")), rtol=1e-6)


def _model(y: np.ndarray, groups: np.ndarray, scale: float) -> pm.Model:
    """A small hierarchical model with float, integer and 0-d data containers and a gammaln term."""
    with pm.Model(coords={"group": np.arange(3)}) as model:
        y_data = pm.Data("y", y)
        g_data = pm.Data("g", groups)
        s_data = pm.Data("s", np.asarray(scale))
        sigma = pm.HalfNormal("sigma", 1.0)
        effect = pm.Normal("effect", 0.0, sigma, dims="group")
        alpha = pm.Gamma("alpha", 2.0, 1.0)
        pm.Deterministic("doubled", 2 * effect, dims="group")
        pm.NegativeBinomial("obs", mu=s_data * pm.math.exp(effect[g_data]), alpha=alpha, observed=y_data)
    return model


def _draws(compiled: object, seed: int) -> dict[str, np.ndarray]:
    idata = nutpie.sample(compiled, draws=200, tune=200, chains=2, cores=1, seed=seed, progress_bar=False)
    return {k: idata.posterior[k].values for k in ("sigma", "effect", "alpha", "doubled")}


def test_compile_model_samples_as_nutpie_does() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(3), 20).astype("int32")
    y = rng.poisson(5.0 * np.exp(np.array([0.2, -0.3, 0.5]))[groups])
    model = _model(y, groups, 5.0)
    ours = _compile.compile_model(model)
    # the cacheable callbacks were built (not nutpie's fallback)
    assert ours.compiled_logp_func.__wrapped__.__name__ == "logp_cached"
    theirs = nutpie.compile_pymc_model(model)
    a, b = _draws(ours, 3), _draws(theirs, 3)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-12, atol=1e-12)
    # new data through with_data: the same draws as nutpie's with the same new data
    y2 = rng.poisson(9.0, size=60)
    a2 = _draws(ours.with_data(y=y2, g=groups, s=np.asarray(9.0)), 4)
    b2 = _draws(theirs.with_data(y=y2, g=groups, s=np.asarray(9.0)), 4)
    for name in a2:
        np.testing.assert_allclose(a2[name], b2[name], rtol=1e-12, atol=1e-12)
    assert not np.allclose(a2["alpha"], a["alpha"])


def test_graphs_with_raising_ops_fall_back_to_nutpie() -> None:
    with pm.Model() as model:
        mu = pm.Normal("mu")
        pm.Normal("obs", mu, 1.0, observed=np.arange(4.0))
    logp = model.compile_logp()
    assert not _compile._raises(logp.f if hasattr(logp, "f") else logp)
    from pytensor.raise_op import Assert

    x = pt.dscalar("x")
    fn = pytensor.function([x], Assert("positive")(x, pt.gt(x, 0)))
    assert _compile._raises(fn)


def test_differing_nutpie_internals_fall_back_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    def drifted(model: pm.Model) -> None:
        raise TypeError("_make_functions() got an unexpected keyword argument 'join_expanded'")

    monkeypatch.setattr(_compile, "_compile_cacheable", drifted)
    with pm.Model() as model:
        mu = pm.Normal("mu")
        pm.Normal("obs", mu, 1.0, observed=np.arange(4.0))
    with pytest.warns(RuntimeWarning, match="internals differ"):
        compiled = _compile.compile_model(model)
    assert compiled.compiled_logp_func.__wrapped__.__name__ != "logp_cached"
    draws = nutpie.sample(compiled, draws=300, tune=300, chains=1, seed=1, progress_bar=False)
    # the posterior of mu is N(1.2, 1/5)
    assert abs(float(draws.posterior["mu"].mean()) - 1.2) < 0.15


_PROCESS = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    import numpy as np
    from test_bayes_compile import _model
    from econindex.bayes import _compile
    groups = np.repeat(np.arange(3), 5).astype("int32")
    compiled = _compile.compile_model(_model(np.arange(15), groups, 2.0))
    print(json.dumps([compiled.compiled_logp_func.cache_hits, compiled.compiled_expand_func.cache_hits]))
    """
)


@pytest.mark.slow
def test_a_new_process_loads_the_callbacks_from_disk(tmp_path: os.PathLike[str]) -> None:
    """Compiled once, a model's callbacks are numba cache hits in the next process."""
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={tmp_path}")
    code = _PROCESS.format(tests=os.path.dirname(__file__))
    hits = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout.splitlines()[-1]
        )
        for _ in range(2)
    ]
    assert hits == [[0, 0], [1, 1]]
