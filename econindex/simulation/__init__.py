"""Synthetic AEI releases with known true parameters.

:func:`simulate` draws a complete canonical dataset (see :mod:`econindex.schema`):
countries and US states with populations and GDP, usage from a log-log income
model, task mixes that shift with income, collaboration patterns whose
automation share falls with the usage index once the task mix is fixed,
hierarchical request clusters, coordinated abusive traffic injected into one
named geo, optional successive periods whose indices converge, and an optional
enterprise API platform with cost and token indices. Every true parameter is
stored as JSON in ``ds.attrs["truth"]`` so estimators can be checked against it.

All numerics are vectorized NumPy (no loops over geos or tasks; the only
Python loop is over periods). Each component draws from its own
:class:`numpy.random.SeedSequence` child, so the same seed gives the same
dataset, and adding periods or the API platform leaves the first period's
Claude.ai data unchanged.

The work is split by idea: ``_design`` (geos, covariates, tasks, true pattern
mixes and the request hierarchy, fixed across periods), ``_claude`` (one period
of Claude.ai counts), ``_api`` (the API platform and its cost indices),
``_assemble`` (the labeled dataset), ``_truth`` (the true parameters) and
``_simulate`` (:func:`simulate`, which drives them), over the random streams of
``_random``.
"""

from econindex.simulation._design import SOC_MAJOR_GROUPS
from econindex.simulation._simulate import simulate
from econindex.simulation._truth import true_state_soc_shares

__all__ = ["simulate", "SOC_MAJOR_GROUPS", "true_state_soc_shares"]
