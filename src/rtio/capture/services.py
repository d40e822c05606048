"""Every change the service makes, for the web pages and the API alike.

Each operation checks the caller's role and sites (:mod:`rtio.capture.policy`), validates with
rtio's rules (:mod:`rtio.capture.checks`), and writes the change and its field-level audit rows
in one transaction (:func:`rtio.capture.audit.write_transaction`). A change to a value already
entered needs a reason; a locked casebook refuses changes; a change to signed content
invalidates the signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from django.contrib.auth import authenticate, get_user_model

from rtio.capture import crf, randomize
from rtio.capture import eligibility as elig
from rtio.capture.audit import Actor, append, now, write_transaction
from rtio.capture.checks import check_rows
from rtio.capture.models import (
    Allocation,
    Query,
    QueryMessage,
    Record,
    Screening,
    Signature,
    Site,
    StudyConfig,
    Subject,
)
from rtio.capture.policy import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    get_subject,
    require,
    role_of,
    site_allowed,
)
from rtio.protocol import load_protocol

MAX_RETRIES = 20


def actor_of(user: Any, via: str) -> Actor:
    return Actor(user.get_username(), role_of(user), via)


def study_config() -> StudyConfig:
    config = StudyConfig.objects.order_by("pk").first()
    if config is None:
        raise ConflictError(
            "the capture database has no study yet: start it with `rtio serve STUDYDIR`"
        )
    return config


_PROTOCOLS: dict[str, Any] = {}


def protocol_of(config: StudyConfig) -> Any:
    """The study's protocol, parsed once per process from the YAML frozen in the database."""
    key = hashlib.sha256(config.protocol_yaml.encode()).hexdigest()
    if key not in _PROTOCOLS:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "protocol.yaml"
            path.write_text(config.protocol_yaml)
            _PROTOCOLS[key] = load_protocol(str(path))
    return _PROTOCOLS[key]


def study_settings(config: StudyConfig) -> dict[str, Any]:
    return yaml.safe_load(config.settings_yaml or "") or {}


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidError("a reason for the change is required", {"reason": ["required"]})
    return text


def _unlocked(subject: Subject) -> None:
    if subject.locked:
        raise ConflictError(f"{subject.subject_id} is locked; a data manager must unlock it first")


# ----------------------------------------------------------------- content and signatures


def subject_row(subject: Subject) -> dict[str, Any]:
    return {
        "subject_id": subject.subject_id,
        "arm": subject.arm or "",
        "site": subject.site.code,
        "stratum": subject.stratum,
        **subject.data,
    }


