"""Bayesian hierarchical models of US-state AI usage (PyMC + ArviZ; the ``bayes`` extra).

Three models share one result type (:class:`BayesResult`) and one diagnostics
table (:func:`diagnose`):

- :class:`StateUsageModel`: negative-binomial conversations per state with
  working-age population as exposure, the state income elasticity ``b`` and
  Census division effects pooled within regions.
- :class:`StateTaskMixModel`: counts over SOC major groups per state,
  Dirichlet-multinomial about ``softmax(global mix + region deviation)``
  with zero-sum deviations (or the logistic-normal multinomial logit);
  posterior location quotients.
- :class:`StateAutomationModel`: automation conversations out of classified
  ones (binomial), or the published automation percentages (Beta /
  logit-normal), on the logit of the task-mix expected automation plus a
  usage-index slope ``c``.

PyMC and ArviZ are imported only here; the rest of econindex works without
them. Sampling uses nutpie when it is installed, PyMC's NUTS otherwise.
"""

from __future__ import annotations

try:  # the optional extra
    import arviz as _az  # noqa: F401
    import pymc as _pm  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "econindex.bayes needs PyMC and ArviZ: install the 'bayes' extra (pip install 'econindex[bayes]')"
    ) from exc

from econindex.bayes._base import BayesResult, diagnose
from econindex.bayes.automation import AutomationPosterior, StateAutomationModel
from econindex.bayes.taskmix import StateTaskMixModel, TaskMixPosterior
from econindex.bayes.usage import StateUsageModel, UsagePosterior

__all__ = [
    "AutomationPosterior",
    "BayesResult",
    "StateAutomationModel",
    "StateTaskMixModel",
    "StateUsageModel",
    "TaskMixPosterior",
    "UsagePosterior",
    "diagnose",
]
