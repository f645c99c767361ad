"""The one exception hierarchy (``lms_prognosis.exceptions``): its shape, and that the public
names are the same objects wherever they are imported from."""

from __future__ import annotations

import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis import exceptions as exc
from lms_prognosis._survdata import survival_data

# class -> its documented parents (issue 11, item 4)
HIERARCHY = {
    "LMSPrognosisError": ("ValueError",),
    "SurvivalDataError": ("LMSPrognosisError",),
    "ColumnNotFoundError": ("LMSPrognosisError",),
    "CohortError": ("SurvivalDataError",),
    "CohortColumnError": ("CohortError", "ColumnNotFoundError"),
    "ModelError": ("LMSPrognosisError",),
    "CoxError": ("ModelError",),
    "EndpointMismatchError": ("ModelError",),
    "PopulationError": ("ModelError",),
    "PlotError": ("LMSPrognosisError",),
    "StyleError": ("PlotError",),
    "ExportError": ("LMSPrognosisError",),
    "RasterError": ("ExportError",),
    "ReportError": ("LMSPrognosisError",),
    "ReportExistsError": ("ReportError", "FileExistsError"),
    "LMSPrognosisWarning": ("UserWarning",),
    "CoxWarning": ("LMSPrognosisWarning",),
    "ConvergenceWarning": ("LMSPrognosisWarning",),
    "DataWarning": ("LMSPrognosisWarning",),
}


def test_all_lists_every_class() -> None:
    assert sorted(exc.__all__) == sorted(HIERARCHY)


@pytest.mark.parametrize("name", sorted(HIERARCHY))
def test_parents(name: str) -> None:
    cls = getattr(exc, name)
    parents = tuple(b.__name__ for b in cls.__bases__)
    assert parents == HIERARCHY[name]
    assert getattr(lp, name) is cls  # the public name is the same class
    assert cls.__doc__ and cls.__doc__.strip()


def test_old_except_value_error_still_catches() -> None:
    df = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 2]})
    with pytest.raises(ValueError):
        survival_data(df)
    with pytest.raises(ValueError):
        survival_data(df, covariates=["nope"])


def test_a_missing_column_is_never_a_key_error() -> None:
    df = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 0]})
    with pytest.raises(lp.ColumnNotFoundError) as err:
        survival_data(df, time="tiem")
    assert not isinstance(err.value, KeyError)
    assert "did you mean 'time'" in str(err.value)


def test_cohort_error_carries_exclusions() -> None:
    log = pd.DataFrame({"row": [2], "reason": ["missing time"]})
    err = lp.CohortError("no usable row", exclusions=log)
    assert err.exclusions is log and str(err) == "no usable row"
    assert lp.CohortError("x").exclusions is None
    with pytest.raises(lp.SurvivalDataError):
        raise err
