"""``rtio import …`` and ``rtio export …``: study data in and out of CDISC SDTM / ADaM, REDCap and
flat cohort tables (docs/interop.md).

Data problems (a bad value, a file that cannot be read) exit 1 with the file, row and variable;
an import whose rows were rejected, or whose study folder does not validate, exits 1 after writing
the folder and its import-report.json.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any

import typer

from rtio.cli.common import PROTOCOL_FILE_HELP, check_out, file_out, folder_out, protocol_from
from rtio.cli.group import UsageError

import_app = typer.Typer(
    help="Import study data: SDTM datasets, a REDCap records export, a flat cohort table.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export study data: SDTM, ADaM (XPT v5, Dataset-JSON, CSV), a REDCap project.",
    no_args_is_help=True,
)


class ExchangeFormat(enum.StrEnum):
    """File format of exported datasets."""

    xpt = "xpt"
    dataset_json = "dataset-json"
    csv = "csv"


class StudyFormat(enum.StrEnum):
    """File format of an imported study's tables."""

    csv = "csv"
    parquet = "parquet"


class Impute(enum.StrEnum):
    """Rule completing partial dates (rtio.dates.impute_partial_dates)."""

    first = "first"
    mid = "mid"
    last = "last"


class Highest(enum.StrEnum):
    """Highest level a partial date may be imputed at."""

    D = "D"
    M = "M"


_PROTOCOL = typer.Option(None, "--protocol", help="Shipped protocol id (rtio protocols).")
_PROTOCOL_FILE = typer.Option(None, "--protocol-file", help=PROTOCOL_FILE_HELP)
_OVERWRITE = typer.Option(False, "--overwrite", help="Replace a non-empty --out folder.")
_EXCHANGE = typer.Option(
    ExchangeFormat.xpt, "--format", help="xpt (SAS transport v5), dataset-json or csv."
)
_IMPUTE = typer.Option(
    None,
    "--impute",
    help="Complete partial dates: first, mid or last (flags kept as <column>_dtf).",
)
_HIGHEST = typer.Option(
    Highest.M, "--impute-highest", help="Highest level imputed: D (day) or M (month and day)."
)
_CUTOFF = typer.Option(None, "--cutoff", help="Data cut-off (YYYY-MM-DD) for study.yaml.")


