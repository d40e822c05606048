"""Fixtures of the capture service's tests.

``capture``: this test process's Django, configured once on a SQLite database of seed 003
(NCT07235319) with users at sites A and B and the randomization live. ``serve``: a real
``rtio serve`` in its own process (for the browser, the reliability and the seed-000 tests),
on a database prepared by ``prepare_db.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
SEED003 = "NCT07235319"
SEED000 = "NCT07164690"

USERS: dict[str, tuple[str, list[str]]] = {
    "coord_a": ("coordinator", ["A"]),
    "inv_a": ("investigator", ["A"]),
    "coord_b": ("coordinator", ["B"]),
    "inv_b": ("investigator", ["B"]),
    "monitor": ("monitor", ["*"]),
    "monitor_b": ("monitor", ["B"]),
    "dm": ("data_manager", ["*"]),
    "stat_blind": ("statistician_blinded", ["*"]),
    "stat_unblind": ("statistician_unblinded", ["*"]),
    "admin": ("admin", ["*"]),
}
GO_LIVE = {
    "method": "blocks",
    "strata": {"stage": ["IVA", "IVB"]},
    "seed": 20260201,
    "n_per_stratum": 40,
    "ratio": None,
    "block_multiples": [1, 2],
    "p_best": 0.8,
}


def password(name: str) -> str:
    return f"pw-{name}-secret"


def eligible_facts_003(day: str = "2026-01-05") -> dict[str, Any]:
    """Screening facts of a seed-003 candidate who meets every registration criterion."""
    lab = {"hemoglobin": (125, "g/L"), "anc": (3.2, "10^9/L"), "platelets": (210, "10^9/L")}
    facts: dict[str, Any] = {
        "screening_date": day,
        "age": 46,
        "histology": "npc_undifferentiated_nonkeratinizing",
        "metastatic_lesions_radiological": 3,
        "ecog": 1,
        "stage": "IVB",
        "prior_anticancer_therapy": False,
        "measurable_lesions": 2,
        "liver_metastases": False,
        "crcl": 90,
        "crcl_unit": "mL/min",
        "inr": 1.0,
        "inr_uln": 1.2,
        "aptt": 31,
        "aptt_uln": 40,
        "manual_I6": True,
        "manual_E15": False,
    }
    for name, (value, unit) in lab.items():
        facts.update({name: value, f"{name}_unit": unit, f"{name}_date": day})
    for name, value, uln in (
        ("creatinine", 70, 100),
        ("bilirubin_total", 9, 21),
        ("alt", 22, 40),
        ("ast", 25, 40),
    ):
        facts.update({name: value, f"{name}_uln": uln, f"{name}_date": day})
    for name in (
        "prior_pd1_pdl1",
        "prior_ctla4",
        "cns_metastases_uncontrolled",
        "other_malignancy",
        "autoimmune_active",
        "autoimmune_systemic_treatment",
        "tuberculosis_active",
        "hbsag_positive",
        "hcv_antibody_positive",
        "hiv",
        "hypertension_uncontrolled",
        "unstable_angina",
        "myocardial_infarction",
        "heart_failure_nyha_ge2",
        "arrhythmia_serious",
        "interstitial_lung_disease",
        "pneumonitis_noninfectious",
        "pneumonitis_grade_ge2_history",
        "major_surgery",
        "surgical_wound_unhealed",
        "pregnant_or_breastfeeding",
        "planning_pregnancy",
        "hypersensitivity_study_drugs",
    ):
        facts[name] = False
    return facts


def randomization_facts_003(day: str = "2026-04-01") -> dict[str, Any]:
    return {"screening_date": day, "induction_response": "PR", "induction_cycles": 4}


def subject_payload(subject_id: str, site: str, **extra: Any) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "site": site,
        "sex": "F",
        "age": 46,
        "ecog": 1,
        "start_date": "2026-01-10",
        "last_known_alive_date": "2026-01-10",
        "stage": "IVB",
        **extra,
    }


def study_folder(root: Path, protocol: str) -> Path:
    folder = root / f"study-{protocol}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.yaml").write_text(f"protocol: {protocol}\n")
    return folder


@dataclass
class Capture:
    """The in-process capture service of the tests."""

    url: str
    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, name: str | None = None, **kwargs: Any) -> Any:
        """A Django test client, signed in as ``name`` (a session) when given."""
        from django.test import Client

        client = Client(**kwargs)
        if name is not None:
            client.force_login(self.users[name])
        return client

    def api(self, name: str | None) -> Any:
        """A Django test client that sends ``Authorization: Token`` for ``name``."""
        from django.test import Client

        headers = {"Authorization": f"Token {self.tokens[name]}"} if name else {}
        return Client(headers=headers)

    def new_id(self, prefix: str = "T") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"

    def enrol(self, site: str = "A", randomize: bool = True, **extra: Any) -> str:
        """A new subject of ``site`` taken through screening, consent, registration and (by
        default) randomization by the site's coordinator; returns its id."""
        from rtio.capture import services

        coord = self.users[f"coord_{site.lower()}"]
        subject_id = self.new_id()
        services.create_subject(coord, "api", subject_payload(subject_id, site, **extra))
        services.screen_subject(coord, "api", subject_id, "registration", eligible_facts_003())
        services.record_consent(coord, "api", subject_id, "2026-01-04")
        services.register(coord, "api", subject_id)
        if randomize:
            services.screen_subject(
                coord, "api", subject_id, "randomization", randomization_facts_003()
            )
            services.randomize_subject(coord, "api", subject_id)
        return subject_id


