"""Kaplan-Meier curves that give R ``survival``'s numbers.

:func:`kaplan_meier` follows ``survfit`` and ``summary.survfit``; the log-rank test
(``survdiff``) is :func:`~lms_prognosis.nonparametric.logrank.logrank_test` (re-exported here
for code written against 0.1). Checked against R's own output
(``tests/reference/km_logrank.R``, ``tests/reference/survfit_kernel.R``) to 1e-9 relative.

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
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis import _survfit as _km
from lms_prognosis._distributions import norm_ppf
from lms_prognosis._format import format_number
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric import quantile as _quantile
from lms_prognosis.nonparametric import rmst as _rmst
from lms_prognosis.nonparametric._data import GroupedData, is_ordered, prepare
from lms_prognosis.nonparametric.logrank import LogRankResult, logrank_from_data, logrank_test

if TYPE_CHECKING:
    from lms_prognosis.cohort import Cohort

# LogRankResult and logrank_test live in nonparametric.logrank; re-exported for 0.1 imports
__all__ = ["KMResult", "LogRankResult", "SurvivalDataError", "kaplan_meier", "logrank_test"]

_KM_COLUMNS = [
    "group",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "surv",
    "std_err",
    "lower",
    "upper",
    "cumhaz",
]


@dataclass(repr=False, eq=False)
class KMResult(Result):
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
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason): a missing time, event or group.
    ordered : bool
        True when the group column is an ordered categorical (grade 1 < 2 < 3).

    The result keeps its own copy of the arrays it was computed from (time, event, group
    codes), never the caller's frame: editing the frame afterwards changes neither
    ``.table`` nor ``.logrank()``.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1.0, 2.0, None, 4.0], "event": [1, 0, 1, 1]})
    >>> km = kaplan_meier(df)
    >>> km.n, km.dropped[["row", "column", "reason"]].values.tolist()
    (3, [[2, 'time', 'missing']])
    """

    _title: ClassVar[str] = "Kaplan-Meier"

    table: pd.DataFrame
    groups: list[Any]
    group: str | None
    time: str
    event: str
    conf_type: str
    conf_level: float
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    ordered: bool = False
    _data: GroupedData | None = field(default=None, repr=False)
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
            tt, out = _km.at_times(
                sub["time"].to_numpy(),
                sub["n_risk"].to_numpy(),
                sub["n_event"].to_numpy(),
                sub["n_censor"].to_numpy(),
                {v: sub[v].to_numpy() for v in values},
                req,
                extend,
            )
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
            rows.append(
                {
                    "group": label,
                    "n": int(sub["n_event"].sum() + sub["n_censor"].sum()),
                    "events": int(sub["n_event"].sum()),
                    "median": _km.median_rule(t, sub["surv"].to_numpy()),
                    "lower": _km.median_rule(t, sub["lower"].to_numpy()),
                    "upper": _km.median_rule(t, sub["upper"].to_numpy()),
                }
            )
        return pd.DataFrame(rows, columns=["group", "n", "events", "median", "lower", "upper"])

    def rmst(self, tau: float | Sequence[float], conf_level: float | None = None) -> pd.DataFrame:
        """Restricted mean survival time up to ``tau`` per group, as R ``print(fit, rmean=tau)``.

        Parameters
        ----------
        tau : float or sequence of float
            Restriction time(s) in the unit of ``time`` (months), > 0.
        conf_level : float, optional
            Level of the normal CI rmst -/+ z se; the curves' ``conf_level`` by default.

        Returns
        -------
        DataFrame
            group, tau, rmst, se, lower, upper (one row per group and tau).

        Warns
        -----
        DataWarning
            ``tau`` is past a group's last observed time: the curve is carried flat to
            ``tau`` (R's rule), which extrapolates.

        Notes
        -----
        The area under the curve from 0 to tau, and R's se of it (``survival:::survmean``);
        see :mod:`lms_prognosis.nonparametric.rmst`. Checked against R in
        ``tests/reference/km_extra.R``.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 1, 1]})
        >>> kaplan_meier(df).rmst(3).round(4)  # R: summary(fit, rmean = 3)$table
          group  tau  rmst      se   lower   upper
        0   all  3.0  2.25  0.4146  1.4374  3.0626
        """
        taus = np.atleast_1d(np.asarray(tau, dtype=float))
        if taus.ndim != 1 or not np.isfinite(taus).all() or (taus <= 0).any():
            raise SurvivalDataError(f"tau must be finite and > 0, got {np.asarray(tau).tolist()}")
        z = norm_ppf(1.0 - (1.0 - self._level(conf_level)) / 2.0)
        parts = [
            _rmst.rmst_rows(label, self.table.iloc[self._group_rows(g)], taus, z)
            for g, label in enumerate(self.groups)
        ]
        return pd.concat(parts, ignore_index=True)

    def rmst_contrast(
        self, tau: float, reference: Any = None, conf_level: float | None = None
    ) -> pd.DataFrame:
        """Difference and ratio of RMST up to ``tau`` between each group and ``reference``.

        Parameters
        ----------
        tau : float
            Restriction time (> 0).
        reference : group label, optional
            The comparator; the first group by default.
        conf_level : float, optional
            The curves' ``conf_level`` by default.

        Returns
        -------
        DataFrame
            group, reference, tau, difference, se, lower, upper, p, ratio, ratio_lower,
            ratio_upper, ratio_p (one row per non-reference group).

        Notes
        -----
        survRM2's ``rmst2`` method on R's per-group rmean and se: difference with se
        sqrt(se1^2 + se0^2); ratio with a CI on the log scale (delta method). Wald p-values.
        See :mod:`lms_prognosis.nonparametric.rmst`.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 2, 4, 6, 8], "event": [1] * 8,
        ...                    "arm": ["a"] * 4 + ["b"] * 4})
        >>> km = kaplan_meier(df, group="arm")
        >>> km.rmst_contrast(4, reference="a")[["group", "difference", "ratio"]]
          group  difference     ratio
        0     b         1.0  1.400000
        """
        if self.group is None or len(self.groups) < 2:
            raise SurvivalDataError(
                "rmst_contrast() compares groups: make the curves with "
                "kaplan_meier(df, group='...') and at least two groups"
            )
        ref = self.groups[0] if reference is None else reference
        if ref not in self.groups:
            raise SurvivalDataError(
                f"reference {reference!r} is not a group of {self.group!r}; groups: {self.groups}"
            )
        rm = self.rmst(float(tau), conf_level)
        return _rmst.rmst_contrast_table(rm, ref, self._level(conf_level))

    def quantile(self, probs: float | Sequence[float] = (0.25, 0.5, 0.75)) -> pd.DataFrame:
        """Times by which a proportion ``probs`` has had the event, as R ``quantile.survfit``.

        Parameters
        ----------
        probs : float or sequence of float, default (0.25, 0.5, 0.75)
            Probabilities in [0, 1] (0.5: the median survival).

        Returns
        -------
        DataFrame
            group, probability, time, lower, upper (NaN where R gives NA: the curve, or a
            limit, never falls to 1 - p).

        Notes
        -----
        R's rule (``survival:::findq``): on a flat stretch exactly at 1 - p the midpoint of
        its first time and the next drop; a curve ending on it, the midpoint with the last
        time. The limits apply the rule to the pointwise lower and upper curves, so they
        follow the fit's ``conf_type``. Differs from :meth:`median` only where a curve ends
        exactly at 0.5. See :mod:`lms_prognosis.nonparametric.quantile`.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 0, 0]})
        >>> kaplan_meier(df).quantile([0.25, 0.5])
          group  probability  time  lower  upper
        0   all         0.25   1.5    1.0    NaN
        1   all         0.50   3.0    1.0    NaN
        """
        p = _quantile.check_probs(probs)
        parts = []
        for g, label in enumerate(self.groups):
            sub = self.table.iloc[self._group_rows(g)]
            t = sub["time"].to_numpy()
            q = {
                col: _quantile.find_quantile(t, sub[src].to_numpy(), p)
                for col, src in (("time", "surv"), ("lower", "lower"), ("upper", "upper"))
            }
            parts.append(pd.DataFrame({"group": [label] * len(p), "probability": p, **q}))
        return pd.concat(parts, ignore_index=True)

    def _level(self, conf_level: float | None) -> float:
        level = self.conf_level if conf_level is None else float(conf_level)
        if not 0 < level < 1:
            raise SurvivalDataError(f"conf_level must be between 0 and 1, got {conf_level!r}")
        return level

    def logrank(
        self,
        strata: str | None = None,
        rho: float = 0,
        trend: bool = False,
        scores: Sequence[float] | Mapping[Any, float] | None = None,
    ) -> LogRankResult:
        """Log-rank test of the same rows and groups; see :func:`logrank_test`.

        Uses the copy of the data the curves were computed from (the same ``.n`` and
        ``.dropped``). A stratified test needs the strata column, which the result does not
        keep: call ``logrank_test(df, ..., strata=...)`` instead.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6], "event": [1, 1, 0, 1, 1, 0],
        ...                    "arm": ["a", "b", "a", "b", "a", "b"]})
        >>> round(kaplan_meier(df, group="arm").logrank().chisq, 6)
        0.073903
        """
        if self.group is None or self._data is None:
            raise SurvivalDataError("logrank() needs a KMResult made with group=")
        if strata is not None:
            raise SurvivalDataError(
                "km.logrank() has only the time, event and group columns of the fit; for a "
                f"stratified test call logrank_test(df, group={self.group!r}, "
                f"strata={strata!r})"
            )
        return logrank_from_data(
            self._data, group=self.group, strata=None, rho=rho, trend=trend, scores=scores
        )

    def _summary_frame(self) -> pd.DataFrame:
        med = self.median()
        pct = f"{self.conf_level * 100:g}% CI"
        return pd.DataFrame(
            {
                "group": med["group"].astype(str),
                "n": med["n"],
                "events": med["events"],
                "median": [format_number(v, 1) or "NA" for v in med["median"]],
                pct: [
                    f"{format_number(lo, 1) or 'NA'}\u2013{format_number(hi, 1) or 'NA'}"
                    for lo, hi in zip(med["lower"], med["upper"], strict=True)
                ],
            }
        )

    def _heading(self) -> str:
        by = f" by {self.group}" if self.group else ""
        return (
            f"Kaplan-Meier{by} (R survfit conventions; {self.conf_type} CI, "
            f"{self.conf_level * 100:g}%; Greenwood variance)"
        )

    def _display_frame(self) -> pd.DataFrame:
        return self._summary_frame()


