"""The capture database: sites, users' roles, subjects and their records, screening, allocations,
queries, signatures and the audit trail.

Study-format values live in JSON columns keyed by the study schema's column names
(:mod:`rtio.io.schema`), so the forms, the validation and the export all read one declaration.
The audit trail is append-only: the database itself refuses UPDATE and DELETE on it (triggers
installed by migration 0002), and each row carries the hash of the row before it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

ROLES = (
    "investigator",
    "coordinator",
    "data_manager",
    "monitor",
    "statistician_blinded",
    "statistician_unblinded",
    "admin",
)
SUBJECT_STATUS = ("screening", "screen_failed", "registered", "randomized")
QUERY_STATUS = ("open", "answered", "closed")


class Site(models.Model):
    """A recruiting site; users see the records of their own sites only."""

    code = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.code


class Profile(models.Model):
    """A user's role and sites (``all_sites`` for sponsor-side roles that see every site)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    role = models.CharField(max_length=32, choices=[(r, r) for r in ROLES])
    sites = models.ManyToManyField(Site, blank=True)
    all_sites = models.BooleanField(default=False)
    failed_logins = models.IntegerField(default=0)


class ApiToken(models.Model):
    """An API token; only its SHA-256 is stored. A revoked token authenticates nobody."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)


class StudyConfig(models.Model):
    """The one study this database captures: its protocol and settings, frozen at first start,
    and the randomization set-up locked at go-live."""

    protocol_id = models.CharField(max_length=128)
    protocol_yaml = models.TextField()
    settings_yaml = models.TextField(blank=True, default="")
    secret_key = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    live_at = models.DateTimeField(null=True, blank=True)
    randomization = models.JSONField(default=dict, blank=True)


class Subject(models.Model):
    """A screened candidate or enrolled subject. ``data`` holds the study-format subject columns
    except ``arm`` / ``site`` / ``stratum``, which only enrolment and randomization set."""

    subject_id = models.CharField(max_length=64, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    data = models.JSONField(default=dict)
    status = models.CharField(max_length=16, default="screening")
    arm = models.CharField(max_length=128, null=True, blank=True)
    stratum = models.CharField(max_length=256, null=True, blank=True)
    consent_date = models.DateField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    version = models.BigIntegerField(default=1)
    created_at = models.DateTimeField()


class Record(models.Model):
    """One row of a repeating study table (lesions, AEs, labs, ...) for a subject."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="records")
    table = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=["subject", "table"]),)


class Screening(models.Model):
    """One evaluation of the protocol's criteria at a stage, with each verdict and its reason."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="screenings")
    stage = models.CharField(max_length=16)
    screening_date = models.DateField()
    facts = models.JSONField(default=dict)
    verdict = models.CharField(max_length=16)
    first_failed = models.CharField(max_length=32, null=True, blank=True)
    details = models.JSONField(default=list)
    override_reason = models.TextField(null=True, blank=True)
    screened_at = models.DateTimeField()
    screened_by = models.CharField(max_length=150)


class Allocation(models.Model):
    """A slot of the locked randomization list (permuted blocks), or an allocation made by
    minimization. ``subject`` is set once, when the slot is used."""

    randomization_id = models.CharField(max_length=32, unique=True)
    stratum = models.CharField(max_length=256)
    sequence = models.IntegerField()
    block_id = models.CharField(max_length=300, blank=True, default="")
    block_size = models.IntegerField(default=0)
    position_in_block = models.IntegerField(default=0)
    arm = models.CharField(max_length=128)
    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, null=True, blank=True)
    allocated_at = models.DateTimeField(null=True, blank=True)
    allocated_by = models.CharField(max_length=150, null=True, blank=True)
    strata_values = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["stratum", "sequence"]),)


class Query(models.Model):
    """A data query (discrepancy) on a subject, a record or one field: open -> answered ->
    closed, and re-opened."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="queries")
    table = models.CharField(max_length=32)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, null=True, blank=True)
    field = models.CharField(max_length=64, blank=True, default="")
    text = models.TextField()
    status = models.CharField(max_length=16, default="open")
    automatic = models.BooleanField(default=False)
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField()


class QueryMessage(models.Model):
    """One step of a query's life (open, answer, close, reopen) with its text."""

    query = models.ForeignKey(Query, on_delete=models.PROTECT, related_name="messages")
    action = models.CharField(max_length=16)
    text = models.TextField()
    author = models.CharField(max_length=150)
    at = models.DateTimeField()


class Signature(models.Model):
    """An electronic signature (21 CFR 11.50 / 11.70): who, when, meaning, and the hash of the
    signed content; invalidated when that content changes."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="signatures")
    signer = models.CharField(max_length=150)
    signer_name = models.CharField(max_length=300)
    meaning = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.TextField(null=True, blank=True)


class AuditEntry(models.Model):
    """One audit row (21 CFR 11.10(e); ICH E6(R3) 4.2.2): who, when (UTC), what, old and new
    value, reason and channel, chained to the row before by ``prev_hash``."""

    seq = models.BigIntegerField(unique=True)
    ts = models.DateTimeField()
    user = models.CharField(max_length=150)
    role = models.CharField(max_length=32, blank=True, default="")
    action = models.CharField(max_length=32)
    table = models.CharField(max_length=32, blank=True, default="")
    subject_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    record_id = models.CharField(max_length=64, blank=True, default="")
    field = models.CharField(max_length=64, blank=True, default="")
    old_value = models.TextField(null=True, blank=True)
    new_value = models.TextField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    via = models.CharField(max_length=16)
    site = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)


class ChainHead(models.Model):
    """The last audit row's sequence number and hash: the lock every write transaction takes
    first (so audit rows are chained in commit order) and the check that no tail was cut off."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
