"""Refitting a published model on a local cohort: its baseline, and optionally its slope.

Used by :meth:`lms_prognosis.literature.PublishedModel.recalibrate`: the calibration slope
(a Cox model of the outcome on the linear predictor, :mod:`lms_prognosis.cox.slope`) and the
baseline of a Cox model with the linear predictor as a fixed offset
(:func:`~lms_prognosis.literature.baseline.offset_baseline`).

Two methods (van Houwelingen 2000; Steyerberg, Clinical Prediction Models, 2nd ed. 2019,
chapter 20):

* ``"baseline"`` -- the published linear predictor is kept as it is and only the baseline
  hazard is refitted (offset ``lp``): "recalibration in the large" over time;
* ``"slope"`` -- the linear predictor is also rescaled by the calibration slope ``b`` of
  ``coxph(Surv ~ lp)`` on the cohort, and the baseline refitted with the offset ``b x lp``:
  every effect is multiplied by ``b`` (shrunk when ``b < 1``), so the recalibrated model's
  calibration slope on the same cohort is 1.

Points systems always use the estimated per-point log HR as their slope (there is no
published hazard scale to keep).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lms_prognosis._survdata import survival_data
from lms_prognosis.cox.slope import calibration_slope
from lms_prognosis.exceptions import ModelError
from lms_prognosis.literature._cohort_rows import cohort_parts
from lms_prognosis.literature.baseline import Baseline, offset_baseline
from lms_prognosis.literature.results import Recalibration

if TYPE_CHECKING:  # type-only: models.py imports this module
    from lms_prognosis.literature.models import PublishedModel

__all__ = ["METHODS", "refit_baseline", "recalibrated"]

#: what ``PublishedModel.recalibrate(method=)`` accepts
METHODS = ("baseline", "slope")


def refit_baseline(
    kind: str,
    t: np.ndarray,
    e: np.ndarray,
    lp: np.ndarray,
    *,
    source: str,
    ties: str,
    dropped: pd.DataFrame,
    method: str = "baseline",
) -> tuple[Baseline, Recalibration]:
    """The refitted baseline and the :class:`Recalibration` result on follow-up ``t``, event
    codes ``e`` (1 = event) and published linear predictor ``lp`` of the patients scored.

    For points systems (``kind="points"``) and ``method="slope"`` the offset is slope x lp
    (for points, the slope is the per-point log HR); otherwise the offset is ``lp``.

    Examples
    --------
    >>> t = np.array([2.0, 4.0, 5.0, 7.0, 9.0, 11.0])
    >>> e = np.array([1, 1, 0, 1, 1, 0])
    >>> lp = np.array([1.0, 0.5, 0.0, 0.8, -0.5, -1.0])
    >>> base, rec = refit_baseline("cox", t, e, lp, source="demo", ties="breslow",
    ...                            dropped=pd.DataFrame(), method="slope")
    >>> rec.method, round(rec.slope, 3), "slope" in base.label
    ('slope', 3.813, True)
    """
    if method not in METHODS:
        raise ModelError(f"method must be one of {METHODS}, got {method!r}")
    fit = calibration_slope(t, e, lp)
    scaled = kind == "points" or method == "slope"
    off = lp * fit.slope if scaled else lp
    if kind == "points":
        what = "the estimated per-point log HR x points"
    elif scaled:
        what = f"the calibration slope ({fit.slope:.3f}) x the published linear predictor"
    else:
        what = "the published linear predictor"
    label = (
        f"{ties.capitalize()} estimator with {what} as offset, refitted on {source} "
        f"(n = {len(lp)}, events = {fit.n_events}); calibration slope by Cox "
        f"regression on the linear predictor (lms_prognosis.cox.slope)"
    )
    base = offset_baseline(t, e, off, label, ties=ties)
    recal = Recalibration(
        table=pd.DataFrame(
            {
                "time": base.times,
                "cumhaz": base.cumhaz,
                "surv": np.exp(-np.asarray(base.cumhaz)),
            }
        ),
        slope=fit.slope,
        slope_se=fit.se,
        n=len(lp),
        n_events=fit.n_events,
        dropped=dropped,
        ties=ties,
        source=source,
        method="slope" if scaled else "baseline",
    )
    return base, recal


def recalibrated(
    model: PublishedModel,
    cohort: Any,
    missing: str,
    allow_endpoint_mismatch: bool,
    time: str,
    event: str,
    ties: str,
    allow_outside_population: bool,
    method: str,
) -> dict[str, Any]:
    """The fields :meth:`PublishedModel.recalibrate` replaces (baseline, slope, notes,
    recalibration, lp_scale), refitted on ``cohort``."""
    if method not in METHODS:
        raise ModelError(f"method must be one of {METHODS}, got {method!r}")
    if model.lp_scale != 1.0:
        raise ModelError(
            f"{model.name} was already slope-recalibrated (its effects are scaled by "
            f"{model.lp_scale:.3f}); recalibrate the published model "
            f"(published_model({model.name!r})) instead"
        )
    data, endpoint, source = cohort_parts(cohort)
    outcome = survival_data(data, time, event)
    res, keep = model._score(
        data, endpoint, (), missing, allow_endpoint_mismatch, outcome, allow_outside_population
    )
    t_all = np.full(len(data), np.nan)
    e_all = np.zeros(len(data), dtype=np.int8)
    t_all[outcome.positions], e_all[outcome.positions] = outcome.time, outcome.event
    t, e = t_all[keep], e_all[keep]
    lp = res.table["linear_predictor"].to_numpy(float)
    base, recal = refit_baseline(
        model.model_type, t, e, lp, source=source, ties=ties, dropped=res.dropped, method=method
    )
    notes = [*model.notes, *res.notes]
    if res.dropped.shape[0]:
        notes.append(
            f"recalibration left out {res.dropped['row'].nunique()} patient(s); "
            f"see .recalibration.dropped"
        )
    slope_scaled = model.model_type == "cox" and method == "slope"
    return {
        "baseline": base,
        "calibration_slope": recal.slope,
        "calibration_slope_se": recal.slope_se,
        "notes": notes,
        "recalibration": recal,
        "lp_scale": recal.slope if slope_scaled else 1.0,
    }
