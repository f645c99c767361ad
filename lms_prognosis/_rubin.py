"""Rubin's rules with Barnard-Rubin degrees of freedom, as R's ``mice::pool`` (mice 3.x).

One kernel shared by the pooling of fitted models (:mod:`lms_prognosis.cox.pool`) and the
fraction of missing information per imputed variable (:mod:`lms_prognosis.impute`). Our own
code rather than statsmodels' ``MICE.combine``: that one uses Rubin's 1987 large-sample degrees
of freedom, not Barnard-Rubin's small-sample ones that ``mice::pool`` reports.

For m estimates Q_l with variances U_l of one parameter:

* qbar = mean(Q_l), ubar = mean(U_l), b = var(Q_l) (denominator m - 1),
  t = ubar + (1 + 1/m) b;
* riv = (1 + 1/m) b / ubar, lambda = (1 + 1/m) b / t (floored at 1e-4 inside the df, as mice);
* df = Barnard-Rubin: dfold = (m - 1) / lambda^2, dfobs = (dfcom + 1) / (dfcom + 3) dfcom
  (1 - lambda), df = dfold dfobs / (dfold + dfobs) (dfold when dfcom is infinite);
* fmi = (riv + 2 / (df + 3)) / (riv + 1).

References
----------
Rubin DB. Multiple Imputation for Nonresponse in Surveys. Wiley, 1987.
Barnard J, Rubin DB. Small-sample degrees of freedom with multiple imputation. Biometrika
1999;86:948-55.
van Buuren S, Groothuis-Oudshoorn K. mice: Multivariate imputation by chained equations in R.
J Stat Softw 2011;45(3):1-67.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rubin", "barnard_rubin_df"]


def barnard_rubin_df(m: int, b: np.ndarray, t: np.ndarray, dfcom: float) -> np.ndarray:
    """Barnard-Rubin degrees of freedom, R ``mice:::barnard.rubin``.

    Examples
    --------
    >>> float(barnard_rubin_df(5, np.array([0.01]), np.array([0.05]), np.inf)[0])
    69.44...
    """
    lam = np.maximum((1.0 + 1.0 / m) * np.asarray(b, float) / np.asarray(t, float), 1e-4)
    dfold = (m - 1) / lam**2
    if np.isinf(dfcom):
        return np.asarray(dfold, float)
    dfobs = (dfcom + 1.0) / (dfcom + 3.0) * dfcom * (1.0 - lam)
    return np.asarray(dfold * dfobs / (dfold + dfobs), float)


def rubin(estimates: np.ndarray, variances: np.ndarray, dfcom: float = np.inf) -> pd.DataFrame:
    """Pool m estimates of k parameters by Rubin's rules, as ``mice::pool``.

    Parameters
    ----------
    estimates, variances : array of shape (m, k)
        One row per completed data set: the estimates and their squared standard errors.
    dfcom : float
        Degrees of freedom of the complete-data analysis (``inf`` for a large-sample one).

    Returns
    -------
    DataFrame
        One row per parameter: m, estimate, ubar, b, t, dfcom, df, riv, lambda, fmi, se.

    Examples
    --------
    >>> q = np.array([[1.0], [1.2], [0.9]]); u = np.array([[0.04], [0.05], [0.045]])
    >>> rubin(q, u, dfcom=50)[["estimate", "df", "fmi"]].round(3)
       estimate     df    fmi
    0     1.033  8.425  0.512
    """
    q = np.atleast_2d(np.asarray(estimates, dtype=float))
    u = np.atleast_2d(np.asarray(variances, dtype=float))
    m = q.shape[0]
    if m < 2:
        raise ValueError(f"Rubin's rules need at least 2 imputations, got {m}")
    qbar = q.mean(axis=0)
    ubar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1.0 + 1.0 / m) * b
    df = barnard_rubin_df(m, b, t, dfcom)
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1.0 + 1.0 / m) * b / ubar
        lam = (1.0 + 1.0 / m) * b / t
    fmi = (riv + 2.0 / (df + 3.0)) / (riv + 1.0)
    return pd.DataFrame(
        {
            "m": m,
            "estimate": qbar,
            "ubar": ubar,
            "b": b,
            "t": t,
            "dfcom": float(dfcom),
            "df": df,
            "riv": riv,
            "lambda": lam,
            "fmi": fmi,
            "se": np.sqrt(t),
        }
    )
