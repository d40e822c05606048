"""The capture service in headless Chromium (Debian's, driven by Playwright): a coordinator
screens, enrols and randomizes a seed-003 patient and enters a cycle, an RT course, a lesion
table and an AE; a monitor opens a query that the coordinator answers; the statistician exports
a data cut and ``rtio analyse`` runs on it. Every page is screenshotted (kept in
``$RTIO_CAPTURE_SCREENSHOTS`` when set)."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Browser:
    def __init__(self, page, base: str, shots: Path) -> None:
        self.page, self.base, self.shots, self.count = page, base, shots, 0

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def login(self, name: str, password: str) -> None:
        self.go("/login/")
        self.page.fill("#username", name)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")

    def logout(self) -> None:
        self.page.click("text=Sign out")

    def fill(self, values: dict) -> None:
        for key, value in values.items():
            field = self.page.locator(f"[name='{key}']")
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(text)
            else:
                field.fill(text)

    def submit(self, label: str = "Save") -> None:
        self.page.click(f"button:has-text('{label}')")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RTIO_CAPTURE_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_coordinator_monitor_and_statistician_in_chromium(chromium, tmp_path, shots, helpers):
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{tmp_path / 'capture.sqlite3'}"
    study = helpers.study_folder(tmp_path, helpers.SEED003)
    users = {name: helpers.USERS[name] for name in ("coord_a", "inv_a", "monitor", "stat_unblind")}
    helpers.prepare_database(url, study, users, helpers.GO_LIVE)
    with helpers.running(study, url, tmp_path) as server, sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        b = Browser(context.new_page(), server.base, shots)

        # --- the coordinator screens, enrols and randomizes
        b.go("/")
        b.shot("login")
        b.login("coord_a", helpers.password("coord_a"))
        b.shot("subjects-empty")
        b.page.click("text=New subject")
        b.fill(
            {
                "subject_id": "NPC-001",
                "site": "A",
                "sex": "M",
                "age": 46,
                "ecog": 1,
                "start_date": "2026-01-10",
                "last_known_alive_date": "2026-01-10",
                "stage": "IVB",
                "histology": "undifferentiated non-keratinizing",
            }
        )
        b.shot("new-subject")
        b.submit("Create")
        assert "Casebook NPC-001" in b.page.content()
        b.shot("casebook-screening")

        b.page.click("text=eligibility: registration")
        b.fill({k: v for k, v in helpers.eligible_facts_003().items()})
        b.submit("Evaluate eligibility")
        assert b.page.inner_text("#verdict") == "eligible"
        assert "I9" in b.page.inner_text("#criteria")
        b.shot("eligibility-registration")

        b.go("/subjects/NPC-001/")
        b.page.fill("#consent_date", "2026-01-04")
        b.submit("Record consent")
        b.page.click("#register")
        assert "Subject registered." in b.page.content()
        b.page.click("text=eligibility: randomization")
        b.fill(helpers.randomization_facts_003())
        b.submit("Evaluate eligibility")
        assert b.page.inner_text("#verdict") == "eligible"
        b.shot("eligibility-randomization")
        b.go("/subjects/NPC-001/")
        b.page.click("#randomize")
        arm = b.page.inner_text("#arm")
        assert arm.endswith("locoregional radiotherapy"), arm
        b.shot("casebook-randomized")

        # --- a cycle, an RT course, a lesion table and an AE
        entries = [
            (
                "exposures",
                {
                    "drug": "toripalimab",
                    "dose": 240,
                    "dose_unit": "mg",
                    "date": "2026-01-10",
                    "cycle": 1,
                },
            ),
            (
                "radiotherapy",
                {
                    "target": "locoregional",
                    "technique": "IMRT",
                    "dose_per_fraction_gy": 2.12,
                    "fractions": 33,
                    "start_date": "2026-04-10",
                    "end_date": "2026-05-26",
                },
            ),
            (
                "lesions",
                {
                    "lesion_id": "L1",
                    "role": "target",
                    "organ": "liver",
                    "is_lymph_node": False,
                    "site": "distant_organ",
                },
            ),
            (
                "lesions",
                {
                    "lesion_id": "L2",
                    "role": "target",
                    "organ": "cervical node",
                    "is_lymph_node": True,
                    "site": "regional_node",
                },
            ),
            (
                "measurements",
                {
                    "lesion_id": "L1",
                    "assessment_date": "2026-01-05",
                    "diameter_mm": 32,
                    "status": "present",
                },
            ),
            (
                "measurements",
                {
                    "lesion_id": "L2",
                    "assessment_date": "2026-01-05",
                    "diameter_mm": 18,
                    "status": "present",
                },
            ),
            (
                "adverse_events",
                {
                    "term": "Nausea",
                    "grade": 2,
                    "start_date": "2026-01-20",
                    "related_treatment": True,
                    "related_radiotherapy": False,
                    "immune_related": False,
                    "serious": False,
                },
            ),
        ]
        for table, values in entries:
            b.go(f"/subjects/NPC-001/records/{table}/new/")
            b.fill(values)
            b.shot(f"form-{table}")
            b.submit()
            assert "saved" in b.page.content(), b.page.content()[:2000]
        # a hard check: an RT course that ends before it starts is refused
        b.go("/subjects/NPC-001/records/radiotherapy/new/")
        b.fill(entries[1][1] | {"end_date": "2026-04-01"})
        b.submit()
        assert "end_date before start_date" in b.page.content()
        b.shot("hard-check-rt-dates")
        b.go("/subjects/NPC-001/")
        assert b.page.locator("#lesions tr").count() == 3
        b.shot("casebook-with-records")
        b.logout()

        # --- the monitor opens a query, the coordinator answers it
        b.login("monitor", helpers.password("monitor"))
        b.go("/subjects/NPC-001/")
        b.page.select_option("#q-table", "adverse_events")
        b.page.fill("#q-field", "grade")
        b.page.fill("#q-text", "Nausea grade 2: is an antiemetic prescribed? Please confirm.")
        b.submit("Open query")
        assert b.page.locator("#queries .query-status").first.inner_text() == "open"
        b.shot("monitor-query-open")
        b.logout()
        b.login("coord_a", helpers.password("coord_a"))
        b.go("/subjects/NPC-001/")
        b.page.fill("#queries input[name=text]", "Yes: ondansetron from 2026-01-20 (clinic note).")
        b.submit("Answer")
        assert b.page.locator("#queries .query-status").first.inner_text() == "answered"
        b.shot("coordinator-query-answered")
        b.page.click("text=audit trail")
        assert "query_answer" in b.page.inner_text("#audit")
        b.shot("audit-trail")
        b.go("/randomization/")
        assert "concealed" in b.page.content() and "R0" not in b.page.content()
        b.shot("randomization-concealed")
        b.logout()

        # --- the statistician exports a cut
        b.login("stat_unblind", helpers.password("stat_unblind"))
        b.go("/randomization/")
        assert b.page.locator("#list tr").count() > 1
        b.shot("randomization-unblinded")
        b.go("/export/")
        b.page.fill("#id_cutoff", "2026-06-30")
        b.shot("export")
        with b.page.expect_download() as download:
            b.submit("Export the cut")
        archive = tmp_path / "cut.zip"
        download.value.save_as(str(archive))
        browser.close()

    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path / "cuts")
    cut = next((tmp_path / "cuts").iterdir())
    manifest = json.loads((cut / "manifest.json").read_text())
    assert manifest["data_cutoff"] == "2026-06-30" and manifest["subjects"] == 1
    done = subprocess.run(
        [*helpers.rtio_command(), "analyse", str(cut), "--out", str(tmp_path / "results.json")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "results.json").exists()
