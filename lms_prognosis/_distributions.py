"""Normal, chi-square and t distribution functions without importing ``scipy.stats``.

Each function computes what the ``scipy.stats`` method of the same name computes for the
standard distribution (``loc=0``, ``scale=1``): the same ``scipy.special`` call scipy.stats
makes internally, plus scipy.stats' handling of the edges where the raw special function
differs (``chi2.sf`` below 0 or at infinity, ``t.ppf`` at 0, the sign of
``norm.logsf(-inf)``), so the numbers are identical. They live here so that the package does
not import ``scipy.stats`` (0.45-0.75 s) on its core path: importing the package, loading a
cohort, fitting Cox models, building a report. ``tests/test_distributions.py`` pins every
function against ``scipy.stats``.

As scipy.stats does, a scalar argument gives a numpy float and array-likes (lists, pandas
Series) give an ndarray. The few functions that need more of scipy.stats (the rank and
contingency tests of ``_compare``, the bivariate normal of ``literature._marginal``) import it
inside themselves, when they run.

Examples
--------
>>> round(float(norm_ppf(0.975)), 6), round(float(chi2_sf(3.84, 1)), 4)
(1.959964, 0.05)
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "norm_ppf",
    "norm_cdf",
    "norm_sf",
    "norm_pdf",
    "norm_logpdf",
    "norm_logsf",
    "chi2_sf",
    "t_ppf",
    "t_sf",
]

_Array = npt.NDArray[np.float64]

#: sqrt(2 pi) and its log, the constants of scipy.stats' normal density
_NORM_PDF_C = np.sqrt(2 * np.pi)
_NORM_PDF_LOGC = np.log(_NORM_PDF_C)


def _float(x: npt.ArrayLike) -> _Array:
    """``x`` as a float64 array (scipy.stats converts its arguments the same way)."""
    return np.asarray(x, dtype=np.float64)


@overload
def norm_ppf(q: float) -> np.float64: ...
@overload
def norm_ppf(q: npt.ArrayLike) -> _Array: ...
def norm_ppf(q: npt.ArrayLike) -> np.float64 | _Array:
    """Standard normal quantile, ``scipy.stats.norm.ppf(q)``.

    Parameters
    ----------
    q : float or array-like
        Probabilities; outside [0, 1] gives nan.

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.ndtri(q)``.

    Examples
    --------
    >>> round(float(norm_ppf(0.975)), 6)
    1.959964
    """
    return special.ndtri(_float(q))


@overload
def norm_cdf(x: float) -> np.float64: ...
@overload
def norm_cdf(x: npt.ArrayLike) -> _Array: ...
def norm_cdf(x: npt.ArrayLike) -> np.float64 | _Array:
    """Standard normal distribution function, ``scipy.stats.norm.cdf(x)``.

    Parameters
    ----------
    x : float or array-like

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.ndtr(x)``.

    Examples
    --------
    >>> norm_cdf([0.0, np.inf]).tolist()
    [0.5, 1.0]
    """
    return special.ndtr(_float(x))


@overload
def norm_sf(x: float) -> np.float64: ...
@overload
def norm_sf(x: npt.ArrayLike) -> _Array: ...
def norm_sf(x: npt.ArrayLike) -> np.float64 | _Array:
    """Standard normal survival function, ``scipy.stats.norm.sf(x)``.

    Parameters
    ----------
    x : float or array-like

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.ndtr(-x)``.

    Examples
    --------
    >>> round(float(2 * norm_sf(1.959964)), 6)
    0.05
    """
    return special.ndtr(-_float(x))


@overload
def norm_pdf(x: float) -> np.float64: ...
@overload
def norm_pdf(x: npt.ArrayLike) -> _Array: ...
def norm_pdf(x: npt.ArrayLike) -> np.float64 | _Array:
    """Standard normal density, ``scipy.stats.norm.pdf(x)``.

    Parameters
    ----------
    x : float or array-like

    Returns
    -------
    numpy.float64 or ndarray
        ``exp(-x**2 / 2) / sqrt(2 pi)``.

    Examples
    --------
    >>> round(float(norm_pdf(0.0)), 6)
    0.398942
    """
    x = _float(x)
    return np.exp(-(x**2) / 2.0) / _NORM_PDF_C


@overload
def norm_logpdf(x: float) -> np.float64: ...
@overload
def norm_logpdf(x: npt.ArrayLike) -> _Array: ...
def norm_logpdf(x: npt.ArrayLike) -> np.float64 | _Array:
    """Log of the standard normal density, ``scipy.stats.norm.logpdf(x)``.

    Parameters
    ----------
    x : float or array-like

    Returns
    -------
    numpy.float64 or ndarray
        ``-x**2 / 2 - log(sqrt(2 pi))``.

    Examples
    --------
    >>> round(float(norm_logpdf(1.0)), 6)
    -1.418939
    """
    x = _float(x)
    return -(x**2) / 2.0 - _NORM_PDF_LOGC


@overload
def norm_logsf(x: float) -> np.float64: ...
@overload
def norm_logsf(x: npt.ArrayLike) -> _Array: ...
def norm_logsf(x: npt.ArrayLike) -> np.float64 | _Array:
    """Log of the standard normal survival function, ``scipy.stats.norm.logsf(x)``.

    Parameters
    ----------
    x : float or array-like

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.log_ndtr(-x)``, accurate far in the upper tail; +0.0 at ``x = -inf``
        as scipy.stats gives (``log_ndtr`` gives -0.0).

    Examples
    --------
    >>> round(float(norm_logsf(40.0)), 3)
    -804.608
    """
    xa = _float(x)
    return np.where(xa == -np.inf, 0.0, special.log_ndtr(-xa))[()]


@overload
def chi2_sf(x: float, df: float) -> np.float64: ...
@overload
def chi2_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> _Array: ...
def chi2_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> np.float64 | _Array:
    """Chi-square survival function (upper tail p-value), ``scipy.stats.chi2.sf(x, df)``.

    Parameters
    ----------
    x : float or array-like
        Statistics.
    df : float or array-like
        Degrees of freedom, broadcast against ``x``; ``df <= 0`` gives nan.

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.chdtrc(df, x)``, with scipy.stats' values outside the support:
        1 for ``x <= 0`` and 0 for ``x = inf`` (where ``chdtrc`` gives nan).

    Examples
    --------
    >>> chi2_sf([-1.0, 0.0, 3.84, np.inf], 1).round(4).tolist()
    [1.0, 1.0, 0.05, 0.0]
    """
    xa, dfa = _float(x), _float(df)
    p = np.where(xa <= 0, 1.0, np.where(xa == np.inf, 0.0, special.chdtrc(dfa, xa)))
    return np.where(dfa > 0, p, np.nan)[()]


@overload
def t_ppf(q: float, df: float) -> np.float64: ...
@overload
def t_ppf(q: npt.ArrayLike, df: npt.ArrayLike) -> _Array: ...
def t_ppf(q: npt.ArrayLike, df: npt.ArrayLike) -> np.float64 | _Array:
    """Student t quantile, ``scipy.stats.t.ppf(q, df)``.

    Parameters
    ----------
    q : float or array-like
        Probabilities; outside [0, 1] gives nan.
    df : float or array-like
        Degrees of freedom (may be infinite: the normal quantile), broadcast against ``q``.

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.stdtrit(df, q)``, and -inf at ``q = 0`` as scipy.stats gives.

    Examples
    --------
    >>> round(float(t_ppf(0.975, 10)), 6)
    2.228139
    """
    qa, dfa = _float(q), _float(df)
    return np.where((qa == 0) & (dfa > 0), -np.inf, special.stdtrit(dfa, qa))[()]


@overload
def t_sf(x: float, df: float) -> np.float64: ...
@overload
def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> _Array: ...
def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> np.float64 | _Array:
    """Student t survival function, ``scipy.stats.t.sf(x, df)``.

    Parameters
    ----------
    x : float or array-like
    df : float or array-like
        Degrees of freedom, broadcast against ``x``.

    Returns
    -------
    numpy.float64 or ndarray
        ``scipy.special.stdtr(df, -x)``.

    Examples
    --------
    >>> round(float(2 * t_sf(2.228139, 10)), 6)
    0.05
    """
    return special.stdtr(_float(df), -_float(x))
