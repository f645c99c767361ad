"""A per-patient risk calculator as one offline web page: :func:`export_calculator`.

The page is one self-contained HTML file (inline CSS and JavaScript, no network, no server:
it opens from ``file://``, e.g. a USB stick on a hospital PC). Its script recomputes what the
model's ``predict_survival`` (or ``predict_cif``) computes, from the model's own numbers
shipped in the page (not a table of predictions):

* a fitted :class:`~lms_prognosis.cox.CoxResult`: the design coding (spline terms ``rcs`` /
  ``ns`` with their knots and basis), centring, coefficients, variance matrix and, per
  stratum, the (Efron-corrected for an Efron fit) baseline cumulative hazard with its
  variance terms; the 95% CI is R ``survfit.coxph``'s, the variance of beta included, on
  the transform of ``conf_type`` ("log" by default, R's);
* a :class:`~lms_prognosis.cox.FineGrayResult`: crr's coefficients and sandwich variance and
  the cumulative baseline subdistribution hazard with its variance terms
  (``FineGrayResult.predict_cif``);
* a :class:`~lms_prognosis.cox.CauseSpecificResult`: each cause's coefficients, variance
  and, at the event times, the baseline hazard increments with their variance and ``xbar``
  terms: the aggregates of ``CauseSpecificResult.predict_cif(..., se_method="aggregate")``
  (nothing of single patients);
* a published model (:func:`lms_prognosis.published_model`): the term rules, coefficients
  or points, calibration slope, baseline (literature Weibull, refitted step function or
  published survival by risk group) and risk-group cut-points. Published values carry no
  usable variance, so no CI is shown (as ``PublishedModel.predict_survival`` gives NaN).

``window.lmsPredict(patient, times)`` returns, for a patient given as ``{column: value}``,
``[{time, surv, lower, upper, std_err, cumhaz}, ...]`` for a Cox or published model, and
``[{time, cause, risk, lower, upper, std_err}, ...]`` (cause by cause, times in the order
given; ``risk`` the cumulative incidence) for a competing-risk model;
``window.lmsRiskGroup(patient)`` returns the risk group (or null when the model defines none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lms_prognosis._format import format_hr, format_p
from lms_prognosis._provenance import provenance
from lms_prognosis._survfit import CONF_TYPES
from lms_prognosis._version import __version__
from lms_prognosis.exceptions import ExportError
from lms_prognosis.report._calculator_cox import cox_spec
from lms_prognosis.report._calculator_cr import (
    CAUSE_LABELS,
    cause_specific_spec,
    cr_meta,
    finegray_spec,
    is_cause_specific,
    is_finegray,
)
from lms_prognosis.report._calculator_fields import ENDPOINT_CAUSES
from lms_prognosis.report._calculator_groups import assign_risk_groups
from lms_prognosis.report._calculator_published import published_spec
from lms_prognosis.report._calculator_terms import term_labels
from lms_prognosis.report._templates import render_template

__all__ = ["export_calculator", "assign_risk_groups", "DEFAULT_HORIZONS"]

#: months at which survival is shown unless ``horizons=`` is given (1, 3, 5 and 10 years)
DEFAULT_HORIZONS: tuple[float, ...] = (12.0, 36.0, 60.0, 120.0)
_KINDS = {
    ("published", "cox"): "published Cox-type model (relative risks as reported)",
    ("published", "points"): "published points score",
    ("design", "cox"): "design values chosen for simulation, not a fitted model",
}


def _is_fitted_cox(model: Any) -> bool:
    return hasattr(model, "predict_survival") and hasattr(model, "_design")


def _is_published(model: Any) -> bool:
    return hasattr(model, "coefficients") and hasattr(model, "baseline")


def _last_times(spec: dict[str, Any]) -> list[float]:
    """Last time each stratum's (or the published step) baseline is defined."""
    if spec["type"] == "cox":
        return [s["time"][-1] for s in spec["strata"] if s["time"]]
    if spec["type"] in ("finegray", "cause_specific"):
        return [spec["last_time"]]
    base = spec["baseline"]
    if base["kind"] == "step":
        return [base["time"][-1]]
    return []


