"""Cell values: numbers, categories, booleans, event codes and ids, parsed column-wise.

Private helper of :mod:`lms_prognosis.cohort.reader`. Every parser works on a whole column and is
vectorised: numbers go through ``pandas.to_numeric``; categories, booleans and text event
codes are normalised once per *distinct* value (``pandas.factorize``) and broadcast back, so a
100,000-row column with five distinct spellings costs five dictionary look-ups.

A parser never raises on a bad value. It returns the parsed column and a list of
:class:`Problem` (which rows, and the reason text), from which ``read_cohort`` builds the
exclusions log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# reason texts: the part before ": " is the stable kind that Cohort.summary() counts
EMPTY_ROW = "empty row"
WRONG_FIELDS = "wrong number of fields"
MISSING_TIME = "missing time"
NEGATIVE_TIME = "negative time"
NON_NUMERIC_TIME = "non-numeric time"
MISSING_EVENT = "missing event"
EVENT_OUTSIDE_MAP = "event code outside the map"
MISSING_ID = "missing patient id"
DUPLICATE_ID = "duplicate patient id"
IMPOSSIBLE_AGE = "impossible age"
IMPOSSIBLE_SIZE = "impossible size"
IMPOSSIBLE_MITOSES = "impossible mitotic count"
UNKNOWN_CATEGORY = "unknown category"
NON_NUMERIC = "non-numeric {what}"

R_STYLE_HINT = ("event codes are whole numbers: 0 censored, 1 event, 2.. competing causes; pass "
                "event_codes= to map other codes (for R-style status, 1 censored and 2 event: "
                "event_codes={1: 0, 2: 1})")
COMPETING_NOTE = ("{n} row(s) with event codes {codes} read as competing causes (schema: 0 "
                  "censored, 1 event, 2.. competing); they count as censored for the event of "
                  "interest. Pass event_codes= if these codes mean something else")
R_STYLE_NOTE = ("has codes 1 and 2 but no 0: this looks like R's status (1 censored, 2 event) "
                "and cannot be read without saying so; pass event_codes={1: 0, 2: 1} if it "
                "is R-style, or event_codes={1: 1, 2: 2} if 2 is a competing cause")
TEXT_CODE_HINT = "text codes need event_codes=, e.g. event_codes={'dead': 1, 'alive': 0}"

_MISSING = "\x00missing"  # marker: an explicit 'unknown'-like token, read as a missing value
_MISSING_TOKENS = ("", "unknown", "unk", "unkn", "?", ".", "na", "n/a", "nan", "nk",
                   "notknown", "notreported", "notassessed", "missing", "<na>")


def _keys(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(re.sub(r"[\s_\-/&]+", "", t.lower()) for t in tokens)


_MISSING_KEYS = _keys(_MISSING_TOKENS)


@dataclass
class Problem:
    """Rows (positions) with one kind of problem in one column."""

    positions: np.ndarray
    column: str
    reason: str | np.ndarray  # one text for all rows, or one per row


def value_key(value: object) -> str:
    """Normalise a categorical cell for look-up: lower case, no spaces/``_``/``-``/``/``/``&``.

    Integer-valued numbers lose their decimals, so ``2.0``, ``"2.0"`` and ``"2"`` agree.

    Examples
    --------
    >>> value_key(" Head & Neck ")
    'headneck'
    >>> value_key(2.0), value_key("G 2")
    ('2', 'g2')
    """
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    key = re.sub(r"[\s_\-/&]+", "", str(value).lower())
    if re.fullmatch(r"\+?\d+\.0*", key):
        key = key.lstrip("+").split(".")[0]
    return key


def _table(pairs: dict[str, list[str]], missing: tuple[str, ...] = ()) -> dict[str, str]:
    out = {value_key(t): _MISSING for t in (*_MISSING_TOKENS, *missing)}
    for level, tokens in pairs.items():
        for token in (level, *tokens):
            out[value_key(token)] = level
    return out


def _grade_tokens(n: int, roman: str) -> list[str]:
    forms = [str(n), roman]
    return [p + f for p in ("", "g", "grade", "fnclcc", "fnclccgrade", "gr") for f in forms]


#: canonical levels (in order) and the spellings accepted for each, per column
CATEGORIES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "sex": (("female", "male"), _table({
        "female": ["f", "woman", "women", "fem"], "male": ["m", "man", "men"]})),
    "site": (("extremity", "trunk", "retroperitoneum", "uterus", "head_neck", "other"), _table({
        "extremity": ["extremities", "limb", "limbs", "lower extremity", "upper extremity",
                      "lower limb", "upper limb"],
        "trunk": ["truncal", "trunk wall"],
        "retroperitoneum": ["retroperitoneal", "rp"],
        "uterus": ["uterine"],
        "head_neck": ["head and neck", "head & neck", "head/neck", "h&n"],
        "other": ["others"]})),
    "depth": (("superficial", "deep"), _table({"superficial": [], "deep": []})),
    "grade": (("1", "2", "3"), _table({
        "1": _grade_tokens(1, "i"), "2": _grade_tokens(2, "ii"), "3": _grade_tokens(3, "iii")},
        missing=("gx", "x", "gradex"))),
    "necrosis": (("none", "<50%", ">=50%"), _table({
        "none": ["no", "absent", "0", "0%", "nil", "no necrosis"],
        "<50%": ["<50", "< 50 %", "less than 50%"],
        ">=50%": [">=50", ">50%", ">50", "≥50%", "≥50", "=>50%", "more than 50%"]})),
    "margin": (("R0", "R1", "R2"), _table({"R0": [], "R1": [], "R2": []})),
}
_BOOL_TOKENS = {True: ["yes", "y", "true", "t", "1", "present", "positive", "pos"],
                False: ["no", "n", "false", "f", "0", "absent", "negative", "neg", "none"]}
BOOLEANS: dict[str, dict[str, object]] = {
    "vascular_invasion": _table(_BOOL_TOKENS),  # type: ignore[arg-type]
    "aneuploidy": _table({True: [*_BOOL_TOKENS[True], "aneuploid"],  # type: ignore[dict-item]
                          False: [*_BOOL_TOKENS[False], "diploid"]}),
}


def raw_text(values: pd.Series) -> list[str]:
    """Cells as the user would read them ("" for missing, 12 not 12.0)."""
    out = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out


def parse_numeric(s: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Return (float values, missing mask, non-numeric mask) for one column.

    A numeric column (what ``read_csv`` inferred) is taken as is; a text column goes through
    ``pandas.to_numeric`` after stripping spaces and, when ``decimal_comma``, reading ``12,5``
    as 12.5. Blank cells and explicit tokens such as ``unknown``, ``?``, ``.`` or ``-`` are
    missing; infinite values and other text are non-numeric.
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(v)
        return v, missing, np.isinf(v)
    # fast path: to_numeric reads "12", " 12.5 ", "1e3"; only the failures are looked at again.
    # A column with few distinct values (event codes) is parsed once per distinct value.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) <= len(s) // 4:
        parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
        table = np.append(parsed.to_numpy(dtype=float, na_value=np.nan), np.nan)
        v = table[codes]
    else:
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    missing = np.zeros(len(v), dtype=bool)
    failed = np.flatnonzero(np.isnan(v))
    if failed.size:  # few cells in practice: blanks, text, decimal commas
        texts = ["" if _is_na(x) else str(x).strip() for x in s.iloc[failed].tolist()]
        if decimal_comma:
            texts = [t.replace(",", ".") for t in texts]
        blank = np.array([value_key(t) in _MISSING_KEYS for t in texts], dtype=bool)
        missing[failed[blank]] = True
        retry = pd.Series([None if b else t for t, b in zip(texts, blank, strict=True)],
                          dtype=object)
        v[failed] = pd.to_numeric(retry, errors="coerce").to_numpy(dtype=float,
                                                                   na_value=np.nan)
    return v, missing, ~missing & ~np.isfinite(v)


def _is_na(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


@dataclass
class Parsed:
    """A normalised categorical or yes/no column."""

    values: pd.Categorical | pd.arrays.BooleanArray
    problem: Problem | None  # cells that are not a recognisable spelling
    n_missing_tokens: int  # cells such as 'unknown' or 'GX', read as missing
    recoded: list[tuple[str, str]]  # (spelling as written, level) where the two differ


def _lookup(s: pd.Series, column: str, table: dict, what: str) -> tuple[np.ndarray, list,
                                                                         Problem | None, int,
                                                                         list]:
    """Look every distinct cell up once; returns per-row slots into ``found`` and the rest."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    found = [table.get(value_key(u)) for u in uniques] + [_MISSING]  # last slot: NA
    unknown = np.array([f is None for f in found], dtype=bool)
    token = np.array([f == _MISSING for f in found], dtype=bool)
    token[-1] = False
    recoded = [(str(u), str(f)) for u, f in zip(uniques, found, strict=False)
               if f is not None and f != _MISSING and str(u) != str(f)]
    problem = None
    if unknown.any():
        pos = np.flatnonzero(unknown[codes])
        reason = np.array([f"{UNKNOWN_CATEGORY}: {v!r} is not {what}"
                           for v in raw_text(s.iloc[pos])], dtype=object)
        problem = Problem(pos, column, reason)
    return codes, found, problem, int(token[codes].sum()), recoded


