"""The fast parse of a well-formed CSV: pyarrow's multi-threaded reader, pandas' frame.

Private helper of :mod:`lms_prognosis.cohort._io`. pandas' C parser reads a 1e6-row cohort
file with every cell kept as text (a category) in about 1.5x the time of a plain
``pandas.read_csv``; that alone left ``read_cohort`` no room for its checks within the 2x of
issue 16. pyarrow's reader splits the file over the cores and dictionary-encodes each column
as it reads it (one hash per distinct cell, as pandas does for categories).

The frame is the one pandas' C parser makes with the options of ``_io._parse``, cell for cell
and type for type: the same columns as categories with sorted categories (UTF-8 byte order is
code-point order, which is how pandas sorts them), the same cells missing (the same tokens,
quoted or not), and the other columns typed from their distinct cells as pandas types them
(:func:`lms_prognosis.cohort._cells.typed_like_pandas`). ``tests/cohort/test_arrow.py`` holds
the two parsers equal on generated files with quotes, separators and line breaks in cells,
missing tokens and non-ASCII text.

Everything pandas' parser treats in a way of its own is left to it: the fast parse returns
``None`` (and ``_io`` parses with pandas, which reports what it must) for a file that is not
UTF-8, has a title above its header, holds a NUL byte, or has any record whose number of
fields differs from the header's (a blank line, a short or a long record), and when pyarrow
cannot read the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort._cells import typed_like_pandas

if TYPE_CHECKING:
    from lms_prognosis.cohort._io import CsvFile

__all__ = ["arrow_frame"]

_UTF8 = {"utf-8", "utf_8", "utf8", "utf-8-sig", "utf_8_sig", "ascii"}


def _usable(csv: CsvFile) -> bool:
    """Whether the file is one the fast parse reads exactly as pandas would."""
    return csv.encoding.lower() in _UTF8 and csv.skip == 0 and b"\x00" not in csv.raw


def _read_table(csv: CsvFile, names: list[str], na_values: Sequence[str]) -> Any | None:
    """pyarrow's table of every column as dictionary-encoded text; None for a record with
    another number of fields than the header, or a file pyarrow cannot read."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    irregular: list[int] = []

    def flag(row: Any) -> str:
        irregular.append(row.number)
        return "skip"

    text = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pcsv.read_csv(
            pa.py_buffer(csv.raw),
            read_options=pcsv.ReadOptions(skip_rows=1, column_names=names, encoding="utf8"),
            parse_options=pcsv.ParseOptions(
                delimiter=csv.sep,
                ignore_empty_lines=False,
                newlines_in_values=b'"' in csv.raw,
                invalid_row_handler=flag,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, text),
                null_values=list(na_values),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return None if irregular else table


def _categorical(column: Any) -> Any:
    """A pyarrow dictionary column as pandas' categorical of the same cells, categories sorted."""
    import pyarrow.compute as pc

    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    order = pc.sort_indices(arr.dictionary).to_numpy()
    rank = np.empty(order.shape[0], dtype=np.int32)
    rank[order] = np.arange(order.shape[0], dtype=np.int32)
    index = arr.indices.fill_null(-1).to_numpy() if arr.null_count else arr.indices.to_numpy()
    if not arr.null_count:
        codes = rank[index]
    elif order.shape[0]:
        codes = np.where(index >= 0, rank[np.maximum(index, 0)], -1)
    else:  # every cell missing
        codes = np.full(index.shape[0], -1, dtype=np.int32)
    categories = pd.Index(arr.dictionary.take(order).to_numpy(zero_copy_only=False), dtype=object)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def arrow_frame(
    csv: CsvFile,
    dtype: Mapping[str, type | str],
    names: list[str],
    typed: Sequence[str],
    na_values: Sequence[str],
) -> pd.DataFrame | None:
    """The frame pandas' C parser makes of ``csv`` (see ``_io._parse``), or None.

    ``dtype`` maps a column to ``"category"`` (kept as text); the columns in ``typed`` and those
    not in ``dtype`` get the type pandas infers (text not in ``dtype`` as an object column).
    None when the file is one for pandas' own parser (module docstring).

    Examples
    --------
    >>> from lms_prognosis.cohort._io import NA_TOKENS, open_csv
    >>> csv = open_csv(b"id,time\\na,1.5\\nb,NA\\n", "<bytes>", ValueError)
    >>> frame = arrow_frame(csv, {"id": "category"}, csv.header, [], NA_TOKENS)
    >>> frame["id"].dtype.name, frame["time"].tolist()
    ('category', [1.5, nan])
    """
    if not _usable(csv) or any(v != "category" for v in dtype.values()):
        return None
    table = _read_table(csv, names, na_values)
    if table is None:
        return None
    columns: dict[str, Any] = {n: _categorical(table.column(i)) for i, n in enumerate(names)}
    inferred = [c for c in names if c in typed or c not in dtype]
    if inferred:
        decimal = "," if csv.decimal_comma else "."
        found = typed_like_pandas([columns[c] for c in inferred], csv.sep, decimal, na_values)
        for name, values in zip(inferred, found, strict=True):
            if name not in dtype and isinstance(values, pd.Categorical):
                values = np.asarray(values.astype(object))  # text: pandas' object column
            columns[name] = values
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
