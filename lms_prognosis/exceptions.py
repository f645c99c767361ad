"""The errors and warnings of lms_prognosis: one hierarchy, one class per kind of mistake.

Every error the package raises on purpose is an :class:`LMSPrognosisError`, which is a
``ValueError`` so that code written against 0.1 (``except ValueError``) keeps working. The same
mistake gets the same class from every entry point: R's 1/2 status given to ``kaplan_meier``,
``fit_cox`` or ``concordance`` is a :class:`SurvivalDataError` in all three, and a column that
is not in the data is a :class:`ColumnNotFoundError`, never a bare ``KeyError``.

Messages say how to fix the problem in the caller's syntax (a Python keyword, or a command-line
flag when the command line re-raises them).

Examples
--------
>>> import pandas as pd
>>> import lms_prognosis as lp
>>> df = pd.DataFrame({"time": [5.0, 8.0, 12.0], "event": [1, 2, 1]})  # R's status coding
>>> try:
...     lp.kaplan_meier(df)
... except lp.SurvivalDataError as err:
...     print(type(err).__name__, isinstance(err, lp.LMSPrognosisError))
SurvivalDataError True
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "LMSPrognosisError",
    "SurvivalDataError",
    "ColumnNotFoundError",
    "CohortError",
    "CohortColumnError",
    "ModelError",
    "CoxError",
    "EndpointMismatchError",
    "PopulationError",
    "PlotError",
    "StyleError",
    "ExportError",
    "RasterError",
    "ReportError",
    "ReportExistsError",
    "LMSPrognosisWarning",
    "CoxWarning",
    "ConvergenceWarning",
    "DataWarning",
]


class LMSPrognosisError(ValueError):
    """Base class of every error lms_prognosis raises on purpose."""


class SurvivalDataError(LMSPrognosisError):
    """Survival input that cannot be analysed as given.

    Raised by the one survival-input check (``lms_prognosis._survdata``) that every entry point
    calls: R's 1/2 status, text or undeclared event codes, negative times, a start time not
    before its stop time, negative weights, or no usable row.
    """


class ColumnNotFoundError(LMSPrognosisError):
    """A column named by the caller is not in the data (the message lists close matches)."""


class CohortError(SurvivalDataError):
    """A cohort file or frame that cannot be used as a whole (``read_cohort``).

    A :class:`SurvivalDataError`, so that R's 1/2 status refused by ``read_cohort`` and by
    ``kaplan_meier`` is caught by the same ``except``.

    ``exclusions`` holds the exclusions log when the file was read but no row was usable.
    """

    def __init__(self, message: str, exclusions: Any = None) -> None:
        super().__init__(message)
        self.exclusions = exclusions


class CohortColumnError(CohortError, ColumnNotFoundError):
    """A column named or needed by ``read_cohort`` is not in the file.

    Both a :class:`~lms_prognosis.CohortError` (the file as a whole cannot be used) and a
    :class:`~lms_prognosis.ColumnNotFoundError` (the class every entry point raises for a
    missing column), so either ``except`` catches it.
    """


class ModelError(LMSPrognosisError):
    """A model that cannot be fitted or applied as asked."""


class CoxError(ModelError):
    """A Cox model that cannot be fitted as specified (no events, unknown covariate, ...)."""


class EndpointMismatchError(ModelError):
    """The cohort's endpoint is not the endpoint the model was developed for."""


class PopulationError(ModelError):
    """Patients outside the population a published model was developed in."""


class PlotError(LMSPrognosisError):
    """A figure that cannot be drawn from the result given."""


class StyleError(PlotError):
    """An unknown journal preset, palette or style option."""


class ExportError(LMSPrognosisError):
    """A figure or table that cannot be written to the path or format asked."""


class RasterError(ExportError):
    """typst could not rasterise a figure's PDF (``save_figure(raster="pdf")``); with
    ``raster="agg"`` matplotlib draws the PNG or TIFF itself."""


class ReportError(LMSPrognosisError):
    """A report that cannot be written (bad options or an output folder that cannot be used)."""


class ReportExistsError(ReportError, FileExistsError):
    """The report's output folder exists and holds files; pass ``force=True`` (``--force``)."""


class LMSPrognosisWarning(UserWarning):
    """Base class of the warnings lms_prognosis issues."""


class CoxWarning(LMSPrognosisWarning):
    """A Cox fit that ran but deserves attention (dropped collinear terms, few events, ...)."""


class ConvergenceWarning(LMSPrognosisWarning):
    """An iterative fit stopped at its iteration limit before it converged."""


class DataWarning(LMSPrognosisWarning):
    """Data that were analysed but deserve attention (e.g. few events)."""
