"""``rtio screen`` (eligibility of a candidates file) and ``rtio protocol import-ctgov`` (registry record -> skeleton)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer
import yaml
from rich.console import Console
from rich.table import Table

from rtio.dates import parse_iso_dates
from rtio.eligibility import screen, screening_summary
from rtio.eligibility.ctgov import ctgov_to_protocol
from rtio.eligibility.screen import Screening


def _criteria(protocol: str) -> Any:
    """The protocol's eligibility criteria (a shipped id or a protocol.yaml path)."""
    from rtio.protocol import load_protocol

    return load_protocol(protocol)


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix == ".csv":
        frame = pd.read_csv(path)
    else:
        raise typer.BadParameter(
            f"{path}: candidates must be .csv or .parquet", param_hint="CANDIDATES"
        )
    for col in [c for c in frame.columns if c == "date" or c.endswith("_date")]:
        frame[col] = parse_iso_dates(frame[col], column=col, source=str(path))
    return frame


def screening_table(s: Screening, screening_date: pd.Series) -> pd.DataFrame:
    """The study-format screening table: excluded (reason = first failing criterion), pending (unknown or
    manual criteria, or eligible awaiting enrolment); the verdict is kept as an extra column."""
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
    protocol: str = typer.Argument(..., help="Shipped protocol id or path to a protocol.yaml."),
    candidates: Path = typer.Argument(
        ..., help="Candidates: wide CSV/Parquet or long facts table."
    ),
    out: Path = typer.Option(
        Path("screening.csv"), "--out", help="Screening table to write (CSV)."
    ),
    details: Path | None = typer.Option(
        None, "--details", help="Also write per-criterion details (CSV)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Screen candidates against a protocol; write the screening table and print a summary."""
    frame = _read(candidates)
    if "screening_date" not in frame:
        raise typer.BadParameter(
            f"{candidates}: missing column screening_date", param_hint="CANDIDATES"
        )
    s = screen(_criteria(protocol), frame)
    dates = (
        frame.groupby("candidate_id", sort=False)["screening_date"]
        .first()
        .reindex(s.verdicts["candidate_id"])
    )
    screening_table(s, dates.reset_index(drop=True)).to_csv(out, index=False)
    if details is not None:
        s.details.to_csv(details, index=False)
    summary = screening_summary(s)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table(title=f"Screening {protocol}")
    table.add_column("count")
    table.add_column("n", justify="right")
    for key in ("screened", "excluded", "eligible", "pending"):
        table.add_row(key, str(summary[key]))
    for cid, n in summary["excluded_by_first_criterion"].items():
        table.add_row(f"  excluded first by {cid}", str(n))
    Console().print(table)


def import_ctgov(
    record: Path = typer.Argument(..., help="ClinicalTrials.gov API v2 study record (JSON file)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write the protocol skeleton YAML here (default: stdout)."
    ),
) -> None:
    """Turn a ClinicalTrials.gov record into a protocol skeleton with every criterion marked manual."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        skeleton = ctgov_to_protocol(data)
    except (OSError, json.JSONDecodeError, ValueError) as err:
        raise typer.BadParameter(f"{record}: {err}", param_hint="RECORD") from None
    text = yaml.safe_dump(skeleton, sort_keys=False, allow_unicode=True, width=100)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
