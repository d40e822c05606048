"""Loading protocols from YAML: the shipped seed protocols by id, or any protocol.yaml by path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from rtio.protocol.models import Protocol

_SUFFIXES = (".yaml", ".yml")


class ProtocolError(ValueError):
    """A protocol file that cannot be read or does not validate; the message names file and field."""


def _shipped_dir() -> Path:
    return Path(str(resources.files("rtio.protocol") / "protocols"))


def list_protocols() -> list[str]:
    """Ids of the protocols shipped with rtio, sorted."""
    return sorted(p.stem for p in _shipped_dir().glob("*.yaml"))


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


def _read(path: Path) -> Protocol:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ProtocolError(f"{path}: cannot read ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise ProtocolError(f"{path}: not valid YAML ({err})") from None
    return parse_protocol(data, str(path))


def load_protocol(id_or_path: str | Path) -> Protocol:
    """A shipped protocol by id (e.g. ``ChiCTR2100046715``) or a protocol YAML by path."""
    text = str(id_or_path)
    path = Path(text)
    if path.suffix in _SUFFIXES or path.exists():
        if not path.is_file():
            raise ProtocolError(f"{path}: no such protocol file")
        return _read(path)
    shipped = _shipped_dir() / f"{text}.yaml"
    if not shipped.is_file():
        raise ProtocolError(
            f"unknown protocol {text!r}: not a shipped id ({', '.join(list_protocols())}) "
            "and not a path to a .yaml file"
        )
    return _read(shipped)