@pytest.fixture(scope="session")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Capture:
    root = tmp_path_factory.mktemp("capture")
    url = f"sqlite:///{root / 'capture.sqlite3'}"
    from rtio.capture.config import configure

    configure(url, migrate=True)
    from django.contrib.auth import get_user_model

    from rtio.capture.audit import Actor
    from rtio.capture.services import create_user, issue_token
    from rtio.capture.study import ensure_study, go_live

    actor = Actor("cli:test", "admin", "cli")
    ensure_study(study_folder(root, SEED003), actor)
    made = Capture(url)
    for name, (role, sites) in USERS.items():
        create_user(actor, name, role, sites, password(name))
        made.tokens[name] = issue_token(actor, name)
        made.users[name] = get_user_model().objects.get(username=name)
    go_live(actor, GO_LIVE)
    return made


# ------------------------------------------------------------------ a real server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rtio_command() -> list[str]:
    script = Path(sys.executable).with_name("rtio")
    return [str(script)] if script.exists() else [shutil.which("rtio") or "rtio"]


def prepare_database(
    url: str,
    study: Path,
    users: dict[str, tuple[str, list[str]]],
    go_live: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Prepare a database in a separate process; returns the users' API tokens."""
    spec = json.dumps({"users": users, "go_live": go_live})
    done = subprocess.run(
        [sys.executable, str(HERE / "prepare_db.py"), url, str(study), spec],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"prepare_db.py failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Server:
    """A running ``rtio serve`` (its own process id, its log)."""

    process: subprocess.Popen
    base: str
    log: Path

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


def start_server(
    study: Path, url: str, workdir: Path, port: int | None = None, timeout: float = 240
) -> Server:
    """``rtio serve STUDY --database URL --port PORT`` in its own process; waits until it answers."""
    port = port or free_port()
    log = workdir / f"serve-{port}-{time.time_ns()}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*rtio_command(), "serve", str(study), "--database", url, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rtio serve exited {process.returncode}:\n{log.read_text()}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(f"{base}/login/", timeout=30) as response,
        ):
            if response.status == 200:
                return Server(process, base, log)
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"rtio serve did not answer within {timeout} s:\n{log.read_text()}")


@contextlib.contextmanager
def running(study: Path, url: str, workdir: Path) -> Iterator[Server]:
    server = start_server(study, url, workdir)
    try:
        yield server
    finally:
        server.stop()


def call(
    base: str, token: str | None, method: str, path: str, body: Any = None, timeout: float = 60
) -> tuple[int, Any]:
    """One JSON API call; returns (status, decoded body)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def new_postgres_database(admin_url: str) -> str:
    """A fresh, empty PostgreSQL database for one test run; returns its URL."""
    import psycopg

    name = f"rtio_capture_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
def helpers() -> Any:
    """The module's helper functions, for tests (importlib import mode has no sibling imports)."""
    import types

    return types.SimpleNamespace(
        eligible_facts_003=eligible_facts_003,
        randomization_facts_003=randomization_facts_003,
        subject_payload=subject_payload,
        study_folder=study_folder,
        prepare_database=prepare_database,
        start_server=start_server,
        running=running,
        call=call,
        password=password,
        new_postgres_database=new_postgres_database,
        rtio_command=rtio_command,
        USERS=USERS,
        GO_LIVE=GO_LIVE,
        SEED000=SEED000,
        SEED003=SEED003,
    )
