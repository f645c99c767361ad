"""A missing model input averaged on the survival scale, weighted by its prevalence given the
patient's observed factors.

For a patient whose factor X is missing, ``missing="marginalise"`` gives

    S(t | observed) = sum_k P(X = x_k | observed) * S(t | observed, x_k),

the survival the model predicts for each level of X, averaged with the level's probability
given what *is* known about the patient. Averaging relative risks instead (the 0.1 rule, log
sum_k p_k exp(beta x_k)) gives a different and too pessimistic answer: for two equally likely
levels with survival 0.02 and 0.40 the survival-scale average is 0.21, while the survival at
the averaged relative risk (their geometric mean under proportional hazards) is 0.09.

The probabilities come from the package's one documented covariate model, the simulator's
somatic profile (:mod:`lms_prognosis.simulate.covariates`; numbers and sources in
:mod:`~lms_prognosis.literature._data_covariates`):

* age >= 60, size > 5 cm, depth, margin and site are independent of everything else, so their
  prevalence is marginal (age and size from truncated normal / log-normal distributions);
* FNCLCC grade = differentiation + mitotic score + necrosis score (FNCLCC rules), log-mitoses
  and the necrosis score sharing a latent normal (correlation ``rho``); vascular invasion and
  aneuploidy are Bernoulli given grade. The joint law of (grade, necrosis, mitotic score,
  vascular invasion, aneuploidy) is computed exactly (bivariate-normal rectangle
  probabilities), and a missing one of these is weighted by its probability given the
  others the patient has (grade, necrosis, mitotic count, vascular invasion, aneuploidy).

Private to :mod:`lms_prognosis.literature`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from lms_prognosis.literature._data_covariates import COVARIATE_MODEL
from lms_prognosis.literature.design import column, normalised_text

__all__ = ["CORRELATED", "Mixture", "independent_levels", "joint_table", "mixtures"]

#: model terms of the correlated block, by the input column they are read from
CORRELATED = {
    "grade[2]": "grade",
    "grade[3]": "grade",
    "necrosis_any": "necrosis",
    "vascular_invasion": "vascular_invasion",
    "aneuploidy": "aneuploidy",
}
_NECROSIS = {"none": 0, "<50%": 1, ">=50%": 2}


def cov(name: str) -> float:
    """One number of the covariate model (its source is on the record)."""
    return next(r.value for r in COVARIATE_MODEL if r.name == name)


def _truncated_above(mean: float, sd: float, lo: float, hi: float, cut: float) -> float:
    """P(X >= cut) for X ~ Normal(mean, sd) truncated to [lo, hi]."""
    a, b, c = (special.ndtr((v - mean) / sd) for v in (lo, hi, cut))
    return float((b - c) / (b - a))


def independent_levels(name: str) -> tuple[tuple[float, tuple[float, ...]], ...]:
    """(probability, term values) of each level of an independent factor.

    Examples
    --------
    >>> [round(p, 3) for p, _ in independent_levels("age_ge_60")]
    [0.418, 0.582]
    """
    if name == "age_ge_60":  # ages are drawn to 0.1 year: age >= 60 <=> draw >= 59.95
        mean, sd, lo, hi = (cov(f"cov.age_{k}") for k in ("mean", "sd", "min", "max"))
        p = _truncated_above(mean, sd, lo, hi, 59.95)
    elif name == "size_gt_5":  # sizes are drawn to 0.1 cm: size > 5 <=> draw >= 5.05
        med, sd = math.log(cov("cov.size_median")), cov("cov.size_sigma_log")
        lo, hi = math.log(cov("cov.size_min")), math.log(cov("cov.size_max"))
        p = _truncated_above(med, sd, lo, hi, math.log(5.05))
    elif name in ("deep", "margin_positive"):
        p = cov(f"cov.p_{name}")
    elif name == "site":  # extremity (reference) or trunk wall: the somatic population
        p = cov("cov.p_site_trunk")
        return ((1 - p, (0.0,) * 5), (p, (1.0, 0.0, 0.0, 0.0, 0.0)))
    else:
        raise KeyError(name)
    return ((1 - p, (0.0,)), (p, (1.0,)))


@functools.cache
def joint_table() -> pd.DataFrame:
    """The joint law of grade, necrosis, mitotic score, vascular invasion and aneuploidy.

    One row per state (108): prob, grade (1-3), necrosis (0 none, 1 <50%, 2 >=50%),
    mitotic_score (1-3), vascular_invasion, aneuploidy (0/1). Probabilities sum to 1.

    Examples
    --------
    >>> j = joint_table()
    >>> round(float(j["prob"].sum()), 6), j.groupby("grade")["prob"].sum().round(2).tolist()
    (1.0, [0.2, 0.35, 0.45])
    """
    rho, sig = cov("cov.latent_rho"), cov("cov.mitoses_sigma_log")
    med = math.log(cov("cov.mitoses_median"))
    # mitoses are rounded counts: count >= 10 <=> draw >= 9.5 (and 20 <=> 19.5)
    m_cut = [-np.inf, (math.log(9.5) - med) / sig, (math.log(19.5) - med) / sig, np.inf]
    p_nec = [cov(f"cov.necrosis[{k}]") for k in ("none", "<50%", ">=50%")]
    n_cut = [-np.inf, special.ndtri(p_nec[0]), special.ndtri(p_nec[0] + p_nec[1]), np.inf]
    from scipy import stats  # here, not at the top: 0.45-0.75 s of start-up for every user

    mvn = stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
    big = 40.0  # the bivariate cdf needs finite limits

    def cdf(x: float, y: float) -> float:
        return float(mvn.cdf([min(max(x, -big), big), min(max(y, -big), big)]))

    rows = []
    p_diff = [cov(f"cov.differentiation[{k}]") for k in (1, 2, 3)]
    for ms in (1, 2, 3):
        x0, x1 = m_cut[ms - 1], m_cut[ms]
        for nec in (0, 1, 2):
            y0, y1 = n_cut[nec], n_cut[nec + 1]
            p_mn = cdf(x1, y1) - cdf(x0, y1) - cdf(x1, y0) + cdf(x0, y0)
            for diff, pd_ in zip((1, 2, 3), p_diff, strict=True):
                total = diff + ms + nec
                g = 1 + (total >= 4) + (total >= 6)
                pv = cov(f"cov.vascular_given_grade[{g}]")
                pa = cov(f"cov.aneuploidy_given_grade[{g}]")
                for vi in (0, 1):
                    for an in (0, 1):
                        prob = (
                            pd_ * max(p_mn, 0.0) * (pv if vi else 1 - pv) * (pa if an else 1 - pa)
                        )
                        rows.append((prob, g, nec, ms, vi, an))
    out = pd.DataFrame(
        rows,
        columns=["prob", "grade", "necrosis", "mitotic_score", "vascular_invasion", "aneuploidy"],
    )
    out["prob"] /= out["prob"].sum()  # the rectangle probabilities carry cdf error ~1e-8
    keys = list(out.columns[1:])
    summed: pd.DataFrame = out.groupby(keys, as_index=False).agg(prob=("prob", "sum"))
    return summed[["prob", *keys]]


def _term_values(j: pd.DataFrame) -> dict[str, np.ndarray]:
    g = j["grade"].to_numpy()
    return {
        "grade[2]": (g == 2).astype(float),
        "grade[3]": (g == 3).astype(float),
        "necrosis_any": (j["necrosis"].to_numpy() > 0).astype(float),
        "vascular_invasion": j["vascular_invasion"].to_numpy(float),
        "aneuploidy": j["aneuploidy"].to_numpy(float),
    }


def observed_block(data: pd.DataFrame, values: pd.DataFrame) -> np.ndarray:
    """Observed grade, necrosis level, mitotic score, vascular invasion, aneuploidy per row
    (-1 where missing), as the joint table codes them."""
    g = np.where(
        values["grade[3]"].to_numpy() == 1, 3, np.where(values["grade[2]"].to_numpy() == 1, 2, 1)
    )
    g = np.where(values["grade[2]"].isna().to_numpy(), -1, g)
    nec = np.array([_NECROSIS.get(str(v), -1) for v in normalised_text(column(data, "necrosis"))])
    mit = pd.to_numeric(column(data, "mitoses_per_10hpf"), errors="coerce").to_numpy(float)
    ms = np.where(np.isnan(mit), -1, 1 + (mit >= 10) + (mit >= 20))
    vi = np.nan_to_num(values["vascular_invasion"].to_numpy(float), nan=-1)
    an = np.nan_to_num(values["aneuploidy"].to_numpy(float), nan=-1)
    return np.column_stack([g, nec, ms, vi, an]).astype(int)


@dataclass(frozen=True)
class Mixture:
    """The missing factors' contribution to the LP: values ``deltas`` with ``weights``."""

    deltas: np.ndarray
    weights: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.weights @ self.deltas)


