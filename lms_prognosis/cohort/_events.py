"""The event column: codes 0/1/2, ``event_codes=`` maps, and R's 1/2 status refused as a whole.

Private helper of :mod:`lms_prognosis.cohort.reader`. The rules are those of the one
survival-input check, :mod:`lms_prognosis._survdata` (its :data:`EVENT_CODES`), so that a
cohort ``read_cohort`` returns is accepted by every entry point:

* without ``event_codes=`` only the codes 0 (censored), 1 (event of interest) and 2 (competing
  event) are read; any other number, and any text, excludes its *row* with a reason that says
  how to declare it;
* with ``event_codes=`` every key is looked up (numbers and text alike); the values must be
  codes of the schema, or ``None`` to read a code (such as 9 = unknown) as a missing event;
* a column whose usable codes are 1 and 2 with no 0 looks like R's ``Surv`` status (1 censored,
  2 event) and is refused *as a whole* (by ``read_cohort``, as by ``survival_data``), because
  read row by row every censored patient would be analysed as a death.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lms_prognosis._survdata import EVENT_CODES
from lms_prognosis.cohort._values import Problem, parse_numeric, value_key

#: the codes of the schema, as a tuple (0 censored, 1 event of interest, 2 competing event)
CODES: tuple[int, ...] = tuple(EVENT_CODES)
CODES_TEXT = ", ".join(f"{code} ({meaning})" for code, meaning in EVENT_CODES.items())
R_STATUS_FIX = "event_codes={1: 0, 2: 1}"

# reason texts: the part before ": " is the stable kind that Cohort.summary() counts
MISSING_EVENT = "missing event"
EVENT_OUTSIDE_MAP = "event code outside the map"
NUMBER_HINT = (
    f"event codes are {CODES_TEXT}; declare other codes with event_codes=, e.g. "
    f"event_codes={{9: None}} to read 9 as unknown (R's 1/2 status: {R_STATUS_FIX})"
)
TEXT_HINT = "text codes need event_codes=, e.g. event_codes={'dead': 1, 'alive': 0}"
R_STATUS = (
    "has codes 1 and 2 but no 0: this looks like R's status (1 censored, 2 event), which "
    f"read as given would analyse every censored patient as a death; pass {R_STATUS_FIX}"
    " if it is R's status, or event_codes={1: 1, 2: 2} if 1 is the event, 2 a competing "
    "event and no patient is censored"
)
COMPETING_NOTE = (
    "{n} row(s) with event code 2 read as competing events (schema: "
    f"{CODES_TEXT}); they count as censored for the event of interest"
)
NO_CENSORED_NOTE = (
    "no kept row is censored (codes 1 and 2 only), as declared with "
    "event_codes=; the estimators refuse such an event column unless told"
)


@dataclass
class EventColumn:
    """A parsed event column: codes (-1 where unusable), the row problems and notes."""

    codes: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    declared: bool = False  # read through event_codes=


def looks_like_r_status(codes: np.ndarray) -> bool:
    """True if the usable codes (>= 0) are 1 and 2 with no 0: R's ``Surv`` status.

    The same test as :func:`lms_prognosis._survdata.survival_data`: codes present a subset of
    {1, 2} that contains 2.

    Examples
    --------
    >>> looks_like_r_status(np.array([1, 2, 2, -1])), looks_like_r_status(np.array([0, 1, 2]))
    (True, False)
    """
    counts = np.bincount(codes[codes >= 0], minlength=3)  # O(n): no sort of 100k codes
    return bool(counts[2]) and not counts[0] and not counts[3:].any()


def event_lookup(
    event_codes: Mapping[object, object], error: type[Exception]
) -> tuple[dict[str, int | None], dict[float, int | None]]:
    """Split ``event_codes=`` into text keys and numeric keys, checking every value.

    Values must be one of the schema's codes (0, 1, 2) or ``None`` (read as a missing event).

    Examples
    --------
    >>> event_lookup({"Dead": 1, 2: 1, 9: None}, ValueError)
    ({'dead': 1, '2': 1, '9': None}, {2.0: 1, 9.0: None})
    >>> event_lookup({"other": 3}, ValueError)
    Traceback (most recent call last):
    ...
    ValueError: event_codes= maps 'other' to 3; codes are 0 (censored), 1 (event of interest), \
