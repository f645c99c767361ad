"""The entry point of the parametric survival models: one distribution, or the best by AIC.

:func:`fit_parametric` fits one distribution (:mod:`lms_prognosis.models.parametric`) or, with
``distribution="best"``, all of them and keeps the lowest AIC
(:mod:`lms_prognosis.models.select`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lms_prognosis.exceptions import ModelError
from lms_prognosis.models.parametric import ParametricResult, fit_distribution
from lms_prognosis.models.select import select_distribution

__all__ = ["fit_parametric"]


def fit_parametric(
    df: Any,
    covariates: Sequence[str] | str = (),
    distribution: str = "weibull",
    time: str = "time",
    event: str = "event",
    conf_level: float = 0.95,
) -> ParametricResult:
    """Fit a parametric (accelerated failure time) survival model, reported as R ``survreg``.

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient.
    covariates : list of str
        Columns of ``df``, coded as ``fit_cox`` codes them (numbers as they are, booleans
        1/0, categories with treatment contrasts, the first level the reference). Empty:
        the intercept-only model.
    distribution : {"weibull", "lognormal", "loglogistic", "exponential", "best"}
        R ``survreg(dist=)``. "best" fits all four and keeps the lowest AIC (the table is
        ``.selection``; see :func:`~lms_prognosis.models.select_distribution`).
    time, event : str
        Follow-up (months, > 0) and event code (0 censored, 1 event, 2 competing event,
        counted as censored).
    conf_level : float, default 0.95

    Returns
    -------
    ParametricResult
        ``.table``, ``.scale``, ``.vcov``, ``.loglik``, ``.aic``, ``.predict_survival()``,
        ``.predict_hazard()``, ``.marginal_hazard()``.

    Raises
    ------
    SurvivalDataError
        From the one survival-input check (event codes, negative times, no row left).
    ModelError
        A time of 0 (log time is undefined: R refuses it too), no event, an unknown
        distribution, or a fit that does not converge (the message says what to try).

    Notes
    -----
    log T = intercept + x'beta + scale * W, W standard extreme value (Weibull; the
    exponential fixes scale = 1), normal (log-normal) or logistic (log-logistic). The
    fit is lifelines' (``WeibullAFTFitter``, ``LogNormalAFTFitter``, ``LogLogisticAFTFitter``,
    and a ``ParametricRegressionFitter`` with hazard exp(-x'beta) for the exponential) with a
    tight tolerance; coefficients, scale, vcov and log-likelihood equal ``survreg``'s to
    1e-5 (``tests/reference/survreg.R``). Rows with a missing value are left out (``.dropped``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [5.0, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
    ...                    "event": [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0],
    ...                    "grade": ["1", "3", "2", "3", "1", "2", "1", "3", "2", "1", "2", "1"]})
    >>> fit = fit_parametric(df, ["grade"], distribution="weibull")
    >>> fit.table[["term", "coef", "se"]].round(3)  # R: survreg(Surv(time, event) ~ grade)
              term   coef     se
    0  (Intercept)  4.200  0.431
    1     grade[2] -0.351  0.549
    2     grade[3] -0.955  0.567
    3   Log(scale) -0.525  0.299
    """
    if distribution == "best":
        if not 0 < conf_level < 1:
            raise ModelError(f"conf_level must be between 0 and 1, got {conf_level!r}")
        return select_distribution(
            df, covariates, time=time, event=event, conf_level=conf_level
        ).fit
    return fit_distribution(df, covariates, distribution, time, event, conf_level)