def _collapse(deltas: np.ndarray, weights: np.ndarray) -> Mixture:
    keys, inv = np.unique(np.round(deltas, 12), return_inverse=True)
    w = np.bincount(inv.ravel(), weights=weights, minlength=len(keys))
    return Mixture(keys, w / w.sum())


def _correlated(missing: tuple[str, ...], obs: tuple[int, ...], coef: pd.Series) -> Mixture:
    j = joint_table()
    cols = ["grade", "necrosis", "mitotic_score", "vascular_invasion", "aneuploidy"]
    mask = np.ones(len(j), dtype=bool)
    for c, o in zip(cols, obs, strict=True):
        if o >= 0:
            mask &= j[c].to_numpy() == o
    if j["prob"].to_numpy()[mask].sum() <= 0:  # observed values the model cannot produce
        mask = np.ones(len(j), dtype=bool) if obs[0] < 0 else j["grade"].to_numpy() == obs[0]
    tv = _term_values(j)
    deltas = sum((coef[t] * tv[t] for t in missing), np.zeros(len(j)))
    return _collapse(np.asarray(deltas)[mask], j["prob"].to_numpy()[mask])


def _combine(a: Mixture, b: Mixture) -> Mixture:
    d = (a.deltas[:, None] + b.deltas[None, :]).ravel()
    w = (a.weights[:, None] * b.weights[None, :]).ravel()
    return _collapse(d, w)


