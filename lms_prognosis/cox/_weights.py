"""How rows count more than once in the engine's layout (private to :mod:`lms_prognosis.cox`).

Case weights (R ``coxph(weights=)``) multiply a row's risk, and the events of a tied block
share its Efron steps at their mean weight (R ``coxfit6``'s ``meanwt``). Copies (a bootstrap
sample's draw counts) are the rows repeated: every copy of an event is an Efron step of its
own, so a fit equals that of the repeated rows without repeating them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["case_weights", "copies"]


def copies(freq: np.ndarray, deaths: dict[str, np.ndarray], efron: bool) -> dict[str, np.ndarray]:
    """The Efron steps of rows repeated ``freq`` times (sorted): every copy of an event is a
    step. ``deaths``' step fields (``ndeath``, ``eblock_start``, ``k_frac``) are replaced in
    place; its rows (``death_rows``) stay, with their copies as ``death_wt``."""
    c = np.asarray(freq)
    if c.dtype.kind not in "iu" or (c.size and int(c.min()) < 1):
        raise ValueError("freq must hold positive integers (copies of each row)")
    dc = c[deaths["death_rows"]].astype(np.int64)
    steps = np.add.reduceat(dc, deaths["eblock_start"]) if dc.size else dc
    deaths["ndeath"] = steps
    deaths["eblock_start"] = np.cumsum(steps) - steps
    total = int(steps.sum())
    k_frac = np.zeros(total)
    if efron and total:  # (k - 1) / d per step, as ``_risksets._deaths`` does for single rows
        k_frac = np.arange(total, dtype=float)
        k_frac -= deaths["eblock_start"].repeat(steps)
        k_frac /= steps.repeat(steps)
    deaths["k_frac"] = k_frac
    return {"freq": c, "weights": c.astype(float), "death_wt": dc.astype(float)}


def case_weights(w: np.ndarray, deaths: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Event weights, their sums per event block and the mean weight of each Efron step."""
    dw = w[deaths["death_rows"]]
    kb = np.repeat(np.arange(deaths["ndeath"].size), deaths["ndeath"])
    deadwt = np.bincount(kb, weights=dw, minlength=deaths["eblock"].size)
    step = (deadwt / np.maximum(deaths["ndeath"], 1))[kb]
    return {"weights": w, "death_wt": dw, "step_wt": step, "block_deadwt": deadwt}
