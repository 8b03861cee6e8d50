"""Formulas in fixest's syntax: :func:`ols` and :func:`ppml` on a DataFrame or an econindex dataset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from econindex import covariance
from econindex import formula as formula_mod
from econindex._kernels.ols import check_inputs, wls
from econindex.errors import DataValueError, EstimationError, OptionError
from econindex.regression._frame import _as_frame
from econindex.regression._least_squares import RegressionResult, _finish
from econindex.regression._poisson import PPML, _separated
from econindex.schema import check_option


def _check_cluster(cl: np.ndarray | None, cov_type: str, name: Any) -> np.ndarray | None:
    if cl is None:
        if cov_type == "cluster":
            raise OptionError("cov_type='cluster' needs cluster= (a column name or one label per row)")
        return None
    g = len(pd.unique(pd.Series(cl)))
    label = name if isinstance(name, str) else "cluster"
    if g < 2:
        raise EstimationError(
            f"cluster variable {label!r} has {g} cluster; cluster-robust errors need at least 2"
        )
    return np.asarray(cl)


def _resolve_cov(cov_type: str, cluster: Any) -> str:
    """``cluster=`` given with the default covariance means clustered errors (as fixest's ``cluster=``)."""
    return "cluster" if cluster is not None and cov_type == "HC1" else cov_type



def _weights_array(w: Any, names: str) -> np.ndarray | None:
    if w is None:
        return None
    arr = np.asarray(w, dtype=float)
    if (arr < 0).any():
        raise DataValueError(f"weights {names!r} are negative at {int((arr < 0).sum())} row(s)")
    return arr



def ols(
    formula: str,
    data: Any,
    *,
    weights: str | Sequence[float] | np.ndarray | None = None,
    cov_type: str = "HC1",
    cluster: str | Sequence[Any] | np.ndarray | None = None,
    cluster_correction: str = "CR1",
    use_t: bool = True,
    level: str | None = None,
    drop_singletons: bool = True,
) -> RegressionResult:
    """Least squares from a fixest-style formula ``y ~ x1 + log(x2) + C(g) | fe1 + fe2``.

    The terms after ``|`` are absorbed: ``y`` and the regressors are demeaned
    by (weighted) alternating projections and their levels are counted in the
    degrees of freedom as fixest counts them (sum of levels minus one per extra
    fixed effect; a fixed effect nested in the clusters counts as one). Rows
    with a missing value, a non-finite transform or (``drop_singletons``) a
    singleton fixed-effect group are left out and counted in ``result.dropped_rows``.

    Parameters
    ----------
    formula : str
    data : pandas.DataFrame or econindex dataset (through :func:`model_frame`)
    weights : column name or array, optional
        WLS weights (non-negative).
    cov_type : a name of :mod:`econindex.covariance` (default ``"HC1"``); giving
        ``cluster=`` with the default means ``"cluster"``.
    cluster : column name or labels, optional
    cluster_correction : ``"CR1"`` (default), ``"CR2"`` or ``"CR3"``
    use_t : t reference distributions (default) or the normal
    level : geographic level when ``data`` is a dataset

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.2, 2.9, 4.1, 5.2, 5.8], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    ...                    "g": ["a", "a", "b", "b", "c", "c"]})
    >>> res = ols("y ~ x | g", df, cov_type="nonrobust")
    >>> res.names, res.absorbed_df, res.df_resid
    (('x',), 3, 2)
    """
    check_option("cov_type", cov_type, covariance.COV_TYPES)
    check_option("cluster_correction", cluster_correction, covariance.CLUSTER_CORRECTIONS)
    cov_type = _resolve_cov(cov_type, cluster)
    frame = _as_frame(data, level)
    design, extra = formula_mod.build(
        formula, frame, extra={"weights": weights, "cluster": cluster}, drop_singletons=drop_singletons
    )
    w = _weights_array(extra.get("weights"), weights if isinstance(weights, str) else "weights")
    cl = _check_cluster(extra.get("cluster"), cov_type, cluster)
    obs = np.asarray(design.index)
    y, X = design.y, design.X
    if X.shape[1] == 0:
        raise EstimationError(f"formula {formula!r} has no regressors left to estimate")
    y_, X_, w_ = check_inputs(y, X, w, names=design.names, obs_names=obs)
    absorbed = 0
    response = None
    raw_X = None
    if design.fe_names:
        M = formula_mod.demean(np.column_stack([y_, X_]), design.fe_codes, w_)
        formula_mod.check_absorbed(X_, M[:, 1:], design.names, design.fe_names, w_)
        response, raw_X = y_, X_
        y_, X_ = M[:, 0], M[:, 1:]
        absorbed = formula_mod.absorbed_dof(design.n_levels)
    arrays = wls(y_, X_, w_, names=design.names)
    return _finish(
        arrays,
        y=y_,
        X=X_,
        w=w_,
        names=design.names,
        obs=obs,
        cov_type=cov_type,
        cluster_correction=cluster_correction,
        clusters=cl,
        use_t=use_t,
        dep_var=design.dep_var,
        level=level,
        model="OLS" if w_ is None else "WLS",
        absorbed=absorbed,
        design=design,
        response=response,
        raw_X=raw_X,
    )



def ppml(
    formula: str,
    data: Any,
    *,
    offset: str | Sequence[float] | np.ndarray | None = None,
    exposure: str | Sequence[float] | np.ndarray | None = None,
    cov_type: str = "HC1",
    cluster: str | Sequence[Any] | np.ndarray | None = None,
    cluster_correction: str = "CR1",
    weights: str | Sequence[float] | np.ndarray | None = None,
    level: str | None = None,
    drop_singletons: bool = True,
) -> RegressionResult:
    """Poisson pseudo-maximum likelihood from a fixest-style formula (pyfixest's ``fepois``).

    ``E[y | x] = exposure * exp(offset + x'b + fixed effects)``. Zeros are data;
    rows in a fixed-effect group whose outcome is zero throughout are left out
    (their effect is not finite) and counted in ``result.dropped_rows``.
    Inference uses the registry of :mod:`econindex.covariance` on the scores
    ``x (y - mu)`` and the Hessian ``X' diag(mu) X``: HC1 is HC0 times
    ``N / (N - k - absorbed)`` (R ``sandwich::vcovHC(type="HC1")``, pyfixest
    ``vcov="hetero"``), ``nonrobust`` the inverse information; the reference
    distribution is the normal (as statsmodels' GLM).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"n": [1.0, 2.0, 4.0, 8.0, 3.0, 5.0], "x": [0.0, 1.0, 2.0, 3.0, 1.0, 2.0]})
    >>> res = ppml("n ~ x", df)
    >>> res.model, res.cov_label, round(float(res.params["x"]), 3)
    ('PPML', 'HC1', 0.626)
    """
    check_option("cov_type", cov_type, covariance.COV_TYPES)
    check_option("cluster_correction", cluster_correction, covariance.CLUSTER_CORRECTIONS)
    if offset is not None and exposure is not None:
        raise OptionError("give offset= or exposure=, not both (exposure is exp(offset))")
    cov_type = _resolve_cov(cov_type, cluster)
    frame = _as_frame(data, level)
    design, extra = formula_mod.build(
        formula,
        frame,
        extra={"weights": weights, "cluster": cluster, "offset": offset, "exposure": exposure},
        drop_singletons=drop_singletons,
    )
    y, X = design.y, design.X
    if (y < 0).any():
        raise DataValueError(
            f"PPML needs a non-negative outcome; {design.dep_var} is negative at {int((y < 0).sum())} row(s)"
        )
    off = None
    if "offset" in extra:
        off = np.asarray(extra["offset"], dtype=float)
    if "exposure" in extra:
        ex = np.asarray(extra["exposure"], dtype=float)
        if (ex <= 0).any():
            raise DataValueError(f"exposure must be positive; it is not at {int((ex <= 0).sum())} row(s)")
        off = np.log(ex)
    w = _weights_array(extra.get("weights"), weights if isinstance(weights, str) else "weights")
    cl_all = extra.get("cluster")
    keep = np.ones(y.size, dtype=bool)
    dropped = dict(design.dropped)
    if design.fe_names:
        keep = np.ones(y.size, dtype=bool)
        codes = design.fe_codes
        dropped = dict(design.dropped)
        reason = "fixed-effect group with zero outcome throughout"
        while True:
            sep = _separated(y[keep], codes)
            if not sep.any():
                break
            dropped[reason] = dropped.get(reason, 0) + int(sep.sum())
            keep[np.flatnonzero(keep)[sep]] = False
            codes = np.column_stack(
                [formula_mod._recode(design.fe_codes[keep][:, j]) for j in range(codes.shape[1])]
            )
        if not keep.all():
            design = replace(
                design,
                y=y[keep],
                X=X[keep],
                fe_codes=codes,
                fe_values=None if design.fe_values is None else design.fe_values[keep],
                rows=design.rows[keep],
                index=design.index[keep],
                dropped=dropped,
            )
            y, X = design.y, design.X
            off = None if off is None else off[keep]
            w = None if w is None else w[keep]
            cl_all = None if cl_all is None else np.asarray(cl_all)[keep]
    cl = _check_cluster(cl_all, cov_type, cluster)
    return PPML(cov_type=cov_type, cluster_correction=cluster_correction)._fit(
        y,
        X,
        offset=off,
        weights=w,
        names=design.names,
        obs_names=np.asarray(design.index),
        clusters=cl,
        dep_var=design.dep_var,
        level=level,
        design=design,
    )
