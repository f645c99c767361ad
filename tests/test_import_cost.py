"""The core path (import, load a cohort, fit a Cox model, report and CLI modules) skips scipy.stats.

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
