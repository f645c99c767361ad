"""Shared fixtures for the headless figure tests (Agg backend, no display).

The figures are drawn from the package's own result objects for the shipped synthetic cohort
(kaplan_meier, fit_cox, calibration), so these tests check that the plots draw exactly what
the statistics modules report; the statistics themselves are tested against R elsewhere.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import lms_prognosis as lp  # noqa: E402

COVARIATES = ["age", "size_cm", "grade", "necrosis", "vascular_invasion"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def cohort_df():
    return lp.load_synthetic().data


@pytest.fixture(scope="session")
def km_grade(cohort_df):
    return lp.kaplan_meier(cohort_df, group="grade")


@pytest.fixture(scope="session")
def km_all(cohort_df):
    return lp.kaplan_meier(cohort_df)


@pytest.fixture(scope="session")
def cox(cohort_df):
    return lp.fit_cox(cohort_df, COVARIATES)


@pytest.fixture(scope="session")
def calib(cox, cohort_df):
    return lp.calibration(cox, cohort_df, time_point=60)
