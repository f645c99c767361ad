"""Newton-Raphson engine for the Cox model: R ``coxph`` (``coxfit6``) in vectorised numpy.

The one Cox solver of the package: ``fit_cox``, the calibration slope
(:func:`lms_prognosis.cox.slope.calibration_slope`) and the bootstrap refits of ``validate`` all
call :func:`newton_raphson` on a :class:`Prepared` from :func:`prepare`.

The data are sorted once, by stratum and by time descending. Everything the partial
likelihood needs is then a cumulative sum over rows (the risk sets) read off at the ends of
the unique-time blocks, plus a few sums over the tied events of each block (the Efron
correction, vectorised over all events at once). One iteration costs O(n p^2) with no
Python loop over individuals; the only loops are over the p columns of small matrices.

Conventions follow R's ``survival`` 3.x (``coxph.fit`` / ``coxfit6.c``): start at beta = 0
(or at ``init``); Newton-Raphson with step halving when the log-likelihood decreases;
convergence when ``|1 - loglik_old / loglik_new| <= eps`` (``eps = 1e-9``) outside a halving
step; at most ``iter_max = 20`` iterations, after which a
:class:`~lms_prognosis.exceptions.ConvergenceWarning` says so (R: "Ran out of iterations and did
not converge"); the information matrix is factored by R's ``cholesky2`` (an LDL'
decomposition in which a pivot below ``toler_chol`` times the largest diagonal is set to zero,
so an aliased direction gets a zero step rather than a NaN). An ``offset`` (a fixed part of
the linear predictor, R's ``offset()``) is added to ``x beta`` everywhere.

Inputs are arrays already checked by ``lms_prognosis._survdata.survival_data`` (times >= 0,
near-ties merged as R's ``aeqSurv``); event code 1 is the event, any other code is censored.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from lms_prognosis.cox._cholesky import TOLER_CHOL, Factor, chinv2, cholesky2, chsolve2
from lms_prognosis.cox._risksets import (
    Prepared,
    block_cumsum,
    efron_event_sums,
    prepare,
    prepare_sorted,
    rev_block_cumsum,
    sort_order,
)
from lms_prognosis.exceptions import ConvergenceWarning

__all__ = [
    "EPS",
    "ITER_MAX",
    "TOLER_CHOL",
    "TOLER_INF",
    "Prepared",
    "NRResult",
    "sort_order",
    "prepare",
    "prepare_sorted",
    "loglik_derivs",
    "linear_predictor",
    "efron_event_sums",
    "rev_block_cumsum",
    "newton_raphson",
    "cholesky2",
    "chsolve2",
    "chinv2",
]

#: R ``coxph.control(eps = 1e-9)``: convergence on the relative change of the log-likelihood
EPS = 1e-9
#: R ``coxph.control(toler.inf = sqrt(eps))``: the "coefficient may be infinite" check
TOLER_INF = EPS**0.5
#: R ``coxph.control(iter.max = 20)``
ITER_MAX = 20


def _shift(eta: np.ndarray) -> float:
    """Offset for exp(eta): the mid-range, but never more than 690 below the maximum.

    The log-likelihood does not depend on it; it keeps exp() inside the double range for
    risk scores spanning up to ~1400 on the log scale (diverging coefficients).
    """
    if not eta.size:
        return 0.0
    hi = float(eta.max())
    return max(hi - 690.0, 0.5 * (hi + float(eta.min())))


def linear_predictor(prep: Prepared, beta: np.ndarray, exact: bool = True) -> np.ndarray:
    """x @ beta in the sorted row order (without the offset).

    ``exact``: a loop over the p columns, so identical rows give bit-identical results (BLAS
    kernels may round the edge rows differently, which would break ties in the linear
    predictor) and no BLAS threads start on a busy machine. Otherwise BLAS for small n.

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2.0]), np.array([1, 1]), np.array([[1.0], [-1.0]]))
    >>> linear_predictor(prep, np.array([0.5])).tolist()  # sorted: time 2 first
    [-0.5, 0.5]
    """
    n = prep.xt1.shape[1]
    if not exact and n <= 20000:
        return beta @ prep.xt
    eta = np.zeros(n)
    for j in range(beta.size):
        if beta[j] != 0:
            eta += beta[j] * prep.xt[j]
    return eta


def _eta(prep: Prepared, beta: np.ndarray) -> np.ndarray:
    eta = linear_predictor(prep, beta, exact=False)
    return eta if prep.offset is None else eta + prep.offset


@dataclass
class _TieSums:
    """Per event block: the Efron sums of r_k = S0 / s0k (see :func:`loglik_derivs`)."""

    ra: np.ndarray  # sum_k r_k
    c: np.ndarray  # sum_k r_k^2
    rb: np.ndarray | None  # sum_k f r_k (None when there are no Efron terms)
    e: np.ndarray | None  # sum_k f r_k^2
    ff: np.ndarray | None  # sum_k f^2 r_k^2
    log_s0: float  # sum_k log s0k


def _tie_sums(prep: Prepared, s0: np.ndarray, d0: np.ndarray) -> _TieSums:
    if not prep.efron_ties:  # Breslow, or Efron without tied events: r = 1, f = 0
        ra = prep.ndeath.astype(float)
        with np.errstate(divide="ignore"):
            return _TieSums(ra, ra, None, None, None, float(np.log(s0) @ ra))
    f = prep.k_frac
    s0b = s0[prep.k_block]
    s0k = s0b - f * d0[prep.k_block]
    r = s0b / s0k
    stk = np.empty((5, r.size))
    stk[0] = r
    np.multiply(f, r, out=stk[1])
    np.multiply(r, r, out=stk[2])
    np.multiply(f, stk[2], out=stk[3])
    np.multiply(f, stk[3], out=stk[4])
    ra, rb, c, e, ff = np.add.reduceat(stk, prep.eblock_start, axis=1)
    with np.errstate(divide="ignore"):
        return _TieSums(ra, c, rb, e, ff, float(np.log(s0k).sum()))


def loglik_derivs(
    beta: np.ndarray, prep: Prepared, need_info: bool = True
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Partial log-likelihood, score and information at ``beta`` (Efron or Breslow).

    For an event block g with d tied events and Efron step k (fraction f = k/d, 0 for
    Breslow) the risk-set sums are ``s0k = S0 - f D0`` and ``s1k = S1 - f D1``. Written with
    the bounded ratios ``r_k = S0 / s0k`` (1 <= r_k <= d), ``M = S1 / S0``, ``N = D1 / S0``::

        loglik = sum_events eta - sum_k log s0k
        U      = sum_events x - sum_g (M sum_k r_k - N sum_k f r_k)
        I      = sum_i v_i x_i x_i' - sum_g (C M M' - E (M N' + N M') + F N N')

    with ``v_i = w_i (sum_{g: t_g <= t_i} sum_k 1/s0k - [event] sum_k f/s0k)`` and
    ``C, E, F = sum_k r_k^2 (1, f, f^2)``. ``eta = x beta + offset``.

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0]),
    ...                np.array([[1.0], [0.0], [-1.0]]))
    >>> ll, u, info = loglik_derivs(np.zeros(1), prep)
    >>> round(ll, 4), u.round(4).tolist(), info.round(4).tolist()  # -log 3 - log 2
    (-1.7918, [1.5], [[0.9167]])
    """
    p = prep.xt.shape[0]
    eta = _eta(prep, beta)
    shift = _shift(eta)
    w = np.exp(eta - shift)
    # risk-set sums of w and w x in one pass: row 0 of xt1 is ones
    sums = block_cumsum(np.add.reduceat(prep.xt1 * w, prep.block_start, axis=1).T, prep)[
        prep.eblock
    ]
    s0 = sums[:, 0]
    dw = w[prep.death_rows]
    if prep.eblock_start.size:
        dsum = np.add.reduceat(prep.xt1_death * dw, prep.eblock_start, axis=1).T
    else:
        dsum = np.zeros((0, p + 1))
    m = sums[:, 1:] / s0[:, None]
    nn = dsum[:, 1:] / s0[:, None]
    ts = _tie_sums(prep, s0, dsum[:, 0])
    loglik = float(eta[prep.death_rows].sum() - shift * dw.size - ts.log_s0)
    u = prep.xdeath_sum - m.T @ ts.ra
    if ts.rb is not None:
        u += nn.T @ ts.rb
    if not need_info:
        return loglik, u, None
    return loglik, u, _information(prep, w, s0, m, nn, ts)