def _horizons(spec: dict[str, Any], horizons: Sequence[float] | None) -> list[float]:
    """Horizons to show: the caller's, or the defaults within follow-up."""
    base = spec.get("baseline") or {}
    if base.get("kind") == "none":
        return []
    if base.get("kind") == "groups":
        return sorted({float(r["time"]) for r in base["surv"]})
    if horizons is not None:
        out = [float(h) for h in horizons]
        if not out or any(not np.isfinite(h) or h <= 0 for h in out):
            raise ExportError(f"horizons must be positive months, got {list(horizons)}")
        return sorted(set(out))
    last = _last_times(spec)
    limit = max(last) if last else np.inf
    out = [h for h in DEFAULT_HORIZONS if h <= limit]
    if not out:
        raise ExportError(
            f"follow-up ends at {limit:g} months, before the first default horizon "
            f"({DEFAULT_HORIZONS[0]:g}); pass horizons=[...] in months"
        )
    return out


def _text(value: Any, fallback: str) -> str:
    """A metadata attribute as text (None, NaN and "" give the fallback)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == "":
        return fallback
    return str(value)


def _cox_meta(model: Any, fields: list[dict[str, Any]]) -> dict[str, Any]:
    strata = f", stratified by {', '.join(model.strata)}" if model.strata else ""
    hr = model.hazard_ratios
    names = term_labels(model._design, fields)
    rows = [
        [t, format_hr(h, lo, up), format_p(p)]
        for t, h, lo, up, p in zip(names, hr["hr"], hr["lower"], hr["upper"], hr["p"], strict=True)
    ]
    return {
        "name": "fitted Cox model",
        "title": f"Cox model fitted on {model.n} patients",
        "kind": f"Cox proportional hazards model, fitted (ties = {model.ties}{strata})",
        "population": f"the {model.n} patients of the fitted data",
        "source": f"fitted with lms_prognosis {__version__} (fit_cox)",
        "evidence": (
            f"n = {model.n}, events = {model.n_events}; Harrell's C = "
            f"{model.concordance:.3f} (apparent, not optimism-corrected)"
        ),
        "caveat": "",
        "baseline": (
            "Efron-corrected Breslow baseline (R survfit.coxph)"
            if model.ties == "efron"
            else "Breslow baseline (R survfit.coxph)"
        ),
        "table_header": ["Term", f"HR ({round(100 * model.conf_level)}% CI)", "p"],
        "table": rows,
    }


def _published_meta(model: Any) -> dict[str, Any]:
    fac = model.factors
    rows = []
    for r in fac.itertuples(index=False):
        value = f"{r.points:g} point(s)" if r.measure == "points" else f"{r.measure} {r.hr:g}"
        sig = {True: "yes", False: "no"}.get(r.significant, "not stated")
        rows.append([str(r.factor), value, str(r.evidence), sig])
    n = getattr(model, "n", None)
    return {
        "name": model.name,
        "title": _text(getattr(model, "title", None), model.name),
        "kind": _KINDS.get(
            (str(getattr(model, "kind", "")), str(getattr(model, "model_type", ""))),
            "published model",
        ),
        "population": _text(getattr(model, "population", None), "not stated by the model"),
        "source": _text(getattr(model, "source", None), "not stated by the model"),
        "evidence": (f"n = {n}; " if n else "")
        + "evidence markers: [V] read in the source, [V2] secondary, [U] unverified, "
        "[D] derived (design value)",
        "caveat": _text(getattr(model, "caveat", None), ""),
        "baseline": _text(getattr(getattr(model, "baseline", None), "label", None), ""),
        "table_header": ["Factor", "Effect", "Evidence", "Significant"],
        "table": rows,
    }


def _meta(
    model: Any, fitted: bool, spec: dict[str, Any], overrides: Mapping[str, str | None]
) -> dict[str, Any]:
    if spec["type"] in ("finegray", "cause_specific"):
        meta = cr_meta(model, spec)
    else:
        meta = _cox_meta(model, spec["fields"]) if fitted else _published_meta(model)
    meta["endpoint"] = _text(getattr(model, "endpoint", None), "not stated")
    splines = [t["label"] for t in spec.get("terms", []) if t.get("kind") == "spline"]
    if splines:
        meta["caveat"] = (
            f"Spline terms ({', '.join(splines)}): their coefficients belong to the columns of "
            "the spline basis and are not read one by one; the page computes each whole "
            "effect from the knots and the basis."
        )
    for key, value in overrides.items():
        if value is not None:
            meta[key] = str(value)
    return meta


def _safe_json(obj: Any) -> str:
    """JSON that can sit inside a ``<script>`` element (no ``</script>``, no NaN)."""
    try:
        text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:
        raise ExportError(f"the model has a non-finite number the page cannot use: {exc}") from exc
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _provenance(model: Any, fitted: bool, spec: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"horizons": spec["horizons"], "conf_type": spec["conf_type"]}
    if spec["type"] in ("finegray", "cause_specific"):
        params.update(model=spec["type"], covariates=list(model.covariates))
        if spec["type"] == "finegray":
            params.update(cause=model.cause, cens_strata=model.cens_strata)
        return provenance(None, params)
    if fitted:
        params.update(covariates=list(model.covariates), ties=model.ties, strata=model.strata)
        return provenance(model.data, params)
    params.update(model=model.name, baseline=model.baseline.kind)
    return provenance(None, params)


def _spec(
    model: Any,
    conf_type: str | None,
    labels: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    risk_groups: str | Sequence[float] | None,
    cause: int | None,
) -> dict[str, Any]:
    """The page's model numbers, by the kind of ``model``."""
    competing = is_finegray(model) or is_cause_specific(model)
    conf = conf_type if conf_type is not None else ("log-log" if competing else "log")
    if conf not in CONF_TYPES:
        raise ExportError(f"conf_type must be one of {CONF_TYPES}, got {conf!r}")
    if risk_groups is not None and _is_published(model):
        raise ExportError(
            f"{model.name} defines its own risk groups ({model.risk_groups}): risk_groups= is "
            "for a fitted model (lp.fit_cox, lp.fit_fine_gray, lp.fit_cause_specific)"
        )
    if cause is not None and not competing:
        raise ExportError("cause= is for a competing-risk model; drop it")
    if _is_fitted_cox(model):
        return cox_spec(model, conf, labels, units, risk_groups)
    if is_finegray(model):
        return finegray_spec(model, conf, labels, units, risk_groups, cause)
    if is_cause_specific(model):
        return cause_specific_spec(model, conf, labels, units, risk_groups, cause)
    if _is_published(model):
        return published_spec(model, labels, units)
    raise ExportError(
        "export_calculator needs a fitted Cox model (lp.fit_cox), a competing-risk model "
        "(lp.fit_fine_gray, lp.fit_cause_specific) or a published model (lp.published_model), "
        f"got {type(model).__name__}"
    )


