"""What a caller may see of a record, as plain data for the API and the pages.

Blinded callers get arm, stratum and allocation values masked, in records and in the audit
trail alike (EMA/INS/GCP/112288/2023: no unblinding information in audit trails they can see);
the randomization set-up (its seed makes the list) is shown to the unblinded role only.
"""

from __future__ import annotations

from typing import Any

from rtio.capture.models import AuditEntry, Query, Record, Screening, Signature, Subject
from rtio.capture.policy import MASK, allowed, blinded

ALLOCATION_FIELDS = {"arm", "stratum"}
ALLOCATION_TABLES = {"allocations", "randomization"}


def subject_json(subject: Subject, user: Any) -> dict[str, Any]:
    mask = blinded(user)
    return {
        "subject_id": subject.subject_id,
        "site": subject.site.code,
        "status": subject.status,
        "arm": (MASK if mask and subject.arm else subject.arm),
        "stratum": (MASK if mask and subject.stratum else subject.stratum),
        "consent_date": subject.consent_date.isoformat() if subject.consent_date else None,
        "locked": subject.locked,
        **subject.data,
    }


def record_json(record: Record) -> dict[str, Any]:
    return {"id": record.pk, "table": record.table, **record.data}


def screening_json(screening: Screening) -> dict[str, Any]:
    return {
        "id": screening.pk,
        "stage": screening.stage,
        "screening_date": screening.screening_date.isoformat(),
        "verdict": screening.verdict,
        "first_failed": screening.first_failed,
        "override_reason": screening.override_reason,
        "criteria": screening.details,
        "facts": screening.facts,
        "screened_by": screening.screened_by,
        "screened_at": screening.screened_at.isoformat(),
    }


def query_json(query: Query) -> dict[str, Any]:
    return {
        "id": query.pk,
        "subject_id": query.subject.subject_id,
        "table": query.table,
        "record_id": query.record_id,
        "field": query.field,
        "text": query.text,
        "status": query.status,
        "automatic": query.automatic,
        "opened_by": query.opened_by,
        "opened_at": query.opened_at.isoformat(),
        "messages": [
            {"action": m.action, "text": m.text, "author": m.author, "at": m.at.isoformat()}
            for m in query.messages.order_by("pk")
        ],
    }


def signature_json(sig: Signature) -> dict[str, Any]:
    return {
        "id": sig.pk,
        "signer": sig.signer,
        "signer_name": sig.signer_name,
        "meaning": sig.meaning,
        "signed_at": sig.signed_at.isoformat(),
        "valid": sig.invalidated_at is None,
        "invalidated_reason": sig.invalidated_reason,
    }


def audit_json(entry: AuditEntry, user: Any) -> dict[str, Any]:
    old, new = entry.old_value, entry.new_value
    allocation = entry.field in ALLOCATION_FIELDS or entry.table in ALLOCATION_TABLES
    if (allocation and blinded(user)) or (
        entry.table == "randomization" and not allowed(user, "view_allocation_list")
    ):
        old = MASK if old is not None else None
        new = MASK if new is not None else None
    return {
        "seq": entry.seq,
        "ts": entry.ts.isoformat(),
        "user": entry.user,
        "role": entry.role,
        "action": entry.action,
        "table": entry.table,
        "subject_id": entry.subject_id,
        "record_id": entry.record_id,
        "field": entry.field,
        "old_value": old,
        "new_value": new,
        "reason": entry.reason,
        "via": entry.via,
        "hash": entry.hash,
    }


def casebook_json(subject: Subject, user: Any) -> dict[str, Any]:
    """A subject with its records, screenings, queries and signatures."""
    return {
        "subject": subject_json(subject, user),
        "records": [record_json(r) for r in subject.records.filter(deleted=False).order_by("pk")],
        "screenings": [screening_json(s) for s in subject.screenings.order_by("pk")],
        "queries": [query_json(q) for q in subject.queries.order_by("pk")],
        "signatures": [signature_json(s) for s in subject.signatures.order_by("pk")],
    }
