"""Risk groups of a fitted model, on the calculator page and in Python: one rule for both.

A fitted model's risk groups cut its linear predictor, at the tertiles of the fitted data's
linear predictor (``"tertiles"``) or at cut-points given; a patient whose linear predictor
equals a cut-point is in the lower group (``lp > cut`` moves up). Which linear predictor:

* :class:`~lms_prognosis.cox.CoxResult`: ``predict_risk``'s, ``(x - means) b`` (R's centring,
  ``coxph()$means``);
* :class:`~lms_prognosis.cox.FineGrayResult`: ``(x - center) b``, centred as its
  ``predict_cif`` centres it (the column means of the fitted design);
* :class:`~lms_prognosis.cox.CauseSpecificResult`: the Cox model of ``cause`` (default 1, the
  event of interest): ``models[cause].predict_risk``'s.

:func:`assign_risk_groups` gives the groups in Python; :func:`groups_spec` the numbers the
page's ``window.lmsRiskGroup`` uses (the same cut-points, centring and coefficients).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cox import CauseSpecificResult, FineGrayResult
from lms_prognosis.exceptions import ExportError

__all__ = ["assign_risk_groups", "groups_spec", "GROUP_LABELS"]

#: names of the groups for two and three groups; more are "group i of k"
GROUP_LABELS: dict[int, list[str]] = {2: ["low", "high"], 3: ["low", "intermediate", "high"]}


def _coding(model: Any, cause: int | None) -> tuple[Any, np.ndarray, np.ndarray]:
    """(design, centring, coefficients) of the linear predictor the groups cut."""
    if isinstance(model, FineGrayResult):
        if cause is not None and cause != model.cause:
            raise ExportError(
                f"cause={cause}: this Fine-Gray model is of cause {model.cause}; refit with "
                f"lp.fit_fine_gray(..., cause={cause}) or drop cause="
            )
        return model._design, model._design.center, model._beta
    if isinstance(model, CauseSpecificResult):
        k = 1 if cause is None else cause
        if k not in model.models:
            raise ExportError(
                f"cause={cause}: the cause-specific models are of causes {list(model.models)}"
            )
        model = model.models[k]
    elif not hasattr(model, "_design") or not hasattr(model, "predict_risk"):
        raise ExportError(
            f"risk groups need a fitted model (lp.fit_cox, lp.fit_fine_gray, "
            f"lp.fit_cause_specific), got {type(model).__name__}; a published model has its "
            "own (model.apply(cohort)['risk_group'])"
        )
    elif cause is not None:
        raise ExportError("cause= is for a competing-risk model; drop it for a Cox model")
    return model._design, model._design.means, model._beta


def _linear_predictor(x: np.ndarray, centre: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``(x - centre) b``, summed column by column from the left as the page's script sums
    it, so that a patient on a cut-point gets the same double on the page and here."""
    lp = np.zeros(x.shape[0])
    for j in range(beta.size):
        lp += (x[:, j] - centre[j]) * beta[j]
    return lp


def _cuts(
    lp_fit: np.ndarray, risk_groups: str | Sequence[float], what: str
) -> tuple[np.ndarray, str]:
    if isinstance(risk_groups, str):
        if risk_groups != "tertiles":
            raise ExportError(
                f"risk_groups must be 'tertiles' or cut-points on the linear predictor, "
                f"got {risk_groups!r}"
            )
        return np.quantile(lp_fit, [1 / 3, 2 / 3]), f"tertiles of {what} in the fitted data"
    cuts = np.sort(np.asarray(risk_groups, dtype=float))
    if cuts.size == 0 or not np.all(np.isfinite(cuts)) or np.unique(cuts).size < cuts.size:
        raise ExportError(f"risk_groups cut-points must be distinct numbers, got {risk_groups}")
    return cuts, f"cut-points on {what} " + ", ".join(f"{c:.4g}" for c in cuts)


