"""Data cut: the captured data as a study folder with a manifest hash (``rtio analyse`` reads it).

The folder holds ``study.yaml`` (protocol, ``data_cutoff``), ``protocol.yaml`` as frozen in the
database, one CSV per study table (enrolled subjects; the screening log of every candidate) and
``manifest.json``: the SHA-256 of each file, one hash over them all, the cut-off, the export
time and the audit chain head at export (so the cut is tied to the audit trail). Analyses apply
the cut-off themselves (rtio's one rule: events after it are ignored, follow-up censored at it).
The folder is written next to its target and renamed into place, never half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from rtio.capture import crf
from rtio.capture.audit import Actor, append, now, write_transaction
from rtio.capture.models import ChainHead, Subject
from rtio.capture.policy import ConflictError, InvalidError
from rtio.capture.services import study_config, study_settings
from rtio.io.schema import SCHEMAS

ENROLLED = ("registered", "randomized")


def analysed(subject: Subject) -> bool:
    """In the study's subjects table: enrolled with an arm (randomized, or registered in a
    single-arm study). A subject registered and awaiting randomization is not yet in it."""
    return subject.status in ENROLLED and bool(subject.arm)


def _reason(screening: Any) -> str | None:
    if screening is None or screening.verdict != "ineligible":
        return None
    failed = next((d for d in screening.details if d["criterion"] == screening.first_failed), None)
    return f"{screening.first_failed}: {failed['text']}" if failed else screening.first_failed


def screening_log(subjects: list[Subject]) -> pd.DataFrame:
    """One row per screened candidate: enrolled / excluded (first failed criterion) / pending."""
    rows = []
    for subject in subjects:
        screenings = [s for s in subject.screenings.all() if s.stage == "registration"]
        if not screenings:
            continue
        first, last = screenings[0], screenings[-1]
        enrolled = analysed(subject)
        outcome = (
            "enrolled"
            if enrolled
            else "excluded"
            if subject.status == "screen_failed"
            else "pending"
        )
        reason = _reason(last) if outcome == "excluded" else None
        if outcome == "pending" and subject.status in ENROLLED:
            reason = "registered; awaiting randomization"
        rows.append(
            {
                "candidate_id": subject.subject_id,
                "screening_date": first.screening_date.isoformat(),
                "outcome": outcome,
                "reason": reason,
                "subject_id": subject.subject_id if enrolled else None,
            }
        )
    return pd.DataFrame(rows, columns=list(SCHEMAS["screening"].column_names))


def study_tables(subjects: list[Subject], *, masked: bool = False) -> dict[str, pd.DataFrame]:
    """The study tables of the given subjects (enrolled ones; the screening log of all)."""
    enrolled = [s for s in subjects if analysed(s)]
    subject_rows = [
        {
            "subject_id": s.subject_id,
            "arm": "(blinded)" if masked else s.arm,
            "site": s.site.code,
            "stratum": None if masked else s.stratum,
            **s.data,
        }
        for s in enrolled
    ]
    tables = {
        "subjects": pd.DataFrame(subject_rows, columns=list(SCHEMAS["subjects"].column_names))
    }
    for table in crf.RECORD_TITLES:
        rows = [
            {"subject_id": s.subject_id, **r.data}
            for s in enrolled
            for r in s.records.all()
            if r.table == table and not r.deleted
        ]
        if rows:
            tables[table] = pd.DataFrame(rows, columns=list(SCHEMAS[table].column_names))
    log = screening_log(subjects)
    if len(log):
        tables["screening"] = log
    return tables


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_cut(actor: Actor, subjects_query: Any, cutoff: dt.date, out: Path) -> dict[str, Any]:
    """Write the cut to ``out`` (which must not exist yet); returns the manifest."""
    out = Path(out)
    if out.exists():
        raise ConflictError(f"{out} exists; a data cut is written to a new folder")
    config = study_config()
    with write_transaction():
        subjects = list(
            subjects_query.select_related("site").prefetch_related("records", "screenings")
        )
        if not any(analysed(s) for s in subjects):
            raise InvalidError("no enrolled subject to export")
        tables = study_tables(subjects)
        head = ChainHead.objects.get(pk=1)
        parent = out.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
        try:
            settings = {
                "protocol": "protocol.yaml",
                **study_settings(config),
                "data_cutoff": cutoff.isoformat(),
            }
            (tmp / "study.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
            (tmp / "protocol.yaml").write_text(config.protocol_yaml)
            for name, frame in tables.items():
                frame.map(_text).to_csv(tmp / f"{name}.csv", index=False)
            files = {p.name: _sha(p) for p in sorted(tmp.iterdir())}
            overall = hashlib.sha256(
                "".join(f"{name}\0{digest}\n" for name, digest in files.items()).encode()
            ).hexdigest()
            manifest = {
                "kind": "rtio data cut",
                "protocol": config.protocol_id,
                "data_cutoff": cutoff.isoformat(),
                "exported_at": now().isoformat(),
                "exported_by": actor.username,
                "subjects": int((tables["subjects"]).shape[0]),
                "audit_head": {"seq": head.seq, "hash": head.hash},
                "files": files,
                "sha256": overall,
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
            append(
                actor,
                "export",
                table="study",
                field="data_cutoff",
                new=cutoff,
                reason=f"{len(files)} files, sha256 {overall}",
            )
            append(
                actor,
                "export",
                table="study",
                field="subjects",
                new=",".join(tables["subjects"]["subject_id"].astype(str)),
            )
            tmp.rename(out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest
