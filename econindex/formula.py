"""Formulas in fixest's syntax: ``y ~ x1 + log(x2) + C(region) | fe1 + fe2``.

The part before ``|`` is expanded by :mod:`formulaic` (transforms, ``C()``
dummies, interactions ``x:C(g)``); the part after ``|`` names columns whose
levels are absorbed as fixed effects by weighted alternating projections
(:func:`demean`). :func:`build` turns a formula and a DataFrame into a
:class:`Design`: the response, the (not yet demeaned) regressors, the
integer codes of each fixed effect, and a count of every row left out and
why (missing values, non-finite transforms, singleton fixed-effect groups).

Degrees of freedom of the absorbed effects follow fixest / pyfixest
(:func:`absorbed_dof`): the sum of the levels of all fixed effects minus one
for each fixed effect after the first; with clustered errors, a fixed effect
nested in the clusters counts as one parameter (``ssc(k_fixef="nonnested")``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from econindex.errors import DataValueError, EstimationError, OptionError, SchemaError

__all__ = ["Design", "build", "demean", "absorbed_dof", "split_formula", "check_absorbed"]

DEMEAN_TOL = 1e-12
"""Convergence tolerance of the alternating projections (max abs change, relative to the column scale)."""
DEMEAN_MAXITER = 10_000


def split_formula(formula: str) -> tuple[str, tuple[str, ...]]:
    """Split ``"y ~ x | fe1 + fe2"`` into the formulaic part and the fixed-effect names.

    Examples
    --------
    >>> split_formula("y ~ x + C(g) | region + period")
    ('y ~ x + C(g)', ('region', 'period'))
    >>> split_formula("y ~ x")
    ('y ~ x', ())
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise OptionError(f"formula={formula!r} must be a string 'y ~ x1 + x2 [| fe1 + fe2]'")
    parts = formula.split("|")
    if len(parts) > 2:
        raise OptionError(f"formula {formula!r} has more than one '|'; write 'y ~ x | fe1 + fe2'")
    main = parts[0].strip()
    fes: tuple[str, ...] = ()
    if len(parts) == 2:
        fes = tuple(t.strip() for t in parts[1].split("+") if t.strip())
        if not fes:
            raise OptionError(f"formula {formula!r} has an empty fixed-effect part after '|'")
        for fe in fes:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", fe):
                raise OptionError(
                    f"fixed effect {fe!r} in {formula!r} must be a column name (interactions: make a column)"
                )
        if len(set(fes)) != len(fes):
            raise OptionError(f"formula {formula!r} names a fixed effect twice")
    return main, fes


@dataclass(frozen=True, eq=False)
class Design:
    """A formula evaluated on a frame: response, regressors and fixed-effect codes of the rows used.

    Attributes
    ----------
    y : (N,) response; X : (N, k) regressors (constant column ``Intercept`` only without fixed effects)
    names : coefficient names; dep_var : response name
    fe_names : absorbed fixed effects; fe_codes : (N, n_fe) integer codes 0..L-1
    rows : positions (in the input frame) of the rows used
    index : the input frame's index labels of those rows
    dropped : reason -> number of rows left out
    spec : formulaic model spec of the regressors (for :meth:`predict` on new data)
    """

    y: np.ndarray
    X: np.ndarray
    names: tuple[str, ...]
    dep_var: str
    fe_names: tuple[str, ...]
    fe_codes: np.ndarray
    rows: np.ndarray
    index: np.ndarray
    dropped: Mapping[str, int] = field(default_factory=dict)
    spec: Any = None
    formula: str = ""
    fe_values: np.ndarray | None = None

    def levels(self, j: int) -> tuple[Any, ...]:
        """Labels of fixed effect ``j`` in the order of its codes."""
        assert self.fe_values is not None
        vals = pd.Series(self.fe_values[:, j])
        return tuple(pd.factorize(vals, sort=True)[1])

    @property
    def n_levels(self) -> tuple[int, ...]:
        """Number of levels of each fixed effect among the rows used."""
        return tuple(int(self.fe_codes[:, j].max()) + 1 for j in range(self.fe_codes.shape[1]))


def _codes(values: pd.Series) -> np.ndarray:
    return np.asarray(pd.factorize(values, sort=True)[0], dtype=np.int64)


def _recode(codes: np.ndarray) -> np.ndarray:
    return np.unique(codes, return_inverse=True)[1].reshape(-1).astype(np.int64)


