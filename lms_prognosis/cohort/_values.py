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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from lms_prognosis.cohort._cells import any_stripped, slots

# reason texts: the part before ": " is the stable kind that Cohort.summary() counts
EMPTY_ROW = "empty row"
WRONG_FIELDS = "wrong number of fields"
MISSING_TIME = "missing time"
NEGATIVE_TIME = "negative time"
NON_NUMERIC_TIME = "non-numeric time"
MISSING_ID = "missing patient id"
DUPLICATE_ID = "duplicate patient id"
IMPOSSIBLE_AGE = "impossible age"
IMPOSSIBLE_SIZE = "impossible size"
IMPOSSIBLE_MITOSES = "impossible mitotic count"
UNKNOWN_CATEGORY = "unknown category"
NON_NUMERIC = "non-numeric {what}"

_MISSING = "\x00missing"  # marker: an explicit 'unknown'-like token, read as a missing value
_MISSING_TOKENS = (
    "",
    "unknown",
    "unk",
    "unkn",
    "?",
    ".",
    "na",
    "n/a",
    "nan",
    "nk",
    "notknown",
    "notreported",
    "notassessed",
    "missing",
    "<na>",
)


_Level = TypeVar("_Level", str, bool)


def _keys(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(re.sub(r"[\s_\-/&]+", "", t.lower()) for t in tokens)


_MISSING_KEYS = _keys(_MISSING_TOKENS)


EXCLUDED = "excluded"
SET_MISSING = "set missing"
CONVERTED = "converted"
RECODED = "recoded"
#: the actions of ``Cohort.audit``
ACTIONS: tuple[str, ...] = (EXCLUDED, SET_MISSING, CONVERTED, RECODED)


@dataclass
class Problem:
    """Rows (positions) with one kind of change in one column: the row excluded (default),
    the cell set missing, converted or recoded; ``values`` overrides the cells shown."""

    positions: np.ndarray
    column: str
    reason: str | np.ndarray  # one text for all rows, or one per row
    action: str = EXCLUDED
    values: np.ndarray | None = None  # the value shown per position (default: the cell)


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


def _table(
    pairs: Mapping[_Level, Sequence[str]], missing: tuple[str, ...] = ()
) -> dict[str, _Level | str]:
    """spelling key -> level (or the missing marker), for one column."""
    out: dict[str, _Level | str] = {value_key(t): _MISSING for t in (*_MISSING_TOKENS, *missing)}
    for level, tokens in pairs.items():
        out[value_key(level)] = level
        for token in tokens:
            out[value_key(token)] = level
    return out


def _grade_tokens(n: int, roman: str) -> list[str]:
    forms = [str(n), roman]
    return [p + f for p in ("", "g", "grade", "fnclcc", "fnclccgrade", "gr") for f in forms]


#: canonical levels (in order) and the spellings accepted for each, per column
CATEGORIES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "sex": (
        ("female", "male"),
        _table({"female": ["f", "woman", "women", "fem"], "male": ["m", "man", "men"]}),
    ),
    "site": (
        ("extremity", "trunk", "retroperitoneum", "uterus", "head_neck", "other"),
        _table(
            {
                "extremity": [
                    "extremities",
                    "limb",
                    "limbs",
                    "lower extremity",
                    "upper extremity",
                    "lower limb",
                    "upper limb",
                ],
                "trunk": ["truncal", "trunk wall"],
                "retroperitoneum": ["retroperitoneal", "rp"],
                "uterus": ["uterine"],
                "head_neck": ["head and neck", "head & neck", "head/neck", "h&n"],
                "other": ["others"],
            }
        ),
    ),
    "depth": (("superficial", "deep"), _table({"superficial": [], "deep": []})),
    "grade": (
        ("1", "2", "3"),
        _table(
            {"1": _grade_tokens(1, "i"), "2": _grade_tokens(2, "ii"), "3": _grade_tokens(3, "iii")},
            missing=("gx", "x", "gradex"),
        ),
    ),
    "necrosis": (
        ("none", "<50%", ">=50%"),
        _table(
            {
                "none": ["no", "absent", "0", "0%", "nil", "no necrosis"],
                "<50%": ["<50", "< 50 %", "less than 50%"],
                ">=50%": [">=50", ">50%", ">50", "≥50%", "≥50", "=>50%", "more than 50%"],
            }
        ),
    ),
    "margin": (("R0", "R1", "R2"), _table({"R0": [], "R1": [], "R2": []})),
}
_BOOL_TOKENS = {
    True: ["yes", "y", "true", "t", "1", "present", "positive", "pos"],
    False: ["no", "n", "false", "f", "0", "absent", "negative", "neg", "none"],
}
BOOLEANS: dict[str, dict[str, bool | str]] = {
    "vascular_invasion": _table(_BOOL_TOKENS),
    "aneuploidy": _table(
        {True: [*_BOOL_TOKENS[True], "aneuploid"], False: [*_BOOL_TOKENS[False], "diploid"]}
    ),
}


