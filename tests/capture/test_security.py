"""Security: every endpoint without login, with the wrong role and as another site's user;
CSRF on the pages; revoked tokens; SQL and HTML injection in every text field."""

from __future__ import annotations

import json

import pytest

AE = {
    "term": "Nausea",
    "grade": 1,
    "start_date": "2026-02-01",
    "related_treatment": False,
    "related_radiotherapy": False,
    "immune_related": False,
    "serious": False,
}


@pytest.fixture(scope="module")
def site_a(capture):
    """A randomized site-A subject with an AE and an open query."""
    sid = capture.enrol("A")
    record = (
        capture.api("coord_a")
        .post(f"/api/subjects/{sid}/records/adverse_events/", AE, content_type="application/json")
        .json()["record"]
    )
    query = (
        capture.api("monitor")
        .post(
            "/api/queries/", {"subject_id": sid, "text": "check"}, content_type="application/json"
        )
        .json()["query"]
    )
    return {"sid": sid, "record": record["id"], "query": query["id"]}


def api_endpoints(s):
    sid, rec, q = s["sid"], s["record"], s["query"]
    return [
        ("get", "/api/subjects/", None),
        ("post", "/api/subjects/", {"subject_id": "X1", "site": "A"}),
        ("get", f"/api/subjects/{sid}/", None),
        ("patch", f"/api/subjects/{sid}/", {"ecog": 0, "reason": "r"}),
        ("post", f"/api/subjects/{sid}/screening/registration/", {"screening_date": "2026-01-01"}),
        ("post", f"/api/subjects/{sid}/consent/", {"consent_date": "2026-01-01"}),
        ("post", f"/api/subjects/{sid}/register/", {}),
        ("post", f"/api/subjects/{sid}/randomize/", {}),
        ("post", f"/api/subjects/{sid}/sign/", {"password": "x"}),
        ("post", f"/api/subjects/{sid}/lock/", {"reason": "r"}),
        ("post", f"/api/subjects/{sid}/unlock/", {"reason": "r"}),
        ("get", f"/api/subjects/{sid}/records/adverse_events/", None),
        ("post", f"/api/subjects/{sid}/records/adverse_events/", AE),
        ("get", f"/api/subjects/{sid}/records/adverse_events/{rec}/", None),
        (
            "patch",
            f"/api/subjects/{sid}/records/adverse_events/{rec}/",
            {"grade": 2, "reason": "r"},
        ),
        ("delete", f"/api/subjects/{sid}/records/adverse_events/{rec}/", {"reason": "r"}),
        ("get", "/api/queries/", None),
        ("post", "/api/queries/", {"subject_id": sid, "text": "t"}),
        ("post", f"/api/queries/{q}/answer/", {"text": "t"}),
        ("post", f"/api/queries/{q}/close/", {"text": "t"}),
        ("get", f"/api/audit/?subject_id={sid}", None),
        ("get", "/api/audit/", None),
        ("get", "/api/randomization/", None),
        ("post", "/api/export/", {"cutoff": "2026-06-30"}),
    ]


def page_endpoints(s):
    sid, rec, q = s["sid"], s["record"], s["query"]
    return [
        ("get", "/"),
        ("get", "/subjects/new/"),
        ("get", f"/subjects/{sid}/"),
        ("get", f"/subjects/{sid}/form/demographics/"),
        ("get", f"/subjects/{sid}/records/adverse_events/new/"),
        ("get", f"/subjects/{sid}/records/adverse_events/{rec}/"),
        ("get", f"/subjects/{sid}/screening/registration/"),
        ("post", f"/subjects/{sid}/consent/"),
        ("post", f"/subjects/{sid}/register/"),
        ("post", f"/subjects/{sid}/randomize/"),
        ("post", f"/subjects/{sid}/sign/"),
        ("post", f"/subjects/{sid}/lock/"),
        ("post", f"/subjects/{sid}/unlock/"),
        ("post", f"/subjects/{sid}/queries/new/"),
        ("post", f"/queries/{q}/answer/"),
        ("get", f"/audit/{sid}/"),
        ("get", "/randomization/"),
        ("get", "/export/"),
    ]


