"""Multiple imputation of missing covariates: :func:`impute` returns an :class:`Imputed`.

* ``impute``: chained equations (statsmodels' ``MICEData``, predictive mean matching) with the
  event indicator and the Nelson-Aalen cumulative hazard in every imputation model;
* ``result``: :class:`Imputed` (data sets, missing-data pattern, fraction of missing
  information, convergence) and the imputation of new patients' missing covariates.

Fitting functions accept an :class:`Imputed` and pool by Rubin's rules
(:func:`lms_prognosis.cox.pool.pool`).
"""

import sys
import types
from typing import Any

from lms_prognosis.impute.impute import impute
from lms_prognosis.impute.result import Imputed

__all__ = ["impute", "Imputed"]


class _CallableModule(types.ModuleType):
    """``lp.impute`` is both this subpackage and the function :func:`impute`.

    Python binds a subpackage to the parent's attribute of the same name when it is first
    imported (``lms_prognosis.cox`` imports it), which would hide the function
    ``lp.impute`` of design.md section 4; calling the subpackage calls the function, so
    ``lp.impute(df)`` works in either case.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Imputed:
        return impute(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
