"""What the core path imports: no scipy.stats anywhere on it, and no scipy.interpolate (nor
the scipy.optimize it loads) for reading a cohort and fitting a Cox model, nor with the report's
and the simulation's modules.

``import scipy.stats`` costs 0.45-0.75 s, paid by every CLI command; the package takes its
normal, chi-square and t functions from :mod:`lms_prognosis._distributions` instead.
"""

import subprocess
import sys

CODE = """
import sys
import lms_prognosis as lp
c = lp.load_synthetic()
fit = lp.fit_cox(c.data, ["age", "grade", "size_cm", "depth"])
fit.hazard_ratios
import lms_prognosis.report.build, lms_prognosis.cli
print("scipy.stats" in sys.modules)
"""


def test_core_path_does_not_import_scipy_stats():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False", out.stderr


CORE = """
import sys
import lms_prognosis as lp
from importlib.resources import files
c = lp.read_cohort(files("lms_prognosis") / "data" / "synthetic_somatic_500.csv")
fit = lp.fit_cox(c.data, ["age", "grade", "size_cm", "depth"])
fit.hazard_ratios
import lms_prognosis.cli, lms_prognosis.report.build, lms_prognosis.simulate
print(sorted(m for m in ("scipy.interpolate", "scipy.optimize") if m in sys.modules))
lp.fit_cox(c.data, ["ns(age, df=3)", "grade"])
print("scipy.interpolate" in sys.modules)
"""


def test_reading_and_fitting_skip_scipy_interpolate_and_optimize():
    """scipy.interpolate loads scipy.optimize (0.3-0.4 s); only a natural-spline term needs
    it, so it is imported when one is fitted, not with lms_prognosis.cox. Nor is
    scipy.optimize imported with the report's or the simulation's modules (the simulation
    imports it when it solves for a baseline scale)."""
    out = subprocess.run([sys.executable, "-c", CORE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"], out.stderr
