"""Choosing the distribution of a parametric survival model by AIC.

:func:`select_distribution` fits every distribution of
:func:`~lms_prognosis.models.fit_parametric` to the same
rows and ranks them by Akaike's information criterion, AIC = -2 loglik + 2 df (R
``AIC(survreg(...))``, checked in ``tests/reference/survreg.R``). The table also gives the
difference from the best and the Akaike weights exp(-delta / 2) / sum; a distribution whose
fit does not converge stays in the table with NaN and the reason.

References
----------
Burnham KP, Anderson DR. Model Selection and Multimodel Inference. 2nd ed. Springer 2002,
chapter 2 (Akaike weights).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis.exceptions import ModelError
from lms_prognosis.models._lifelines import DISTRIBUTIONS
from lms_prognosis.models.parametric import ParametricResult, fit_distribution

__all__ = ["DistributionSelection", "select_distribution"]

_COLUMNS = ["distribution", "loglik", "df", "aic", "delta_aic", "weight", "note"]


@dataclass(repr=False, eq=False)
class DistributionSelection(Result):
    """AIC of each distribution on the same rows; see :func:`select_distribution`.

    Attributes
    ----------
    table : DataFrame
        distribution, loglik, df, aic, delta_aic, weight (Akaike weight), note (why a fit
        failed), sorted by AIC.
    best : str
        The distribution with the lowest AIC.
    fit : ParametricResult
        The fit of ``best`` (its ``.selection`` is ``table``).
    fits : dict
        Every converged fit by distribution.
    """

    _title: ClassVar[str] = "Parametric distributions by AIC"

    table: pd.DataFrame
    best: str
    fit: ParametricResult
    fits: dict[str, ParametricResult] = field(default_factory=dict)

    def _summary_lines(self) -> list[str]:
        return [f"lowest AIC: {self.best} (n = {self.fit.n}, events = {self.fit.n_events})"]


def select_distribution(
    df: Any,
    covariates: Sequence[str] | str = (),
    distributions: Sequence[str] = DISTRIBUTIONS,
    time: str = "time",
    event: str = "event",
    conf_level: float = 0.95,
) -> DistributionSelection:
    """Fit each distribution and rank them by AIC (lowest first).

    Parameters
    ----------
    df, covariates, time, event, conf_level
        As :func:`~lms_prognosis.models.fit_parametric`.
    distributions : sequence of str
        Any of "weibull", "lognormal", "loglogistic", "exponential" (all by default).

    Returns
    -------
    DistributionSelection
        ``.table`` (distribution, loglik, df, aic, delta_aic, weight, note), ``.best``,
        ``.fit`` (the best fit), ``.fits``.

    Raises
    ------
    ModelError
        An unknown distribution, or no distribution converged.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [5.0, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
    ...                    "event": [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0]})
    >>> sel = select_distribution(df)
    >>> sel.table[["distribution", "df", "aic"]].round(2)  # R: AIC(survreg(..., dist = d))
      distribution  df    aic
    0  exponential   1  80.23
    1      weibull   2  80.56
    2  loglogistic   2  81.44
    3    lognormal   2  81.48
    """
    bad = [d for d in distributions if d not in DISTRIBUTIONS]
    if bad or not distributions:
        raise ModelError(f"distributions must be among {list(DISTRIBUTIONS)}, got {bad or []}")
    fits: dict[str, ParametricResult] = {}
    rows = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for dist in distributions:
            try:
                fits[dist] = fit_distribution(df, covariates, dist, time, event, conf_level)
            except ModelError as err:
                if "did not converge" not in str(err):
                    raise
                rows.append([dist, np.nan, np.nan, np.nan, str(err)])
                continue
            f = fits[dist]
            rows.append([dist, f.loglik, f.df, f.aic, ""])
    # the same data give the same design warnings for every distribution: say each once
    for msg in dict.fromkeys((w.category, str(w.message)) for w in caught):
        warnings.warn(msg[1], msg[0], stacklevel=2)
    if not fits:
        raise ModelError(f"no distribution converged: {[r[4] for r in rows]}")
    table = pd.DataFrame(rows, columns=["distribution", "loglik", "df", "aic", "note"])
    table = table.sort_values("aic", kind="stable", na_position="last").reset_index(drop=True)
    table["delta_aic"] = table["aic"] - table["aic"].min()
    w = np.exp(-table["delta_aic"] / 2.0)
    table["weight"] = w / w.sum()
    table = table[_COLUMNS]
    best = str(table["distribution"].iloc[0])
    fit = replace(fits[best], selection=table.copy())
    return DistributionSelection(table=table, best=best, fit=fit, fits=fits)
