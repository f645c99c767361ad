"""Nonparametric estimators: Kaplan-Meier and the log-rank family, with R ``survival`` conventions.

:func:`kaplan_meier` (:mod:`~lms_prognosis.nonparametric.km`) and :func:`logrank_test`
(:mod:`~lms_prognosis.nonparametric.logrank`), :func:`median_follow_up`
(:mod:`~lms_prognosis.nonparametric.followup`), :func:`smoothed_hazard`
(:mod:`~lms_prognosis.nonparametric.hazard`), and for competing risks
:func:`cumulative_incidence` (:mod:`~lms_prognosis.nonparametric.cif`) and :func:`gray_test`
(:mod:`~lms_prognosis.nonparametric.gray`), check their input with the one survival-input
check and compute with the shared product-limit kernel (``lms_prognosis._survfit``).
``SurvivalDataError`` is re-exported from :mod:`lms_prognosis.exceptions` for code written
against 0.1.
"""

from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric.cif import CIFResult, cumulative_incidence
from lms_prognosis.nonparametric.followup import FollowUpResult, median_follow_up
from lms_prognosis.nonparametric.gray import GrayTestResult, gray_test
from lms_prognosis.nonparametric.hazard import smoothed_hazard
from lms_prognosis.nonparametric.km import KMResult, kaplan_meier
from lms_prognosis.nonparametric.logrank import LogRankResult, logrank_test

__all__ = [
    "CIFResult",
    "FollowUpResult",
    "GrayTestResult",
    "KMResult",
    "LogRankResult",
    "SurvivalDataError",
    "cumulative_incidence",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "median_follow_up",
    "smoothed_hazard",
]
