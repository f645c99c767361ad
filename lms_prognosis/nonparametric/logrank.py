"""Log-rank tests that give R ``survdiff``'s numbers: strata, Fleming-Harrington weights, trend.

:func:`logrank_test` checks its input with the one survival-input check
(``lms_prognosis._survdata.survival_data``) and runs the array engine in
:mod:`lms_prognosis.nonparametric._logrank`. Checked against R's own output
(``tests/reference/km_logrank.R``, ``tests/reference/km_timefix.R``) to 1e-9 relative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_p
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric import _logrank
from lms_prognosis.nonparametric._data import GroupedData, prepare

if TYPE_CHECKING:
    from lms_prognosis.cohort import Cohort

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(repr=False, eq=False)
class LogRankResult(Result):
    """Log-rank / Fleming-Harrington test (R ``survdiff`` conventions); see :func:`logrank_test`.

    Attributes
    ----------
    chisq, df, p : float, int, float
        The test asked for: the k-group test (df = k - 1), or with ``trend=True`` the
        1-df test for trend.
    method : str
        What was tested.
    table : DataFrame
        Per group (summed over strata): group, n, observed, expected, o_minus_e, variance
        (the diagonal of the variance matrix); plus score with ``trend=True``. With
        rho != 0 observed and expected are weighted, as R.
    variance : DataFrame
        The k x k variance matrix of O - E (R ``survdiff()$var``).
    tests : DataFrame
        test, chisq, df, p: the k-group test and, with ``trend=True``, the trend test.
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason): a missing time, event, group or stratum.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5], "event": [1, 1, 0, 1, 0],
    ...                    "g": ["a", "b", "a", "b", None]})
    >>> lr = logrank_test(df, group="g")
    >>> lr.n, lr.n_dropped, lr.to_frame().columns.tolist()[:4]
    (4, 1, ['group', 'n', 'observed', 'expected'])
    """

    chisq: float
    df: int
    p: float
    method: str
    table: pd.DataFrame
    variance: pd.DataFrame
    tests: pd.DataFrame
    group: str
    strata: str | None = None
    rho: float = 0.0
    trend: bool = False
    scores: list[float] | None = None
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)

    def _heading(self) -> str:
        return self.method

    def _summary_lines(self) -> list[str]:
        t = self.tests
        return [
            f"{name}: chisq = {chisq:.2f} on {dof} df, {format_p(float(p))}"
            for name, chisq, dof, p in zip(
                t["test"].tolist(),
                t["chisq"].tolist(),
                t["df"].tolist(),
                t["p"].tolist(),
                strict=True,
            )
        ]

    def _display_frame(self) -> pd.DataFrame:
        tab = self.table.copy()
        tab["group"] = tab["group"].astype(str)
        return tab.round(3)


def _trend_scores(scores: Any, labels: list[Any]) -> np.ndarray:
    if scores is None:
        return np.arange(1.0, len(labels) + 1.0)
    if isinstance(scores, Mapping):
        missing = [lab for lab in labels if lab not in scores]
        if missing:
            raise SurvivalDataError(f"scores= has no value for groups {missing}")
        w = np.array([scores[lab] for lab in labels], dtype=float)
    else:
        w = np.asarray(scores, dtype=float)
        if w.shape != (len(labels),):
            raise SurvivalDataError(f"scores= needs one value per group {labels}, got {len(w)}")
    if not np.isfinite(w).all():
        raise SurvivalDataError("scores= must be finite numbers")
    return w


def _method(group: str, strata: str | None, rho: float, trend: bool) -> str:
    name = (
        "Log-rank test"
        if rho == 0
        else (
            "Peto-Peto test (Fleming-Harrington rho = 1)"
            if rho == 1
            else f"Fleming-Harrington test (rho = {rho:g})"
        )
    )
    return (
        name
        + (" for trend" if trend else "")
        + f" of {group}"
        + (f", stratified by {strata}" if strata else "")
    )


def logrank_from_data(
    data: GroupedData,
    group: str,
    strata: str | None,
    rho: float = 0,
    trend: bool = False,
    scores: Sequence[float] | Mapping[Any, float] | None = None,
) -> LogRankResult:
    """The log-rank test on checked arrays (shared by :func:`logrank_test` and ``KMResult``).

    Examples
    --------
    >>> from lms_prognosis.nonparametric._data import prepare
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 0, 1], "g": [0, 1, 0, 1]})
    >>> round(logrank_from_data(prepare(df, "time", "event", "g"), "g", None).chisq, 4)
    0.0588
    """
    if not np.isfinite(rho):
        raise SurvivalDataError(f"rho must be a finite number, got {rho!r}")
    if scores is not None and not trend:
        raise SurvivalDataError("scores= is for the trend test: pass trend=True as well")
    k = len(data.labels)
    if k < 2:
        raise SurvivalDataError(
            f"group column {group!r} has only one group {data.labels}: "
            "a log-rank test needs at least two"
        )
    n_strata = len(data.slabels) if data.scode is not None else 1
    obs, exp, var = _logrank.survdiff_arrays(
        data.time, data.died, data.gcode, k, data.scode, n_strata, float(rho), data.grid_step
    )
    chisq, dof, p = _logrank.overall_chisq(obs, exp, var)
    method = _method(group, strata, float(rho), trend)
    tests = [{"test": f"{k}-group", "chisq": chisq, "df": dof, "p": p}]
    table = pd.DataFrame(
        {
            "group": data.labels,
            "n": np.bincount(data.gcode, minlength=k),
            "observed": obs,
            "expected": exp,
            "o_minus_e": obs - exp,
            "variance": np.diag(var),
        }
    )
    w = None
    if trend:
        w = _trend_scores(scores, data.labels)
        t_chisq, t_p, _, _ = _logrank.trend_chisq(obs, exp, var, w)
        tests.append({"test": "trend", "chisq": t_chisq, "df": 1, "p": t_p})
        table["score"] = w
        chisq, dof, p = t_chisq, 1, t_p
    var_df = pd.DataFrame(var, index=data.labels, columns=data.labels)
    return LogRankResult(
        chisq=chisq,
        df=dof,
        p=p,
        method=method,
        table=table,
        variance=var_df,
        tests=pd.DataFrame(tests),
        group=group,
        strata=strata,
        rho=float(rho),
        trend=trend,
        scores=None if w is None else w.tolist(),
        n=data.n,
        dropped=data.dropped,
    )


def logrank_test(
    df: pd.DataFrame | Cohort,
    time: str = "time",
    event: str = "event",
    group: str = "group",
    strata: str | None = None,
    rho: float = 0,
    trend: bool = False,
    scores: Sequence[float] | Mapping[Any, float] | None = None,
) -> LogRankResult:
    """Compare survival between groups: log-rank, Fleming-Harrington and trend, as R ``survdiff``.

    Parameters
    ----------
    df : DataFrame or Cohort
    time, event : str
        Columns as in :func:`kaplan_meier`: event 0 censored, 1 event, 2 competing event
        (counted as censored); R's 1/2 status and other codes are refused.
    group : str
        Column of groups (k >= 2). Categories keep their order; other values are sorted.
    strata : str, optional
        Column of strata, as ``survdiff(... + strata(x))``: the risk sets, expected counts
        and variances are computed within each stratum and summed.
    rho : float, default 0
        Fleming-Harrington G-rho weight S(t-)^rho, with S the pooled Kaplan-Meier of the
        stratum: 0 is the log-rank test, 1 the Peto-Peto modification of Gehan-Wilcoxon, as
        R ``survdiff(rho=)``.
    trend : bool, default False
        Also test for a trend across ordered groups; ``chisq``, ``df``, ``p`` are then those
        of the trend test (the k-group test stays in ``.tests``).
    scores : sequence or mapping, optional
        Scores for the trend test, one per group in order (or a mapping label -> score);
        default 1..k. Only with ``trend=True``.

    Returns
    -------
    LogRankResult

    Notes
    -----
    As R ``survdiff`` (survival 3.5): hypergeometric variance; chisq = (O - E)' V^- (O - E)
    computed, as R, by dropping the first group and solving with the rest; df = (groups with
    expected > 0) - 1. With rho != 0 the observed and expected counts are weighted (as R's
    ``obs`` and ``exp``). The trend test is U^2 / Var(U) with U = w'(O - E) and
    Var(U) = w' V w (1 df), using survdiff's own O - E and V (summed over strata); R
    does not print it, the reference values are computed from ``survdiff()``'s matrices.
    Input goes through the one survival-input check, as :func:`kaplan_meier`: rows with a
    missing time, event, group or stratum are left out and listed in ``.dropped``; times equal
    up to floating-point noise are one time, as R ``survdiff(timefix = TRUE)``.

    lifelines' ``logrank_test`` / ``multivariate_logrank_test`` have no strata and no trend
    test; scikit-survival's ``compare_survival`` has neither nor weights.

    References
    ----------
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163-170. Harrington DP, Fleming TR. A class of
    rank test procedures for censored survival data. Biometrika 1982;69:553-566.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6, 7, 8],
    ...                    "event": [1, 1, 1, 0, 1, 0, 1, 0],
    ...                    "arm": ["a", "a", "b", "a", "b", "b", "a", "b"]})
    >>> lr = logrank_test(df, group="arm")
    >>> round(lr.chisq, 4), lr.df
    (0.8456, 1)
    >>> lr.table[["group", "n", "observed", "expected"]].round(3)
      group  n  observed  expected
    0     a  4       3.0     2.012
    1     b  4       2.0     2.988
    """
    if group is None:
        raise SurvivalDataError("logrank_test needs group=")
    if not np.isfinite(rho):
        raise SurvivalDataError(f"rho must be a finite number, got {rho!r}")
    if scores is not None and not trend:
        raise SurvivalDataError("scores= is for the trend test: pass trend=True as well")
    data = prepare(df, time, event, group, strata)
    return logrank_from_data(data, group=group, strata=strata, rho=rho, trend=trend, scores=scores)
