"""What the report's sections share: the :class:`Context`, display names and cell helpers.

A leaf module (it imports no other section module), so the sections, the methods text and
:mod:`lms_prognosis.report.build` can all import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
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


def surv_cell(s: Any, lo: Any, hi: Any, digits: int = 2) -> str:
    """``"0.84 (0.80–0.88)"`` for a survival probability and its limits; ``""`` when missing."""
    if s is None or pd.isna(s):
        return ""
    return f"{format_number(float(s), digits)} {format_ci(float(lo), float(hi), digits)}"


def _grid_strings(digits: int) -> np.ndarray:
    """``f"{k / 10**digits:.{digits}f}"`` for k = 0..10**digits (every probability's text)."""
    scale = 10**digits
    return np.array([f"{k / scale:.{digits}f}" for k in range(scale + 1)], dtype=object)


_GRIDS = {2: _grid_strings(2), 3: _grid_strings(3)}


def _on_grid(x: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """(k, exact): ``x`` rounded to ``digits`` decimals as an integer, and where its
    formatted text is certainly the grid's (not missing, inside [0, 1], not near a tie)."""
    scaled = x * 10.0**digits
    with np.errstate(invalid="ignore"):
        k = np.rint(scaled)
        exact = ~np.signbit(x) & (x <= 1) & (np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) > 1e-6)
    return np.where(exact, k, 0).astype(np.int64), exact


def surv_cells(s: Any, lo: Any, hi: Any, digits: int = 2) -> list[str]:
    """:func:`surv_cell` for whole columns: the same strings, built without a loop in Python
    for the probabilities in [0, 1] (a cell near a rounding tie takes the scalar path).

    Examples
    --------
    >>> surv_cells([0.8449, float("nan")], [0.80, 0.1], [0.885, 0.2])
    ['0.84 (0.80–0.89)', '']
    >>> surv_cells([0.8449], [0.80], [0.885], digits=3)
    ['0.845 (0.800–0.885)']
    """
    grid = _GRIDS[digits] if digits in _GRIDS else _grid_strings(digits)
    arrays = [np.asarray(v, dtype=float) for v in (s, lo, hi)]
    (ks, es), (kl, el), (kh, eh) = (_on_grid(a, digits) for a in arrays)
    fast = es & el & eh
    out = grid[ks] + " (" + grid[kl] + "\u2013" + grid[kh] + ")"
    for i in np.flatnonzero(~fast):
        out[i] = surv_cell(arrays[0][i], arrays[1][i], arrays[2][i], digits)
    return list(out)
