"""The report of an analysed demo study: every format and figure written, self-contained HTML,
editable DOCX tables, a PDF; figures made without touching matplotlib's global state."""

import importlib
from pathlib import Path

import matplotlib as mpl
import pytest
from docx import Document

from rtio.analyse import analyse_study
from rtio.report import render_report

DEMO = Path(__file__).parents[1] / "analyse" / "data" / "demo_study"


@pytest.fixture(scope="module")
def results():
    return analyse_study(DEMO)


def test_importing_and_drawing_figures_leaves_matplotlib_global_state_alone(
    results, tmp_path: Path
) -> None:
    backend, params = mpl.get_backend(), dict(mpl.rcParams)
    import rtio.report.figures

    importlib.reload(rtio.report.figures)
    render_report(results, tmp_path / "report", ["html"])
    assert mpl.get_backend() == backend
    assert {k: v for k, v in mpl.rcParams.items() if v != params[k]} == {}


def test_report_writes_every_format_and_figure(results, tmp_path: Path) -> None:
    paths = render_report(results, tmp_path / "report")
    names = {p.name for p in paths}
    assert {"report.html", "report.docx", "report.pdf", "results.json"} <= names
    for figure in (
        "km_pfs_itt",
        "km_os_itt",
        "waterfall",
        "swimmer",
        "spider",
        "trial_profile",
        "biomarker_boxplots",
    ):
        assert f"{figure}.png" in names and f"{figure}.svg" in names, figure
    html = (tmp_path / "report" / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert 'src="http' not in html and "<link" not in html and "<script" not in html
    assert results.meta.input_sha256 in html
    document = Document(str(tmp_path / "report" / "report.docx"))
    assert len(document.tables) >= 4
    assert (tmp_path / "report" / "report.pdf").read_bytes()[:4] == b"%PDF"
