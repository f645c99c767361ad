"""Save a figure as PDF, SVG, PNG or TIFF with its provenance in the file's metadata.

Where the provenance goes:

========  ===============================================================================
format    metadata
========  ===============================================================================
PDF       Info dictionary: ``Subject`` = provenance JSON, ``Keywords`` = ``key=value`` pairs,
          ``Creator`` = ``lms_prognosis <version>``
PNG       ``tEXt`` chunks: ``Software``, ``Description`` (= JSON) and ``lms_prognosis``
SVG       ``<metadata>`` (Dublin Core): ``dc:description`` = JSON, ``dc:creator``
TIFF      tag 270 ``ImageDescription`` = JSON, tag 305 ``Software`` (written with Pillow)
========  ===============================================================================
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

from lms_prognosis._provenance import provenance as _provenance_record
from lms_prognosis._version import __version__
from lms_prognosis.exceptions import ExportError
from lms_prognosis.plotting._raster import RASTERS, png_with_text, rasterise_pdf
from lms_prognosis.plotting._render import (
    add_subsets,
    frozen_layout,
    raster_dpi,
    rasterized_dense,
    shared_font_subsets,
    subsets_snapshot,
)
from lms_prognosis.plotting._result import as_figure
from lms_prognosis.plotting.style import MM_PER_INCH, get_preset

FORMATS = ("pdf", "svg", "png", "tif", "tiff")


def provenance_json(
    provenance: Mapping[str, Any] | None = None,
    data: Any = None,
    parameters: Mapping[str, Any] | None = None,
) -> str:
    """The provenance record embedded by :func:`save_figure`, as compact JSON.

    Parameters
    ----------
    provenance : mapping, optional
        A record made by :func:`lms_prognosis._provenance.provenance` or any extra keys;
        merged over the record built from ``data`` and ``parameters``.
    data : DataFrame or Cohort, optional
        Input data; its SHA-256 (:func:`~lms_prognosis._provenance.hash_frame`) is recorded.
    parameters : mapping, optional
        Analysis parameters (JSON-serialisable; others are stored as their ``repr``).

    Examples
    --------
    >>> import pandas as pd
    >>> rec = json.loads(provenance_json(data=pd.DataFrame({"x": [1]}), parameters={"t": 60}))
    >>> sorted(rec)
    ['created', 'data_sha256', 'data_shape', 'parameters', 'software']
    """
    frame = getattr(data, "data", data)
    if frame is not None and not isinstance(frame, pd.DataFrame):
        raise ExportError(f"data must be a DataFrame or a Cohort, got {type(data).__name__}")
    rec = _provenance_record(frame, dict(parameters) if parameters else None)
    if provenance:
        rec.update(dict(provenance))
    return json.dumps(rec, sort_keys=True, separators=(",", ":"), default=repr)


def _targets(path: str | Path, formats: Iterable[str] | str | None) -> list[tuple[Path, str]]:
    path = Path(path)
    if formats is None:
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ExportError(
                f"cannot tell the format of {str(path)!r}: give a suffix "
                f"({', '.join(FORMATS)}) or formats="
            )
        return [(path, "tiff" if fmt == "tif" else fmt)]
    if isinstance(formats, str):
        formats = [formats]
    out = []
    for fmt in formats:
        f = fmt.lower().lstrip(".")
        if f not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        out.append((path.with_suffix(f".{f}"), "tiff" if f == "tif" else f))
    return out


def save_figure(
    fig: Any,
    path: str | Path,
    preset: str | dict[str, Any] | None = None,
    dpi: int | None = None,
    formats: Iterable[str] | str | None = None,
    provenance: Mapping[str, Any] | None = None,
    data: Any = None,
    parameters: Mapping[str, Any] | None = None,
    columns: int | None = None,
    title: str | None = None,
    raster: str = "agg",
) -> list[Path]:
    """Write a figure to PDF, SVG, PNG and/or TIFF with provenance in the file metadata.

    Parameters
    ----------
    fig : PlotResult, Figure or Axes
        What a ``plot_*`` function returned, a matplotlib Figure, or an Axes (its figure is
        saved).
    path : str or Path
        Output path. Its suffix gives the format unless ``formats`` is given, in which case
        the suffix is replaced by each format (``"fig1"`` with ``formats=("pdf", "png")``
        writes ``fig1.pdf`` and ``fig1.png``). Parent folders must exist.
    preset : str or dict, optional
        Journal preset (:data:`~lms_prognosis.plotting.style.JOURNAL_PRESETS`): the figure is
        saved at the preset's column width (height scaled to keep the aspect ratio) and dpi.
        The figure's own size is restored afterwards. Fonts are not changed here: create the
        figure inside :func:`~lms_prognosis.plotting.style.journal_style` for those.
    dpi : int, optional
        Raster resolution (PNG, TIFF); default the preset's (300 without a preset). Journals
        usually ask 300 (halftone) or 600 (with text) dpi.
    formats : str or iterable of str, optional
        Any of ``"pdf"``, ``"svg"``, ``"png"``, ``"tiff"`` (``"tif"``).
    provenance, data, parameters
        What is recorded (see :func:`provenance_json`): package version, creation time,
        SHA-256 of ``data`` and the ``parameters`` JSON.
    columns : {1, 2}, optional
        With ``preset``: single or double column width; default keeps the figure width
        unless a preset is given (then single column).
    title : str, optional
        Title stored in the metadata.
    raster : {"agg", "pdf"}
        How PNG and TIFF files are drawn. ``"agg"`` (default): by matplotlib's Agg renderer,
        pixel for pixel what ``Figure.savefig`` writes. ``"pdf"``: the figure is drawn once,
        as its PDF, and the raster files are that PDF rasterised by typst at ``dpi``: the
        same drawing as the vector file, in about a tenth of Agg's time (15-20 ms against
        150-250 ms for a Kaplan-Meier figure). Anti-aliasing differs slightly from Agg, and
        typst draws a hatched fill with alpha opaque, so keep ``"agg"`` for hatched figures.
        ``write_report`` uses ``"pdf"``.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ExportError
        ``fig`` is not a figure, a format or ``raster`` is unknown, the format cannot be told
        from the suffix, or the dpi is outside 72-2400.
    RasterError
        With ``raster="pdf"``: typst could not rasterise the figure's PDF (a subclass of
        ``ExportError``; ``raster="agg"`` draws the file with matplotlib instead).

    Notes
    -----
    TIFF files are written by Pillow as RGB with LZW compression and the dpi tag set. PDF
    text is embedded as TrueType (``pdf.fonttype = 42``) so it stays editable.

    The figure is laid out once for all formats. In PDF and SVG, text, axes and sparse layers
    are vector; a line or collection with more than 5,000 points (a scatter of 100,000
    residuals) is rasterised at ``dpi`` (at least 300), so the file's size and writing time
    follow its pixels, not the number of patients. PDFs written in one process share one
    font subset per font (computed once; each file still embeds it).

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = save_figure(fig, f"{d}/fig", formats=("pdf", "png"), parameters={"t": 60})
    ...     [p.suffix for p in paths]
    ['.pdf', '.png']
    >>> plt.close(fig)
    """
    figure = as_figure(fig)
    if figure is None:
        raise ExportError(
            f"expected a PlotResult, a matplotlib Figure or an Axes, got {type(fig).__name__}"
        )
    targets = _targets(path, formats)
    p = get_preset(preset)
    res = int(dpi if dpi is not None else p["dpi"])
    if res < 72 or res > 2400:
        raise ExportError(f"dpi must be between 72 and 2400, got {res}")
    if raster not in RASTERS:
        raise ExportError(f"raster must be one of {', '.join(map(repr, RASTERS))}, got {raster!r}")
    meta = _Meta(
        provenance_json(provenance, data, parameters),
        f"lms_prognosis {__version__} (matplotlib {mpl.__version__})",
        title or "",
    )

    old_size = figure.get_size_inches().copy()
    if preset is not None or columns is not None:
        width = p["width_mm"][(columns or 1) - 1] / MM_PER_INCH
        figure.set_size_inches(width, width * old_size[1] / old_size[0])
    written: list[Path] = []
    try:
        with (
            mpl.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}),
            frozen_layout(figure, res),
            shared_font_subsets(),
        ):
            pdf = png = None
            for target, fmt in targets:
                if raster == "pdf" and fmt in ("png", "tiff"):
                    pdf = pdf or _pdf_bytes(figure, res, meta)
                    png = png or rasterise_pdf(pdf, res)
                    _write_raster(png, target, fmt, res, meta)
                elif fmt == "pdf":
                    pdf = pdf or _pdf_bytes(figure, res, meta)
                    target.write_bytes(pdf)
                else:
                    _write(figure, target, fmt, res, meta)
                written.append(target)
    finally:
        figure.set_size_inches(float(old_size[0]), float(old_size[1]))
    return written


def font_subsets() -> dict[str, Any]:
    """The font subsets PDFs written by :func:`save_figure` in this process embed.

    Building a font's subset takes 0.2-0.5 s the first time in a process; a process that
    writes PDFs with the same fonts can take them over with :func:`add_font_subsets`
    (``write_report`` hands its worker processes' subsets to the main process). The files
    are the same either way: a subset depends only on the font and the glyphs it holds.

    Returns
    -------
    dict
        Picklable; the fonts' paths, glyph ids and subset font files.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Survival")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = save_figure(fig, f"{d}/fig.pdf")
    >>> len(font_subsets()["subsets"]) >= 1
    True
    >>> add_font_subsets(font_subsets())  # e.g. in another process
    >>> plt.close(fig)
    """
    return subsets_snapshot()


def add_font_subsets(subsets: Mapping[str, Any]) -> None:
    """Use font subsets from :func:`font_subsets` (of another process) for later PDFs.

    Parameters
    ----------
    subsets : mapping
        What :func:`font_subsets` returned; subsets this process has built already are kept.

    Examples
    --------
    >>> add_font_subsets({})  # nothing to add
    """
    add_subsets(dict(subsets))


class _Meta(NamedTuple):
    prov: str
    software: str
    title: str

    def pdf(self) -> dict[str, Any]:
        return {
            "Title": self.title,
            "Subject": self.prov,
            "Keywords": _keywords(self.prov),
            "Creator": self.software,
        }

    def png(self) -> dict[str, str]:
        return {
            "Title": self.title,
            "Software": self.software,
            "Description": self.prov,
            "lms_prognosis": self.prov,
        }


def _keywords(prov: str) -> str:
    rec = json.loads(prov)
    keys = ("software", "data_sha256", "created")
    return "; ".join(f"{k}={rec[k]}" for k in keys if k in rec)


def _pdf_bytes(figure: Figure, dpi: int, meta: _Meta) -> bytes:
    buf = io.BytesIO()
    with rasterized_dense(figure):
        figure.savefig(buf, format="pdf", metadata=meta.pdf(), dpi=raster_dpi(dpi))
    return buf.getvalue()


def _write_raster(png: bytes, target: Path, fmt: str, dpi: int, meta: _Meta) -> None:
    """Write PNG bytes (drawn by typst or Agg) as ``fmt`` with the metadata Agg's files carry;
    TIFF through Pillow (a matplotlib dependency): RGB + LZW + dpi + description."""
    if fmt == "png":
        target.write_bytes(png_with_text(png, dpi, meta.png()))
        return
    with Image.open(io.BytesIO(png)) as im:
        rgb = im.convert("RGB")
    rgb.save(
        target,
        format="TIFF",
        compression="tiff_lzw",
        dpi=(dpi, dpi),
        tiffinfo={270: meta.prov, 305: meta.software},
    )


def _write(figure: Figure, target: Path, fmt: str, dpi: int, meta: _Meta) -> None:
    if fmt == "svg":
        svg_meta = {
            "Title": meta.title,
            "Description": meta.prov,
            "Creator": meta.software,
            "Keywords": ["lms_prognosis", _keywords(meta.prov)],
        }
        with rasterized_dense(figure):
            figure.savefig(target, format="svg", metadata=svg_meta, dpi=raster_dpi(dpi))
    elif fmt == "png":
        figure.savefig(target, format="png", dpi=dpi, metadata=meta.png())
    else:  # tiff: Agg's PNG, converted
        buf = io.BytesIO()
        figure.savefig(buf, format="png", dpi=dpi)
        _write_raster(buf.getvalue(), target, "tiff", dpi, meta)
