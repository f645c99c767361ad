"""Cells read once: each schema column parsed as categories, and scans over its distinct cells.

Private helper of :mod:`lms_prognosis.cohort.reader` (speed only: nothing here changes what is
read). A CSV's schema columns are parsed by pandas' C parser as categories, so that a column of
a million cells costs one hash per distinct cell in C and every later look-up
(``pandas.factorize``) works on integer codes:

- columns read as text (patient id, time, numbers, dates) stay categories of text, the same
  strings ``dtype=str`` would give;
- columns whose type pandas infers (event, categories, yes/no) get the type pandas would have
  given the whole column: their distinct cells are parsed again by pandas (a few lines), so
  ``"1"``, ``"2.0"`` or ``"True"`` become the numbers or booleans that ``read_csv`` makes.

The text scans (:func:`containing`, :func:`any_stripped`, :func:`names_match`) join the
distinct cells into one string and search it with ``str.find``/``re``, in C, instead of a
Python step per cell; they only find candidates, which the caller checks one by one.
"""

from __future__ import annotations

import io
import re
import weakref
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "typed_like_pandas",
    "codes_uniques",
    "slots",
    "category_text",
    "used_cells",
    "joined",
    "containing",
    "all_text",
    "any_stripped",
    "names_match",
    "digit_cells",
]

_SEP = "\x00"  # between cells in a joined string: not whitespace, not a digit or a mark


def typed_like_pandas(
    columns: list[pd.Categorical], sep: str, decimal: str, na_values: Sequence[str]
) -> list[pd.Categorical | np.ndarray]:
    """The columns pandas' C parser would have made from these cells (type inferred).

    The distinct cells of each column, and one missing cell if the column has any, are parsed
    again in one small CSV (a column per column, every cell quoted, a short column padded with
    its own first cell) with the same options: pandas infers a column's type from the set of
    its cells (int64, float64, bool, else text), so the small parse types each distinct cell
    as the large one would. Text stays a categorical; numbers and booleans are spread back to
    every row as ``read_csv`` returns them.

    Examples
    --------
    >>> cells = [pd.Categorical(["2", "1", None, "3"]), pd.Categorical(["G2", "1"])]
    >>> [c.tolist() for c in typed_like_pandas(cells, ",", ".", ["", "NA"])]
    [[2.0, 1.0, nan, 3.0], ['G2', '1']]
    """
    cells: list[list[str]] = []
    for cat in columns:
        has_na = bool((np.asarray(cat.codes) < 0).any())
        quoted = ['"' + str(c).replace('"', '""') + '"' for c in cat.categories]
        cells.append(quoted + ([na_values[0]] if has_na else []))
    longest = max((len(c) for c in cells), default=0)
    if not longest:
        return list(columns)
    padded = [c + [c[0]] * (longest - len(c)) if c else [""] * longest for c in cells]
    names = [f"c{i}" for i in range(len(columns))]
    lines = (sep.join(row) for row in zip(*padded, strict=True))
    typed = pd.read_csv(
        io.StringIO("\n".join(lines) + "\n"),
        sep=sep,
        header=None,
        names=names,
        decimal=decimal,
        keep_default_na=False,
        na_values=list(na_values),
        skip_blank_lines=False,
        index_col=False,
        quotechar='"',
        low_memory=False,
    )
    out: list[pd.Categorical | np.ndarray] = []
    for cat, name, own in zip(columns, names, cells, strict=True):
        values = typed[name].to_numpy()
        k = len(cat.categories)
        if not own or (values.dtype == object and all(type(v) is str for v in values[:k])):
            out.append(cat)  # text (or no cell at all): the cells as they are
        else:
            codes = np.asarray(cat.codes, dtype=np.int64)
            out.append(values[np.where(codes < 0, k, codes)])
    return out


