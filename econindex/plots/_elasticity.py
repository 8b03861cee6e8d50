"""Figure of an income elasticity: log-log scatter, fitted line, confidence band, labelled extremes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from econindex.elasticity import ElasticityResult

__all__ = ["plot_elasticity"]


def plot_elasticity(
    result: ElasticityResult,
    ax: Any = None,
    *,
    n_labels: int = 6,
    alpha: float | None = None,
    level: float | None = None,
) -> Any:
    """Log-log scatter of usage against GDP per working-age capita with the fit and its band.

    The y axis is ln of the usage index (OLS) or ln conversations per
    working-age person (PPML; geos with zero usage are drawn at the bottom
    edge as open markers). The line is ``a + b x`` with other controls at
    their means; the band is the pointwise confidence interval of that line
    from the stored covariance (coverage ``1 - alpha``, default ``result.ci_level``).
    The ``n_labels`` geos farthest from the line and at the ends of the x range
    are labelled.

    Parameters
    ----------
    result : ElasticityResult
    ax : matplotlib Axes, optional
    n_labels : int
    alpha : float, optional
    level : float, optional
        Deprecated spelling (the coverage ``1 - alpha``; ``level=`` means the geographic level).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import econindex as ei
    >>> res = ei.IncomeElasticity().fit(ei.datasets.load_countries_2025_08(), level="country")
    >>> ax = plot_elasticity(res)
    >>> ax.get_xlabel()
    'ln GDP per working-age capita (USD)'
    """
    from econindex.plots import axes_or_new

    ax = axes_or_new(ax, (7, 5))
    if level is not None:
        import warnings

        warnings.warn(
            "plot_elasticity(level=) is deprecated (level= means the geographic level); use alpha=",
            DeprecationWarning,
            stacklevel=2,
        )
    if alpha is not None:
        cover = 1.0 - float(alpha)
    else:
        cover = float(result.ci_level if level is None else level)
    names = list(result.names)
    coef = result.coef
    x = np.asarray(result.x)
    if result.method == "ppml":
        pop = np.asarray(result.exposure)
        with np.errstate(divide="ignore"):
            y = np.log(np.asarray(result.y) / pop)
        ylabel = "ln conversations per working-age person"
    else:
        y = np.asarray(result.y)
        ylabel = "ln AI Usage Index"
    finite = np.isfinite(y)
    ax.scatter(x[finite], y[finite], s=18, alpha=0.75, color="C0", label="geos")
    if (~finite).any():
        floor = np.nanmin(y[finite]) - 0.5 if finite.any() else 0.0
        ax.scatter(
            x[~finite],
            np.full((~finite).sum(), floor),
            s=18,
            facecolors="none",
            edgecolors="C3",
            label="zero usage",
        )
    # line and band: controls held at their means
    grid = np.linspace(x.min(), x.max(), 100)
    j = names.index("log_gdp_pc")
    base = np.zeros((grid.size, len(names)))
    base[:, names.index("const")] = 1.0
    base[:, j] = grid
    if len(names) > 2 and result.design is not None:
        means = np.asarray(result.design).mean(axis=0)
        for k, nm in enumerate(names):
            if nm not in ("const", "log_gdp_pc"):
                base[:, k] = means[k]
    fit = base @ coef
    se = np.sqrt(np.einsum("gi,ij,gj->g", base, result.cov, base))
    q = stats.norm.ppf(0.5 + cover / 2) if result.df is None else stats.t.ppf(0.5 + cover / 2, result.df[j])
    ax.plot(grid, fit, color="C1", lw=2, label=f"slope {result.slope:.3f} ({result.cov_label})")
    ax.fill_between(grid, fit - q * se, fit + q * se, color="C1", alpha=0.2, label=f"{100 * cover:g}% band")
    # labels for extremes: largest |residual| and both ends of x
    # residuals from the model's own fitted values (controls included)
    if result.method == "ppml":
        pred = np.log(np.asarray(result.fitted) / np.asarray(result.exposure))
    else:
        pred = np.asarray(result.fitted)
    resid = np.where(finite, y - pred, 0.0)
    order = list(np.argsort(-np.abs(resid))[: max(n_labels - 2, 0)])
    order += [int(np.argmin(x)), int(np.argmax(x))]
    for i in dict.fromkeys(order):
        if finite[i]:
            ax.annotate(result.geos[i], (x[i], y[i]), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set_xlabel("ln GDP per working-age capita (USD)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Income elasticity ({result.method.upper()}, {result.level}, N={result.nobs})")
    ax.legend(loc="best", fontsize=8)
    return ax
