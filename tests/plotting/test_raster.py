"""save_figure(raster="pdf"): PNG and TIFF rasterised from the figure's one PDF drawing (typst),
in the right place, size and colour, with the metadata Agg's files carry."""

from __future__ import annotations

import io
import json
import struct

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from lms_prognosis.exceptions import ExportError
from lms_prognosis.plotting import plot_km, save_figure
from lms_prognosis.plotting._raster import png_with_text, rasterise_pdf

BLUE = (0, 114, 178)  # Okabe-Ito blue, #0072B2


def _marked_figure() -> Figure:
    """A 4 x 3 in figure: a blue block over figure fraction x 0.1-0.5, y 0.2-0.6, and "LMS"."""
    fig = plt.figure(figsize=(4, 3))
    fig.add_artist(
        Rectangle((0.1, 0.2), 0.4, 0.4, transform=fig.transFigure, color=np.array(BLUE) / 255, lw=0)
    )
    fig.text(0.6, 0.7, "LMS \u2265 60", fontsize=20, color="black")
    return fig


def _rgb(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    d = tmp_path_factory.mktemp("raster")
    fig = _marked_figure()
    pdf_path, png_path, tif_path = save_figure(
        fig,
        d / "m",
        formats=("pdf", "png", "tiff"),
        dpi=100,
        raster="pdf",
        parameters={"t": 60},
        title="Age \u2265 60",
    )
    agg_path = save_figure(fig, d / "agg", formats=("png",), dpi=100)[0]
    text_box = fig.texts[0].get_window_extent(fig.canvas.get_renderer())
    plt.close(fig)
    return pdf_path, png_path, tif_path, agg_path, text_box


def test_png_is_the_pdf_drawn_in_place(marked):
    _, png_path, _, agg_path, box = marked
    png, agg = _rgb(png_path), _rgb(agg_path)
    assert png.shape == agg.shape == (300, 400, 3)
    # the block: figure fraction (0.1..0.5, 0.2..0.6) -> columns 40..200, rows 120..240
    assert np.abs(png[130:230, 50:190] - BLUE).max() <= 2
    assert (png[:, :30] == 255).all() and (png[250:, :] == 255).all()  # paper stays white
    # the text is ink inside its box (Agg's extent at 100 dpi) and nowhere right of it
    rows = slice(int(300 - box.y1), int(300 - box.y0))
    ink = png[rows, int(box.x0) : int(box.x1)].min(axis=2) < 128
    agg_ink = agg[rows, int(box.x0) : int(box.x1)].min(axis=2) < 128
    assert ink.mean() > 0.05 and abs(ink.mean() - agg_ink.mean()) < 0.25 * agg_ink.mean()
    assert (png[:, int(box.x1) + 3 :] == 255).all()


def test_raster_files_carry_provenance_and_resolution(marked):
    pdf_path, png_path, tif_path, _, _ = marked
    with Image.open(png_path) as im:
        rec = json.loads(im.text["lms_prognosis"])
        assert json.loads(im.text["Description"]) == rec and rec["parameters"] == {"t": 60}
        assert im.text["Title"] == "Age \u2265 60"  # not Latin-1: an iTXt chunk
        assert im.text["Software"].startswith("lms_prognosis")
        assert round(im.info["dpi"][0]) == 100
    with Image.open(tif_path) as im:
        assert im.mode == "RGB" and im.size == (400, 300)
        assert json.loads(im.tag_v2[270]) == rec and round(float(im.info["dpi"][0])) == 100
    assert pdf_path.read_bytes()[:4] == b"%PDF"


def test_pdf_then_rasters_is_one_drawing(tmp_path, monkeypatch, km_grade):
    draws: list[str] = []
    original = Figure.draw

    def counting(self, renderer):
        draws.append(type(renderer).__name__)
        return original(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting)
    res = plot_km(km_grade)
    save_figure(res, tmp_path / "km", formats=("png", "pdf", "tiff"), dpi=120, raster="pdf")
    assert draws == ["MixedModeRenderer"]  # the PDF's (vector) renderer, once
    save_figure(res, tmp_path / "agg", formats=("png", "pdf"), dpi=120)  # Agg: one each
    assert len(draws) == 3
    plt.close(res.figure)


def test_km_figure_looks_as_agg_draws_it(tmp_path, km_grade):
    """Block means (8 x 8 px) of the two rasters agree: only anti-aliasing differs."""
    res = plot_km(km_grade)
    a = save_figure(res, tmp_path / "a", formats=("png",), dpi=120)[0]
    b = save_figure(res, tmp_path / "b", formats=("png",), dpi=120, raster="pdf")[0]
    plt.close(res.figure)
    x, y = _rgb(a).mean(axis=2), _rgb(b).mean(axis=2)
    assert x.shape == y.shape
    h, w = x.shape[0] // 8 * 8, x.shape[1] // 8 * 8

    def blocks(z: np.ndarray) -> np.ndarray:
        return z[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))

    diff = np.abs(blocks(x) - blocks(y))
    assert diff.mean() < 3 and (diff > 32).mean() < 0.01


def test_png_text_chunks_are_valid():
    buf = io.BytesIO()
    Image.new("RGBA", (3, 2), (255, 0, 0, 255)).save(buf, format="PNG")
    out = png_with_text(buf.getvalue(), 600, {"Software": "x (y)", "Title": "\u03c7\u00b2 \u2265"})
    kinds = []
    i = 8
    while i < len(out):
        (n,) = struct.unpack(">I", out[i : i + 4])
        kinds.append(out[i + 4 : i + 8])
        i += 12 + n
    assert kinds[:4] == [b"IHDR", b"pHYs", b"tEXt", b"iTXt"] and kinds[-1] == b"IEND"
    with Image.open(io.BytesIO(out)) as im:
        im.load()  # Pillow checks every chunk's CRC
        assert im.text == {"Software": "x (y)", "Title": "\u03c7\u00b2 \u2265"}
        assert round(im.info["dpi"][0]) == 600 and im.getpixel((0, 0)) == (255, 0, 0, 255)
    with pytest.raises(ExportError, match="not a PNG"):
        png_with_text(b"GIF89a", 100, {})


def test_bad_raster_and_bad_pdf_say_what_to_do(tmp_path):
    fig = _marked_figure()
    with pytest.raises(ExportError, match="raster must be one of 'agg', 'pdf'"):
        save_figure(fig, tmp_path / "a.png", raster="typst")
    plt.close(fig)
    with pytest.raises(ExportError, match='raster="agg"'):
        rasterise_pdf(b"%PDF-1.4 not a pdf", 100)
