"""Pooling the bootstrap validations of m imputed data sets (``validate(..., imputed)``).

Rubin's rules (the package's one kernel, :func:`lms_prognosis.cox.pool_scalar`): the
optimism-corrected C is pooled on the logit scale (Marshall et al. 2009) with the
infinitesimal-jackknife standard error of each data set's apparent C as its
within-imputation error (the optimism correction shifts C; it does not change its sampling
error to first order), giving a t-based interval and the fraction of missing information.
Dxy is 2C - 1 of the pooled C. Every other metric (calibration slope, Brier score, ICI, O/E)
is pooled by Rubin's point estimate, the mean over data sets, with its between-imputation
standard deviation; it has no within-imputation standard error here, so no interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.cox import pool_scalar

__all__ = ["pool_validations"]

COLUMNS = ["apparent", "training", "test", "optimism", "corrected"]


def _logit_mean(values: np.ndarray) -> float:
    v = np.clip(values, 1e-12, 1 - 1e-12)
    return float(1.0 / (1.0 + np.exp(-np.mean(np.log(v / (1 - v))))))


def _pooled_c(corrected: np.ndarray, se: np.ndarray) -> dict[str, float]:
    """Pooled corrected C with its interval (NaN when a standard error is missing)."""
    if np.all(np.isfinite(se)) and np.all(se > 0):
        r = pool_scalar(corrected, se, scale="logit").iloc[0]
        return {
            "corrected": float(r["estimate"]),
            "lower": float(r["lower"]),
            "upper": float(r["upper"]),
            "fmi": float(r["fmi"]),
        }
    return {"corrected": _logit_mean(corrected), "lower": np.nan, "upper": np.nan, "fmi": np.nan}


def pool_validations(tables: list[pd.DataFrame], c_se: np.ndarray) -> pd.DataFrame:
    """One pooled table from the m per-data-set tables (same metrics in the same order).

    Columns: metric, apparent, training, test, optimism (means over data sets; C and Dxy's
    apparent on the logit scale), corrected (pooled), lower, upper, fmi (C and Dxy only),
    between (between-imputation SD of corrected), m, n_bootstrap (successful replicates in
    all data sets).

    Examples
    --------
    >>> t = pd.DataFrame({"metric": ["c"], "apparent": [0.7], "training": [0.72],
    ...                   "test": [0.69], "optimism": [0.03], "corrected": [0.67],
    ...                   "n_bootstrap": [10]})
    >>> pool_validations([t, t], np.array([0.02, 0.02]))["corrected"].round(6).tolist()
    [0.67]
    """
    stacked = pd.concat(tables, keys=range(len(tables)), names=["imputation", "row"])
    rows = []
    for metric in tables[0]["metric"]:
        part = stacked[stacked["metric"] == metric]
        vals = {c: part[c].to_numpy(float) for c in COLUMNS}
        row: dict[str, object] = {"metric": metric}
        row.update({c: float(np.mean(vals[c])) for c in COLUMNS})
        row.update(lower=np.nan, upper=np.nan, fmi=np.nan)
        if metric in ("c", "dxy"):
            to_c = (lambda v: v) if metric == "c" else (lambda v: (1 + v) / 2)
            pooled = _pooled_c(to_c(vals["corrected"]), np.asarray(c_se, dtype=float))
            back = (lambda v: v) if metric == "c" else (lambda v: 2 * v - 1)
            row["apparent"] = back(_logit_mean(to_c(vals["apparent"])))
            row.update({k: back(v) if k != "fmi" else v for k, v in pooled.items()})
        row["between"] = float(np.std(vals["corrected"], ddof=1)) if len(tables) > 1 else 0.0
        row["m"] = len(tables)
        row["n_bootstrap"] = int(part["n_bootstrap"].sum())
        rows.append(row)
    return pd.DataFrame(rows)
