"""A PDF report with fpdf2 and the DejaVu Sans font shipped with matplotlib (no system packages)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from matplotlib import font_manager
from PIL import Image

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


def column_widths(header: list[str], rows: list[list[str]]) -> tuple[float, ...]:
    """Relative column widths from the longest cell and the longest heading word of each column
    (between 6 and 45 characters), so that wordy columns get room and numeric ones stay narrow."""
    longest = [
        max(
            [
                max((len(word) for word in header[j].split()), default=0) + 1,
                *(len(row[j]) for row in rows[:200] if j < len(row)),
            ]
        )
        for j in range(len(header))
    ]
    return tuple(float(min(max(n, 6), 45)) for n in longest)


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
            assert block.figure is not None
            with Image.open(block.figure) as image:
                ratio = image.height / image.width
            height = min(width * 0.85 * ratio, pdf.h - 45)  # a tall figure shrinks to a page
            if pdf.get_y() + height + 12 > pdf.h - pdf.b_margin:
                pdf.add_page()  # figure and caption on one page
            pdf.image(str(block.figure), w=height / ratio, h=height)
            pdf.set_font("DejaVu", "", 7.5)
            pdf.multi_cell(width, 4, block.text)
            pdf.ln(3)
        else:
            table = block.table
            assert table is not None
            pdf.set_font("DejaVu", "B", 9)
            pdf.multi_cell(width, 5, table.title)
            pdf.set_font("DejaVu", "", 6.5 if len(table.header) > 6 else 7.5)
            with pdf.table(
                width=width,
                col_widths=column_widths(table.header, table.rows),
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
