"""Partial effect of one variable in a Cox model: the hazard ratio against a reference value.

For a variable entered through a spline, an interaction or as it is, the log hazard ratio of
value ``v`` against the reference ``r`` is ``(X(v) - X(r)) beta`` with the model's own coding
(knots fixed on the fitted data), and its variance ``d' V d`` with ``d = X(v) - X(r)`` and ``V``
the fit's variance (robust if the fit is). The other variables are held at ``at`` (default:
the median of a number, the reference level of a factor, False for a boolean), which matters
only when they interact with the variable. This is rms's ``Predict(fit, x, ref.zero = TRUE)``
and what :func:`lms_prognosis.plot_partial_effect` draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import norm_ppf
from lms_prognosis._results import Result
from lms_prognosis.exceptions import CoxError

if TYPE_CHECKING:  # type-only: result.py imports this module
    from lms_prognosis.cox.result import CoxResult

__all__ = ["PartialEffect", "partial_effect"]


@dataclass(repr=False, eq=False)
class PartialEffect(Result):
    """Hazard ratio of a variable over a grid of values against a reference value.

    Attributes
    ----------
    table : DataFrame
        value, log_hr, se, hr, lower, upper (one row per value).
    variable : str
        The variable varied.
    reference : Any
        The value whose hazard ratio is 1.
    at : dict
        The values the other variables were held at.
    terms : list of str
        The model terms that contain the variable.
    conf_level : float
        Level of the pointwise confidence band.
    """

    table: pd.DataFrame
    variable: str
    reference: Any
    at: dict[str, Any] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    conf_level: float = 0.95
    _title: ClassVar[str] = "PartialEffect"

    def _heading(self) -> str:
        return f"PartialEffect of {self.variable} (reference {self.reference}; terms {self.terms})"


def _default_at(data: pd.DataFrame, name: str) -> Any:
    s = data[name].dropna()
    if pd.api.types.is_bool_dtype(s.dtype):
        return False
    if pd.api.types.is_numeric_dtype(s.dtype):
        return float(np.median(s.to_numpy(dtype=float)))
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.categories[0]
    return sorted(s.unique().tolist(), key=lambda v: (str(type(v)), v))[0]


def partial_effect(
    fit: CoxResult,
    variable: str,
    values: Sequence[Any] | None = None,
    *,
    reference: Any = None,
    at: Mapping[str, Any] | None = None,
    n: int = 100,
) -> PartialEffect:
    """Hazard ratio of ``variable`` against ``reference``, with a pointwise confidence band.

    Parameters
    ----------
    fit : CoxResult
        A fitted model.
    variable : str
        A data column the model uses (``"age"`` for a term ``"rcs(age, 4)"``).
    values : sequence, optional
        Values to evaluate (default: ``n`` points from the smallest to the largest value
        in the fitted data for a number; every level for a factor).
    reference : optional
        The value with hazard ratio 1 (default the median for a number, the reference
        level for a factor).
    at : mapping, optional
        Values for the other variables (defaults as in the module docstring).
    n : int
        Grid size for a number.

    Returns
    -------
    PartialEffect

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["rcs(age, 4)", "grade"])
    >>> pe = fit.partial_effect("age", [40, 60, 80], reference=60)
    >>> pe.table[["value", "hr"]].round(2).values.tolist()
    [[40.0, 0.38], [60.0, 1.0], [80.0, 0.79]]
    """
    design = fit._design
    names = design.variables
    if variable not in names:
        raise CoxError(f"{variable!r} is not a variable of the model; it uses {names}")
    data = fit.data
    kind = "numeric" if pd.api.types.is_numeric_dtype(data[variable].dtype) else "factor"
    if pd.api.types.is_bool_dtype(data[variable].dtype):
        kind = "factor"
    if values is None:
        if kind == "numeric":
            x = data[variable].to_numpy(dtype=float)
            values = np.linspace(x.min(), x.max(), n).tolist()
        else:
            s = data[variable].dropna()
            values = (
                list(s.cat.categories)
                if isinstance(s.dtype, pd.CategoricalDtype)
                else sorted(s.unique().tolist(), key=lambda v: (str(type(v)), v))
            )
    ref = _default_at(data, variable) if reference is None else reference
    held = {v: _default_at(data, v) for v in names if v != variable}
    held.update(dict(at or {}))
    rows = list(values) + [ref]
    nd = pd.DataFrame({v: [held[v]] * len(rows) for v in names if v != variable})
    nd[variable] = rows
    for v in names:  # keep the fitted dtype (categories, booleans)
        if isinstance(data[v].dtype, pd.CategoricalDtype):
            nd[v] = pd.Categorical(nd[v], categories=data[v].cat.categories)
    x = design.transform(nd)
    d = x[:-1] - x[-1]
    log_hr = d @ fit._beta
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, fit._var, d), 0.0))
    q = norm_ppf(1 - (1 - fit.conf_level) / 2)
    table = pd.DataFrame(
        {
            "value": list(values),
            "log_hr": log_hr,
            "se": se,
            "hr": np.exp(log_hr),
            "lower": np.exp(log_hr - q * se),
            "upper": np.exp(log_hr + q * se),
        }
    )
    terms = [t.covariate for t in design.terms if variable in t.variables]
    return PartialEffect(table, variable, ref, held, terms, fit.conf_level)
