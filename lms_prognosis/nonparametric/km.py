"""Kaplan-Meier curves and log-rank tests that give R ``survival``'s numbers.

:func:`kaplan_meier` follows ``survfit`` and ``summary.survfit``; :func:`logrank_test`
follows ``survdiff``, with strata, Fleming-Harrington weights and a test for trend.
Both are checked against R's own output (``tests/reference/km_logrank.R``) to 1e-9 relative.

Why not lifelines or scikit-survival? Neither reproduces R here. lifelines'
``KaplanMeierFitter`` has only the log(-log) ("exponential Greenwood") interval, not R's
default log; no R ``summary(times=)`` table as data; its median is the first time S <= 0.5
without R's midpoint rule (times 1, 2, 3, 4, all events: lifelines 2, R 2.5) and ``inf``
where R gives NA. Its log-rank functions have no strata and no trend test. scikit-survival's ``kaplan_meier_estimator``
has only the log-log interval and no cumulative hazard or at-risk table in R's form;
``compare_survival`` has no strata, weights or trend. The engine here (hash the distinct
times, then ``np.bincount``) is also faster than both at n = 1e6
(``benchmarks/bench_km_logrank.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis import _survfit as _km
from lms_prognosis._format import format_number, format_p
from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric import _logrank
from lms_prognosis.nonparametric._data import prepare_survival

__all__ = ["KMResult", "LogRankResult", "SurvivalDataError", "kaplan_meier", "logrank_test"]

_KM_COLUMNS = ["group", "time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower",
               "upper", "cumhaz"]


def _frame_html(title: str, notes: list[str], table: pd.DataFrame) -> str:
    body = "".join(f"<p style='margin:0'>{n}</p>" for n in notes)
    return f"<div><strong>{title}</strong>{body}{table.to_html(index=False, na_rep='NA')}</div>"


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------

@dataclass(repr=False, eq=False)
class KMResult:
    """Kaplan-Meier curves (R ``survfit`` conventions); see :func:`kaplan_meier`.

    Attributes
    ----------
    table : DataFrame
        One row per distinct time per group (event or censoring), as R
        ``summary(fit, censored=TRUE)``: group, time, n_risk, n_event, n_censor, surv,
        std_err (of surv), lower, upper, cumhaz (Nelson-Aalen).
    groups : list
        Group labels in category or sorted order; ``["all"]`` without a group.
    group, time, event : str or None
        Column names used.
    conf_type, conf_level : str, float
        The pointwise interval.
    n_dropped : int
        Rows left out because the group was missing.
    """

    table: pd.DataFrame
    groups: list[Any]
    group: str | None
    time: str
    event: str
    conf_type: str
    conf_level: float
    n_dropped: int = 0
    _df: pd.DataFrame | None = field(default=None, repr=False)
    _starts: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64), repr=False)

    def _group_rows(self, g: int) -> slice:
        return slice(int(self._starts[g]), int(self._starts[g + 1]))

    def at(self, times: float | Sequence[float] | np.ndarray, extend: bool = False) -> pd.DataFrame:
        """Curves at the requested times, as R ``summary(fit, times=, extend=)``.

        Parameters
        ----------
        times : float or array-like of float
            Times >= 0; sorted here (as R), duplicates kept, NaN dropped.
        extend : bool, default False
            R's default ``extend=FALSE`` drops, per group, the times after that group's last
            observation; ``extend=True`` keeps them with n_risk 0 and the last values.

        Returns
        -------
        DataFrame
            group, time, n_risk, n_event, n_censor, surv, std_err, lower, upper, cumhaz.

        Notes
        -----
        The value at t is the step function at t (events at t included); n_risk is the
        number with time >= t; n_event and n_censor count the events and censorings since the
        previous requested time (for the first, since the start, t included). Before the
        first observed time surv = 1, std_err = 0 and the CI is (1, 1), as R's
        ``survfit0``.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 5], "event": [1, 1, 0, 1, 0]})
        >>> kaplan_meier(df).at([0, 2, 4])[["time", "n_risk", "n_event", "n_censor", "surv"]]
           time  n_risk  n_event  n_censor  surv
        0   0.0       5        0         0  1.00
        1   2.0       4        2         1  0.60
        2   4.0       1        1         0  0.30
        """
        return self._at(times, extend, _KM_COLUMNS)

    def at_risk(self, times: float | Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Numbers at risk (time >= t) and events/censorings since the previous time, as data.

        The table under a Kaplan-Meier plot. Every group gets every time (R
        ``summary(fit, times=, extend=TRUE)``), so past a group's last observation
        n_risk is 0.

        Returns
        -------
        DataFrame
            group, time, n_risk, n_event, n_censor.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 5], "event": [1, 1, 0, 1, 0]})
        >>> kaplan_meier(df).at_risk([0, 2, 6]).n_risk.tolist()
        [5, 4, 0]
        """
        return self._at(times, True, ["group", "time", "n_risk", "n_event", "n_censor"])

    def _at(self, times: Any, extend: bool, columns: list[str]) -> pd.DataFrame:
        req = np.atleast_1d(np.asarray(times, dtype=float))
        req = np.sort(req[np.isfinite(req)])
        if (req < 0).any():
            raise SurvivalDataError(f"requested times must be >= 0, got {req[req < 0].tolist()}")
        tab = self.table
        values = ["surv", "std_err", "lower", "upper", "cumhaz"]
        parts = []
        for g, label in enumerate(self.groups):
            sub = tab.iloc[self._group_rows(g)]
            tt, out = _km.at_times(sub["time"].to_numpy(), sub["n_risk"].to_numpy(),
                                   sub["n_event"].to_numpy(), sub["n_censor"].to_numpy(),
                                   {v: sub[v].to_numpy() for v in values}, req, extend)
            part = pd.DataFrame({"group": [label] * len(tt), "time": tt, **out})
            parts.append(part[_KM_COLUMNS])
        res = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_KM_COLUMNS)
        return res[columns]

    def median(self) -> pd.DataFrame:
        """Median survival and its CI per group, as R ``print.survfit``.

        Returns
        -------
        DataFrame
            group, n, events, median, lower, upper (NaN where a curve never reaches 0.5).

        Notes
        -----
        The median is the first time the curve is <= 0.5; if it equals 0.5 (within
        sqrt(machine eps)) on a flat stretch, the midpoint of that stretch. The limits are
        where the lower and upper pointwise curves reach 0.5 by the same rule. R's
        ``quantile.survfit`` differs only when a curve ends exactly at 0.5 (it then averages
        with the last time); ``print.survfit`` and this function do not.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 1, 1]})
        >>> kaplan_meier(df).median()
          group  n  events  median  lower  upper
        0   all  4       4     2.5    1.0    NaN
        """
        rows = []
        for g, label in enumerate(self.groups):
            sub = self.table.iloc[self._group_rows(g)]
            t = sub["time"].to_numpy()
            rows.append({"group": label, "n": int(sub["n_event"].sum() + sub["n_censor"].sum()),
                         "events": int(sub["n_event"].sum()),
                         "median": _km.median_rule(t, sub["surv"].to_numpy()),
                         "lower": _km.median_rule(t, sub["lower"].to_numpy()),
                         "upper": _km.median_rule(t, sub["upper"].to_numpy())})
        return pd.DataFrame(rows, columns=["group", "n", "events", "median", "lower", "upper"])

    def logrank(self, strata: str | None = None, rho: float = 0, trend: bool = False,
                scores: Sequence[float] | Mapping[Any, float] | None = None) -> LogRankResult:
        """Log-rank test of the same data and groups; see :func:`logrank_test`."""
        if self.group is None or self._df is None:
            raise SurvivalDataError("logrank() needs a KMResult made with group=")
        return logrank_test(self._df, time=self.time, event=self.event, group=self.group,
                            strata=strata, rho=rho, trend=trend, scores=scores)

    def _summary_frame(self) -> pd.DataFrame:
        med = self.median()
        pct = f"{self.conf_level * 100:g}% CI"
        return pd.DataFrame({
            "group": med["group"].astype(str), "n": med["n"], "events": med["events"],
            "median": [format_number(v, 1) or "NA" for v in med["median"]],
            pct: [f"{format_number(lo, 1) or 'NA'}\u2013{format_number(hi, 1) or 'NA'}"
                  for lo, hi in zip(med["lower"], med["upper"], strict=True)]})

    def _title(self) -> str:
        by = f" by {self.group}" if self.group else ""
        return (f"Kaplan-Meier{by} (R survfit conventions; {self.conf_type} CI, "
                f"{self.conf_level * 100:g}%; Greenwood variance)")

    def __repr__(self) -> str:
        lines = [self._title(), self._summary_frame().to_string(index=False)]
        if self.n_dropped:
            lines.append(f"{self.n_dropped} rows with a missing group left out")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = [f"{self.n_dropped} rows with a missing group left out"] if self.n_dropped else []
        return _frame_html(self._title(), notes, self._summary_frame())


