"""Paper tables: Table 1 (patient characteristics) and the hazard-ratio table.

Both return small result objects with a formatted ``.table`` (strings made by
:mod:`lms_prognosis._format`, the one number formatter) and exporters to CSV, LaTeX, HTML and
Word (see :mod:`lms_prognosis.report.export`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._format import format_hr, format_p
from lms_prognosis._results import Result
from lms_prognosis.cox.univariable import fit_univariable
from lms_prognosis.exceptions import ReportError
from lms_prognosis.plotting.forest import composite_note, composite_terms
from lms_prognosis.report._tableone import (
    DEFAULT_LABELS,
    TableOneResult,
    table_one,
)
from lms_prognosis.report.export import TableExportMixin

if TYPE_CHECKING:
    from lms_prognosis.cox.fit import CoxResult

__all__ = ["table_one", "hr_table", "TableOneResult", "HRTableResult", "DEFAULT_LABELS"]


@dataclass(repr=False)
class HRTableResult(TableExportMixin, Result):
    """Hazard ratios as papers print them: univariable and multivariable columns.

    Attributes
    ----------
    table : DataFrame
        Columns ``variable``, ``level``, ``n``, ``Events`` (patients and events per level in
        the rows the multivariable fit used), then ``Univariable HR (95% CI)``,
        ``Univariable p`` (when univariable fits are present), ``Multivariable HR (95% CI)``,
        ``Multivariable p``. Reference levels read ``1 (reference)``.
    terms : DataFrame
        The numbers behind the table, one row per term: variable, level, term, model
        ("univariable"/"multivariable"), hr, lower, upper, p, n, n_events (of the fit),
        n_level, events_level (of the level, in the rows that fit used).
    multivariable : CoxResult
    univariable : dict of str to CoxResult
    n, dropped
        Those of the multivariable fit (patients used, rows left out).
    """

    _title: ClassVar[str] = "Hazard ratios (Cox proportional hazards model)"

    table: pd.DataFrame
    terms: pd.DataFrame
    multivariable: CoxResult
    univariable: dict[str, CoxResult] = field(default_factory=dict)
    caption: str = "Hazard ratios (Cox proportional hazards model)"
    note: str | None = None
    group_column: str | None = "variable"

    @property
    def n(self) -> int:
        """Patients in the multivariable fit."""
        return int(self.multivariable.n)

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows the multivariable fit left out."""
        return self.multivariable.dropped

    def _summary_lines(self) -> list[str]:
        return [f"multivariable model: n = {self.n}, {self.multivariable.n_events} events"]


def _levels(cox: Any, covariate: str) -> list[str] | None:
    """Levels of a categorical/boolean covariate in the fit's data (reference first)."""
    col = cox.data[covariate] if covariate in getattr(cox, "data", pd.DataFrame()).columns else None
    if col is None:
        return None
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
        present = {str(cats[i]) for i in np.unique(codes[codes >= 0])}  # no str() per row
        return [str(c) for c in cats if str(c) in present]
    if pd.api.types.is_bool_dtype(col.dtype):
        return ["False", "True"]
    if pd.api.types.is_numeric_dtype(col.dtype):
        return None
    return sorted(col.dropna().astype(str).unique())


def _level_counts(cox: Any, covariate: str, levels: list[str] | None) -> dict[str, tuple[int, int]]:
    """Patients and events (code 1) per displayed level, in the rows the fit analysed.

    ``cox.data`` holds only the rows the model used (complete cases over its variables), so
    the counts follow the model's exclusions, not the caller's frame. A numeric covariate or
    a formula term (no levels) counts every analysed row under ``"per unit"``/its note; a
    fit without ``data`` (a pooled result) gives no counts.
    """
    data = getattr(cox, "data", None)
    if not isinstance(data, pd.DataFrame) or cox.event not in data.columns:
        return {}
    event = pd.to_numeric(data[cox.event], errors="coerce").to_numpy() == 1
    if levels is None or covariate not in data.columns:
        return {"": (len(data), int(event.sum()))}
    col = data[covariate]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return _category_counts(col, event, levels)
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.map({True: "True", False: "False"}).astype(object).to_numpy()
    else:
        values = col.astype(object).map(str).to_numpy()
    return {lv: (int((values == lv).sum()), int((event & (values == lv)).sum())) for lv in levels}


def _category_counts(
    col: pd.Series, event: np.ndarray, levels: list[str]
) -> dict[str, tuple[int, int]]:
    """:func:`_level_counts` of a categorical column from its codes (a row's level is the
    str of its category, "nan" when missing), without a str() per row."""
    codes = col.cat.codes.to_numpy().astype(np.intp) + 1  # 0: missing
    names = ["nan", *(str(c) for c in col.cat.categories)]
    n = np.bincount(codes, minlength=len(names))
    d = np.bincount(codes, weights=event, minlength=len(names))
    out = {}
    for lv in levels:
        hit = [i for i, name in enumerate(names) if name == lv]
        out[lv] = (int(n[hit].sum()), int(round(d[hit].sum())))
    return out


