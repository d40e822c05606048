"""``rtio analyse`` and ``rtio report``: the protocol's analysis plan and the publication report.

Both write beside the study, never into it: ``analyse`` one JSON file, ``report`` a folder that is
written whole into a temporary folder and swapped in at the end, with its ``manifest.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rtio.cli.common import check_out, default_out, folder_out, study_argument
from rtio.cli.group import UsageError

if TYPE_CHECKING:
    from rtio.analyse.options import AnalysisOptions

REPORT_FORMATS = ("html", "docx", "pdf")
PLAN = "Used only where the protocol is silent; recorded as assumed in every output."
CUTOFF = typer.Option(None, "--cutoff", help="Data cut-off YYYY-MM-DD (overrides study.yaml).")
LOOK = typer.Option(None, "--look", help="Interim look K at this cut-off (group-sequential).")
ENDPOINT = typer.Option(None, "--endpoint", help=f"Primary endpoint, PFS or OS. {PLAN}")
ALPHA = typer.Option(None, "--alpha", help=f"Significance level. {PLAN}")
SIDED = typer.Option(None, "--sided", help=f"1 or 2: sidedness of alpha. {PLAN}")
NI_MARGIN = typer.Option(
    None, "--ni-margin", help=f"Non-inferiority margin (a hazard ratio > 1). {PLAN}"
)
STRATIFY = typer.Option(
    None, "--stratify", help=f"Stratification factors (subjects columns, comma-separated). {PLAN}"
)
LOOKS = typer.Option(None, "--looks", help=f"Planned analyses, interim and final. {PLAN}")
SPENDING = typer.Option(
    None, "--spending", help=f"obf or pocock (Lan–DeMets alpha spending). {PLAN}"
)
TARGET_EVENTS = typer.Option(
    None, "--target-events", help=f"Planned events at the final analysis. {PLAN}"
)


def analysis_options(
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
    """The analysis options typed on the command line (a bad value is a usage error)."""
    import datetime as dt

    from pydantic import ValidationError

    from rtio.analyse.options import AnalysisOptions

    try:
        date = None if cutoff is None else dt.date.fromisoformat(cutoff)
    except ValueError:
        raise UsageError(f"{cutoff!r} is not a YYYY-MM-DD date", option="--cutoff") from None
    try:
        return AnalysisOptions.model_validate(
            {
                "cutoff": date,
                "look": look,
                "endpoint": endpoint,
                "alpha": alpha,
                "sided": sided,
                "ni_margin": ni_margin,
                "stratify": tuple(f.strip() for f in (stratify or "").split(",") if f.strip()),
                "looks": looks,
                "spending": spending,
                "target_events": target_events,
            }
        )
    except ValidationError as error:
        problems = "; ".join(
            f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg']}" for e in error.errors()
        )
        raise UsageError(problems) from None


def analyse(
    study: Path = study_argument(),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Results file to write (default: STUDY-analyse.json beside the study; "
        "an existing folder gets results.json inside it).",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    cutoff: str | None = CUTOFF,
    look: int | None = LOOK,
    endpoint: str | None = ENDPOINT,
    alpha: float | None = ALPHA,
    sided: int | None = SIDED,
    ni_margin: float | None = NI_MARGIN,
    stratify: str | None = STRATIFY,
    looks: int | None = LOOKS,
    spending: str | None = SPENDING,
    target_events: int | None = TARGET_EVENTS,
) -> None:
    """Run the protocol's analysis plan and write the results (JSON)."""
    from rich.console import Console

    from rtio.analyse import analyse_study
    from rtio.io.outputs import atomic_write_text

    target = out or default_out(study, "analyse", ".json")
    if target.is_dir():
        target = target / "results.json"
    check_out(target, {"study folder": study})
    options = analysis_options(
        cutoff, look, endpoint, alpha, sided, ni_margin, stratify, looks, spending, target_events
    )
    results = analyse_study(study, options)
    text = results.model_dump_json(indent=1)
    atomic_write_text(target, text)
    if json_output:
        typer.echo(text)
        return
    console = Console()
    console.print(f"[bold]{results.meta.protocol_title}[/bold] ({results.meta.protocol_id})")
    console.print("populations: " + ", ".join(f"{k} {v}" for k, v in results.populations.items()))
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
    if results.primary_endpoint is not None:
        console.print(f"primary endpoint: {results.primary_endpoint.statement}")
    for warning in results.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"results: {target}")


def report(
    study: Path = study_argument(),
    formats: str = typer.Option(
        "html,docx,pdf", "--format", help="Comma-separated: html, docx, pdf."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: STUDY-report beside the study)."
    ),
    cutoff: str | None = CUTOFF,
    look: int | None = LOOK,
    endpoint: str | None = ENDPOINT,
    alpha: float | None = ALPHA,
    sided: int | None = SIDED,
    ni_margin: float | None = NI_MARGIN,
    stratify: str | None = STRATIFY,
    looks: int | None = LOOKS,
    spending: str | None = SPENDING,
    target_events: int | None = TARGET_EVENTS,
) -> None:
    """Analyse a study and write its report (figures, HTML, DOCX, PDF)."""
    from rtio.analyse import analyse_study
    from rtio.io.outputs import manifest, output_folder
    from rtio.report import render_report

    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in REPORT_FORMATS]
    if unknown or not chosen:
        raise UsageError(
            f"unknown format(s) {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(REPORT_FORMATS)}",
            option="--format",
        )
    target = check_out(folder_out(out or default_out(study, "report")), {"study folder": study})
    options = analysis_options(
        cutoff, look, endpoint, alpha, sided, ni_margin, stratify, looks, spending, target_events
    )
    results = analyse_study(study, options)
    record = manifest("report", {"format": chosen, **options.given()}, study)
    with output_folder(target, record) as tmp:
        paths = render_report(results, tmp, chosen)
    for path in paths:
        if path.suffix in (".html", ".docx", ".pdf", ".json"):
            typer.echo(str(target / path.relative_to(tmp)))
