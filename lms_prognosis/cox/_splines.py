"""Spline bases equal to R's ``splines::ns`` and ``rms::rcs`` (private to :mod:`lms_prognosis.cox`).

Why our own code: formulaic's ``cr``/``cs`` (from patsy) are mgcv-style cubic regression splines
with a centring constraint and another parametrisation, so their coefficients differ from
``coxph(~ ns(x, df))`` or ``coxph(~ rcs(x, k))``; neither formulaic nor patsy has R's natural
B-spline basis or Harrell's truncated-power basis. The bases here are R's, number for number
(``tests/reference/cox_terms.R``):

* :func:`ns_knots` / :func:`ns_basis`: ``splines::ns(x, df=, knots=)`` -- a cubic B-spline
  basis (scipy's ``BSpline``) on the knots ``c(rep(boundary, 4), interior)``, without its first
  column, projected on the null space of the second derivatives at the boundary knots by the
  Householder QR R's ``qr()`` (LINPACK ``dqrdc2``) computes; beyond the boundary knots the
  basis continues linearly (R's ``predict(ns)``). Interior knots are the quantiles (type 7) of
  the values at ``seq(0, 1, length = df + 1)[-c(1, df + 1)]``; boundary knots the range.
* :func:`rcs_knots` / :func:`rcs_basis`: ``rms::rcs(x, k)`` = ``Hmisc::rcspline.eval(x, nk = k,
  inclx = TRUE)`` -- knots at the quantiles of Harrell's default percentiles (.05 ... .95 for
  k = 4..6, .10/.50/.90 for 3, .025 ... .975 for 7), the outer knots replaced by the 5th
  smallest and largest values when n < 100, and the ``fractied`` rule for heavily tied
  extremes; the basis ``x`` and ``(x - t_j)_+^3 - ...`` divided by ``(t_k - t_1)^(2/3)``
  squared (``norm = 2``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ns_knots", "ns_basis", "ns_formula", "rcs_knots", "rcs_basis", "FRACTIED"]

#: Hmisc ``rcspline.eval(fractied = 0.05)``: an extreme value held by this share of rows
FRACTIED = 0.05


def ns_knots(
    x: np.ndarray, df: int | None = None, knots: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interior and boundary knots of R ``ns(x, df=, knots=)`` (missing values ignored).

    Examples
    --------
    >>> inner, bound = ns_knots(np.arange(1.0, 11.0), df=3)
    >>> inner.round(4).tolist(), bound.tolist()
    ([4.0, 7.0], [1.0, 10.0])
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    boundary = np.array([v.min(), v.max()])
    if knots is not None:
        return np.sort(np.asarray(knots, dtype=float)), boundary
    n_inner = max(int(df or 1) - 1, 0)
    if n_inner == 0:
        return np.zeros(0), boundary
    probs = np.linspace(0.0, 1.0, n_inner + 2)[1:-1]
    return np.quantile(v, probs), boundary  # numpy's default is R's type 7


def _bspline_all(t: np.ndarray, x: np.ndarray, nu: int = 0) -> np.ndarray:
    """All cubic B-spline basis functions (or their ``nu``-th derivative) at ``x``."""
    # here, not at the top: scipy.interpolate loads scipy.optimize (0.3-0.4 s), which every
    # import of lms_prognosis.cox paid and only a natural-spline term needs
    from scipy.interpolate import BSpline

    nb = t.size - 4
    spl = BSpline(t, np.eye(nb), 3, extrapolate=True)
    return np.asarray(spl(x, nu=nu))


def _householder_q(a: np.ndarray) -> np.ndarray:
    """The full orthogonal Q of the Householder QR of ``a`` (m x k, full column rank), with
    LINPACK ``dqrdc2``'s reflectors (the ones R's ``qr()`` and ``qr.qty`` use)."""
    m, k = a.shape
    r = np.array(a, dtype=float, copy=True)
    q = np.eye(m)
    for j in range(k):
        col = r[j:, j]
        nrm = float(np.linalg.norm(col))
        if nrm == 0.0:
            continue
        if col[0] != 0:
            nrm = np.copysign(nrm, col[0])
        v = col / nrm
        v[0] += 1.0
        # H = I - v v' / v[0]
        r[j:, j:] -= np.outer(v, v @ r[j:, j:]) / v[0]
        q[:, j:] -= np.outer(q[:, j:] @ v, v) / v[0]
    return q


def ns_basis(x: np.ndarray, inner: np.ndarray, boundary: np.ndarray) -> np.ndarray:
    """R ``predict(ns(...), x)``: natural cubic spline basis, (n, len(inner) + 1).

    Missing ``x`` gives a row of NaN. Beyond the boundary knots the basis is linear, as R's.

    Examples
    --------
    >>> b = ns_basis(np.array([1.0, 5.5, 10.0]), np.array([4.0, 7.0]), np.array([1.0, 10.0]))
    >>> b.shape, b[0].tolist()
    ((3, 3), [0.0, 0.0, 0.0])
    """
    x = np.asarray(x, dtype=float)
    lo, hi = float(boundary[0]), float(boundary[1])
    t = np.sort(np.concatenate([np.repeat([lo, hi], 4), inner]))
    nb = t.size - 4
    basis = np.full((x.size, nb), np.nan)
    inside = (x >= lo) & (x <= hi)
    if inside.any():
        basis[inside] = _bspline_all(t, x[inside])
    for pivot, side in ((lo, x < lo), (hi, x > hi)):
        if side.any():
            val = _bspline_all(t, np.array([pivot]))[0]
            slope = _bspline_all(t, np.array([pivot]), nu=1)[0]
            basis[side] = val[None, :] + (x[side] - pivot)[:, None] * slope[None, :]
    const = _bspline_all(t, np.array([lo, hi]), nu=2)[:, 1:]  # (2, nb - 1), no intercept
    q = _householder_q(const.T)
    return (basis[:, 1:] @ q)[:, 2:]


def ns_formula(
    inner: np.ndarray, boundary: np.ndarray
) -> dict[str, list[float] | list[list[float]]]:
    """The numbers :func:`ns_basis` applies, for code elsewhere that evaluates the basis.

    ``ns_basis(x) = B(x)[1:] @ proj`` for ``lo <= x <= hi``, with ``B`` the cubic B-splines
    on the knot vector ``t`` (Cox-de Boor); beyond a boundary knot it is linear,
    ``value + (x - knot) * slope`` (``value_lo``, ``slope_lo`` at ``lo``, ``..._hi`` at
    ``hi``, already projected). JSON-ready lists (the calculator page ships them).

    Examples
    --------
    >>> f = ns_formula(np.array([4.0, 7.0]), np.array([1.0, 10.0]))
    >>> len(f["t"]), len(f["proj"]), len(f["proj"][0]), f["value_lo"]
    (10, 5, 3, [0.0, 0.0, 0.0])
    """
    lo, hi = float(boundary[0]), float(boundary[1])
    t = np.sort(np.concatenate([np.repeat([lo, hi], 4), inner]))
    const = _bspline_all(t, np.array([lo, hi]), nu=2)[:, 1:]
    proj = _householder_q(const.T)[:, 2:]
    value = _bspline_all(t, np.array([lo, hi]))[:, 1:] @ proj
    slope = _bspline_all(t, np.array([lo, hi]), nu=1)[:, 1:] @ proj
    return {
        "t": [float(v) for v in t],
        "proj": [[float(v) for v in row] for row in proj],
        "value_lo": [float(v) for v in value[0]],
        "slope_lo": [float(v) for v in slope[0]],
        "value_hi": [float(v) for v in value[1]],
        "slope_hi": [float(v) for v in slope[1]],
    }


def rcs_knots(x: np.ndarray, nk: int) -> np.ndarray:
    """Knots of ``rms::rcs(x, nk)`` (``Hmisc::rcspline.eval(x, nk=)``), missing values ignored.

    Raises ValueError when fewer than 3 distinct knots can be placed (R stops too).

    Examples
    --------
    >>> rcs_knots(np.arange(1.0, 201.0), 4).round(2).tolist()
    [10.95, 70.65, 130.35, 190.05]
    """
    xx = np.asarray(x, dtype=float)
    xx = xx[~np.isnan(xx)]
    n = xx.size
    if n < 6:
        raise ValueError("knots not specified, and < 6 non-missing observations")
    if nk < 3:
        raise ValueError("a restricted cubic spline needs at least 3 knots")
    xu = np.unique(xx)
    if xu.size - 2 <= nk:
        knots = xu[1:-1]
    else:
        knots = _rcs_default_knots(xx, xu, nk)
    knots = np.unique(knots)
    if knots.size < 3:
        raise ValueError(f"fewer than 3 distinct knots ({knots.tolist()})")
    return knots


def _rcs_default_knots(xx: np.ndarray, xu: np.ndarray, nk: int) -> np.ndarray:
    """Harrell's percentiles with the fractied and n < 100 rules (rcspline.eval)."""
    n = xx.size
    outer = 0.025 if nk > 6 else (0.05 if nk > 3 else 0.1)
    nke = nk
    first: list[float] = []
    last: list[float] = []
    over_first = over_last = False
    _, counts = np.unique(xx, return_counts=True)
    f = counts / n
    if f.size > 2 and f[1:-1].max() < FRACTIED:
        if f[0] >= FRACTIED:
            first = [float(xx[xx > xx.min()].min())]
            xx = xx[xx > first[0]]
            nke -= 1
            over_first = True
        if f[-1] >= FRACTIED:
            last = [float(xx[xx < xx.max()].max())]
            xx = xx[xx < last[0]]
            nke -= 1
            over_last = True
    if nke == 1:
        knots = np.array([np.median(xx)])
    elif xu.size <= nke:
        knots = xu.copy()
    else:
        p = np.linspace(0.5, 1 - outer, nke) if nke == 2 else np.linspace(outer, 1 - outer, nke)
        knots = np.quantile(xx, p)
        if np.unique(knots).size < min(nke, 3):
            raise ValueError(
                f"could not place {nke} distinct knots (too many tied values); give fewer knots"
            )
        if xx.size < 100:
            xs = np.sort(xx)
            if not over_first:
                knots[0] = xs[4]
            if not over_last:
                knots[nke - 1] = xs[-5]
    return np.concatenate([first, knots, last])


def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """``rcspline.eval(x, knots, inclx = TRUE)``: x and its k - 2 nonlinear terms (norm = 2).

    Examples
    --------
    >>> rcs_basis(np.array([0.0, 5.0, 10.0]), np.array([1.0, 4.0, 9.0])).round(4).tolist()
    [[0.0, 0.0], [5.0, 0.975], [10.0, 6.0]]
    """
    x = np.asarray(x, dtype=float)
    k = np.asarray(knots, dtype=float)
    nk = k.size
    t1, tk, tk1 = k[0], k[-1], k[-2]
    kd = (tk - t1) ** (2.0 / 3.0)
    out = np.empty((x.size, nk - 1))
    out[:, 0] = x
    with np.errstate(invalid="ignore"):
        pk = np.maximum((x - tk) / kd, 0) ** 3
        pk1 = np.maximum((x - tk1) / kd, 0) ** 3
        for j in range(nk - 2):
            out[:, j + 1] = np.maximum((x - k[j]) / kd, 0) ** 3 + (
                (tk1 - k[j]) * pk - (tk - k[j]) * pk1
            ) / (tk - tk1)
    return out
