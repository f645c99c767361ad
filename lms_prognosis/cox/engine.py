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

    order: np.ndarray  # sorted position -> original row (x_sorted = x[order])
    xt1: np.ndarray  # (p + 1, n): a row of ones, then the sorted, centred covariates
    time: np.ndarray  # sorted time
    event: np.ndarray  # sorted 0/1 (bool)
    stratum: np.ndarray  # sorted stratum codes (int)
    block_start: np.ndarray  # (G,) first row of each (stratum, time) block
    block_end: np.ndarray  # (G,) last row of each block
    block_of_row: np.ndarray  # (n,) block index of each sorted row
    prev_end: np.ndarray  # (G,) last row of the previous stratum, or -1
    prev_block: np.ndarray  # (G,) last block of the previous stratum, or -1
    strat_last_block: np.ndarray  # (G,) last block of the same stratum
    death_rows: np.ndarray  # sorted positions of the events
    death_block: np.ndarray  # (D,) block of each event (non-decreasing)
    eblock: np.ndarray  # (E,) blocks that hold at least one event
    eblock_start: np.ndarray  # (E,) start of each event block within death_rows
    ndeath: np.ndarray  # (E,) events per event block
    k_block: np.ndarray  # (D,) event block (0..E-1) of each Efron step
    k_frac: np.ndarray  # (D,) k / d of each Efron step (0 for Breslow)
    xt1_death: np.ndarray  # (p + 1, D) the same for the events
    xdeath_sum: np.ndarray  # (p,) sum of x over events
    efron_ties: bool  # Efron with at least one tied event time (else the Efron terms vanish)

    @property
    def xt(self) -> np.ndarray:
        """(p, n) sorted, centred covariates (a view)."""
        return self.xt1[1:]

    @property
    def xt_death(self) -> np.ndarray:
        """(p, D) covariates of the events (a view)."""
        return self.xt1_death[1:]

    @property
    def x(self) -> np.ndarray:
        """(n, p) view of the sorted, centred covariates."""
        return self.xt.T

    def drop_columns(self, keep: list[int]) -> None:
        """Keep only the covariates ``keep`` (after an aliasing check)."""
        rows = [0] + [k + 1 for k in keep]
        self.xt1 = np.ascontiguousarray(self.xt1[rows])
        self.xt1_death = np.ascontiguousarray(self.xt1_death[rows])
        self.xdeath_sum = self.xdeath_sum[keep]


def sort_order(time: np.ndarray, stratum: np.ndarray | None) -> np.ndarray:
    """Row order by stratum, then time descending."""
    if stratum is None:
        return np.argsort(-time)
    return np.lexsort((-time, stratum))


def prepare(time: np.ndarray, event: np.ndarray, x: np.ndarray,
            stratum: np.ndarray | None, efron: bool) -> Prepared:
    """Sort by (stratum, -time) and index the blocks of tied times (``x``: (n, p), centred)."""
    order = sort_order(time, stratum)
    xt = np.ascontiguousarray(np.asarray(x, dtype=float).T[:, order])
    return prepare_sorted(order, time, event, xt, stratum, efron)


def prepare_sorted(order: np.ndarray, time: np.ndarray, event: np.ndarray, xt: np.ndarray,
                   stratum: np.ndarray | None, efron: bool) -> Prepared:
    """Index the blocks given the sort ``order`` and the already sorted, centred ``xt``."""
    n = time.shape[0]
    t = time[order]
    s = np.zeros(n, dtype=np.int64) if stratum is None else stratum[order]
    ev = event[order].astype(bool)
    new_block = np.empty(n, dtype=bool)
    new_block[0] = True
    np.not_equal(t[1:], t[:-1], out=new_block[1:])
    if stratum is not None:
        new_block[1:] |= s[1:] != s[:-1]
    block_start = np.flatnonzero(new_block)
    block_end = np.append(block_start[1:] - 1, n - 1)
    block_of_row = np.cumsum(new_block) - 1
    # stratum boundaries, in rows and in blocks
    if stratum is None:
        nb = block_start.size
        prev_end = np.full(nb, -1)
        prev_block = np.full(nb, -1)
        strat_last_block = np.full(nb, nb - 1)
    else:
        new_strat = np.empty(n, dtype=bool)
        new_strat[0] = True
        new_strat[1:] = s[1:] != s[:-1]
        strat_start_rows = np.flatnonzero(new_strat)
        strat_of_block = (np.cumsum(new_strat) - 1)[block_start]
        prev_end = (strat_start_rows - 1)[strat_of_block]
        last_by_s = np.append(block_of_row[strat_start_rows[1:] - 1], block_of_row[-1])
        strat_last_block = last_by_s[strat_of_block]
        prev_block = np.where(prev_end >= 0, block_of_row[np.maximum(prev_end, 0)], -1)

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
    xt1 = np.empty((xt.shape[0] + 1, n))
    xt1[0] = 1.0
    xt1[1:] = xt
    xt1_death = np.take(xt1, death_rows, axis=1)
    return Prepared(order=order, xt1=xt1, time=t, event=ev, stratum=s, block_start=block_start,
                    block_end=block_end, block_of_row=block_of_row, prev_end=prev_end,
                    prev_block=prev_block, strat_last_block=strat_last_block,
                    death_rows=death_rows, death_block=death_block, eblock=eblock,
                    eblock_start=eblock_start, ndeath=ndeath, k_block=k_block,
                    k_frac=k_frac, xt1_death=xt1_death,
                    xdeath_sum=xt1_death[1:].sum(axis=1),
                    efron_ties=bool(efron and np.any(ndeath > 1)))


