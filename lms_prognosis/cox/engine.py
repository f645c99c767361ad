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
Case weights and counting-process data ``(start, stop]`` are R's ``coxph(weights=)`` and
``Surv(start, stop, event)`` (``agfit4``): see :mod:`lms_prognosis.cox._risksets`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from lms_prognosis.cox._cholesky import TOLER_CHOL, Factor, chinv2, cholesky2, chsolve2
from lms_prognosis.cox._order import counting_order, sort_order
from lms_prognosis.cox._risksets import (
    Prepared,
    death_sums,
    efron_event_sums,
    event_risk_sums,
    prepare,
    prepare_sorted,
    rev_block_cumsum,
    row_block_sums,
    stratified,
)
from lms_prognosis.cox._rowpasses import (
    CHUNK,
    fast_layout,
    group_sums,
    mirrored,
    reduce_blocks,
    risk_and_death_sums,
    weighted_gram,
    weighted_risk_sums,
)
from lms_prognosis.exceptions import ConvergenceWarning, CoxError

__all__ = [
    "EPS",
    "ITER_MAX",
    "TOLER_CHOL",
    "TOLER_INF",
    "Prepared",
    "NRResult",
    "sort_order",
    "counting_order",
    "prepare",
    "prepare_sorted",
    "death_sums",
    "with_covariates",
    "loglik_derivs",
    "linear_predictor",
    "efron_event_sums",
    "rev_block_cumsum",
    "event_risk_sums",
    "row_block_sums",
    "risk_and_death_sums",
    "fast_layout",
    "group_sums",
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


def with_covariates(prep: Prepared, x: np.ndarray) -> Prepared:
    """The same rows as ``prep`` (sort order, blocks, events, offset) with covariates ``x``.

    Saves the sort and the block indexing when the same patients are fitted many times with
    other covariates (the calibration slope of each bootstrap model on the original data).
    Equal to ``prepare`` of the same time, event, stratum and ties with ``x``.

    Parameters
    ----------
    prep : Prepared
        A layout of these rows (its covariates are not used).
    x : ndarray, shape (n, p)
        Centred covariates in the caller's row order (the order ``prepare`` was given).

    Examples
    --------
    >>> t, e = np.array([4.0, 2.0, 7.0]), np.array([1, 0, 1])
    >>> prep = with_covariates(prepare(t, e, np.zeros((3, 1))), np.array([[0.5], [-1.0], [0.5]]))
    >>> prep.x.ravel().tolist(), prep.xdeath_sum.tolist()  # sorted: times 7, 4, 2
    ([0.5, 0.5, -1.0], [1.0])
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] != prep.order.shape[0]:
        raise CoxError(f"x must have shape (n, p) with n = {prep.order.shape[0]}")
    xt = np.ascontiguousarray(x.T[:, prep.order])
    return replace(prep, xt=xt, xdeath_sum=death_sums(xt, prep.death_rows, prep.death_wt))


def linear_predictor(prep: Prepared, beta: np.ndarray, exact: bool = True) -> np.ndarray:
    """x @ beta in the sorted row order (without the offset).

    ``exact``: a loop over the p columns, so identical rows give bit-identical results (BLAS
    kernels may round the edge rows differently, which would break ties in the linear
    predictor) and no BLAS threads start on a busy machine. Otherwise BLAS (the engine's
    weights, where ties in the linear predictor do not matter): one call for small n, else
    one call per block of :data:`GEMV_CELLS` cells, small enough that OpenBLAS ran each on
    one thread on the 2-core test machine (at 1e6 x 8: CPU time equal to wall time, the same
    bits under one or two BLAS threads, 10.8 ms against 16-19 ms for the loop).

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2.0]), np.array([1, 1]), np.array([[1.0], [-1.0]]))
    >>> linear_predictor(prep, np.array([0.5])).tolist()  # sorted: time 2 first
    [-0.5, 0.5]
    """
    n = prep.xt.shape[1]
    if not exact and n <= 20000:
        return beta @ prep.xt
    if not exact:
        rows = max(256, GEMV_CELLS // max(1, beta.size))
        out = np.empty(n)
        for a in range(0, n, rows):
            np.matmul(beta, prep.xt[:, a : a + rows], out=out[a : a + rows])
        return out
    eta = np.zeros(n)
    tmp = np.empty(min(n, CHUNK))
    cols = [j for j in range(beta.size) if beta[j] != 0]
    for a in range(0, n, CHUNK):  # a block of rows at a time: it stays in cache for all p
        e = eta[a : a + CHUNK]
        t = tmp[: e.shape[0]]
        for j in cols:  # the same products and sums, in the same order, as column by column
            e += np.multiply(beta[j], prep.xt[j, a : a + CHUNK], out=t)
    return eta


#: cells per BLAS call of the engine's linear predictor (design value: calls this small ran on
#: one OpenBLAS thread; the whole (p, n) product ran on two)
GEMV_CELLS = 8192


def _eta(prep: Prepared, beta: np.ndarray) -> np.ndarray:
    if beta.any():
        eta = linear_predictor(prep, beta, exact=False)
    else:  # the solver's start: x 0 is 0 (the covariates are finite), no pass over x
        eta = np.zeros(prep.xt.shape[1])
    return eta if prep.offset is None else eta + prep.offset


class _Point:
    """The partial likelihood at one ``beta``: the log-likelihood at once, score and
    information on demand (the solver's convergence test needs only the first).

    The risk-set sums of the weights and of the weighted covariates are separate passes
    when there are many rows, so a point where the solver stops costs one pass over the rows
    instead of p + 1; with few rows they are one call (numpy's per-call cost dominates). The
    Efron sums over the events of a tied block are per-block sums (``np.bincount``) of
    ``r_k = S0 / s0k`` and its products with ``f``: ``sum r, sum f r`` for the score,
    ``sum r^2, sum f r^2, sum f^2 r^2`` for the information.
    """

    def __init__(self, prep: Prepared, beta: np.ndarray) -> None:
        self.prep = prep
        eta = _eta(prep, beta)
        shift = _shift(eta)
        eta_d = eta[prep.death_rows]
        if prep.death_wt is None:
            sum_eta = float(eta_d.sum() - shift * eta_d.size)
        else:
            sum_eta = float(eta_d @ prep.death_wt - shift * float(prep.death_wt.sum()))
        del eta_d
        self.w = w = np.exp(np.subtract(eta, shift, out=eta), out=eta)  # in place: no copy
        del eta
        if prep.weights is not None:
            w *= prep.weights
        # few rows: the sums of w and x w in one call each (the cost is per call, not per
        # row); many rows: w alone, x w only if the score is asked for (one pass each)
        self._eager: tuple[np.ndarray, np.ndarray] | None = None
        fast = fast_layout(prep)
        if prep.start_order is None and w.shape[0] <= CHUNK:
            y = np.empty((prep.xt.shape[0] + 1, w.shape[0]))
            y[0] = w
            np.multiply(prep.xt, w, out=y[1:])
            if fast:
                risk, at_death = risk_and_death_sums(y, prep)
            else:
                risk = event_risk_sums(y, prep)
                at_death = reduce_blocks(y.take(prep.death_rows, axis=1), prep.eblock_start)
            self.s0, d0 = risk[0], at_death[0]
            self._eager = risk[1:], at_death[1:]
        elif fast:
            self.s0, d0 = risk_and_death_sums(w, prep)
        else:
            self.s0 = event_risk_sums(w, prep)
            d0 = None
        self.r: np.ndarray | None = None  # Efron with tied events: r_k per event
        a = prep.step_wt  # mean event weight per Efron step (None: 1)
        if prep.efron_ties:
            nd = prep.ndeath  # np.repeat(., nd): each event block's value for each of its events
            if d0 is None:
                d0 = np.add.reduceat(w[prep.death_rows], prep.eblock_start)
            self.r = r = self.s0.repeat(nd)  # S0 per event, then r_k = S0 / s0k
            s0k = d0.repeat(nd)  # S0 - f D0, with no (D,) temporary besides
            np.multiply(prep.k_frac, s0k, out=s0k)
            np.subtract(r, s0k, out=s0k)
            r /= s0k
            log_s0k = np.log(s0k, out=s0k)
            log_s0 = float(log_s0k.sum() if a is None else log_s0k @ a)
        else:  # Breslow, or Efron without tied events: r = 1
            log_s0 = float(np.log(self.s0) @ prep.deadwt)
        self.loglik = sum_eta - log_s0
        self._u: np.ndarray | None = None

    def _block_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of per-event ``values`` (last axis) over each event block (contiguous runs):
        one ``np.bincount`` for few events, ``np.add.reduceat`` for many."""
        prep = self.prep
        if values.shape[-1] <= CHUNK and values.ndim <= 2:
            return group_sums(values, prep.death_block, prep.eblock.size)
        return reduce_blocks(values, prep.eblock_start)

    def score(self) -> np.ndarray:
        """U = sum_events x - sum_g (M sum_k r_k - N sum_k f r_k)."""
        if self._u is not None:
            return self._u
        prep = self.prep
        r = self.r
        if self._eager is not None:
            s1, dsum_all = self._eager
            dsum: np.ndarray | None = dsum_all if r is not None else None
        else:
            s1, dsum = weighted_risk_sums(prep, self.w, r is not None)
        self.m = (s1 / self.s0).T
        if dsum is None or r is None:
            self.ra = prep.deadwt
            self._u = prep.xdeath_sum - self.m.T @ self.ra
            return self._u
        self.nn = (dsum / self.s0).T
        ar = r if prep.step_wt is None else prep.step_wt * r
        self.ar: np.ndarray = ar
        if ar.size <= CHUNK:  # few events: one call for both sums
            self.ra, self.rb = self._block_sums(np.stack([ar, prep.k_frac * ar]))
        else:  # one (D,) temporary at a time, not a stacked copy
            self.ra = self._block_sums(ar)
            self.rb = self._block_sums(prep.k_frac * ar)
        self._u = prep.xdeath_sum - self.m.T @ self.ra + self.nn.T @ self.rb
        return self._u

    def _efron_sums(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per event block: sum of a r^2, f a r^2 and f^2 a r^2 (a: step weight, f = k/d)."""
        ar, f = self.ar, self.prep.k_frac
        if r.size <= CHUNK:  # few events: one call for the three sums
            stacked = np.empty((3, r.size))
            np.multiply(ar, r, out=stacked[0])
            np.multiply(stacked[0], f, out=stacked[1])
            np.multiply(stacked[1], f, out=stacked[2])
            c, e, ff = self._block_sums(stacked)
            return c, e, ff
        tmp = np.multiply(ar, r)  # one (D,) temporary reused for the three sums
        c = self._block_sums(tmp)
        np.multiply(tmp, f, out=tmp)
        e = self._block_sums(tmp)
        np.multiply(tmp, f, out=tmp)
        return c, e, self._block_sums(tmp)

    def _row_weights(self) -> np.ndarray:
        """(n,) v_i / w_i: the sum of 1 / s0k over the event steps a row is at risk at, less
        its own block's Efron fractions if it is an event."""
        prep, s0 = self.prep, self.s0
        a_block = np.zeros(prep.block_start.size)
        a_block[prep.eblock] = self.ra / s0
        if prep.start is not None:
            v = row_block_sums(a_block, prep)
        elif stratified(prep):
            v = rev_block_cumsum(a_block, prep)
        else:  # the same sums without the stratum bookkeeping
            v = a_block[::-1].cumsum()[::-1]
        if prep.start is None and self.r is not None and prep.death_start is not None:
            # events last in their blocks: a block is two runs, censored rows then events
            # (event rows, not Efron steps: with ``freq`` a row's copies are one row)
            nd = np.zeros(prep.block_start.size, dtype=np.int64)
            nd[prep.eblock] = prep.block_end[prep.eblock] - prep.death_start + 1
            runs = np.stack([prep.block_size - nd, nd], axis=1)
            value = np.stack([v, v], axis=1)
            value[prep.eblock, 1] -= self.rb / s0
            return value.ravel().repeat(runs.ravel())
        if prep.start is None:
            v = v.repeat(prep.block_size)
        if self.r is not None:
            sub = (self.rb / s0).repeat(prep.ndeath)
            rows = prep.death_rows
            for a in range(0, rows.size, CHUNK):  # in chunks: no (D,) gather/scatter copies
                v[rows[a : a + CHUNK]] -= sub[a : a + CHUNK]
        return v

    def information(self) -> np.ndarray:
        """I = sum_i v_i x_i x_i' - sum_g (C M M' - E (M N' + N M') + F N N')."""
        self.score()
        m = self.m
        v = self._row_weights()
        v *= self.w
        info = weighted_gram(self.prep.xt, v)
        if self.r is None:
            info -= (m * self.ra[:, None]).T @ m  # C = sum_k r_k^2 = d
            return mirrored(info)
        c, e, ff = self._efron_sums(self.r)
        nn = self.nn
        info -= (m * c[:, None]).T @ m
        cross = (m * e[:, None]).T @ nn
        info += cross + cross.T
        info -= (nn * ff[:, None]).T @ nn
        return mirrored(info)


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
    with np.errstate(divide="ignore"):  # log(0) = -inf: outside the double range
        pt = _Point(prep, beta)
    return pt.loglik, pt.score(), pt.information() if need_info else None


@dataclass
class NRResult:
    """What :func:`newton_raphson` returns (all on the centred covariate scale).

    Attributes
    ----------
    beta, var : ndarray
        Estimate and its variance (inverse information, R ``cholesky2`` / ``chinv2``; NaN
        for a converged ``newton_raphson(need_var=False)``, as ``u``).
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


def _warn_out_of_iterations(iter_max: int, stacklevel: int) -> None:
    warnings.warn(
        f"the Cox fit did not converge in {iter_max} iterations (R: 'Ran out of "
        f"iterations and did not converge'); check for separation (a covariate "
        f"that orders the events perfectly), rescale covariates or reduce the "
        f"model",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )


def _derivs(pt: _Point, loglik: float, toler_chol: float) -> tuple[np.ndarray, Factor, float]:
    """Score and factored information at ``pt``; the log-likelihood becomes -inf when they
    leave the double range (the solver then halves the step)."""
    u = pt.score()
    info = np.asarray(pt.information())
    if not np.isfinite(loglik) or not np.isfinite(info).all():
        loglik = -np.inf
        info = np.nan_to_num(info)
    return u, Factor(info, toler_chol), loglik


def newton_raphson(
    prep: Prepared,
    init: np.ndarray | None = None,
    *,
    eps: float = EPS,
    iter_max: int = ITER_MAX,
    toler_chol: float = TOLER_CHOL,
    need_var: bool = True,
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
    need_var : bool, default True
        False when only the estimate is wanted (bootstrap refits): score and information
        are computed only where a step is taken from, not where the test stops or a halving
        rejects (only the log-likelihood decides there, as in R), so a converged result has
        ``var`` and ``u`` NaN. Same iterations and estimate.
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
    With ``need_var=False`` the information is checked for the double range where it is
    computed.

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 0, 1, 1, 0]),
    ...                np.array([[1.0], [0.2], [0.5], [-0.4], [-1.2], [0.1]]))
    >>> nr = newton_raphson(prep)
    >>> nr.converged, nr.iterations, round(float(nr.beta[0]), 4)
    (True, 4, 0.5478)
    >>> fast = newton_raphson(prep, need_var=False)
    >>> bool(fast.beta[0] == nr.beta[0]), bool(np.isnan(fast.var[0, 0]))
    (True, True)
    """
    p = prep.xt.shape[0]
    beta = np.zeros(p) if init is None else np.array(init, dtype=float).reshape(p)
    with np.errstate(divide="ignore"):
        pt = _Point(prep, beta)
    loglik0, u = pt.loglik, pt.score()
    fac = Factor(np.asarray(pt.information()), toler_chol)
    step = fac.solve(u)
    score_test = float(u @ step)
    if iter_max == 0:
        return NRResult(beta, fac.inverse(), loglik0, loglik0, score_test, u, 0, True, fac.rank)
    old = newlk = loglik0
    newbeta = beta + step
    halving = False
    kept = (beta, loglik0, u, fac)  # last accepted point with a finite log-likelihood
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for it in range(1, iter_max + 1):
            del pt  # free the last point's (n,) arrays before the next point allocates its own
            pt = _Point(prep, newbeta)
            newlk = pt.loglik if np.isfinite(pt.loglik) else -np.inf
            if need_var:
                u, fac, newlk = _derivs(pt, newlk, toler_chol)
            if abs(1 - old / newlk) <= eps and not halving:
                if not need_var:
                    nan = np.full(p, np.nan)
                    var = np.outer(nan, nan)
                    return NRResult(newbeta, var, loglik0, newlk, score_test, nan, it, True, p)
                return NRResult(
                    newbeta, fac.inverse(), loglik0, newlk, score_test, u, it, True, fac.rank
                )
            if it == iter_max:
                break
            if not need_var and newlk >= old:
                u, fac, newlk = _derivs(pt, newlk, toler_chol)
            halving = newlk < old
            if halving:
                newbeta = (newbeta + beta) / 2
            else:
                old = newlk
                kept = (newbeta, newlk, u, fac)
                beta, newbeta = newbeta, newbeta + fac.solve(u)
        if not need_var:  # R: the variance at the last point evaluated
            u, fac, newlk = _derivs(pt, newlk, toler_chol)
    if not np.isfinite(newlk):
        newbeta, newlk, u, fac = kept
    if warn:
        _warn_out_of_iterations(iter_max, stacklevel + 1)
    return NRResult(
        newbeta, fac.inverse(), loglik0, newlk, score_test, u, iter_max, False, fac.rank
    )
