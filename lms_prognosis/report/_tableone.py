"""Table 1: patient characteristics, overall and by group, with tests and SMDs.

The cells are formatted here (through :mod:`lms_prognosis._format`, like every other number in
the package); the tests and standardised mean differences are computed by
:mod:`lms_prognosis._compare`, which is pure statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._compare import (
    NO_TEST,
    GroupTest,
    compare_categorical,
    compare_continuous,
    max_smd_categorical,
    max_smd_continuous,
)
from lms_prognosis._format import format_number, format_p
from lms_prognosis._results import Result
from lms_prognosis.cohort.schema import SCHEMA
from lms_prognosis.exceptions import ColumnNotFoundError
from lms_prognosis.report.export import TableExportMixin

#: Display names of the canonical cohort columns and of the report's derived factors.
DEFAULT_LABELS: dict[str, str] = {
    "age": "Age, years",
    "sex": "Sex",
    "site": "Site",
    "size_cm": "Tumour size, cm",
    "depth": "Depth",
    "grade": "FNCLCC grade",
    "necrosis": "Necrosis",
    "vascular_invasion": "Vascular invasion",
    "aneuploidy": "DNA aneuploidy",
    "margin": "Resection margin",
    "mitoses_per_10hpf": "Mitoses per 10 HPF",
    "time": "Follow-up, months",
    "age_ge_60": "Age \u226560 years",
    "size_gt_5cm": "Size >5 cm",
    "necrosis_any": "Any necrosis",
}

#: Canonical columns summarised by default for a Cohort (those present are used): the
#: schema's covariates, in the schema's order.
COHORT_VARIABLES = tuple(c for c in SCHEMA if c not in ("patient_id", "time", "event"))
_NOT_VARIABLES = {"patient_id", "time", "event"}


@dataclass(repr=False)
class TableOneResult(TableExportMixin, Result):
    """Table 1 as a formatted table plus the statistics behind it.

    Attributes
    ----------
    table : DataFrame
        Columns ``variable``, ``level``, ``Overall``, one column per group (when ``by``),
        ``Missing``, and with groups ``p``, ``test``, ``SMD``. Cells are formatted strings.
    stats : DataFrame
        One row per variable: variable, label, kind ("continuous"/"categorical"), n_missing,
        test, statistic, p, smd (numbers, unformatted).
    by : str or None
    groups : list of str
    """

    _title: ClassVar[str] = "Table 1"

    table: pd.DataFrame
    stats: pd.DataFrame
    by: str | None = None
    groups: list[str] = field(default_factory=list)
    caption: str = "Table 1. Patient characteristics"
    note: str | None = None
    group_column: str | None = "variable"

    def _heading(self) -> str:
        by = f" by {self.by}" if self.by else ""
        return f"Table 1{by} ({len(self.stats)} variables)"


def _is_continuous(s: pd.Series, categorical: set[str]) -> bool:
    if s.name in categorical or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_bool_dtype(s.dtype):
        return False
    return bool(pd.api.types.is_numeric_dtype(s.dtype))


def _levels(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):  # levels absent from the data are not shown
        present = set(s.dropna().unique())
        return [c for c in s.cat.categories if c in present]
    if pd.api.types.is_bool_dtype(s.dtype):
        return [True]  # one row: the count of True, shown as "yes"
    return sorted(s.dropna().unique(), key=str)


def _cont_cells(x: pd.Series, digits: int) -> tuple[str, str]:
    x = pd.to_numeric(x, errors="coerce").dropna().astype(float)
    if x.empty:
        return "", ""
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    sd = float(x.std(ddof=1)) if len(x) > 1 else float("nan")
    median = (
        f"{format_number(med, digits)} [{format_number(q1, digits)}, {format_number(q3, digits)}]"
    )
    mean = f"{format_number(float(x.mean()), digits)} ({format_number(sd, digits)})"
    return median, mean


def _count_cell(n: int, total: int, digits: int) -> str:
    pct = 100.0 * n / total if total else float("nan")
    return f"{n} ({format_number(pct, digits)})"


@dataclass
class _Groups:
    """The grouping of Table 1: column names and boolean row masks (empty without ``by``)."""

    names: list[str]
    masks: list[np.ndarray]
    values: list[Any]
    tests: bool


def _frame_and_defaults(
    data: Any, variables: Sequence[str] | None, by: str | None
) -> tuple[pd.DataFrame, list[str]]:
    if hasattr(data, "data") and isinstance(data.data, pd.DataFrame):
        frame = data.data
        default = [v for v in COHORT_VARIABLES if v in frame.columns]
    elif isinstance(data, pd.DataFrame):
        frame = data
        default = [c for c in frame.columns if c not in _NOT_VARIABLES]
    else:
        raise TypeError(
            f"table_one expects a Cohort or a pandas DataFrame, not {type(data).__name__}"
        )
    if variables is None:
        variables = [v for v in default if v != by and frame[v].notna().any()]
    missing = [v for v in [*variables, *([by] if by else [])] if v not in frame.columns]
    if missing:
        raise ColumnNotFoundError(
            f"table_one: column(s) not in the data: {missing}; columns "
            f"are {', '.join(map(str, frame.columns))}"
        )
    return frame, list(variables)


def _groups(frame: pd.DataFrame, by: str | None, labels: dict[str, str], tests: bool) -> _Groups:
    if by is None:
        return _Groups([], [], [], False)
    col = frame[by]
    values = (
        [False, True]
        if pd.api.types.is_bool_dtype(col.dtype)
        else [g for g in _levels(col) if (col == g).any()]
    )
    masks = [(col == g).fillna(False).to_numpy(dtype=bool) for g in values]
    names = [f"{labels.get(by, by)}: {g}" for g in values]
    return _Groups(names, masks, values, tests and len(values) >= 2)


def _continuous_rows(
    s: pd.Series, label: str, groups: _Groups, digits: int
) -> tuple[list[dict[str, str]], GroupTest, float]:
    """Median [IQR] and mean (SD) rows, the rank test and the largest pairwise SMD."""
    x = pd.to_numeric(s, errors="coerce")
    med, mean = _cont_cells(x, digits)
    r1 = {"variable": label, "level": "median [IQR]", "Overall": med}
    r2 = {"variable": label, "level": "mean (SD)", "Overall": mean}
    samples = []
    for name, m in zip(groups.names, groups.masks, strict=True):
        r1[name], r2[name] = _cont_cells(x[m], digits)
        samples.append(x[m].dropna().to_numpy(dtype=float))
    if not groups.tests:
        return [r1, r2], NO_TEST, float("nan")
    return [r1, r2], compare_continuous(samples), max_smd_continuous(samples)


def _categorical_rows(
    s: pd.Series, label: str, groups: _Groups, digits: int
) -> tuple[list[dict[str, str]], GroupTest, float]:
    """n (%) rows per level, the chi-square or Fisher test and the largest pairwise SMD."""
    observed = s.dropna()
    rows = []
    for level in _levels(s):
        row = {
            "variable": label,
            "level": "yes" if level is True else str(level),
            "Overall": _count_cell(int((observed == level).sum()), len(observed), digits),
        }
        for name, m in zip(groups.names, groups.masks, strict=True):
            g = s[m].dropna()
            row[name] = _count_cell(int((g == level).sum()), len(g), digits)
        rows.append(row)
    if not groups.tests:
        return rows, NO_TEST, float("nan")
    all_levels = [False, True] if pd.api.types.is_bool_dtype(s.dtype) else _levels(s)
    counts = np.array([[int((s[m] == lv).sum()) for m in groups.masks] for lv in all_levels])
    return rows, compare_categorical(counts), max_smd_categorical(counts)


def _note(groups: _Groups, frame: pd.DataFrame, by: str | None, labels: dict[str, str]) -> str:
    note = (
        "Continuous: median [IQR] and mean (SD); categorical: n (% of non-missing). "
        "Missing: number of missing values."
    )
    if groups.tests:
        note += (
            " p: Mann-Whitney U (2 groups) or Kruskal-Wallis (>2) for continuous; "
            "chi-square (Yates for 2x2) or Fisher exact (2x2 with an expected count < 5) "
            "for categorical. SMD: standardised mean difference"
            + (", maximum over pairs of groups." if len(groups.values) > 2 else ".")
        )
    if by is not None and frame[by].isna().any():
        note += (
            f" {int(frame[by].isna().sum())} patients with missing {labels.get(by, by)} "
            "are counted in Overall only."
        )
    return note


def table_one(
    data: Any,
    by: str | None = None,
    variables: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    digits: int = 1,
    tests: bool = True,
) -> TableOneResult:
    """Table 1: characteristics overall and by group, with tests and standardised differences.

    Parameters
    ----------
    data : Cohort or DataFrame
        A :class:`lms_prognosis.Cohort` (its canonical covariates are summarised) or any
        DataFrame (every column except ``patient_id``, ``time`` and ``event``).
    by : str, optional
        Grouping column. Rows with a missing group value count in *Overall* only.
    variables : list of str, optional
        Columns to summarise, in order.
    categorical : list of str, optional
        Numeric columns to treat as categorical.
    labels : dict, optional
        Column -> display name (default :data:`DEFAULT_LABELS`).
    digits : int
        Decimals of medians, means, SDs and percentages.
    tests : bool
        Add p-values, the test used and SMDs when ``by`` is given.

    Returns
    -------
    TableOneResult

    Notes
    -----
    Continuous variables: median [IQR] (quartiles by linear interpolation, R ``quantile``
    type 7) and mean (SD). Categorical: n (%), percentages of the non-missing values;
    booleans show one row, the count of True ("yes"). The *Missing* column counts missing
    values per variable.

    Tests (two-sided; computed by ``lms_prognosis._compare``): continuous, Mann-Whitney U for two groups and Kruskal-Wallis
    for more; categorical, Pearson's chi-square (Yates continuity correction for 2x2, as R
    ``chisq.test``), or Fisher's exact test for a 2x2 table with an expected count below 5.

    SMD: continuous |mean difference| / sqrt((s1^2 + s2^2) / 2); categorical the multi-level
    SMD of Yang & Dalton (2012), as R ``tableone``. With more than two groups the **maximum
    pairwise** SMD is shown (R ``tableone`` prints the mean of the pairwise SMDs).

    References
    ----------
    Yang D, Dalton JE. A unified approach to measuring the effect size between two groups
    using SAS. SAS Global Forum 2012, paper 335.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [50, 61, 72, 45, 66, 70],
    ...                    "deep": [True, False, True, True, False, True],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> t = table_one(df, by="arm")
    >>> print(t.table[["variable", "level", "Overall"]].to_string(index=False))
      variable        level           Overall
             n                              6
    Age, years median [IQR] 63.5 [52.8, 69.0]
    Age, years    mean (SD)       60.7 (11.0)
          deep          yes          4 (66.7)
    >>> t.stats[["variable", "test"]].values.tolist()
    [['age', 'Mann-Whitney U'], ['deep', 'Fisher exact']]
    """
    frame, variables = _frame_and_defaults(data, variables, by)
    categorical_set = set(categorical or [])
    labels = {**DEFAULT_LABELS, **(labels or {})}
    groups = _groups(frame, by, labels, tests)
    n_row = {"variable": "n", "level": "", "Overall": str(len(frame))}
    n_row.update(
        {name: str(int(m.sum())) for name, m in zip(groups.names, groups.masks, strict=True)}
    )
    rows: list[dict[str, str]] = [n_row]
    stat_rows: list[dict[str, Any]] = []
    for var in variables:
        s, label = frame[var], labels.get(var, var)
        cont = _is_continuous(s, categorical_set)
        make = _continuous_rows if cont else _categorical_rows
        new, test, smd = make(s, label, groups, digits)
        n_missing = int(s.isna().sum())
        new[0]["Missing"] = str(n_missing)  # 0, not blank: "none missing" is information
        if groups.tests:
            new[0]["p"] = format_p(test.p, prefix=False) if np.isfinite(test.p) else ""
            new[0]["test"] = test.test
            new[0]["SMD"] = format_number(smd, 3)
        rows.extend(new)
        stat_rows.append(
            {
                "variable": var,
                "label": label,
                "kind": "continuous" if cont else "categorical",
                "n_missing": n_missing,
                "test": test.test,
                "statistic": test.statistic,
                "p": test.p,
                "smd": smd,
            }
        )
    columns = ["variable", "level", "Overall", *groups.names, "Missing"]
    if groups.tests:
        columns += ["p", "test", "SMD"]
    table = pd.DataFrame(rows).reindex(columns=columns).fillna("")
    return TableOneResult(
        table=table,
        stats=pd.DataFrame(stat_rows),
        by=by,
        groups=[str(g) for g in groups.values],
        note=_note(groups, frame, by, labels),
    )
