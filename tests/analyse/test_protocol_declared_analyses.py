"""Everything the protocol declares runs from analyse_study: RT compliance as deviations with
their consequence (seed 000: a 12-day LDRT course is not completed RT), iRECIST when the protocol
names it, treatment exposure, the data cut-off from the command line, and the validation warnings
of the study carried into the results."""

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from rtio.analyse import analyse_study
from rtio.analyse.derived import derive_study
from rtio.analyse.options import AnalysisOptions
from rtio.derive.exposure import exposure_summary
from rtio.derive.irecist import irecist_best_overall_response, irecist_responses
from rtio.io import load_study
from rtio.protocol.loader import _shipped_dir
from rtio.simulate.protocols import write_protocol_study

DEMO = Path(__file__).parent / "data" / "demo_study"


@pytest.fixture(scope="module")
def ldrt(tmp_path_factory) -> Path:
    return write_protocol_study(tmp_path_factory.mktemp("ldrt") / "study", "NCT07164690", 30, 3)


def _stretch_course(folder: Path, days: int) -> str:
    """Spread the first irradiated patient's LDRT over ``days`` days; returns the patient."""
    rt = pd.read_csv(folder / "radiotherapy.csv", dtype=str, keep_default_na=False)
    subject = rt["subject_id"].iloc[0]
    rows = rt.index[rt["subject_id"] == subject]
    moved, others = rows[0], rows[1:]
    start = min(dt.date.fromisoformat(d) for d in rt.loc[others, "start_date"])
    rt.loc[moved, ["start_date", "end_date"]] = (start + dt.timedelta(days=days)).isoformat()
    rt.to_csv(folder / "radiotherapy.csv", index=False)
    return subject


def test_a_12_day_ldrt_course_is_a_deviation_and_not_completed_rt(ldrt, tmp_path: Path) -> None:
    before = analyse_study(ldrt)
    assert before.deviations is not None and before.deviations.subjects == []
    folder = shutil.copytree(ldrt, tmp_path / "late")
    subject = _stretch_course(folder, 12)
    results = analyse_study(folder)
    deviations = results.deviations
    assert deviations.subjects == [subject]
    assert deviations.by_rule == {"complete_within_days": 1}
    assert "12 days (limit 7)" in deviations.rows[0].detail
    assert deviations.rt_not_completed == [subject]
    assert results.disposition.completed_rt == before.disposition.completed_rt - 1
    assert "not counted as having completed RT" in deviations.consequence


def test_irecist_runs_when_the_protocol_names_it(ldrt, tmp_path: Path) -> None:
    assert analyse_study(ldrt).irecist is None  # the shipped protocol says RECIST 1.1
    folder = shutil.copytree(ldrt, tmp_path / "irecist")
    protocol = yaml.safe_load((_shipped_dir() / "NCT07164690.yaml").read_text(encoding="utf-8"))
    protocol["response_criteria"]["name"] = "iRECIST"
    (folder / "protocol.yaml").write_text(
        yaml.safe_dump(protocol, allow_unicode=True), encoding="utf-8"
    )
    settings = yaml.safe_load((folder / "study.yaml").read_text())
    settings["protocol"] = "protocol.yaml"
    (folder / "study.yaml").write_text(yaml.safe_dump(settings))
    results = analyse_study(folder)
    study = load_study(folder)
    best = irecist_best_overall_response(irecist_responses(derive_study(study).timepoints))
    counts = best["ibor"].value_counts()
    shown = {row.category: row.n for row in results.irecist.distribution}
    for category in ("iCR", "iPR", "iSD", "iUPD", "iCPD"):
        assert shown[category] == counts.get(category, 0)
    assert sum(shown.values()) == results.populations["ITT"]
    assert results.irecist.ipfs is not None and results.irecist.ipfs.endpoint == "IPFS"


def test_exposure_summary_equals_the_per_subject_derivation() -> None:
    results = analyse_study(DEMO)
    study = load_study(DEMO)
    per_subject = exposure_summary(study.table("exposures"), 21)
    rows = {(r.drug, r.group): r for r in results.exposure.rows}
    for drug, part in per_subject.groupby("drug"):
        row = rows[(drug, "All")]
        assert row.patients == part["subject_id"].nunique()
        assert row.cycles_median == pytest.approx(part["cycles"].median())
        assert row.months_median == pytest.approx(part["time_on_treatment_months"].median())
    # toripalimab has a fixed dose (240 mg): its dose intensity is reported
    assert rows[("toripalimab", "All")].dose_intensity_median is not None
    assert results.exposure.planned_doses == {"toripalimab": 240.0}
    assert "unknown" not in results.exposure.discontinuation


def test_a_cutoff_on_the_command_line_overrides_study_yaml(tmp_path: Path) -> None:
    full = analyse_study(DEMO)
    subjects = load_study(DEMO).table("subjects")
    cutoff = subjects["start_date"].sort_values().iloc[20].date()
    late = subjects.loc[subjects["start_date"] > pd.Timestamp(cutoff), "subject_id"].tolist()
    earlier = analyse_study(DEMO, AnalysisOptions(cutoff=cutoff))
    assert earlier.meta.data_cutoff == cutoff.isoformat()
    assert earlier.populations["ITT"] == full.populations["ITT"] - len(late)
    warning = next(w for w in earlier.warnings if "started after the data cut-off" in w)
    assert f"{len(late)} subject(s)" in warning and late[0] in warning
    os_itt = next(s for s in earlier.survival if s.endpoint == "OS" and s.population == "ITT")
    last = max(p.months for p in os_itt.curve)
    assert last <= (cutoff - subjects["start_date"].min().date()).days / 30.4375 + 1e-9
    assert earlier.meta.options == {"cutoff": cutoff.isoformat()}


def test_validation_warnings_of_the_study_are_carried_into_the_results() -> None:
    study = load_study(DEMO)
    results = analyse_study(DEMO)
    for issue in study.report.warnings:
        assert str(issue) in results.warnings
