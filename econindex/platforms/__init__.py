"""Platforms and periods: compare category shares, and relate API usage to cost.

Two tools for the third part of an AEI-style report:

* :func:`compare_shares` compares the mix of conversations over a set of
  categories (SOC major groups, O*NET tasks, collaboration patterns or their
  mode, request clusters) between two platforms (``claude_ai`` vs ``api``) or
  two periods, with intervals that account for the multinomial sampling of the
  counts, a test of equal distributions, per-category tests with Holm and
  Benjamini-Hochberg adjustment, and a trend table across every level of the
  compared dimension.
* :class:`CostUsage` regresses log usage share on the log API cost index
  across task categories (weighted, robust errors).

Both read the canonical dataset (:mod:`econindex.schema`): counts carry a
``platform`` and/or ``period`` dimension next to their core dims.

The work is split by idea: ``_shares`` (:func:`compare_shares`, :class:`ShareComparison`)
on the count extraction of ``_counts`` and the kernels of ``_inference``, and ``_cost``
(:class:`CostUsage`, :class:`CostUsageResult`).
"""

from econindex.platforms._cost import IDENTIFICATION_NOTE, CostUsage, CostUsageResult
from econindex.platforms._shares import ShareComparison, compare_shares

__all__ = [
    "compare_shares",
    "ShareComparison",
    "CostUsage",
    "CostUsageResult",
    "IDENTIFICATION_NOTE",
]
