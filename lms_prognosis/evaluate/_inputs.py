"""Inputs of the evaluation functions: predictions of a model, and the one survival check.

Every public function of :mod:`lms_prognosis.evaluate` turns its predictions (a column, an
array, or a model's output) into per-row arrays and passes them, with the time and event
columns and the covariates the model needs, through
:func:`lms_prognosis._survdata.survival_data`. Rows with a missing time, event, covariate or
prediction are left out there and reported in the result's ``.dropped`` (a patient whose
prediction is missing because a covariate is missing is reported once, under the covariate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._survdata import SurvData, as_frame, require_columns, survival_data
from lms_prognosis.cox.design import term_variables
from lms_prognosis.exceptions import LMSPrognosisError, ModelError

__all__ = [
    "is_model",
    "model_columns",
    "model_predictions",
    "checked",
    "values_of",
    "surv_matrix",
    "wide_predictions",
    "cif_matrix",
    "times_array",
]


def is_model(obj: Any) -> bool:
    """A fitted or published model (not a column, array or Series: a Series has .apply).

    Examples
    --------
    >>> is_model(np.zeros(3)), is_model("risk")
    (False, False)
    """
    return hasattr(obj, "predict_risk") and not isinstance(obj, (str, pd.Series, np.ndarray))


def model_columns(model: Any, frame: pd.DataFrame) -> list[str]:
    """The model's covariates that are columns of ``frame`` (checked for missing values).

    Examples
    --------
    >>> model_columns(np.zeros(2), pd.DataFrame({"age": [1, 2]}))
    []

    Formula terms of a fitted model count through the columns they read (``rcs(age, 4)``
    reads ``age``).
    """
    fitted = is_model(model) or (
        hasattr(model, "predict_cif") and not isinstance(model, (str, pd.Series, np.ndarray))
    )
    covs = getattr(model, "covariates", None) if fitted else None
    if covs is None and fitted:
        factors = getattr(model, "factors", None)
        covs = (
            list(factors["factor"])
            if isinstance(factors, pd.DataFrame) and "factor" in factors.columns
            else []
        )
    names = [c for c in (covs or []) if isinstance(c, str)]
    if names and not all(c in frame.columns for c in names):
        try:  # formula terms (``rcs(age, 4)``, ``age:grade``) read the columns they name
            return term_variables(names, frame.columns)
        except LMSPrognosisError:
            pass
    return [c for c in names if c in frame.columns]


def model_predictions(model: Any, df: Any, time_point: float | None) -> pd.DataFrame:
    """Per-row ``lp`` (linear predictor) and ``surv`` (S(time_point)), indexed like ``df``.

    ``model``: anything with ``predict_survival(newdata, times)`` (a long table with patient,
    time, surv) and ``predict_risk(newdata)`` or ``apply``; or an array of predicted survival
    probabilities at ``time_point`` (then lp = log(-log S)). Rows the model cannot predict
    (a missing covariate) get NaN.

    Examples
    --------
    >>> model_predictions(np.array([0.5, 0.9]), pd.DataFrame({"t": [1, 2]}), 12).round(3)
       surv     lp
    0   0.5 -0.367
    1   0.9 -2.250
    """
    frame = as_frame(df)
    arg = frame if hasattr(type(model), "hazard_ratios") else df
    out = pd.DataFrame(index=frame.index)
    if isinstance(model, (np.ndarray, list, pd.Series)):
        s = np.asarray(model, dtype=float).ravel()
        if s.shape[0] != len(frame):
            raise LMSPrognosisError(
                f"{s.shape[0]} predictions for {len(frame)} rows; give "
                f"one predicted survival probability per row"
            )
        if np.any((s < 0) | (s > 1)):
            raise LMSPrognosisError("predicted survival probabilities must lie in [0, 1]")
        out["surv"] = s
        out["lp"] = np.log(-np.log(np.clip(s, 1e-12, 1 - 1e-12)))
        return out
    if hasattr(model, "predict_lp_survival"):  # a published model: one scoring for both
        both = model.predict_lp_survival(arg, time_point)
        if time_point is not None:
            out["surv"] = both["surv"].reindex(frame.index).to_numpy(float)
        out["lp"] = both["lp"].reindex(frame.index).to_numpy(float)
        return out
    if time_point is not None:
        if not hasattr(model, "predict_survival"):
            raise ModelError("model needs a predict_survival(newdata, times) method")
        long = model.predict_survival(arg, [float(time_point)])
        long = long[np.isclose(long["time"].to_numpy(float), float(time_point))]
        out["surv"] = long.set_index("patient")["surv"].reindex(frame.index).to_numpy(float)
    if hasattr(model, "predict_risk"):
        lp = model.predict_risk(arg)["linear_predictor"]
    elif hasattr(model, "apply"):
        lp = model.apply(arg)["linear_predictor"]
    else:
        raise ModelError("model needs predict_risk(newdata) or apply(cohort)")
    out["lp"] = pd.Series(lp).reindex(frame.index).to_numpy(float)
    return out


def values_of(frame: pd.DataFrame, spec: Any, name: str) -> np.ndarray:
    """A column (by name) or per-row values (array-like) as float; NaN = missing.

    Examples
    --------
    >>> values_of(pd.DataFrame({"r": [1, None]}), "r", "risk").tolist()
    [1.0, nan]
    """
    if isinstance(spec, str):
        require_columns(frame, [spec], name)
        return pd.to_numeric(frame[spec], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(spec, dtype=float)
    return arr.ravel() if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1) else arr


def checked(
    df: Any,
    time: str,
    event: str,
    values: Mapping[str, np.ndarray],
    *,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    strata: str | Sequence[str] | None = None,
) -> tuple[SurvData, dict[str, np.ndarray]]:
    """The one survival check, with per-row predictions; returns the kept rows of each.

    ``values`` maps a name (as it appears in ``.dropped``) to an array with one row per row
    of ``df`` (1-D, or 2-D with one column per horizon: a row with any NaN is missing). A row
    whose covariate is missing is reported under the covariate only. ``strata`` columns are
    checked as the survival check's strata (a missing stratum leaves the row out).

    Examples
    --------
    >>> d = pd.DataFrame({"time": [1.0, 2, 3], "event": [1, 0, 1], "x": [1.0, None, 3]})
    >>> sd, v = checked(d, "time", "event", {"risk": np.array([0.5, np.nan, 0.1])},
    ...                 covariates=["x"])
    >>> sd.n, v["risk"].tolist(), sd.dropped["column"].tolist()
    (2, [0.5, 0.1], ['x'])
    """
    frame = as_frame(df)
    require_columns(frame, covariates, "covariate")
    cov_missing = frame[list(covariates)].isna().any(axis=1).to_numpy() if covariates else None
    extra: dict[str, np.ndarray] = {}
    for name, arr in values.items():  # survival_data checks there is one value per row
        flag = arr if arr.ndim == 1 else np.where(np.isnan(arr).any(axis=1), np.nan, 0.0)
        if cov_missing is not None and cov_missing.any() and len(flag) == len(frame):
            flag = np.where(cov_missing, 0.0, flag)
        extra[name] = flag
    sd = survival_data(
        frame,
        time,
        event,
        covariates=list(covariates),
        weights=weights,
        strata=strata,
        extra=extra,
    )
    full = sd.n == len(frame)
    return sd, {k: (v if full else v[sd.positions]) for k, v in values.items()}


def times_array(times: float | Sequence[float]) -> np.ndarray:
    """Horizons as a sorted, de-duplicated float array; each finite and > 0.

    Examples
    --------
    >>> times_array([24, 12, 12]).tolist()
    [12.0, 24.0]
    """
    arr = np.unique(np.atleast_1d(np.asarray(times, dtype=float)))
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise LMSPrognosisError("times must be finite and > 0")
    return arr


def wide_predictions(long: pd.DataFrame, value: str, index: pd.Index, times: Any) -> np.ndarray:
    """A model's long predictions (patient, time, ``value``) as a (rows, times) matrix.

    A table in the order the package's models write it (patient by patient in ``index``'s
    order, each with ``times`` in that order) is reshaped as it is: 0.08 ms for 5,000
    patients at one time, where ``pivot_table`` took 4.5 ms in the same run (a Cox model's
    Brier score took 6 ms in all). Any other table is matched by patient label and time
    (``pivot_table``: duplicates averaged); a missing prediction is NaN either way.

    Examples
    --------
    >>> long = pd.DataFrame({"patient": [7, 7, 9, 9], "time": [12.0, 24.0] * 2,
    ...                      "surv": [0.9, 0.8, 0.7, 0.6]})
    >>> wide_predictions(long, "surv", pd.Index([7, 9]), np.array([12.0, 24.0])).tolist()
    [[0.9, 0.8], [0.7, 0.6]]
    """
    times = np.asarray(times, dtype=float)
    n, k = len(index), times.size
    if (
        len(long) == n * k
        and np.array_equal(long["time"].to_numpy(dtype=float), np.tile(times, n))
        and pd.Index(long["patient"]).equals(index.repeat(k))
    ):
        return long[value].to_numpy(dtype=float).reshape(n, k)
    wide = long.pivot_table(index="patient", columns="time", values=value)
    return wide.reindex(index=index, columns=times).to_numpy(float)


def surv_matrix(df: Any, predicted: Any, times: np.ndarray) -> np.ndarray:
    """Predicted survival, shape (rows, times), from a model, an array or a column.

    Examples
    --------
    >>> surv_matrix(pd.DataFrame({"s": [0.2, 0.4]}), "s", np.array([12.0])).tolist()
    [[0.2], [0.4]]
    """
    frame = as_frame(df)
    if hasattr(predicted, "predict_survival"):
        arg = frame if hasattr(type(predicted), "hazard_ratios") else df
        long = predicted.predict_survival(arg, list(times))
        return wide_predictions(long, "surv", frame.index, times)
    mat = values_of(frame, predicted, "predicted")
    if mat.ndim == 1:
        mat = mat[:, None]
    if mat.shape != (len(frame), times.size):
        raise LMSPrognosisError(
            f"predicted survival must have shape (n rows, n times) = "
            f"({len(frame)}, {times.size}), got {mat.shape}"
        )
    return mat


def cif_matrix(df: Any, predicted: Any, times: np.ndarray, cause: int) -> np.ndarray:
    """Predicted cumulative incidence of ``cause``, shape (rows, times).

    ``predicted``: a model with ``predict_cif(newdata, times)`` (a long table with patient,
    time, cif, and a cause column when it predicts several causes), an array of shape
    (n, len(times)) (a vector for one time), or a column name (one time). Values must lie in
    [0, 1] (NaN = missing).

    Examples
    --------
    >>> cif_matrix(pd.DataFrame({"f": [0.2, 0.4]}), "f", np.array([12.0]), 1).tolist()
    [[0.2], [0.4]]
    """
    frame = as_frame(df)
    if hasattr(predicted, "predict_cif"):
        arg = frame if hasattr(type(predicted), "hazard_ratios") else df
        long = predicted.predict_cif(arg, list(times))
        if "cause" in long.columns:
            long = long[long["cause"].astype(str) == str(cause)]
        return wide_predictions(long, "cif", frame.index, times)
    if hasattr(predicted, "predict_survival") or hasattr(predicted, "predict_risk"):
        raise ModelError(
            "with cause= give the predicted cumulative incidence of that cause (an array, a "
            "column, or a model with predict_cif(newdata, times)); this model predicts "
            "survival only"
        )
    mat = values_of(frame, predicted, "predicted")
    if mat.ndim == 1:
        mat = mat[:, None]
    if mat.shape != (len(frame), times.size):
        raise LMSPrognosisError(
            f"predicted cumulative incidence must have shape (n rows, n times) = "
            f"({len(frame)}, {times.size}), got {mat.shape}"
        )
    with np.errstate(invalid="ignore"):
        if np.any((mat < 0) | (mat > 1)):
            raise LMSPrognosisError(
                "predicted cumulative incidences must lie in [0, 1] (absolute risks of the "
                "cause by each time, not linear predictors)"
            )
    return mat
