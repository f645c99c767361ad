"""Missing covariates in simulated cohorts, with the removed values kept as truth.

:func:`add_missing` removes covariate values from a simulated :class:`Cohort` completely at
random (MCAR) or at random given grade and the outcome (MAR), after everything else was
drawn: a cohort simulated without ``missing=`` is unchanged, and the truth (effects, linear
predictor, survival) is that of the complete data. What was removed is recorded in
``cohort.truth.parameters["removed"]`` (row, patient_id, column, value).

MAR model, per covariate j (a design value, not estimated from a registry):
logit P(value missing) = a_j + 1.0 [grade 3] + 1.5 [event 1], with a_j solved so that the
expected fraction missing in the cohort equals the requested one. Missingness that depends on
the outcome biases a complete-case Cox analysis; multiple imputation with the outcome in the
imputation model does not (White & Royston 2009).

Examples
--------
>>> from lms_prognosis.simulate import simulate_cohort
>>> c = simulate_cohort(400, seed=2, missing={"aneuploidy": 0.5}, missing_mechanism="MAR")
>>> round(float(c.data["aneuploidy"].isna().mean()), 2)
0.5
>>> c.truth.parameters["removed"].columns.tolist()
['row', 'patient_id', 'column', 'value']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from lms_prognosis.cohort import Cohort
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["add_missing", "MAR_LOG_ODDS", "MECHANISMS"]

#: log-odds of a value being missing, MAR mechanism [D] (design values)
MAR_LOG_ODDS = {"grade 3": 1.0, "event": 1.5}
MECHANISMS = ("MCAR", "MAR")
_PROTECTED = ("patient_id", "time", "event")


def add_missing(
    cohort: Cohort,
    missing: Mapping[str, float] | None,
    mechanism: str,
    rng: np.random.Generator,
) -> Cohort:
    """Remove covariate values (fractions by column) and record them in the truth.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (with ``truth``).
    missing : mapping of column to fraction, or None
        Expected fraction of each column set missing, in [0, 1). None or {}: the cohort is
        returned unchanged and no random number is drawn.
    mechanism : {"MCAR", "MAR"}
        MCAR: every value has the same chance. MAR: the chance rises with grade 3 and with
        an observed event (module docstring).
    rng : numpy Generator
        The cohort's generator (drawn from after everything else).

    Returns
    -------
    Cohort
        A new cohort; ``truth.parameters`` gains ``missing``, ``missing_mechanism`` and
        ``removed``.
    """
    if mechanism not in MECHANISMS:
        raise LMSPrognosisError(f"missing_mechanism must be 'MCAR' or 'MAR', got {mechanism!r}")
    if not missing:
        return cohort
    data = cohort.data.copy()
    _check(data, missing)
    drivers = _mar_drivers(data) if mechanism == "MAR" else np.zeros(len(data))
    removed = []
    for column, fraction in missing.items():
        p = _probabilities(drivers, float(fraction))
        gone = np.flatnonzero(rng.random(len(data)) < p)
        removed.append(
            pd.DataFrame(
                {
                    "row": data.index[gone],
                    "patient_id": data["patient_id"].to_numpy()[gone],
                    "column": column,
                    "value": data[column].astype(object).to_numpy()[gone],
                }
            )
        )
        data.loc[data.index[gone], column] = None
    params = dict(cohort.truth.parameters) if cohort.truth is not None else {}
    params.update(
        missing=dict(missing),
        missing_mechanism=mechanism,
        removed=pd.concat(removed, ignore_index=True),
    )
    truth = replace(cohort.truth, parameters=params) if cohort.truth is not None else None
    where = ", ".join(f"{k} {v:.0%}" for k, v in missing.items())
    note = f"values removed ({mechanism}): {where}; see truth.parameters['removed']"
    return replace(cohort, data=data, truth=truth, notes=[*cohort.notes, note])


def _check(data: pd.DataFrame, missing: Mapping[str, float]) -> None:
    for column, fraction in missing.items():
        if column in _PROTECTED:
            raise LMSPrognosisError(
                f"missing= cannot remove {column!r}: only covariates can be missing"
            )
        if column not in data.columns:
            raise LMSPrognosisError(
                f"missing= names {column!r}, which is not a column of the simulated cohort; "
                f"columns: {[c for c in data.columns if c not in _PROTECTED]}"
            )
        if not (isinstance(fraction, int | float) and 0 <= fraction < 1):
            raise LMSPrognosisError(
                f"missing fraction for {column!r} must be in [0, 1), got {fraction!r}"
            )


def _mar_drivers(data: pd.DataFrame) -> np.ndarray:
    """The MAR linear predictor without intercept: grade 3 and an observed event."""
    grade3 = (data["grade"].astype(object) == "3").to_numpy(dtype=float)
    event = (data["event"].to_numpy() == 1).astype(float)
    return MAR_LOG_ODDS["grade 3"] * grade3 + MAR_LOG_ODDS["event"] * event


def _probabilities(drivers: np.ndarray, fraction: float) -> np.ndarray:
    """P(missing) = expit(a + drivers) with a solved so that the mean is ``fraction``."""
    if fraction == 0:
        return np.zeros(drivers.shape)
    if np.ptp(drivers) == 0:
        return np.full(drivers.shape, fraction)

    def gap(a: float) -> float:
        return float(np.mean(1 / (1 + np.exp(-(a + drivers))))) - fraction

    # here, not at the top: scipy.optimize costs 0.2-0.3 s to import, and the report and
    # the command line import this module without simulating
    from scipy.optimize import brentq

    logit = math.log(fraction / (1 - fraction))
    a = brentq(gap, logit - 20, logit + 20)
    return np.asarray(1 / (1 + np.exp(-(a + drivers))))
