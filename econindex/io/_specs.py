"""The long format's vocabulary: which release ``variable`` (under which ``facet``) becomes which
dataset variable, and the ``platform_and_product`` labels.

:data:`SPECS` maps every release variable econindex keeps (releases 3-5 and
the economic primitives of 4-5) to its dataset variable, label dims, scale
and the count that makes it derived; :data:`FACETS` the facets it may appear
under. Variables not listed are dropped and counted by the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from econindex.schema import (
    CATEGORICAL_FACETS,
    NUMERIC_FACETS,
    NUMERIC_STATS,
)

__all__ = [
    "DERIVED",
    "EXT_FACET",
    "FACETS",
    "META_VARIABLES",
    "PLATFORMS",
    "SHARE_TARGETS",
    "SPECS",
    "WHOLE_COUNTS",
    "platform_label",
]


PLATFORMS: dict[str, str] = {"Claude AI (Free and Pro)": "claude_ai", "1P API": "api"}


"""Release ``platform_and_product`` strings and their ``platform`` labels."""


EXT_FACET = "econindex"  # facet of the variables econindex adds to the release format


@dataclass(frozen=True)
class _Spec:
    """How one release ``variable`` becomes a dataset variable."""

    target: str  # dataset variable; "" = derived from counts, dropped with `reason`
    dims: tuple[str, ...] = ()  # label dims parsed from cluster_name
    scale: float = 1.0  # 0.01 for *_pct
    geo: bool = True  # False: a global figure (only GLOBAL rows kept)
    count_var: str = ""  # derived (dropped) where this count variable is given for the same geo
    pct_group: str = ""  # sum <= 100 check: "geography" | "geo" | "geo_base" | "geo_level"
    reason: str = ""


DERIVED = "derived variable (econindex recomputes it from the counts)"


SPECS: dict[str, _Spec] = {
    "usage_count": _Spec("usage_count"),
    "usage_pct": _Spec("usage_share_published", scale=0.01, count_var="usage_count", pct_group="geography"),
    "usage_per_capita_index": _Spec("usage_index", count_var="usage_count"),
    "usage_per_capita": _Spec("", reason=DERIVED),
    "usage_tier": _Spec("", reason=DERIVED),
    "working_age_pop": _Spec("working_age_pop"),
    "gdp_per_working_age_capita": _Spec("_gdp_per_capita"),
    "onet_task_count": _Spec("task_count", ("task",)),
    "onet_task_pct": _Spec(
        "task_share_published", ("task",), 0.01, count_var="onet_task_count", pct_group="geo"
    ),
    "onet_task_pct_index": _Spec("", reason=DERIVED),
    "collaboration_count": _Spec("pattern_count", ("pattern",)),
    "collaboration_pct": _Spec(
        "pattern_share_published", ("pattern",), 0.01, count_var="collaboration_count", pct_group="geo"
    ),
    "collaboration_pct_index": _Spec("", reason=DERIVED),
    "request_count": _Spec("request_count", ("request",)),
    "request_pct": _Spec(
        "request_share_published", ("request",), 0.01, count_var="request_count", pct_group="geo_level"
    ),
    "request_pct_index": _Spec("", reason=DERIVED),
    "onet_task_collaboration_count": _Spec("task_pattern_count", ("task", "pattern")),
    "onet_task_collaboration_pct": _Spec(
        "task_pattern_share", ("task", "pattern"), 0.01, geo=False, pct_group="geo_base"
    ),
    "request_collaboration_count": _Spec("request_pattern_count", ("request", "pattern")),
    "request_collaboration_pct": _Spec(
        "request_pattern_share", ("request", "pattern"), 0.01, geo=False, pct_group="geo_base"
    ),
    "cost_index": _Spec("cost_index", ("task",), geo=False),
    "prompt_tokens_index": _Spec("prompt_tokens_index", ("task",), geo=False),
    "completion_tokens_index": _Spec("completion_tokens_index", ("task",), geo=False),
    "automation_pct": _Spec("automation_share", scale=0.01, count_var="collaboration_count"),
    "augmentation_pct": _Spec("", reason="derived variable (100 - automation_pct)"),
    "soc_pct": _Spec("", reason="derived variable (econindex recomputes it from task counts and soc_major)"),
    # econindex's own additions to the format (written by write_aei)
    "flagged_count": _Spec("flagged_count"),
    "flagged_task_count": _Spec("flagged_count", ("task",)),
    "expected_automation_pct": _Spec("expected_automation", scale=0.01),
}


"""Release variable -> dataset variable. Variables not listed are dropped and counted."""


_GEO_FACETS = ("global", "country", "state_us", "country-state")


FACETS: dict[str, tuple[str, ...]] = {
    **{v: _GEO_FACETS for v in ("usage_count", "usage_pct", "usage_per_capita_index", "working_age_pop",
                                "gdp_per_working_age_capita")},
    **{v: ("onet_task",) for v in ("onet_task_count", "onet_task_pct")},
    **{v: ("collaboration",) for v in ("collaboration_count", "collaboration_pct")},
    **{v: ("request",) for v in ("request_count", "request_pct")},
    **{v: ("onet_task::collaboration",) for v in ("onet_task_collaboration_count",
                                                  "onet_task_collaboration_pct")},
    **{v: ("request::collaboration",) for v in ("request_collaboration_count",
                                                "request_collaboration_pct")},
    "cost_index": ("onet_task::cost",),
    "prompt_tokens_index": ("onet_task::prompt_tokens",),
    "completion_tokens_index": ("onet_task::completion_tokens",),
    "automation_pct": ("collaboration_automation_augmentation",),
    **{v: (EXT_FACET,) for v in ("flagged_count", "flagged_task_count", "expected_automation_pct")},
}  # fmt: skip


"""The facet(s) each kept release variable belongs to; rows under another facet are dropped and
counted (``usage_count`` under facet ``collaboration`` is not a usage count)."""


# economic primitives (releases 4-5): a numeric facet's statistics keep the release's names over geo,
# its histogram is over '<facet>_bin' (bin ranges in cluster_name); a categorical facet's counts are
# over a dim named after it; a *_pct is kept (as a share) only where its counts are absent. The
# intersections 'onet_task::<facet>' / 'request::<facet>' are under other facets: dropped and counted.
_PRIMITIVE_SPECS: dict[str, _Spec] = {
    **{f"{f}_{s}": _Spec(f"{f}_{s}") for f in NUMERIC_FACETS for s in NUMERIC_STATS},
    **{f"{f}_histogram_count": _Spec(f"{f}_histogram_count", (f"{f}_bin",)) for f in NUMERIC_FACETS},
    **{f"{f}_histogram_pct": _Spec(f"{f}_histogram_share_published", (f"{f}_bin",), 0.01,
                                   count_var=f"{f}_histogram_count", pct_group="geo")
       for f in NUMERIC_FACETS},
    **{f"{f}_count": _Spec(f"{f}_count", (f,)) for f in CATEGORICAL_FACETS},
    **{f"{f}_pct": _Spec(f"{f}_share_published", (f,), 0.01, count_var=f"{f}_count", pct_group="geo")
       for f in CATEGORICAL_FACETS},
}  # fmt: skip


SPECS.update(_PRIMITIVE_SPECS)


FACETS.update(
    {f"{f}_{s}": (f,) for f in NUMERIC_FACETS for s in (*NUMERIC_STATS, "histogram_count", "histogram_pct")}
)


FACETS.update({f"{f}_{s}": (f,) for f in CATEGORICAL_FACETS for s in ("count", "pct")})


WHOLE_COUNTS = frozenset(
    (
        "usage_count",
        "task_count",
        "pattern_count",
        "request_count",
        "task_pattern_count",
        "request_pattern_count",
    )
)


"""Dataset count variables read from the release: conversations, whole numbers."""


META_VARIABLES = ("task_soc_major", "request_parent")


"""econindex metadata rows (facet ``econindex``): value = SOC major group code of the task in
``cluster_name``; ``cluster_name = "<request>::<parent request>"`` (value 1)."""


SHARE_TARGETS = {
    "usage_share_published": ("1", "Published share of usage within the parent geography"),
    "request_share_published": ("1", "Published share of conversations per request cluster"),
}


def platform_label(text: str) -> str:
    """``platform`` label of a release's ``platform_and_product`` ("" if unknown).

    Later releases rename the Claude.ai product (e.g. adding Max); any
    ``Claude AI ...`` is Claude.ai and any ``... API`` the first-party API.
    """
    if text in PLATFORMS:
        return PLATFORMS[text]
    if text.startswith("Claude AI"):
        return "claude_ai"
    if text.endswith("API"):
        return "api"
    return ""


