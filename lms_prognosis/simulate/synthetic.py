"""The shipped synthetic cohort (``lms_prognosis/data/synthetic_somatic_500.csv``): the call
that made it and :func:`load_synthetic`, which reads it back with its truth.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import Cohort, read_cohort
from lms_prognosis.simulate.cohorts import simulate_cohort

__all__ = ["load_synthetic", "SYNTHETIC_CALL", "SYNTHETIC_FILE"]

#: the call that made the shipped cohort ``lms_prognosis/data/synthetic_somatic_500.csv``
SYNTHETIC_CALL: dict[str, Any] = dict(n=500, profile="somatic", model="default", seed=2026)
SYNTHETIC_FILE = "data/synthetic_somatic_500.csv"


def load_synthetic() -> Cohort:
    """The shipped synthetic cohort: 500 somatic patients, ``simulate_cohort(**SYNTHETIC_CALL)``.

    Read from package data (``lms_prognosis/data/synthetic_somatic_500.csv``) through
    :func:`lms_prognosis.read_cohort`, so it carries the same checks, dtypes and audit as any
    cohort a user reads. The truth is re-attached by re-running the recorded call when the
    regenerated times match the file (to 1e-3 months, the file's rounding).

    Returns
    -------
    Cohort
        Endpoint DSS; ``truth`` is the :class:`Truth` of the recorded call.

    Examples
    --------
    >>> c = load_synthetic()
    >>> len(c.data), c.endpoint, c.truth is not None
    (500, 'DSS', True)
    """
    ref = resources.files("lms_prognosis").joinpath(SYNTHETIC_FILE)
    with resources.as_file(ref) as path:
        frame = pd.read_csv(path, dtype={"patient_id": str, "grade": str})
    coh = read_cohort(frame, endpoint="DSS")
    coh.source = f"lms_prognosis/{SYNTHETIC_FILE}"
    sim = simulate_cohort(**SYNTHETIC_CALL)
    if np.allclose(sim.data["time"].to_numpy(), coh.data["time"].to_numpy(float), atol=1e-3):
        coh.truth = sim.truth
    return coh
