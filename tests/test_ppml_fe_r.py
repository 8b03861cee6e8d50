"""PPML with an absorbed fixed effect under HC2/HC3/CR2/CR3 against R (glm on the dummy design).

Reference: ``tests/reference/r_ppml_fe.R`` (R glm(family = poisson()) with the effect as factor
dummies, sandwich::vcovHC, clubSandwich::vcovCR) wrote ``r_ppml_fe.json`` from
``r_ppml_fe_input.csv``; the test needs no R. econindex's HC2/HC3/CR2/CR3 with absorbed effects
use the full model's hat matrix, so they must equal the dummy-design estimators. Two cluster
variables: ``cl`` (10 clusters crossing the effect ``f``) and ``f`` itself (``I - H_gg`` is then
singular along each cluster's own effect; the Moore-Penrose power is taken).

Conventions (no small-sample factor anywhere: PPML's dispersion is fixed at 1 and
vcovHC's HC2/HC3 and vcovCR's CR2/CR3 apply none):

* HC2/HC3: econindex's defaults are sandwich's ``vcovHC(glm)`` (IRLS hat values).
* CR3: ``convention="clubSandwich"`` drops statsmodels' ``(G-1)/G``, as ``vcovCR`` does.
* CR2, ``convention="clubSandwich"``: ``vcovCR`` on the ``glm`` itself (JSON ``se_CR2``), which
  works in the response scale (design ``mu x``, weights ``1/mu``, target ``mu``): in whitened
  terms ``A~_g = (M_g (I - H~_gg) M_g)^{-1/2} M_g`` with ``M_g = diag(mu_g)``.
* CR2, default convention: the symmetric Bell-McCaffrey ``(I - H~_gg)^{-1/2}`` of the
  IRLS-whitened final least-squares step, which is R clubSandwich's CR2 on that step as an
  unweighted ``lm`` (JSON ``se_CR2_whitened``); another square root (both are unbiased under
  the working model), about 1-3 % apart here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from econindex.regression import ppml

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "r_ppml_fe.json").read_text())
DF = pd.read_csv(REF_DIR / "r_ppml_fe_input.csv")
TERMS = list(REF["names"])  # ["x1", "x2"]
RTOL = 1e-8
CLUSTERS = {"cl": "cl", "fe": "f"}  # JSON block -> column

FITS = {
    "absorbed": ppml("y ~ x1 + x2 | f", DF, cov_type="HC0"),
    "dummies": ppml("y ~ x1 + x2 + C(f)", DF, cov_type="HC0"),
}


def _se(res) -> np.ndarray:
    return res.bse[TERMS].to_numpy()


@pytest.mark.parametrize("design", list(FITS))
def test_coefficients_and_hc0_anchor(design):
    res = FITS[design]
    assert res.nobs == REF["nobs"]
    np.testing.assert_allclose(res.params[TERMS].to_numpy(), REF["params"], rtol=RTOL)
    np.testing.assert_allclose(res.deviance, REF["deviance"], rtol=RTOL)
    np.testing.assert_allclose(_se(res), REF["se_HC0"], rtol=RTOL)


@pytest.mark.parametrize("design", list(FITS))
@pytest.mark.parametrize("kind", ["HC2", "HC3"])
def test_hc2_hc3_equal_sandwich_vcovhc_on_the_dummy_glm(design, kind):
    # no options needed: e_i^2 / (1 - h_i)^{1 or 2}, h the full model's IRLS hat, no factor
    np.testing.assert_allclose(_se(FITS[design].with_cov(kind)), REF[f"se_{kind}"], rtol=RTOL)


@pytest.mark.parametrize("design", list(FITS))
def test_cr3_equals_clubsandwich_vcovcr(design):
    cl = DF["cl"].to_numpy()
    res = FITS[design]
    club = res.with_cov("cluster", cluster=cl, cluster_correction="CR3", convention="clubSandwich")
    np.testing.assert_allclose(_se(club), REF["cl"]["se_CR3"], rtol=RTOL)
    # the default (statsmodels) convention carries (G-1)/G
    G = REF["cl"]["G"]
    plain = res.with_cov("cluster", cluster=cl, cluster_correction="CR3")
    np.testing.assert_allclose(_se(plain), np.sqrt((G - 1) / G) * np.asarray(REF["cl"]["se_CR3"]), rtol=RTOL)


def test_cr3_with_clusters_equal_to_the_effect():
    # vcovCR's CR3 calls solve(I - H_gg), singular here (R: "computationally singular"); the
    # reference is the same CR3 in R with clubSandwich's Moore-Penrose matrix_power instead,
    # checked in the R script against vcovCR where solve() works (the `cl` block)
    assert isinstance(REF["fe"]["se_CR3"], str)
    np.testing.assert_allclose(REF["cl"]["se_CR3_whitened_pinv"], REF["cl"]["se_CR3"], rtol=RTOL)
    res = FITS["absorbed"].with_cov(
        "cluster", cluster=DF["f"].to_numpy(), cluster_correction="CR3", convention="clubSandwich"
    )
    np.testing.assert_allclose(_se(res), REF["fe"]["se_CR3_whitened_pinv"], rtol=RTOL)


@pytest.mark.parametrize(
    "design,block",
    [("absorbed", "cl"), ("absorbed", "fe"), ("dummies", "cl")],
    # the explicit dummy design with clusters = f raises (econindex takes the Moore-Penrose
    # power only for absorbed effects), so that pair is not compared
)
def test_cr2_equals_clubsandwich_on_the_whitened_irls_step(design, block):
    cl = DF[CLUSTERS[block]].to_numpy()
    res = FITS[design].with_cov("cluster", cluster=cl, cluster_correction="CR2")  # default convention
    np.testing.assert_allclose(_se(res), REF[block]["se_CR2_whitened"], rtol=RTOL)
    np.testing.assert_allclose(REF[block]["se_CR2_whitened_pinv"], REF[block]["se_CR2_whitened"], rtol=RTOL)


@pytest.mark.parametrize(
    "design,block",
    [("absorbed", "cl"), ("absorbed", "fe"), ("dummies", "cl")],
)
def test_cr2_with_the_clubsandwich_convention_equals_vcovcr_on_the_glm(design, block):
    cl = DF[CLUSTERS[block]].to_numpy()
    res = FITS[design].with_cov("cluster", cluster=cl, cluster_correction="CR2", convention="clubSandwich")
    np.testing.assert_allclose(_se(res), REF[block]["se_CR2"], rtol=RTOL)
    # the two conventions' CR2 differ here (mu varies within clusters), so the test can tell them apart
    assert np.max(np.abs(np.asarray(REF[block]["se_CR2"]) / REF[block]["se_CR2_whitened"] - 1)) > 1e-3


@pytest.mark.parametrize(
    "block,kind", [("cl", "CR2"), ("cl", "CR3"), ("fe", "CR2")]
)  # vcovCR's CR3 fails where the clusters are the effect (solve() of a singular I - H_gg)
def test_satterthwaite_dof_equal_clubsandwich_coef_test(block, kind):
    cl = DF[CLUSTERS[block]].to_numpy()
    res = FITS["absorbed"].with_cov(
        "cluster", cluster=cl, cluster_correction=kind, convention="clubSandwich", use_t=True
    )
    np.testing.assert_allclose(
        res.df[[res.names.index(t) for t in TERMS]], REF[block][f"df_{kind}"], rtol=RTOL
    )
