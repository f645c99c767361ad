"""plot_schoenfeld: one panel per term with the term's cox.zph p in its title."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting import plot_schoenfeld


@pytest.fixture(scope="module")
def ph(cox):
    return cox.check_ph()


def test_panel_per_term_with_p(ph, cox):
    res = plot_schoenfeld(ph, fit=cox)
    terms = [t for t in ph.table["term"] if t != "GLOBAL"]
    assert list(res.axes) == terms
    assert res.table["term"].tolist() == terms
    np.testing.assert_allclose(res.table["p"], ph.table.set_index("term").loc[terms, "p"])
    for term, ax in res.axes.items():
        p = float(ph.table.set_index("term").loc[term, "p"])
        assert format_p(p) in ax.get_title(loc="left")
        pts = ax.get_lines()[0]
        r = ph.residuals[ph.residuals["term"] == term]
        np.testing.assert_allclose(pts.get_xdata(), r["transformed_time"])
        np.testing.assert_allclose(pts.get_ydata(), r["residual"])


def test_subset_of_terms(ph):
    res = plot_schoenfeld(ph, terms=["age"])
    assert list(res.axes) == ["age"]
    with pytest.raises(PlotError, match="no residuals"):
        plot_schoenfeld(ph, terms=["nope"])


def test_human_labels_in_titles_and_table(ph):
    labels = {"age": "Age, years", "grade": "FNCLCC grade"}
    res = plot_schoenfeld(ph, labels=labels)
    for term, ax in res.axes.items():
        title = ax.get_title(loc="left")
        assert title.startswith(labels.get(term, term) + "  (p")
    lab = dict(zip(res.table["term"], res.table["label"], strict=True))
    assert lab["age"] == "Age, years" and lab["grade"] == "FNCLCC grade"


def test_smooth_and_band_drawn_are_the_plot_cox_zph_numbers(ph):
    # ph.smooth is R's plot.cox.zph to 1e-6 (tests/cox/test_zph_smooth.py); the panel draws it
    res = plot_schoenfeld(ph)
    for term, ax in res.axes.items():
        sm = ph.smooth(term)
        line = ax.get_lines()[1]
        np.testing.assert_allclose(line.get_xdata(), sm["transformed_time"])
        np.testing.assert_allclose(line.get_ydata(), sm["fit"])
        (band,) = ax.collections
        verts = band.get_paths()[0].vertices
        for x, lower, upper in sm[["transformed_time", "lower", "upper"]].to_numpy():
            ys = verts[np.isclose(verts[:, 0], x, rtol=0, atol=1e-12), 1]
            assert np.isclose(ys, lower).any() and np.isclose(ys, upper).any()
        lo, hi = ax.get_ylim()
        assert lo < sm["lower"].min() and sm["upper"].max() < hi  # the band is not cut
    res = plot_schoenfeld(ph, se=False)
    assert all(not ax.collections for ax in res.axes.values())