def _rows(cox: Any, model: str) -> pd.DataFrame:
    """One row per displayed level: reference rows have hr = 1 and no CI; a spline or
    interaction is one row with no HR and the overall p of ``cox.term_tests``."""
    hr = cox.hazard_ratios
    comp = composite_terms(cox).set_index("term")
    rows = []
    for covariate in cox.covariates:
        if covariate in comp.index:
            c = comp.loc[covariate]
            nan = float("nan")
            rows.append(
                dict(
                    variable=covariate,
                    level=composite_note(str(c["kind"]), int(c["df"])),
                    term=covariate,
                    model=model,
                    hr=nan,
                    lower=nan,
                    upper=nan,
                    p=float(c["p"]),
                    reference=False,
                    overall=True,
                )
            )
            continue
        levels = _levels(cox, covariate)
        sub = hr[hr["covariate"] == covariate]
        if levels is None:  # numeric: one row, per unit
            for r in sub.itertuples(index=False):
                rows.append(
                    dict(
                        variable=covariate,
                        level="per unit",
                        term=r.term,
                        model=model,
                        hr=r.hr,
                        lower=r.lower,
                        upper=r.upper,
                        p=r.p,
                        reference=False,
                    )
                )
            continue
        for i, level in enumerate(levels):
            if i == 0:
                rows.append(
                    dict(
                        variable=covariate,
                        level=level,
                        term=None,
                        model=model,
                        hr=1.0,
                        lower=float("nan"),
                        upper=float("nan"),
                        p=float("nan"),
                        reference=True,
                    )
                )
                continue
            term = covariate if levels == ["False", "True"] else f"{covariate}[{level}]"
            match = sub[sub["term"] == term]
            if match.empty:
                continue
            r = match.iloc[0]
            rows.append(
                dict(
                    variable=covariate,
                    level=level,
                    term=term,
                    model=model,
                    hr=r.hr,
                    lower=r.lower,
                    upper=r.upper,
                    p=r.p,
                    reference=False,
                )
            )
    out = pd.DataFrame(rows)
    out["n"] = cox.n
    out["n_events"] = cox.n_events
    return _add_level_counts(out, cox)


def _add_level_counts(out: pd.DataFrame, cox: Any) -> pd.DataFrame:
    """Columns ``n_level``, ``events_level``: :func:`_level_counts` of each displayed row."""
    overall = out["overall"] if "overall" in out else pd.Series(False, index=out.index)
    counts: list[tuple[float, float]] = []
    done: dict[tuple[str, bool], dict[str, tuple[int, int]]] = {}  # once per variable
    for variable, level, flag in zip(out["variable"], out["level"], overall, strict=True):
        composite = isinstance(flag, (bool, np.bool_)) and bool(flag)
        whole = composite or level == "per unit"
        key = (str(variable), whole)
        if key not in done:
            levels = None if whole else _levels(cox, variable)
            done[key] = _level_counts(cox, variable, levels)
        counts.append(done[key].get("" if whole else str(level), (np.nan, np.nan)))
    out["n_level"] = pd.array([c[0] for c in counts], dtype="Int64")
    out["events_level"] = pd.array([c[1] for c in counts], dtype="Int64")
    return out


def _fmt(row: pd.Series) -> tuple[str, str]:
    flag = row.get("overall")
    if isinstance(flag, (bool, np.bool_)) and flag:  # a spline or interaction: overall p only
        return "", format_p(row["p"], prefix=False)
    if pd.isna(row.get("hr")):
        return "", ""
    if row["reference"]:
        return "1 (reference)", ""
    return format_hr(row["hr"], row["lower"], row["upper"]), format_p(row["p"], prefix=False)


