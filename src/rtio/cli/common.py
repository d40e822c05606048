"""Pieces every command shares: protocol options, where outputs go, and a study folder argument.

Kept free of heavy imports (typer and pathlib only at the top) so that command modules stay quick
to import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rtio.cli.group import UsageError

STUDY_HELP = "Study folder (study.yaml + tables)."
PROTOCOL_FILE_HELP = "A protocol YAML file (instead of a shipped id)."


def study_argument(help: str = STUDY_HELP) -> Any:
    """A study folder argument that must exist (a missing folder is a usage error, exit 2)."""
    return typer.Argument(..., help=help, exists=True, file_okay=False, dir_okay=True)


def protocol_from(
    protocol: str | None,
    protocol_file: Path | None,
    *,
    argument: str = "PROTOCOL",
    required: bool = True,
) -> Any:
    """The protocol named on the command line: a shipped id (``argument``, also a path for backward
    compatibility) or ``--protocol-file PATH``. Naming problems are usage errors (exit 2); a file
    that does not validate is a data error (exit 1) with the field paths."""
    from rtio.protocol import ProtocolError, load_protocol_file, locate_protocol

    if protocol is not None and protocol_file is not None:
        raise UsageError(f"give either {argument} or --protocol-file, not both")
    if protocol is None and protocol_file is None:
        if not required:
            return None
        raise UsageError(f"give a shipped protocol id ({argument}) or --protocol-file PATH")
    if protocol_file is not None:
        if not protocol_file.is_file():
            raise UsageError(f"{protocol_file}: no such protocol file", option="--protocol-file")
        return load_protocol_file(protocol_file)
    assert protocol is not None
    try:
        path = locate_protocol(protocol)
    except ProtocolError as err:
        raise UsageError(str(err), option=argument) from None
    if not path.is_file():
        raise UsageError(f"{path}: no such protocol file", option=argument)
    return load_protocol_file(path)


def default_out(source: Path, command: str, suffix: str = "") -> Path:
    """The default output beside ``source``: ``<source name>-<command><suffix>``."""
    stem = source.stem if source.is_file() else source.name
    if stem in ("", ".", ".."):
        stem = Path.cwd().name if stem in ("", ".") else source.resolve().name
    parent = source.resolve().parent if source.name in ("", ".", "..") else source.parent
    return parent / f"{stem}-{command}{suffix}"


def check_out(out: Path, inputs: dict[str, Path], option: str = "--out") -> Path:
    """``out`` unless it is, or lies inside, an input folder or file (outputs never go there)."""
    target = out.resolve()
    for label, source in inputs.items():
        src = source.resolve()
        if target == src or (src.is_dir() and target.is_relative_to(src)):
            raise UsageError(
                f"{out} is inside the {label} {source}; outputs never go into an input folder "
                f"(the default is beside it: {default_out(source, '…')})",
                option=option,
            )
    return out


def folder_out(out: Path) -> Path:
    """``out`` as an output folder: it must not be an existing file."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is a file; this command writes a folder", "--out")
    return out


def file_out(out: Path) -> Path:
    """``out`` as an output file: it must not be an existing folder."""
    if out.is_dir():
        raise UsageError(
            f"{out} is a folder; this command writes one file: give a file path", "--out"
        )
    return out
