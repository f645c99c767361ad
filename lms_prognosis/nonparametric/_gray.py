"""Array engine of Gray's test (the score and its variance, as ``cmprsk::cuminc``).

Gray (1988) compares the cumulative incidence of one cause across k groups with a score
sum over event times of w(t) (d_1i(t) - d_1(t) R_i(t) / R(t)), with R_i = n_i (1 - F_1i(t-)) /
S_i(t-) the group's subdistribution risk set and w(t) = (1 - F_1(t-))^rho, F_1 the pooled
estimate. Its variance is the one of cmprsk's ``crstm``: per event time the k x k matrix
a = w (diag(h) - h h' / sum h) with h_i = n_i / S_i(t-) and its running sum c (scaled by
d_1 / (sum h (1 - F_1(t-)))) give, for the cause's events and for the other causes' events,
terms t3_k (a - t4_k c)(a - t4_k c)' (with tie corrections 1 - (d - 1) / (n - 1)); the three
running sums are combined at the end as cmprsk does. Here every time is one row of numpy
arrays (shape times x groups x groups), so the loop over times is a cumulative sum.
Strata: scores and variances are computed within each stratum and added.
"""

from __future__ import annotations

import numpy as np

from lms_prognosis import _survfit as _km


def _left(x: np.ndarray, start: float) -> np.ndarray:
    out = np.empty_like(x)
    out[0] = start
    out[1:] = x[:-1]
    return out


def _counts(
    time: np.ndarray, code: np.ndarray, gcode: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk sets, cause events and other events per (event time, group): shape (T, G)."""
    tc, uniq = _km.time_codes(time)
    n_t = len(uniq)
    key = tc * n_groups + gcode
    size = n_t * n_groups
    rows = np.bincount(key, minlength=size).reshape(n_t, n_groups).astype(float)
    d1 = np.bincount(key, weights=code == 1, minlength=size).reshape(n_t, n_groups)
    d2 = np.bincount(key, weights=code == 2, minlength=size).reshape(n_t, n_groups)
    rs = np.cumsum(rows[::-1], axis=0)[::-1]
    keep = (d1 + d2).sum(axis=1) > 0
    return rs[keep], d1[keep], d2[keep]


def gray_stratum(
    time: np.ndarray, code: np.ndarray, gcode: np.ndarray, n_groups: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score (all k groups) and k x k variance of one stratum.

    ``code`` is 1 for the cause of interest, 2 for any other cause, 0 censored.

    Examples
    --------
    >>> t = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> s, v = gray_stratum(t, np.array([1, 2, 1, 1, 0, 1]), np.array([0, 0, 0, 1, 1, 1]), 2, 0)
    >>> s.round(4).tolist()
    [1.1, -1.1]
    """
    rs, d1, d2 = _counts(time, code, gcode, n_groups)
    if len(rs) == 0:
        return np.zeros(n_groups), np.zeros((n_groups, n_groups))
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = rs > 0
        skm = np.cumprod(np.where(pos, (rs - d1 - d2) / np.where(pos, rs, 1.0), 1.0), axis=0)
        skmm = _left(skm, 1.0)
        f1m = _left(np.cumsum(np.where(pos, skmm * d1 / np.where(pos, rs, 1.0), 0.0), axis=0), 0.0)
        h = np.where(pos, rs / skmm, 0.0)
        tr = h.sum(axis=1)
        r_sub = np.where(pos, rs * (1.0 - f1m) / skmm, 0.0)
        tq = r_sub.sum(axis=1)
        nd1 = d1.sum(axis=1)
        f = np.cumsum(nd1 / tr)
        fm = _left(f, 0.0)
        fb = (1.0 - fm) ** rho
        score = (fb[:, None] * (d1 - nd1[:, None] * r_sub / tq[:, None])).sum(axis=0)
        a = fb[:, None, None] * (
            h[:, :, None] * np.eye(n_groups)[None]
            - h[:, :, None] * h[:, None, :] / tr[:, None, None]
        )
        c = np.cumsum(a * (nd1 / (tr * (1.0 - fm)))[:, None, None], axis=0)
        var, v2, v3 = _variance_terms(a, c, rs, d1, d2, skm, skmm, f, tr, nd1)
    c_end = c[-1]
    var += np.einsum("ik,jk,k->ij", c_end, c_end, v3) + c_end @ v2.T + v2 @ c_end.T
    return score, var


def _gram(m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum over t and k of m[t, i, k] m[t, j, k] w[t, k]: one matrix product (the same sum as
    ``np.einsum("tik,tjk,tk->ij", m, m, w)``, whose loop took 10x longer, to rounding)."""
    flat = m.transpose(1, 0, 2).reshape(m.shape[1], -1)
    return np.asarray((flat * w.reshape(-1)) @ flat.T)


def _variance_terms(
    a: np.ndarray,
    c: np.ndarray,
    rs: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    skm: np.ndarray,
    skmm: np.ndarray,
    f: np.ndarray,
    tr: np.ndarray,
    nd1: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The running sums (v, v2, v3) over the event times of the cause and of the others."""
    pos = rs > 0
    safe_rs = np.where(pos, rs, 1.0)
    # events of the cause (pooled count nd1), every group still at risk
    t4 = np.where(skm > 0, 1.0 - (1.0 - f)[:, None] / np.where(skm > 0, skm, 1.0), 1.0)
    t5 = np.where(nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * skmm - 1.0), 1.0)
    t3 = np.where(pos & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * safe_rs), 0.0)
    m = a - t4[:, None, :] * c
    var = _gram(m, t3)
    v2 = np.einsum("tik,tk->ik", m, t4 * t3)
    v3 = (t4 * t4 * t3).sum(axis=0)
    # events of the other causes, in the groups where they happened
    other = (skm > 0) & (d2 > 0)
    t4b = np.where(other, (1.0 - f)[:, None] / np.where(skm > 0, skm, 1.0), 0.0)
    t5b = np.where(d2 > 1, 1.0 - (d2 - 1.0) / np.where(rs > 1, rs - 1.0, 1.0), 1.0)
    t3b = np.where(other, t5b * skmm**2 * d2 / safe_rs**2, 0.0)
    nb = t4b[:, None, :] * c
    var += _gram(nb, t3b)
    v2 -= np.einsum("tik,tk->ik", nb, t4b * t3b)
    v3 += (t4b * t4b * t3b).sum(axis=0)
    return var, v2, v3


def gray_arrays(
    time: np.ndarray,
    code: np.ndarray,
    gcode: np.ndarray,
    n_groups: int,
    scode: np.ndarray | None,
    n_strata: int,
    rho: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Score and variance summed over strata (``scode`` None: one stratum)."""
    if scode is None:
        return gray_stratum(time, code, gcode, n_groups, rho)
    score = np.zeros(n_groups)
    var = np.zeros((n_groups, n_groups))
    for s in range(n_strata):
        sel = scode == s
        if not sel.any():
            continue
        sc, v = gray_stratum(time[sel], code[sel], gcode[sel], n_groups, rho)
        score += sc
        var += v
    return score, var
