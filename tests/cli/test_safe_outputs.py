"""Outputs never go into an input folder, are swapped in whole with a manifest, survive an
interruption, and cannot carry spreadsheet formulas or escape their folder by name."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import rtio.report as report_package
from rtio.cli.main import app
from rtio.io.outputs import (
    input_hash,
    output_folder,
    safe_name,
    write_csv,
    write_xlsx,
)


def test_defaults_are_beside_the_study_and_named_by_the_command(
    study: Path, runner: CliRunner
) -> None:
    before = sorted(p.name for p in study.iterdir())
    result = runner.invoke(app, ["derive", str(study)])
    assert result.exit_code == 0, result.output
    derived = study.parent / "study-derive"
    assert {p.name for p in derived.iterdir()} >= {"adrs.csv", "adtte.csv", "manifest.json"}
    result = runner.invoke(app, ["analyse", str(study)])
    assert result.exit_code == 0, result.output
    assert (study.parent / "study-analyse.json").is_file()
    assert sorted(p.name for p in study.iterdir()) == before  # nothing written into the study
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 0 and "unknown_file" not in result.output


@pytest.mark.parametrize("command", ["derive", "report", "analyse"])
def test_out_inside_the_study_is_refused(study: Path, runner: CliRunner, command: str) -> None:
    result = runner.invoke(app, [command, str(study), "--out", str(study / "out")])
    assert result.exit_code == 2
    assert "outputs never go into an input folder" in result.output
    assert "Traceback" not in result.output
    assert not (study / "out").exists()


def test_screen_output_defaults_beside_the_candidates_not_the_cwd(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    candidates = data / "cands.csv"
    pd.DataFrame({"candidate_id": ["a"], "screening_date": ["2026-01-10"], "age": [40]}).to_csv(
        candidates, index=False
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["screen", "NCT07164690", str(candidates)])
    assert result.exit_code == 0, result.output
    assert (data / "cands-screening.csv").is_file()
    assert not (tmp_path / "screening.csv").exists()
    result = runner.invoke(
        app, ["screen", "NCT07164690", str(candidates), "--out", str(candidates)]
    )
    assert result.exit_code == 2 and "input" in result.output


def test_derive_on_a_simulated_cohort_study_derives_what_applies(
    simulated, runner: CliRunner, tmp_path: Path
) -> None:
    cohort = simulated("yu2025-escc-local-rt", 20)
    out = tmp_path / "cohort-derive"
    result = runner.invoke(app, ["derive", str(cohort), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "adrs: not derived (the study has no lesions / measurements tables)" in result.output
    adtte = pd.read_csv(out / "adtte.csv")
    assert set(adtte["paramcd"]) == {"OS"} and len(adtte) == 20
    manifest = json.loads((out / "manifest.json").read_text())
    assert "adrs" in manifest["options"]["not_derived"]


def test_manifest_records_hash_version_and_options(study: Path, runner: CliRunner) -> None:
    out = study.parent / "d"
    result = runner.invoke(app, ["derive", str(study), "--out", str(out), "--format", "parquet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "derive"
    assert manifest["input_sha256"] == input_hash(study)
    assert manifest["options"]["format"] == "parquet"
    assert manifest["rtio_version"]
    assert {p.suffix for p in out.iterdir()} == {".parquet", ".json"}


def test_two_analyses_of_unchanged_data_give_the_same_hash(study: Path, runner: CliRunner) -> None:
    hashes = []
    for name in ("a.json", "b.json"):
        result = runner.invoke(app, ["analyse", str(study), "--out", str(study.parent / name)])
        assert result.exit_code == 0, result.output
        hashes.append(json.loads((study.parent / name).read_text())["meta"]["input_sha256"])
    assert hashes[0] == hashes[1] == input_hash(study)


def test_the_input_hash_covers_the_protocol_and_excludes_outputs_and_truth(study: Path) -> None:
    before = input_hash(study)
    (study / "manifest.json").write_text("{}")
    (study / "import-report.json").write_text("{}")
    (study / "_truth" / "extra.csv").parent.mkdir(exist_ok=True)
    (study / "_truth" / "extra.csv").write_text("x\n1\n")
    (study / "old-report").mkdir()
    (study / "old-report" / "report.html").write_text("<html/>")
    assert input_hash(study) == before
    shutil.copy(
        Path(report_package.__file__).parents[1]
        / "protocol"
        / "protocols"
        / "ChiCTR2100046715.yaml",
        study / "protocol.yaml",
    )
    settings = study / "study.yaml"
    settings.write_text(
        settings.read_text().replace("protocol: ChiCTR2100046715", "protocol: protocol.yaml")
    )
    with_file = input_hash(study)
    protocol = study / "protocol.yaml"
    protocol.write_text(protocol.read_text().replace("title:", "title: Edited", 1))
    assert input_hash(study) != with_file
    (study / "subjects.csv").write_text((study / "subjects.csv").read_text() + "\n")
    assert input_hash(study) != with_file


def test_a_failed_run_keeps_the_previous_complete_output(
    study: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = study.parent / "r"
    result = runner.invoke(app, ["report", str(study), "--out", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real = report_package.render_report

    def half_then_fail(results, folder, formats):
        real(results, folder, ["html"])
        raise KeyboardInterrupt  # as if interrupted once the HTML was written

    monkeypatch.setattr(report_package, "render_report", half_then_fail)
    result = runner.invoke(app, ["report", str(study), "--out", str(out), "--format", "html"])
    assert result.exit_code != 0
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in out.parent.iterdir() if ".rtio-" in p.name]


def _generation(out: Path) -> str | None:
    """The format of a complete derive output, or None when ``out`` is absent; fails when mixed."""
    if not out.exists():
        return None
    manifest = json.loads((out / "manifest.json").read_text())
    fmt = manifest["options"]["format"]
    tables = {p.stem for p in out.iterdir() if p.name != "manifest.json"}
    assert tables == {"adrs", "adrs_lesions", "adtte", "adlb"}, tables
    assert {p.suffix for p in out.iterdir() if p.name != "manifest.json"} == {f".{fmt}"}
    return fmt


def test_killing_derive_leaves_the_previous_output_or_the_new_one(study: Path) -> None:
    """Interrupt `rtio derive` (SIGKILL, no clean-up at all) at many moments over an existing
    complete output: every time the folder holds one complete generation, never a mixture."""
    out = study.parent / "killed"
    rtio = [sys.executable, "-c", "from rtio.cli.main import app; app()"]
    subprocess.run(
        [*rtio, "derive", str(study), "--out", str(out), "--format", "parquet"], check=True
    )
    seen = set()
    for delay in (0.5, 1.0, 2.0, 3.0, 4.0, 6.0):
        proc = subprocess.Popen(
            [*rtio, "derive", str(study), "--out", str(out), "--format", "csv"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        generation = _generation(out)
        assert generation in ("parquet", "csv")
        seen.add(generation)
        if generation == "csv":  # the new run completed: start again from the old generation
            shutil.rmtree(out)
            subprocess.run(
                [*rtio, "derive", str(study), "--out", str(out), "--format", "parquet"], check=True
            )
    assert "parquet" in seen
    # the next run removes what a killed run left behind
    subprocess.run([*rtio, "derive", str(study), "--out", str(out)], check=True)
    assert _generation(out) == "csv"
    assert not [p for p in out.parent.iterdir() if ".rtio-" in p.name]


def test_output_folder_swaps_in_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out, {"run": 1}) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), output_folder(out, {"run": 2}) as tmp:
        (tmp / "a.txt").write_text("2")
        raise RuntimeError("stop")
    assert (out / "a.txt").read_text() == "1"
    assert json.loads((out / "manifest.json").read_text()) == {"run": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_formula_cells_are_neutralised_in_csv_and_text_in_xlsx(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "subject_id": ['=HYPERLINK("http://x")', "+1", "-cmd", "@SUM(A1)", "S1"],
            "value": [-1.5, 2.0, 3.0, 4.0, 5.0],
        }
    )
    write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["subject_id"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-cmd",
        "'@SUM(A1)",
        "S1",
    ]
    assert back["value"].tolist() == [-1.5, 2.0, 3.0, 4.0, 5.0]
    write_xlsx(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    assert sheet["B2"].value == -1.5


def test_derive_neutralises_formula_like_subject_ids(study: Path, runner: CliRunner) -> None:
    for table in study.glob("*.csv"):
        text = table.read_text(encoding="utf-8")
        table.write_text(text.replace("S0001", "=S0001"), encoding="utf-8")
    out = study.parent / "inj"
    result = runner.invoke(app, ["derive", str(study), "--out", str(out)])
    assert result.exit_code == 0, result.output
    ids = pd.read_csv(out / "adtte.csv")["subject_id"]
    assert "'=S0001" in set(ids) and not ids.str.startswith("=").any()


def test_file_names_come_from_sanitised_ids() -> None:
    assert safe_name("ADSL") == "ADSL" and safe_name("adrs_lesions") == "adrs_lesions"
    for nasty in ("ITT/../../etc", "../x", "a/b", "..", ".hidden", "x" * 500, "", "$\\alpha$"):
        name = safe_name(nasty)
        assert name and "/" not in name and "\\" not in name and not name.startswith(".")
        assert ".." not in name and len(name) <= 100
