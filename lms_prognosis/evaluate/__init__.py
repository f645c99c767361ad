"""Model evaluation: discrimination, calibration, Brier score, time-dependent AUC, decision
curves, internal (bootstrap) and external validation.

One module per concept (``concordance``, ``prediction_error``, ``calibration``, ``decision``,
``validation``); every function checks its survival input through the package's one check
(``lms_prognosis._survdata.survival_data``) and returns a result with ``.table``, ``.n``,
``.dropped`` and ``.to_frame()``.
"""

from lms_prognosis.evaluate.calibration import (
    CalibrationResult,
    CIFCalibrationResult,
    calibration,
)
from lms_prognosis.evaluate.compare import ComparisonResult, compare_models
from lms_prognosis.evaluate.concordance import ConcordanceResult, concordance
from lms_prognosis.evaluate.decision import DecisionCurveResult, decision_curve
from lms_prognosis.evaluate.prediction_error import (
    BrierResult,
    TimeAUCResult,
    brier_score,
    time_dependent_auc,
)
from lms_prognosis.evaluate.validation import (
    ExternalValidationResult,
    ValidationResult,
    external_validation,
    validate,
)

__all__ = [
    "BrierResult",
    "CalibrationResult",
    "CIFCalibrationResult",
    "ComparisonResult",
    "ConcordanceResult",
    "DecisionCurveResult",
    "ExternalValidationResult",
    "TimeAUCResult",
    "ValidationResult",
    "brier_score",
    "calibration",
    "compare_models",
    "concordance",
    "decision_curve",
    "external_validation",
    "time_dependent_auc",
    "validate",
]