def _km_table(
    data: GroupedData, conf_type: str, conf_level: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """The survfit table of every group, and the first row of each group."""
    codes = _km.time_codes(data.time, superset=True, step=data.grid_step)
    cells = _km.count_cells(data.time, data.died, data.gcode, len(data.labels), codes=codes)
    curves = _km.segment_curves(cells.n_risk, cells.n_event, cells.starts)
    lower, upper = _km.conf_int(curves["surv"], curves["se_log"], conf_type, conf_level)
    with np.errstate(invalid="ignore"):
        std_err = curves["surv"] * curves["se_log"]
    labels = np.empty(len(data.labels), dtype=object)
    labels[:] = data.labels
    table = pd.DataFrame(
        {
            "group": labels[cells.gcode],
            "time": cells.time,
            "n_risk": cells.n_risk,
            "n_event": cells.n_event,
            "n_censor": cells.n_censor,
            "surv": curves["surv"],
            "std_err": std_err,
            "lower": lower,
            "upper": upper,
            "cumhaz": curves["cumhaz"],
        }
    )
    return table, cells.starts


def kaplan_meier(
    df: pd.DataFrame | Cohort,
    time: str = "time",
    event: str = "event",
    group: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> KMResult:
    """Kaplan-Meier survival curves with R ``survfit``'s conventions.

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient. Only the time, event and group columns are read, and copied.
    time : str, default "time"
        Column of follow-up times (months in this package), >= 0. Time 0 and ties are fine.
    event : str, default "event"
        Column of event codes: 0 censored, 1 the event, 2 a competing event, counted as
        censored (the curve of the event of interest, as R with ``Surv(time, event == 1)``).
    group : str, optional
        Column defining the curves. Categories keep their order; other values are sorted.
    conf_type : {"log", "log-log", "plain", "logit", "arcsin"}, default "log"
        Transform for the pointwise interval, as R ``survfit(conf.type=)``; "log" is R's
        default.
    conf_level : float, default 0.95

    Returns
    -------
    KMResult
        ``.table``, ``.at(times)``, ``.at_risk(times)``, ``.median()``, ``.quantile(probs)``,
        ``.rmst(tau)``, ``.rmst_contrast(tau)``, ``.logrank()``.

    Raises
    ------
    SurvivalDataError
        From the one survival-input check (``lms_prognosis._survdata.survival_data``): R's
        1/2 status (recode with ``event_codes={1: 0, 2: 1}``), text or other event codes,
        negative or infinite times, no row left.
    ColumnNotFoundError
        A named column is not in ``df``.

    Notes
    -----
    As R ``survfit`` (survival 3.5): S(t) = prod (1 - d/n) over times <= t; the standard
    error is Greenwood's, reported on the survival scale (std_err = S * sqrt(sum
    d / (n (n - d))), R ``summary()``'s std.err); the interval is ``log``:
    S exp(+-z se) with the upper limit clipped at 1, ``log-log``: S^exp(+-z se / log S), or
    ``plain``: S +- z S se clipped to [0, 1], where se = sqrt(sum d / (n (n - d))). Limits are
    NaN where R gives NA (surv 0; and surv 1 for log-log). ``logit`` is R's
    ``log(S / (1 - S)) +- z se / (1 - S)``; ``arcsin`` is R's
    ``asin(sqrt(S)) +- z se sqrt(S / (1 - S)) / 2`` (NaN where surv is 0, or 1 with se 0). The cumulative hazard is Nelson-Aalen,
    sum d / n. The curve is the package's one product-limit kernel
    (``lms_prognosis._survfit.product_limit``).

    Rows with a missing time, event or group are left out (R's ``na.omit``) and listed in
    ``.dropped`` (row, column, value, reason); ``.n`` counts the rows analysed. Categories
    of ``group`` with no rows are dropped, as R drops unused factor levels. Times that differ
    only by floating-point noise (0.1 + 0.2 and 0.3; t and t + 1e-11) are one time, as R's
    ``aeqSurv`` (``survfit(timefix = TRUE)``, the default): the run keeps its smallest value.

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
    if conf_type not in _km.KM_CONF_TYPES:
        raise SurvivalDataError(f"conf_type must be one of {_km.KM_CONF_TYPES}, got {conf_type!r}")
    if not 0 < conf_level < 1:
        raise SurvivalDataError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    data = prepare(df, time, event, group)
    table, starts = _km_table(data, conf_type, float(conf_level))
    return KMResult(
        table=table,
        groups=list(data.labels),
        group=group,
        time=time,
        event=event,
        conf_type=conf_type,
        conf_level=float(conf_level),
        n=data.n,
        dropped=data.dropped,
        ordered=is_ordered(df, group),
        _data=data,
        _starts=starts,
    )
