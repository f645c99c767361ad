"""Multiple imputation of missing covariates: :func:`impute` returns an :class:`Imputed`.

* ``impute``: chained equations (statsmodels' ``MICEData``, predictive mean matching) with the
  event indicator and the Nelson-Aalen cumulative hazard in every imputation model;
* ``result``: :class:`Imputed` (data sets, missing-data pattern, fraction of missing
  information, convergence) and the imputation of new patients' missing covariates.

Fitting functions accept an :class:`Imputed` and pool by Rubin's rules
(:func:`lms_prognosis.cox.pool.pool`).
"""

from lms_prognosis.impute.impute import impute
from lms_prognosis.impute.result import Imputed

__all__ = ["impute", "Imputed"]
