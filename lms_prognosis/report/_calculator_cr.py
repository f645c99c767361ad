"""What the calculator page needs from a competing-risk model, as JSON-ready numbers.

Private to :mod:`lms_prognosis.report.calculator`. The page recomputes the model's
``predict_cif`` (estimate, standard error and interval) from the fit's own arrays:

* :class:`~lms_prognosis.cox.FineGrayResult` (``cmprsk::crr``): the design coding and
  centring, the coefficients, crr's sandwich variance and, at each event time of the cause,
  the cumulative baseline subdistribution hazard, its variance sum ``sum d / S0^2`` and
  ``sum xbar dH0`` (``FineGrayResult._cumulative_baseline``, which ``predict_cif`` uses);
  the interval is R ``survfit.coxph``'s on ``1 - cif`` (``conf_type`` of that curve);
* :class:`~lms_prognosis.cox.CauseSpecificResult`: per cause the coefficients, variance and,
  at each distinct event time, the baseline hazard increment ``sum 1/den``, its variance
  increment ``sum 1/den^2`` and ``sum xbar/den`` (Efron's terms for an Efron fit): the
  aggregates of ``predict_cif(..., se_method="aggregate")`` (the delta method of Cheng, Fine
  & Wei 1998), as R's ``survfit`` carries them. Nothing of single patients: no time index,
  event, ``exp(x b)`` or residual of a fitted patient, and the times are event times only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lms_prognosis._distributions import norm_ppf
from lms_prognosis._format import format_hr, format_p
from lms_prognosis._version import __version__
from lms_prognosis.cox import CauseSpecificResult, FineGrayResult
from lms_prognosis.report._calculator_cox import floats
from lms_prognosis.report._calculator_groups import groups_spec
from lms_prognosis.report._calculator_terms import design_fields, design_terms, term_labels

__all__ = [
    "finegray_spec",
    "cause_specific_spec",
    "is_finegray",
    "is_cause_specific",
    "cr_meta",
    "CAUSE_LABELS",
]


def is_finegray(model: Any) -> bool:
    """A fitted Fine-Gray model (``lp.fit_fine_gray``)."""
    return isinstance(model, FineGrayResult)


def is_cause_specific(model: Any) -> bool:
    """Cause-specific Cox models (``lp.fit_cause_specific``)."""
    return isinstance(model, CauseSpecificResult)


def _common(design: Any, conf_type: str, level: float, labels: Any, units: Any) -> dict:
    """What both kinds ship; ``groups`` is filled in by the caller."""
    return {
        "terms": design_terms(design),
        "center": floats(design.center),
        "conf_type": conf_type,
        "conf_level": float(level),
        "z": float(norm_ppf(1.0 - (1.0 - level) / 2.0)),
        "fields": design_fields(design, labels, units),
        "groups": None,
        "strata_columns": [],
    }


def finegray_spec(
    model: Any,
    conf_type: str,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    risk_groups: str | Sequence[float] | None = None,
    cause: int | None = None,
) -> dict[str, Any]:
    """The numbers the page needs to recompute ``FineGrayResult.predict_cif`` (and its risk
    groups, :func:`~lms_prognosis.report._calculator_groups.groups_spec`).

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> cohort = lp.simulate_cohort(n=300, seed=3, competing_risks=True)
    >>> fg = lp.fit_fine_gray(cohort, ["age", "grade"])
    >>> spec = finegray_spec(fg, "log-log")
    >>> spec["causes"], len(spec["beta"]), len(spec["time"]) == fg.n_events
    ([1], 3, True)
    """
    ftimes, h0, v0, xb = model._cumulative_baseline
    out = _common(model._design, conf_type, model.conf_level, labels, units)
    out.update(
        type="finegray",
        causes=[int(model.cause)],
        beta=floats(model.coef.to_numpy()),
        names=list(model.coef.index),
        vcov=[floats(r) for r in model.vcov.to_numpy()],
        time=floats(ftimes),
        cumhaz=floats(h0),
        cumvar=floats(v0),
        xbar=[floats(r) for r in xb],
        last_time=float(model.max_time),
        groups=groups_spec(model, risk_groups, cause),
    )
    return out


def cause_specific_spec(
    model: Any,
    conf_type: str,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    risk_groups: str | Sequence[float] | None = None,
    cause: int | None = None,
) -> dict[str, Any]:
    """The numbers the page needs to recompute ``CauseSpecificResult.predict_cif`` (and the
    risk groups of ``cause``'s linear predictor).

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> cohort = lp.simulate_cohort(n=300, seed=3, competing_risks=True)
    >>> cs = lp.fit_cause_specific(cohort, ["age", "grade"])
    >>> spec = cause_specific_spec(cs, "log-log")
    >>> spec["causes"], "subjects" in spec, len(spec["time"]) < cs.n
    ([1, 2], False, True)
    """
    ut = model._grid[0]
    first = next(iter(model.models.values()))
    out = _common(first._design, conf_type, model.conf_level, labels, units)
    hz = model._hazards
    events = np.flatnonzero(np.any([h.dh0 > 0 for h in hz.values()], axis=0))
    hazards = [
        {
            "cause": int(k),
            "beta": floats(h.beta),
            "vcov": [floats(r) for r in np.atleast_2d(h.var)],
            "dh0": floats(h.dh0[events]),
            "dh0_sq": floats(h.dh0_sq[events]),
            "xdh0": [floats(r) for r in h.xdh0[events]],
        }
        for k, h in hz.items()
    ]
    out.update(
        type="cause_specific",
        causes=[int(k) for k in model.models],
        beta=hazards[0]["beta"],
        names=list(first.coef.index),
        time=floats(ut[events]),  # event times only: a censoring-only time changes nothing
        hazards=hazards,
        se_method="aggregate",
        last_time=float(model.max_time),
        groups=groups_spec(model, risk_groups, cause),
    )
    return out


#: how the page names each cause unless ``cause_labels=`` is given (design section 3 coding)
CAUSE_LABELS: dict[int, str] = {1: "Event of interest (code 1)", 2: "Competing event (code 2)"}


def _hr_rows(hr: Any, names: list[str], cause: bool) -> list[list[str]]:
    rows = []
    for i, r in enumerate(hr.itertuples(index=False)):
        row = [names[i % len(names)], format_hr(r.hr, r.lower, r.upper), format_p(r.p)]
        rows.append([str(r.cause), *row] if cause else row)
    return rows


def cr_meta(model: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """Provenance text of a competing-risk page (the page's "About this model")."""
    names = term_labels(model._design if is_finegray(model) else _first(model)._design,
                        spec["fields"])  # fmt: skip
    level = round(100 * model.conf_level)
    common = {"population": f"the {model.n} patients of the fitted data", "caveat": ""}
    if is_finegray(model):
        return {
            **common,
            "name": "fitted Fine-Gray model",
            "title": f"Fine-Gray model of cause {model.cause} fitted on {model.n} patients",
            "kind": "Fine-Gray subdistribution hazard model, fitted (cmprsk::crr, Breslow ties)",
            "source": f"fitted with lms_prognosis {__version__} (fit_fine_gray)",
            "evidence": f"n = {model.n}, events of cause {model.cause} = {model.n_events}, "
            f"competing events = {model.n_competing}",
            "baseline": "Breslow baseline subdistribution hazard (cmprsk predict.crr)",
            "table_header": ["Term", f"SHR ({level}% CI)", "p"],
            "table": _hr_rows(model.hazard_ratios, names, cause=False),
        }
    first = _first(model)
    events = ", ".join(f"cause {k}: {m.n_events} events" for k, m in model.models.items())
    return {
        **common,
        "name": "fitted cause-specific Cox models",
        "title": f"Cause-specific Cox models fitted on {model.n} patients",
        "kind": f"Cause-specific Cox proportional hazards models, one per cause, fitted "
        f"(ties = {first.ties})",
        "source": f"fitted with lms_prognosis {__version__} (fit_cause_specific)",
        "evidence": f"n = {model.n}; {events}",
        "baseline": "absolute risk by the Aalen-Johansen product limit of the cause-specific "
        "hazards (riskRegression CSC, product.limit = TRUE)",
        "interval": f"{level}% CI from the delta method (Cheng, Fine & Wei, Biometrics 1998) "
        "over both models' coefficients and baseline hazards, computed from the models' "
        'aggregates only (predict_cif(..., se_method="aggregate")), on the '
        f"{spec['conf_type']} scale of the absolute risk",
        "table_header": ["Cause", "Term", f"HR ({level}% CI)", "p"],
        "table": _hr_rows(model.hazard_ratios, names, cause=True),
    }


def _first(model: Any) -> Any:
    return next(iter(model.models.values()))