def _cutoff(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date YYYY-MM-DD", option="--cutoff") from None


def _import_target(out: Path, inputs: dict[str, Path], overwrite: bool) -> Path:
    target = check_out(folder_out(out), inputs)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise UsageError(
            f"{out} exists and is not empty; choose another folder or add --overwrite",
            option="--out",
        )
    return target


def _print_report(report: Any, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

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
        console.print(f"note: {line}")
    errors = report.errors
    for rejection in errors[:20]:
        console.print(f"[red]rejected[/red] {rejection}", highlight=False)
    if len(errors) > 20:
        console.print(f"... {len(errors) - 20} more rejected rows")
    validation = report.validation
    verdict = "[green]valid[/green]" if validation.get("ok") else "[red]invalid[/red]"
    console.print(
        f"tables: {report.tables}; study folder {verdict} ({validation.get('errors', 0)} errors, "
        f"{validation.get('warnings', 0)} warnings); report: {out / 'import-report.json'}",
        highlight=False,
    )


def _finish(report: Any, out: Path) -> None:
    _print_report(report, out)
    if not report.ok:
        raise typer.Exit(1)


def _term_map(path: Path | None) -> dict[str, str]:
    import yaml

    if path is None:
        return {}
    content = yaml.safe_load(path.read_text()) or {}
    if not isinstance(content, dict) or not all(isinstance(v, str) for v in content.values()):
        raise ValueError(
            f"{path}: a term map maps AE terms as written to CTCAE terms (term: CTCAE term)"
        )
    return {str(k): v for k, v in content.items()}


@import_app.command("sdtm")
def import_sdtm_cmd(
    folder: Path = typer.Argument(
        ...,
        help="Folder of SDTM datasets (XPT v5/v8, Dataset-JSON, CSV).",
        exists=True,
        file_okay=False,
    ),
    out: Path = typer.Option(..., "--out", help="Study folder to write."),
    protocol: str | None = _PROTOCOL,
    protocol_file: Path | None = _PROTOCOL_FILE,
    impute: Impute | None = _IMPUTE,
    impute_highest: Highest = _HIGHEST,
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Data cut-off (YYYY-MM-DD); overrides TS DCUTDTC."
    ),
    term_map: Path | None = typer.Option(
        None,
        "--term-map",
        help="YAML: AE term as written -> CTCAE term.",
        exists=True,
        dir_okay=False,
    ),
    fmt: StudyFormat = typer.Option(
        StudyFormat.csv, "--format", help="Study table format: csv or parquet."
    ),
    overwrite: bool = _OVERWRITE,
) -> None:
    """Import an SDTM folder into a study folder, with import-report.json."""
    from rtio.interop import Imputation, import_sdtm

    loaded = protocol_from(protocol, protocol_file, argument="--protocol")
    target = _import_target(out, {"SDTM folder": folder}, overwrite)
    report = import_sdtm(
        folder,
        loaded,
        target,
        imputation=Imputation(impute.value if impute else None, impute_highest.value),
        cutoff=_cutoff(cutoff),
        term_map=_term_map(term_map),
        fmt=fmt.value,
        protocol_file=protocol_file,
        overwrite=True,
    )
    _finish(report, target)


@import_app.command("redcap")
def import_redcap_cmd(
    records: Path = typer.Argument(
        ..., help="REDCap records export (raw CSV).", exists=True, dir_okay=False
    ),
    dictionary: Path = typer.Option(
        ..., "--dictionary", help="The project's data dictionary CSV.", exists=True, dir_okay=False
    ),
    out: Path = typer.Option(..., "--out", help="Study folder to write."),
    protocol: str | None = _PROTOCOL,
    protocol_file: Path | None = _PROTOCOL_FILE,
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        help="YAML mapping of another project's names.",
        exists=True,
        dir_okay=False,
    ),
    impute: Impute | None = _IMPUTE,
    cutoff: str | None = _CUTOFF,
    fmt: StudyFormat = typer.Option(
        StudyFormat.csv, "--format", help="Study table format: csv or parquet."
    ),
    overwrite: bool = _OVERWRITE,
) -> None:
    """Import a REDCap records export (flat and repeating-instrument rows) into a study folder."""
    from rtio.interop import Imputation
    from rtio.interop.redcap import import_redcap

    loaded = protocol_from(protocol, protocol_file, argument="--protocol")
    target = _import_target(
        out, {"records file": records, "data dictionary": dictionary}, overwrite
    )
    report = import_redcap(
        records,
        dictionary,
        loaded,
        target,
        mapping=mapping,
        imputation=Imputation(impute.value if impute else None),
        cutoff=_cutoff(cutoff),
        fmt=fmt.value,
        protocol_file=protocol_file,
        overwrite=True,
    )
    _finish(report, target)


@export_app.command("sdtm")
def export_sdtm_cmd(
    study: Path = typer.Argument(..., help="Study folder.", exists=True, file_okay=False),
    out: Path = typer.Option(..., "--out", help="Folder for the SDTM datasets and define.json."),
    fmt: ExchangeFormat = _EXCHANGE,
) -> None:
    """Write a study folder as SDTM domains (DM, DS, EX, AE, LB, TU, TR, RS, PR, SV, IE, TS, SUPP--)."""
    from rtio.interop import export_sdtm

    target = check_out(folder_out(out), {"study folder": study})
    for path in export_sdtm(study, target, fmt.value):
        typer.echo(str(path))


