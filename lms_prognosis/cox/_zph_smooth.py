"""The smooth of scaled Schoenfeld residuals and its band, as R's ``plot.cox.zph`` draws them.

Private to :mod:`lms_prognosis.cox`; reached through :meth:`lms_prognosis.cox.zph.PHTest.smooth`.

R (survival 3.5.3, ``survival:::plot.cox.zph`` with its defaults ``df = 4``, ``nsmo = 40``,
``se = TRUE``): ``pred.x`` is 40 equally spaced points over the transformed event times ``x``;
the basis is ``ns(c(pred.x, x), df = 4, intercept = TRUE)`` (knots from the grid and the data
together); ``yhat`` is the least-squares fit of the residuals on that basis, evaluated on the
grid; the band is ``yhat +/- 2 sqrt(var[i, i] * seval)``, with ``var`` the term's entry of
``cox.zph``'s ``$var`` (the inverse of the mean information per event) and
``seval = diag(P (X'X)^-1 P')`` the leverage of the spline fit at the grid. R uses 2 standard
errors (a band of about 95%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.cox._splines import ns_basis, ns_knots

__all__ = ["zph_smooth", "SMOOTH_DF", "SMOOTH_POINTS", "BAND_SE"]

SMOOTH_DF = 4  # R plot.cox.zph(df = 4)
SMOOTH_POINTS = 40  # R plot.cox.zph(nsmo = 40)
BAND_SE = 2.0  # R plot.cox.zph: yhat +/- 2 * se


def _basis(values: np.ndarray, inner: np.ndarray, boundary: np.ndarray) -> np.ndarray:
    """``ns(..., intercept = TRUE)``: the natural-spline space with the constant added.

    R's intercept basis and (constant, R's basis without intercept) span the same space of
    natural cubic splines, so the fitted values and leverages, which depend on the space
    only, are R's.
    """
    return np.column_stack([np.ones(values.size), ns_basis(values, inner, boundary)])


def zph_smooth(
    x: np.ndarray,
    y: np.ndarray,
    var: float,
    df: int = SMOOTH_DF,
    n_points: int = SMOOTH_POINTS,
) -> pd.DataFrame:
    """Spline smooth of residuals ``y`` on transformed time ``x`` with R's band.

    Parameters
    ----------
    x : ndarray
        Transformed event times (all of the fit's events, as R's ``z$x``).
    y : ndarray
        The term's scaled residuals at those times (NaN where R has NA: left out of the fit).
    var : float
        The term's diagonal entry of ``cox.zph``'s ``$var``.
    df : int
        Degrees of freedom of the natural spline (with intercept), at least 2.
    n_points : int
        Points of the grid the smooth is evaluated on.

    Returns
    -------
    DataFrame
        transformed_time, fit, se, lower, upper (``fit -/+ 2 se``); empty when the spline
        fit is singular (R warns and skips the term).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    cols = ["transformed_time", "fit", "se", "lower", "upper"]
    if x.size == 0 or not np.isfinite(x).all() or x.max() == x.min():
        return pd.DataFrame(columns=cols)
    grid = np.linspace(x.min(), x.max(), n_points)
    inner, boundary = ns_knots(np.concatenate([grid, x]), df=df - 1)  # df - 2 interior knots
    keep = np.isfinite(y)
    xmat = _basis(x[keep], inner, boundary)
    pmat = _basis(grid, inner, boundary)
    if xmat.shape[0] < df or np.linalg.matrix_rank(xmat) < df:
        return pd.DataFrame(columns=cols)
    q, r = np.linalg.qr(xmat)
    coef = np.linalg.solve(r, q.T @ y[keep])
    fit = pmat @ coef
    rinv = np.linalg.solve(r, np.eye(df))  # (X'X)^-1 = R^-1 R^-T
    seval = np.einsum("ij,ij->i", pmat @ rinv, pmat @ rinv)
    se = np.sqrt(float(var) * seval)
    return pd.DataFrame(
        {
            "transformed_time": grid,
            "fit": fit,
            "se": se,
            "lower": fit - BAND_SE * se,
            "upper": fit + BAND_SE * se,
        }
    )
