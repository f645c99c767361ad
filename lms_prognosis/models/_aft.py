"""The error distributions of the accelerated failure time models, as R ``survreg`` has them.

log T = x'beta + scale * W, with W standard extreme value (Weibull, exponential: scale 1),
normal (log-normal) or logistic (log-logistic). With u = (log t - x'beta) / scale,
S(t) = S0(u), the density of W is f0(u) and the hazard of T is f0(u) / (scale t S0(u)).
These equal R's ``1 - psurvreg(t, lp, scale, dist)`` and ``dsurvreg``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from lms_prognosis._distributions import norm_logpdf, norm_logsf, norm_pdf, norm_sf

__all__ = ["std_surv", "std_density", "std_hazard"]


def std_surv(u: np.ndarray, distribution: str) -> np.ndarray:
    """S0(u), the survival function of W.

    Examples
    --------
    >>> std_surv(np.array([0.0]), "lognormal").tolist()
    [0.5]
    """
    if distribution in ("weibull", "exponential"):
        return np.exp(-np.exp(u))
    if distribution == "lognormal":
        return norm_sf(u)
    return expit(-u)


def std_density(u: np.ndarray, distribution: str) -> np.ndarray:
    """f0(u), the density of W.

    Examples
    --------
    >>> round(float(std_density(np.array([0.0]), "loglogistic")[0]), 6)
    0.25
    """
    if distribution in ("weibull", "exponential"):
        return np.exp(u - np.exp(u))
    if distribution == "lognormal":
        return norm_pdf(u)
    p = expit(u)
    return p * (1.0 - p)


def std_hazard(u: np.ndarray, distribution: str) -> np.ndarray:
    """f0(u) / S0(u), the hazard of W (stable in the tails).

    Examples
    --------
    >>> std_hazard(np.array([0.0]), "weibull").tolist()
    [1.0]
    """
    if distribution in ("weibull", "exponential"):
        return np.exp(u)
    if distribution == "lognormal":
        # Mills ratio: pdf / sf, through the log to stay finite for large u
        return np.exp(norm_logpdf(u) - norm_logsf(u))
    return expit(u)
