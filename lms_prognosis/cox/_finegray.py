"""The Fine-Gray estimating equations, as ``cmprsk::crr`` solves them (vectorised numpy).

Why our own code: no Python library fits the Fine-Gray model (lifelines' pull request has
been open since 2026, scikit-survival has none), and the package's Cox engine
(:mod:`lms_prognosis.cox.engine`) has no case weights that change with time, which the
weighted-risk-set form needs. Writing the estimating equations directly also gives exactly
cmprsk's numbers: its Newton iteration and stopping rule, its variance (which accounts for the
estimated censoring distribution) and its baseline.

Notation (rows sorted by time ascending, as ``crr`` sorts them): ``status`` 1 = the cause of
interest, 2 = any competing event, 0 = censored. At a failure time ``u`` subject ``j`` is in the
risk set with weight 1 if ``t_j >= u``, with weight ``G_g(u-) / G_g(t_j-)`` if it had a
competing event before ``u`` (``g`` its censoring group), otherwise not at all. ``G_g`` is the
Kaplan-Meier estimate of the censoring distribution in group ``g``, evaluated as ``crr`` does:
at ``t * (1 - 100 eps)`` (so just before ``t`` for ``t > 0``) and 0 after the last time of the
group. Ties are Breslow's (each failure counted separately).

* :func:`fsv` -- minus the log partial likelihood, its gradient and Hessian (``crrfsv``);
* :func:`solve` -- ``crr``'s Newton-Raphson from 0 with Armijo step halving, stopping when
  ``max |score| * max(|b|, 1) < max(|f|, 1) * gtol`` (gtol 1e-6, at most 10 iterations);
* :func:`sandwich` -- ``crrvv``: the information and the sum of squared influence terms
  ``eta_i + psi_i`` of Fine & Gray (1999), with ``psi`` the part from estimating ``G``. As in
  cmprsk, with several censoring groups the ``dLambda`` part of ``q_g(u)`` sums only failures
  of group ``g``.

Covariates are centred internally and ``exp`` is shifted; neither changes any number.

Reference: Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a
competing risk. JASA 1999;94:496-509.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CrrData", "crr_data", "fsv", "solve", "sandwich", "Solution"]

_EPS = np.finfo(float).eps
GTOL = 1e-6
MAXITER = 10


@dataclass(frozen=True, eq=False)
class CrrData:
    """Sorted data and the censoring weights of a Fine-Gray fit.

    Attributes
    ----------
    time, status, group : ndarray
        Sorted by time (stable); status 1 / 2 / 0; censoring group code 0..G-1.
    x : ndarray (n, p)
        Centred covariates, sorted.
    order : ndarray
        Sorted position -> caller's position.
    g_own : ndarray
        ``G_{g_i}(t_i-)`` of each row.
    ftimes : ndarray
        Distinct times of the cause of interest, ascending.
    first : ndarray
        Index of the first row at each failure time (rows with ``t < u`` come before).
    d : ndarray
        Failures at each failure time.
    g_fail : ndarray (G, m)
        ``G_g(u_m-)`` for each group and failure time.
    """

    time: np.ndarray
    status: np.ndarray
    group: np.ndarray
    x: np.ndarray
    order: np.ndarray
    g_own: np.ndarray
    ftimes: np.ndarray
    first: np.ndarray
    d: np.ndarray
    g_fail: np.ndarray
    n_groups: int


def _km_censoring(t: np.ndarray, cens: np.ndarray, at: np.ndarray) -> np.ndarray:
    """KM of the censoring distribution of rows (t, cens) evaluated as ``crr``'s ``approx``."""
    ut, inv = np.unique(t, return_inverse=True)
    n_at = np.bincount(inv, minlength=ut.size)
    c_at = np.bincount(inv, weights=cens, minlength=ut.size)
    risk = n_at[::-1].cumsum()[::-1]
    surv = np.cumprod(1.0 - c_at / risk)
    xout = at * (1.0 - 100.0 * _EPS)
    knots = np.r_[min(0.0, ut[0]) - 10.0 * _EPS, ut, ut[-1] * (1.0 + 10.0 * _EPS)]
    values = np.r_[1.0, surv, 0.0]
    pos = np.searchsorted(knots, xout, side="right") - 1
    return np.asarray(values[np.maximum(pos, 0)])


