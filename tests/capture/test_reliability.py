"""Reliability: 1,000 concurrent writes over loopback from 20 clients, the server killed with
``kill -9`` in the middle and restarted; afterwards every acknowledged write is present with its
audit row and the hash chain verifies. On SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.error

import pytest

CLIENTS = 20
WRITES_PER_CLIENT = 50
DEADLINE_S = 900
KILL_AFTER = 300


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_writes_survive_kill_9(backend, request, tmp_path, helpers):
    if backend == "postgresql":
        url = helpers.new_postgres_database(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite:///{tmp_path / 'capture.sqlite3'}"
    study = helpers.study_folder(tmp_path, helpers.SEED003)
    tokens = helpers.prepare_database(
        url, study, {"coord_a": ("coordinator", ["A"]), "dm": ("data_manager", ["*"])}
    )
    server = helpers.start_server(study, url, tmp_path)
    port = server.base.rsplit(":", 1)[1]
    acknowledged: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE_S

    def client(number: int) -> None:
        for n in range(WRITES_PER_CLIENT):
            subject_id = f"K{number:02d}-{n:03d}"
            payload = helpers.subject_payload(subject_id, "A")
            while time.monotonic() < deadline:
                try:
                    status, _ = helpers.call(
                        server.base,
                        tokens["coord_a"],
                        "POST",
                        "/api/subjects/",
                        payload,
                        timeout=30,
                    )
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.5)  # the server is down: try the same write again
                    continue
                if status == 201:
                    with lock:
                        acknowledged.append(subject_id)
                    break
                if status == 409:  # committed before the kill, acknowledgement lost
                    break
                if status >= 500:
                    time.sleep(0.5)
                    continue
                raise AssertionError(f"write {subject_id} refused with {status}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acknowledged) >= KILL_AFTER, "the writes were too slow to reach the kill point"
        server.kill9()
        killed_at = len(acknowledged)
        server = helpers.start_server(study, url, tmp_path, port=int(port))
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "clients did not finish in time"
        assert killed_at < CLIENTS * WRITES_PER_CLIENT
        status, body = helpers.call(server.base, tokens["dm"], "GET", "/api/subjects/")
        assert status == 200
        present = {s["subject_id"] for s in body["subjects"]}
        missing = sorted(set(acknowledged) - present)
        assert not missing, f"acknowledged but missing after restart: {missing[:10]}"
        for subject_id in acknowledged[:: max(1, len(acknowledged) // 100)] + acknowledged[-20:]:
            status, trail = helpers.call(
                server.base, tokens["dm"], "GET", f"/api/audit/?subject_id={subject_id}"
            )
            assert status == 200
            creates = {r["field"] for r in trail["audit"] if r["action"] == "create"}
            assert {"site", "sex", "age", "ecog", "start_date"} <= creates, subject_id
    finally:
        server.stop()
    done = subprocess.run(
        [*helpers.rtio_command(), "audit", "verify", "--database", url],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "audit chain holds" in done.stdout
    assert len(acknowledged) + 0 <= CLIENTS * WRITES_PER_CLIENT