def _send(client, method, path, body=None):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def test_api_without_a_token_is_401_and_shows_nothing(capture, site_a):
    anonymous = capture.api(None)
    for method, path, body in api_endpoints(site_a):
        response = _send(anonymous, method, path, body)
        assert response.status_code == 401, (method, path)
        assert site_a["sid"] not in response.content.decode()


def test_pages_without_login_redirect_to_login(capture, site_a):
    anonymous = capture.client()
    for method, path in page_endpoints(site_a):
        response = anonymous.get(path) if method == "get" else anonymous.post(path, {})
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith("/login/")


def test_session_does_not_open_the_api(capture, site_a):
    signed_in = capture.client("coord_a")
    assert signed_in.get("/api/subjects/").status_code == 401


def test_revoked_token_is_refused(capture):
    from rtio.capture.audit import Actor
    from rtio.capture.services import create_user, issue_token, revoke_tokens

    actor = Actor("cli:test", "admin", "cli")
    create_user(actor, "revoke_me", "monitor", ["A"], "pw-revoke_me-secret")
    key = issue_token(actor, "revoke_me")
    from django.test import Client

    client = Client(headers={"Authorization": f"Token {key}"})
    assert client.get("/api/subjects/").status_code == 200
    assert revoke_tokens(actor, "revoke_me") == 1
    assert client.get("/api/subjects/").status_code == 401
    assert (
        Client(headers={"Authorization": f"Token {key[:-1]}x"}).get("/api/subjects/").status_code
        == 401
    )
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/subjects/").status_code == 401
    )


WRITES_BY_ROLE = {
    # role: endpoints (by path fragment) it may not use
    "monitor": [
        "/records/",
        "/consent/",
        "/register/",
        "/randomize/",
        "/sign/",
        "/lock/",
        "/unlock/",
        "/api/export/",
        "/answer/",
        "/screening/",
    ],
    "stat_blind": [
        "/records/adverse_events/",
        "/api/export/",
        "/api/queries/",
        "/lock/",
        "/sign/",
        "/api/audit/",
    ],
    "coord_a": ["/sign/", "/lock/", "/unlock/", "/api/export/", "/close/"],
    "admin": ["/records/adverse_events/", "/consent/", "/register/", "/api/export/", "/sign/"],
}


@pytest.mark.parametrize("name", sorted(WRITES_BY_ROLE))
def test_wrong_role_is_403(capture, site_a, name):
    client = capture.api(name)
    for method, path, body in api_endpoints(site_a):
        if method == "get" and "/api/audit/" not in path and "/api/export/" not in path:
            continue
        if not any(fragment in path for fragment in WRITES_BY_ROLE[name]):
            continue
        if method == "get" and path.startswith("/api/subjects/"):
            continue
        response = _send(client, method, path, body)
        assert response.status_code == 403, (name, method, path, response.content)


