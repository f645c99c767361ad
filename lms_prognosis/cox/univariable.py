"""Univariable Cox models: each covariate fitted alone, as papers print beside the full model.

:func:`fit_univariable` refits :func:`~lms_prognosis.cox.fit.fit_cox` once per covariate with
the same time, event, ties and strata; the hazard-ratio table (``lms_prognosis.hr_table``) and
the report only format the fits it returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame
from lms_prognosis.cox.fit import CoxResult, fit_cox

__all__ = ["UnivariableResult", "fit_univariable"]


@dataclass(repr=False, eq=False)
class UnivariableResult(Result, Mapping[str, CoxResult]):
    """One Cox fit per covariate (see :func:`fit_univariable`); a mapping covariate -> fit.

    Attributes
    ----------
    fits : dict of str to CoxResult
        The fits, in the order of the covariates.
    table : DataFrame
        The hazard ratios of every fit (``CoxResult.hazard_ratios``: term, covariate, coef,
        se, hr, lower, upper, z, p) with the fit's ``n`` and ``n_events``.
    n : int
        Patients used by at least one fit.
    dropped : DataFrame
        Rows a fit left out (row, column, reason, ...), once per row and column.
    """

    _title: ClassVar[str] = "Univariable Cox models (each covariate alone)"

    fits: dict[str, CoxResult]

    def __getitem__(self, covariate: str) -> CoxResult:
        return self.fits[covariate]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fits)

    def __len__(self) -> int:
        return len(self.fits)

    @property
    def table(self) -> pd.DataFrame:
        """Hazard ratios of every fit, one row per term, with the fit's n and n_events."""
        parts = [
            fit.hazard_ratios.assign(n=fit.n, n_events=fit.n_events) for fit in self.fits.values()
        ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def n(self) -> int:
        """Patients used by at least one of the fits."""
        used: set[Any] = set()
        for fit in self.fits.values():
            used.update(fit.data.index)
        return len(used)

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows left out by any fit, one line per row and column."""
        parts = [fit.dropped for fit in self.fits.values() if len(fit.dropped)]
        if not parts:
            return empty_dropped()
        out = pd.concat(parts, ignore_index=True)
        return out.drop_duplicates(subset=["row", "column"]).reset_index(drop=True)

    def _summary_lines(self) -> list[str]:
        return [f"{len(self.fits)} covariates, each fitted alone"]


def fit_univariable(
    df: Any,
    covariates: Sequence[str],
    time: str = "time",
    event: str = "event",
    *,
    ties: str = "efron",
    strata: Sequence[str] | str | None = None,
    conf_level: float = 0.95,
    weights: str | None = None,
    cluster: str | None = None,
    start: str | None = None,
) -> UnivariableResult:
    """Fit one Cox model per covariate (the univariable columns of a hazard-ratio table).

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient.
    covariates : sequence of str
        Each is fitted alone, with :func:`~lms_prognosis.cox.fit.fit_cox`.
    time, event : str
        Follow-up time and event code columns (as :func:`~lms_prognosis.fit_cox`).
    ties : {"efron", "breslow"}
    strata : str or list of str, optional
        Strata used by every fit.
    conf_level : float
    weights, cluster, start : str, optional
        Case weights, clusters and entry times used by every fit (as
        :func:`~lms_prognosis.fit_cox`).

    Returns
    -------
    UnivariableResult
        A mapping covariate -> :class:`~lms_prognosis.CoxResult`, with ``.table`` (the
        hazard ratios of all fits), ``.n`` and ``.dropped``.

    Notes
    -----
    Each fit uses the complete cases over time, event, strata and its own covariate, so
    fits of different covariates may use different patients (their ``n`` is in ``.table``).
    To describe the same patients as a multivariable fit, pass that fit's ``.data``. The
    conventions are those of :func:`~lms_prognosis.fit_cox` (R ``coxph``).

    Examples
    --------
    >>> import warnings, lms_prognosis as lp
    >>> df = lp.load_synthetic().data
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     uni = fit_univariable(df, ["age", "grade"])
    >>> list(uni)
    ['age', 'grade']
    >>> uni.table[["covariate", "term"]].values.tolist()
    [['age', 'age'], ['grade', 'grade[2]'], ['grade', 'grade[3]']]
    >>> round(float(uni["age"].hazard_ratios["hr"].iloc[0]), 3) > 1
    True
    """
    frame = as_frame(df)
    fits = {
        covariate: fit_cox(
            frame,
            [covariate],
            time=time,
            event=event,
            ties=ties,
            strata=strata,
            conf_level=conf_level,
            weights=weights,
            cluster=cluster,
            start=start,
        )
        for covariate in dict.fromkeys(covariates)
    }
    return UnivariableResult(fits=fits)
