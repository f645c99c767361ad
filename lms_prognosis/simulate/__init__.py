"""Calibrated synthetic LMS cohorts with known truth, the shipped synthetic cohort, and study
planning (events needed, power by simulation).

One concept per module, each importing only the ones before it (no cycle):

* ``covariates``: site mix, per-site covariate distributions, FNCLCC grade (domain 6.1, 3.3);
* ``hazards``: true log-HRs, linear predictor, Weibull baseline calibration, Gompertz;
* ``events``: distant metastasis and local recurrence (the MFS and LRFS endpoints);
* ``truth``: :class:`Truth`, what generated a cohort;
* ``missing``: missing covariates with the removed values kept as truth;
* ``cohorts``: :func:`simulate_cohort` (outcomes, censoring, the ``Cohort``);
* ``registry``: the registry-like shipped cohort (missing values, competing deaths, errors);
* ``synthetic``: :func:`load_synthetic` and the calls that made the shipped cohorts;
* ``planning``: :func:`power_simulation`, Schoenfeld's formula (imports ``cohorts``);
* ``samplesize``: :func:`riley_sample_size`, Riley's minimum sample size for a survival
  prediction model (a leaf: imports no simulation code);
* ``study``: :func:`simulation_study`, any seeded function over scenarios and replicates,
  here, on joblib workers or on a Dask cluster.
"""

from lms_prognosis.simulate.cohorts import simulate_cohort
from lms_prognosis.simulate.covariates import SITE_PARAMETERS
from lms_prognosis.simulate.planning import power_simulation, schoenfeld_events, schoenfeld_power
from lms_prognosis.simulate.samplesize import SampleSizeResult, riley_sample_size
from lms_prognosis.simulate.study import SimulationStudyResult, simulation_study
from lms_prognosis.simulate.synthetic import SYNTHETIC_CALL, load_synthetic
from lms_prognosis.simulate.truth import Truth

__all__ = [
    "simulate_cohort",
    "load_synthetic",
    "Truth",
    "power_simulation",
    "simulation_study",
    "SimulationStudyResult",
    "schoenfeld_events",
    "schoenfeld_power",
    "riley_sample_size",
    "SampleSizeResult",
    "SITE_PARAMETERS",
    "SYNTHETIC_CALL",
]
