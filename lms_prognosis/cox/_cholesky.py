"""R ``survival``'s ``cholesky2`` / ``chsolve2`` / ``chinv2`` and the factorisation the Cox
Newton-Raphson uses (private to :mod:`lms_prognosis.cox`).

``cholesky2`` is an LDL' decomposition in which a pivot below ``toler`` times the largest
diagonal element is set to zero, so that an aliased (or diverging) direction gets a zero
Newton step and a zero variance instead of a NaN, exactly as R's ``coxph``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

__all__ = ["TOLER_CHOL", "cholesky2", "chsolve2", "chinv2", "Factor"]

#: R ``coxph.control(toler.chol = .Machine$double.eps^0.75)``
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75


def cholesky2(a: np.ndarray, toler: float = TOLER_CHOL) -> tuple[np.ndarray, int]:
    """LDL' factorisation as R ``survival``'s ``cholesky2``: returns (factor, rank*sign).

    The lower triangle holds L (unit diagonal implied), the diagonal holds D; a pivot below
    ``toler`` times the largest diagonal element (or not finite) is set to zero.

    Examples
    --------
    >>> fac, rank = cholesky2(np.array([[4.0, 2.0], [2.0, 1.0]]))  # rank 1: one pivot zeroed
    >>> rank, float(fac[1, 1])
    (1, 0.0)
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
            col = m[i + 1 :, i] / pivot
            m[i + 1 :, i] = col
            m[i + 1 :, i + 1 :] -= np.outer(col, col) * pivot
    return m, rank * nonneg


def chsolve2(m: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solve with the factor from :func:`cholesky2` (a zero pivot gives a zero component).

    Examples
    --------
    >>> fac, _ = cholesky2(np.array([[4.0, 2.0], [2.0, 3.0]]))
    >>> chsolve2(fac, np.array([2.0, 5.0])).tolist()
    [-0.5, 2.0]
    """
    n = m.shape[0]
    y = np.array(y, dtype=float, copy=True)
    for i in range(1, n):
        y[i] -= m[i, :i] @ y[:i]
    for i in range(n - 1, -1, -1):
        if m[i, i] == 0:
            y[i] = 0.0
        else:
            y[i] = y[i] / m[i, i] - m[i + 1 :, i] @ y[i + 1 :]
    return y


def chinv2(m: np.ndarray) -> np.ndarray:
    """Inverse from the :func:`cholesky2` factor; rows/columns of zero pivots are zero.

    Examples
    --------
    >>> fac, _ = cholesky2(np.array([[4.0, 2.0], [2.0, 1.0]]))  # aliased second column
    >>> chinv2(fac).tolist()
    [[0.25, 0.0], [0.0, 0.0]]
    """
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


class Factor:
    """Factorisation of the information matrix with R ``cholesky2`` semantics.

    Full rank (every pivot above ``toler`` times the largest diagonal): LAPACK's Cholesky
    ``dpotrf`` through scipy's wrapper (the same factor as ``numpy.linalg.cholesky``, whose
    per-call checks cost four times a p = 8 factorisation), then numpy's ``solve`` and ``inv``.
    Not scipy's ``dpotrs`` / ``dpotri``: they wake the threads of scipy's own OpenBLAS, which
    then spin on the second core after every Newton step (twice the CPU time of a fit at
    n = 1e4 on 2 cores). Otherwise R's LDL' with zeroed pivots (aliased or diverging
    directions get no step).

    Examples
    --------
    >>> fac = Factor(np.array([[4.0, 2.0], [2.0, 3.0]]), TOLER_CHOL)
    >>> fac.rank, fac.solve(np.array([2.0, 5.0])).round(12).tolist()
    (2, [-0.5, 2.0])
    >>> fac.inverse().round(12).tolist()
    [[0.375, -0.25], [-0.25, 0.5]]
    """

    def __init__(self, info: np.ndarray, toler: float) -> None:
        self.info = info
        self.ldl: np.ndarray | None = None
        p = info.shape[0]
        ok = p == 0
        if p:
            chol, status = lapack.dpotrf(info, lower=1)
            piv = chol.diagonal() ** 2  # array methods: a p x p matrix costs its calls
            top = max(float(info.diagonal().max()), 0.0)
            ok = status == 0 and top > 0 and bool(np.isfinite(piv).all())
            ok = ok and bool((piv >= toler * top).all())
        if ok:
            self.rank = p
        else:
            self.ldl, self.rank = cholesky2(info, toler)

    def solve(self, u: np.ndarray) -> np.ndarray:
        """The Newton step ``info^-1 u`` (zero along a zeroed pivot)."""
        if self.ldl is not None:
            return chsolve2(self.ldl, u)
        return np.linalg.solve(self.info, u)

    def inverse(self) -> np.ndarray:
        """``info^-1`` (R ``chinv2``: rows and columns of zeroed pivots are 0)."""
        if self.ldl is not None:
            return chinv2(self.ldl)
        inv = np.linalg.inv(self.info)
        return (inv + inv.T) / 2
