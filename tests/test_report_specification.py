"""Presentation of the specification curve: distinct specifications, inert switches, numeric order."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import statsmodels.api as sm

import econindex as ei
from econindex.robustness import specification_curve
from econindex.robustness.specification import sorted_values


@pytest.fixture(scope="module")
def curve():
    ds = ei.datasets.load_countries_2025_08()
    return specification_curve(
        ds,
        min_count=[450, 50, 100, 200],
        reference=["published"],
        weights=[None],
        cov_type=["HC1"],
        outcome=["log_index"],
        flagged=[False, True],
        exclusions={"none": []},
    )


def test_inert_switch_dropped_and_distinct_samples_counted(curve):
    ds = ei.datasets.load_countries_2025_08()
    usage = ds["usage_count"].to_series()
    samples = {tuple(sorted(usage.index[usage >= m])) for m in (450, 50, 100, 200)}
    assert len(curve.table) == 8
    assert curve.inert_choices() == ("flagged",)  # no flagged traffic in the embedded countries
    distinct = curve.distinct()
    assert len(distinct) == len(samples)  # one distinct estimate per distinct sample
    assert distinct["n_specs"].sum() == 8
    assert curve.distinct_summary()["n_distinct"] == len(samples)
    # each distinct estimate is the HC1 OLS on its sample (statsmodels)
    for _, row in distinct.iterrows():
        sub = ds.sel(geo=usage.index[usage >= row["min_count"]])
        x = np.log(sub["gdp"] / sub["working_age_pop"]).values
        y = np.log(sub["usage_count"] / sub["working_age_pop"]).values
        ref = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1")
        assert row["estimate"] == pytest.approx(ref.params[1], rel=1e-9)
        assert row["std_error"] == pytest.approx(ref.bse[1], rel=1e-9)
    assert "dropped as changing nothing on these data: flagged" in curve.summary()
    # thresholds that select the same countries are named as giving the same estimate
    for _, row in distinct.iterrows():
        same = [
            m
            for m in (50, 100, 200, 450)
            if tuple(sorted(usage.index[usage >= m])) == tuple(sorted(usage.index[usage >= row["min_count"]]))
        ]
        expected = f"min_count: {', '.join(map(str, same))}" if len(same) > 1 else ""
        assert row["same_estimate_for"] == expected


def test_share_with_the_baseline_sign_and_significance(curve):
    d = curve.distinct()
    base = curve.baseline_row()
    assert base["min_count"] == 200 and not base["flagged"]
    same = (np.sign(d["estimate"]) == np.sign(base["estimate"])) & (
        (d["p_value"] < 0.05) == (base["p_value"] < 0.05)
    )
    assert curve.share_as_baseline() == pytest.approx(same.mean())


def test_choice_values_sort_by_value_in_the_plot(curve):
    assert sorted_values([450, 50, 100, 200]) == [50, 100, 200, 450]
    ax = curve.plot()
    labels = [t.get_text() for t in ax.figure.axes[1].get_yticklabels()]
    mins = [lab for lab in labels if lab.startswith("min_count=")]
    assert mins == ["min_count=50", "min_count=100", "min_count=200", "min_count=450"]
    dc = curve.distinct_curve()
    assert "flagged" not in dc.choices and len(dc.table) == len(curve.distinct())
    ax2 = dc.plot()
    assert "distinct specifications of 8 combinations" in ax2.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")
