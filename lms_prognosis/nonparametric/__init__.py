"""Nonparametric estimators: Kaplan-Meier and the log-rank family, with R ``survival`` conventions."""

from lms_prognosis.nonparametric.km import (
    KMResult,
    LogRankResult,
    SurvivalDataError,
    kaplan_meier,
    logrank_test,
)

__all__ = ["KMResult", "LogRankResult", "SurvivalDataError", "kaplan_meier", "logrank_test"]
