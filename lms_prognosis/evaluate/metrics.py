"""Former home of the evaluation functions, kept so that ``lms_prognosis.evaluate.metrics.X``
keeps working; the code lives in one module per concept:

* :mod:`~lms_prognosis.evaluate.concordance` -- Harrell's and Uno's C;
* :mod:`~lms_prognosis.evaluate.prediction_error` -- Brier score and time-dependent AUC;
* :mod:`~lms_prognosis.evaluate.calibration` -- calibration at a horizon;
* :mod:`~lms_prognosis.evaluate.decision` -- decision curves;
* :mod:`~lms_prognosis.evaluate.validation` -- bootstrap and external validation.
"""

from __future__ import annotations

from lms_prognosis.evaluate.calibration import CalibrationResult, calibration
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
    "ConcordanceResult",
    "DecisionCurveResult",
    "ExternalValidationResult",
    "TimeAUCResult",
    "ValidationResult",
    "brier_score",
    "calibration",
    "concordance",
    "decision_curve",
    "external_validation",
    "time_dependent_auc",
    "validate",
]
