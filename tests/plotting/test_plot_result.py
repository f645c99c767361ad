"""PlotResult: the Figure plus the data drawn, usable wherever a Figure was."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from lms_prognosis.plotting import PlotResult, plot_forest, plot_km, save_figure


def test_figure_api_is_reachable(km_grade, tmp_path):
    res = plot_km(km_grade)
    assert type(res) is PlotResult and isinstance(res, Figure)
    assert res.get_size_inches().tolist() == res.figure.get_size_inches().tolist()
    res.savefig(tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 1000
    assert res == res.figure and hash(res) == hash(res.figure)
    assert "kind='km'" in repr(res)
    assert res._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not hasattr(res.figure, "at_risk_table") and not hasattr(res.figure, "km_panels")


def test_report_flow_save_then_close(cox, tmp_path):
    # what report/build.py does with a returned figure
    fig = plot_forest(cox)
    figure = fig if hasattr(fig, "savefig") else fig.figure
    paths = save_figure(figure, tmp_path / "forest", formats=("png", "pdf"))
    assert [p.suffix for p in paths] == [".png", ".pdf"]
    num = fig.figure.number
    assert num in plt.get_fignums()
    plt.close(figure)
    assert num not in plt.get_fignums()


def test_pickle_and_copy_give_a_plot_result(cox):
    import copy
    import pickle

    res = plot_forest(cox)
    again = pickle.loads(pickle.dumps(res))
    assert type(again) is PlotResult and again.kind == "forest"
    assert again.table.equals(res.table)
    assert type(again.figure) is Figure
    assert type(copy.copy(res)) is PlotResult


def test_old_attribute_names_warn(km_grade):
    res = plot_km(km_grade)
    with pytest.warns(DeprecationWarning, match="use .panels"):
        assert res.km_panels == res.panels
    with pytest.warns(DeprecationWarning, match="use .at_risk"):
        assert res.at_risk_table is res.at_risk
    with pytest.raises(AttributeError):
        res.no_such_attribute  # noqa: B018


def test_subfigure_and_axes(km_grade, tmp_path):
    fig = plt.figure(layout="constrained")
    left, _ = fig.subfigures(1, 2)
    ax = left.subplots()
    res = plot_km(km_grade, ax=ax)
    assert res.figure is fig  # the top-level figure, to save or close
    (path,) = save_figure(ax, tmp_path / "b.png")
    assert path.exists()
