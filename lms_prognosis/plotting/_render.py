"""What makes saving a figure cost pixels, not patients: one layout, shared font subsets, dense
layers rasterised in vector files.

Private helper of :mod:`lms_prognosis.plotting.export` (``save_figure``). Profiling the report
(issue 16) showed three costs that grow with the figure count or with n, not with what the
reader sees:

- **Layout twice per file.** ``savefig`` on a constrained-layout figure runs the layout and a
  dry draw before the real one, once per format. :func:`frozen_layout` runs the layout once and
  switches the engine off while the formats are written (what matplotlib itself does between
  its dry and real pass), then restores it.
- **Font subsetting per file.** A Type 42 PDF embeds a subset of each TrueType font; building
  it (fontTools parses the whole font) took about 0.2 s per font per file, 3-4 s per report.
  :func:`shared_font_subsets` builds one subset per font and process, covering printable ASCII
  and the symbols the package prints (≥ ≤ – − ± χ ...), and hands the same subset to every PDF
  written after it; a figure that prints a glyph beyond those gets the base glyphs and its own
  (built once per such set), so a file's bytes never depend on which figures were written
  before it, nor in which process. Each PDF still embeds its fonts (files stay standalone and
  editable); only the work is shared. With matplotlib versions whose subsetting API differs,
  nothing is patched.
- **Dense layers drawn mark by mark.** A scatter of 100,000 residuals is 100,000 PDF
  operators. :func:`rasterized_dense` rasterises, in vector formats only, the layers with more
  than ``DENSE_MARKS`` marks or ``DENSE_VERTICES`` vertices, at the file's raster resolution;
  text, axes, ticks and every sparse layer stay vector. (Step curves are thinned to the
  output resolution where they are drawn, :mod:`lms_prognosis.plotting.km`, and stay vector.)
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

#: a layer with more marks (markers, scatter points, separate paths) than this is rasterised in
#: PDF/SVG: each mark is one drawing operator (design value)
DENSE_MARKS = 5000
#: a line with more vertices than this is rasterised: one path, but megabytes of coordinates
#: (design value; a thinned 100,000-patient KM curve has about 10,000)
DENSE_VERTICES = 50_000

# characters every figure of the package may print: one subset per font covers them all
_BASE_CHARS = "".join(chr(c) for c in range(32, 127)) + "–—−±≥≤×·°²³χβ…‘’“”≈µ→≠"
# and the ligatures the text shaper puts in their place ("Superficial" has an fi glyph)
_BASE_LIGATURES = ("fi", "fl", "ff", "ffi", "ffl")
_LOCK = threading.Lock()
#: font (path, face) -> the glyph ids every subset of it holds
_BASE: dict[tuple[str, int], frozenset[int]] = {}
#: (path, face, glyphs beyond the base ones) -> the subset font file and its glyph index map
_SUBSETS: dict[tuple[str, int, frozenset[int]], tuple[bytes, dict[int, int]]] = {}


@contextmanager
def frozen_layout(figure: Figure, dpi: float) -> Iterator[None]:
    """Run the figure's layout engine once (at ``dpi``, the raster formats' resolution, as
    ``savefig`` would), then draw every format with the layout fixed."""
    engine = figure.get_layout_engine()
    if engine is None:
        yield
        return
    old_dpi = figure.get_dpi()
    # as savefig does: the dpi changes for the layout only, without resizing a GUI window
    private = getattr(figure, "_set_dpi", None)
    set_dpi = (lambda v: private(v, forward=False)) if private else figure.set_dpi
    set_dpi(dpi)
    try:
        engine.execute(figure)  # what Figure.draw does first; no dry draw of the artists
    finally:
        set_dpi(old_dpi)
    figure.set_layout_engine(None)  # no engine: savefig skips its own layout and dry draw
    if figure.get_layout_engine() is not None:  # rcParams force one: leave the figure alone
        figure.set_layout_engine(engine)
        yield
        return
    try:
        yield
    finally:
        figure.set_layout_engine(engine)


def _dense(artist: Any) -> bool:
    """More marks than DENSE_MARKS or more vertices than DENSE_VERTICES."""
    if isinstance(artist, Line2D):
        n = len(np.asarray(artist.get_xydata()))
        marked = artist.get_marker() not in (None, "", " ", "None", "none")
        return (marked and n > DENSE_MARKS) or n > DENSE_VERTICES
    if isinstance(artist, Collection):
        offsets = artist.get_offsets()
        marks = len(np.asarray(offsets)) if offsets is not None else 0
        paths = artist.get_paths() or []
        vertices = sum(int(np.asarray(p.vertices).shape[0]) for p in paths)
        return max(marks, len(paths)) > DENSE_MARKS or vertices > DENSE_VERTICES
    return False


@contextmanager
def rasterized_dense(figure: Figure) -> Iterator[list[Any]]:
    """Rasterise, while the block runs, the dense lines and collections (vector formats draw
    them as one image at the savefig dpi); yields those artists."""
    dense = [
        a
        for ax in figure.get_axes()
        for a in (*ax.lines, *ax.collections)
        if not a.get_rasterized() and _dense(a)
    ]
    for a in dense:
        a.set_rasterized(True)
    try:
        yield dense
    finally:
        for a in dense:
            a.set_rasterized(False)


def _subset_api() -> Any:
    try:
        from matplotlib.backends import _backend_pdf_ps as pdfps
    except ImportError:  # pragma: no cover - matplotlib layout changed
        return None
    if not hasattr(pdfps, "SubsetResults") or not hasattr(pdfps, "get_glyphs_subset"):
        return None  # older matplotlib: subsets by characters, not glyph ids; leave it alone
    return pdfps


def _base_glyphs(fontfile: Any) -> frozenset[int]:
    from matplotlib.font_manager import get_font

    font = get_font(fontfile)
    gids = {int(font.get_char_index(ord(c))) for c in _BASE_CHARS}
    gids |= {int(font.get_name_index(name)) for name in _BASE_LIGATURES}
    gids.discard(0)
    return frozenset(gids | {0})


def _shared(original: Any, pdfps: Any) -> Any:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    def get_glyphs_subset(fontfile: Any, glyphs: Any) -> Any:
        font_key = (str(fontfile), int(getattr(fontfile, "face_index", 0)))
        want = frozenset(int(g) for g in glyphs)
        with _LOCK:
            base = _BASE.get(font_key)
            if base is None:
                base = _BASE[font_key] = _base_glyphs(fontfile)
            # the subset is the base glyphs and this file's: the same for a figure whatever
            # was written before it (and in whichever process)
            key = (*font_key, want - base)
            hit = _SUBSETS.get(key)
            if hit is None:
                with original(fontfile, set(base | want)) as res:
                    # fontTools stamps a saved font's 'head' table with the time of
                    # saving: keep the font's own date, so a PDF is the same whenever
                    # (and in whichever process) its subset was built
                    res.font.recalcTimestamp = False
                    data = pdfps.font_as_file(res.font).getvalue()
                    index = {int(k): int(v) for k, v in res.glyph_index_map.items()}
                hit = _SUBSETS[key] = (data, index)
        font = TTFont(io.BytesIO(hit[0]), recalcTimestamp=False)  # embedded as saved
        return pdfps.SubsetResults(font, dict(hit[1]))._as_cm()

    return get_glyphs_subset


@contextmanager
def shared_font_subsets() -> Iterator[None]:
    """While the block runs, PDFs embed one shared subset per font instead of one per file."""
    pdfps = _subset_api()
    if pdfps is None:
        yield
        return
    original = pdfps.get_glyphs_subset
    if getattr(original, "_lms_shared", False):  # nested: already shared
        yield
        return
    shared = _shared(original, pdfps)
    shared._lms_shared = True
    pdfps.get_glyphs_subset = shared
    try:
        yield
    finally:
        pdfps.get_glyphs_subset = original


def subsets_snapshot() -> dict[str, Any]:
    """The font subsets built in this process so far (a copy of the cache; the base glyph
    sets are not included: each process derives them from the font in microseconds)."""
    with _LOCK:
        return {"subsets": dict(_SUBSETS)}


def add_subsets(snapshot: dict[str, Any]) -> None:
    """Use the subsets of :func:`subsets_snapshot` (another process's) for later PDFs; a
    subset this process built already is kept."""
    with _LOCK:
        for key, value in snapshot.get("subsets", {}).items():
            _SUBSETS.setdefault(key, value)


def raster_dpi(dpi: int) -> int:
    """Resolution of the rasterised layers of a vector file: the raster dpi, at least 300."""
    return int(np.clip(dpi, 300, 2400))
