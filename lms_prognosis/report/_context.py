"""What the report's sections share: the :class:`Context`, display names and cell helpers.

A leaf module (it imports no other section module), so the sections, the methods text and
:mod:`lms_prognosis.report.build` can all import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from lms_prognosis._format import format_ci, format_number
from lms_prognosis.report._factors import REPORT_FACTORS, derive_factors

if TYPE_CHECKING:
    from lms_prognosis.cohort import Cohort
    from lms_prognosis.report._writer import Writer

#: R and survival versions that produced the reference fixtures in tests/reference/
#: (the versions the Python results were checked against).
R_REFERENCE = "R 4.2.2 with survival 3.5.3"

ENDPOINT_NAMES = {
    "DSS": "disease-specific survival",
    "OS": "overall survival",
    "MFS": "metastasis-free survival",
    "LRFS": "local-recurrence-free survival",
}
FACTOR_LABELS = {f.column: f.label for f in REPORT_FACTORS}


@dataclass
class Context:
    """What the sections share: the cohort, the derived frame, the writer and results.

    ``results`` collects what the sections computed (``"km"``, ``"cox"``, ``"hr_table"``,
    ``"ph"``, ``"published_model"``, ...) and the notes for the manifest (``"warnings"``,
    ``"errors"``), so a later section (the methods text) can describe an earlier one.
    """

    cohort: Cohort
    writer: Writer
    model_name: str
    covariates: list[str] | None
    time_points: tuple[float, ...]
    table_one_by: str | None = None
    data: pd.DataFrame = field(init=False)
    results: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = derive_factors(self.cohort.data)

    def endpoint_name(self, default: str = "survival") -> str:
        """The cohort's endpoint in words ("disease-specific survival")."""
        return ENDPOINT_NAMES.get(str(self.cohort.endpoint), default)


def months(t: float) -> str:
    """A time in months as a label: ``12.0`` -> ``"12"``."""
    return f"{t:g}"


def surv_cell(s: Any, lo: Any, hi: Any) -> str:
    """``"0.84 (0.80–0.88)"`` for a survival probability and its limits; ``""`` when missing."""
    if s is None or pd.isna(s):
        return ""
    return f"{format_number(float(s))} {format_ci(float(lo), float(hi))}"
