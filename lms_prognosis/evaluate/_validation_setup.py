"""Setting up :func:`lms_prognosis.evaluate.validate`: which path a model takes, the checked
data of each path and its apparent (full-data) performance.

* Cox fast path (:func:`fast_spec`): a list of covariates (column names or formula terms) or a
  fitted ``CoxResult`` without strata, weights, cluster or start; the design is built once.
* Competing risks (:func:`competing_refit`, :func:`cr_job`): a ``FineGrayResult``, a
  ``CauseSpecificResult``, a list of covariates with ``cause=`` (a Fine-Gray model), or a
  callable whose model predicts cumulative incidences (``predict_cif``).
* Anything else callable is refitted as given (:func:`general_job`); a ``CoxResult`` with
  strata, weights, cluster or start is refitted by ``fit_cox`` with all of them
  (:func:`refit_like`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._concordance import concordance_core, time_keys
from lms_prognosis._survdata import survival_data
from lms_prognosis.cox import (
    CauseSpecificResult,
    FineGrayResult,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
)
from lms_prognosis.cox.design import design_matrix, term_variables
from lms_prognosis.cox.engine import prepare, sort_order
from lms_prognosis.evaluate._competing import check_cause
from lms_prognosis.evaluate._inputs import checked, model_columns, model_predictions
from lms_prognosis.evaluate._validation import fast_apparent, general_replicate
from lms_prognosis.evaluate._validation_cr import cr_constants, cr_metrics, predict_cif_at
from lms_prognosis.evaluate.prediction_error import brier_censoring
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = [
    "fast_spec",
    "refit_like",
    "fast_job",
    "general_job",
    "competing_refit",
    "is_competing_model",
    "cr_job",
    "apparent_c_se",
]


def fast_spec(fit_fn: Any) -> dict[str, Any] | None:
    """Covariates, time/event columns and ties when the Cox fast path applies, else None."""
    if isinstance(fit_fn, str):
        fit_fn = [fit_fn]
    if isinstance(fit_fn, (list, tuple)) and all(isinstance(c, str) for c in fit_fn):
        return {"covariates": list(fit_fn), "time": None, "event": None, "efron": True}
    covs = getattr(fit_fn, "covariates", None)
    if (
        covs is not None
        and hasattr(fit_fn, "ties")
        and not any(getattr(fit_fn, a, None) for a in ("strata", "weights", "cluster", "start"))
        and hasattr(fit_fn, "predict_risk")
    ):
        return {
            "covariates": list(covs),
            "time": fit_fn.time,
            "event": fit_fn.event,
            "efron": fit_fn.ties == "efron",
        }
    return None


def refit_like(fit: Any) -> Callable[[pd.DataFrame], Any]:
    """``fit_cox`` with everything of ``fit``: strata, case weights, cluster, start."""

    def refit(data: pd.DataFrame) -> Any:
        return fit_cox(
            data,
            fit.covariates,
            time=fit.time,
            event=fit.event,
            ties=fit.ties,
            strata=fit.strata,
            weights=getattr(fit, "weights", None),
            cluster=getattr(fit, "cluster", None),
            start=getattr(fit, "start", None),
        )

    return refit


def fast_job(
    spec: dict[str, Any], frame: pd.DataFrame, time: str, event: str, job: dict[str, Any]
) -> tuple[dict[str, float], Any]:
    """Checked arrays and the design for the Cox fast path; returns apparent metrics and the
    survival check."""
    tcol = spec["time"] if spec["time"] not in (None, "time") else time
    ecol = spec["event"] if spec["event"] not in (None, "event") else event
    # the columns the terms read (``rcs(age, 4)`` reads age): rows missing one are left out
    covs = term_variables(spec["covariates"], frame.columns)
    sd = survival_data(frame, tcol, ecol, covariates=covs)
    # spline knots on the whole frame, as fit_cox (R's model.frame before na.omit)
    design = design_matrix(
        frame.iloc[sd.positions], spec["covariates"], stacklevel=4, knot_data=frame
    )
    # the rows sorted once, time descending with the events of a tied time last (the
    # engine's order): a bootstrap sample taken as sorted positions stays sorted
    # (fast_replicate)
    rows = sort_order(sd.time, None, sd.grid_step, event=sd.status(1))
    job.update(
        fast=True,
        x=np.ascontiguousarray(design.x[rows]),
        time=sd.time[rows],
        event=sd.status(1).astype(np.int64)[rows],
        efron=spec["efron"],
        n=sd.n,
        sorted_rows=rows,
    )
    job["keys"] = time_keys(job["time"], job["event"])
    # the original patients' sort and blocks, reused by every test-sample slope
    job["layout"] = prepare(job["time"], job["event"], np.zeros((sd.n, 1)), None, job["efron"])
    # and their censoring curve, the IPCW Brier score's weights on those rows every time
    job["censoring"] = brier_censoring(job["time"], job["event"])
    apparent = fast_apparent(job)  # also sets job["beta0"]
    return apparent, sd


def general_job(
    fit_fn: Callable[[pd.DataFrame], Any],
    frame: pd.DataFrame,
    time: str,
    event: str,
    job: dict[str, Any],
    model: Any = None,
) -> tuple[dict[str, float], Any]:
    """The user's fit_fn: rows its apparent model cannot predict (a missing covariate) are
    left out and reported, then every replicate refits on the rows kept. ``model``: the
    apparent fit, if already made."""
    if model is None:
        model = fit_fn(frame)
    lp = model_predictions(model, frame, None)["lp"].to_numpy(float)
    sd, vals = checked(
        frame, time, event, {"linear_predictor": lp}, covariates=model_columns(model, frame)
    )
    job["apparent_risk"] = vals["linear_predictor"]
    data = frame.iloc[sd.positions].reset_index(drop=True)
    data[time] = sd.time
    data[event] = sd.event
    job.update(
        fast=False,
        fit_fn=fit_fn,
        df=data,
        time=sd.time,
        event=sd.status(1).astype(np.int64),
        n=sd.n,
    )
    job["keys"] = time_keys(job["time"], job["event"])
    return general_replicate(job, None)[1], sd


def _covariate_list(fit_fn: Any) -> list[str] | None:
    if isinstance(fit_fn, str):
        return [fit_fn]
    if isinstance(fit_fn, (list, tuple)) and all(isinstance(c, str) for c in fit_fn):
        return list(fit_fn)
    return None


def is_competing_model(model: Any) -> bool:
    """A model that predicts cumulative incidences and no Cox linear predictor."""
    return hasattr(model, "predict_cif") and not hasattr(model, "predict_risk")


def competing_refit(
    fit_fn: Any, cause: int | None, time: str, event: str
) -> tuple[Callable[[pd.DataFrame], Any], int, str, str, str] | None:
    """(refit, cause, time column, event column, method) for a competing-risk model given by
    its fit or its covariates with ``cause``; None for anything else."""
    if isinstance(fit_fn, FineGrayResult):
        fg = fit_fn
        if cause is not None and cause != fg.cause:
            raise LMSPrognosisError(
                f"the Fine-Gray model is for cause {fg.cause}, not cause={cause}; refit it "
                f"with lp.fit_fine_gray(..., cause={cause}) or leave cause= out"
            )

        def refit_fg(d: pd.DataFrame) -> Any:
            return fit_fine_gray(
                d,
                fg.covariates,
                time=fg.time,
                event=fg.event,
                cause=fg.cause,
                cens_strata=fg.cens_strata,
            )

        return refit_fg, fg.cause, fg.time, fg.event, "Fine-Gray refit (fit_fine_gray)"
    if isinstance(fit_fn, CauseSpecificResult):
        cs = fit_fn
        ties = next(iter(cs.models.values())).ties

        def refit_cs(d: pd.DataFrame) -> Any:
            return fit_cause_specific(d, cs.covariates, time=cs.time, event=cs.event, ties=ties)

        return refit_cs, cause or 1, cs.time, cs.event, "cause-specific Cox refit"
    covs = _covariate_list(fit_fn)
    if cause is not None and covs is not None:
        k = check_cause(None, cause)

        def refit_list(d: pd.DataFrame) -> Any:
            return fit_fine_gray(d, covs, time=time, event=event, cause=k)

        return refit_list, k, time, event, "Fine-Gray refit (fit_fine_gray)"
    return None


def cr_job(
    refit: Callable[[pd.DataFrame], Any],
    model: Any,
    frame: pd.DataFrame,
    time: str,
    event: str,
    cause: int,
    job: dict[str, Any],
) -> tuple[dict[str, float], Any]:
    """Checked data, constants of the original patients and apparent metrics of a
    competing-risk model ``model`` (the fit on ``frame``)."""
    tp = job["time_point"]
    risk = predict_cif_at(model, frame, tp, check_cause(None, cause))
    sd, vals = checked(
        frame, time, event, {"predicted": risk}, covariates=model_columns(model, frame)
    )
    k = check_cause(sd.event, cause)
    data = frame.iloc[sd.positions].reset_index(drop=True)
    data[time] = sd.time
    data[event] = sd.event
    ev = np.asarray(sd.event, dtype=np.int64)
    job.update(
        cr=True,
        fast=False,
        refit=refit,
        df=data,
        time=sd.time,
        event=ev,
        cause=k,
        n=sd.n,
        const=cr_constants(sd.time, ev, k, tp),
        apparent_risk=vals["predicted"],
    )
    return cr_metrics(sd.time, ev, vals["predicted"], job["const"], k, tp, job["want"]), sd


def apparent_c_se(job: dict[str, Any]) -> float:
    """Infinitesimal-jackknife standard error of the apparent C (R ``concordance()``'s;
    Wolbers' C at the horizon for a competing-risk model)."""
    risk = job.get("apparent_risk")
    if risk is None:
        return float("nan")
    t, e = job["time"], job["event"]
    ymax = None
    if job.get("cr"):
        k, ymax = job["cause"], job["time_point"]
        t = np.where((e != 0) & (e != k), float(t.max()) + 1.0, t)
        e = e == k
    ok = np.isfinite(risk)
    res = concordance_core(
        t[ok], (e[ok] == 1).astype(np.int64), risk[ok], ymax=ymax, influence=False
    )
    return float(np.sqrt(res["var"]))
