"""Raster files drawn from the figure's PDF: one drawing for the vector and the raster files.

Private helper of :mod:`lms_prognosis.plotting.export` (``save_figure(raster="pdf")``).
Profiling the report (issue 16) showed matplotlib's Agg pass costing 150-250 ms per figure
(text layout and glyph rendering again, then zlib), as much as the PDF pass it repeats.
:func:`rasterise_pdf` has typst (already the report's PDF engine) rasterise the PDF that was
just written, in 15-20 ms for a Kaplan-Meier figure: the PNG and the PDF are then the same
drawing, pixel for point.

typst renders the PDF with its own renderer (hayro). Every figure of this package renders
as matplotlib's Agg draws it, up to anti-aliasing (checked by eye and by
``tests/plotting/test_raster.py``). One known difference: a *hatched* fill with alpha is
drawn opaque (the alpha of PDF pattern fills is dropped), which is why Agg stays the default
of :func:`~lms_prognosis.plotting.export.save_figure`.

PNG metadata: typst writes only the image. :func:`png_with_text` adds the ``pHYs`` (dpi)
chunk and one text chunk per key after ``IHDR``, as Pillow does when matplotlib saves a PNG:
``tEXt`` when the value is Latin-1, ``iTXt`` (UTF-8) otherwise.
"""

from __future__ import annotations

import functools
import struct
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import typst

from lms_prognosis.exceptions import RasterError

#: how PNG/TIFF files are drawn: by matplotlib's Agg, or rasterised from the figure's PDF
RASTERS = ("agg", "pdf")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PAGE = b'#set page(width: auto, height: auto, margin: 0pt)\n#image("figure.pdf")\n'
_METRES_PER_INCH = 0.0254


def rasterise_pdf(pdf: bytes, dpi: int) -> bytes:
    """The PNG (RGBA) of a one-page PDF at ``dpi``: its page size in points x dpi / 72 pixels.

    Examples
    --------
    >>> import io, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1))
    >>> buf = io.BytesIO()
    >>> fig.savefig(buf, format="pdf")
    >>> png = rasterise_pdf(buf.getvalue(), 100)
    >>> png[:4], struct.unpack(">II", png[16:24])
    (b'\\x89PNG', (200, 100))
    >>> plt.close(fig)
    """
    with tempfile.TemporaryDirectory(prefix="lms_prognosis_raster_") as tmp:
        root = Path(tmp)
        (root / "figure.pdf").write_bytes(pdf)
        (root / "page.typ").write_bytes(_PAGE)
        try:
            png = typst.compile(
                root / "page.typ", root=root, format="png", ppi=float(dpi), font_paths=_fonts()
            )
        except typst.TypstError as err:
            raise RasterError(
                f"typst could not rasterise the figure's PDF ({err}); "
                'save it with raster="agg" instead'
            ) from err
    if not isinstance(png, bytes) or not png.startswith(_PNG_SIGNATURE):
        raise RasterError('typst returned no PNG; save the figure with raster="agg" instead')
    return png


@functools.cache
def _fonts() -> typst.Fonts:
    """No fonts: the page holds only the figure's PDF, which embeds its own. typst then
    loads none of its embedded fonts per call (17 against 45 ms a Kaplan-Meier figure; the
    PNG is byte-identical)."""
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _text_chunk(key: str, value: str) -> bytes:
    keyword = key.encode("latin-1")
    try:
        return _chunk(b"tEXt", keyword + b"\0" + value.encode("latin-1"))
    except UnicodeEncodeError:  # as Pillow: iTXt, uncompressed, no language tag
        return _chunk(b"iTXt", keyword + b"\0\0\0\0\0" + value.encode("utf-8"))


def png_with_text(png: bytes, dpi: int, text: Mapping[str, str]) -> bytes:
    """``png`` with its resolution (``pHYs``) and text chunks added after its header.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (4, 2)).save(buf, format="PNG")
    >>> out = png_with_text(buf.getvalue(), 300, {"Title": "Age ≥60", "Software": "x"})
    >>> with Image.open(io.BytesIO(out)) as im:
    ...     im.text, round(im.info["dpi"][0])
    ({'Title': 'Age ≥60', 'Software': 'x'}, 300)
    """
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise RasterError("not a PNG image")
    header_end = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4
    per_metre = int(dpi / _METRES_PER_INCH + 0.5)
    added = [_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))]
    added += [_text_chunk(k, v) for k, v in text.items()]
    return png[:header_end] + b"".join(added) + png[header_end:]
