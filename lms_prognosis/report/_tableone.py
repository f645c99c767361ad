"""Table 1: patient characteristics, overall and by group, with tests and SMDs.

Written on scipy rather than the ``tableone`` package: the rules are few, stated below, and
the cells go through :mod:`lms_prognosis._format` like every other number in the package.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from lms_prognosis._format import format_number, format_p
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

#: Canonical columns summarised by default for a Cohort (those present are used).
COHORT_VARIABLES = ("age", "sex", "site", "size_cm", "depth", "grade", "necrosis",
                    "vascular_invasion", "aneuploidy", "margin", "mitoses_per_10hpf")
_NOT_VARIABLES = {"patient_id", "time", "event"}


@dataclass(repr=False)
class TableOneResult(TableExportMixin):
    """Table 1 as a formatted table plus the statistics behind it.

    Attributes
    ----------
    table : DataFrame
        Columns ``variable``, ``level``, ``Overall``, one column per group (when ``by``),
        ``Missing``, and with groups ``p``, ``test``, ``SMD``. Cells are formatted strings.
    stats : DataFrame
        One row per variable: variable, kind ("continuous"/"categorical"), n_missing, test,
        statistic, p, smd (numbers, unformatted).
    by : str or None
    groups : list of str
    """

    table: pd.DataFrame
    stats: pd.DataFrame
    by: str | None = None
    groups: list[str] = field(default_factory=list)
    caption: str = "Table 1. Patient characteristics"
    note: str | None = None
    group_column: str | None = "variable"

    def __repr__(self) -> str:
        head = f"TableOneResult (by={self.by!r}, {len(self.stats)} variables)"
        return head + "\n" + self.table.to_string(index=False)


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
    sd = x.std(ddof=1) if len(x) > 1 else float("nan")
    median = f"{format_number(med, digits)} [{format_number(q1, digits)}, {format_number(q3, digits)}]"
    mean = f"{format_number(x.mean(), digits)} ({format_number(sd, digits)})"
    return median, mean


def _count_cell(n: int, total: int, digits: int) -> str:
    pct = 100.0 * n / total if total else float("nan")
    return f"{n} ({format_number(pct, digits)})"


def _smd_continuous(a: np.ndarray, b: np.ndarray) -> float:
    va, vb = np.var(a, ddof=1), np.var(b, ddof=1)
    denom = math.sqrt((va + vb) / 2.0)
    if not np.isfinite(denom) or denom == 0:
        return float("nan")
    return abs(float(np.mean(a) - np.mean(b))) / denom


def _smd_categorical(pa: np.ndarray, pb: np.ndarray) -> float:
    """Yang & Dalton (2012) multi-level SMD on level proportions (first level dropped)."""
    p, q = pa[1:], pb[1:]
    if p.size == 0:
        return float("nan")
    cov = (np.diag(p) - np.outer(p, p) + np.diag(q) - np.outer(q, q)) / 2.0
    d = p - q
    if not np.any(d):
        return 0.0
    try:
        val = float(d @ np.linalg.pinv(cov) @ d)
    except np.linalg.LinAlgError:  # pragma: no cover
        return float("nan")
    return math.sqrt(max(val, 0.0))


def _test_continuous(samples: list[np.ndarray]) -> tuple[str, float, float]:
    samples = [s for s in samples if len(s) > 0]
    if len(samples) < 2:
        return "", float("nan"), float("nan")
    if len(samples) == 2:
        r = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
        return "Mann-Whitney U", float(r.statistic), float(r.pvalue)
    r = stats.kruskal(*samples)
    return "Kruskal-Wallis", float(r.statistic), float(r.pvalue)


def _test_categorical(counts: np.ndarray) -> tuple[str, float, float]:
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return "", float("nan"), float("nan")
    chi2, p, _, expected = stats.chi2_contingency(counts, correction=True)
    if counts.shape == (2, 2) and expected.min() < 5:
        r = stats.fisher_exact(counts)
        return "Fisher exact", float(r.statistic), float(r.pvalue)
    return "chi-square", float(chi2), float(p)


def _frame_and_defaults(data: Any, variables: list[str] | None, by: str | None
                        ) -> tuple[pd.DataFrame, list[str], str | None]:
    source = None
    if hasattr(data, "data") and isinstance(data.data, pd.DataFrame):
        source = getattr(data, "source", None)
        frame = data.data
        default = [v for v in COHORT_VARIABLES if v in frame.columns]
    elif isinstance(data, pd.DataFrame):
        frame = data
        default = [c for c in frame.columns if c not in _NOT_VARIABLES]
    else:
        raise TypeError("table_one expects a Cohort or a pandas DataFrame, "
                        f"not {type(data).__name__}")
    if variables is None:
        variables = [v for v in default if v != by and frame[v].notna().any()]
    missing = [v for v in [*variables, *([by] if by else [])] if v not in frame.columns]
    if missing:
        raise ValueError(f"table_one: column(s) not in the data: {missing}")
    return frame, list(variables), source


def table_one(data: Any, by: str | None = None, variables: list[str] | None = None,
              categorical: list[str] | None = None, labels: dict[str, str] | None = None,
              digits: int = 1, tests: bool = True) -> TableOneResult:
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

    Tests (two-sided, scipy): continuous, Mann-Whitney U for two groups and Kruskal-Wallis
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
    frame, variables, _ = _frame_and_defaults(data, variables, by)
    categorical_set = set(categorical or [])
    labels = {**DEFAULT_LABELS, **(labels or {})}

    groups: list[Any] = []
    masks: list[np.ndarray] = []
    if by is not None:
        gcol = frame[by]
        groups = [g for g in _levels(gcol) if (gcol == g).any()] if not pd.api.types.is_bool_dtype(
            gcol.dtype) else [False, True]
        masks = [(gcol == g).fillna(False).to_numpy(dtype=bool) for g in groups]
    group_names = [f"{labels.get(by, by)}: {g}" for g in groups] if by else []
    show_tests = bool(by) and tests and len(groups) >= 2

    rows: list[dict[str, Any]] = []
    stat_rows: list[dict[str, Any]] = []
    n_row = {"variable": "n", "level": "", "Overall": str(len(frame))}
    for name, m in zip(group_names, masks, strict=True):
        n_row[name] = str(int(m.sum()))
    rows.append(n_row)

    for var in variables:
        s = frame[var]
        n_missing = int(s.isna().sum())
        label = labels.get(var, var)
        cont = _is_continuous(s, categorical_set)
        test, statistic, p, smd = "", float("nan"), float("nan"), float("nan")
        if cont:
            x = pd.to_numeric(s, errors="coerce")
            med, mean = _cont_cells(x, digits)
            r1 = {"variable": label, "level": "median [IQR]", "Overall": med}
            r2 = {"variable": label, "level": "mean (SD)", "Overall": mean}
            samples = []
            for gname, m in zip(group_names, masks, strict=True):
                r1[gname], r2[gname] = _cont_cells(x[m], digits)
                samples.append(x[m].dropna().to_numpy(dtype=float))
            if show_tests:
                test, statistic, p = _test_continuous(samples)
                pair = [_smd_continuous(a, b) for a, b in itertools.combinations(samples, 2)
                        if len(a) > 1 and len(b) > 1]
                smd = max(pair) if pair else float("nan")
            new = [r1, r2]
        else:
            levels = _levels(s)
            all_levels = levels if not pd.api.types.is_bool_dtype(s.dtype) else [False, True]
            observed = s.dropna()
            new = []
            for level in levels:
                shown = "yes" if level is True else str(level)
                r = {"variable": label, "level": shown,
                     "Overall": _count_cell(int((observed == level).sum()), len(observed), digits)}
                for gname, m in zip(group_names, masks, strict=True):
                    g = s[m].dropna()
                    r[gname] = _count_cell(int((g == level).sum()), len(g), digits)
                new.append(r)
            if show_tests:
                counts = np.array([[int((s[m] == lv).sum()) for m in masks] for lv in all_levels])
                test, statistic, p = _test_categorical(counts)
                props = [c / c.sum() if c.sum() else np.full(len(c), np.nan) for c in counts.T]
                pair = [_smd_categorical(a, b) for a, b in itertools.combinations(props, 2)
                        if np.isfinite(a).all() and np.isfinite(b).all()]
                smd = max(pair) if pair else float("nan")
        new[0]["Missing"] = str(n_missing) if n_missing else ""
        if show_tests:
            new[0]["p"] = format_p(p, prefix=False) if np.isfinite(p) else ""
            new[0]["test"] = test
            new[0]["SMD"] = format_number(smd, 3)
        rows.extend(new)
        stat_rows.append({"variable": var, "label": label,
                          "kind": "continuous" if cont else "categorical",
                          "n_missing": n_missing, "test": test, "statistic": statistic, "p": p,
                          "smd": smd})

    columns = ["variable", "level", "Overall", *group_names, "Missing"]
    if show_tests:
        columns += ["p", "test", "SMD"]
    table = pd.DataFrame(rows).reindex(columns=columns).fillna("")
    note = ("Continuous: median [IQR] and mean (SD); categorical: n (% of non-missing). "
            "Missing: number of missing values.")
    if show_tests:
        note += (" p: Mann-Whitney U (2 groups) or Kruskal-Wallis (>2) for continuous; "
                 "chi-square (Yates for 2x2) or Fisher exact (2x2 with an expected count < 5) "
                 "for categorical. SMD: standardised mean difference"
                 + (", maximum over pairs of groups." if len(groups) > 2 else "."))
    if by is not None and frame[by].isna().any():
        note += f" {int(frame[by].isna().sum())} patients with missing {labels.get(by, by)} " \
                "are counted in Overall only."
    return TableOneResult(table=table, stats=pd.DataFrame(stat_rows), by=by,
                          groups=[str(g) for g in groups], note=note)