def mixtures(
    data: pd.DataFrame,
    values: pd.DataFrame,
    coef: pd.Series,
    independent: dict[str, tuple[str, ...]],
) -> tuple[np.ndarray, list[Mixture]]:
    """For each row with a missing model input: which mixture its LP follows.

    Parameters
    ----------
    data : DataFrame
        The cohort (for necrosis levels and mitotic counts, which condition the block).
    values : DataFrame
        The model-design term values (NaN where missing).
    coef : Series
        The model's log hazard ratios by term.
    independent : dict
        Independent factor name -> its terms (present in the model).

    Returns
    -------
    index : ndarray of int
        Per row, the position in ``mixes`` (-1 when nothing is missing).
    mixes : list of Mixture
        One per distinct (missing pattern, observed conditioning values).
    """
    terms = list(coef.index)
    corr_terms = [t for t in terms if t in CORRELATED]
    miss = values[terms].isna().to_numpy()
    index = np.full(len(values), -1)
    rows = np.flatnonzero(miss.any(axis=1))
    if not len(rows):
        return index, []
    obs = observed_block(data, values)
    cache: dict[tuple[object, ...], int] = {}
    mixes: list[Mixture] = []
    pos = {t: i for i, t in enumerate(terms)}
    for r in rows:
        m_corr = tuple(t for t in corr_terms if miss[r, pos[t]])
        m_ind = tuple(g for g, ts in independent.items() if miss[r, pos[ts[0]]])
        key = (m_corr, m_ind, tuple(obs[r]) if m_corr else ())
        if key not in cache:
            mix = Mixture(np.zeros(1), np.ones(1))
            if m_corr:
                mix = _correlated(m_corr, tuple(obs[r]), coef)
            for g in m_ind:
                lv = independent_levels(g)
                b = coef[list(independent[g])].to_numpy(float)
                d = np.array([float(np.dot(v[: len(b)], b)) for _, v in lv])
                mix = _combine(mix, Mixture(d, np.array([p for p, _ in lv])))
            cache[key] = len(mixes)
            mixes.append(mix)
        index[r] = cache[key]
    return index, mixes