def groups_spec(
    model: Any, risk_groups: str | Sequence[float] | None, cause: int | None = None
) -> dict[str, Any] | None:
    """The page's risk groups (JSON-ready): cut-points, labels, rule text, centring and
    coefficients of the linear predictor; None without ``risk_groups``.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["age", "grade"])
    >>> g = groups_spec(fit, "tertiles")
    >>> g["labels"], len(g["cuts"])
    (['low', 'intermediate', 'high'], 2)
    """
    if cause is not None:
        _coding(model, cause)  # a cause the model has
        if risk_groups is None:
            raise ExportError(
                "cause= chooses the cause whose linear predictor the risk groups cut: "
                "give risk_groups= too, or drop cause="
            )
    if risk_groups is None:
        return None
    design, centre, beta = _coding(model, cause)
    lp_fit = _linear_predictor(design.x, centre, beta)
    what = "the linear predictor"
    if isinstance(model, CauseSpecificResult):
        what += f" of cause {1 if cause is None else cause}"
    cuts, text = _cuts(lp_fit, risk_groups, what)
    k = cuts.size + 1
    labels = GROUP_LABELS.get(k, [f"group {i + 1} of {k}" for i in range(k)])
    bounds = ", ".join(f"{c:.4f}" for c in cuts)
    return {
        "labels": labels,
        "cuts": [float(c) for c in cuts],
        "strict": True,
        "tol": 0.0,
        "means": [float(v) for v in centre],
        "beta": [float(v) for v in beta],
        "text": f"{text} ({bounds}; a value on a cut-point is in the lower group)",
    }


def assign_risk_groups(
    model: Any,
    newdata: Any,
    risk_groups: str | Sequence[float] = "tertiles",
    *,
    cause: int | None = None,
) -> pd.DataFrame:
    """The risk group the calculator page shows, for each patient of ``newdata``.

    Parameters
    ----------
    model : CoxResult, FineGrayResult or CauseSpecificResult
        A fitted model (:func:`lms_prognosis.fit_cox`, :func:`lms_prognosis.fit_fine_gray`,
        :func:`lms_prognosis.fit_cause_specific`).
    newdata : DataFrame or Cohort
        The patients (the model's covariate columns).
    risk_groups : "tertiles" or sequence of float
        Cut the linear predictor at its tertiles in the fitted data, or at these cut-points,
        as ``export_calculator(..., risk_groups=)``; a value on a cut-point is in the lower
        group. The linear predictor is a Cox model's ``predict_risk`` one (R's centring), a
        Fine-Gray model's centred as its ``predict_cif`` centres it, and for cause-specific
        models that of the Cox model of ``cause``.
    cause : int, optional
        Cause-specific models: the cause whose linear predictor is cut (default 1, the event
        of interest). A Fine-Gray model has its own cause (any other is refused).

    Returns
    -------
    DataFrame
        ``linear_predictor`` and ``risk_group`` (ordered categorical), indexed as ``newdata``.

    Raises
    ------
    ExportError
        A ``risk_groups`` that is neither "tertiles" nor distinct finite cut-points, or a
        ``cause`` the model does not have.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> cohort = lp.simulate_cohort(n=300, seed=3, competing_risks=True)
    >>> fg = lp.fit_fine_gray(cohort, ["age", "grade"])
    >>> out = assign_risk_groups(fg, cohort.data.head(3), [0.0])
    >>> list(out.columns), list(out["risk_group"].cat.categories)
    (['linear_predictor', 'risk_group'], ['low', 'high'])
    """
    spec = groups_spec(model, risk_groups, cause)
    if spec is None:  # groups_spec gives None only without risk_groups
        raise ExportError('risk_groups must be "tertiles" or cut-points, got None')
    design, centre, beta = _coding(model, cause)
    frame = getattr(newdata, "data", newdata)  # a Cohort's rows
    if not isinstance(frame, pd.DataFrame):
        raise ExportError(f"newdata must be a DataFrame or a Cohort, got {type(newdata).__name__}")
    lp = _linear_predictor(np.asarray(design.transform(frame), dtype=float), centre, beta)
    code = np.searchsorted(np.asarray(spec["cuts"]), lp, side="left")  # lp > cut moves up
    code = np.where(np.isnan(lp), -1, code)  # no group without a linear predictor
    group = pd.Categorical.from_codes(code, categories=spec["labels"], ordered=True)
    return pd.DataFrame({"linear_predictor": lp, "risk_group": group}, index=frame.index)
