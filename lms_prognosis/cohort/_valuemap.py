"""Coded categories: ``values={"depth": {1: "superficial", 2: "deep"}}``.

Private helper of :mod:`lms_prognosis.cohort.reader`. With a map for a column, only the map
is used to read it (behaviour chosen here): each cell that is a key is recoded to its level
(``recoded`` in the audit), a blank or an explicit token such as ``unknown`` stays missing,
and any other cell is set missing as an "unmapped code" (never read by the built-in spellings,
which could mean something else in the user's coding). Keys match as categories do (case,
spaces, ``2`` = ``2.0``); targets must be spellings of the column's levels, or None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.exceptions import CohortError

__all__ = ["check_values", "apply_values", "UNMAPPED"]

UNMAPPED = "unmapped code"


def _table(name: str) -> Mapping[str, Any]:
    return _v.CATEGORIES[name][1] if name in _v.CATEGORIES else _v.BOOLEANS[name]


def check_values(
    values: Mapping[str, Mapping[Any, Any]] | None, source: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """``values=`` checked and keyed by canonical column: ``{canonical: {key: level}}``.

    A key of ``values=`` may be the canonical name or the file's column name.

    Examples
    --------
    >>> check_values({"depth": {1: "superficial", "2": "Deep"}}, {"depth": "Depth"})
    {'depth': {'1': 'superficial', '2': 'deep'}}
    """
    if not values:
        return {}
    if not isinstance(values, Mapping):
        raise CohortError(
            "values= must be a dict such as values={'depth': {1: 'superficial', 2: 'deep'}}"
        )
    by_file = {v: k for k, v in source.items()}
    out: dict[str, dict[str, Any]] = {}
    for column, mapping in values.items():
        name = str(column) if str(column) in source else by_file.get(str(column), str(column))
        if name not in _v.CATEGORIES and name not in _v.BOOLEANS:
            known = ", ".join([*_v.CATEGORIES, *_v.BOOLEANS])
            raise CohortError(
                f"values= names {str(column)!r}, which is not a categorical column of the file "
                f"(values= maps codes of {known}; events use event_codes=)"
            )
        if name not in source:
            raise CohortError(f"values= names {str(column)!r}, but the file has no such column")
        if not isinstance(mapping, Mapping) or not mapping:
            raise CohortError(f"values= for {str(column)!r} must be a non-empty dict of codes")
        table = _table(name)
        levels: dict[str, Any] = {}
        for key, target in mapping.items():
            level = None if target is None else table.get(_v.value_key(target))
            if target is not None and (level is None or level == "\x00missing"):
                what = _v.CATEGORIES[name][0] if name in _v.CATEGORIES else ("yes", "no")
                raise CohortError(
                    f"values= maps {key!r} of {str(column)!r} to {target!r}, which is not one "
                    f"of its levels ({', '.join(map(str, what))})"
                )
            levels[_v.value_key(key)] = level
        out[name] = levels
    return out


def apply_values(
    s: pd.Series, name: str, column: str, levels: Mapping[str, Any]
) -> tuple[pd.Series, list[_v.Problem]]:
    """Recode ``s`` by the map; returns the column in canonical spellings and the audit."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    keys = [_v.value_key(u) for u in uniques]
    blank = np.array([k in _v._MISSING_KEYS for k in keys] + [True], dtype=bool)
    hit = np.array([k in levels for k in keys] + [False], dtype=bool)
    new = np.array([levels.get(k) for k in keys] + [None], dtype=object)
    cells = new[codes].copy()
    cells[~hit[codes]] = None
    out = pd.Series(cells, index=s.index)
    if name in _v.BOOLEANS:
        out = out.map(lambda b: None if b is None else ("yes" if b else "no"))
    problems = []
    mapped = hit[codes] & (new[codes] != None)  # noqa: E711 (elementwise)
    if mapped.any():
        pos = np.flatnonzero(mapped)
        shown = [str(new[c]) for c in codes[pos]]
        reason = np.array(
            [
                f"values=: {t!r} read as {lvl!r}"
                for t, lvl in zip(_v.raw_text(s.iloc[pos]), shown, strict=True)
            ],
            dtype=object,
        )
        problems.append(_v.Problem(pos, column, reason, action=_v.RECODED))
    declared = hit[codes] & ~mapped & ~blank[codes]
    if declared.any():
        problems.append(
            _v.Problem(
                np.flatnonzero(declared),
                column,
                "values=: mapped to None (missing)",
                action=_v.SET_MISSING,
            )
        )
    unmapped = ~hit[codes] & ~blank[codes]
    if unmapped.any():
        keys_text = ", ".join(levels)
        problems.append(
            _v.Problem(
                np.flatnonzero(unmapped),
                column,
                f"{UNMAPPED}: not a key of values= for {column!r} ({keys_text})",
                action=_v.SET_MISSING,
            )
        )
    return out, problems
