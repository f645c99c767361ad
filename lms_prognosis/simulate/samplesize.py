"""Minimum sample size for developing a survival prediction model (Riley et al. 2019, 2020).

A leaf module (it imports no simulation code): :func:`riley_sample_size` gives the three
criteria of Riley et al. for a time-to-event outcome, as the ``pmsampsize`` package
(``type = "s"``) computes them, and :func:`cox_snell_r2` the anticipated Cox-Snell R² from a
fitted model's likelihood-ratio statistic.

References
----------
Riley RD, Snell KIE, Ensor J, et al. Minimum sample size for developing a multivariable
prediction model: PART II - binary and time-to-event outcomes. Stat Med 2019;38:1276-1296
(correction Stat Med 2019;38:5672).

Riley RD, Ensor J, Snell KIE, et al. Calculating the sample size required for developing a
clinical prediction model. BMJ 2020;368:m441.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["riley_sample_size", "cox_snell_r2", "SampleSizeResult", "NAGELKERKE_DEFAULT"]

#: Nagelkerke R² assumed when the Cox-Snell R² cannot be anticipated: R²_CS = 0.15 x max R²_CS,
#: "a conservative choice" (Riley et al. BMJ 2020;368:m441, section "Specifying the
#: anticipated R² when no information is available")
NAGELKERKE_DEFAULT = 0.15
#: pmsampsize's arbitrary study size for the events per patient in max R²_CS (its "n <- 10000")
_PMSS_N = 10000
_Z = 1.96  # the normal quantile pmsampsize uses for the 95% CI of the overall risk


@dataclass(repr=False, eq=False)
class SampleSizeResult(Result):
    """The three criteria of Riley et al. and the minimum sample size.

    Attributes
    ----------
    table : DataFrame
        One row per criterion (``criterion``: "1 shrinkage", "2 optimism in R2",
        "3 overall risk", "final"): ``n`` (patients), ``events`` (n x rate x meanfup),
        ``epp`` (events per predictor parameter), ``shrinkage`` (the shrinkage the criterion
        targets; criterion 2's is R²_CS / (R²_CS + r2_optimism x max R²_CS)).
    n : int
        Minimum number of patients (the largest of the three criteria).
    events : float
        Expected events at ``n`` (n x rate x meanfup).
    epp : float
        Events per predictor parameter at ``n``.
    r2_cs, max_r2_cs, r2_nagelkerke : float
        Anticipated Cox-Snell R², its maximum given the event rate, and their ratio.
    r2_source : str
        Where ``r2_cs`` came from ("given" or "15% of max R2 (Riley 2020)").
    risk, risk_lower, risk_upper : float
        Overall risk at ``timepoint`` (1 - exp(-rate x timepoint)) and its approximate 95%
        confidence interval with max(criterion 1, criterion 2) patients (pmsampsize's
        criterion 3).
    parameters, rate, timepoint, meanfup, shrinkage_target, r2_optimism, margin : float
        The inputs.
    """

    table: pd.DataFrame
    n: int
    events: float
    epp: float
    r2_cs: float
    max_r2_cs: float
    r2_nagelkerke: float
    r2_source: str
    risk: float
    risk_lower: float
    risk_upper: float
    parameters: int
    rate: float
    timepoint: float
    meanfup: float
    shrinkage_target: float
    r2_optimism: float
    margin: float
    _title: ClassVar[str] = "Minimum sample size for a survival prediction model (Riley)"

    def _summary_lines(self) -> list[str]:
        return [
            f"{self.n} patients, {self.events:.0f} events, {self.epp:.2f} events per "
            f"parameter ({self.parameters} parameters; Cox-Snell R2 {self.r2_cs:.3f}, "
            f"{self.r2_source}; max {self.max_r2_cs:.3f})"
        ]

    def meets(self, n: int) -> bool:
        """Whether ``n`` patients meet all three criteria."""
        return n >= self.n


def cox_snell_r2(lr_statistic: float, n: int) -> float:
    """Cox-Snell R² of a fitted model: 1 - exp(-LR / n).

    Parameters
    ----------
    lr_statistic : float
        Likelihood-ratio chi-square of the model against the null model (>= 0).
    n : int
        Patients the model was fitted on.

    Returns
    -------
    float

    References
    ----------
    Riley RD et al. BMJ 2020;368:m441 (box 2: the anticipated R² from a reported LR statistic).

    Examples
    --------
    >>> round(cox_snell_r2(100.0, 1000), 4)
    0.0952
    """
    if not (math.isfinite(lr_statistic) and lr_statistic >= 0):
        raise LMSPrognosisError(f"lr_statistic must be a finite number >= 0, got {lr_statistic!r}")
    if not (isinstance(n, numbers.Real) and n >= 1):
        raise LMSPrognosisError(f"n must be a positive number of patients, got {n!r}")
    return 1.0 - math.exp(-lr_statistic / n)


def _check(parameters: int, rate: float, timepoint: float, meanfup: float) -> None:
    if not (isinstance(parameters, numbers.Integral) and parameters >= 1):
        raise LMSPrognosisError(
            f"parameters must be a whole number >= 1 (model degrees of freedom: a 3-level "
            f"factor counts 2), got {parameters!r}"
        )
    for name, v in (("rate", rate), ("timepoint", timepoint), ("meanfup", meanfup)):
        if not (math.isfinite(v) and v > 0):
            raise LMSPrognosisError(
                f"{name} must be a positive number (rate: events per person-time; "
                f"timepoint and meanfup in the same time unit), got {v!r}"
            )


def _n_for_shrinkage(parameters: int, r2_cs: float, s: float) -> int:
    """Riley 2019 equation (11): n = P / ((S - 1) ln(1 - R²_CS / S))."""
    return math.ceil(parameters / ((s - 1.0) * math.log(1.0 - r2_cs / s)))


def _max_r2(rate: float, meanfup: float) -> float:
    """max R²_CS = 1 - exp(2 lnL_null / n), lnL_null / n = e ln(e) - e with e events per
    patient (Riley 2020 BMJ box; e rounded up to 1/10000 as pmsampsize does)."""
    e = math.ceil(rate * meanfup * _PMSS_N) / _PMSS_N
    return 1.0 - math.exp(2.0 * (e * math.log(e) - e))


def _n_for_margin(rate: float, timepoint: float, meanfup: float, margin: float) -> int:
    """Smallest n whose 95% CI upper limit of the overall risk is within ``margin``."""
    floor = math.exp(-rate * timepoint) - margin
    if floor <= 0:
        return 1
    delta = -math.log(floor) / timepoint - rate  # the largest z * SE(rate) allowed
    return max(1, math.ceil(rate / (meanfup * (delta / _Z) ** 2)))


def riley_sample_size(
    parameters: int,
    rate: float,
    timepoint: float,
    meanfup: float,
    r2_cs: float | None = None,
    *,
    shrinkage: float = 0.9,
    r2_optimism: float = 0.05,
    margin: float = 0.05,
) -> SampleSizeResult:
    """Minimum sample size to develop a survival prediction model (Riley's three criteria).

    Parameters
    ----------
    parameters : int
        Predictor parameters (degrees of freedom) of the model, not covariates: a 3-level
        grade counts 2.
    rate : float
        Overall event rate, events per unit of person-time (e.g. per person-year).
    timepoint : float
        Horizon for the overall risk (criterion 3), in the same time unit.
    meanfup : float
        Mean follow-up per patient, in the same time unit.
    r2_cs : float, optional
        Anticipated Cox-Snell R² (e.g. :func:`cox_snell_r2` of an earlier model's LR
        statistic). Default: 15% of its maximum (Nagelkerke R² 0.15, Riley 2020).
    shrinkage : float
        Target expected uniform shrinkage (criterion 1, default 0.9).
    r2_optimism : float
        Largest acceptable difference between apparent and adjusted Nagelkerke R²
        (criterion 2, default 0.05).
    margin : float
        Largest acceptable margin of error of the overall risk at ``timepoint``
        (criterion 3, default 0.05).

    Returns
    -------
    SampleSizeResult

    Raises
    ------
    LMSPrognosisError
        An input out of range, or ``r2_cs`` not below its maximum.

    Notes
    -----
    Criterion 1: n1 = P / ((S - 1) ln(1 - R²_CS / S)) with S = ``shrinkage`` (Riley 2019,
    eq. 11). Criterion 2: the same with S = R²_CS / (R²_CS + ``r2_optimism`` x max R²_CS),
    max R²_CS = 1 - exp(2 (e ln e - e)), e = rate x meanfup the events per patient (rounded
    up to 1/10000 as pmsampsize's ``n <- 10000`` does). Criterion 3: pmsampsize reports the
    95% CI of the overall risk 1 - exp(-rate t) at max(n1, n2), the rate's standard error
    sqrt(rate / (n x meanfup)); here n3 is the smallest n whose upper limit is within
    ``margin`` of the risk (z = 1.96 as pmsampsize), so the final n is pmsampsize's
    whenever its CI meets the margin. Events = n x rate x meanfup; EPP = events / P.
    Checked against pmsampsize 1.1.3 (R) and 0.1.0 (Python) in the package's tests.

    References
    ----------
    Riley RD et al. Stat Med 2019;38:1276-1296. Riley RD et al. BMJ 2020;368:m441.

    Examples
    --------
    >>> r = riley_sample_size(30, rate=0.065, timepoint=2, meanfup=2.07, r2_cs=0.051)
    >>> r.n, round(r.events), round(r.epp, 2)
    (5143, 692, 23.07)
    """
    _check(parameters, rate, timepoint, meanfup)
    for name, v in (("shrinkage", shrinkage), ("r2_optimism", r2_optimism), ("margin", margin)):
        if not 0 < v < 1:
            raise LMSPrognosisError(f"{name} must be in (0, 1), got {v!r}")
    max_r2 = _max_r2(rate, meanfup)
    source = "given"
    if r2_cs is None:
        r2_cs, source = NAGELKERKE_DEFAULT * max_r2, "15% of max R2 (Riley 2020)"
    if not (0 < r2_cs < max_r2) or r2_cs >= shrinkage:
        raise LMSPrognosisError(
            f"r2_cs must be in (0, {max_r2:.3f}), the largest Cox-Snell R2 possible with "
            f"{rate * meanfup:.3g} events per patient, and below shrinkage; got {r2_cs!r}"
        )
    s2 = r2_cs / (r2_cs + r2_optimism * max_r2)
    n1 = _n_for_shrinkage(parameters, r2_cs, shrinkage)
    n2 = _n_for_shrinkage(parameters, r2_cs, s2)
    n3 = _n_for_margin(rate, timepoint, meanfup, margin)
    final = max(n1, n2, n3)
    se = math.sqrt(rate / (max(n1, n2) * meanfup))
    rows = [("1 shrinkage", n1), ("2 optimism in R2", n2), ("3 overall risk", n3)]
    rows.append(("final", final))
    per_patient = rate * meanfup
    table = pd.DataFrame(
        {
            "criterion": [r[0] for r in rows],
            "n": [r[1] for r in rows],
            "events": [r[1] * per_patient for r in rows],
            "epp": [r[1] * per_patient / parameters for r in rows],
            "shrinkage": [shrinkage, s2, max(shrinkage, s2), max(shrinkage, s2)],
        }
    )
    return SampleSizeResult(
        table=table,
        n=final,
        events=final * per_patient,
        epp=final * per_patient / parameters,
        r2_cs=float(r2_cs),
        max_r2_cs=max_r2,
        r2_nagelkerke=float(r2_cs) / max_r2,
        r2_source=source,
        risk=1 - math.exp(-rate * timepoint),
        risk_lower=1 - math.exp(-(rate - _Z * se) * timepoint),
        risk_upper=1 - math.exp(-(rate + _Z * se) * timepoint),
        parameters=int(parameters),
        rate=rate,
        timepoint=timepoint,
        meanfup=meanfup,
        shrinkage_target=shrinkage,
        r2_optimism=r2_optimism,
        margin=margin,
    )