def _risk_sums(cs: np.ndarray, prep: Prepared) -> np.ndarray:
    """Risk-set sums at every block from a row-wise cumulative sum (restarting per stratum)."""
    out = cs[prep.block_end]
    has_prev = prep.prev_end >= 0
    if np.any(has_prev):
        out = out.copy()
        out[has_prev] -= cs[prep.prev_end[has_prev]]
    return out


def efron_event_sums(w: np.ndarray, wx: np.ndarray, prep: Prepared
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per event block: risk-set sums s0, s1, death sums d0, d1; per Efron step 1/denominator.

    ``inv[k] = 1 / (s0 - f_k d0)`` for the k-th death of its tied block (f_k = (k-1)/d for
    Efron, 0 for Breslow), the quantity the baseline hazard and the Schoenfeld residuals share.
    """
    s0 = _risk_sums(np.cumsum(w), prep)[prep.eblock]
    s1 = _risk_sums(np.cumsum(wx, axis=0), prep)[prep.eblock]
    d0 = np.add.reduceat(w[prep.death_rows], prep.eblock_start)
    d1 = np.add.reduceat(wx[prep.death_rows], prep.eblock_start, axis=0)
    inv = 1.0 / (s0[prep.k_block] - prep.k_frac * d0[prep.k_block])
    return s0, s1, d0, d1, inv


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


def _block_cumsum(values: np.ndarray, prep: Prepared) -> np.ndarray:
    """Risk-set sums from per-block sums: cumulative over blocks, restarting per stratum."""
    cs = np.cumsum(values, axis=0)
    has_prev = prep.prev_block >= 0
    if has_prev.any():
        cs[has_prev] -= cs[prep.prev_block[has_prev]]
    return cs


def linear_predictor(prep: Prepared, beta: np.ndarray, exact: bool = True) -> np.ndarray:
    """x @ beta.

    ``exact``: a loop over the p columns, so identical rows give bit-identical results (BLAS
    kernels may round the edge rows differently, which would break ties in the linear
    predictor) and no BLAS threads start on a busy machine. Otherwise BLAS for small n.
    """
    n = prep.xt1.shape[1]
    if not exact and n <= 20000:
        return beta @ prep.xt
    eta = np.zeros(n)
    for j in range(beta.size):
        if beta[j] != 0:
            eta += beta[j] * prep.xt[j]
    return eta


def loglik_derivs(beta: np.ndarray, prep: Prepared, need_info: bool = True
                  ) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Partial log-likelihood, score and information at ``beta`` (Efron or Breslow).

    For an event block g with d tied events and Efron step k (fraction f = k/d, 0 for
    Breslow) the risk-set sums are ``s0k = S0 - f D0`` and ``s1k = S1 - f D1``. Written with
    the bounded ratios ``r_k = S0 / s0k`` (1 <= r_k <= d), ``M = S1 / S0``, ``N = D1 / S0``::

        loglik = sum_events eta - sum_k log s0k
        U      = sum_events x - sum_g (M sum_k r_k - N sum_k f r_k)
        I      = sum_i v_i x_i x_i' - sum_g (C M M' - E (M N' + N M') + F N N')

    with ``v_i = w_i (sum_{g: t_g <= t_i} sum_k 1/s0k - [event] sum_k f/s0k)`` and
    ``C, E, F = sum_k r_k^2 (1, f, f^2)``.
    """
    p = prep.xt.shape[0]
    eta = linear_predictor(prep, beta, exact=False)
    shift = _shift(eta)
    w = np.exp(eta - shift)
    bs = prep.block_start
    # risk-set sums of w and w x in one pass: row 0 of xt1 is ones
    sums = _block_cumsum(np.add.reduceat(prep.xt1 * w, bs, axis=1).T, prep)[prep.eblock]
    s0 = sums[:, 0]
    s1 = sums[:, 1:]
    dw = w[prep.death_rows]
    starts = prep.eblock_start
    if starts.size:
        dsum = np.add.reduceat(prep.xt1_death * dw, starts, axis=1).T
    else:
        dsum = np.zeros((0, p + 1))
    d0 = dsum[:, 0]
    d1 = dsum[:, 1:]
    kb = prep.k_block
    m = s1 / s0[:, None]
    nn = d1 / s0[:, None]
    if prep.efron_ties:
        f = prep.k_frac
        s0b = s0[kb]
        s0k = s0b - f * d0[kb]
        r = s0b / s0k
        stk = np.empty((5, r.size))
        stk[0] = r
        np.multiply(f, r, out=stk[1])
        np.multiply(r, r, out=stk[2])
        np.multiply(f, stk[2], out=stk[3])
        np.multiply(f, stk[3], out=stk[4])
        ra, rb, c, e, ff = np.add.reduceat(stk, starts, axis=1)
        with np.errstate(divide="ignore"):
            logs0 = np.log(s0k).sum()
    else:  # Breslow, or Efron without tied events: r = 1, f = 0
        ra = c = prep.ndeath.astype(float)
        rb = e = ff = None
        with np.errstate(divide="ignore"):
            logs0 = float(np.log(s0) @ ra)
    loglik = float(eta[prep.death_rows].sum() - shift * dw.size - logs0)
    u = prep.xdeath_sum - m.T @ ra
    if rb is not None:
        u += nn.T @ rb
    if not need_info:
        return loglik, u, None
    a_block = np.zeros(bs.size)
    a_block[prep.eblock] = ra / s0
    v = _rev_block_cumsum(a_block, prep)[prep.block_of_row]
    if rb is not None:
        v[prep.death_rows] -= (rb / s0)[kb]
    v *= w
    np.maximum(v, 0.0, out=v)  # >= 0 in exact arithmetic; guard rounding before the sqrt
    y = prep.xt * np.sqrt(v)
    info = y @ y.T  # numpy calls BLAS syrk for a @ a.T
    info -= (m * c[:, None]).T @ m
    if rb is not None:
        cross = (m * e[:, None]).T @ nn
        info += cross + cross.T
        info -= (nn * ff[:, None]).T @ nn
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


class _Factor:
    """Factorisation of the information matrix with R ``cholesky2`` semantics.

    Full rank (every pivot above ``toler`` times the largest diagonal): LAPACK's Cholesky.
    Otherwise R's LDL' with zeroed pivots (aliased or diverging directions get no step).
    """

    def __init__(self, info: np.ndarray, toler: float) -> None:
        self.info = info
        self.ldl: np.ndarray | None = None
        p = info.shape[0]
        try:
            chol = np.linalg.cholesky(info)
            piv = np.diag(chol) ** 2
            top = max(float(np.max(np.diag(info))), 0.0) if p else 0.0
            ok = p == 0 or (np.all(np.isfinite(piv)) and np.all(piv >= toler * top)
                            and top > 0)
        except np.linalg.LinAlgError:
            ok = False
        if ok:
            self.rank = p
        else:
            self.ldl, self.rank = cholesky2(info, toler)

    def solve(self, u: np.ndarray) -> np.ndarray:
        if self.ldl is None:
            return np.linalg.solve(self.info, u)
        return chsolve2(self.ldl, u)

    def inverse(self) -> np.ndarray:
        if self.ldl is None:
            inv = np.linalg.inv(self.info)
            return (inv + inv.T) / 2
        return chinv2(self.ldl)


def newton_raphson(prep: Prepared, eps: float = EPS, iter_max: int = ITER_MAX,
                   toler_chol: float = TOLER_CHOL) -> NRResult:
    """Fit by Newton-Raphson from beta = 0 exactly as R ``coxfit6`` does."""
    p = prep.xt.shape[0]
    beta = np.zeros(p)
    loglik0, u, info = loglik_derivs(beta, prep)
    fac = _Factor(info, toler_chol)
    step = fac.solve(u)
    score_test = float(u @ step)
    if iter_max == 0:
        return NRResult(beta, fac.inverse(), loglik0, loglik0, score_test, u, 0, True,
                        fac.rank)
    old = loglik0
    newbeta = beta + step
    halving = False
    newlk = loglik0
    kept = (beta, loglik0, u, fac)  # last accepted point with a finite log-likelihood
    for it in range(1, iter_max + 1):
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            newlk, u, info = loglik_derivs(newbeta, prep)
        if not np.isfinite(newlk) or not np.all(np.isfinite(info)):
            newlk = -np.inf  # outside the double range: treat as a failed step (halve)
            info = np.nan_to_num(info)
        fac = _Factor(info, toler_chol)
        if abs(1 - old / newlk) <= eps and not halving:
            return NRResult(newbeta, fac.inverse(), loglik0, newlk, score_test, u, it, True,
                            fac.rank)
        if it == iter_max:
            break
        if newlk < old:
            halving = True
            newbeta = (newbeta + beta) / 2
        else:
            halving = False
            old = newlk
            kept = (newbeta, newlk, u, fac)
            step = fac.solve(u)
            beta = newbeta
            newbeta = newbeta + step
    if not np.isfinite(newlk):
        newbeta, newlk, u, fac = kept
    return NRResult(newbeta, fac.inverse(), loglik0, newlk, score_test, u, iter_max, False,
                    fac.rank)
