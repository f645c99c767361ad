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
