"""Calibrated synthetic LMS cohorts with known truth (``cohorts``) and study planning
(``planning``: events needed, power by simulation).

``planning`` imports ``cohorts``; ``cohorts`` never imports ``planning``.
"""

from lms_prognosis.simulate.cohorts import (
    SITE_PARAMETERS,
    SYNTHETIC_CALL,
    Truth,
    load_synthetic,
    simulate_cohort,
)
from lms_prognosis.simulate.planning import power_simulation, schoenfeld_events, schoenfeld_power

__all__ = [
    "simulate_cohort",
    "load_synthetic",
    "Truth",
    "power_simulation",
    "schoenfeld_events",
    "schoenfeld_power",
    "SITE_PARAMETERS",
    "SYNTHETIC_CALL",
]
