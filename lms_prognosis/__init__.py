"""lms_prognosis: prognosis research in leiomyosarcoma.

Kaplan-Meier and Cox models that agree with R's ``survival`` package, the published
leiomyosarcoma (LMS) risk factors with their sources, calibrated synthetic cohorts with
known truth, model evaluation, and paper-ready figures, tables and reports.

The public names are imported lazily, so ``import lms_prognosis`` (and the command line)
starts fast and a notebook only pays for what it uses.

Examples
--------
>>> import lms_prognosis as lp
>>> lp.__version__
'0.1.0'
"""

from __future__ import annotations

import importlib
from typing import Any

from lms_prognosis._version import __version__
from lms_prognosis._versions import show_versions

# public name -> module that defines it (design.md section 4)
_PUBLIC: dict[str, str] = {
    # errors and warnings (one hierarchy)
    "LMSPrognosisError": "exceptions",
    "SurvivalDataError": "exceptions",
    "ColumnNotFoundError": "exceptions",
    "CohortError": "exceptions",
    "ModelError": "exceptions",
    "CoxError": "exceptions",
    "EndpointMismatchError": "exceptions",
    "PopulationError": "exceptions",
    "PlotError": "exceptions",
    "StyleError": "exceptions",
    "ExportError": "exceptions",
    "ReportError": "exceptions",
    "ReportExistsError": "exceptions",
    "LMSPrognosisWarning": "exceptions",
    "CoxWarning": "exceptions",
    "ConvergenceWarning": "exceptions",
    "DataWarning": "exceptions",
    # cohort
    "read_cohort": "cohort",
    "Cohort": "cohort",
    "load_synthetic": "simulate",
    # simulate / planning
    "simulate_cohort": "simulate",
    "power_simulation": "simulate",
    "schoenfeld_events": "simulate",
    "Truth": "simulate",
    # literature
    "published_model": "literature",
    "list_models": "literature",
    "PublishedModel": "literature",
    "ModelApplication": "literature",
    # nonparametric
    "kaplan_meier": "nonparametric",
    "logrank_test": "nonparametric",
    "KMResult": "nonparametric",
    "LogRankResult": "nonparametric",
    # cox
    "fit_cox": "cox",
    "CoxResult": "cox",
    "PHTest": "cox",
    # evaluate
    "concordance": "evaluate",
    "calibration": "evaluate",
    "validate": "evaluate",
    "time_dependent_auc": "evaluate",
    "brier_score": "evaluate",
    "external_validation": "evaluate",
    "decision_curve": "evaluate",
    "ConcordanceResult": "evaluate",
    "CalibrationResult": "evaluate",
    "ValidationResult": "evaluate",
    "ExternalValidationResult": "evaluate",
    "BrierResult": "evaluate",
    "TimeAUCResult": "evaluate",
    "DecisionCurveResult": "evaluate",
    # plotting
    "plot_km": "plotting",
    "plot_patient": "plotting",
    "plot_forest": "plotting",
    "plot_calibration": "plotting",
    "plot_schoenfeld": "plotting",
    "plot_nomogram": "plotting",
    "save_figure": "plotting",
    "KMPanel": "plotting",
    "Nomogram": "plotting",
    # report
    "table_one": "report",
    "hr_table": "report",
    "write_report": "report",
    "TableOneResult": "report",
    "HRTableResult": "report",
}

__all__ = ["__version__", "show_versions", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'lms_prognosis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lms_prognosis.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
