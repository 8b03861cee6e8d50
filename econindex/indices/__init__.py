"""Usage indices: the AI Usage Index (AUI), shares, automation share, tiers, specialization, concentration.

Every function takes the canonical dataset (see :mod:`econindex.schema`) and
returns labeled results: a quantity over ``geo`` is a DataArray over ``geo``,
one over ``geo`` x ``task`` keeps both dims, and an extra ``period`` or
``platform`` dimension flows through unchanged. The numerics are xarray
arithmetic (vectorized over all labeled dims) plus the NumPy kernels of
:mod:`econindex._kernels.shares` for the sorting-based concentration measures.

Nothing is filtered silently: thresholds (``min_count``) and exclusions
(``exclude``) are explicit arguments, and what they removed is recorded in the
result's ``attrs``.

One module per idea: :mod:`~econindex.indices.usage` (the index),
:mod:`~econindex.indices.shares` (task, pattern and request shares),
:mod:`~econindex.indices.patterns` (automation vs augmentation),
:mod:`~econindex.indices.tiers`, :mod:`~econindex.indices.location_quotient`
(specialization) and :mod:`~econindex.indices.concentration`; every public name is
re-exported here. Beta convergence, a regression, is an estimator:
:func:`econindex.beta_convergence.convergence` (``ei.convergence``).
"""

import importlib
import warnings
from typing import Any

from econindex.indices.concentration import gini, lorenz_curve, top_k_share
from econindex.indices.location_quotient import specialization, top_specializations
from econindex.indices.patterns import automation_share
from econindex.indices.shares import cluster_identity, pattern_share, request_share, task_share
from econindex.indices.tiers import TIER_LABELS, tiers_categorical, usage_tiers
from econindex.indices.usage import MIN_COUNT, RELEASE_EXCLUDED_COUNTRIES_2025_09, usage_index
from econindex.schema import SOC_MAJOR_GROUPS

__all__ = [
    "MIN_COUNT",
    "RELEASE_EXCLUDED_COUNTRIES_2025_09",
    "SOC_MAJOR_GROUPS",
    "TIER_LABELS",
    "automation_share",
    "cluster_identity",
    "gini",
    "lorenz_curve",
    "pattern_share",
    "request_share",
    "specialization",
    "task_share",
    "tiers_categorical",
    "top_k_share",
    "top_specializations",
    "usage_index",
    "usage_tiers",
]


_MOVED = {"convergence": "econindex.beta_convergence", "ConvergenceResult": "econindex.beta_convergence"}


def __getattr__(name: str) -> Any:
    # names that moved out of the indices keep working, with a warning, for one release
    if name in _MOVED:
        warnings.warn(
            f"econindex.indices.{name} moved to {_MOVED[name]}.{name} (also ei.{name}); "
            "the old path will be removed",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'econindex.indices' has no attribute {name!r}")
