"""``rtio protocols`` (the shipped protocols) and ``rtio protocol show ID`` (one protocol, readably)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rtio.cli.common import PROTOCOL_FILE_HELP, protocol_from
from rtio.cli.eligibility_cmds import import_ctgov

if TYPE_CHECKING:
    from rich.console import Console

    from rtio.protocol import Protocol
    from rtio.protocol.models import Dose, Range

protocol_app = typer.Typer(
    help="Study protocols: show one, import a registry record.", no_args_is_help=True
)


def protocols(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List the protocols shipped with rtio."""
    from rich.console import Console
    from rich.table import Table

    from rtio.protocol import list_protocols, load_protocol

    loaded = [load_protocol(i) for i in list_protocols()]
    if as_json:
        rows = [
            {"id": p.id, "design": p.design.type, "phase": p.phase, "title": p.title}
            for p in loaded
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Shipped protocols")
    for col in ("id", "design", "phase", "criteria"):
        table.add_column(col, no_wrap=True)
    table.add_column("title")
    for p in loaded:
        title = p.short_title or p.title
        table.add_row(p.id, p.design.type, p.phase or "", str(len(p.eligibility)), title)
    Console().print(table)


def _range(r: Range | None, unit: str = "") -> str:
    if r is None or (r.min is None and r.max is None):
        return ""
    lo, hi = (f"{v:g}" if v is not None else "" for v in (r.min, r.max))
    text = lo if lo == hi else (f">={lo}" if not hi else f"{lo}–{hi}")
    return f"{text} {unit}".strip()


def _dose(d: Dose | None) -> str:
    if d is None:
        return ""
    from rtio.protocol.models import Range

    if d.value is not None:
        return f"{d.value:g} {d.unit}"
    return _range(Range(min=d.min, max=d.max), d.unit)


def _print(p: Protocol, console: Console) -> None:
    from rich.table import Table

    console.print(f"[bold]{p.id}[/bold]  {p.title}")
    ids = ", ".join(f"{i.registry} {i.value}" for i in p.identifiers)
    console.print(f"design: {p.design.type}  phase: {p.phase or '-'}  identifiers: {ids or '-'}")
    console.print(f"disease: {p.disease.name} ({p.disease.setting or '-'})")
    if p.planned_enrollment:
        console.print(f"planned enrollment: {p.planned_enrollment}")
    for a in p.arms:
        console.print(f"arm [bold]{a.id}[/bold]: {a.label}")
    if p.regimens:
        t = Table(title="Regimens")
        for col in ("id", "drug", "dose", "route", "cycle (d)", "cycles", "max duration", "start"):
            t.add_column(col)
        for r in p.regimens:
            dur = f"{r.max_duration.value:g} {r.max_duration.unit}" if r.max_duration else ""
            start = r.start.text or r.start.after or "" if r.start else ""
            if r.start and r.start.cycle:
                start = f"cycle {r.start.cycle}"
            t.add_row(
                r.id,
                r.drug,
                _dose(r.dose),
                r.route or "",
                str(r.cycle_length_days or ""),
                _range(r.cycles),
                dur,
                start,
            )
        console.print(t)
    if p.radiotherapy:
        t = Table(title="Radiotherapy")
        for col in ("id", "targets", "Gy/fx", "fractions", "total Gy", "technique", "timing"):
            t.add_column(col)
        for c in p.radiotherapy:
            timing = []
            if c.timing and c.timing.starts_with_cycle:
                timing.append(f"starts with cycle {c.timing.starts_with_cycle}")
            if c.timing and c.timing.complete_within_days:
                timing.append(f"complete within {c.timing.complete_within_days} d")
            if c.condition:
                timing.append(f"if: {c.condition}")
            t.add_row(
                c.id,
                ", ".join(c.targets + c.sites),
                _range(c.dose_per_fraction_gy),
                _range(c.fractions),
                _range(c.total_dose_gy),
                ", ".join(c.technique),
                "; ".join(timing),
            )
        console.print(t)
    for assessment in p.assessments:
        for ph in assessment.phases:
            every = f"every {ph.interval.value:g} {ph.interval.unit}" if ph.interval else "once"
            if ph.within_days_before_start is not None:
                every += f" within {ph.within_days_before_start} d before start"
            win = f" ±{ph.window_days} d" if ph.window_days is not None else ""
            console.print(f"{assessment.id} / {ph.name}: {every}{win}")
    if p.endpoints:
        t = Table(title="Endpoints")
        for col in ("id", "role", "kind", "definition"):
            t.add_column(col)
        for e in p.endpoints:
            t.add_row(e.id, e.role, e.kind, e.definition or "")
        console.print(t)
    for pop in p.populations:
        console.print(f"population [bold]{pop.id}[/bold]: {pop.definition or ''}")
    sp = p.statistical_plan
    if sp is not None:
        fields = sp.model_dump(exclude_none=True, exclude={"text", "methods", "hypothesis"})
        console.print("statistical plan: " + json.dumps(fields, ensure_ascii=False))
    if p.eligibility:
        t = Table(title="Eligibility")
        for col in ("id", "kind", "stage", "rule", "text"):
            t.add_column(col)
        for criterion in p.eligibility:
            rule = "manual" if criterion.manual else ("yes" if criterion.rule else "-")
            t.add_row(criterion.id, criterion.kind, criterion.stage, rule, criterion.text)
        console.print(t)


@protocol_app.command("show")
def show(
    protocol_id: str | None = typer.Argument(
        None, metavar="ID", help="Shipped protocol id (a protocol YAML path is accepted too)."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol-file", help=PROTOCOL_FILE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the whole protocol as JSON."),
) -> None:
    """Print one protocol (a shipped id, or a protocol YAML with --protocol-file)."""
    from rich.console import Console

    p = protocol_from(protocol_id, protocol_file, argument="ID")
    if as_json:
        typer.echo(p.model_dump_json(indent=2))
        return
    _print(p, Console())


protocol_app.command("import-ctgov")(import_ctgov)
