"""save_figure's rendering: one layout for all formats, one font subset per font, dense layers
rasterised in vector files while text stays text; KM steps thinned to the output resolution."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends import _backend_pdf_ps as pdfps
from PIL import Image

from lms_prognosis import kaplan_meier
from lms_prognosis.plotting import _render, plot_km, save_figure
from lms_prognosis.plotting.export import add_font_subsets, font_subsets
from lms_prognosis.plotting.km import _thin_index, _thin_marks


def _figure(n: int = 20) -> plt.Figure:
    rng = np.random.default_rng(1)
    fig, ax = plt.subplots(layout="constrained", figsize=(4, 3))
    ax.scatter(rng.random(n), rng.random(n), s=2)
    ax.set_xlabel("Time (months) \u2265 60")
    ax.set_title("p < 0.001 \u2013 \u03c72")
    return fig


def _count_subset_builds(monkeypatch) -> list[str]:
    """The fonts of every subset matplotlib builds from now on (a spy on its subsetter)."""
    calls: list[str] = []
    original = pdfps.get_glyphs_subset

    def counting(fontfile, glyphs):
        calls.append(str(fontfile))
        return original(fontfile, glyphs)

    monkeypatch.setattr(pdfps, "get_glyphs_subset", counting)
    return calls


def _images(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", pdf))


def test_dense_layer_is_an_image_text_stays_text(tmp_path):
    fig = _figure(20_000)
    (pdf,) = save_figure(fig, tmp_path / "dense.pdf")
    raw = pdf.read_bytes()
    assert _images(raw) >= 1  # the image (and its alpha mask)
    assert b"/FontFile2" in raw  # the labels are embedded TrueType text, not pixels
    assert not any(c.get_rasterized() for c in fig.axes[0].collections)  # restored


def test_sparse_layers_stay_vector(tmp_path):
    (pdf,) = save_figure(_figure(200), tmp_path / "sparse.pdf")
    assert _images(pdf.read_bytes()) == 0


def test_layout_engine_restored_and_png_unchanged(tmp_path):
    fig = _figure()
    engine = fig.get_layout_engine()
    save_figure(fig, tmp_path / "a", formats=("pdf", "png"), dpi=120)
    assert fig.get_layout_engine() is engine
    fig.savefig(tmp_path / "plain.png", dpi=120)  # matplotlib's own layout and draw
    a = np.asarray(Image.open(tmp_path / "a.png").convert("RGB"))
    b = np.asarray(Image.open(tmp_path / "plain.png").convert("RGB"))
    assert a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.skipif(_render._subset_api() is None, reason="matplotlib subsets by characters")
def test_one_font_subset_for_many_pdfs(tmp_path, monkeypatch):
    calls = _count_subset_builds(monkeypatch)
    counting = pdfps.get_glyphs_subset
    monkeypatch.setattr(_render, "_SUBSETS", {})
    for i in range(4):
        save_figure(_figure(), tmp_path / f"f{i}.pdf")
    assert calls and len(calls) == len(set(calls))  # once per font, not once per file
    assert pdfps.get_glyphs_subset is counting  # the patch is undone after each save
    for i in range(4):
        assert b"/FontFile2" in (tmp_path / f"f{i}.pdf").read_bytes()


@pytest.mark.skipif(_render._subset_api() is None, reason="matplotlib subsets by characters")
def test_pdf_bytes_do_not_depend_on_earlier_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # no creation time in the PDF
    monkeypatch.setattr(_render, "_SUBSETS", {})
    monkeypatch.setattr(_render, "_BASE", {})
    fixed = {"created": "fixed"}
    (first,) = save_figure(_figure(), tmp_path / "first.pdf", provenance=fixed)
    rare = _figure()
    rare.axes[0].set_ylabel("\u03c8 \u0416")  # glyphs beyond the shared base subset
    (other,) = save_figure(rare, tmp_path / "rare.pdf", provenance=fixed)
    (again,) = save_figure(_figure(), tmp_path / "again.pdf", provenance=fixed)
    assert first.read_bytes() == again.read_bytes()  # no glyph of the rare figure carried over
    assert len(other.read_bytes()) > len(first.read_bytes())  # which has its own glyphs
    plt.close("all")


@pytest.mark.skipif(_render._subset_api() is None, reason="matplotlib subsets by characters")
def test_font_subsets_of_another_process_are_used(tmp_path, monkeypatch):
    """A process given another's subsets (add_font_subsets) builds none and writes the same
    file; "Superficial" (an fi ligature glyph) needs no subset beyond the base one."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(_render, "_SUBSETS", {})
    monkeypatch.setattr(_render, "_BASE", {})
    fixed = {"created": "fixed"}
    fig = _figure()
    fig.axes[0].set_ylabel("Superficial")
    (built,) = save_figure(fig, tmp_path / "built.pdf", provenance=fixed)
    shared = font_subsets()
    assert [key[2] for key in shared["subsets"]] == [frozenset()]  # the base subset only
    monkeypatch.setattr(_render, "_SUBSETS", {})
    monkeypatch.setattr(_render, "_BASE", {})
    calls = _count_subset_builds(monkeypatch)
    add_font_subsets(shared)
    (given,) = save_figure(fig, tmp_path / "given.pdf", provenance=fixed)
    assert calls == []
    assert given.read_bytes() == built.read_bytes()
    plt.close(fig)


