"""Kernels of evaluation on the cumulative-incidence scale (competing risks).

Used by :func:`~lms_prognosis.evaluate.brier_score`, :func:`~lms_prognosis.evaluate.
time_dependent_auc` and :func:`~lms_prognosis.evaluate.calibration` when they get ``cause=``:

* the censoring curve G: reverse Kaplan-Meier in which only code 0 is a censoring (a
  competing event ends follow-up but is not censored), from the package's one product-limit
  kernel, as R ``riskRegression::Score(..., cens.model = "km")``;
* the IPCW Brier score and AUC of a predicted cumulative incidence (Score's
  ``Brier.competing.risks`` and ``AUC.competing.risks``);
* the Aalen-Johansen cumulative incidence at one horizon and its jackknife pseudo-values
  (R ``prodlim::jackknife``), for calibration.

Why our own Aalen-Johansen here: calibration needs the estimate at one horizon in many
subgroups and its n leave-one-out versions; all n of them come from a few prefix products and
sums in O(n log n) (:func:`pseudo_values`), which no library exposes (R's ``prodlim`` refits
per row). The package's public ``cumulative_incidence`` (nonparametric/) was written in
parallel; the lead may point :func:`aalen_johansen_at` at it once both are merged. The estimator is the textbook one,
F_k(t) = sum over event times s <= t of S(s-) d_k(s) / n(s), with S the all-cause Kaplan-Meier
curve (R ``survfit``/``prodlim``/``cmprsk::cuminc`` agree on it); it is checked against
``prodlim`` in tests/reference/competing_evaluate.R.
"""

from __future__ import annotations

import numpy as np

from lms_prognosis._survfit import ProductLimit, product_limit
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = [
    "check_cause",
    "cr_censoring",
    "cr_brier",
    "cr_auc",
    "aalen_johansen_at",
    "pseudo_values",
]


def check_cause(event: np.ndarray | None, cause: object) -> int:
    """``cause`` as an int event code that occurs in ``event`` (any, if None), or a clear error.

    Examples
    --------
    >>> check_cause(np.array([0, 1, 2]), 2)
    2
    """
    if isinstance(cause, bool) or cause not in (1, 2):
        raise LMSPrognosisError(
            f"cause must be an event code of a cause, 1 or 2, not {cause!r} (0 is censoring)"
        )
    if event is not None and not np.any(event == cause):
        present = sorted({int(v) for v in np.unique(event)})
        raise LMSPrognosisError(
            f"cause {cause} does not occur in the data (event codes present: {present}); "
            f"its cumulative incidence cannot be evaluated"
        )
    return 1 if cause == 1 else 2


def cr_censoring(time: np.ndarray, event: np.ndarray) -> ProductLimit:
    """Censoring curve G with competing risks: only code 0 is a censoring.

    Reverse Kaplan-Meier (events of any cause leave the risk set before the censorings at a
    tied time), as ``prodlim(Hist(time, event) ~ 1, reverse = TRUE)`` inside Score.

    Examples
    --------
    >>> g = cr_censoring(np.array([1.0, 2, 3, 4]), np.array([2, 0, 1, 0]))
    >>> g.surv.tolist()
    [1.0, 0.6666666666666667, 0.6666666666666667, 0.0]
    """
    return product_limit(time, event != 0, reverse=True)


def cr_brier(
    time: np.ndarray, event: np.ndarray, risk_t: np.ndarray, t: float, g: ProductLimit, cause: int
) -> float:
    """Score's Brier score of the predicted cumulative incidence ``risk_t`` of ``cause`` at t.

    (1 - F_i)^2 / G(T_i-) for a ``cause`` event by t, F_i^2 / G(T_i-) for a competing event by
    t, F_i^2 / G(t) for a patient still event-free after t, 0 when censored by t; divided by n.

    Examples
    --------
    >>> t = np.array([1.0, 2, 3, 4]); e = np.array([1, 2, 0, 0])
    >>> round(cr_brier(t, e, np.full(4, 0.5), 2.5, cr_censoring(t, e), 1), 4)
    0.25
    """
    done = time <= t
    gi = np.asarray(g.at(time, left=True), dtype=float)
    gt = float(g.at(t))
    target = (event == cause).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        early = np.where(done & (event != 0), (target - risk_t) ** 2 / np.where(done, gi, 1), 0.0)
        late = np.where(~done, risk_t**2 / gt, 0.0) if gt > 0 else np.zeros_like(early)
    return float(np.sum(early + late) / time.size)


def cr_auc(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray, t: float, g: ProductLimit, cause: int
) -> float:
    """Score's cumulative/dynamic AUC for ``cause`` at t (Blanche et al. 2013, definition 2).

    Cases: a ``cause`` event by t, weight 1 / G(T_i-). Controls: event-free after t, weight
    1 / G(t), and a competing event by t, weight 1 / G(T_j-). Ties in risk count one half
    (Score's trapezoidal area). NaN without a case or a control.

    Examples
    --------
    >>> t = np.array([1.0, 2, 3, 4]); e = np.array([1, 2, 1, 0])
    >>> cr_auc(t, e, np.array([4.0, 1, 3, 2]), 3.5, cr_censoring(t, e), 1)
    1.0
    """
    done = time <= t
    case = done & (event == cause)
    ctrl = ~done | (done & (event != 0) & (event != cause))
    if not case.any() or not ctrl.any():
        return float("nan")
    gi = np.asarray(g.at(time, left=True), dtype=float)
    w_case = 1.0 / gi[case]
    w_ctrl = np.where(done[ctrl], 1.0 / np.where(done[ctrl], gi[ctrl], 1.0), 1.0 / float(g.at(t)))
    order = np.argsort(risk[ctrl], kind="stable")
    rc = risk[ctrl][order]
    cw = np.concatenate([[0.0], np.cumsum(w_ctrl[order])])
    below = cw[np.searchsorted(rc, risk[case], side="left")]
    upto = cw[np.searchsorted(rc, risk[case], side="right")]
    num = np.sum(w_case * (below + 0.5 * (upto - below)))
    return float(num / (np.sum(w_case) * cw[-1]))