def _cause_labels(
    spec: dict[str, Any], given: Mapping[int, str] | None, endpoint: str | None
) -> dict[str, str]:
    """Names of the causes a competing-risk page shows (JSON keys are text): the caller's,
    else the report's names for the endpoint ("Death from LMS" for DSS), else generic."""
    causes = spec.get("causes", [])
    extra = sorted(set(given or {}) - set(causes))
    if extra:
        raise ExportError(f"cause_labels names cause(s) {extra} the model does not have ({causes})")
    named = dict(enumerate(ENDPOINT_CAUSES.get(str(endpoint), ()), start=1)) or CAUSE_LABELS
    return {str(k): str((given or {}).get(k, named.get(k, f"cause {k}"))) for k in causes}


def export_calculator(
    model: Any,
    path: str | Path,
    *,
    horizons: Sequence[float] | None = None,
    conf_type: str | None = None,
    title: str | None = None,
    endpoint: str | None = None,
    population: str | None = None,
    source: str | None = None,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    risk_groups: str | Sequence[float] | None = None,
    cause_labels: Mapping[int, str] | None = None,
    cause: int | None = None,
) -> Path:
    """Write a per-patient risk calculator for ``model`` as one offline HTML page.

    Parameters
    ----------
    model : CoxResult, FineGrayResult, CauseSpecificResult or PublishedModel
        A fitted Cox model (:func:`lms_prognosis.fit_cox`; numeric, boolean, categorical and
        spline terms, not interactions), a competing-risk model
        (:func:`lms_prognosis.fit_fine_gray`, :func:`lms_prognosis.fit_cause_specific`) or a
        published model (:func:`lms_prognosis.published_model`, recalibrated or not).
    path : str or Path
        The ``.html`` file to write (overwritten if it exists).
    horizons : sequence of float, optional
        Months at which survival (or absolute risk) is shown. Default 12, 36, 60 and 120
        within follow-up (a fitted model's last observed time; a published step baseline's
        last time).
    conf_type : {"log", "log-log", "plain", "logit"}, optional
        CI transform, as the model's prediction method takes it: of a Cox model's survival
        (``predict_survival``; default "log", R's), of a Fine-Gray model's ``1 - cif`` or a
        cause-specific model's ``cif`` (``predict_cif``; default "log-log", as there).
    title, endpoint, population, source : str, optional
        Shown in the page's provenance, in place of what the model states (a fitted model
        knows neither its endpoint nor its population: pass them, e.g. the cohort's
        ``endpoint``). Metadata is read with ``getattr``: a model without an attribute shows
        "not stated".
    labels, units : mapping, optional
        Form labels and units by column, in place of the package's (``age`` reads "Age at
        diagnosis", years; ``size_cm`` "Tumour size (largest diameter)", cm; ...).
    risk_groups : "tertiles" or sequence of float, optional
        Risk groups of a fitted model (a published model has its own): cut the linear
        predictor at its tertiles in the fitted data, or at the cut-points given (a value on
        a cut-point is in the lower group); :func:`assign_risk_groups` gives the same groups
        in Python. The linear predictor of a Cox model is ``model.predict_risk``'s (R's
        centring), of a Fine-Gray model centred as its ``predict_cif`` centres it, of
        cause-specific models that of the Cox model of ``cause``. Default: no groups.
    cause_labels : mapping of int to str, optional
        Names of the causes of a competing-risk model (``{1: "Death from LMS", 2: "Death
        from other causes"}``). Default: the report's names for ``endpoint`` (DSS, MFS,
        LRFS), else "Event of interest (code 1)" and "Competing event (code 2)".
    cause : int, optional
        With ``risk_groups`` and cause-specific models: the cause whose linear predictor the
        groups cut (default 1, the event of interest; the page still shows the absolute risk
        of every cause). A Fine-Gray model's groups are of its own cause.

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    ExportError
        A model the page cannot code (an interaction term), a bad ``horizons``,
        ``conf_type`` or ``cause_labels``, ``risk_groups`` for a published model, a
        ``cause`` the model does not have, or a path that cannot be written.

    Notes
    -----
    The page's ``window.lmsPredict(patient, times)`` returns what ``predict_survival``
    returns for that patient (tested to 1e-9 in headless Chromium): for a fitted model, R
    ``summary(survfit(fit, newdata), times)`` with the variance of beta in the CI, NaN past
    the last observed time of the patient's stratum; for a published model,
    ``exp(-H0(t) exp(LP))`` without a CI. A value outside the fitted data's range, or a
    patient outside the population a published model declares, is shown with a warning.

    For a competing-risk model it returns ``[{time, cause, risk, lower, upper, std_err},
    ...]``: ``predict_cif``'s cif, interval and standard error (tested to 1e-9): for
    Fine-Gray, ``cmprsk::predict.crr`` with the ``survfit.coxph``-type interval of its
    docstring (the last value after the last event time); for cause-specific models
    ``predict_cif(..., se_method="aggregate")``: the Aalen-Johansen absolute risk of each
    cause with the delta-method standard error from aggregates only (Cheng, Fine & Wei
    1998; NaN after the last observed time), not ``predict_cif``'s default
    influence-function one, which sums over the fitted patients. A spline term's basis is
    R's (``rms::rcs``, ``splines::ns``), linear beyond the boundary knots as R's
    ``predict``.

    Data protection: every fitted model's page carries aggregates only, as R's ``survfit``
    object does: the coefficients, their variance and the baseline at the event times
    (whose steps give the event times of the fitted data), with risk-set sums there; no
    value of a single patient.

    Examples
    --------
    >>> import tempfile, lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["age", "grade", "size_cm"])
    >>> out = export_calculator(fit, tempfile.mkdtemp() + "/calculator.html", endpoint="DSS")
    >>> text = out.read_text(encoding="utf-8")
    >>> "window.lmsPredict" in text, "<script src" in text or "<link" in text
    (True, False)
    """
    fitted = _is_fitted_cox(model)
    spec = _spec(model, conf_type, labels, units, risk_groups, cause)
    spec["cause_labels"] = _cause_labels(spec, cause_labels, endpoint)
    spec["horizons"] = _horizons(spec, horizons)
    last = _last_times(spec)
    spec["curve_end"] = max(last) if last else max(spec["horizons"] or [120.0])
    meta = _meta(
        model,
        fitted,
        spec,
        {"title": title, "endpoint": endpoint, "population": population, "source": source},
    )
    spec["meta"] = {k: meta[k] for k in ("name", "title", "kind", "endpoint")}
    groups = spec["groups"] or {}
    spec["groups_text"] = groups.get("text") or _text(getattr(model, "risk_groups", None), "")
    prov = _provenance(model, fitted, spec)
    html = render_template(
        "calculator.html",
        meta=meta,
        spec=spec,
        model_json=_safe_json(spec),
        prov=prov,
        prov_json=json.dumps(prov, indent=1, default=str),
    )
    out = Path(path)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write the calculator to {out}: {exc.strerror}") from exc
    return out
