"""``rtio analyse`` and ``rtio report``: the protocol's analysis plan and the publication report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from rtio.analyse import analyse_study
from rtio.report import FORMATS, render_report


def analyse(
    study: Path = typer.Argument(..., help="Study folder."),
    out: Path = typer.Option(
        None, "--out", help="Folder for results.json (default: STUDY/output)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Run the protocol's analysis plan and write results.json."""
    results = analyse_study(study)
    folder = out or study / "output"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    path.write_text(results.model_dump_json(indent=1))
    if json_output:
        typer.echo(results.model_dump_json(indent=1))
        return
    console = Console()
    console.print(f"[bold]{results.meta.protocol_title}[/bold] ({results.meta.protocol_id})")
    console.print("populations: " + ", ".join(f"{k} {v}" for k, v in results.populations.items()))
    for block in results.response:
        orr = block.orr
        if orr.rate is not None:
            console.print(
                f"{block.population}, {block.reading}: ORR {orr.k}/{orr.n} = {100 * orr.rate:.1f}% "
                f"({100 * orr.lower:.1f}–{100 * orr.upper:.1f})"
            )
    for s in results.survival:
        median = "not reached" if s.median.value is None else f"{s.median.value:.1f} months"
        console.print(f"{s.endpoint} {s.population}: {s.events}/{s.n} events, median {median}")
    console.print(f"results: {path}")


def report(
    study: Path = typer.Argument(..., help="Study folder."),
    formats: str = typer.Option(
        "html,docx,pdf", "--format", help="Comma-separated: html, docx, pdf."
    ),
    out: Path = typer.Option(None, "--out", help="Output folder (default: STUDY/report)."),
) -> None:
    """Analyse a study and write its report (figures, HTML, DOCX, PDF)."""
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise typer.BadParameter(
            f"unknown format(s) {unknown}; choose from {list(FORMATS)}", param_hint="--format"
        )
    paths = render_report(analyse_study(study), out or study / "report", chosen)
    for path in paths:
        if path.suffix in (".html", ".docx", ".pdf", ".json"):
            typer.echo(str(path))
