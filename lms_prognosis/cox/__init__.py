"""Cox proportional hazards models.

``fit_cox`` (:mod:`~lms_prognosis.cox.fit`) returns a :class:`CoxResult`
(:mod:`~lms_prognosis.cox.result`). The kernels behind it are the package's only ones for their
concept, and other subpackages import them from here:

* :func:`~lms_prognosis.cox.design.design_matrix` -- treatment-contrast coding with the
  constant / collinear checks;
* :func:`~lms_prognosis.cox.engine.newton_raphson` on :func:`~lms_prognosis.cox.engine.prepare`
  -- R ``coxph``'s solver and convergence rule;
* :func:`~lms_prognosis.cox.baseline.baseline_hazard` -- the Breslow / Efron baseline hazard,
  also for a fixed linear predictor (offset);
* :func:`~lms_prognosis.cox.slope.calibration_slope` -- R ``coxph(Surv ~ lp)``;
* :func:`~lms_prognosis.cox.zph.cox_zph` -- R ``cox.zph``;
* :func:`~lms_prognosis.cox.partial.partial_effect` -- the hazard ratio of one variable
  through every term that contains it (splines, interactions);
* :func:`~lms_prognosis.cox.pool.pool` -- Rubin's rules for fits on imputed data (``mice::pool``).

Formula terms (``"age:grade"``, ``"age*grade"``, ``"ns(size_cm, df=3)"``, ``"rcs(age, 4)"``)
are parsed in :mod:`~lms_prognosis.cox._terms` and their bases are R's
(:mod:`~lms_prognosis.cox._splines`); case weights, clusters and ``(start, stop]`` data run
through the same engine.

Competing risks: :func:`~lms_prognosis.cox.finegray.fit_fine_gray` (Fine-Gray, as
``cmprsk::crr``) and :func:`~lms_prognosis.cox.cause_specific.fit_cause_specific` (one Cox
model per cause, absolute risk of each cause).

Also here: univariable fits (:func:`fit_univariable`) and the nomogram's scales
(:func:`nomogram_scales`), so that reports and plots only draw and format.
"""

from lms_prognosis.cox.baseline import BaselineHazard, baseline_hazard
from lms_prognosis.cox.cause_specific import CauseSpecificResult, fit_cause_specific
from lms_prognosis.cox.design import Design, design_matrix
from lms_prognosis.cox.finegray import FineGrayResult, fit_fine_gray
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.cox.nomogram import NomogramScales, nomogram_scales
from lms_prognosis.cox.partial import PartialEffect, partial_effect
from lms_prognosis.cox.pool import PooledResult, pool, pool_scalar
from lms_prognosis.cox.result import CoxResult
from lms_prognosis.cox.slope import CalibrationSlope, calibration_slope
from lms_prognosis.cox.univariable import UnivariableResult, fit_univariable
from lms_prognosis.cox.zph import PHTest
from lms_prognosis.exceptions import CoxError, CoxWarning

__all__ = [
    "fit_cox",
    "CoxResult",
    "CoxWarning",
    "CoxError",
    "PHTest",
    "PartialEffect",
    "partial_effect",
    "fit_fine_gray",
    "FineGrayResult",
    "fit_cause_specific",
    "CauseSpecificResult",
    "design_matrix",
    "Design",
    "calibration_slope",
    "CalibrationSlope",
    "baseline_hazard",
    "BaselineHazard",
    "fit_univariable",
    "UnivariableResult",
    "nomogram_scales",
    "NomogramScales",
    "pool",
    "pool_scalar",
    "PooledResult",
]
