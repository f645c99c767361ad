"""Nonparametric estimators: Kaplan-Meier and the log-rank family, with R ``survival`` conventions.

:func:`kaplan_meier` (:mod:`~lms_prognosis.nonparametric.km`) and :func:`logrank_test`
(:mod:`~lms_prognosis.nonparametric.logrank`), :func:`median_follow_up`
(:mod:`~lms_prognosis.nonparametric.followup`) and :func:`smoothed_hazard`
(:mod:`~lms_prognosis.nonparametric.hazard`) check their input with the one survival-input
check and compute with the shared product-limit kernel (``lms_prognosis._survfit``).
``SurvivalDataError`` is re-exported from :mod:`lms_prognosis.exceptions` for code written
against 0.1.
"""

from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric.followup import FollowUpResult, median_follow_up
from lms_prognosis.nonparametric.hazard import smoothed_hazard
from lms_prognosis.nonparametric.km import KMResult, kaplan_meier
from lms_prognosis.nonparametric.logrank import LogRankResult, logrank_test

__all__ = [
    "FollowUpResult",
    "KMResult",
    "LogRankResult",
    "SurvivalDataError",
    "kaplan_meier",
    "logrank_test",
    "median_follow_up",
    "smoothed_hazard",
]
