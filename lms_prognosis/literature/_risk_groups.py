"""How each published model cuts its risk groups: the statement and the assignment.

The cut-points are constants of :mod:`lms_prognosis.literature.data`, each with its source:
the SIN rule (2-3 of 3 factors = high risk) and the Chapel 2022 groups (0-2 / 3-5 / 6-13) are
published [V]; the cox models' groups are tertiles of the linear predictor in the simulated
somatic population [D].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.literature import data as _lit


def risk_groups_text(name: str) -> str:
    """How the risk groups of model ``name`` are cut (stated)."""
    c = _lit.constant
    if name == "sin2003":
        return "low = 0-1 factors, high = 2-3 factors (published)"
    if name == "chapel2022":
        return "low = 0-2, intermediate = 3-5, high = 6-13 points (published)"
    c1, c2 = c(f"lp_tertile_1[{name}]"), c(f"lp_tertile_2[{name}]")
    return (
        f"low: LP <= {c1:.4f}; intermediate: {c1:.4f} < LP <= {c2:.4f}; high: LP > "
        f"{c2:.4f} (tertiles of the LP in the simulated somatic population [D])"
    )


def risk_group(name: str, lp: np.ndarray) -> pd.Categorical[str]:
    """The risk group of each linear predictor (points for points systems) of model ``name``."""
    c = _lit.constant
    if name == "sin2003":
        codes = (lp >= c("sin_high_from")).astype(np.int8)
        return _categorical(codes, ["low", "high"])
    if name == "chapel2022":
        codes = (lp >= c("chapel_intermediate_from")).astype(np.int8) + (
            lp >= c("chapel_high_from")
        )
        return _categorical(codes, ["low", "intermediate", "high"])
    c1, c2 = c(f"lp_tertile_1[{name}]"), c(f"lp_tertile_2[{name}]")
    codes = (lp > c1 + 1e-9).astype(np.int8) + (lp > c2 + 1e-9)
    return _categorical(codes, ["low", "intermediate", "high"])


def _categorical(codes: np.ndarray, levels: list[str]) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=pd.Index(levels))
