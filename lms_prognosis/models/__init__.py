"""Model families other packages do well, in the package's contracts.

:func:`fit_parametric` fits parametric accelerated failure time models (Weibull, log-normal,
log-logistic, exponential) with lifelines' fitters and reports them in R ``survreg``'s
parametrisation; :func:`select_distribution` ranks the distributions by AIC.
"""

from lms_prognosis.models.fit import fit_parametric
from lms_prognosis.models.parametric import DISTRIBUTIONS, ParametricResult
from lms_prognosis.models.select import DistributionSelection, select_distribution

__all__ = [
    "DISTRIBUTIONS",
    "DistributionSelection",
    "ParametricResult",
    "fit_parametric",
    "select_distribution",
]
