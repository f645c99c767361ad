"""plot_forest: the label, HR (95% CI) and p columns never collide, whatever the labels.

The figure is drawn (Agg) and the window extents of every text and panel are compared: no
two boxes that belong to different columns may overlap, and every text stays in the figure.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from lms_prognosis.plotting import plot_forest

LONG = {
    "a": "Intratumoral vascular invasion present on central pathology review",
    "b": "Margin R2",
    "c": "FNCLCC grade 3 (versus grade 1), tumour-specific survival",
}


def _table(scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": ["a", "b", "c"],
            "hr": [12.4 * scale, 0.031, 1.8],
            "lower": [3.1, 0.004, 1.01],
            "upper": [110.37 * scale, 0.27, 3.2],
            "p": [0.00001, 0.02, 0.048],
        }
    )


def _title(ax, text: str) -> Text:
    """The Text artist of a left title (titles are children, not in ``ax.texts``)."""
    return next(c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == text)


def _boxes(res) -> dict[str, list]:
    """Window extents by column: labels, each panel's plot area, HR texts, p texts, titles."""
    fig = res.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    first = next(ax for key, ax in res.axes.items() if key.endswith(":plot"))
    out: dict[str, list] = {
        "labels": [t.get_window_extent(r) for t in first.get_yticklabels() if t.get_text()]
    }
    for key, ax in res.axes.items():
        if key.endswith(":plot"):
            out[key] = [ax.get_window_extent(r)] + [
                t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text()
            ]
            title = ax.get_title(loc="left")
            if title:
                out[key + ":title"] = [_title(ax, title).get_window_extent(r)]
        else:
            out[key] = [t.get_window_extent(r) for t in ax.texts if t.get_text()]
            out[key + ":header"] = [_title(ax, ax.get_title(loc="left")).get_window_extent(r)]
    return out


def _overlap(a, b, tol: float = 0.5) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def _assert_apart(res) -> None:
    boxes = _boxes(res)
    for (ka, va), (kb, vb) in itertools.combinations(boxes.items(), 2):
        for a, b in itertools.product(va, vb):
            assert not _overlap(a, b), f"{ka} overlaps {kb}: {a} / {b}"
    # x tick labels of one panel do not touch each other
    for key, v in boxes.items():
        if key.endswith(":plot"):
            for a, b in itertools.combinations(v[1:], 2):
                assert not _overlap(a, b), f"tick labels of {key} overlap"
    fig_box = res.figure.bbox
    for key, v in boxes.items():
        for b in v:
            assert b.x0 >= fig_box.x0 - 0.5 and b.x1 <= fig_box.x1 + 0.5, f"{key} leaves the figure"


@pytest.mark.parametrize("univariable", [False, True])
def test_long_labels_do_not_collide(univariable):
    t = _table()
    res = plot_forest(t, univariable=_table(1.3) if univariable else None, labels=LONG)
    _assert_apart(res)
    # the text columns are as wide as their widest text: the gap to the next column is there
    r = res.figure.canvas.get_renderer()
    hr_right = max(tx.get_window_extent(r).x1 for tx in res.axes["multivariable:hr"].texts)
    p_left = min(tx.get_window_extent(r).x0 for tx in res.axes["multivariable:p"].texts)
    assert p_left - hr_right >= 0.1 * res.figure.dpi  # >= 0.1 inch apart
    plt.close(res.figure)


def test_competing_titles_and_a_fixed_figure_size_keep_columns_apart():
    t = _table()
    res = plot_forest(t, fine_gray=_table(0.8), cause=1, labels=LONG)
    _assert_apart(res)
    plt.close(res.figure)
    res = plot_forest(t, labels={"a": "Age", "b": "Size", "c": "Grade"}, figsize=(9.0, 2.0))
    _assert_apart(res)


def test_in_a_callers_grid_cell():
    fig, (ax, _) = plt.subplots(1, 2, figsize=(16, 3), layout="constrained", width_ratios=[3, 1])
    res = plot_forest(_table(), ax=ax, labels=LONG)
    _assert_apart(res)


def test_wide_hr_range_thins_the_tick_labels():
    res = plot_forest(_table(), labels=LONG)
    ticks = res.axes["multivariable:plot"].get_xticks()
    assert 1.0 in ticks and len(ticks) < 13  # not every "nice" value from 0.01 to 64
    assert np.all(np.diff(ticks) > 0)
