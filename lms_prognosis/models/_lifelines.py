"""lifelines' AFT fitters, driven to R ``survreg``'s optimum and read in its parametrisation.

lifelines fits the models (its likelihoods, autograd gradients and Hessian); this module only

* picks the fitter: ``WeibullAFTFitter``, ``LogNormalAFTFitter``, ``LogLogisticAFTFitter``,
  and for the exponential (a Weibull with shape 1, R's ``dist = "exponential"``) a
  ``ParametricRegressionFitter`` with the cumulative hazard t / exp(x'beta), lifelines'
  documented route for a custom regression model;
* tightens the optimiser: lifelines' defaults (SLSQP ``ftol`` 1e-6 for the log-logistic,
  BFGS ``gtol`` 1e-5 for the log-normal) stop up to 5e-4 away from survreg's coefficients
  on ``veteran``; SLSQP with ``ftol`` 1e-12 (lifelines' documented
  ``_scipy_fit_method`` switch) agrees to 1e-6. If that fails, lifelines' own defaults are
  tried before giving up;
* maps lifelines' parameters to survreg's: the location coefficients (lifelines' ``lambda_``,
  ``mu_``, ``alpha_``) are survreg's coefficients on log time as they are, and survreg's
  log(scale) is -log(rho) (Weibull), log(sigma) (log-normal), -log(beta) (log-logistic);
  the covariance matrix is transformed the same way (a sign flip).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DISTRIBUTIONS", "LifelinesFit", "fit_lifelines"]

#: distributions of :func:`lms_prognosis.models.fit_parametric`, R ``survreg`` names
DISTRIBUTIONS = ("weibull", "lognormal", "loglogistic", "exponential")

# location parameter, ancillary (shape) parameter, sign of log(scale) in the ancillary
_PARAMS = {
    "weibull": ("lambda_", "rho_", -1.0),
    "lognormal": ("mu_", "sigma_", 1.0),
    "loglogistic": ("alpha_", "beta_", -1.0),
    "exponential": ("lambda_", None, 0.0),
}
# SLSQP (lifelines' own choice for the Weibull and log-logistic) with a tight tolerance;
# BFGS with a tight gtol stops on "precision loss" for the log-normal on lung
_TIGHT = {"ftol": 1e-12, "maxiter": 500}


@dataclass(frozen=True, eq=False)
class LifelinesFit:
    """A lifelines fit in survreg's parametrisation.

    ``coef`` is (intercept, coefficients..., log(scale)) (no log(scale) for the
    exponential), ``vcov`` its covariance matrix, ``loglik`` the maximised log-likelihood of
    the times (R's ``logLik(survreg)``).
    """

    coef: np.ndarray
    vcov: np.ndarray
    loglik: float


def _fitter(distribution: str) -> Any:
    import autograd.numpy as anp
    from lifelines import (
        LogLogisticAFTFitter,
        LogNormalAFTFitter,
        WeibullAFTFitter,
    )
    from lifelines.fitters import ParametricRegressionFitter

    if distribution == "weibull":
        return WeibullAFTFitter()
    if distribution == "lognormal":
        return LogNormalAFTFitter()
    if distribution == "loglogistic":
        return LogLogisticAFTFitter()

    class ExponentialAFTFitter(ParametricRegressionFitter):
        """Exponential regression, log T = x'beta + W (W extreme value, scale 1)."""

        _fitted_parameter_names = ["lambda_"]
        _scipy_fit_method = "SLSQP"
        _scipy_fit_options = {"ftol": 1e-12, "maxiter": 500}

        def _cumulative_hazard(self, params: Any, T: Any, Xs: Any) -> Any:
            return T / anp.exp(anp.dot(Xs["lambda_"], params["lambda_"]))

    return ExponentialAFTFitter()


def fit_lifelines(
    time: np.ndarray, event: np.ndarray, x: np.ndarray, distribution: str
) -> LifelinesFit:
    """Fit ``distribution`` by lifelines to (time, event, x) and return survreg's parameters.

    ``x`` is the (n, p) design without intercept. Raises lifelines' ``ConvergenceError``
    when its optimiser fails (the caller turns it into a ModelError).
    """
    names = [f"x{j}" for j in range(x.shape[1])]
    frame = pd.DataFrame(x, columns=names)
    frame["_time"] = time
    frame["_event"] = event
    loc, anc, sign = _PARAMS[distribution]
    if anc is None:  # the custom exponential fitter takes its regressors explicitly
        frame["Intercept"] = 1.0
    from lifelines.exceptions import ConvergenceError

    try:
        fitter = _run(distribution, frame, names, tight=True)
    except (ConvergenceError, np.linalg.LinAlgError):  # then lifelines' own defaults
        fitter = _run(distribution, frame, names, tight=False)
    order = [(loc, "Intercept"), *[(loc, nm) for nm in names]]
    signs = [1.0] * len(order)
    if anc is not None:
        order.append((anc, "Intercept"))
        signs.append(sign)
    params = fitter.params_
    idx = [params.index.get_loc(k) for k in order]
    s = np.asarray(signs)
    coef = params.to_numpy()[idx] * s
    var = np.asarray(fitter.variance_matrix_, dtype=float)[np.ix_(idx, idx)] * np.outer(s, s)
    return LifelinesFit(coef=coef, vcov=var, loglik=float(fitter.log_likelihood_))


def _run(distribution: str, frame: pd.DataFrame, names: list[str], tight: bool) -> Any:
    fitter = _fitter(distribution)
    options: dict[str, Any] = {}
    if tight:
        fitter._scipy_fit_method = "SLSQP"
        options = dict(_TIGHT)
    loc = _PARAMS[distribution][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' advice is replaced by the caller's error
        if _PARAMS[distribution][1] is None:
            fitter.fit(
                frame,
                "_time",
                "_event",
                regressors={loc: ["Intercept", *names]},
                fit_options=options,
            )
        else:
            fitter.fit(frame, "_time", "_event", fit_options=options)
    return fitter
