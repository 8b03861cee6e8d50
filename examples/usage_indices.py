"""Build usage indices from an AEI release: write a simulated release, read it back, index it.

Shows the whole path a researcher takes with a new release: read the long
CSV, check the ingest report, compute the AI Usage Index, tiers, shares,
specialization and concentration.

Run: python examples/usage_indices.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import econindex as ei


def main() -> None:
    sim = ei.simulate(seed=3, n_tasks=300)
    with tempfile.TemporaryDirectory() as tmp:
        path = ei.write_aei(sim, Path(tmp) / "release.csv")
        ds = ei.read_aei(path)
    report = json.loads(ds.attrs["ingest_report"])
    print(f"rows read: {report['rows_read']}  kept: {report['rows_kept']}")
    print("rows dropped, by reason:", report["rows_dropped"])

    aui = ei.usage_index(ds, level="country")
    top = aui.to_series().sort_values(ascending=False)
    print(f"countries with an index: {aui.sizes['geo']}")
    print(f"highest AUI: {top.index[0]} {top.iloc[0]:.3f}")
    # With the located countries as the reference set, the population-weighted mean is exactly 1;
    # the release's convention also keeps the unlocated usage in the total, so it is a little below.
    own = ei.usage_index(ds, level="country", reference=[str(g) for g in aui["geo"].values])
    pop = ds["working_age_pop"].sel(geo=own["geo"])
    mean_own = float((own * pop).sum() / pop.sum())
    print(f"population-weighted mean AUI, located countries as reference: {mean_own:.6f}")
    pop = ds["working_age_pop"].sel(geo=aui["geo"])
    print(f"population-weighted mean AUI, release convention: {float((aui * pop).sum() / pop.sum()):.6f}")

    tiers = ei.usage_tiers(aui)
    print("tiers:", tiers.to_series().value_counts().sort_index().to_dict())

    share = ei.automation_share(ds, base="classified")
    print(f"global automation share (classified base): {float(share.sel(geo='GLOBAL')):.4f}")

    print("Gini of usage relative to population (countries):", f"{float(ei.gini(ds, level='country')):.4f}")
    print(ei.top_specializations(ds, "USA", n=3, over="soc_major"))


if __name__ == "__main__":
    main()
