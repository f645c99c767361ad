"""Imputing the missing covariates of new patients from an :class:`Imputed`'s data sets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lms_prognosis._survdata import require_columns
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.impute._engine import decode_into, encode, run_chain

if TYPE_CHECKING:
    from lms_prognosis.impute.result import Imputed

__all__ = ["complete_new"]

_NEW_ITERATIONS = 5


def complete_new(imp: Imputed, newdata: pd.DataFrame, seed: int = 1) -> list[pd.DataFrame]:
    """m completed copies of ``newdata``; see :meth:`Imputed.complete_new`."""
    codes = imp._codes
    require_columns(newdata, [c.name for c in codes], "covariate")
    empty = newdata[[c.name for c in codes]].isna().all(axis=1)
    if empty.any():
        raise LMSPrognosisError(
            f"new patient(s) {newdata.index[empty].tolist()[:5]} have no covariate at all: "
            f"there is nothing to impute from; give at least one of {[c.name for c in codes]}"
        )
    try:
        new_coded = encode(newdata, codes)
    except ValueError as err:
        raise LMSPrognosisError(f"newdata: {err}") from None
    missing = [c for c in codes if new_coded[c.alias].isna().any()]
    out = []
    seeds = np.random.SeedSequence(seed).spawn(imp.m)
    for data, s in zip(imp.datasets, seeds, strict=True):
        if not missing:
            out.append(newdata.copy())
            continue
        train = encode(data, codes)
        stacked = pd.concat([train, new_coded], ignore_index=True)
        done, _ = run_chain(stacked, codes, None, _NEW_ITERATIONS, imp.k_pmm, "gaussian", s)
        filled = newdata.copy()
        part = done.iloc[len(train) :].set_axis(newdata.index)
        decode_into(filled, part, missing)
        out.append(filled)
    return out
