"""The table of the shipped published models (:func:`list_models`)."""

from __future__ import annotations

import pandas as pd

from lms_prognosis.literature import data as _lit
from lms_prognosis.literature.models import published_model

__all__ = ["list_models"]


def list_models() -> pd.DataFrame:
    """Table of the shipped models: kind ("published" or "design"), endpoint, population,
    inputs, what they need that routine data may lack, baseline, caveat and source.

    Examples
    --------
    >>> list_models()["name"].tolist()
    ['gustafson1992', 'lms_default', 'sin2003', 'chapel2022']
    """
    rows = []
    for key in _lit.MODEL_INFO:
        m = published_model(key)
        rows.append(
            {
                "name": key,
                "title": m.title,
                "kind": m.kind,
                "model_type": m.model_type,
                "endpoint": m.endpoint,
                "population": m.population.summary(),
                "n": m.n,
                "n_factors": len(m.records),
                "risk_groups": m.risk_groups,
                "baseline": m.baseline.label,
                "inputs": ", ".join(m.inputs),
                "requirements": m.requirements,
                "caveat": m.caveat,
                "source": m.source,
                "citation": m.citation,
            }
        )
    return pd.DataFrame(rows)
