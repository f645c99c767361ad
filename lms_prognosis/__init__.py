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
from typing import TYPE_CHECKING, Any

from lms_prognosis._version import __version__
from lms_prognosis._versions import show_versions

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time names load lazily
    from lms_prognosis.cohort import (
        Cohort,
        read_cohort,
    )
    from lms_prognosis.cox import (
        CauseSpecificResult,
        CoxResult,
        FineGrayResult,
        NomogramScales,
        PartialEffect,
        PHTest,
        PooledResult,
        UnivariableResult,
        fit_cause_specific,
        fit_cox,
        fit_fine_gray,
        fit_univariable,
        nomogram_scales,
        pool,
        pool_scalar,
    )
    from lms_prognosis.evaluate import (
        BrierResult,
        CalibrationResult,
        CIFCalibrationResult,
        ConcordanceResult,
        DecisionCurveResult,
        ExternalValidationResult,
        TimeAUCResult,
        ValidationResult,
        brier_score,
        calibration,
        concordance,
        decision_curve,
        external_validation,
        time_dependent_auc,
        validate,
    )
    from lms_prognosis.evaluate.compare import ComparisonResult, compare_models
    from lms_prognosis.exceptions import (
        CohortColumnError,
        CohortError,
        ColumnNotFoundError,
        ConvergenceWarning,
        CoxError,
        CoxWarning,
        DataWarning,
        EndpointMismatchError,
        ExportError,
        LMSPrognosisError,
        LMSPrognosisWarning,
        ModelError,
        PlotError,
        PopulationError,
        RasterError,
        ReportError,
        ReportExistsError,
        StyleError,
        SurvivalDataError,
    )
    from lms_prognosis.impute import Imputed, impute
    from lms_prognosis.literature import (
        ModelApplication,
        PublishedModel,
        Recalibration,
        list_models,
        published_model,
    )
    from lms_prognosis.models import (
        DistributionSelection,
        ForestResult,
        ParametricResult,
        PenalisedCoxResult,
        fit_forest,
        fit_parametric,
        select_distribution,
    )
    from lms_prognosis.nonparametric import (
        CIFResult,
        FollowUpResult,
        GrayTestResult,
        KMResult,
        LogRankResult,
        cumulative_incidence,
        gray_test,
        kaplan_meier,
        logrank_test,
        median_follow_up,
        smoothed_hazard,
    )
    from lms_prognosis.plotting import (
        KMPanel,
        Nomogram,
        PlotResult,
        plot_calibration,
        plot_cif,
        plot_forest,
        plot_hazard,
        plot_km,
        plot_nomogram,
        plot_partial_effect,
        plot_patient,
        plot_schoenfeld,
        save_figure,
    )
    from lms_prognosis.report import (
        HRTableResult,
        TableOneResult,
        export_calculator,
        hr_table,
        table_one,
        write_report,
    )
    from lms_prognosis.simulate import (
        SampleSizeResult,
        SimulationStudyResult,
        Truth,
        load_synthetic,
        power_simulation,
        riley_sample_size,
        schoenfeld_events,
        simulate_cohort,
        simulation_study,
    )

# public name -> module that defines it (design.md section 4)
_PUBLIC: dict[str, str] = {
    "PlotResult": "plotting",
    "NomogramScales": "cox",
    "nomogram_scales": "cox",
    "UnivariableResult": "cox",
    "fit_univariable": "cox",
    "FollowUpResult": "nonparametric",
    "median_follow_up": "nonparametric",
    "Recalibration": "literature",
    "CohortColumnError": "exceptions",
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
    "RasterError": "exceptions",
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
    "simulation_study": "simulate",
    "SimulationStudyResult": "simulate",
    "schoenfeld_events": "simulate",
    "riley_sample_size": "simulate",
    "SampleSizeResult": "simulate",
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
    "cumulative_incidence": "nonparametric",
    "gray_test": "nonparametric",
    "CIFResult": "nonparametric",
    "GrayTestResult": "nonparametric",
    "smoothed_hazard": "nonparametric",
    # models (parametric AFT on lifelines)
    "fit_parametric": "models",
    "select_distribution": "models",
    "ParametricResult": "models",
    "DistributionSelection": "models",
    "fit_forest": "models",
    "ForestResult": "models",
    "PenalisedCoxResult": "models",
    # cox
    "fit_cox": "cox",
    "CoxResult": "cox",
    "PHTest": "cox",
    "PartialEffect": "cox",
    "fit_fine_gray": "cox",
    "FineGrayResult": "cox",
    "fit_cause_specific": "cox",
    "CauseSpecificResult": "cox",
    # multiple imputation (issue 15)
    "impute": "impute",
    "Imputed": "impute",
    "pool": "cox",
    "pool_scalar": "cox",
    "PooledResult": "cox",
    # evaluate
    "concordance": "evaluate",
    "calibration": "evaluate",
    "validate": "evaluate",
    "compare_models": "evaluate",
    "ComparisonResult": "evaluate",
    "time_dependent_auc": "evaluate",
    "brier_score": "evaluate",
    "external_validation": "evaluate",
    "decision_curve": "evaluate",
    "ConcordanceResult": "evaluate",
    "CalibrationResult": "evaluate",
    "CIFCalibrationResult": "evaluate",
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
    "plot_cif": "plotting",
    "plot_schoenfeld": "plotting",
    "plot_partial_effect": "plotting",
    "plot_nomogram": "plotting",
    "save_figure": "plotting",
    "plot_hazard": "plotting",
    "KMPanel": "plotting",
    "Nomogram": "plotting",
    # report
    "table_one": "report",
    "hr_table": "report",
    "write_report": "report",
    "export_calculator": "report",
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