def hr_table(
    cox: CoxResult,
    univariable: None | str | Mapping[str, CoxResult] = None,
    data: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    level_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> HRTableResult:
    """Build the hazard-ratio table of a Cox fit, optionally with univariable columns.

    Parameters
    ----------
    cox : CoxResult
        The multivariable fit (from :func:`lms_prognosis.fit_cox`).
    univariable : None, "auto" or mapping
        None: multivariable columns only. ``"auto"``: each covariate is refitted alone by
        :func:`lms_prognosis.cox.univariable.fit_univariable` (same time, event, ties and
        strata) on ``data``. A mapping (a dict, or the result of ``fit_univariable``) gives
        covariate -> an already fitted univariable CoxResult.
    data : DataFrame, optional
        Data for the univariable fits; default ``cox.data`` (the multivariable complete cases,
        so both columns describe the same patients). Pass the full frame to let each
        univariable fit use every patient with that covariate.
    labels : dict, optional
        Covariate -> display name (default: :data:`DEFAULT_LABELS`, else the column name).
    level_labels : dict, optional
        Covariate -> {level -> display}; booleans show "no"/"yes" by default.

    Returns
    -------
    HRTableResult

    Notes
    -----
    The first level of a categorical covariate is the reference (treatment contrasts, as R);
    a boolean compares True with False. ``n`` and ``Events`` count the patients and events
    (code 1) of each level among the rows the multivariable fit analysed (``cox.data``:
    complete cases over the model's variables), so they add up to ``cox.n`` and
    ``cox.n_events``; a numeric covariate or a formula term shows the model's totals.
    Hazard ratios, CIs and Wald p-values are those of the
    fit (``cox.hazard_ratios``); a spline or interaction term (``"rcs(age, 4)"``,
    ``"age:grade"``) is one row, level ``"spline, 3 df"``, with no HR (its coefficients are
    not per-unit effects) and the overall Wald p of ``cox.term_tests``; formatted by :func:`lms_prognosis._format.format_hr` and
    :func:`lms_prognosis._format.format_p`; nothing is recomputed here.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> cox = lp.fit_cox(lp.load_synthetic().data, ["age", "grade"])
    >>> t = hr_table(cox, univariable="auto")
    >>> list(t.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['variable', 'level', 'n', 'Events', 'Univariable HR (95% CI)', 'Univariable p',
     'Multivariable HR (95% CI)', 'Multivariable p']
    >>> t.table.loc[t.table["level"] == "1", "Multivariable HR (95% CI)"].item()
    '1 (reference)'
    """
    uni_fits = _univariable_fits(cox, univariable, data)
    multi = _rows(cox, "multivariable")
    key = ["variable", "level"]
    table = multi[key].copy()
    table["n"] = [_count_cell(v) for v in multi["n_level"]]
    table["Events"] = [_count_cell(v) for v in multi["events_level"]]
    terms = [multi]
    if uni_fits:
        uni = pd.concat([_rows(fit, "univariable") for fit in uni_fits.values()], ignore_index=True)
        terms.insert(0, uni)
        cells = table[key].merge(uni, on=key, how="left").apply(_fmt, axis=1, result_type="expand")
        table["Univariable HR (95% CI)"] = cells[0].to_numpy()
        table["Univariable p"] = cells[1].to_numpy()
    cells = multi.apply(_fmt, axis=1, result_type="expand")
    table["Multivariable HR (95% CI)"] = cells[0].to_numpy()
    table["Multivariable p"] = cells[1].to_numpy()
    table["level"] = [
        _level_label(v, lv, level_labels or {})
        for v, lv in zip(table["variable"], table["level"], strict=True)
    ]
    all_labels = {**DEFAULT_LABELS, **(labels or {})}
    table["variable"] = table["variable"].map(lambda v: all_labels.get(v, v))
    return HRTableResult(
        table=table.reset_index(drop=True),
        terms=pd.concat(terms, ignore_index=True),
        multivariable=cox,
        univariable=uni_fits,
        note=_hr_note(cox, univariable, data, uni_fits),
    )


def _count_cell(value: Any) -> str:
    """An integer count as text; empty when there is no count (a fit without data)."""
    return "" if pd.isna(value) else str(int(value))


def _univariable_fits(
    cox: CoxResult, univariable: None | str | Mapping[str, CoxResult], data: pd.DataFrame | None
) -> dict[str, CoxResult]:
    if univariable is None:
        return {}
    if isinstance(univariable, str):
        if univariable != "auto":
            raise ReportError(f"univariable must be None, 'auto' or a dict, not {univariable!r}")
        fits = fit_univariable(
            cox.data if data is None else data,
            cox.covariates,
            time=cox.time,
            event=cox.event,
            ties=cox.ties,
            strata=cox.strata,
            conf_level=cox.conf_level,
        )
        return dict(fits)
    if isinstance(univariable, Mapping):
        return dict(univariable)
    raise ReportError("univariable must be None, 'auto' or a dict of covariate -> CoxResult")


def _level_label(variable: str, level: str, level_labels: Mapping[str, Mapping[str, str]]) -> str:
    custom = level_labels.get(variable, {})
    if level in custom:
        return custom[level]
    return {"False": "no", "True": "yes"}.get(level, level)


def _hr_note(
    cox: CoxResult,
    univariable: object,
    data: pd.DataFrame | None,
    uni_fits: Mapping[str, CoxResult],
) -> str:
    note = (
        f"Multivariable model: n = {cox.n}, {cox.n_events} events; ties: {cox.ties}. "
        "n and Events: patients and events per level among the patients the multivariable "
        "model used (after leaving out rows with a missing value). "
        "HR (95% CI) from the Wald interval; p from the Wald test."
    )
    if uni_fits and isinstance(univariable, str):
        note += " Univariable: each covariate fitted alone, on " + (
            "the same patients."
            if data is None
            else "every patient with that covariate recorded (their counts per level are "
            "in the terms table, columns n_level and events_level)."
        )
    elif uni_fits:
        note += " Univariable: each covariate fitted alone."
    return note
