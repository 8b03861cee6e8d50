"""econindex: econometrics of AI adoption across places and tasks.

Everything operates on one labeled :class:`xarray.Dataset` (see
:mod:`econindex.schema`). The public API is re-exported here and loaded
lazily, so ``import econindex`` stays fast and the optional extras (PyMC,
matplotlib, dask) are imported only when used.

Examples
--------
>>> import econindex as ei
>>> ds = ei.datasets.load_countries_2025_08()
>>> ds.sizes["geo"]
114
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_API: dict[str, str] = {
    # errors and schema
    "EconIndexError": "econindex.errors",
    "SchemaError": "econindex.errors",
    "DataValueError": "econindex.errors",
    "MissingCovariateError": "econindex.errors",
    "EstimationError": "econindex.errors",
    "ReadError": "econindex.errors",
    "UnknownLayoutError": "econindex.errors",
    "OptionError": "econindex.errors",
    "validate": "econindex.schema",
    # data
    "read_aei": "econindex.io.aei",
    "write_aei": "econindex.io.aei",
    "from_frame": "econindex.io.frame",
    "attach_covariates": "econindex.io.covariates",
    "simulate": "econindex.simulation",
    # indices
    "usage_index": "econindex.indices",
    "task_share": "econindex.indices",
    "pattern_share": "econindex.indices",
    "request_share": "econindex.indices",
    "automation_share": "econindex.indices",
    "usage_tiers": "econindex.indices",
    "specialization": "econindex.indices",
    "top_specializations": "econindex.indices",
    "gini": "econindex.indices",
    "lorenz_curve": "econindex.indices",
    "top_k_share": "econindex.indices",
    "convergence": "econindex.beta_convergence",
    "ConvergenceResult": "econindex.beta_convergence",
    "tiers_categorical": "econindex.indices",
    "RELEASE_EXCLUDED_COUNTRIES_2025_09": "econindex.indices",
    # estimators
    "OLS": "econindex.regression",
    "IncomeElasticity": "econindex.elasticity",
    "ElasticityResult": "econindex.elasticity",
    "compare": "econindex.results",
    "TaskMixAutomation": "econindex.automation",
    "AutomationResult": "econindex.automation",
    "expected_automation": "econindex.automation",
    "task_automation_rate": "econindex.automation",
    "compare_shares": "econindex.platforms",
    "ShareComparison": "econindex.platforms",
    "CostUsage": "econindex.platforms",
    "CostUsageResult": "econindex.platforms",
    "periods_frame": "econindex.automation",
    "trend_table": "econindex.trends",
    "TaskMixIncome": "econindex.taskmix_income",
    "TaskMixIncomeResult": "econindex.taskmix_income",
    "RegressionResult": "econindex.regression",
    "ols": "econindex.regression",
    "ppml": "econindex.regression",
    "model_frame": "econindex.regression",
    "PPML": "econindex.regression",
    "PPMLResult": "econindex.regression",
    "HypothesisTest": "econindex.results",
    # the interactive explorer page (econindex explore)
    "write_explorer": "econindex.explore",
    "wild_bootstrap_test": "econindex.wild",
    "WildBootstrapResult": "econindex.wild",
    "FewClustersWarning": "econindex.errors",
}

_SUBMODULES = {
    "datasets", "robustness", "bayes", "schema", "errors", "plots", "indices", "io", "geography", "parallel",
    "regression", "covariance", "results",
}

__all__ = sorted([*_API, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"econindex.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'econindex' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
