"""``rtio serve``, ``rtio capture …`` and ``rtio audit …``: the data-capture service.

Django is imported inside the commands, so the rest of the command line starts without it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

import typer

from rtio.capture.config import DEFAULT_DATABASE

DATABASE = typer.Option(
    DEFAULT_DATABASE, "--database", help="Capture database URL (sqlite:///FILE or postgresql://…)."
)

capture_app = typer.Typer(
    help="Users, tokens, go-live and data cuts of the capture service.", no_args_is_help=True
)
audit_app = typer.Typer(help="The capture service's audit trail.", no_args_is_help=True)


@audit_app.callback()
def _audit() -> None:
    """The capture service's audit trail."""


def _cli_actor():
    from rtio.capture.audit import Actor

    return Actor(f"cli:{getpass.getuser()}", "admin", "cli")


def _setup(database: str) -> None:
    from rtio.capture.config import configure

    configure(database, migrate=True)


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
    raise typer.Exit(1)


def serve(
    study: Path = typer.Argument(
        ..., help="Study folder (study.yaml naming the protocol, or protocol.yaml)."
    ),
    database: str = DATABASE,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """Serve the web data-capture service for a study (creates / migrates the database)."""
    from rtio.capture.errors import CaptureError
    from rtio.capture.server import serve as run

    try:
        run(study, database, host, port)
    except (CaptureError, ValueError) as exc:
        _fail(exc)


@capture_app.command("user")
def user(
    name: str = typer.Argument(..., help="User name (never reused)."),
    role: str = typer.Option(
        ...,
        "--role",
        help="investigator, coordinator, data_manager, monitor, "
        "statistician_blinded, statistician_unblinded or admin.",
    ),
    site: list[str] = typer.Option(
        ..., "--site", help="Site code; repeat for several, '*' for all."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
    database: str = DATABASE,
) -> None:
    """Create a user with a role at one or more sites."""
    from rtio.capture.errors import CaptureError

    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    _setup(database)
    from rtio.capture.services import create_user

    try:
        create_user(_cli_actor(), name, role, list(site), password)
    except CaptureError as exc:
        _fail(exc)
    typer.echo(f"user {name} ({role}, sites {', '.join(site)}) created")


@capture_app.command("token")
def token(
    name: str = typer.Argument(..., help="User name."),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke the user's tokens instead."),
    database: str = DATABASE,
) -> None:
    """Print a new API token for a user (or revoke the user's tokens)."""
    from rtio.capture.errors import CaptureError

    _setup(database)
    from rtio.capture.services import issue_token, revoke_tokens

    try:
        if revoke:
            typer.echo(f"{revoke_tokens(_cli_actor(), name)} token(s) of {name} revoked")
        else:
            typer.echo(issue_token(_cli_actor(), name))
    except CaptureError as exc:
        _fail(exc)


def _strata(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in values:
        factor, sep, levels = item.partition("=")
        if not sep or not factor.strip() or not levels.strip():
            raise typer.BadParameter(f"{item!r}: write FACTOR=LEVEL,LEVEL", param_hint="--stratify")
        out[factor.strip()] = [v.strip() for v in levels.split(",") if v.strip()]
    return out


@capture_app.command("go-live")
def go_live(
    method: str = typer.Option(
        "blocks", "--method", help="blocks (permuted blocks) or minimization."
    ),
    stratify: list[str] = typer.Option(
        [],
        "--stratify",
        help="FACTOR=LEVEL,LEVEL (repeatable); a subject or screening field. Default: none.",
    ),
    seed: int = typer.Option(..., "--seed", help="Seed of the list (kept concealed)."),
    n_per_stratum: int = typer.Option(
        200, "--n-per-stratum", help="List length per stratum (blocks)."
    ),
    ratio: str = typer.Option(
        "", "--ratio", help="Allocation ratio, e.g. 1:1 (default: protocol's)."
    ),
    blocks: str = typer.Option(
        "1,2,3", "--block-multiples", help="Block sizes as multiples of the ratio."
    ),
    p_best: float = typer.Option(
        0.8, "--p-best", help="Minimization: probability of the best arm."
    ),
    database: str = DATABASE,
) -> None:
    """Generate the randomization list and lock it (refused once the study is live)."""
    from rtio.capture.errors import CaptureError

    _setup(database)
    from rtio.capture.study import go_live as run

    try:
        config = run(
            _cli_actor(),
            {
                "method": method,
                "strata": _strata(stratify),
                "seed": seed,
                "n_per_stratum": n_per_stratum,
                "ratio": [int(x) for x in ratio.split(":")] if ratio else None,
                "block_multiples": [int(x) for x in blocks.split(",")],
                "p_best": p_best,
            },
        )
    except CaptureError as exc:
        _fail(exc)
    typer.echo(f"randomization is live ({method}, strata {list(config.randomization['strata'])})")


@capture_app.command("export")
def export(
    cutoff: str = typer.Option(..., "--cutoff", help="Data cut-off date YYYY-MM-DD."),
    out: Path = typer.Option(..., "--out", help="New study folder to write."),
    sdtm: Path | None = typer.Option(
        None, "--sdtm", help="Also write the cut's SDTM domains (rtio export sdtm) to this folder."
    ),
    sdtm_format: str = typer.Option("xpt", "--sdtm-format", help="xpt, dataset-json or csv."),
    database: str = DATABASE,
) -> None:
    """Write a frozen data cut (study folder + manifest.json) that `rtio analyse` reads."""
    from rtio.capture.errors import CaptureError

    try:
        day = dt.date.fromisoformat(cutoff)
    except ValueError:
        raise typer.BadParameter(
            f"{cutoff!r} is not a date YYYY-MM-DD", param_hint="--cutoff"
        ) from None
    _setup(database)
    from rtio.capture.export import export_cut
    from rtio.capture.models import Subject

    try:
        manifest = export_cut(_cli_actor(), Subject.objects.all(), day, out)
    except CaptureError as exc:
        _fail(exc)
    typer.echo(
        f"{out}: {manifest['subjects']} subjects, cut-off {cutoff}, sha256 {manifest['sha256']}"
    )
    if sdtm is not None:
        from rtio.interop import export_sdtm

        written = export_sdtm(out, sdtm, sdtm_format)
        typer.echo(f"{sdtm}: {len(written)} SDTM files of the cut")


@audit_app.command("verify")
def verify(database: str = DATABASE) -> None:
    """Recompute the audit hash chain: exit 0 when it holds, 1 naming the first broken record."""
    from rtio.capture.config import configure, sqlite_path

    path = sqlite_path(database)
    if path is not None and not path.exists():
        typer.echo(f"error: no capture database at {path}", err=True)
        raise typer.Exit(1)
    configure(database)
    from django.db import DatabaseError

    from rtio.capture.audit import verify_chain

    try:
        check = verify_chain()
    except DatabaseError as exc:
        typer.echo(f"error: {database} is not a capture database ({exc})", err=True)
        raise typer.Exit(1) from None
    if check.ok:
        typer.echo(f"audit chain holds: {check.rows} records")
        return
    typer.echo(f"audit chain broken at record {check.broken_seq}: {check.message}", err=True)
    raise typer.Exit(1)
