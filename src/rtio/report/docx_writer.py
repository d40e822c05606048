"""A DOCX report with editable tables (python-docx), for pasting into manuscripts."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.shared import Inches, Pt

from rtio.report.document import Block


def write_docx(blocks: list[Block], path: Path) -> Path:
    """Write the report as a Word document: headings, paragraphs, figures and real tables."""
    document = Document()
    document.styles["Normal"].font.size = Pt(9)
    first = True
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=0 if first else 1)
            first = False
        elif block.kind == "paragraph":
            document.add_paragraph(block.text)
        elif block.kind == "figure":
            document.add_picture(str(block.figure), width=Inches(6.0))
            caption = document.add_paragraph(block.text)
            caption.runs[0].italic = True
        else:
            table = block.table
            assert table is not None
            document.add_paragraph(table.title).runs[0].bold = True
            grid = document.add_table(rows=1, cols=len(table.header))
            grid.style = "Light List"
            for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
                cell.text = text
            for row in table.rows:
                for cell, text in zip(grid.add_row().cells, row, strict=True):
                    cell.text = text
            if table.note:
                document.add_paragraph(table.note).runs[0].italic = True
    document.save(str(path))
    return path
