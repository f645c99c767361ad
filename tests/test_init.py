"""The public API of design.md section 4 resolves from the package root."""

import subprocess
import sys

import pytest

import lms_prognosis as lp

DESIGN_NAMES = [  # design.md section 4: names notebooks, the CLI and outside checks use
    "read_cohort", "load_synthetic", "simulate_cohort", "kaplan_meier", "logrank_test",
    "fit_cox", "published_model", "concordance", "calibration", "validate", "table_one",
    "hr_table", "plot_km", "plot_forest", "plot_patient", "plot_calibration", "save_figure",
    "write_report",
]


@pytest.mark.parametrize("name", lp.__all__)
def test_every_public_name_resolves(name):
    assert getattr(lp, name) is not None


def test_design_names_are_public():
    assert set(DESIGN_NAMES) <= set(lp.__all__)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lp.nope  # noqa: B018


def test_import_is_light():
    # the CLI starts fast: importing the package loads neither matplotlib nor lifelines
    code = ("import sys, lms_prognosis; "
            "print(any(m.split('.')[0] in ('matplotlib', 'lifelines', 'sksurv') "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_show_versions_names_the_dependencies(capsys):
    lp.show_versions()
    out = capsys.readouterr().out
    for name in ("lms_prognosis", "lifelines", "scikit-survival", "pandas", "numpy"):
        assert name in out
