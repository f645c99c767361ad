"""What applying a published model returns: per-patient risks, and a recalibration.

Both are results in the package's one contract (:class:`lms_prognosis._results.Result`):
``.table``, ``.to_frame()``, ``repr``, ``_repr_html_``, ``.n`` and ``.dropped`` (the rows left
out, one line per reason: row = the caller's index label, column, value, reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis.literature._risk_table import DISPLAY_DECIMALS, display_frame

__all__ = ["ModelApplication", "Recalibration"]

_SHOWN_ROWS = 10


@dataclass(repr=False, eq=False)
class ModelApplication(Result):
    """A published model applied to a cohort: per-patient risks, and who was left out, why.

    Attributes
    ----------
    model : str
        Name of the published model.
    table : DataFrame
        One row per patient scored, indexed like the caller's frame: patient_id,
        linear_predictor, relative_risk, risk_group, surv_<h>m (full precision), baseline,
        marginalised, and the provenance columns model, model_kind, endpoint, population,
        source (the same on every row, so the table says where it comes from on its own).
    dropped : DataFrame
        Rows left out: row (the caller's index label), column, value, reason. Missing or
        invalid follow-up (from the one survival-input check), a missing model input, or a
        patient outside the model's population.
    n : int
        Patients scored (``len(table)``).
    baseline : str
        The baseline used (how absolute risks were obtained).
    missing : str
        ``"exclude"`` or ``"marginalise"``.
    notes : list of str
        Assumptions made (endpoint assumed, factors marginalised, outcome not checked).
    exclusions : DataFrame
        Deprecated (use ``dropped``): the same rows as in 0.1, with row = 1-based position
        in the frame and the patient_id.
    provenance : dict
        model, model_kind, endpoint, population, source (as the table's columns).

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis.literature import published_model
    >>> df = pd.DataFrame({"time": [5.0, 9.0], "event": [1, 0], "age": [70.0, None],
    ...                    "vascular_invasion": [True, False], "aneuploidy": [False, False],
    ...                    "necrosis": ["none", "none"]})
    >>> res = published_model("gustafson1992").score(df)
    >>> res.n, res.dropped[["row", "column", "reason"]].to_numpy().tolist()
    (1, [[1, 'age', 'missing']])
    """

    _title: ClassVar[str] = "Published model applied"

    model: str
    table: pd.DataFrame
    dropped: pd.DataFrame
    baseline: str
    missing: str
    notes: list[str] = field(default_factory=list)
    exclusions: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Patients scored."""
        return len(self.table)

    def rounded(self, decimals: int = DISPLAY_DECIMALS) -> pd.DataFrame:
        """The table for people: probabilities rounded (3 decimals), provenance columns left
        out (they are in :attr:`provenance`). The data (:attr:`table`) keep full precision."""
        return display_frame(self.table, decimals)

    def _heading(self) -> str:
        return f"{self._title}: {self.model} ({self.n} patients scored, missing={self.missing!r})"

    def _summary_lines(self) -> list[str]:
        prov = "; ".join(f"{k}: {v}" for k, v in self.provenance.items())
        return [
            *([prov] if prov else []),
            f"baseline: {self.baseline}",
            *(f"note: {n}" for n in self.notes),
        ]

    def _display_frame(self) -> pd.DataFrame:
        return display_frame(self.table.head(_SHOWN_ROWS))


@dataclass(repr=False, eq=False)
class Recalibration(Result):
    """A published model's baseline refitted on a cohort, and its calibration slope there.

    Attributes
    ----------
    table : DataFrame
        The refitted baseline: time (months), cumhaz (H0 for the reference patient, LP = 0),
        surv (exp(-cumhaz)).
    slope, slope_se : float
        Calibration slope (coefficient of the linear predictor in a Cox model of the cohort,
        Efron ties) and its standard error; for a points system, the per-point log HR.
    n, n_events : int
        Patients used and their events (code 1; a competing event, code 2, counts as
        censored).
    dropped : DataFrame
        Rows left out: row, column, value, reason.
    ties : str
        Tie handling of the baseline (``"breslow"`` or ``"efron"``).
    source : str
        The cohort the baseline was refitted on.
    method : str
        ``"baseline"`` (the published linear predictor kept) or ``"slope"`` (the linear
        predictor multiplied by ``slope``; always so for a points system).

    Examples
    --------
    >>> from lms_prognosis.literature import published_model
    >>> from lms_prognosis.simulate import load_synthetic
    >>> rec = published_model("lms_default").recalibrate(load_synthetic()).recalibration
    >>> rec.n, rec.n_events, round(rec.slope, 3)
    (500, 133, 1.041)
    """

    _title: ClassVar[str] = "Recalibration"

    table: pd.DataFrame
    slope: float
    slope_se: float
    n: int
    n_events: int
    dropped: pd.DataFrame
    ties: str
    source: str
    method: str = "baseline"

    def _heading(self) -> str:
        return f"{self._title} on {self.source}"

    def _summary_lines(self) -> list[str]:
        return [
            f"n = {self.n}, events = {self.n_events}; baseline: {self.ties} with the "
            + ("slope x the " if self.method == "slope" else "")
            + "linear predictor as offset",
            f"calibration slope {self.slope:.3f} (SE {self.slope_se:.3f})",
        ]

    def _display_frame(self) -> pd.DataFrame:
        return self.table.head(_SHOWN_ROWS)
