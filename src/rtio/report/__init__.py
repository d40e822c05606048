"""Results → a publication report: figures (PNG + SVG), one self-contained HTML, DOCX and PDF."""

from __future__ import annotations

from pathlib import Path

from rtio.analyse.results import Results
from rtio.report.document import build_document
from rtio.report.docx_writer import write_docx
from rtio.report.figures import make_figures
from rtio.report.html import write_html
from rtio.report.pdf import write_pdf

FORMATS = ("html", "docx", "pdf")
WRITERS = {"html": write_html, "docx": write_docx, "pdf": write_pdf}


def render_report(
    results: Results, out_dir: str | Path, formats: list[str] | tuple[str, ...] = FORMATS
) -> list[Path]:
    """Write figures, results.json and the report in each format; returns the paths written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"formats: unknown {unknown}; choose from {list(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = make_figures(results, out / "figures")
    blocks = build_document(results, figures)
    (out / "results.json").write_text(results.model_dump_json(indent=1))
    written = [out / "results.json"]
    for fmt in formats:
        written.append(WRITERS[fmt](blocks, out / f"report.{fmt}"))
    written += [p for paths in figures.values() for p in paths.values()]
    return written


__all__ = ["FORMATS", "render_report"]
