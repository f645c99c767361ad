"""plot_schoenfeld: one panel per term with the term's cox.zph p in its title."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._format import format_p
from lms_prognosis.plotting import plot_schoenfeld


@pytest.fixture(scope="module")
def ph(cox):
    if not hasattr(cox, "check_ph"):
        pytest.skip("CoxResult.check_ph not available")
    return cox.check_ph()


def test_panel_per_term_with_p(ph, cox):
    fig = plot_schoenfeld(ph, fit=cox)
    terms = [t for t in ph.table["term"] if t != "GLOBAL"]
    assert list(fig.schoenfeld_axes) == terms
    for term, ax in fig.schoenfeld_axes.items():
        p = float(ph.table.set_index("term").loc[term, "p"])
        assert format_p(p) in ax.get_title(loc="left")
        pts = ax.get_lines()[0]
        r = ph.residuals[ph.residuals["term"] == term]
        np.testing.assert_allclose(pts.get_xdata(), r["transformed_time"])
        np.testing.assert_allclose(pts.get_ydata(), r["residual"])


def test_subset_of_terms(ph):
    fig = plot_schoenfeld(ph, terms=["age"])
    assert list(fig.schoenfeld_axes) == ["age"]
    with pytest.raises(ValueError, match="no residuals"):
        plot_schoenfeld(ph, terms=["nope"])
