"""write_report (placeholder while being built)."""

from __future__ import annotations


class ReportExistsError(FileExistsError, ValueError):
    """The output folder is not empty and ``force`` was not given."""


def write_report(*args, **kwargs):
    raise NotImplementedError
