"""Issue 13, item 6: per-patient tables of a published model carry their provenance, keep full
precision in the data and round only what is shown."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lms_prognosis.literature import published_model
from lms_prognosis.simulate import simulate_cohort

PROVENANCE = ["model", "model_kind", "endpoint", "population", "source"]


@pytest.mark.parametrize(
    ("name", "kind"), [("gustafson1992", "published"), ("lms_default", "design")]
)
def test_score_and_apply_tables_carry_provenance(name, kind):
    cohort = simulate_cohort(40, seed=7)
    m = published_model(name)
    res = m.score(cohort, horizons=[12, 60])
    tab = res.table
    assert list(tab.columns[-len(PROVENANCE) :]) == PROVENANCE
    assert set(tab["model"]) == {name} and set(tab["model_kind"]) == {kind}
    assert set(tab["endpoint"]) == {m.endpoint} and set(tab["source"]) == {m.citation}
    assert res.provenance == {c: tab[c].iloc[0] for c in PROVENANCE}
    out = m.apply(cohort, horizons=[60])
    assert out.attrs["provenance"] == res.provenance
    # full precision in the data, 3 decimals in what is shown
    assert (tab["surv_60m"] != tab["surv_60m"].round(3)).any()
    shown = res.rounded()
    assert not set(PROVENANCE) & set(shown.columns)
    np.testing.assert_array_equal(shown["surv_60m"], tab["surv_60m"].round(3))
    text = repr(res)
    assert f"model_kind: {kind}" in text
    assert str(tab["surv_60m"].iloc[0]) not in text  # no 16-digit probabilities on screen


def test_marginalised_survival_lies_between_its_levels():
    cohort = simulate_cohort(200, seed=8).data
    m = published_model("lms_default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lo = m.score(cohort.assign(aneuploidy=False), horizons=[60]).table["surv_60m"]
        hi = m.score(cohort.assign(aneuploidy=True), horizons=[60]).table["surv_60m"]
        avg = m.score(cohort.assign(aneuploidy=None), horizons=[60], missing="marginalise").table[
            "surv_60m"
        ]
    assert ((avg <= lo + 1e-15) & (avg >= hi - 1e-15)).all()
    assert ((avg < lo) & (avg > hi)).all()
