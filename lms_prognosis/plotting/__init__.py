"""Figures for papers, drawn from the package's result objects (they compute nothing).

Every function takes ``ax=None`` (or a grid cell to draw in) and returns a
:class:`PlotResult`: the Figure (usable as one) with the data it drew; palettes
and journal presets live in :mod:`~lms_prognosis.plotting.style`; :func:`save_figure` writes
PDF/SVG/PNG/TIFF with provenance in the file metadata.
"""

from __future__ import annotations

from lms_prognosis.exceptions import ExportError, PlotError, StyleError
from lms_prognosis.plotting._result import PlotResult
from lms_prognosis.plotting.calibration import plot_calibration
from lms_prognosis.plotting.cif import plot_cif
from lms_prognosis.plotting.export import provenance_json, save_figure
from lms_prognosis.plotting.forest import hr_frame, plot_forest
from lms_prognosis.plotting.hazard import plot_hazard
from lms_prognosis.plotting.km import KMPanel, plot_km
from lms_prognosis.plotting.nomogram import Nomogram, plot_nomogram
from lms_prognosis.plotting.partial_effect import plot_partial_effect
from lms_prognosis.plotting.patient import plot_patient
from lms_prognosis.plotting.schoenfeld import plot_schoenfeld
from lms_prognosis.plotting.style import (
    JOURNAL_PRESETS,
    PALETTES,
    figure_size,
    get_palette,
    get_preset,
    journal_style,
    style_rc,
)

__all__ = [
    "JOURNAL_PRESETS",
    "PALETTES",
    "ExportError",
    "KMPanel",
    "Nomogram",
    "PlotError",
    "PlotResult",
    "StyleError",
    "figure_size",
    "get_palette",
    "get_preset",
    "hr_frame",
    "journal_style",
    "plot_calibration",
    "plot_cif",
    "plot_forest",
    "plot_hazard",
    "plot_km",
    "plot_nomogram",
    "plot_partial_effect",
    "plot_patient",
    "plot_schoenfeld",
    "provenance_json",
    "save_figure",
    "style_rc",
]
