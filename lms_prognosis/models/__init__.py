"""Model families other packages do well, in the package's contracts.

:func:`fit_parametric` fits parametric accelerated failure time models (Weibull, log-normal,
log-logistic, exponential) with lifelines' fitters and reports them in R ``survreg``'s
parametrisation; :func:`select_distribution` ranks the distributions by AIC.
:func:`fit_forest` grows scikit-survival's random survival forest; penalised Cox models are
``fit_cox(..., penalty=)`` (scikit-survival's coxnet; :class:`PenalisedCoxResult`, defined in
``lms_prognosis.cox.penalised`` because ``fit_cox`` dispatches to it).
"""

from lms_prognosis.cox.penalised import PenalisedCoxResult, fit_penalised
from lms_prognosis.models.fit import fit_parametric
from lms_prognosis.models.forest import ForestResult, fit_forest
from lms_prognosis.models.parametric import DISTRIBUTIONS, ParametricResult
from lms_prognosis.models.select import DistributionSelection, select_distribution

__all__ = [
    "DISTRIBUTIONS",
    "DistributionSelection",
    "ForestResult",
    "ParametricResult",
    "PenalisedCoxResult",
    "fit_forest",
    "fit_parametric",
    "fit_penalised",
    "select_distribution",
]
