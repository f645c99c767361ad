"""Cox proportional hazards regression that agrees with R's ``survival::coxph``.

``fit_cox`` checks its input through the package's one survival-input check
(``lms_prognosis._survdata.survival_data``: event codes, negative times, R's ``timefix``, rows
with a missing value left out and reported), builds the design matrix
(:func:`lms_prognosis.cox.design.design_matrix`) and fits by the one Newton-Raphson solver
(:func:`lms_prognosis.cox.engine.newton_raphson`) from beta = 0 with Efron (default) or
Breslow ties and optional strata. Problems (an infinite coefficient from separation, a
constant or collinear covariate, too few events per variable) raise a :class:`CoxWarning`
that names the covariate and says what to do; non-convergence a ConvergenceWarning.

The engine is our own vectorised numpy code, not lifelines or scikit-survival: it reproduces
R's iteration path and convergence rule exactly, gives the score test and R's per-patient
survival confidence intervals (lifelines' predicted survival has none, lifelines issue 344),
and is faster than both at every sample size (``benchmarks/bench_cox.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis.cox._design_stats import stacked_copy
from lms_prognosis.cox._layout import FitRows, prepare_rows
from lms_prognosis.cox._robust import robust_variance
from lms_prognosis.cox.design import (
    Design,
    design_matrix,
    drop_aliased,
    strata_keys,
    strata_order,
    term_variables,
)
from lms_prognosis.cox.engine import (
    EPS,
    TOLER_INF,
    NRResult,
    Prepared,
    newton_raphson,
)
from lms_prognosis.cox.penalised import fit_cox_penalised
from lms_prognosis.cox.pool import is_imputed, pool_imputed
from lms_prognosis.cox.result import CoxResult
from lms_prognosis.cox.zph import PHTest
from lms_prognosis.exceptions import CoxError, CoxWarning

__all__ = ["fit_cox", "CoxResult", "CoxWarning", "CoxError", "PHTest"]

MIN_EVENTS_PER_VARIABLE = 10
EPV_SOURCE = (
    "Peduzzi P et al. J Clin Epidemiol 1995;48:1503-10 (>= 10 events per variable for Cox models)"
)


def fit_cox(
    df: Any,
    covariates: Sequence[str] | str,
    time: str = "time",
    event: str = "event",
    ties: str = "efron",
    strata: Sequence[str] | str | None = None,
    conf_level: float = 0.95,
    *,
    weights: str | None = None,
    cluster: str | None = None,
    start: str | None = None,
    penalty: str | None = None,
    **penalty_options: Any,
) -> CoxResult:
    """Fit a Cox proportional hazards model as R ``coxph``.

    Parameters
    ----------
    df : DataFrame, Cohort or Imputed
        One row per patient; an :class:`~lms_prognosis.impute.Imputed` (``lp.impute(...)``)
        is fitted once per completed data set and pooled by Rubin's rules: the result is then
        a :class:`~lms_prognosis.cox.pool.PooledResult` (see ``lms_prognosis.cox.pool``).
    covariates : list of str
        Columns of ``df`` or formula terms. Numeric columns enter as they are; boolean
        columns as True vs False; categorical/object columns with treatment contrasts (first
        level the reference: a Categorical's first category, else the sorted first value).
        Terms: ``"age:grade"`` (interaction), ``"age*grade"`` (both main effects and their
        interaction), ``"ns(size_cm, df=3)"`` or ``"ns(size_cm, knots=[2, 5, 8])"`` (R's
        ``splines::ns``), ``"rcs(age, 4)"`` or ``"rcs(age, [40, 55, 65, 75])"``
        (``rms::rcs``); parsed by formulaic, coded as R's ``model.matrix``, knots placed on
        the non-missing values of the variable in ``df`` (as R's ``model.frame``) and kept
        for predictions.
    time, event : str
        Follow-up time (months) and event code: 0 censored, 1 event, 2 competing event
        (counted as censored: a cause-specific hazard model). R's 1/2 status, text codes and
        other codes are refused (:class:`~lms_prognosis.SurvivalDataError`, with the fix).
        With ``start``, ``time`` is the stop time of each interval.
    ties : {"efron", "breslow"}
        Handling of tied event times (R's default, Efron).
    strata : str or list of str, optional
        Column(s) defining strata with separate baseline hazards.
    conf_level : float
        Level of the hazard-ratio confidence intervals.
    weights : str, optional
        Column of case weights (R ``weights=``), finite and > 0 in every row (R refuses a
        weight of 0 too).
    cluster : str, optional
        Column grouping correlated rows (centre, patient with several tumours or intervals):
        ``se`` becomes the robust sandwich standard error and ``naive_se`` the model-based
        one (R ``cluster=``). As in R, non-integer weights also give the robust variance,
        each row its own cluster.
    start : str, optional
        Column of entry times for counting-process data ``(start, time]`` (R
        ``Surv(start, stop, event)``): time-varying covariates (one row per interval) or
        late entry (left truncation). ``start < time`` in every row.
    penalty : {"lasso", "ridge", "elasticnet"}, optional
        A penalised Cox model (R ``glmnet``), with ``l1_ratio=``, ``alpha=`` (None: chosen
        by cross-validation), ``n_folds=``, ``seed=``, ``rule=``: returns a
        :class:`~lms_prognosis.cox.penalised.PenalisedCoxResult`; see
        :func:`~lms_prognosis.cox.penalised.fit_penalised`.

    Returns
    -------
    CoxResult

    Raises
    ------
    SurvivalDataError
        R's 1/2 status, text or undeclared event codes, negative times, no usable row.
    ColumnNotFoundError
        A named column is not in ``df``.
    CoxError
        No events, bad options, no covariate left to fit; a formula term on a column that
        is not there (naming the term), a spline of a binary or non-numeric column; missing
        or zero weights (naming the rows); a cluster column that puts every row in its own cluster.

    Warns
    -----
    CoxWarning
        Rows left out for missing values (listed in ``.dropped``); a covariate constant
        among the complete cases or collinear with others (dropped); too few events per
        variable; an infinite coefficient (separation / monotone likelihood), naming the
        term and what to do.
    ConvergenceWarning
        The iteration limit was reached first (R: "Ran out of iterations and did not
        converge").

    Notes
    -----
    R conventions (``survival`` 3.x ``coxph``): Newton-Raphson from beta = 0 with step
    halving, converged when the relative change of the log partial likelihood is below
    1e-9 (``coxph.control(eps = 1e-9, iter.max = 20)``); covariates are centred at their
    means internally (the coefficients do not change). Complete cases over time, event,
    covariates and strata, like R's ``na.action = na.omit``, with every row left out in
    ``.dropped``. Times that differ only by floating-point rounding are merged into one tie,
    as R's ``timefix = TRUE`` (``aeqSurv``), by the same rule as every other entry point.

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
    Efron B. The efficiency of Cox's likelihood function for censored data. JASA
    1977;72:557-65.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 200
    >>> age = rng.normal(60, 10, n).round()
    >>> grade = rng.choice(["1", "2", "3"], n)
    >>> t = rng.exponential(60 * np.exp(-0.03 * (age - 60) - 0.7 * (grade == "3")))
    >>> c = rng.uniform(12, 120, n)
    >>> df = pd.DataFrame({"time": np.minimum(t, c).round(1), "event": (t <= c).astype(int),
    ...                    "age": age, "grade": pd.Categorical(grade, categories=["1", "2", "3"])})
    >>> fit = fit_cox(df, ["age", "grade"])
    >>> fit
    CoxResult (ties=efron): n=200, events=140
    likelihood ratio test 23.60 on 3 df, p < 0.001
        term      HR (95% CI)         p
         age 1.02 (1.00–1.04) p = 0.093
    grade[2] 1.34 (0.87–2.07)  p = 0.18
    grade[3] 2.55 (1.69–3.85) p < 0.001
    >>> new = pd.DataFrame({"age": [50, 70], "grade": ["1", "3"]}, index=["A", "B"])
    >>> fit.predict_survival(new, [12, 60]).round(3)
      patient  time   surv  std_err  lower  upper  cumhaz
    0       A  12.0  0.852    0.032  0.792  0.916   0.160
    1       A  60.0  0.482    0.069  0.364  0.640   0.729
    2       B  12.0  0.564    0.061  0.456  0.698   0.572
    3       B  60.0  0.074    0.035  0.029  0.186   2.606
    >>> fit.check_ph().table.round(2)
         term  chisq  df     p
    0     age   1.05   1  0.31
    1   grade   4.58   2  0.10
    2  GLOBAL   5.26   3  0.15
    >>> round(fit.concordance, 4), round(fit.concordance_se, 4)
    (0.6051, 0.0266)

    These are R's numbers: ``coxph(Surv(time, event) ~ age + grade)``, ``survfit(fit,
    newdata = new)``, ``cox.zph(fit)`` and ``summary(fit)$concordance`` on the same data.

    A spline is one term in the Wald tests and ``check_ph``; ``cluster=`` gives robust SEs:

    >>> df["centre"] = rng.integers(0, 40, n)
    >>> fit2 = fit_cox(df, ["ns(age, df=3)", "grade"], cluster="centre")
    >>> fit2.term_tests.round(3)
                term   chisq  df      p
    0  ns(age, df=3)  11.688   3  0.009
    1          grade  21.646   2  0.000
    >>> fit2.hazard_ratios[["term", "se", "naive_se"]].round(3).head(2)
                   term     se  naive_se
    0  ns(age, df=3)[1]  0.416     0.399
    1  ns(age, df=3)[2]  1.798     1.490
    """
    if penalty is not None or penalty_options:  # glmnet-style fit: cox/penalised.py
        unsupported = dict(strata=strata, weights=weights, cluster=cluster, start=start)
        opts = {"penalty": penalty, **unsupported, **penalty_options}
        return fit_cox_penalised(df, covariates, time, event, **opts)
    if is_imputed(df):  # lp.impute(...): one fit per data set, pooled (cox/pool.py)
        kw = dict(time=time, event=event, ties=ties, strata=strata, conf_level=conf_level)
        return pool_imputed(df, fit_cox, covariates, **kw)
    covs, strata_cols = _check_arguments(covariates, strata, ties, conf_level)
    frame = as_frame(df)
    cols = frame.columns
    used = term_variables(covs, cols)
    _check_weights_cluster(frame, weights, cluster)
    sd = survival_data(
        frame,
        time,
        event,
        covariates=used,
        strata=strata_cols,
        start=start,
        weights=weights,
        cluster=cluster,
    )
    if not sd.dropped.empty:
        warnings.warn(
            f"{sd.dropped['row'].nunique()} of {sd.n_input} rows dropped for missing "
            f"values (see .dropped)",
            CoxWarning,
            stacklevel=2,
        )
    ev = (sd.event == 1).astype(np.int8)
    n_events = int(ev.sum())
    if n_events == 0:
        raise CoxError("no events among the complete cases: a Cox model cannot be fitted")
    # the collinearity check runs on the engine's centred, sorted copy (no second one)
    design = design_matrix(sd.view, covs, stacklevel=3, knot_data=frame, drop_collinear=False)
    if sd.weights is not None:
        design = _weighted_means(design, sd.weights)
    levels, codes = _strata_codes(sd.view, strata_cols)
    clusters = None if cluster is None else pd.factorize(sd.view[cluster])[0]
    kept = _Kept(sd.view, sd.keep, sd.columns, sd.dropped, sd.n, sd.weights)
    rows = FitRows(sd.time, ev, codes, sd.weights, sd.start, ties == "efron", sd.grid_step)
    del sd  # its times in the caller's order: the result keeps the layout's sorted ones
    prep, rows = _sorted_layout(design, rows)
    design, keep = drop_aliased(design, prep.xt @ prep.xt.T, stacklevel=3)
    if len(keep) < prep.xt.shape[0]:
        prep.drop_columns(keep)
    if strata_cols:
        design, prep = _drop_flat_within_strata(design, prep, strata_cols)
    _warn_events_per_variable(n_events, len(design.names))
    nr = newton_raphson(prep, stacklevel=3)
    _warn_separation(nr, design, ev)
    var, naive = _variance(nr, prep, kept.weights, clusters)
    del prep  # the result rebuilds the sorted layout from its own copy when a method needs it
    spec = dict(time=time, event=event, strata=strata_cols, ties=ties, conf_level=conf_level)
    spec.update(weights=weights, cluster=cluster, start=start)
    return _result(spec, frame, kept, design, nr, (var, naive), rows, levels, clusters)


def _result(
    spec: dict[str, Any],
    frame: pd.DataFrame,
    kept: _Kept,
    design: Design,
    nr: NRResult,
    variances: tuple[np.ndarray, np.ndarray | None],
    rows: FitRows,
    levels: list[Any] | None,
    clusters: np.ndarray | None,
) -> CoxResult:
    """The CoxResult, with its own copies of the data used (made after the fit, when the
    engine's sorted copy is gone)."""
    own = _owned_columns(kept, design)
    keep = kept.keep
    entry = (spec["start"], spec["weights"])
    return CoxResult(
        covariates=design.covariates,
        n=kept.n,
        n_events=int(rows.event.sum()),
        dropped=kept.dropped,
        iterations=nr.iterations,
        converged=nr.converged,
        _design=own.design,
        _beta=nr.beta,
        _var=variances[0],
        _loglik=(nr.loglik0, nr.loglik),
        _score=nr.score_test,
        _rows=rows,
        _columns=own.frame,
        _column_order=own.order,
        _from_design=own.from_design,
        _outcome=(_kept_copy(frame[spec["time"]], keep), _kept_copy(frame[spec["event"]], keep)),
        _strata_levels=levels,
        _naive_var=variances[1],
        _cluster_codes=clusters,
        _entry_weight={c: _kept_copy(frame[c], keep) for c in entry if c},
        **spec,
    )


@dataclass(frozen=True)
class _Kept:
    """What ``fit_cox`` needs of its ``SurvData`` after sorting (so the checked times in the
    caller's order can be freed before the engine runs)."""

    view: pd.DataFrame  # the rows analysed (the caller's frame itself when none was left out)
    keep: np.ndarray | None  # rows kept (None: all)
    columns: tuple[str, ...]  # the other columns used
    dropped: pd.DataFrame
    n: int
    weights: np.ndarray | None


def _sorted_layout(design: Design, rows: FitRows) -> tuple[Prepared, FitRows]:
    """The engine's layout, and the rows with the layout's sorted times and order in place of
    the caller-order times (one array of times, not two)."""
    prep = prepare_rows(design.columns, design.center, rows)
    return prep, replace(rows, time=prep.time, order=prep.order)


def _weighted_means(design: Design, w: np.ndarray) -> Design:
    """R ``fit$means`` of a weighted fit: weighted column means (still 0 for 0/1 columns)."""
    total = float(w.sum())
    if total <= 0:
        raise CoxError("the weights sum to 0: no row carries any weight")
    center = np.array([float(c @ w) / total for c in design.columns])
    unit = design.means == 0
    means = np.where(unit & (design.center != 0), 0.0, center)
    return replace(design, center=center, means=means)


def _check_weights_cluster(frame: pd.DataFrame, weights: str | None, cluster: str | None) -> None:
    """Missing weights are an error (not a row silently left out); so is a cluster column
    that gives every row its own cluster."""
    if weights is not None and weights in frame.columns:
        miss = frame[weights].isna().to_numpy()
        if miss.any():
            rows = frame.index[miss][:5].tolist()
            raise CoxError(
                f"weights column {weights!r} is missing in {int(miss.sum())} row(s), e.g. "
                f"{rows}; give every row a weight (df[{weights!r}].fillna(1) if unweighted) "
                f"or leave those rows out"
            )
        zero = (frame[weights] == 0).to_numpy()
        if zero.any():
            rows = frame.index[zero][:5].tolist()
            raise CoxError(
                f"weights column {weights!r} is 0 in {int(zero.sum())} row(s), e.g. {rows}; "
                f"a Cox model needs weights > 0 (R's coxph: 'Invalid weights, must be >0'): "
                f"leave those rows out, e.g. df[df[{weights!r}] > 0]"
            )
    if cluster is not None and cluster in frame.columns:
        values = frame[cluster].dropna()
        if len(values) > 1 and values.nunique() == len(values):
            raise CoxError(
                f"cluster column {cluster!r} gives every one of the {len(values)} rows its "
                f"own cluster (clusters of one): there is nothing to cluster. Pass the column "
                f"that groups correlated rows (centre, or patient when a patient has several "
                f"rows), e.g. cluster='patient_id' with one row per tumour or interval"
            )


def _variance(
    nr: NRResult, prep: Prepared, w: np.ndarray | None, codes: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(variance, model-based variance or None): robust with clusters or non-integer weights
    (R ``coxph``: ``robust`` is TRUE with a cluster or non-integer weights)."""
    fractional = w is not None and bool(np.any(w != np.floor(w)))
    if codes is None and not fractional:
        return nr.var, None
    return robust_variance(prep, nr.beta, nr.var, codes), nr.var


def _check_arguments(
    covariates: Sequence[str] | str,
    strata: Sequence[str] | str | None,
    ties: str,
    conf_level: float,
) -> tuple[list[str], list[str] | None]:
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    strata_cols = [strata] if isinstance(strata, str) else (list(strata) if strata else None)
    if ties not in ("efron", "breslow"):
        raise CoxError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if not 0 < conf_level < 1:
        raise CoxError(f"conf_level must be between 0 and 1, got {conf_level}")
    if len(set(covs)) != len(covs):
        raise CoxError(f"covariates listed twice: {covs}")
    if not covs:
        raise CoxError("no covariates given: name at least one column")
    return covs, strata_cols


def _kept_copy(col: pd.Series, keep: np.ndarray | None) -> np.ndarray:
    """A copy of the values of ``col`` in the rows analysed."""
    values = col.to_numpy()
    return values.copy() if keep is None else values[keep]


#: a frame with no columns, given the rows' index when a result needs no column copied
_NO_COLUMNS = pd.DataFrame(index=pd.RangeIndex(0))


@dataclass(frozen=True)
class _Owned:
    design: Design  # its columns are the result's own copies
    frame: pd.DataFrame  # the other columns used (factors, strata, cluster, ...): a copy
    order: tuple[str, ...]  # every column used, in the order of ``CoxResult.data``
    from_design: dict[str, int]  # float64 covariates stored once, as design columns


def _owned_columns(kept: _Kept, design: Design) -> _Owned:
    """The result's copy of the data used, each value stored once.

    A float64 covariate entering the model as it is equals its design column (a view of the
    frame's column, which ``design_columns`` takes without a copy), so the design column's copy
    serves as both (``CoxResult.data`` reads it from there); every other column
    used (factors, booleans, integers, spline and interaction variables, strata, cluster,
    dropped covariates) is copied from the frame.
    """
    cols = design.columns
    if len(cols) * kept.n <= 1 << 16 or not all(c.flags.c_contiguous for c in cols):
        columns = list(stacked_copy(cols))  # the rows of one (p, n) array
    else:
        columns = [c.copy() for c in cols]
    view = kept.view
    from_design: dict[str, int] = {}
    j = 0
    for t in design.terms:
        # a design column that does not own its data is the frame's own float64 column (any
        # other dtype is converted into a new array): no dtype lookup in the frame needed
        if t.kind == "numeric" and t.composite is None and not cols[j].flags.owndata:
            from_design[t.covariate] = j
        j += len(t.names)
    rest = [c for c in kept.columns if c not in from_design]
    if not rest:
        frame = _NO_COLUMNS.set_axis(view.index)
    elif view.columns.is_unique:  # take() by position copies, at a third of the cost of [...]
        frame = view.take([int(view.columns.get_loc(c)) for c in rest], axis=1)  # type: ignore[arg-type]
    else:
        frame = view[rest].copy()
    return _Owned(replace(design, columns=columns), frame, tuple(kept.columns), from_design)


def _strata_codes(
    frame: pd.DataFrame, strata: list[str] | None
) -> tuple[list[Any] | None, np.ndarray | None]:
    """Distinct strata in R's order, and each row's stratum code."""
    if not strata:
        return None, None
    keys = strata_keys(frame, strata)
    levels = strata_order(frame, strata, keys)
    lookup = {k: i for i, k in enumerate(levels)}
    return levels, np.fromiter((lookup[k] for k in keys), dtype=np.int64, count=len(keys))


def _drop_flat_within_strata(
    design: Design, prep: Prepared, strata: list[str]
) -> tuple[Design, Prepared]:
    """Columns with no variation inside any stratum: not estimable (R: NA), dropped."""
    starts = np.flatnonzero(np.r_[True, prep.stratum[1:] != prep.stratum[:-1]])
    flat = []
    for j, nm in enumerate(design.names):
        row = prep.xt[j]
        if np.all(np.maximum.reduceat(row, starts) == np.minimum.reduceat(row, starts)):
            warnings.warn(
                f"{nm} is constant within every stratum of {strata}: its effect "
                f"cannot be estimated in a stratified model (R gives NA); it was "
                f"dropped",
                CoxWarning,
                stacklevel=3,
            )
            flat.append(j)
    if not flat:
        return design, prep
    keep = [j for j in range(len(design.names)) if j not in flat]
    if not keep:
        raise CoxError("no covariate left to fit (all are constant within strata)")
    prep.drop_columns(keep)
    return design.select(keep), prep


def _warn_events_per_variable(n_events: int, p: int) -> None:
    if n_events / p < MIN_EVENTS_PER_VARIABLE:
        warnings.warn(
            f"only {n_events / p:.1f} events per coefficient ({n_events} events, "
            f"{p} coefficients): estimates may be biased and unstable; use fewer "
            f"covariates. Rule of thumb >= {MIN_EVENTS_PER_VARIABLE} "
            f"[{EPV_SOURCE}]",
            CoxWarning,
            stacklevel=3,
        )


def _diverging(nr: NRResult, design: Design, ev: np.ndarray) -> np.ndarray:
    """Coefficients that may be infinite: R ``coxph.fit``'s rule, plus certain separation."""
    with np.errstate(invalid="ignore", over="ignore"):
        infs = np.abs(nr.u @ nr.var)
    if nr.converged:  # R coxph.fit's rule ("Loglik converged before variable ...")
        flagged = (infs > EPS) & (infs > TOLER_INF * np.abs(nr.beta))
    else:  # R checks nothing here; we flag a pending Newton step larger than the SE
        with np.errstate(invalid="ignore"):
            flagged = infs > np.sqrt(np.abs(np.diag(nr.var)))
    flagged |= ~np.isfinite(infs) | ~np.isfinite(nr.beta) | (np.diag(nr.var) == 0)
    # a factor level / boolean with no events (or all of them) is certain separation
    kinds = [t.kind for t in design.terms for _ in t.names]
    for j, kind in enumerate(kinds):
        if kind in ("factor", "bool"):
            in_level = design.columns[j] == 1
            if ev[in_level].sum() == 0 or ev[~in_level].sum() == 0:
                flagged[j] = True
    return np.asarray(flagged)


def _warn_separation(nr: NRResult, design: Design, ev: np.ndarray) -> None:
    term_of = {nm: t for t in design.terms for nm in t.names}
    for j in np.flatnonzero(_diverging(nr, design, ev)):
        nm = design.names[j]
        t = term_of[nm]
        if t.kind in ("factor", "bool"):
            in_level = design.columns[j] == 1
            level = nm[len(t.covariate) + 1 : -1] if t.kind == "factor" else "True"
            if ev[in_level].sum() == 0:
                msg = (
                    f"{nm} has no events in level {level!r}: the hazard ratio is infinite "
                    f"(separation); merge levels or drop {t.covariate}"
                )
            elif ev[~in_level].sum() == 0:
                msg = (
                    f"{nm}: every event is in level {level!r}: the hazard ratio is "
                    f"infinite (separation); merge levels or drop {t.covariate}"
                )
            else:
                msg = (
                    f"{nm}: the coefficient is diverging (monotone likelihood), the hazard "
                    f"ratio may be infinite (separation); merge levels or drop "
                    f"{t.covariate}"
                )
        else:
            msg = (
                f"{nm}: the coefficient is diverging (monotone likelihood, R: 'coefficient "
                f"may be infinite'): the covariate (nearly) perfectly orders who has the event "
                f"first; drop it, categorise it or check its coding ({t.covariate})"
            )
        warnings.warn(msg, CoxWarning, stacklevel=3)