def _staircase(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.r_[0.0, np.sort(rng.exponential(40, n))]
    s = np.r_[1.0, np.cumprod(1 - 1 / np.arange(n + 1, 1, -1))]
    return t, s


def _step(t: np.ndarray, s: np.ndarray, q: np.ndarray) -> np.ndarray:
    return s[np.searchsorted(t, q, side="right") - 1]


def test_thinned_steps_within_one_column():
    t, s = _staircase(100_000)
    width, cells = float(t.max()), 3000
    keep = _thin_index(t, [s], width, cells)
    assert len(keep) <= 2 * cells + 2 and keep[0] == 0 and keep[-1] == len(t) - 1
    q = np.linspace(0, width, 20_001)
    w = width / cells
    thin = _step(t[keep], s[keep], q)
    # monotone: the thinned curve at q lies between the true curve one column either side
    assert np.all(thin <= _step(t, s, np.maximum(q - w, 0)) + 1e-12)
    assert np.all(thin >= _step(t, s, q + w) - 1e-12)


def test_few_points_untouched():
    t, s = _staircase(500)
    assert np.array_equal(_thin_index(t, [s], float(t.max()), 3000), np.arange(len(t)))
    assert np.array_equal(_thin_marks(t, s, float(t.max()), (3000, 2000)), np.arange(len(t)))


def test_marks_one_per_cell():
    t, s = _staircase(100_000)
    idx = _thin_marks(t, s, float(t.max()), (600, 400))
    cx, cy = np.floor(t * 600 / t.max()).astype(int), np.round(s * 400).astype(int)
    cells = set(zip(cx, cy, strict=True))
    assert len(idx) == len(cells)


def test_km_of_100000_patients_is_thin_and_keeps_its_table():
    t, _ = _staircase(100_000, seed=5)
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"time": t[1:], "event": rng.random(len(t) - 1) < 0.4})
    km = kaplan_meier(df.astype({"event": int}))
    res = plot_km(km, xticks=[0, 50, 100, 150])
    curve = res.axes["curve"].lines[0].get_xydata()
    assert len(curve) < 20_000  # 6 in x 600 dpi columns, not 100,000 steps
    assert curve[0].tolist() == [0.0, 1.0]
    assert curve[-1, 1] == pytest.approx(km.table["surv"].iloc[-1])
    assert res.at_risk["n_risk"].tolist() == km.at_risk([0, 50, 100, 150])["n_risk"].tolist()


@pytest.mark.skipif(_render._subset_api() is None, reason="matplotlib subsets by characters")
@pytest.mark.parametrize("epoch", ["0", "1000000000"])
def test_embedded_font_keeps_its_own_dates(tmp_path, monkeypatch, epoch):
    """The subset a PDF embeds carries the font file's own 'head' dates, not the time it was
    built (fontTools stamps saved fonts with the time, or SOURCE_DATE_EPOCH): the same file
    whenever, and in whichever process, the subset was made."""
    import io
    import zlib

    from fontTools.ttLib import TTFont
    from matplotlib.font_manager import findfont

    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    (pdf,) = save_figure(_figure(), tmp_path / "f.pdf", provenance={"created": "fixed"})
    fonts = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S):
        data = zlib.decompress(m.group(1))
        if data[:4] == b"\x00\x01\x00\x00":  # a TrueType font program
            fonts.append(TTFont(io.BytesIO(data))["head"])
    source = TTFont(findfont("DejaVu Sans"))["head"]
    assert fonts and all(h.modified == source.modified for h in fonts)
    assert all(h.created == source.created for h in fonts)
    plt.close("all")
