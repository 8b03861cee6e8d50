"""NumPy kernels of the wild (cluster) bootstrap t test of one coefficient (no xarray).

The algorithm is the one of Roodman, MacKinnon, Nielsen and Webb (2019, "Fast
and wild", Stata's ``boottest``), for a single restriction ``beta_j = r`` of
an OLS fit (WLS after the usual ``sqrt(w)`` transform):

* restricted (WCR, null imposed) or unrestricted (WCU) residuals ``u``;
  bootstrap samples ``y* = X beta_tilde + u * v_c(i)`` with one weight per
  cluster (per observation without clusters);
* ``t*_b = (R beta*_b - R beta_tilde) / se*_b`` studentized with the same CR1
  (or HC1) variance as the original ``t``.

Nothing of size N is touched per replicate. With ``A = (X'X)^-1``, ``a = A
e_j``, ``S`` the (G, k) matrix of cluster scores ``X_g'u_g`` and ``Q_g =
a'X_g'X_g`` (G, k), the numerator is ``(S a)'v`` and the coefficient's score of
cluster ``g`` in the bootstrap fit is ``c_g v_g - Q_g A S'v`` with ``c = S a``:
O(G k) per replicate once the pieces are formed in O(N k).

For the null-imposed bootstrap the restricted residuals are linear in the
hypothesised value, ``u(r) = u_hat + (beta_j - r) z`` with ``z = X a / a_j``,
so every replicate's t is a ratio of a linear and the square root of a
quadratic function of ``delta = beta_j - r``. The kernel stores the five
per-draw coefficients (:class:`WildDraws`); the p-value at any other value, and
hence the confidence set by test inversion, then costs O(B) with the same draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_triangular

from econindex.errors import EstimationError, OptionError

__all__ = [
    "WEIGHT_POINTS",
    "WildDesign",
    "WildDraws",
    "prepare",
    "weight_chunks",
    "bootstrap_draws",
    "t_boot",
    "pvalue",
    "min_pvalue",
    "invert",
    "small_sample_factor",
]

WEIGHT_POINTS: dict[str, np.ndarray] = {
    # Rademacher: +-1 with probability 1/2 each.
    "rademacher": np.array([-1.0, 1.0]),
    # Webb (2014) six-point: +-sqrt(1/2), +-1, +-sqrt(3/2), probability 1/6 each (mean 0, variance 1).
    "webb": np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)]),
}

_ENUMERATE_ALWAYS = 4096  # Rademacher with G <= 12: all 2^G sign vectors, whatever n_boot
_ENUMERATE_MAX = 2**20  # enumeration=True refuses more vectors than this
_CHUNK_ELEMENTS = 2_000_000  # draws x clusters per block (16 MB per float array)
_TIE = 1e-10  # relative tolerance: |t*| within this of |t| counts as a tie (>=)


def small_sample_factor(nobs: int, k: int, n_clusters: int | None, absorbed_df: int = 0) -> float:
    """Scalar factor of the variance: CR1 ``G/(G-1) (N-1)/(N-K)`` or HC1 ``N/(N-K)``.

    ``K = k + absorbed_df`` counts the coefficients of the (demeaned) design
    and the absorbed fixed effects, as fixest and wildboottest (with
    one-hot fixed effects) count them. The factor is the one boottest uses
    (its default ``small``); it scales ``t`` and every ``t*`` alike, so the
    bootstrap p-value does not depend on it.

    Examples
    --------
    >>> round(small_sample_factor(51, 2, 9), 6)  # 9/8 * 50/49
    1.147959
    >>> round(small_sample_factor(51, 2, None), 6)  # 51/49
    1.040816
    """
    dof = nobs - k - absorbed_df
    if dof <= 0:
        raise EstimationError(f"no residual degrees of freedom: N={nobs}, K={k + absorbed_df}")
    if n_clusters is None:
        return nobs / dof
    return n_clusters / (n_clusters - 1) * (nobs - 1) / dof


@dataclass(frozen=True)
class WildDesign:
    """Pieces of the fast algorithm, formed once in O(N k) (see the module notes)."""

    estimate: float  # beta_j of the unrestricted fit
    se: float  # its CR1/HC1 standard error
    ssc: float  # small-sample factor of the variance
    n_clusters: int  # G (N without clusters)
    c0: np.ndarray  # (G,) cluster scores of beta_j from the unrestricted residuals
    c1: np.ndarray  # (G,) the same from z (slope in delta of the restricted scores)
    q: np.ndarray  # (G, k) a'X_g'X_g
    k0: np.ndarray  # (k, G) A S_uhat'
    k1: np.ndarray  # (k, G) A S_z'
    # absorbed fixed effects, some not nested in the clusters (see :func:`prepare`), else None:
    f0: np.ndarray | None = None  # (G, G) clusters: a'X_g' P_D(u_hat 1_h); HC: None
    f1: np.ndarray | None = None  # (G, G) the same for z
    annihilate: Callable[[np.ndarray], np.ndarray] | None = None  # HC only: M_D
    xa: np.ndarray | None = None  # HC only: X a
    uhat: np.ndarray | None = None  # HC only
    z: np.ndarray | None = None  # HC only


@dataclass(frozen=True)
class WildDraws:
    """Per-draw coefficients: ``t*_b(delta) = (n0 + delta n1) / sqrt(ssc (q0 + 2 delta q1 + delta^2 q2))``.

    ``n_distinct`` counts the distinct weight vectors among the draws.
    """

    n0: np.ndarray
    n1: np.ndarray
    q0: np.ndarray
    q1: np.ndarray
    q2: np.ndarray
    n_distinct: int


def _group_sum(m: np.ndarray, indicator: sp.csr_matrix | None) -> np.ndarray:
    return m if indicator is None else np.asarray(indicator @ m)


def prepare(
    X: np.ndarray,
    y: np.ndarray,
    col: int,
    codes: np.ndarray | None,
    n_clusters: int | None,
    absorbed_df: int = 0,
    annihilate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> WildDesign:
    """Form the O(N k) pieces for the test of coefficient ``col``.

    ``X`` and ``y`` are already weighted (``sqrt(w) X``) and demeaned if
    fixed effects were absorbed; ``codes`` are cluster codes ``0..G-1`` or
    ``None`` for the heteroskedastic (observation-level) bootstrap.

    ``annihilate`` (``M_D``: residuals of the columns of an (N, p) array on
    the absorbed effects, in the weighted space) makes the bootstrap equal to
    the one on the design with one-hot effects when the effects are not
    nested in the clusters: ``u * v`` is then not orthogonal to the effects,
    and the bootstrap fit's residuals are ``M_D(u * v) - X (beta* - beta~)``.
    The extra term ``-a'X_g' P_D(u * v)`` is linear in ``v``: a (G, G) matrix
    from G projections (clusters), or one projection per block of draws
    (no clusters). Without it (``None``) the design is taken as given, which is
    exact when every absorbed effect is nested in the clusters.
    """
    nobs, k = X.shape
    # QR rather than inverting X'X: the condition number is not squared
    q_mat, r_mat = np.linalg.qr(X)
    diag = np.abs(np.diag(r_mat))
    if nobs < k or diag.min() <= 1e-10 * diag.max():
        raise EstimationError(f"the design (k={k}) is singular: a column is constant or collinear")
    r_inv = solve_triangular(r_mat, np.eye(k))
    A = r_inv @ r_inv.T
    a = A[:, col]
    beta = r_inv @ (q_mat.T @ y)
    uhat = y - X @ beta
    z = (X @ a) / a[col]
    if codes is None:
        indicator = None
        G = nobs
    else:
        G = int(n_clusters if n_clusters is not None else codes.max() + 1)
        indicator = sp.csr_matrix((np.ones(nobs), (codes, np.arange(nobs))), shape=(G, nobs))
    s_u = _group_sum(X * uhat[:, None], indicator)  # (G, k)
    s_z = _group_sum(X * z[:, None], indicator)
    c0 = s_u @ a
    ssc = small_sample_factor(nobs, k, None if codes is None else G, absorbed_df)
    xa = X @ a
    extra: dict[str, Any] = {}
    if annihilate is not None and indicator is not None:
        f = np.empty((2, G, G))
        step = max(1, _CHUNK_ELEMENTS // nobs)
        for start in range(0, G, step):
            hs = np.arange(start, min(G, start + step))
            member = np.asarray(codes)[:, None] == hs[None, :]  # (N, block)
            for which, u in enumerate((uhat, z)):
                block = np.where(member, u[:, None], 0.0)
                projected = block - annihilate(block)  # P_D(u 1_h)
                f[which][:, hs] = _group_sum(xa[:, None] * projected, indicator)
        extra = {"f0": f[0], "f1": f[1]}
    elif annihilate is not None:
        extra = {"annihilate": annihilate, "xa": xa, "uhat": uhat, "z": z}
    return WildDesign(
        estimate=float(beta[col]),
        se=float(np.sqrt(ssc * (c0 @ c0))),
        ssc=ssc,
        n_clusters=G,
        c0=c0,
        c1=s_z @ a,
        q=a[col] * s_z,  # a'X_g'X_g = sum_i (x_i'a) x_i' = a_j * S_z,g
        k0=A @ s_u.T,
        k1=A @ s_z.T,
        **extra,
    )


def will_enumerate(kind: str, n_clusters: int, n_boot: int, enumeration: bool | None) -> bool:
    """Whether to use all weight vectors.

    Rademacher: when G <= 12 or 2^G <= n_boot; Webb: when 6^G <= n_boot;
    ``enumeration`` True/False forces it.
    """
    if enumeration is False:
        return False
    total = len(WEIGHT_POINTS[kind]) ** min(n_clusters, 64)
    if enumeration is True:
        if total > _ENUMERATE_MAX:
            raise OptionError(
                f"enumeration=True needs {len(WEIGHT_POINTS[kind])}^{n_clusters} weight vectors "
                f"(more than {_ENUMERATE_MAX}); use enumeration=None or False"
            )
        return True
    limit = max(n_boot, _ENUMERATE_ALWAYS) if kind == "rademacher" else n_boot
    return total <= limit


def weight_chunks(
    kind: str, n_clusters: int, n_boot: int, rng: np.random.Generator | None, enumerated: bool
) -> Iterator[np.ndarray]:
    """Yield (chunk, G) integer codes into ``WEIGHT_POINTS[kind]``, all vectors if ``enumerated``.

    Sampled codes come from ``rng.integers`` block by block; the block size
    depends on G and B only, so a seed gives the same draws every time.

    Examples
    --------
    >>> blocks = list(weight_chunks("rademacher", 3, 999, None, True))
    >>> np.vstack(blocks).shape
    (8, 3)
    """
    m = len(WEIGHT_POINTS[kind])
    if enumerated:
        total = m**n_clusters
        step = max(1, _CHUNK_ELEMENTS // n_clusters)
        powers = m ** np.arange(n_clusters - 1, -1, -1, dtype=np.int64)
        for start in range(0, total, step):
            idx = np.arange(start, min(total, start + step), dtype=np.int64)
            yield ((idx[:, None] // powers) % m).astype(np.int8)
        return
    if rng is None:
        raise OptionError("sampled weights need a random generator")
    step = max(1, _CHUNK_ELEMENTS // n_clusters)
    for start in range(0, n_boot, step):
        yield rng.integers(0, m, size=(min(step, n_boot - start), n_clusters), dtype=np.int8)


def _fe_term(design: WildDesign, v: np.ndarray, which: int) -> np.ndarray | float:
    """``a'X_g' P_D(u * v)`` per draw and cluster (absorbed effects, some not nested in the clusters)."""
    f = design.f0 if which == 0 else design.f1
    if f is not None:
        return v @ f.T
    if design.annihilate is None:
        return 0.0
    assert design.xa is not None and design.uhat is not None and design.z is not None
    u = design.uhat if which == 0 else design.z
    block = (v * u).T  # (N, chunk)
    return (design.xa[:, None] * (block - design.annihilate(block))).T


def bootstrap_draws(
    design: WildDesign, chunks: Iterator[np.ndarray], kind: str, impose_null: bool
) -> WildDraws:
    """Run the bootstrap: per-draw coefficients of ``t*(delta)`` in O(G k) per draw.

    ``impose_null=False`` (WCU) bootstraps the unrestricted residuals; the
    ``delta`` coefficients are then zero and ``t*`` does not depend on the
    hypothesised value.
    """
    points = WEIGHT_POINTS[kind]
    parts: list[tuple[np.ndarray, ...]] = []
    seen: set[int] = set()
    for codes in chunks:
        seen.update(hash(row.tobytes()) for row in codes)
        v = points[codes]  # (chunk, G)
        e0 = v * design.c0 - (v @ design.k0.T) @ design.q.T - _fe_term(design, v, 0)
        n0 = v @ design.c0
        if impose_null:
            e1 = v * design.c1 - (v @ design.k1.T) @ design.q.T - _fe_term(design, v, 1)
            parts.append(
                (
                    n0,
                    v @ design.c1,
                    np.einsum("bg,bg->b", e0, e0),
                    np.einsum("bg,bg->b", e0, e1),
                    np.einsum("bg,bg->b", e1, e1),
                )
            )
        else:
            zero = np.zeros_like(n0)
            parts.append((n0, zero, np.einsum("bg,bg->b", e0, e0), zero, zero))
    n0, n1, q0, q1, q2 = (np.concatenate(p) for p in zip(*parts, strict=True))
    return WildDraws(n0=n0, n1=n1, q0=q0, q1=q1, q2=q2, n_distinct=len(seen))


def t_boot(draws: WildDraws, delta: float, ssc: float) -> np.ndarray:
    """Bootstrap t statistics at ``delta = beta_j - r`` (a 0/0 draw counts as t* = 0)."""
    num = draws.n0 + delta * draws.n1
    den = ssc * (draws.q0 + 2.0 * delta * draws.q1 + delta * delta * draws.q2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / np.sqrt(np.maximum(den, 0.0))
    return np.where(np.isnan(t), 0.0, t)


def pvalue(t: float, tb: np.ndarray, kind: str = "symmetric") -> float:
    """Bootstrap p-value of ``t`` against the draws ``tb``; ties (within 1e-10 relative) count.

    ``symmetric``: share of ``|t*| >= |t|``; ``equal-tailed``: twice the
    smaller of the shares of ``t* <= t`` and ``t* >= t`` (at most 1).

    Examples
    --------
    >>> pvalue(2.0, np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]))
    0.6666666666666666
    >>> pvalue(2.0, np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]), "equal-tailed")
    0.6666666666666666
    """
    tol = _TIE * max(abs(t), 1e-300)
    if kind == "symmetric":
        return float(np.mean(np.abs(tb) >= abs(t) - tol))
    lower = float(np.mean(tb <= t + tol))
    upper = float(np.mean(tb >= t - tol))
    return float(min(1.0, 2.0 * min(lower, upper)))


def min_pvalue(kind: str, n_clusters: int) -> float:
    """Smallest p-value the null-imposed (WCR) bootstrap can give.

    Every weight vector proportional to a constant reproduces ``|t|`` exactly
    (t is scale-invariant and ``v = 1`` gives back the sample), so those draws
    always tie: 2 of 2^G Rademacher vectors, 6 of 6^G Webb vectors. With
    sampled draws this share is the expected share of tied draws (a sampled
    p-value can be 0 when no draw ties), so the bound holds on average.

    Examples
    --------
    >>> min_pvalue("rademacher", 9)
    0.00390625
    """
    m = len(WEIGHT_POINTS[kind])
    return float(m) ** (1 - n_clusters) if (n_clusters - 1) * np.log10(m) < 300 else 0.0


def invert(pfun: Callable[[float], float], estimate: float, se: float, alpha: float, side: int) -> float:
    """Outer end, on ``side`` (-1 or +1), of the set ``{r : p(r) > alpha}`` around ``estimate``.

    Test inversion as boottest does it: step out from the estimate in units
    of the standard error until the p-value falls to ``alpha`` or below,
    scan a grid of 64 points between, and bisect the outermost crossing to
    1e-9 standard errors. Returns ``+-inf`` when the p-value does not fall to
    ``alpha`` within 1e5 standard errors (with few clusters it never does:
    see :func:`min_pvalue`).
    """
    if not np.isfinite(se) or se <= 0:
        raise EstimationError(f"cannot invert the test: standard error is {se}")
    step = 2.0 * se
    while pfun(estimate + side * step) > alpha:
        step *= 2.0
        if step > 1e5 * se:  # beyond this the tie at v = +-1 is lost to rounding
            return side * np.inf
    # A grid, then bisection, rather than scipy.optimize.brentq: p(r) is a step function, which
    # brentq would bisect anyway, and the grid finds the outermost crossing if p is not monotone.
    grid = estimate + side * np.linspace(0.0, step, 65)
    inside = np.array([pfun(float(r)) > alpha for r in grid])
    last = int(np.flatnonzero(inside).max())
    lo, hi = float(grid[last]), float(grid[last + 1])  # p(lo) > alpha >= p(hi)
    while abs(hi - lo) > 1e-9 * se:
        mid = 0.5 * (lo + hi)
        if pfun(mid) > alpha:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
