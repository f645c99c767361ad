"""Cox proportional hazards models: fitting (``fit``), the design matrix (``design``), the
Newton-Raphson engine (``engine``), the Breslow/Efron baseline and per-patient survival
(``baseline``), and the proportional-hazards test (``zph``)."""

from lms_prognosis.cox.fit import CoxError, CoxResult, CoxWarning, PHTest, fit_cox

__all__ = ["fit_cox", "CoxResult", "CoxWarning", "CoxError", "PHTest"]
