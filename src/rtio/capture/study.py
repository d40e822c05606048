"""The study a capture database serves: frozen from the study folder at first start; go-live."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import yaml

from rtio.capture import randomize
from rtio.capture.audit import Actor, append, now, write_transaction
from rtio.capture.models import Allocation, StudyConfig
from rtio.capture.policy import ConflictError, InvalidError
from rtio.capture.services import protocol_of, study_config
from rtio.io.validate import PROTOCOL_FILE, SETTINGS_FILE
from rtio.protocol import load_protocol


def _protocol_source(folder: Path) -> tuple[str, str]:
    """(protocol YAML text, study.yaml text without its protocol line) of a study folder."""
    if not folder.is_dir():
        raise InvalidError(f"study folder {folder} does not exist")
    settings_path = folder / SETTINGS_FILE
    settings: dict[str, Any] = {}
    if settings_path.exists():
        settings = yaml.safe_load(settings_path.read_text()) or {}
    ref = settings.pop("protocol", None)
    local = folder / PROTOCOL_FILE
    if ref is None and not local.exists():
        raise InvalidError(
            f"{folder}: neither {SETTINGS_FILE} naming a protocol nor {PROTOCOL_FILE}"
        )
    if ref is not None and Path(str(ref)).suffix not in (".yaml", ".yml"):
        protocol = load_protocol(str(ref))
        from importlib import resources

        shipped = resources.files("rtio.protocol") / "protocols" / f"{protocol.id}.yaml"
        text = shipped.read_text()
    else:
        path = folder / (ref or PROTOCOL_FILE)
        load_protocol(str(path))  # the loader names any problem with file and field
        text = path.read_text()
    settings.pop("data_cutoff", None)
    return text, yaml.safe_dump(settings, sort_keys=False) if settings else ""


def ensure_study(folder: Path, actor: Actor) -> StudyConfig:
    """The database's study; on first start it is frozen from ``folder``. A later start with a
    folder of another protocol is refused."""
    text, settings_yaml = _protocol_source(folder)
    with write_transaction():
        config = StudyConfig.objects.order_by("pk").first()
        if config is None:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "protocol.yaml"
                path.write_text(text)
                protocol = load_protocol(str(path))
            config = StudyConfig.objects.create(
                protocol_id=protocol.id,
                protocol_yaml=text,
                settings_yaml=settings_yaml,
                secret_key=secrets.token_urlsafe(50),
                created_at=now(),
            )
            append(actor, "study_create", table="study", field="protocol", new=protocol.id)
        elif config.protocol_yaml != text:
            raise ConflictError(
                f"this database captures protocol {config.protocol_id}; {folder} holds another "
                "protocol (use another --database)"
            )
    return config


def go_live(actor: Actor, setup: dict[str, Any]) -> StudyConfig:
    """Generate the randomization list and lock it with the set-up; refused once live."""
    config = study_config()
    protocol = protocol_of(config)
    locked = randomize.plan(protocol, **setup)
    slots = randomize.make_list(locked)
    with write_transaction():
        fresh = StudyConfig.objects.select_for_update().get(pk=config.pk)
        if fresh.live_at is not None:
            raise ConflictError(
                f"the study went live on {fresh.live_at:%Y-%m-%d %H:%M} UTC; the randomization "
                "list and its set-up cannot be changed"
            )
        Allocation.objects.bulk_create(slots, batch_size=500)
        fresh.randomization = locked
        fresh.live_at = now()
        fresh.save(update_fields=["randomization", "live_at"])
        append(actor, "go_live", table="randomization", field="setup", new=locked)
        append(actor, "go_live", table="randomization", field="slots", new=len(slots))
    return fresh
