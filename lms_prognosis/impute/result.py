"""The result of :func:`lms_prognosis.impute.impute`: :class:`Imputed`.

An :class:`Imputed` holds the m completed data sets (copies), the missing-data pattern, the
fraction of missing information of each imputed variable and the chains' convergence
diagnostics. Every fitting function that accepts one (``fit_cox``) fits each data set and
pools the fits by Rubin's rules (:mod:`lms_prognosis.cox.pool`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.impute._newdata import complete_new

__all__ = ["Imputed"]


@dataclass(repr=False, eq=False)
class Imputed(Result):
    """m completed copies of a cohort whose missing covariates were multiply imputed.

    Attributes
    ----------
    datasets : list of DataFrame
        The m completed data sets: the caller's rows with time and event (rows missing either
        are left out, see ``dropped``), every column kept, the imputed covariates filled in
        with their original dtypes. Copies: editing one changes nothing here.
    m : int
        Number of imputations.
    covariates : list of str
        Covariates in the imputation model (each predicts the others).
    imputed : list of str
        Covariates that had missing values (the ones imputed).
    time, event : str
        The outcome columns (predictors in every imputation model, never imputed).
    method : str
        The imputation method (``"pmm"``: predictive mean matching, Gaussian parameter draw;
        ``"pmm-boot"``: PMM with a bootstrap parameter draw).
    n_iter, k_pmm, seed : int
        Iterations per chain, donors of predictive mean matching, the seed.
    n : int
        Rows in each data set.
    dropped : DataFrame
        Rows left out because their time or event was missing (never imputed).
    missing_pattern : DataFrame
        One row per combination of missing covariates, as R's ``mice::md.pattern``: n
        (patients with this pattern), one column per covariate (1 observed, 0 missing, the
        covariates ordered by how often they are missing), n_missing (covariates missing in
        the pattern); rows in md.pattern's order (patterns sorted from all observed down).
    convergence : DataFrame
        variable, chain, iteration, mean, sd: the mean and SD of the imputed values after each
        iteration of each chain (R's ``imp$chainMean`` and ``sqrt(imp$chainVar)``); chains
        that mix and stay flat indicate convergence (plot mean against iteration per chain).
    table : DataFrame
        Per covariate: variable, n_missing, pct_missing, imputed, fmi, lambda, riv. ``fmi``
        is the fraction of missing information of the variable's mean (for a category with
        more than two levels the largest over its levels' proportions), by Rubin's rules
        across the m data sets; NaN for a variable with nothing missing.
    """

    datasets: list[pd.DataFrame]
    m: int
    covariates: list[str]
    imputed: list[str]
    time: str
    event: str
    method: str
    n_iter: int
    k_pmm: int
    seed: int | None
    n: int
    dropped: pd.DataFrame
    missing_pattern: pd.DataFrame
    convergence: pd.DataFrame
    table: pd.DataFrame
    _codes: list[Any] = field(repr=False, default_factory=list)
    _title: ClassVar[str] = "Imputed"

    @property
    def fmi(self) -> pd.Series:
        """Fraction of missing information per imputed variable (see ``table``)."""
        t = self.table[self.table["imputed"]]
        return pd.Series(t["fmi"].to_numpy(), index=t["variable"].to_list(), name="fmi")

    def map(self, func: Callable[[pd.DataFrame], pd.DataFrame]) -> Imputed:
        """The same imputations with ``func`` applied to each completed data set.

        For derived columns (a cut-point, a score) computed after imputation ("impute,
        then transform"). The result cannot impute new patients (:meth:`complete_new`).

        Examples
        --------
        >>> import pandas as pd
        >>> from lms_prognosis.impute import impute
        >>> df = pd.DataFrame({"time": [5.0, 8, 3, 9, 12, 4], "event": [1, 0, 1, 1, 0, 1],
        ...                    "age": [50.0, None, 70, 64, 58, None]})
        >>> imp = impute(df, m=2, seed=1).map(lambda d: d.assign(old=d["age"] >= 60))
        >>> "old" in imp.datasets[0]
        True
        """
        return replace(self, datasets=[func(d.copy()) for d in self.datasets], _codes=[])

    def complete_new(self, newdata: pd.DataFrame, seed: int = 1) -> list[pd.DataFrame]:
        """Impute the missing covariates of new patients m times, once per data set.

        The imputation model of data set l is fitted on its completed covariates (without the
        outcome, which a new patient does not have) and fills the new patients' missing
        covariates by predictive mean matching, so a prediction can average over the m
        completed versions of a patient (Hoogland et al. 2020).

        Parameters
        ----------
        newdata : DataFrame
            One row per patient with the covariates of the imputation model.
        seed : int
            Seed of the draws.

        Returns
        -------
        list of DataFrame
            m copies of ``newdata`` with its missing covariates filled in.

        References
        ----------
        Hoogland J et al. Handling missing predictor values when validating and applying a
        prediction model to new patients. Stat Med 2020;39:3591-607.
        """
        if not self._codes:
            raise LMSPrognosisError(
                "this Imputed was transformed with .map(); impute new patients with the "
                "Imputed that lp.impute(...) returned"
            )
        return complete_new(self, newdata, seed)

    def _heading(self) -> str:
        return (
            f"Imputed: m={self.m} data sets of n={self.n} ({self.method}, {self.n_iter} "
            f"iterations, seed={self.seed})"
        )

    def _summary_lines(self) -> list[str]:
        if not self.imputed:
            return ["no covariate had a missing value: the data sets are identical"]
        pat = self.missing_pattern
        complete = int(pat.loc[pat["n_missing"] == 0, "n"].sum())
        return [
            f"complete cases: {complete} of {self.n} ({100 * complete / self.n:.0f}%); "
            f"imputed: {', '.join(self.imputed)}",
            "imputation model: every covariate plus the event indicator and the Nelson-Aalen "
            "cumulative hazard (White & Royston 2009)",
        ]

    def _display_frame(self) -> pd.DataFrame:
        return self.table.round({"pct_missing": 1, "fmi": 3, "lambda": 3, "riv": 3})

    def chain_summary(self) -> pd.DataFrame:
        """Last-iteration mean of each variable per chain, and its spread across chains."""
        last = self.convergence[self.convergence["iteration"] == self.n_iter]
        return last.groupby("variable", sort=False)["mean"].agg(["mean", "std", "min", "max"])


def missing_pattern(frame: pd.DataFrame) -> pd.DataFrame:
    """R ``mice::md.pattern`` as a tidy table (see :class:`Imputed`).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, None, 3, None], "b": [1.0, 2, None, None]})
    >>> missing_pattern(df)
       n  a  b  n_missing
    0  1  1  1          0
    1  1  1  0          1
    2  1  0  1          1
    3  1  0  0          2
    """
    miss = frame.isna()
    n_miss = miss.sum().to_dict()
    order = sorted(frame.columns, key=lambda c: (n_miss[c], list(frame.columns).index(c)))
    obs = (~miss[order]).astype(int)
    counts = obs.value_counts(sort=False).rename("n").reset_index()
    counts["n_missing"] = len(order) - counts[order].sum(axis=1)
    counts = counts.sort_values(order, ascending=False, kind="stable")  # R's row order
    return counts[["n", *order, "n_missing"]].reset_index(drop=True).astype(np.int64)
