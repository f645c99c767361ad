"""Argument types of the command line's numeric options: ``--times``, ``--n``, years.

Private helper of the command line (:mod:`lms_prognosis._cli_support` re-exports them). Times
count from surgery or diagnosis, so 0 and negative times are refused, and ``inf``/``nan`` are
not times; whether they lie within the cohort's follow-up is checked once the cohort is read
(``_cli_support.check_times``).
"""

from __future__ import annotations

import argparse
import math

__all__ = ["times_arg", "positive_int", "years_arg"]


def times_arg(text: str) -> list[float]:
    """Parse ``--times 12,36,60``: finite positive months (``inf``, ``nan``, 0 and negative
    times are refused with the reason).

    Whether the times lie within the cohort's follow-up is checked once the cohort is read
    (:func:`check_times`).

    Examples
    --------
    >>> times_arg("12,36,60")
    [12.0, 36.0, 60.0]
    >>> times_arg("12,inf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '12,inf': inf is not a finite number of months (e.g. 12,36,60)
    """
    items = [t.strip() for t in text.split(",")]
    if not any(items):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of months, e.g. 12,36,60")
    times = []
    for item in items:
        try:
            value = float(item)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {item!r} is not a number of months (e.g. 12,36,60)"
            ) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{text!r}: {item} is not a finite number of months (e.g. 12,36,60)"
            )
        if value <= 0:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {item} is not a positive number of months; times count from "
                "surgery or diagnosis (e.g. 12,36,60)"
            )
        times.append(value)
    return times


def positive_int(text: str) -> int:
    """Parse a whole number >= 1 (``--n``).

    Examples
    --------
    >>> positive_int("500")
    500
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def years_arg(text: str) -> float:
    """Parse a finite number of years >= 0 (``--accrual-years``).

    Examples
    --------
    >>> years_arg("2.5")
    2.5
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of years >= 0")
    return value