def _group_curves(cells: _km.Cells) -> dict[str, np.ndarray]:
    """The product-limit kernel per group, concatenated in cell order."""
    parts = [_km.ProductLimit.from_counts(cells.time[sl], cells.n_risk[sl], cells.n_event[sl],
                                          cells.n_censor[sl])
             for sl in (slice(cells.starts[g], cells.starts[g + 1])
                        for g in range(len(cells.starts) - 1))]
    return {name: np.concatenate([getattr(p, name) for p in parts])
            for name in ("surv", "se_log", "cumhaz")}


def kaplan_meier(df: pd.DataFrame, time: str = "time", event: str = "event",
                 group: str | None = None, conf_type: str = "log",
                 conf_level: float = 0.95) -> KMResult:
    """Kaplan-Meier survival curves with R ``survfit``'s conventions.

    Parameters
    ----------
    df : DataFrame
        One row per patient.
    time : str, default "time"
        Column of follow-up times (months in this package), >= 0. Time 0 and ties are fine.
    event : str, default "event"
        Column of event codes: 0 censored, 1 the event, 2.. a competing event. Codes >= 2
        are counted as censored (the curve of the event of interest, as R with
        ``Surv(time, event == 1)``).
    group : str, optional
        Column defining the curves. Categories keep their order; other values are sorted.
        Rows with a missing group are left out with a warning (as R's ``na.action``).
    conf_type : {"log", "log-log", "plain"}, default "log"
        Transform for the pointwise interval; "log" is R's default.
    conf_level : float, default 0.95

    Returns
    -------
    KMResult
        ``.table``, ``.at(times)``, ``.at_risk(times)``, ``.median()``, ``.logrank()``.

    Raises
    ------
    SurvivalDataError
        Missing, infinite or negative times; missing, negative or fractional event codes;
        no rows. (Categories of ``group`` with no rows are dropped, as R drops unused levels.)

    Notes
    -----
    As R ``survfit`` (survival 3.5): S(t) = prod (1 - d/n) over times <= t; the standard
    error is Greenwood's, reported on the survival scale (std_err = S * sqrt(sum
    d / (n (n - d))), R ``summary()``'s std.err); the interval is ``log``:
    S exp(+-z se) with the upper limit clipped at 1, ``log-log``: S^exp(+-z se / log S), or
    ``plain``: S +- z S se clipped to [0, 1], where se = sqrt(sum d / (n (n - d))). Limits are
    NaN where R gives NA (surv 0; and surv 1 for log-log). The cumulative hazard is
    Nelson-Aalen, sum d / n. Times are compared exactly (R's ``aeqSurv`` rounding of times
    that differ by ~1e-8 relative is not applied).

    lifelines' ``KaplanMeierFitter`` offers only the log-log ("exponential Greenwood")
    interval, so its CI differs from R's default; it has no R-style ``summary(times=)``
    table. scikit-survival's ``kaplan_meier_estimator`` also has only log-log.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat
    Assoc 1958;53:457-481. Therneau TM. A Package for Survival Analysis in R (survival
    3.5), ``survfit.formula`` and ``summary.survfit``.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 5, 8], "event": [1, 1, 0, 1, 0, 2],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> km = kaplan_meier(df, group="arm")
    >>> km.groups
    ['a', 'b']
    >>> km.table[["group", "time", "n_risk", "n_event", "surv"]]
      group  time  n_risk  n_event      surv
    0     a   1.0       3        1  0.666667
    1     a   2.0       2        1  0.333333
    2     b   3.0       3        1  0.666667
    3     b   5.0       2        0  0.666667
    4     b   8.0       1        0  0.666667
    """
    if conf_type not in _km.CONF_TYPES:
        raise SurvivalDataError(f"conf_type must be one of {_km.CONF_TYPES}, got {conf_type!r}")
    if not 0 < conf_level < 1:
        raise SurvivalDataError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    data = prepare_survival(df, time, event, group)
    cells = _km.count_cells(data.time, data.died, data.gcode, len(data.labels))
    curves = _group_curves(cells)
    lower, upper = _km.conf_int(curves["surv"], curves["se_log"], conf_type, conf_level)
    with np.errstate(invalid="ignore"):
        std_err = curves["surv"] * curves["se_log"]
    labels = np.empty(len(data.labels), dtype=object)
    labels[:] = data.labels
    table = pd.DataFrame({
        "group": labels[cells.gcode], "time": cells.time, "n_risk": cells.n_risk,
        "n_event": cells.n_event, "n_censor": cells.n_censor, "surv": curves["surv"],
        "std_err": std_err, "lower": lower, "upper": upper, "cumhaz": curves["cumhaz"]})
    return KMResult(table=table, groups=list(data.labels), group=group, time=time, event=event,
                    conf_type=conf_type, conf_level=float(conf_level),
                    n_dropped=data.n_dropped, _df=df, _starts=cells.starts)


