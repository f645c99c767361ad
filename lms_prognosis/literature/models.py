"""Published leiomyosarcoma prognostic models, applied to a cohort with a stated baseline.

Four models are shipped (``list_models()``):

``gustafson1992``
    Age >= 60 RR 8, vascular invasion RR 4, DNA aneuploidy RR 4, necrosis RR 3; death from
    tumour; n = 48. **Only age and vascular invasion were statistically significant.**
``lms_default``
    The moderate design set (docs/evidence.md section 6.2) [D]: not a fitted model, with the basis of each value.
``sin2003``
    The SIN counting rule (large size, vascular invasion, necrosis; 2-3 = high risk), endpoint
    metastasis-free survival.
``chapel2022``
    The Chapel 2022 stage I uterine LMS points score (groups 0-2 / 3-5 / 6-13).

Every number lives in :mod:`lms_prognosis.literature.data` next to its source and evidence
marker ([V] read, [V2] secondary, [U] unverified, [D] derived).

Examples
--------
>>> import pandas as pd
>>> m = published_model("gustafson1992")
>>> df = pd.DataFrame({"patient_id": ["a", "b"], "time": [10.0, 20.0], "event": [1, 0],
...                    "age": [70.0, 50.0], "vascular_invasion": [True, False],
...                    "aneuploidy": [False, False], "necrosis": ["none", "none"]})
>>> m.apply(df)[["patient_id", "relative_risk", "risk_group"]]
  patient_id  relative_risk    risk_group
0          a           32.0  intermediate
1          b            1.0           low
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._survdata import SurvData
from lms_prognosis.exceptions import EndpointMismatchError, ModelError
from lms_prognosis.literature import _scoring
from lms_prognosis.literature import data as _lit
from lms_prognosis.literature._cohort_rows import (
    cohort_parts,
    dropped_tables,
    outcome_of,
    patient_ids,
)
from lms_prognosis.literature._model_text import (
    CI_LEGEND,
    FACTOR_HEADER,
    KIND_TEXT,
    MARKERS_LEGEND,
    factor_line,
    factors_table,
    model_inputs,
    requirements_text,
    slope_line,
)
from lms_prognosis.literature._recalibration import recalibrated
from lms_prognosis.literature._risk_groups import risk_groups_text
from lms_prognosis.literature._risk_table import long_survival, provenance, risk_table
from lms_prognosis.literature.baseline import Baseline, weibull_baseline
from lms_prognosis.literature.design import model_design
from lms_prognosis.literature.population import Population, check_endpoint
from lms_prognosis.literature.results import ModelApplication, Recalibration

__all__ = [
    "PublishedModel",
    "ModelApplication",
    "Recalibration",
    "Baseline",
    "published_model",
    "model_design",
    "EndpointMismatchError",
]


@dataclass(repr=False)
class PublishedModel:
    """A published (or proposed) prognostic model with its factors, sources and baseline.

    Use :func:`published_model` to get one. ``apply`` scores a cohort; ``recalibrate`` refits
    the baseline (and reports the calibration slope) on a local cohort. Every number it uses
    is a record of :mod:`lms_prognosis.literature.data` with its source and evidence marker.

    Examples
    --------
    >>> m = published_model("gustafson1992")
    >>> m.kind, m.model_type, m.endpoint, m.n, m.coefficients.round(3).to_dict()["age_ge_60"]
    ('published', 'cox', 'DSS', 48, 2.079)
    """

    name: str
    title: str
    kind: str
    model_type: str
    endpoint: str
    population: Population
    n: int | None
    source: str
    caveat: str
    records: tuple[_lit.Factor, ...]
    baseline: Baseline
    calibration_slope: float | None = None
    calibration_slope_se: float | None = None
    notes: list[str] = field(default_factory=list)
    recalibration: Recalibration | None = None
    citation: str = ""
    lp_scale: float = 1.0  # the slope of recalibrate(method="slope"): effects x lp_scale

    # ---- description ------------------------------------------------------------------------
    @property
    def factors(self) -> pd.DataFrame:
        """Factors as a tidy table (factor, term, hr, points, lower, upper, significant, ...)."""
        return factors_table(self.records)

    @property
    def table(self) -> pd.DataFrame:
        """The factors table (as :attr:`factors`)."""
        return self.factors

    @property
    def coefficients(self) -> pd.Series:
        """Log hazard ratios (cox models) or points (points systems) by term; after
        ``recalibrate(method="slope")`` the log hazard ratios times the slope."""
        vals = [math.log(r.value) if r.measure in ("HR", "RR") else r.value for r in self.records]
        return pd.Series(vals, index=[r.term for r in self.records], dtype=float) * self.lp_scale

    @property
    def inputs(self) -> tuple[str, ...]:
        """The cohort columns the model reads (each missing one leaves a patient out by
        default)."""
        return model_inputs(self.model_type, [r.term for r in self.records])

    @property
    def requirements(self) -> str:
        """What the model needs that routine data may lack, stated up front ("" if nothing).

        Examples
        --------
        >>> published_model("gustafson1992").requirements[:36]
        'needs DNA ploidy (column aneuploidy)'
        """
        return requirements_text(self.inputs)

    @property
    def risk_groups(self) -> str:
        """How risk groups are cut (stated)."""
        return risk_groups_text(self.name)

    def __repr__(self) -> str:
        lines = [
            f"PublishedModel {self.name!r}: {self.title}",
            f"  kind: {KIND_TEXT[self.kind]}",
            f"  endpoint: {self.endpoint}; population: {self.population}; n = {self.n}",
            f"  inputs: {', '.join(self.inputs)}",
        ]
        if self.requirements:
            lines.append(f"  NOTE: {self.requirements}")
        lines += [f"  source: {self.source}", f"  {FACTOR_HEADER}"]
        lines += [factor_line(r) for r in self.records]
        lines += [
            f"  {MARKERS_LEGEND}",
            f"  {CI_LEGEND}",
            f"  caveat: {self.caveat}",
            f"  risk groups: {self.risk_groups}",
            f"  baseline: {self.baseline.label}",
        ]
        if self.calibration_slope is not None:
            lines.append(
                slope_line(
                    self.model_type,
                    self.calibration_slope,
                    self.calibration_slope_se,
                    self.lp_scale != 1.0,
                )
            )
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def _repr_html_(self) -> str:
        return f"<pre>{self.__repr__()}</pre>" + self.factors.drop(columns=["source"]).to_html()

    # ---- scoring -----------------------------------------------------------------------------
    def score(
        self,
        cohort: Any,
        horizons: Sequence[float] = (12, 36, 60),
        missing: str = "exclude",
        allow_endpoint_mismatch: bool = False,
        *,
        time: str | None = "time",
        event: str | None = "event",
        allow_outside_population: bool = False,
    ) -> ModelApplication:
        """Score a cohort: per-patient risks, the rows left out and why (a result).

        Parameters are those of :meth:`apply`.

        Returns
        -------
        ModelApplication
            ``.table`` (as :meth:`apply` returns), ``.n``, ``.dropped`` (row, column, value,
            reason), ``.notes``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [5.0, 9.0], "event": [1, 0], "age": [70.0, 50.0],
        ...                    "vascular_invasion": [True, None], "aneuploidy": [False, False],
        ...                    "necrosis": ["none", "none"]})
        >>> res = published_model("gustafson1992").score(df, horizons=[60])
        >>> res.n, res.table["surv_60m"].round(3).tolist()  # 0.99284 ** (8 * 4)
        (1, [0.795])
        >>> res.dropped
           row             column value   reason
        0    1  vascular_invasion  None  missing
        """
        data, endpoint, _ = cohort_parts(cohort)
        outcome = outcome_of(data, time, event)
        return self._score(
            data,
            endpoint,
            tuple(horizons),
            missing,
            allow_endpoint_mismatch,
            outcome,
            allow_outside_population,
        )[0]

    def _score(
        self,
        data: pd.DataFrame,
        endpoint: str | None,
        horizons: tuple[float, ...],
        missing: str,
        allow: bool,
        outcome: SurvData | None,
        allow_outside: bool = False,
    ) -> tuple[ModelApplication, np.ndarray]:
        """The result and the boolean mask of the rows scored."""
        _scoring.check_missing(self.name, self.model_type, missing)
        notes = check_endpoint(self.name, self.endpoint, endpoint, allow)
        if outcome is None:
            notes.append("no time/event columns given: follow-up not checked")
        outside, pop_notes = self.population.screen(data, self.name, allow_outside)
        lp, problems, more, marg = _scoring.linear_predictor(
            self.name, self.model_type, self.coefficients, data, missing
        )
        problems = sorted([*outside, *problems], key=lambda p: p.position)
        notes += pop_notes
        keep = np.ones(len(data), dtype=bool)
        keep[[p.position for p in problems]] = False
        if outcome is not None:
            scored = np.zeros(len(data), dtype=bool)
            scored[outcome.positions] = True
            keep &= scored
        pid = patient_ids(data)
        dropped, exclusions = dropped_tables(data.index, pid, problems, outcome)
        marg = _scoring.Marginal(marg.index[keep], marg.mixes, marg.columns[keep])
        table = risk_table(self, pid[keep], lp[keep], data.index[keep], horizons, marg)
        res = ModelApplication(
            self.name,
            table,
            dropped,
            self.baseline.label,
            missing,
            [*notes, *more],
            exclusions,
            provenance(self),
        )
        return res, keep

    def apply(
        self,
        cohort: Any,
        horizons: Sequence[float] = (12, 36, 60),
        missing: str = "exclude",
        allow_endpoint_mismatch: bool = False,
        *,
        time: str | None = "time",
        event: str | None = "event",
        allow_outside_population: bool = False,
    ) -> pd.DataFrame:
        """Per-patient linear predictor, relative risk, risk group and survival at horizons.

        Parameters
        ----------
        cohort : Cohort or DataFrame
            Canonical columns. A DataFrame carries no endpoint (the model's is assumed).
        horizons : sequence of float
            Months at which survival is given (columns ``surv_<h>m``).
        missing : {"exclude", "marginalise"}
            Default ``"exclude"``: a patient missing any model input is left out and listed
            in ``.attrs["dropped"]`` with the reason. ``"marginalise"`` (cox models only):
            survival is averaged over the missing factor's levels, S(t) = sum_k p_k
            S(t | x_k), with p_k the level's probability given the patient's observed factors
            (grade, necrosis, mitoses, vascular invasion, aneuploidy) in the simulator's
            somatic covariate model (docs/evidence.md section 6.1). The patient's
            ``linear_predictor`` is then the conditional mean of the LP (a ranking score),
            and ``marginalised`` names the inputs averaged over.
        allow_endpoint_mismatch : bool
            The cohort's endpoint must equal the model's unless True (then a
            :class:`~lms_prognosis.DataWarning`).
        allow_outside_population : bool, default False
            A patient outside the population the model was developed in (``model.population``:
            a site it did not study, another histology) is left out and listed in ``dropped``
            with the reason; :class:`~lms_prognosis.PopulationError` when every patient is.
            True scores them anyway, with a :class:`~lms_prognosis.DataWarning` and a note.
            A missing site, or a frame with no ``site`` column, is noted as not checked.
        time, event : str or None
            Follow-up and event columns. When the frame has them they go through the
            package's one survival-input check: R's 1/2 status, text or undeclared event
            codes and negative times are refused (:class:`~lms_prognosis.SurvivalDataError`),
            and a row with missing follow-up is left out and reported, as everywhere else.
            ``time=None`` (or a frame with neither column) scores without an outcome.

        Returns
        -------
        DataFrame
            patient_id, linear_predictor (sum of log HRs vs the reference patient; points for
            points systems), relative_risk (exp(LP) vs the reference patient), risk_group,
            surv_<h>m (full precision), baseline (which baseline was used), marginalised
            (inputs averaged over, "" if none), and the provenance of every row: model,
            model_kind ("published" or "design"), endpoint, population, source. ``.attrs`` holds ``dropped``
            (records: row, column, value, reason), ``n``, ``baseline_label``, ``notes``, and
            ``exclusions`` (deprecated: the 0.1 records with 1-based row and patient_id).
            :meth:`score` returns the same as a result object.

        Raises
        ------
        SurvivalDataError
            Unusable follow-up (R's 1/2 status, text or undeclared event codes, negative
            times).
        EndpointMismatchError
            The cohort's endpoint is not the model's.
        PopulationError
            Every patient is outside the model's population.

        Notes
        -----
        S(t | x) = exp(-H0(t) exp(LP)). H0 is the literature Weibull of docs/evidence.md section 6.3 (a
        derived [D] baseline) unless the model was recalibrated. Risk groups: see
        ``model.risk_groups``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [5.0, 9.0], "event": [2, 1], "age": [70.0, 50.0],
        ...                    "vascular_invasion": [True, False],
        ...                    "aneuploidy": [False, False], "necrosis": ["none", "none"]})
        >>> from lms_prognosis.exceptions import SurvivalDataError
        >>> try:  # R's 1/2 status is refused, as by every entry point
        ...     published_model("gustafson1992").apply(df)
        ... except SurvivalDataError as err:
        ...     print(type(err).__name__)
        SurvivalDataError
        """
        res = self.score(
            cohort,
            horizons,
            missing,
            allow_endpoint_mismatch,
            time=time,
            event=event,
            allow_outside_population=allow_outside_population,
        )
        out = res.table.reset_index(drop=True)
        out.attrs.update(
            dropped=res.dropped.to_dict("records"),
            n=res.n,
            exclusions=res.exclusions.to_dict("records"),
            baseline_label=res.baseline,
            notes=list(res.notes),
            provenance=dict(res.provenance),
        )
        return out

    def predict_risk(
        self, newdata: Any, missing: str = "exclude", *, allow_outside_population: bool = False
    ) -> pd.DataFrame:
        """Linear predictor and relative risk indexed like ``newdata`` (NaN if left out).

        No outcome is needed (or checked): this is prediction for new patients; the
        evaluation functions check the outcome themselves.

        Examples
        --------
        >>> import pandas as pd
        >>> new = pd.DataFrame({"age": [70.0], "vascular_invasion": [True],
        ...                     "aneuploidy": [False], "necrosis": ["none"]})
        >>> published_model("gustafson1992").predict_risk(new)["relative_risk"].tolist()
        [32.0]
        """
        data, _, _ = cohort_parts(newdata)
        res, _ = self._score(data, None, (), missing, True, None, allow_outside_population)
        return res.table[["linear_predictor", "relative_risk"]].reindex(data.index)

    def predict_survival(
        self,
        cohort: Any,
        times: Sequence[float],
        missing: str = "exclude",
        allow_endpoint_mismatch: bool = False,
        *,
        allow_outside_population: bool = False,
    ) -> pd.DataFrame:
        """Long table: patient (the frame's index), patient_id, time, surv, std_err, lower,
        upper, cumhaz. No CIs: published values carry no usable variance (NaN).

        No outcome is needed (or checked), as for :meth:`predict_risk`.

        Examples
        --------
        >>> import pandas as pd
        >>> new = pd.DataFrame({"age": [50.0], "vascular_invasion": [False],
        ...                     "aneuploidy": [False], "necrosis": ["none"]})
        >>> published_model("gustafson1992").predict_survival(new, [60])["surv"].round(3).tolist()
        [0.993]
        """
        data, endpoint, _ = cohort_parts(cohort)
        res, _ = self._score(
            data,
            endpoint,
            tuple(times),
            missing,
            allow_endpoint_mismatch,
            None,
            allow_outside_population,
        )
        return long_survival(res.table, times)

    def predict_lp_survival(self, cohort: Any, time_point: float | None = None) -> pd.DataFrame:
        """Linear predictor (``lp``) and, with ``time_point``, survival there (``surv``) of
        every row, indexed like the data (NaN if left out), from one scoring.

        The same numbers as :meth:`predict_risk` and :meth:`predict_survival` (with their
        rules: missing factors exclude the row, the population is checked, and with a time
        point the cohort's endpoint must be the model's), which score the data once each;
        the evaluation functions (``calibration``, ``concordance``, ``external_validation``)
        need both, so they call this.

        Examples
        --------
        >>> import pandas as pd
        >>> new = pd.DataFrame({"age": [50.0], "vascular_invasion": [False],
        ...                     "aneuploidy": [False], "necrosis": ["none"]})
        >>> published_model("gustafson1992").predict_lp_survival(new, 60).round(3)
            lp   surv
        0  0.0  0.993
        """
        data, endpoint, _ = cohort_parts(cohort)
        times = () if time_point is None else (float(time_point),)
        res, _ = self._score(data, endpoint if times else None, times, "exclude", not times, None)
        table = res.table.reindex(data.index)
        out = pd.DataFrame({"lp": table["linear_predictor"].to_numpy(float)}, index=data.index)
        if times:
            out["surv"] = table[f"surv_{times[0]:g}m"].to_numpy(float)
        return out

    def recalibrate(
        self,
        cohort: Any,
        missing: str = "exclude",
        allow_endpoint_mismatch: bool = False,
        *,
        time: str = "time",
        event: str = "event",
        ties: str = "breslow",
        allow_outside_population: bool = False,
        method: str = "baseline",
    ) -> PublishedModel:
        """Refit the baseline (and with ``method="slope"`` the slope) on a local cohort.

        The baseline cumulative hazard is that of a Cox model with the linear predictor as a
        fixed offset (Breslow by default: H0(t) = sum_{t_i <= t} d_i /
        sum_{j: t_j >= t_i} exp(LP_j); ``ties="efron"`` for Efron's correction), by the
        package's one baseline kernel. The calibration slope b is the coefficient of a Cox
        model (Efron ties) of the outcome on the published linear predictor: 1 = effects
        transport, < 1 = too extreme. ``method="baseline"`` (default) keeps the published
        linear predictor; ``method="slope"`` multiplies it (every log HR) by b and refits the
        baseline with the offset b x LP, so the model's calibration slope on this cohort
        becomes 1 (van Houwelingen, Stat Med 2000;19:3401-15). For points systems the per-point log HR is
        estimated by that fit and used as the offset's coefficient whatever ``method``.
        Event code 1 is the event; a competing event (2) counts as censored.

        Parameters
        ----------
        cohort : Cohort or DataFrame
            Needs the follow-up columns ``time`` and ``event``; they go through the one
            survival-input check (R's 1/2 status refused, missing follow-up left out and
            reported, near-tied times merged as R's ``aeqSurv``).
        missing, allow_endpoint_mismatch, allow_outside_population
            As for :meth:`apply`: patients outside the model's population are left out of
            the refit unless ``allow_outside_population=True``.
        time, event : str
            Follow-up and event columns.
        ties : {"breslow", "efron"}
            Tie handling of the refitted baseline.
        method : {"baseline", "slope"}
            Refit the baseline only, or the slope and the baseline.

        Returns
        -------
        PublishedModel
            Same factors; ``baseline`` refitted (kind ``ties``); ``calibration_slope`` set;
            ``lp_scale`` = b with ``method="slope"`` (``coefficients`` are then b x the log
            HRs; risk groups stay cut on the published linear predictor);
            ``recalibration`` is a :class:`Recalibration` result (n, events, method,
            ``.dropped``).

        Notes
        -----
        As R ``survfit(coxph(Surv(time, event == 1) ~ offset(lp), ties = ties), newdata =
        data.frame(lp = 0))`` and ``coxph(Surv(time, event == 1) ~ lp)``, pinned by
        ``tests/reference/literature.R``; ``method="slope"`` as ``offset(b * lp)`` with
        b = ``coef(coxph(Surv(time, event == 1) ~ lp))``, pinned by
        ``tests/reference/report_model.R``.

        Examples
        --------
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> m = published_model("lms_default").recalibrate(simulate_cohort(2000, seed=4))
        >>> m.baseline.kind, m.recalibration.n, round(m.calibration_slope, 2)
        ('breslow', 2000, 0.96)
        >>> s = published_model("lms_default").recalibrate(simulate_cohort(2000, seed=4),
        ...                                                method="slope")
        >>> round(s.lp_scale, 2), s.recalibration.method
        (0.96, 'slope')
        """
        args = (missing, allow_endpoint_mismatch, time, event, ties, allow_outside_population)
        return dataclasses.replace(self, **recalibrated(self, cohort, *args, method))


def published_model(name: str) -> PublishedModel:
    """Return a published model by name: see :func:`list_models`.

    Examples
    --------
    >>> published_model("gustafson1992").factors[["factor", "hr", "significant"]]
                               factor   hr  significant
    0                 age >= 60 years  8.0         True
    1  intratumoral vascular invasion  4.0         True
    2                  DNA aneuploidy  4.0        False
    3           tumour necrosis (any)  3.0        False
    """
    alias = dict(default="lms_default", sin="sin2003", chapel="chapel2022")
    alias["gustafson"] = "gustafson1992"
    key = alias.get(name, name)
    if key not in _lit.MODEL_INFO:
        raise ModelError(f"unknown model {name!r}; available: {', '.join(_lit.MODEL_INFO)}")
    info = _lit.MODEL_INFO[key]
    recs = tuple(r for r in _lit.FACTORS if r.model == key)
    if info["model_type"] == "cox":
        base = weibull_baseline(key)
    elif key == "sin2003":
        base = Baseline(
            "groups",
            "published 5-y MFS by SIN group (midpoint of the observer "
            "range 0.80-0.85 low, 0.43-0.48 high) [V]; other horizons not published",
            group_surv={
                "low": {60.0: _lit.constant("sin_5y_mfs[low]")},
                "high": {60.0: _lit.constant("sin_5y_mfs[high]")},
            },
        )
    else:
        base = Baseline(
            "none",
            "none published (score and groups only): use recalibrate(cohort) for absolute risks",
        )
    return PublishedModel(
        key,
        info["title"],
        info["kind"],
        info["model_type"],
        info["endpoint"],
        info["population"],
        info["n"],
        info["source"],
        info["caveat"],
        recs,
        base,
        citation=info["citation"],
    )
