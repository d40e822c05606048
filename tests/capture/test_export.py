"""Data cut: the study folder with its manifest hash, and `rtio analyse` on it."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pandas as pd

AE = {
    "term": "Nausea",
    "grade": 2,
    "start_date": "2026-02-01",
    "related_treatment": True,
    "related_radiotherapy": False,
    "immune_related": False,
    "serious": False,
}


def _course(client, sid, day, progress):
    lesion = {"lesion_id": "L1", "role": "target", "organ": "lung", "is_lymph_node": False}
    assert (
        client.post(
            f"/api/subjects/{sid}/records/lesions/", lesion, content_type="application/json"
        ).status_code
        == 201
    )
    for date, diameter in (("2026-01-05", 30), ("2026-03-01", 45 if progress else 18)):
        scan = {
            "lesion_id": "L1",
            "assessment_date": date,
            "diameter_mm": diameter,
            "status": "present",
        }
        assert (
            client.post(
                f"/api/subjects/{sid}/records/measurements/", scan, content_type="application/json"
            ).status_code
            == 201
        )
    cycle = {"drug": "toripalimab", "dose": 240, "dose_unit": "mg", "date": day, "cycle": 1}
    assert (
        client.post(
            f"/api/subjects/{sid}/records/exposures/", cycle, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/subjects/{sid}/records/adverse_events/", AE, content_type="application/json"
        ).status_code
        == 201
    )


def test_cut_is_a_valid_study_folder_with_a_manifest_and_analyse_runs(capture, tmp_path, helpers):
    from rtio.capture.audit import Actor
    from rtio.capture.export import export_cut
    from rtio.capture.models import Subject
    from rtio.io import load_study

    client = capture.api("coord_a")
    ids = [capture.enrol("A", stage=stage) for stage in ("IVA", "IVB", "IVA", "IVB", "IVB", "IVA")]
    arms = {sid: Subject.objects.get(subject_id=sid).arm for sid in ids}
    first_of_arm = {arm: sid for sid, arm in reversed(arms.items())}
    for sid in ids:
        _course(client, sid, "2026-01-10", progress=sid in first_of_arm.values())
    # an early cut: one death in each arm (an arm without events is its own question)
    for sid in ids:
        change = {"last_known_alive_date": "2026-06-15", "reason": "follow-up visit"}
        if sid in first_of_arm.values():
            day = 10 + list(first_of_arm.values()).index(sid) * 7
            change = {
                "death_date": f"2026-05-{day:02d}",
                "last_known_alive_date": None,
                "reason": "death report",
            }
        response = client.patch(f"/api/subjects/{sid}/", change, content_type="application/json")
        assert response.status_code == 200, response.content
    out = tmp_path / "cut"
    manifest = export_cut(
        Actor("cli:test", "admin", "cli"),
        Subject.objects.filter(subject_id__in=ids),
        pd.Timestamp("2026-06-30").date(),
        out,
    )
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], "manifest.json"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert json.loads((out / "manifest.json").read_text())["sha256"] == manifest["sha256"]
    study = load_study(out)
    assert study.report.ok, [str(i) for i in study.report.errors]
    assert sorted(study.tables["subjects"]["subject_id"]) == sorted(ids)
    assert study.settings.data_cutoff.isoformat() == "2026-06-30"
    arms = set(study.tables["subjects"]["arm"])
    assert arms <= {a.label for a in study.protocol.arms}
    done = subprocess.run(
        [*helpers.rtio_command(), "analyse", str(out), "--out", str(tmp_path / "results.json")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["populations"]
    # a second cut of the same data has the same table hashes
    again = export_cut(
        Actor("cli:test", "admin", "cli"),
        Subject.objects.filter(subject_id__in=ids),
        pd.Timestamp("2026-06-30").date(),
        tmp_path / "cut2",
    )
    assert again["files"] == manifest["files"]


def test_cli_export_writes_a_cut_of_every_site(capture, tmp_path, helpers):
    from rtio.io import load_study

    capture.enrol("A")
    capture.enrol("B")
    out = tmp_path / "cli-cut"
    done = subprocess.run(
        [
            *helpers.rtio_command(),
            "capture",
            "export",
            "--cutoff",
            "2026-06-30",
            "--out",
            str(out),
            "--database",
            capture.url,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data_cutoff"] == "2026-06-30" and manifest["sha256"] in done.stdout
    sites = set(load_study(out).tables["subjects"]["site"])
    assert {"A", "B"} <= sites
    sdtm = tmp_path / "cli-cut-sdtm"
    with_sdtm = subprocess.run(
        [
            *helpers.rtio_command(),
            "capture",
            "export",
            "--cutoff",
            "2026-06-30",
            "--out",
            str(tmp_path / "cut-2"),
            "--sdtm",
            str(sdtm),
            "--sdtm-format",
            "csv",
            "--database",
            capture.url,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert with_sdtm.returncode == 0, with_sdtm.stderr
    dm = (sdtm / "dm.csv") if (sdtm / "dm.csv").exists() else (sdtm / "DM.csv")
    assert dm.exists(), sorted(p.name for p in sdtm.iterdir())
    again = subprocess.run(
        [
            *helpers.rtio_command(),
            "capture",
            "export",
            "--cutoff",
            "2026-06-30",
            "--out",
            str(out),
            "--database",
            capture.url,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 1 and "exists" in again.stderr


def test_registered_but_not_randomized_is_pending_in_the_screening_log(capture):
    from rtio.capture.export import study_tables
    from rtio.capture.models import Subject

    waiting = capture.enrol("A", randomize=False)
    tables = study_tables(list(Subject.objects.filter(subject_id=waiting)))
    assert tables["subjects"].empty
    row = tables["screening"].iloc[0]
    assert (row["outcome"], row["reason"]) == ("pending", "registered; awaiting randomization")