def _counts(time: np.ndarray, event: np.ndarray, cause: int, t: float) -> tuple[np.ndarray, ...]:
    """The event times <= t (the only times where the estimate moves) with n at risk, all
    events and ``cause`` events there, and for every row the index of the last of those
    times <= its own time (-1 before the first)."""
    utime, idx = np.unique(time, return_inverse=True)
    m_all = utime.size
    n_at = np.cumsum(np.bincount(idx, minlength=m_all)[::-1])[::-1].astype(float)
    d_all = np.bincount(idx, weights=(event != 0).astype(float), minlength=m_all)
    d_k = np.bincount(idx, weights=(event == cause).astype(float), minlength=m_all)
    keep = (d_all > 0) & (utime <= t)
    grid = utime[keep]
    last = np.searchsorted(grid, time, side="right") - 1
    return grid, n_at[keep], d_all[keep], d_k[keep], last


def _aj(n_at: np.ndarray, d_all: np.ndarray, d_k: np.ndarray) -> np.ndarray:
    """F_k at the last time of each row of (..., m) count arrays: sum S(s-) d_k / n."""
    with np.errstate(divide="ignore", invalid="ignore"):
        haz = np.where(n_at > 0, d_all / n_at, 0.0)
        hk = np.where(n_at > 0, d_k / n_at, 0.0)
    surv = np.cumprod(1.0 - haz, axis=-1)
    s_minus = np.concatenate([np.ones(surv.shape[:-1] + (1,)), surv[..., :-1]], axis=-1)
    return np.sum(s_minus * hk, axis=-1)


def aalen_johansen_at(time: np.ndarray, event: np.ndarray, cause: int, t: float) -> float:
    """Aalen-Johansen cumulative incidence of ``cause`` at t (0 before the first event).

    Examples
    --------
    >>> aalen_johansen_at(np.array([1.0, 2, 3, 4]), np.array([1, 2, 1, 0]), 1, 3.0)
    0.5
    """
    _, n_at, d_all, d_k, _ = _counts(time, event, cause, t)
    return float(_aj(n_at, d_all, d_k)) if n_at.size else 0.0


def pseudo_values(time: np.ndarray, event: np.ndarray, cause: int, t: float) -> np.ndarray:
    """Jackknife pseudo-values n F(t) - (n - 1) F_(-i)(t) of the Aalen-Johansen estimate.

    As R ``prodlim::jackknife(prodlim(Hist(time, event) ~ 1), times = t, cause =)``, in
    O(n log n): leaving row i out lowers the risk set by one at the event times g up to its
    own time (and, for an event, the event counts at its time), so with the prefix products
    A(g) = prod (1 - d / (n - 1)) and sums B(g) = sum A(g-) d_k / (n - 1) of the data with one
    fewer at risk, F_(-i)(t) = B(r) + A(r) / S(r) (F(t) - F(r)) for a row whose last event
    time <= T_i is r (the factors after r are unchanged), with the one-term correction at r
    for a row that is itself an event at r.

    Examples
    --------
    >>> pseudo_values(np.array([1.0, 2, 3, 4]), np.array([1, 2, 1, 0]), 1, 3.0).tolist()
    [1.0, 0.0, 1.0, 0.0]
    """
    n = time.size
    grid_t, n_at, d_all, d_k, last = _counts(time, event, cause, t)
    if n_at.size == 0:
        return np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d_all / n_at)
        s_prev = np.r_[1.0, surv[:-1]]
        f = np.cumsum(s_prev * d_k / n_at)
        n1 = n_at - 1.0
        a = np.cumprod(np.where(n1 > 0, 1.0 - d_all / n1, 1.0))
        a_prev = np.r_[1.0, a[:-1]]
        b = np.cumsum(np.where(n1 > 0, a_prev * d_k / n1, 0.0))
        b_prev = np.r_[0.0, b[:-1]]
        # the rest of the sum after r, relative to S(r) (0 once S reaches 0)
        tail = np.where(surv > 0, (f[-1] - f) / np.where(surv > 0, surv, 1.0), 0.0)
    r = np.clip(last, 0, None)
    at_event = (last >= 0) & (event != 0) & (time <= t) & (grid_t[r] == time)
    loo = np.where(last >= 0, b[r] + a[r] * tail[r], f[-1])
    # a row that is an event at r: at r one fewer at risk *and* one fewer event
    own = (event == cause).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = n1[r] > 0
        step_k = np.where(ok, (d_k[r] - own) / np.where(ok, n1[r], 1.0), 0.0)
        factor = np.where(ok, 1.0 - (d_all[r] - 1.0) / np.where(ok, n1[r], 1.0), 0.0)
    loo_ev = b_prev[r] + a_prev[r] * (step_k + factor * tail[r])
    loo = np.where(at_event, loo_ev, loo)
    return n * f[-1] - (n - 1) * loo
