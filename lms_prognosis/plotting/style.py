"""Colour-blind-safe palettes and journal presets, applied without touching global state.

A preset is a plain dict (figure widths in mm, font, sizes, dpi); :func:`journal_style` turns it
into a :func:`matplotlib.rc_context`, so the settings apply only inside the ``with`` block.

Examples
--------
>>> get_palette("okabe_ito", 3)
['#0072B2', '#D55E00', '#009E73']
>>> figure_size("nature", columns=1, aspect=0.75)
(3.503..., 2.627...)
>>> import matplotlib
>>> with journal_style("jco"):
...     matplotlib.rcParams["pdf.fonttype"]
42
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.rcsetup import cycler

from lms_prognosis.exceptions import StyleError

MM_PER_INCH = 25.4

#: Colour-blind-safe palettes. ``okabe_ito`` is listed in the plotting order used for groups
#: (blue, vermillion, green, purple, orange, sky blue, black, yellow: yellow last because it is
#: hard to see on white). ``tol_bright`` is Paul Tol's "bright" qualitative scheme.
PALETTES: dict[str, list[str]] = {
    "okabe_ito": [
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#000000",
        "#F0E442",
    ],
    "tol_bright": ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"],
    "grey": ["#000000", "#666666", "#999999", "#BBBBBB"],
}

PALETTE_SOURCES: dict[str, str] = {
    "okabe_ito": "Okabe M, Ito K. Color Universal Design (CUD): how to make figures and "
    "presentations that are friendly to colorblind people. 2008. jfly.uni-koeln.de/color",
    "tol_bright": "Tol P. Colour schemes. SRON technical note SRON/EPS/TN/09-002, 2021. "
    "personal.sron.nl/~pault",
    "grey": "greyscale for print without colour",
}

_SANS = ["Arial", "Helvetica", "Liberation Sans", "Nimbus Sans", "DejaVu Sans"]
_SERIF = ["Times New Roman", "Times", "Liberation Serif", "Nimbus Roman", "DejaVu Serif"]

#: Journal presets. All values are APPROXIMATE readings of the journals' author guidelines
#: (checked 2026; guidelines change: confirm with the current guide before submission).
#: ``width_mm`` = (single column, double column); ``dpi`` = raster resolution for figures with
#: text (line art often needs 1000-1200 dpi; submit vector PDF/SVG where accepted).
JOURNAL_PRESETS: dict[str, dict[str, Any]] = {
    "default": {
        "width_mm": (89.0, 183.0),
        "font": "sans-serif",
        "font_size": 8.0,
        "dpi": 300,
        "source": "lms_prognosis default (screen and draft)",
    },
    "lancet": {
        "width_mm": (75.0, 154.0),
        "font": "serif",
        "font_size": 7.0,
        "dpi": 300,
        "source": "The Lancet submission guidelines (approx.): columns 75/154 mm, "
        ">=300 dpi; figures are usually redrawn in house, editable formats "
        "preferred (use SVG/PDF)",
    },
    "jco": {
        "width_mm": (84.0, 178.0),
        "font": "sans-serif",
        "font_size": 7.0,
        "dpi": 600,
        "source": "Journal of Clinical Oncology figure guidelines (approx.): one column "
        ">=3.3 in, two columns 5-7 in, 600 dpi colour with text, Arial/Helvetica",
    },
    "nejm": {
        "width_mm": (86.0, 178.0),
        "font": "sans-serif",
        "font_size": 7.0,
        "dpi": 300,
        "source": "New England Journal of Medicine (approx.): about 3.4 in / 7 in columns; "
        "figures are redrawn by NEJM illustrators",
    },
    "cancer": {
        "width_mm": (80.0, 180.0),
        "font": "sans-serif",
        "font_size": 7.0,
        "dpi": 600,
        "source": "Cancer (Wiley/ACS) artwork guidelines (approx.): Wiley standard "
        "80/180 mm, 300 dpi halftone, 600 dpi combination art",
    },
    "nature": {
        "width_mm": (89.0, 183.0),
        "font": "sans-serif",
        "font_size": 7.0,
        "dpi": 300,
        "source": "Nature formatting guide (approx.): 89/183 mm, 5-7 pt sans-serif",
    },
}


def get_palette(name: str | Sequence[str] = "okabe_ito", n: int | None = None) -> list[str]:
    """Return ``n`` colours from a named palette (or from a list of colours).

    Parameters
    ----------
    name : str or sequence of str
        A key of :data:`PALETTES` (``"okabe_ito"``, ``"tol_bright"``, ``"grey"``) or an explicit
        list of matplotlib colours.
    n : int, optional
        Number of colours. More colours than the palette holds cycle, which makes groups
        ambiguous, so a :class:`StyleError` is raised instead.

    Returns
    -------
    list of str

    Examples
    --------
    >>> get_palette("tol_bright", 2)
    ['#4477AA', '#EE6677']
    """
    if isinstance(name, str):
        if name not in PALETTES:
            raise StyleError(f"unknown palette {name!r}; choose one of {sorted(PALETTES)}")
        colours = list(PALETTES[name])
    else:
        colours = list(name)
    if n is None:
        return colours
    if n > len(colours):
        raise StyleError(f"palette has {len(colours)} colours but {n} groups were given")
    return colours[:n]


def get_preset(preset: str | dict[str, Any] | None) -> dict[str, Any]:
    """Return a journal preset dict by name (``None`` gives ``"default"``).

    Examples
    --------
    >>> get_preset("lancet")["width_mm"]
    (75.0, 154.0)
    """
    if preset is None:
        return dict(JOURNAL_PRESETS["default"])
    if isinstance(preset, dict):
        return {**JOURNAL_PRESETS["default"], **preset}
    key = preset.lower()
    if key not in JOURNAL_PRESETS:
        raise StyleError(
            f"unknown journal preset {preset!r}; choose one of {sorted(JOURNAL_PRESETS)}"
        )
    return dict(JOURNAL_PRESETS[key])


def figure_size(
    preset: str | dict[str, Any] | None = None, columns: int = 1, aspect: float = 0.8
) -> tuple[float, float]:
    """Figure size in inches for a journal column width: ``(width, width * aspect)``.

    Parameters
    ----------
    preset : str or dict, optional
        Journal preset name (see :data:`JOURNAL_PRESETS`).
    columns : {1, 2}
        Single or double column width.
    aspect : float
        Height / width.

    Examples
    --------
    >>> figure_size("lancet", columns=2, aspect=0.5)
    (6.062..., 3.031...)
    """
    if columns not in (1, 2):
        raise StyleError(f"columns must be 1 or 2, got {columns!r}")
    width = get_preset(preset)["width_mm"][columns - 1] / MM_PER_INCH
    return (width, width * aspect)


def style_rc(preset: str | dict[str, Any] | None = None) -> dict[str, Any]:
    """The matplotlib rc settings of a preset (fonts, sizes, line widths, embedded fonts).

    Examples
    --------
    >>> style_rc("nature")["font.size"]
    7.0
    """
    p = get_preset(preset)
    size = float(p["font_size"])
    family = p["font"]
    return {
        "font.family": family,
        "font.sans-serif": _SANS,
        "font.serif": _SERIF,
        "font.size": size,
        "axes.titlesize": size + 1,
        "axes.labelsize": size,
        "xtick.labelsize": size - 0.5,
        "ytick.labelsize": size - 0.5,
        "legend.fontsize": size - 0.5,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.linewidth": 1.2,
        "savefig.dpi": p["dpi"],
        "pdf.fonttype": 42,  # TrueType, editable text in PDF (journals ask for it)
        "ps.fonttype": 42,
        "svg.fonttype": "none",  # text stays text in SVG
        "axes.prop_cycle": cycler(color=get_palette("okabe_ito")),
    }


@contextlib.contextmanager
def journal_style(preset: str | dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Context manager applying a journal preset only inside the ``with`` block.

    Figures created inside keep the preset's fonts; :func:`save_figure` with the same
    ``preset=`` then sets the width and dpi.

    Yields
    ------
    dict
        The preset.

    Examples
    --------
    >>> import matplotlib
    >>> before = matplotlib.rcParams["font.size"]
    >>> with journal_style("lancet") as p:
    ...     matplotlib.rcParams["font.size"]
    7.0
    >>> matplotlib.rcParams["font.size"] == before
    True
    """
    p = get_preset(preset)
    rc: Any = style_rc(p)  # keys checked by matplotlib at run time
    with mpl.rc_context(rc):
        yield p
