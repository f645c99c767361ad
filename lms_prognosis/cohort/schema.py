"""The cohort schema's names and constants (design.md section 3), without pandas.

Kept free of heavy imports so that the command line can build its parser (``--help``,
``--endpoint`` choices) without loading pandas.

Examples
--------
>>> from lms_prognosis.cohort.schema import ENDPOINTS, SCHEMA
>>> SCHEMA[:3], ENDPOINTS[0]
(('patient_id', 'time', 'event'), 'DSS')
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SCHEMA", "ENDPOINTS", "TIME_UNITS", "EXCLUSION_COLUMNS", "EXAMPLE_MESSY_COHORT"]

#: canonical columns in the order they appear in ``Cohort.data``
SCHEMA: tuple[str, ...] = (
    "patient_id",
    "time",
    "event",
    "age",
    "sex",
    "site",
    "size_cm",
    "depth",
    "grade",
    "necrosis",
    "vascular_invasion",
    "aneuploidy",
    "margin",
    "mitoses_per_10hpf",
)
#: what ``event == 1`` means: disease-specific, overall, metastasis-free, local-recurrence-free
ENDPOINTS: tuple[str, ...] = ("DSS", "OS", "MFS", "LRFS")
#: time units accepted by ``time_unit=`` and their factor to months (a month is 30.4375 days)
TIME_UNITS: dict[str, float] = {
    "months": 1.0,
    "days": 1.0 / 30.4375,
    "weeks": 7.0 / 30.4375,
    "years": 12.0,
}
#: columns of ``Cohort.exclusions``
EXCLUSION_COLUMNS: tuple[str, ...] = ("row", "patient_id", "column", "value", "reason")
#: a small messy cohort shipped with the package, to try ``read_cohort`` and ``check`` on
EXAMPLE_MESSY_COHORT = Path(__file__).parents[1] / "data" / "example_messy_cohort.csv"
