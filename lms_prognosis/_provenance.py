"""Provenance: which version, data and parameters made a figure, a table or a report."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from lms_prognosis._version import __version__


def hash_frame(df: pd.DataFrame) -> str:
    """Return a SHA-256 hex digest of a DataFrame's contents (values, index and columns).

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2]})
    >>> hash_frame(a) == hash_frame(a.copy())
    True
    """
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    h.update(json.dumps([str(c) for c in df.columns]).encode())
    return h.hexdigest()


def hash_file(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes (read only)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def provenance(
    data: pd.DataFrame | None = None, parameters: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """Build a provenance record: package version, time, data hash and parameters.

    Examples
    --------
    >>> rec = provenance(pd.DataFrame({"x": [1]}), {"seed": 1})
    >>> rec["software"].startswith("lms_prognosis ")
    True
    """
    rec: dict[str, Any] = {
        "software": f"lms_prognosis {__version__}",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if data is not None:
        rec["data_sha256"] = hash_frame(data)
        rec["data_shape"] = list(data.shape)
    if parameters:
        rec["parameters"] = {k: _jsonable(v) for k, v in parameters.items()}
    rec.update({k: _jsonable(v) for k, v in extra.items()})
    return rec


def _jsonable(v: Any) -> Any:
    try:
        json.dumps(v)
        return v
    except TypeError:
        return repr(v)
