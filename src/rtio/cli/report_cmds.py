"""``rtio analyse`` and ``rtio report``: the protocol's analysis plan and the publication report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console

from rtio.analyse import analyse_study
from rtio.analyse.options import AnalysisOptions
from rtio.report import FORMATS, render_report

PLAN_HELP = "Used only where the protocol is silent; recorded as assumed in every output."


def _options(
    cutoff: str | None,
    look: int | None,
    endpoint: str | None,
    alpha: float | None,
    sided: int | None,
    ni_margin: float | None,
    stratify: str | None,
    looks: int | None,
    spending: str | None,
    target_events: int | None,
) -> AnalysisOptions:
    try:
        date = None if cutoff is None else dt.date.fromisoformat(cutoff)
    except ValueError as error:
        raise typer.BadParameter(
            f"{cutoff!r} is not a YYYY-MM-DD date", param_hint="--cutoff"
        ) from error
    factors = tuple(f.strip() for f in (stratify or "").split(",") if f.strip())
    try:
        return AnalysisOptions(
            cutoff=date,
            look=look,
            endpoint=endpoint,
            alpha=alpha,
            sided=sided,  # type: ignore[arg-type]
            ni_margin=ni_margin,
            stratify=factors,
            looks=looks,
            spending=spending,  # type: ignore[arg-type]
            target_events=target_events,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


CUTOFF = typer.Option(None, "--cutoff", help="Data cut-off YYYY-MM-DD (overrides study.yaml).")
LOOK = typer.Option(None, "--look", help="Interim look number K at this cut-off.")
ENDPOINT = typer.Option(None, "--endpoint", help=f"Primary endpoint (PFS or OS). {PLAN_HELP}")
ALPHA = typer.Option(None, "--alpha", help=f"Significance level. {PLAN_HELP}")
SIDED = typer.Option(None, "--sided", help=f"1 or 2 (sidedness of alpha). {PLAN_HELP}")
NI_MARGIN = typer.Option(
    None, "--ni-margin", help=f"Non-inferiority margin, a hazard ratio (> 1). {PLAN_HELP}"
)
STRATIFY = typer.Option(
    None,
    "--stratify",
    help=f"Stratification factors, comma-separated subjects columns. {PLAN_HELP}",
)
LOOKS = typer.Option(None, "--looks", help=f"Planned analyses (interim + final). {PLAN_HELP}")
SPENDING = typer.Option(
    None, "--spending", help=f"obf or pocock (Lan–DeMets alpha spending). {PLAN_HELP}"
)
TARGET_EVENTS = typer.Option(
    None, "--target-events", help=f"Planned events at the final analysis. {PLAN_HELP}"
)


def analyse(
    study: Path = typer.Argument(..., help="Study folder."),
    out: Path = typer.Option(
        None, "--out", help="Folder for results.json (default: STUDY/output)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    cutoff: str = CUTOFF,
    look: int = LOOK,
    endpoint: str = ENDPOINT,
    alpha: float = ALPHA,
    sided: int = SIDED,
    ni_margin: float = NI_MARGIN,
    stratify: str = STRATIFY,
    looks: int = LOOKS,
    spending: str = SPENDING,
    target_events: int = TARGET_EVENTS,
) -> None:
    """Run the protocol's analysis plan and write results.json."""
    options = _options(
        cutoff, look, endpoint, alpha, sided, ni_margin, stratify, looks, spending, target_events
    )
    results = analyse_study(study, options)
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
    if results.primary_endpoint is not None:
        console.print(f"primary endpoint: {results.primary_endpoint.statement}")
    for block in results.response:
        orr = block.orr
        if orr.rate is not None and orr.lower is not None and orr.upper is not None:
            console.print(
                f"{block.population}, {block.reading}: ORR {orr.k}/{orr.n} = {100 * orr.rate:.1f}% "
                f"({100 * orr.lower:.1f}–{100 * orr.upper:.1f})"
            )
    for s in results.survival:
        median = "not reached" if s.median.value is None else f"{s.median.value:.1f} months"
        console.print(f"{s.endpoint} {s.population}: {s.events}/{s.n} events, median {median}")
    for warning in results.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"results: {path}")


def report(
    study: Path = typer.Argument(..., help="Study folder."),
    formats: str = typer.Option(
        "html,docx,pdf", "--format", help="Comma-separated: html, docx, pdf."
    ),
    out: Path = typer.Option(None, "--out", help="Output folder (default: STUDY/report)."),
    cutoff: str = CUTOFF,
    look: int = LOOK,
    endpoint: str = ENDPOINT,
    alpha: float = ALPHA,
    sided: int = SIDED,
    ni_margin: float = NI_MARGIN,
    stratify: str = STRATIFY,
    looks: int = LOOKS,
    spending: str = SPENDING,
    target_events: int = TARGET_EVENTS,
) -> None:
    """Analyse a study and write its report (figures, HTML, DOCX, PDF)."""
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise typer.BadParameter(
            f"unknown format(s) {unknown}; choose from {list(FORMATS)}", param_hint="--format"
        )
    options = _options(
        cutoff, look, endpoint, alpha, sided, ni_margin, stratify, looks, spending, target_events
    )
    paths = render_report(analyse_study(study, options), out or study / "report", chosen)
    for path in paths:
        if path.suffix in (".html", ".docx", ".pdf", ".json"):
            typer.echo(str(path))
