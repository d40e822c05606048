"""``rtio validate``: report every problem of a study folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rtio.cli.common import study_argument

MAX_SHOWN = 200


def validate(
    study: Path = study_argument(),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Validate a study folder: every problem at once; exit status 1 when there are errors."""
    from rich.console import Console
    from rich.table import Table

    from rtio.io import validate_study

    report = validate_study(study)
    term_problems = _ae_term_problems(study, report)
    if json_output:
        typer.echo(report.to_json())
    else:
        console = Console()
        if report.issues:
            table = Table(title=f"Problems in {study}", show_lines=False)
            for header in ("severity", "file", "row", "column", "value", "rule", "message"):
                table.add_column(header, overflow="fold")
            for issue in report.issues[:MAX_SHOWN]:
                style = "red" if issue.severity == "error" else "yellow"
                table.add_row(
                    f"[{style}]{issue.severity}[/{style}]",
                    issue.file,
                    "" if issue.row is None else str(issue.row),
                    issue.column or "",
                    issue.value or "",
                    issue.rule,
                    issue.message,
                )
            console.print(table)
            if len(report.issues) > MAX_SHOWN:
                console.print(f"... {len(report.issues) - MAX_SHOWN} more; use --json for all.")
        verdict = "[green]valid[/green]" if report.ok else "[red]invalid[/red]"
        console.print(
            f"{study}: {verdict} — {len(report.errors)} errors, {len(report.warnings)} warnings"
        )
    for problem in term_problems:
        typer.echo(f"ERROR {problem} [ctcae_term]", err=True)
    if not report.ok or term_problems:
        raise typer.Exit(1)


def _ae_term_problems(study: Path, report: Any) -> list[str]:
    """CTCAE term and grade checks of the adverse events (when the tables themselves are valid)."""
    if not report.ok:
        return []
    from rtio.derive.ctcae import validate_ae_terms
    from rtio.io import load_study
    from rtio.io.blocks import subject_blocks

    blocks = subject_blocks(study)
    if blocks is not None:  # a big study: read one part at a time
        from rtio.io import Collector, ValidationReport
        from rtio.io.validate import _read_settings
        from rtio.pipeline import ae_term_problems_in_blocks

        settings, _ = _read_settings(study, Collector(ValidationReport(str(study))))
        if settings is None:
            return []
        return ae_term_problems_in_blocks(blocks, settings.term_map, settings.ctcae_version)
    loaded = load_study(study)
    events = loaded.table("adverse_events")
    if events is None:
        return []
    return validate_ae_terms(events, loaded.settings.term_map, loaded.settings.ctcae_version)
