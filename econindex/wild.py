"""Wild (cluster) bootstrap test of one coefficient, as boottest, fwildclusterboot and wildboottest do it.

:func:`wild_bootstrap_test` takes a design matrix (possibly already demeaned
for absorbed fixed effects) and returns a frozen :class:`WildBootstrapResult`
with the bootstrap p-value, the bootstrap t distribution and a confidence
interval by test inversion. The regression results' ``wild_bootstrap_test``
method calls it. The numerical work is in :mod:`econindex._kernels.wild`;
conventions are written down in ``docs/wild_bootstrap.md``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from econindex._kernels import wild as _wild
from econindex.errors import DataValueError, EstimationError, FewClustersWarning, OptionError
from econindex.schema import check_option

__all__ = ["wild_bootstrap_test", "WildBootstrapResult"]

WeightsType = Literal["rademacher", "webb"]
PvalueType = Literal["symmetric", "equal-tailed"]
_PVALUE_TYPES = ("symmetric", "equal-tailed")
_WARN_BOUND = 0.01  # warn when the smallest attainable p-value exceeds this


@dataclass(frozen=True, eq=False)
class WildBootstrapResult:
    """Frozen result of :func:`wild_bootstrap_test`.

    Attributes
    ----------
    term, value : the hypothesis ``term = value``
    estimate, std_error : the coefficient and its analytic CR1 (HC1 without clusters) standard error
    t_stat : ``(estimate - value) / std_error``
    t_boot : the bootstrap t statistics (length :attr:`n_boot`)
    pvalue : bootstrap p-value of the chosen ``pvalue_type`` (default symmetric, ``P(|t*| >= |t|)``)
    pvalue_symmetric, pvalue_equal_tailed : both kinds
    n_boot : number of bootstrap draws used (``2^G`` or ``6^G`` when enumerated)
    n_distinct : number of distinct weight vectors among the draws
    enumerated : whether all weight vectors were used
    n_clusters : G, or ``None`` for the heteroskedastic (observation-level) bootstrap
    nobs, weights, impose_null, small_sample_factor, absorbed_df, alpha, pvalue_type
    min_pvalue : the smallest p-value this null-imposed bootstrap can give
        (:func:`econindex._kernels.wild.min_pvalue`); 0 when ``impose_null=False``, where no draw need tie

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(40), rng.normal(size=40)])
    >>> y = X @ [1.0, 0.5] + rng.normal(size=40)
    >>> res = wild_bootstrap_test(X, y, names=["const", "x"], term="x", cluster=np.arange(40) % 10)
    >>> res.enumerated, res.n_boot, res.n_distinct
    (True, 1024, 1024)
    >>> lo, hi = res.ci()
    >>> bool(lo < res.estimate < hi)
    True
    """

    term: str
    value: float
    estimate: float
    std_error: float
    t_stat: float
    t_boot: np.ndarray = field(repr=False)
    pvalue_symmetric: float
    pvalue_equal_tailed: float
    n_boot: int
    n_distinct: int
    enumerated: bool
    n_clusters: int | None
    nobs: int
    weights: str
    impose_null: bool
    small_sample_factor: float
    absorbed_df: int
    alpha: float
    pvalue_type: str
    min_pvalue: float
    _draws: _wild.WildDraws = field(repr=False)

    @property
    def pvalue(self) -> float:
        """Bootstrap p-value of ``term = value`` (symmetric unless ``pvalue_type='equal-tailed'``)."""
        return self.pvalue_symmetric if self.pvalue_type == "symmetric" else self.pvalue_equal_tailed

    @property
    def method(self) -> str:
        """Short name: ``WCR``/``WCU`` (cluster) or ``WR``/``WU`` (heteroskedastic), and the weights."""
        kind = (
            ("WCR" if self.impose_null else "WCU")
            if self.n_clusters
            else ("WR" if self.impose_null else "WU")
        )
        return f"{kind}, {self.weights}"

    def pvalue_at(self, value: float) -> float:
        """Bootstrap p-value of ``term = value`` with the same draws (the function the interval inverts).

        With the null imposed the bootstrap residuals depend on ``value``; each
        draw's t is recomputed from stored coefficients in O(1).
        """
        delta = self.estimate - float(value)
        tb = _wild.t_boot(self._draws, delta if self.impose_null else 0.0, self.small_sample_factor)
        return _wild.pvalue(delta / self.std_error, tb, self.pvalue_type)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval by test inversion: the values ``r`` with ``pvalue_at(r) > 1 - level``.

        The ends are found by stepping out from the estimate and bisecting the
        p-value function (a step function) to 1e-9 standard errors, as boottest
        does. An end is infinite when the p-value never falls to ``1 - level``
        (few clusters: see :attr:`min_pvalue`).
        """
        if not 0.0 < level < 1.0:
            raise OptionError(f"level={level!r} must lie strictly between 0 and 1")
        a = 1.0 - level
        return (
            _wild.invert(self.pvalue_at, self.estimate, self.std_error, a, -1),
            _wild.invert(self.pvalue_at, self.estimate, self.std_error, a, +1),
        )

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """The :meth:`ci` at ``1 - alpha`` (default: the test's ``alpha``) as a one-row frame."""
        a = self.alpha if alpha is None else alpha
        lo, hi = self.ci(1.0 - a)
        return pd.DataFrame({"lower": [lo], "upper": [hi]}, index=[self.term])

    def summary(self) -> str:
        """Text summary: hypothesis, statistic, p-value, interval and the bootstrap's configuration."""
        lo, hi = self.ci(1.0 - self.alpha)
        clusters = f"{self.n_clusters} clusters" if self.n_clusters else "no clusters (observation level)"
        draws = (
            f"all {self.n_boot} weight vectors (enumerated)"
            if self.enumerated
            else f"{self.n_boot} draws, {self.n_distinct} distinct"
        )
        se_kind = "CR1" if self.n_clusters else "HC1"
        lines = [
            f"Wild bootstrap test of {self.term} = {self.value:g}",
            f"  method          {self.method}, {clusters}",
            f"  draws           {draws}",
            f"  estimate        {self.estimate:.6g}  ({se_kind} s.e. {self.std_error:.6g}, "
            f"factor {self.small_sample_factor:.6g})",
            f"  t statistic     {self.t_stat:.4f}",
            f"  p-value         {self.pvalue:.4f} ({self.pvalue_type})",
            f"  {100 * (1 - self.alpha):g}% CI (inverted) [{lo:.6g}, {hi:.6g}]",
        ]
        if self.min_pvalue > _WARN_BOUND:
            lines.append(f"  note            p-value cannot go below {self.min_pvalue:.4g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"WildBootstrapResult({self.term}={self.value:g}: t={self.t_stat:.3f}, p={self.pvalue:.4f}, "
            f"{self.method}, B={self.n_boot}{' enumerated' if self.enumerated else ''})"
        )


def _as_cluster_codes(cluster: Any, nobs: int) -> tuple[np.ndarray, int]:
    arr = np.asarray(cluster)
    if arr.ndim != 1 or len(arr) != nobs:
        raise DataValueError(f"cluster has shape {arr.shape}; expected one label per row ({nobs})")
    if pd.isna(pd.Series(arr)).any():
        bad = int(np.flatnonzero(pd.isna(pd.Series(arr)).to_numpy())[0])
        raise DataValueError(f"cluster label is missing in row {bad}")
    _, codes = np.unique(arr, return_inverse=True)
    n_clusters = int(codes.max()) + 1
    if n_clusters < 2:
        raise EstimationError(
            f"cluster has a single cluster ({arr[0]!r}); the cluster bootstrap needs two or more"
        )
    return codes.astype(np.intp), n_clusters


def _annihilator(fe_codes: Any, w: Any, cluster_codes: np.ndarray | None, nobs: int) -> Any:
    """``M_D`` in the ``sqrt(w)``-transformed space, or None when every effect is nested in the clusters."""
    if fe_codes is None:
        return None
    from econindex.formula import demean, nested_in

    fe = np.asarray(fe_codes)
    fe = fe[:, None] if fe.ndim == 1 else fe
    if fe.ndim != 2 or fe.shape[0] != nobs or not np.issubdtype(fe.dtype, np.integer) or fe.min() < 0:
        raise DataValueError(
            f"fe_codes must be non-negative integer codes of shape ({nobs}, n_fe); got {fe.shape}"
        )
    if cluster_codes is not None and nested_in(fe, cluster_codes).all():
        return None  # D'(u * v) = 0: every level lies in one cluster, where u sums to zero
    # otherwise project on all the effects jointly (nested ones too: the projections do not add up)
    fe = np.column_stack([np.unique(c, return_inverse=True)[1] for c in fe.T])
    if w is None:
        return lambda m: demean(m, fe)
    wa = np.asarray(w, dtype=float).reshape(-1)
    root = np.sqrt(wa)
    safe = np.where(root > 0, root, 1.0)[:, None]
    return lambda m: root[:, None] * demean(m / safe, fe, wa)


def wild_bootstrap_test(
    X: Any,
    y: Any,
    *,
    names: Sequence[str],
    term: str,
    value: float = 0.0,
    regression_weights: Any = None,
    cluster: Any = None,
    n_boot: int = 9999,
    weights: str = "rademacher",
    seed: int | None = None,
    impose_null: bool = True,
    absorbed_df: int = 0,
    alpha: float = 0.05,
    pvalue_type: str = "symmetric",
    enumeration: bool | None = None,
    fe_codes: Any = None,
) -> WildBootstrapResult:
    """Wild (cluster) bootstrap test of ``term = value`` in the OLS/WLS fit of ``y`` on ``X``.

    Parameters
    ----------
    X : array (N, k)
        Design matrix, columns named by ``names``; already demeaned when fixed
        effects were absorbed (then pass their count as ``absorbed_df``).
    y : array (N,)
    names : sequence of str
        Column names of ``X``.
    term : str
        The coefficient tested (one of ``names``).
    value : float
        Its value under the null (default 0).
    regression_weights : array (N,), optional
        WLS weights (non-negative); the fit and the bootstrap use ``sqrt(w) X``, ``sqrt(w) y``.
    cluster : array (N,), optional
        Cluster labels: wild cluster bootstrap with CR1 studentization. Without
        it, observation-level wild bootstrap with HC1 studentization.
    n_boot : int
        Bootstrap draws when the weights are sampled (default 9999).
    weights : {"rademacher", "webb"}
        Distribution of the weights: Rademacher (+-1) or Webb's six-point.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` for sampled weights.
    impose_null : bool
        ``True`` (default): restricted bootstrap (WCR), residuals from the fit
        with ``term = value`` imposed, as recommended by MacKinnon and Webb.
        ``False``: unrestricted (WCU).
    absorbed_df : int
        Coefficients absorbed before ``X`` was formed (fixed effects), counted
        in the small-sample factor's ``K``.
    alpha : float
        Default ``1 - level`` of :meth:`WildBootstrapResult.conf_int`.
    pvalue_type : {"symmetric", "equal-tailed"}
        Which p-value :attr:`~WildBootstrapResult.pvalue` and the interval use.
    enumeration : bool, optional
        ``None`` (default): use all weight vectors when Rademacher and ``G <=
        12`` (or ``2^G <= n_boot``), Webb and ``6^G <= n_boot``; ``False``:
        always sample ``n_boot`` draws; ``True``: always enumerate.
    fe_codes : array (N, n_fe) of int, optional
        Codes ``0..L-1`` of the absorbed fixed effects that ``X`` and ``y``
        were demeaned on (with ``regression_weights``). When an effect is not
        nested in the clusters (e.g. period effects with state clusters), or
        there are no clusters, all the effects are then projected out of every
        bootstrap sample, so the test equals the bootstrap of the regression
        with one-hot effects (wildboottest, boottest). Without it the demeaned design is taken as
        given, which is exact when every absorbed effect is nested in the clusters.
        Without clusters each block of draws is projected; with two or more
        effects that is iterative and dominates the cost on large N.

    Returns
    -------
    WildBootstrapResult

    Raises
    ------
    OptionError
        Unknown ``weights`` or ``pvalue_type``, ``term`` not in ``names``, bad ``n_boot``/``alpha``.
    DataValueError
        Shapes that do not match, non-finite data, negative weights, missing cluster labels.
    EstimationError
        A single cluster, a singular design, or no residual degrees of freedom.

    Warns
    -----
    FewClustersWarning
        When the smallest attainable p-value exceeds 0.01 (Rademacher with G <= 7, Webb with G <= 3).

    Notes
    -----
    ``t* = (beta*_j - beta~_j) / se*`` and ``t = (beta_j - value) / se`` use the
    same variance: CR1 ``G/(G-1) (N-1)/(N-K) sum_g (a'X_g'u_g)^2`` with clusters,
    HC1 ``N/(N-K) sum_i (a'x_i u_i)^2`` without, ``a`` the column of ``(X'X)^-1``
    of ``term`` and ``K = k + absorbed_df`` (boottest's and wildboottest's
    factors). The symmetric p-value is the share of draws with ``|t*| >=
    |t|``, ties included (wildboottest counts ``>`` only; the two differ by
    the tied draws, e.g. 2/2^G with enumeration).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = np.column_stack([np.ones(200), rng.normal(size=200)])
    >>> y = X @ [1.0, 0.0] + rng.normal(size=200) * (1 + np.abs(X[:, 1]))
    >>> res = wild_bootstrap_test(X, y, names=["const", "x"], term="x", n_boot=999, seed=3)
    >>> res.enumerated, res.n_boot, 0.0 <= res.pvalue <= 1.0
    (False, 999, True)
    """
    check_option("weights", weights, tuple(_wild.WEIGHT_POINTS))
    check_option("pvalue_type", pvalue_type, _PVALUE_TYPES)
    check_option("enumeration", enumeration, (None, True, False))
    names = [str(n) for n in names]
    if term not in names:
        raise OptionError(f"term {term!r} is not a coefficient; choose one of {', '.join(map(repr, names))}")
    if not (isinstance(n_boot, int | np.integer) and n_boot >= 1):
        raise OptionError(f"n_boot={n_boot!r} must be a positive integer")
    if not 0.0 < alpha < 1.0:
        raise OptionError(f"alpha={alpha!r} must lie strictly between 0 and 1")
    if not (isinstance(absorbed_df, int | np.integer) and absorbed_df >= 0):
        raise OptionError(f"absorbed_df={absorbed_df!r} must be a non-negative integer")
    if seed is not None and not isinstance(seed, int | np.integer):
        raise OptionError(f"seed={seed!r} must be an integer or None")
    Xa = np.asarray(X, dtype=float)
    ya = np.asarray(y, dtype=float).reshape(-1)
    if Xa.ndim != 2 or Xa.shape[1] != len(names):
        raise DataValueError(f"X has shape {Xa.shape}; expected (N, {len(names)}) for names {names}")
    nobs = Xa.shape[0]
    if len(ya) != nobs:
        raise DataValueError(f"y has {len(ya)} rows, X has {nobs}")
    for what, arr in (("X", Xa), ("y", ya)):
        if not np.isfinite(arr).all():
            row = int(np.flatnonzero(~np.isfinite(arr.reshape(nobs, -1)).all(axis=1))[0])
            raise DataValueError(f"{what} is not finite in row {row}")
    if regression_weights is not None:
        w = np.asarray(regression_weights, dtype=float).reshape(-1)
        if len(w) != nobs:
            raise DataValueError(f"regression_weights has {len(w)} rows, X has {nobs}")
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if len(bad):
            raise DataValueError(
                f"regression_weights must be finite and non-negative; row {int(bad[0])} is {w[bad[0]]}"
            )
        root = np.sqrt(w)
        Xa, ya = Xa * root[:, None], ya * root
    codes: np.ndarray | None = None
    n_clusters: int | None = None
    if cluster is not None:
        codes, n_clusters = _as_cluster_codes(cluster, nobs)
    col = names.index(term)
    annihilate = _annihilator(fe_codes, regression_weights, codes, nobs)
    design = _wild.prepare(Xa, ya, col, codes, n_clusters, int(absorbed_df), annihilate)
    G = design.n_clusters
    enumerated = _wild.will_enumerate(weights, G, int(n_boot), enumeration)
    rng = None if enumerated else np.random.default_rng(seed)
    draws = _wild.bootstrap_draws(
        design, _wild.weight_chunks(weights, G, int(n_boot), rng, enumerated), weights, impose_null
    )
    delta = design.estimate - float(value)
    tb = _wild.t_boot(draws, delta if impose_null else 0.0, design.ssc)
    t = delta / design.se
    bound = _wild.min_pvalue(weights, G) if impose_null else 0.0
    if bound > _WARN_BOUND:
        warnings.warn(
            f"wild bootstrap with {weights} weights on {G} "
            f"{'clusters' if codes is not None else 'observations'}: "
            f"the p-value cannot go below {bound:.4g}"
            + ("; Webb weights resolve smaller p-values" if weights == "rademacher" else ""),
            FewClustersWarning,
            stacklevel=2,
        )
    return WildBootstrapResult(
        term=term,
        value=float(value),
        estimate=design.estimate,
        std_error=design.se,
        t_stat=t,
        t_boot=tb,
        pvalue_symmetric=_wild.pvalue(t, tb, "symmetric"),
        pvalue_equal_tailed=_wild.pvalue(t, tb, "equal-tailed"),
        n_boot=len(tb),
        n_distinct=draws.n_distinct,
        enumerated=enumerated,
        n_clusters=n_clusters,
        nobs=nobs,
        weights=weights,
        impose_null=bool(impose_null),
        small_sample_factor=design.ssc,
        absorbed_df=int(absorbed_df),
        alpha=float(alpha),
        pvalue_type=pvalue_type,
        min_pvalue=bound,
        _draws=draws,
    )
