"""The ``rtio`` console script.

Each command group lives in its own module under :mod:`rtio.cli` and is registered here,
so that this file stays a short table of contents of the command line.
"""

from __future__ import annotations

import typer

from rtio import __version__
from rtio.cli.capture_cmds import audit_app, capture_app, serve
from rtio.cli.demo import demo
from rtio.cli.derive_cmds import derive
from rtio.cli.design_cmds import design_app
from rtio.cli.eligibility_cmds import import_ctgov, screen_cmd
from rtio.cli.protocol_cmds import protocol_app, protocols
from rtio.cli.report_cmds import analyse, report
from rtio.cli.simulate_cmds import simulate
from rtio.cli.study_cmds import validate

app = typer.Typer(
    name="rtio",
    help="Radiotherapy + immunotherapy studies end to end: design, screen, validate, derive, "
    "analyse and report.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"rtio {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """rtio: radiotherapy + immunotherapy oncology studies end to end."""


# ---- command registrations (one line per command module) ----
app.command("validate")(validate)
app.command("screen")(screen_cmd)
app.command("simulate")(simulate)
app.command("protocols")(protocols)
app.add_typer(protocol_app, name="protocol")
protocol_app.command("import-ctgov")(import_ctgov)
app.command("derive")(derive)
app.command("analyse")(analyse)
app.command("report")(report)
app.command("demo")(demo)
app.add_typer(design_app, name="design")
app.command("serve")(serve)
app.add_typer(capture_app, name="capture")
app.add_typer(audit_app, name="audit")
