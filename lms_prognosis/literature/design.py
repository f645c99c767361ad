"""Binary factors the published models use, derived from canonical cohort columns.

One place for the cut-points (age >= 60, size > 5 cm, any necrosis, grade 2/3 vs 1, ...):
the models in :mod:`lms_prognosis.literature.models`, the simulator's truth and the report's
Kaplan-Meier factors all read them from :func:`model_design`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

SITES = ("trunk", "retroperitoneum", "uterus", "head_neck", "other")  # vs extremity


def column(data: pd.DataFrame, name: str) -> pd.Series:
    """A column of ``data``, or an all-missing one when the column is absent.

    Examples
    --------
    >>> column(pd.DataFrame({"age": [61.0]}), "grade").isna().tolist()
    [True]
    """
    if name in data.columns:
        return data[name]
    return pd.Series(np.nan, index=data.index, dtype=float)


def _norm(v: Any) -> str | None:
    """One value as stripped lower-case text ("1.0" -> "1"); missing -> None."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    t = str(v).strip().lower()
    return t[:-2] if t.endswith(".0") else t


def normalised_text(s: pd.Series) -> np.ndarray:
    """Normalised text of every value (vectorised through factorize).

    Examples
    --------
    >>> normalised_text(pd.Series([" Uterus", 2.0, None])).tolist()
    ['uterus', '2', None]
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return np.array([_norm(u) for u in uniques] + [None], dtype=object)[codes]


def _as_float(s: pd.Series, mapping: dict[str, float]) -> np.ndarray:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    texts = [_norm(u) for u in uniques]
    vals = np.array(
        [math.nan if t is None else mapping.get(t, math.nan) for t in texts] + [math.nan],
        dtype=np.float64,
    )
    return vals[codes]


_TRUE = {"true": 1.0, "1": 1.0, "yes": 1.0, "false": 0.0, "0": 0.0, "no": 0.0}


def model_design(data: pd.DataFrame) -> pd.DataFrame:
    """Derive the models' binary factors from canonical cohort columns.

    Parameters
    ----------
    data : DataFrame
        Canonical cohort columns (design section 3); absent columns count as missing.

    Returns
    -------
    DataFrame
        Float columns (1/0, NaN where the input is missing), indexed like ``data``:
        ``age_ge_60`` (age >= 60), ``vascular_invasion``, ``aneuploidy``, ``necrosis_any``
        (necrosis != "none"), ``size_gt_5`` (size_cm > 5), ``deep``, ``grade[2]``,
        ``grade[3]`` (vs grade 1), ``margin_positive`` (R1 or R2 vs R0), ``site_<name>``
        (vs extremity), and the points-system inputs ``size_cm``, ``mitoses_per_2_4mm2``,
        ``atypical_mitoses``, ``serosal_abutment``.

    Notes
    -----
    A missing grade (GX) gives NaN in both grade columns. These are the term names used by
    :class:`lms_prognosis.simulate.Truth` and by ``fit_cox`` on ``Truth.design_frame``.

    Examples
    --------
    >>> d = model_design(pd.DataFrame({"age": [59.9, 60.0], "grade": ["3", None]}))
    >>> d[["age_ge_60", "grade[2]", "grade[3]"]].to_numpy().tolist()
    [[0.0, 0.0, 1.0], [1.0, nan, nan]]
    """
    out = pd.DataFrame(index=data.index)
    age = pd.to_numeric(column(data, "age"), errors="coerce").to_numpy(float)
    out["age_ge_60"] = np.where(np.isnan(age), np.nan, (age >= 60).astype(float))
    out["vascular_invasion"] = _as_float(column(data, "vascular_invasion"), _TRUE)
    out["aneuploidy"] = _as_float(column(data, "aneuploidy"), _TRUE)
    out["necrosis_any"] = _as_float(
        column(data, "necrosis"), {"none": 0.0, "<50%": 1.0, ">=50%": 1.0}
    )
    size = pd.to_numeric(column(data, "size_cm"), errors="coerce").to_numpy(float)
    out["size_gt_5"] = np.where(np.isnan(size), np.nan, (size > 5).astype(float))
    out["deep"] = _as_float(column(data, "depth"), {"deep": 1.0, "superficial": 0.0})
    g = _as_float(column(data, "grade"), {"1": 1.0, "2": 2.0, "3": 3.0})
    out["grade[2]"] = np.where(np.isnan(g), np.nan, (g == 2).astype(float))
    out["grade[3]"] = np.where(np.isnan(g), np.nan, (g == 3).astype(float))
    out["margin_positive"] = _as_float(column(data, "margin"), {"r0": 0.0, "r1": 1.0, "r2": 1.0})
    site = normalised_text(column(data, "site"))
    known = np.isin(site, ["extremity", *SITES])
    for s in SITES:
        out[f"site_{s}"] = np.where(known, (site == s).astype(float), np.nan)
    out["size_cm"] = size
    out["mitoses_per_2_4mm2"] = pd.to_numeric(
        column(data, "mitoses_per_2_4mm2"), errors="coerce"
    ).to_numpy(float)
    out["atypical_mitoses"] = _as_float(column(data, "atypical_mitoses"), _TRUE)
    out["serosal_abutment"] = _as_float(column(data, "serosal_abutment"), _TRUE)
    return out