def raw_text(values: pd.Series) -> list[str]:
    """Cells as the user would read them ("" for missing, 12 not 12.0).

    Examples
    --------
    >>> raw_text(pd.Series([12.0, None, "G2", 1.5]))
    ['12', '', 'G2', '1.5']
    """
    cells = values.tolist()
    out = list(cells)
    # text cells are shown as they are; only the others need the rules below
    for i in [i for i, v in enumerate(cells) if type(v) is not str]:
        v = cells[i]
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out[i] = ""
        elif isinstance(v, float) and v.is_integer():
            out[i] = str(int(v))
        else:
            out[i] = str(v)
    return out


def parse_numeric(s: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (float values, missing mask, non-numeric mask) for one column.

    A numeric column (what ``read_csv`` inferred) is taken as is; a text column goes through
    ``pandas.to_numeric`` after stripping spaces and, when ``decimal_comma``, reading ``12,5``
    as 12.5. Blank cells and explicit tokens such as ``unknown``, ``?``, ``.`` or ``-`` are
    missing; infinite values and other text are non-numeric.

    Examples
    --------
    >>> v, missing, nonnum = parse_numeric(pd.Series(["12,5", " 3 ", "unknown", "about 4"]),
    ...                                    decimal_comma=True)
    >>> v.tolist()[:2], missing.tolist(), nonnum.tolist()
    ([12.5, 3.0], [False, False, True, False], [False, False, False, True])
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
        retry = pd.Series(
            [None if b else t for t, b in zip(texts, blank, strict=True)], dtype=object
        )
        v[failed] = pd.to_numeric(retry, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return v, missing, ~missing & ~np.isfinite(v)


def _is_na(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


@dataclass
class Parsed:
    """A normalised categorical or yes/no column."""

    values: pd.Categorical[Any] | pd.arrays.BooleanArray
    problem: Problem | None  # cells that are not a recognisable spelling
    n_missing_tokens: int  # cells such as 'unknown' or 'GX', read as missing
    recoded: list[tuple[str, str]]  # (spelling as written, level) where the two differ


def _lookup(
    s: pd.Series, column: str, table: Mapping[str, Any], what: str
) -> tuple[np.ndarray, list[Any], Problem | None, int, list[tuple[str, str]]]:
    """Look every distinct cell up once; returns per-row slots into ``found`` and the rest."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    found = [table.get(value_key(u)) for u in uniques] + [_MISSING]  # last slot: NA
    unknown = np.array([f is None for f in found], dtype=bool)
    token = np.array([f == _MISSING for f in found], dtype=bool)
    token[-1] = False
    recoded = [
        (str(u), str(f))
        for u, f in zip(uniques, found, strict=False)
        if f is not None and f != _MISSING and str(u) != str(f)
    ]
    problem = None
    if unknown.any():
        pos = np.flatnonzero(unknown[codes])
        reason = np.array(
            [f"{UNKNOWN_CATEGORY}: {v!r} is not {what}" for v in raw_text(s.iloc[pos])],
            dtype=object,
        )
        problem = Problem(pos, column, reason)
    return codes, found, problem, int(token[codes].sum()), recoded


def parse_category(
    s: pd.Series, column: str, levels: tuple[str, ...], table: Mapping[str, str]
) -> Parsed:
    """Normalise one categorical column to a Categorical with the canonical levels.

    Examples
    --------
    >>> levels, table = CATEGORIES["grade"]
    >>> parsed = parse_category(pd.Series(["G2", "III", "GX", "high"]), "grade", levels, table)
    >>> parsed.values.tolist(), parsed.n_missing_tokens, parsed.problem.positions.tolist()
    (['2', '3', nan, nan], 1, [3])
    """
    codes, found, problem, n_tokens, recoded = _lookup(
        s, column, table, f"a {column} level ({', '.join(levels)})"
    )
    slot = np.array([levels.index(f) if f in levels else -1 for f in found], dtype=np.int64)
    return Parsed(
        pd.Categorical.from_codes(slot[codes], dtype=pd.CategoricalDtype(list(levels))),
        problem,
        n_tokens,
        recoded,
    )


def parse_boolean(s: pd.Series, column: str, table: Mapping[str, bool | str]) -> Parsed:
    """Normalise a yes/no column to pandas' nullable ``boolean`` dtype.

    Examples
    --------
    >>> table = BOOLEANS["vascular_invasion"]
    >>> parse_boolean(pd.Series(["Present", "no", None]), "vascular_invasion",
    ...               table).values.tolist()
    [True, False, <NA>]
    """
    codes, found, problem, n_tokens, recoded = _lookup(
        s, column, table, f"a yes/no value for {column}"
    )
    slot = np.array([1 if f is True else 0 if f is False else -1 for f in found], dtype=np.int8)[
        codes
    ]
    plain = {"true", "false", "yes", "no", "1", "0"}  # too obvious to be worth a note
    recoded = [(raw, level) for raw, level in recoded if value_key(raw) not in plain]
    return Parsed(pd.arrays.BooleanArray(slot == 1, slot < 0), problem, n_tokens, recoded)


def parse_ids(s: pd.Series) -> pd.Series:
    """Patient ids as stripped strings (integer-valued numbers without decimals); NA kept.

    Examples
    --------
    >>> parse_ids(pd.Series([7.0, None, 12.0])).tolist()
    ['7', None, '12']
    >>> parse_ids(pd.Series([" 007", "", "B-2"])).tolist()
    ['007', None, 'B-2']
    """
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


def id_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patient ids as :func:`parse_ids` reads them (object array, missing ids None or NA), a
    code per row (-1 if missing; equal ids share a code) and each code's id as text.

    A categorical column (a CSV's) is read once per category; its ids are stripped only if
    some category has spaces around it.

    Examples
    --------
    >>> ids, codes, text = id_codes(pd.Series(pd.Categorical(["b", " a", "a", ""])))
    >>> ids.tolist(), text[codes].tolist()
    (['b', 'a', 'a', None], ['b', 'a', 'a', ''])
    """
    if not isinstance(s.dtype, pd.CategoricalDtype):
        ids = parse_ids(s)
        codes, uniques = pd.factorize(ids, use_na_sentinel=True)
        text = np.array([str(u) for u in uniques] + [""], dtype=object)
        return ids.to_numpy(dtype=object), np.asarray(codes, dtype=np.int64), text
    codes, cells, together = slots(s)
    if together is None or any_stripped(together):
        again, stripped = pd.factorize(np.array([_id_text(u) for u in cells], dtype=object))
        codes = np.where(codes >= 0, np.append(again, -1)[codes], -1)
        cells = np.asarray(stripped, dtype=object)
        together = None  # the cells changed: look at them
    if together is None or _has_blank(together):
        blank = np.flatnonzero(cells == "")
        if blank.size:  # a cell of spaces only: a missing id
            codes = np.where(np.isin(codes, blank), -1, codes)
    with_none = np.append(cells, np.array([None], dtype=object))
    return with_none[codes], codes, np.append(cells, "")


def _has_blank(together: str) -> bool:
    """Whether the cells joined by NUL include an empty one."""
    return (
        together == "" or "\x00\x00" in together or together[0] == "\x00" or together[-1] == "\x00"
    )


def _id_text(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()
