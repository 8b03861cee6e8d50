"""Omitted-variable sensitivity (Cinelli and Hazlett 2020): robustness values and benchmark bounds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from econindex import covariance
from econindex._kernels.ols import wls
from econindex.errors import DataValueError, EstimationError, OptionError

from ._design import design_of

__all__ = ["OVBResult", "omitted_variable_sensitivity", "robustness_value", "bias_adjusted"]


def robustness_value(t_stat: float, dof: float, *, q: float = 1.0, alpha: float | None = None) -> float:
    """Cinelli-Hazlett robustness value :math:`RV_q` (``alpha=None``) or :math:`RV_{q,\\alpha}`.

    The partial R-squared that a confounder would need with both the
    treatment and the outcome to reduce the estimate by ``100 q`` percent
    (or, with ``alpha``, to make the reduced estimate insignificant).

    Examples
    --------
    >>> round(robustness_value(4.18445, 783), 4)  # Cinelli and Hazlett (2020), Darfur example
    0.1388
    """
    if q <= 0:
        raise OptionError(f"q={q!r} must be positive")
    fq = q * abs(t_stat) / np.sqrt(dof)
    if alpha is None:
        return float(0.5 * (np.sqrt(fq**4 + 4 * fq**2) - fq**2))
    if not 0 < alpha < 1:
        raise OptionError(f"alpha={alpha!r} must be in (0, 1)")
    f_crit = abs(stats.t.ppf(alpha / 2, dof - 1)) / np.sqrt(dof - 1)
    fqa = fq - f_crit
    if fqa <= 0:
        return 0.0
    if fq > 1 / f_crit:  # the bound on R2_{D~Z|X} does not bind
        return float((fq**2 - f_crit**2) / (1 + fq**2))
    return float(0.5 * (np.sqrt(fqa**4 + 4 * fqa**2) - fqa**2))


def bias_adjusted(
    estimate: float, se: float, dof: float, r2dz_x: float, r2yz_dx: float, *, reduce: bool = True
) -> tuple[float, float]:
    """Estimate and standard error adjusted for a confounder with the given partial R-squared.

    With :math:`a = R^2_{Y\\sim Z|D,X}` and :math:`b = R^2_{D\\sim Z|X}`:
    :math:`|\\mathrm{bias}| = \\mathrm{se}\\sqrt{df\\,a\\,b/(1-b)}` and
    :math:`\\mathrm{se}^* = \\mathrm{se}\\sqrt{\\frac{1-a}{1-b}\\frac{df}{df-1}}`.

    Examples
    --------
    >>> est, se = bias_adjusted(1.0, 0.1, 100, 0.0, 0.5)
    >>> est, round(se, 4)
    (1.0, 0.0711)
    """
    if not (0 <= r2dz_x < 1 and 0 <= r2yz_dx <= 1):
        raise DataValueError(f"partial R2 out of range: R2_D~Z|X={r2dz_x}, R2_Y~Z|D,X={r2yz_dx}")
    bias = se * np.sqrt(dof * r2yz_dx * r2dz_x / (1 - r2dz_x))
    new = estimate - np.sign(estimate) * bias if reduce else estimate + np.sign(estimate) * bias
    new_se = se * np.sqrt((1 - r2yz_dx) / (1 - r2dz_x) * dof / (dof - 1))
    return float(new), float(new_se)


@dataclass(frozen=True)
class OVBResult:
    """Sensitivity of one coefficient to an omitted confounder."""

    treatment: str
    estimate: float
    se: float  # classical (OLS) standard error, as the partial-R2 algebra uses
    dof: float
    t_stat: float
    partial_r2: float  # R2 of the outcome with the treatment, given the controls
    rv_q: float
    rv_qa: float
    q: float
    alpha: float
    bounds: pd.DataFrame  # one row per benchmark and multiple kd (ky)

    def to_frame(self) -> pd.DataFrame:
        """The bounds table with the headline statistics as leading columns."""
        head = pd.DataFrame(
            [
                {
                    "benchmark": "(unadjusted)",
                    "kd": np.nan,
                    "ky": np.nan,
                    "r2dz_x": 0.0,
                    "r2yz_dx": 0.0,
                    "adjusted_estimate": self.estimate,
                    "adjusted_se": self.se,
                    "adjusted_t": self.t_stat,
                    "adjusted_ci_lower": self.estimate - self._crit() * self.se,
                    "adjusted_ci_upper": self.estimate + self._crit() * self.se,
                }
            ]
        )
        return pd.concat([head, self.bounds], ignore_index=True)

    def _crit(self, dof: float | None = None) -> float:
        return float(stats.t.ppf(1 - self.alpha / 2, self.dof if dof is None else dof))

    def summary(self) -> str:
        """A short text report."""
        lines = [
            f"Omitted-variable sensitivity of {self.treatment!r} (Cinelli and Hazlett 2020)",
            f"  estimate {self.estimate:.4g}, se {self.se:.4g} (classical), t {self.t_stat:.3f},"
            f" df {self.dof:g}",
            f"  partial R2 of the outcome with the treatment: {self.partial_r2:.3%}",
            f"  robustness value RV_q={self.q:g}: {self.rv_q:.3%};"
            f" RV_q,alpha={self.alpha:g}: {self.rv_qa:.3%}",
        ]
        for _, r in self.bounds.iterrows():
            lines.append(
                f"  {r['kd']:g}x {r['benchmark']}: R2_D~Z|X {r['r2dz_x']:.3%}, R2_Y~Z|D,X {r['r2yz_dx']:.3%},"
                f" adjusted estimate {r['adjusted_estimate']:.4g} [{r['adjusted_ci_lower']:.4g},"
                f" {r['adjusted_ci_upper']:.4g}]"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _ols_t(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, classical t statistics and residual dof of an OLS fit (the regression core's)."""
    fit = wls(y, X)
    dof = X.shape[0] - X.shape[1]
    se = np.sqrt(np.diag(covariance.compute("nonrobust", fit, nobs=X.shape[0], df_resid=dof).cov))
    return fit.params, fit.params / se, float(dof)


