"""The command line (`rtio capture user/token`, `rtio audit verify`) and a real `rtio serve` of
seed 000 (NCT07164690): a single-arm study, and its LDRT window as a soft check."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

LESION = {"role": "target", "organ": "lung", "is_lymph_node": False, "site": "distant_organ"}


def ldrt(target: str, day: str) -> dict:
    return {
        "target": target,
        "technique": "3DCRT",
        "dose_per_fraction_gy": 2,
        "fractions": 1,
        "start_date": day,
        "end_date": day,
    }


def test_ldrt_window_is_a_soft_check_from_rtio_rules():
    """The LDRT course of seed 000 must be complete within 7 days of its first fraction:
    rtio.derive.rt_compliance flags it, so the save warns instead of refusing."""
    from rtio.capture.checks import check_rows
    from rtio.protocol import load_protocol

    protocol = load_protocol("NCT07164690")
    subject = {
        "subject_id": "S1",
        "arm": "LDRT",
        "site": "A",
        "sex": "M",
        "age": 60,
        "ecog": 1,
        "start_date": "2026-02-02",
        "last_known_alive_date": "2026-03-01",
    }
    lesions = [{"subject_id": "S1", "lesion_id": f"L{i}", **LESION} for i in (1, 2)]
    within = [
        ldrt("L1", "2026-02-02") | {"subject_id": "S1"},
        ldrt("L2", "2026-02-06") | {"subject_id": "S1"},
    ]
    late = [within[0], ldrt("L2", "2026-02-12") | {"subject_id": "S1"}]
    ok = check_rows(
        {"subjects": [subject], "lesions": lesions, "radiotherapy": within},
        ("radiotherapy", 1),
        protocol,
        {},
        randomized=True,
    )
    assert ok.ok and not ok.warnings
    soft = check_rows(
        {"subjects": [subject], "lesions": lesions, "radiotherapy": late},
        ("radiotherapy", 1),
        protocol,
        {},
        randomized=True,
    )
    assert soft.ok and any("7" in w and "deviation" in w for w in soft.warnings), soft.warnings
    hard = check_rows(
        {
            "subjects": [subject],
            "lesions": lesions,
            "radiotherapy": [within[0] | {"end_date": "2026-02-01"}],
        },
        ("radiotherapy", 0),
        protocol,
        {},
        randomized=True,
    )
    assert not hard.ok and "end_date" in hard.errors


def test_seed000_single_arm_and_ldrt_soft_check_open_a_query(tmp_path, helpers):
    study = helpers.study_folder(tmp_path, helpers.SEED000)
    url = f"sqlite:///{tmp_path / 'capture.sqlite3'}"
    tokens = helpers.prepare_database(
        url, study, {"coord_a": ("coordinator", ["A"]), "inv_a": ("investigator", ["A"])}
    )
    with helpers.running(study, url, tmp_path) as server:

        def call(name, method, path, body=None):
            return helpers.call(server.base, tokens[name], method, path, body)

        payload = helpers.subject_payload("ESCC-01", "A") | {
            "start_date": "2026-02-02",
            "last_known_alive_date": "2026-02-02",
        }
        payload.pop("stage")
        assert call("coord_a", "POST", "/api/subjects/", payload)[0] == 201
        status, body = call(
            "coord_a",
            "POST",
            "/api/subjects/ESCC-01/screening/registration/",
            {"screening_date": "2026-01-30", "age": 60, "ecog": 1},
        )
        assert status == 201 and body["screening"]["verdict"] == "pending"
        assert (
            call(
                "coord_a", "POST", "/api/subjects/ESCC-01/consent/", {"consent_date": "2026-01-29"}
            )[0]
            == 200
        )
        assert call("coord_a", "POST", "/api/subjects/ESCC-01/register/", {})[0] == 409
        status, body = call(
            "inv_a",
            "POST",
            "/api/subjects/ESCC-01/register/",
            {
                "override_reason": "remaining facts verified on paper source",
                "password": helpers.password("inv_a"),
            },
        )
        assert status == 200 and body["subject"]["arm"] == "LDRT"
        assert call("coord_a", "POST", "/api/subjects/ESCC-01/randomize/", {})[0] == 409
        for lesion in ("L1", "L2"):
            assert (
                call(
                    "coord_a",
                    "POST",
                    "/api/subjects/ESCC-01/records/lesions/",
                    LESION | {"lesion_id": lesion},
                )[0]
                == 201
            )
        status, body = call(
            "coord_a",
            "POST",
            "/api/subjects/ESCC-01/records/radiotherapy/",
            ldrt("L1", "2026-02-02"),
        )
        assert status == 201 and body["warnings"] == []
        status, body = call(
            "coord_a",
            "POST",
            "/api/subjects/ESCC-01/records/radiotherapy/",
            ldrt("L2", "2026-02-12"),
        )
        assert status == 201 and body["warnings"], body
        queries = call("coord_a", "GET", "/api/queries/?subject_id=ESCC-01")[1]["queries"]
        assert [q["status"] for q in queries if q["automatic"]] == ["open"]
        assert queries[0]["text"] == body["warnings"][0]


def _verify(url: str, helpers) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*helpers.rtio_command(), "audit", "verify", "--database", url],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_cli_users_tokens_and_audit_verify(tmp_path, helpers):
    url = f"sqlite:///{tmp_path / 'capture.sqlite3'}"
    made = subprocess.run(
        [
            *helpers.rtio_command(),
            "capture",
            "user",
            "nurse",
            "--role",
            "coordinator",
            "--site",
            "A",
            "--password-stdin",
            "--database",
            url,
        ],
        input="a-long-password\n",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    token = subprocess.run(
        [*helpers.rtio_command(), "capture", "token", "nurse", "--database", url],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert token.returncode == 0 and len(token.stdout.strip()) == 48
    assert _verify(url, helpers).returncode == 0
    with sqlite3.connect(tmp_path / "capture.sqlite3") as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE capture_auditentry SET user = 'someone' WHERE seq = 2")
        db.execute("DROP TRIGGER capture_audit_no_update")
        db.execute("UPDATE capture_auditentry SET user = 'someone' WHERE seq = 2")
    broken = _verify(url, helpers)
    assert broken.returncode == 1 and "record 2" in broken.stderr


def test_postgres_audit_is_append_only_and_verified(postgres_url, tmp_path, helpers):
    import psycopg

    url = helpers.new_postgres_database(postgres_url)
    study = helpers.study_folder(tmp_path, helpers.SEED003)
    helpers.prepare_database(url, study, {"coord_a": ("coordinator", ["A"])}, helpers.GO_LIVE)
    assert _verify(url, helpers).returncode == 0
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in (
            "UPDATE capture_auditentry SET reason = 'x' WHERE seq = 3",
            "DELETE FROM capture_auditentry WHERE seq = 3",
            "TRUNCATE capture_auditentry",
            "UPDATE capture_allocation SET arm = 'x' WHERE id = 1",
            "DELETE FROM capture_allocation WHERE id = 1",
        ):
            with pytest.raises(psycopg.Error):
                conn.execute(statement)
        conn.execute("SET session_replication_role = replica")  # a superuser bypassing triggers
        conn.execute("UPDATE capture_auditentry SET new_value = 'forged' WHERE seq = 3")
    broken = _verify(url, helpers)
    assert broken.returncode == 1 and "record 3" in broken.stderr
