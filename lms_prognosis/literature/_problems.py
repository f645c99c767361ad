"""Why a published model leaves a row out: the record shared by scoring and population checks.

Private to :mod:`lms_prognosis.literature`; it imports nothing from the subpackage, so the
data module (which declares populations) and the scoring module can both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: reason for a row left out because a model input is missing (as the survival-input check)
MISSING = "missing"
#: reason for a row outside the population a model was developed in
OUTSIDE = "outside the model's population"


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be scored (position in the frame, column, value, reason).

    Examples
    --------
    >>> Problem(3, "site", "uterus", OUTSIDE).reason
    "outside the model's population"
    """

    position: int
    column: str
    value: Any
    reason: str
