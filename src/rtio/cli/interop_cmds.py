"""``rtio import …`` and ``rtio export …``: study data in and out of CDISC SDTM / ADaM, REDCap and
flat cohort tables (docs/interop.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

import_app = typer.Typer(
    help="Import study data: SDTM datasets, a REDCap records export, a flat cohort table.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export study data: SDTM, ADaM (XPT v5, Dataset-JSON, CSV), a REDCap project.",
    no_args_is_help=True,
)

_PROTOCOL = typer.Option(None, "--protocol", help="Shipped protocol id (rtio protocols).")
_PROTOCOL_FILE = typer.Option(None, "--protocol-file", help="A protocol YAML file.")
_OVERWRITE = typer.Option(False, "--overwrite", help="Replace a non-empty --out folder.")
_STUDY_FORMAT = typer.Option("csv", "--format", help="Study table format: csv or parquet.")
_EXCHANGE_FORMAT = typer.Option(
    "xpt", "--format", help="xpt (SAS transport v5), dataset-json or csv."
)


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _protocol(protocol: str | None, protocol_file: Path | None) -> tuple[Any, Path | None]:
    from rtio.protocol import load_protocol

    if (protocol is None) == (protocol_file is None):
        raise typer.BadParameter(
            "give --protocol ID or --protocol-file PATH", param_hint="--protocol"
        )
    try:
        return load_protocol(str(protocol_file or protocol)), protocol_file
    except Exception as exc:
        raise typer.BadParameter(str(exc), param_hint="--protocol") from None


def _study_format(fmt: str) -> str:
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("must be csv or parquet", param_hint="--format")
    return fmt


def _print_report(report, out: Path) -> None:
    console = Console()
    table = Table(title=f"Import into {out}")
    for header in ("source", "file", "read", "placed", "rejected"):
        table.add_column(
            header, justify="right" if header in ("read", "placed", "rejected") else "left"
        )
    for name, count in report.sources.items():
        table.add_row(name, count.file, str(count.read), str(count.placed), str(count.rejected))
    console.print(table)
    for skipped in report.skipped_sources:
        console.print(f"not read: {skipped['file']} ({skipped['rows']} rows): {skipped['reason']}")
    for line in report.derivations:
        console.print(f"derived: {line}")
    errors = report.errors
    for rejection in errors[:20]:
        console.print(f"[red]rejected[/red] {rejection}")
    if len(errors) > 20:
        console.print(f"... {len(errors) - 20} more rejected rows")
    validation = report.validation
    verdict = "[green]valid[/green]" if validation.get("ok") else "[red]invalid[/red]"
    console.print(
        f"tables: {report.tables}; study folder {verdict} ({validation.get('errors', 0)} errors, "
        f"{validation.get('warnings', 0)} warnings); report: {out / 'import-report.json'}"
    )


def _finish(report, out: Path) -> None:
    _print_report(report, out)
    if not report.ok:
        raise typer.Exit(1)


@import_app.command("sdtm")
def import_sdtm_cmd(
    folder: Path = typer.Argument(
        ..., help="Folder of SDTM datasets (XPT v5/v8, Dataset-JSON, CSV)."
    ),
    out: Path = typer.Option(..., "--out", help="Study folder to write."),
    protocol: str | None = _PROTOCOL,
    protocol_file: Path | None = _PROTOCOL_FILE,
    impute: str | None = typer.Option(
        None,
        "--impute",
        help="Complete partial --DTC dates: first, mid or last (flags kept as <column>_dtf).",
    ),
    impute_highest: str = typer.Option(
        "M", "--impute-highest", help="Highest level imputed: D (day) or M (month and day)."
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Data cut-off (YYYY-MM-DD); overrides TS DCUTDTC."
    ),
    term_map: Path | None = typer.Option(
        None, "--term-map", help="YAML: AE term as written -> CTCAE term."
    ),
    fmt: str = _STUDY_FORMAT,
    overwrite: bool = _OVERWRITE,
) -> None:
    """Import an SDTM folder into a study folder, with import-report.json."""
    from rtio.interop import Imputation, import_sdtm

    loaded, path = _protocol(protocol, protocol_file)
    if impute not in (None, "first", "mid", "last"):
        raise typer.BadParameter("must be first, mid or last", param_hint="--impute")
    if impute_highest not in ("D", "M"):
        raise typer.BadParameter("must be D or M", param_hint="--impute-highest")
    mapping = _term_map(term_map)
    try:
        report = import_sdtm(
            folder,
            loaded,
            out,
            imputation=Imputation(impute, impute_highest),  # type: ignore[arg-type]
            cutoff=dt.date.fromisoformat(cutoff) if cutoff else None,
            term_map=mapping,
            fmt=_study_format(fmt),
            protocol_file=path,
            overwrite=overwrite,
        )
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(exc) from None
    _finish(report, out)


def _term_map(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    content = yaml.safe_load(path.read_text()) or {}
    if not isinstance(content, dict) or not all(isinstance(v, str) for v in content.values()):
        raise typer.BadParameter(
            "must map AE terms to CTCAE terms (term: CTCAE term)", param_hint="--term-map"
        )
    return {str(k): v for k, v in content.items()}


@export_app.command("sdtm")
def export_sdtm_cmd(
    study: Path = typer.Argument(..., help="Study folder."),
    out: Path = typer.Option(..., "--out", help="Folder for the SDTM datasets and define.json."),
    fmt: str = _EXCHANGE_FORMAT,
) -> None:
    """Write a study folder as SDTM domains (DM, DS, EX, AE, LB, TU, TR, RS, PR, SV, IE, TS, SUPP--)."""
    from rtio.interop import export_sdtm

    try:
        paths = export_sdtm(study, out, fmt)
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(exc) from None
    for path in paths:
        typer.echo(str(path))


@export_app.command("adam")
def export_adam_cmd(
    study: Path = typer.Argument(..., help="Study folder."),
    out: Path = typer.Option(
        ..., "--out", help="Folder for adsl, adrs, adtte, adae, adlb and define.json."
    ),
    fmt: str = _EXCHANGE_FORMAT,
) -> None:
    """Write ADSL, ADRS, ADTTE, ADAE and ADLB (ADTTE AVAL = ADT - STARTDT + 1; AVALRTIO = rtio's aval_days)."""
    from rtio.interop.adam import export_adam

    try:
        paths = export_adam(study, out, fmt)
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(exc) from None
    for path in paths:
        typer.echo(str(path))
