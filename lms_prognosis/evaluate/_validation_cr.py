"""The bootstrap of :func:`lms_prognosis.evaluate.validate` for competing-risk models.

A model that predicts the cumulative incidence of a cause (a Fine-Gray model, cause-specific
Cox models, or any fitted object with ``predict_cif(newdata, times)``) is refitted on every
bootstrap sample and judged on the cumulative-incidence scale at the horizon ``time_point``,
with the same estimators as the public evaluation functions given ``cause=``:

* ``c``: Wolbers et al.'s C of the predicted cumulative incidence at the horizon
  (:func:`~lms_prognosis.evaluate.concordance` with ``cause=``, ``tau=time_point``):
  competing events stay comparable beyond the last time, ``cause`` events after the horizon
  are not index events, counted by the package's O(n log n) Harrell count;
* ``brier``: Score's Brier score of the predicted cumulative incidence
  (:func:`~lms_prognosis.evaluate.brier_score` with ``cause=``), the censoring curve G from
  the rows scored (only code 0 is a censoring);
* ``ici``, ``e50``, ``e90``, ``oe``: calibration of the predicted cumulative incidence
  (:func:`~lms_prognosis.evaluate.calibration` with ``cause=``): jackknife pseudo-values of the
  Aalen-Johansen estimate smoothed on a restricted cubic spline of cloglog(predicted risk),
  and Aalen-Johansen / mean predicted risk.

The original patients' Wolbers keys, censoring curve, pseudo-values and Aalen-Johansen
estimate do not change between replicates and are computed once. A replicate predicts the
original patients once; its bootstrap rows' predictions are those rows of it (a prediction
depends only on the patient's covariates).

Cause-specific models: their point estimate of the cumulative incidence is computed here,
vectorised over patients, from the fitted cause-specific hazards exactly as
``CauseSpecificResult.predict_cif`` computes it (which also computes a per-patient
influence-function standard error that the bootstrap does not need and that would cost
O(n) per patient); tests/evaluate/test_validate_competing.py checks the two agree.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._concordance import harrell_c, time_keys
from lms_prognosis.evaluate._cif_calibration import _cll, _spline
from lms_prognosis.evaluate._competing import (
    aalen_johansen_at,
    cr_brier,
    cr_censoring,
    pseudo_values,
)
from lms_prognosis.evaluate._inputs import cif_matrix
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = [
    "CR_METRICS",
    "CR_DEFAULT",
    "predict_cif_at",
    "wolbers_data",
    "cr_constants",
    "cr_metrics",
    "cr_replicate",
]

CR_METRICS = ("c", "dxy", "brier", "ici", "e50", "e90", "oe")
CR_DEFAULT = ("c", "brier", "ici", "oe")
CAL_KNOTS = 3  # calibration(..., cause=)'s default spline


def predict_cif_at(model: Any, frame: pd.DataFrame, t: float, cause: int) -> np.ndarray:
    """Predicted cumulative incidence of ``cause`` at ``t`` for each row of ``frame``."""
    if hasattr(model, "models") and hasattr(model, "_hazards") and hasattr(model, "_grid"):
        return _cause_specific_cif(model, frame, t, cause)
    if hasattr(model, "predict_cif") and frame.index.is_unique:
        # one time: the long table read straight into the rows (no pivot, same numbers)
        long = model.predict_cif(frame, [float(t)])
        if "cause" in long.columns:
            long = long[long["cause"].to_numpy() == cause]
        if len(long) == len(frame):
            cif = pd.Series(long["cif"].to_numpy(float), index=long["patient"].to_numpy())
            return cif.reindex(frame.index).to_numpy(float)
    return cif_matrix(frame, model, np.array([float(t)]), cause)[:, 0]


def _cause_specific_cif(model: Any, frame: pd.DataFrame, t: float, cause: int) -> np.ndarray:
    """``CauseSpecificResult.predict_cif``'s estimate: F_k(t) = sum_{u <= t} S(u-) dL_k(u),
    S = prod (1 - sum_k dL_k), dL_k = exp(z b_k) dH0_k; NaN after the last time."""
    ut = model._grid[0]
    if cause not in model.models:
        raise LMSPrognosisError(f"the cause-specific model has no model for cause {cause}")
    if t > ut[-1]:
        return np.full(len(frame), np.nan)
    pos = int(np.searchsorted(ut, t, side="right")) - 1
    if pos < 0:
        return np.zeros(len(frame))
    design = next(iter(model.models.values()))._design
    z = design.transform(frame) - design.center
    dlam = {
        k: np.exp(z @ h.beta)[:, None] * h.dh0[None, : pos + 1] for k, h in model._hazards.items()
    }
    surv = np.cumprod(1.0 - sum(dlam.values()), axis=1)
    s_before = np.hstack([np.ones((len(frame), 1)), surv[:, :-1]])
    return np.asarray(np.sum(s_before * dlam[cause], axis=1), dtype=float)


def wolbers_data(
    time: np.ndarray, event: np.ndarray, cause: int, tau: float
) -> tuple[np.ndarray, np.ndarray]:
    """Keys and 0/1 events of Wolbers' C at ``tau`` for ``harrell_c``: competing events
    beyond the last time (censored), ``cause`` events after ``tau`` not index events (R
    ``ymax``: their time weight is 0)."""
    comp = (event != 0) & (event != cause)
    t = np.where(comp, float(time.max()) + 1.0, time)
    e = ((event == cause) & (time <= tau)).astype(np.int64)
    return time_keys(t, e), e


def cr_constants(time: np.ndarray, event: np.ndarray, cause: int, tp: float) -> dict[str, Any]:
    """What the metrics need of a sample besides the predictions: Wolbers keys, censoring
    curve, pseudo-values and Aalen-Johansen estimate at ``tp`` (and its checks)."""
    if time.max() <= tp:
        raise LMSPrognosisError(
            f"time_point {tp:g} is at or beyond the last follow-up time ({time.max():g}): "
            f"the censoring weights and the observed cumulative incidence are not defined "
            f"there. Use an earlier time_point."
        )
    if np.sum(event == cause) < 2:
        raise LMSPrognosisError(f"fewer than two events of cause {cause}")
    g = cr_censoring(time, event)
    if float(g.at(tp)) <= 0:
        raise LMSPrognosisError(f"no patient is known to be free of censoring at {tp:g}")
    keys, ev = wolbers_data(time, event, cause, tp)
    return {
        "keys": keys,
        "ev": ev,
        "g": g,
        "pv": pseudo_values(time, event, cause, tp),
        "aj": aalen_johansen_at(time, event, cause, tp),
    }


def cr_metrics(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    const: dict[str, Any],
    cause: int,
    tp: float,
    want: Sequence[str],
) -> dict[str, float]:
    """The competing-risk metrics of predicted cumulative incidences ``risk`` on these rows."""
    if not np.all(np.isfinite(risk)):
        raise LMSPrognosisError("the model could not predict every patient at the horizon")
    out: dict[str, float] = {}
    if "c" in want or "dxy" in want:
        out["c"] = harrell_c(const["keys"], const["ev"], risk)
        out["dxy"] = 2.0 * out["c"] - 1.0
    if "brier" in want:
        out["brier"] = cr_brier(time, event, risk, tp, const["g"], cause)
    if {"ici", "e50", "e90"} & set(want):
        x, _ = _spline(_cll(risk), CAL_KNOTS)
        beta = np.linalg.lstsq(x, const["pv"], rcond=None)[0]
        diff = np.abs(x @ beta - risk)
        out.update(
            ici=float(diff.mean()),
            e50=float(np.median(diff)),
            e90=float(np.quantile(diff, 0.9)),
        )
    if "oe" in want:
        out["oe"] = const["aj"] / float(risk.mean())
    return {k: float(v) for k, v in out.items() if k in want}


def cr_replicate(
    job: dict[str, Any], idx: np.ndarray | None
) -> tuple[dict[str, float], dict[str, float]]:
    """Refit on rows ``idx`` (None = all) and evaluate there (training) and on all rows
    (test)."""
    refit: Callable[[pd.DataFrame], Any] = job["refit"]
    df, time, event = job["df"], job["time"], job["event"]
    cause, tp, want = job["cause"], job["time_point"], job["want"]
    boot = df if idx is None else df.iloc[idx].reset_index(drop=True)
    with warnings.catch_warnings():  # the apparent fit has shown its warnings once
        warnings.simplefilter("ignore")
        model = refit(boot)
    risk = predict_cif_at(model, df, tp, cause)
    test = cr_metrics(time, event, risk, job["const"], cause, tp, want)
    if idx is None:
        return test, test
    tb, eb = time[idx], event[idx]
    train = cr_metrics(tb, eb, risk[idx], cr_constants(tb, eb, cause, tp), cause, tp, want)
    return train, test
