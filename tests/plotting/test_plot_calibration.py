"""plot_calibration draws the CalibrationResult it is given, with the predictions below."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.exceptions import ColumnNotFoundError, PlotError
from lms_prognosis.plotting import plot_calibration


def test_points_smooth_diagonal_and_histogram(calib):
    res = plot_calibration(calib)
    main, hist = res.axes["main"], res.axes["hist"]
    (bars,) = main.containers
    np.testing.assert_allclose(bars.lines[0].get_xdata(), calib.table["predicted"])
    np.testing.assert_allclose(bars.lines[0].get_ydata(), calib.table["observed"])
    lines = {ln.get_label(): ln for ln in main.get_lines()}
    np.testing.assert_allclose(lines["Ideal"].get_xdata(), lines["Ideal"].get_ydata())
    np.testing.assert_allclose(np.sort(lines["Smoothed"].get_xdata()),
                               np.sort(calib.smooth["predicted"]))
    # one filled outline: its top edge is (x_i, h_i), (x_i+1, h_i) for each of the bins, then
    # it returns along the bottom
    (outline,) = hist.patches
    xy = outline.get_xy()
    n_bins = (len(xy) - 1) // 4
    heights = xy[1 : 2 * n_bins : 2, 1]
    assert n_bins == 40 and heights.sum() == len(calib.patients)
    preds = calib.patients["predicted"].to_numpy(float)
    expected, _ = np.histogram(preds, bins=40, range=main.get_xlim())
    np.testing.assert_array_equal(heights, expected)
    assert hist.get_shared_x_axes().joined(hist, main)
    res.canvas.draw()
    assert hist.get_position().y1 <= main.get_position().y0
    pd.testing.assert_frame_equal(res.table, calib.table)
    note = res.annotation
    for key in ("ICI", "E50", "E90"):
        assert key in note
    assert f"{calib.ici:.3f}" in note


def test_without_predictions_no_histogram(calib):
    from types import SimpleNamespace

    cal = SimpleNamespace(table=calib.table, smooth=calib.smooth, ici=calib.ici,
                          e50=calib.e50, e90=calib.e90, time_point=calib.time_point)
    res = plot_calibration(cal)
    assert list(res.axes) == ["main"]


def test_table_without_columns_is_a_plot_error(calib):
    from types import SimpleNamespace

    with pytest.raises(PlotError, match="predicted"):
        plot_calibration(SimpleNamespace(table=pd.DataFrame({"x": [1.0]})))
    with pytest.raises(ColumnNotFoundError, match="predictions column 'predicted'"):
        plot_calibration(calib, predictions=pd.DataFrame({"risk": [0.1, 0.2]}))
