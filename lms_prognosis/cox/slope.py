"""Calibration slope: the Cox coefficient of the outcome on a linear predictor.

The one calibration-slope implementation of the package (``calibration``, ``validate`` and
the recalibration of published models call it): R ``coxph(Surv(time, event) ~ lp)``, fitted by
the package's one Newton-Raphson solver (:func:`lms_prognosis.cox.engine.newton_raphson`).
A slope of 1 means the predictor's spread is right; below 1, predictions are too extreme
(overfitting); above 1, too modest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lms_prognosis._distributions import norm_ppf
from lms_prognosis.cox.engine import (
    EPS,
    ITER_MAX,
    Prepared,
    newton_raphson,
    prepare,
    with_covariates,
)
from lms_prognosis.exceptions import CoxError

__all__ = ["CalibrationSlope", "calibration_slope"]


@dataclass(frozen=True, eq=False)
class CalibrationSlope:
    """Result of :func:`calibration_slope` (a kernel's output: the user-facing results of
    ``calibration`` and ``validate`` carry it).

    Attributes
    ----------
    slope, se : float
        Coefficient of the linear predictor and its standard error (R ``coef``, ``sqrt(vcov)``).
    loglik : tuple of float
        Log partial likelihood at ``init`` and at the estimate (R ``fit$loglik``).
    iterations : int
        Newton-Raphson iterations (R ``fit$iter``).
    converged : bool
        False if the iteration limit was reached (a ConvergenceWarning was issued).
    n, n_events : int
        Patients and events used.
    conf_level : float
        Level of ``lower`` and ``upper``.
    """

    slope: float
    se: float
    loglik: tuple[float, float]
    iterations: int
    converged: bool
    n: int
    n_events: int
    conf_level: float = 0.95

    @property
    def lower(self) -> float:
        """Lower Wald confidence limit at ``conf_level``."""
        return self.slope - self._z * self.se

    @property
    def upper(self) -> float:
        """Upper Wald confidence limit at ``conf_level``."""
        return self.slope + self._z * self.se

    @property
    def _z(self) -> float:
        return float(norm_ppf(0.5 + self.conf_level / 2))

    @property
    def table(self) -> pd.DataFrame:
        """One row: slope, se, lower, upper, n, n_events."""
        return pd.DataFrame(
            {
                "slope": [self.slope],
                "se": [self.se],
                "lower": [self.lower],
                "upper": [self.upper],
                "n": [self.n],
                "n_events": [self.n_events],
            }
        )


def calibration_slope(
    time: np.ndarray,
    event: np.ndarray,
    lp: np.ndarray,
    *,
    ties: str = "efron",
    init: float = 0.0,
    order: np.ndarray | None = None,
    layout: Prepared | None = None,
    eps: float = EPS,
    iter_max: int = ITER_MAX,
    conf_level: float = 0.95,
    with_se: bool = True,
) -> CalibrationSlope:
    """Calibration slope of a linear predictor: R ``coxph(Surv(time, event) ~ lp)``.

    Parameters
    ----------
    time, event : ndarray
        Follow-up and event code (1 = event; other codes, e.g. a competing event 2, count as
        censored), already checked by ``lms_prognosis._survdata.survival_data`` (so near-ties
        are merged as R's ``aeqSurv``).
    lp : ndarray
        Linear predictor (log relative hazard) per patient; only differences matter.
    ties : {"efron", "breslow"}
        Tie handling (R's default, Efron).
    init : float, default 0
        Starting value (R ``coxph(init=)``). R starts at 0; a bootstrap can start at 1, the
        slope of a perfectly calibrated predictor, to save iterations.
    order : ndarray of int, optional
        ``lms_prognosis.cox.engine.sort_order(time, None, event=event)``, if known (saves a
        sort when the same patients are evaluated many times).
    layout : Prepared, optional
        ``lms_prognosis.cox.engine.prepare(time, event, x, None, ties == "efron")`` of these
        patients with any covariates ``x``, e.g. zeros: its sort and blocks are reused
        (:func:`~lms_prognosis.cox.engine.with_covariates`), which saves the sort and the
        block indexing of every call on the same patients (``order`` is then not needed).
    eps, iter_max : float, int
        R ``coxph.control(eps = 1e-9, iter.max = 20)``: one convergence rule for every Cox fit.
    conf_level : float, default 0.95
        Level of the Wald interval (``lower``, ``upper``).
    with_se : bool, default True
        False when only the slope is wanted (a bootstrap): the information matrix at the
        estimate is not computed and ``se`` is NaN (``newton_raphson(need_var=False)``);
        the slope is the same.

    Returns
    -------
    CalibrationSlope

    Warns
    -----
    ConvergenceWarning
        The iteration limit was reached before convergence (R: "Ran out of iterations").

    Notes
    -----
    The linear predictor is centred before fitting, as R centres covariates; the slope does
    not depend on it. Pinned to R in ``tests/reference/cox_kernels.R``.

    References
    ----------
    Van Houwelingen HC. Validation, calibration, revision and combination of prognostic
    survival models. Stat Med 2000;19:3401-15.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> lp = rng.normal(size=300)
    >>> t = rng.exponential(np.exp(-0.5 * lp))  # the true slope is 0.5
    >>> fit = calibration_slope(t, np.ones(300, dtype=int), lp)
    >>> round(fit.slope, 3), round(fit.se, 3), fit.iterations
    (0.549, 0.064, 3)
    """
    if ties not in ("efron", "breslow"):
        raise CoxError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    t = np.asarray(time, dtype=float)
    e = np.asarray(event)
    x = np.asarray(lp, dtype=float).reshape(-1)
    if not (t.shape[0] == e.shape[0] == x.shape[0]):
        raise CoxError(
            f"time, event and lp must have one value per patient (lengths "
            f"{t.shape[0]}, {e.shape[0]}, {x.shape[0]})"
        )
    n_events = int(np.count_nonzero(e == 1))
    if n_events == 0:
        raise CoxError("no events: the calibration slope cannot be estimated")
    xc = (x - x.mean())[:, None]
    if layout is None:
        prep = prepare(t, e, xc, None, ties == "efron", order=order)
    else:
        _check_layout(layout, t.shape[0], n_events, ties)
        prep = with_covariates(layout, xc)
    nr = newton_raphson(
        prep,
        np.array([init], dtype=float),
        eps=eps,
        iter_max=iter_max,
        need_var=with_se,
        stacklevel=3,
    )
    return CalibrationSlope(
        slope=float(nr.beta[0]),
        se=float(np.sqrt(nr.var[0, 0])),
        loglik=(nr.loglik0, nr.loglik),
        iterations=nr.iterations,
        converged=nr.converged,
        n=int(t.shape[0]),
        n_events=n_events,
        conf_level=conf_level,
    )


def _check_layout(layout: Prepared, n: int, n_events: int, ties: str) -> None:
    """Refuse a ``layout`` that cannot be these patients' (size, events, ties)."""
    tied = bool(np.any(layout.ndeath > 1))
    if (
        layout.order.shape[0] != n
        or layout.death_rows.shape[0] != n_events
        or layout.offset is not None
        or (layout.prev_end.size and layout.prev_end[-1] >= 0)  # more than one stratum
        or (tied and layout.efron_ties != (ties == "efron"))
    ):
        raise CoxError(
            "layout must be prepare(time, event, x, None, ties == 'efron') of the same "
            "patients (no strata, no offset)"
        )