2 (competing event), or None for a code that means unknown
    """
    if not isinstance(event_codes, Mapping) or not event_codes:
        raise error(
            "event_codes= must be a non-empty dict such as {'dead': 1, 'alive': 0} or {1: 0, 2: 1}"
        )
    text: dict[str, int | None] = {}
    numeric: dict[float, int | None] = {}
    for key, value in event_codes.items():
        code = _code(value)
        if code is False:
            raise error(
                f"event_codes= maps {key!r} to {value!r}; codes are {CODES_TEXT}, or "
                "None for a code that means unknown"
            )
        number = _as_number(key)
        if number is not None:
            numeric[number] = code
        text[value_key(key)] = code
    return text, numeric


def _code(value: object) -> int | None | bool:
    """The schema code ``value`` stands for, None for 'missing', False if it is no code."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return False
    number = (
        _as_number(value)
        if isinstance(value, str)
        else (float(value) if isinstance(value, int | float | np.number) else None)
    )
    return int(number) if number is not None and number in CODES else False


def _as_number(value: object) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    try:
        x = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def parse_event(
    s: pd.Series,
    column: str,
    event_codes: Mapping[object, object] | None,
    decimal_comma: bool,
    error: type[Exception],
) -> EventColumn:
    """Read one event column: codes 0/1/2 (-1 where the row cannot be used), the problems
    (missing event, code outside the map) and notes (competing events).

    Examples
    --------
    >>> parsed = parse_event(pd.Series(["0", "1", "2", "7", ""]), "event", None, False,
    ...                      ValueError)
    >>> parsed.codes.tolist(), [p.positions.tolist() for p in parsed.problems]
    ([0, 1, 2, -1, -1], [[4], [3]])
    >>> parse_event(pd.Series(["dead", "alive"]), "status", {"dead": 1, "alive": 0}, False,
    ...             ValueError).codes.tolist()
    [1, 0]
    """
    parsed = (
        _parse_plain(s, column, decimal_comma)
        if event_codes is None
        else _parse_declared(s, column, event_codes, error)
    )
    competing = int(np.count_nonzero(parsed.codes == 2))
    if competing:
        parsed.notes.append(COMPETING_NOTE.format(n=competing))
    return parsed


def _parse_plain(s: pd.Series, column: str, decimal_comma: bool) -> EventColumn:
    v, missing, _ = parse_numeric(s, decimal_comma)
    ok = np.isin(v, CODES)
    codes = np.where(ok, v, -1).astype(np.int64)
    bad = ~missing & ~ok
    out = EventColumn(codes)
    if missing.any():
        out.problems.append(Problem(np.flatnonzero(missing), column, MISSING_EVENT))
    if bad.any():
        pos = np.flatnonzero(bad)
        reason = np.where(
            np.isnan(v[pos]),
            f"{EVENT_OUTSIDE_MAP}: {TEXT_HINT}",
            f"{EVENT_OUTSIDE_MAP}: {NUMBER_HINT}",
        ).astype(object)
        out.problems.append(Problem(pos, column, reason))
    return out


def _parse_declared(
    s: pd.Series, column: str, event_codes: Mapping[object, object], error: type[Exception]
) -> EventColumn:
    text, numeric = event_lookup(event_codes, error)
    factor_codes, uniques = pd.factorize(s, use_na_sentinel=True)
    n = len(uniques)
    mapped = np.full(n + 1, -1, dtype=np.int64)
    is_missing = np.zeros(n + 1, dtype=bool)
    is_missing[n] = True
    for i, u in enumerate(uniques):
        key, number = value_key(u), _as_number(u)
        found = (
            (True, numeric[number])
            if number is not None and number in numeric
            else ((True, text[key]) if key in text else (False, None))
        )
        if found[0]:
            is_missing[i] = found[1] is None
            mapped[i] = -1 if found[1] is None else found[1]
        elif key == "":
            is_missing[i] = True
    codes = mapped[factor_codes]
    missing = is_missing[factor_codes]
    bad = ~missing & (codes < 0)
    out = EventColumn(codes, declared=True)
    if missing.any():
        out.problems.append(Problem(np.flatnonzero(missing), column, MISSING_EVENT))
    if bad.any():
        keys = ", ".join(repr(k) for k in event_codes)
        out.problems.append(
            Problem(
                np.flatnonzero(bad),
                column,
                f"{EVENT_OUTSIDE_MAP}: not one of the event_codes= keys ({keys})",
            )
        )
    return out
