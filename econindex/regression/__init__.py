"""The regression core every estimator shares: OLS / WLS with a registry of covariance types.

:class:`OLS` is a frozen estimator configured with a covariance type;
:meth:`OLS.fit` takes NumPy arrays (the design includes the constant column)
and returns a frozen :class:`RegressionResult`. Every inferential quantity of
the result (``bse``, ``tvalues``, ``pvalues``, ``conf_int``, ``fvalue``)
derives from one stored covariance and the recorded degrees of freedom;
:meth:`RegressionResult.with_cov` returns a new result with another
covariance, never mutating.

Numbers agree with ``statsmodels`` ``OLS``/``WLS`` (with ``use_t=True``) to
1e-10 relative; see ``tests/test_regression.py``.

The work is split by idea: ``_least_squares`` (:class:`OLS`, :class:`RegressionResult`
and the covariance step every fit shares), ``_poisson`` (:class:`PPML`,
:func:`irls_poisson`, :class:`PPMLResult`), ``_formulas`` (:func:`ols` and :func:`ppml`
on formulas with absorbed fixed effects) and ``_frame`` (:func:`model_frame`).
"""

from econindex.regression._formulas import ols, ppml
from econindex.regression._frame import model_frame
from econindex.regression._least_squares import OLS, RegressionResult
from econindex.regression._poisson import PPML, PPMLResult, irls_poisson

__all__ = ["OLS", "PPML", "RegressionResult", "PPMLResult", "ols", "ppml", "model_frame", "irls_poisson"]
