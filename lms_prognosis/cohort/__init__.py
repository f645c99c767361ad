"""Reading a cohort: the schema, column aliases, units, value maps and the audit of every change.

The public names live in :mod:`lms_prognosis.cohort.reader`; ``_io``, ``_columns`` and
``_values`` are its private helpers.
"""

from lms_prognosis.cohort.reader import (
    ENDPOINTS,
    EXAMPLE_MESSY_COHORT,
    EXCLUSION_COLUMNS,
    LEVELS,
    SCHEMA,
    Cohort,
    CohortError,
    read_cohort,
)

__all__ = ["Cohort", "CohortError", "read_cohort", "ENDPOINTS", "SCHEMA", "LEVELS",
           "EXCLUSION_COLUMNS", "EXAMPLE_MESSY_COHORT"]
