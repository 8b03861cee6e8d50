"""Task-mix controlled automation regression (the report's "higher usage, less automation").

Places that use AI more per capita automate less, *after* holding their mix of
tasks fixed. Without the task-mix control the comparison is confounded:
coding-heavy places automate more because of what they do, not because of how
much they use the assistant. This module implements the published procedure in
three explicit steps and the regression on top of it:

1. :func:`task_automation_rate`: per-task automation rate from the global
   task x collaboration-pattern mix, ``(directive + feedback loop) / (five
   classified patterns)``; tasks with a zero classified share have no rate; the
   ``not_classified`` task is left out.
2. :func:`expected_automation`: a geo's expected automation, the mean of the
   task rates weighted by the geo's own task shares over the tasks that have a
   rate (``none`` and ``not_classified`` excluded from the weights). A matrix
   product over ``task`` (:func:`xarray.dot`), no loops over tasks or geos.
3. :class:`TaskMixAutomation`: the regression of the geo's actual automation
   share on its usage index controlling for its expected automation, reported
   as the Frisch-Waugh-Lovell partial slope with its standard error from the
   full regression (robust covariance), the naive residual-on-residual error for
   comparison, the partial R-squared and N (:class:`AutomationResult`).

Units: shares are stored as fractions in [0, 1]; by default (``units="percent"``)
the estimator multiplies the automation shares by 100, so the slope reads in
percentage points of automation per unit of the usage index, as the report
states it (-3.112 across countries in August 2025).

The work is split by idea: ``_rates`` (steps 1 and 2), ``_estimator`` (step 3,
:class:`TaskMixAutomation`) and ``_result`` (:class:`AutomationResult`,
:func:`periods_frame`).
"""

from econindex.automation._estimator import TaskMixAutomation
from econindex.automation._rates import expected_automation, task_automation_rate
from econindex.automation._result import AutomationResult, periods_frame

__all__ = [
    "task_automation_rate",
    "expected_automation",
    "TaskMixAutomation",
    "AutomationResult",
    "periods_frame",
]