def omitted_variable_sensitivity(
    result: Any,
    *,
    treatment: str | None = None,
    benchmark: str | Sequence[str] | None = None,
    kd: float | Sequence[float] = (1.0, 2.0, 3.0),
    ky: float | Sequence[float] | None = None,
    q: float = 1.0,
    alpha: float = 0.05,
) -> OVBResult:
    """Robustness value and benchmark bounds of a regression coefficient (Cinelli and Hazlett 2020).

    Parameters
    ----------
    result
        A regression result (econindex, an estimator result holding one, or statsmodels).
    treatment : str, optional
        The coefficient; default the first non-constant regressor (the income
        slope of an elasticity, the usage slope of the automation regression).
    benchmark : str or sequence of str, optional
        Observed controls in the regression against which to calibrate the
        confounder: "a confounder ``kd`` times as strongly related to the
        treatment (and ``ky`` times to the outcome) as this control".
    kd, ky : float or sequence
        Multiples (``ky`` defaults to ``kd``).
    q : float
        Fraction of the estimate the confounder should remove for the RV.
    alpha : float
        Significance level of :math:`RV_{q,\\alpha}` and the adjusted intervals.

    Returns
    -------
    OVBResult

    Notes
    -----
    With :math:`t` the classical t statistic of the treatment and
    :math:`df` the residual degrees of freedom, the partial R-squared is
    :math:`t^2/(t^2+df)` and :math:`f_q = q|t|/\\sqrt{df}` gives
    :math:`RV_q = \\tfrac12(\\sqrt{f_q^4+4f_q^2}-f_q^2)`. For a benchmark
    control :math:`X_j`, with :math:`R^2_{D\\sim X_j|X_{-j}}` from regressing the
    treatment on the controls and :math:`R^2_{Y\\sim X_j|D,X_{-j}}` from the full
    regression, a confounder ``kd``/``ky`` times as strong has
    :math:`R^2_{D\\sim Z|X} = k_D R^2_{D\\sim X_j}/(1-R^2_{D\\sim X_j})` and
    :math:`R^2_{Y\\sim Z|D,X} \\le \\left(\\frac{\\sqrt{k_Y}+\\sqrt{\\eta}}{\\sqrt{1-\\eta}}\\right)^2
    \\frac{R^2_{Y\\sim X_j|D}}{1-R^2_{Y\\sim X_j|D}}`,
    :math:`\\eta = k_D (R^2_{D\\sim X_j})^2/((1-k_DR^2_{D\\sim X_j})(1-R^2_{D\\sim X_j}))`,
    and the adjusted estimate follows :func:`bias_adjusted`. The algebra is
    that of OLS (weighted regressions use the whitened data), so it uses the
    classical standard error whatever the result's covariance type.

    Examples
    --------
    >>> import econindex as ei
    >>> countries = ei.datasets.load_countries_2025_08()
    >>> auto = ei.TaskMixAutomation(units="fraction").fit(countries, level="country")
    >>> ovb = omitted_variable_sensitivity(auto, benchmark="expected_automation", kd=1)
    >>> ovb.treatment, round(ovb.partial_r2, 3)
    ('usage_index', 0.395)
    """
    d = design_of(result)
    j = d.term_index(treatment)
    sw = np.ones(d.nobs) if d.weights is None else np.sqrt(d.weights)
    X = d.X * sw[:, None]
    y = d.y * sw
    beta, tvals, dof = _ols_t(y, X)
    if dof < 2:
        raise EstimationError(f"omitted-variable sensitivity needs at least 2 residual dof; got {dof:g}")
    est = float(beta[j])
    t_j = float(tvals[j])
    se = est / t_j
    r2yd = t_j**2 / (t_j**2 + dof)
    rv_q = robustness_value(t_j, dof, q=q)
    rv_qa = robustness_value(t_j, dof, q=q, alpha=alpha)
    bench = [] if benchmark is None else ([benchmark] if isinstance(benchmark, str) else list(benchmark))
    kds = np.atleast_1d(np.asarray(kd, dtype=float))
    kys = kds if ky is None else np.broadcast_to(np.atleast_1d(np.asarray(ky, dtype=float)), kds.shape)
    rows = []
    for b in bench:  # a few named controls
        if b not in d.names:
            raise OptionError(f"benchmark {b!r} is not a regressor; regressors are {list(d.names)}")
        jb = d.names.index(b)
        if jb == j:
            raise OptionError(f"benchmark {b!r} is the treatment itself")
        r2yxj = float(tvals[jb] ** 2 / (tvals[jb] ** 2 + dof))
        others = [c for c in range(d.k) if c != j]
        _, t_dx, dof_dx = _ols_t(X[:, j], X[:, others])
        tb = float(t_dx[others.index(jb)])
        r2dxj = tb**2 / (tb**2 + dof_dx)
        for kd_i, ky_i in zip(kds, kys, strict=True):
            r2dz = kd_i * r2dxj / (1 - r2dxj)
            if r2dz >= 1:
                raise DataValueError(
                    f"kd={kd_i:g} times benchmark {b!r} implies R2_D~Z|X = {r2dz:.3f} >= 1; use a smaller kd"
                )
            eta = kd_i * r2dxj**2 / ((1 - kd_i * r2dxj) * (1 - r2dxj))
            r2yz = min(1.0, ((np.sqrt(ky_i) + np.sqrt(eta)) / np.sqrt(1 - eta)) ** 2 * (r2yxj / (1 - r2yxj)))
            adj, adj_se = bias_adjusted(est, se, dof, r2dz, r2yz)
            crit = float(stats.t.ppf(1 - alpha / 2, dof - 1))
            rows.append(
                {
                    "benchmark": b,
                    "kd": kd_i,
                    "ky": ky_i,
                    "r2dz_x": r2dz,
                    "r2yz_dx": r2yz,
                    "r2dxj_x": r2dxj,
                    "r2yxj_dx": r2yxj,
                    "adjusted_estimate": adj,
                    "adjusted_se": adj_se,
                    "adjusted_t": adj / adj_se if adj_se > 0 else np.nan,
                    "adjusted_ci_lower": adj - crit * adj_se,
                    "adjusted_ci_upper": adj + crit * adj_se,
                }
            )
    cols = [
        "benchmark",
        "kd",
        "ky",
        "r2dz_x",
        "r2yz_dx",
        "r2dxj_x",
        "r2yxj_dx",
        "adjusted_estimate",
        "adjusted_se",
        "adjusted_t",
        "adjusted_ci_lower",
        "adjusted_ci_upper",
    ]
    return OVBResult(
        treatment=d.names[j],
        estimate=est,
        se=float(se),
        dof=dof,
        t_stat=t_j,
        partial_r2=float(r2yd),
        rv_q=rv_q,
        rv_qa=rv_qa,
        q=q,
        alpha=alpha,
        bounds=pd.DataFrame(rows, columns=cols),
    )
