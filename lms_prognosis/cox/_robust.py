"""Score residuals and the cluster-robust (sandwich) variance of a Cox fit (private).

R ``coxph(..., cluster = id)``: the robust variance is ``D' D`` where ``D`` holds the dfbeta
residuals (``residuals(fit, type = "dfbeta", weighted = TRUE)``: score residuals times the
case weight, times the model variance) summed within each cluster (R ``collapse = cluster``).
With non-integer case weights and no cluster, R uses it too, each row its own cluster.

The score residual of row i (R ``coxscore2`` / ``agscore3``, Efron or Breslow) is::

    L_i = [event] sum_k (x_i - m_k) / d - exp(eta_i) sum_{g: i at risk} sum_k h_k c_ik (x_i - m_k)

over the Efron steps k of each tied block g with d events: ``h_k = a_k / s0k`` (``a_k`` the
mean event weight of the block), ``m_k`` the weighted covariate mean of step k, and
``c_ik = 1 - k/d`` for an event of the block (its share in step k), 1 otherwise.
"""

from __future__ import annotations

import numpy as np

from lms_prognosis.cox._cholesky import cholesky2, chsolve2
from lms_prognosis.cox._risksets import Prepared, efron_event_sums, row_block_sums

__all__ = ["score_residuals", "robust_variance", "robust_score_test"]


def score_residuals(prep: Prepared, beta: np.ndarray) -> np.ndarray:
    """Score residuals (n, p) in the caller's row order (not multiplied by case weights).

    Examples
    --------
    >>> from lms_prognosis.cox._risksets import prepare
    >>> prep = prepare(np.array([1.0, 2, 3]), np.array([1, 1, 0]), np.array([[1.0], [0], [-1]]))
    >>> score_residuals(prep, np.zeros(1)).sum(axis=0).round(6).tolist()  # = the score
    [1.5]
    """
    if prep.freq is not None:
        raise ValueError("per-event residuals of a layout with freq=: repeat the rows instead")
    x = prep.x
    n, p = x.shape
    eta = x @ beta if p else np.zeros(n)
    if prep.offset is not None:
        eta = eta + prep.offset
    risk = np.exp(eta)
    w = risk if prep.weights is None else risk * prep.weights
    _, s1, _, d1, inv = efron_event_sums(w, x * w[:, None], prep)
    kb, f, starts = prep.k_block, prep.k_frac, prep.eblock_start
    m = (s1[kb] - f[:, None] * d1[kb]) * inv[:, None]  # (D, p) mean per Efron step
    h = inv if prep.step_wt is None else prep.step_wt * inv
    nblock = prep.block_start.size
    hb = np.zeros(nblock)
    hb[prep.eblock] = np.add.reduceat(h, starts)
    xhb = np.zeros((nblock, p))
    xhb[prep.eblock] = np.add.reduceat(m * h[:, None], starts, axis=0)
    rh = row_block_sums(hb, prep)
    rxh = np.column_stack([row_block_sums(xhb[:, j], prep) for j in range(p)])
    resid = -risk[:, None] * (x * rh[:, None] - rxh)
    dr = prep.death_rows
    # an event's own share: add back the part k/d of each step it was not at risk for
    fh = np.add.reduceat(f * h, starts)[kb]
    fxh = np.add.reduceat(m * (f * h)[:, None], starts, axis=0)[kb]
    resid[dr] += risk[dr, None] * (x[dr] * fh[:, None] - fxh)
    mbar = np.add.reduceat(m, starts, axis=0) / prep.ndeath[:, None]
    resid[dr] += x[dr] - mbar[kb]
    out = np.empty_like(resid)
    out[prep.order] = resid
    return out


def _weighted(prep: Prepared, resid: np.ndarray) -> np.ndarray:
    """Score residuals times the case weights (R ``weighted = TRUE``)."""
    if prep.weights is None:
        return resid
    wt = np.empty(prep.order.size)
    wt[prep.order] = prep.weights
    return resid * wt[:, None]


def _collapse(values: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """Rows summed within clusters (R ``collapse = cluster``)."""
    if cluster is None:
        return values
    g = int(cluster.max()) + 1
    return np.column_stack([np.bincount(cluster, weights=col, minlength=g) for col in values.T])


def robust_variance(
    prep: Prepared, beta: np.ndarray, var: np.ndarray, cluster: np.ndarray | None
) -> np.ndarray:
    """R's robust variance ``D' D`` (dfbeta summed within clusters; rows alone if None).

    ``cluster`` holds integer codes 0..G-1 in the caller's row order.
    """
    dfbeta = _collapse(_weighted(prep, score_residuals(prep, beta)) @ var, cluster)
    return dfbeta.T @ dfbeta


def robust_score_test(prep: Prepared, cluster: np.ndarray | None) -> float:
    """R ``fit$rscore``: ``u' (D0' D0)^- u`` with ``D0`` the weighted score residuals at
    beta = 0 summed within clusters and ``u`` their total (the score)."""
    d0 = _collapse(_weighted(prep, score_residuals(prep, np.zeros(prep.xt.shape[0]))), cluster)
    u = d0.sum(axis=0)
    fac, _ = cholesky2(d0.T @ d0)
    return float(u @ chsolve2(fac, u))
