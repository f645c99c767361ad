"""Paper tables and the complete report.

``table_one`` and ``hr_table`` build the tables papers print; ``write_report`` assembles a
self-contained HTML report (rendered from the jinja2 templates in ``report/templates``) and
the same report as PDF, with every figure and table also written as its own file next to a
manifest; ``export_calculator`` writes a per-patient risk calculator as one offline page
(``assign_risk_groups``: the risk group it shows, in Python).
Tables and the report only format results: the statistics they show come from
:mod:`lms_prognosis.nonparametric` (Kaplan-Meier, log-rank, median follow-up),
:mod:`lms_prognosis.cox` (multivariable and univariable fits), :mod:`lms_prognosis.evaluate`,
:mod:`lms_prognosis.literature` and ``lms_prognosis._compare`` (the tests and SMDs of Table 1).
"""

from __future__ import annotations

from lms_prognosis.exceptions import ReportExistsError
from lms_prognosis.report.build import Report, write_report
from lms_prognosis.report.calculator import assign_risk_groups, export_calculator
from lms_prognosis.report.tables import HRTableResult, TableOneResult, hr_table, table_one

__all__ = [
    "table_one",
    "hr_table",
    "write_report",
    "export_calculator",
    "assign_risk_groups",
    "TableOneResult",
    "HRTableResult",
    "Report",
    "ReportExistsError",
]
