"""A PDF report with fpdf2 and the DejaVu Sans font shipped with matplotlib (no system packages)."""

from __future__ import annotations

from collections.abc import Callable
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


PADDING_MM = 2.5
"""Room for a cell's left and right margins (fpdf2's c_margin, 1 mm each) and a little air."""
LONGEST_WORD_SHARE = 0.4
"""No column is widened beyond this share of the line for one unbreakable word."""
WIDEST_CELL = 60
"""Characters of a cell that count towards its column's width (longer cells wrap)."""


def column_widths(
    measure: Callable[[str, bool], float], header: list[str], rows: list[list[str]], width: float
) -> tuple[float, ...]:
    """Column widths (mm, summing to ``width``) so that no word is broken: each column first gets
    its longest word (heading words in bold), then the rest of the line is shared in proportion to
    how much more its longest cell needs. ``measure(text, bold)`` is the printed width in mm."""
    sample = rows[:200]
    columns = range(len(header))
    cells = [[row[j] if j < len(row) else "" for row in sample] for j in columns]
    least = [
        PADDING_MM
        + min(  # a run without spaces longer than this share of the line may break
            width * LONGEST_WORD_SHARE,
            max(
                [
                    *(measure(word, True) for word in header[j].split()),
                    *(measure(word, False) for text in cells[j] for word in text.split()),
                    0.0,
                ]
            ),
        )
        for j in columns
    ]
    wanted = [
        max(
            least[j],
            PADDING_MM
            + max(
                [
                    *(measure(text[:WIDEST_CELL], False) for text in cells[j]),
                    measure(header[j], True) / 2,
                    0.0,
                ]
            ),
        )
        for j in columns
    ]
    if sum(least) >= width:
        return tuple(width * w / sum(least) for w in least)
    if sum(wanted) <= width:
        return tuple(width * w / sum(wanted) for w in wanted)
    room = (width - sum(least)) / (sum(wanted) - sum(least))
    return tuple(low + room * (high - low) for low, high in zip(least, wanted, strict=True))


def _measure(pdf: FPDF, size: float) -> Callable[[str, bool], float]:
    """The printed width (mm) of a text in the table font, regular or bold."""

    def measure(text: str, bold: bool) -> float:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        return float(pdf.get_string_width(text))

    return measure


TABLE_START_MM = 30.0
"""Room a table's title, heading row and first rows need; with less left, the table starts on the
next page (a title is never left alone at the foot of a page)."""


def _figure_size(block: Block, width: float, page: float) -> tuple[float, float]:
    """Printed width and height (mm) of a figure: 85 % of the line width, a tall one shrunk to a
    page."""
    assert block.figure is not None
    with Image.open(block.figure) as image:
        ratio = image.height / image.width
    height = min(width * 0.85 * ratio, page - 45)
    return height / ratio, height


def _room_needed(block: Block | None, width: float, page: float) -> float:
    """What must fit below a heading for the heading to stay with the block it introduces."""
    if block is None:
        return 0.0
    if block.kind == "figure":
        return _figure_size(block, width, page)[1] + 12
    return TABLE_START_MM if block.kind == "table" else 15.0


def write_pdf(blocks: list[Block], path: Path) -> Path:
    """Write the report as a PDF (A4 portrait)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    regular, bold = _font_paths()
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    bottom = pdf.h - pdf.b_margin

    def room(needed: float) -> None:
        if pdf.get_y() + needed > bottom:
            pdf.add_page()

    first = True
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.kind == "heading":
            if not first:
                room(12 + _room_needed(following, width, pdf.h))
            pdf.set_font("DejaVu", "B", 14 if first else 12)
            pdf.multi_cell(width, 7, block.text, align="L")
            pdf.ln(2)
            first = False
        elif block.kind == "paragraph":
            pdf.set_font("DejaVu", "", 8.5)
            pdf.multi_cell(width, 4.5, block.text, align="L")
            pdf.ln(2)
        elif block.kind == "figure":
            shown, height = _figure_size(block, width, pdf.h)
            room(height + 12)  # figure and caption on one page
            pdf.image(str(block.figure), w=shown, h=height)
            pdf.set_font("DejaVu", "", 7.5)
            pdf.multi_cell(width, 4, block.text)
            pdf.ln(3)
        else:
            table = block.table
            assert table is not None
            room(TABLE_START_MM)
            pdf.set_font("DejaVu", "B", 9)
            pdf.multi_cell(width, 5, table.title)
            size = 6.5 if len(table.header) > 6 else 7.5
            widths = column_widths(_measure(pdf, size), table.header, table.rows, width)
            pdf.set_font("DejaVu", "", size)
            with pdf.table(
                width=width,
                col_widths=widths,
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
