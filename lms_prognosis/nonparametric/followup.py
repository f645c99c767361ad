"""Median follow-up by the reverse Kaplan-Meier method (Schemper and Smith 1996).

The reverse Kaplan-Meier curve swaps the roles of event and censoring: a patient still
followed when last seen (event code 0) is an "event" of the reverse curve, and a patient whose
follow-up ended with the event of interest or a competing event is censored at that time. Its
median is the median potential follow-up, which does not shrink because patients die, unlike
the median of the observed times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis._survdata import survival_data
from lms_prognosis.nonparametric.km import KMResult, kaplan_meier

__all__ = ["FollowUpResult", "median_follow_up"]


@dataclass(repr=False, eq=False)
class FollowUpResult(Result):
    """Median follow-up and its confidence interval (see :func:`median_follow_up`).

    Attributes
    ----------
    median, lower, upper : float
        Median follow-up and its confidence limits, in the unit of the time column; NaN where
        the reverse curve (or a limit) never reaches 0.5.
    n : int
        Patients analysed.
    n_censored : int
        Patients censored in the survival analysis (event code 0): the events of the reverse
        curve.
    conf_type : str
    conf_level : float
    km : KMResult
        The reverse Kaplan-Meier curve itself (its ``n_event`` column counts censored
        patients).
    dropped : DataFrame
        Rows left out (row, column, value, reason), e.g. a missing time.
    """

    _title: ClassVar[str] = "Median follow-up (reverse Kaplan-Meier)"

    median: float
    lower: float
    upper: float
    n: int
    n_censored: int
    conf_type: str
    conf_level: float
    km: KMResult
    dropped: pd.DataFrame

    @property
    def table(self) -> pd.DataFrame:
        """One row: n, n_censored, median, lower, upper, conf_type, conf_level."""
        return pd.DataFrame(
            {
                "n": [self.n],
                "n_censored": [self.n_censored],
                "median": [self.median],
                "lower": [self.lower],
                "upper": [self.upper],
                "conf_type": [self.conf_type],
                "conf_level": [self.conf_level],
            }
        )


def median_follow_up(
    df: Any,
    time: str = "time",
    event: str = "event",
    *,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> FollowUpResult:
    """Median follow-up by the reverse Kaplan-Meier method, as R ``survfit``.

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient.
    time : str, default "time"
        Follow-up time column (months in this package).
    event : str, default "event"
        Event codes: 0 censored, 1 event of interest, 2 competing event (checked by the one
        survival-input check, so R's 1/2 status is refused with the fix).
    conf_type : {"log", "log-log", "plain"}, default "log"
        Transform of the pointwise interval of the reverse curve (R's default ``log``).
    conf_level : float, default 0.95

    Returns
    -------
    FollowUpResult
        ``.median``, ``.lower``, ``.upper``, ``.n``, ``.n_censored``, ``.dropped``, ``.table``.

    Raises
    ------
    SurvivalDataError
        Input the survival-input check refuses (R's 1/2 status, text or undeclared event
        codes, negative times, no usable row).
    ColumnNotFoundError
        ``time`` or ``event`` is not a column.

    Notes
    -----
    The reverse curve is R's ``survfit(Surv(time, event == 0) ~ 1)``, which for 0/1 codes is
    ``survfit(Surv(time, 1 - status) ~ 1)``: censoring (code 0) is the "event" and both the
    event of interest and a competing event end follow-up, so they are censored. The median
    and its limits follow ``print.survfit`` (the first time the curve, or a limit, is at or
    below 0.5; the midpoint of a flat stretch at exactly 0.5). Rows with a missing time or
    event are left out and listed in ``.dropped``; near-tied times are merged as R's
    ``aeqSurv``. The Kaplan-Meier estimate itself is :func:`~lms_prognosis.kaplan_meier`.

    References
    ----------
    Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
    Control Clin Trials 1996;17:343-346.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [2.0, 4.0, 5.0, 7.0, 9.0, 12.0],
    ...                    "event": [1, 0, 1, 0, 0, 0]})
    >>> fu = median_follow_up(df)
    >>> fu.median, fu.n, fu.n_censored
    (9.0, 6, 4)
    >>> list(fu.table.columns)
    ['n', 'n_censored', 'median', 'lower', 'upper', 'conf_type', 'conf_level']
    """
    data = survival_data(df, time, event)
    reverse = (data.event == 0).astype(np.int8)
    frame = pd.DataFrame({"time": data.time, "event": reverse})
    km = kaplan_meier(frame, conf_type=conf_type, conf_level=conf_level)
    row = km.median().iloc[0]
    return FollowUpResult(
        median=float(row["median"]),
        lower=float(row["lower"]),
        upper=float(row["upper"]),
        n=data.n,
        n_censored=int(reverse.sum()),
        conf_type=conf_type,
        conf_level=float(conf_level),
        km=km,
        dropped=data.dropped.copy(),
    )
