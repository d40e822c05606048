"""The database refuses what the service never does: changing or deleting audit rows, and
changing the content of a randomization slot or deleting it once the list is locked."""

from __future__ import annotations

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER capture_audit_no_update BEFORE UPDATE ON capture_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER capture_audit_no_delete BEFORE DELETE ON capture_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER capture_allocation_no_edit BEFORE UPDATE ON capture_allocation
       WHEN NEW.randomization_id IS NOT OLD.randomization_id OR NEW.stratum IS NOT OLD.stratum
         OR NEW.sequence IS NOT OLD.sequence OR NEW.block_id IS NOT OLD.block_id
         OR NEW.block_size IS NOT OLD.block_size
         OR NEW.position_in_block IS NOT OLD.position_in_block OR NEW.arm IS NOT OLD.arm
       BEGIN SELECT RAISE(ABORT, 'the randomization list is locked'); END""",
    """CREATE TRIGGER capture_allocation_once BEFORE UPDATE ON capture_allocation
       WHEN OLD.subject_id IS NOT NULL AND NEW.subject_id IS NOT OLD.subject_id
       BEGIN SELECT RAISE(ABORT, 'an allocation is used once'); END""",
    """CREATE TRIGGER capture_allocation_no_delete BEFORE DELETE ON capture_allocation
       BEGIN SELECT RAISE(ABORT, 'the randomization list is locked'); END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "capture_audit_no_update",
        "capture_audit_no_delete",
        "capture_allocation_no_edit",
        "capture_allocation_once",
        "capture_allocation_no_delete",
    )
]
POSTGRES = [
    """CREATE FUNCTION capture_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION capture_allocation_guard() RETURNS trigger AS $$
       BEGIN
         IF (NEW.randomization_id, NEW.stratum, NEW.sequence, NEW.block_id, NEW.block_size,
             NEW.position_in_block, NEW.arm) IS DISTINCT FROM
            (OLD.randomization_id, OLD.stratum, OLD.sequence, OLD.block_id, OLD.block_size,
             OLD.position_in_block, OLD.arm) THEN
           RAISE EXCEPTION 'the randomization list is locked';
         END IF;
         IF OLD.subject_id IS NOT NULL AND NEW.subject_id IS DISTINCT FROM OLD.subject_id THEN
           RAISE EXCEPTION 'an allocation is used once';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER capture_audit_no_change BEFORE UPDATE OR DELETE ON capture_auditentry
       FOR EACH ROW EXECUTE FUNCTION capture_refuse('the audit trail is append-only')""",
    """CREATE TRIGGER capture_audit_no_truncate BEFORE TRUNCATE ON capture_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION capture_refuse('the audit trail is append-only')""",
    """CREATE TRIGGER capture_allocation_no_edit BEFORE UPDATE ON capture_allocation
       FOR EACH ROW EXECUTE FUNCTION capture_allocation_guard()""",
    """CREATE TRIGGER capture_allocation_no_delete BEFORE DELETE ON capture_allocation
       FOR EACH ROW EXECUTE FUNCTION capture_refuse('the randomization list is locked')""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER capture_audit_no_change ON capture_auditentry",
    "DROP TRIGGER capture_audit_no_truncate ON capture_auditentry",
    "DROP TRIGGER capture_allocation_no_edit ON capture_allocation",
    "DROP TRIGGER capture_allocation_no_delete ON capture_allocation",
    "DROP FUNCTION capture_allocation_guard()",
    "DROP FUNCTION capture_refuse()",
]


def _run(statements: dict[str, list[str]]):
    def apply(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)  # no parameters: "%" stays literal

    return apply


def _chain_head(apps, schema_editor) -> None:
    """The chain head row every write transaction locks first (seq 0: no audit row yet)."""
    apps.get_model("capture", "ChainHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": "0" * 64}
    )


class Migration(migrations.Migration):
    dependencies = [("capture", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
        migrations.RunPython(_chain_head, migrations.RunPython.noop),
    ]
