"""The audit trail: append-only, field-level, hash-chained (21 CFR 11.10(e); ICH E6(R3) 4.2.2).

Every write of the service runs inside :func:`write_transaction`, which first locks the chain
head: audit rows are therefore numbered and chained in commit order, and a data change and its
audit rows commit together or not at all. Each row's hash is
``SHA-256(prev_hash + canonical JSON of the row)``; :func:`verify_chain` recomputes the chain and
names the first row that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from rtio.capture.models import AuditEntry, ChainHead

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "ts",
    "user",
    "role",
    "action",
    "table",
    "subject_id",
    "record_id",
    "field",
    "old_value",
    "new_value",
    "reason",
    "via",
    "site",
)


@dataclass(frozen=True)
class Actor:
    """Who acts and through which channel (``web``, ``api`` or ``cli``)."""

    username: str
    role: str
    via: str


def now() -> dt.datetime:
    """The server clock in UTC, to the microsecond."""
    return dt.datetime.now(dt.UTC)


def as_text(value: Any) -> str | None:
    """An audited value as text: ISO dates, true/false, numbers as written; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _canonical(values: dict[str, Any]) -> str:
    row = {k: values[k] for k in HASHED_FIELDS}
    ts = row["ts"]
    row["ts"] = ts.astimezone(dt.UTC).isoformat() if isinstance(ts, dt.datetime) else str(ts)
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """The hash of one audit row given the hash of the row before it."""
    return hashlib.sha256((prev_hash + _canonical(values)).encode("utf-8")).hexdigest()


def _head() -> ChainHead:
    """The chain head, locked until the transaction ends (created by migration 0002)."""
    return ChainHead.objects.select_for_update().get(pk=1)


@contextmanager
def write_transaction() -> Iterator[None]:
    """One atomic write: locks the chain head first, so writers queue in commit order."""
    with transaction.atomic():
        _head()
        yield


def append(
    actor: Actor,
    action: str,
    *,
    table: str = "",
    subject_id: str = "",
    record_id: str = "",
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
    site: str = "",
) -> AuditEntry:
    """Append one audit row; must run inside :func:`write_transaction`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are written inside the write transaction of their change")
    head = _head()
    values: dict[str, Any] = {
        "seq": head.seq + 1,
        "ts": now(),
        "user": actor.username,
        "role": actor.role,
        "action": action,
        "table": table,
        "subject_id": subject_id,
        "record_id": str(record_id),
        "field": field,
        "old_value": as_text(old),
        "new_value": as_text(new),
        "reason": reason,
        "via": actor.via,
        "site": site,
    }
    digest = row_hash(head.hash, values)
    entry = AuditEntry.objects.create(prev_hash=head.hash, hash=digest, **values)
    head.seq, head.hash = values["seq"], digest
    head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of :func:`verify_chain`: ``ok``, rows checked, and the first broken row."""

    ok: bool
    rows: int
    broken_seq: int | None = None
    message: str = ""


def verify_chain() -> ChainCheck:
    """Recompute the hash chain from the first audit row to the chain head."""
    prev, expected_seq, count = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        values = {k: getattr(entry, k) for k in HASHED_FIELDS}
        if entry.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"audit record {expected_seq} is missing")
        if entry.prev_hash != prev:
            return ChainCheck(
                False,
                count,
                entry.seq,
                f"audit record {entry.seq}: prev_hash does not match record {entry.seq - 1}",
            )
        if row_hash(prev, values) != entry.hash:
            return ChainCheck(
                False,
                count,
                entry.seq,
                f"audit record {entry.seq}: content does not match its hash",
            )
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return ChainCheck(
            False,
            count,
            expected_seq,
            f"audit record {expected_seq} is missing: the chain head is at record {head.seq}",
        )
    return ChainCheck(True, count)
