"""lms_prognosis/evaluate/_inputs.py: a model's long predictions become a (rows, times)
matrix, reshaped when they come in the models' order, matched by label otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd

import lms_prognosis as lp
from lms_prognosis.evaluate._inputs import surv_matrix, wide_predictions


def _pivoted(long: pd.DataFrame, value: str, index: pd.Index, times: np.ndarray) -> np.ndarray:
    """The matching by label and time, as pandas does it."""
    wide = long.pivot_table(index="patient", columns="time", values=value)
    return wide.reindex(index=index, columns=times).to_numpy(float)


def test_a_cox_models_predictions_are_reshaped_as_pandas_matches_them() -> None:
    d = lp.load_synthetic().data.set_index("patient_id")
    cox = lp.fit_cox(d, ["age", "size_cm"])
    times = np.array([6.0, 24.0, 60.0, 1000.0])  # the last beyond follow-up: NaN
    long = cox.predict_survival(d, list(times))
    got = surv_matrix(d, cox, times)
    np.testing.assert_array_equal(got, _pivoted(long, "surv", d.index, times))
    assert np.isnan(got[:, -1]).all() and not np.isnan(got[:, :-1]).any()


def test_a_table_in_another_order_or_with_gaps_is_matched_by_label() -> None:
    times = np.array([12.0, 24.0])
    index = pd.Index(["a", "b", "c"])
    long = pd.DataFrame(
        {
            "patient": ["c", "a", "b", "a", "c"],  # b's 24 months missing, rows shuffled
            "time": [24.0, 12.0, 12.0, 24.0, 12.0],
            "surv": [0.5, 0.9, 0.8, 0.7, 0.6],
        }
    )
    got = wide_predictions(long, "surv", index, times)
    np.testing.assert_array_equal(got, [[0.9, 0.7], [0.8, np.nan], [0.6, 0.5]])


def test_rows_sharing_a_label_keep_their_own_predictions() -> None:
    """Two rows with one index label: each keeps its own prediction (matching by label
    would give both the mean of the two)."""
    times = np.array([12.0])
    index = pd.Index([3, 3, 4])
    long = pd.DataFrame({"patient": [3, 3, 4], "time": [12.0] * 3, "surv": [0.9, 0.5, 0.4]})
    assert wide_predictions(long, "surv", index, times).ravel().tolist() == [0.9, 0.5, 0.4]
    assert _pivoted(long, "surv", index, times).ravel().tolist() == [0.7, 0.7, 0.4]
