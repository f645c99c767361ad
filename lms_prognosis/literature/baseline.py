"""The baseline a published model's absolute risks come from.

A published model gives relative effects; survival needs a baseline cumulative hazard H0(t)
for the reference patient (linear predictor 0): S(t | x) = exp(-H0(t) exp(LP)). It is the
literature Weibull (docs/evidence.md section 6.3; derived, not published) until the model is recalibrated on a
cohort; then it is the Breslow (or Efron) estimate with the published linear predictor as a
fixed offset, computed by the package's one baseline-hazard kernel,
:func:`lms_prognosis.cox.baseline.baseline_hazard`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lms_prognosis.cox.baseline import baseline_hazard
from lms_prognosis.literature import data as _lit

__all__ = ["Baseline", "weibull_baseline", "offset_baseline"]


@dataclass(frozen=True)
class Baseline:
    """Baseline cumulative hazard H0(t) (t in months) for the reference patient (LP = 0).

    ``kind`` is "weibull" (literature, H0(t) = (t / scale)^shape), "breslow" or "efron"
    (refitted on a cohort with the published linear predictor as offset), "groups" (published
    survival by risk group only) or "none".

    Examples
    --------
    >>> b = weibull_baseline("gustafson1992")
    >>> round(float(np.exp(-b.cumhaz_at([60.0])[0])), 3)  # reference-patient S0(60 months)
    0.993
    """

    kind: str
    label: str
    shape: float = math.nan
    scale: float = math.nan
    times: tuple[float, ...] = ()
    cumhaz: tuple[float, ...] = ()
    group_surv: dict[str, dict[float, float]] = field(default_factory=dict)

    def cumhaz_at(self, t: Sequence[float] | np.ndarray) -> np.ndarray:
        """H0 at times ``t`` (NaN past the last follow-up time for a refitted baseline)."""
        t = np.asarray(t, float)
        if self.kind == "weibull":
            return np.asarray((t / self.scale) ** self.shape, float)
        if self.kind in ("breslow", "efron"):
            times, ch = np.asarray(self.times), np.asarray(self.cumhaz)
            idx = np.searchsorted(times, t, side="right") - 1
            h = np.where(idx >= 0, ch[np.clip(idx, 0, None)], 0.0)
            return np.where(t > times[-1], np.nan, h)
        return np.full(t.shape, np.nan)


def weibull_baseline(model: str) -> Baseline:
    """The literature Weibull baseline of a Cox-type published model (evidence page section 6.3).

    Shape and the reference patient's 5-year survival are the [D] constants of
    :mod:`lms_prognosis.literature.data` (``weibull_shape``, ``S0_60m[<model>]``), each with
    its source there.

    Examples
    --------
    >>> b = weibull_baseline("lms_default")
    >>> b.shape, round(b.scale)
    (0.8, 5678)
    """
    k = _lit.constant("weibull_shape")
    s5 = _lit.constant(f"S0_60m[{model}]")
    scale = 60.0 / (-math.log(s5)) ** (1 / k)
    label = (
        f"literature Weibull [D]: H0(t) = (t/{scale:.0f} months)^{k:g}, reference-patient "
        f"S0(60 months) = {s5:g}; derived by simulation, not published (docs/evidence.md "
        "section 6.3)"
    )
    return Baseline("weibull", label, shape=k, scale=scale)


def offset_baseline(
    time: np.ndarray, event: np.ndarray, offset: np.ndarray, label: str, ties: str = "breslow"
) -> Baseline:
    """Baseline refitted on a cohort with a fixed linear predictor (R ``offset()``).

    Parameters
    ----------
    time, event : ndarray
        Checked follow-up (months) and event codes (1 = event, other codes censored).
    offset : ndarray
        The published linear predictor of each patient (kept fixed).
    label : str
        How the baseline was obtained (shown in results and reports).
    ties : {"breslow", "efron"}
        Breslow increments ``d / sum exp(LP)`` or Efron's correction for tied events.

    Returns
    -------
    Baseline
        ``kind`` = ``ties``; H0 at every distinct follow-up time.

    Notes
    -----
    As R ``survfit(coxph(Surv(time, event == 1) ~ offset(lp), ties = ties), newdata =
    data.frame(lp = 0))$cumhaz``, pinned by ``tests/reference/literature.R``.

    Examples
    --------
    >>> b = offset_baseline(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0]),
    ...                     np.zeros(3), "Nelson-Aalen")
    >>> [round(h, 4) for h in b.cumhaz]
    [0.3333, 0.8333, 0.8333]
    """
    h = baseline_hazard(time, event, offset, ties=ties)
    return Baseline(ties, label, times=tuple(h.time.tolist()), cumhaz=tuple(h.cumhaz.tolist()))
