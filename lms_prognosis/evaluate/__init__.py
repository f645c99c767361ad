"""Model evaluation: discrimination, calibration, Brier score, time-dependent AUC, decision
curves, internal (bootstrap) and external validation."""

from lms_prognosis.evaluate.metrics import (
    BrierResult,
    CalibrationResult,
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

__all__ = ["BrierResult", "CalibrationResult", "ConcordanceResult", "DecisionCurveResult", "ExternalValidationResult", "TimeAUCResult", "ValidationResult", "brier_score", "calibration", "concordance", "decision_curve", "external_validation", "time_dependent_auc", "validate"]
