"""One self-contained HTML report: figures embedded as base64 PNG, no external resources."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from rtio.report.document import Block

STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 0.3em; font-size: 0.85em; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { padding: 0.25em 0.6em; text-align: left; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
thead th { border-bottom: 2px solid #444; }
p.note { font-size: 0.8em; color: #555; margin-top: 0; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; } figcaption { font-size: 0.85em; color: #444; }
footer { margin-top: 3em; font-size: 0.75em; color: #666; word-break: break-all; }
"""


def _table(block: Block) -> str:
    table = block.table
    assert table is not None
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return f"<table><caption>{html.escape(table.title)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def write_html(blocks: list[Block], path: Path) -> Path:
    """Write the report as a single HTML file."""
    parts = []
    first_heading = True
    for block in blocks[:-1]:
        if block.kind == "heading":
            tag = "h1" if first_heading else "h2"
            first_heading = False
            parts.append(f"<{tag}>{html.escape(block.text)}</{tag}>")
        elif block.kind == "paragraph":
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif block.kind == "figure":
            assert block.figure is not None
            data = base64.b64encode(block.figure.read_bytes()).decode()
            parts.append(
                f'<figure><img alt="{html.escape(block.text)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(block.text)}</figcaption></figure>"
            )
        else:
            parts.append(_table(block))
    footer = f"<footer>{html.escape(blocks[-1].text)}</footer>"
    title = html.escape(blocks[0].text)
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>{''.join(parts)}{footer}</body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path
