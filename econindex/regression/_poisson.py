"""Poisson pseudo-maximum likelihood (PPML) on arrays: IRLS, its result, the estimator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from econindex import covariance
from econindex import formula as formula_mod
from econindex._kernels.ols import WLSArrays, check_inputs, wls
from econindex.errors import DataValueError, EstimationError, OptionError
from econindex.regression._least_squares import RegressionResult, _default_names, _finish, cluster_argument
from econindex.results import CoefficientResult
from econindex.schema import check_option


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PPMLResult(RegressionResult):
    """Result of :func:`ppml`: a :class:`RegressionResult` whose ``fittedvalues`` are the means ``mu``.

    ``ssr`` holds the Poisson deviance; :attr:`rsquared` is ``corr(y, mu)^2``.
    """

    @property
    def rsquared(self) -> float:
        """Squared correlation of the outcome and the fitted means."""
        return float(
            np.corrcoef(self.response if self.response is not None else self.y, self.fittedvalues)[0, 1] ** 2
        )

    @property
    def rsquared_note(self) -> str | None:
        """What :attr:`rsquared` is."""
        return "PPML R-squared: squared correlation of the outcome and the fitted means"

    @property
    def scale(self) -> float:
        """Dispersion (fixed at 1 for the Poisson likelihood)."""
        return 1.0

    def _extra_stats(self) -> dict[str, Any]:
        out = CoefficientResult._extra_stats(self)
        out.pop("R-squared", None)
        out["corr(y, mu)^2"] = self.rsquared
        out["Deviance"] = self.deviance
        if self.fe_names:
            out["Fixed effects"] = " + ".join(self.fe_names)
        return out

    def predict(self, data: Any = None) -> np.ndarray:
        """Fitted means (``data=None``) or ``exp(x'b [+ fixed effect])`` for new rows (no offset)."""
        if data is None:
            return np.asarray(self.fittedvalues)
        return np.exp(self._linear_prediction(data))

    def _fe_effects(self) -> np.ndarray:
        assert self.fe_codes is not None and self.raw_X is not None
        eta = np.log(self.fittedvalues) - self.raw_X @ self.coef
        if self.offset is not None:
            eta = eta - self.offset
        c = self.fe_codes[:, 0]
        return np.bincount(c, weights=eta) / np.bincount(c)



def _separated(y: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Rows in a fixed-effect group whose outcome is zero throughout (their effect is -inf)."""
    out = np.zeros(y.size, dtype=bool)
    for j in range(codes.shape[1]):
        tot = np.bincount(codes[:, j], weights=y)
        out |= tot[codes[:, j]] <= 0
    return out



def irls_poisson(
    y: np.ndarray,
    X: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    fe_codes: np.ndarray | None = None,
    tol: float = 1e-12,
    maxiter: int = 500,
    names: Sequence[str] | None = None,
) -> tuple[WLSArrays, np.ndarray, np.ndarray, float]:
    """Poisson pseudo-maximum likelihood by iteratively reweighted least squares.

    With ``fe_codes`` the working response and the regressors are demeaned with
    the IRLS weights ``w * mu`` at each step (as ppmlhdfe / pyfixest ``fepois``).
    Returns the final weighted least-squares arrays (whose ``wX * wresid`` are the
    scores ``w x (y - mu)`` and whose bread is the inverse Hessian), the fitted
    means, the demeaned design and the deviance.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> arr, mu, _, _ = irls_poisson(np.array([1.0, 2.0, 4.0, 8.0]), X)
    >>> bool(np.allclose(arr.params, [0.0, np.log(2.0)]))
    True
    """
    n = y.size
    off = np.zeros(n) if offset is None else offset
    v = np.ones(n) if weights is None else weights
    codes = fe_codes if fe_codes is not None and fe_codes.shape[1] else None
    mu = (y + y.mean()) / 2.0
    eta = np.log(mu)
    dev_old = np.inf
    Xd = X
    first = True
    params = np.zeros(X.shape[1])
    for _ in range(maxiter):
        z = eta - off + (y - mu) / mu
        wt = v * mu
        if codes is not None:
            M = formula_mod.demean(np.column_stack([z, X]), codes, wt)
            zd, Xd = M[:, 0], M[:, 1:]
        else:
            zd, Xd = z, X
        if first:
            # the first step by QR, which checks the rank and names a collinear column
            arr = wls(zd, Xd, wt, names=tuple(names) if names is not None else None)
            params, resid = arr.params, arr.resid
            first = False
        else:
            # later steps by the normal equations (Cholesky): the design's rank is known by now,
            # and this is several times faster than a QR per step; the final arrays come from a QR
            XtW = Xd.T * wt
            params = np.linalg.solve(XtW @ Xd, XtW @ zd)
            resid = zd - Xd @ params
        eta = z - resid + off  # linear predictor incl. absorbed effects and offset
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2.0 * float(np.sum(v * (np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))))
        if abs(dev - dev_old) / (0.1 + abs(dev)) < tol:
            break
        dev_old = dev
    else:
        raise EstimationError(f"PPML (Poisson IRLS) did not converge in {maxiter} iterations")
    # one last solve at the converged means, so bread, hat and scores belong to the same mu
    wt = v * mu
    if codes is not None:
        Xd = formula_mod.demean(X, codes, wt)
    sqrt_wt = np.sqrt(wt)
    wX = Xd * sqrt_wt[:, None]
    q, r = np.linalg.qr(wX)
    r_inv = np.linalg.solve(r, np.eye(X.shape[1]))
    bread = r_inv @ r_inv.T
    hat = np.einsum("ij,ij->i", q, q)
    wresid = v * (y - mu) / sqrt_wt
    final = WLSArrays(params, mu, y - mu, wX, wresid, bread, hat, sqrt_wt)
    return final, mu, Xd, dev



@dataclass(frozen=True)
class PPML:
    """Poisson pseudo-maximum likelihood on arrays (the estimator behind :func:`ppml`).

    Parameters
    ----------
    cov_type : a name of :mod:`econindex.covariance` (default ``"HC1"``)
    cluster_correction : ``"CR1"`` (default), ``"CR2"`` or ``"CR3"``

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [0.0, 1.0, 2.0, 3.0, 1.0, 2.0]])
    >>> res = PPML().fit(np.array([1.0, 2.0, 4.0, 8.0, 3.0, 5.0]), X, names=("const", "x"))
    >>> round(float(res.params["x"]), 3), res.use_t
    (0.626, False)
    """

    cov_type: str = "HC1"
    cluster_correction: str = "CR1"

    def __post_init__(self) -> None:
        check_option("cov_type", self.cov_type, covariance.COV_TYPES)
        check_option("cluster_correction", self.cluster_correction, covariance.CLUSTER_CORRECTIONS)

    def fit(
        self,
        y: np.ndarray,
        X: np.ndarray,
        *,
        offset: np.ndarray | None = None,
        weights: np.ndarray | None = None,
        names: Sequence[str] | None = None,
        obs_names: Sequence[Any] | np.ndarray | None = None,
        cluster: Sequence[Any] | np.ndarray | None = None,
        dep_var: str = "y",
        level: str | None = None,
        clusters: Sequence[Any] | np.ndarray | None = None,
    ) -> PPMLResult:
        """Fit ``E[y] = exp(offset + X b)`` (``X`` includes the constant column; ``cluster=`` one
        label per row for ``cov_type="cluster"``, ``clusters=`` its deprecated spelling)."""
        Xa = np.asarray(X, dtype=float)
        if Xa.ndim == 1:
            Xa = Xa[:, None]
        nm = _default_names(Xa) if names is None else tuple(str(n) for n in names)
        labels = cluster_argument(cluster, clusters, stacklevel=2)
        cl = None if labels is None else np.asarray(labels)
        if self.cov_type == "cluster" and cl is None:
            raise OptionError("cov_type='cluster' needs cluster= (one label per observation)")
        return self._fit(
            np.asarray(y, dtype=float),
            Xa,
            offset=None if offset is None else np.asarray(offset, dtype=float),
            weights=None if weights is None else np.asarray(weights, dtype=float),
            names=nm,
            obs_names=None if obs_names is None else np.asarray(obs_names),
            clusters=cl,
            dep_var=dep_var,
            level=level,
            design=None,
        )

    def _fit(
        self,
        y: np.ndarray,
        X: np.ndarray,
        *,
        offset: np.ndarray | None,
        weights: np.ndarray | None,
        names: tuple[str, ...],
        obs_names: np.ndarray | None,
        clusters: np.ndarray | None,
        dep_var: str,
        level: str | None,
        design: formula_mod.Design | None,
    ) -> PPMLResult:
        y_, X_, w_ = check_inputs(y, X, weights, names=names, obs_names=obs_names)
        if (y_ < 0).any():
            raise DataValueError(
                f"PPML needs a non-negative outcome; {dep_var} is negative at {int((y_ < 0).sum())} row(s)"
            )
        if offset is not None and not np.isfinite(offset).all():
            raise DataValueError("offset/exposure is not finite at some rows")
        if not (y_ > 0).any():
            raise EstimationError(f"{dep_var} is zero at every row; PPML is undefined")
        fe = design is not None and bool(design.fe_names)
        if fe:
            assert design is not None
            Xd0 = formula_mod.demean(X_, design.fe_codes, w_)
            formula_mod.check_absorbed(X_, Xd0, names, design.fe_names, w_)
        else:
            wls(np.log1p(y_), X_, w_, names=names)  # rank / constant-regressor check with names
        arrays, _mu, Xd, dev = irls_poisson(
            y_,
            X_,
            offset=offset,
            weights=w_,
            fe_codes=design.fe_codes if fe and design is not None else None,
            names=names,
        )
        absorbed = formula_mod.absorbed_dof(design.n_levels) if fe and design is not None else 0
        res = _finish(
            arrays,
            y=y_,
            X=Xd,
            w=w_,
            names=names,
            obs=obs_names,
            cov_type=self.cov_type,
            cluster_correction=self.cluster_correction,
            clusters=clusters,
            use_t=False,
            dep_var=dep_var,
            level=level,
            model="PPML",
            absorbed=absorbed,
            design=design,
            response=y_,
            raw_X=X_,
            fixed_scale=1.0,
            ssr=dev,
            tss=float("nan"),
            cls=PPMLResult,
            extra_fields={"deviance": dev, "offset": offset},
        )
        assert isinstance(res, PPMLResult)
        return res
