"""Gray's test: do the cumulative incidences of one cause differ between groups? (``cmprsk``).

:func:`gray_test` checks its input with the one survival-input check
(``lms_prognosis._survdata.survival_data``) and runs the array engine in
:mod:`lms_prognosis.nonparametric._gray`, which gives ``cmprsk::cuminc``'s ``$Tests`` (score,
variance, chi-square on k - 1 df), with strata and the weight (1 - F(t-))^rho. Checked
against R's own output (``tests/reference/competing_nonparametric.R``) to 1e-9 relative.

Why our own: neither lifelines nor scikit-survival has Gray's test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lms_prognosis._distributions import chi2_sf
from lms_prognosis._format import format_p
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import survival_data
from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric._data import group_codes
from lms_prognosis.nonparametric._gray import gray_arrays

if TYPE_CHECKING:
    from lms_prognosis.cohort import Cohort

__all__ = ["GrayTestResult", "gray_test"]


@dataclass(repr=False, eq=False)
class GrayTestResult(Result):
    """Gray's test of equal cumulative incidence across groups; see :func:`gray_test`.

    Attributes
    ----------
    chisq, df, p : float, int, float
        The test for ``cause`` (``cmprsk::cuminc()$Tests[cause, ]``).
    cause : int
        The cause tested.
    table : DataFrame
        Per group: group, n, n_event (events of the cause), score (Gray's score; the scores
        sum to 0, cmprsk reports the first k - 1).
    variance : DataFrame
        The (k - 1) x (k - 1) variance of the first k - 1 scores (cmprsk's ``crstm``).
    tests : DataFrame
        cause, chisq, df, p for every cause present, as ``cuminc()$Tests``.
    group, strata : str
        Columns used.
    rho : float
        Weight (1 - F(t-))^rho of the score.
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason).

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6, 7, 8],
    ...                    "event": [1, 2, 1, 0, 1, 2, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b", "b", None]})
    >>> res = gray_test(df, group="arm")
    >>> res.n, res.n_dropped, res.df
    (7, 1, 1)
    """

    chisq: float
    df: int
    p: float
    cause: int
    table: pd.DataFrame
    variance: pd.DataFrame
    tests: pd.DataFrame
    group: str
    strata: str | None = None
    rho: float = 0.0
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)

    def _heading(self) -> str:
        by = f", stratified by {self.strata}" if self.strata else ""
        weight = f", rho = {self.rho:g}" if self.rho else ""
        return f"Gray's test of cause {self.cause} across {self.group}{by}{weight} (cmprsk)"

    def _summary_lines(self) -> list[str]:
        return [
            f"cause {c}: chisq = {x:.2f} on {d} df, {format_p(float(p))}"
            for c, x, d, p in zip(
                self.tests["cause"],
                self.tests["chisq"],
                self.tests["df"],
                self.tests["p"],
                strict=True,
            )
        ]

    def _display_frame(self) -> pd.DataFrame:
        tab = self.table.copy()
        tab["group"] = tab["group"].astype(str)
        return tab.round(3)


def _one_cause(
    time: np.ndarray,
    event: np.ndarray,
    gcode: np.ndarray,
    k: int,
    scode: np.ndarray | None,
    n_strata: int,
    cause: int,
    rho: float,
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """chisq, p, scores and variance for one cause (other causes coded 2, as cuminc)."""
    code = np.where(event == cause, 1, np.where(event > 0, 2, 0))
    score, var = gray_arrays(time, code, gcode, k, scode, n_strata, float(rho))
    s, v = score[: k - 1], var[: k - 1, : k - 1]
    if np.linalg.matrix_rank(v) < k - 1:  # cmprsk reports -1: no test
        return float("nan"), float("nan"), score, var
    chisq = float(s @ np.linalg.solve(v, s))
    return chisq, float(chi2_sf(chisq, k - 1)), score, var


def gray_test(
    df: pd.DataFrame | Cohort,
    time: str = "time",
    event: str = "event",
    group: str = "grade",
    cause: int = 1,
    strata: str | None = None,
    rho: float = 0,
) -> GrayTestResult:
    """Gray's test that the cumulative incidence of ``cause`` is the same in every group.

    Parameters
    ----------
    df : DataFrame or Cohort
    time, event : str
        Follow-up and event code: 0 censored, 1 event of interest, 2 competing event. R's
        1/2 status, text and other codes are refused (the one survival-input check).
    group : str, default "grade"
        Column of groups (k >= 2). Categories keep their order; other values are sorted.
    cause : int, default 1
        The cause whose cumulative incidence is compared; every other cause competes.
    strata : str, optional
        Column of strata: scores and variances are computed within each stratum and summed,
        as ``cuminc(strata=)``.
    rho : float, default 0
        Weight (1 - F(t-))^rho of the score, F the pooled cumulative incidence; 0 (cmprsk's
        default) weights every event time equally.

    Returns
    -------
    GrayTestResult
        ``.chisq``, ``.df`` (k - 1), ``.p``, ``.table`` (scores per group), ``.variance``,
        ``.tests`` (every cause, as ``cuminc()$Tests``).

    Raises
    ------
    SurvivalDataError
        From the one survival-input check; a group column with fewer than two groups; a
        ``cause`` with no events in the rows analysed (the message lists the causes present).

    Notes
    -----
    As ``cmprsk::cuminc(ftime, fstatus, group, strata, rho)`` (cmprsk 2.2): the score of
    Gray (1988) with the subdistribution risk set n_i (1 - F_i(t-)) / S_i(t-), its variance
    from cmprsk's ``crstm`` (including its tie corrections), chisq = s' V^-1 s over the first
    k - 1 groups, df = k - 1. A singular variance gives NaN (cmprsk prints -1). Groups with no
    event of the cause are kept (their score is 0 - expected). Rows with a missing time,
    event, group or stratum are left out and listed in ``.dropped``; times equal up to
    floating-point noise are one time (R ``aeqSurv``; cuminc itself compares exactly).

    References
    ----------
    Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing
    risk. Ann Stat 1988;16:1141-1154.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [2, 3, 5, 7, 8, 11, 12, 14, 15, 18],
    ...                    "event": [1, 2, 1, 1, 0, 2, 1, 0, 2, 0],
    ...                    "arm": list("ababababab")})
    >>> res = gray_test(df, group="arm")
    >>> round(res.chisq, 4), res.df, round(res.p, 4)
    (1.7892, 1, 0.181)
    >>> res.tests["cause"].tolist()
    [1, 2]
    """
    if not np.isfinite(rho):
        raise SurvivalDataError(f"rho must be a finite number, got {rho!r}")
    sd = survival_data(df, time, event, group=group, strata=strata)
    gcode, labels = group_codes(sd.frame[group])
    k = len(labels)
    if k < 2:
        raise SurvivalDataError(
            f"group column {group!r} has only one group {labels}: Gray's test needs at least two"
        )
    scode, slabels = (None, []) if strata is None else group_codes(sd.frame[strata])
    n_strata = len(slabels) if scode is not None else 1
    causes = [int(c) for c in np.unique(sd.event) if c > 0]
    if cause not in causes:
        raise SurvivalDataError(
            f"cause {cause!r} has no events in the {sd.n} rows analysed (causes present: "
            f"{causes or 'none'}); pick one with cause={causes[0] if causes else 1}"
        )
    results = {c: _one_cause(sd.time, sd.event, gcode, k, scode, n_strata, c, rho) for c in causes}
    tests = [{"cause": c, "chisq": r[0], "df": k - 1, "p": r[1]} for c, r in results.items()]
    return _result(sd, gcode, labels, group, strata, cause, float(rho), results[cause], tests)


def _result(
    sd: Any,
    gcode: np.ndarray,
    labels: list[Any],
    group: str,
    strata: str | None,
    cause: int,
    rho: float,
    chosen: tuple[float, float, np.ndarray, np.ndarray],
    tests: list[dict[str, Any]],
) -> GrayTestResult:
    chisq, p, score, var = chosen
    k = len(labels)
    table = pd.DataFrame(
        {
            "group": labels,
            "n": np.bincount(gcode, minlength=k),
            "n_event": np.bincount(gcode, weights=sd.event == cause, minlength=k).astype(int),
            "score": score,
        }
    )
    first = labels[: k - 1]
    return GrayTestResult(
        chisq=chisq,
        df=k - 1,
        p=p,
        cause=cause,
        table=table,
        variance=pd.DataFrame(var[: k - 1, : k - 1], index=first, columns=first),
        tests=pd.DataFrame(tests),
        group=group,
        strata=strata,
        rho=rho,
        n=sd.n,
        dropped=sd.dropped,
    )
