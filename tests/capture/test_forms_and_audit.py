"""Forms from the study schema (hard checks reject, cross-form rules of `rtio validate`), the
field-level audit trail, queries, e-signatures and locks."""

from __future__ import annotations

import pytest

AE = {
    "term": "Nausea",
    "grade": 2,
    "start_date": "2026-02-01",
    "related_treatment": True,
    "related_radiotherapy": False,
    "immune_related": False,
    "serious": False,
}
RT = {
    "target": "locoregional",
    "technique": "IMRT",
    "dose_per_fraction_gy": 2.12,
    "fractions": 33,
    "start_date": "2026-04-10",
    "end_date": "2026-05-26",
}


def test_every_study_table_has_a_form():
    from rtio.capture import crf
    from rtio.io.schema import SCHEMAS

    covered = set(crf.RECORD_TITLES) | {"subjects", "screening"}
    assert covered == set(SCHEMAS)
    subject_fields = {c.name for c in crf.subject_columns()} | set(crf.SET_BY_ENROLMENT)
    assert subject_fields == set(SCHEMAS["subjects"].column_names)


@pytest.mark.parametrize(
    ("table", "change", "field"),
    [
        ("adverse_events", {"grade": "2.5"}, "grade"),  # wrong type
        ("adverse_events", {"grade": 6}, "grade"),  # impossible value
        ("adverse_events", {"term": "Feeling poorly"}, "term"),  # not a CTCAE term
        ("adverse_events", {"start_date": "2026-02-30"}, "start_date"),
        ("adverse_events", {"end_date": "2026-01-15"}, "end_date"),  # ends before it starts
        ("radiotherapy", {"end_date": "2026-04-01"}, "end_date"),  # RT end before start
        ("radiotherapy", {"fractions": 0}, "fractions"),
        ("labs", {"value": "high"}, "value"),
        ("exposures", {"cycle": -1}, "cycle"),
    ],
)
def test_hard_checks_reject(capture, table, change, field):
    sid = capture.enrol("A")
    base = {
        "adverse_events": AE,
        "radiotherapy": RT,
        "labs": {
            "date": "2026-02-01",
            "test": "neutrophils",
            "value": 1.9,
            "unit": "10^9/L",
            "lln": 2.0,
            "uln": 7.5,
        },
        "exposures": {
            "drug": "toripalimab",
            "dose": 240,
            "dose_unit": "mg",
            "date": "2026-01-10",
            "cycle": 1,
        },
    }[table]
    response = capture.api("coord_a").post(
        f"/api/subjects/{sid}/records/{table}/", base | change, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    from rtio.capture.models import Record

    assert not Record.objects.filter(subject__subject_id=sid, table=table).exists()


def test_ae_grade_the_term_does_not_allow(capture):
    from rtio.derive.ctcae import adverse_event_terms

    terms = adverse_event_terms()
    capped = terms[terms["max_grade"] < 5].iloc[0]
    sid = capture.enrol("A")
    response = capture.api("coord_a").post(
        f"/api/subjects/{sid}/records/adverse_events/",
        AE | {"term": capped["term"], "grade": 5},
        content_type="application/json",
    )
    assert response.status_code == 400 and "(grades 1–4)" in response.json()["fields"]["grade"][0]


def test_measurement_needs_its_lesion(capture):
    sid = capture.enrol("A")
    client = capture.api("coord_a")
    scan = {
        "lesion_id": "L1",
        "assessment_date": "2026-02-01",
        "diameter_mm": 21,
        "status": "present",
    }
    response = client.post(
        f"/api/subjects/{sid}/records/measurements/", scan, content_type="application/json"
    )
    assert response.status_code == 400 and "lesion" in response.json()["error"]
    lesion = {"lesion_id": "L1", "role": "target", "organ": "liver", "is_lymph_node": False}
    assert (
        client.post(
            f"/api/subjects/{sid}/records/lesions/", lesion, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/subjects/{sid}/records/measurements/", scan, content_type="application/json"
        ).status_code
        == 201
    )


def test_field_level_audit_with_reason(capture):
    from rtio.capture.models import AuditEntry

    sid = capture.enrol("A")
    client = capture.api("coord_a")
    made = client.post(
        f"/api/subjects/{sid}/records/adverse_events/", AE, content_type="application/json"
    ).json()["record"]
    url = f"/api/subjects/{sid}/records/adverse_events/{made['id']}/"
    refused = client.patch(url, {"grade": 3}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["fields"] == {"reason": ["required"]}
    assert (
        client.patch(
            url, {"grade": 3, "reason": "   "}, content_type="application/json"
        ).status_code
        == 400
    )
    done = client.patch(
        url,
        {"grade": 3, "reason": "source document: CTCAE grade 3"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["record"]["grade"] == 3
    rows = AuditEntry.objects.filter(subject_id=sid, table="adverse_events", action="update")
    assert [(r.field, r.old_value, r.new_value, r.reason, r.user, r.via) for r in rows] == [
        ("grade", "2", "3", "source document: CTCAE grade 3", "coord_a", "api")
    ]
    assert rows[0].ts.utcoffset().total_seconds() == 0
    trail = client.get(f"/api/audit/?subject_id={sid}").json()["audit"]
    assert trail[-1]["ts"].endswith("+00:00") and trail[-1]["new_value"] == "3"
    # a logical delete keeps the values in the audit trail
    assert client.delete(url, {}, content_type="application/json").status_code == 400
    assert (
        client.delete(
            url, {"reason": "duplicate entry"}, content_type="application/json"
        ).status_code
        == 200
    )
    deleted = AuditEntry.objects.get(subject_id=sid, action="delete")
    assert '"grade": 3' in deleted.old_value and deleted.reason == "duplicate entry"


def test_audit_rows_cannot_be_changed_or_deleted(capture):
    from django.db import DatabaseError, transaction

    from rtio.capture.models import AuditEntry

    entry = AuditEntry.objects.order_by("seq").first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(new_value="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_failed_audit_write_rolls_the_change_back(capture, monkeypatch):
    from rtio.capture import audit, services
    from rtio.capture.models import AuditEntry, Subject

    sid = capture.enrol("A")
    before = Subject.objects.get(subject_id=sid).data["ecog"]
    count = AuditEntry.objects.count()

    def broken(prev_hash, values):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "row_hash", broken)
    with pytest.raises(RuntimeError, match="audit store"):
        services.update_subject(capture.users["coord_a"], "api", sid, {"ecog": 0}, "re-assessed")
    monkeypatch.undo()
    assert Subject.objects.get(subject_id=sid).data["ecog"] == before
    assert AuditEntry.objects.count() == count


def test_hash_chain_verifies_and_names_a_tampered_record(capture):
    from django.db import connection, transaction

    from rtio.capture.audit import verify_chain
    from rtio.capture.models import AuditEntry

    capture.enrol("A")
    assert verify_chain().ok
    victim = AuditEntry.objects.order_by("seq")[5]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER capture_audit_no_update")
            cursor.execute(
                "UPDATE capture_auditentry SET new_value = 'forged' WHERE seq = %s", [victim.seq]
            )
        check = verify_chain()
        transaction.set_rollback(True)
    assert not check.ok and check.broken_seq == victim.seq
    assert verify_chain().ok


def test_query_lifecycle(capture):
    from rtio.capture.models import AuditEntry

    sid = capture.enrol("A")
    monitor, site = capture.api("monitor"), capture.api("coord_a")
    made = site.post(
        f"/api/subjects/{sid}/records/adverse_events/", AE, content_type="application/json"
    ).json()["record"]
    opened = monitor.post(
        "/api/queries/",
        {
            "subject_id": sid,
            "table": "adverse_events",
            "record_id": made["id"],
            "field": "grade",
            "text": "Grade 2 nausea: please confirm from source",
        },
        content_type="application/json",
    )
    assert opened.status_code == 201
    qid = opened.json()["query"]["id"]
    assert (
        site.post(
            "/api/queries/", {"subject_id": sid, "text": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        site.post(
            f"/api/queries/{qid}/close/", {"text": "done"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        site.post(
            f"/api/queries/{qid}/answer/",
            {"text": "Confirmed in the clinic note"},
            content_type="application/json",
        ).json()["query"]["status"]
        == "answered"
    )
    assert (
        monitor.post(
            f"/api/queries/{qid}/reopen/", {"text": "Which note?"}, content_type="application/json"
        ).json()["query"]["status"]
        == "open"
    )
    assert (
        site.post(
            f"/api/queries/{qid}/answer/",
            {"text": "Note of 2026-02-01"},
            content_type="application/json",
        ).status_code
        == 200
    )
    closed = monitor.post(
        f"/api/queries/{qid}/close/", {"text": "Verified"}, content_type="application/json"
    ).json()["query"]
    assert closed["status"] == "closed" and len(closed["messages"]) == 5
    assert (
        site.post(
            f"/api/queries/{qid}/answer/", {"text": "late"}, content_type="application/json"
        ).status_code
        == 409
    )
    actions = list(
        AuditEntry.objects.filter(subject_id=sid, action__startswith="query_").values_list(
            "action", flat=True
        )
    )
    assert actions == ["query_open", "query_answer", "query_reopen", "query_answer", "query_close"]


def test_signature_needs_password_and_is_invalidated_by_a_change(capture, helpers):
    sid = capture.enrol("A")
    inv, site, dm = capture.api("inv_a"), capture.api("coord_a"), capture.api("dm")
    assert (
        inv.post(
            f"/api/subjects/{sid}/sign/", {"password": "nope"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        site.post(
            f"/api/subjects/{sid}/sign/",
            {"password": helpers.password("coord_a")},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        inv.post(
            f"/api/subjects/{sid}/sign/",
            {"password": helpers.password("inv_a")},
            content_type="application/json",
        ).status_code
        == 201
    )
    sigs = inv.get(f"/api/subjects/{sid}/").json()["signatures"]
    assert sigs[0]["valid"] and sigs[0]["meaning"].startswith("Investigator")
    site.patch(
        f"/api/subjects/{sid}/",
        {"ecog": 0, "reason": "re-assessed"},
        content_type="application/json",
    )
    sigs = inv.get(f"/api/subjects/{sid}/").json()["signatures"]
    assert not sigs[0]["valid"] and sigs[0]["invalidated_reason"] == "signed data changed"
    # a locked casebook refuses changes; unlocking needs a reason
    assert (
        dm.post(f"/api/subjects/{sid}/lock/", {}, content_type="application/json").status_code
        == 400
    )
    assert (
        dm.post(
            f"/api/subjects/{sid}/lock/",
            {"reason": "database lock for interim"},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert (
        site.patch(
            f"/api/subjects/{sid}/", {"ecog": 1, "reason": "x"}, content_type="application/json"
        ).status_code
        == 409
    )
    assert (
        site.post(
            f"/api/subjects/{sid}/records/adverse_events/", AE, content_type="application/json"
        ).status_code
        == 409
    )
    assert (
        dm.post(
            f"/api/subjects/{sid}/unlock/",
            {"reason": "query resolution"},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert (
        site.patch(
            f"/api/subjects/{sid}/", {"ecog": 1, "reason": "x"}, content_type="application/json"
        ).status_code
        == 200
    )
