"""The two record types of :mod:`lms_prognosis.literature.data` and its evidence markers.

A :class:`Factor` is one factor effect of one model; a :class:`Constant` any other number
(prevalence, baseline, cut-point, parameter). Both carry their source and evidence marker.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

EVIDENCE_MARKERS = ("[V]", "[V2]", "[U]", "[D]")


@dataclass(frozen=True)
class Factor:
    """One published (or proposed) prognostic factor of one model.

    ``value`` is a hazard ratio / relative risk (``measure`` "RR" or "HR") or points
    (``measure`` "points"). ``term`` is the model-design name used by
    :func:`lms_prognosis.literature.model_design`.

    Examples
    --------
    >>> from lms_prognosis.literature.data import FACTORS
    >>> f = next(r for r in FACTORS if r.model == "gustafson1992")
    >>> f.factor, f.hr, f.evidence, "Cancer 1992" in f.source
    ('age >= 60 years', 8.0, '[V]', True)
    """

    model: str
    factor: str
    term: str
    value: float
    measure: str
    endpoint: str
    population: str
    n: int | None
    significant: bool | None
    evidence: str
    source: str
    lower: float = math.nan
    upper: float = math.nan
    basis: str = ""

    @property
    def hr(self) -> float:
        """The value as a hazard ratio (NaN for points)."""
        return self.value if self.measure in ("HR", "RR") else math.nan

    def as_dict(self) -> dict[str, Any]:
        """The record as a dict, with ``hr`` added."""
        d = asdict(self)
        d["hr"] = self.hr
        return d


@dataclass(frozen=True)
class Constant:
    """A number that is not a factor effect (prevalence, baseline, cut-point, parameter)."""

    name: str
    value: float
    evidence: str
    source: str
    note: str = ""
