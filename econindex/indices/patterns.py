"""Automation versus augmentation: the share of conversations in each mode of collaboration."""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from econindex.errors import SchemaError
from econindex.indices._common import _divide, _labels, _level_geos
from econindex.schema import GEO, PATTERN, PATTERN_MODE, SPECIAL_CLUSTERS, check_option

__all__ = ["automation_share"]


def automation_share(
    ds: xr.Dataset,
    base: Literal["classified", "all"] = "classified",
    *,
    mode: Literal["automation", "augmentation"] = "automation",
    level: str | None = None,
) -> xr.DataArray:
    """Automation (or augmentation) share of each geo's conversations on an explicit base.

    Automation = directive + feedback loop; augmentation = learning + task
    iteration + validation.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset with ``pattern_count`` (geo, pattern). Without it, a published
        ``automation_share`` variable (base in ``ds.attrs["automation_base"]``,
        ``"classified"`` if unset) is used, or else the published pattern
        shares (``pattern_share_published``, proportional to the counts within
        a geo); the result says which in ``attrs["source"]``.
    base : {"classified", "all"}
        ``"classified"`` divides by the five classified patterns; ``"all"`` by
        every conversation (all patterns including ``none`` and
        ``not_classified``, which must then be present). The AEI release uses
        both (Aug 2025, global: about 49.1% of all, 51.1% of classified).
    mode : {"automation", "augmentation"}
        Which share to return; on the classified base the two sum to 1.
    level : str, optional
        Keep only the located geos at this level.

    Returns
    -------
    xarray.DataArray
        ``automation_share`` (or ``augmentation_share``) over ``geo`` (plus extra
        dims), in [0, 1], with ``attrs["base"]`` and ``attrs["source"]``.

    Raises
    ------
    SchemaError
        ``base="all"`` without the ``none``/``not_classified`` patterns, or a
        published share on a base that cannot be converted.

    Examples
    --------
    >>> import xarray as xr
    >>> from econindex.schema import pattern_coords, PATTERNS
    >>> ds = xr.Dataset({"pattern_count": (("geo", "pattern"), [[30.0, 10, 20, 15, 5, 15, 5]])},
    ...                 coords={"geo": ["FRA"], **pattern_coords(PATTERNS)})
    >>> float(automation_share(ds, "classified")[0]), float(automation_share(ds, "all")[0])
    (0.5, 0.4)
    """
    check_option("base", base, ("classified", "all"))
    check_option("mode", mode, ("automation", "augmentation"))
    geos = _level_geos(ds, level)
    name = f"{mode}_share"
    use_shares = "pattern_count" not in ds.data_vars and "automation_share" not in ds.data_vars
    if use_shares and "pattern_share_published" not in ds.data_vars:
        raise SchemaError(
            "dataset has neither 'pattern_count', nor a published 'automation_share', nor published "
            "pattern shares ('pattern_share_published')"
        )
    if "pattern_count" not in ds.data_vars and not use_shares:
        pub_base = str(ds.attrs.get("automation_base", "classified"))
        if pub_base != base:
            raise SchemaError(
                f"the published automation_share is on the {pub_base!r} base and the dataset has no "
                f"pattern_count to recompute it on base={base!r}"
            )
        pub = ds["automation_share"].sel({GEO: geos})
        if mode == "augmentation":
            if base != "classified":
                raise SchemaError(
                    "augmentation on base='all' needs pattern_count (unclassified share unknown)"
                )
            pub = 1.0 - pub
        out = pub.copy()
        out.name = name
        out.attrs = {
            "long_name": f"{mode.capitalize()} share",
            "units": "1",
            "base": base,
            "source": "published automation_share (no pattern_count in the dataset)",
        }
        return out
    # published pattern shares are proportional to the counts within each geo, so the ratios agree
    source_var = "pattern_share_published" if use_shares else "pattern_count"
    counts = ds[source_var].sel({GEO: geos})
    present = _labels(counts[PATTERN].values)
    modes = np.array([PATTERN_MODE.get(p, "unclassified") for p in present])
    if base == "all":
        missing = [s for s in SPECIAL_CLUSTERS if s not in present]
        if missing:
            raise SchemaError(
                f"base='all' needs every conversation, but patterns {missing} are absent "
                "(the release removed them upstream?); use base='classified'"
            )
        den = counts.sum(PATTERN, skipna=True, min_count=1)
    else:
        den = counts.isel({PATTERN: np.flatnonzero(modes != "unclassified")}).sum(
            PATTERN, skipna=True, min_count=1
        )
    num = counts.isel({PATTERN: np.flatnonzero(modes == mode)}).sum(PATTERN, skipna=True, min_count=1)
    out = _divide(num, den)
    out.name = name
    out.attrs = {
        "long_name": f"{mode.capitalize()} share of {base} conversations",
        "units": "1",
        "base": base,
        "patterns": [p for p, m in zip(present, modes, strict=True) if m == mode],
        "source": "counts (pattern_count)"
        if not use_shares
        else "published pattern shares (pattern_share_published); suppressed cells count as absent",
    }
    return out
