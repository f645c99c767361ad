"""Reading a cohort: the schema, column aliases, units, value maps and the log of every row.

:func:`read_cohort` is in :mod:`lms_prognosis.cohort.reader`, :class:`Cohort` in
:mod:`lms_prognosis.cohort.cohort` and the schema's names in :mod:`lms_prognosis.cohort.schema`;
``_io``, ``_columns``, ``_values`` and ``_events`` are their private helpers.

The schema's constants load at once; ``read_cohort``, ``Cohort`` and ``LEVELS`` (which need
pandas) load on first use, so that the command line starts without pandas.

Examples
--------
>>> from lms_prognosis.cohort import EXAMPLE_MESSY_COHORT, read_cohort
>>> read_cohort(EXAMPLE_MESSY_COHORT).n_read
30
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lms_prognosis.cohort.schema import (
    ENDPOINTS,
    EXAMPLE_MESSY_COHORT,
    EXCLUSION_COLUMNS,
    SCHEMA,
    TIME_UNITS,
)
from lms_prognosis.exceptions import CohortColumnError, CohortError

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time these load lazily
    from lms_prognosis.cohort._dates import read_dates
    from lms_prognosis.cohort.cohort import AUDIT_COLUMNS, Cohort
    from lms_prognosis.cohort.reader import LEVELS, read_cohort

__all__ = [
    "Cohort",
    "CohortError",
    "CohortColumnError",
    "read_cohort",
    "read_dates",
    "ENDPOINTS",
    "SCHEMA",
    "LEVELS",
    "TIME_UNITS",
    "EXCLUSION_COLUMNS",
    "AUDIT_COLUMNS",
    "EXAMPLE_MESSY_COHORT",
]

_LAZY = {
    "Cohort": "lms_prognosis.cohort.cohort",
    "AUDIT_COLUMNS": "lms_prognosis.cohort.cohort",
    "read_cohort": "lms_prognosis.cohort.reader",
    "LEVELS": "lms_prognosis.cohort.reader",
    "read_dates": "lms_prognosis.cohort._dates",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
