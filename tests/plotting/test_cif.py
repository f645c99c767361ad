"""plot_cif: draws exactly what cumulative_incidence reports, with an aligned at-risk table."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting import PlotResult, plot_cif

NAMES = {1: "Death from LMS", 2: "Death from other causes"}


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return lp.simulate_cohort(n=1000, seed=1, competing_risks=True).data


@pytest.fixture(scope="module")
def cif_grade(cohort):
    return lp.cumulative_incidence(cohort, group="grade")


def _drawn(panel, row: str = "n_risk") -> pd.DataFrame:
    groups = list(pd.unique(panel.at_risk["group"]))
    vals = [
        (
            groups[len(groups) - 1 - int(round(t.get_position()[1]))],
            float(t.get_position()[0]),
            int(t.get_text()),
        )
        for t in panel.texts[row]
    ]
    return pd.DataFrame(vals, columns=["group", "time", row])


def test_table_drawn_is_at_risk_and_aligned(cif_grade):
    res = plot_cif(cif_grade, cause=1, at_risk_rows=("n_risk", "n_event"), cause_labels=NAMES)
    assert isinstance(res, PlotResult) and res.kind == "cif"
    (panel,) = res.panels
    expected = cif_grade.at_risk(panel.ticks)
    pd.testing.assert_frame_equal(res.at_risk, expected)
    for row in ("n_risk", "n_event"):
        got = _drawn(panel, row)
        want = expected[["group", "time", row]].reset_index(drop=True)
        assert got["group"].tolist() == want["group"].tolist()
        np.testing.assert_allclose(got["time"], want["time"])
        assert got[row].tolist() == want[row].tolist()
    res.canvas.draw()
    cax = panel.curve
    np.testing.assert_allclose(cax.get_xticks(), panel.ticks)
    for tax in panel.tables.values():
        assert tax.get_shared_x_axes().joined(tax, cax)
        assert tax.get_xlim() == cax.get_xlim()
        assert tax.get_position().y1 <= cax.get_position().y0 + 1e-9
    assert cax.get_ylabel() == "Cumulative incidence: Death from LMS"


def test_curves_are_the_estimates_and_gray_p_is_printed(cif_grade):
    res = plot_cif(cif_grade, cause=2)
    cax = res.axes["curve"]
    tab = cif_grade.table
    for line, g in zip(cax.get_lines(), cif_grade.groups, strict=True):
        x, y = line.get_data()
        sub = tab[(tab["cause"] == 2) & (tab["group"] == g)]
        np.testing.assert_allclose(x[1:], sub["time"])
        np.testing.assert_allclose(y[1:], sub["cif"])
        assert x[0] == 0 and y[0] == 0
    p = cif_grade.gray_test(cause=2).p
    assert res.annotation == f"Gray's test {format_p(p)}"
    assert cax.get_legend().get_title().get_text() == res.annotation


def test_stacked_tops_add_up_to_one_minus_event_free(cohort):
    cif = lp.cumulative_incidence(cohort)
    res = plot_cif(cif, stacked=True, cause_labels=NAMES)
    cax = res.axes["curve"]
    top = cax.get_lines()[-1].get_ydata()[1:]
    km_any = lp.kaplan_meier(cohort.assign(event=(cohort["event"] > 0).astype(int)))
    np.testing.assert_allclose(top, 1.0 - km_any.table["surv"], atol=1e-12)
    assert [t.get_text() for t in cax.get_legend().get_texts()] == list(NAMES.values())


def test_stacked_by_group_has_one_panel_per_group(cif_grade):
    res = plot_cif(cif_grade, stacked=True)
    assert len(res.panels) == 3
    assert sorted(k for k in res.axes if k.startswith("curve:")) == [
        "curve:1",
        "curve:2",
        "curve:3",
    ]
    for panel, g in zip(res.panels, cif_grade.groups, strict=True):
        assert panel.at_risk["group"].unique().tolist() == [g]
        assert [int(t.get_text()) for t in panel.texts["n_risk"]] == panel.at_risk[
            "n_risk"
        ].tolist()


def test_draws_in_a_callers_grid_cell(cif_grade):
    fig, axs = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
    a = plot_cif(cif_grade, cause=1, ax=axs[0])
    b = plot_cif(cif_grade, cause=2, ax=axs[1], at_risk=False)
    assert a.figure is fig and b.figure is fig
    assert "n_risk" in a.axes and list(b.axes) == ["curve"]


def test_cause_without_events_is_a_plot_error():
    df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 0, 1, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lp.DataWarning)
        cif = lp.cumulative_incidence(df)
    with pytest.raises(PlotError, match=r"cause 2 has no events.*causes present: \[1\]"):
        plot_cif(cif, cause=2)


def test_unknown_table_row_is_refused(cif_grade):
    with pytest.raises(PlotError, match="unknown at_risk_rows"):
        plot_cif(cif_grade, at_risk_rows=("n_dead",))


def test_png_renders(cif_grade, tmp_path):
    res = plot_cif(cif_grade, cause=1, cause_labels=NAMES, ylim=(0, 0.6))
    path = tmp_path / "cif_grade.png"
    res.savefig(path, dpi=80)
    assert path.stat().st_size > 10_000
