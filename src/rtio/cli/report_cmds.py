"""``rtio analyse`` and ``rtio report``: the protocol's analysis plan and the publication report.

Both write beside the study, never into it: ``analyse`` one JSON file, ``report`` a folder that is
written whole into a temporary folder and swapped in at the end, with its ``manifest.json``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from rtio.cli.common import check_out, default_out, folder_out, study_argument
from rtio.cli.group import UsageError

REPORT_FORMATS = ("html", "docx", "pdf")


def analyse(
    study: Path = study_argument(),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Results file to write (default: STUDY-analyse.json beside the study; "
        "an existing folder gets results.json inside it).",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Run the protocol's analysis plan and write the results (JSON)."""
    from rich.console import Console

    from rtio.analyse import analyse_study
    from rtio.io.outputs import atomic_write_text

    target = out or default_out(study, "analyse", ".json")
    if target.is_dir():
        target = target / "results.json"
    check_out(target, {"study folder": study})
    results = analyse_study(study)
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
    console.print(f"results: {target}")


def report(
    study: Path = study_argument(),
    formats: str = typer.Option(
        "html,docx,pdf", "--format", help="Comma-separated: html, docx, pdf."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: STUDY-report beside the study)."
    ),
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
    results = analyse_study(study)
    record = manifest("report", {"format": chosen}, study)
    with output_folder(target, record) as tmp:
        paths = render_report(results, tmp, chosen)
    for path in paths:
        if path.suffix in (".html", ".docx", ".pdf", ".json"):
            typer.echo(str(target / path.relative_to(tmp)))
