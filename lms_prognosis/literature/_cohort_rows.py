"""Which rows of a cohort a published model scores, and which it leaves out and why.

Used by :mod:`lms_prognosis.literature.models`: the frame and endpoint of a cohort, the one
survival-input check on its outcome columns, the patient ids, and the rows left out in the
shared ``dropped`` format and in the deprecated 0.1 ``exclusions`` format.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._results import DROPPED_COLUMNS
from lms_prognosis._survdata import SurvData, as_frame, survival_data
from lms_prognosis.literature._scoring import Problem

EXCL_COLUMNS = ["row", "patient_id", "column", "value", "reason"]


def cohort_parts(cohort: Any) -> tuple[pd.DataFrame, str | None, str]:
    """The frame, the endpoint (None for a bare DataFrame) and a name for the source."""
    data = as_frame(cohort)
    if data is cohort:
        return data, None, "<frame>"
    return data, getattr(cohort, "endpoint", None), str(getattr(cohort, "source", "<cohort>"))


def outcome_of(data: pd.DataFrame, time: str | None, event: str | None) -> SurvData | None:
    """The one survival-input check on the outcome columns, if the frame has any.

    ``time=None`` (or neither column in the frame) means: score without an outcome. A frame
    whose index has repeated labels is checked by position (its ``dropped`` rows are then
    positions, which :func:`dropped_tables` expects).
    """
    if time is None or event is None or (time not in data.columns and event not in data.columns):
        return None
    return survival_data(data if data.index.is_unique else data.reset_index(drop=True), time, event)


def patient_ids(data: pd.DataFrame) -> np.ndarray:
    """The ``patient_id`` column as text, or ``row-1``, ``row-2``, ... without one."""
    return (
        data["patient_id"].astype(str).to_numpy()
        if "patient_id" in data.columns
        else np.array([f"row-{i + 1}" for i in range(len(data))], dtype=object)
    )


def dropped_tables(
    index: pd.Index, pid: np.ndarray, problems: list[Problem], outcome: SurvData | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows left out, one line per reason, in the shared format (row = the caller's index
    label) and in the deprecated 0.1 format (1-based row, patient_id)."""
    recs = [(p.position, p.column, p.value, p.reason) for p in problems]
    if outcome is not None and outcome.dropped.shape[0]:
        od = outcome.dropped
        pos = (
            index.get_indexer(pd.Index(od["row"]))
            if index.is_unique
            else od["row"].to_numpy(dtype=np.int64)
        )
        recs += list(zip(pos.tolist(), od["column"], od["value"], od["reason"], strict=True))
    recs.sort(key=lambda r: r[0])  # stable: one row's reasons keep their order
    dropped = pd.DataFrame(
        [(index[p], c, v, r) for p, c, v, r in recs], columns=list(DROPPED_COLUMNS)
    )
    if not recs:
        dropped = dropped.astype(object)
    excl = pd.DataFrame([(p + 1, pid[p], c, v, r) for p, c, v, r in recs], columns=EXCL_COLUMNS)
    return dropped, excl
