"""One report on the shipped cohort per test session, shared by the report tests."""

from __future__ import annotations

import pytest

import lms_prognosis as lp
from lms_prognosis.report import write_report


@pytest.fixture(scope="session")
def cohort():
    return lp.load_synthetic()


@pytest.fixture(scope="session")
def report(tmp_path_factory, cohort):
    out = tmp_path_factory.mktemp("report") / "out"
    return write_report(cohort, out, progress=False)
