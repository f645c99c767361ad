"""plot_km: the table drawn is km.at_risk(ticks), and it lines up with the curve's ticks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting import PlotResult, plot_km


def _drawn(panel, row="n_risk") -> pd.DataFrame:
    """Read the table back from the Text artists: group (from the row), time (x), value."""
    groups = list(pd.unique(panel.at_risk["group"]))
    vals = [(groups[len(groups) - 1 - int(round(t.get_position()[1]))],
             float(t.get_position()[0]), int(t.get_text())) for t in panel.texts[row]]
    return pd.DataFrame(vals, columns=["group", "time", row])


def _check_alignment(fig, panel, draw=True):
    if draw:
        fig.canvas.draw()  # runs constrained layout
    cax = panel.curve
    ticks = cax.get_xticks()
    np.testing.assert_allclose(ticks, panel.ticks)
    labels = {float(t): lab for t, lab in zip(ticks, cax.xaxis.get_majorticklabels(),
                                               strict=True)}
    renderer = fig.canvas.get_renderer()
    for row, tax in panel.tables.items():
        assert tax.get_xlim() == cax.get_xlim()
        assert tax.get_shared_x_axes().joined(tax, cax)
        for txt in panel.texts[row]:
            t = float(txt.get_position()[0])
            # data -> display through each Axes' own transform
            x_table = tax.transData.transform((t, 0))[0]
            x_curve = cax.transData.transform((t, 0))[0]
            assert abs(x_table - x_curve) < 0.5
            # the rendered number is centred under the rendered tick label
            centre_text = txt.get_window_extent(renderer).x0 + txt.get_window_extent(
                renderer).width / 2
            bb = labels[t].get_window_extent(renderer)
            assert abs(centre_text - (bb.x0 + bb.width / 2)) < 1.0
            # and the table sits below the curve Axes
            assert tax.get_position().y1 <= cax.get_position().y0 + 1e-9


def test_numbers_drawn_equal_km_at_risk(km_grade):
    res = plot_km(km_grade, at_risk_rows=("n_risk", "n_event", "n_censor"))
    assert isinstance(res, PlotResult) and res.kind == "km"
    (panel,) = res.panels
    expected = km_grade.at_risk(panel.ticks)
    for row in ("n_risk", "n_event", "n_censor"):
        got = _drawn(panel, row)
        exp = expected[["group", "time", row]].reset_index(drop=True)
        pd.testing.assert_frame_equal(got.astype({"time": float, row: int}),
                                      exp.astype({"time": float, row: int}),
                                      check_dtype=False)
    pd.testing.assert_frame_equal(res.at_risk, expected)
    pd.testing.assert_frame_equal(res.table, expected)
    assert set(panel.tables) == {"n_risk", "n_event", "n_censor"}
    assert res.axes == {"curve": panel.curve, **panel.tables}


def test_table_aligned_with_curve_ticks(km_grade):
    res = plot_km(km_grade, xticks=[0, 12, 36, 60, 90])
    _check_alignment(res.figure, res.panels[0])
    np.testing.assert_allclose(res.at_risk["time"].unique(), [0, 12, 36, 60, 90])


def test_alignment_in_2x2_grid(km_grade, km_all):
    fig, axes = plt.subplots(2, 2, figsize=(9, 8), layout="constrained")
    kms = [km_grade, km_all, km_all, km_grade]
    panels = []
    for ax, km in zip(axes.flat, kms, strict=True):
        out = plot_km(km, ax=ax, at_risk_rows=("n_risk", "n_event"))
        assert out.figure is fig
        assert out.axes["curve"] is ax  # caller's Axes is the curve panel
        panels += out.panels
    assert not hasattr(fig, "km_panels")  # nothing attached to matplotlib objects
    fig.canvas.draw()
    for panel, km in zip(panels, kms, strict=True):
        _check_alignment(fig, panel, draw=False)
        pd.testing.assert_frame_equal(panel.at_risk, km.at_risk(panel.ticks))
    # each table stays inside its own grid cell: top-row tables above bottom-row curves
    top, bottom = panels[0], panels[2]
    lowest_top_table = min(t.get_position().y0 for t in top.tables.values())
    assert lowest_top_table > bottom.curve.get_position().y1
    # left and right columns do not overlap
    assert panels[0].curve.get_position().x1 < panels[1].curve.get_position().x0


def test_censor_marks_at_censoring_times(km_grade):
    res = plot_km(km_grade, at_risk=False, ci=False, logrank=None)
    ax = res.axes["curve"]
    marks = [ln for ln in ax.get_lines() if ln.get_marker() == "|"]
    assert len(marks) == len(km_grade.groups)
    tab = km_grade.table
    for g, ln in zip(km_grade.groups, marks, strict=True):
        exp = tab[(tab["group"] == g) & (tab["n_censor"] > 0)]
        np.testing.assert_allclose(ln.get_xdata(), exp["time"])
        np.testing.assert_allclose(ln.get_ydata(), exp["surv"])
    assert res.panels[0].tables == {}
    assert res.at_risk is None and res.table.empty


def test_logrank_p_printed_from_result(km_grade):
    class Fake:
        p, chisq, df, method = 0.0432, 6.3, 2, "Log-rank test for trend"

    res = plot_km(km_grade, logrank=Fake())
    ax = res.axes["curve"]
    assert ax.get_legend().get_title().get_text() == "Log-rank test for trend p = 0.043"
    assert res.annotation == "Log-rank test for trend p = 0.043"
    res = plot_km(km_grade, logrank=Fake(), legend=False)
    texts = [t.get_text() for t in res.axes["curve"].texts]
    assert "Log-rank test for trend p = 0.043" in texts
    res2 = plot_km(km_grade, logrank=None)
    assert not any("Log-rank" in t.get_text() for t in res2.axes["curve"].texts)
    assert res2.axes["curve"].get_legend().get_title().get_text() == ""
    assert res2.annotation is None


def test_logrank_auto_is_the_km_results_own_test(km_grade):
    res = plot_km(km_grade, at_risk=False)
    lr = km_grade.logrank()
    assert res.panels[0].logrank.p == pytest.approx(lr.p, rel=1e-12)
    assert res.annotation == f"Log-rank {format_p(lr.p)}"


def test_single_group_has_no_logrank_and_no_legend(km_all):
    res = plot_km(km_all, median_lines=True)
    ax = res.axes["curve"]
    assert ax.get_legend() is None
    assert res.panels[0].logrank is None
    pd.testing.assert_frame_equal(res.panels[0].medians, km_all.median())
    assert [t.get_text() for t in res.axes["n_risk"].get_yticklabels()] == [
        "All patients"]


def test_bad_arguments(km_grade):
    with pytest.raises(PlotError, match="at_risk_rows"):
        plot_km(km_grade, at_risk_rows=("n_dead",))
    with pytest.raises(PlotError, match="labels"):
        plot_km(km_grade, labels=["a"])
    fig = plt.figure()
    loose = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    with pytest.raises(PlotError, match="SubplotSpec"):
        plot_km(km_grade, ax=loose)


def test_ordered_groups_get_the_trend_test(cohort_df):
    from lms_prognosis import kaplan_meier

    df = cohort_df.assign(grade=cohort_df["grade"].cat.as_ordered())
    res = plot_km(kaplan_meier(df, group="grade"), at_risk=False)
    lr = res.panels[0].logrank
    assert lr.trend
    title = res.axes["curve"].get_legend().get_title().get_text()
    assert title.startswith("Log-rank test for trend p")


def test_table_clears_curve_labels_without_layout_engine(km_grade):
    # a caller's plain figure (no constrained layout): the table must not overlap the
    # curve's tick labels and x label, and we must not re-lay out their figure
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    res = plot_km(km_grade, ax=axes[0], at_risk_rows=("n_risk", "n_censor"))
    assert fig.get_layout_engine() is None
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    (panel,) = res.panels
    bottom_of_curve = min(panel.curve.xaxis.label.get_window_extent(r).y0,
                          min(t.get_window_extent(r).y0
                              for t in panel.curve.get_xticklabels()))
    title = panel.tables["n_risk"]._left_title  # set_title(loc="left")
    assert title.get_text() == "Number at risk"
    assert title.get_window_extent(r).y1 <= bottom_of_curve
    first_row = max(t.get_window_extent(r).y1 for t in panel.texts["n_risk"])
    assert first_row <= title.get_window_extent(r).y1 + 1
    _check_alignment(fig, panel, draw=False)