def subject_tables(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {"subjects": [subject_row(subject)]}
    for record in subject.records.filter(deleted=False).order_by("pk"):
        tables.setdefault(record.table, []).append(
            {"subject_id": subject.subject_id, **record.data, "_pk": record.pk}
        )
    return tables


def _without_pk(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {
        k: [{c: v for c, v in r.items() if c != "_pk"} for r in rows] for k, rows in tables.items()
    }


def content_hash(subject: Subject) -> str:
    """SHA-256 of a casebook's content (the subject's values and every live record)."""
    text = json.dumps(_without_pk(subject_tables(subject)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _after_change(actor: Actor, subject: Subject) -> None:
    """Bump the version and invalidate signatures whose signed content no longer matches."""
    Subject.objects.filter(pk=subject.pk).update(version=subject.version + 1)
    subject.version += 1
    current = content_hash(subject)
    for sig in subject.signatures.filter(invalidated_at__isnull=True):
        if sig.content_hash != current:
            sig.invalidated_at = now()
            sig.invalidated_reason = "signed data changed"
            sig.save(update_fields=["invalidated_at", "invalidated_reason"])
            append(
                actor,
                "signature_invalidated",
                table="signatures",
                subject_id=subject.subject_id,
                record_id=str(sig.pk),
                old=sig.meaning,
                reason="signed data changed",
                site=subject.site.code,
            )


@contextmanager
def _subject_write(subject: Subject) -> Iterator[Subject | None]:
    """A write transaction holding the subject; yields None when it changed since it was read
    (the caller validates again)."""
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        yield fresh if fresh.version == subject.version else None


def _auto_queries(
    actor: Actor, subject: Subject, table: str, record: Record | None, warnings: list[str]
) -> None:
    """Open one query per soft-check warning not already open on the same record."""
    system = Actor("system", "", actor.via)
    for text in dict.fromkeys(warnings):
        exists = Query.objects.filter(
            subject=subject, table=table, record=record, text=text, status__in=("open", "answered")
        ).exists()
        if exists:
            continue
        query = Query.objects.create(
            subject=subject,
            table=table,
            record=record,
            text=text,
            automatic=True,
            opened_by="system",
            opened_at=now(),
        )
        QueryMessage.objects.create(
            query=query, action="open", text=text, author="system", at=now()
        )
        append(
            system,
            "query_open",
            table=table,
            subject_id=subject.subject_id,
            record_id=str(query.pk),
            new=text,
            reason="soft check",
            site=subject.site.code,
        )


# ----------------------------------------------------------------- subjects


def _check_or_raise(
    config: StudyConfig,
    tables: dict[str, list[dict[str, Any]]],
    focus: tuple[str, int],
    randomized: bool,
) -> list[str]:
    result = check_rows(
        _without_pk(tables),
        focus,
        protocol_of(config),
        study_settings(config),
        randomized=randomized,
    )
    if not result.ok:
        first = next(iter(result.errors.items()))
        raise InvalidError(f"{first[0] or focus[0]}: {first[1][0]}", result.errors)
    return result.warnings


def create_subject(user: Any, via: str, payload: dict[str, Any]) -> tuple[Subject, list[str]]:
    """A new subject (screening status) from the study-format subject columns and ``site``."""
    require(user, "enter")
    for key in ("arm", "stratum"):
        if payload.get(key) not in (None, ""):
            raise InvalidError(
                f"{key} is set by randomization only", {key: ["set by randomization only"]}
            )
    subject_id = str(payload.get("subject_id") or "").strip()
    site_code = str(payload.get("site") or "").strip()
    errors: dict[str, list[str]] = {}
    if not subject_id:
        errors["subject_id"] = ["required"]
    elif len(subject_id) > 64 or any(c in subject_id for c in "/\\?#%<>\"' \t\r\n"):
        errors["subject_id"] = ["letters, digits, '-', '_' and '.' only (at most 64)"]
    if not site_code:
        errors["site"] = ["required"]
    form = crf.build_form("subjects", crf.subject_columns(), payload)
    if not form.is_valid():
        errors.update(crf.form_errors(form))
    if errors:
        raise InvalidError("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    if not site_allowed(user, site_code):
        raise ForbiddenError(f"you do not work at site {site_code!r}")
    site = Site.objects.filter(code=site_code).first()
    if site is None:
        raise InvalidError(f"no site {site_code!r}", {"site": ["unknown site"]})
    data = crf.stored(form.cleaned_data)
    config = study_config()
    row = {"subject_id": subject_id, "arm": "", "site": site_code, "stratum": None, **data}
    warnings = _check_or_raise(config, {"subjects": [row]}, ("subjects", 0), randomized=False)
    actor = actor_of(user, via)
    with write_transaction():
        if Subject.objects.filter(subject_id=subject_id).exists():
            raise ConflictError(f"subject {subject_id!r} already exists")
        subject = Subject.objects.create(
            subject_id=subject_id, site=site, data=data, created_at=now()
        )
        append(
            actor,
            "create",
            table="subjects",
            subject_id=subject_id,
            field="site",
            new=site_code,
            site=site_code,
        )
        for key, value in data.items():
            if value is not None:
                append(
                    actor,
                    "create",
                    table="subjects",
                    subject_id=subject_id,
                    field=key,
                    new=value,
                    site=site_code,
                )
        _auto_queries(actor, subject, "subjects", None, warnings)
    return subject, warnings


def update_subject(
    user: Any, via: str, subject_id: str, changes: dict[str, Any], reason: str | None
) -> tuple[Subject, list[str]]:
    """Change subject values (any subject form); every changed field is audited with the reason."""
    require(user, "enter")
    for key in ("arm", "stratum", "site", "subject_id"):
        if key in changes:
            raise InvalidError(f"{key} cannot be changed here", {key: ["not editable"]})
    columns = {c.name: c for c in crf.subject_columns()}
    unknown = sorted(set(changes) - set(columns))
    if unknown:
        raise InvalidError(
            f"unknown subject fields: {', '.join(unknown)}", {k: ["unknown field"] for k in unknown}
        )
    form = crf.build_form("subjects", tuple(columns.values()), changes, partial=True)
    if not form.is_valid():
        errors = crf.form_errors(form)
        raise InvalidError("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    new_values = crf.stored(form.cleaned_data)
    actor = actor_of(user, via)
    for _ in range(MAX_RETRIES):
        subject = get_subject(user, subject_id)
        _unlocked(subject)
        changed = {k: v for k, v in new_values.items() if subject.data.get(k) != v}
        if not changed:
            return subject, []
        text = _reason(reason)
        tables = subject_tables(subject)
        tables["subjects"][0].update(changed)
        config = study_config()
        warnings = _check_or_raise(config, tables, ("subjects", 0), randomized=bool(subject.arm))
        with _subject_write(subject) as fresh:
            if fresh is None:
                continue
            old = dict(fresh.data)
            fresh.data = {**fresh.data, **changed}
            fresh.save(update_fields=["data"])
            for key, value in changed.items():
                append(
                    actor,
                    "update",
                    table="subjects",
                    subject_id=subject_id,
                    field=key,
                    old=old.get(key),
                    new=value,
                    reason=text,
                    site=fresh.site.code,
                )
            _after_change(actor, fresh)
            _auto_queries(actor, fresh, "subjects", None, warnings)
            return fresh, warnings
    raise ConflictError("the subject kept changing while saving; try again")


# ----------------------------------------------------------------- repeating records


def _record_form_values(table: str, payload: dict[str, Any], partial: bool) -> dict[str, Any]:
    columns = crf.record_columns(table)
    names = {c.name for c in columns}
    unknown = sorted(set(payload) - names - {"reason"})
    if unknown:
        raise InvalidError(
            f"unknown {table} fields: {', '.join(unknown)}", {k: ["unknown field"] for k in unknown}
        )
    values = {k: v for k, v in payload.items() if k != "reason"}
    form = crf.build_form(table, columns, values, partial=partial)
    if not form.is_valid():
        errors = crf.form_errors(form)
        raise InvalidError("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    return crf.stored(form.cleaned_data)


def _table(table: str) -> str:
    if table not in crf.RECORD_TITLES:
        raise NotFoundError(f"no form {table!r}")
    return table


def add_record(
    user: Any, via: str, subject_id: str, table: str, payload: dict[str, Any]
) -> tuple[Record, list[str]]:
    """A new row of a repeating form for the subject."""
    require(user, "enter")
    _table(table)
    data = _record_form_values(table, payload, partial=False)
    actor = actor_of(user, via)
    for _ in range(MAX_RETRIES):
        subject = get_subject(user, subject_id)
        _unlocked(subject)
        if subject.status in ("screening", "screen_failed") and table not in (
            "labs",
            "lesions",
            "measurements",
            "biomarkers",
        ):
            raise ConflictError(
                f"{subject_id} is not enrolled: on-study forms open after registration"
            )
        tables = subject_tables(subject)
        rows = tables.setdefault(table, [])
        rows.append({"subject_id": subject_id, **data})
        config = study_config()
        warnings = _check_or_raise(config, tables, (table, len(rows) - 1), bool(subject.arm))
        with _subject_write(subject) as fresh:
            if fresh is None:
                continue
            record = Record.objects.create(subject=fresh, table=table, data=data, created_at=now())
            for key, value in data.items():
                if value is not None:
                    append(
                        actor,
                        "create",
                        table=table,
                        subject_id=subject_id,
                        record_id=str(record.pk),
                        field=key,
                        new=value,
                        site=fresh.site.code,
                    )
            _after_change(actor, fresh)
            _auto_queries(actor, fresh, table, record, warnings)
            return record, warnings
    raise ConflictError("the subject kept changing while saving; try again")


def get_record(user: Any, subject_id: str, table: str, record_id: int) -> Record:
    subject = get_subject(user, subject_id)
    record = Record.objects.filter(
        subject=subject, table=_table(table), pk=record_id, deleted=False
    ).first()
    if record is None:
        raise NotFoundError(f"no {table} record {record_id} for {subject_id}")
    return record


def update_record(
    user: Any,
    via: str,
    subject_id: str,
    table: str,
    record_id: int,
    payload: dict[str, Any],
    reason: str | None,
) -> tuple[Record, list[str]]:
    """Change a row of a repeating form; every changed field is audited with the reason."""
    require(user, "enter")
    values = _record_form_values(table, payload, partial=True)
    actor = actor_of(user, via)
    for _ in range(MAX_RETRIES):
        record = get_record(user, subject_id, table, record_id)
        subject = record.subject
        _unlocked(subject)
        changed = {k: v for k, v in values.items() if record.data.get(k) != v}
        if not changed:
            return record, []
        text = _reason(reason)
        tables = subject_tables(subject)
        rows = tables[table]
        index = next(i for i, r in enumerate(rows) if r["_pk"] == record.pk)
        rows[index].update(changed)
        warnings = _check_or_raise(study_config(), tables, (table, index), bool(subject.arm))
        with _subject_write(subject) as fresh:
            if fresh is None:
                continue
            old = dict(record.data)
            record.data = {**record.data, **changed}
            record.save(update_fields=["data"])
            for key, value in changed.items():
                append(
                    actor,
                    "update",
                    table=table,
                    subject_id=subject_id,
                    record_id=str(record.pk),
                    field=key,
                    old=old.get(key),
                    new=value,
                    reason=text,
                    site=fresh.site.code,
                )
            _after_change(actor, fresh)
            _auto_queries(actor, fresh, table, record, warnings)
            return record, warnings
    raise ConflictError("the subject kept changing while saving; try again")


def delete_record(
    user: Any, via: str, subject_id: str, table: str, record_id: int, reason: str | None
) -> None:
    """Logical delete with a reason: the row leaves the data, its values stay in the audit trail."""
    require(user, "enter")
    text = _reason(reason)
    actor = actor_of(user, via)
    record = get_record(user, subject_id, table, record_id)
    _unlocked(record.subject)
    if table == "lesions":
        lesion = record.data.get("lesion_id")
        used = Record.objects.filter(subject=record.subject, table="measurements", deleted=False)
        if any(m.data.get("lesion_id") == lesion for m in used):
            raise ConflictError(f"lesion {lesion!r} has measurements; delete those first")
    with write_transaction():
        fresh = Record.objects.select_for_update().get(pk=record.pk)
        if fresh.deleted:
            raise NotFoundError(f"no {table} record {record_id} for {subject_id}")
        fresh.deleted = True
        fresh.save(update_fields=["deleted"])
        append(
            actor,
            "delete",
            table=table,
            subject_id=subject_id,
            record_id=str(fresh.pk),
            old=fresh.data,
            reason=text,
            site=record.subject.site.code,
        )
        subject = (
            Subject.objects.select_for_update().select_related("site").get(pk=record.subject.pk)
        )
        _after_change(actor, subject)


# ----------------------------------------------------------------- enrolment


def latest_screening(subject: Subject, stage: str) -> Screening | None:
    return subject.screenings.filter(stage=stage).order_by("-pk").first()


def screen_subject(
    user: Any, via: str, subject_id: str, stage: str, payload: dict[str, Any]
) -> Screening:
    """Evaluate the stage's criteria with rtio's engine on the facts entered; keeps every verdict."""
    require(user, "screen")
    if stage not in elig.STAGES:
        raise NotFoundError(f"no screening stage {stage!r}")
    subject = get_subject(user, subject_id)
    _unlocked(subject)
    config = study_config()
    protocol = protocol_of(config)
    form = elig.screening_form(protocol, stage, crf.as_form_data(payload))
    if not form.is_valid():
        errors = crf.form_errors(form)
        raise InvalidError("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    facts = elig.clean_facts(form.cleaned_data)
    outcome = elig.evaluate(protocol, stage, subject_id, facts)
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        screening = Screening.objects.create(
            subject=fresh,
            stage=stage,
            screening_date=form.cleaned_data["screening_date"],
            facts=facts,
            verdict=outcome["verdict"],
            first_failed=outcome["first_failed"],
            details=outcome["details"],
            screened_at=now(),
            screened_by=actor.username,
        )
        append(
            actor,
            "screen",
            table="screening",
            subject_id=subject_id,
            record_id=str(screening.pk),
            field=stage,
            new=facts,
            site=fresh.site.code,
        )
        append(
            actor,
            "verdict",
            table="screening",
            subject_id=subject_id,
            record_id=str(screening.pk),
            field=stage,
            new=outcome["verdict"],
            site=fresh.site.code,
        )
        if stage == "registration" and fresh.status in ("screening", "screen_failed"):
            status = "screen_failed" if outcome["verdict"] == "ineligible" else "screening"
            if status != fresh.status:
                append(
                    actor,
                    "status",
                    table="subjects",
                    subject_id=subject_id,
                    field="status",
                    old=fresh.status,
                    new=status,
                    reason=f"screening verdict {outcome['verdict']}",
                    site=fresh.site.code,
                )
                fresh.status = status
                fresh.save(update_fields=["status"])
    return screening


def record_consent(user: Any, via: str, subject_id: str, consent_date: Any) -> Subject:
    """Record the date written informed consent was given."""
    require(user, "enrol")
    from django import forms

    field = forms.DateField(input_formats=["%Y-%m-%d"])
    try:
        when = field.clean(str(consent_date or ""))
    except forms.ValidationError as exc:
        raise InvalidError(
            f"consent_date: {exc.messages[0]}", {"consent_date": exc.messages}
        ) from exc
    subject = get_subject(user, subject_id)
    _unlocked(subject)
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        if fresh.consent_date is not None:
            raise ConflictError(
                f"consent of {subject_id} is already recorded ({fresh.consent_date})"
            )
        fresh.consent_date = when
        fresh.save(update_fields=["consent_date"])
        append(
            actor,
            "consent",
            table="subjects",
            subject_id=subject_id,
            field="consent_date",
            new=when,
            site=fresh.site.code,
        )
    return fresh


def _check_password(user: Any, password: str | None) -> None:
    """Part 11 §11.200: a signature needs the signer's password again."""
    if not password or authenticate(username=user.get_username(), password=password) is None:
        raise ForbiddenError("the password does not match: the signature needs your password")


def _gate(
    user: Any, subject: Subject, stage: str, override_reason: str | None, password: str | None
) -> str | None:
    """The stage's latest verdict must be eligible, or an investigator overrides it with a reason
    and an e-signature. Returns the override reason when one is used."""
    screening = latest_screening(subject, stage)
    if screening is not None and screening.verdict == "eligible":
        return None
    verdict = "not screened" if screening is None else screening.verdict
    if not (override_reason or "").strip():
        raise ConflictError(f"{stage} is blocked: the {stage} eligibility verdict is {verdict}")
    if screening is None:
        raise ConflictError(
            f"{stage} is blocked: screen the subject first (an override needs a verdict)"
        )
    require(user, "override_eligibility")
    _check_password(user, password)
    return override_reason.strip() if override_reason else None


def _record_override(actor: Actor, subject: Subject, stage: str, reason: str) -> None:
    """Mark the stage's latest verdict as overridden (with the e-signed reason) and audit it."""
    screening = latest_screening(subject, stage)
    if screening is None:
        raise ConflictError(f"{stage} is blocked: screen the subject first")
    Screening.objects.filter(pk=screening.pk).update(override_reason=reason)
    append(
        actor,
        "eligibility_override",
        table="screening",
        subject_id=subject.subject_id,
        record_id=str(screening.pk),
        field=stage,
        old=screening.verdict,
        new="eligible (override)",
        reason=reason,
        site=subject.site.code,
    )


def register(
    user: Any,
    via: str,
    subject_id: str,
    override_reason: str | None = None,
    password: str | None = None,
) -> Subject:
    """Enrol a screened subject: eligible at registration (or overridden) and consented. A
    single-arm study's subject gets its one arm here."""
    require(user, "enrol")
    subject = get_subject(user, subject_id)
    _unlocked(subject)
    if subject.status in ("registered", "randomized"):
        raise ConflictError(f"{subject_id} is already enrolled")
    if subject.consent_date is None:
        raise ConflictError("registration is blocked: informed consent is not recorded")
    override = _gate(user, subject, "registration", override_reason, password)
    config = study_config()
    protocol = protocol_of(config)
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        if fresh.status in ("registered", "randomized"):
            raise ConflictError(f"{subject_id} is already enrolled")
        if override:
            _record_override(actor, fresh, "registration", override)
        append(
            actor,
            "register",
            table="subjects",
            subject_id=subject_id,
            field="status",
            old=fresh.status,
            new="registered",
            site=fresh.site.code,
        )
        fresh.status = "registered"
        if len(protocol.arms) == 1:
            fresh.arm = protocol.arms[0].label
            append(
                actor,
                "allocate",
                table="subjects",
                subject_id=subject_id,
                field="arm",
                new=fresh.arm,
                reason="single-arm study",
                site=fresh.site.code,
            )
        fresh.save(update_fields=["status", "arm"])
    return fresh


def randomize_subject(
    user: Any,
    via: str,
    subject_id: str,
    override_reason: str | None = None,
    password: str | None = None,
) -> Allocation:
    """Allocate an arm from the locked list (or by minimization) and record who / when / strata."""
    require(user, "enrol")
    config = study_config()
    if config.live_at is None or not config.randomization:
        raise ConflictError(
            "randomization is not live: an administrator runs `rtio capture go-live`"
        )
    subject = get_subject(user, subject_id)
    _unlocked(subject)
    if subject.status == "randomized":
        raise ConflictError(f"{subject_id} is already randomized")
    if subject.status != "registered":
        raise ConflictError("randomization is blocked: the subject is not registered")
    protocol = protocol_of(config)
    override = None
    if elig.criteria_for(protocol, "randomization"):
        override = _gate(user, subject, "randomization", override_reason, password)
    facts: dict[str, Any] = {}
    for screening in subject.screenings.order_by("pk"):
        facts.update(screening.facts)
    values = randomize.strata_values(config.randomization, subject, facts)
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        if fresh.status != "registered":
            raise ConflictError(f"{subject_id} is not awaiting randomization")
        slot = randomize.allocate(config, fresh, values)
        slot.subject = fresh
        slot.allocated_at = now()
        slot.allocated_by = actor.username
        slot.strata_values = values
        if slot.pk is None:
            slot.save()
        else:
            slot.save(update_fields=["subject", "allocated_at", "allocated_by", "strata_values"])
        if override:
            _record_override(actor, fresh, "randomization", override)
        append(
            actor,
            "randomize",
            table="allocations",
            subject_id=subject_id,
            record_id=slot.randomization_id,
            field="stratum",
            new=slot.stratum,
            site=fresh.site.code,
        )
        append(
            actor,
            "randomize",
            table="subjects",
            subject_id=subject_id,
            field="arm",
            new=slot.arm,
            site=fresh.site.code,
        )
        fresh.arm, fresh.stratum, fresh.status = slot.arm, slot.stratum, "randomized"
        fresh.save(update_fields=["arm", "stratum", "status"])
        _after_change(actor, fresh)
    return slot


# ----------------------------------------------------------------- queries


def _query(user: Any, query_id: int) -> Query:
    query = Query.objects.select_related("subject", "subject__site").filter(pk=query_id).first()
    if query is None:
        raise NotFoundError(f"no query {query_id}")
    get_subject(user, query.subject.subject_id)  # 404 outside the caller's sites
    return query


def open_query(
    user: Any,
    via: str,
    subject_id: str,
    table: str,
    text: str,
    record_id: int | None = None,
    field: str = "",
) -> Query:
    require(user, "open_query")
    subject = get_subject(user, subject_id)
    body = (text or "").strip()
    if not body:
        raise InvalidError("the query needs a text", {"text": ["required"]})
    record = None
    if record_id:
        record = get_record(user, subject_id, table, int(record_id))
    elif table not in ("subjects", *crf.RECORD_TITLES):
        raise InvalidError(f"no form {table!r}", {"table": ["unknown form"]})
    actor = actor_of(user, via)
    with write_transaction():
        query = Query.objects.create(
            subject=subject,
            table=table,
            record=record,
            field=field or "",
            text=body,
            opened_by=actor.username,
            opened_at=now(),
        )
        QueryMessage.objects.create(
            query=query, action="open", text=body, author=actor.username, at=now()
        )
        append(
            actor,
            "query_open",
            table=table,
            subject_id=subject_id,
            record_id=str(query.pk),
            field=field or "",
            new=body,
            site=subject.site.code,
        )
    return query


_TRANSITIONS = {
    "answer": ("answer_query", ("open",), "answered"),
    "close": ("close_query", ("open", "answered"), "closed"),
    "reopen": ("close_query", ("answered", "closed"), "open"),
}


def move_query(user: Any, via: str, query_id: int, action: str, text: str) -> Query:
    """answer (site), close or re-open (monitor / data manager), each with a text."""
    if action not in _TRANSITIONS:
        raise NotFoundError(f"no query action {action!r}")
    permission, sources, target = _TRANSITIONS[action]
    require(user, permission)
    query = _query(user, query_id)
    body = (text or "").strip()
    if not body:
        raise InvalidError("a text is required", {"text": ["required"]})
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Query.objects.select_for_update().get(pk=query.pk)
        if fresh.status not in sources:
            raise ConflictError(f"a query that is {fresh.status} cannot be {action}ed")
        old = fresh.status
        fresh.status = target
        fresh.save(update_fields=["status"])
        QueryMessage.objects.create(
            query=fresh, action=action, text=body, author=actor.username, at=now()
        )
        append(
            actor,
            f"query_{action}",
            table=query.table,
            subject_id=query.subject.subject_id,
            record_id=str(query.pk),
            field="status",
            old=old,
            new=target,
            reason=body,
            site=query.subject.site.code,
        )
    return fresh


# ----------------------------------------------------------------- signatures and locks


def sign(
    user: Any,
    via: str,
    subject_id: str,
    password: str | None,
    meaning: str = "Investigator review and approval of the casebook",
) -> Signature:
    """E-sign the casebook (password re-entry): name, time, meaning and the content's hash."""
    require(user, "sign")
    _check_password(user, password)
    subject = get_subject(user, subject_id)
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        name = user.get_full_name() or user.get_username()
        sig = Signature.objects.create(
            subject=fresh,
            signer=actor.username,
            signer_name=name,
            meaning=meaning,
            signed_at=now(),
            content_hash=content_hash(fresh),
        )
        append(
            actor,
            "sign",
            table="signatures",
            subject_id=subject_id,
            record_id=str(sig.pk),
            field="meaning",
            new=meaning,
            site=fresh.site.code,
        )
    return sig


def set_lock(user: Any, via: str, subject_id: str, locked: bool, reason: str | None) -> Subject:
    """Lock (freeze) or unlock a casebook; both need a reason and are audited."""
    require(user, "lock")
    text = _reason(reason)
    subject = get_subject(user, subject_id)
    actor = actor_of(user, via)
    with write_transaction():
        fresh = Subject.objects.select_for_update().select_related("site").get(pk=subject.pk)
        if fresh.locked == locked:
            raise ConflictError(f"{subject_id} is already {'locked' if locked else 'unlocked'}")
        fresh.locked = locked
        fresh.save(update_fields=["locked"])
        append(
            actor,
            "lock" if locked else "unlock",
            table="subjects",
            subject_id=subject_id,
            field="locked",
            old=not locked,
            new=locked,
            reason=text,
            site=fresh.site.code,
        )
    return fresh


# ----------------------------------------------------------------- users (command line)


def create_user(actor: Actor, name: str, role: str, sites: list[str], password: str) -> Any:
    """A user with a role at sites (``*`` = every site); names are never reused (Part 11 §11.300)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from rtio.capture.models import ROLES, Profile

    if role not in ROLES:
        raise InvalidError(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    if not sites:
        raise InvalidError("give --site (a site code, or '*' for every site)")
    users = get_user_model()
    if users.objects.filter(username=name).exists():
        raise ConflictError(f"user {name!r} exists; user names are never reused")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise InvalidError("password: " + " ".join(exc.messages)) from exc
    with write_transaction():
        user = users.objects.create_user(username=name, password=password)
        profile = Profile.objects.create(user=user, role=role, all_sites="*" in sites)
        for code in sites:
            if code == "*":
                continue
            site, created = Site.objects.get_or_create(code=code)
            if created:
                append(actor, "site_create", table="sites", field="code", new=code, site=code)
            profile.sites.add(site)
        append(actor, "user_create", table="users", record_id=name, field="role", new=role)
        append(
            actor, "user_create", table="users", record_id=name, field="sites", new=",".join(sites)
        )
    return user


def issue_token(actor: Actor, name: str) -> str:
    """A new API token for the user (printed once; only its hash is stored)."""
    import secrets

    from rtio.capture.models import ApiToken

    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise NotFoundError(f"no active user {name!r}")
    key = secrets.token_hex(24)
    with write_transaction():
        token = ApiToken.objects.create(
            user=user,
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            created_at=now(),
        )
        append(
            actor, "token_create", table="tokens", record_id=str(token.pk), field="user", new=name
        )
    return key


def revoke_tokens(actor: Actor, name: str) -> int:
    """Revoke every live token of the user; returns how many."""
    from rtio.capture.models import ApiToken

    with write_transaction():
        live = ApiToken.objects.select_for_update().filter(
            user__username=name, revoked_at__isnull=True
        )
        count = 0
        for token in live:
            token.revoked_at = now()
            token.save(update_fields=["revoked_at"])
            append(
                actor,
                "token_revoke",
                table="tokens",
                record_id=str(token.pk),
                field="user",
                old=name,
            )
            count += 1
    return count


def token_user(key: str) -> Any:
    """The user of a live token, or None."""
    from rtio.capture.models import ApiToken

    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hashlib.sha256(key.encode()).hexdigest(), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user
