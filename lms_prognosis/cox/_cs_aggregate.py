"""Variance of cause-specific absolute risk from aggregates only (no patient-level terms).

Private to :mod:`lms_prognosis.cox`: ``CauseSpecificResult.predict_cif(..., se_method=
"aggregate")`` and the calculator page use it. It needs, per cause and at each distinct time,
the baseline hazard increment, its Aalen-type variance increment and the risk-set mean of the
covariates times the increment, plus each cause's coefficients and variance matrix: the
numbers R's ``survfit.coxph`` and mstate's ``msfit`` use, nothing of single patients.

Two estimators:

* :func:`delta_variance` ("aggregate"): the delta method of Cheng, Fine & Wei (Biometrics
  1998;54:219-228) for the product-limit cumulative incidence, over each cause's coefficients
  (the whole gradient through the ``xbar`` terms) plus the Aalen-type baseline-hazard terms;
* :func:`mstate_variance` ("mstate"): R mstate's (de Wreede, Fiocco & Putter, J Stat Softw
  2011;38(7); ``msfit(..., variance = TRUE)`` then ``probtrans(..., variance = TRUE)``,
  method "aalen"), the recursion of Andersen, Borgan, Gill & Keiding (1993, section VII.2.2)
  fed with the increments of the cumulative hazards' delta-method covariance. It treats the
  coefficients' part as if it were independent across times: with two causes its standard
  error is smaller than the delta method's (by up to 13% on tests/reference/cs_aggregate.R's
  data).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

__all__ = ["increments", "delta_variance", "mstate_variance"]


class AggregateHazard(Protocol):
    """What :func:`delta_variance` and :func:`mstate_variance` read of one cause's fit
    (``cause_specific._Hazard``): ``beta`` (p,), ``var`` (p, p), and at the K distinct
    times ``dh0`` (sum over the events of 1 / den), ``dh0_sq`` (sum of 1 / den^2) and
    ``xdh0`` (K, p; sum of xbar / den)."""

    @property
    def beta(self) -> np.ndarray: ...
    @property
    def var(self) -> np.ndarray: ...
    @property
    def dh0(self) -> np.ndarray: ...
    @property
    def dh0_sq(self) -> np.ndarray: ...
    @property
    def xdh0(self) -> np.ndarray: ...


class EventTerms(NamedTuple):
    """One row per event, grouped by distinct time: Efron's (or Breslow's) terms."""

    times: np.ndarray  # distinct-time indices with an event
    dd: np.ndarray  # events at each of them
    starts: np.ndarray  # first event row of each time
    frac: np.ndarray  # m/d of the m-th of d tied events (0 for Breslow)
    den: np.ndarray  # S0 - m/d D0
    xb: np.ndarray  # (S1 - m/d D1) / den, shape (events, p)


def event_terms(
    xc: np.ndarray,
    e: np.ndarray,
    ev: np.ndarray,
    tidx: np.ndarray,
    s0: np.ndarray,
    s1: np.ndarray,
    efron: bool,
) -> EventTerms:
    """The per-event denominators and means behind the hazard, its variance terms and the
    score residuals (``xc`` centred covariates, ``e`` = exp(x b), ``ev`` 0/1 events,
    ``tidx`` each row's distinct-time index, ``s0``/``s1`` risk-set sums at those times)."""
    k, p = s0.size, xc.shape[1]
    d = np.bincount(tidx, weights=ev, minlength=k)
    times = np.flatnonzero(d > 0)
    dd = d[times].astype(int)
    d0 = np.bincount(tidx, weights=ev * e, minlength=k)[times]
    d1 = np.column_stack(
        [np.bincount(tidx, weights=ev * e * xc[:, j], minlength=k)[times] for j in range(p)]
    ).reshape(times.size, p)
    rep = np.repeat(np.arange(times.size), dd)  # one row per event: (time, m)
    starts = np.r_[0, np.cumsum(dd)[:-1]]
    frac = (np.arange(rep.size) - starts[rep]) / dd[rep] if efron else np.zeros(rep.size)
    den = s0[times][rep] - frac * d0[rep]
    xb = (s1[times][rep] - frac[:, None] * d1[rep]) / den[:, None]
    return EventTerms(times, dd, starts.astype(int), frac, den, xb)


def increments(
    xc: np.ndarray,
    e: np.ndarray,
    ev: np.ndarray,
    tidx: np.ndarray,
    s0: np.ndarray,
    s1: np.ndarray,
    efron: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct time: ``sum 1/den``, ``sum 1/den^2`` and ``sum xbar/den`` over its events.

    ``den`` is the risk-set sum ``S0`` (Breslow) or, for the m-th of ``d`` tied events
    (m = 0..d-1), Efron's ``S0 - m/d D0`` (``D0``: sum of ``exp(x b)`` of those dying), and
    ``xbar = (S1 - m/d D1) / den``: R ``survfit.coxph``'s hazard and mstate ``agmssurv``'s
    variance terms. Times without an event of the cause give 0.

    Examples
    --------
    >>> xc = np.array([[0.0], [1.0], [0.0]]); e = np.ones(3); ev = np.array([1.0, 1.0, 0.0])
    >>> tidx = np.array([0, 0, 1]); s0 = np.array([3.0, 1.0]); s1 = np.array([[1.0], [0.0]])
    >>> [a.round(4).tolist() for a in increments(xc, e, ev, tidx, s0, s1, efron=True)]
    [[0.8333, 0.0], [0.3611, 0.0], [[0.2361], [0.0]]]
    """
    return term_sums(event_terms(xc, e, ev, tidx, s0, s1, efron), s0.size)


def term_sums(t: EventTerms, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`increments` from the per-event terms, at ``k`` distinct times."""
    a1, a2, b1 = np.zeros(k), np.zeros(k), np.zeros((k, t.xb.shape[1]))
    if t.times.size:
        a1[t.times] = np.add.reduceat(1 / t.den, t.starts)
        a2[t.times] = np.add.reduceat(1 / t.den**2, t.starts)
        b1[t.times] = np.add.reduceat(t.xb / t.den[:, None], t.starts)
    return a1, a2, b1


def mstate_variance(
    z: np.ndarray, hazards: list[AggregateHazard], surv: np.ndarray, last: int
) -> np.ndarray:
    """Variance of each cause's cumulative incidence at the distinct times ``0..last``.

    Parameters
    ----------
    z : ndarray (p,)
        The patient's centred design row.
    hazards : list
        One :class:`AggregateHazard` per cause, in the order of the columns returned.
    surv : ndarray (K,)
        The patient's event-free survival ``S(t_j)`` (Aalen-Johansen) at the distinct times.
    last : int
        Last position wanted.

    Returns
    -------
    ndarray (last + 1, number of causes)

    Notes
    -----
    With ``r_k = exp(z b_k)``, cause k's cumulative hazard ``A_k = r_k sum dh0_k`` has, by
    the delta method over ``b_k`` (variance ``V_k``), the variance
    ``v_k(t) = r_k^2 sum_{u <= t} dh0sq_k(u) + eta_k(t)' V_k eta_k(t)``, ``eta_k(t) = r_k
    sum_{u <= t} (xdh0_k(u) - z dh0_k(u))`` (mstate ``msfit``; the causes' fits are
    separate, so their covariance is 0). The state probabilities ``p = (S, F_1, F_2)``
    follow ``p(t) = p(t-) (I + dA(t))`` and their covariance ``C`` mstate ``probtrans``'s
    recursion ``C(t) = (I + dA)' C(t-) (I + dA) + S(t)^2 L diag(dv(t)) L'``, where ``dv`` is
    the increment of ``v`` at ``t`` and ``L`` maps the cause increments to the changes of
    ``(S, F_1, F_2)`` (first row -1, then the identity). ``S(t)`` after the step is
    probtrans's "aalen" method (its default). The coefficients' part enters as the
    increments of ``eta' V eta``, which for one cause gives (``1 - S`` then has the
    variance of ``survfit.coxph``) and mstate's approximation with competing causes.

    Examples
    --------
    >>> class H:  # one cause, one event of three at risk, no covariate effect
    ...     beta = np.zeros(1); var = np.eye(1); dh0 = np.array([1 / 3])
    ...     dh0_sq = np.array([1 / 9]); xdh0 = np.zeros((1, 1))
    >>> float(mstate_variance(np.zeros(1), [H()], np.array([2 / 3]), 0)[0, 0].round(6))
    0.049383
    """
    m = len(hazards)
    out = np.zeros((last + 1, m))
    dlam = np.empty((last + 1, m))
    dv = np.empty((last + 1, m))
    for c, h in enumerate(hazards):
        r = float(np.exp(z @ h.beta))
        dlam[:, c] = r * h.dh0[: last + 1]
        eta = r * np.cumsum(h.xdh0[: last + 1] - np.outer(h.dh0[: last + 1], z), axis=0)
        q = np.einsum("ij,jk,ik->i", eta, np.atleast_2d(h.var), eta)
        dv[:, c] = r * r * h.dh0_sq[: last + 1] + np.diff(q, prepend=0.0)
    lmat = np.vstack([-np.ones((1, m)), np.eye(m)])
    cov = np.zeros((m + 1, m + 1))
    for j in range(last + 1):
        if dlam[j].any() or dv[j].any():
            step = np.eye(m + 1)
            step[0, 0] -= dlam[j].sum()
            step[0, 1:] = dlam[j]
            cov = step.T @ cov @ step + surv[j] ** 2 * (lmat * dv[j]) @ lmat.T
        out[j] = np.diag(cov)[1:]
    return out


def delta_variance(
    z: np.ndarray, hazards: list[AggregateHazard], surv: np.ndarray, last: int
) -> np.ndarray:
    """Delta-method variance of each cause's cumulative incidence at the times ``0..last``.

    Parameters and result as :func:`mstate_variance`.

    Notes
    -----
    ``F_k(t) = sum_{u <= t} S(u-) dA_k(u)``, ``dA_j = r_j dH0_j``, ``r_j = exp(z b_j)``,
    ``S(u) = prod_{v <= u} (1 - sum_j dA_j(v))``. Its derivative in ``dA_j(u)`` is
    ``c_j(u) = [j = k] S(u-) - (F_k(t) - F_k(u)) / (1 - sum_j dA_j(u))``, so

    ``var F_k(t) = sum_j sum_{u <= t} c_j(u)^2 r_j^2 dH0sq_j(u) + sum_j g_j' V_j g_j``,
    ``g_j = r_j sum_{u <= t} c_j(u) (z dH0_j(u) - xdh0_j(u))``:

    the baseline increments' Aalen-type variance (independent across times and causes) and
    the coefficients' variance ``V_j`` through the whole gradient (``dA_j`` moves with
    ``b_j`` as ``dA_j (z - xbar_j)``). Cumulative sums give every ``t`` at once:
    ``c = alpha - F_k(t) beta`` with ``beta = 1 / (1 - sum dA)``, ``alpha = [j = k] S(u-) +
    F_k(u) beta``. A time where ``sum dA = 1`` (everyone left dies) has ``beta`` 0.

    Examples
    --------
    >>> class H:  # one cause, one event of three at risk, no covariate effect
    ...     beta = np.zeros(1); var = np.eye(1); dh0 = np.array([1 / 3])
    ...     dh0_sq = np.array([1 / 9]); xdh0 = np.zeros((1, 1))
    >>> float(delta_variance(np.zeros(1), [H()], np.array([2 / 3]), 0)[0, 0].round(6))
    0.111111
    """
    sl = slice(0, last + 1)
    r = [float(np.exp(z @ h.beta)) for h in hazards]
    dlam = np.column_stack([ri * h.dh0[sl] for ri, h in zip(r, hazards, strict=True)])
    keep = 1.0 - dlam.sum(axis=1)
    b = np.divide(1.0, keep, out=np.zeros_like(keep), where=keep != 0)
    s_before = np.r_[1.0, surv[:last]]
    cif = np.cumsum(s_before[:, None] * dlam, axis=0)
    out = np.zeros((last + 1, len(hazards)))
    for k in range(len(hazards)):
        f = cif[:, k]
        for j, h in enumerate(hazards):
            alpha = (s_before if j == k else 0.0) + f * b
            x = r[j] ** 2 * h.dh0_sq[sl]
            w = r[j] * (np.outer(h.dh0[sl], z) - h.xdh0[sl])
            base = np.cumsum(alpha**2 * x) - 2 * f * np.cumsum(alpha * b * x)
            base += f**2 * np.cumsum(b**2 * x)
            g = np.cumsum(alpha[:, None] * w, axis=0) - f[:, None] * np.cumsum(b[:, None] * w, 0)
            out[:, k] += base + np.einsum("ij,jk,ik->i", g, np.atleast_2d(h.var), g)
    return out
