"""Cumulative incidence of competing risks (Aalen-Johansen) with R's numbers.

:func:`cumulative_incidence` gives, per group and per cause, the estimate of R
``survfit(Surv(time, factor(event)) ~ group)`` (multi-state), its infinitesimal-jackknife
standard error and pointwise CI as survfit reports them, and beside it the variance
``cmprsk::cuminc`` reports. The input goes through the one survival-input check and the
counts through the shared kernel (``lms_prognosis._survfit.count_cells``); the curves and
variances come from the array engine :mod:`lms_prognosis.nonparametric._cif`. Checked against
R (``tests/reference/competing_nonparametric.R``) to 1e-9 relative.

Why our own and not lifelines or scikit-survival: lifelines' ``AalenJohansenFitter`` fits one
cause of one group per call, jitters tied event times by default (changing the data), and
its variance and interval are neither survfit's nor cmprsk's; scikit-survival's
``cumulative_incidence_competing_risks`` has neither R variance, no groups, no R-style
``summary(times=)`` table and no at-risk table as data.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis import _survfit as _km
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import survival_data
from lms_prognosis.exceptions import DataWarning, SurvivalDataError
from lms_prognosis.nonparametric._cif import aalen_johansen
from lms_prognosis.nonparametric._data import group_codes, is_ordered
from lms_prognosis.nonparametric.gray import GrayTestResult, gray_test

if TYPE_CHECKING:
    from lms_prognosis.cohort import Cohort

__all__ = ["CIFResult", "cumulative_incidence"]

CIF_COLUMNS = [
    "group",
    "cause",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "cif",
    "std_err",
    "lower",
    "upper",
    "var_cmprsk",
]
_VALUES = ["cif", "std_err", "lower", "upper", "var_cmprsk"]


@dataclass(repr=False, eq=False)
class CIFResult(Result):
    """Cumulative incidence per cause and group; see :func:`cumulative_incidence`.

    Attributes
    ----------
    table : DataFrame
        One row per group, cause and distinct time (events of any cause and censorings), as
        R ``summary(survfit(...), censored = TRUE)``: group, cause, time, n_risk (event-free
        and under observation, time >= t), n_event (events of this cause at t), n_censor,
        cif, std_err (infinitesimal jackknife, R survfit), lower, upper, var_cmprsk (the
        variance ``cmprsk::cuminc`` reports).
    groups : list
        Group labels in category or sorted order; ``["all"]`` without a group.
    causes : list of int
        Causes with at least one event, in order (1 the event of interest, 2 competing).
    group, time, event : str or None
        Column names used.
    conf_type, conf_level : str, float
        The pointwise interval.
    notes : list of str
        What the caller should know about these data (no competing events, so the curve of
        cause 1 is 1 - Kaplan-Meier; groups without events of a cause).
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    ordered : bool
        True when the group column is an ordered categorical.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4, None], "event": [1, 2, 1, 0, 1]})
    >>> cif = cumulative_incidence(df)
    >>> cif.n, cif.causes, cif.n_dropped
    (4, [1, 2], 1)
    """

    _title: ClassVar[str] = "Cumulative incidence"

    table: pd.DataFrame
    groups: list[Any]
    causes: list[int]
    group: str | None
    time: str
    event: str
    conf_type: str
    conf_level: float
    notes: list[str] = field(default_factory=list)
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    ordered: bool = False
    _data: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _slices: dict[tuple[int, int], slice] = field(default_factory=dict, repr=False)

    def _curve(self, g: int, cause: int) -> pd.DataFrame:
        return self.table.iloc[self._slices[(g, cause)]]

    def _check_cause(self, cause: int | Sequence[int] | None) -> list[int]:
        wanted = self.causes if cause is None else list(np.atleast_1d(cause).tolist())
        missing = [c for c in wanted if c not in self.causes]
        if missing:
            raise SurvivalDataError(
                f"cause {missing[0]!r} has no events in these data (causes present: "
                f"{self.causes}); choose one of them"
            )
        return [int(c) for c in wanted]

    def at(
        self,
        times: float | Sequence[float] | np.ndarray,
        extend: bool = False,
        *,
        cause: int | Sequence[int] | None = None,
    ) -> pd.DataFrame:
        """Cumulative incidence at the requested times, as R ``summary(fit, times=)``.

        Parameters
        ----------
        times : float or array-like of float
            Times >= 0; sorted here (as R), NaN dropped.
        extend : bool, default False
            R's default drops, per group, the times after that group's last observation;
            ``extend=True`` keeps them with n_risk 0 and the last values.
        cause : int or list of int, optional
            Causes to return (default all present).

        Returns
        -------
        DataFrame
            group, cause, time, n_risk, n_event, n_censor, cif, std_err, lower, upper,
            var_cmprsk.

        Notes
        -----
        The value at t is the step function at t; n_risk is the number with time >= t;
        n_event counts the events of the cause and n_censor the censorings since the
        previous requested time. Before the group's first observed time every value is 0
        (R's ``survfit0`` fills lower and upper with 0 there too); at a later time where the
        incidence is still 0 the log interval is NaN, as R's NA.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 5, 6], "event": [1, 2, 0, 1, 0, 1]})
        >>> cumulative_incidence(df).at([0, 2, 4], cause=1)[["time", "n_risk", "cif"]]
           time  n_risk       cif
        0   0.0       6  0.000000
        1   2.0       5  0.166667
        2   4.0       2  0.388889
        """
        req = np.atleast_1d(np.asarray(times, dtype=float))
        req = np.sort(req[np.isfinite(req)])
        if (req < 0).any():
            raise SurvivalDataError(f"requested times must be >= 0, got {req[req < 0].tolist()}")
        parts = []
        for c in self._check_cause(cause):
            for g, label in enumerate(self.groups):
                parts.append(self._at_one(g, label, c, req, extend))
        return pd.concat(parts, ignore_index=True)[CIF_COLUMNS]

    def _at_one(
        self, g: int, label: Any, cause: int, req: np.ndarray, extend: bool
    ) -> pd.DataFrame:
        sub = self._curve(g, cause)
        t = sub["time"].to_numpy()
        tt, out = _km.at_times(
            t,
            sub["n_risk"].to_numpy(),
            sub["n_event"].to_numpy(),
            sub["n_censor"].to_numpy(),
            {},
            req,
            extend,
        )
        row = np.searchsorted(t, tt, side="right") - 1
        for name in _VALUES:  # 0 before the first time, as R's survfit0 for a multi-state fit
            out[name] = np.where(row >= 0, sub[name].to_numpy()[np.maximum(row, 0)], 0.0)
        return pd.DataFrame({"group": [label] * len(tt), "cause": cause, "time": tt, **out})

    def at_risk(self, times: float | Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Numbers at risk (time >= t) and events since the previous time, as data.

        The table under a cumulative-incidence plot; every group gets every time (R
        ``summary(fit, times=, extend=TRUE)``).

        Returns
        -------
        DataFrame
            group, time, n_risk, n_event (any cause), n_censor, then ``n_event_<cause>``
            for every cause.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 5, 6], "event": [1, 2, 0, 1, 0, 1]})
        >>> cumulative_incidence(df).at_risk([0, 3, 7])[["time", "n_risk", "n_event"]]
           time  n_risk  n_event
        0   0.0       6        0
        1   3.0       3        3
        2   7.0       0        1
        """
        per = self.at(times, extend=True)
        key = ["group", "time"]
        first = per[per["cause"] == self.causes[0]].reset_index(drop=True)
        out = first[[*key, "n_risk", "n_censor"]].copy()
        counts = {
            f"n_event_{c}": per.loc[per["cause"] == c, "n_event"].to_numpy() for c in self.causes
        }
        out.insert(3, "n_event", np.sum(list(counts.values()), axis=0))
        for name, v in counts.items():
            out[name] = v
        return out

    def gray_test(self, cause: int = 1, rho: float = 0) -> GrayTestResult:
        """Gray's test of the same rows and groups; see :func:`gray_test`.

        A stratified test needs the strata column, which the result does not keep: call
        ``gray_test(df, ..., strata=...)`` instead.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [2, 3, 5, 7, 8, 11, 12, 14, 15, 18],
        ...                    "event": [1, 2, 1, 1, 0, 2, 1, 0, 2, 0],
        ...                    "arm": list("ababababab")})
        >>> round(cumulative_incidence(df, group="arm").gray_test().chisq, 4)
        1.7892
        """
        if self.group is None or self._data is None:
            raise SurvivalDataError("gray_test() needs a CIFResult made with group=")
        time, event, gcode = self._data
        labels = np.empty(len(self.groups), dtype=object)
        labels[:] = self.groups
        frame = pd.DataFrame({"time": time, "event": event, "group": labels[gcode]})
        res = gray_test(frame, "time", "event", "group", cause=cause, rho=rho)
        res.group, res.dropped = self.group, self.dropped.copy()
        res.table["group"] = self.groups
        return res

    def _heading(self) -> str:
        by = f" by {self.group}" if self.group else ""
        return (
            f"Cumulative incidence{by} (Aalen-Johansen, R survfit multi-state; "
            f"{self.conf_type} CI, {self.conf_level * 100:g}%; infinitesimal-jackknife SE)"
        )

    def _summary_lines(self) -> list[str]:
        return list(self.notes)

    def _display_frame(self) -> pd.DataFrame:
        rows = []
        for c in self.causes:
            for g, label in enumerate(self.groups):
                sub = self._curve(g, c)
                rows.append(
                    {
                        "group": str(label),
                        "cause": c,
                        "n": int(sub["n_risk"].iloc[0]) if len(sub) else 0,
                        "events": int(sub["n_event"].sum()),
                        "last time": float(sub["time"].iloc[-1]) if len(sub) else np.nan,
                        "cif at last time": round(float(sub["cif"].iloc[-1]), 3)
                        if len(sub)
                        else np.nan,
                    }
                )
        return pd.DataFrame(rows)


def _counts(
    time: np.ndarray, event: np.ndarray, gcode: np.ndarray, k: int, causes: list[int], step: Any
) -> tuple[_km.Cells, np.ndarray]:
    """Cells per (group, time) from the shared kernel and the events of each cause there."""
    codes = _km.time_codes(time, superset=True, step=step)
    cells = _km.count_cells(time, (event > 0).astype(float), gcode, k, codes=codes)
    if len(causes) == 1:
        return cells, cells.n_event[None, :]
    per = [
        _km.count_cells(time, (event == c).astype(float), gcode, k, codes=codes).n_event
        for c in causes
    ]
    return cells, np.vstack(per)


def _cif_table(
    cells: _km.Cells,
    events: np.ndarray,
    labels: list[Any],
    causes: list[int],
    conf_type: str,
    conf_level: float,
) -> tuple[pd.DataFrame, dict[tuple[int, int], slice]]:
    """The survfit-style table of every (cause, group) and where each sits in it."""
    cols: dict[str, list[np.ndarray]] = {c: [] for c in CIF_COLUMNS if c != "group"}
    gcol: list[np.ndarray] = []
    slices: dict[tuple[int, int], slice] = {}
    lab = np.empty(len(labels), dtype=object)
    lab[:] = labels
    curves = []
    for g in range(len(labels)):
        sl = slice(cells.starts[g], cells.starts[g + 1])
        curves.append(aalen_johansen(cells.n_risk[sl], events[:, sl], cells.n_censor[sl]))
    pos = 0
    for i, cause in enumerate(causes):
        for g in range(len(labels)):
            sl = slice(cells.starts[g], cells.starts[g + 1])
            aj = curves[g]
            cif, var = aj.cif[i], aj.var_ij[i]
            se = np.sqrt(var)
            with np.errstate(divide="ignore", invalid="ignore"):
                se_log = np.where(se == 0, 0.0, se / cif)  # R: se of log(p) = se / p
            lower, upper = _km.conf_int(cif, se_log, conf_type, conf_level)
            m = sl.stop - sl.start
            gcol.append(np.full(m, g))
            for name, v in (
                ("cause", np.full(m, cause)),
                ("time", cells.time[sl]),
                ("n_risk", cells.n_risk[sl]),
                ("n_event", events[i, sl]),
                ("n_censor", cells.n_censor[sl]),
                ("cif", cif),
                ("std_err", se),
                ("lower", lower),
                ("upper", upper),
                ("var_cmprsk", aj.var_cmprsk[i]),
            ):
                cols[name].append(v)
            slices[(g, cause)] = slice(pos, pos + m)
            pos += m
    table = pd.DataFrame(
        {"group": lab[np.concatenate(gcol)], **{k: np.concatenate(v) for k, v in cols.items()}}
    )
    return table, slices


def _notes(
    causes: list[int], labels: list[Any], cells: _km.Cells, events: np.ndarray, group: str | None
) -> list[str]:
    notes = []
    if causes == [1]:
        notes.append(
            "No competing events (code 2) in these data: the cumulative incidence of cause 1 "
            "equals 1 - Kaplan-Meier (kaplan_meier); its std_err is the infinitesimal "
            "jackknife of R's survfit multi-state, which differs slightly from Greenwood's"
        )
    elif 1 not in causes:
        notes.append("No events of cause 1 in these data: only the competing cause is shown")
    if group is not None:
        for i, cause in enumerate(causes):
            for j, g in enumerate(labels):
                if events[i, cells.starts[j] : cells.starts[j + 1]].sum() > 0:
                    continue
                notes.append(
                    f"{group}={g} has no events of cause {cause}: its cumulative incidence is 0 "
                    f"throughout (std_err 0; log and log-log limits NaN, as R's NA)"
                )
    return notes


def cumulative_incidence(
    df: pd.DataFrame | Cohort,
    time: str = "time",
    event: str = "event",
    group: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> CIFResult:
    """Cumulative incidence of each cause (Aalen-Johansen), as R ``survfit`` and ``cmprsk``.

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient. Only the time, event and group columns are read, and copied.
    time : str, default "time"
        Follow-up (months in this package), >= 0.
    event : str, default "event"
        0 censored, 1 event of interest (e.g. death from LMS), 2 competing event (death from
        another cause). R's 1/2 status, text and undeclared codes are refused by the one
        survival-input check, with the fix.
    group : str, optional
        Column defining the curves. Categories keep their order; other values are sorted.
    conf_type : {"log", "log-log", "plain", "logit"}, default "log"
        Transform of the pointwise interval, as R ``survfit(conf.type=)`` (``log``, R's
        default, for a multi-state curve too).
    conf_level : float, default 0.95

    Returns
    -------
    CIFResult
        ``.table`` (group, cause, time, n_risk, n_event, n_censor, cif, std_err, lower,
        upper, var_cmprsk), ``.at(times)``, ``.at_risk(times)``, ``.gray_test()``,
        ``.notes``.

    Raises
    ------
    SurvivalDataError
        From the one survival-input check (R's 1/2 status, text or other event codes,
        negative times, no row left), or no event of any cause in the rows analysed.
    ColumnNotFoundError
        A named column is not in ``df``.

    Warns
    -----
    DataWarning
        No competing events: the curve of cause 1 is then 1 - Kaplan-Meier (also in
        ``.notes``).

    Notes
    -----
    Estimate: F_k(t) = sum over event times t_j <= t of S(t_j-) d_kj / n_j, with S the
    Kaplan-Meier curve of any event and n_j the number with time >= t_j: R
    ``survfit(Surv(time, factor(event)) ~ group)`` (survival 3.5) and ``cmprsk::cuminc``
    give the same numbers. ``std_err`` is survfit's infinitesimal-jackknife standard error
    (every row its own id, no weights); the interval is survfit's, from the standard error of
    log F taken as std_err / F: ``log`` F exp(+-z se / F) with the upper limit clipped at 1
    (NaN where F = 0, as R's NA), ``log-log``, ``plain`` (clipped to [0, 1]) or ``logit``.
    ``var_cmprsk`` is the variance ``cmprsk::cuminc`` prints (Gray's delta method with its
    tie correction); cuminc updates it only at the cause's own event times, and so does this
    column (it is carried forward between them).

    Causes are those with at least one event (R drops empty factor levels). A group without
    events of a cause has F = 0 there (said in ``.notes``). Without competing events F_1 is
    1 - Kaplan-Meier exactly (a ``DataWarning`` says so). Rows with a missing time, event or
    group are left out and listed in ``.dropped``; times equal up to floating-point noise are
    one time (R ``aeqSurv``).

    References
    ----------
    Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains
    based on censored observations. Scand J Stat 1978;5:141-150. Gray RJ. Ann Stat
    1988;16:1141-1154 (cmprsk). Therneau TM, Crowson C, Atkinson E. Multi-state models and
    competing risks (survival vignette).

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 5, 6, 7, 9],
    ...                    "event": [1, 2, 0, 1, 0, 1, 2, 0],
    ...                    "arm": list("aabbabab")})
    >>> cif = cumulative_incidence(df)
    >>> cif.table.query("cause == 1")[["time", "n_risk", "n_event", "cif"]].round(4)
       time  n_risk  n_event     cif
    0   1.0       8        1  0.1250
    1   2.0       7        0  0.1250
    2   3.0       5        1  0.2750
    3   5.0       4        0  0.2750
    4   6.0       3        1  0.4750
    5   7.0       2        0  0.4750
    6   9.0       1        0  0.4750
    """
    if conf_type not in _km.CONF_TYPES:
        raise SurvivalDataError(f"conf_type must be one of {_km.CONF_TYPES}, got {conf_type!r}")
    if not 0 < conf_level < 1:
        raise SurvivalDataError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    sd = survival_data(df, time, event, group=group)
    labels: list[Any] = ["all"]
    gcode = np.zeros(sd.n, dtype=np.int64)
    if group is not None:
        gcode, labels = group_codes(sd.frame[group])
    causes = [int(c) for c in np.unique(sd.event) if c > 0]
    if not causes:
        raise SurvivalDataError(
            f"no events of any cause in the {sd.n} rows analysed (event column {event!r} is "
            f"all 0): there is no cumulative incidence to estimate"
        )
    cells, events = _counts(sd.time, sd.event, gcode, len(labels), causes, sd.grid_step)
    table, slices = _cif_table(cells, events, labels, causes, conf_type, float(conf_level))
    notes = _notes(causes, labels, cells, events, group)
    if causes == [1]:
        warnings.warn(notes[0], DataWarning, stacklevel=2)
    return CIFResult(
        table=table,
        groups=list(labels),
        causes=causes,
        group=group,
        time=time,
        event=event,
        conf_type=conf_type,
        conf_level=float(conf_level),
        notes=notes,
        n=sd.n,
        dropped=sd.dropped,
        ordered=is_ordered(df, group),
        _data=(sd.time.copy(), sd.event.copy(), gcode.copy()),
        _slices=slices,
    )