# ---------------------------------------------------------------------------------------------
# log-rank
# ---------------------------------------------------------------------------------------------

@dataclass(repr=False, eq=False)
class LogRankResult:
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
    n_dropped: int = 0

    def __repr__(self) -> str:
        tab = self.table.copy()
        tab["group"] = tab["group"].astype(str)
        lines = [self.method, tab.to_string(index=False, float_format=lambda v: f"{v:.2f}"), ""]
        for row in self.tests.itertuples():
            lines.append(f"{row.test}: chisq = {row.chisq:.2f} on {row.df} df, "
                         f"{format_p(row.p)}")
        if self.n_dropped:
            lines.append(f"{self.n_dropped} rows with a missing group or stratum left out")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = [f"{r.test}: chisq = {r.chisq:.2f} on {r.df} df, {format_p(r.p)}"
                 for r in self.tests.itertuples()]
        return _frame_html(self.method, notes, self.table.round(3))


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
            raise SurvivalDataError(f"scores= needs one value per group {labels}, "
                                    f"got {len(w)}")
    if not np.isfinite(w).all():
        raise SurvivalDataError("scores= must be finite numbers")
    return w


def logrank_test(df: pd.DataFrame, time: str = "time", event: str = "event",
                 group: str = "group", strata: str | None = None, rho: float = 0,
                 trend: bool = False,
                 scores: Sequence[float] | Mapping[Any, float] | None = None) -> LogRankResult:
    """Compare survival between groups: log-rank, Fleming-Harrington and trend, as R ``survdiff``.

    Parameters
    ----------
    df : DataFrame
    time, event : str
        Columns as in :func:`kaplan_meier` (event codes >= 2 count as censored).
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
    Rows with a missing group or stratum are left out with a warning.

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
    data = prepare_survival(df, time, event, group, strata)
    k = len(data.labels)
    if k < 2:
        raise SurvivalDataError(f"group column {group!r} has only one group {data.labels}: "
                                "a log-rank test needs at least two")
    n_strata = len(data.slabels) if strata is not None else 1
    obs, exp, var = _logrank.survdiff_arrays(data.time, data.died, data.gcode, k,
                                             data.scode, n_strata, float(rho))
    chisq, dof, p = _logrank.overall_chisq(obs, exp, var)
    name = "Log-rank test" if rho == 0 else (
        "Peto-Peto test (Fleming-Harrington rho = 1)" if rho == 1
        else f"Fleming-Harrington test (rho = {rho:g})")
    by = f" of {group}" + (f", stratified by {strata}" if strata else "")
    tests = [{"test": f"{k}-group", "chisq": chisq, "df": dof, "p": p}]
    table = pd.DataFrame({"group": data.labels,
                          "n": np.bincount(data.gcode, minlength=k), "observed": obs,
                          "expected": exp, "o_minus_e": obs - exp, "variance": np.diag(var)})
    w = None
    if trend:
        w = _trend_scores(scores, data.labels)
        t_chisq, t_p, _, _ = _logrank.trend_chisq(obs, exp, var, w)
        tests.append({"test": "trend", "chisq": t_chisq, "df": 1, "p": t_p})
        table["score"] = w
        chisq, dof, p = t_chisq, 1, t_p
        name += " for trend"
    var_df = pd.DataFrame(var, index=data.labels, columns=data.labels)
    return LogRankResult(chisq=chisq, df=dof, p=p, method=name + by, table=table,
                         variance=var_df, tests=pd.DataFrame(tests), group=group, strata=strata,
                         rho=float(rho), trend=trend, scores=None if w is None else w.tolist(),
                         n_dropped=data.n_dropped)