def crr_data(
    time: np.ndarray, status: np.ndarray, x: np.ndarray, group: np.ndarray | None = None
) -> CrrData:
    """Sort, centre, and compute the censoring weights (``crr``'s ``uuu``).

    Examples
    --------
    >>> cd = crr_data(np.array([3.0, 1.0, 2.0, 4.0]), np.array([1, 2, 0, 1]),
    ...               np.array([[1.0], [0.0], [1.0], [0.0]]))
    >>> cd.time.tolist(), cd.g_own.round(3).tolist(), cd.g_fail.round(3).tolist()
    ([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 0.667, 0.667], [[0.667, 0.667]])
    """
    order = np.argsort(time, kind="stable")
    t = np.asarray(time, dtype=float)[order]
    s = np.asarray(status)[order].astype(np.int8)
    grp = np.zeros(t.size, dtype=np.int64) if group is None else np.asarray(group)[order]
    n_groups = int(grp.max()) + 1 if grp.size else 1
    xs = np.asarray(x, dtype=float)[order]
    xs = xs - xs.mean(axis=0) if xs.shape[1] else xs
    fail = s == 1
    ftimes, d = np.unique(t[fail], return_counts=True)
    first = np.searchsorted(t, ftimes, side="left")
    g_own = np.empty(t.size)
    g_fail = np.empty((n_groups, ftimes.size))
    cens = (s == 0).astype(float)
    for g in range(n_groups):
        rows = grp == g
        if not rows.any():
            g_fail[g] = 0.0
            continue
        g_own[rows] = _km_censoring(t[rows], cens[rows], t[rows])
        g_fail[g] = _km_censoring(t[rows], cens[rows], ftimes)
    return CrrData(t, s, grp, xs, order, g_own, ftimes, first, d.astype(float), g_fail, n_groups)


def _exp(cd: CrrData, b: np.ndarray) -> tuple[np.ndarray, float]:
    eta = cd.x @ b if b.size else np.zeros(cd.time.size)
    shift = float(eta.max()) if eta.size else 0.0
    return np.exp(eta - shift), shift


def _risk_sums(cd: CrrData, w: np.ndarray) -> np.ndarray:
    """Weighted risk-set sums of the per-row values ``w`` (n, ...) at each failure time."""
    tail = np.cumsum(w[::-1], axis=0)[::-1]  # rows j >= index
    total = tail[cd.first]  # t_j >= u  (rows from `first` on)
    comp = cd.status == 2
    for g in range(cd.n_groups):
        rows = comp & (cd.group == g)
        if not rows.any():
            continue
        scaled = np.where(_expand(rows, w), w / _expand(cd.g_own, w), 0.0)
        head = np.concatenate([np.zeros((1, *w.shape[1:])), np.cumsum(scaled, axis=0)])
        before = head[cd.first]  # rows j < first: t_j < u
        total = total + before * _expand(cd.g_fail[g], before)
    return np.asarray(total)


def _expand(v: np.ndarray, like: np.ndarray) -> np.ndarray:
    return v.reshape(v.shape + (1,) * (like.ndim - 1))


@dataclass(frozen=True)
class _Sums:
    s0: np.ndarray  # (m,) shifted
    zbar: np.ndarray  # (m, p)
    shift: float


def _sums(cd: CrrData, b: np.ndarray, second: bool) -> tuple[_Sums, np.ndarray]:
    """Risk-set sums at ``b``, and with ``second`` the second moments (m, p, p); without it
    an empty (0, p, p) array."""
    e, shift = _exp(cd, b)
    p = cd.x.shape[1]
    cols = [e[:, None], e[:, None] * cd.x]
    if second:
        cols.append((e[:, None, None] * cd.x[:, :, None] * cd.x[:, None, :]).reshape(-1, p * p))
    sums = _risk_sums(cd, np.concatenate(cols, axis=1))
    s0 = sums[:, 0]
    zbar = sums[:, 1 : p + 1] / s0[:, None]
    s2 = sums[:, p + 1 :].reshape(-1, p, p) / s0[:, None, None] if second else np.empty((0, p, p))
    return _Sums(s0, zbar, shift), s2