def parse_category(s: pd.Series, column: str, levels: tuple[str, ...],
                   table: dict[str, str]) -> Parsed:
    """Normalise one categorical column to a Categorical with the canonical levels."""
    codes, found, problem, n_tokens, recoded = _lookup(
        s, column, table, f"a {column} level ({', '.join(levels)})")
    slot = np.array([levels.index(f) if f in levels else -1 for f in found], dtype=np.int64)
    return Parsed(pd.Categorical.from_codes(slot[codes], categories=list(levels)), problem,
                  n_tokens, recoded)


def parse_boolean(s: pd.Series, column: str, table: dict[str, object]) -> Parsed:
    """Normalise a yes/no column to pandas' nullable ``boolean`` dtype."""
    codes, found, problem, n_tokens, recoded = _lookup(
        s, column, table, f"a yes/no value for {column}")
    slot = np.array([1 if f is True else 0 if f is False else -1 for f in found],
                    dtype=np.int8)[codes]
    plain = {"true", "false", "yes", "no", "1", "0"}  # too obvious to be worth a note
    recoded = [(raw, level) for raw, level in recoded if value_key(raw) not in plain]
    return Parsed(pd.arrays.BooleanArray(slot == 1, slot < 0), problem, n_tokens, recoded)


def event_lookup(event_codes: dict, error: type[Exception]) -> tuple[dict[str, int],
                                                                      dict[float, int]]:
    """Split ``event_codes=`` into text keys and numeric keys (values: int codes >= 0)."""
    if not isinstance(event_codes, dict) or not event_codes:
        raise error("event_codes= must be a non-empty dict such as {'dead': 1, 'alive': 0} "
                    "or {1: 0, 2: 1}")
    text: dict[str, int] = {}
    numeric: dict[float, int] = {}
    for key, code in event_codes.items():
        if isinstance(code, bool) or not isinstance(code, int | np.integer) or code < 0:
            try:
                as_float = float(code)
            except (TypeError, ValueError):
                as_float = -1.0
            if isinstance(code, bool) or not as_float.is_integer() or as_float < 0:
                raise error(f"event_codes= maps {key!r} to {code!r}; codes must be integers "
                            ">= 0 (0 censored, 1 event, 2.. competing)")
            code = int(as_float)
        number = _as_number(key)
        if number is not None:
            numeric[number] = int(code)
        text[value_key(key)] = int(code)
    return text, numeric


