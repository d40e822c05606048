"""``rtio screen`` (eligibility of a candidates file) and ``rtio protocol import-ctgov`` (registry
record -> protocol)."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from rtio.cli.common import PROTOCOL_FILE_HELP, check_out, default_out, file_out, protocol_from
from rtio.cli.group import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from rtio.eligibility.screen import Screening

CANDIDATE_SUFFIXES = (".csv", ".parquet", ".xlsx")


class Stage(enum.StrEnum):
    """The screening stage whose criteria are checked."""

    registration = "registration"
    randomization = "randomization"


def _criteria(protocol: str | None, protocol_file: Path | None) -> Any:
    """The protocol whose eligibility criteria are screened (a shipped id, or a YAML file)."""
    return protocol_from(protocol, protocol_file)


def read_candidates(path: Path) -> pd.DataFrame:
    """A candidates file (wide or long facts; CSV, Parquet or XLSX) with its dates read strictly
    (ISO ``YYYY-MM-DD``); problems name the file, column and spreadsheet row."""
    import pandas as pd

    from rtio.dates import DateFormatError, parse_iso_dates

    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".xlsx":
            frame = pd.read_excel(path)
        else:
            frame = pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text; save it as UTF-8 CSV") from None
    except (ValueError, OSError, ImportError) as err:
        raise ValueError(f"{path}: cannot read it as {suffix.lstrip('.')} ({err})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for needed in ("candidate_id", "screening_date"):
        if needed not in frame:
            raise ValueError(
                f"{path}: missing column {needed} (columns found: {', '.join(frame.columns)})"
            )
    first_row = 2 if suffix in (".csv", ".xlsx") else 1
    for col in [c for c in frame.columns if c == "date" or c.endswith("_date")]:
        try:
            frame[col] = parse_iso_dates(frame[col], column=col, source=path.name)
        except DateFormatError as err:
            rows = [r - 1 + first_row for r in err.rows]
            raise DateFormatError(path.name, col, rows, err.values) from None
    return frame


def screening_table(s: Screening, screening_date: pd.Series) -> pd.DataFrame:
    """The study-format screening table: excluded (reason = first failing criterion), pending (unknown or
    manual criteria, or eligible awaiting enrolment); the verdict is kept as an extra column."""
    import pandas as pd

    from rtio.dates import parse_iso_dates

    v = s.verdicts
    outcome = v["verdict"].map(
        {"ineligible": "excluded", "pending": "pending", "eligible": "pending"}
    )
    waiting = ("unknown: " + v["unknown"] + " manual: " + v["manual"]).where(
        v["verdict"] == "pending"
    )
    reason = v["first_failed"].fillna(waiting).fillna("eligible, awaiting enrolment")
    return pd.DataFrame(
        {
            "candidate_id": v["candidate_id"],
            "screening_date": parse_iso_dates(screening_date, column="screening_date")
            .dt.strftime("%Y-%m-%d")
            .to_numpy(),
            "outcome": outcome,
            "reason": reason,
            "verdict": v["verdict"],
        }
    )


def screen_cmd(
    protocol: str | None = typer.Argument(
        None, help="Shipped protocol id (a protocol YAML path is accepted too)."
    ),
    candidates: Path | None = typer.Argument(
        None,
        metavar="CANDIDATES",
        help="Candidates: wide or long facts table (CSV, Parquet or XLSX).",
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol-file", help=PROTOCOL_FILE_HELP),
    stage: Stage | None = typer.Option(
        None, "--stage", help="Check only this stage's criteria (default: every criterion)."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Screening table to write (CSV; default: CANDIDATES-screening.csv beside it).",
    ),
    details: Path | None = typer.Option(
        None,
        "--details",
        help="Also write one row per candidate x criterion: status, decided_by, reason (CSV).",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Screen candidates against a protocol's eligibility criteria; write the screening table."""
    if candidates is None and protocol_file is not None and protocol is not None:
        candidates, protocol = Path(protocol), None
    if candidates is None:
        raise UsageError("give the CANDIDATES file (after PROTOCOL)", option="CANDIDATES")
    if not candidates.is_file():
        raise UsageError(f"{candidates}: no such file", option="CANDIDATES")
    if candidates.suffix.lower() not in CANDIDATE_SUFFIXES:
        raise UsageError(
            f"{candidates}: candidates must be .csv, .parquet or .xlsx", option="CANDIDATES"
        )
    target = file_out(out or default_out(candidates, "screening", ".csv"))
    inputs = {"candidates file": candidates}
    check_out(target, inputs)
    if details is not None:
        check_out(file_out(details), {**inputs, "screening table": target}, option="--details")
    criteria = _criteria(protocol, protocol_file)
    frame = read_candidates(candidates)
    _screen_and_write(criteria, frame, candidates, stage, target, details, json_output)


def _screen_and_write(
    criteria: Any,
    frame: pd.DataFrame,
    candidates: Path,
    stage: Stage | None,
    target: Path,
    details: Path | None,
    json_output: bool,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from rtio.eligibility import screen, screening_summary
    from rtio.io.outputs import write_csv

    try:
        s = screen(criteria, frame, stage=None if stage is None else stage.value)
    except ValueError as err:
        raise ValueError(f"{candidates}: {err}") from None
    dates = (
        frame.groupby("candidate_id", sort=False)["screening_date"]
        .first()
        .reindex(s.verdicts["candidate_id"])
        .reset_index(drop=True)
    )
    write_csv(screening_table(s, dates), target)
    if details is not None:
        write_csv(s.details, details)
    summary = screening_summary(s)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
        return
    name = getattr(criteria, "id", "protocol")
    table = Table(title=f"Screening {name}" + (f" ({stage.value})" if stage else ""))
    table.add_column("count")
    table.add_column("n", justify="right")
    for key in ("screened", "excluded", "eligible", "pending"):
        table.add_row(key, str(summary[key]))
    for cid, n in summary["excluded_by_first_criterion"].items():
        table.add_row(f"  excluded first by {cid}", str(n))
    console = Console()
    console.print(table)
    console.print(f"screening table: {target}" + (f"; details: {details}" if details else ""))


def import_ctgov(
    record: Path = typer.Argument(
        ...,
        help="ClinicalTrials.gov API v2 study record (JSON file).",
        exists=True,
        dir_okay=False,
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the protocol YAML here (default: print it)."
    ),
) -> None:
    """Turn a ClinicalTrials.gov record into a protocol with every criterion marked manual."""
    import yaml

    from rtio.eligibility.ctgov import ctgov_to_protocol
    from rtio.io.outputs import atomic_write_text

    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{record}: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{record}: not valid JSON (line {err.lineno}: {err.msg})") from None
    try:
        skeleton = ctgov_to_protocol(data)
    except ValueError as err:
        raise ValueError(f"{record}: {err}") from None
    text = yaml.safe_dump(skeleton, sort_keys=False, allow_unicode=True, width=100)
    if out is None:
        typer.echo(text)
    else:
        check_out(file_out(out), {"record": record})
        atomic_write_text(out, text)
        typer.echo(f"protocol {skeleton['id']} -> {out}", err=True)
