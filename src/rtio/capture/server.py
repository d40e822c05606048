"""``rtio serve``: migrate the database, freeze the study on first start, serve with waitress.

waitress is a production WSGI server in pure Python (no compiler, no system package), threaded,
so a site can run the service from ``pip install`` alone; a team may equally run
``rtio.capture.wsgi`` under any WSGI server.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from rtio.capture.config import configure, sqlite_path


def check_outside(study_dir: Path, database: str) -> None:
    """A capture database never lives in a study folder (those folders are analysis inputs)."""
    path = sqlite_path(database)
    if path is None:
        return
    folder = study_dir.resolve()
    if path.resolve().is_relative_to(folder):
        raise ValueError(
            f"--database {database}: the capture database cannot live inside the study folder "
            f"{study_dir}; put it elsewhere (e.g. the working directory)"
        )


def prepare(study_dir: Path, database: str) -> None:
    """Configure Django, create or migrate the database, freeze the study, load the secret."""
    check_outside(study_dir, database)
    configure(database, migrate=True)
    from django.conf import settings

    from rtio.capture.audit import Actor
    from rtio.capture.study import ensure_study

    config = ensure_study(study_dir, Actor(f"cli:{getpass.getuser()}", "admin", "cli"))
    settings.SECRET_KEY = config.secret_key


def serve(study_dir: Path, database: str, host: str, port: int, threads: int = 8) -> None:
    """Run the service until interrupted."""
    prepare(study_dir, database)
    import waitress
    from django.core.handlers.wsgi import WSGIHandler

    print(f"rtio capture: http://{host}:{port}/ (database {database})", flush=True)
    waitress.serve(WSGIHandler(), host=host, port=port, threads=threads, ident="rtio")