def _information(
    prep: Prepared, w: np.ndarray, s0: np.ndarray, m: np.ndarray, nn: np.ndarray, ts: _TieSums
) -> np.ndarray:
    a_block = np.zeros(prep.block_start.size)
    a_block[prep.eblock] = ts.ra / s0
    v = rev_block_cumsum(a_block, prep)[prep.block_of_row]
    if ts.rb is not None:
        v[prep.death_rows] -= (ts.rb / s0)[prep.k_block]
    v *= w
    np.maximum(v, 0.0, out=v)  # >= 0 in exact arithmetic; guard rounding before the sqrt
    y = prep.xt * np.sqrt(v)
    info = y @ y.T  # numpy calls BLAS syrk for a @ a.T
    info -= (m * ts.c[:, None]).T @ m
    if ts.rb is not None and ts.e is not None and ts.ff is not None:
        cross = (m * ts.e[:, None]).T @ nn
        info += cross + cross.T
        info -= (nn * ts.ff[:, None]).T @ nn
    return info


@dataclass
class NRResult:
    """What :func:`newton_raphson` returns (all on the centred covariate scale).

    Attributes
    ----------
    beta, var : ndarray
        Estimate and its variance (inverse information, R ``cholesky2`` / ``chinv2``).
    loglik0, loglik : float
        Log partial likelihood at the start (``init``; 0 by default) and at ``beta``.
    score_test : float
        Score test of beta = ``init`` (R ``fit$score``).
    u : ndarray
        Score at ``beta`` (R ``coxfit$u``).
    iterations : int
        Newton-Raphson iterations (R ``fit$iter``).
    converged : bool
        False when ``iter_max`` was reached first (a ConvergenceWarning was issued).
    rank : int
        Rank of the information matrix.
    """

    beta: np.ndarray
    var: np.ndarray
    loglik0: float
    loglik: float
    score_test: float
    u: np.ndarray
    iterations: int
    converged: bool
    rank: int


