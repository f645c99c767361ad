"""Array engine of the Aalen-Johansen cumulative incidence (one group, all causes at once).

Counts per sorted distinct time go in (number at risk, events of each cause, censorings), the
curves and both variances come out, each in O(J) for J distinct times:

* the Aalen-Johansen estimate F_k(t) = sum over t_j <= t of S(t_j-) d_kj / n_j, with S the
  all-cause Kaplan-Meier curve (R ``survfit`` multi-state, ``cmprsk::cuminc``);
* the infinitesimal-jackknife variance sum_i U_ik(t)^2 that R ``survfit`` reports for a
  multi-state curve (``std.err``), from a closed form of the influence U_ik (below);
* the variance ``cmprsk::cuminc`` reports (Gray's delta-method variance with its tie
  correction 1 - (d - 1) / (n - 1)), which cuminc updates only at the times of the cause's
  own events and carries forward in between, as here.

Influence of subject i on F_k (weights w_i, derivative at w = 1). With a_ij =
(dN_i(t_j) - Y_i(t_j) lambda_j) / n_j and a_ikj the same for cause k, the all-cause curve has
U_i0(t_j) = U_i0(t_{j-1}) (1 - lambda_j) - S(t_{j-1}) a_ij and F_k has U_ik(t_j) =
U_ik(t_{j-1}) + U_i0(t_{j-1}) lambda_kj + S(t_{j-1}) a_ikj. Every subject still at risk after
t_j has the same influence B_k(t_j) = sum_{l <= j} S_{l-1} lambda_kl (G_{l-1} - 1 / n_l), with
G the Greenwood sum sum d / (n (n - d)); a subject who left at t_m with status s has
U_ik(t) = e_k(m, s) + u(m, s) F_k(t) for t >= t_m, where u = U_i0(t_m) / S(t_m) is G_m if
censored and G_{m-1} - 1 / n_m after an event. The variance at t_j is then
(number still at risk after t_j) B_k^2 plus three running sums over the subjects gone
(sum e^2, sum e u, sum u^2), so no n x J matrix is ever formed. Checked against R in
``tests/reference/competing_nonparametric.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class AJCurves:
    """The Aalen-Johansen curves of one group over its distinct times.

    ``cif``, ``var_ij`` and ``var_cmprsk`` have one row per cause (in the order of the
    ``events`` rows given) and one column per time; ``surv`` is the all-cause curve S(t).
    """

    surv: np.ndarray
    cif: np.ndarray
    var_ij: np.ndarray
    var_cmprsk: np.ndarray


def _left(x: np.ndarray, start: float) -> np.ndarray:
    """The value just before each time: ``start`` then x shifted by one."""
    out = np.empty_like(x)
    out[..., 0] = start
    out[..., 1:] = x[..., :-1]
    return out


def aalen_johansen(n_risk: np.ndarray, events: np.ndarray, n_censor: np.ndarray) -> AJCurves:
    """Curves and variances from counts per sorted distinct time of one group.

    Parameters
    ----------
    n_risk : ndarray, shape (J,)
        Number with time >= t_j.
    events : ndarray, shape (K, J)
        Events of each cause at t_j.
    n_censor : ndarray, shape (J,)
        Censorings at t_j.

    Examples
    --------
    >>> c = aalen_johansen(np.array([4, 3, 2]), np.array([[1, 0, 1], [0, 1, 0]]),
    ...                    np.array([0, 0, 1]))
    >>> c.cif.round(4).tolist()
    [[0.25, 0.25, 0.5], [0.0, 0.25, 0.25]]
    """
    n = np.asarray(n_risk, dtype=float)
    d_k = np.asarray(events, dtype=float)
    d = d_k.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam_k = np.where(n > 0, d_k / n, 0.0)
        lam = lam_k.sum(axis=0)
        surv = np.cumprod(1.0 - lam)
        s_left = _left(surv, 1.0)
        cif = np.cumsum(s_left * lam_k, axis=1)
        var_ij = _ij_variance(n, d_k, d, np.asarray(n_censor, dtype=float), s_left, cif)
        var_cm = _cmprsk_variance(n, d_k, d, surv, s_left, cif)
    return AJCurves(surv=surv, cif=cif, var_ij=var_ij, var_cmprsk=var_cm)


def _ij_variance(
    n: np.ndarray,
    d_k: np.ndarray,
    d: np.ndarray,
    n_censor: np.ndarray,
    s_left: np.ndarray,
    cif: np.ndarray,
) -> np.ndarray:
    """Infinitesimal-jackknife variance of every F_k (R ``survfit`` multi-state std.err^2)."""
    inv_n = np.where(n > 0, 1.0 / n, 0.0)
    # Greenwood sum G_j = sum d / (n (n - d)); only G_{j-1} is used, finite while anyone is left
    g = np.cumsum(np.where(d > 0, d * inv_n / np.where(n > d, n - d, np.inf), 0.0))
    g_left = _left(g, 0.0)
    b = np.cumsum(s_left * d_k * inv_n * (g_left - inv_n), axis=1)  # B_k, shape (K, J)
    # U_i0(t_m) / S(t_m) of a subject leaving at t_m censored (u0: G_m) or with an event
    # (u1: G_{m-1} - 1 / n_m); F_k moves by that times dF_k afterwards
    u0 = np.where(n_censor > 0, g, 0.0)
    u1 = g_left - inv_n
    k_count = d_k.shape[0]
    sum_e2 = np.zeros_like(cif)
    sum_eu = np.zeros_like(cif)
    sum_u2 = n_censor * u0**2 + d * u1**2
    e_cens = b - u0 * cif  # censored at t_m
    sum_e2 += n_censor * e_cens**2
    sum_eu += n_censor * e_cens * u0
    for c in range(k_count):  # leaving with an event of cause c
        e = b - u1 * cif
        e[c] += s_left * inv_n
        sum_e2 += d_k[c] * e**2
        sum_eu += d_k[c] * e * u1
    still = n - d - n_censor  # at risk after t_j
    terms = (
        still * b**2,
        np.cumsum(sum_e2, axis=1),
        2.0 * cif * np.cumsum(sum_eu, axis=1),
        cif**2 * np.cumsum(sum_u2),
    )
    var = terms[0] + terms[1] + terms[2] + terms[3]
    # a variance below the rounding error of its terms is 0 (e.g. F = 1: every subject of the
    # group had this cause); without this its square root would be ~1e-8 of noise
    scale = np.abs(terms[0]) + np.abs(terms[1]) + np.abs(terms[2]) + np.abs(terms[3])
    return np.where(var > 64.0 * np.finfo(float).eps * scale, var, 0.0)


def _cmprsk_variance(
    n: np.ndarray,
    d_k: np.ndarray,
    d: np.ndarray,
    surv: np.ndarray,
    s_left: np.ndarray,
    cif: np.ndarray,
) -> np.ndarray:
    """The variance ``cmprsk::cuminc`` reports, per cause, carried between the cause's events.

    Gray's estimator: per event time, with fk = S(t-), fkn = S(t), the events of the cause
    (nd1) and of the other causes (nd2) add t6 = fk^2 t5 nd / n^2 (t5 = 1 - (nd - 1) / (n - 1)
    for tied events) times (t4^2, t3 t4, t3^2) to three running sums v1, v2, v3, with
    t3 = 1 / fkn and t4 = F / fkn (other causes; skipped once fkn = 0) or t4 = 1 + t3 F (the
    cause; t3 = 0 once fkn = 0); at the cause's event times the variance is
    v1 + F^2 v3 - 2 F v2.
    """
    out = np.zeros_like(cif)
    safe_n1 = np.where(n > 1, n - 1.0, 1.0)
    for c in range(d_k.shape[0]):
        f = cif[c]
        nd1 = d_k[c]
        nd2 = d - nd1
        t3 = np.where(surv > 0, 1.0 / np.where(surv > 0, surv, 1.0), 0.0)
        v = np.zeros((3, len(n)))
        for nd, own in ((nd2, False), (nd1, True)):
            t5 = np.where(nd > 1, 1.0 - (nd - 1.0) / safe_n1, 1.0)
            t6 = s_left**2 * t5 * nd / np.where(n > 0, n, 1.0) ** 2
            t4 = 1.0 + t3 * f if own else f * t3
            use = nd > 0 if own else (nd > 0) & (surv > 0)
            t6 = np.where(use, t6, 0.0)
            v += np.stack([t4 * t4 * t6, t3 * t4 * t6, t3 * t3 * t6])
        v1, v2, v3 = np.cumsum(v, axis=1)
        at_event = nd1 > 0
        value = np.where(at_event, v1 + f * f * v3 - 2.0 * f * v2, 0.0)
        # carried forward from the last event of the cause (0 before the first)
        last = np.maximum.accumulate(np.where(at_event, np.arange(len(n)), -1))
        out[c] = np.where(last >= 0, value[np.maximum(last, 0)], 0.0)
    return out
