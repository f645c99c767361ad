"""Cohort schema, reading and row accounting (placeholder: being built in issue 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ENDPOINTS = ("DSS", "OS", "MFS", "LRFS")


class CohortError(ValueError):
    """The file or frame as a whole cannot be used (names the file and the column)."""


@dataclass(repr=False)
class Cohort:
    """A validated cohort: canonical frame, exclusions log, endpoint, optional truth."""

    data: pd.DataFrame
    exclusions: pd.DataFrame
    endpoint: str = "DSS"
    source: str = "<frame>"
    n_read: int = 0
    truth: Any | None = None
    notes: list[str] = field(default_factory=list)