def _as_number(value: object) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    try:
        x = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def parse_event(s: pd.Series, column: str, event_codes: dict | None, decimal_comma: bool,
                error: type[Exception]) -> tuple[np.ndarray, list[Problem], list[str]]:
    """Return int codes (-1 where unusable), the problems (missing / outside the map) and
    notes (an R-style 1/2 column read without ``event_codes=``)."""
    if event_codes is None:
        v, missing, _ = parse_numeric(s, decimal_comma)
        with np.errstate(invalid="ignore"):
            ok = ~missing & (v >= 0) & (v == np.floor(v)) & (v < 1000)
        codes = np.where(ok, v, -1).astype(np.int64)
        bad = ~missing & ~ok
        problems = []
        notes = []
        if ok.any() and not (codes == 0).any() and (codes == 2).any():
            notes.append(R_STYLE_NOTE)  # 1/2 with no 0: the caller refuses the column
        if missing.any():
            problems.append(Problem(np.flatnonzero(missing), column, MISSING_EVENT))
        if bad.any():
            pos = np.flatnonzero(bad)
            reason = np.where(np.isnan(v[pos]), f"{EVENT_OUTSIDE_MAP}: {TEXT_CODE_HINT}",
                              f"{EVENT_OUTSIDE_MAP}: {R_STYLE_HINT}").astype(object)
            problems.append(Problem(pos, column, reason))
        competing = codes >= 2
        if competing.any():
            found = ", ".join(str(c) for c in np.unique(codes[competing]))
            notes.append(COMPETING_NOTE.format(n=int(competing.sum()), codes=found))
        return codes, problems, notes

    text, numeric = event_lookup(event_codes, error)
    factor_codes, uniques = pd.factorize(s, use_na_sentinel=True)
    n = len(uniques)
    mapped = np.full(n + 1, -1, dtype=np.int64)
    is_missing = np.zeros(n + 1, dtype=bool)
    is_missing[n] = True
    for i, u in enumerate(uniques):
        key = value_key(u)
        number = _as_number(u)
        if number is not None and number in numeric:
            mapped[i] = numeric[number]
        elif key in text:
            mapped[i] = text[key]
        elif key == "":
            is_missing[i] = True
    codes = mapped[factor_codes]
    missing = is_missing[factor_codes]
    bad = ~missing & (codes < 0)
    problems = []
    if missing.any():
        problems.append(Problem(np.flatnonzero(missing), column, MISSING_EVENT))
    if bad.any():
        keys = ", ".join(repr(k) for k in event_codes)
        problems.append(Problem(np.flatnonzero(bad), column,
                                f"{EVENT_OUTSIDE_MAP}: not one of the event_codes= keys ({keys})"))
    return codes, problems, []


def parse_ids(s: pd.Series) -> pd.Series:
    """Patient ids as stripped strings (integer-valued numbers without decimals); NA kept."""
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.notna() & (s % 1 == 0)
        text = s.astype("string")
        text[whole] = s[whole].astype("int64").astype("string")
        return text.astype(object).where(s.notna(), None)
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("string").astype(object)
    if pd.api.types.infer_dtype(s, skipna=True) == "string":
        text = s.astype(object).str.strip()  # the common path: ids read as text
    else:  # mixed cells, e.g. numbers and text from a spreadsheet
        text = s.astype(object).map(_id_text, na_action="ignore")
    return text.where(text.notna() & (text != ""), None)


def _id_text(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()