def test_other_site_sees_nothing_through_the_api(capture, site_a):
    sid = site_a["sid"]
    for name in ("coord_b", "inv_b", "monitor_b"):
        client = capture.api(name)
        listed = client.get("/api/subjects/").json()["subjects"]
        assert sid not in {s["subject_id"] for s in listed}
        assert all(s["site"] == "B" for s in listed)
        for method, path, body in api_endpoints(site_a):
            if sid not in path and f"/api/queries/{site_a['query']}/" not in path:
                continue
            response = _send(client, method, path, body)
            assert response.status_code in (403, 404), (name, method, path)
            assert sid not in response.content.decode() or response.status_code == 404
            assert "Nausea" not in response.content.decode()
        queries = client.get("/api/queries/").json()["queries"]
        assert all(q["subject_id"] != sid for q in queries)
        audit = client.get("/api/audit/").json()
        assert all(row["subject_id"] != sid for row in audit.get("audit", []))
        response = client.post(
            "/api/queries/", {"subject_id": sid, "text": "peek"}, content_type="application/json"
        )
        assert response.status_code in (403, 404)
    # a site-B coordinator cannot create a subject at site A
    response = capture.api("coord_b").post(
        "/api/subjects/",
        {
            "subject_id": capture.new_id(),
            "site": "A",
            "sex": "F",
            "age": 50,
            "ecog": 0,
            "start_date": "2026-01-01",
            "last_known_alive_date": "2026-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_other_site_export_holds_only_its_sites(capture, site_a):
    import io
    import zipfile

    from rtio.capture.audit import Actor
    from rtio.capture.services import create_user, issue_token

    actor = Actor("cli:test", "admin", "cli")
    create_user(actor, "stat_b", "statistician_unblinded", ["B"], "pw-stat_b-secret")
    key = issue_token(actor, "stat_b")
    capture.enrol("B")
    from django.test import Client

    response = Client(headers={"Authorization": f"Token {key}"}).post(
        "/api/export/", {"cutoff": "2026-12-31"}, content_type="application/json"
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    subjects = next(n for n in archive.namelist() if n.endswith("/subjects.csv"))
    text = archive.read(subjects).decode()
    assert site_a["sid"] not in text and ",B," in text


def test_other_site_sees_nothing_through_the_pages(capture, site_a):
    client = capture.client("coord_b")
    assert site_a["sid"] not in client.get("/").content.decode()
    for method, path in page_endpoints(site_a):
        if site_a["sid"] not in path and f"/queries/{site_a['query']}/" not in path:
            continue
        response = client.get(path) if method == "get" else client.post(path, {"reason": "x"})
        assert response.status_code == 404, (method, path)
        assert "Nausea" not in response.content.decode()


def test_pages_need_the_csrf_token(capture, site_a):
    client = capture.client("coord_a", enforce_csrf_checks=True)
    response = client.post(f"/subjects/{site_a['sid']}/queries/new/", {"text": "x"})
    assert response.status_code == 403
    response = client.post("/subjects/new/", {"subject_id": capture.new_id(), "site": "A"})
    assert response.status_code == 403
    page = client.get(f"/subjects/{site_a['sid']}/form/demographics/")
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    token = token.group(1)
    response = client.post(
        f"/subjects/{site_a['sid']}/form/demographics/",
        {
            "csrfmiddlewaretoken": str(token),
            "sex": "F",
            "age": 46,
            "ecog": 1,
            "start_date": "2026-01-10",
            "reason": "x",
        },
    )
    assert response.status_code == 302


INJECTIONS = [
    "'; DROP TABLE capture_subject; --",
    '" OR 1=1 --',
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
]


def test_injection_in_every_text_field_is_stored_verbatim_and_escaped(capture):
    from rtio.capture import crf
    from rtio.capture.models import Record, Subject

    sid = capture.enrol("A")
    client, web = capture.api("coord_a"), capture.client("coord_a")
    bases = {
        "lesions": {"lesion_id": "L1", "role": "target", "organ": "liver", "is_lymph_node": False},
        "adverse_events": AE,
        "labs": {"date": "2026-02-01", "test": "alt", "value": 30, "unit": "U/L", "uln": 40},
        "exposures": {"drug": "d", "dose": 1, "dose_unit": "mg", "date": "2026-02-01", "cycle": 1},
        "radiotherapy": {
            "target": "locoregional",
            "technique": "IMRT",
            "dose_per_fraction_gy": 2,
            "fractions": 30,
            "start_date": "2026-04-01",
            "end_date": "2026-05-12",
        },
        "biomarkers": {"name": "CD8", "timepoint": "baseline", "value": 10, "unit": "cells/mm2"},
        "events": {"kind": "other", "date": "2026-03-01"},
        "surgery": {
            "date": "2026-06-01",
            "margin": "R0",
            "viable_tumor_pct": 0,
            "ypt": "ypT0",
            "ypn": "ypN0",
        },
        "responses": {
            "assessment_date": "2026-03-01",
            "overall_response": "PR",
            "assessor": "investigator",
        },
    }
    stored = 0
    for table, base in bases.items():
        text_fields = [
            c.name
            for c in crf.record_columns(table)
            if c.kind == "str"
            and not c.allowed
            and c.name not in ("lesion_id",)
            and (table, c.name)
            not in (("adverse_events", "term"), ("labs", "test"), ("labs", "unit"))
        ]
        for field_name in text_fields:
            for payload in INJECTIONS:
                response = client.post(
                    f"/api/subjects/{sid}/records/{table}/",
                    base | {field_name: payload},
                    content_type="application/json",
                )
                if response.status_code == 201:
                    record = Record.objects.get(pk=response.json()["record"]["id"])
                    assert record.data[field_name] == payload
                    stored += 1
                else:  # rejected by a validation rule, never an error of the server
                    assert response.status_code == 400, (table, field_name, response.content)
    # subject text fields, query texts and reasons
    for payload in INJECTIONS:
        assert (
            client.patch(
                f"/api/subjects/{sid}/",
                {"histology": payload, "reason": payload},
                content_type="application/json",
            ).status_code
            == 200
        )
        assert (
            capture.api("monitor")
            .post(
                "/api/queries/",
                {"subject_id": sid, "text": payload},
                content_type="application/json",
            )
            .status_code
            == 201
        )
        assert client.get(f"/api/subjects/{payload}/").status_code == 404
        assert client.get(f"/api/audit/?subject_id={payload}").status_code == 404
    assert stored > 10
    assert Subject.objects.filter(subject_id=sid).exists()
    page = web.get(f"/subjects/{sid}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    audit = web.get(f"/audit/{sid}/").content.decode()
    assert "<script>alert" not in audit and "&lt;script&gt;" in audit
    # a subject id with markup or quotes is refused
    response = client.post(
        "/api/subjects/",
        {
            "subject_id": "<b>x</b>",
            "site": "A",
            "sex": "F",
            "age": 40,
            "ecog": 0,
            "start_date": "2026-01-01",
            "last_known_alive_date": "2026-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400


def test_login_lockout_after_five_failures(capture):
    from rtio.capture.audit import Actor
    from rtio.capture.models import AuditEntry
    from rtio.capture.services import create_user

    create_user(Actor("cli:test", "admin", "cli"), "lockme", "monitor", ["A"], "pw-lockme-secret")
    client = capture.client()
    for _ in range(5):
        assert client.post("/login/", {"username": "lockme", "password": "bad"}).status_code == 200
    response = client.post("/login/", {"username": "lockme", "password": "pw-lockme-secret"})
    assert response.status_code == 200 and "wrong password" in response.content.decode()
    assert AuditEntry.objects.filter(action="account_disabled", record_id="lockme").count() == 1
    assert AuditEntry.objects.filter(action="login_failed", record_id="lockme").count() >= 5


def test_login_never_redirects_off_site(capture):
    from rtio.capture.audit import Actor
    from rtio.capture.services import create_user

    create_user(
        Actor("cli:test", "admin", "cli"), "redirected", "monitor", ["A"], "pw-redir-secret"
    )
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = capture.client().post(
            "/login/", {"username": "redirected", "password": "pw-redir-secret", "next": target}
        )
        assert response.status_code == 302 and response["Location"] == "/", target


def test_capture_database_never_lives_in_the_study_folder(tmp_path):
    from rtio.capture.server import check_outside

    study = tmp_path / "study"
    study.mkdir()
    with pytest.raises(ValueError, match="inside the study folder"):
        check_outside(study, f"sqlite:///{study / 'capture.sqlite3'}")
    check_outside(study, f"sqlite:///{tmp_path / 'capture.sqlite3'}")
    check_outside(study, "postgresql://u:p@127.0.0.1:5432/db")
