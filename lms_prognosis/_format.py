"""The one formatting path for numbers in tables, figures and reports.

Every place that prints a hazard ratio, a confidence interval or a p-value goes through
these functions, so a table, a forest plot and the report say the same thing.

Examples
--------
>>> format_hr(1.8432, 1.2081, 2.7911)
'1.84 (1.21–2.79)'
>>> format_p(0.00004)
'p < 0.001'
>>> format_p(0.0432)
'p = 0.043'
"""

from __future__ import annotations

import math

EN_DASH = "\u2013"


def format_number(x: float | None, digits: int = 2) -> str:
    """Format a number with fixed decimals; missing values become an empty string.

    Examples
    --------
    >>> format_number(3.14159)
    '3.14'
    >>> format_number(float("nan"))
    ''
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.{digits}f}"


def format_ci(lower: float, upper: float, digits: int = 2) -> str:
    """Format a confidence interval as ``(lower–upper)`` with an en dash.

    Examples
    --------
    >>> format_ci(0.5, 1.25)
    '(0.50–1.25)'
    """
    return f"({format_number(lower, digits)}{EN_DASH}{format_number(upper, digits)})"


def format_hr(hr: float, lower: float, upper: float, digits: int = 2) -> str:
    """Format a hazard ratio with its confidence interval: ``1.84 (1.21–2.79)``.

    Examples
    --------
    >>> format_hr(2.0, 1.5, 2.5)
    '2.00 (1.50–2.50)'
    """
    return f"{format_number(hr, digits)} {format_ci(lower, upper, digits)}"


def format_p(p: float, prefix: bool = True, threshold: float = 0.001) -> str:
    """Format a p-value as journals print it: ``p < 0.001``, ``p = 0.043``, ``p = 0.27``.

    Two significant digits, at most three decimals; below ``threshold`` as ``< threshold``.

    Examples
    --------
    >>> format_p(0.27123)
    'p = 0.27'
    >>> format_p(0.0008, prefix=False)
    '< 0.001'
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    if p < threshold:
        body = f"< {threshold:g}"
    elif p >= 0.0995:
        body = f"= {p:.2f}"
    else:
        body = f"= {p:.3f}"
    return f"p {body}" if prefix else body.replace("= ", "")


def format_percent(x: float, digits: int = 1) -> str:
    """Format a proportion as a percentage.

    Examples
    --------
    >>> format_percent(0.7453)
    '74.5%'
    """
    return f"{100 * x:.{digits}f}%"