def neg_loglik(cd: CrrData, b: np.ndarray) -> float:
    """Minus the log partial likelihood (``crrf``), NaN if it is not finite."""
    sm, _ = _sums(cd, b, second=False)
    xb = cd.x[cd.status == 1] @ b if b.size else np.zeros(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = -float(xb.sum()) + float(np.sum(cd.d * (np.log(sm.s0) + sm.shift)))
    return f if np.isfinite(f) else float("nan")


def fsv(cd: CrrData, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(f, gradient, Hessian) of minus the log partial likelihood at ``b`` (``crrfsv``)."""
    sm, s2 = _sums(cd, b, second=True)
    xf = cd.x[cd.status == 1]
    f = -float((xf @ b).sum()) + float(np.sum(cd.d * (np.log(sm.s0) + sm.shift)))
    grad = -xf.sum(axis=0) + cd.d @ sm.zbar
    info = np.einsum("m,mjk->jk", cd.d, s2 - sm.zbar[:, :, None] * sm.zbar[:, None, :])
    return f, grad, info


@dataclass(frozen=True)
class Solution:
    """``crr``'s estimate: coefficients (centred design: the same), f, convergence."""

    beta: np.ndarray
    f: float
    f_null: float
    converged: bool
    iterations: int


def solve(cd: CrrData, gtol: float = GTOL, maxiter: int = MAXITER) -> Solution:
    """``crr``'s Newton-Raphson from 0 with step halving (Armijo, factor 0.5, at most 20).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=(80, 1))
    >>> t = rng.exponential(np.exp(-0.5 * x[:, 0]))
    >>> st = rng.choice([0, 1, 2], 80, p=[0.2, 0.5, 0.3])
    >>> sol = solve(crr_data(t, st, x))
    >>> sol.converged, sol.iterations <= MAXITER
    (True, True)
    """
    p = cd.x.shape[1]
    b = np.zeros(p)
    f_null = neg_loglik(cd, b)
    converged = False
    f = f_null
    it = 0
    for it in range(maxiter + 1):
        f, grad, info = fsv(cd, b)
        if np.max(np.abs(grad) * np.maximum(np.abs(b), 1.0)) < max(abs(f), 1.0) * gtol:
            converged = True
            break
        if it == maxiter:
            break
        sc = -np.linalg.solve(info, grad)
        bn = b + sc
        fbn = neg_loglik(cd, bn)
        halvings = 0
        while np.isnan(fbn) or fbn > f + 1e-4 * float(sc @ grad):
            halvings += 1
            sc = sc * 0.5
            bn = b + sc
            fbn = neg_loglik(cd, bn)
            if halvings > 20:
                break
        if halvings > 20:
            break
        b = bn
    return Solution(beta=b, f=f, f_null=f_null, converged=converged, iterations=it)


def baseline_jumps(cd: CrrData, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jumps of the baseline cumulative subdistribution hazard at ``ftimes`` for a centred
    covariate vector of 0, their variance terms ``d / S0^2`` and ``xbar`` (centred)."""
    sm, _ = _sums(cd, b, second=False)
    s0 = sm.s0 * np.exp(sm.shift)
    return cd.d / s0, cd.d / s0**2, sm.zbar


def sandwich(cd: CrrData, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(information, sum of (eta_i + psi_i)(eta_i + psi_i)'), as cmprsk's ``crrvv``."""
    sm, s2 = _sums(cd, b, second=True)
    info = np.einsum("m,mjk->jk", cd.d, s2 - sm.zbar[:, :, None] * sm.zbar[:, None, :])
    scores = _eta(cd, b, sm) + _psi(cd, b, sm)
    return info, scores.T @ scores


def _eta(cd: CrrData, b: np.ndarray, sm: _Sums) -> np.ndarray:
    e, _ = _exp(cd, b)
    x, t = cd.x, cd.time
    a = cd.d / sm.s0
    bm = a[:, None] * sm.zbar
    # failures at or before t_i: cumulative sums over the failure times <= t_i
    k = np.searchsorted(cd.ftimes, t, side="right")
    ca = np.r_[0.0, np.cumsum(a)][k]
    cb = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(bm, axis=0)])[k]
    eta = -e[:, None] * (x * ca[:, None] - cb)
    fail = cd.status == 1
    kf = np.searchsorted(cd.ftimes, t[fail], side="left")
    eta[fail] += x[fail] - sm.zbar[kf]
    # competing events: failures after t_i, weighted G(u-) / G(t_i-)
    comp = np.flatnonzero(cd.status == 2)
    for g in range(cd.n_groups):
        rows = comp[cd.group[comp] == g]
        if rows.size == 0:
            continue
        ga = cd.g_fail[g] * a
        gb = cd.g_fail[g][:, None] * bm
        ra = np.r_[np.cumsum(ga[::-1])[::-1], 0.0]
        rb = np.vstack([np.cumsum(gb[::-1], axis=0)[::-1], np.zeros((1, x.shape[1]))])
        kk = np.searchsorted(cd.ftimes, t[rows], side="right")  # failures u > t_i
        w = e[rows] / cd.g_own[rows]
        eta[rows] -= w[:, None] * (x[rows] * ra[kk][:, None] - rb[kk])
    return np.asarray(eta)


def _psi(cd: CrrData, b: np.ndarray, sm: _Sums) -> np.ndarray:
    """The influence of estimating G: psi_i (cmprsk's ``ss2`` and ``qu`` terms)."""
    e, _ = _exp(cd, b)
    t, x = cd.time, cd.x
    n, p = x.shape
    ut, tidx = np.unique(t, return_inverse=True)
    psi = np.zeros((n, p))
    fail = np.flatnonzero(cd.status == 1)
    kf = np.searchsorted(cd.ftimes, t[fail], side="left")
    for g in range(cd.n_groups):
        in_g = cd.group == g
        cens = np.bincount(tidx, weights=(in_g & (cd.status == 0)).astype(float), minlength=ut.size)
        if not cens.any():
            continue
        y = np.bincount(tidx, weights=in_g.astype(float), minlength=ut.size)[::-1].cumsum()[::-1]
        # competing rows of group g with t < u: A2 (p) and B2 sums
        comp = in_g & (cd.status == 2)
        wc = np.where(comp, e / cd.g_own, 0.0)
        cum_b2 = np.r_[0.0, np.cumsum(np.bincount(tidx, weights=wc, minlength=ut.size))]
        cum_a2 = np.vstack(
            [
                np.zeros((1, p)),
                np.cumsum(
                    np.column_stack(
                        [
                            np.bincount(tidx, weights=wc * x[:, j], minlength=ut.size)
                            for j in range(p)
                        ]
                    ).reshape(ut.size, p),
                    axis=0,
                ),
            ]
        )
        a2, b2 = cum_a2[:-1], cum_b2[:-1]  # strictly before each distinct time
        # failures of group g with t >= u: C and D sums
        fg = fail[cd.group[fail] == g]
        kg = kf[cd.group[fail] == g]
        c_w = cd.g_fail[g][kg] / sm.s0[kg]
        c_at = np.bincount(tidx[fg], weights=c_w, minlength=ut.size)
        d_at = np.column_stack(
            [
                np.bincount(tidx[fg], weights=c_w * sm.zbar[kg, j], minlength=ut.size)
                for j in range(p)
            ]
        ).reshape(ut.size, p)
        c_ge = c_at[::-1].cumsum()[::-1]
        d_ge = d_at[::-1].cumsum(axis=0)[::-1]
        qu = a2 * c_ge[:, None] - b2[:, None] * d_ge  # cmprsk's qu (minus q(u))
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(cens[:, None] > 0, -qu * (cens / y**2)[:, None], 0.0)
            own = qu / y[:, None]
        cum = np.cumsum(step, axis=0)
        rows = np.flatnonzero(in_g)
        psi[rows] = cum[tidx[rows]]
        crow = rows[cd.status[rows] == 0]
        psi[crow] += own[tidx[crow]]
    return psi