def build(
    formula: str,
    frame: pd.DataFrame,
    *,
    extra: Mapping[str, Any] | None = None,
    drop_singletons: bool = True,
) -> tuple[Design, dict[str, np.ndarray]]:
    """Evaluate ``formula`` on ``frame``: the :class:`Design` and the ``extra`` columns of the rows used.

    ``extra`` maps a role (``"weights"``, ``"cluster"``, ``"offset"``) to a column name or an
    array; those values decide row use as well (a missing cluster label or weight drops the row,
    counted in ``Design.dropped``).

    Raises
    ------
    SchemaError
        The formula or ``extra`` names a column that is not in the frame.
    OptionError
        Malformed formula.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, None], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> d, _ = build("y ~ x", df)
    >>> d.names, d.y.size, dict(d.dropped)
    (('Intercept', 'x'), 4, {'missing value in y': 1})
    """
    import formulaic

    main, fes = split_formula(formula)
    if not isinstance(frame, pd.DataFrame):
        raise OptionError(
            f"data must be a pandas DataFrame or an econindex dataset, got {type(frame).__name__}"
        )
    try:
        parsed = formulaic.Formula(main)
    except Exception as exc:  # formulaic's parser errors are not EconIndexErrors
        raise OptionError(f"cannot parse formula {main!r}: {exc}") from exc
    if not hasattr(parsed, "lhs"):
        raise OptionError(f"formula {formula!r} needs a response on the left of '~'")
    required = sorted(set(parsed.required_variables) - {"C", "log", "exp", "np", "center", "scale"})
    cols = set(map(str, frame.columns))
    missing = [v for v in [*required, *fes] if v not in cols]
    if missing:
        raise SchemaError(
            f"formula {formula!r} names column(s) {missing} that are not in the data; "
            f"columns are: {', '.join(sorted(cols)[:30])}"
        )
    n = len(frame)
    use = np.ones(n, dtype=bool)
    dropped: dict[str, int] = {}

    def _drop(mask: np.ndarray, reason: str) -> None:
        mask = mask & use
        if mask.any():
            dropped[reason] = dropped.get(reason, 0) + int(mask.sum())
            use[mask] = False

    for v in [*required, *fes]:
        _drop(np.asarray(frame[v].isna()), f"missing value in {v}")
    extras: dict[str, np.ndarray] = {}
    for role, spec in (extra or {}).items():
        if spec is None:
            continue
        if isinstance(spec, str):
            if spec not in cols:
                raise SchemaError(f"{role}={spec!r} is not a column of the data")
            vals = frame[spec].to_numpy()
        else:
            vals = np.asarray(spec)
            if vals.shape[0] != n:
                raise DataValueError(f"{role} has {vals.shape[0]} entries but the data has {n} rows")
        extras[role] = vals
        _drop(np.asarray(pd.isna(pd.Series(vals))), f"missing {role}")
    sub = frame.iloc[np.flatnonzero(use)]
    try:
        mm = formulaic.model_matrix(main, sub, na_action="ignore")
    except Exception as exc:
        raise OptionError(f"cannot evaluate formula {main!r}: {exc}") from exc
    lhs = np.asarray(mm.lhs, dtype=float)
    if lhs.ndim == 2 and lhs.shape[1] != 1:
        raise OptionError(f"formula {formula!r} must have exactly one response")
    y = lhs.reshape(-1)
    rhs = mm.rhs
    names = [str(c) for c in rhs.columns]
    X = np.asarray(rhs, dtype=float)
    if fes and "Intercept" in names:
        j = names.index("Intercept")
        X = np.delete(X, j, axis=1)
        names.pop(j)
    pos = np.flatnonzero(use)
    bad = ~np.isfinite(y)
    if bad.any():
        dropped[f"non-finite {mm.lhs.columns[0]}"] = int(bad.sum())
    badx = ~np.isfinite(X)
    for j in map(int, np.flatnonzero(badx.any(axis=0))):
        newly = badx[:, j] & ~bad
        if newly.any():
            dropped[f"non-finite {names[j]}"] = int(newly.sum())
        bad |= badx[:, j]
    keep = ~bad
    y, X, pos = y[keep], X[keep], pos[keep]
    codes = (
        np.column_stack([_codes(frame[fe].iloc[pos]) for fe in fes])
        if fes
        else np.empty((y.size, 0), np.int64)
    )
    fe_values = np.column_stack([frame[fe].to_numpy()[pos] for fe in fes]) if fes else None
    if fes and drop_singletons:
        while True:
            single = np.zeros(y.size, dtype=bool)
            for j in range(codes.shape[1]):
                counts = np.bincount(codes[:, j])
                single |= counts[codes[:, j]] == 1
            if not single.any():
                break
            dropped["singleton fixed-effect group"] = dropped.get("singleton fixed-effect group", 0) + int(
                single.sum()
            )
            y, X, pos, codes = y[~single], X[~single], pos[~single], codes[~single]
            fe_values = None if fe_values is None else fe_values[~single]
            codes = np.column_stack([_recode(codes[:, j]) for j in range(codes.shape[1])])
    if codes.shape[1] and (not keep.all() or "singleton fixed-effect group" in dropped):
        codes = np.column_stack([_recode(codes[:, j]) for j in range(codes.shape[1])])
    design = Design(
        y=y,
        X=X,
        names=tuple(names),
        dep_var=str(mm.lhs.columns[0]),
        fe_names=fes,
        fe_codes=codes,
        rows=pos,
        index=np.asarray(frame.index[pos]),
        dropped=dropped,
        spec=rhs.model_spec,
        formula=formula,
        fe_values=fe_values,
    )
    return design, {k: v[pos] for k, v in extras.items()}