def codes_uniques(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize`` of a column: codes (-1 missing) and the distinct cells in order of
    appearance, as an object array (integer codes only, for a categorical column)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


_TEXTS: dict[int, tuple[weakref.ref[pd.Index], str | None]] = {}


def category_text(categories: pd.Index) -> str | None:
    """The categories joined (see :func:`joined`), made once per categories object: the
    scans of one column (repeated header, decimal mark, numbers, ids) share it."""
    key = id(categories)
    hit = _TEXTS.get(key)
    if hit is not None and hit[0]() is categories:
        return hit[1]
    text = joined(np.asarray(categories, dtype=object))

    def forget(_: object, key: int = key) -> None:
        _TEXTS.pop(key, None)

    _TEXTS[key] = (weakref.ref(categories, forget), text)
    return text


def slots(s: pd.Series) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Codes (-1 missing) and distinct cells of a column, in no particular order, and the
    cells joined (None if they are not all text): a categorical's own codes and categories
    (no hashing; a category may have no row left), else ``pandas.factorize``.

    Examples
    --------
    >>> codes, cells, text = slots(pd.Series(pd.Categorical(["b", "a", None, "b"])))
    >>> codes.tolist(), cells.tolist(), text
    ([1, 0, -1, 1], ['a', 'b'], 'a\\x00b')
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        categories = s.cat.categories
        cells = np.asarray(categories, dtype=object)
        codes = np.asarray(s.cat.codes, dtype=np.int64)
        return codes, cells, category_text(categories)
    codes, cells = codes_uniques(s)
    return codes, cells, joined(cells)


def used_cells(s: pd.Series) -> tuple[np.ndarray, str | None]:
    """The distinct cells of a column that some row has (no particular order), and joined."""
    codes, cells, text = slots(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        used = np.bincount(codes[codes >= 0], minlength=len(cells)) > 0
        if not used.all():
            return cells[used], joined(cells[used])
    return cells, text


def joined(cells: np.ndarray) -> str | None:
    """The cells joined by NUL, or None if a cell is not text or holds a NUL itself."""
    try:
        text = _SEP.join(cells.tolist())
    except TypeError:
        return None
    return None if text.count(_SEP) != max(len(cells) - 1, 0) else text


def _cells_at(text: str, positions: Iterator[int]) -> Iterator[tuple[int, str]]:
    """(index, cell) of the cells of a joined string holding the given character positions
    (in increasing order), once each."""
    index, counted, last = 0, 0, -1
    for at in positions:
        start = text.rfind(_SEP, 0, at) + 1
        if start == last:
            continue
        index += text.count(_SEP, counted, start)
        counted, last = start, start
        end = text.find(_SEP, at)
        yield index, text[start : end if end >= 0 else len(text)]


def containing(cells: np.ndarray | str, mark: str) -> Iterator[str]:
    """The text cells that contain ``mark``, lazily, each once: ``cells`` is a string of
    cells joined by NUL (see :func:`joined`), searched in C, or an array looked at cell by cell.

    Examples
    --------
    >>> list(containing("1.5\\x002\\x001.5\\x003.0", "."))
    ['1.5', '3.0']
    >>> list(containing(np.array(["1.5", 2.5], dtype=object), "."))
    ['1.5']
    """
    if not isinstance(cells, str):
        yield from dict.fromkeys(u for u in cells if type(u) is str and mark in u)
        return
    seen: set[str] = set()
    for _, cell in _cells_at(cells, (m.start() for m in re.finditer(re.escape(mark), cells))):
        if cell not in seen:
            seen.add(cell)
            yield cell


def all_text(cells: np.ndarray) -> bool:
    """True if every cell is a ``str``.

    Examples
    --------
    >>> all_text(np.array(["a", "b"], dtype=object)), all_text(np.array(["a", 1], dtype=object))
    (True, False)
    """
    try:
        _SEP.join(cells.tolist())
    except TypeError:
        return False
    return True


def _bounds(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each cell in the bytes of a joined string."""
    breaks = np.flatnonzero(b == 0)
    return np.concatenate(([0], breaks + 1)), np.append(breaks, len(b))


def any_stripped(text: str) -> bool:
    """True if some cell of a joined string (see :func:`joined`) has white space around it
    (what ``str.strip`` removes); looked at on its bytes when they are ASCII.

    Examples
    --------
    >>> any_stripped("a\\x00b "), any_stripped("a\\x00b"), any_stripped("\\u2003a")
    (True, False, True)
    """
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if not len(b) or (b >= 0x80).any():  # white space beyond ASCII: the regular expression
        return re.search(r"(?:^|\x00)\s|\s(?:\x00|$)", text) is not None
    space = (b == 32) | ((b >= 9) & (b <= 13)) | ((b >= 0x1C) & (b <= 0x1F))
    starts, ends = _bounds(b)
    filled = ends > starts
    return bool(space[starts[filled]].any() or space[ends[filled] - 1].any())


def names_match(cells: np.ndarray, name: str, text: str | None = None) -> np.ndarray:
    """Which text cells, stripped and in lower case, equal ``name`` (a lower-case name).

    The joined cells are first searched for ``name`` (lower case): a cell that equals it
    contains it, so without a hit there is no match and no cell is looked at.

    Examples
    --------
    >>> names_match(np.array(["3", " Time ", 5.0, "times"], dtype=object), "time").tolist()
    [False, True, False, False]
    """
    text = (joined(cells) if text is None else text) if name.isascii() and name else None
    lower = text.lower() if text is not None else ""
    if text is None or len(lower) != len(text):  # lower case changed a length: one by one
        return np.array(
            [isinstance(u, str) and u.strip().lower() == name for u in cells], dtype=bool
        )
    same = np.zeros(len(cells), dtype=bool)
    hits = (m.start() for m in re.finditer(re.escape(name), lower))
    for index, cell in _cells_at(lower, hits):
        same[index] = cell.strip() == name
    return same


def digit_cells(cells: np.ndarray, grouped: bool, text: str | None = None) -> np.ndarray | None:
    """Which text cells are digits with at most one inner decimal point (``12``, ``12.5``),
    checked on the bytes of the joined cells (one pass in numpy, no step per cell); a dot in
    one group of three digits (``3.530``, first digit not 0) counts only if ``grouped``.
    None if the cells cannot be joined (not all text, or a NUL in a cell).

    Examples
    --------
    >>> cells = np.array(["12", "12.5", "3.530", "+4", "5.", "", "1.2.3"], dtype=object)
    >>> digit_cells(cells, grouped=False).tolist()
    [True, True, False, False, False, False, False]
    """
    text = joined(cells) if text is None else text
    if text is None:
        return None
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    n = len(cells)
    sep = b == 0
    cell = np.cumsum(sep, dtype=np.int64)  # the cell of each byte
    digit = (b >= 48) & (b <= 57)
    dot = b == 46
    other = ~(digit | dot | sep)
    starts, ends = _bounds(b)
    length = ends - starts
    filled = length > 0
    safe_start = np.minimum(starts, max(len(b) - 1, 0))
    safe_end = np.maximum(ends - 1, 0)
    ok = filled & (np.bincount(cell[other], minlength=n) == 0)
    ok &= np.bincount(cell[dot], minlength=n) <= 1
    if len(b):
        ok &= digit[safe_start] & digit[safe_end]
    if not grouped and ok.any():
        at = np.full(n, -1, dtype=np.int64)
        dots = np.flatnonzero(dot)
        at[cell[dots]] = dots - starts[cell[dots]]
        ok &= ~((at >= 1) & (at <= 3) & (length - at - 1 == 3) & (b[safe_start] != 48))
    return ok
