"""Paper tables and the complete report.

``table_one`` and ``hr_table`` build the tables papers print; ``write_report`` assembles a
self-contained HTML report and the same report as PDF, with every figure and table also
written as its own file next to a manifest. Tables and the report only consume results of the
statistics modules and figures of :mod:`lms_prognosis.plotting`; they compute nothing of their
own (except the tests and SMDs of Table 1).
"""

from __future__ import annotations

from lms_prognosis.report.build import ReportExistsError, write_report
from lms_prognosis.report.tables import HRTableResult, TableOneResult, hr_table, table_one

__all__ = ["table_one", "hr_table", "write_report", "TableOneResult", "HRTableResult",
           "ReportExistsError"]