def demean(
    M: np.ndarray,
    codes: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    tol: float = DEMEAN_TOL,
    maxiter: int = DEMEAN_MAXITER,
) -> np.ndarray:
    """Residuals of the columns of ``M`` after weighted projection on the fixed-effect dummies.

    Alternating projections (the method of fixest and pyfixest): subtract the
    weighted group means of each fixed effect in turn until no entry moves by
    more than ``tol`` times the column's scale. One fixed effect is exact after
    one sweep.

    Parameters
    ----------
    M : (N,) or (N, p)
    codes : (N, n_fe) integer codes 0..L-1
    weights : (N,), optional

    Examples
    --------
    >>> M = np.array([[1.0], [3.0], [5.0], [9.0]])
    >>> demean(M, np.array([[0], [0], [1], [1]])).ravel().tolist()
    [-1.0, 1.0, -2.0, 2.0]
    """
    out = np.array(M, dtype=float, copy=True)
    vec = out.ndim == 1
    if vec:
        out = out[:, None]
    n_fe = codes.shape[1]
    if n_fe == 0:
        return out[:, 0] if vec else out
    w = np.ones(out.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if n_fe > 1:
        exact = _demean_exact(out, codes, w)
        if exact is not None:
            return exact[:, 0] if vec else exact
    groups = []
    for j in range(n_fe):
        c = codes[:, j]
        L = int(c.max()) + 1
        wsum = np.bincount(c, weights=w, minlength=L)
        groups.append((c, L, np.where(wsum > 0, wsum, 1.0)))
    scale = np.maximum(np.abs(out).max(axis=0), 1e-300)
    active = np.arange(out.shape[1])
    for _ in range(maxiter):
        sub = out[:, active]
        before = sub.copy() if n_fe > 1 else None
        wsub = sub * w[:, None]
        for c, L, wsum in groups:
            # one sparse-like group sum per column via bincount (faster than np.add.at)
            means = (
                np.column_stack(
                    [np.bincount(c, weights=wsub[:, q], minlength=L) for q in range(sub.shape[1])]
                )
                / wsum[:, None]
            )
            sub -= means[c]
            if n_fe > 1:
                wsub = sub * w[:, None]
        out[:, active] = sub
        if n_fe == 1:
            break
        assert before is not None
        moved = np.abs(sub - before).max(axis=0) / scale[active]
        active = active[moved > tol]
        if active.size == 0:
            break
    else:
        raise EstimationError(
            f"demeaning by the fixed effects did not converge in {maxiter} sweeps "
            "(the fixed effects are nearly collinear)"
        )
    return out[:, 0] if vec else out


EXACT_MAX_LEVELS = 4000
"""Largest number of levels of the fixed effects other than the biggest one for which
:func:`demean` solves the projection exactly instead of iterating."""


def _group_demean(M: np.ndarray, c: np.ndarray, L: int, w: np.ndarray, wsum: np.ndarray) -> np.ndarray:
    means = np.empty((L, M.shape[1]))
    for q in range(M.shape[1]):
        means[:, q] = np.bincount(c, weights=w * M[:, q], minlength=L)
    means /= wsum[:, None]
    return M - means[c]


def _demean_exact(M: np.ndarray, codes: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """Exact weighted projection for two or more fixed effects (no iteration).

    The fixed effect with the most levels is swept out by group means; the
    others (``L_r`` levels in all) enter the normal equations
    ``D' W M_1 D g = D' W M_1 x``, an ``L_r x L_r`` system formed from weighted
    cross-tabulations (``scipy.sparse``) and solved by least squares (its rank
    deficiency, one per extra fixed effect and per disconnected component, does
    not change the projection). Measured several times faster than alternating
    projections when the smaller effects have few levels (``bench_formula.py``);
    ``None`` when they have more than :data:`EXACT_MAX_LEVELS`.
    """
    from scipy import sparse

    n, n_fe = codes.shape
    levels = [int(codes[:, j].max()) + 1 for j in range(n_fe)]
    big = int(np.argmax(levels))
    rest = [j for j in range(n_fe) if j != big]
    Lr = sum(levels[j] for j in rest)
    if Lr > EXACT_MAX_LEVELS:
        return None
    c1, L1 = codes[:, big], levels[big]
    w1 = np.bincount(c1, weights=w, minlength=L1)
    w1 = np.where(w1 > 0, w1, 1.0)
    offs = np.cumsum([0] + [levels[j] for j in rest])[:-1]
    col = np.concatenate([codes[:, j] + o for j, o in zip(rest, offs, strict=True)])
    row = np.tile(np.arange(n), len(rest))
    D = sparse.csr_matrix((np.ones(col.size), (row, col)), shape=(n, Lr))
    DW = D.T.multiply(w[None, :]).tocsr()  # (Lr, n)
    C = sparse.csr_matrix((w, (c1, np.arange(n))), shape=(L1, n)) @ D  # (L1, Lr) weighted crosstab
    A = (DW @ D).toarray() - (C.T.multiply(1.0 / w1[None, :]) @ C).toarray()
    Mt = _group_demean(M, c1, L1, w, w1)
    B = np.asarray(DW @ Mt)
    g = np.linalg.lstsq(A, B, rcond=1e-13)[0]
    fit = np.asarray(D @ g)
    return Mt - _group_demean(fit, c1, L1, w, w1)


def check_absorbed(
    X: np.ndarray, Xd: np.ndarray, names: Sequence[str], fe_names: Sequence[str], weights: np.ndarray | None
) -> None:
    """Raise :class:`EstimationError` naming a regressor that the fixed effects absorb.

    A regressor is absorbed when its demeaned column is numerically zero relative to
    its variation around the weighted mean.
    """
    w = np.ones(X.shape[0]) if weights is None else weights
    mu = (w @ X) / w.sum()
    spread = np.sqrt(w @ (X - mu) ** 2)
    left = np.sqrt(w @ Xd**2)
    gone = left <= 1e-8 * np.maximum(spread, np.abs(mu) * np.sqrt(w.sum()))
    if gone.any():
        j = int(np.flatnonzero(gone)[0])
        raise EstimationError(
            f"regressor {names[j]!r} is absorbed by the fixed effect(s) {' + '.join(fe_names)} "
            "(it does not vary within their groups); drop it or the fixed effect"
        )


def nested_in(fe_codes: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Which fixed effects are nested in the clusters (every level inside one cluster)."""
    cl = _recode(np.asarray(pd.factorize(pd.Series(clusters))[0]))
    out = np.zeros(fe_codes.shape[1], dtype=bool)
    for j in range(fe_codes.shape[1]):
        pairs = np.unique(np.column_stack([fe_codes[:, j], cl]), axis=0)
        out[j] = pairs.shape[0] == int(fe_codes[:, j].max()) + 1
    return out


def absorbed_dof(n_levels: Sequence[int], nested: Sequence[bool] | None = None) -> int:
    """Parameters absorbed by the fixed effects, as fixest/pyfixest count them.

    ``sum(levels) - (n_fe - 1)``; a fixed effect nested in the clusters counts
    as one parameter instead of its levels (``ssc(k_fixef="nonnested")``).

    Examples
    --------
    >>> absorbed_dof([50, 10])
    59
    >>> absorbed_dof([50, 10], nested=[True, False])
    10
    """
    n_fe = len(n_levels)
    if n_fe == 0:
        return 0
    total = int(sum(n_levels)) - (n_fe - 1)
    if nested is not None and any(nested):
        total = total - int(sum(L for L, nst in zip(n_levels, nested, strict=True) if nst)) + int(sum(nested))
    return total
