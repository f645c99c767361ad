"""Newton-Raphson engine for the Cox model: R ``coxph`` (``coxfit6``) in vectorised numpy.

The data are sorted once, by stratum and by time descending. Everything the partial
likelihood needs is then a cumulative sum over rows (the risk sets) read off at the ends of
the unique-time blocks, plus a few sums over the tied events of each block (the Efron
correction, vectorised over all events at once). One iteration costs O(n p^2) with no
Python loop over individuals; the only loops are over the p columns of small matrices.

Conventions follow R's ``survival`` 3.x (``coxph.fit`` / ``coxfit6.c``): start at beta = 0;
Newton-Raphson with step halving when the log-likelihood decreases; convergence when
``|1 - loglik_old / loglik_new| <= eps`` (``eps = 1e-9``) outside a halving step; at most
``iter_max = 20`` iterations; the information matrix is factored by R's ``cholesky2`` (an
LDL' decomposition in which a pivot below ``toler_chol`` times the largest diagonal is set to
zero, so an aliased direction gets a zero step rather than a NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-9
TOLER_CHOL = np.finfo(float).eps ** 0.75
TOLER_INF = EPS**0.5
ITER_MAX = 20


@dataclass
class Prepared:
    """Sorted data and the block structure of the risk sets (built once per fit)."""

    order: np.ndarray  # original row -> sorted position (x_sorted = x[order])
    x: np.ndarray  # (n, p) centred covariates, sorted
    time: np.ndarray  # sorted time
    event: np.ndarray  # sorted 0/1 (bool)
    stratum: np.ndarray  # sorted stratum codes (int)
    block_end: np.ndarray  # (G,) index of the last row of each (stratum, time) block
    block_of_row: np.ndarray  # (n,) block index of each sorted row
    prev_end: np.ndarray  # (G,) index of the last row of the previous stratum, or -1
    strat_last_block: np.ndarray  # (G,) last block of the same stratum
    death_rows: np.ndarray  # sorted positions of the events
    death_block: np.ndarray  # (D,) block of each event (non-decreasing)
    eblock: np.ndarray  # (E,) blocks that hold at least one event
    eblock_start: np.ndarray  # (E,) start of each event block within death_rows
    ndeath: np.ndarray  # (E,) events per event block
    k_block: np.ndarray  # (D,) event block (0..E-1) of each Efron step
    k_frac: np.ndarray  # (D,) k / d of each Efron step (0 for Breslow)
    xdeath_sum: np.ndarray  # (p,) sum of x over events


def prepare(time: np.ndarray, event: np.ndarray, x: np.ndarray,
            stratum: np.ndarray | None, efron: bool) -> Prepared:
    """Sort by (stratum, -time) and index the blocks of tied times.

    ``x`` must already be centred. ``event`` is 0/1.
    """
    n = time.shape[0]
    if stratum is None:
        stratum = np.zeros(n, dtype=np.int64)
        order = np.argsort(-time, kind="stable")
    else:
        order = np.lexsort((-time, stratum))
    t = time[order]
    s = stratum[order]
    ev = event[order].astype(bool)
    xs = np.ascontiguousarray(x[order])
    new_block = np.empty(n, dtype=bool)
    new_block[0] = True
    new_block[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    block_start = np.flatnonzero(new_block)
    block_end = np.append(block_start[1:] - 1, n - 1)
    block_of_row = np.cumsum(new_block) - 1
    # stratum boundaries, in rows and in blocks
    new_strat = np.empty(n, dtype=bool)
    new_strat[0] = True
    new_strat[1:] = s[1:] != s[:-1]
    strat_start_rows = np.flatnonzero(new_strat)
    strat_id_row = np.cumsum(new_strat) - 1
    strat_of_block = strat_id_row[block_start]
    prev_end = (strat_start_rows - 1)[strat_of_block]
    strat_last_block_by_s = np.append(block_of_row[strat_start_rows[1:] - 1],
                                      block_of_row[-1])
    strat_last_block = strat_last_block_by_s[strat_of_block]

    death_rows = np.flatnonzero(ev)
    death_block = block_of_row[death_rows]
    if death_rows.size:
        newb = np.empty(death_rows.size, dtype=bool)
        newb[0] = True
        newb[1:] = death_block[1:] != death_block[:-1]
        eblock_start = np.flatnonzero(newb)
        eblock = death_block[eblock_start]
        ndeath = np.diff(np.append(eblock_start, death_rows.size))
        k_block = np.cumsum(newb) - 1
        if efron:
            k = np.arange(death_rows.size) - eblock_start[k_block]
            k_frac = k / ndeath[k_block]
        else:
            k_frac = np.zeros(death_rows.size)
    else:
        eblock_start = eblock = ndeath = k_block = np.zeros(0, dtype=np.int64)
        k_frac = np.zeros(0)
    return Prepared(order=order, x=xs, time=t, event=ev, stratum=s, block_end=block_end,
                    block_of_row=block_of_row, prev_end=prev_end,
                    strat_last_block=strat_last_block, death_rows=death_rows,
                    death_block=death_block, eblock=eblock, eblock_start=eblock_start,
                    ndeath=ndeath, k_block=k_block, k_frac=k_frac,
                    xdeath_sum=xs[death_rows].sum(axis=0))


def _risk_sums(cs: np.ndarray, prep: Prepared) -> np.ndarray:
    """Risk-set sums at every block from a row-wise cumulative sum (restarting per stratum)."""
    out = cs[prep.block_end]
    has_prev = prep.prev_end >= 0
    if np.any(has_prev):
        out = out.copy()
        out[has_prev] -= cs[prep.prev_end[has_prev]]
    return out


def _rev_block_cumsum(values: np.ndarray, prep: Prepared) -> np.ndarray:
    """For each block b: sum of ``values`` over blocks b..(last block of b's stratum)."""
    rc = np.cumsum(values[::-1])[::-1]
    nxt = prep.strat_last_block + 1
    out = rc.copy()
    inside = nxt < values.shape[0]
    out[inside] -= rc[nxt[inside]]
    return out


def _shift(eta: np.ndarray) -> float:
    """Offset for exp(eta): the mid-range, but never more than 690 below the maximum.

    The log-likelihood does not depend on it; it keeps exp() inside the double range for
    risk scores spanning up to ~1400 on the log scale (diverging coefficients).
    """
    if not eta.size:
        return 0.0
    hi = float(eta.max())
    return max(hi - 690.0, 0.5 * (hi + float(eta.min())))


def loglik_derivs(beta: np.ndarray, prep: Prepared, need_info: bool = True
                  ) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Partial log-likelihood, score and information at ``beta`` (Efron or Breslow)."""
    x = prep.x
    p = x.shape[1]
    eta = x @ beta if p else np.zeros(x.shape[0])
    shift = _shift(eta)
    w = np.exp(eta - shift)
    wx = x * w[:, None]
    s0 = _risk_sums(np.cumsum(w), prep)[prep.eblock]
    s1 = _risk_sums(np.cumsum(wx, axis=0), prep)[prep.eblock]
    dw = w[prep.death_rows]
    dwx = wx[prep.death_rows]
    starts = prep.eblock_start
    d0 = np.add.reduceat(dw, starts) if starts.size else np.zeros(0)
    d1 = np.add.reduceat(dwx, starts, axis=0) if starts.size else np.zeros((0, p))
    kb = prep.k_block
    f = prep.k_frac
    s0k = s0[kb] - f * d0[kb]
    with np.errstate(divide="ignore", over="ignore"):
        inv = 1.0 / s0k
    with np.errstate(divide="ignore"):
        loglik = float(eta[prep.death_rows].sum() - shift * prep.death_rows.size
                       - np.log(s0k).sum())
    a = np.add.reduceat(inv, starts) if starts.size else np.zeros(0)
    # weighted means of x over each Efron step's risk set (no 1/s0^2: no overflow)
    xbar_k = (s1[kb] - f[:, None] * d1[kb]) * inv[:, None]
    u = prep.xdeath_sum - xbar_k.sum(axis=0)
    if not need_info:
        return loglik, u, None
    b = np.add.reduceat(f * inv, starts)
    # sum over steps of S2_k / s0_k = X' diag(w * cumA) X - sum_deaths b_g w x x'
    a_block = np.zeros(prep.block_end.shape[0])
    a_block[prep.eblock] = a
    cum_a = _rev_block_cumsum(a_block, prep)[prep.block_of_row]
    info = wx.T @ (x * cum_a[:, None])
    info -= dwx.T @ (x[prep.death_rows] * b[kb][:, None])
    info -= xbar_k.T @ xbar_k
    return loglik, u, info


# ---- R's cholesky2 / chsolve2 / chinv2 -----------------------------------------------------

def cholesky2(a: np.ndarray, toler: float = TOLER_CHOL) -> tuple[np.ndarray, int]:
    """LDL' factorisation as R ``survival``'s ``cholesky2``: returns (factor, rank*sign).

    The lower triangle holds L (unit diagonal implied), the diagonal holds D; a pivot below
    ``toler`` times the largest diagonal element (or not finite) is set to zero.
    """
    m = np.array(a, dtype=float, copy=True)
    n = m.shape[0]
    eps = max((m[i, i] for i in range(n)), default=0.0)
    eps = toler if eps == 0 else eps * toler
    rank = 0
    nonneg = 1
    for i in range(n):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            if pivot < -8 * eps:
                nonneg = -1
            continue
        rank += 1
        if i + 1 < n:
            col = m[i + 1:, i] / pivot
            m[i + 1:, i] = col
            m[i + 1:, i + 1:] -= np.outer(col, col) * pivot
    return m, rank * nonneg


def chsolve2(m: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solve with the factor from :func:`cholesky2` (a zero pivot gives a zero component)."""
    n = m.shape[0]
    y = np.array(y, dtype=float, copy=True)
    for i in range(1, n):
        y[i] -= m[i, :i] @ y[:i]
    for i in range(n - 1, -1, -1):
        if m[i, i] == 0:
            y[i] = 0.0
        else:
            y[i] = y[i] / m[i, i] - m[i + 1:, i] @ y[i + 1:]
    return y


def chinv2(m: np.ndarray) -> np.ndarray:
    """Inverse from the :func:`cholesky2` factor; rows/columns of zero pivots are zero."""
    n = m.shape[0]
    if n == 0:
        return np.zeros((0, 0))
    lower = np.tril(m, -1) + np.eye(n)
    d = np.diag(m).copy()
    linv = np.linalg.solve(lower, np.eye(n))
    dinv = np.where(d == 0, 0.0, 1.0 / np.where(d == 0, 1.0, d))
    out = linv.T @ (dinv[:, None] * linv)
    zero = d == 0
    out[zero, :] = 0.0
    out[:, zero] = 0.0
    return out


@dataclass
class NRResult:
    """What the Newton-Raphson loop returns (all on the centred covariate scale)."""

    beta: np.ndarray
    var: np.ndarray
    loglik0: float
    loglik: float
    score_test: float
    u: np.ndarray  # score at the final beta (R's coxfit$u)
    iterations: int
    converged: bool
    rank: int


def newton_raphson(prep: Prepared, eps: float = EPS, iter_max: int = ITER_MAX,
                   toler_chol: float = TOLER_CHOL) -> NRResult:
    """Fit by Newton-Raphson from beta = 0 exactly as R ``coxfit6`` does."""
    p = prep.x.shape[1]
    beta = np.zeros(p)
    loglik0, u, info = loglik_derivs(beta, prep)
    fac, rank = cholesky2(info, toler_chol)
    step = chsolve2(fac, u)
    score_test = float(u @ step)
    if iter_max == 0:
        return NRResult(beta, chinv2(fac), loglik0, loglik0, score_test, u, 0, True, rank)
    old = loglik0
    newbeta = beta + step
    halving = False
    newlk = loglik0
    kept = (beta, loglik0, u, fac)  # last accepted point with a finite log-likelihood
    for it in range(1, iter_max + 1):
        with np.errstate(invalid="ignore", over="ignore"):
            newlk, u, info = loglik_derivs(newbeta, prep)
        if not np.isfinite(newlk) or not np.all(np.isfinite(info)):
            newlk = -np.inf  # outside the double range: treat as a failed step (halve)
        fac, rank = cholesky2(np.nan_to_num(info), toler_chol)
        if abs(1 - old / newlk) <= eps and not halving:
            return NRResult(newbeta, chinv2(fac), loglik0, newlk, score_test, u, it, True, rank)
        if it == iter_max:
            break
        if newlk < old:
            halving = True
            newbeta = (newbeta + beta) / 2
        else:
            halving = False
            old = newlk
            kept = (newbeta, newlk, u, fac)
            step = chsolve2(fac, u)
            beta = newbeta
            newbeta = newbeta + step
    if not np.isfinite(newlk):
        newbeta, newlk, u, fac = kept
    return NRResult(newbeta, chinv2(fac), loglik0, newlk, score_test, u, iter_max, False,
                    rank)
