"""The shipped synthetic cohorts and :func:`load_synthetic`, which reads them back with their
truth.

* ``"somatic"`` (default): ``lms_prognosis/data/synthetic_somatic_500.csv``, 500 somatic
  patients, complete data, DSS without other-cause deaths (:data:`SYNTHETIC_CALL`);
* ``"registry"``: ``lms_prognosis/data/synthetic_registry_800.csv``, 800 patients as a registry
  records them: ploidy missing for about 60%, vascular invasion for about 20%, deaths from
  other causes (event 2), uneven follow-up and a few invalid values
  (:mod:`~lms_prognosis.simulate.registry`).

Each has a data dictionary beside it (``.md``) and a plain-CSV copy under ``data/synthetic/``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import Cohort, read_cohort
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.simulate.cohorts import simulate_cohort
from lms_prognosis.simulate.registry import REGISTRY_CALL, REGISTRY_FILE

__all__ = ["load_synthetic", "SYNTHETIC_CALL", "SYNTHETIC_FILE", "SYNTHETIC_COHORTS"]

#: the call that made the shipped cohort ``lms_prognosis/data/synthetic_somatic_500.csv``
SYNTHETIC_CALL: dict[str, Any] = dict(n=500, profile="somatic", model="default", seed=2026)
SYNTHETIC_FILE = "data/synthetic_somatic_500.csv"
#: name -> (package file, the simulate_cohort call that made it)
SYNTHETIC_COHORTS: dict[str, tuple[str, dict[str, Any]]] = {
    "somatic": (SYNTHETIC_FILE, SYNTHETIC_CALL),
    "registry": (REGISTRY_FILE, REGISTRY_CALL),
}


def load_synthetic(name: str = "somatic") -> Cohort:
    """A shipped synthetic cohort, read like any user's cohort and with its truth.

    Parameters
    ----------
    name : {"somatic", "registry"}
        ``"somatic"``: 500 somatic patients, ``simulate_cohort(**SYNTHETIC_CALL)``, complete
        data. ``"registry"``: 800 patients that look like a registry extract (missing ploidy
        and vascular invasion, deaths from other causes coded 2, uneven follow-up, seven
        invalid values that the audit lists; see ``lms_prognosis/data/synthetic_registry_800.md``).

    Returns
    -------
    Cohort
        Read from package data through :func:`lms_prognosis.read_cohort`, so it carries the
        same checks, dtypes and audit as any cohort a user reads (endpoint DSS). ``truth`` is
        the :class:`Truth` of the recorded call, re-attached when the regenerated times match
        the file (to 1e-3 months, the file's rounding); for the registry it covers all 800
        simulated patients (join on ``patient_id``).

    Examples
    --------
    >>> c = load_synthetic()
    >>> len(c.data), c.endpoint, c.truth is not None
    (500, 'DSS', True)
    >>> r = load_synthetic("registry")
    >>> len(r.data), len(r.exclusions), sorted(r.data["event"].unique().tolist())
    (797, 3, [0, 1, 2])
    """
    if name not in SYNTHETIC_COHORTS:
        raise LMSPrognosisError(
            f"no shipped synthetic cohort {name!r}; use one of {sorted(SYNTHETIC_COHORTS)}, "
            "e.g. load_synthetic('registry')"
        )
    file, call = SYNTHETIC_COHORTS[name]
    ref = resources.files("lms_prognosis").joinpath(file)
    with resources.as_file(ref) as path:
        frame = pd.read_csv(path, dtype={"patient_id": str, "grade": str})
    coh = read_cohort(frame, endpoint="DSS")
    coh.source = f"lms_prognosis/{file}"
    sim = simulate_cohort(**call)
    kept = sim.data.set_index("patient_id").loc[coh.data["patient_id"], "time"].to_numpy()
    if np.allclose(kept, coh.data["time"].to_numpy(float), atol=1e-3):
        coh.truth = sim.truth
    return coh
