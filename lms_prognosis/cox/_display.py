"""What every regression result of :mod:`lms_prognosis.cox` shares: the printed hazard-ratio
table and the reading of ``newdata`` for predictions.

Private to the subpackage: ``CoxResult``, ``FineGrayResult``, ``CauseSpecificResult`` and
``PooledResult`` use them, so the four print and read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from lms_prognosis._format import format_hr, format_p
from lms_prognosis.exceptions import CoxError

__all__ = ["hr_display", "newdata_frame"]


def hr_display(
    hr: pd.DataFrame, conf_level: float, measure: str = "HR", keys: Sequence[str] = ("term",)
) -> pd.DataFrame:
    """The printed form of a hazard-ratio table: ``keys``, "HR (95% CI)" and p, formatted.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["age"], "hr": [1.5], "lower": [1.1], "upper": [2.0],
    ...                   "p": [0.01]})
    >>> hr_display(t, 0.95, "SHR")
      term  SHR (95% CI)      p
    0  age  1.50 (1.10–2.00)  p = 0.010
    """
    out: dict[str, Any] = {k: hr[k] for k in keys}
    out[f"{measure} ({round(100 * conf_level)}% CI)"] = [
        format_hr(h, lo, up) for h, lo, up in zip(hr["hr"], hr["lower"], hr["upper"], strict=True)
    ]
    out["p"] = [format_p(p) for p in hr["p"]]
    return pd.DataFrame(out)


def newdata_frame(newdata: Any) -> pd.DataFrame:
    """``newdata`` as a DataFrame (a Cohort's ``.data``), or a CoxError.

    Examples
    --------
    >>> newdata_frame(pd.DataFrame({"age": [60]})).shape
    (1, 1)
    """
    inner = getattr(newdata, "data", None)
    if not isinstance(newdata, pd.DataFrame) and isinstance(inner, pd.DataFrame):
        return inner
    if not isinstance(newdata, pd.DataFrame):
        raise CoxError(
            f"newdata must be a pandas DataFrame or a Cohort, got {type(newdata).__name__}"
        )
    return newdata
