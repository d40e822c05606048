"""The ``rtio`` console script: the table of contents of the command line.

Commands are registered lazily, one line each::

    register("NAME", "rtio.cli.module:attribute", "One-line help shown by rtio --help.")

``attribute`` is a ``typer.Typer`` (a command group such as ``rtio design ...``) or a
typer-annotated function (one command). The module is imported only when its command runs, so a
command module may import what it likes at its top, but should keep heavy libraries (pandas,
matplotlib, statsmodels, dask) inside the functions that need them: ``rtio --help`` and
``rtio --version`` never import a command module, and ``rtio NAME --help`` imports only NAME's.
Errors raised by any command go through one path (:mod:`rtio.cli.group`): data problems exit 1,
command-line problems exit 2, tracebacks only with ``--debug``.
"""

from __future__ import annotations

import typer

from rtio.cli.group import RtioGroup, register

app = typer.Typer(
    name="rtio",
    cls=RtioGroup,
    help="Radiotherapy + immunotherapy studies end to end: design, screen, validate, derive, "
    "analyse and report. Add --debug to any command to see the traceback of an error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _print_version(value: bool) -> None:
    if value:
        from rtio import __version__

        typer.echo(f"rtio {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """rtio: radiotherapy + immunotherapy oncology studies end to end."""


# ---- command registrations (one line per command) ----
register(
    "validate", "rtio.cli.study_cmds:validate", "Validate a study folder: every problem at once."
)
register(
    "screen",
    "rtio.cli.eligibility_cmds:screen_cmd",
    "Screen candidates against a protocol's eligibility criteria.",
)
register(
    "simulate",
    "rtio.cli.simulate_cmds:simulate",
    "Simulate a complete study folder (synthetic data).",
)
register("protocols", "rtio.cli.protocol_cmds:protocols", "List the protocols shipped with rtio.")
register(
    "protocol",
    "rtio.cli.protocol_cmds:protocol_app",
    "Study protocols: show one, import a registry record.",
)
register(
    "derive",
    "rtio.cli.derive_cmds:derive",
    "Derive ADRS, ADTTE, ADLB and lesion tables from a study.",
)
register(
    "analyse",
    "rtio.cli.report_cmds:analyse",
    "Run the protocol's analysis plan and write results.json.",
)
register(
    "report",
    "rtio.cli.report_cmds:report",
    "Analyse a study and write its report (HTML, DOCX, PDF).",
)
register(
    "demo", "rtio.cli.demo:demo", "Simulate, validate, derive, analyse and report an example study."
)
register(
    "design",
    "rtio.cli.design_cmds:design_app",
    "Trial design: sample size, simulation, randomization lists.",
)
register(
    "cohort",
    "rtio.cli.rwd_cmds:cohort_app",
    "Real-world cohorts from an OMOP CDM (DuckDB or Spark).",
)
register(
    "import",
    "rtio.cli.interop_cmds:import_app",
    "Import study data: SDTM, a REDCap records export, a flat cohort table.",
)
register(
    "export",
    "rtio.cli.interop_cmds:export_app",
    "Export study data: SDTM, ADaM (XPT v5, Dataset-JSON, CSV), REDCap.",
)
register(
    "serve",
    "rtio.cli.capture_cmds:serve",
    "Serve the web data-capture service for a study (creates / migrates its database).",
)
register(
    "capture",
    "rtio.cli.capture_cmds:capture_app",
    "Data capture: users, API tokens, go-live, data cuts.",
)
register("audit", "rtio.cli.capture_cmds:audit_app", "The data-capture audit trail: verify it.")