def newton_raphson(
    prep: Prepared,
    init: np.ndarray | None = None,
    *,
    eps: float = EPS,
    iter_max: int = ITER_MAX,
    toler_chol: float = TOLER_CHOL,
    warn: bool = True,
    stacklevel: int = 2,
) -> NRResult:
    """Maximise the partial likelihood exactly as R ``coxph`` (``coxfit6``) does.

    Parameters
    ----------
    prep : Prepared
        The data (:func:`prepare`).
    init : ndarray, optional
        Starting coefficients (R ``coxph(init=)``); default 0.
    eps : float, default 1e-9
        Converged when ``|1 - loglik_old / loglik_new| <= eps`` outside a step-halving.
    iter_max : int, default 20
        Iteration limit; 0 evaluates at ``init`` only.
    toler_chol : float
        Pivot tolerance of R's ``cholesky2``.
    warn : bool, default True
        Warn (:class:`~lms_prognosis.exceptions.ConvergenceWarning`) when ``iter_max`` is
        reached before convergence, as R does.
    stacklevel : int
        Passed to :func:`warnings.warn` (2 = the caller of this function).

    Returns
    -------
    NRResult

    Notes
    -----
    A step that lowers the log-likelihood (or leaves the double range) is halved towards
    the last accepted point; the convergence test is not applied to a halved step. If the
    limit is reached while halving a non-finite step, the last finite point is returned.

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 0, 1, 1, 0]),
    ...                np.array([[1.0], [0.2], [0.5], [-0.4], [-1.2], [0.1]]))
    >>> nr = newton_raphson(prep)
    >>> nr.converged, nr.iterations, round(float(nr.beta[0]), 4)
    (True, 4, 0.5478)
    """
    p = prep.xt.shape[0]
    beta = np.zeros(p) if init is None else np.array(init, dtype=float).reshape(p)
    loglik0, u, info = loglik_derivs(beta, prep)
    fac = Factor(np.asarray(info), toler_chol)
    step = fac.solve(u)
    score_test = float(u @ step)
    if iter_max == 0:
        return NRResult(beta, fac.inverse(), loglik0, loglik0, score_test, u, 0, True, fac.rank)
    old = newlk = loglik0
    newbeta = beta + step
    halving = False
    kept = (beta, loglik0, u, fac)  # last accepted point with a finite log-likelihood
    for it in range(1, iter_max + 1):
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            newlk, u, info = loglik_derivs(newbeta, prep)
        info = np.asarray(info)
        if not np.isfinite(newlk) or not np.all(np.isfinite(info)):
            newlk = -np.inf  # outside the double range: treat as a failed step (halve)
            info = np.nan_to_num(info)
        fac = Factor(info, toler_chol)
        if abs(1 - old / newlk) <= eps and not halving:
            return NRResult(
                newbeta, fac.inverse(), loglik0, newlk, score_test, u, it, True, fac.rank
            )
        if it == iter_max:
            break
        halving = newlk < old
        if halving:
            newbeta = (newbeta + beta) / 2
        else:
            old = newlk
            kept = (newbeta, newlk, u, fac)
            beta, newbeta = newbeta, newbeta + fac.solve(u)
    if not np.isfinite(newlk):
        newbeta, newlk, u, fac = kept
    if warn:
        warnings.warn(
            f"the Cox fit did not converge in {iter_max} iterations (R: 'Ran out of "
            f"iterations and did not converge'); check for separation (a covariate "
            f"that orders the events perfectly), rescale covariates or reduce the "
            f"model",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
    return NRResult(
        newbeta, fac.inverse(), loglik0, newlk, score_test, u, iter_max, False, fac.rank
    )
