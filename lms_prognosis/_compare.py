"""Comparisons of patient characteristics between groups: the statistics behind Table 1.

Pure statistics on numbers (no formatting): the rank tests for continuous variables, the
chi-square and Fisher tests for categorical ones, and standardised mean differences (SMDs).
``lms_prognosis.report`` formats what these return. The rules match R (``wilcox.test``,
``kruskal.test``, ``chisq.test``, ``fisher.test``) and the SMDs of R ``tableone`` (Yang and
Dalton 2012); ``tests/reference/table_one.R`` pins them.

References
----------
Yang D, Dalton JE. A unified approach to measuring the effect size between two groups using
SAS. SAS Global Forum 2012, paper 335.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "GroupTest",
    "compare_continuous",
    "compare_categorical",
    "smd_continuous",
    "smd_categorical",
    "max_smd_continuous",
    "max_smd_categorical",
    "NO_TEST",
]

#: a Fisher test replaces the chi-square test of a 2x2 table with an expected count below this
FISHER_BELOW = 5.0


class GroupTest(NamedTuple):
    """A test comparing groups: its name, statistic and two-sided p-value."""

    test: str
    statistic: float
    p: float


#: what the comparisons return when there is nothing to compare (fewer than two groups)
NO_TEST = GroupTest("", float("nan"), float("nan"))


def compare_continuous(samples: Sequence[npt.ArrayLike]) -> GroupTest:
    """Rank test of a continuous variable across groups.

    Parameters
    ----------
    samples : sequence of array-like
        The values of each group (missing values already removed); empty groups are ignored.

    Returns
    -------
    GroupTest
        Two groups: the Mann-Whitney U test (R ``wilcox.test``, with its continuity
        correction and normal approximation when there are ties); more: Kruskal-Wallis
        (R ``kruskal.test``). Fewer than two non-empty groups: :data:`NO_TEST`.

    Examples
    --------
    >>> r = compare_continuous([[1.0, 2.0, 3.5, 4.0], [3.0, 5.0, 6.0, 7.5]])
    >>> r.test, round(r.p, 4)
    ('Mann-Whitney U', 0.1143)
    >>> compare_continuous([[1.0, 2.0], [3.0], [4.0, 5.0]]).test
    'Kruskal-Wallis'
    """
    from scipy import stats  # here, not at the top: 0.45-0.75 s of start-up for every user

    groups = [np.asarray(s, dtype=float) for s in samples]
    groups = [g for g in groups if g.size > 0]
    if len(groups) < 2:
        return NO_TEST
    if len(groups) == 2:
        u = stats.mannwhitneyu(groups[0], groups[1], alternative="two-sided")
        return GroupTest("Mann-Whitney U", float(u.statistic), float(u.pvalue))
    h = stats.kruskal(*groups)
    return GroupTest("Kruskal-Wallis", float(h.statistic), float(h.pvalue))


def compare_categorical(counts: npt.ArrayLike) -> GroupTest:
    """Test of a categorical variable across groups from its contingency table.

    Parameters
    ----------
    counts : array-like, shape (levels, groups)
        Patients per level (rows) and group (columns). Empty rows and columns are removed.

    Returns
    -------
    GroupTest
        Pearson's chi-square test (Yates' continuity correction for a 2x2 table, as R
        ``chisq.test``), or Fisher's exact test (R ``fisher.test``; its statistic is the
        sample odds ratio) for a 2x2 table with an expected count below 5. Fewer than two
        levels or groups: :data:`NO_TEST`.

    Examples
    --------
    >>> r = compare_categorical([[7, 3], [2, 8]])
    >>> r.test, round(r.p, 4)
    ('Fisher exact', 0.0698)
    >>> r = compare_categorical([[30, 20], [20, 30], [10, 15]])
    >>> r.test, round(r.statistic, 3)
    ('chi-square', 4.808)
    """
    from scipy import stats  # here, not at the top: 0.45-0.75 s of start-up for every user

    table = np.asarray(counts, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] < 2:
        return NO_TEST
    chi2 = stats.chi2_contingency(table, correction=True)
    if table.shape == (2, 2) and chi2.expected_freq.min() < FISHER_BELOW:
        fisher = stats.fisher_exact(table)
        return GroupTest("Fisher exact", float(fisher.statistic), float(fisher.pvalue))
    return GroupTest("chi-square", float(chi2.statistic), float(chi2.pvalue))


def smd_continuous(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Standardised mean difference |mean(a) - mean(b)| / sqrt((var(a) + var(b)) / 2).

    Variances with ``ddof=1``, as R ``tableone``. NaN when the pooled SD is 0 or undefined.

    Examples
    --------
    >>> round(smd_continuous([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]), 6)
    1.0
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 2 or y.size < 2:
        return float("nan")
    denom = math.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2.0)
    if not np.isfinite(denom) or denom == 0:
        return float("nan")
    return abs(float(np.mean(x) - np.mean(y))) / denom


def smd_categorical(pa: npt.ArrayLike, pb: npt.ArrayLike) -> float:
    """Multi-level SMD of Yang and Dalton (2012) from the level proportions of two groups.

    Parameters
    ----------
    pa, pb : array-like
        Proportions of each level (summing to 1) in the two groups; the first level is the
        reference and is dropped, as R ``tableone``.

    Returns
    -------
    float
        sqrt((p - q)' S^-1 (p - q)) with S the average of the two multinomial covariance
        matrices (a pseudo-inverse when S is singular); for two levels this is
        |p - q| / sqrt((p(1 - p) + q(1 - q)) / 2).

    Examples
    --------
    >>> round(smd_categorical([0.7, 0.3], [0.2, 0.8]), 6)
    1.162476
    """
    p, q = np.asarray(pa, dtype=float)[1:], np.asarray(pb, dtype=float)[1:]
    if p.size == 0:
        return float("nan")
    d = p - q
    if not np.any(d):
        return 0.0
    cov = (np.diag(p) - np.outer(p, p) + np.diag(q) - np.outer(q, q)) / 2.0
    value = float(d @ np.linalg.pinv(cov) @ d)
    return math.sqrt(max(value, 0.0))


def max_smd_continuous(samples: Sequence[npt.ArrayLike]) -> float:
    """The largest :func:`smd_continuous` over pairs of groups (groups of < 2 values skipped).

    Examples
    --------
    >>> round(max_smd_continuous([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0]]), 6)
    3.0
    """
    groups = [np.asarray(s, dtype=float) for s in samples]
    pairs = [
        smd_continuous(a, b)
        for a, b in itertools.combinations(groups, 2)
        if a.size > 1 and b.size > 1
    ]
    return max(pairs) if pairs else float("nan")


def max_smd_categorical(counts: npt.ArrayLike) -> float:
    """The largest :func:`smd_categorical` over pairs of groups, from a contingency table.

    Parameters
    ----------
    counts : array-like, shape (levels, groups)
        Patients per level and group; a group with no patient is skipped.

    Examples
    --------
    >>> round(max_smd_categorical([[7, 2], [3, 8]]), 6)
    1.162476
    """
    table = np.asarray(counts, dtype=float)
    props = [col / col.sum() for col in table.T if col.sum() > 0]
    pairs = [smd_categorical(a, b) for a, b in itertools.combinations(props, 2)]
    return max(pairs) if pairs else float("nan")
