"""What the calculator page needs from a fitted Cox model, as JSON-ready numbers.

Private to :mod:`lms_prognosis.report.calculator`. The page recomputes
:meth:`lms_prognosis.cox.CoxResult.predict_survival` (R ``survfit.coxph``) from what is
shipped here, so these are the fit's own arrays, not a table of predictions:

* the design coding (numeric, boolean, factor levels with the reference first), the centring
  (column means of the fitted design) and the coefficients;
* the variance matrix of the coefficients (the ``d' V d`` term of the CI);
* per stratum, the baseline at every time where it changes (the Efron-corrected cumulative
  hazard for an Efron fit, its variance sum and the cumulative ``xbar dH0``), plus the first
  and last observed times: between two kept times the step functions are constant, so the
  page's look-up gives exactly the values of every observed time.

The fitted model's arrays are read through its private attributes (``_design``,
``_baseline``, ``_center``, ``_strata_levels``): the public API has no accessor for the
baseline's ``xbar`` term, and the page must use the same arrays as ``predict_survival``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lms_prognosis._distributions import norm_ppf
from lms_prognosis.report._calculator_fields import field
from lms_prognosis.report._calculator_groups import groups_spec
from lms_prognosis.report._calculator_terms import design_fields, design_terms

__all__ = ["cox_spec", "floats"]


def floats(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def _changes(cumhaz: np.ndarray, cumvar: np.ndarray, xbar: np.ndarray) -> np.ndarray:
    """Rows (ascending time) to keep: the first, the last and every row where a value changes."""
    n = cumhaz.shape[0]
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    keep[0] = keep[-1] = True
    diff = (np.diff(cumhaz) != 0) | (np.diff(cumvar) != 0)
    if xbar.shape[1]:
        diff |= np.any(np.diff(xbar, axis=0) != 0, axis=1)
    keep[1:] |= diff
    return keep


def _strata(model: Any) -> list[dict[str, Any]]:
    """One baseline per stratum, ascending time, only the rows where it changes."""
    base = model._baseline
    levels = model._strata_levels if model.strata else [None]
    out = []
    for code, key in enumerate(levels):
        blocks = np.flatnonzero(base.stratum == code)[::-1]  # descending -> ascending time
        ch, cv, xb = base.cumhaz[blocks], base.cumvar[blocks], base.xbar[blocks]
        keep = _changes(ch, cv, xb)
        values = [] if key is None else list(key) if isinstance(key, tuple) else [key]
        out.append(
            {
                "key": [str(v) for v in values],
                "time": floats(base.time[blocks][keep]),
                "cumhaz": floats(ch[keep]),
                "cumvar": floats(cv[keep]),
                "xbar": [floats(r) for r in xb[keep]],
            }
        )
    return out


def _fields(
    model: Any, labels: Mapping[str, str] | None, units: Mapping[str, str] | None
) -> list[dict[str, Any]]:
    fields = design_fields(model._design, labels, units)
    for i, col in enumerate(model.strata or []):
        lv = list(
            dict.fromkeys(str(k[i] if isinstance(k, tuple) else k) for k in model._strata_levels)
        )
        fields.append(field(col, "choice", levels=lv, labels=labels))
    return fields


def cox_spec(
    model: Any,
    conf_type: str,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    risk_groups: str | Sequence[float] | None = None,
) -> dict[str, Any]:
    """The numbers the page needs to recompute ``model.predict_survival`` (JSON-ready).

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["age", "grade"])
    >>> spec = cox_spec(fit, "log")
    >>> [t["covariate"] for t in spec["terms"]], spec["terms"][1]["levels"]
    (['age', 'grade'], ['1', '2', '3'])
    >>> len(spec["center"]) == len(spec["beta"]) == len(spec["vcov"]) == 3
    True
    """
    terms = design_terms(model._design)
    return {
        "type": "cox",
        "terms": terms,
        "beta": floats(model.coef.to_numpy()),
        "names": list(model.coef.index),
        "center": floats(model._center),
        "vcov": [floats(r) for r in model.vcov.to_numpy()],
        "strata_columns": list(model.strata or []),
        "strata": _strata(model),
        "conf_type": conf_type,
        "conf_level": float(model.conf_level),
        "z": float(norm_ppf(1.0 - (1.0 - model.conf_level) / 2.0)),
        "fields": _fields(model, labels, units),
        "groups": groups_spec(model, risk_groups),
    }