@export_app.command("adam")
def export_adam_cmd(
    study: Path = typer.Argument(..., help="Study folder.", exists=True, file_okay=False),
    out: Path = typer.Option(
        ..., "--out", help="Folder for adsl, adrs, adtte, adae, adlb and define.json."
    ),
    fmt: ExchangeFormat = _EXCHANGE,
) -> None:
    """Write ADSL, ADRS, ADTTE, ADAE and ADLB (ADTTE AVAL = ADT - STARTDT + 1; AVALRTIO = rtio's aval_days)."""
    from rtio.interop.adam import export_adam

    target = check_out(folder_out(out), {"study folder": study})
    for path in export_adam(study, target, fmt.value):
        typer.echo(str(path))


@export_app.command("redcap-dictionary")
def export_redcap_dictionary_cmd(
    protocol: str | None = typer.Argument(None, help="Shipped protocol id."),
    out: Path = typer.Option(..., "--out", help="Data dictionary CSV to write."),
    protocol_file: Path | None = _PROTOCOL_FILE,
    repeating_out: Path | None = typer.Option(
        None,
        "--repeating-out",
        help="Also write the repeating-instruments CSV for REDCap's project setup.",
    ),
) -> None:
    """Write a REDCap data dictionary for a protocol (instruments, field types, validation, ranges)."""
    from rtio.interop.redcap import export_redcap_dictionary
    from rtio.interop.redcap.dictionary import INSTRUMENTS

    loaded = protocol_from(protocol, protocol_file)
    extra = None if repeating_out is None else file_out(repeating_out)
    for path in export_redcap_dictionary(loaded, file_out(out), extra):
        typer.echo(str(path))
    repeating = ", ".join(i.form for i in INSTRUMENTS if i.repeating)
    typer.echo(f"enable these instruments as repeating in the project setup: {repeating}")


@export_app.command("redcap")
def export_redcap_cmd(
    study: Path = typer.Argument(..., help="Study folder.", exists=True, file_okay=False),
    out: Path = typer.Option(..., "--out", help="Records CSV to write."),
) -> None:
    """Write a study as a REDCap records export (raw, flat with repeating-instrument rows)."""
    from rtio.interop.redcap import export_redcap

    target = check_out(file_out(out), {"study folder": study})
    exported = export_redcap(study, target)
    typer.echo(
        f"{target}: {len(exported.records)} rows, {exported.records['record_id'].nunique()} records"
    )
    if exported.omitted:
        typer.echo("not in the project (no REDCap field): " + ", ".join(exported.omitted), err=True)


@import_app.command("flat")
def import_flat_cmd(
    table: Path = typer.Argument(
        ...,
        help="Flat cohort table, one row per patient (CSV, XLSX, Parquet).",
        exists=True,
        dir_okay=False,
    ),
    mapping: str = typer.Option(
        ..., "--mapping", help="Mapping YAML file, or a protocol id with a shipped example mapping."
    ),
    out: Path = typer.Option(..., "--out", help="Study folder to write."),
    protocol: str | None = _PROTOCOL,
    protocol_file: Path | None = _PROTOCOL_FILE,
    impute: Impute | None = _IMPUTE,
    cutoff: str | None = _CUTOFF,
    fmt: StudyFormat = typer.Option(
        StudyFormat.parquet,
        "--format",
        help="Study table format: parquet (keeps covariate types) or csv.",
    ),
    overwrite: bool = _OVERWRITE,
) -> None:
    """Import a one-row-per-patient cohort table: cycle counts become derived exposure records."""
    from rtio.interop import Imputation
    from rtio.interop.flat import EXAMPLES, example_mapping_path, import_flat

    loaded = protocol_from(protocol, protocol_file, argument="--protocol")
    path = Path(mapping)
    if not path.is_file():
        if mapping not in EXAMPLES:
            raise UsageError(
                f"{mapping}: no such file, and no example mapping of that name (examples: {', '.join(EXAMPLES)})",
                option="--mapping",
            )
        path = example_mapping_path(mapping)
    target = _import_target(out, {"table": table}, overwrite)
    report = import_flat(
        table,
        path,
        loaded,
        target,
        imputation=Imputation(impute.value if impute else None),
        cutoff=_cutoff(cutoff),
        fmt=fmt.value,
        protocol_file=protocol_file,
        overwrite=True,
    )
    _finish(report, target)
