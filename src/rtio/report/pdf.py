"""A PDF report with fpdf2 and the DejaVu Sans font shipped with matplotlib (no system packages)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from matplotlib import font_manager

from rtio.report.document import Block


def _font_paths() -> tuple[str, str]:
    regular = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    return regular, bold


CELL_LIMIT = 400
"""Longest table cell printed in the PDF (characters); a longer one ends in "…" so that a row
always fits on a page (the HTML and DOCX reports keep the full text)."""


def _cell(text: str) -> str:
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"


def write_pdf(blocks: list[Block], path: Path) -> Path:
    """Write the report as a PDF (A4 portrait)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    regular, bold = _font_paths()
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    first = True
    for block in blocks:
        if block.kind == "heading":
            pdf.set_font("DejaVu", "B", 14 if first else 12)
            pdf.multi_cell(width, 7, block.text, align="L")
            pdf.ln(2)
            first = False
        elif block.kind == "paragraph":
            pdf.set_font("DejaVu", "", 8.5)
            pdf.multi_cell(width, 4.5, block.text, align="L")
            pdf.ln(2)
        elif block.kind == "figure":
            if pdf.get_y() > pdf.h - 110:
                pdf.add_page()
            pdf.image(str(block.figure), w=width * 0.85)
            pdf.set_font("DejaVu", "", 7.5)
            pdf.multi_cell(width, 4, block.text)
            pdf.ln(3)
        else:
            table = block.table
            pdf.set_font("DejaVu", "B", 9)
            pdf.multi_cell(width, 5, table.title)
            pdf.set_font("DejaVu", "", 6.5 if len(table.header) > 6 else 7.5)
            with pdf.table(
                width=width,
                line_height=3.6,
                headings_style=FontFace(emphasis="BOLD"),
                borders_layout="HORIZONTAL_LINES",
                text_align="LEFT",
            ) as grid:
                grid.row([_cell(text) for text in table.header])
                for row in table.rows:
                    grid.row([_cell(text) for text in row])
            if table.note:
                pdf.set_font("DejaVu", "", 7)
                pdf.multi_cell(width, 3.8, table.note)
            pdf.ln(3)
    pdf.output(str(path))
    return path
