"""The shipped registry-like synthetic cohort: how it is made, with a fixed seed.

``lms_prognosis/data/synthetic_registry_800.csv`` (and ``data/synthetic/registry_800_seed2027.csv``)
looks like a sarcoma registry extract rather than a trial: DNA ploidy missing for about 60% of
patients (routine pathology does not measure it) and vascular invasion for about 20%, deaths
from other causes (event 2), uneven follow-up (accrual over 12 years, administrative end 2
years after the last entry, loss to follow-up 5% a year), and a few invalid values that
:func:`lms_prognosis.read_cohort` finds and writes to ``Cohort.audit``
(:data:`REGISTRY_INVALID`). :func:`registry_frame` makes the file's content from
:data:`REGISTRY_CALL`; ``data/synthetic/make_registry.py`` writes both copies and
``tests/simulate/test_registry.py`` regenerates them and compares bytes.

Examples
--------
>>> frame = registry_frame()
>>> len(frame), sorted(frame["event"].astype(str).unique())
(800, ['0', '1', '2', '9'])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.simulate.cohorts import simulate_cohort

__all__ = ["REGISTRY_CALL", "REGISTRY_INVALID", "REGISTRY_FILE", "registry_frame", "csv_text"]

#: the simulate_cohort call behind the registry cohort (missingness completely at random:
#: ploidy is missing because it was not measured, not because of the patient's course)
REGISTRY_CALL: dict[str, Any] = dict(
    n=800,
    profile="somatic",
    model="default",
    seed=2027,
    accrual_years=12.0,
    follow_up_years=2.0,
    endpoint="DSS",
    competing_risks=True,
    loss_rate=0.05,
    missing={"aneuploidy": 0.6, "vascular_invasion": 0.2},
    missing_mechanism="MCAR",
)
REGISTRY_FILE = "data/synthetic_registry_800.csv"
#: invalid values written into the file: (0-based row, column, value, what read_cohort does)
REGISTRY_INVALID: tuple[tuple[int, str, Any, str], ...] = (
    (16, "age", 142, "set missing: impossible age"),
    (122, "size_cm", -3.0, "set missing: impossible size"),
    (244, "time", -2.5, "excluded: negative time"),
    (387, "event", 9, "excluded: undeclared event code"),
    (511, "grade", "4", "set missing: not a grade level"),
    (639, "time", None, "excluded: missing time"),
    (776, "margin", "Rx", "set missing: not a margin level"),
)


def registry_frame() -> pd.DataFrame:
    """The registry cohort as written to the CSV (times rounded to 4 decimals, invalid
    values in place), from :data:`REGISTRY_CALL` and :data:`REGISTRY_INVALID`."""
    df = simulate_cohort(**REGISTRY_CALL).data.copy()
    df["time"] = df["time"].round(4)
    for row, col, value, _ in REGISTRY_INVALID:
        if df[col].dtype != object:
            df[col] = df[col].astype(object)
        df.loc[df.index[row], col] = np.nan if value is None else value
    return df


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of a shipped cohort (Unix newlines, no index)."""
    return str(frame.to_csv(index=False, lineterminator="\n"))
