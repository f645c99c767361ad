"""Restricted mean survival time (RMST) of Kaplan-Meier curves and its contrasts between groups.

The RMST up to ``tau`` is the area under the Kaplan-Meier curve from 0 to ``tau``: the mean
survival time over the first ``tau`` months. Its standard error is R's (survival 3.5,
``survival:::survmean``, printed by ``print(fit, rmean = tau)``)::

    var = sum over distinct times t_i <= tau of A_i^2 d_i / (n_i (n_i - d_i))

where A_i is the area under the curve from t_i to tau (a term with n_i = d_i counts 0).
Past a group's last observed time the curve is carried flat to ``tau``, as R does; that is an
extrapolation, so it is reported with a :class:`~lms_prognosis.exceptions.DataWarning`.

Contrasts between groups follow survRM2's ``rmst2`` (Uno et al.), which uses the same
per-group variance: the difference r1 - r0 with se sqrt(se1^2 + se0^2) and a normal CI, and
the ratio r1 / r0 with a CI on the log scale, se sqrt(se1^2 / r1^2 + se0^2 / r0^2) (delta
method); groups are independent samples. survRM2 is not in Debian, so the fixture
``tests/reference/km_extra.R`` computes this arithmetic from R's own ``rmean`` and se.

Our own code: lifelines' ``restricted_mean_survival_time`` has no standard error and
scikit-survival has no RMST.

References
----------
Uno H, Claggett B, Tian L, et al. Moving beyond the hazard ratio in quantifying the
between-group difference in survival analysis. J Clin Oncol 2014;32:2380-5.
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio for
the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res
Methodol 2013;13:152.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._distributions import norm_ppf, norm_sf
from lms_prognosis.exceptions import DataWarning

__all__ = ["rmst_one", "rmst_rows", "rmst_contrast_table", "RMST_COLUMNS", "CONTRAST_COLUMNS"]

RMST_COLUMNS = ["group", "tau", "rmst", "se", "lower", "upper"]
CONTRAST_COLUMNS = [
    "group",
    "reference",
    "tau",
    "difference",
    "se",
    "lower",
    "upper",
    "p",
    "ratio",
    "ratio_lower",
    "ratio_upper",
    "ratio_p",
]


def rmst_one(
    time: np.ndarray,
    surv: np.ndarray,
    n_risk: np.ndarray,
    n_event: np.ndarray,
    tau: float,
    start: float = 0.0,
) -> tuple[float, float]:
    """RMST up to ``tau`` and its standard error for one curve, as R ``survmean``.

    Parameters
    ----------
    time, surv, n_risk, n_event : ndarray
        The curve at its sorted distinct times (events and censorings).
    tau : float
        Restriction time (> start).
    start : float, default 0
        Where the area starts (R: ``min(0, time)``).

    Examples
    --------
    >>> t = np.array([1.0, 2.0, 3.0, 4.0])
    >>> r, se = rmst_one(t, np.array([0.75, 0.5, 0.25, 0.0]), np.array([4, 3, 2, 1]),
    ...                  np.array([1, 1, 1, 1]), tau=3.0)
    >>> round(r, 6), round(se, 6)
    (2.25, 0.414578)
    """
    n_risk = np.asarray(n_risk, dtype=float)
    n_event = np.asarray(n_event, dtype=float)
    free = n_risk - n_event
    hh = np.divide(n_event, n_risk * free, out=np.zeros(len(free)), where=free != 0)
    keep = time <= tau
    tt = np.append(time[keep], tau)
    ss = np.append(surv[keep], surv[keep][-1] if keep.any() else 1.0)
    hh = np.append(hh[keep], 0.0)
    rect = np.diff(np.concatenate([[start], tt])) * np.concatenate([[1.0], ss[:-1]])
    # area from each kept time to tau, paired with that time's Greenwood term
    tail = np.cumsum(rect[1:][::-1])[::-1]
    var = float(np.sum(tail**2 * hh[:-1]))
    return float(rect.sum() + start), float(np.sqrt(var))


def rmst_rows(label: Any, curve: pd.DataFrame, taus: np.ndarray, z: float) -> pd.DataFrame:
    """One group's rows of ``KMResult.rmst()`` from its curve (a slice of ``km.table``).

    Warns with a :class:`DataWarning` for a tau past the group's last observed time.
    """
    t = curve["time"].to_numpy()
    late = taus[taus > t[-1]]
    if len(late):
        warnings.warn(
            f"tau {late.tolist()} is past the last follow-up of group {label!r} "
            f"({t[-1]:g}); its curve is carried flat to tau, as R does, which "
            "extrapolates; choose tau within every group's follow-up",
            DataWarning,
            stacklevel=3,
        )
    rows = []
    for tv in taus:
        r, se = rmst_one(
            t,
            curve["surv"].to_numpy(),
            curve["n_risk"].to_numpy(),
            curve["n_event"].to_numpy(),
            float(tv),
        )
        rows.append([label, float(tv), r, se, r - z * se, r + z * se])
    return pd.DataFrame(rows, columns=RMST_COLUMNS)


def rmst_contrast_table(rm: pd.DataFrame, reference: object, conf_level: float) -> pd.DataFrame:
    """Difference and ratio of each group's RMST against ``reference`` (survRM2 arithmetic).

    ``rm`` is ``KMResult.rmst()``'s table for one tau (columns group, tau, rmst, se).

    Examples
    --------
    >>> rm = pd.DataFrame({"group": ["a", "b"], "tau": [12.0, 12.0], "rmst": [8.0, 10.0],
    ...                    "se": [0.6, 0.8]})
    >>> rmst_contrast_table(rm, "a", 0.95)[["group", "difference", "se", "ratio"]]
      group  difference   se  ratio
    0     b         2.0  1.0   1.25
    """
    z = float(norm_ppf(1.0 - (1.0 - conf_level) / 2.0))
    is_ref = (rm["group"] == reference).to_numpy()
    r0, s0 = float(rm["rmst"].to_numpy()[is_ref][0]), float(rm["se"].to_numpy()[is_ref][0])
    rows = []
    for label, tau, r1, s1 in zip(
        rm["group"][~is_ref],
        rm["tau"][~is_ref],
        rm["rmst"][~is_ref],
        rm["se"][~is_ref],
        strict=True,
    ):
        d, dse = r1 - r0, float(np.hypot(s1, s0))
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = float(np.log(r1 / r0))
            lse = float(np.sqrt((s1 / r1) ** 2 + (s0 / r0) ** 2))
        rows.append(
            [
                label,
                reference,
                tau,
                d,
                dse,
                d - z * dse,
                d + z * dse,
                float(2 * norm_sf(abs(d / dse))),
                r1 / r0,
                float(np.exp(lr - z * lse)),
                float(np.exp(lr + z * lse)),
                float(2 * norm_sf(abs(lr / lse))),
            ]
        )
    return pd.DataFrame(rows, columns=CONTRAST_COLUMNS)
