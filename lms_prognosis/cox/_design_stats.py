"""Column statistics of a design (ranges and means over the complete rows).

Private to :mod:`lms_prognosis.cox`: :func:`~lms_prognosis.cox.design.design_matrix` calls them.
A small design is stacked once so each statistic is one numpy call rather than one per column;
the values are the same (each reduction runs along one column either way).
"""

from __future__ import annotations

import numpy as np

__all__ = ["column_ranges", "column_means"]

#: at most this many design cells are stacked into one array for the column statistics
_STACK_CELLS = 1 << 18


def column_ranges(cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Minimum and maximum of each column over the complete rows, and those rows (None: all).

    A small design is stacked once so that each statistic is one call, not one per column
    (the same values: the reductions are along each column either way).
    """
    if not cols:
        return np.zeros(0), np.zeros(0), None
    if len(cols) * cols[0].shape[0] <= _STACK_CELLS:
        x = np.vstack(cols)
        lo = x.min(axis=1)
        if not np.isnan(lo).any():
            return lo, x.max(axis=1), None
        complete = ~np.isnan(x).any(axis=0)
        kept = x[:, complete]
        return kept.min(axis=1), kept.max(axis=1), complete
    lo = np.array([c.min() for c in cols])
    complete = None
    if np.isnan(lo).any():  # NaN propagates in min: some row has a missing value
        complete = ~np.logical_or.reduce([np.isnan(c) for c in cols])
        lo = np.array([c[complete].min() for c in cols])
    hi = np.array([(c if complete is None else c[complete]).max() for c in cols])
    return lo, hi, complete


def column_means(cols: list[np.ndarray], complete: np.ndarray | None) -> np.ndarray:
    """Mean of each column over the complete rows (one call for a small design)."""
    if cols and len(cols) * cols[0].shape[0] <= _STACK_CELLS:
        x = np.vstack(cols)
        return (x if complete is None else x[:, complete]).mean(axis=1)
    return np.array([(c if complete is None else c[complete]).mean() for c in cols])
