"""save_figure writes PDF/SVG/PNG/TIFF carrying their provenance; styles leave no global state."""

from __future__ import annotations

import json
import re

import matplotlib
import matplotlib.pyplot as plt
import pytest
from PIL import Image

from lms_prognosis import __version__
from lms_prognosis._provenance import hash_frame
from lms_prognosis.plotting import (
    ExportError,
    StyleError,
    figure_size,
    get_palette,
    journal_style,
    plot_km,
    save_figure,
)


def _pdf_info(raw: bytes, key: str) -> str:
    m = re.search(rb"/" + key.encode() + rb" \((.*?)(?<!\\)\)", raw, re.S)
    assert m, f"no /{key} in the PDF Info dictionary"
    return re.sub(rb"\\([()\\])", rb"\1", m.group(1)).decode("latin-1")


@pytest.fixture(scope="module")
def saved(tmp_path_factory, km_grade, cohort_df):
    tmp_path = tmp_path_factory.mktemp("saved")
    fig = plot_km(km_grade)
    params = {"group": "grade", "ticks": [0, 24, 48], "note": "paren (check)"}
    paths = save_figure(fig, tmp_path / "km", formats=("pdf", "png", "svg", "tiff"),
                        data=cohort_df, parameters=params, preset="lancet", dpi=150)
    plt.close(fig)
    return paths, hash_frame(cohort_df), params


def test_pdf_and_png_carry_provenance(saved):
    paths, digest, params = saved
    assert [p.suffix for p in paths] == [".pdf", ".png", ".svg", ".tiff"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"%PDF")
    rec = json.loads(_pdf_info(raw, "Subject"))
    assert rec["data_sha256"] == digest
    assert rec["software"] == f"lms_prognosis {__version__}"
    assert rec["parameters"] == params
    assert digest in _pdf_info(raw, "Keywords")
    assert _pdf_info(raw, "Creator").startswith(f"lms_prognosis {__version__}")
    with Image.open(paths[1]) as im:
        rec_png = json.loads(im.text["lms_prognosis"])
        assert im.text["Software"].startswith("lms_prognosis")
        assert json.loads(im.text["Description"]) == rec_png
        # lancet single column, 75 mm at 150 dpi
        assert abs(im.size[0] - round(75 / 25.4 * 150)) <= 1
    assert rec_png["data_sha256"] == digest and rec_png["parameters"] == params


def test_svg_and_tiff_carry_provenance(saved):
    paths, digest, _ = saved
    svg = paths[2].read_text()
    assert digest in svg and "<dc:description>" in svg
    with Image.open(paths[3]) as im:
        assert im.mode == "RGB"
        assert json.loads(im.tag_v2[270])["data_sha256"] == digest
        assert str(im.tag_v2[305]).startswith("lms_prognosis")
        assert round(float(im.info["dpi"][0])) == 150


def test_figure_size_restored_and_errors(tmp_path):
    fig, ax = plt.subplots(figsize=(5, 4))
    save_figure(fig, tmp_path / "a.png", preset="nature", columns=2)
    assert tuple(fig.get_size_inches()) == (5, 4)
    with pytest.raises(ExportError, match="format"):
        save_figure(fig, tmp_path / "a.bmp")
    with pytest.raises(ExportError, match="dpi"):
        save_figure(fig, tmp_path / "a.png", dpi=10)
    with pytest.raises(ExportError, match="DataFrame"):
        save_figure(fig, tmp_path / "a.png", data=[1, 2])


def test_styles_are_scoped_and_palettes_colour_blind_safe():
    before = dict(matplotlib.rcParams)
    with journal_style("jco") as p:
        assert matplotlib.rcParams["font.size"] == p["font_size"]
        assert matplotlib.rcParams["pdf.fonttype"] == 42
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    assert get_palette("okabe_ito", 2) == ["#0072B2", "#D55E00"]
    assert figure_size("jco", 1)[0] == pytest.approx(84 / 25.4)
    with pytest.raises(StyleError):
        get_palette("okabe_ito", 9)
    with pytest.raises(StyleError):
        journal_style("nowhere").__enter__()
