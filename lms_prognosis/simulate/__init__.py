"""Calibrated synthetic LMS cohorts with known truth (``cohorts``) and study planning
(``planning``: events needed, power by simulation)."""

from lms_prognosis.simulate.cohorts import (
    SITE_PARAMETERS,
    Truth,
    load_synthetic,
    simulate_cohort,
)
from lms_prognosis.simulate.planning import power_simulation, schoenfeld_events

__all__ = ["simulate_cohort", "load_synthetic", "Truth", "power_simulation",
           "schoenfeld_events", "SITE_PARAMETERS"]
