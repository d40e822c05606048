"""Loading protocols from YAML: the shipped seed protocols by id, or a protocol YAML by path.

Resolution order (a reference is never guessed):

1. A text reference that is a shipped id (``rtio protocols``) is that shipped protocol. When the same
   text also names an existing file, the clash is an error: say which one is meant
   (``--protocol ID`` or ``--protocol-file PATH`` on the command line, a ``Path`` in Python).
2. A ``pathlib.Path``, or a text reference that is not a shipped id, is a file path. With
   ``within=FOLDER`` (a study folder's ``study.yaml``) the file must lie inside that folder: no
   absolute paths, no ``..`` and no link leading out of it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from rtio.protocol.models import Protocol

_SUFFIXES = (".yaml", ".yml")


class ProtocolError(ValueError):
    """A protocol that cannot be found, read or validated; the message names file and field."""


def _shipped_dir() -> Path:
    return Path(str(resources.files("rtio.protocol") / "protocols"))


def list_protocols() -> list[str]:
    """Ids of the protocols shipped with rtio, sorted."""
    return sorted(p.stem for p in _shipped_dir().glob("*.yaml"))


def is_shipped(reference: str) -> bool:
    """Whether ``reference`` is the id of a protocol shipped with rtio."""
    return reference in list_protocols()


def _field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as ``eligibility[3].kind``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _format_errors(source: str, err: ValidationError) -> str:
    lines = [f"{source}: {err.error_count()} invalid field(s)"]
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        got = e.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        lines.append(f"  {source}: {_field_path(loc)}: {e['msg']}{shown}")
    return "\n".join(lines)


def parse_protocol(data: object, source: str = "<protocol>") -> Protocol:
    """Validate already-parsed protocol data; errors name ``source`` and each field path."""
    if not isinstance(data, dict):
        raise ProtocolError(f"{source}: a protocol must be a mapping, got {type(data).__name__}")
    try:
        return Protocol.model_validate(data)
    except ValidationError as err:
        raise ProtocolError(_format_errors(source, err)) from None


def _yaml_problem(err: yaml.YAMLError) -> str:
    """Where and what, without echoing the file's content."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or type(err).__name__
    if mark is None:
        return problem
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def load_protocol_file(path: str | Path) -> Protocol:
    """A protocol YAML read from ``path`` (never looked up as a shipped id)."""
    path = Path(path)
    if not path.is_file():
        what = "a folder, not a file" if path.is_dir() else "no such protocol file"
        raise ProtocolError(f"{path}: {what}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ProtocolError(f"{path}: cannot read ({err.strerror})") from None
    except UnicodeDecodeError:
        raise ProtocolError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as err:
        raise ProtocolError(f"{path}: not valid YAML ({_yaml_problem(err)})") from None
    return parse_protocol(data, str(path))


def _inside(path: Path, folder: Path, reference: str) -> Path:
    if Path(reference).is_absolute():
        raise ProtocolError(
            f"protocol {reference!r}: must be a shipped id or a file inside the study folder "
            f"{folder}, not an absolute path"
        )
    resolved, root = path.resolve(), folder.resolve()
    if not resolved.is_relative_to(root):
        raise ProtocolError(
            f"protocol {reference!r}: must be a shipped id or a file inside the study folder "
            f"{folder}; this path leads out of it"
        )
    return path


def locate_protocol(reference: str | Path, within: str | Path | None = None) -> Path:
    """The YAML file a protocol reference names (see the module docstring for the order)."""
    base = Path(within) if within is not None else None
    if isinstance(reference, str):
        text = reference.strip()
        if not text:
            raise ProtocolError("empty protocol reference: give a shipped id or a protocol file")
        candidate = (base / text) if base is not None else Path(text)
        if is_shipped(text):
            if candidate.is_file():
                raise ProtocolError(
                    f"protocol {text!r} is both a shipped protocol id and the file {candidate}; "
                    "name the one you mean: --protocol ID for the shipped protocol, "
                    "--protocol-file PATH for the file"
                )
            return _shipped_dir() / f"{text}.yaml"
        if base is not None:
            candidate = _inside(candidate, base, text)
        if not candidate.is_file() and candidate.suffix not in _SUFFIXES:
            raise ProtocolError(
                f"unknown protocol {text!r}: not a shipped id ({', '.join(list_protocols())}) "
                "and not a protocol file"
            )
        return candidate
    path = Path(reference)
    if base is not None:
        path = _inside(base / path, base, str(reference))
    return path


def load_protocol(id_or_path: str | Path, within: str | Path | None = None) -> Protocol:
    """A shipped protocol by id (e.g. ``ChiCTR2100046715``) or a protocol YAML by path.

    Shipped ids resolve first; a ``Path`` is always a file. ``within``: a folder the protocol file
    must lie inside (a study's ``study.yaml`` may name only a shipped id or a file in the study).
    """
    return load_protocol_file(locate_protocol(id_or_path, within))
