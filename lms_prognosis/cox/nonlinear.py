"""Tests of non-linearity of restricted cubic spline terms in a Cox model (R ``rms::anova``).

A term ``rcs(x, k)`` has the columns ``x, x', x'', ...``: the first is linear in ``x``, the
``k - 2`` others carry the curvature. Non-linearity is tested two ways:

* the **Wald test** of the non-linear coefficients being 0 (``chisq = b' V^-1 b`` over them,
  ``V`` their block of the fit's variance), per spline term and jointly (rms's ``anova(cph)``
  rows ``Nonlinear`` and ``TOTAL NONLINEAR``);
* the **likelihood-ratio test** against the model with the same variables entered linearly
  (``anova(coxph(linear), coxph(spline))``): twice the difference in log partial likelihood on
  the difference in the number of coefficients, on the same patients.

Only ``rcs`` terms split into a linear and a non-linear part; an ``ns`` basis does not (its
columns are not "x plus curvature"), so it gets no Wald row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lms_prognosis._distributions import chi2_sf
from lms_prognosis.cox._cholesky import cholesky2, chsolve2
from lms_prognosis.exceptions import CoxError

if TYPE_CHECKING:
    from lms_prognosis.cox.result import CoxResult

__all__ = ["nonlinearity_tests", "rcs_nonlinear_columns", "spline_knots"]


def rcs_nonlinear_columns(fit: CoxResult) -> dict[str, list[int]]:
    """The non-linear design columns of each ``rcs`` term of ``fit``, by variable.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["rcs(age, 4)", "grade"])
    >>> rcs_nonlinear_columns(fit)
    {'age': [1, 2]}
    """
    out: dict[str, list[int]] = {}
    start = 0
    for term in fit._design.terms:
        width = len(term.names)
        comp = term.composite
        if comp is not None and len(comp.parts) == 1 and comp.parts[0].component.spline == "rcs":
            out[comp.parts[0].component.variable] = list(range(start + 1, start + width))
        start += width
    return out


def spline_knots(fit: CoxResult) -> dict[str, list[float]]:
    """The knots of each spline term of ``fit`` (fixed on the fitted data), by variable.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["rcs(age, 4)", "grade"])
    >>> [round(k, 1) for k in spline_knots(fit)["age"]]
    [41.6, 59.6, 70.6, 86.1]
    """
    out: dict[str, list[float]] = {}
    for term in fit._design.terms:
        comp = term.composite
        if comp is not None and len(comp.parts) == 1 and comp.parts[0].component.spline:
            part = comp.parts[0]
            out[part.component.variable] = [float(k) for k in np.concatenate(part.knots)]
    return out


def _wald(beta: np.ndarray, var: np.ndarray, cols: list[int]) -> float:
    b = beta[cols]
    fac, _ = cholesky2(var[np.ix_(cols, cols)])
    return float(b @ chsolve2(fac, b))


def nonlinearity_tests(fit: CoxResult, linear: CoxResult | None = None) -> pd.DataFrame:
    """Wald tests of the non-linear part of each ``rcs`` term, jointly, and the LR test.

    Parameters
    ----------
    fit : CoxResult
        A model with one or more ``rcs(x, k)`` terms.
    linear : CoxResult, optional
        The same model with each spline variable entered linearly (``x`` instead of
        ``rcs(x, k)``), fitted on the same patients: adds the likelihood-ratio test.

    Returns
    -------
    DataFrame
        test ("Wald" or "likelihood ratio"), term (the variable, "all spline terms" for the
        joint tests), chisq, df, p.

    Raises
    ------
    CoxError
        No ``rcs`` term in ``fit``; or ``linear`` fitted on other patients or not nested
        (no fewer coefficients).

    Notes
    -----
    The Wald rows equal R ``anova(cph(Surv(time, event) ~ rcs(x, k) + ...))``'s
    ``Nonlinear`` rows and ``TOTAL NONLINEAR`` (pinned by
    ``tests/reference/report_model.R``); the LR row equals
    ``anova(coxph(~ x + ...), coxph(~ rcs(x, k) + ...))``.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> d = lp.load_synthetic()
    >>> fit = lp.fit_cox(d, ["rcs(age, 4)", "grade"])
    >>> nonlinearity_tests(fit, lp.fit_cox(d, ["age", "grade"])).round(3)
                   test              term  chisq  df      p
    0              Wald               age  5.008   2  0.082
    1  likelihood ratio  all spline terms  5.793   2  0.055
    """
    cols = rcs_nonlinear_columns(fit)
    if not cols:
        raise CoxError("no rcs() term in the model: nothing to test for non-linearity")
    beta, var = fit._beta, fit._var
    rows = [("Wald", v, _wald(beta, var, c), len(c)) for v, c in cols.items()]
    if len(cols) > 1:
        every = [i for c in cols.values() for i in c]
        rows.append(("Wald", "all spline terms", _wald(beta, var, every), len(every)))
    if linear is not None:
        if linear.n != fit.n or not linear.data.index.equals(fit.data.index):
            raise CoxError(
                "the linear model must be fitted on the same patients as the spline model "
                f"({linear.n} and {fit.n} rows)"
            )
        df = len(fit._beta) - len(linear._beta)
        if df < 1:
            raise CoxError("the linear model must have fewer coefficients than the spline model")
        lr = 2.0 * (fit.loglik[1] - linear.loglik[1])
        rows.append(("likelihood ratio", "all spline terms", lr, df))
    out = pd.DataFrame(rows, columns=["test", "term", "chisq", "df"])
    out["p"] = chi2_sf(out["chisq"], out["df"])
    return out
