"""The result of :func:`lms_prognosis.cox.fit.fit_cox`: tables, tests, predictions, PH test.

A :class:`CoxResult` keeps copies of what it needs (the complete-case data used, the sorted
arrays of the engine), never a reference to the caller's frame: editing the frame after the
fit changes nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._concordance import stratified_harrell
from lms_prognosis._distributions import chi2_sf, norm_ppf, norm_sf
from lms_prognosis._format import format_p
from lms_prognosis._results import Result
from lms_prognosis._survfit import CONF_TYPES
from lms_prognosis.cox import baseline as _baseline
from lms_prognosis.cox import partial as _partial
from lms_prognosis.cox._cholesky import cholesky2, chsolve2
from lms_prognosis.cox._cindex import cox_concordance
from lms_prognosis.cox._display import hr_display, newdata_frame
from lms_prognosis.cox._layout import FitRows, prepare_rows
from lms_prognosis.cox._robust import robust_score_test
from lms_prognosis.cox.design import Design, Term, strata_keys
from lms_prognosis.cox.engine import Prepared, linear_predictor
from lms_prognosis.cox.partial import PartialEffect
from lms_prognosis.cox.zph import PHTest, cox_zph
from lms_prognosis.exceptions import CoxError

__all__ = ["CoxResult"]


@dataclass(repr=False, eq=False)
class CoxResult(Result):
    """A fitted Cox model (R ``coxph``); see :func:`~lms_prognosis.cox.fit.fit_cox`.

    Attributes
    ----------
    covariates : list of str
        The covariates in the model (a covariate dropped as constant or aliased, with a
        warning, is not listed).
    time, event : str
        The time and event columns.
    strata : list of str or None
        Stratification columns.
    ties : str
        "efron" or "breslow".
    conf_level : float
        Level of the hazard-ratio confidence intervals.
    n, n_events : int
        Rows analysed and their events (code 1).
    data : DataFrame
        A copy of the time, event, covariate and strata columns of the rows analysed (the
        caller's index).
    dropped : DataFrame
        Rows left out: row (the caller's index label), column, value, reason; one line per
        missing cell, as every result of the package.
    iterations : int
        Newton-Raphson iterations (R ``fit$iter``).
    converged : bool
        False if the iteration limit was reached (a ConvergenceWarning was issued).
    coef, vcov, hazard_ratios, loglik, tests, term_tests : see the properties
    concordance, concordance_se : float
        Harrell's C as R's ``summary(coxph)`` (computed on first access).
    weights, cluster, start : str or None
        The case-weight, cluster and entry-time columns of the fit, if any.
    """

    covariates: list[str]
    time: str
    event: str
    strata: list[str] | None
    ties: str
    conf_level: float
    n: int
    n_events: int
    dropped: pd.DataFrame
    iterations: int
    converged: bool
    _design: Design = field(repr=False)
    _beta: np.ndarray = field(repr=False)
    _var: np.ndarray = field(repr=False)
    _loglik: tuple[float, float] = field(repr=False)
    _score: float = field(repr=False)
    _rows: FitRows = field(repr=False)  # time, event, strata, weights, start (caller's order)
    _columns: pd.DataFrame = field(repr=False)  # the columns used not held in _design: a copy
    _column_order: tuple[str, ...] = field(repr=False)  # the columns used, in data's order
    _from_design: dict[str, int] = field(repr=False)  # float64 covariates: design column index
    _outcome: tuple[np.ndarray, np.ndarray] = field(repr=False)  # time, event values (copies)
    _strata_levels: list[Any] | None = field(repr=False, default=None)
    _naive_var: np.ndarray | None = field(repr=False, default=None)  # model-based, if robust
    _cluster_codes: np.ndarray | None = field(repr=False, default=None)  # caller's row order
    _entry_weight: dict[str, np.ndarray] = field(repr=False, default_factory=dict)  # copies
    weights: str | None = None
    cluster: str | None = None
    start: str | None = None
    _title: ClassVar[str] = "CoxResult"

    @cached_property
    def data(self) -> pd.DataFrame:
        """time, event (start, weights), covariate, strata and cluster columns of the rows
        analysed (a copy, made on first access)."""
        cols: dict[str, Any] = {
            self.time: self._outcome[0],
            self.event: self._outcome[1],
            **self._entry_weight,
        }
        for name in self._column_order:
            j = self._from_design.get(name)
            cols[name] = self._columns[name] if j is None else self._design.columns[j]
        return pd.DataFrame(cols, index=self._columns.index)  # a dict is copied

    @cached_property
    def _prep(self) -> Prepared:
        """The engine's sorted layout of the rows analysed, rebuilt on first use from the
        result's own copies (the same inputs and code as the fit: the same layout)."""
        return prepare_rows(self._design.columns, self._design.center, self._rows)

    # ---- coding (used by cox.zph and the tests) -------------------------------------------
    @property
    def _terms(self) -> list[Term]:
        return self._design.terms

    @property
    def _names(self) -> list[str]:
        return self._design.names

    @property
    def _means(self) -> np.ndarray:
        """R's ``fit$means`` (0 for factor, boolean and {-1, 0, 1} columns)."""
        return self._design.means

    @property
    def _center(self) -> np.ndarray:
        """Column means, the engine's centring."""
        return self._design.center

    @property
    def _term_columns(self) -> list[tuple[str, list[int]]]:
        return self._design.term_columns

    # ---- tables -------------------------------------------------------------------------
    @property
    def loglik(self) -> tuple[float, float]:
        """(null, fitted) partial log-likelihood, as R ``fit$loglik``."""
        return self._loglik

    @cached_property
    def coef(self) -> pd.Series:
        """Coefficients (log hazard ratios) by term."""
        return pd.Series(self._beta, index=self._names, name="coef")

    @cached_property
    def vcov(self) -> pd.DataFrame:
        """Variance-covariance matrix of the coefficients (R ``vcov(fit)``; the robust one
        with ``cluster=`` or non-integer weights, see :attr:`robust`)."""
        return pd.DataFrame(self._var, index=self._names, columns=self._names)

    @property
    def robust(self) -> bool:
        """True when ``se``/``vcov`` are the robust sandwich (R ``fit$naive.var`` exists)."""
        return self._naive_var is not None

    @cached_property
    def hazard_ratios(self) -> pd.DataFrame:
        """term, covariate, coef, se, hr, lower, upper, z, p (R ``summary(fit)``).

        With a robust variance (``cluster=``, or non-integer weights) ``se`` is the robust
        standard error (R's ``robust se``, used for the CI, z and p) and a column
        ``naive_se`` holds the model-based one (R ``se(coef)``). ``covariate`` is the term
        the column belongs to (a factor, an interaction such as ``age:grade`` or a spline
        such as ``ns(age, df=3)``); :attr:`term_tests` has one Wald test per term.
        """
        se = np.sqrt(np.diag(self._var))
        q = norm_ppf(1 - (1 - self.conf_level) / 2)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = self._beta / se
            lower = np.exp(self._beta - q * se)
            upper = np.exp(self._beta + q * se)
        cov = [t.covariate for t in self._terms for _ in t.names]
        return pd.DataFrame(
            {
                "term": self._names,
                "covariate": cov,
                "coef": self._beta,
                "se": se,
                "hr": np.exp(self._beta),
                "lower": lower,
                "upper": upper,
                "z": z,
                "p": 2 * norm_sf(np.abs(z)),
                **(
                    {"naive_se": np.sqrt(np.diag(self._naive_var))}
                    if self._naive_var is not None
                    else {}
                ),
            }
        )

    @cached_property
    def term_tests(self) -> pd.DataFrame:
        """Wald test per term: term, chisq, df, p (a factor, interaction or spline is one term).

        ``chisq = b' V^-1 b`` over the term's coefficients with ``V`` their block of
        :attr:`vcov` (robust if the fit is): the overall p of a spline or factor, as shown in
        forest plots and HR tables.

        Examples
        --------
        >>> import lms_prognosis as lp
        >>> fit = lp.fit_cox(lp.load_synthetic(), ["age", "grade"])
        >>> fit.term_tests.round(3)
            term   chisq  df      p
        0    age   1.367   1  0.242
        1  grade  32.395   2  0.000
        """
        rows = []
        for term, cols in self._term_columns:
            b = self._beta[cols]
            v = self._var[np.ix_(cols, cols)]
            fac, _ = cholesky2(v)
            chisq = float(b @ chsolve2(fac, b))
            rows.append((term, chisq, len(cols)))
        out = pd.DataFrame(rows, columns=["term", "chisq", "df"])
        out["p"] = chi2_sf(out["chisq"], out["df"])
        return out

    @property
    def table(self) -> pd.DataFrame:
        """Same as :attr:`hazard_ratios` (the tidy result table)."""
        return self.hazard_ratios

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Likelihood-ratio, Wald and score tests of all coefficients (R ``summary(fit)``).

        With a robust variance the Wald test uses it (R ``fit$wald.test``) and a fourth row,
        ``robust score``, is R's ``fit$rscore``: the score test at beta = 0 with the
        cluster-summed score residuals (the likelihood-ratio and score tests assume
        independent rows, as R notes).
        """
        p = self._beta.size
        lr = 2 * (self._loglik[1] - self._loglik[0])
        fac, _ = cholesky2(self._var)
        wald = float(self._beta @ chsolve2(fac, self._beta))
        names = ["likelihood ratio", "wald", "score"]
        stat = [lr, wald, self._score]
        if self._naive_var is not None:
            names.append("robust score")
            stat.append(robust_score_test(self._prep, self._cluster_codes))
        values = np.asarray(stat, dtype=float)
        return pd.DataFrame({"test": names, "statistic": values, "df": p, "p": chi2_sf(values, p)})

    @cached_property
    def _concordance(self) -> tuple[float, float, dict[str, int]]:
        prep = self._prep
        lp = linear_predictor(prep, self._beta)  # identical rows, identical lp
        if prep.weights is None and prep.start is None and self._cluster_codes is None:
            return stratified_harrell(prep.time, prep.event, lp, prep.stratum)
        codes = None if self._cluster_codes is None else self._cluster_codes[prep.order]
        return cox_concordance(prep, lp, codes)

    @property
    def concordance(self) -> float:
        """Harrell's C of the linear predictor, R ``summary(coxph)$concordance[1]``.

        Pairs with tied times are not comparable unless one is censored (then the censored
        subject survived longer); tied linear predictors count 1/2; within strata. With case
        weights a pair counts ``w_i w_j``; with ``start`` an event is compared with the rows
        at risk at its time; with ``cluster`` the standard error is summed within clusters
        (all as R's ``coxph``). The times
        are those the model was fitted on (near-ties merged as R's ``timefix``), so this
        equals ``lp.concordance(df, fit.predict_risk(df)["linear_predictor"])``.
        """
        return float(self._concordance[0])

    @property
    def concordance_se(self) -> float:
        """Standard error of :attr:`concordance`: R's infinitesimal jackknife, as
        ``summary(coxph)$concordance[2]``."""
        return self._concordance[1]

    @property
    def concordance_counts(self) -> dict[str, int]:
        """concordant, discordant, tied_risk, tied_time pair counts behind the C."""
        return self._concordance[2]

    # ---- predictions --------------------------------------------------------------------
    def predict_risk(self, newdata: Any) -> pd.DataFrame:
        """Linear predictor and relative risk for each row of ``newdata``.

        Parameters
        ----------
        newdata : DataFrame or Cohort
            The model's covariates (same coding as the fitted data).

        Returns
        -------
        DataFrame
            Indexed like ``newdata``: ``linear_predictor`` and ``relative_risk`` (its
            exponential). Rows with a missing covariate get NaN.

        Notes
        -----
        As R ``predict(fit, newdata, type = "lp", reference = "sample")`` and
        ``type = "risk"`` with survival 3.x's centring (``fit$means``): numeric covariates at
        their means in the fitted data, except columns whose values are all in {-1, 0, 1}
        (factor levels, booleans, 0/1 numbers), which are taken at 0, i.e. their reference
        (R's ``coxph(nocenter = c(-1, 0, 1))``). A stratified fit is centred the same way (R's
        default ``reference = "strata"`` would centre at the stratum means).

        Examples
        --------
        >>> from lms_prognosis.cox.fit import fit_cox
        >>> df = pd.DataFrame({"time": [5, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
        ...                    "event": [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ...                    "age": [70, 60, 65, 50, 40, 61, 45, 48, 66, 42, 44, 39]})
        >>> fit = fit_cox(df, ["age"])
        >>> fit.predict_risk(pd.DataFrame({"age": [50, 70]})).round(3)
           linear_predictor  relative_risk
        0            -0.145          0.865
        1             1.018          2.768
        """
        newdata = newdata_frame(newdata)
        lp = (self._design.transform(newdata) - self._means) @ self._beta
        return pd.DataFrame(
            {"linear_predictor": lp, "relative_risk": np.exp(lp)}, index=newdata.index
        )

    @cached_property
    def _baseline(self) -> _baseline.Baseline:
        return _baseline.baseline(self._prep, self._beta)

    def predict_survival(
        self, newdata: Any, times: Sequence[float] | float, conf_type: str = "log"
    ) -> pd.DataFrame:
        """Survival curves with confidence intervals for new patients, as R ``survfit.coxph``.

        Parameters
        ----------
        newdata : DataFrame or Cohort
            One row per patient with the model covariates (and the strata column(s) for a
            stratified fit).
        times : float or sequence of float
            Times (months) at which to report survival.
        conf_type : {"log", "log-log", "plain", "logit"}
            Confidence interval transform (R's ``conf.type``; "log" is R's default).

        Returns
        -------
        DataFrame
            Long: patient (newdata's index), time, surv, std_err (of surv, as R
            ``summary()``), lower, upper, cumhaz.

        Notes
        -----
        Exactly R ``summary(survfit(fit, newdata = nd, conf.type = ...), times = times)``:
        the baseline hazard is Efron-corrected for an Efron fit (``stype = 2, ctype = 2``)
        and Breslow's for a Breslow fit; the variance includes the variance of beta (R's
        ``d' V d`` term). A time before the first observed time gives surv 1; a time beyond
        the last observed time (of the patient's stratum) gives NaN, where R drops the row.
        lifelines' ``predict_survival_function`` gives no confidence interval at all
        (lifelines issue 344); that is why this is our own code.

        References
        ----------
        Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer
        2000, section 10.2.

        Examples
        --------
        >>> from lms_prognosis.cox.fit import fit_cox
        >>> df = pd.DataFrame({"time": [5, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
        ...                    "event": [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ...                    "age": [70, 60, 65, 50, 40, 61, 45, 48, 66, 42, 44, 39]})
        >>> fit = fit_cox(df, ["age"])
        >>> fit.predict_survival(pd.DataFrame({"age": [50]}), [24]).round(3)  # R: survfit
           patient  time   surv  std_err  lower  upper  cumhaz
        0        0  24.0  0.788    0.117  0.589    1.0   0.238
        """
        if conf_type not in CONF_TYPES:
            raise CoxError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.any(~np.isfinite(t)) or np.any(t < 0):
            raise CoxError("times must be finite and >= 0")
        newdata = newdata_frame(newdata)
        z = self._design.transform(newdata) - self._center
        lp = z @ self._beta
        strata = self._newstrata(newdata)
        return _baseline.predict_survival(
            self._baseline, z, lp, strata, t, self._var, conf_type, self.conf_level, newdata.index
        )

    def _newstrata(self, newdata: pd.DataFrame) -> np.ndarray:
        if not self.strata:
            return np.zeros(len(newdata), dtype=np.int64)
        missing = [c for c in self.strata if c not in newdata.columns]
        if missing:
            raise CoxError(f"the fit is stratified by {self.strata}: newdata needs {missing}")
        lookup = {k: i for i, k in enumerate(self._strata_levels or [])}
        codes = []
        for k in strata_keys(newdata, self.strata):
            if k not in lookup:
                raise CoxError(
                    f"stratum {k!r} was not in the fitted data (strata {self._strata_levels})"
                )
            codes.append(lookup[k])
        return np.asarray(codes, dtype=np.int64)

    def partial_effect(
        self,
        variable: str,
        values: Sequence[Any] | None = None,
        *,
        reference: Any = None,
        at: Mapping[str, Any] | None = None,
        n: int = 100,
    ) -> PartialEffect:
        """Hazard ratio of ``variable`` over ``values`` against ``reference``, with a
        pointwise CI, through every term that contains it (a spline, an interaction); see
        :func:`lms_prognosis.cox.partial.partial_effect`.

        Examples
        --------
        >>> from lms_prognosis.cox.fit import fit_cox
        >>> df = pd.DataFrame({"time": [5, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
        ...                    "event": [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ...                    "age": [70, 60, 65, 50, 40, 61, 45, 48, 66, 42, 44, 39]})
        >>> fit_cox(df, ["age"]).partial_effect("age", [50, 70], reference=60).table.round(3)
           value  log_hr     se     hr  lower  upper
        0     50  -0.582  0.332  0.559  0.292  1.071
        1     70   0.582  0.332  1.789  0.934  3.429
        """
        return _partial.partial_effect(self, variable, values, reference=reference, at=at, n=n)

    def check_ph(self, transform: str = "km") -> PHTest:
        """Test proportional hazards: R ``cox.zph(fit, transform=)`` of survival >= 3.

        Parameters
        ----------
        transform : {"km", "rank", "identity"}
            Time scale of the test ("km": 1 - KM(t-) of the pooled data, R's default).

        Returns
        -------
        PHTest
            ``.table`` (term, chisq, df, p; a factor is one term with df = levels - 1, last
            row GLOBAL) and ``.residuals`` (scaled Schoenfeld residuals, long).

        Notes
        -----
        The score test of Grambsch & Therneau computed as survival 3.x does (at (beta, 0) of
        the model augmented with g(t) x); lifelines' ``proportional_hazard_test`` is the older
        approximation and gives different numbers.

        References
        ----------
        Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on
        weighted residuals. Biometrika 1994;81:515-26.

        Examples
        --------
        >>> from lms_prognosis.cox.fit import fit_cox
        >>> df = pd.DataFrame({"time": [5, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
        ...                    "event": [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ...                    "age": [70, 60, 65, 50, 40, 61, 45, 48, 66, 42, 44, 39]})
        >>> fit_cox(df, ["age"]).check_ph().table.round(3)
             term  chisq  df      p
        0     age  0.019   1  0.889
        1  GLOBAL  0.019   1  0.889
        """
        return cox_zph(self, transform)

    # ---- display ------------------------------------------------------------------------
    def _heading(self) -> str:
        strata = f", strata={self.strata}" if self.strata else ""
        return f"CoxResult (ties={self.ties}{strata}): n={self.n}, events={self.n_events}"

    def _summary_lines(self) -> list[str]:
        lr = self.tests.iloc[0]
        lines = [f"likelihood ratio test {lr.statistic:.2f} on {lr.df} df, {format_p(lr.p)}"]
        data = [f"{k}={v!r}" for k, v in (("start", self.start), ("weights", self.weights)) if v]
        if data:
            lines.append("data: " + ", ".join(data))
        if self.robust:
            by = (
                f"clusters of {self.cluster!r}"
                if self.cluster
                else "each row (non-integer weights)"
            )
            lines.append(f"robust (sandwich) standard errors by {by}; naive_se in .hazard_ratios")
        return lines

    def _display_frame(self) -> pd.DataFrame:
        return hr_display(self.hazard_ratios, self.conf_level)
